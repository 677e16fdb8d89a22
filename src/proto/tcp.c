/* Transmission Control Protocol: header, flags and options (RFC 9293, 7323, 2018). */
#include <string.h>

#include "proto.h"

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5
#define TCPOPT_TIMESTAMP 8

static const struct tok tcpopt_names[] = {
    {TCPOPT_EOL, "End of Option List (EOL)"},
    {TCPOPT_NOP, "No-Operation (NOP)"},
    {TCPOPT_MSS, "Maximum segment size"},
    {TCPOPT_WSCALE, "Window scale"},
    {TCPOPT_SACK_PERM, "SACK permitted"},
    {TCPOPT_SACK, "SACK"},
    {6, "Echo"},
    {7, "Echo reply"},
    {TCPOPT_TIMESTAMP, "Timestamps"},
    {19, "MD5 signature"},
    {28, "User Timeout"},
    {29, "TCP-AO"},
    {30, "Multipath TCP"},
    {34, "TCP Fast Open Cookie"},
    {172, "AccECN Order 0"},
    {174, "AccECN Order 1"},
    {253, "RFC3692-style Experiment 1"},
    {254, "RFC3692-style Experiment 2"},
    {0, NULL},
};

static const char *tok_str(const struct tok *t, unsigned v, const char *dflt)
{
    const char *name = tok_find(t, v);
    return name ? name : dflt;
}

static void tcp_flag_fields(struct ws_packet *pkt, uint32_t off, uint16_t flags)
{
    static const char names[][4] = {"FIN", "SYN", "RST", "PSH", "ACK",
                                    "URG", "ECE", "CWR", "AE"};
    char txt[64];
    size_t n = 0;
    for (unsigned i = 0; i < 9; i++) {
        if (!(flags & (1u << i)))
            continue;
        if (n)
            txt[n++] = ' ';
        for (const char *s = names[i]; *s; s++)
            txt[n++] = *s;
    }
    txt[n] = '\0';
    field_add(pkt, 1, "Flags", off + 12, 2, "0x%03x (%s)", flags,
              n ? txt : "none");
}

static bool tcp_flags_bad(uint16_t flags)
{
    uint16_t f = flags & (TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK |
                          TCP_URG | TCP_ECE | TCP_CWR | TCP_AE);
    if (f == 0)
        return true;
    if ((f & TCP_SYN) && (f & (TCP_FIN | TCP_RST)))
        return true;
    return false;
}

/* One option whose kind and length bytes were read; `o` is at its value. */
static bool tcp_option_value(struct ws_packet *pkt, struct ws_tcp *t,
                             struct cursor *o, uint8_t kind, uint8_t len,
                             uint32_t at)
{
    /* The name is only shown in the detail tree: no lookup otherwise. */
    const char *name =
        pkt->want_fields ? tok_str(tcpopt_names, kind, "Unknown") : NULL;
    switch (kind) {
    case TCPOPT_MSS:
        if (len != 4)
            return false;
        t->mss = cur_be16(o);
        t->has_mss = true;
        field_add(pkt, 2, name, at, len, "%u bytes", t->mss);
        return true;
    case TCPOPT_WSCALE:
        if (len != 3)
            return false;
        t->wscale = cur_u8(o);
        t->has_wscale = true;
        field_add(pkt, 2, name, at, len, "shift %u", t->wscale);
        return true;
    case TCPOPT_SACK_PERM:
        if (len != 2)
            return false;
        t->sack_perm = true;
        field_add(pkt, 2, name, at, len, "yes");
        return true;
    case TCPOPT_SACK:
        if (len < 10 || (len - 2) % 8 != 0 || (len - 2) / 8 > 4)
            return false;
        field_add(pkt, 2, name, at, len, "%u blocks", (len - 2u) / 8);
        for (unsigned i = 0; i < (len - 2u) / 8; i++) {
            uint32_t le = cur_be32(o), re = cur_be32(o);
            t->sack_left[i] = le;
            t->sack_right[i] = re;
            field_add(pkt, 3, "SACK block", at + 2 + 8 * i, 8, "%u-%u", le, re);
        }
        t->nsack = (uint8_t)((len - 2) / 8);
        return true;
    case TCPOPT_TIMESTAMP:
        if (len != 10)
            return false;
        t->tsval = cur_be32(o);
        t->tsecr = cur_be32(o);
        t->has_ts = true;
        field_add(pkt, 2, name, at, len, "TSval %u, TSecr %u", t->tsval,
                  t->tsecr);
        return true;
    default:
        cur_skip(o, len - 2u);
        field_add(pkt, 2, name, at, len, "kind %u, length %u", kind, len);
        return true;
    }
}

/*
 * Walks the options over `declared` header bytes, of which the cursor `o`
 * holds what was captured. A length below 2 or past the header is a bad
 * option and ends the walk; a known option with the wrong length is a bad
 * option skipped by its length. Running out of captured bytes just stops
 * (the caller has flagged the truncation).
 */
static void tcp_options(struct ws_packet *pkt, struct ws_layer *l,
                        struct ws_tcp *t, struct cursor *o, uint32_t declared)
{
    uint32_t left = declared;
    field_add(pkt, 1, "Options", cur_offset(o), declared, "%u bytes", declared);
    while (left > 0 && cur_left(o) > 0) {
        uint32_t at = cur_offset(o);
        uint8_t kind = cur_u8(o);
        left--;
        if (kind == TCPOPT_EOL) {
            field_add(pkt, 2, tok_str(tcpopt_names, kind, ""), at, 1, "end");
            return;
        }
        if (kind == TCPOPT_NOP) {
            field_add(pkt, 2, tok_str(tcpopt_names, kind, ""), at, 1, "nop");
            continue;
        }
        if (left == 0) {
            layer_fail(pkt, l, EV_BAD_OPTION); /* no room for a length */
            return;
        }
        if (cur_left(o) == 0)
            return;
        uint8_t len = cur_u8(o);
        left--;
        if (len < 2 || len - 2u > left) {
            field_add(pkt, 2, tok_str(tcpopt_names, kind, "Unknown"), at, 2,
                      "bad length %u", len);
            layer_fail(pkt, l, EV_BAD_OPTION);
            return;
        }
        if (len - 2u > cur_left(o))
            return;
        struct cursor v = cur_sub(o, len - 2u);
        if (!tcp_option_value(pkt, t, &v, kind, len, at)) {
            field_add(pkt, 2, tok_str(tcpopt_names, kind, "Unknown"), at, len,
                      "bad length %u", len);
            layer_fail(pkt, l, EV_BAD_OPTION);
        }
        left -= len - 2u;
    }
}

static void tcp_fields(struct ws_packet *pkt, uint32_t off, size_t avail,
                       const struct ws_tcp *t, uint16_t offflags)
{
    if (!pkt->want_fields)
        return;
    if (avail >= 2)
        field_add(pkt, 1, "Source Port", off, 2, "%u", pkt->sport);
    if (avail >= 4)
        field_add(pkt, 1, "Destination Port", off + 2, 2, "%u", pkt->dport);
    if (avail >= 8)
        field_add(pkt, 1, "Sequence Number (raw)", off + 4, 4, "%u", t->seq);
    if (avail >= 12)
        field_add(pkt, 1, "Acknowledgment Number (raw)", off + 8, 4, "%u",
                  t->ack);
    if (avail >= 13)
        field_add(pkt, 1, "Header Length", off + 12, 1, "%u bytes (%u)",
                  (offflags >> 12) * 4u, (unsigned)(offflags >> 12));
    if (avail >= 14)
        tcp_flag_fields(pkt, off, t->flags);
    if (avail >= 16)
        field_add(pkt, 1, "Window", off + 14, 2, "%u", t->win);
    if (avail >= 18)
        field_add(pkt, 1, "Checksum", off + 16, 2, "0x%04x", t->csum);
    if (avail >= 20)
        field_add(pkt, 1, "Urgent Pointer", off + 18, 2, "%u", t->urg);
}

static enum ws_proto tcp_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = layer_open(pkt, P_TCP, c);
    if (!l)
        return P_NONE;
    struct ws_tcp *t = &pkt->u.tcp;
    memset(t, 0, sizeof *t);
    uint32_t off = cur_offset(c);
    size_t avail = cur_left(c);
    pkt->l4_off = off;
    pkt->payload_off = off;
    pkt->payload_len = 0;

    /* Fixed header, kept as far as it was captured (ports for the flow
     * table even from a cut header). Reads past the end return 0. */
    struct cursor h = cur_sub(c, avail < 20 ? avail : 20);
    pkt->sport = avail >= 2 ? cur_be16(&h) : 0;
    pkt->dport = avail >= 4 ? cur_be16(&h) : 0;
    t->seq = cur_be32(&h);
    t->ack = cur_be32(&h);
    uint16_t offflags = cur_be16(&h);
    t->flags = offflags & 0x01ff;
    t->win = cur_be16(&h);
    t->csum = cur_be16(&h);
    t->urg = cur_be16(&h);
    uint32_t hlen = (offflags >> 12) * 4u;
    t->hdr_len = (uint8_t)hlen;
    tcp_fields(pkt, off, avail, t, offflags);

    if (avail < 20) {
        layer_fail(pkt, l, EV_TRUNCATED);
        layer_close(pkt, l, c);
        pkt->payload_off = off + (uint32_t)avail;
        return P_NONE;
    }
    /* The segment as its IP length declares it and as the wire held it
     * (never past the frame), header included. */
    uint32_t declared = proto_ip_end(pkt);
    if (declared == 0)
        declared = proto_wire_len_from(pkt, off, avail);
    else
        declared = declared > off ? declared - off : 0;
    uint32_t seg = proto_wire_len_from(pkt, off, avail);
    bool bad_flags = tcp_flags_bad(t->flags);
    if (hlen < 20) {
        /* Data offset below 5 words: where the payload starts is unknown. */
        layer_fail(pkt, l, EV_BAD_HEADER_LEN);
        if (bad_flags)
            layer_fail(pkt, l, EV_BAD_FLAGS);
        layer_close(pkt, l, c);
        pkt->payload_off = off + 20;
        return P_NONE;
    }
    /* A header longer than the datagram declares is a bad data offset; one
     * that the capture (or a frame shorter than declared) cuts is a
     * truncation. Either way the options that are there are read. */
    proto_flow_early(pkt);
    if (hlen > declared)
        layer_fail(pkt, l, EV_BAD_HEADER_LEN);
    else if (hlen > avail)
        layer_fail(pkt, l, EV_TRUNCATED);
    /* Impossible flags are noted, but the segment is decoded all the same. */
    if (bad_flags)
        layer_fail(pkt, l, EV_BAD_FLAGS);
    size_t optcap = avail - 20 < hlen - 20 ? avail - 20 : hlen - 20;
    struct cursor o = cur_sub(c, optcap);
    if (hlen > 20)
        tcp_options(pkt, l, t, &o, hlen - 20);
    layer_close(pkt, l, c);
    /* Known from the headers even when the capture ends in the options
     * or the payload; 0 when the header does not fit on the wire. */
    pkt->payload_off = off + hlen;
    pkt->payload_len = hlen <= seg ? seg - hlen : 0;
    if (hlen > avail)
        return P_NONE;
    return cur_left(c) > 0 ? proto_select_app(pkt, c) : P_NONE;
}

const struct proto_desc proto_tcp = {P_TCP, "TCP", "Transmission Control Protocol",
                                     tcp_dissect, NULL};
