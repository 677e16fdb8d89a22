/* Internet Control Message Protocol for IPv4 (RFC 792, 950, 1256, 8335). */
#include <string.h>

#include "proto.h"
#include "wirescope/info.h"

#define ICMP_HDR_LEN 8

/* Type and code names as Wireshark words them. */
static const struct tok icmp_types[] = {
    {0, "Echo (ping) reply"},
    {1, "Reserved"},
    {2, "Reserved"},
    {3, "Destination unreachable"},
    {4, "Source quench (flow control)"},
    {5, "Redirect"},
    {6, "Alternate host address"},
    {8, "Echo (ping) request"},
    {9, "Router advertisement"},
    {10, "Router solicitation"},
    {11, "Time-to-live exceeded"},
    {12, "Parameter problem"},
    {13, "Timestamp request"},
    {14, "Timestamp reply"},
    {15, "Information request"},
    {16, "Information reply"},
    {17, "Address mask request"},
    {18, "Address mask reply"},
    {19, "Reserved (for security)"},
    {30, "Traceroute"},
    {31, "Datagram Conversion Error"},
    {32, "Mobile Host Redirect"},
    {33, "IPv6 Where-Are-You"},
    {34, "IPv6 I-Am-Here"},
    {35, "Mobile Registration Request"},
    {36, "Mobile Registration Reply"},
    {37, "Domain Name Request"},
    {38, "Domain Name Reply"},
    {39, "SKIP"},
    {40, "Photuris"},
    {41, "Experimental mobility protocols"},
    {42, "Extended Echo request"},
    {43, "Extended Echo reply"},
    {0, NULL},
};

static const struct tok unreach_codes[] = {
    {0, "Network unreachable"},
    {1, "Host unreachable"},
    {2, "Protocol unreachable"},
    {3, "Port unreachable"},
    {4, "Fragmentation needed"},
    {5, "Source route failed"},
    {6, "Destination network unknown"},
    {7, "Destination host unknown"},
    {8, "Source host isolated"},
    {9, "Network administratively prohibited"},
    {10, "Host administratively prohibited"},
    {11, "Network unreachable for TOS"},
    {12, "Host unreachable for TOS"},
    {13, "Communication administratively filtered"},
    {14, "Host precedence violation"},
    {15, "Precedence cutoff in effect"},
    {0, NULL},
};

static const struct tok redirect_codes[] = {
    {0, "Redirect for network"},
    {1, "Redirect for host"},
    {2, "Redirect for TOS and network"},
    {3, "Redirect for TOS and host"},
    {0, NULL},
};

static const struct tok althost_codes[] = {
    {0, "Alternate address for host"},
    {0, NULL},
};

static const struct tok rtradv_codes[] = {
    {0, "Normal router advertisement"},
    {16, "Does not route common traffic"},
    {0, NULL},
};

static const struct tok ttl_codes[] = {
    {0, "Time to live exceeded in transit"},
    {1, "Fragment reassembly time exceeded"},
    {0, NULL},
};

static const struct tok param_codes[] = {
    {0, "Pointer indicates the error"},
    {1, "Required option missing"},
    {2, "Bad length"},
    {0, NULL},
};

static const struct tok photuris_codes[] = {
    {0, "Bad SPI"},
    {1, "Authentication Failed"},
    {2, "Decompression Failed"},
    {3, "Decryption Failed"},
    {4, "Need Authentication"},
    {5, "Need Authorization"},
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

static const struct tok *code_table(uint8_t type)
{
    switch (type) {
    case 3:
        return unreach_codes;
    case 5:
        return redirect_codes;
    case 6:
        return althost_codes;
    case 9:
        return rtradv_codes;
    case 11:
        return ttl_codes;
    case 12:
        return param_codes;
    case 40:
        return photuris_codes;
    case 42:
        return ext_echo_req_codes;
    case 43:
        return ext_echo_rep_codes;
    default:
        return NULL;
    }
}

const char *icmp_type_name(uint8_t type)
{
    return tok_find(icmp_types, type);
}

const char *icmp_code_name(uint8_t type, uint8_t code, bool *coded)
{
    const struct tok *t = code_table(type);
    if (coded)
        *coded = t != NULL;
    return t ? tok_find(t, code) : NULL;
}

/* Types whose second word is an identifier and a sequence number. */
bool icmp_type_has_echo(uint8_t type)
{
    switch (type) {
    case 0:
    case 8:
    case 13:
    case 14:
    case 15:
    case 16:
    case 17:
    case 18:
        return true;
    default:
        return false;
    }
}

static void icmp_rest_fields(struct ws_packet *pkt, uint32_t off,
                             struct cursor rest, uint8_t type)
{
    if (!pkt->want_fields)
        return;
    if (icmp_type_has_echo(type)) {
        uint16_t id = cur_be16(&rest), seq = cur_be16(&rest);
        field_add(pkt, 1, "Identifier (BE)", off + 4, 2, "%u (0x%04x)", id, id);
        field_add(pkt, 1, "Sequence Number (BE)", off + 6, 2, "%u (0x%04x)",
                  seq, seq);
        return;
    }
    switch (type) {
    case 3: {
        cur_skip(&rest, 2);
        uint16_t mtu = cur_be16(&rest);
        if (mtu)
            field_add(pkt, 1, "MTU of next hop", off + 6, 2, "%u", mtu);
        break;
    }
    case 5: {
        uint8_t gw[4];
        cur_copy(&rest, gw, 4);
        field_add(pkt, 1, "Gateway Address", off + 4, 4, "%u.%u.%u.%u", gw[0],
                  gw[1], gw[2], gw[3]);
        break;
    }
    case 12:
        field_add(pkt, 1, "Pointer", off + 4, 1, "%u", cur_u8(&rest));
        break;
    default:
        break;
    }
}

static enum ws_proto icmp_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = layer_open(pkt, P_ICMP, c);
    if (!l)
        return P_NONE;
    struct ws_icmp *ic = &pkt->u.icmp;
    memset(ic, 0, sizeof *ic);
    uint32_t off = cur_offset(c);
    size_t avail = cur_left(c);
    pkt->l4_off = off;
    pkt->payload_off = off;
    pkt->payload_len = 0;

    struct cursor h = cur_sub(c, avail < ICMP_HDR_LEN ? avail : ICMP_HDR_LEN);
    ic->type = cur_u8(&h);
    ic->code = cur_u8(&h);
    uint16_t csum = cur_be16(&h);
    struct cursor rest = h;
    if (icmp_type_has_echo(ic->type) && avail >= ICMP_HDR_LEN) {
        ic->id = cur_be16(&h);
        ic->seq = cur_be16(&h);
        ic->has_echo = true;
    }
    if (pkt->want_fields) {
        bool coded;
        const char *tn = icmp_type_name(ic->type);
        const char *cn = icmp_code_name(ic->type, ic->code, &coded);
        if (avail >= 1)
            field_add(pkt, 1, "Type", off, 1, "%u (%s)", ic->type,
                      tn ? tn : "Unknown");
        if (avail >= 2 && coded)
            field_add(pkt, 1, "Code", off + 1, 1, "%u (%s)", ic->code,
                      cn ? cn : "Unknown");
        else if (avail >= 2)
            field_add(pkt, 1, "Code", off + 1, 1, "%u", ic->code);
        if (avail >= 4)
            field_add(pkt, 1, "Checksum", off + 2, 2, "0x%04x", csum);
        if (avail >= ICMP_HDR_LEN)
            icmp_rest_fields(pkt, off, rest, ic->type);
    }
    layer_close(pkt, l, c);
    if (avail < ICMP_HDR_LEN) {
        layer_fail(pkt, l, EV_TRUNCATED);
        pkt->payload_off = off + (uint32_t)avail;
        return P_NONE;
    }

    /* What follows (echo data, or for errors the offending datagram's
     * header) is left as data; errors are not decoded recursively. */
    pkt->payload_off = off + ICMP_HDR_LEN;
    uint32_t wire = proto_wire_len_from(pkt, off, avail);
    pkt->payload_len = wire > ICMP_HDR_LEN ? wire - ICMP_HDR_LEN : 0;
    return cur_left(c) > 0 ? P_DATA : P_NONE;
}

const struct proto_desc proto_icmp = {P_ICMP, "ICMP", "Internet Control Message Protocol",
                                      icmp_dissect, NULL};
