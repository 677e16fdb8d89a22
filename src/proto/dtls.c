/* Datagram Transport Layer Security 1.0/1.2 records (RFC 6347, RFC 9147's
 * DTLSPlaintext): every record of the datagram, handshake headers with
 * their fragmentation, and the ClientHello's cookie and cipher suites.
 * Info text follows tshark 4.0. */
#include <string.h>

#include "proto.h"

#define DTLS_REC_HDR 13
#define DTLS_HS_HDR 12
#define DTLS_MAX_RECORDS 32 /* records walked per datagram */
#define DTLS_MAX_HS 16      /* handshake messages walked per record */

enum {
    CT_CHANGE_CIPHER_SPEC = 20,
    CT_ALERT = 21,
    CT_HANDSHAKE = 22,
    CT_APPLICATION_DATA = 23,
    CT_HEARTBEAT = 24,
};

static const struct tok content_names[] = {
    {CT_CHANGE_CIPHER_SPEC, "Change Cipher Spec"},
    {CT_ALERT, "Alert"},
    {CT_HANDSHAKE, "Handshake"},
    {CT_APPLICATION_DATA, "Application Data"},
    {CT_HEARTBEAT, "Heartbeat"},
    {0, NULL},
};

static const struct tok hs_names[] = {
    {0, "Hello Request"},        {1, "Client Hello"},
    {2, "Server Hello"},         {3, "Hello Verify Request"},
    {4, "New Session Ticket"},   {11, "Certificate"},
    {12, "Server Key Exchange"}, {13, "Certificate Request"},
    {14, "Server Hello Done"},   {15, "Certificate Verify"},
    {16, "Client Key Exchange"}, {20, "Finished"},
    {0, NULL},
};

static const struct tok alert_levels[] = {{1, "Warning"}, {2, "Fatal"}, {0, NULL}};

static const struct tok alert_names[] = {
    {0, "Close Notify"},          {10, "Unexpected Message"},
    {20, "Bad Record MAC"},       {21, "Decryption Failed"},
    {22, "Record Overflow"},      {30, "Decompression Failure"},
    {40, "Handshake Failure"},    {42, "Bad Certificate"},
    {43, "Unsupported Certificate"}, {44, "Certificate Revoked"},
    {45, "Certificate Expired"},  {46, "Certificate Unknown"},
    {47, "Illegal Parameter"},    {48, "Unknown CA"},
    {49, "Access Denied"},        {50, "Decode Error"},
    {51, "Decrypt Error"},        {70, "Protocol Version"},
    {71, "Insufficient Security"}, {80, "Internal Error"},
    {90, "User Canceled"},        {100, "No Renegotiation"},
    {0, NULL},
};

static bool known_version(uint16_t v)
{
    return v == 0xfeff || v == 0xfefd || v == 0xfefc;
}

static const char *version_name(uint16_t v)
{
    switch (v) {
    case 0xfeff:
        return "DTLSv1.0";
    case 0xfefd:
        return "DTLSv1.2";
    case 0xfefc:
        return "DTLSv1.3";
    default:
        return "DTLS";
    }
}

/* DTLS by content: records of a known type and version whose lengths walk
 * to exactly the end of the datagram (every record header captured). */
static bool dtls_probe(const uint8_t *p, size_t n, const struct ws_packet *pkt,
                       bool on_port)
{
    (void)on_port;
    if (pkt->ip_proto != 17)
        return false;
    size_t total = pkt->payload_len, at = 0;
    for (unsigned i = 0; at < total && i < DTLS_MAX_RECORDS; i++) {
        if (at + DTLS_REC_HDR > n)
            return false;
        const uint8_t *r = p + at;
        if (r[0] < CT_CHANGE_CIPHER_SPEC || r[0] > CT_HEARTBEAT ||
            !known_version((uint16_t)(r[1] << 8 | r[2])))
            return false;
        at += DTLS_REC_HDR + (size_t)(r[11] << 8 | r[12]);
    }
    return total > 0 && at == total;
}

/* --- record walk shared by the dissector and the hooks --- */

struct dtls_record {
    uint32_t off;       /* absolute offset of the record header */
    uint8_t type;
    uint16_t version;
    uint16_t epoch;
    uint64_t seq;
    uint16_t length;
    struct cursor body; /* the fragment (short when cut) */
};

static bool read_record(struct cursor *c, struct dtls_record *r)
{
    r->off = cur_offset(c);
    r->type = cur_u8(c);
    r->version = cur_be16(c);
    r->epoch = cur_be16(c);
    r->seq = (uint64_t)cur_be16(c) << 32;
    r->seq |= cur_be32(c);
    r->length = cur_be16(c);
    if (!cur_ok(c))
        return false;
    r->body = cur_sub(c, r->length);
    r->body.short_read = false; /* covers what is there; c says if cut */
    return true;
}

struct dtls_hs {
    uint32_t off;
    uint8_t type;
    uint32_t length;     /* the whole message's length */
    uint16_t msg_seq;
    uint32_t frag_off, frag_len;
    struct cursor body;  /* this fragment's bytes */
};

static uint32_t cur_be24(struct cursor *c)
{
    uint32_t hi = cur_u8(c);
    return hi << 16 | cur_be16(c);
}

static bool read_hs(struct cursor *c, struct dtls_hs *h)
{
    h->off = cur_offset(c);
    h->type = cur_u8(c);
    h->length = cur_be24(c);
    h->msg_seq = cur_be16(c);
    h->frag_off = cur_be24(c);
    h->frag_len = cur_be24(c);
    if (!cur_ok(c))
        return false;
    h->body = cur_sub(c, h->frag_len); /* a cut body marks c short */
    return true;
}

static bool is_fragment(const struct dtls_hs *h)
{
    return h->frag_off != 0 || h->frag_len < h->length;
}

/* --- ClientHello / HelloVerifyRequest --- */

static void client_hello(struct ws_packet *pkt, struct ws_layer *l,
                         struct cursor *b)
{
    uint32_t off = cur_offset(b);
    uint16_t version = cur_be16(b);
    cur_skip(b, 32); /* random */
    uint8_t sid_len = cur_u8(b);
    cur_skip(b, sid_len);
    uint32_t cookie_off = cur_offset(b);
    uint8_t cookie_len = cur_u8(b);
    cur_skip(b, cookie_len);
    uint32_t cs_off = cur_offset(b);
    uint16_t cs_len = cur_be16(b);
    if (!cur_ok(b)) {
        layer_fail(pkt, l, EV_BAD_APP);
        return;
    }
    field_add(pkt, 3, "Client Version", off, 2, "%s (0x%04x)", version_name(version),
              version);
    field_add(pkt, 3, "Session ID Length", off + 34, 1, "%u", sid_len);
    field_add(pkt, 3, "Cookie Length", cookie_off, 1u + cookie_len, "%u", cookie_len);
    field_add(pkt, 3, "Cipher Suites", cs_off, 2u + cs_len, "%u suites", cs_len / 2u);
    if (!cur_skip(b, cs_len))
        layer_fail(pkt, l, EV_BAD_APP);
}

static void dissect_handshakes(struct ws_packet *pkt, struct ws_layer *l,
                               struct dtls_record *r)
{
    if (r->epoch != 0) {
        field_add(pkt, 2, "Encrypted Handshake Message", cur_offset(&r->body),
                  (uint32_t)cur_left(&r->body), "%zu bytes", cur_left(&r->body));
        return;
    }
    for (unsigned i = 0; cur_left(&r->body) > 0 && i < DTLS_MAX_HS; i++) {
        struct dtls_hs h;
        if (!read_hs(&r->body, &h)) {
            layer_fail(pkt, l, EV_BAD_APP);
            return;
        }
        if (i == 0 && pkt->a.dtls.handshake_type == 0 && pkt->a.dtls.nrecords == 1)
            pkt->a.dtls.handshake_type = h.type;
        field_add(pkt, 2, tok_name(hs_names, h.type), h.off, DTLS_HS_HDR + h.frag_len,
                  "type %u, length %u, message_seq %u, fragment %u+%u", h.type,
                  h.length, h.msg_seq, h.frag_off, h.frag_len);
        if (!cur_ok(&r->body)) {
            /* the fragment runs past its record (or the record was cut) */
            layer_fail(pkt, l, EV_BAD_APP);
            return;
        }
        if (h.type == 1 && !is_fragment(&h))
            client_hello(pkt, l, &h.body);
    }
}

static void dissect_alert(struct ws_packet *pkt, struct dtls_record *r)
{
    if (r->epoch != 0 || cur_left(&r->body) < 2)
        return;
    uint32_t off = cur_offset(&r->body);
    uint8_t level = cur_u8(&r->body), desc = cur_u8(&r->body);
    field_add(pkt, 2, "Alert", off, 2, "Level %s, Description %s",
              tok_name(alert_levels, level), tok_name(alert_names, desc));
}

static bool dissect_record(struct ws_packet *pkt, struct ws_layer *l,
                           struct cursor *c)
{
    struct dtls_record r;
    if (!read_record(c, &r)) {
        layer_fail(pkt, l, EV_TRUNCATED);
        return false;
    }
    struct ws_dtls *d = &pkt->a.dtls;
    if (d->nrecords++ == 0) {
        d->content_type = r.type;
        d->version = r.version;
        d->epoch = r.epoch;
        d->seq = r.seq;
    }
    field_add(pkt, 1, "Record", r.off, DTLS_REC_HDR + (uint32_t)r.length,
              "%s, %s (0x%04x), epoch %u, sequence %llu, length %u",
              tok_name(content_names, r.type), version_name(r.version), r.version,
              r.epoch, (unsigned long long)r.seq, r.length);
    bool whole = cur_ok(c);
    if (!whole)
        layer_fail(pkt, l, EV_TRUNCATED); /* the record runs past the datagram */
    if (r.type == CT_HANDSHAKE)
        dissect_handshakes(pkt, l, &r);
    else if (r.type == CT_ALERT)
        dissect_alert(pkt, &r);
    if (!known_version(r.version))
        layer_fail(pkt, l, EV_BAD_VERSION);
    return whole;
}

static enum ws_proto dtls_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_DTLS, c);
    if (!l)
        return P_NONE;
    memset(&pkt->a.dtls, 0, sizeof pkt->a.dtls);
    if (cur_left(c) < pkt->payload_len)
        layer_fail(pkt, l, EV_TRUNCATED); /* datagram cut by the snaplen */
    for (unsigned i = 0; cur_left(c) > 0; i++) {
        if (i == DTLS_MAX_RECORDS) {
            layer_fail(pkt, l, EV_BAD_APP);
            cur_skip(c, cur_left(c));
            break;
        }
        if (!dissect_record(pkt, l, c))
            break;
    }
    layer_close(pkt, l, c);
    return P_NONE;
}

/* --- Protocol, Info, JSON --- */

struct dtls_walk {
    struct cursor c;
    unsigned n;
};

static void walk_init(struct dtls_walk *w, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    w->c = cur_make(pkt->data, pkt->caplen);
    cur_skip(&w->c, l->off);
    w->c = cur_sub(&w->c, l->len);
    w->n = 0;
}

static bool walk_next(struct dtls_walk *w, struct dtls_record *r)
{
    return w->n++ < DTLS_MAX_RECORDS && read_record(&w->c, r);
}

/* The cookie length of a whole ClientHello, -1 when not one. */
static int hello_cookie_len(const struct ws_packet *pkt, const struct ws_layer *l)
{
    struct dtls_walk w;
    walk_init(&w, pkt, l);
    struct dtls_record r;
    struct dtls_hs h;
    if (!walk_next(&w, &r) || r.type != CT_HANDSHAKE || r.epoch != 0 ||
        !read_hs(&r.body, &h) || h.type != 1 || is_fragment(&h))
        return -1;
    cur_skip(&h.body, 34);
    cur_skip(&h.body, cur_u8(&h.body));
    uint8_t n = cur_u8(&h.body);
    return cur_ok(&h.body) ? n : -1;
}

/* tshark names the session's version, which it learns from the exchange: a
 * first ClientHello (no cookie yet) is plain "DTLS"; otherwise the record
 * version tells. */
static const char *dtls_protocol(const struct ws_packet *pkt,
                                 const struct ws_layer *l)
{
    if (l->len < DTLS_REC_HDR)
        return "DTLS";
    if (hello_cookie_len(pkt, l) == 0)
        return "DTLS";
    return version_name(pkt->a.dtls.version);
}

static void sep(struct textbuf *tb, bool *first)
{
    if (!*first)
        tb_puts(tb, ", ");
    *first = false;
}

static void info_handshakes(struct textbuf *tb, struct dtls_record *r, bool *first)
{
    if (r->epoch != 0) {
        sep(tb, first);
        tb_puts(tb, "Encrypted Handshake Message");
        return;
    }
    struct dtls_hs h;
    for (unsigned i = 0; i < DTLS_MAX_HS && cur_ok(&r->body) && read_hs(&r->body, &h);
         i++) {
        sep(tb, first);
        const char *name = tok_find(hs_names, h.type);
        tb_puts(tb, name ? name : "Encrypted Handshake Message");
        if (is_fragment(&h))
            tb_puts(tb, h.frag_off + h.frag_len >= h.length && h.frag_off > 0
                            ? " (Reassembled)" : " (Fragment)");
    }
}

static void info_alert(struct textbuf *tb, struct dtls_record *r)
{
    if (r->epoch != 0 || cur_left(&r->body) < 2) {
        tb_puts(tb, "Encrypted Alert");
        return;
    }
    uint8_t level = cur_u8(&r->body), desc = cur_u8(&r->body);
    tb_puts(tb, "Alert (Level: ");
    tb_puts(tb, tok_name(alert_levels, level));
    tb_puts(tb, ", Description: ");
    tb_puts(tb, tok_name(alert_names, desc));
    tb_putc(tb, ')');
}

static void dtls_info(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    struct dtls_walk w;
    walk_init(&w, pkt, l);
    struct dtls_record r;
    bool first = true;
    while (walk_next(&w, &r)) {
        if (r.type == CT_HANDSHAKE) {
            info_handshakes(tb, &r, &first);
            continue;
        }
        sep(tb, &first);
        if (r.type == CT_ALERT)
            info_alert(tb, &r);
        else
            tb_puts(tb, tok_name(content_names, r.type));
    }
}

static void dtls_json(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    struct dtls_walk w;
    walk_init(&w, pkt, l);
    struct dtls_record r;
    tb_puts(tb, "\"records\":[");
    for (bool first = true; walk_next(&w, &r); first = false) {
        tb_puts(tb, first ? "{\"content_type\":" : ",{\"content_type\":");
        tb_u64(tb, r.type);
        tb_puts(tb, ",\"version\":");
        tb_json_str(tb, version_name(r.version));
        tb_puts(tb, ",\"epoch\":");
        tb_u64(tb, r.epoch);
        tb_puts(tb, ",\"seq\":");
        tb_u64(tb, r.seq);
        tb_puts(tb, ",\"length\":");
        tb_u64(tb, r.length);
        struct dtls_hs h;
        if (r.type == CT_HANDSHAKE && r.epoch == 0 && read_hs(&r.body, &h)) {
            tb_puts(tb, ",\"handshake\":");
            tb_json_str(tb, tok_name(hs_names, h.type));
        }
        tb_putc(tb, '}');
    }
    tb_putc(tb, ']');
}

static const struct app_hooks dtls_hooks = {
    .transport = APP_UDP,
    .ports = NULL,
    .probe = dtls_probe,
    .protocol = dtls_protocol,
    .info = dtls_info,
    .json = dtls_json,
    .track = NULL,
};

const struct proto_desc proto_dtls = {P_DTLS, "DTLS",
                                      "Datagram Transport Layer Security",
                                      dtls_dissect, &dtls_hooks};
