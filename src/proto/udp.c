/* User Datagram Protocol header (RFC 768). */
#include <string.h>

#include "proto.h"

#define UDP_HDR_LEN 8

static enum ws_proto udp_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = layer_open(pkt, P_UDP, c);
    if (!l)
        return P_NONE;
    struct ws_udp *u = &pkt->u.udp;
    memset(u, 0, sizeof *u);
    uint32_t off = cur_offset(c);
    size_t avail = cur_left(c);
    pkt->l4_off = off;
    pkt->payload_off = off;
    pkt->payload_len = 0;

    struct cursor h = cur_sub(c, avail < UDP_HDR_LEN ? avail : UDP_HDR_LEN);
    pkt->sport = avail >= 2 ? cur_be16(&h) : 0;
    pkt->dport = avail >= 4 ? cur_be16(&h) : 0;
    u->len = cur_be16(&h);
    u->csum = cur_be16(&h);
    if (avail >= 2)
        field_add(pkt, 1, "Source Port", off, 2, "%u", pkt->sport);
    if (avail >= 4)
        field_add(pkt, 1, "Destination Port", off + 2, 2, "%u", pkt->dport);
    if (avail >= 6)
        field_add(pkt, 1, "Length", off + 4, 2, "%u", u->len);
    if (avail >= 8)
        field_add(pkt, 1, "Checksum", off + 6, 2, "0x%04x", u->csum);
    layer_close(pkt, l, c);
    if (avail < UDP_HDR_LEN) {
        layer_fail(pkt, l, EV_TRUNCATED);
        pkt->payload_off = off + (uint32_t)avail;
        return P_NONE;
    }

    /* The datagram on the wire as the IP length gives it. */
    uint32_t seg = proto_wire_len_from(pkt, off, avail);
    pkt->payload_off = off + UDP_HDR_LEN;
    if (seg < UDP_HDR_LEN)
        seg = UDP_HDR_LEN;
    if (u->len == 0 && pkt->ip_ver == 6) {
        /* A jumbogram (RFC 2675): the IPv6 jumbo option holds the length. */
        pkt->payload_len = seg - UDP_HDR_LEN;
    } else if (u->len > seg && u->len >= UDP_HDR_LEN && pkt->ip_more_frags) {
        /* A first fragment carries only the start of the datagram. */
        pkt->payload_len = seg - UDP_HDR_LEN;
    } else if (u->len < UDP_HDR_LEN || u->len > seg) {
        /* Unusable length field: keep the payload the IP length gives. */
        layer_fail(pkt, l, EV_BAD_TOTAL_LEN);
        pkt->payload_len = seg - UDP_HDR_LEN;
    } else {
        pkt->payload_len = u->len - UDP_HDR_LEN;
        if (pkt->payload_len < cur_left(c)) {
            /* Bytes past the UDP length (padding) are not payload. */
            struct cursor body = cur_sub(c, pkt->payload_len);
            *c = body;
        }
    }
    return cur_left(c) > 0 ? proto_select_app(pkt, c) : P_NONE;
}

const struct proto_desc proto_udp = {P_UDP, "UDP", "User Datagram Protocol",
                                     udp_dissect, NULL};
