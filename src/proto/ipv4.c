/* Internet Protocol version 4 (RFC 791): header, fragments and options. */
#include "proto.h"
#include "wirescope/addr.h"

#define IPV4_MIN_HDR 20

#define IPOPT_EOL 0
#define IPOPT_NOP 1
#define IPOPT_RR 7
#define IPOPT_TS 68
#define IPOPT_LSRR 131
#define IPOPT_SSRR 137
#define IPOPT_RA 148

#define IP_RF 0x8000
#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

static const struct tok ipproto_names[] = {
    {0, "IPv6 Hop-by-Hop Option"},
    {1, "ICMP"},
    {2, "IGMP"},
    {3, "GGP"},
    {4, "IPIP"},
    {5, "Stream"},
    {6, "TCP"},
    {8, "EGP"},
    {9, "IGRP"},
    {17, "UDP"},
    {27, "Reliable Data"},
    {29, "ISO-TP4"},
    {33, "DCCP"},
    {41, "IPv6"},
    {43, "Routing Header for IPv6"},
    {44, "Fragment Header for IPv6"},
    {46, "Resource ReSerVation Protocol"},
    {47, "Generic Routing Encapsulation"},
    {50, "Encapsulating Security Payload"},
    {51, "Authentication Header"},
    {58, "ICMPv6"},
    {59, "No Next Header for IPv6"},
    {60, "Destination Options for IPv6"},
    {88, "EIGRP"},
    {89, "OSPF IGP"},
    {94, "IP in IP"},
    {97, "Ether-IP"},
    {98, "Encapsulation Header"},
    {103, "Protocol Independent Multicast"},
    {108, "IP Payload Compression Protocol"},
    {112, "Virtual Router Redundancy Protocol"},
    {115, "Layer 2 Tunneling Protocol v3"},
    {124, "ISIS over IPv4"},
    {132, "SCTP"},
    {135, "Mobile IPv6"},
    {136, "UDPLite"},
    {137, "MPLS in IP"},
    {139, "Host Identity Protocol"},
    {140, "Shim6"},
    {143, "Ethernet"},
    {253, "Experimental"},
    {254, "Experimental"},
    {0, NULL},
};

/* RFC 2474 / 2597 / 3246 / 5865 / 8622 codepoints. */
static const struct tok dscp_names[] = {
    {0, "CS0"},   {1, "LE"},    {8, "CS1"},   {10, "AF11"},
    {12, "AF12"}, {14, "AF13"}, {16, "CS2"},  {18, "AF21"},
    {20, "AF22"}, {22, "AF23"}, {24, "CS3"},  {26, "AF31"},
    {28, "AF32"}, {30, "AF33"}, {32, "CS4"},  {34, "AF41"},
    {36, "AF42"}, {38, "AF43"}, {40, "CS5"},  {44, "VOICE-ADMIT"},
    {46, "EF"},   {48, "CS6"},  {56, "CS7"},  {0, NULL},
};

static const char *const ecn_names[4] = {"Not-ECT", "ECT(1)", "ECT(0)", "CE"};

const char *ws_ipproto_name(unsigned proto)
{
    return tok_name(ipproto_names, proto);
}

const char *ws_dscp_name(unsigned dscp)
{
    return tok_name(dscp_names, dscp);
}

const char *ws_ecn_name(unsigned ecn)
{
    return ecn_names[ecn & 3];
}

/* Options: the fixed length (0 when variable) and the least valid one. */
struct ipopt {
    uint8_t type;
    uint8_t len;
    uint8_t min;
    const char *name;
};

static const struct ipopt ipopts[] = {
    {IPOPT_EOL, 1, 1, "End of Options List (EOL)"},
    {IPOPT_NOP, 1, 1, "No-Operation (NOP)"},
    {IPOPT_RR, 0, 3, "Record Route"},
    {11, 4, 4, "MTU Probe"},
    {12, 4, 4, "MTU Reply"},
    {25, 8, 8, "Quick-Start"},
    {IPOPT_TS, 0, 4, "Time Stamp"},
    {82, 12, 12, "Traceroute"},
    {130, 11, 11, "Security"},
    {IPOPT_LSRR, 0, 3, "Loose Source Route"},
    {133, 0, 3, "Extended Security"},
    {134, 0, 6, "Commercial IP Security Option"},
    {136, 4, 4, "Stream ID"},
    {IPOPT_SSRR, 0, 3, "Strict Source Route"},
    {IPOPT_RA, 4, 4, "Router Alert"},
    {149, 0, 2, "Selective Directed Broadcast"},
    {0, 0, 0, NULL},
};

static const struct ipopt *ipopt_find(uint8_t type)
{
    static const struct ipopt unknown = {0, 0, 2, "Unknown"};
    for (const struct ipopt *o = ipopts; o->name; o++)
        if (o->type == type)
            return o;
    return &unknown;
}

static const char *const flags_text[8] = {
    "0x0",
    "0x1, More fragments",
    "0x2, Don't fragment",
    "0x3, Don't fragment, More fragments",
    "0x4, Reserved bit",
    "0x5, Reserved bit, More fragments",
    "0x6, Reserved bit, Don't fragment",
    "0x7, Reserved bit, Don't fragment, More fragments",
};

static const char *set_text(unsigned v)
{
    return v ? "Set" : "Not set";
}

/* Pointer and addresses of RR, LSRR and SSRR. */
static bool ipv4_opt_route(struct ws_packet *pkt, struct cursor *b, uint8_t len)
{
    uint32_t off = cur_offset(b);
    uint8_t ptr = cur_u8(b);
    field_add(pkt, 3, "Pointer", off, 1, "%u", ptr);
    while (pkt->want_fields && cur_left(b) >= 4) {
        uint8_t v4[4];
        struct ws_addr a;
        char txt[WS_ADDR_STRLEN];
        off = cur_offset(b);
        cur_copy(b, v4, 4);
        addr_from_v4(&a, v4);
        addr_format(&a, txt, sizeof txt);
        field_add(pkt, 3, "Route", off, 4, "%s", txt);
    }
    return (len - 3) % 4 == 0;
}

/* Pointer, overflow count and flag of a Time Stamp option. */
static bool ipv4_opt_ts(struct ws_packet *pkt, struct cursor *b, uint8_t len)
{
    uint32_t off = cur_offset(b);
    uint8_t ptr = cur_u8(b);
    uint8_t of = cur_u8(b);
    field_add(pkt, 3, "Pointer", off, 1, "%u", ptr);
    field_add(pkt, 3, "Overflow", off + 1, 1, "%u", of >> 4);
    field_add(pkt, 3, "Flag", off + 1, 1, "%u", of & 15);
    return (len - 4) % 4 == 0;
}

/* One option whose type/length framing is already valid; false if the
 * option's own length rules are broken. */
static bool ipv4_option(struct ws_packet *pkt, uint8_t type, uint8_t len,
                        uint32_t off, struct cursor *b)
{
    const struct ipopt *d = ipopt_find(type);
    bool len_ok = len >= d->min && (d->len == 0 || len == d->len);
    const char *bad = len_ok ? "" : " [bad length]";
    if (d->type == type)
        field_add(pkt, 2, "IP Option", off, len, "%s (%u bytes)%s", d->name,
                  len, bad);
    else
        field_add(pkt, 2, "IP Option", off, len, "Unknown 0x%02x (%u bytes)",
                  type, len);
    if (!len_ok)
        return false;
    switch (d->type) {
    case IPOPT_RR:
    case IPOPT_LSRR:
    case IPOPT_SSRR:
        return ipv4_opt_route(pkt, b, len);
    case IPOPT_TS:
        return ipv4_opt_ts(pkt, b, len);
    case IPOPT_RA: {
        uint16_t v = cur_be16(b);
        field_add(pkt, 3, "Router Alert", off + 2, 2, "%s (%u)",
                  v == 0 ? "Router shall examine packet" : "Reserved", v);
        return true;
    }
    default:
        return true;
    }
}

/*
 * Walks the option area; a length byte that is missing, below 2 or past
 * the area stops the walk (the rest cannot be framed). Either way the
 * upper layer is still decoded.
 */
static void ipv4_options(struct ws_packet *pkt, struct ws_layer *l,
                         struct cursor *o)
{
    field_add(pkt, 1, "Options", cur_offset(o), (uint32_t)cur_left(o),
              "(%zu bytes)", cur_left(o));
    while (cur_left(o) > 0) {
        uint32_t off = cur_offset(o);
        uint8_t type = cur_u8(o);
        if (type == IPOPT_EOL || type == IPOPT_NOP) {
            field_add(pkt, 2, "IP Option", off, 1, "%s",
                      ipopt_find(type)->name);
            if (type == IPOPT_EOL)
                return; /* the rest is padding */
            continue;
        }
        uint8_t len = cur_u8(o);
        if (!cur_ok(o) || len < 2 || len - 2u > cur_left(o)) {
            uint32_t end = cur_offset(o) + (uint32_t)cur_left(o);
            field_add(pkt, 2, "IP Option", off, end - off,
                      "type %u [bad length %u]", type, len);
            layer_fail(pkt, l, EV_BAD_OPTION);
            return;
        }
        struct cursor body = cur_sub(o, len - 2u);
        if (!ipv4_option(pkt, type, len, off, &body))
            layer_fail(pkt, l, EV_BAD_OPTION);
    }
}

static void ipv4_tos_fields(struct ws_packet *pkt, uint32_t off, uint8_t tos)
{
    field_add(pkt, 1, "Differentiated Services Field", off, 1,
              "0x%02x (DSCP: %s, ECN: %s)", tos, ws_dscp_name(tos >> 2),
              ws_ecn_name(tos & 3));
    field_add(pkt, 2, "Differentiated Services Codepoint", off, 1, "%s (%u)",
              ws_dscp_name(tos >> 2), tos >> 2);
    field_add(pkt, 2, "Explicit Congestion Notification", off, 1, "%s (%u)",
              ws_ecn_name(tos & 3), tos & 3);
}

static void ipv4_frag_fields(struct ws_packet *pkt, uint32_t off, uint16_t ff)
{
    field_add(pkt, 1, "Flags", off, 2, "%s", flags_text[ff >> 13]);
    field_add(pkt, 2, "Reserved bit", off, 1, "%s", set_text(ff & IP_RF));
    field_add(pkt, 2, "Don't fragment", off, 1, "%s", set_text(ff & IP_DF));
    field_add(pkt, 2, "More fragments", off, 1, "%s", set_text(ff & IP_MF));
    field_add(pkt, 1, "Fragment Offset", off, 2, "%u", (ff & IP_OFFMASK) * 8u);
}

static void ipv4_addr_field(struct ws_packet *pkt, const char *name,
                            uint32_t off, const struct ws_addr *a)
{
    if (!pkt->want_fields)
        return;
    char txt[WS_ADDR_STRLEN];
    addr_format(a, txt, sizeof txt);
    field_add(pkt, 1, name, off, 4, "%s", txt);
}

/* The fixed 20 bytes after the version/IHL byte; false when cut short. */
static bool ipv4_fixed(struct ws_packet *pkt, struct cursor *c, uint32_t off,
                       uint16_t *total_len)
{
    uint8_t tos = cur_u8(c);
    *total_len = cur_be16(c);
    uint16_t id = cur_be16(c);
    uint16_t ff = cur_be16(c);
    uint8_t ttl = cur_u8(c);
    uint8_t proto = cur_u8(c);
    uint16_t csum = cur_be16(c);
    uint8_t src[4], dst[4];
    cur_copy(c, src, 4);
    cur_copy(c, dst, 4);
    if (!cur_ok(c))
        return false;
    pkt->ip_ver = 4;
    pkt->ttl = ttl;
    pkt->ip_proto = proto;
    pkt->ip_id = id;
    pkt->ip_frag_off = (uint16_t)((ff & IP_OFFMASK) * 8u);
    pkt->ip_more_frags = (ff & IP_MF) != 0;
    pkt->ip_fragment = pkt->ip_more_frags || pkt->ip_frag_off != 0;
    addr_from_v4(&pkt->src, src);
    addr_from_v4(&pkt->dst, dst);
    ipv4_tos_fields(pkt, off + 1, tos);
    field_add(pkt, 1, "Total Length", off + 2, 2, "%u", *total_len);
    field_add(pkt, 1, "Identification", off + 4, 2, "0x%04x (%u)", id, id);
    ipv4_frag_fields(pkt, off + 6, ff);
    field_add(pkt, 1, "Time to Live", off + 8, 1, "%u", ttl);
    field_add(pkt, 1, "Protocol", off + 9, 1, "%s (%u)", ws_ipproto_name(proto),
              proto);
    field_add(pkt, 1, "Header Checksum", off + 10, 2, "0x%04x", csum);
    ipv4_addr_field(pkt, "Source Address", off + 12, &pkt->src);
    ipv4_addr_field(pkt, "Destination Address", off + 16, &pkt->dst);
    return true;
}

static enum ws_proto ipv4_fail(struct ws_packet *pkt, struct ws_layer *l,
                               const struct cursor *c, enum ws_event ev)
{
    layer_fail(pkt, l, ev);
    layer_close(pkt, l, c);
    return P_NONE;
}

static enum ws_proto ipv4_dissect(struct ws_packet *pkt, struct cursor *c)
{
    /* Raw link types start here whatever the version: hand v6 over. */
    if (pkt->nlayers == 0 && cur_left(c) > 0 && cur_peek8(c, 0) >> 4 == 6)
        return P_IPV6;
    struct ws_layer *l = layer_open(pkt, P_IPV4, c);
    if (!l)
        return P_NONE;
    uint32_t off = cur_offset(c);
    uint8_t vihl = cur_u8(c);
    if (!cur_ok(c))
        return ipv4_fail(pkt, l, c, EV_TRUNCATED);
    unsigned hl = (vihl & 15u) * 4;
    field_add(pkt, 1, "Version", off, 1, "%u", vihl >> 4);
    if (vihl >> 4 != 4)
        return ipv4_fail(pkt, l, c, EV_BAD_VERSION);
    field_add(pkt, 1, "Header Length", off, 1, "%u bytes (%u)", hl, vihl & 15u);
    if (hl < IPV4_MIN_HDR)
        return ipv4_fail(pkt, l, c, EV_BAD_HEADER_LEN);
    uint16_t total_len;
    if (!ipv4_fixed(pkt, c, off, &total_len))
        return ipv4_fail(pkt, l, c, EV_TRUNCATED);
    /* Total length 0 is what TSO and BIG TCP write: trust the capture. */
    if (total_len != 0 && total_len < hl)
        return ipv4_fail(pkt, l, c, EV_BAD_TOTAL_LEN);
    if (hl > IPV4_MIN_HDR) {
        struct cursor o = cur_sub(c, hl - IPV4_MIN_HDR);
        if (!cur_ok(&o))
            return ipv4_fail(pkt, l, c, EV_TRUNCATED);
        ipv4_options(pkt, l, &o);
    }
    layer_close(pkt, l, c);
    /* Drop link-layer padding; a longer total length is a short capture. */
    if (total_len != 0 && total_len - hl < cur_left(c)) {
        struct cursor body = cur_sub(c, total_len - hl);
        *c = body;
    }
    if (pkt->ip_frag_off != 0)
        return P_DATA; /* not the first fragment: no transport header */
    return proto_from_ipproto(pkt->ip_proto);
}

const struct proto_desc proto_ipv4 = {
    P_IPV4, "IPv4", "Internet Protocol Version 4", ipv4_dissect, NULL};
