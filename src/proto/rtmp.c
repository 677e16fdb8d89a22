/* Real Time Messaging Protocol (Adobe RTMP 1.0 specification): handshake
 * phases, chunk headers, protocol control and user control messages, and
 * AMF0 commands. Info text follows tshark 4.0.
 *
 * The dissector sees one TCP segment and keeps no state, so it decides by
 * what the segment holds:
 *  - handshake phases by size and direction (C0+C1 is 1537 bytes from the
 *    client starting with version 3; S0+S1+S2 3073 from the server; ...);
 *  - the chunk size is 128 unless a Set Chunk Size earlier in the same
 *    segment changed it, or unless the byte where the next chunk header of
 *    a long message would be is not that header (the peer then negotiated
 *    a larger size in an earlier segment; the message is read whole);
 *  - a segment that starts with an AMF0 command body (a string marker and
 *    a command name) is the rest of a message whose header came alone in
 *    the previous segment, as ffmpeg writes them;
 *  - a segment that is only a chunk header, or starts inside a message's
 *    data, is not claimed (tshark too shows those as TCP until it has
 *    reassembled the message).
 * The track hook pairs commands with their _result / _error (publish and
 * play with the onStatus that follows, remembered per flow).
 */
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "wirescope/sanitize.h"

#define RTMP_HANDSHAKE_SIZE 1536
#define RTMP_DEFAULT_CHUNK 128
#define RTMP_MAX_CHUNKS 64    /* chunks walked per segment */
#define AMF_MAX_DEPTH 8       /* nested objects / arrays */
#define AMF_MAX_VALUES 256    /* values walked per message */

enum rtmp_type {
    MT_SET_CHUNK_SIZE = 1,
    MT_ABORT = 2,
    MT_ACK = 3,
    MT_USER_CONTROL = 4,
    MT_WINDOW_ACK_SIZE = 5,
    MT_SET_PEER_BW = 6,
    MT_AUDIO = 8,
    MT_VIDEO = 9,
    MT_AMF3_DATA = 15,
    MT_AMF3_SHARED = 16,
    MT_AMF3_COMMAND = 17,
    MT_AMF0_DATA = 18,
    MT_AMF0_SHARED = 19,
    MT_AMF0_COMMAND = 20,
    MT_AGGREGATE = 22,
};

static const struct tok type_names[] = {
    {MT_SET_CHUNK_SIZE, "Set Chunk Size"},
    {MT_ABORT, "Abort Message"},
    {MT_ACK, "Acknowledgement"},
    {MT_USER_CONTROL, "User Control Message"},
    {MT_WINDOW_ACK_SIZE, "Window Acknowledgement Size"},
    {MT_SET_PEER_BW, "Set Peer Bandwidth"},
    {MT_AUDIO, "Audio Data"},
    {MT_VIDEO, "Video Data"},
    {MT_AMF3_DATA, "AMF3 Data"},
    {MT_AMF3_SHARED, "AMF3 Shared Object"},
    {MT_AMF3_COMMAND, "AMF3 Command"},
    {MT_AMF0_DATA, "AMF0 Data"},
    {MT_AMF0_SHARED, "AMF0 Shared Object"},
    {MT_AMF0_COMMAND, "AMF0 Command"},
    {MT_AGGREGATE, "Aggregate"},
    {0, NULL},
};

static const struct tok user_control_names[] = {
    {0, "Stream Begin"},     {1, "Stream EOF"},     {2, "Stream Dry"},
    {3, "Set Buffer Length"}, {4, "Stream Is Recorded"},
    {6, "Ping Request"},     {7, "Ping Response"},  {0, NULL},
};

static const struct tok bw_limit_names[] = {
    {0, "Hard"}, {1, "Soft"}, {2, "Dynamic"}, {0, NULL},
};

static const char *const phase_names[] = {
    [RTMP_PHASE_C0C1] = "Handshake C0+C1",
    [RTMP_PHASE_S0S1S2] = "Handshake S0+S1+S2",
    [RTMP_PHASE_C2] = "Handshake C2",
    [RTMP_PHASE_S0S1] = "Handshake S0+S1",
    [RTMP_PHASE_S2] = "Handshake S2",
    [RTMP_PHASE_C0] = "Handshake C0",
};

static const uint16_t rtmp_ports[] = {1935, 0};

static bool known_type(uint8_t t)
{
    return tok_find(type_names, t) != NULL;
}

static bool from_server(const struct ws_packet *pkt)
{
    return pkt->sport == 1935 && pkt->dport != 1935;
}

/* --- handshake --- */

/* The phase a segment is by its size on the wire (p[0..have) captured),
 * or NONE. */
static uint8_t handshake_phase(const uint8_t *p, size_t have,
                               const struct ws_packet *pkt)
{
    size_t n = pkt->payload_len;
    bool server = from_server(pkt);
    bool version = have > 0 && (p[0] == 3 || p[0] == 6); /* 6: encrypted RTMPE */
    if (n == 1 + RTMP_HANDSHAKE_SIZE && version)
        return server ? RTMP_PHASE_S0S1 : RTMP_PHASE_C0C1;
    if (n == 1 + 2 * RTMP_HANDSHAKE_SIZE && version && server)
        return RTMP_PHASE_S0S1S2;
    if (n == 1 && version)
        return RTMP_PHASE_C0;
    if (n == RTMP_HANDSHAKE_SIZE)
        return server ? RTMP_PHASE_S2 : RTMP_PHASE_C2;
    return RTMP_PHASE_NONE;
}

/* --- chunk headers --- */

struct chunk_hdr {
    uint32_t off;
    uint8_t fmt;
    uint32_t csid;
    uint32_t ts;       /* timestamp or delta (extended when 0xffffff) */
    uint32_t length;   /* fmt 0/1 */
    uint8_t type;      /* fmt 0/1 */
    uint32_t stream;   /* fmt 0 */
    uint32_t hdr_len;
};

static bool read_chunk_hdr(struct cursor *c, struct chunk_hdr *h)
{
    h->off = cur_offset(c);
    uint8_t b0 = cur_u8(c);
    h->fmt = b0 >> 6;
    h->csid = b0 & 0x3f;
    if (h->csid == 0) {
        h->csid = 64u + cur_u8(c);
    } else if (h->csid == 1) {
        uint8_t lo = cur_u8(c);
        h->csid = 64u + lo + 256u * cur_u8(c);
    }
    h->ts = h->length = h->stream = 0;
    h->type = 0;
    if (h->fmt <= 2) {
        uint32_t hi = cur_u8(c);
        h->ts = hi << 16 | cur_be16(c);
    }
    if (h->fmt <= 1) {
        uint32_t hi = cur_u8(c);
        h->length = hi << 16 | cur_be16(c);
        h->type = cur_u8(c);
    }
    if (h->fmt == 0)
        h->stream = cur_le32(c);
    if (h->fmt <= 2 && h->ts == 0xffffff)
        h->ts = cur_be32(c);
    h->hdr_len = cur_offset(c) - h->off;
    return cur_ok(c);
}

/* The basic header byte a type-3 continuation of csid starts with
 * (one-byte form only, csid 2-63). */
static int continuation_byte(uint32_t csid)
{
    return csid >= 2 && csid <= 63 ? (int)(0xc0 | csid) : -1;
}

/* --- AMF0 --- */

enum {
    AMF_NUMBER = 0, AMF_BOOLEAN = 1, AMF_STRING = 2, AMF_OBJECT = 3,
    AMF_MOVIECLIP = 4, AMF_NULL = 5, AMF_UNDEFINED = 6, AMF_REFERENCE = 7,
    AMF_ECMA_ARRAY = 8, AMF_OBJECT_END = 9, AMF_STRICT_ARRAY = 10,
    AMF_DATE = 11, AMF_LONG_STRING = 12, AMF_UNSUPPORTED = 13,
    AMF_XML = 15, AMF_TYPED_OBJECT = 16,
};

enum amf_status { AMF_OK, AMF_SHORT, AMF_BAD };

/* What a walk looks for: the value of a property (by name, at any depth)
 * as a string. */
struct amf_find {
    const char *prop;       /* NULL = none */
    char value[RTMP_ARG_LEN];
    bool found;
    unsigned values;        /* walked so far, bounded */
};

static enum amf_status amf_value(struct cursor *c, unsigned depth,
                                 struct amf_find *f, const uint8_t *key,
                                 size_t key_len);

/* Object / ECMA array properties: name, value, until the end marker. */
static enum amf_status amf_props(struct cursor *c, unsigned depth,
                                 struct amf_find *f)
{
    for (;;) {
        uint16_t klen = cur_be16(c);
        const uint8_t *key = cur_take(c, klen);
        if (!cur_ok(c))
            return AMF_SHORT;
        if (klen == 0) {
            uint8_t end = cur_u8(c);
            if (!cur_ok(c))
                return AMF_SHORT;
            if (end == AMF_OBJECT_END)
                return AMF_OK;
            c->p--; /* an empty key with a value */
        }
        enum amf_status st = amf_value(c, depth + 1, f, key, klen);
        if (st != AMF_OK)
            return st;
    }
}

static enum amf_status amf_string(struct cursor *c, size_t len,
                                  struct amf_find *f, const uint8_t *key,
                                  size_t key_len)
{
    const uint8_t *s = cur_take(c, len);
    if (!s)
        return AMF_SHORT;
    if (f->prop && !f->found && key && key_len == strlen(f->prop) &&
        memcmp(key, f->prop, key_len) == 0) {
        sanitize_text(f->value, sizeof f->value, s, len);
        f->found = true;
    }
    return AMF_OK;
}

static enum amf_status amf_value(struct cursor *c, unsigned depth,
                                 struct amf_find *f, const uint8_t *key,
                                 size_t key_len)
{
    if (depth > AMF_MAX_DEPTH || ++f->values > AMF_MAX_VALUES)
        return AMF_BAD;
    uint8_t marker = cur_u8(c);
    if (!cur_ok(c))
        return AMF_SHORT;
    switch (marker) {
    case AMF_NUMBER:
        return cur_skip(c, 8) ? AMF_OK : AMF_SHORT;
    case AMF_BOOLEAN:
        return cur_skip(c, 1) ? AMF_OK : AMF_SHORT;
    case AMF_STRING:
        return amf_string(c, cur_be16(c), f, key, key_len);
    case AMF_LONG_STRING:
    case AMF_XML:
        return amf_string(c, cur_be32(c), f, key, key_len);
    case AMF_OBJECT:
        return amf_props(c, depth, f);
    case AMF_TYPED_OBJECT: {
        uint16_t n = cur_be16(c);
        if (!cur_skip(c, n))
            return AMF_SHORT;
        return amf_props(c, depth, f);
    }
    case AMF_ECMA_ARRAY:
        if (!cur_skip(c, 4))
            return AMF_SHORT;
        return amf_props(c, depth, f);
    case AMF_STRICT_ARRAY: {
        uint32_t n = cur_be32(c);
        if (!cur_ok(c))
            return AMF_SHORT;
        for (uint32_t i = 0; i < n; i++) {
            enum amf_status st = amf_value(c, depth + 1, f, NULL, 0);
            if (st != AMF_OK)
                return st;
        }
        return AMF_OK;
    }
    case AMF_NULL:
    case AMF_UNDEFINED:
    case AMF_UNSUPPORTED:
        return AMF_OK;
    case AMF_REFERENCE:
        return cur_skip(c, 2) ? AMF_OK : AMF_SHORT;
    case AMF_DATE:
        return cur_skip(c, 10) ? AMF_OK : AMF_SHORT;
    default:
        return AMF_BAD;
    }
}

/* Which argument tshark shows in a command's Info: a property of the
 * command object or of the info object, or the first string parameter. */
static const char *command_prop(const char *name)
{
    if (strcmp(name, "connect") == 0)
        return "app";
    if (strcmp(name, "play2") == 0)
        return "streamName";
    if (strcmp(name, "_result") == 0 || strcmp(name, "_error") == 0 ||
        strcmp(name, "onStatus") == 0 || strcmp(name, "onPlayStatus") == 0)
        return "code";
    return NULL;
}

static bool command_takes_param(const char *name)
{
    static const char *const names[] = {
        "play", "publish", "releaseStream", "FCPublish", "FCSubscribe",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* An AMF0 command or data message: name, transaction id, the argument
 * the Info shows. Returns the walk status over the whole body. */
static enum amf_status amf_command(struct cursor *c, struct rtmp_msg *m,
                                   bool is_command)
{
    uint8_t marker = cur_u8(c);
    if (!cur_ok(c))
        return AMF_SHORT;
    if (marker != AMF_STRING)
        return AMF_BAD;
    uint16_t n = cur_be16(c);
    const uint8_t *name = cur_take(c, n);
    if (!name)
        return AMF_SHORT;
    sanitize_text(m->command, sizeof m->command, name, n);
    m->has_command = true;
    struct amf_find f = {.prop = NULL};
    if (is_command) {
        if (cur_u8(c) != AMF_NUMBER || !cur_ok(c))
            return cur_ok(c) ? AMF_BAD : AMF_SHORT;
        const uint8_t *num = cur_take(c, 8);
        if (!num)
            return AMF_SHORT;
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++)
            bits = bits << 8 | num[i];
        memcpy(&m->txn, &bits, sizeof m->txn);
        m->has_txn = true;
        f.prop = command_prop(m->command);
    }
    /* data messages: tshark shows the name only, the values are walked */
    bool want_param = is_command && command_takes_param(m->command);
    enum amf_status st = AMF_OK;
    while (cur_left(c) > 0) {
        bool top_string = want_param && cur_peek8(c, 0) == AMF_STRING;
        const uint8_t *at = c->p;
        st = amf_value(c, 1, &f, NULL, 0);
        if (st != AMF_OK) {
            c->p = at; /* the caller may find a chunk header here */
            break;
        }
        if (top_string && !m->arg[0] && at + 3 <= c->p) {
            sanitize_text(m->arg, sizeof m->arg, at + 3, (size_t)(c->p - at - 3));
            m->has_arg = true;
        }
    }
    if (f.found) {
        memcpy(m->arg, f.value, sizeof m->arg);
        m->has_arg = true;
    }
    return st;
}

/* --- messages --- */

static struct rtmp_msg *new_msg(struct ws_packet *pkt, const struct chunk_hdr *h)
{
    struct ws_rtmp *r = &pkt->a.rtmp;
    if (r->nmsgs >= RTMP_MAX_MSGS) {
        r->more_msgs = true;
        return NULL;
    }
    struct rtmp_msg *m = &r->msgs[r->nmsgs++];
    memset(m, 0, sizeof *m);
    m->csid = h->csid;
    m->fmt = h->fmt;
    m->type = h->type;
    m->length = h->length;
    m->stream = h->stream;
    m->timestamp = h->ts;
    return m;
}

/* The control message's values (protocol control, user control). */
static void control_values(struct rtmp_msg *m, const uint8_t *b, size_t n)
{
    if (n >= 4 && m->type != MT_USER_CONTROL)
        m->value = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                   (uint32_t)b[2] << 8 | b[3];
    if (m->type == MT_SET_PEER_BW && n >= 5)
        m->value2 = b[4];
    if (m->type == MT_USER_CONTROL && n >= 2) {
        m->event = (uint16_t)(b[0] << 8 | b[1]);
        if (n >= 6)
            m->value = (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 |
                       (uint32_t)b[4] << 8 | b[5];
        if (n >= 10)
            m->value2 = (uint32_t)b[6] << 24 | (uint32_t)b[7] << 16 |
                        (uint32_t)b[8] << 8 | b[9];
    }
}

/* Decodes one message body; the chunk walk gathered it into buf. */
static void decode_body(struct ws_packet *pkt, struct ws_layer *l,
                        struct rtmp_msg *m, const uint8_t *b, size_t have,
                        bool whole)
{
    if (m->type == MT_AMF0_COMMAND || m->type == MT_AMF0_DATA ||
        m->type == MT_AMF3_COMMAND) {
        struct cursor c = cur_make(b, have);
        if (m->type == MT_AMF3_COMMAND && have > 0)
            cur_skip(&c, 1); /* AMF3 commands carry AMF0 after a 0 byte */
        enum amf_status st = amf_command(&c, m, m->type != MT_AMF0_DATA);
        if (st == AMF_BAD || (st == AMF_SHORT && whole))
            layer_fail(pkt, l, EV_BAD_APP);
        return;
    }
    control_values(m, b, have);
    if (m->type == MT_SET_CHUNK_SIZE && have >= 4)
        pkt->a.rtmp.chunk_size = m->value & 0x7fffffff;
}

/*
 * Gathers a message's body across its chunks within the segment: after
 * each chunk_size bytes a type-3 header of the same chunk stream follows.
 * Returns the bytes gathered (in buf, at most size) and whether the whole
 * message was in the segment.
 */
static size_t gather(struct cursor *c, const struct chunk_hdr *h,
                     uint32_t *chunk_size, uint8_t *buf, size_t size,
                     bool *whole)
{
    size_t got = 0;
    uint32_t left = h->length;
    int cont = continuation_byte(h->csid);
    /* A long message without a continuation header where 128 would put
     * one: a larger chunk size was negotiated earlier. */
    if (left > *chunk_size && cur_left(c) > *chunk_size && cont >= 0 &&
        c->p[*chunk_size] != cont)
        *chunk_size = left;
    for (;;) {
        uint32_t take = left < *chunk_size ? left : *chunk_size;
        size_t avail = cur_left(c) < take ? cur_left(c) : take;
        size_t copy = avail < size - got ? avail : size - got;
        memcpy(buf + got, c->p, copy);
        got += copy;
        cur_skip(c, avail);
        left -= (uint32_t)avail;
        if (left == 0) {
            *whole = true;
            return got;
        }
        if (avail < take || cur_left(c) == 0 || cur_peek8(c, 0) != cont) {
            *whole = false;  /* continues in a later segment */
            c->short_read = false;
            return got;
        }
        cur_skip(c, 1); /* the type-3 basic header */
    }
}

static void msg_field(struct ws_packet *pkt, const struct chunk_hdr *h,
                      uint32_t end)
{
    if (!pkt->want_fields)
        return;
    if (h->fmt <= 1)
        field_add_always(pkt, 1, tok_name(type_names, h->type), h->off,
                         end - h->off,
                         "fmt %u, chunk stream %u, timestamp %u, length %u, type %u, stream %u",
                         h->fmt, h->csid, h->ts, h->length, h->type, h->stream);
    else
        field_add_always(pkt, 1, "Continuation", h->off, end - h->off,
                         "fmt %u, chunk stream %u", h->fmt, h->csid);
}

/* One chunk (and the rest of its message); false when the walk stops. */
static bool dissect_chunk(struct ws_packet *pkt, struct ws_layer *l,
                          struct cursor *c, uint32_t *chunk_size)
{
    struct chunk_hdr h;
    if (!read_chunk_hdr(c, &h)) {
        /* a header cut by the segment's end: continues in the next one */
        c->short_read = false;
        cur_skip(c, cur_left(c));
        return false;
    }
    if (h.fmt >= 2) {
        /* continuation or same-shape message: its length is not here */
        msg_field(pkt, &h, cur_offset(c) + (uint32_t)cur_left(c));
        cur_skip(c, cur_left(c));
        return false;
    }
    struct rtmp_msg *m = new_msg(pkt, &h);
    uint8_t buf[2048];
    bool whole = false;
    size_t got = gather(c, &h, chunk_size, buf, sizeof buf, &whole);
    msg_field(pkt, &h, cur_offset(c));
    if (m) {
        m->partial = !whole;
        decode_body(pkt, l, m, buf, got, whole && got == h.length);
    }
    if (h.type == MT_SET_CHUNK_SIZE && m && m->value)
        *chunk_size = m->value & 0x7fffffff;
    return whole;
}

/* A segment that starts with an AMF0 command body: a string marker, a
 * 1-64 byte name of letters, digits, '_', '@' or '|', then a number or
 * (data messages) anything. */
static bool starts_with_command_body(const uint8_t *p, size_t n)
{
    if (n < 4 || p[0] != AMF_STRING)
        return false;
    size_t len = (size_t)(p[1] << 8 | p[2]);
    if (len == 0 || len > 64 || n < 3 + len)
        return false;
    for (size_t i = 0; i < len; i++) {
        uint8_t ch = p[3 + i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '@' || ch == '|';
        if (!ok)
            return false;
    }
    return true;
}

/* A plausible chunk stream start: fmt 0 or 1 with a known message type,
 * and some of its body in the segment. */
static bool plausible_chunk(const uint8_t *p, size_t n)
{
    struct cursor c = cur_make(p, n);
    struct chunk_hdr h;
    if (!read_chunk_hdr(&c, &h) || h.fmt >= 2 || !known_type(h.type))
        return false;
    /* a header alone, its body still to come: tshark waits, so do we */
    return cur_left(&c) > 0 || h.length == 0;
}

/* Copies the segment with the type-3 basic headers a 128-byte chunk size
 * puts after every 128 bytes removed (positions 128, 257, ...; only bytes
 * with fmt 3). pos[i] is where out[i] came from. */
static size_t unchunk_128(const uint8_t *p, size_t n, uint8_t *out,
                          uint16_t *pos, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < size; i++) {
        bool header = i >= RTMP_DEFAULT_CHUNK && (i - RTMP_DEFAULT_CHUNK) %
                                                         (RTMP_DEFAULT_CHUNK + 1) == 0;
        if (header && (p[i] & 0xc0) == 0xc0)
            continue;
        pos[o] = (uint16_t)i;
        out[o++] = p[i];
    }
    return o;
}

/* Walks a headless body; returns how far (in body bytes) it got. */
static size_t walk_body(const uint8_t *b, size_t n, struct rtmp_msg *m,
                        bool command, enum amf_status *st)
{
    struct cursor c = cur_make(b, n);
    memset(m, 0, sizeof *m);
    m->type = command ? MT_AMF0_COMMAND : MT_AMF0_DATA;
    *st = amf_command(&c, m, command);
    return (size_t)(c.p - b);
}

/* A command or data body whose chunk header came in an earlier segment.
 * Its chunk size is not known here: the body is read as it stands and
 * with 128-byte chunking undone, and the reading that gets further
 * wins. Its values are walked to their end, where further chunks may
 * start. */
static void dissect_headless_command(struct ws_packet *pkt, struct ws_layer *l,
                                     struct cursor *c)
{
    struct chunk_hdr h = {.off = cur_offset(c), .type = MT_AMF0_COMMAND};
    pkt->a.rtmp.headless = true;
    struct rtmp_msg *m = new_msg(pkt, &h);
    struct rtmp_msg scratch, alt;
    if (!m)
        m = &scratch;
    uint32_t start = cur_offset(c);
    size_t n = cur_left(c) < 4096 ? cur_left(c) : 4096;
    size_t name_len = (size_t)(c->p[1] << 8 | c->p[2]);
    /* a number after the name: a command; else a data message */
    bool command = n > 3 + name_len && c->p[3 + name_len] == AMF_NUMBER;
    enum amf_status st, st2;
    size_t used = walk_body(c->p, n, m, command, &st);
    uint8_t body[4096];
    uint16_t pos[4096];
    size_t bn = unchunk_128(c->p, n, body, pos, sizeof body);
    if (st != AMF_OK && bn < n) {
        size_t used2 = walk_body(body, bn, &alt, command, &st2);
        if (used2 > used) {
            *m = alt;
            st = st2;
            used = used2 < bn ? pos[used2] : n;
        }
    }
    cur_skip(c, used);
    if (st == AMF_BAD && !plausible_chunk(c->p, cur_left(c))) {
        layer_fail(pkt, l, EV_BAD_APP);
        cur_skip(c, cur_left(c));
    }
    field_add(pkt, 1, "Message body (header in an earlier segment)", start,
              cur_offset(c) - start, "%u bytes", cur_offset(c) - start);
}

/* A 1536-byte segment is C2/S2 unless it starts like a real message: a
 * plausible chunk whose length and stream id are small, as random
 * handshake bytes rarely are. */
static bool looks_like_messages(const uint8_t *p, size_t n)
{
    struct cursor c = cur_make(p, n);
    struct chunk_hdr h;
    return plausible_chunk(p, n) && read_chunk_hdr(&c, &h) && h.length < 0x100000 &&
           h.stream < 0x10000;
}

static bool rtmp_probe(const uint8_t *p, size_t n, const struct ws_packet *pkt,
                       bool on_port)
{
    if (!on_port || pkt->ip_proto != 6 || n == 0)
        return false;
    if (n < pkt->payload_len)
        return true; /* cut by the snaplen: decoded as far as it goes */
    if (handshake_phase(p, n, pkt) != RTMP_PHASE_NONE)
        return true;
    return plausible_chunk(p, n) || starts_with_command_body(p, n);
}

static enum ws_proto rtmp_dissect(struct ws_packet *pkt, struct cursor *c)
{
    /* On a flow known as RTMP too: a chunk header alone, or a segment that
     * starts inside a message's data, is left to TCP (as tshark shows it
     * until it has the whole message). */
    if (!rtmp_probe(c->p, cur_left(c), pkt, true))
        return P_DATA;
    struct ws_layer *l = app_layer_open(pkt, P_RTMP, c);
    if (!l)
        return P_NONE;
    struct ws_rtmp *r = &pkt->a.rtmp;
    memset(r, 0, sizeof *r);
    size_t n = cur_left(c);
    if (n < pkt->payload_len)
        layer_fail(pkt, l, EV_TRUNCATED); /* segment cut by the snaplen */
    r->phase = handshake_phase(c->p, n, pkt);
    if (r->phase != RTMP_PHASE_NONE &&
        !(n == RTMP_HANDSHAKE_SIZE && looks_like_messages(c->p, n))) {
        field_add(pkt, 1, "Handshake", cur_offset(c), (uint32_t)n, "%s",
                  phase_names[r->phase]);
        cur_skip(c, n);
        layer_close(pkt, l, c);
        return P_NONE;
    }
    r->phase = RTMP_PHASE_NONE;
    if (starts_with_command_body(c->p, n))
        dissect_headless_command(pkt, l, c);
    uint32_t chunk_size = RTMP_DEFAULT_CHUNK;
    for (unsigned i = 0; cur_left(c) > 0 && i < RTMP_MAX_CHUNKS; i++)
        if (!dissect_chunk(pkt, l, c, &chunk_size))
            break;
    cur_skip(c, cur_left(c));
    layer_close(pkt, l, c);
    return P_NONE;
}

/* --- Info and JSON --- */

static void info_msg(struct textbuf *tb, const struct rtmp_msg *m)
{
    if (m->has_command) {
        tb_puts(tb, m->command);
        tb_putc(tb, '(');
        if (m->has_arg) {
            tb_putc(tb, '\'');
            tb_puts(tb, m->arg);
            tb_putc(tb, '\'');
        }
        tb_putc(tb, ')');
        return;
    }
    switch (m->type) {
    case MT_SET_CHUNK_SIZE:
    case MT_ACK:
    case MT_WINDOW_ACK_SIZE:
        tb_puts(tb, tok_name(type_names, m->type));
        tb_putc(tb, ' ');
        tb_u64(tb, m->value);
        return;
    case MT_SET_PEER_BW:
        tb_puts(tb, "Set Peer Bandwidth ");
        tb_u64(tb, m->value);
        tb_putc(tb, ',');
        tb_puts(tb, tok_name(bw_limit_names, m->value2));
        return;
    case MT_USER_CONTROL: {
        const char *ev = tok_find(user_control_names, m->event);
        tb_puts(tb, ev ? ev : "User Control Message");
        if (m->event <= 4) {
            tb_putc(tb, ' ');
            tb_u64(tb, m->value);
        }
        if (m->event == 3) {
            tb_putc(tb, ',');
            tb_u64(tb, m->value2);
            tb_puts(tb, "ms");
        }
        return;
    }
    default:
        tb_puts(tb, tok_name(type_names, m->type));
    }
}

static void rtmp_info(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    (void)l;
    const struct ws_rtmp *r = &pkt->a.rtmp;
    if (r->phase != RTMP_PHASE_NONE) {
        tb_puts(tb, phase_names[r->phase]);
        return;
    }
    /* tshark lists a message in the segment that completes it: a partial
     * one is named only when nothing else is */
    bool any_whole = false;
    for (unsigned i = 0; i < r->nmsgs; i++)
        any_whole |= !r->msgs[i].partial;
    bool first = true;
    for (unsigned i = 0; i < r->nmsgs; i++) {
        if (any_whole && r->msgs[i].partial)
            continue;
        if (!first)
            tb_putc(tb, '|');
        info_msg(tb, &r->msgs[i]);
        first = false;
    }
}

static void rtmp_json(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    (void)l;
    const struct ws_rtmp *r = &pkt->a.rtmp;
    if (r->phase != RTMP_PHASE_NONE) {
        tb_puts(tb, "\"phase\":");
        tb_json_str(tb, phase_names[r->phase] + strlen("Handshake "));
        return;
    }
    tb_puts(tb, "\"messages\":[");
    for (unsigned i = 0; i < r->nmsgs; i++) {
        const struct rtmp_msg *m = &r->msgs[i];
        tb_puts(tb, i ? ",{\"csid\":" : "{\"csid\":");
        if (r->headless)
            tb_puts(tb, "null");
        else
            tb_u64(tb, m->csid);
        tb_puts(tb, ",\"type\":");
        tb_u64(tb, m->type);
        tb_puts(tb, ",\"type_name\":");
        tb_json_str(tb, tok_name(type_names, m->type));
        tb_puts(tb, ",\"length\":");
        tb_u64(tb, m->length);
        tb_puts(tb, ",\"command\":");
        if (m->has_command)
            tb_json_str(tb, m->command);
        else
            tb_puts(tb, "null");
        tb_puts(tb, ",\"txn\":");
        if (m->has_txn && m->txn >= 0 && m->txn < 1e15 && m->txn == (double)(int64_t)m->txn)
            tb_i64(tb, (int64_t)m->txn);
        else
            tb_puts(tb, "null");
        if (m->has_arg) {
            tb_puts(tb, ",\"arg\":");
            tb_json_str(tb, m->arg);
        }
        tb_puts(tb, m->partial ? ",\"partial\":true}" : "}");
    }
    tb_putc(tb, ']');
    if (r->more_msgs)
        tb_puts(tb, ",\"more_messages\":true");
}

/* --- track: commands and their _result / _error by transaction id --- */

/* The command's transaction id pairs a request with its _result/_error. */
static uint64_t txn_key(double txn) { return (uint64_t)txn; }

/* publish and play are answered by onStatus with transaction id 0: the
 * flow remembers the last one asked. */
struct rtmp_flow {
    bool pending;
    uint64_t pending_key;
};

static bool answered_by_status(const char *command)
{
    return strcmp(command, "publish") == 0 || strcmp(command, "play") == 0;
}

static void finish(struct app_ctx *ctx, struct txn *x, const struct rtmp_msg *m)
{
    txn_add(ctx, x, m->command);
    char result[RTMP_CMD_LEN + RTMP_ARG_LEN + 2];
    struct textbuf tb;
    tb_init(&tb, result, sizeof result);
    tb_puts(&tb, m->command);
    if (m->has_arg) {
        tb_putc(&tb, ' ');
        tb_puts(&tb, m->arg);
    }
    txn_done(ctx, x, result);
}

static void track_command(struct app_ctx *ctx, const struct rtmp_msg *m)
{
    if (!m->has_command || !m->has_txn || m->txn < 0 || m->txn > 1e15)
        return;
    uint64_t scope = ctx->flow->id;
    struct rtmp_flow *fs = app_flow_state(ctx, sizeof *fs);
    if (strcmp(m->command, "onStatus") == 0) {
        struct txn *x = fs && fs->pending
                            ? txn_find(ctx, P_RTMP, scope, fs->pending_key) : NULL;
        if (x) {
            fs->pending = false;
            finish(ctx, x, m);
        }
        return;
    }
    if (m->txn < 1)
        return; /* no answer expected */
    bool answer = strcmp(m->command, "_result") == 0 || strcmp(m->command, "_error") == 0;
    if (!answer) {
        char what[96];
        snprintf(what, sizeof what, "%s%s%s%s", m->command, m->has_arg ? "('" : "()",
                 m->has_arg ? m->arg : "", m->has_arg ? "')" : "");
        txn_open(ctx, P_RTMP, scope, txn_key(m->txn), what, m->command);
        if (fs && answered_by_status(m->command)) {
            fs->pending = true;
            fs->pending_key = txn_key(m->txn);
        }
        return;
    }
    struct txn *x = txn_find(ctx, P_RTMP, scope, txn_key(m->txn));
    if (x)
        finish(ctx, x, m);
}

static void rtmp_track(struct app_ctx *ctx, const struct ws_packet *pkt,
                       const struct ws_layer *l)
{
    (void)l;
    const struct ws_rtmp *r = &pkt->a.rtmp;
    if (ctx->ta_flags)
        return; /* retransmissions and other marked segments: seen already */
    for (unsigned i = 0; i < r->nmsgs; i++)
        track_command(ctx, &r->msgs[i]);
}

static const struct app_hooks rtmp_hooks = {
    .transport = APP_TCP,
    .ports = rtmp_ports,
    .probe = rtmp_probe,
    .info = rtmp_info,
    .json = rtmp_json,
    .track = rtmp_track,
};

const struct proto_desc proto_rtmp = {P_RTMP, "RTMP",
                                      "Real Time Messaging Protocol", rtmp_dissect,
                                      &rtmp_hooks};
