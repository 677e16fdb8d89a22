/* BSD loopback encapsulation (DLT_NULL, DLT_LOOP): a 4-byte address family. */
#include <pcap/dlt.h>

#include "proto.h"

/*
 * AF_INET is 2 everywhere; AF_INET6 differs by the OS that wrote the file:
 * 24 on NetBSD/OpenBSD/BSD/OS, 28 on FreeBSD/DragonFly, 30 on macOS,
 * 10 on Linux.
 */
#define BSD_AF_INET 2
#define BSD_AF_INET6_LINUX 10
#define BSD_AF_INET6_BSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

static const struct tok family_names[] = {
    {BSD_AF_INET, "IP"},
    {7, "OSI"},
    {BSD_AF_INET6_LINUX, "IPv6"},
    {16, "Appletalk"},
    {23, "Netware IPX/SPX"},
    {BSD_AF_INET6_BSD, "IPv6"},
    {BSD_AF_INET6_FREEBSD, "IPv6"},
    {BSD_AF_INET6_DARWIN, "IPv6"},
    {0, NULL},
};

/*
 * DLT_NULL stores the family in the byte order of the host that wrote the
 * capture; families are small, so a value with any bit in the upper half
 * was written the other way round (as tcpdump decides). DLT_LOOP is always
 * network byte order.
 */
static uint32_t null_family(const struct ws_packet *pkt, const uint8_t b[4])
{
    uint32_t be = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                  (uint32_t)b[2] << 8 | b[3];
    if (pkt->linktype == DLT_LOOP)
        return be;
    uint32_t le = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
                  (uint32_t)b[1] << 8 | b[0];
    return le <= 0xffff ? le : be;
}

static enum ws_proto null_next(uint32_t family)
{
    switch (family) {
    case BSD_AF_INET:
        return P_IPV4;
    case BSD_AF_INET6_LINUX:
    case BSD_AF_INET6_BSD:
    case BSD_AF_INET6_FREEBSD:
    case BSD_AF_INET6_DARWIN:
        return P_IPV6;
    default:
        return P_DATA;
    }
}

static enum ws_proto null_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = layer_open(pkt, P_NULL, c);
    if (!l)
        return P_NONE;
    uint32_t off = cur_offset(c);
    uint8_t b[4];
    if (!cur_copy(c, b, sizeof b)) {
        layer_fail(pkt, l, EV_TRUNCATED);
        layer_close(pkt, l, c);
        return P_NONE;
    }
    uint32_t family = null_family(pkt, b);
    field_add(pkt, 1, "Family", off, 4, "%s (%u)",
              tok_name(family_names, family), family);
    layer_close(pkt, l, c);
    return null_next(family);
}

const struct proto_desc proto_null = {P_NULL, "NULL", "Null/Loopback",
                                      null_dissect, NULL};
