/* IPv6 extension headers (RFC 8200): hop-by-hop, routing, fragment, dstopts. */
#include "proto.h"
#include "wirescope/addr.h"

#define IPPROTO_HOPOPTS 0
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_DSTOPTS 60

#define FRAG_HDR_LEN 8
#define RH_SRH 4

#define OPT_PAD1 0x00
#define OPT_PADN 0x01
#define OPT_TUNNEL_LIMIT 0x04
#define OPT_ROUTER_ALERT 0x05
#define OPT_JUMBO 0xc2
#define OPT_HOME_ADDRESS 0xc9

static const struct tok ext_names[] = {
    {IPPROTO_HOPOPTS, "Hop-by-Hop Options"},
    {IPPROTO_ROUTING, "Routing Header"},
    {IPPROTO_FRAGMENT, "Fragment Header"},
    {IPPROTO_DSTOPTS, "Destination Options"},
    {0, NULL},
};

static const struct tok rh_names[] = {
    {0, "Source Route"},
    {1, "Nimrod"},
    {2, "Type 2 Routing"},
    {3, "RPL Source Route"},
    {RH_SRH, "Segment Routing"},
    {253, "Experimental 1"},
    {254, "Experimental 2"},
    {0, NULL},
};

/* Options with a fixed data length (0 = any). */
struct v6opt {
    uint8_t type;
    uint8_t len;
    const char *name;
};

static const struct v6opt v6opts[] = {
    {OPT_PAD1, 0, "Pad1"},
    {OPT_PADN, 0, "PadN"},
    {OPT_TUNNEL_LIMIT, 1, "Tunnel Encapsulation Limit"},
    {OPT_ROUTER_ALERT, 2, "Router Alert"},
    {0x06, 0, "Quick-Start"},
    {0x07, 0, "CALIPSO"},
    {0x08, 0, "SMF_DPD"},
    {0x0f, 0, "Performance and Diagnostic Metrics"},
    {0x11, 0, "Minimum Path MTU"},
    {0x31, 0, "IOAM"},
    {0x3e, 0, "Experimental"},
    {0x63, 0, "RPL Option"},
    {0x6d, 0, "MPL Option"},
    {0x8b, 0, "Endpoint Identification"},
    {0x8c, 0, "ILNP Nonce"},
    {OPT_JUMBO, 4, "Jumbo Payload"},
    {OPT_HOME_ADDRESS, 16, "Home Address"},
    {0xee, 0, "IP_DFF"},
    {0, 0, NULL},
};

static const struct v6opt *v6opt_find(uint8_t type)
{
    static const struct v6opt unknown = {0, 0, "Unknown"};
    for (const struct v6opt *o = v6opts; o->name; o++)
        if (o->type == type)
            return o;
    return &unknown;
}

/*
 * A length field points past the data: a snapshot-length cut when the
 * data runs to the end of a short capture, else the field is wrong.
 */
static enum ws_event ext_short_event(const struct ws_packet *pkt,
                                     const struct cursor *c)
{
    uint32_t end = cur_offset(c) + (uint32_t)cur_left(c);
    if (end >= pkt->caplen && pkt->caplen < pkt->len)
        return EV_TRUNCATED;
    return EV_BAD_HEADER_LEN;
}

static void ext_option_value(struct ws_packet *pkt, const struct v6opt *d,
                             uint32_t off, struct cursor *b)
{
    switch (d->type) {
    case OPT_ROUTER_ALERT: {
        uint16_t v = cur_be16(b);
        static const char *const ra[3] = {"MLD", "RSVP", "Active Networks"};
        field_add(pkt, 3, "Router Alert", off + 2, 2, "%s (%u)",
                  v < 3 ? ra[v] : "Unknown", v);
        break;
    }
    case OPT_JUMBO:
        field_add(pkt, 3, "Payload Length", off + 2, 4, "%u", cur_be32(b));
        break;
    case OPT_TUNNEL_LIMIT:
        field_add(pkt, 3, "Tunnel Encapsulation Limit", off + 2, 1, "%u",
                  cur_u8(b));
        break;
    default:
        break;
    }
}

/* Type-length-value options of hop-by-hop and destination options. */
static void ext_options(struct ws_packet *pkt, struct ws_layer *l,
                        struct cursor *o)
{
    while (cur_left(o) > 0) {
        uint32_t off = cur_offset(o);
        uint8_t type = cur_u8(o);
        const struct v6opt *d = v6opt_find(type);
        if (type == OPT_PAD1) {
            field_add(pkt, 2, "IPv6 Option", off, 1, "Pad1");
            continue;
        }
        uint8_t len = cur_u8(o);
        if (!cur_ok(o) || len > cur_left(o)) {
            uint32_t end = cur_offset(o) + (uint32_t)cur_left(o);
            field_add(pkt, 2, "IPv6 Option", off, end - off,
                      "type 0x%02x [bad length %u]", type, len);
            layer_fail(pkt, l, EV_BAD_OPTION);
            return;
        }
        struct cursor b = cur_sub(o, len);
        bool known = d->type == type;
        bool len_ok = !known || d->len == 0 || len == d->len;
        if (known)
            field_add(pkt, 2, "IPv6 Option", off, len + 2u, "%s (%u bytes)%s",
                      d->name, len + 2u, len_ok ? "" : " [bad length]");
        else
            field_add(pkt, 2, "IPv6 Option", off, len + 2u,
                      "Unknown 0x%02x (%u bytes)", type, len + 2u);
        if (!len_ok)
            layer_fail(pkt, l, EV_BAD_OPTION);
        else
            ext_option_value(pkt, d, off, &b);
    }
}

static void ext_addr_list(struct ws_packet *pkt, struct cursor *b,
                          const char *name, size_t max)
{
    for (size_t i = 0; i < max && cur_left(b) >= 16; i++) {
        uint8_t v6[16];
        struct ws_addr a;
        char txt[WS_ADDR_STRLEN];
        uint32_t off = cur_offset(b);
        cur_copy(b, v6, 16);
        addr_from_v6(&a, v6);
        addr_format(&a, txt, sizeof txt);
        field_add(pkt, 2, name, off, 16, "%s", txt);
    }
}

/* Routing type, segments left, and the addresses of types 0, 2 and 4. */
static void ext_routing(struct ws_packet *pkt, struct cursor *b)
{
    uint32_t off = cur_offset(b);
    uint8_t type = cur_u8(b);
    uint8_t left = cur_u8(b);
    field_add(pkt, 1, "Type", off, 1, "%s (%u)", tok_name(rh_names, type),
              type);
    field_add(pkt, 1, "Segments Left", off + 1, 1, "%u", left);
    if (!pkt->want_fields)
        return;
    if (type == 0 || type == 2) {
        cur_skip(b, 4);
        ext_addr_list(pkt, b, "Address", SIZE_MAX);
    } else if (type == RH_SRH) {
        uint8_t last = cur_u8(b);
        uint8_t flags = cur_u8(b);
        uint16_t tag = cur_be16(b);
        field_add(pkt, 1, "Last Entry", off + 2, 1, "%u", last);
        field_add(pkt, 1, "Flags", off + 3, 1, "0x%02x", flags);
        field_add(pkt, 1, "Tag", off + 4, 2, "0x%04x", tag);
        ext_addr_list(pkt, b, "Segment", (size_t)last + 1);
    }
}

/* Offset, M flag and identification; marks the packet a fragment. */
static void ext_fragment(struct ws_packet *pkt, struct cursor *b)
{
    uint32_t off = cur_offset(b);
    uint16_t offm = cur_be16(b);
    uint32_t id = cur_be32(b);
    pkt->ip_fragment = true;
    pkt->ip_frag_off = (uint16_t)(offm & 0xfff8);
    pkt->ip_more_frags = (offm & 1) != 0;
    pkt->ip_id = (uint16_t)id;
    field_add(pkt, 1, "Offset", off, 2, "%u (%u bytes)", offm >> 3,
              offm & 0xfff8u);
    field_add(pkt, 1, "More Fragments", off, 2, "%s", offm & 1 ? "Yes" : "No");
    field_add(pkt, 1, "Identification", off + 2, 4, "0x%08x", id);
}

static enum ws_proto ext_fail(struct ws_packet *pkt, struct ws_layer *l,
                              const struct cursor *c, enum ws_event ev)
{
    layer_fail(pkt, l, ev);
    layer_close(pkt, l, c);
    return P_NONE;
}

/* One extension header, of the type the previous header announced. */
static enum ws_proto ipv6_ext_dissect(struct ws_packet *pkt, struct cursor *c)
{
    uint8_t type = pkt->ip_proto;
    if (pkt->ip_ver != 6 || !tok_find(ext_names, type))
        return P_DATA;
    struct ws_layer *l = layer_open(pkt, P_IPV6_EXT, c);
    if (!l)
        return P_NONE;
    uint32_t off = cur_offset(c);
    uint8_t nh = cur_u8(c);
    uint8_t hlen = cur_u8(c);
    if (!cur_ok(c))
        return ext_fail(pkt, l, c, ext_short_event(pkt, c));
    size_t len = FRAG_HDR_LEN;
    if (type != IPPROTO_FRAGMENT)
        len = ((size_t)hlen + 1) * 8;
    struct cursor body = cur_sub(c, len - 2);
    if (!cur_ok(&body))
        return ext_fail(pkt, l, c, ext_short_event(pkt, &body));
    field_add(pkt, 1, "Extension Header", off, (uint32_t)len, "%s (%u)",
              tok_name(ext_names, type), type);
    field_add(pkt, 1, "Next Header", off, 1, "%s (%u)", ws_ipproto_name(nh),
              nh);
    if (type == IPPROTO_FRAGMENT)
        field_add(pkt, 1, "Reserved", off + 1, 1, "0x%02x", hlen);
    else
        field_add(pkt, 1, "Length", off + 1, 1, "%u (%zu bytes)", hlen, len);
    if (type == IPPROTO_ROUTING)
        ext_routing(pkt, &body);
    else if (type == IPPROTO_FRAGMENT)
        ext_fragment(pkt, &body);
    else
        ext_options(pkt, l, &body);
    layer_close(pkt, l, c);
    pkt->ip_proto = nh;
    if (type == IPPROTO_FRAGMENT && pkt->ip_frag_off != 0)
        return P_DATA; /* not the first fragment: no upper header */
    return proto_from_ipproto(nh);
}

const struct proto_desc proto_ipv6_ext = {P_IPV6_EXT, "IPv6-EXT",
                                          "IPv6 Extension Header",
                                          ipv6_ext_dissect, NULL};
