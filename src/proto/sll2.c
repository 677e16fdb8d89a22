/* Linux cooked capture v2 (DLT_LINUX_SLL2): the 20-byte pseudo-header. */
#include "proto.h"

#define SLL2_ADDR_LEN 8

/* Shared with sll.c (defined there); the prototypes belong in proto.h. */

static enum ws_proto sll2_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = layer_open(pkt, P_SLL2, c);
    if (!l)
        return P_NONE;
    uint32_t off = cur_offset(c);
    uint16_t proto = cur_be16(c);
    uint16_t reserved = cur_be16(c);
    uint32_t ifindex = cur_be32(c);
    uint16_t hatype = cur_be16(c);
    uint8_t pkttype = cur_u8(c);
    uint8_t halen = cur_u8(c);
    uint8_t addr[SLL2_ADDR_LEN];
    cur_copy(c, addr, sizeof addr);
    if (!cur_ok(c)) {
        layer_fail(pkt, l, EV_TRUNCATED);
        layer_close(pkt, l, c);
        return P_NONE;
    }
    ws_sll_proto_field(pkt, off, hatype, proto);
    field_add(pkt, 1, "Reserved", off + 2, 2, "%u", reserved);
    field_add(pkt, 1, "Interface index", off + 4, 4, "%u", ifindex);
    field_add(pkt, 1, "Link-layer address type", off + 8, 2, "%s (%u)",
              ws_arphrd_name(hatype), hatype);
    field_add(pkt, 1, "Packet type", off + 10, 1, "%s (%u)",
              ws_sll_pkttype_name(pkttype), pkttype);
    field_add(pkt, 1, "Link-layer address length", off + 11, 1, "%u", halen);
    ws_sll_addr_field(pkt, off + 12, addr, halen);
    layer_close(pkt, l, c);
    return ws_sll_next(pkt, hatype, proto);
}

const struct proto_desc proto_sll2 = {P_SLL2, "SLL2", "Linux cooked capture v2",
                                      sll2_dissect, NULL};
