/* Shared by the application-protocol suites: decode a frame (whole or cut
 * at caplen, from an exact-size copy so ASan sees any over-read), find a
 * layer or a field, the Info/Protocol/JSON text, the caplen sweep every
 * dissector gets, and running a dissector's track hook on the segments of
 * a TCP connection and listing the transactions it made. */
#ifndef WIRESCOPE_TEST_APPTEST_H
#define WIRESCOPE_TEST_APPTEST_H

#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "pktbuild.h"
#include "proto/proto.h"
#include "wirescope/addr.h"
#include "wirescope/app.h"
#include "wirescope/flow.h"
#include "wirescope/info.h"
#include "wirescope/tcp_analysis.h"
#include "wirescope/textbuf.h"

static struct ws_packet g_pkt;
static uint8_t *g_copy;

/* What the flow is known to carry when the decoder asks (P_NONE: nothing,
 * as on a flow's first packet). */
static enum ws_proto g_known;
static enum ws_proto known_lookup(struct ws_packet *pkt, void *arg)
{
    (void)pkt;
    (void)arg;
    return g_known;
}

/* A checked fixture for the suites that start each test on a fresh
 * packet (tcase_add_checked_fixture(tc, apptest_setup, apptest_teardown)). */
static inline void apptest_setup(void)
{
    memset(&g_pkt, 0, sizeof g_pkt);
    g_known = P_NONE;
}

static inline void apptest_teardown(void)
{
    free(g_copy);
    g_copy = NULL;
}

/* Decodes frame[0..caplen) of wire length len. With WS_TEST_PCAP set, the
 * frame is also appended to that pcap, so that tshark can be shown every
 * frame a suite decodes, in order. */
static inline void decode_cut(const uint8_t *frame, size_t caplen, size_t len,
                       bool fields)
{
    free(g_copy);
    g_copy = malloc(caplen ? caplen : 1);
    ck_assert_ptr_nonnull(g_copy);
    memcpy(g_copy, frame, caplen);
    pb_dump_frame(frame, (uint32_t)caplen, (uint32_t)len);
    g_pkt.want_fields = fields;
    g_pkt.app_lookup = g_known != P_NONE ? known_lookup : NULL;
    decode_reset(&g_pkt, g_copy, (uint32_t)caplen, (uint32_t)len, DLT_EN10MB);
    decode_packet(&g_pkt);
}

static inline void decode_full(const uint8_t *frame, size_t len)
{
    decode_cut(frame, len, len, true);
}

/* Decodes frame[0..len) as a packet of a flow that the decoder's table
 * knows to carry `known`. */
static inline void decode_known(const uint8_t *frame, size_t len, enum ws_proto known)
{
    g_known = known;
    decode_full(frame, len);
    g_known = P_NONE;
}

/* ---- packets built for a test ---- */

/* The frame the suites build their packets in: each build overwrites it. */
static uint8_t g_frame[8192];

/* The TCP segment (PSH+ACK, seq 1000, ack 2000) from e carrying
 * payload[0..n), built in g_frame; returns its length. */
static inline size_t tcp_frame(const struct pb_ends *e, const void *payload, size_t n)
{
    ck_assert_uint_le(n, sizeof g_frame - 54); /* room for the headers */
    return pb_tcp4(g_frame, e, 1000, 2000, 0, payload, n);
}

/* The UDP datagram from e carrying payload[0..n), built in g_frame;
 * returns its length. */
static inline size_t udp_frame(const struct pb_ends *e, const void *payload, size_t n)
{
    ck_assert_uint_le(n, sizeof g_frame - 42);
    return pb_udp4(g_frame, e, payload, n);
}

static inline void decode_tcp(const struct pb_ends *e, const void *payload, size_t n)
{
    decode_full(g_frame, tcp_frame(e, payload, n));
}

static inline void decode_str(const struct pb_ends *e, const char *s)
{
    decode_tcp(e, s, strlen(s));
}

static inline void decode_udp(const struct pb_ends *e, const void *payload, size_t n)
{
    decode_full(g_frame, udp_frame(e, payload, n));
}

/* ---- reading the decoded packet ---- */

static inline const struct ws_layer *layer_of(enum ws_proto p)
{
    for (unsigned i = 0; i < g_pkt.nlayers; i++)
        if (g_pkt.layers[i].proto == p)
            return &g_pkt.layers[i];
    return NULL;
}

/* The layer of p; fails the test when the packet has none. */
static inline const struct ws_layer *layer_must(enum ws_proto p)
{
    const struct ws_layer *l = layer_of(p);
    if (!l)
        ck_abort_msg("no %s layer", proto_get(p) ? proto_get(p)->name : "such");
    return l;
}

/* The value text of the k-th field (from 0) with that name, or NULL. */
static inline const char *field_nth(const char *name, unsigned k)
{
    for (unsigned i = 0; i < g_pkt.nfields; i++)
        if (strcmp(g_pkt.fields[i].name, name) == 0 && k-- == 0)
            return g_pkt.ftext + g_pkt.fields[i].text;
    return NULL;
}

static inline const char *field_text(const char *name) { return field_nth(name, 0); }

/* The bytes of a span of the decoded packet as a string (at most 255 of
 * them; a summary's method, host, server name). */
static inline const char *span_text(struct ws_span s)
{
    static char buf[256];
    size_t n = s.len < sizeof buf - 1 ? s.len : sizeof buf - 1;
    memcpy(buf, g_pkt.data + s.off, n);
    buf[n] = 0;
    return buf;
}

/* How many fields of the layer of p (which must be there) have that name:
 * other layers may use the same names ("Length"). */
static inline unsigned layer_field_count(enum ws_proto p, const char *name)
{
    const struct ws_layer *l = layer_must(p);
    unsigned n = 0;
    for (unsigned i = l->first_field; i < (unsigned)l->first_field + l->nfields; i++)
        n += strcmp(g_pkt.fields[i].name, name) == 0;
    return n;
}

/* The k-th field (from 0) with that name in the layer of p; fails the
 * test when there is none. */
static inline const char *layer_field(enum ws_proto p, const char *name, unsigned k)
{
    const struct ws_layer *l = layer_must(p);
    for (unsigned i = l->first_field; i < (unsigned)l->first_field + l->nfields; i++)
        if (strcmp(g_pkt.fields[i].name, name) == 0 && k-- == 0)
            return g_pkt.ftext + g_pkt.fields[i].text;
    ck_abort_msg("no field %s", name);
    return NULL;
}

/* Room for the longest Info and JSON text any suite builds (DNS answers
 * with hundreds of records keep their JSON within about 8 KiB). */
#define APPTEST_INFO_MAX 4096
#define APPTEST_JSON_MAX 16384

static inline const char *info_text(void)
{
    static char buf[APPTEST_INFO_MAX];
    struct info_tcp_rel rel;
    memset(&rel, 0, sizeof rel);
    rel.win_shift = -1;
    info_format(&g_pkt, &rel, buf, sizeof buf);
    return buf;
}

static inline const char *protocol_text(void) { return info_protocol(&g_pkt); }

/* The JSON members of the first layer of p ("" when there is none). */
static inline const char *json_text(enum ws_proto p)
{
    static char buf[APPTEST_JSON_MAX];
    const struct ws_layer *l = layer_of(p);
    const struct proto_desc *d = proto_get(p);
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    if (l && d && d->app && d->app->json)
        d->app->json(&tb, &g_pkt, l);
    return buf;
}

/* The JSON members of every layer of p in turn, which must fit whole. */
static inline const char *json_all(enum ws_proto p)
{
    static char buf[APPTEST_JSON_MAX];
    const struct proto_desc *d = proto_get(p);
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    for (unsigned i = 0; i < g_pkt.nlayers; i++)
        if (g_pkt.layers[i].proto == p)
            d->app->json(&tb, &g_pkt, &g_pkt.layers[i]);
    ck_assert(!tb.truncated);
    return buf;
}

static inline void json_has(enum ws_proto p, const char *member)
{
    const char *j = json_text(p);
    ck_assert_msg(strstr(j, member), "%s not in %s", member, j);
}

/* Every truncation of a good frame decodes without reading past caplen,
 * and every cut that leaves part of the payload is flagged (by a lower
 * layer or by proto). */
static inline void caplen_sweep(const uint8_t *frame, size_t len, enum ws_proto proto)
{
    decode_cut(frame, len, len, false);
    uint32_t payload_off = g_pkt.payload_off;
    for (size_t cap = 0; cap < len; cap++) {
        decode_cut(frame, cap, len, true);
        if (cap > payload_off)
            ck_assert_msg(g_pkt.event != EV_NONE, "caplen %zu not flagged", cap);
        const struct ws_layer *l = layer_of(proto);
        if (l)
            ck_assert_uint_le(l->off + l->len, cap);
        (void)info_text();
        (void)json_text(proto);
    }
    decode_cut(frame, len, len, true);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
}

/* ---- the track hook ---- */

/* One TCP connection of a tracker, carrying proto between a client and a
 * server, whose packets are numbered from 1, 1 ms apart; each direction's
 * sequence numbers run on from where its last segment ended. */
struct tracked {
    struct app_tracker *t;
    struct flow f;
    struct app_ctx ctx;
    enum ws_proto proto;
    const struct pb_ends *to_server, *from_server;
    uint32_t seq[2]; /* the next sequence number from the client [0], the server [1] */
};

static inline void track_init(struct tracked *k, enum ws_proto proto, uint64_t flow_id,
                              const struct pb_ends *to_server,
                              const struct pb_ends *from_server)
{
    memset(k, 0, sizeof *k);
    k->t = app_tracker_new(64);
    k->f.id = flow_id;
    k->ctx = (struct app_ctx){.t = k->t, .number = 0, .ts_ns = 1000000000,
                              .flow = &k->f};
    k->proto = proto;
    k->to_server = to_server;
    k->from_server = from_server;
    k->seq[0] = 1000;
    k->seq[1] = 2000;
}

/* Decodes a segment carrying payload[0..n) (from_client: from the
 * connection's initiator) and runs the track hook on it as the
 * connection's next packet, as the decoder thread does: without fields,
 * and only when the packet has a layer of the connection's protocol.
 * With resent, the segment repeats the n bytes before the direction's
 * next sequence number, marked as the TCP analysis marks a
 * retransmission. */
static inline void track_seg(struct tracked *k, bool from_client, const void *payload,
                             size_t n, bool resent)
{
    ck_assert_uint_le(n, sizeof g_frame - 54); /* room for the headers */
    int d = from_client ? 0 : 1;
    uint32_t seq = resent ? k->seq[d] - (uint32_t)n : k->seq[d];
    size_t len = pb_tcp4(g_frame, from_client ? k->to_server : k->from_server, seq,
                         k->seq[!d], 0, payload, n);
    decode_cut(g_frame, len, len, false);
    k->ctx.number++;
    k->ctx.ts_ns += 1000000;
    k->ctx.dir = from_client ? FLOW_A2B : FLOW_B2A;
    k->ctx.ta_flags = resent ? 1u << TA_RETRANSMISSION : 0;
    k->ctx.tcp_seq = seq;
    const struct ws_layer *l = layer_of(k->proto);
    if (l)
        proto_get(k->proto)->app->track(&k->ctx, &g_pkt, l);
    if (!resent)
        k->seq[d] += (uint32_t)n;
}

/* The next segment, carrying the string s. */
static inline void track_str(struct tracked *k, bool from_client, const char *s)
{
    track_seg(k, from_client, s, strlen(s), false);
}

/* The transactions of a tracker, oldest first: n counts them all, x keeps
 * the first TXN_LIST_MAX (valid until the tracker is freed). */
#define TXN_LIST_MAX 16
struct txn_list {
    const struct txn *x[TXN_LIST_MAX];
    unsigned n;
};

static inline void txn_list_add(const struct txn *x, void *arg)
{
    struct txn_list *l = arg;
    if (l->n < TXN_LIST_MAX)
        l->x[l->n] = x;
    l->n++;
}

static inline struct txn_list txns_of(struct app_tracker *t)
{
    struct txn_list l = {.n = 0};
    app_tracker_foreach_txn(t, txn_list_add, &l);
    return l;
}

/* A new flow of IP protocol ip_proto (IPPROTO_TCP or IPPROTO_UDP)
 * between a:ap and b:bp (IPv4, host order), given to the tracker as the
 * decoder would. */
static inline struct flow tracker_new_flow(struct app_tracker *t, uint8_t ip_proto,
                                           uint64_t id, uint32_t a, uint16_t ap,
                                           uint32_t b, uint16_t bp)
{
    struct flow f;
    memset(&f, 0, sizeof f);
    f.id = id;
    f.key.proto = ip_proto;
    uint8_t a4[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
    uint8_t b4[4] = {(uint8_t)(b >> 24), (uint8_t)(b >> 16), (uint8_t)(b >> 8), (uint8_t)b};
    addr_from_v4(&f.key.lo, a4);
    addr_from_v4(&f.key.hi, b4);
    f.key.lo_port = ap;
    f.key.hi_port = bp;
    app_tracker_new_flow(t, &f);
    return f;
}

#endif
