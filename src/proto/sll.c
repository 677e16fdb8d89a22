/* Linux cooked capture v1 (DLT_LINUX_SLL): the 16-byte pseudo-header. */
#include "proto.h"
#include "wirescope/addr.h"

#define SLL_HDR_LEN 16
#define SLL_ADDR_LEN 8
#define ARPHRD_NETLINK 824

static const struct tok pkttype_names[] = {
    {0, "Unicast to us"},
    {1, "Broadcast"},
    {2, "Multicast"},
    {3, "Unicast to another host"},
    {4, "Sent by us"},
    {0, NULL},
};

/* Linux ARPHRD_* link-layer address types. */
static const struct tok arphrd_names[] = {
    {1, "Ethernet"},
    {6, "IEEE 802"},
    {15, "Frame Relay DLCI"},
    {19, "ATM"},
    {24, "IEEE 1394"},
    {32, "InfiniBand"},
    {512, "PPP"},
    {513, "Cisco HDLC"},
    {516, "LAPB"},
    {768, "IPIP tunnel"},
    {769, "IPv6-in-IPv4 tunnel"},
    {770, "Frame Relay Access Device"},
    {772, "Loopback"},
    {776, "IPv6-in-IPv4 (SIT)"},
    {778, "GRE over IP"},
    {783, "Linux-IrDA"},
    {801, "IEEE 802.11"},
    {802, "IEEE 802.11 + Prism header"},
    {803, "IEEE 802.11 + radiotap header"},
    {804, "IEEE 802.15.4"},
    {823, "IPv6 over GRE"},
    {824, "Netlink"},
    {825, "6LoWPAN"},
    {65534, "None"},
    {65535, "Void"},
    {0, NULL},
};

/* Protocol values below 1536 that Linux uses instead of an ethertype. */
static const struct tok ltype_names[] = {
    {0x0001, "Raw 802.3"},
    {0x0002, "AX.25"},
    {0x0003, "Ethernet"},
    {0x0004, "802.2 LLC"},
    {0x0007, "PPP (HDLC)"},
    {0x000c, "CAN"},
    {0x000d, "CAN FD"},
    {0x0017, "IrDA LAP"},
    {0x00f5, "ISI"},
    {0x00f6, "IEEE 802.15.4"},
    {0x00fa, "MCTP"},
    {0, NULL},
};

const char *ws_sll_pkttype_name(unsigned type)
{
    return tok_name(pkttype_names, type);
}

const char *ws_arphrd_name(unsigned hatype)
{
    return tok_name(arphrd_names, hatype);
}

/* The protocol field is an ethertype unless it is a small Linux value. */
enum ws_proto ws_sll_next(struct ws_packet *pkt, uint16_t hatype,
                          uint16_t proto)
{
    if (hatype == ARPHRD_NETLINK)
        return P_DATA;
    if (proto <= 1500)
        return proto == 0x0003 ? P_ETH : P_DATA;
    pkt->ethertype = proto;
    return proto_from_ethertype(proto);
}

static void hex_colon(const uint8_t *b, size_t n, char *out, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 <= size; i++) {
        if (i)
            out[o++] = ':';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    if (size)
        out[o] = '\0';
}

/* "Source" over the halen meaningful bytes of the 8-byte address slot. */
void ws_sll_addr_field(struct ws_packet *pkt, uint32_t off,
                       const uint8_t addr[8], unsigned halen)
{
    if (!pkt->want_fields)
        return;
    unsigned n = halen < SLL_ADDR_LEN ? halen : SLL_ADDR_LEN;
    char buf[3 * SLL_ADDR_LEN + 1];
    if (n == 6)
        mac_format(addr, buf);
    else
        hex_colon(addr, n, buf, sizeof buf);
    field_add(pkt, 1, "Source", off, n, "%s", n ? buf : "(none)");
}

void ws_sll_proto_field(struct ws_packet *pkt, uint32_t off, uint16_t hatype,
                        uint16_t proto)
{
    const char *name = hatype == ARPHRD_NETLINK ? "Netlink family"
                       : proto <= 1500          ? tok_name(ltype_names, proto)
                                                : ws_ethertype_name(proto);
    field_add(pkt, 1, "Protocol", off, 2, "%s (0x%04x)", name, proto);
}

static enum ws_proto sll_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = layer_open(pkt, P_SLL, c);
    if (!l)
        return P_NONE;
    uint32_t off = cur_offset(c);
    uint16_t pkttype = cur_be16(c);
    uint16_t hatype = cur_be16(c);
    uint16_t halen = cur_be16(c);
    uint8_t addr[SLL_ADDR_LEN];
    cur_copy(c, addr, sizeof addr);
    uint16_t proto = cur_be16(c);
    if (!cur_ok(c)) {
        layer_fail(pkt, l, EV_TRUNCATED);
        layer_close(pkt, l, c);
        return P_NONE;
    }
    field_add(pkt, 1, "Packet type", off, 2, "%s (%u)",
              ws_sll_pkttype_name(pkttype), pkttype);
    field_add(pkt, 1, "Link-layer address type", off + 2, 2, "%s (%u)",
              ws_arphrd_name(hatype), hatype);
    field_add(pkt, 1, "Link-layer address length", off + 4, 2, "%u", halen);
    ws_sll_addr_field(pkt, off + 6, addr, halen);
    ws_sll_proto_field(pkt, off + 14, hatype, proto);
    layer_close(pkt, l, c);
    return ws_sll_next(pkt, hatype, proto);
}

const struct proto_desc proto_sll = {P_SLL, "SLL", "Linux cooked capture v1",
                                     sll_dissect, NULL};
