/* Session Traversal Utilities for NAT (RFC 8489) with the TURN methods and
 * attributes (RFC 8656) and the ICE attributes (RFC 8445), plus TURN
 * ChannelData framing. Info text follows tshark 4.0. */
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "wirescope/sanitize.h"

#define STUN_HDR_LEN 20
#define STUN_COOKIE 0x2112A442u
#define STUN_FP_XOR 0x5354554eu
#define STUN_MAX_ATTRS 64 /* a walk stops here: no packet needs more */

enum stun_attr_type {
    SA_MAPPED_ADDRESS = 0x0001,
    SA_CHANGE_REQUEST = 0x0003,
    SA_USERNAME = 0x0006,
    SA_MESSAGE_INTEGRITY = 0x0008,
    SA_ERROR_CODE = 0x0009,
    SA_UNKNOWN_ATTRIBUTES = 0x000a,
    SA_CHANNEL_NUMBER = 0x000c,
    SA_LIFETIME = 0x000d,
    SA_XOR_PEER_ADDRESS = 0x0012,
    SA_DATA = 0x0013,
    SA_REALM = 0x0014,
    SA_NONCE = 0x0015,
    SA_XOR_RELAYED_ADDRESS = 0x0016,
    SA_REQUESTED_ADDRESS_FAMILY = 0x0017,
    SA_EVEN_PORT = 0x0018,
    SA_REQUESTED_TRANSPORT = 0x0019,
    SA_DONT_FRAGMENT = 0x001a,
    SA_MESSAGE_INTEGRITY_SHA256 = 0x001c,
    SA_PASSWORD_ALGORITHM = 0x001d,
    SA_USERHASH = 0x001e,
    SA_XOR_MAPPED_ADDRESS = 0x0020,
    SA_RESERVATION_TOKEN = 0x0022,
    SA_PRIORITY = 0x0024,
    SA_USE_CANDIDATE = 0x0025,
    SA_PASSWORD_ALGORITHMS = 0x8002,
    SA_ALTERNATE_DOMAIN = 0x8003,
    SA_SOFTWARE = 0x8022,
    SA_ALTERNATE_SERVER = 0x8023,
    SA_FINGERPRINT = 0x8028,
    SA_ICE_CONTROLLED = 0x8029,
    SA_ICE_CONTROLLING = 0x802a,
    SA_RESPONSE_ORIGIN = 0x802b, /* RFC 5780 */
    SA_OTHER_ADDRESS = 0x802c,
};

static const struct tok attr_names[] = {
    {SA_MAPPED_ADDRESS, "MAPPED-ADDRESS"},
    {SA_CHANGE_REQUEST, "CHANGE-REQUEST"},
    {SA_USERNAME, "USERNAME"},
    {SA_MESSAGE_INTEGRITY, "MESSAGE-INTEGRITY"},
    {SA_ERROR_CODE, "ERROR-CODE"},
    {SA_UNKNOWN_ATTRIBUTES, "UNKNOWN-ATTRIBUTES"},
    {SA_CHANNEL_NUMBER, "CHANNEL-NUMBER"},
    {SA_LIFETIME, "LIFETIME"},
    {SA_XOR_PEER_ADDRESS, "XOR-PEER-ADDRESS"},
    {SA_DATA, "DATA"},
    {SA_REALM, "REALM"},
    {SA_NONCE, "NONCE"},
    {SA_XOR_RELAYED_ADDRESS, "XOR-RELAYED-ADDRESS"},
    {SA_REQUESTED_ADDRESS_FAMILY, "REQUESTED-ADDRESS-FAMILY"},
    {SA_EVEN_PORT, "EVEN-PORT"},
    {SA_REQUESTED_TRANSPORT, "REQUESTED-TRANSPORT"},
    {SA_DONT_FRAGMENT, "DONT-FRAGMENT"},
    {SA_MESSAGE_INTEGRITY_SHA256, "MESSAGE-INTEGRITY-SHA256"},
    {SA_PASSWORD_ALGORITHM, "PASSWORD-ALGORITHM"},
    {SA_USERHASH, "USERHASH"},
    {SA_XOR_MAPPED_ADDRESS, "XOR-MAPPED-ADDRESS"},
    {SA_RESERVATION_TOKEN, "RESERVATION-TOKEN"},
    {SA_PRIORITY, "PRIORITY"},
    {SA_USE_CANDIDATE, "USE-CANDIDATE"},
    {SA_PASSWORD_ALGORITHMS, "PASSWORD-ALGORITHMS"},
    {SA_ALTERNATE_DOMAIN, "ALTERNATE-DOMAIN"},
    {SA_SOFTWARE, "SOFTWARE"},
    {SA_ALTERNATE_SERVER, "ALTERNATE-SERVER"},
    {SA_FINGERPRINT, "FINGERPRINT"},
    {SA_ICE_CONTROLLED, "ICE-CONTROLLED"},
    {SA_ICE_CONTROLLING, "ICE-CONTROLLING"},
    {SA_RESPONSE_ORIGIN, "RESPONSE-ORIGIN"},
    {SA_OTHER_ADDRESS, "OTHER-ADDRESS"},
    {0, NULL},
};

/* Method names as tshark writes them. */
static const struct tok method_names[] = {
    {0x001, "Binding"},         {0x002, "SharedSecret"},
    {0x003, "Allocate"},        {0x004, "Refresh"},
    {0x006, "Send"},            {0x007, "Data"},
    {0x008, "CreatePermission"}, {0x009, "Channel-Bind"},
    {0x00a, "Connect"},         {0x00b, "ConnectionBind"},
    {0x00c, "ConnectionAttempt"}, {0, NULL},
};

static const char *const class_names[4] = {
    "Request", "Indication", "Success Response", "Error Response",
};

/* ERROR-CODE reason names in tshark's table. */
static const struct tok error_names[] = {
    {300, "Try Alternate"},
    {400, "Bad Request"},
    {401, "Unauthenticated"},
    {403, "Forbidden"},
    {405, "Mobility Forbidden"},
    {420, "Unknown Attribute"},
    {437, "Allocation Mismatch"},
    {438, "Stale Nonce"},
    {440, "Address Family not Supported"},
    {441, "Wrong Credentials"},
    {442, "Unsupported Transport Protocol"},
    {443, "Peer Address Family Mismatch"},
    {446, "Connection Already Exists"},
    {447, "Connection Timeout or Failure"},
    {486, "Allocation Quota Reached"},
    {487, "Role Conflict"},
    {500, "Server Error"},
    {508, "Insufficient Port Capacity"},
    {0, NULL},
};

static const uint16_t stun_ports[] = {3478, 0};

/* --- message layout --- */

static uint16_t be16_at(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t be32_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t method_of(uint16_t type)
{
    return (uint16_t)((type & 0x000f) | (type & 0x00e0) >> 1 | (type & 0x3e00) >> 2);
}

static uint8_t class_of(uint16_t type)
{
    return (uint8_t)((type >> 4 & 1) | (type >> 7 & 2));
}

/* A STUN header: top two bits zero, the magic cookie, a length that is a
 * multiple of 4 and (on a datagram) fits what the datagram holds. */
static bool looks_like_stun(const uint8_t *p, size_t n, uint32_t wire_len,
                            bool udp)
{
    if (n < STUN_HDR_LEN || (p[0] & 0xc0) || be32_at(p + 4) != STUN_COOKIE)
        return false;
    uint16_t len = be16_at(p + 2);
    if (len % 4)
        return false;
    return !udp || (uint32_t)len + STUN_HDR_LEN == wire_len;
}

/* TURN ChannelData: a channel number in 0x4000-0x4fff (the RFC 7983 range
 * 64-79 of the first byte) and a length that fits the datagram. */
static bool looks_like_channel_data(const uint8_t *p, size_t n,
                                    uint32_t wire_len, bool udp)
{
    if (n < 4 || p[0] < 0x40 || p[0] > 0x4f)
        return false;
    uint32_t len = be16_at(p + 2);
    if (!udp)
        return true;
    return len + 4 <= wire_len && wire_len <= ((len + 3) & ~3u) + 4;
}

static bool stun_probe(const uint8_t *p, size_t n, const struct ws_packet *pkt,
                       bool on_port)
{
    bool udp = pkt->ip_proto == 17;
    /* on 3478 a datagram cut short (or padded) is still STUN, flagged */
    if (looks_like_stun(p, n, pkt->payload_len, udp && !on_port))
        return true;
    /* on 3478 a header cut by the snaplen: STUN, flagged as truncated */
    if (on_port && n > 0 && n < STUN_HDR_LEN && n < pkt->payload_len && p[0] <= 0x4f)
        return true;
    return on_port && looks_like_channel_data(p, n, pkt->payload_len, udp);
}

/* --- attribute walk, shared by the dissector and the Info/JSON hooks --- */

struct stun_attr {
    uint16_t type;
    uint16_t len;      /* declared value length */
    uint32_t off;      /* absolute offset of the attribute header */
    const uint8_t *v;  /* value (NULL when cut short) */
};

struct stun_walk {
    struct cursor c;   /* over the attributes the length field declares */
    const uint8_t *msg;
    unsigned count;
    bool bad;          /* an attribute ran past the message */
};

/* The message's attributes from the packet bytes, bounded by the length
 * field and by caplen. */
static void walk_init(struct stun_walk *w, const struct ws_packet *pkt,
                      uint32_t msg_off)
{
    memset(w, 0, sizeof *w);
    struct cursor c = cur_make(pkt->data, pkt->caplen);
    cur_skip(&c, msg_off);
    w->msg = c.p;
    uint16_t len = cur_left(&c) >= 4 ? be16_at(c.p + 2) : 0;
    if (!cur_skip(&c, STUN_HDR_LEN)) {
        w->c = c;
        w->c.p = w->c.end;
        return;
    }
    w->c = cur_sub(&c, len);
    w->c.short_read = false;
}

static bool walk_next(struct stun_walk *w, struct stun_attr *a)
{
    if (cur_left(&w->c) < 4 || w->count >= STUN_MAX_ATTRS)
        return false;
    a->off = cur_offset(&w->c);
    a->type = cur_be16(&w->c);
    a->len = cur_be16(&w->c);
    a->v = cur_take(&w->c, a->len);
    if (!a->v) {
        w->bad = true;
        w->c.p = w->c.end;
    } else {
        cur_skip(&w->c, (4 - a->len % 4) % 4);
    }
    w->count++;
    return true;
}

/* MAPPED-ADDRESS family: 1 IPv4, 2 IPv6; XOR forms are undone with the
 * cookie and transaction id (RFC 8489 14.2). */
static bool attr_address(const struct stun_attr *a, const uint8_t *msg,
                         bool xored, struct ws_addr *addr, uint16_t *port)
{
    if (!a->v || a->len < 8)
        return false;
    uint8_t family = a->v[1];
    size_t alen = family == 1 ? 4 : family == 2 ? 16 : 0;
    if (!alen || a->len < 4 + alen)
        return false;
    uint8_t raw[16];
    memcpy(raw, a->v + 4, alen);
    *port = be16_at(a->v + 2);
    if (xored) {
        *port ^= (uint16_t)(STUN_COOKIE >> 16);
        for (size_t i = 0; i < alen; i++)
            raw[i] ^= msg[4 + i]; /* cookie then transaction id */
    }
    if (family == 1)
        addr_from_v4(addr, raw);
    else
        addr_from_v6(addr, raw);
    return true;
}

static bool is_address_attr(uint16_t type)
{
    return type == SA_MAPPED_ADDRESS || type == SA_XOR_MAPPED_ADDRESS ||
           type == SA_XOR_PEER_ADDRESS || type == SA_XOR_RELAYED_ADDRESS ||
           type == SA_ALTERNATE_SERVER || type == SA_RESPONSE_ORIGIN ||
           type == SA_OTHER_ADDRESS;
}

/* Address attributes whose value is XORed with the cookie. */
static bool is_xor_attr(uint16_t type)
{
    return type == SA_XOR_MAPPED_ADDRESS || type == SA_XOR_PEER_ADDRESS ||
           type == SA_XOR_RELAYED_ADDRESS;
}

static bool is_text_attr(uint16_t type)
{
    return type == SA_USERNAME || type == SA_REALM || type == SA_NONCE ||
           type == SA_SOFTWARE || type == SA_ALTERNATE_DOMAIN;
}

/* Text attributes end at a NUL when one comes early (some servers count
 * padding NULs in the length; tshark stops there too). */
static void put_text(struct textbuf *tb, const uint8_t *p, size_t n)
{
    const uint8_t *nul = memchr(p, 0, n);
    sanitize_bytes(tb, p, nul ? (size_t)(nul - p) : n, false);
}

static void put_hex(struct textbuf *tb, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        tb_putc(tb, hex[p[i] >> 4]);
        tb_putc(tb, hex[p[i] & 15]);
    }
}

static void put_addr(struct textbuf *tb, const struct ws_addr *addr, uint16_t port)
{
    char s[WS_ADDR_STRLEN];
    addr_format(addr, s, sizeof s);
    tb_puts(tb, s);
    tb_putc(tb, ':');
    tb_u64(tb, port);
}

static unsigned error_code_of(const struct stun_attr *a)
{
    if (!a->v || a->len < 4)
        return 0;
    return (a->v[2] & 7) * 100u + a->v[3] % 100u;
}

/* CRC-32 (IEEE 802.3, reflected) of the message up to FINGERPRINT. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = crc >> 1 ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

/* The attribute's value as text: addresses decoded, text sanitised,
 * numbers in decimal, anything else in hex. */
static void attr_value_text(struct textbuf *tb, const struct stun_attr *a,
                            const uint8_t *msg)
{
    struct ws_addr addr;
    uint16_t port;
    if (!a->v) {
        tb_puts(tb, "(cut short)");
    } else if (is_address_attr(a->type)) {
        if (attr_address(a, msg, is_xor_attr(a->type), &addr, &port))
            put_addr(tb, &addr, port);
        else
            tb_puts(tb, "(bad address)");
    } else if (is_text_attr(a->type)) {
        put_text(tb, a->v, a->len);
    } else if (a->type == SA_ERROR_CODE && a->len >= 4) {
        tb_u64(tb, error_code_of(a));
        tb_putc(tb, ' ');
        put_text(tb, a->v + 4, a->len - 4u);
    } else if ((a->type == SA_PRIORITY || a->type == SA_LIFETIME) && a->len == 4) {
        tb_u64(tb, be32_at(a->v));
    } else if (a->type == SA_REQUESTED_TRANSPORT && a->len >= 1) {
        tb_u64(tb, a->v[0]);
    } else if (a->type == SA_CHANNEL_NUMBER && a->len >= 2) {
        tb_puts(tb, "0x");
        put_hex(tb, a->v, 2);
    } else {
        put_hex(tb, a->v, a->len > 64 ? 64 : a->len);
        if (a->len > 64)
            tb_puts(tb, "...");
    }
}

/* --- dissector --- */

static void add_attr_field(struct ws_packet *pkt, const struct stun_attr *a,
                           const uint8_t *msg)
{
    char buf[256];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    attr_value_text(&tb, a, msg);
    const char *name = tok_find(attr_names, a->type);
    if (name)
        field_add(pkt, 1, name, a->off, 4u + a->len, "%s", buf);
    else
        field_add(pkt, 1, "Attribute", a->off, 4u + a->len, "0x%04x: %s",
                  a->type, buf);
}

/* Takes the summary values out of one attribute. */
static void note_attr(struct ws_packet *pkt, const struct stun_attr *a,
                      const uint8_t *msg, uint32_t msg_off)
{
    struct ws_stun *s = &pkt->a.stun;
    if (a->type == SA_XOR_MAPPED_ADDRESS && !s->has_xor_mapped)
        s->has_xor_mapped = attr_address(a, msg, true, &s->xor_mapped,
                                         &s->xor_mapped_port);
    else if (a->type == SA_ERROR_CODE && !s->error_code)
        s->error_code = (uint16_t)error_code_of(a);
    else if (a->type == SA_FINGERPRINT && a->v && a->len == 4)
        s->fingerprint = (crc32_ieee(msg, a->off - msg_off) ^ STUN_FP_XOR) ==
                                 be32_at(a->v)
                             ? STUN_FP_GOOD
                             : STUN_FP_BAD;
}

static void dissect_attrs(struct ws_packet *pkt, struct ws_layer *l,
                          uint32_t msg_off)
{
    struct stun_walk w;
    walk_init(&w, pkt, msg_off);
    struct stun_attr a;
    while (walk_next(&w, &a)) {
        note_attr(pkt, &a, w.msg, msg_off);
        add_attr_field(pkt, &a, w.msg);
    }
    if (w.bad || cur_left(&w.c) != 0)
        layer_fail(pkt, l, EV_BAD_APP); /* attribute past the message */
}

static void dissect_channel_data(struct ws_packet *pkt, struct ws_layer *l,
                                 struct cursor *c)
{
    struct ws_stun *s = &pkt->a.stun;
    uint32_t off = cur_offset(c);
    s->channel_data = true;
    s->channel = cur_be16(c);
    s->length = cur_be16(c);
    field_add(pkt, 1, "Channel Number", off, 2, "0x%04x", s->channel);
    field_add(pkt, 1, "Length", off + 2, 2, "%u", s->length);
    if (!cur_ok(c)) {
        layer_fail(pkt, l, EV_TRUNCATED);
        return;
    }
    size_t have = cur_left(c) < s->length ? cur_left(c) : s->length;
    field_add(pkt, 1, "Application Data", off + 4, (uint32_t)have, "%u bytes",
              s->length);
    cur_skip(c, have);
    if (have < s->length)
        layer_fail(pkt, l, EV_TRUNCATED);
}

static void dissect_message(struct ws_packet *pkt, struct ws_layer *l,
                            struct cursor *c)
{
    struct ws_stun *s = &pkt->a.stun;
    uint32_t off = cur_offset(c);
    s->type = cur_be16(c);
    s->length = cur_be16(c);
    cur_skip(c, 4); /* magic cookie */
    cur_copy(c, s->txid, sizeof s->txid);
    if (!cur_ok(c)) {
        layer_fail(pkt, l, EV_TRUNCATED);
        return;
    }
    s->method = method_of(s->type);
    s->cls = class_of(s->type);
    field_add(pkt, 1, "Message Type", off, 2, "0x%04x (%s %s)", s->type,
              tok_name(method_names, s->method), class_names[s->cls]);
    field_add(pkt, 1, "Message Length", off + 2, 2, "%u", s->length);
    field_add(pkt, 1, "Message Cookie", off + 4, 4, "0x%08x", STUN_COOKIE);
    if (pkt->want_fields) {
        char hex[25];
        struct textbuf tb;
        tb_init(&tb, hex, sizeof hex);
        put_hex(&tb, s->txid, sizeof s->txid);
        field_add(pkt, 1, "Message Transaction ID", off + 8, 12, "%s", hex);
    }
    size_t have = cur_left(c);
    dissect_attrs(pkt, l, off);
    if (have < s->length) {
        cur_skip(c, have);
        layer_fail(pkt, l, EV_TRUNCATED);
    } else {
        cur_skip(c, s->length);
    }
}

static enum ws_proto stun_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_STUN, c);
    if (!l)
        return P_NONE;
    memset(&pkt->a.stun, 0, sizeof pkt->a.stun);
    uint8_t first = cur_peek8(c, 0);
    c->short_read = false;
    if (first >= 0x40 && first <= 0x4f)
        dissect_channel_data(pkt, l, c);
    else
        dissect_message(pkt, l, c);
    layer_close(pkt, l, c);
    return P_NONE;
}

/* --- Info and JSON --- */

static void info_attr(struct textbuf *tb, const struct stun_attr *a,
                      const uint8_t *msg)
{
    struct ws_addr addr;
    uint16_t port;
    if (!a->v)
        return;
    if (is_address_attr(a->type) && a->type != SA_ALTERNATE_SERVER) {
        if (!attr_address(a, msg, is_xor_attr(a->type), &addr, &port))
            return;
        tb_putc(tb, ' ');
        tb_puts(tb, tok_find(attr_names, a->type));
        tb_puts(tb, ": ");
        put_addr(tb, &addr, port);
    } else if (a->type == SA_USERNAME || a->type == SA_REALM) {
        tb_puts(tb, a->type == SA_USERNAME ? " user: " : " realm: ");
        put_text(tb, a->v, a->len);
    } else if (a->type == SA_NONCE) {
        tb_puts(tb, " with nonce");
    } else if (a->type == SA_ERROR_CODE && a->len >= 4) {
        unsigned code = error_code_of(a);
        const char *name = tok_find(error_names, code);
        tb_puts(tb, " error-code: ");
        tb_u64(tb, code);
        tb_puts(tb, " (");
        tb_puts(tb, name ? name : "*Unknown error code*");
        tb_puts(tb, ") ");
        put_text(tb, a->v + 4, a->len - 4u);
    } else if (a->type == SA_LIFETIME && a->len == 4) {
        tb_puts(tb, " lifetime: ");
        tb_u64(tb, be32_at(a->v));
    } else if (a->type == SA_REQUESTED_TRANSPORT && a->len >= 1) {
        tb_putc(tb, ' ');
        tb_puts(tb, a->v[0] == 17 ? "UDP" : a->v[0] == 6 ? "TCP" : "Unknown");
    } else if (a->type == SA_CHANNEL_NUMBER && a->len >= 2) {
        tb_puts(tb, " ChannelNumber=0x");
        put_hex(tb, a->v, 2);
    }
}

static void stun_info(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    const struct ws_stun *s = &pkt->a.stun;
    if (s->channel_data) {
        tb_puts(tb, "ChannelData TURN Message");
        return;
    }
    if (l->len < STUN_HDR_LEN)
        return;
    tb_puts(tb, tok_name(method_names, s->method));
    tb_putc(tb, ' ');
    tb_puts(tb, class_names[s->cls]);
    struct stun_walk w;
    walk_init(&w, pkt, l->off);
    struct stun_attr a;
    while (walk_next(&w, &a))
        info_attr(tb, &a, w.msg);
}

static void stun_json(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    const struct ws_stun *s = &pkt->a.stun;
    if (s->channel_data) {
        tb_puts(tb, "\"channel\":");
        tb_u64(tb, s->channel);
        tb_puts(tb, ",\"length\":");
        tb_u64(tb, s->length);
        return;
    }
    if (l->len < STUN_HDR_LEN)
        return;
    char buf[256];
    struct textbuf v;
    tb_init(&v, buf, sizeof buf);
    tb_puts(tb, "\"type\":");
    uint8_t t[2] = {(uint8_t)(s->type >> 8), (uint8_t)s->type};
    tb_puts(&v, "0x");
    put_hex(&v, t, 2);
    tb_json_str(tb, buf);
    tb_reset(&v);
    tb_puts(tb, ",\"class\":");
    tb_json_str(tb, class_names[s->cls]);
    tb_puts(tb, ",\"method\":");
    tb_json_str(tb, tok_name(method_names, s->method));
    tb_puts(tb, ",\"txid\":");
    put_hex(&v, s->txid, sizeof s->txid);
    tb_json_str(tb, buf);
    tb_puts(tb, ",\"attributes\":[");
    struct stun_walk w;
    walk_init(&w, pkt, l->off);
    struct stun_attr a;
    for (bool first = true; walk_next(&w, &a); first = false) {
        tb_puts(tb, first ? "{\"type\":" : ",{\"type\":");
        const char *name = tok_find(attr_names, a.type);
        if (name) {
            tb_json_str(tb, name);
        } else {
            tb_reset(&v);
            tb_puts(&v, "0x");
            uint8_t at[2] = {(uint8_t)(a.type >> 8), (uint8_t)a.type};
            put_hex(&v, at, 2);
            tb_json_str(tb, buf);
        }
        tb_puts(tb, ",\"value\":");
        tb_reset(&v);
        attr_value_text(&v, &a, w.msg);
        tb_json_str(tb, buf);
        tb_putc(tb, '}');
    }
    tb_puts(tb, "],\"xor_mapped\":");
    if (s->has_xor_mapped) {
        tb_reset(&v);
        put_addr(&v, &s->xor_mapped, s->xor_mapped_port);
        tb_json_str(tb, buf);
    } else {
        tb_puts(tb, "null");
    }
    if (s->error_code) {
        tb_puts(tb, ",\"error_code\":");
        tb_u64(tb, s->error_code);
    }
    tb_puts(tb, ",\"fingerprint\":");
    tb_puts(tb, s->fingerprint == STUN_FP_GOOD  ? "\"good\""
                : s->fingerprint == STUN_FP_BAD ? "\"bad\""
                                                : "null");
}

/* --- transactions: a request and its response share the transaction id --- */

static uint64_t txid_key(const uint8_t txid[12])
{
    /* FNV-1a over the 96 bits: the pairing key within the flow */
    uint64_t h = 0xcbf29ce484222325u;
    for (int i = 0; i < 12; i++)
        h = (h ^ txid[i]) * 0x100000001b3u;
    return h;
}

static void stun_result(const struct ws_stun *s, char *buf, size_t size)
{
    struct textbuf tb;
    tb_init(&tb, buf, size);
    if (s->cls == STUN_ERROR) {
        tb_puts(&tb, "Error ");
        tb_u64(&tb, s->error_code);
        const char *name = tok_find(error_names, s->error_code);
        if (name) {
            tb_putc(&tb, ' ');
            tb_puts(&tb, name);
        }
        return;
    }
    tb_puts(&tb, "Success");
    if (s->has_xor_mapped) {
        tb_puts(&tb, " XOR-MAPPED-ADDRESS ");
        put_addr(&tb, &s->xor_mapped, s->xor_mapped_port);
    }
}

static void stun_track(struct app_ctx *ctx, const struct ws_packet *pkt,
                       const struct ws_layer *l)
{
    const struct ws_stun *s = &pkt->a.stun;
    if (s->channel_data || l->len < STUN_HDR_LEN || s->cls == STUN_INDICATION)
        return;
    uint64_t scope = ctx->flow->id;
    uint64_t key = txid_key(s->txid);
    char label[64];
    snprintf(label, sizeof label, "%s %s", tok_name(method_names, s->method),
             class_names[s->cls]);
    if (s->cls == STUN_REQUEST) {
        txn_open(ctx, P_STUN, scope, key, label, label);
        return;
    }
    struct txn *x = txn_find(ctx, P_STUN, scope, key);
    if (!x)
        return;
    txn_add(ctx, x, label);
    char result[64];
    stun_result(s, result, sizeof result);
    txn_done(ctx, x, result);
}

static const struct app_hooks stun_hooks = {
    .transport = APP_UDP | APP_TCP,
    .ports = stun_ports,
    .probe = stun_probe,
    .info = stun_info,
    .json = stun_json,
    .track = stun_track,
};

const struct proto_desc proto_stun = {P_STUN, "STUN",
                                      "Session Traversal Utilities for NAT",
                                      stun_dissect, &stun_hooks};
