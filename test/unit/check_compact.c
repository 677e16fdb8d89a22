/*
 * Memory sized to what it holds (issue #6, the UI's peak RSS):
 *  - the TCP analysis state kept packed between segments
 *    (tcp_seq_pack/unpack, conn.c): every result equals that of a state
 *    never packed, and the packed size follows the unacknowledged ranges;
 *    a FIN-closed connection's event log fits in its record;
 *  - the transaction text pool (app_track.c): texts cut as before, kept
 *    intact while their transaction is, freed with the evicted ones;
 *  - the UI's per-flow rate history (query.c): one second inline, a block
 *    of 40 from the second second, returned and reused zeroed, and a flow
 *    record reused by another flow starts over.
 *
 * Expected values are independent of the code under test: a plain
 * tcp_seq_state fed the same segments (the reference analysis), counts
 * of holes the test makes (one range each, at most TCP_TA_MAX_RANGES),
 * the strings the test generates, cut to the documented sizes, a bound on
 * the heap in use computed from the ring size, and rates from packet
 * sizes and times (arithmetic in the comments).
 */
#include <check.h>
#include <malloc.h>
#ifdef __SANITIZE_ADDRESS__
/* the sanitizer runtime's (sanitizer/allocator_interface.h, which gcc
 * does not install) */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktbuild.h"
#include "wirescope/app.h"
#include "wirescope/conn.h"
#include "wirescope/flow.h"
#include "wirescope/query.h"
#include "wirescope/tcp_analysis.h"
#include "world.h"

#define A TCP_ACK
#define PA (TCP_PSH | TCP_ACK)
#define SYN TCP_SYN
#define SA (TCP_SYN | TCP_ACK)
#define FA (TCP_FIN | TCP_ACK)
#define C2S 0
#define S2C 1
#define CISN 1000u
#define SISN 5000u
#define T0_SEC 1700000000ull
#define SEC_NS 1000000000ull

/* ---------- segments ---------- */

struct segment {
    int dir;
    uint16_t flags;
    uint32_t seq, ack, len;
    uint16_t win;
    uint8_t nsack;
    uint32_t sack_l[3], sack_r[3];
};

/* A whole Ethernet + IPv4 + TCP header frame between 10.0.0.1:40000 (the
 * client) and 10.0.0.2:5555 (nothing is read from bytes). */
static void build(struct ws_packet *p, const struct segment *s)
{
    static const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    memset(p, 0, sizeof *p);
    p->ip_ver = 4;
    p->ip_proto = 6;
    p->top = P_TCP;
    addr_from_v4(&p->src, s->dir == C2S ? a : b);
    addr_from_v4(&p->dst, s->dir == C2S ? b : a);
    p->sport = s->dir == C2S ? 40000 : 5555;
    p->dport = s->dir == C2S ? 5555 : 40000;
    p->l4_off = 34;
    p->payload_off = 54;
    p->payload_len = s->len;
    p->len = p->caplen = 54 + s->len;
    p->u.tcp.hdr_len = 20;
    p->u.tcp.seq = s->seq;
    p->u.tcp.ack = s->ack;
    p->u.tcp.flags = s->flags;
    p->u.tcp.win = s->win;
    p->u.tcp.nsack = s->nsack;
    for (unsigned i = 0; i < s->nsack; i++) {
        p->u.tcp.sack_left[i] = s->sack_l[i];
        p->u.tcp.sack_right[i] = s->sack_r[i];
    }
}

static void assert_same_result(const struct tcp_seg_result *want,
                               const struct tcp_seg_result *got, unsigned i)
{
    ck_assert_msg(want->flags == got->flags, "segment %u: marks %#x, expected %#x", i,
                  got->flags, want->flags);
    ck_assert_msg(want->rel_seq == got->rel_seq && want->rel_ack == got->rel_ack &&
                      want->next_rel_seq == got->next_rel_seq,
                  "segment %u: relative numbers differ", i);
    ck_assert_msg(want->window == got->window && want->win_shift == got->win_shift,
                  "segment %u: window differs", i);
    ck_assert_msg(want->has_bytes_in_flight == got->has_bytes_in_flight &&
                      want->bytes_in_flight == got->bytes_in_flight,
                  "segment %u: bytes in flight %u, expected %u", i,
                  got->bytes_in_flight, want->bytes_in_flight);
    ck_assert_msg(want->dup_ack_num == got->dup_ack_num &&
                      want->dup_ack_frame == got->dup_ack_frame,
                  "segment %u: duplicate ACK numbers differ", i);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/*
 * A lossy exchange: the client sends segments of 1..1460 bytes, now and
 * then skipping ahead (a hole) or resending an older one; the server ACKs
 * the contiguous part with SACK blocks for what lies beyond, sometimes
 * with a zero or changed window, sometimes twice (a duplicate ACK).
 */
static unsigned lossy_exchange(struct segment *out, unsigned max, uint64_t seed)
{
    unsigned n = 0;
    out[n++] = (struct segment){C2S, SYN, CISN, 0, 0, 64240, 0, {0}, {0}};
    out[n++] = (struct segment){S2C, SA, SISN, CISN + 1, 0, 65160, 0, {0}, {0}};
    out[n++] = (struct segment){C2S, A, CISN + 1, SISN + 1, 0, 502, 0, {0}, {0}};
    uint32_t next = CISN + 1, acked = CISN + 1;
    uint32_t sent_lo[64], sent_hi[64];
    unsigned nsent = 0;
    while (n + 6 < max) { /* room for this turn (3) and the close (3) */
        uint64_t r = rng_next(&seed);
        uint32_t len = 1 + (uint32_t)(r % 1460);
        if (r % 7 == 0)
            next += 1000; /* a hole: a segment the capture missed */
        uint32_t seq = next;
        if (r % 11 == 0 && nsent) /* a retransmission of an earlier one */
            seq = sent_lo[(r >> 8) % nsent];
        else
            next += len;
        if (nsent < 64) {
            sent_lo[nsent] = seq;
            sent_hi[nsent++] = seq + len;
        }
        out[n++] = (struct segment){C2S, PA, seq, SISN + 1, len, 502, 0, {0}, {0}};
        if (r % 3)
            continue;
        /* the server ACKs what is contiguous, SACKs up to 3 blocks beyond */
        struct segment ack = {S2C, A, SISN + 1, acked, 0, (uint16_t)(r % 5 ? 65160 : 0),
                              0, {0}, {0}};
        for (unsigned i = 0; i < nsent; i++)
            if (sent_lo[i] == acked || (sent_lo[i] < acked && sent_hi[i] > acked))
                acked = ack.ack = sent_hi[i];
        for (unsigned i = 0; i < nsent && ack.nsack < 3; i++)
            if (sent_lo[i] > acked) {
                ack.sack_l[ack.nsack] = sent_lo[i];
                ack.sack_r[ack.nsack++] = sent_hi[i];
            }
        out[n++] = ack;
        if (r % 13 == 0)
            out[n++] = ack; /* a duplicate ACK */
        if (nsent == 64)
            nsent = 0;
    }
    out[n++] = (struct segment){C2S, FA, next, SISN + 1, 0, 502, 0, {0}, {0}};
    out[n++] = (struct segment){S2C, FA, SISN + 1, next + 1, 0, 65160, 0, {0}, {0}};
    out[n++] = (struct segment){C2S, A, next + 1, SISN + 2, 0, 502, 0, {0}, {0}};
    return n;
}

/* ---------- the packed analysis state ---------- */

/* The same segments into a state never packed and into one unpacked from
 * and packed back to a buffer around every segment (unpacked over
 * garbage, so nothing may depend on the range slots not in use). */
START_TEST(test_packed_state_analyses_like_the_plain_one)
{
    enum { MAX = 4000 };
    struct segment *segs = calloc(MAX, sizeof *segs);
    struct tcp_seq_state *ref = malloc(sizeof *ref), *work = malloc(sizeof *work);
    unsigned char *packed = malloc(sizeof *ref);
    ck_assert(segs && ref && work && packed);
    unsigned n = lossy_exchange(segs, MAX, (uint64_t)_i * 7919 + 1);
    tcp_seq_init(ref);
    tcp_seq_init(work);
    tcp_seq_pack(work, packed);
    struct tcp_seq_state fresh;
    tcp_seq_init(&fresh);
    size_t fixed = tcp_seq_packed_size(&fresh), most = 0;
    unsigned marked = 0;
    struct ws_packet pkt;
    for (unsigned i = 0; i < n; i++) {
        build(&pkt, &segs[i]);
        uint64_t ts = (T0_SEC + i / 1000) * SEC_NS + (uint64_t)i * 100000u;
        struct tcp_seg_result want, got;
        tcp_seq_segment(ref, segs[i].dir, &pkt, i + 1, ts, &want);
        memset(work, 0xa5, sizeof *work);
        tcp_seq_unpack(work, packed);
        tcp_seq_segment(work, segs[i].dir, &pkt, i + 1, ts, &got);
        assert_same_result(&want, &got, i);
        size_t size = tcp_seq_packed_size(work);
        ck_assert_uint_eq(size, tcp_seq_packed_size(ref));
        ck_assert_uint_le(size, sizeof *ref);
        tcp_seq_pack(work, packed);
        most = size > most ? size : most;
        marked += want.flags != 0;
    }
    /* the run exercised what it is about: several ranges, and marks */
    ck_assert_uint_ge(most, fixed + 3 * sizeof(struct tcp_ta_range));
    ck_assert_uint_gt(marked, 10);
    free(segs);
    free(ref);
    free(work);
    free(packed);
}
END_TEST

/* Each unacknowledged block separated by a hole is one range, at most
 * TCP_TA_MAX_RANGES of them (the closest are merged beyond): the packed
 * size is the fresh state's plus one range per block. */
START_TEST(test_packed_size_follows_the_unacknowledged_blocks)
{
    struct tcp_seq_state s, fresh;
    tcp_seq_init(&s);
    tcp_seq_init(&fresh);
    const size_t fixed = tcp_seq_packed_size(&fresh), range = sizeof(struct tcp_ta_range);
    struct segment hs[3] = {
        {C2S, SYN, CISN, 0, 0, 64240, 0, {0}, {0}},
        {S2C, SA, SISN, CISN + 1, 0, 65160, 0, {0}, {0}},
        {C2S, A, CISN + 1, SISN + 1, 0, 502, 0, {0}, {0}},
    };
    struct ws_packet pkt;
    struct tcp_seg_result r;
    uint64_t frame = 0, ts = T0_SEC * SEC_NS;
    for (int i = 0; i < 3; i++) {
        build(&pkt, &hs[i]);
        tcp_seq_segment(&s, hs[i].dir, &pkt, ++frame, ts += 1000, &r);
    }
    ck_assert_uint_eq(tcp_seq_packed_size(&s), fixed); /* all acknowledged */
    uint32_t seq = CISN + 1;
    for (unsigned k = 1; k <= TCP_TA_MAX_RANGES + 8; k++) {
        struct segment d = {C2S, PA, seq, SISN + 1, 10, 502, 0, {0}, {0}};
        build(&pkt, &d);
        tcp_seq_segment(&s, C2S, &pkt, ++frame, ts += 1000, &r);
        seq += 20; /* 10 bytes sent, 10 missing before the next */
        unsigned blocks = k < TCP_TA_MAX_RANGES ? k : TCP_TA_MAX_RANGES;
        ck_assert_msg(tcp_seq_packed_size(&s) == fixed + blocks * range,
                      "%u blocks: packed %zu bytes, expected %zu", k,
                      tcp_seq_packed_size(&s), fixed + blocks * range);
    }
    struct segment ack = {S2C, A, SISN + 1, seq, 0, 65160, 0, {0}, {0}};
    build(&pkt, &ack);
    tcp_seq_segment(&s, S2C, &pkt, ++frame, ts += 1000, &r);
    ck_assert_uint_eq(tcp_seq_packed_size(&s), fixed); /* acknowledged again */
}
END_TEST

/* Through the connection table: every segment is analysed as the
 * reference state does, and the packed analysis, which here never holds
 * more than one range, stays in the record's own allocation: no heap
 * block, also after a late segment unpacked and packed it again. */
START_TEST(test_closed_connection_keeps_what_it_needs)
{
    struct conn_table *t = conn_table_new(16);
    struct conn *cur = NULL;
    struct tcp_seq_state ref, fresh;
    tcp_seq_init(&ref);
    tcp_seq_init(&fresh);
    const struct segment segs[] = {
        {C2S, SYN, CISN, 0, 0, 64240, 0, {0}, {0}},
        {S2C, SA, SISN, CISN + 1, 0, 65160, 0, {0}, {0}},
        {C2S, A, CISN + 1, SISN + 1, 0, 502, 0, {0}, {0}},
        {C2S, PA, CISN + 1, SISN + 1, 100, 502, 0, {0}, {0}},
        {S2C, A, SISN + 1, CISN + 101, 0, 65160, 0, {0}, {0}},
        {C2S, FA, CISN + 101, SISN + 1, 0, 502, 0, {0}, {0}},
        {S2C, A, SISN + 1, CISN + 102, 0, 65160, 0, {0}, {0}},
        {S2C, FA, SISN + 1, CISN + 102, 0, 65160, 0, {0}, {0}},
        {C2S, A, CISN + 102, SISN + 2, 0, 502, 0, {0}, {0}},
        /* late: the server's FIN again (its ACK was lost), then its ACK */
        {S2C, FA, SISN + 1, CISN + 102, 0, 65160, 0, {0}, {0}},
        {C2S, A, CISN + 102, SISN + 2, 0, 502, 0, {0}, {0}},
    };
    const unsigned n = sizeof segs / sizeof *segs, closing = 9;
    struct ws_packet pkt;
    for (unsigned i = 0; i < n; i++) {
        build(&pkt, &segs[i]);
        uint64_t ts = T0_SEC * SEC_NS + (uint64_t)i * 1000000u;
        struct tcp_seg_result want;
        struct conn_seg out;
        tcp_seq_segment(&ref, segs[i].dir, &pkt, i + 1, ts, &want);
        conn_table_segment(t, &cur, &pkt, i + 1, ts, pkt.len, &out);
        ck_assert_ptr_nonnull(cur);
        ck_assert_int_eq(out.side, segs[i].dir);
        assert_same_result(&want, &out.ta, i);
        ck_assert_ptr_eq(cur->seq_packed, (void *)(cur + 1));
        ck_assert_uint_eq(cur->seq_room, CONN_SEQ_INLINE);
        ck_assert_uint_le(tcp_seq_packed_size(&ref), CONN_SEQ_INLINE);
        if (i + 1 >= closing)
            ck_assert_msg(cur->closed, "segment %u: not closed", i);
        if (i + 1 == closing || i + 1 == n) /* nothing unacknowledged */
            ck_assert_uint_eq(tcp_seq_packed_size(&ref), tcp_seq_packed_size(&fresh));
        if (i + 2 == n) { /* the late FIN: a retransmission, unacknowledged */
            ck_assert(want.flags & (1u << TA_RETRANSMISSION));
            ck_assert_uint_eq(tcp_seq_packed_size(&ref),
                              tcp_seq_packed_size(&fresh) + sizeof(struct tcp_ta_range));
        }
    }
    ck_assert_uint_eq(cur->analysis[TA_RETRANSMISSION], 1);
    /* RFC 9293 states: the client SYN_SENT, ESTABLISHED, FIN_WAIT_1,
     * FIN_WAIT_2, TIME_WAIT; the server LISTEN, SYN_RECEIVED, ESTABLISHED,
     * CLOSE_WAIT, LAST_ACK, CLOSED: 11 changes, kept in the record */
    ck_assert_int_eq(cur->log_len, 11);
    ck_assert_ptr_eq(cur->log, cur->first_log);
    ck_assert_uint_eq(conn_table_count(t), 1);
    conn_table_free(t);
}
END_TEST

/* Through the connection table: an analysis that outgrows the room after
 * the record (three unacknowledged ranges) moves to a heap block with a
 * quarter to spare while the connection is open, shrinks to exactly what
 * it holds once closed, and comes back after the record (the block freed)
 * once the ranges are acknowledged. Each step is checked against a
 * reference state fed the same segments. */
START_TEST(test_analysis_outgrows_the_record_and_comes_back)
{
    struct conn_table *t = conn_table_new(16);
    struct conn *cur = NULL;
    struct tcp_seq_state ref;
    tcp_seq_init(&ref);
    struct ws_packet pkt;
    struct tcp_seg_result want;
    struct conn_seg out;
    uint64_t frame = 0, ts = T0_SEC * SEC_NS;
#define FEED(seg)                                                              \
    do {                                                                       \
        struct segment s_ = seg;                                               \
        build(&pkt, &s_);                                                      \
        ts += 1000;                                                            \
        tcp_seq_segment(&ref, s_.dir, &pkt, ++frame, ts, &want);               \
        conn_table_segment(t, &cur, &pkt, frame, ts, pkt.len, &out);           \
        assert_same_result(&want, &out.ta, (unsigned)frame);                   \
    } while (0)
    FEED(((struct segment){C2S, SYN, CISN, 0, 0, 64240, 0, {0}, {0}}));
    FEED(((struct segment){S2C, SA, SISN, CISN + 1, 0, 65160, 0, {0}, {0}}));
    FEED(((struct segment){C2S, A, CISN + 1, SISN + 1, 0, 502, 0, {0}, {0}}));
    ck_assert_ptr_eq(cur->seq_packed, (void *)(cur + 1));
    uint32_t seq = CISN + 1;
    for (int k = 0; k < 3; k++) { /* 10 bytes sent, 10 missing before each */
        FEED(((struct segment){C2S, PA, seq, SISN + 1, 10, 502, 0, {0}, {0}}));
        seq += 20;
    }
    /* two ranges (209 + 2 x 24 bytes) no longer fit: the block was sized
     * then, a quarter over, and the third range fitted in it */
    struct tcp_seq_state fresh;
    tcp_seq_init(&fresh);
    size_t range = sizeof(struct tcp_ta_range), two = tcp_seq_packed_size(&fresh) + 2 * range;
    ck_assert_uint_gt(two, CONN_SEQ_INLINE);
    ck_assert_uint_eq(tcp_seq_packed_size(&ref), two + range);
    ck_assert_ptr_ne(cur->seq_packed, (void *)(cur + 1));
    ck_assert_uint_eq(cur->seq_room, two + two / 4);
    /* the client resets: closed with its ranges, which then take no more */
    FEED(((struct segment){C2S, TCP_RST, seq, 0, 0, 0, 0, {0}, {0}}));
    ck_assert(cur->closed);
    ck_assert_ptr_ne(cur->seq_packed, (void *)(cur + 1));
    ck_assert_uint_eq(cur->seq_room, tcp_seq_packed_size(&ref));
    /* the server's ACK of everything still arrives: back after the record */
    FEED(((struct segment){S2C, A, SISN + 1, seq, 0, 65160, 0, {0}, {0}}));
    ck_assert_uint_le(tcp_seq_packed_size(&ref), CONN_SEQ_INLINE);
    ck_assert_ptr_eq(cur->seq_packed, (void *)(cur + 1));
    ck_assert_uint_eq(cur->seq_room, CONN_SEQ_INLINE);
#undef FEED
    conn_table_free(t);
}
END_TEST

/* ---------- the transaction text pool ---------- */

/* Bytes the program has allocated now: from the sanitizer's allocator in
 * an ASan build (glibc's statistics do not see it), else from glibc. */
static size_t heap_in_use(void)
{
#ifdef __SANITIZE_ADDRESS__
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#endif
}

static void what_of(char *buf, size_t size, unsigned i)
{
    /* 100 characters, the id first: cut to TXN_WHAT - 1 when kept */
    int n = snprintf(buf, size, "GET /%07u/", i);
    memset(buf + n, 'a' + (char)(i % 26), size - 1 - (size_t)n);
    buf[size - 1] = '\0';
}

struct kept {
    unsigned n;
    uint64_t first;
    bool ok;
    char why[160];
};

static void check_kept(const struct txn *x, void *arg)
{
    struct kept *k = arg;
    unsigned i = (unsigned)x->id;
    char what[101], label[16], result[80];
    what_of(what, sizeof what, i);
    what[TXN_WHAT - 1] = '\0';
    snprintf(result, sizeof result, "200 OK for request %u of this test run, with a long reason phrase", i);
    result[TXN_RESULT - 1] = '\0';
    if (k->n++ == 0)
        k->first = x->id;
    unsigned want_msgs = i % 10 == 0 ? 4 : 2;
    if (!k->ok)
        return;
    if (strcmp(x->what, what) != 0 || strcmp(x->result, result) != 0 || !x->done) {
        snprintf(k->why, sizeof k->why, "txn %u: what/result/done differ", i);
        k->ok = false;
    } else if (x->nmsgs != want_msgs) {
        snprintf(k->why, sizeof k->why, "txn %u: %u messages, expected %u", i, x->nmsgs,
                 want_msgs);
        k->ok = false;
    }
    for (unsigned m = 0; k->ok && m < x->nmsgs; m++) {
        snprintf(label, sizeof label, "msg %u.%u", i % 1000, m);
        if (strcmp(x->msgs[m].label, label) != 0 || x->msgs[m].packet != 2ull * i + m + 1) {
            snprintf(k->why, sizeof k->why, "txn %u message %u: \"%s\" packet %llu", i, m,
                     x->msgs[m].label, (unsigned long long)x->msgs[m].packet);
            k->ok = false;
        }
    }
}

/*
 * 200,000 transactions through a ring of 1,000: the last 1,000 are kept
 * with their texts intact, and the heap holds about their worth, not the
 * 200,000's: at most the ring's records (sizeof(struct txn) each, in
 * chunks of 1,024) plus twice the kept texts plus four 64 KiB pool chunks
 * (the granularity of freeing), where nothing freed would be over 25 MB.
 */
START_TEST(test_txn_pool_keeps_the_kept_and_frees_the_evicted)
{
    enum { RING = 1000, TOTAL = 200000 };
    struct app_tracker *t = app_tracker_new(RING);
    size_t before = heap_in_use(); /* the tracker's fixed tables excluded */
    struct flow f;
    memset(&f, 0, sizeof f);
    struct app_ctx ctx = {.t = t, .flow = &f};
    char what[101], label[16], result[80];
    for (unsigned i = 0; i < TOTAL; i++) {
        f.id = i / 3;
        what_of(what, sizeof what, i);
        snprintf(label, sizeof label, "msg %u.0", i % 1000);
        ctx.number = 2ull * i + 1;
        struct txn *x = txn_open(&ctx, P_HTTP, f.id, i, what, label);
        unsigned extra = i % 10 == 0 ? 3 : 1;
        for (unsigned m = 1; m <= extra; m++) {
            snprintf(label, sizeof label, "msg %u.%u", i % 1000, m);
            ctx.number = 2ull * i + m + 1;
            txn_add(&ctx, x, label);
        }
        snprintf(result, sizeof result, "200 OK for request %u of this test run, with a long reason phrase", i);
        txn_done(&ctx, x, result);
    }
    size_t used = heap_in_use() - before;
    size_t texts = (size_t)RING * (TXN_WHAT + TXN_RESULT + 4 * 16 +
                                   TXN_MSGS * sizeof(struct txn_msg) / 10);
    size_t bound = 1024 * sizeof(struct txn) + 2 * texts + 4 * (64u << 10) + (1u << 19);
    ck_assert_msg(used <= bound, "heap grew %zu bytes for %d kept transactions (bound %zu)",
                  used, RING, bound);
    ck_assert_uint_eq(app_tracker_txn_count(t), TOTAL);
    ck_assert_uint_eq(app_tracker_txn_evicted(t), TOTAL - RING);
    struct kept k = {.ok = true};
    app_tracker_foreach_txn(t, check_kept, &k);
    ck_assert_msg(k.ok, "%s", k.why);
    ck_assert_uint_eq(k.n, RING);
    ck_assert_uint_eq(k.first, TOTAL - RING);
    app_tracker_free(t);
}
END_TEST

/* ---------- a capture run through the decoder ---------- */

/* A world of max_flows flows, with the UI's mailbox (whose rate history
 * the rate tests read) or, for the protocol state tests, with the
 * application trackers apps. */
static struct world *compact_world(uint32_t max_flows, bool query, struct app_tracker *apps)
{
    const struct world_opts o = {.store_bytes = (size_t)16 << 20, .max_flows = max_flows,
                                 .max_conns = 1000, .query = query, .apps = apps};
    return world_new(&o, DLT_EN10MB);
}

/* ---------- per-flow protocol state of closed connections ---------- */

static const struct pb_ends web_c2s = {0x0a000001, 0x0a000002, 40000, 80};
static const struct pb_ends web_s2c = {0x0a000002, 0x0a000001, 80, 40000};

/* One TCP segment of the HTTP connection above, `ms` after T0_SEC. */
static void web_seg(struct world *w, int dir, uint8_t flags, uint32_t seq, uint32_t ack,
                    const char *text, uint64_t ms)
{
    static uint8_t frame[2048];
    size_t n = pb_tcp4(frame, dir == C2S ? &web_c2s : &web_s2c, seq, ack, flags,
                       text ? text : "", text ? strlen(text) : 0);
    world_feed(w, T0_SEC * SEC_NS + ms * 1000000u, frame, (uint32_t)n, (uint32_t)n);
}

struct txn_seen {
    unsigned n;
    bool done;
    char result[32];
};

static void note_txn(const struct txn *x, void *arg)
{
    struct txn_seen *s = arg;
    s->n++;
    s->done = x->done;
    snprintf(s->result, sizeof s->result, "%s", x->result ? x->result : "");
}

/* Handshake, then a request whose header block comes in two segments (so
 * HTTP gathers it in its per-flow buffer) and its answer. */
static void web_exchange(struct world *w, uint32_t *c_seq, uint32_t *s_seq)
{
    static const char req1[] = "GET /a HTTP/1.1\r\nHost: example.test\r\n";
    static const char req2[] = "Accept: */*\r\n\r\n";
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    web_seg(w, C2S, SYN, CISN, 0, NULL, 0);
    web_seg(w, S2C, SA, SISN, CISN + 1, NULL, 1);
    web_seg(w, C2S, A, CISN + 1, SISN + 1, NULL, 2);
    *c_seq = CISN + 1;
    *s_seq = SISN + 1;
    web_seg(w, C2S, PA, *c_seq, *s_seq, req1, 3);
    *c_seq += sizeof req1 - 1;
    web_seg(w, C2S, PA, *c_seq, *s_seq, req2, 4);
    *c_seq += sizeof req2 - 1;
    web_seg(w, S2C, PA, *s_seq, *c_seq, resp, 5);
    *s_seq += sizeof resp - 1;
}

/*
 * The state HTTP keeps for a flow (its header buffers: APP_STATE_MAX
 * bytes once a block came in two segments) is held while the connection
 * is open and given back when it closes: by the last ACK of a four-way
 * close. Not by a RST, after which the peer's data still in flight may be
 * captured. The transaction is complete either way.
 */
START_TEST(test_closed_connection_gives_back_its_protocol_state)
{
    bool by_rst = _i == 1;
    struct app_tracker *apps = app_tracker_new(16);
    struct world *w = compact_world(64, false, apps);
    uint32_t c, s;
    web_exchange(w, &c, &s);
    ck_assert_uint_eq(app_tracker_state_bytes(apps), APP_STATE_MAX);
    if (by_rst) {
        web_seg(w, S2C, TCP_RST | TCP_ACK, s, c, NULL, 6);
    } else {
        web_seg(w, C2S, FA, c, s, NULL, 6);
        web_seg(w, S2C, A, s, c + 1, NULL, 7);
        web_seg(w, S2C, FA, s, c + 1, NULL, 8);
        /* half closed: the state is still held */
        ck_assert_uint_eq(app_tracker_state_bytes(apps), APP_STATE_MAX);
        web_seg(w, C2S, A, c + 1, s + 1, NULL, 9);
    }
    ck_assert_uint_eq(app_tracker_state_bytes(apps), by_rst ? APP_STATE_MAX : 0);
    struct txn_seen seen = {0};
    app_tracker_foreach_txn(apps, note_txn, &seen);
    ck_assert_uint_eq(seen.n, 1);
    ck_assert(seen.done);
    ck_assert_str_eq(seen.result, "200 OK");
    /* the 5-tuple again: a new connection starts on a fresh block */
    web_exchange(w, &c, &s);
    ck_assert_uint_eq(app_tracker_state_bytes(apps), APP_STATE_MAX);
    seen = (struct txn_seen){0};
    app_tracker_foreach_txn(apps, note_txn, &seen);
    ck_assert_uint_eq(seen.n, 2);
    ck_assert_str_eq(seen.result, "200 OK");
    world_free(w);
    app_tracker_free(apps);
}
END_TEST

/* ---------- the rate history ---------- */

/* A UDP packet from 10.0.0.<host>:1000 to 10.0.0.2:2000 of wire length
 * len at ms milliseconds after T0_SEC. */
static const struct flow *udp(struct world *w, uint8_t host, uint64_t ms, uint32_t len)
{
    uint8_t frame[128];
    struct pb_ends e = {0x0a000000u | host, 0x0a000002, 1000, 2000};
    size_t n = pb_udp4(frame, &e, "x", 1);
    world_feed(w, T0_SEC * SEC_NS + ms * 1000000u, frame, (uint32_t)n, len);
    const struct flow *f = world_flow_of(w, frame, n, len);
    ck_assert_ptr_nonnull(f);
    return f;
}

static double rate(struct world *w, const struct flow *f, uint64_t id, int secs,
                   uint64_t now_ms)
{
    return query_flow_rate(w->q, f, id, secs, T0_SEC * SEC_NS + now_ms * 1000000u);
}

/*
 * Two flows fit the table. A (1000 B) and B (2000 B) at 0 s; B 500 B and
 * C 3000 B at 1 s, so C evicts A (least recently seen) and takes its
 * record; B's second second gives it a block. At 45 s B's history has
 * gone by (its block returns to the pool); at 46 s B needs a block again
 * and gets the returned one, which must come zeroed: B's 40 s window then
 * covers seconds 7..46, where the old block held 2000 B and 500 B at the
 * slots of seconds 40 and 41.
 */
START_TEST(test_flow_rates_inline_block_reuse)
{
    struct world *w = compact_world(2, true, NULL);
    const struct flow *a = udp(w, 1, 0, 1000);
    uint64_t a_id = a->id;
    const struct flow *b = udp(w, 3, 0, 2000);
    /* at 0.5 s: 1000 B * 8 / 2 s = 4000 bit/s; B 2000 B -> 8000 */
    ck_assert_double_eq_tol(rate(w, a, a_id, 2, 500), 4000, 1e-9);
    ck_assert_double_eq_tol(rate(w, b, b->id, 2, 500), 8000, 1e-9);
    udp(w, 3, 1000, 500);
    const struct flow *c = udp(w, 4, 1000, 3000);
    ck_assert_ptr_eq(c, a); /* C took A's record */
    ck_assert_ptr_null(flow_table_check(w->flows));
    /* at 1.5 s, 2 s window: C 3000 B -> 12000 bit/s, nothing of A's;
     * B (2000 + 500) B -> 10000; 10 s window: B 2500 B -> 2000 */
    ck_assert_double_eq_tol(rate(w, c, c->id, 2, 1500), 12000, 1e-9);
    ck_assert_double_eq_tol(rate(w, c, a_id, 2, 1500), 0, 1e-9);
    ck_assert_double_eq_tol(rate(w, b, b->id, 2, 1500), 10000, 1e-9);
    ck_assert_double_eq_tol(rate(w, b, b->id, 10, 1500), 2000, 1e-9);
    /* at 45.5 s: B 700 B alone -> 2 s: 2800, 40 s: 140 */
    udp(w, 3, 45000, 700);
    ck_assert_double_eq_tol(rate(w, b, b->id, 2, 45500), 2800, 1e-9);
    ck_assert_double_eq_tol(rate(w, b, b->id, 40, 45500), 140, 1e-9);
    /* at 46.5 s: B (700 + 900) B over 40 s -> 320; over 2 s -> 6400 */
    udp(w, 3, 46000, 900);
    ck_assert_double_eq_tol(rate(w, b, b->id, 40, 46500), 320, 1e-9);
    ck_assert_double_eq_tol(rate(w, b, b->id, 2, 46500), 6400, 1e-9);
    /* C's single second (1 s) left every window 40 s later */
    ck_assert_double_eq_tol(rate(w, c, c->id, 40, 46500), 0, 1e-9);
    ck_assert_double_eq_tol(rate(w, c, c->id, 40, 40500), 3000 * 8 / 40.0, 1e-9);
    world_free(w);
}
END_TEST

static Suite *compact_suite(void)
{
    Suite *s = suite_create("compact");
    TCase *tc = tcase_create("tcp analysis");
    tcase_add_loop_test(tc, test_packed_state_analyses_like_the_plain_one, 0, 8);
    tcase_add_test(tc, test_packed_size_follows_the_unacknowledged_blocks);
    tcase_add_test(tc, test_closed_connection_keeps_what_it_needs);
    tcase_add_test(tc, test_analysis_outgrows_the_record_and_comes_back);
    suite_add_tcase(s, tc);
    tc = tcase_create("transactions");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_txn_pool_keeps_the_kept_and_frees_the_evicted);
    suite_add_tcase(s, tc);
    tc = tcase_create("protocol state");
    tcase_add_loop_test(tc, test_closed_connection_gives_back_its_protocol_state, 0, 2);
    suite_add_tcase(s, tc);
    tc = tcase_create("rates");
    tcase_add_test(tc, test_flow_rates_inline_block_reuse);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(compact_suite());
    srunner_run_all(sr, CK_NORMAL);
    int run = srunner_ntests_run(sr), failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    printf("%d passed, %d failed\n", run - failed, failed);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
