/* Address storage and formatting. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "wirescope/addr.h"
#include "wirescope/textbuf.h"

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0,
                                             0, 0, 0, 0, 0xff, 0xff};

void addr_from_v4(struct ws_addr *a, const uint8_t v4[4])
{
    memcpy(a->b, v4_mapped_prefix, 12);
    memcpy(a->b + 12, v4, 4);
}

void addr_from_v6(struct ws_addr *a, const uint8_t v6[16])
{
    memcpy(a->b, v6, 16);
}

bool addr_is_v4(const struct ws_addr *a)
{
    return memcmp(a->b, v4_mapped_prefix, 12) == 0;
}

int addr_cmp(const struct ws_addr *a, const struct ws_addr *b)
{
    return memcmp(a->b, b->b, 16);
}

static char *put_decimal_octet(char *p, unsigned v)
{
    if (v >= 100)
        *p++ = (char)('0' + v / 100);
    if (v >= 10)
        *p++ = (char)('0' + v / 10 % 10);
    *p++ = (char)('0' + v % 10);
    return p;
}

/* Dotted quad without inet_ntop, which goes through sprintf: ~15 times
 * cheaper, and every packet line and flow row prints two addresses. */
static size_t format_v4(const uint8_t v4[4], char *buf)
{
    char *p = buf;
    for (int i = 0; i < 4; i++) {
        if (i)
            *p++ = '.';
        p = put_decimal_octet(p, v4[i]);
    }
    *p = '\0';
    return (size_t)(p - buf);
}

/* The longest run of two or more zero groups (the first of equal runs),
 * which RFC 5952 4.2 compresses to "::"; *len 0 when there is none. */
static void longest_zero_run(const uint16_t w[8], int *base, int *len)
{
    *base = -1;
    *len = 0;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && w[j] == 0)
            j++;
        if (j - i > *len && j - i >= 2) {
            *base = i;
            *len = j - i;
        }
        i = j > i ? j : i + 1;
    }
}

static char *put_hex_group(char *p, unsigned v)
{
    static const char hex[] = "0123456789abcdef";
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned d = (v >> shift) & 15;
        if (d || started || shift == 0) {
            *p++ = hex[d];
            started = true;
        }
    }
    return p;
}

/*
 * RFC 5952 text, as glibc's inet_ntop writes it (the unit test compares
 * the two over every pattern of zero groups): glibc's costs ~4,000
 * instructions an address, a sprintf per group. Like it, an address whose
 * first six groups (exactly) are zero ends in a dotted quad, "::a.b.c.d";
 * ::ffff:a.b.c.d is how IPv4 addresses are kept and is printed as IPv4.
 */
static size_t format_v6(const uint8_t b[16], char *buf)
{
    uint16_t w[8];
    for (int i = 0; i < 8; i++)
        w[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
    int base, len;
    longest_zero_run(w, &base, &len);
    char *p = buf;
    for (int i = 0; i < 8; i++) {
        if (base >= 0 && i >= base && i < base + len) {
            if (i == base)
                *p++ = ':';
            continue;
        }
        if (i)
            *p++ = ':';
        if (i == 6 && base == 0 && len == 6) { /* ::ffff:/96 never comes here */
            p += format_v4(b + 12, p);
            *p = '\0';
            return (size_t)(p - buf);
        }
        p = put_hex_group(p, w[i]);
    }
    if (base >= 0 && base + len == 8)
        *p++ = ':';
    *p = '\0';
    return (size_t)(p - buf);
}

size_t addr_format(const struct ws_addr *a, char *buf, size_t size)
{
    if (size == 0)
        return 0;
    bool v4 = addr_is_v4(a);
    if (v4 && size >= INET_ADDRSTRLEN)
        return format_v4(a->b + 12, buf);
    if (!v4 && size >= INET6_ADDRSTRLEN)
        return format_v6(a->b, buf);
    const char *r = v4 ? inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)size)
                       : inet_ntop(AF_INET6, a->b, buf, (socklen_t)size);
    if (!r) {
        buf[0] = '\0';
        return 0;
    }
    return strlen(buf);
}

void addr_port_put(struct textbuf *tb, const struct ws_addr *a, uint16_t port)
{
    char buf[WS_ADDR_STRLEN];
    addr_format(a, buf, sizeof buf);
    bool v6 = !addr_is_v4(a);
    if (v6)
        tb_putc(tb, '[');
    tb_puts(tb, buf);
    if (v6)
        tb_putc(tb, ']');
    tb_putc(tb, ':');
    tb_u64(tb, port);
}

void mac_format(const uint8_t mac[6], char buf[18])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 6; i++) {
        buf[i * 3] = hex[mac[i] >> 4];
        buf[i * 3 + 1] = hex[mac[i] & 15];
        buf[i * 3 + 2] = i < 5 ? ':' : '\0';
    }
}
