/* Internet Control Message Protocol for IPv6, with Neighbor Discovery and MLD (RFC 4443, 4861, 2710). */
#include <string.h>

#include "proto.h"
#include "wirescope/addr.h"
#include "wirescope/info.h"

#define ICMP6_HDR_LEN 4 /* type, code, checksum */

#define ND_RS 133
#define ND_RA 134
#define ND_NS 135
#define ND_NA 136
#define ND_REDIRECT 137

/* Type and code names as Wireshark words them. */
static const struct tok icmp6_types[] = {
    {1, "Destination Unreachable"},
    {2, "Packet Too Big"},
    {3, "Time Exceeded"},
    {4, "Parameter Problem"},
    {100, "Private experimentation"},
    {101, "Private experimentation"},
    {127, "Reserved for expansion of ICMPv6 error messages"},
    {128, "Echo (ping) request"},
    {129, "Echo (ping) reply"},
    {130, "Multicast Listener Query"},
    {131, "Multicast Listener Report"},
    {132, "Multicast Listener Done"},
    {ND_RS, "Router Solicitation"},
    {ND_RA, "Router Advertisement"},
    {ND_NS, "Neighbor Solicitation"},
    {ND_NA, "Neighbor Advertisement"},
    {ND_REDIRECT, "Redirect"},
    {138, "Router Renumbering"},
    {139, "Node Information Query"},
    {140, "Node Information Reply"},
    {141, "Inverse Neighbor Discovery Solicitation"},
    {142, "Inverse Neighbor Discovery Advertisement"},
    {143, "Multicast Listener Report Message v2"},
    {144, "Home Agent Address Discovery Request"},
    {145, "Home Agent Address Discovery Reply"},
    {146, "Mobile Prefix Solicitation"},
    {147, "Mobile Prefix Advertisement"},
    {148, "Certification Path Solicitation"},
    {149, "Certification Path Advertisement"},
    {150, "Experimental Mobility"},
    {151, "Multicast Router Advertisement"},
    {152, "Multicast Router Solicitation"},
    {153, "Multicast Router Termination"},
    {154, "FMIPv6"},
    {155, "RPL Control"},
    {156, "Locator Update"},
    {157, "Duplicate Address Request"},
    {158, "Duplicate Address Confirmation"},
    {159, "MPL Control Message"},
    {160, "Extended Echo request"},
    {161, "Extended Echo reply"},
    {200, "Private experimentation"},
    {201, "Private experimentation"},
    {255, "Reserved for expansion of ICMPv6 informational messages"},
    {0, NULL},
};

static const struct tok unreach_codes[] = {
    {0, "no route to destination"},
    {1, "Administratively prohibited"},
    {2, "Beyond scope of source address"},
    {3, "Address unreachable"},
    {4, "Port unreachable"},
    {5, "Source address failed ingress/egress policy"},
    {6, "Reject route to destination"},
    {7, "Error in Source Routing Header"},
    {0, NULL},
};

static const struct tok timex_codes[] = {
    {0, "hop limit exceeded in transit"},
    {1, "fragment reassembly time exceeded"},
    {0, NULL},
};

static const struct tok param_codes[] = {
    {0, "erroneous header field encountered"},
    {1, "unrecognized Next Header type encountered"},
    {2, "unrecognized IPv6 option encountered"},
    {3, "IPv6 First Fragment has incomplete IPv6 Header Chain"},
    {0, NULL},
};

static const struct tok rr_codes[] = {
    {0, "Command"},
    {1, "Result"},
    {255, "Sequence number reset"},
    {0, NULL},
};

static const struct tok niq_codes[] = {
    {0, "Query subject = IPv6 addresses"},
    {1, "Query subject = DNS name or empty"},
    {2, "Query subject = IPv4 addresses"},
    {0, NULL},
};

static const struct tok nir_codes[] = {
    {0, "Successful"},
    {1, "Refused"},
    {2, "Unknown query type"},
    {0, NULL},
};

static const struct tok rpl_codes[] = {
    {0x00, "DODAG Information Solicitation"},
    {0x01, "DODAG Information Object"},
    {0x02, "Destination Advertisement Object"},
    {0x03, "Destination Advertisement Object Acknowledgment"},
    {0x04, "P2P Discovery Reply Object"},
    {0x05, "P2P Discovery Reply Object Acknowledgement"},
    {0x80, "Secure DODAG Information Solicitation"},
    {0x81, "Secure DODAG Information Object"},
    {0x82, "Secure Destination Advertisement Object"},
    {0x83, "Secure Destination Advertisement Object Acknowledgment"},
    {0x8a, "Consistency Check"},
    {0, NULL},
};

static const struct tok ext_echo_req_codes[] = {
    {0, "No error"},
    {0, NULL},
};

static const struct tok ext_echo_rep_codes[] = {
    {0, "No error"},
    {1, "Malformed Query"},
    {2, "No Such Interface"},
    {3, "No Such Table Entry"},
    {4, "Multiple Interfaces Satisfy Query"},
    {0, NULL},
};

static const struct tok nd_opt_names[] = {
    {1, "Source link-layer address"},
    {2, "Target link-layer address"},
    {3, "Prefix information"},
    {4, "Redirected header"},
    {5, "MTU"},
    {7, "Advertisement Interval"},
    {8, "Home Agent Information"},
    {14, "Nonce"},
    {24, "Route Information"},
    {25, "Recursive DNS Server"},
    {31, "DNS Search List"},
    {38, "PREF64"},
    {0, NULL},
};

static const struct tok *code_table(uint8_t type)
{
    switch (type) {
    case 1:
        return unreach_codes;
    case 3:
        return timex_codes;
    case 4:
        return param_codes;
    case 138:
        return rr_codes;
    case 139:
        return niq_codes;
    case 140:
        return nir_codes;
    case 155:
        return rpl_codes;
    case 160:
        return ext_echo_req_codes;
    case 161:
        return ext_echo_rep_codes;
    default:
        return NULL;
    }
}

const char *icmpv6_type_name(uint8_t type)
{
    return tok_find(icmp6_types, type);
}

const char *icmpv6_code_name(uint8_t type, uint8_t code, bool *coded)
{
    const struct tok *t = code_table(type);
    if (coded)
        *coded = t != NULL;
    return t ? tok_find(t, code) : NULL;
}

/*
 * Bytes of the message before options or data: the 4-byte common header
 * plus the type's fixed part. Neighbor Discovery messages (RS..Redirect)
 * are followed by options that belong to this layer.
 */
static uint32_t icmp6_fixed_len(uint8_t type)
{
    switch (type) {
    case 130:
    case 131:
    case 132:
        return 24; /* MLDv1: delay, reserved, multicast address */
    case ND_RS:
        return 8;
    case ND_RA:
        return 16;
    case ND_NS:
    case ND_NA:
        return 24;
    case ND_REDIRECT:
        return 40;
    default:
        /* Errors (unused/MTU/pointer), echo (id, seq) and most others
         * have one more word; unassigned types only the common header. */
        return icmpv6_type_name(type) ? 8 : ICMP6_HDR_LEN;
    }
}

static bool icmp6_is_nd(uint8_t type)
{
    return type >= ND_RS && type <= ND_REDIRECT;
}


static void addr6_field(struct ws_packet *pkt, const char *name, uint32_t at,
                        const uint8_t v6[16])
{
    if (!pkt->want_fields)
        return;
    struct ws_addr a;
    char txt[WS_ADDR_STRLEN];
    addr_from_v6(&a, v6);
    addr_format(&a, txt, sizeof txt);
    field_add(pkt, 1, name, at, 16, "%s", txt);
}

/* The type's fixed part after the common header; `f` covers exactly it. */
static void icmp6_fixed_fields(struct ws_packet *pkt, uint32_t off,
                               struct cursor *f, uint8_t type)
{
    uint8_t a[16];
    switch (type) {
    case 2:
        field_add(pkt, 1, "MTU", off + 4, 4, "%u", cur_be32(f));
        break;
    case 4:
        field_add(pkt, 1, "Pointer", off + 4, 4, "%u", cur_be32(f));
        break;
    case 128:
    case 129:
        cur_skip(f, 4); /* id and seq are in pkt->u.icmp */
        field_add(pkt, 1, "Identifier", off + 4, 2, "0x%04x", pkt->u.icmp.id);
        field_add(pkt, 1, "Sequence", off + 6, 2, "%u", pkt->u.icmp.seq);
        break;
    case 130:
    case 131:
    case 132:
        field_add(pkt, 1, "Maximum Response Delay [ms]", off + 4, 2, "%u",
                  cur_be16(f));
        cur_skip(f, 2);
        cur_copy(f, a, 16);
        addr6_field(pkt, "Multicast Address", off + 8, a);
        break;
    case ND_RA: {
        uint8_t hop = cur_u8(f), flags = cur_u8(f);
        uint16_t life = cur_be16(f);
        uint32_t reach = cur_be32(f), retrans = cur_be32(f);
        field_add(pkt, 1, "Cur hop limit", off + 4, 1, "%u", hop);
        field_add(pkt, 1, "Flags", off + 5, 1, "0x%02x", flags);
        field_add(pkt, 1, "Router lifetime (s)", off + 6, 2, "%u", life);
        field_add(pkt, 1, "Reachable time (ms)", off + 8, 4, "%u", reach);
        field_add(pkt, 1, "Retrans timer (ms)", off + 12, 4, "%u", retrans);
        break;
    }
    case ND_NS:
    case ND_NA: {
        uint8_t flags = cur_u8(f);
        cur_skip(f, 3);
        if (type == ND_NA)
            field_add(pkt, 1, "Flags", off + 4, 4, "0x%02x (%s%s%s)", flags,
                      flags & 0x80 ? "router " : "",
                      flags & 0x40 ? "solicited " : "",
                      flags & 0x20 ? "override" : "");
        cur_copy(f, a, 16);
        addr6_field(pkt, "Target Address", off + 8, a);
        break;
    }
    case ND_REDIRECT:
        cur_skip(f, 4);
        cur_copy(f, a, 16);
        addr6_field(pkt, "Target Address", off + 8, a);
        cur_copy(f, a, 16);
        addr6_field(pkt, "Destination Address", off + 24, a);
        break;
    default:
        break;
    }
}

static void nd_option_field(struct ws_packet *pkt, struct cursor *v,
                            uint8_t type, uint32_t at, uint32_t len)
{
    const char *name = tok_find(nd_opt_names, type);
    if (!name)
        name = "Unknown option";
    if ((type == 1 || type == 2) && len == 8) {
        uint8_t mac[6];
        char txt[18];
        cur_copy(v, mac, 6);
        mac_format(mac, txt);
        field_add(pkt, 2, name, at, len, "%s", txt);
    } else if (type == 5 && len == 8) {
        cur_skip(v, 2);
        field_add(pkt, 2, name, at, len, "%u", cur_be32(v));
    } else if (type == 3 && len == 32) {
        uint8_t plen = cur_u8(v), a[16];
        cur_skip(v, 13);
        cur_copy(v, a, 16);
        struct ws_addr p;
        char txt[WS_ADDR_STRLEN];
        addr_from_v6(&p, a);
        addr_format(&p, txt, sizeof txt);
        field_add(pkt, 2, name, at, len, "%s/%u", txt, plen);
    } else {
        field_add(pkt, 2, name, at, len, "type %u, %u bytes", type, len);
    }
}

/*
 * Neighbor Discovery options over `wire` bytes of the message, of which
 * the cursor holds what was captured. A zero length or an option past the
 * message is a bad option and ends the walk; a capture cut ends it as a
 * truncation.
 */
static void nd_options(struct ws_packet *pkt, struct ws_layer *l,
                       struct cursor *c, uint32_t wire)
{
    uint32_t left = wire;
    while (left > 0) {
        if (left < 2) {
            layer_fail(pkt, l, EV_BAD_OPTION);
            return;
        }
        if (cur_left(c) < 2) {
            layer_fail(pkt, l, EV_TRUNCATED);
            return;
        }
        uint32_t at = cur_offset(c);
        uint8_t type = cur_peek8(c, 0);
        uint32_t len = cur_peek8(c, 1) * 8u;
        if (len == 0 || len > left) {
            field_add(pkt, 2, "Bad option", at, 2, "type %u, length %u", type,
                      len / 8);
            layer_fail(pkt, l, EV_BAD_OPTION);
            return;
        }
        if (len > cur_left(c)) {
            layer_fail(pkt, l, EV_TRUNCATED);
            return;
        }
        struct cursor v = cur_sub(c, len);
        cur_skip(&v, 2);
        nd_option_field(pkt, &v, type, at, len);
        left -= len;
    }
}

static enum ws_proto icmpv6_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = layer_open(pkt, P_ICMPV6, c);
    if (!l)
        return P_NONE;
    struct ws_icmp *ic = &pkt->u.icmp;
    memset(ic, 0, sizeof *ic);
    uint32_t off = cur_offset(c);
    size_t avail = cur_left(c);
    uint32_t wire = proto_wire_len_from(pkt, off, avail);
    pkt->l4_off = off;
    pkt->payload_off = off;
    pkt->payload_len = 0;

    ic->type = cur_peek8(c, 0);
    ic->code = cur_peek8(c, 1);
    uint32_t fixed = icmp6_fixed_len(ic->type);
    if ((ic->type == 128 || ic->type == 129) && avail >= 8) {
        ic->id = (uint16_t)(cur_peek8(c, 4) << 8 | cur_peek8(c, 5));
        ic->seq = (uint16_t)(cur_peek8(c, 6) << 8 | cur_peek8(c, 7));
        ic->has_echo = true;
    }
    if (pkt->want_fields) {
        bool coded;
        const char *tn = icmpv6_type_name(ic->type);
        const char *cn = icmpv6_code_name(ic->type, ic->code, &coded);
        if (avail >= 1)
            field_add(pkt, 1, "Type", off, 1, "%u (%s)", ic->type,
                      tn ? tn : "Unknown");
        if (avail >= 2 && coded)
            field_add(pkt, 1, "Code", off + 1, 1, "%u (%s)", ic->code,
                      cn ? cn : "Unknown");
        else if (avail >= 2)
            field_add(pkt, 1, "Code", off + 1, 1, "%u", ic->code);
        if (avail >= 4)
            field_add(pkt, 1, "Checksum", off + 2, 2, "0x%04x",
                      (unsigned)(cur_peek8(c, 2) << 8 | cur_peek8(c, 3)));
    }
    if (avail < fixed || wire < fixed) {
        /* The header or the type's fixed part is cut off. */
        cur_skip(c, avail < fixed ? avail : fixed);
        layer_close(pkt, l, c);
        layer_fail(pkt, l, EV_TRUNCATED);
        pkt->payload_off = off + (uint32_t)(avail < fixed ? avail : fixed);
        return P_NONE;
    }
    struct cursor f = cur_sub(c, fixed);
    cur_skip(&f, ICMP6_HDR_LEN);
    if (pkt->want_fields)
        icmp6_fixed_fields(pkt, off, &f, ic->type);

    if (icmp6_is_nd(ic->type)) {
        /* Options run to the end of the message as the IP length declares
         * it, so a frame that ends early shows as a truncation. */
        uint32_t declared = proto_ip_end(pkt);
        declared = declared > off ? declared - off : wire;
        nd_options(pkt, l, c, declared > fixed ? declared - fixed : 0);
        layer_close(pkt, l, c);
        pkt->payload_off = cur_offset(c);
        pkt->payload_len = 0;
        return cur_left(c) > 0 ? P_DATA : P_NONE;
    }
    /* Echo data, an error's invoking packet, or a body we do not decode. */
    layer_close(pkt, l, c);
    pkt->payload_off = off + fixed;
    pkt->payload_len = wire - fixed;
    return cur_left(c) > 0 ? P_DATA : P_NONE;
}

const struct proto_desc proto_icmpv6 = {P_ICMPV6, "ICMPv6", "Internet Control Message Protocol v6",
                                        icmpv6_dissect, NULL};
