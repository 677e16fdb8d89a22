/* Bounded text building for output lines. */
#include <string.h>

#include "wirescope/textbuf.h"

void tb_init(struct textbuf *tb, char *storage, size_t cap)
{
    tb->p = storage;
    tb->cap = cap;
    tb_reset(tb);
}

void tb_reset(struct textbuf *tb)
{
    tb->len = 0;
    tb->truncated = false;
    if (tb->cap)
        tb->p[0] = '\0';
}

void tb_putn(struct textbuf *tb, const char *s, size_t n)
{
    size_t room = tb->cap - tb->len - 1;
    if (n > room) {
        n = room;
        tb->truncated = true;
    }
    memcpy(tb->p + tb->len, s, n);
    tb->len += n;
    tb->p[tb->len] = '\0';
}

void tb_putc(struct textbuf *tb, char c)
{
    if (tb->len + 1 >= tb->cap) {
        tb->truncated = true;
        return;
    }
    tb->p[tb->len++] = c;
    tb->p[tb->len] = '\0';
}

void tb_puts(struct textbuf *tb, const char *s) { tb_putn(tb, s, strlen(s)); }

void tb_u64(struct textbuf *tb, uint64_t v)
{
    char tmp[21];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tb_putn(tb, tmp + i, sizeof tmp - i);
}

void tb_i64(struct textbuf *tb, int64_t v)
{
    if (v < 0) {
        tb_putc(tb, '-');
        tb_u64(tb, (uint64_t)0 - (uint64_t)v);
    } else {
        tb_u64(tb, (uint64_t)v);
    }
}

static const uint64_t pow10_table[10] = {1,      10,      100,      1000,
                                         10000,  100000,  1000000,  10000000,
                                         100000000, 1000000000};

void tb_fixed(struct textbuf *tb, int64_t v, int digits)
{
    if (digits < 0)
        digits = 0;
    if (digits > 9)
        digits = 9;
    uint64_t m = pow10_table[digits];
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        tb_putc(tb, '-');
    tb_u64(tb, a / m);
    if (digits == 0)
        return;
    tb_putc(tb, '.');
    char frac[9];
    uint64_t f = a % m;
    for (int i = digits - 1; i >= 0; i--) {
        frac[i] = (char)('0' + f % 10);
        f /= 10;
    }
    tb_putn(tb, frac, (size_t)digits);
}

void tb_time(struct textbuf *tb, int64_t sec, uint32_t nsec, bool nano)
{
    if (sec < 0 && nsec) { /* keep the value exact for negative times */
        sec += 1;
        nsec = 1000000000u - nsec;
        tb_putc(tb, '-');
        if (sec == 0)
            tb_putc(tb, '0');
        else
            tb_u64(tb, (uint64_t)0 - (uint64_t)sec);
    } else {
        tb_i64(tb, sec);
    }
    tb_putc(tb, '.');
    char frac[9];
    uint32_t f = nano ? nsec : nsec / 1000;
    int digits = nano ? 9 : 6;
    for (int i = digits - 1; i >= 0; i--) {
        frac[i] = (char)('0' + f % 10);
        f /= 10;
    }
    tb_putn(tb, frac, (size_t)digits);
}

void tb_align_right(struct textbuf *tb, size_t mark, size_t width)
{
    size_t n = tb->len - mark;
    if (n >= width || tb->len + (width - n) + 1 > tb->cap)
        return;
    size_t pad = width - n;
    memmove(tb->p + mark + pad, tb->p + mark, n);
    memset(tb->p + mark, ' ', pad);
    tb->len += pad;
    tb->p[tb->len] = '\0';
}

void tb_pad_to(struct textbuf *tb, size_t mark, size_t width)
{
    size_t have = tb->len - mark;
    if (have >= width || tb->len + 1 >= tb->cap)
        return;
    size_t pad = width - have;
    if (pad > tb->cap - 1 - tb->len)
        pad = tb->cap - 1 - tb->len; /* as many as fit, like putc did */
    memset(tb->p + tb->len, ' ', pad);
    tb->len += pad;
    tb->p[tb->len] = '\0';
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_valid_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (n == 0 || c > 0xf4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

void tb_json_str(struct textbuf *tb, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    tb_putc(tb, '"');
    while (*u) {
        unsigned char c = *u;
        if (c == '"' || c == '\\') {
            tb_putc(tb, '\\');
            tb_putc(tb, (char)c);
            u++;
        } else if (c < 0x20 || c == 0x7f) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            tb_putn(tb, esc, 6);
            u++;
        } else {
            size_t n = utf8_valid_len(u);
            if (n == 0) { /* invalid byte: U+FFFD */
                tb_puts(tb, "\\ufffd");
                u++;
            } else {
                tb_putn(tb, (const char *)u, n);
                u += n;
            }
        }
    }
    tb_putc(tb, '"');
}
