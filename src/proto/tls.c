/*
 * Transport Layer Security over TCP (RFC 8446, 5246): the records that
 * start in the segment, their handshake messages, and from the hellos the
 * versions, cipher suites, extensions, server name (SNI) and ALPN.
 *
 * One segment at a time: a record the segment cuts is decoded as far as it
 * goes (not malformed), a segment that starts inside a record is
 * "Continuation Data". Handshake records after a ChangeCipherSpec in the
 * same segment, or whose contents do not parse as handshake messages, are
 * encrypted ("Encrypted Handshake Message"), as tshark words it.
 */
#include <string.h>

#include "proto.h"
#include "wirescope/flow.h"
#include "wirescope/sanitize.h"

/* tshark 4.0's default TLS ports among the common ones: HTTPS, LDAPS,
 * SMTPS (submissions), IMAPS, POP3S, DNS over TLS, and 8443. */
static const uint16_t tls_ports[] = {443, 465, 636, 853, 993, 995, 8443, 0};

#define REC_CCS 20
#define REC_ALERT 21
#define REC_HANDSHAKE 22
#define REC_APPDATA 23
#define REC_HEARTBEAT 24
#define REC_HDR 5
#define REC_MAX (16384 + 2048) /* TLSCiphertext limit (RFC 5246 6.2.3) */

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_CERTIFICATE 11

#define EXT_SERVER_NAME 0
#define EXT_ALPN 16
#define EXT_SUPPORTED_VERSIONS 43

#define TLS_MAX_SUITE_FIELDS 64 /* cipher suites listed one per field */

static const struct tok record_types[] = {
    {REC_CCS, "Change Cipher Spec"}, {REC_ALERT, "Alert"},
    {REC_HANDSHAKE, "Handshake"},   {REC_APPDATA, "Application Data"},
    {REC_HEARTBEAT, "Heartbeat"},   {0, NULL},
};

static const struct tok handshake_types[] = {
    {0, "Hello Request"},        {1, "Client Hello"},
    {2, "Server Hello"},         {3, "Hello Verify Request"},
    {4, "New Session Ticket"},   {5, "End of Early Data"},
    {6, "Hello Retry Request"},  {8, "Encrypted Extensions"},
    {11, "Certificate"},         {12, "Server Key Exchange"},
    {13, "Certificate Request"}, {14, "Server Hello Done"},
    {15, "Certificate Verify"},  {16, "Client Key Exchange"},
    {20, "Finished"},            {21, "Certificate URL"},
    {22, "Certificate Status"},  {23, "Supplemental Data"},
    {24, "Key Update"},          {25, "Compressed Certificate"},
    {254, "Message Hash"},       {0, NULL},
};

static const struct tok alert_levels[] = {{1, "Warning"}, {2, "Fatal"}, {0, NULL}};

static const struct tok alert_descs[] = {
    {0, "Close Notify"},
    {10, "Unexpected Message"},
    {20, "Bad Record MAC"},
    {21, "Decryption Failed"},
    {22, "Record Overflow"},
    {30, "Decompression Failure"},
    {40, "Handshake Failure"},
    {41, "No Certificate"},
    {42, "Bad Certificate"},
    {43, "Unsupported Certificate"},
    {44, "Certificate Revoked"},
    {45, "Certificate Expired"},
    {46, "Certificate Unknown"},
    {47, "Illegal Parameter"},
    {48, "Unknown CA"},
    {49, "Access Denied"},
    {50, "Decode Error"},
    {51, "Decrypt Error"},
    {60, "Export Restriction"},
    {70, "Protocol Version"},
    {71, "Insufficient Security"},
    {80, "Internal Error"},
    {86, "Inappropriate Fallback"},
    {90, "User Canceled"},
    {100, "No Renegotiation"},
    {109, "Missing Extension"},
    {110, "Unsupported Extension"},
    {111, "Certificate Unobtainable"},
    {112, "Unrecognized Name"},
    {113, "Bad Certificate Status Response"},
    {114, "Bad Certificate Hash Value"},
    {115, "Unknown PSK Identity"},
    {116, "Certificate Required"},
    {120, "No application Protocol"},
    {0, NULL},
};

/* Extension names as the IANA registry spells them (tshark's too). */
static const struct tok extension_names[] = {
    {0, "server_name"},
    {1, "max_fragment_length"},
    {5, "status_request"},
    {10, "supported_groups"},
    {11, "ec_point_formats"},
    {13, "signature_algorithms"},
    {14, "use_srtp"},
    {15, "heartbeat"},
    {16, "application_layer_protocol_negotiation"},
    {18, "signed_certificate_timestamp"},
    {21, "padding"},
    {22, "encrypt_then_mac"},
    {23, "extended_master_secret"},
    {27, "compress_certificate"},
    {28, "record_size_limit"},
    {35, "session_ticket"},
    {41, "pre_shared_key"},
    {42, "early_data"},
    {43, "supported_versions"},
    {44, "cookie"},
    {45, "psk_key_exchange_modes"},
    {47, "certificate_authorities"},
    {49, "post_handshake_auth"},
    {50, "signature_algorithms_cert"},
    {51, "key_share"},
    {57, "quic_transport_parameters"},
    {17513, "application_settings"},
    {65037, "encrypted_client_hello"},
    {65281, "renegotiation_info"},
    {0, NULL},
};

/* IANA names of the cipher suites seen in practice. */
static const struct tok cipher_names[] = {
    {0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
    {0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
    {0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
    {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    {0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
    {0x1301, "TLS_AES_128_GCM_SHA256"},
    {0x1302, "TLS_AES_256_GCM_SHA384"},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
    {0x1304, "TLS_AES_128_CCM_SHA256"},
    {0x1305, "TLS_AES_128_CCM_8_SHA256"},
    {0x5600, "TLS_FALLBACK_SCSV"},
    {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
    {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
    {0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0, NULL},
};

/* SHA-256 of "HelloRetryRequest": the ServerHello random that makes it a
 * HelloRetryRequest (RFC 8446 4.1.3). */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* GREASE values (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
static bool is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* "0x1302" into buf[7]. */
static void hex16(char buf[7], uint16_t v)
{
    static const char digits[] = "0123456789abcdef";
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 4; i++)
        buf[2 + i] = digits[(v >> (12 - 4 * i)) & 15];
    buf[6] = 0;
}

/* "TLS 1.2", "SSL 3.0", or the number. */
static void version_text(char *buf, size_t size, uint16_t v)
{
    static const char *const names[] = {"SSL 3.0", "TLS 1.0", "TLS 1.1",
                                        "TLS 1.2", "TLS 1.3"};
    struct textbuf tb;
    tb_init(&tb, buf, size);
    if (v >= 0x0300 && v <= 0x0304) {
        tb_puts(&tb, names[v - 0x0300]);
    } else if (is_grease(v)) {
        tb_puts(&tb, "Reserved (GREASE)");
    } else {
        char hex[7];
        hex16(hex, v);
        tb_puts(&tb, hex);
    }
}

/* A plausible record header at p: type, version 3.x and a length a
 * record can have. Content detection on any port takes 20..23 with
 * TLS 1.0..1.3 only. */
static bool record_header_ok(const uint8_t *p, bool strict)
{
    uint8_t type = p[0];
    uint16_t ver = (uint16_t)(p[1] << 8 | p[2]);
    uint16_t len = (uint16_t)(p[3] << 8 | p[4]);
    if (type < REC_CCS || type > (strict ? REC_APPDATA : REC_HEARTBEAT))
        return false;
    if (ver < (strict ? 0x0301 : 0x0300) || ver > 0x0304)
        return false;
    return len > 0 && len <= REC_MAX;
}

/* On a TLS port everything is TLS (a segment that starts inside a record
 * is Continuation Data); elsewhere a record header, and for a handshake
 * record a known first message type. */
static bool tls_probe(const uint8_t *p, size_t n, const struct ws_packet *pkt,
                      bool on_port)
{
    (void)pkt;
    if (on_port)
        return true;
    if (n < REC_HDR || !record_header_ok(p, true))
        return false;
    if (p[0] == REC_HANDSHAKE && n > REC_HDR)
        return tok_find(handshake_types, p[REC_HDR]) != NULL;
    if (p[0] == REC_CCS && n > REC_HDR)
        return p[3] == 0 && p[4] == 1 && p[REC_HDR] == 1;
    return true;
}

/* ---- the walk over a segment ---- */

struct tls_seg {
    struct ws_packet *pkt;
    struct ws_layer *l;
    bool snap_cut; /* the capture holds less than the segment */
    bool after_ccs; /* a ChangeCipherSpec came earlier in the segment */
};

static struct ws_span span_at(const struct ws_packet *pkt, const uint8_t *p,
                              size_t n)
{
    struct ws_span s = {(uint32_t)(p - pkt->data),
                        (uint16_t)(n > UINT16_MAX ? UINT16_MAX : n)};
    return s;
}

static void text_field(struct ws_packet *pkt, uint8_t depth, const char *name,
                       const uint8_t *p, size_t n)
{
    if (!pkt->want_fields)
        return;
    char buf[1100];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    sanitize_bytes(&tb, p, n > 255 ? 255 : n, false);
    field_add_always(pkt, depth, name, (uint32_t)(p - pkt->data), (uint32_t)n,
                     "%s", buf);
}

/* A length-prefixed vector inside m: returns the sub-cursor and sets *ok
 * false (with the event) when the length runs past m. */
static struct cursor vec(struct tls_seg *s, struct cursor *m, unsigned lenbytes,
                         bool whole, bool *ok)
{
    uint32_t len = lenbytes == 1 ? cur_u8(m) : lenbytes == 2 ? cur_be16(m)
                                                              : 0;
    if (lenbytes == 3) {
        len = (uint32_t)cur_u8(m) << 16;
        len |= cur_be16(m);
    }
    if (!cur_ok(m) || len > cur_left(m)) {
        /* past a record the segment holds whole: malformed; else it goes on
         * in the next segment (or the capture was cut) */
        if (cur_ok(m) && whole)
            layer_fail(s->pkt, s->l, EV_BAD_APP);
        *ok = false;
    }
    return cur_sub(m, len);
}

static void server_name_ext(struct tls_seg *s, struct cursor e, bool whole,
                            uint32_t depth)
{
    bool ok = true;
    struct cursor list = vec(s, &e, 2, whole, &ok);
    while (ok && cur_left(&list) >= 3) {
        uint8_t type = cur_u8(&list);
        struct cursor name = vec(s, &list, 2, whole, &ok);
        if (type == 0 && cur_ok(&name) && ok) {
            size_t n = cur_left(&name);
            struct ws_tls *t = &s->pkt->a.tls;
            if (!t->sni.len)
                t->sni = span_at(s->pkt, name.p, n);
            text_field(s->pkt, (uint8_t)depth, "Server Name", name.p, n);
        }
    }
}

static void alpn_ext(struct tls_seg *s, struct cursor e, bool whole, uint32_t depth)
{
    bool ok = true;
    struct ws_tls *t = &s->pkt->a.tls;
    struct cursor list = vec(s, &e, 2, whole, &ok);
    while (ok && cur_left(&list) >= 1) {
        struct cursor name = vec(s, &list, 1, whole, &ok);
        if (!ok)
            break;
        if (t->nalpn < TLS_MAX_ALPN)
            t->alpn[t->nalpn++] = span_at(s->pkt, name.p, cur_left(&name));
        text_field(s->pkt, (uint8_t)depth, "ALPN Protocol", name.p, cur_left(&name));
    }
}

static void versions_ext(struct tls_seg *s, struct cursor e, bool client,
                         bool whole, uint32_t depth)
{
    struct ws_tls *t = &s->pkt->a.tls;
    char vt[24];
    if (!client) { /* ServerHello: the selected version */
        uint16_t v = cur_be16(&e);
        if (!cur_ok(&e))
            return;
        t->negotiated = v;
        version_text(vt, sizeof vt, v);
        field_add(s->pkt, (uint8_t)depth, "Supported Version", (uint32_t)(e.p - 2 - s->pkt->data),
                  2, "%s (0x%04x)", vt, v);
        return;
    }
    bool ok = true;
    struct cursor list = vec(s, &e, 1, whole, &ok);
    while (cur_left(&list) >= 2) {
        uint16_t v = cur_be16(&list);
        if (!is_grease(v) && v > t->max_offered)
            t->max_offered = v;
        version_text(vt, sizeof vt, v);
        field_add(s->pkt, (uint8_t)depth, "Supported Version",
                  (uint32_t)(list.p - 2 - s->pkt->data), 2, "%s (0x%04x)", vt, v);
    }
}

/* The extensions block of a hello; `whole` = the message is all here. */
static void extensions(struct tls_seg *s, struct cursor *m, bool client, bool whole)
{
    if (cur_left(m) == 0)
        return; /* no extensions (allowed before TLS 1.3) */
    bool ok = true;
    uint32_t at = cur_offset(m);
    struct cursor all = vec(s, m, 2, whole, &ok);
    field_add(s->pkt, 2, "Extensions Length", at, 2, "%zu", cur_left(&all));
    while (cur_left(&all) >= 4) {
        uint32_t eoff = cur_offset(&all);
        uint16_t type = cur_be16(&all);
        bool eok = true;
        struct cursor e = vec(s, &all, 2, whole, &eok);
        const char *name = is_grease(type) ? "Reserved (GREASE)"
                                           : tok_find(extension_names, type);
        field_add(s->pkt, 2, "Extension", eoff, (uint32_t)(4 + cur_left(&e)),
                  "%s (%u), length %zu", name ? name : "Unknown", type, cur_left(&e));
        if (!eok)
            break;
        if (type == EXT_SERVER_NAME && client)
            server_name_ext(s, e, whole, 3);
        else if (type == EXT_ALPN)
            alpn_ext(s, e, whole, 3);
        else if (type == EXT_SUPPORTED_VERSIONS)
            versions_ext(s, e, client, whole, 3);
    }
    if (cur_left(&all) > 0 && whole && ok)
        layer_fail(s->pkt, s->l, EV_BAD_APP); /* 1..3 stray bytes */
}

static void cipher_field(struct ws_packet *pkt, uint32_t off, uint16_t cs, uint8_t depth)
{
    const char *name = is_grease(cs) ? "Reserved (GREASE)" : tok_find(cipher_names, cs);
    field_add(pkt, depth, "Cipher Suite", off, 2, "%s (0x%04x)",
              name ? name : "Unknown", cs);
}

static void client_hello(struct tls_seg *s, struct cursor *m, bool whole)
{
    struct ws_packet *pkt = s->pkt;
    struct ws_tls *t = &pkt->a.tls;
    char vt[24];
    uint32_t at = cur_offset(m);
    t->hello_version = cur_be16(m);
    version_text(vt, sizeof vt, t->hello_version);
    if (cur_ok(m))
        field_add(pkt, 2, "Version", at, 2, "%s (0x%04x)", vt, t->hello_version);
    if (!cur_skip(m, 32))
        return;
    field_add(pkt, 2, "Random", at + 2, 32, "32 bytes");
    bool ok = true;
    struct cursor sid = vec(s, m, 1, whole, &ok);
    if (!ok)
        return;
    field_add(pkt, 2, "Session ID Length", cur_offset(&sid) - 1, 1, "%zu", cur_left(&sid));
    if (cur_left(&sid) > 32) /* legacy_session_id<0..32> */
        layer_fail(pkt, s->l, EV_BAD_APP);
    at = cur_offset(m);
    struct cursor suites = vec(s, m, 2, whole, &ok);
    size_t nbytes = cur_left(&suites);
    field_add(pkt, 2, "Cipher Suites", at, (uint32_t)(2 + nbytes), "%zu suites", nbytes / 2);
    if (nbytes % 2 && ok && whole)
        layer_fail(pkt, s->l, EV_BAD_APP);
    for (unsigned i = 0; cur_left(&suites) >= 2; i++) {
        uint32_t off = cur_offset(&suites);
        uint16_t cs = cur_be16(&suites);
        if (i < TLS_MAX_SUITE_FIELDS)
            cipher_field(pkt, off, cs, 3);
    }
    if (!ok)
        return;
    struct cursor comp = vec(s, m, 1, whole, &ok);
    if (!ok)
        return;
    field_add(pkt, 2, "Compression Methods", cur_offset(&comp) - 1,
              (uint32_t)(1 + cur_left(&comp)), "%zu", cur_left(&comp));
    extensions(s, m, true, whole);
}

static void server_hello(struct tls_seg *s, struct cursor *m, bool whole, uint8_t *type)
{
    struct ws_packet *pkt = s->pkt;
    struct ws_tls *t = &pkt->a.tls;
    char vt[24];
    uint32_t at = cur_offset(m);
    uint16_t ver = cur_be16(m);
    const uint8_t *random = cur_take(m, 32);
    if (!random)
        return;
    t->hello_version = ver;
    version_text(vt, sizeof vt, ver);
    field_add(pkt, 2, "Version", at, 2, "%s (0x%04x)", vt, ver);
    field_add(pkt, 2, "Random", at + 2, 32, "32 bytes");
    if (memcmp(random, hrr_random, 32) == 0)
        *type = 6; /* shown as Hello Retry Request */
    bool ok = true;
    struct cursor sid = vec(s, m, 1, whole, &ok);
    if (!ok)
        return;
    field_add(pkt, 2, "Session ID Length", cur_offset(&sid) - 1, 1, "%zu", cur_left(&sid));
    at = cur_offset(m);
    uint16_t cs = cur_be16(m);
    uint8_t comp = cur_u8(m);
    if (!cur_ok(m))
        return;
    t->cipher = cs;
    t->has_cipher = true;
    cipher_field(pkt, at, cs, 2);
    field_add(pkt, 2, "Compression Method", at + 2, 1, "%u", comp);
    extensions(s, m, false, whole);
}

/* TLS 1.2 Certificate: the list and each certificate's length. */
static void certificate(struct tls_seg *s, struct cursor *m, bool whole)
{
    bool ok = true;
    uint32_t at = cur_offset(m);
    struct cursor list = vec(s, m, 3, whole, &ok);
    field_add(s->pkt, 2, "Certificates Length", at, 3, "%zu", cur_left(&list));
    while (cur_left(&list) >= 3) {
        uint32_t off = cur_offset(&list);
        bool cok = true;
        struct cursor cert = vec(s, &list, 3, whole, &cok);
        field_add(s->pkt, 2, "Certificate", off, (uint32_t)(3 + cur_left(&cert)),
                  "%zu bytes%s", cur_left(&cert), cok ? "" : " (continues)");
        if (!cok)
            break;
    }
}

static void add_hs(struct ws_tls *t, uint8_t type)
{
    if (t->nhs < TLS_MAX_HS) {
        t->hs_rec[t->nhs] = (uint8_t)(t->nrecords - 1);
        t->hs[t->nhs++] = type;
    }
    if (!t->handshake_type)
        t->handshake_type = type;
}

/* Whether r (the record's body as captured; `declared` bytes long) reads
 * as handshake messages of known types that end at the record's end (the
 * segment may cut the last one); else it is ciphertext. */
static bool plausible_handshake(struct cursor r, uint16_t declared)
{
    size_t pos = 0;
    while (pos < declared) {
        if (cur_left(&r) == 0)
            return true; /* nothing more captured to contradict it */
        if (!tok_find(handshake_types, cur_peek8(&r, 0)))
            return false;
        if (cur_left(&r) < 4)
            return true;
        cur_skip(&r, 1);
        uint32_t len = (uint32_t)cur_u8(&r) << 16;
        len |= cur_be16(&r);
        if (pos + 4 + len > declared)
            return false;
        pos += 4 + len;
        if (!cur_skip(&r, len))
            return true; /* the message goes on past the segment */
    }
    return true;
}

/* The handshake messages of one record; `whole` = the record is all here. */
static void handshake_record(struct tls_seg *s, struct cursor r, uint16_t declared,
                             bool whole, struct ws_tls_record *rec)
{
    struct ws_packet *pkt = s->pkt;
    struct ws_tls *t = &pkt->a.tls;
    /* a hello is read as plaintext (and a bad length in it is malformed);
     * anything else must look like handshake messages */
    uint8_t first = cur_left(&r) ? cur_peek8(&r, 0) : 0;
    bool hello = !s->after_ccs && (first == HS_CLIENT_HELLO || first == HS_SERVER_HELLO);
    if (!hello && (s->after_ccs || !plausible_handshake(r, declared))) {
        rec->encrypted = true;
        field_add(pkt, 2, "Encrypted Handshake Message", cur_offset(&r),
                  (uint32_t)cur_left(&r), "%u bytes", declared);
        return;
    }
    while (cur_left(&r) >= 4) {
        uint32_t at = cur_offset(&r);
        uint8_t type = cur_u8(&r);
        uint32_t len = (uint32_t)cur_u8(&r) << 16;
        len |= cur_be16(&r);
        bool msg_whole = len <= cur_left(&r);
        if (!msg_whole && whole) {
            field_add(pkt, 1, "Handshake length past the record", at, 4,
                      "%u bytes where %zu remain", len, cur_left(&r));
            layer_fail(pkt, s->l, EV_BAD_APP);
            break;
        }
        struct cursor m = cur_sub(&r, len);
        if (!msg_whole)
            r.short_read = false;
        if (!rec->hs_type)
            rec->hs_type = type;
        if (type == HS_SERVER_HELLO && cur_left(&m) >= 34)
            server_hello(s, &m, msg_whole, &type);
        else if (type == HS_CLIENT_HELLO)
            client_hello(s, &m, msg_whole);
        else if (type == HS_CERTIFICATE)
            certificate(s, &m, msg_whole);
        /* a message cut by the segment is not listed (tshark stops there) */
        if (msg_whole)
            add_hs(t, type);
        const char *name = tok_find(handshake_types, type);
        field_add(pkt, 1, "Handshake", at, 4 + len, "%s (%u), length %u%s",
                  name ? name : "Unknown", type, len,
                  msg_whole ? "" : ", continues in the next segment");
        if (!msg_whole)
            break;
    }
}

static void alert_record(struct tls_seg *s, struct cursor r, uint16_t declared,
                         struct ws_tls_record *rec)
{
    if (declared != 2 || cur_left(&r) < 2) {
        rec->encrypted = true;
        field_add(s->pkt, 1, "Encrypted Alert", cur_offset(&r), (uint32_t)cur_left(&r),
                  "%u bytes", declared);
        return;
    }
    rec->alert_level = cur_u8(&r);
    rec->alert_desc = cur_u8(&r);
    uint32_t at = cur_offset(&r) - 2;
    field_add(s->pkt, 1, "Alert Level", at, 1, "%s (%u)",
              tok_name(alert_levels, rec->alert_level), rec->alert_level);
    field_add(s->pkt, 1, "Alert Description", at + 1, 1, "%s (%u)",
              tok_name(alert_descs, rec->alert_desc), rec->alert_desc);
}

/* One record at the cursor; false when the walk must stop. */
static bool tls_record(struct tls_seg *s, struct cursor *c)
{
    struct ws_packet *pkt = s->pkt;
    struct ws_tls *t = &pkt->a.tls;
    uint32_t at = cur_offset(c);
    uint8_t type = cur_u8(c);
    uint16_t ver = cur_be16(c);
    uint16_t len = cur_be16(c);
    struct ws_tls_record *rec = &t->rec[t->nrecords++];
    rec->type = type;
    rec->version = ver;
    rec->len = len;
    bool whole = len <= cur_left(c);
    rec->cut = !whole;
    struct cursor r = cur_sub(c, len);
    char vt[24];
    version_text(vt, sizeof vt, ver);
    field_add(pkt, 0, "Record", at, REC_HDR + len, "%s", tok_name(record_types, type));
    field_add(pkt, 1, "Record Layer", at, REC_HDR + len, "%s, %s, length %u%s",
              tok_name(record_types, type), vt, len,
              whole ? "" : ", continues in the next segment");
    switch (type) {
    case REC_CCS:
        s->after_ccs = true;
        field_add(pkt, 1, "Change Cipher Spec Message", cur_offset(&r),
                  (uint32_t)cur_left(&r), "%u bytes", len);
        break;
    case REC_ALERT:
        alert_record(s, r, len, rec);
        break;
    case REC_HANDSHAKE:
        handshake_record(s, r, len, whole, rec);
        break;
    default:
        field_add(pkt, 1, type == REC_APPDATA ? "Encrypted Application Data"
                                              : "Heartbeat Message",
                  cur_offset(&r), (uint32_t)cur_left(&r), "%u bytes", len);
        break;
    }
    if (!whole) {
        if (s->snap_cut)
            layer_fail(pkt, s->l, EV_TRUNCATED);
        return false;
    }
    return true;
}

static enum ws_proto tls_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_TLS, c);
    if (!l)
        return P_NONE;
    struct ws_tls *t = &pkt->a.tls;
    ws_zero(t, sizeof *t);
    size_t n = cur_left(c);
    struct tls_seg s = {pkt, l, pkt->payload_len > n, false};
    while (cur_left(c) > 0 && t->nrecords < TLS_MAX_RECORDS) {
        if (cur_left(c) < REC_HDR || !record_header_ok(c->p, false)) {
            uint32_t at = cur_offset(c);
            size_t left = cur_left(c);
            if (t->nrecords == 0)
                t->continuation = true;
            field_add(pkt, t->nrecords ? 1 : 0, "Continuation Data", at, (uint32_t)left,
                      "%zu bytes", left);
            if (left < REC_HDR && s.snap_cut)
                layer_fail(pkt, l, EV_TRUNCATED);
            cur_skip(c, left);
            break;
        }
        if (!tls_record(&s, c))
            break;
    }
    if (t->nrecords) {
        t->content_type = t->rec[0].type;
        t->version = t->rec[0].version;
    }
    cur_skip(c, cur_left(c));
    layer_close(pkt, l, c);
    return P_NONE;
}

/* ---- columns and JSON ---- */

/* tshark's column: the version the ServerHello negotiated, else the
 * ServerHello's, else the first record's when the segment holds all of
 * it (or the snaplen cut it); "TLS" otherwise (tshark knows the connection's version and says
 * "SSL" before it does; one segment does not know it). */
static const char *tls_protocol(const struct ws_packet *pkt, const struct ws_layer *l)
{
    (void)l;
    static const char *const names[] = {"SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2",
                                        "TLSv1.3"};
    const struct ws_tls *t = &pkt->a.tls;
    uint16_t v = t->negotiated ? t->negotiated
                 : t->has_cipher ? t->hello_version
                 : t->nrecords && (!t->rec[0].cut || pkt->caplen < pkt->len)
                     ? t->version
                     : 0;
    return v >= 0x0300 && v <= 0x0304 ? names[v - 0x0300] : "TLS";
}

static void sep(struct textbuf *tb, bool *any)
{
    if (*any)
        tb_puts(tb, ", ");
    *any = true;
}

/* One record as tshark words it in the Info column. */
static void record_info(struct textbuf *tb, const struct ws_tls *t,
                        const struct ws_tls_record *r, bool *any)
{
    if (r->cut)
        return; /* tshark lists a record once it has all of it */
    switch (r->type) {
    case REC_CCS:
        sep(tb, any);
        tb_puts(tb, "Change Cipher Spec");
        break;
    case REC_ALERT:
        sep(tb, any);
        if (r->encrypted) {
            tb_puts(tb, "Encrypted Alert");
            break;
        }
        tb_puts(tb, "Alert (Level: ");
        tb_puts(tb, tok_name(alert_levels, r->alert_level));
        tb_puts(tb, ", Description: ");
        tb_puts(tb, tok_name(alert_descs, r->alert_desc));
        tb_putc(tb, ')');
        break;
    case REC_HANDSHAKE:
        if (r->encrypted) {
            sep(tb, any);
            tb_puts(tb, "Encrypted Handshake Message");
            break;
        }
        for (unsigned k = 0; k < t->nhs; k++) {
            if (t->hs_rec[k] != (unsigned)(r - t->rec))
                continue;
            sep(tb, any);
            tb_puts(tb, tok_name(handshake_types, t->hs[k]));
        }
        break;
    case REC_APPDATA:
        sep(tb, any);
        tb_puts(tb, "Application Data");
        break;
    default:
        sep(tb, any);
        tb_puts(tb, "Heartbeat");
        break;
    }
}

static void tls_info(struct textbuf *tb, const struct ws_packet *pkt,
                     const struct ws_layer *l)
{
    (void)l;
    const struct ws_tls *t = &pkt->a.tls;
    bool any = false;
    for (unsigned i = 0; i < t->nrecords; i++)
        record_info(tb, t, &t->rec[i], &any);
    if (t->continuation)
        tb_puts(tb, "Continuation Data");
}

static void json_text(struct textbuf *tb, const struct ws_packet *pkt,
                      struct ws_span s)
{
    char buf[1100];
    struct textbuf v;
    tb_init(&v, buf, sizeof buf);
    if (s.off <= pkt->caplen && s.len <= pkt->caplen - s.off)
        sanitize_bytes(&v, pkt->data + s.off, s.len > 255 ? 255 : s.len, false);
    tb_json_str(tb, buf);
}

static void json_version(struct textbuf *tb, uint16_t v)
{
    char vt[24];
    version_text(vt, sizeof vt, v);
    tb_json_str(tb, vt);
}

static void tls_json(struct textbuf *tb, const struct ws_packet *pkt,
                     const struct ws_layer *l)
{
    (void)l;
    const struct ws_tls *t = &pkt->a.tls;
    tb_puts(tb, "\"records\":[");
    for (unsigned i = 0; i < t->nrecords; i++) {
        const struct ws_tls_record *r = &t->rec[i];
        tb_puts(tb, i ? ",{\"type\":" : "{\"type\":");
        tb_json_str(tb, tok_name(record_types, r->type));
        tb_puts(tb, ",\"version\":");
        json_version(tb, r->version);
        tb_puts(tb, ",\"len\":");
        tb_u64(tb, r->len);
        if (r->encrypted)
            tb_puts(tb, ",\"encrypted\":true");
        tb_putc(tb, '}');
    }
    tb_puts(tb, "],\"handshake\":[");
    for (unsigned i = 0; i < t->nhs; i++) {
        if (i)
            tb_putc(tb, ',');
        tb_json_str(tb, tok_name(handshake_types, t->hs[i]));
    }
    tb_putc(tb, ']');
    if (t->sni.len) {
        tb_puts(tb, ",\"sni\":");
        json_text(tb, pkt, t->sni);
    }
    if (t->nalpn) {
        tb_puts(tb, ",\"alpn\":[");
        for (unsigned i = 0; i < t->nalpn; i++) {
            if (i)
                tb_putc(tb, ',');
            json_text(tb, pkt, t->alpn[i]);
        }
        tb_putc(tb, ']');
    }
    if (t->has_cipher) {
        const char *cs = tok_find(cipher_names, t->cipher);
        tb_puts(tb, ",\"cipher\":");
        tb_json_str(tb, cs ? cs : "Unknown");
        char hex[7];
        hex16(hex, t->cipher);
        tb_puts(tb, ",\"cipher_id\":");
        tb_json_str(tb, hex);
    }
    if (t->negotiated || t->has_cipher) {
        tb_puts(tb, ",\"version\":");
        json_version(tb, t->negotiated ? t->negotiated : t->hello_version);
    }
    tb_puts(tb, t->continuation ? ",\"continuation\":true" : ",\"continuation\":false");
}

/* ---- tracking: what the hellos of a connection said ----
 * Kept per flow for the flows view: the server name and the ALPN list the
 * client offered, the protocol the server chose, the negotiated version and
 * cipher suite. */

#define TLS_FLOW_NAME 256
#define TLS_FLOW_ALPN 64

struct tls_flow {
    char sni[TLS_FLOW_NAME];        /* sanitised */
    char alpn_offered[TLS_FLOW_ALPN]; /* "h2,http/1.1" (sanitised) */
    char alpn[TLS_FLOW_ALPN];       /* the server's choice */
    uint16_t version;               /* negotiated; 0 until a ServerHello */
    uint16_t cipher;
    bool has_cipher;
};

static void span_copy(char *dst, size_t size, const struct ws_packet *pkt,
                      const struct ws_span *spans, unsigned n)
{
    struct textbuf tb;
    tb_init(&tb, dst, size);
    for (unsigned i = 0; i < n; i++) {
        if (spans[i].off > pkt->caplen || spans[i].len > pkt->caplen - spans[i].off)
            continue;
        if (i)
            tb_putc(&tb, ',');
        sanitize_bytes(&tb, pkt->data + spans[i].off, spans[i].len, false);
    }
}

static void tls_track(struct app_ctx *ctx, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    (void)l;
    const struct ws_tls *t = &pkt->a.tls;
    bool client_hello = false, server_hello = false;
    for (unsigned i = 0; i < t->nhs; i++) {
        client_hello |= t->hs[i] == HS_CLIENT_HELLO;
        server_hello |= t->hs[i] == HS_SERVER_HELLO;
    }
    if (!client_hello && !server_hello && !t->sni.len)
        return;
    struct tls_flow *f = app_flow_state(ctx, sizeof *f);
    if (!f)
        return;
    if (t->sni.len)
        span_copy(f->sni, sizeof f->sni, pkt, &t->sni, 1);
    if (client_hello && t->nalpn)
        span_copy(f->alpn_offered, sizeof f->alpn_offered, pkt, t->alpn, t->nalpn);
    if (server_hello && t->has_cipher) {
        f->version = t->negotiated ? t->negotiated : t->hello_version;
        f->cipher = t->cipher;
        f->has_cipher = true;
        if (t->nalpn)
            span_copy(f->alpn, sizeof f->alpn, pkt, t->alpn, 1);
    }
}

static const struct app_hooks tls_hooks = {
    .transport = APP_TCP,
    .ports = tls_ports,
    .probe = tls_probe,
    .protocol = tls_protocol,
    .info = tls_info,
    .json = tls_json,
    .track = tls_track,
};

const struct proto_desc proto_tls = {P_TLS, "TLS", "Transport Layer Security",
                                     tls_dissect, &tls_hooks};
