/* IEEE 802.1Q / 802.1ad VLAN tag: priority, drop eligibility, VLAN id. */
#include "proto.h"

static const struct tok ethertype_names[] = {
    {0x0800, "IPv4"},
    {0x0806, "ARP"},
    {0x0842, "Wake on LAN"},
    {0x22f0, "AVTP"},
    {0x22f3, "TRILL"},
    {0x6003, "DECnet Phase IV"},
    {0x8035, "RARP"},
    {0x809b, "AppleTalk"},
    {0x80f3, "AARP"},
    {0x8100, "802.1Q Virtual LAN"},
    {0x8137, "IPX"},
    {0x86dd, "IPv6"},
    {0x8808, "Ethernet flow control"},
    {0x8809, "Slow Protocols"},
    {0x8847, "MPLS label switched packet"},
    {0x8848, "MPLS multicast label switched packet"},
    {0x8863, "PPPoE Discovery"},
    {0x8864, "PPPoE Session"},
    {0x886d, "Intel ANS probe"},
    {0x887b, "HomePlug"},
    {0x888e, "802.1X Authentication"},
    {0x8892, "PROFINET"},
    {0x889a, "HyperSCSI"},
    {0x88a2, "ATA over Ethernet"},
    {0x88a4, "EtherCAT"},
    {0x88a8, "802.1ad Provider Bridge (Q-in-Q)"},
    {0x88b5, "Local Experimental Ethertype 1"},
    {0x88b6, "Local Experimental Ethertype 2"},
    {0x88cc, "802.1 Link Layer Discovery Protocol (LLDP)"},
    {0x88e5, "802.1AE (MACsec)"},
    {0x88e7, "802.1ah Provider Backbone Bridge"},
    {0x88f7, "PTPv2 over Ethernet (IEEE1588)"},
    {0x8902, "IEEE 802.1ag Connectivity Fault Management (CFM)"},
    {0x8906, "Fibre Channel over Ethernet"},
    {0x8914, "FCoE Initialization Protocol"},
    {0x9000, "Configuration Test Protocol (loopback)"},
    {0x9100, "802.1QinQ"},
    {0, NULL},
};

/* IEEE 802.1Q-2014 Table I-2 traffic types. */
static const char *const pcp_names[8] = {
    "Best Effort (default)",
    "Background",
    "Excellent Effort",
    "Critical Applications",
    "Video, < 100ms latency and jitter",
    "Voice, < 10ms latency and jitter",
    "Internetwork Control",
    "Network Control",
};

const char *ws_ethertype_name(unsigned type)
{
    return tok_name(ethertype_names, type);
}

/* True when no VLAN tag came before this one in the frame. */
static bool vlan_is_outermost(const struct ws_packet *pkt)
{
    for (unsigned i = 0; i + 1 < pkt->nlayers; i++)
        if (pkt->layers[i].proto == P_VLAN)
            return false;
    return true;
}

static void vlan_tci_fields(struct ws_packet *pkt, uint32_t off, uint16_t tci)
{
    unsigned pcp = tci >> 13;
    unsigned dei = (tci >> 12) & 1;
    field_add(pkt, 1, "Priority", off, 2, "%s (%u)", pcp_names[pcp], pcp);
    field_add(pkt, 1, "DEI", off, 2, "%s", dei ? "Eligible" : "Ineligible");
    field_add(pkt, 1, "ID", off, 2, "%u", tci & 0x0fffu);
}

static enum ws_proto vlan_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = layer_open(pkt, P_VLAN, c);
    if (!l)
        return P_NONE;
    uint32_t off = cur_offset(c);
    uint16_t tci = cur_be16(c);
    uint16_t type = cur_be16(c);
    if (!cur_ok(c)) {
        layer_fail(pkt, l, EV_TRUNCATED);
        layer_close(pkt, l, c);
        return P_NONE;
    }
    if (vlan_is_outermost(pkt))
        pkt->vlan = tci & 0x0fff;
    vlan_tci_fields(pkt, off, tci);
    layer_close(pkt, l, c);
    if (type <= 1500) {
        /* 802.3 length: LLC follows, left as data; padding excluded. */
        field_add(pkt, 1, "Length", off + 2, 2, "%u", type);
        if (type < cur_left(c)) {
            struct cursor body = cur_sub(c, type);
            *c = body;
        }
        return P_DATA;
    }
    field_add(pkt, 1, "Type", off + 2, 2, "%s (0x%04x)",
              ws_ethertype_name(type), type);
    pkt->ethertype = type;
    return proto_from_ethertype(type);
}

const struct proto_desc proto_vlan = {P_VLAN, "VLAN", "802.1Q Virtual LAN",
                                      vlan_dissect, NULL};
