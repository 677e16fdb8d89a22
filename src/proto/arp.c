/* ARP and RARP (RFC 826, RFC 903), and ATMARP (RFC 2225) by hardware type. */
#include <string.h>

#include "proto.h"
#include "wirescope/addr.h"

#define ARPHRD_ETHER 1
#define ARPHRD_ATM2225 19
#define ETHERTYPE_IP 0x0800
#define ARP_HEX_SHOWN 32 /* bytes of a long address shown in a field */


/* IANA ARP hardware types. */
static const struct tok htype_names[] = {
    {1, "Ethernet"},
    {2, "Experimental Ethernet"},
    {3, "AX.25"},
    {4, "ProNET"},
    {5, "Chaos"},
    {6, "IEEE 802"},
    {7, "ARCNET"},
    {8, "Hyperchannel"},
    {9, "Lanstar"},
    {10, "Autonet"},
    {11, "LocalTalk"},
    {12, "LocalNet"},
    {13, "Ultra link"},
    {14, "SMDS"},
    {15, "Frame Relay"},
    {16, "ATM"},
    {17, "HDLC"},
    {18, "Fibre Channel"},
    {19, "ATM (RFC 2225)"},
    {20, "Serial Line"},
    {21, "ATM"},
    {22, "MIL-STD-188-220"},
    {23, "Metricom"},
    {24, "IEEE 1394.1995"},
    {25, "MAPOS"},
    {26, "Twinaxial"},
    {27, "EUI-64"},
    {28, "HIPARP"},
    {29, "IP and ARP over ISO 7816-3"},
    {30, "ARPSec"},
    {31, "IPsec tunnel"},
    {32, "InfiniBand"},
    {33, "TIA-102 Project 25 CAI"},
    {34, "Wiegand Interface"},
    {35, "Pure IP"},
    {0, NULL},
};

static const struct tok op_names[] = {
    {1, "request"},
    {2, "reply"},
    {3, "reverse request"},
    {4, "reverse reply"},
    {5, "DRARP-Request"},
    {6, "DRARP-Reply"},
    {7, "DRARP-Error"},
    {8, "inverse request"},
    {9, "inverse reply"},
    {10, "ARP-NAK"},
    {0, NULL},
};

/* How an address is shown: colon hex, a MAC address, or an IPv4 address. */
enum arp_fmt { FMT_HEX, FMT_MAC, FMT_IPV4 };

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

static void arp_addr_field(struct ws_packet *pkt, const char *name,
                           uint32_t off, const uint8_t *b, unsigned n,
                           enum arp_fmt fmt)
{
    char txt[3 * ARP_HEX_SHOWN + 1];
    if (fmt == FMT_MAC && n == 6) {
        mac_format(b, txt);
    } else if (fmt == FMT_IPV4 && n == 4) {
        struct ws_addr a;
        addr_from_v4(&a, b);
        addr_format(&a, txt, sizeof txt);
    } else {
        hex_colon(b, n < ARP_HEX_SHOWN ? n : ARP_HEX_SHOWN, txt, sizeof txt);
    }
    field_add(pkt, 1, name, off, n, "%s%s", n ? txt : "(empty)",
              n > ARP_HEX_SHOWN ? "..." : "");
}

/*
 * Reads one n-byte address and records its field; copies it into dst when
 * it is exactly dst_len bytes. False (nothing recorded) when cut short.
 */
static bool arp_addr(struct ws_packet *pkt, struct cursor *c, const char *name,
                     unsigned n, enum arp_fmt fmt, uint8_t *dst, size_t dst_len)
{
    uint8_t b[255];
    uint32_t off = cur_offset(c);
    if (n > sizeof b || !cur_copy(c, b, n))
        return false;
    if (dst && n == dst_len)
        memcpy(dst, b, n);
    if (pkt->want_fields)
        arp_addr_field(pkt, name, off, b, n, fmt);
    return true;
}

static void arp_fixed_fields(struct ws_packet *pkt, uint32_t off,
                             const struct ws_arp *a)
{
    field_add(pkt, 1, "Hardware type", off, 2, "%s (%u)",
              tok_name(htype_names, a->htype), a->htype);
    field_add(pkt, 1, "Protocol type", off + 2, 2, "%s (0x%04x)",
              ws_ethertype_name(a->ptype), a->ptype);
}

static void arp_op_field(struct ws_packet *pkt, uint32_t off, uint16_t op)
{
    field_add(pkt, 1, "Opcode", off, 2, "%s (%u)", tok_name(op_names, op), op);
}

/* The four addresses in order; false when the capture ends inside them. */
static bool arp_addrs(struct ws_packet *pkt, struct cursor *c, unsigned hlen,
                      unsigned plen)
{
    struct ws_arp *a = &pkt->u.arp;
    bool mac = hlen == 6;
    bool ip4 = a->ptype == ETHERTYPE_IP && plen == 4; /* shown as IPv4 */
    enum arp_fmt hf = mac ? FMT_MAC : FMT_HEX;
    enum arp_fmt pf = ip4 ? FMT_IPV4 : FMT_HEX;
    const char *sha = mac ? "Sender MAC address" : "Sender hardware address";
    const char *tha = mac ? "Target MAC address" : "Target hardware address";
    const char *spa = ip4 ? "Sender IP address" : "Sender protocol address";
    const char *tpa = ip4 ? "Target IP address" : "Target protocol address";
    uint8_t ip[4];
    if (!arp_addr(pkt, c, sha, hlen, hf, a->sha, sizeof a->sha) ||
        !arp_addr(pkt, c, spa, plen, pf, ip, sizeof ip))
        return false;
    if (a->ipv4)
        addr_from_v4(&a->spa, ip);
    if (!arp_addr(pkt, c, tha, hlen, hf, a->tha, sizeof a->tha) ||
        !arp_addr(pkt, c, tpa, plen, pf, ip, sizeof ip))
        return false;
    if (a->ipv4)
        addr_from_v4(&a->tpa, ip);
    return true;
}

/*
 * ATMARP: type-and-length bytes for ATM numbers and subaddresses (low six
 * bits are the length), then six variable addresses.
 */
static bool atmarp_addrs(struct ws_packet *pkt, struct cursor *c,
                         const uint8_t tl[6])
{
    struct ws_arp *a = &pkt->u.arp;
    enum arp_fmt pf = a->ipv4 ? FMT_IPV4 : FMT_HEX;
    const char *spa = a->ipv4 ? "Sender IP address" : "Sender protocol address";
    const char *tpa = a->ipv4 ? "Target IP address" : "Target protocol address";
    uint8_t ip[4];
    if (!arp_addr(pkt, c, "Sender ATM number", tl[0] & 0x3f, FMT_HEX, NULL,
                  0) ||
        !arp_addr(pkt, c, "Sender ATM subaddress", tl[1] & 0x3f, FMT_HEX,
                  NULL, 0) ||
        !arp_addr(pkt, c, spa, tl[2], pf, ip, sizeof ip))
        return false;
    if (a->ipv4)
        addr_from_v4(&a->spa, ip);
    if (!arp_addr(pkt, c, "Target ATM number", tl[3] & 0x3f, FMT_HEX, NULL,
                  0) ||
        !arp_addr(pkt, c, "Target ATM subaddress", tl[4] & 0x3f, FMT_HEX,
                  NULL, 0) ||
        !arp_addr(pkt, c, tpa, tl[5], pf, ip, sizeof ip))
        return false;
    if (a->ipv4)
        addr_from_v4(&a->tpa, ip);
    return true;
}

static enum ws_proto atmarp_dissect(struct ws_packet *pkt, struct cursor *c,
                                    struct ws_layer *l, uint32_t off)
{
    struct ws_arp *a = &pkt->u.arp;
    uint8_t tl[6]; /* shtl, sstl, spln, thtl, tstl, tpln */
    tl[0] = cur_u8(c);
    tl[1] = cur_u8(c);
    a->op = cur_be16(c);
    tl[2] = cur_u8(c);
    tl[3] = cur_u8(c);
    tl[4] = cur_u8(c);
    tl[5] = cur_u8(c);
    if (!cur_ok(c)) {
        layer_fail(pkt, l, EV_TRUNCATED);
        layer_close(pkt, l, c);
        return P_NONE;
    }
    a->ipv4 = a->ptype == ETHERTYPE_IP && tl[2] == 4 && tl[5] == 4;
    arp_fixed_fields(pkt, off, a);
    field_add(pkt, 1, "Sender ATM number type/length", off + 4, 1, "0x%02x",
              tl[0]);
    field_add(pkt, 1, "Sender ATM subaddress type/length", off + 5, 1,
              "0x%02x", tl[1]);
    arp_op_field(pkt, off + 6, a->op);
    field_add(pkt, 1, "Sender protocol size", off + 8, 1, "%u", tl[2]);
    field_add(pkt, 1, "Target ATM number type/length", off + 9, 1, "0x%02x",
              tl[3]);
    field_add(pkt, 1, "Target ATM subaddress type/length", off + 10, 1,
              "0x%02x", tl[4]);
    field_add(pkt, 1, "Target protocol size", off + 11, 1, "%u", tl[5]);
    if (!atmarp_addrs(pkt, c, tl))
        layer_fail(pkt, l, EV_TRUNCATED);
    layer_close(pkt, l, c);
    return P_NONE;
}

/*
 * Lengths that contradict a well-known type leave the addresses without a
 * meaning: an IPv4 protocol address that is not 4 bytes, an Ethernet
 * hardware address that is not 6.
 */
static bool arp_lengths_bad(const struct ws_arp *a, unsigned hlen,
                            unsigned plen)
{
    return (a->ptype == ETHERTYPE_IP && plen != 4) ||
           (a->htype == ARPHRD_ETHER && hlen != 6);
}

static enum ws_proto arp_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = layer_open(pkt, P_ARP, c);
    if (!l)
        return P_NONE;
    struct ws_arp *a = &pkt->u.arp;
    memset(a, 0, sizeof *a);
    uint32_t off = cur_offset(c);
    a->htype = cur_be16(c);
    a->ptype = cur_be16(c);
    if (cur_ok(c) && a->htype == ARPHRD_ATM2225)
        return atmarp_dissect(pkt, c, l, off);
    uint8_t hlen = cur_u8(c);
    uint8_t plen = cur_u8(c);
    a->op = cur_be16(c);
    if (!cur_ok(c)) {
        layer_fail(pkt, l, EV_TRUNCATED);
        layer_close(pkt, l, c);
        return P_NONE;
    }
    a->ipv4 = a->ptype == ETHERTYPE_IP && plen == 4 && hlen == 6;
    arp_fixed_fields(pkt, off, a);
    field_add(pkt, 1, "Hardware size", off + 4, 1, "%u", hlen);
    field_add(pkt, 1, "Protocol size", off + 5, 1, "%u", plen);
    arp_op_field(pkt, off + 6, a->op);
    if (arp_lengths_bad(a, hlen, plen))
        layer_fail(pkt, l, EV_BAD_ARP);
    if (!arp_addrs(pkt, c, hlen, plen))
        layer_fail(pkt, l, EV_TRUNCATED);
    layer_close(pkt, l, c);
    return P_NONE;
}

const struct proto_desc proto_arp = {
    P_ARP, "ARP", "Address Resolution Protocol", arp_dissect, NULL};
