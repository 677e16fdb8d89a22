/* Ethernet II and 802.3 frames (DLT_EN10MB). */
#include "proto.h"
#include "wirescope/addr.h"

static enum ws_proto eth_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = layer_open(pkt, P_ETH, c);
    if (!l)
        return P_NONE;
    uint32_t off = cur_offset(c);
    cur_copy(c, pkt->eth_dst, 6);
    cur_copy(c, pkt->eth_src, 6);
    uint16_t type = cur_be16(c);
    if (!cur_ok(c)) {
        layer_fail(pkt, l, EV_TRUNCATED);
        layer_close(pkt, l, c);
        return P_NONE;
    }
    pkt->has_eth = true;
    if (pkt->want_fields) {
        char mac[18];
        mac_format(pkt->eth_dst, mac);
        field_add(pkt, 1, "Destination", off, 6, "%s", mac);
        mac_format(pkt->eth_src, mac);
        field_add(pkt, 1, "Source", off + 6, 6, "%s", mac);
    }
    layer_close(pkt, l, c);
    if (type <= 1500) {
        /* 802.3 length field: LLC follows, which we leave as data. */
        field_add(pkt, 1, "Length", off + 12, 2, "%u", type);
        struct cursor body = cur_sub(c, type);
        *c = body;
        return P_DATA;
    }
    field_add(pkt, 1, "Type", off + 12, 2, "0x%04x", type);
    pkt->ethertype = type;
    return proto_from_ethertype(type);
}

const struct proto_desc proto_eth = {P_ETH, "ETH", "Ethernet II", eth_dissect, NULL};
