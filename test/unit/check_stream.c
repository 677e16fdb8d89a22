/*
 * Tests of on-demand TCP stream reassembly (src/track/stream.c) from real
 * Ethernet + IPv4 + TCP frames. Each frame is built byte by byte, decoded
 * with decode_reset + decode_packet, fed to the connection tracker and
 * stored, as src/decode/decoder.c does; then stream_reassemble is checked
 * against exact expectations worked out by hand:
 *  - per side: reassembled bytes, gap_bytes, overlap_bytes, limited;
 *  - the chunk list (side, gap, packet, offset, len) in order;
 *  - invariants on every result: each side's chunks tile its stream from
 *    offset 0 without holes, data chunks add up to len[side] and gap chunks
 *    to gap_bytes[side], and every kept byte is the one the sender put at
 *    that stream offset (payloads are a known pattern of side and offset).
 *
 * Chunk packet numbers are the packet that carried the bytes (for a gap:
 * the segment right after it, or the segment cut by the snaplen).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirescope/capture.h"
#include "wirescope/conn.h"
#include "wirescope/decode.h"
#include "wirescope/store.h"
#include "wirescope/stream.h"

#define DLT_EN10MB_ 1
#define T0_NS 1700000000000000000ull
#define NO_LIMIT ((size_t)1 << 30)

#define F_S (TCP_SYN)
#define F_SA (TCP_SYN | TCP_ACK)
#define F_A (TCP_ACK)
#define F_PA (TCP_PSH | TCP_ACK)
#define F_FA (TCP_FIN | TCP_ACK)

#define C SIDE_CLIENT
#define S SIDE_SERVER

/* The byte a side sends at a stream offset. */
static uint8_t pat(int side, uint64_t off)
{
    return (uint8_t)(off * 7u + (off >> 8) * 13u + (uint64_t)side * 101u + 3u);
}

/* ---------- capture world: one store and one tracker ---------- */

struct world {
    struct store *store;
    struct conn_table *t;
    uint64_t ts;
    struct ws_packet pkt;
    uint8_t frame[1600];
};

/* One 5-tuple: host A (client side) and host B, the caller's slot. */
struct rig {
    struct world *w;
    struct conn *cur;
    uint8_t ip[2][4];
    uint16_t port[2];
    uint32_t isn[2];
    uint32_t base[2]; /* sequence number of stream offset 0 per side */
    bool swapped;     /* the tracker took host B for the client */
};

static struct world *world_new(void)
{
    struct world *w = calloc(1, sizeof *w);
    ck_assert_ptr_nonnull(w);
    w->store = store_new((size_t)256 << 20, -1);
    w->t = conn_table_new(1024);
    w->ts = T0_NS;
    return w;
}

static void world_free(struct world *w)
{
    conn_table_free(w->t);
    store_free(w->store);
    free(w);
}

static void rig_init(struct rig *r, struct world *w, uint8_t host,
                     uint16_t cport, uint16_t sport, uint32_t cisn,
                     uint32_t sisn)
{
    memset(r, 0, sizeof *r);
    r->w = w;
    r->ip[C][0] = 10, r->ip[C][3] = host;
    r->ip[S][0] = 10, r->ip[S][3] = 200;
    r->port[C] = cport;
    r->port[S] = sport;
    r->isn[C] = cisn;
    r->isn[S] = sisn;
    r->base[C] = cisn + 1;
    r->base[S] = sisn + 1;
}

static void be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* As src/decode/decoder.c: the tracker sees a segment when its fixed TCP
 * header was captured with a valid data offset, outside ICMP. */
static bool has_tcp_header(const struct ws_packet *pkt)
{
    for (unsigned i = 0; i < pkt->nlayers; i++) {
        if (pkt->layers[i].proto == P_ICMP || pkt->layers[i].proto == P_ICMPV6)
            return false;
        if (pkt->layers[i].proto == P_TCP)
            return pkt->layers[i].len >= 20 && pkt->u.tcp.hdr_len >= 20 &&
                   pkt->layers[i].event != EV_BAD_HEADER_LEN;
    }
    return false;
}

/*
 * Builds, decodes, tracks and stores one frame: 14-byte Ethernet, 20-byte
 * IPv4 (total length = 40 + plen), 20-byte TCP, payload; `pad` pads the
 * frame to Ethernet's 60-byte minimum; snaplen (0 = none) cuts the capture.
 * Returns the packet number (from 1).
 */
static uint64_t send_frame(struct rig *r, int from, uint16_t flags,
                           uint32_t seq, uint32_t ack, const uint8_t *payload,
                           uint32_t plen, uint32_t snaplen, bool pad)
{
    struct world *w = r->w;
    uint8_t *f = w->frame;
    ck_assert_uint_le(plen, sizeof w->frame - 60);
    uint32_t flen = 54 + plen;
    if (pad && flen < 60)
        flen = 60;
    memset(f, 0xAA, flen); /* padding shows up if it is ever delivered */
    /* Ethernet */
    static const uint8_t mac[2][6] = {{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}};
    memcpy(f, mac[!from], 6);
    memcpy(f + 6, mac[from], 6);
    be16(f + 12, 0x0800);
    /* IPv4 */
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[1] = 0;
    be16(ip + 2, (uint16_t)(40 + plen));
    be16(ip + 4, 0x1234);
    be16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 6;
    be16(ip + 10, 0);
    memcpy(ip + 12, r->ip[from], 4);
    memcpy(ip + 16, r->ip[!from], 4);
    be16(ip + 10, ip_checksum(ip, 20));
    /* TCP */
    uint8_t *tcp = ip + 20;
    be16(tcp, r->port[from]);
    be16(tcp + 2, r->port[!from]);
    be32(tcp + 4, seq);
    be32(tcp + 8, ack);
    tcp[12] = 5 << 4 | (uint8_t)(flags >> 8 & 1);
    tcp[13] = (uint8_t)flags;
    be16(tcp + 14, 65535);
    be16(tcp + 16, 0);
    be16(tcp + 18, 0);
    if (plen)
        memcpy(tcp + 20, payload, plen);

    uint32_t caplen = snaplen && snaplen < flen ? snaplen : flen;
    decode_reset(&w->pkt, f, caplen, flen, DLT_EN10MB_);
    decode_packet(&w->pkt);
    uint64_t number = store_count(w->store) + 1;
    struct pkt_entry e = {
        .ts_ns = w->ts,
        .caplen = caplen,
        .len = flen,
        .flow_id = STORE_NONE,
        .conn_id = STORE_NONE,
        .proto = w->pkt.top,
        .event = w->pkt.event,
    };
    if (has_tcp_header(&w->pkt)) {
        ck_assert_uint_eq(w->pkt.ip_proto, 6);
        ck_assert_uint_eq(w->pkt.payload_len, plen);
        ck_assert_uint_eq(w->pkt.u.tcp.seq, seq);
        struct conn_seg seg;
        conn_table_segment(w->t, &r->cur, &w->pkt, number, w->ts, flen, &seg);
        ck_assert_ptr_eq(seg.conn, r->cur);
        ck_assert_int_eq(seg.side, (r->swapped ? !from : from));
        e.conn_id = (uint32_t)seg.conn->id;
        e.ta_flags = seg.ta.flags;
    }
    ck_assert_uint_eq(store_add(w->store, &e, CAP_NO_OFFSET, f), number - 1);
    w->ts += 1000000; /* 1 ms apart */
    return number;
}

/* Payload bytes [off, off + len) of a side's stream, after its base. */
static uint64_t data_x(struct rig *r, int from, uint32_t off, uint32_t len,
                       uint32_t snaplen, bool pad)
{
    uint8_t buf[1500];
    ck_assert_uint_le(len, sizeof buf);
    for (uint32_t k = 0; k < len; k++)
        buf[k] = pat(from, (uint64_t)off + k);
    return send_frame(r, from, F_PA, r->base[from] + off, r->base[!from], buf,
                      len, snaplen, pad);
}

static uint64_t data(struct rig *r, int from, uint32_t off, uint32_t len)
{
    return data_x(r, from, off, len, 0, false);
}

static uint64_t ctl(struct rig *r, int from, uint16_t flags, uint32_t off)
{
    return send_frame(r, from, flags, r->base[from] + off, r->base[!from],
                      NULL, 0, 0, false);
}

/* SYN, SYN/ACK, ACK: packets numbered from the store's count. */
static void handshake(struct rig *r)
{
    send_frame(r, C, F_S, r->isn[C], 0, NULL, 0, 0, false);
    send_frame(r, S, F_SA, r->isn[S], r->isn[C] + 1, NULL, 0, 0, false);
    send_frame(r, C, F_A, r->isn[C] + 1, r->isn[S] + 1, NULL, 0, 0, false);
}

/* ---------- checks ---------- */

struct exp {
    int side;
    bool gap;
    uint64_t packet, offset;
    uint32_t len;
};
#define D(side, pkt, off, len) {(side), false, (pkt), (off), (len)}
#define G(side, pkt, off, len) {(side), true, (pkt), (off), (len)}

static void expect_chunks(const struct tcp_stream *st, const struct exp *e,
                          size_t n)
{
    ck_assert_uint_eq(st->nchunks, n);
    for (size_t i = 0; i < n; i++) {
        const struct stream_chunk *ch = &st->chunks[i];
        ck_assert_msg(ch->side == e[i].side && ch->gap == e[i].gap &&
                          ch->packet == e[i].packet &&
                          ch->offset == e[i].offset && ch->len == e[i].len,
                      "chunk %zu: got side %u gap %d packet %llu offset %llu "
                      "len %u, want side %d gap %d packet %llu offset %llu len %u",
                      i, ch->side, ch->gap, (unsigned long long)ch->packet,
                      (unsigned long long)ch->offset, ch->len, e[i].side,
                      e[i].gap, (unsigned long long)e[i].packet,
                      (unsigned long long)e[i].offset, e[i].len);
    }
}
#define EXPECT_CHUNKS(st, ...)                                                 \
    do {                                                                       \
        static const struct exp e_[] = {__VA_ARGS__};                          \
        expect_chunks((st), e_, sizeof e_ / sizeof e_[0]);                     \
    } while (0)

/* Invariants of any result; with check_bytes the kept bytes must be the
 * pattern at their stream offsets (stream offset 0 = rig base). */
static void check_invariants(const struct tcp_stream *st, bool check_bytes)
{
    uint64_t pos[2] = {0, 0}, data_sum[2] = {0, 0}, gap_sum[2] = {0, 0};
    for (size_t i = 0; i < st->nchunks; i++) {
        const struct stream_chunk *ch = &st->chunks[i];
        ck_assert_uint_lt(ch->side, 2);
        ck_assert_uint_gt(ch->len, 0);
        ck_assert_uint_ge(ch->packet, 1);
        ck_assert_msg(ch->offset == pos[ch->side],
                      "chunk %zu (side %u) at offset %llu, side's stream is at %llu",
                      i, ch->side, (unsigned long long)ch->offset,
                      (unsigned long long)pos[ch->side]);
        if (ch->gap) {
            gap_sum[ch->side] += ch->len;
        } else {
            if (check_bytes)
                for (uint32_t k = 0; k < ch->len; k++)
                    ck_assert_msg(st->data[ch->side][data_sum[ch->side] + k] ==
                                      pat(ch->side, ch->offset + k),
                                  "chunk %zu byte %u (stream offset %llu) wrong",
                                  i, k, (unsigned long long)(ch->offset + k));
            data_sum[ch->side] += ch->len;
        }
        pos[ch->side] += ch->len;
    }
    for (int s = 0; s < 2; s++) {
        ck_assert_uint_eq(data_sum[s], st->len[s]);
        ck_assert_uint_eq(gap_sum[s], st->gap_bytes[s]);
        ck_assert_uint_le(st->len[s], st->cap[s]);
        /* growth by doubling from 4 KiB: never more than twice the need */
        ck_assert_uint_le(st->cap[s], st->len[s] ? 2 * st->len[s] + 4096 : 0);
    }
}

static void expect_side(const struct tcp_stream *st, int side, size_t len,
                        uint64_t gap, uint64_t overlap, bool limited)
{
    ck_assert_msg(st->len[side] == len && st->gap_bytes[side] == gap &&
                      st->overlap_bytes[side] == overlap &&
                      st->limited[side] == limited,
                  "side %d: got len %zu gap %llu overlap %llu limited %d, "
                  "want len %zu gap %llu overlap %llu limited %d",
                  side, st->len[side], (unsigned long long)st->gap_bytes[side],
                  (unsigned long long)st->overlap_bytes[side], st->limited[side],
                  len, (unsigned long long)gap, (unsigned long long)overlap,
                  limited);
}

static void reassemble(struct tcp_stream *st, struct rig *r, size_t max)
{
    ck_assert_ptr_nonnull(r->cur);
    stream_reassemble(st, r->cur, r->w->store, DLT_EN10MB_, max);
}

/* ---------- tests ---------- */

/* Request, response, more request, pure ACKs and FINs: every byte once,
 * one chunk per data packet in capture order. */
START_TEST(test_in_order)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40000, 80, 1000, 5000);
    handshake(&r);                          /* 1-3 */
    ck_assert_uint_eq(data(&r, C, 0, 10), 4);
    ck_assert_uint_eq(data(&r, S, 0, 20), 5);
    ck_assert_uint_eq(ctl(&r, C, F_A, 10), 6);
    ck_assert_uint_eq(data(&r, C, 10, 5), 7);
    ck_assert_uint_eq(data(&r, S, 20, 1), 8);
    ck_assert_uint_eq(ctl(&r, C, F_FA, 15), 9);
    ck_assert_uint_eq(ctl(&r, S, F_FA, 21), 10);
    ck_assert_uint_eq(ctl(&r, C, F_A, 16), 11);
    ck_assert(!r.cur->partial);

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    expect_side(&st, C, 15, 0, 0, false);
    expect_side(&st, S, 21, 0, 0, false);
    EXPECT_CHUNKS(&st, D(C, 4, 0, 10), D(S, 5, 0, 20), D(C, 7, 10, 5),
                  D(S, 8, 20, 1));
    check_invariants(&st, true);
    stream_free(&st);
    ck_assert_ptr_null(st.chunks);
    world_free(w);
}
END_TEST

/* A SYN carrying data (TCP Fast Open): its payload starts the stream. */
START_TEST(test_syn_with_data)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40001, 80, 7000, 9000);
    uint8_t buf[6];
    for (int k = 0; k < 6; k++)
        buf[k] = pat(C, (uint64_t)k);
    send_frame(&r, C, F_S, r.isn[C], 0, buf, 6, 0, false);        /* 1 */
    send_frame(&r, S, F_SA, r.isn[S], r.isn[C] + 7, NULL, 0, 0, false);
    ctl(&r, C, F_A, 6);                                          /* 3 */
    data(&r, C, 6, 4);                                           /* 4 */
    data(&r, S, 0, 3);                                           /* 5 */

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    expect_side(&st, C, 10, 0, 0, false);
    expect_side(&st, S, 3, 0, 0, false);
    EXPECT_CHUNKS(&st, D(C, 1, 0, 6), D(C, 4, 6, 4), D(S, 5, 0, 3));
    check_invariants(&st, true);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* The same segment twice: its bytes once, the copy counted as overlap. */
START_TEST(test_retransmission)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40002, 80, 1000, 5000);
    handshake(&r);
    data(&r, C, 0, 10);  /* 4 */
    data(&r, C, 0, 10);  /* 5: retransmission */
    data(&r, C, 10, 10); /* 6 */
    data(&r, S, 0, 8);   /* 7 */
    data(&r, S, 0, 8);   /* 8: retransmission */
    data(&r, C, 10, 10); /* 9: late retransmission */

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    expect_side(&st, C, 20, 0, 20, false);
    expect_side(&st, S, 8, 0, 8, false);
    EXPECT_CHUNKS(&st, D(C, 4, 0, 10), D(C, 6, 10, 10), D(S, 7, 0, 8));
    check_invariants(&st, true);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* A segment re-sending the tail of the previous one plus new bytes: only
 * the new bytes are kept, and the first copy of the overlap wins even when
 * the retransmission carries different bytes there. */
START_TEST(test_partial_overlap)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40003, 80, 1000, 5000);
    handshake(&r);
    data(&r, C, 0, 10); /* 4 */
    uint8_t buf[10];    /* 5: [5, 15): the overlap [5, 10) rewritten */
    for (int k = 0; k < 10; k++)
        buf[k] = k < 5 ? 0xEE : pat(C, 5u + (unsigned)k);
    send_frame(&r, C, F_PA, r.base[C] + 5, r.base[S], buf, 10, 0, false);
    data(&r, C, 15, 5);  /* 6 */
    data(&r, C, 12, 10); /* 7: [12, 22): 8 old, 2 new */

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    expect_side(&st, C, 22, 0, 13, false);
    expect_side(&st, S, 0, 0, 0, false);
    EXPECT_CHUNKS(&st, D(C, 4, 0, 10), D(C, 5, 10, 5), D(C, 6, 15, 5),
                  D(C, 7, 20, 2));
    check_invariants(&st, true); /* no 0xEE byte kept */
    stream_free(&st);
    world_free(w);
}
END_TEST

/* Segment 3 before segment 2: held until 2 arrives, then delivered in
 * sequence order; the other side's bytes in between come first. */
START_TEST(test_out_of_order)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40004, 80, 1000, 5000);
    handshake(&r);
    data(&r, C, 0, 10);  /* 4 */
    data(&r, C, 20, 10); /* 5: early, held */
    data(&r, S, 0, 7);   /* 6 */
    data(&r, C, 30, 5);  /* 7: early, held */
    data(&r, C, 20, 10); /* 8: the held one again */
    data(&r, C, 10, 10); /* 9: fills the hole: 9, 5, 7 delivered */
    data(&r, C, 35, 5);  /* 10 */

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    expect_side(&st, C, 40, 0, 10, false);
    expect_side(&st, S, 7, 0, 0, false);
    EXPECT_CHUNKS(&st, D(C, 4, 0, 10), D(S, 6, 0, 7), D(C, 9, 10, 10),
                  D(C, 5, 20, 10), D(C, 7, 30, 5), D(C, 10, 35, 5));
    check_invariants(&st, true);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* Held segments that overlap each other and the hole's filler. */
START_TEST(test_out_of_order_overlapping)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40005, 80, 1000, 5000);
    handshake(&r);
    data(&r, C, 0, 4);   /* 4 */
    data(&r, C, 12, 8);  /* 5: [12, 20) held */
    data(&r, C, 10, 6);  /* 6: [10, 16) held */
    data(&r, C, 14, 2);  /* 7: [14, 16) held, inside both */
    data(&r, C, 4, 8);   /* 8: [4, 12): then 6 gives [12, 16), 5 [16, 20) */

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    /* overlap: 6 re-sends [10, 12) = 2, 5 re-sends [12, 16) = 4, and 7
     * is wholly old (2) */
    expect_side(&st, C, 20, 0, 8, false);
    EXPECT_CHUNKS(&st, D(C, 4, 0, 4), D(C, 8, 4, 8), D(C, 6, 12, 4),
                  D(C, 5, 16, 4));
    check_invariants(&st, true);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* A segment never captured: a gap of its exact size where it belonged,
 * recorded at the end (it might still have come), later bytes kept. */
START_TEST(test_missing_segment)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40006, 80, 1000, 5000);
    handshake(&r);
    data(&r, C, 0, 10);  /* 4 */
    /* [10, 23) never seen */
    data(&r, C, 23, 10); /* 5 */
    data(&r, S, 0, 5);   /* 6 */
    data(&r, C, 33, 10); /* 7 */
    /* server: [5, 6) never seen, then 1 byte */
    data(&r, S, 6, 1);   /* 8 */

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    expect_side(&st, C, 30, 13, 0, false);
    expect_side(&st, S, 6, 1, 0, false);
    EXPECT_CHUNKS(&st, D(C, 4, 0, 10), D(S, 6, 0, 5), G(C, 5, 10, 13),
                  D(C, 5, 23, 10), D(C, 7, 33, 10), G(S, 8, 5, 1),
                  D(S, 8, 6, 1));
    check_invariants(&st, true);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* Two holes, only the first filled late: the segment after it is
 * delivered with the filler, the second hole stays a gap. */
START_TEST(test_two_holes_one_filled)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40007, 80, 1000, 5000);
    handshake(&r);
    data(&r, C, 0, 5);   /* 4 */
    data(&r, C, 10, 5);  /* 5: held */
    data(&r, C, 20, 5);  /* 6: held */
    data(&r, C, 5, 5);   /* 7: fills [5, 10): 7, 5 delivered */

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    expect_side(&st, C, 20, 5, 0, false);
    EXPECT_CHUNKS(&st, D(C, 4, 0, 5), D(C, 7, 5, 5), D(C, 5, 10, 5),
                  G(C, 6, 15, 5), D(C, 6, 20, 5));
    check_invariants(&st, true);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* caplen < len: the payload past the snaplen is a gap of the right size,
 * and Ethernet padding is never taken for payload. */
START_TEST(test_snaplen)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40008, 80, 1000, 5000);
    handshake(&r);
    data_x(&r, C, 0, 10, 54 + 4, false); /* 4: 4 captured, 6 cut */
    data(&r, C, 10, 10);                 /* 5 */
    data_x(&r, C, 20, 10, 54, false);    /* 6: header only: 10 cut */
    data_x(&r, S, 0, 1, 0, true);        /* 7: 1 byte in a 60-byte frame */
    data_x(&r, S, 1, 2, 0, true);        /* 8: 2 bytes, padded */
    data_x(&r, C, 30, 5, 54 + 5, false); /* 9: snaplen = frame: whole */
    /* 10: cut inside the TCP header: never a segment for the tracker */
    data_x(&r, C, 35, 5, 14 + 20 + 10, false);
    data(&r, C, 40, 2); /* 11 */

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    expect_side(&st, C, 21, 21, 0, false);
    expect_side(&st, S, 3, 0, 0, false);
    EXPECT_CHUNKS(&st, D(C, 4, 0, 4), G(C, 4, 4, 6), D(C, 5, 10, 10),
                  G(C, 6, 20, 10), D(S, 7, 0, 1), D(S, 8, 1, 2),
                  D(C, 9, 30, 5), G(C, 11, 35, 5), D(C, 11, 40, 2));
    check_invariants(&st, true);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* No SYN: each side's stream starts at its first segment, whatever the
 * tracker's relative numbering (the server's first bytes are below the
 * client's ACK, i.e. below the server's relative 1). */
START_TEST(test_mid_stream)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40009, 443, 0, 0);
    r.base[C] = 100000;
    r.base[S] = 700000;
    /* 1: a pure ACK from the client, acking server bytes not yet seen */
    send_frame(&r, C, F_A, 100000, 700010, NULL, 0, 0, false);
    data(&r, C, 0, 10);  /* 2 */
    data(&r, S, 0, 10);  /* 3: seq 700000, below the ACK */
    data(&r, S, 10, 5);  /* 4 */
    data(&r, C, 10, 4);  /* 5 */
    data(&r, S, 5, 10);  /* 6: wholly old */
    ck_assert(r.cur->partial);
    ck_assert_uint_eq(r.cur->mark[MARK_SYN], 0);

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    expect_side(&st, C, 14, 0, 0, false);
    expect_side(&st, S, 15, 0, 10, false);
    EXPECT_CHUNKS(&st, D(C, 2, 0, 10), D(S, 3, 0, 10), D(S, 4, 10, 5),
                  D(C, 5, 10, 4));
    check_invariants(&st, true);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* Mid-stream, each side starts at its own first segment even when the
 * server speaks first; a later hole is still a gap. Without a SYN the
 * tracker takes the higher port for the client, so with the ports the
 * other way round the rig's host A is the conn's server: the result's
 * sides follow the conn, not the first sender. */
START_TEST(test_mid_stream_gap)
{
    for (int swap = 0; swap < 2; swap++) {
        struct world *w = world_new();
        struct rig r;
        rig_init(&r, w, 1, swap ? 443 : 40010, swap ? 40010 : 443, 0, 0);
        r.swapped = swap;
        r.base[C] = 0x7fffff00;
        r.base[S] = 0x00000010;
        data(&r, S, 0, 3); /* 1: host B speaks first */
        data(&r, C, 0, 3); /* 2 */
        data(&r, S, 8, 3); /* 3: [3, 8) missing */
        data(&r, C, 3, 2); /* 4 */
        ck_assert(r.cur->partial);
        struct ws_addr host_b;
        addr_from_v4(&host_b, r.ip[S]);
        int b = swap ? SIDE_CLIENT : SIDE_SERVER; /* host B's side */
        ck_assert_int_eq(addr_cmp(&r.cur->addr[b], &host_b), 0);

        struct tcp_stream st;
        reassemble(&st, &r, NO_LIMIT);
        expect_side(&st, b, 6, 5, 0, false);
        expect_side(&st, !b, 5, 0, 0, false);
        const struct exp e[] = {
            D(b, 1, 0, 3), D(!b, 2, 0, 3), D(!b, 4, 3, 2), G(b, 3, 3, 5),
            D(b, 3, 8, 3),
        };
        expect_chunks(&st, e, sizeof e / sizeof e[0]);
        /* the pattern is per host: host B's bytes are pat(S, .) */
        for (int k = 0; k < 3; k++) {
            ck_assert_uint_eq(st.data[b][k], pat(S, (uint64_t)k));
            ck_assert_uint_eq(st.data[b][3 + k], pat(S, 8u + (unsigned)k));
            ck_assert_uint_eq(st.data[!b][k], pat(C, (uint64_t)k));
        }
        if (!swap)
            check_invariants(&st, true);
        stream_free(&st);
        world_free(w);
    }
}
END_TEST

/* max_bytes: exactly max_bytes kept and `limited` set on the side that
 * went over; a side that reaches it exactly is not limited; nothing is
 * recorded for a side after its limit (a gap there would have no true
 * offset in the kept stream). */
START_TEST(test_max_bytes)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40011, 80, 1000, 5000);
    handshake(&r);
    data(&r, C, 0, 10);  /* 4 */
    data(&r, C, 10, 10); /* 5 */
    data(&r, S, 0, 25);  /* 6: exactly the limit */
    data(&r, C, 20, 10); /* 7: 5 kept */
    /* [30, 40) missing */
    data(&r, C, 40, 10); /* 8 */
    data_x(&r, C, 50, 10, 54 + 2, false); /* 9: cut by the snaplen */

    struct tcp_stream st;
    reassemble(&st, &r, 25);
    expect_side(&st, C, 25, 0, 0, true);
    expect_side(&st, S, 25, 0, 0, false);
    EXPECT_CHUNKS(&st, D(C, 4, 0, 10), D(C, 5, 10, 10), D(S, 6, 0, 25),
                  D(C, 7, 20, 5));
    check_invariants(&st, true);
    stream_free(&st);

    /* max_bytes 0: nothing kept, both limited */
    reassemble(&st, &r, 0);
    expect_side(&st, C, 0, 0, 0, true);
    expect_side(&st, S, 0, 0, 0, true);
    ck_assert_uint_eq(st.nchunks, 0);
    stream_free(&st);

    /* limit reached exactly before a gap: the gap is before the limit
     * would cut, so it is kept at its true offset */
    reassemble(&st, &r, 30);
    expect_side(&st, C, 30, 10, 0, true);
    EXPECT_CHUNKS(&st, D(C, 4, 0, 10), D(C, 5, 10, 10), D(S, 6, 0, 25),
                  D(C, 7, 20, 10), G(C, 8, 30, 10));
    check_invariants(&st, true);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* Sequence numbers wrapping past 2^32 on both sides (client ISN
 * 0xfffffff0, server ISN 0xffffffff so its data starts at seq 0), with a
 * reordering and a retransmission across the wrap. */
START_TEST(test_seq_wrap)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40012, 80, 0xfffffff0u, 0xffffffffu);
    handshake(&r);
    ck_assert_uint_eq(r.base[S], 0);
    data(&r, C, 0, 10);   /* 4: seq 0xfffffff1 .. 0xfffffffa */
    data(&r, C, 20, 10);  /* 5: seq 0x5, held */
    data(&r, C, 10, 10);  /* 6: seq 0xfffffffb, crosses the wrap */
    data(&r, S, 0, 100);  /* 7: seq 0 */
    data(&r, C, 5, 20);   /* 8: retransmission across the wrap */
    data(&r, C, 30, 3);   /* 9 */
    data(&r, S, 110, 5);  /* 10: [100, 110) missing */

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    expect_side(&st, C, 33, 0, 20, false);
    expect_side(&st, S, 105, 10, 0, false);
    EXPECT_CHUNKS(&st, D(C, 4, 0, 10), D(C, 6, 10, 10), D(C, 5, 20, 10),
                  D(S, 7, 0, 100), D(C, 9, 30, 3), G(S, 10, 100, 10),
                  D(S, 10, 110, 5));
    check_invariants(&st, true);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* Packets of another connection in the same store are not taken. */
START_TEST(test_other_connection_ignored)
{
    struct world *w = world_new();
    struct rig a, b;
    rig_init(&a, w, 1, 40013, 80, 1000, 5000);
    rig_init(&b, w, 2, 40014, 80, 1000, 5000); /* same ISNs */
    handshake(&a);       /* 1-3 */
    handshake(&b);       /* 4-6 */
    data(&b, C, 0, 10);  /* 7 */
    data(&a, C, 0, 4);   /* 8 */
    data(&b, C, 4, 10);  /* 9: re-sends [4, 10) of b's own stream */
    data(&a, S, 0, 2);   /* 10 */
    ck_assert_ptr_ne(a.cur, b.cur);

    struct tcp_stream st;
    reassemble(&st, &a, NO_LIMIT);
    expect_side(&st, C, 4, 0, 0, false);
    expect_side(&st, S, 2, 0, 0, false);
    EXPECT_CHUNKS(&st, D(C, 8, 0, 4), D(S, 10, 0, 2));
    check_invariants(&st, true);
    stream_free(&st);
    reassemble(&st, &b, NO_LIMIT);
    expect_side(&st, C, 14, 0, 6, false);
    EXPECT_CHUNKS(&st, D(C, 7, 0, 10), D(C, 9, 10, 4));
    check_invariants(&st, true);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* ---------- hostile input ---------- */

#define HOSTILE_N 10000 /* well beyond the bound on held segments (4096) */

/* The first byte never arrives, then HOSTILE_N one-byte segments in
 * order: more than can be held. Nothing may be lost: one gap of 1 byte,
 * every later byte delivered. */
START_TEST(test_hostile_hole_then_in_order)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40020, 80, 1000, 5000);
    handshake(&r);
    for (uint32_t i = 1; i <= HOSTILE_N; i++)
        data(&r, C, i, 1); /* packets 4 .. HOSTILE_N + 3 */

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    expect_side(&st, C, HOSTILE_N, 1, 0, false);
    check_invariants(&st, true);
    ck_assert_uint_eq(st.nchunks, 1 + HOSTILE_N);
    ck_assert(st.chunks[0].gap && st.chunks[0].offset == 0 &&
              st.chunks[0].len == 1 && st.chunks[0].packet == 4);
    for (size_t i = 1; i < st.nchunks; i++)
        ck_assert(!st.chunks[i].gap && st.chunks[i].offset == i &&
                  st.chunks[i].packet == i + 3);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* HOSTILE_N one-byte segments in reverse order: no crash, every byte of
 * [0, HOSTILE_N) delivered or a gap, each exactly once. */
START_TEST(test_hostile_reversed)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40021, 80, 1000, 5000);
    handshake(&r);
    for (uint32_t i = HOSTILE_N; i-- > 0;)
        data(&r, C, i, 1);

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    check_invariants(&st, true);
    ck_assert_uint_eq(st.len[C] + st.gap_bytes[C], HOSTILE_N);
    ck_assert_uint_ge(st.len[C], 4096); /* at least what could be held */
    /* every byte not kept arrived later as a retransmission of a gap */
    ck_assert_uint_eq(st.overlap_bytes[C], st.gap_bytes[C]);
    /* the held segments [5904, 10000) and the one that overflowed the
     * bound [5903, 5904) are kept, [0, 5903) was given up */
    expect_side(&st, C, HOSTILE_N - 5903, 5903, 5903, false);
    stream_free(&st);
    world_free(w);
}
END_TEST

/* Every other one-byte segment missing, far more holes than the bound:
 * exactly half delivered, half gap, alternating. */
START_TEST(test_hostile_sparse)
{
    enum { PRESENT = 6000 };
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40022, 80, 1000, 5000);
    handshake(&r);
    for (uint32_t i = 0; i < PRESENT; i++)
        data(&r, C, 2 * i + 1, 1); /* packet i + 4 */

    struct tcp_stream st;
    reassemble(&st, &r, NO_LIMIT);
    expect_side(&st, C, PRESENT, PRESENT, 0, false);
    check_invariants(&st, true);
    ck_assert_uint_eq(st.nchunks, 2 * PRESENT);
    for (size_t i = 0; i < st.nchunks; i++)
        ck_assert(st.chunks[i].gap == !(i & 1) && st.chunks[i].len == 1 &&
                  st.chunks[i].packet == i / 2 + 4);
    stream_free(&st);
    world_free(w);
}
END_TEST

static uint64_t rng_state;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Thousands of tiny segments (1-3 bytes) of both sides, shuffled, some
 * sent twice, some never: all of [0, highest end seen) is delivered or a
 * gap, the kept bytes are right, memory follows the data. */
START_TEST(test_hostile_shuffled)
{
    enum { NSEG = 12000 };
    static uint32_t off[NSEG], len[NSEG];
    static uint8_t side[NSEG];
    static uint32_t order[2 * NSEG];
    for (int seed = 1; seed <= 3; seed++) {
        struct world *w = world_new();
        struct rig r;
        rig_init(&r, w, 1, (uint16_t)(40030 + seed), 80, 0xffff0000u + (uint32_t)seed,
                 0x12345678u);
        handshake(&r);
        rng_state = 0x9e3779b97f4a7c15ull * (uint64_t)seed;
        uint32_t next[2] = {0, 0};
        for (uint32_t i = 0; i < NSEG; i++) {
            side[i] = rng() % 5 == 0 ? S : C;
            len[i] = 1 + rng() % 3;
            off[i] = next[side[i]];
            next[side[i]] += len[i];
        }
        size_t n = 0;
        for (uint32_t i = 0; i < NSEG; i++) {
            uint32_t x = rng() % 100;
            if (x < 3)
                continue; /* never sent */
            order[n++] = i;
            if (x < 10)
                order[n++] = i; /* sent twice */
        }
        /* shuffle locally (windows of 64) and, with seed 3, globally */
        for (size_t i = n; i > 1; i--) {
            size_t span = seed == 3 ? i : (i < 64 ? i : 64);
            size_t j = i - 1 - rng() % span;
            uint32_t t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        uint64_t hi[2] = {0, 0};
        for (size_t k = 0; k < n; k++) {
            uint32_t i = order[k];
            data(&r, side[i], off[i], len[i]);
            if ((uint64_t)off[i] + len[i] > hi[side[i]])
                hi[side[i]] = (uint64_t)off[i] + len[i];
        }

        struct tcp_stream st;
        reassemble(&st, &r, NO_LIMIT);
        check_invariants(&st, true);
        for (int s = 0; s < 2; s++) {
            ck_assert_msg(st.len[s] + st.gap_bytes[s] == hi[s],
                          "seed %d side %d: %zu kept + %llu gap != %llu seen",
                          seed, s, st.len[s],
                          (unsigned long long)st.gap_bytes[s],
                          (unsigned long long)hi[s]);
            ck_assert(!st.limited[s]);
        }
        stream_free(&st);

        /* the same under a small limit */
        reassemble(&st, &r, 1000);
        check_invariants(&st, true);
        ck_assert_uint_eq(st.len[C], 1000);
        ck_assert(st.limited[C]);
        stream_free(&st);
        world_free(w);
    }
}
END_TEST

/* Segments at random 32-bit sequence numbers (no relation to the stream,
 * some 2^31 apart, some large and cut by the snaplen): no crash, and the
 * result is still self-consistent. */
START_TEST(test_hostile_random_seq)
{
    struct world *w = world_new();
    struct rig r;
    rig_init(&r, w, 1, 40040, 80, 1000, 5000);
    handshake(&r);
    rng_state = 0xdeadbeefcafef00dull;
    uint8_t buf[1400];
    memset(buf, 0x5a, sizeof buf);
    for (int i = 0; i < 9000; i++) {
        uint32_t seq = rng() | (rng() & 1u) << 31;
        if (i % 7 == 0)
            seq = r.base[C] + 0x80000000u + (uint32_t)(i % 3) - 1;
        uint32_t plen = 1 + rng() % 1400;
        uint32_t snap = i % 3 ? 0 : 54 + rng() % 16;
        send_frame(&r, i % 4 ? C : S, F_PA, seq, 0, buf, plen, snap, false);
    }
    struct tcp_stream st;
    reassemble(&st, &r, 1u << 20);
    check_invariants(&st, false);
    for (int s = 0; s < 2; s++)
        ck_assert_uint_le(st.len[s], 1u << 20);
    stream_free(&st);
    world_free(w);
}
END_TEST

static Suite *stream_suite(void)
{
    Suite *s = suite_create("stream");
    TCase *tc = tcase_create("reassembly");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_in_order);
    tcase_add_test(tc, test_syn_with_data);
    tcase_add_test(tc, test_retransmission);
    tcase_add_test(tc, test_partial_overlap);
    tcase_add_test(tc, test_out_of_order);
    tcase_add_test(tc, test_out_of_order_overlapping);
    tcase_add_test(tc, test_missing_segment);
    tcase_add_test(tc, test_two_holes_one_filled);
    tcase_add_test(tc, test_snaplen);
    tcase_add_test(tc, test_mid_stream);
    tcase_add_test(tc, test_mid_stream_gap);
    tcase_add_test(tc, test_max_bytes);
    tcase_add_test(tc, test_seq_wrap);
    tcase_add_test(tc, test_other_connection_ignored);
    suite_add_tcase(s, tc);
    TCase *th = tcase_create("hostile");
    tcase_set_timeout(th, 600);
    tcase_add_test(th, test_hostile_hole_then_in_order);
    tcase_add_test(th, test_hostile_reversed);
    tcase_add_test(th, test_hostile_sparse);
    tcase_add_test(th, test_hostile_shuffled);
    tcase_add_test(th, test_hostile_random_seq);
    suite_add_tcase(s, th);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stream_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
