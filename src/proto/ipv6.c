/* Internet Protocol version 6 (RFC 8200): the fixed 40-byte header. */
#include "proto.h"
#include "wirescope/addr.h"

#define IPV6_HDR_LEN 40
#define IPPROTO_HOPOPTS 0

/* Defined in ipv4.c; the prototypes belong in proto.h. */

static void ipv6_addr_field(struct ws_packet *pkt, const char *name,
                            uint32_t off, const struct ws_addr *a)
{
    if (!pkt->want_fields)
        return;
    char txt[WS_ADDR_STRLEN];
    addr_format(a, txt, sizeof txt);
    field_add(pkt, 1, name, off, 16, "%s", txt);
}

static void ipv6_fields(struct ws_packet *pkt, uint32_t off, uint32_t vtf,
                        uint16_t plen, uint8_t nh)
{
    unsigned tc = (vtf >> 20) & 0xff;
    field_add(pkt, 1, "Version", off, 1, "%u", vtf >> 28);
    field_add(pkt, 1, "Traffic Class", off, 2, "0x%02x (DSCP: %s, ECN: %s)", tc,
              ws_dscp_name(tc >> 2), ws_ecn_name(tc & 3));
    field_add(pkt, 2, "Differentiated Services Codepoint", off, 2, "%s (%u)",
              ws_dscp_name(tc >> 2), tc >> 2);
    field_add(pkt, 2, "Explicit Congestion Notification", off + 1, 1, "%s (%u)",
              ws_ecn_name(tc & 3), tc & 3);
    field_add(pkt, 1, "Flow Label", off + 1, 3, "0x%05x", vtf & 0xfffff);
    field_add(pkt, 1, "Payload Length", off + 4, 2, "%u", plen);
    field_add(pkt, 1, "Next Header", off + 6, 1, "%s (%u)", ws_ipproto_name(nh),
              nh);
    field_add(pkt, 1, "Hop Limit", off + 7, 1, "%u", pkt->ttl);
    ipv6_addr_field(pkt, "Source Address", off + 8, &pkt->src);
    ipv6_addr_field(pkt, "Destination Address", off + 24, &pkt->dst);
}

static enum ws_proto ipv6_fail(struct ws_packet *pkt, struct ws_layer *l,
                               const struct cursor *c, enum ws_event ev)
{
    layer_fail(pkt, l, ev);
    layer_close(pkt, l, c);
    return P_NONE;
}

static enum ws_proto ipv6_dissect(struct ws_packet *pkt, struct cursor *c)
{
    /* DLT_IPV6 starts here, but like tcpdump let the version decide. */
    if (pkt->nlayers == 0 && cur_left(c) > 0 && cur_peek8(c, 0) >> 4 == 4)
        return P_IPV4;
    struct ws_layer *l = layer_open(pkt, P_IPV6, c);
    if (!l)
        return P_NONE;
    uint32_t off = cur_offset(c);
    if (cur_left(c) > 0 && cur_peek8(c, 0) >> 4 != 6) {
        uint8_t ver = cur_u8(c) >> 4;
        field_add(pkt, 1, "Version", off, 1, "%u", ver);
        return ipv6_fail(pkt, l, c, EV_BAD_VERSION);
    }
    uint32_t vtf = cur_be32(c);
    uint16_t plen = cur_be16(c);
    uint8_t nh = cur_u8(c);
    uint8_t hlim = cur_u8(c);
    uint8_t src[16], dst[16];
    cur_copy(c, src, 16);
    cur_copy(c, dst, 16);
    if (!cur_ok(c))
        return ipv6_fail(pkt, l, c, EV_TRUNCATED);
    pkt->ip_ver = 6;
    pkt->ttl = hlim;
    pkt->ip_proto = nh;
    pkt->ip_fragment = false;
    pkt->ip_more_frags = false;
    pkt->ip_frag_off = 0;
    pkt->ip_id = 0;
    addr_from_v6(&pkt->src, src);
    addr_from_v6(&pkt->dst, dst);
    ipv6_fields(pkt, off, vtf, plen, nh);
    layer_close(pkt, l, c);
    /*
     * Drop link-layer padding. A longer payload length is a short capture;
     * 0 with a hop-by-hop header is a jumbogram (RFC 2675), or BIG TCP:
     * the capture holds the payload.
     */
    bool jumbo = plen == 0 && nh == IPPROTO_HOPOPTS;
    if (!jumbo && plen < cur_left(c)) {
        struct cursor body = cur_sub(c, plen);
        *c = body;
    }
    return proto_from_ipproto(nh);
}

const struct proto_desc proto_ipv6 = {
    P_IPV6, "IPv6", "Internet Protocol Version 6", ipv6_dissect, NULL};
