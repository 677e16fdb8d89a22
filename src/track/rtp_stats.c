/* Per-SSRC RTP stream statistics: sequence accounting as RFC 3550 A.1 and
 * A.3 (extended highest sequence, expected, lost), interarrival jitter as
 * A.8 (J += (|D| - J) / 16, in timestamp units). Decoder thread only: the
 * track hook writes, readers run after the decoder finished. */
#include <stdlib.h>
#include <string.h>

#include "wirescope/flow.h"
#include "wirescope/rtp_stats.h"
#include "wirescope/textbuf.h"
#include "wirescope/xalloc.h"

#define MAX_DROPOUT 3000 /* A.1's tolerances */
#define MAX_MISORDER 100

static const uint32_t candidate_rates[RTP_CANDIDATE_RATES] = {
    8000, 16000, 32000, 44100, 48000, 90000,
};

/* Static payload types' clock rates (RFC 3551 tables 4 and 5). */
uint32_t rtp_clock_rate(uint8_t pt)
{
    static const uint32_t rate[35] = {
        [0] = 8000,   [1] = 8000,   [2] = 8000,   [3] = 8000,  [4] = 8000,
        [5] = 8000,   [6] = 16000,  [7] = 8000,   [8] = 8000,  [9] = 8000,
        [10] = 44100, [11] = 44100, [12] = 8000,  [13] = 8000, [14] = 90000,
        [15] = 8000,  [16] = 11025, [17] = 22050, [18] = 8000, [25] = 90000,
        [26] = 90000, [28] = 90000, [31] = 90000, [32] = 90000, [33] = 90000,
        [34] = 90000,
    };
    return pt < 35 ? rate[pt] : 0;
}

/* The rates jitter is computed for: the static one, else every candidate. */
static void choose_rates(struct rtp_stream *s, uint8_t pt)
{
    uint32_t r = rtp_clock_rate(pt);
    if (r) {
        s->nrates = 1;
        s->rates[0] = r;
        return;
    }
    s->nrates = RTP_CANDIDATE_RATES;
    memcpy(s->rates, candidate_rates, sizeof candidate_rates);
}

void rtp_stream_init(struct rtp_stream *s, uint32_t ssrc, uint8_t pt,
                     uint16_t seq, uint32_t ts, uint64_t arrival_ns,
                     uint64_t packet)
{
    memset(s, 0, sizeof *s);
    s->ssrc = ssrc;
    s->pt = pt;
    s->clock_rate = rtp_clock_rate(pt);
    choose_rates(s, pt);
    s->base_seq = seq;
    s->max_seq = seq;
    s->bad_seq = RTP_SEQ_MOD + 1;
    s->packets = 1;
    s->first_ts = s->last_ts = ts;
    s->first_ns = s->last_ns = arrival_ns;
    s->first_packet = s->last_packet = packet;
}

/* A.1 update_seq: false when the packet is a big jump waiting for
 * confirmation (not counted). */
static bool update_seq(struct rtp_stream *s, uint16_t seq)
{
    uint16_t udelta = (uint16_t)(seq - s->max_seq);
    if (udelta < MAX_DROPOUT) {
        if (udelta == 0 && s->packets > 0) {
            s->duplicates++;
        } else {
            if (seq < s->max_seq)
                s->cycles += RTP_SEQ_MOD; /* wrapped */
            s->max_seq = seq;
        }
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        if (seq != s->bad_seq) {
            s->bad_seq = (seq + 1u) & (RTP_SEQ_MOD - 1);
            return false;
        }
        /* two sequential packets after a jump: the source restarted */
        s->base_seq = seq;
        s->max_seq = seq;
        s->cycles = 0;
        s->bad_seq = RTP_SEQ_MOD + 1;
        s->packets = 0;
        s->out_of_order = s->duplicates = 0;
    } else {
        s->out_of_order++; /* late or reordered */
    }
    return true;
}

/* A.8: D = (Rj - Ri) - (Sj - Si) in timestamp units, J += (|D| - J) / 16. */
static void update_jitter(struct rtp_stream *s, uint32_t ts, uint64_t arrival_ns)
{
    double dt = (double)(int64_t)(arrival_ns - s->last_ns) / 1e9;
    double dts = (double)(int32_t)(ts - s->last_ts);
    for (unsigned i = 0; i < s->nrates; i++) {
        double d = dt * s->rates[i] - dts;
        if (d < 0)
            d = -d;
        s->jitter[i] += (d - s->jitter[i]) / 16.0;
        if (s->jitter[i] > s->max_jitter[i])
            s->max_jitter[i] = s->jitter[i];
        s->jitter_sum[i] += s->jitter[i];
    }
    s->jitter_samples++;
}

void rtp_stream_update(struct rtp_stream *s, uint8_t pt, uint16_t seq,
                       uint32_t ts, uint64_t arrival_ns, uint64_t packet)
{
    if (!update_seq(s, seq))
        return;
    s->packets++;
    if (pt != s->pt && rtp_clock_rate(pt) != rtp_clock_rate(s->pt)) {
        /* another codec: its clock makes the previous transit meaningless */
        s->pt = pt;
        s->clock_rate = rtp_clock_rate(pt);
        choose_rates(s, pt);
        memset(s->jitter, 0, sizeof s->jitter);
    } else {
        update_jitter(s, ts, arrival_ns);
    }
    s->last_ts = ts;
    s->last_ns = arrival_ns;
    s->last_packet = packet;
}

uint32_t rtp_stream_ext_max(const struct rtp_stream *s)
{
    return s->cycles + s->max_seq;
}

uint64_t rtp_stream_expected(const struct rtp_stream *s)
{
    return (uint64_t)rtp_stream_ext_max(s) - s->base_seq + 1;
}

int64_t rtp_stream_lost(const struct rtp_stream *s)
{
    return (int64_t)rtp_stream_expected(s) - (int64_t)s->packets;
}

/* The timestamps' advance over the arrival span, snapped to a candidate
 * within 5 %; 0 when the span is under 200 ms or nothing is close. */
static uint32_t estimate_rate(const struct rtp_stream *s)
{
    double span = (double)(s->last_ns - s->first_ns) / 1e9;
    if (span < 0.2)
        return 0;
    double rate = (double)(uint32_t)(s->last_ts - s->first_ts) / span;
    for (unsigned i = 0; i < RTP_CANDIDATE_RATES; i++) {
        double c = candidate_rates[i];
        if (rate > c * 0.95 && rate < c * 1.05)
            return candidate_rates[i];
    }
    return 0;
}

uint32_t rtp_stream_clock_rate(const struct rtp_stream *s)
{
    return s->clock_rate ? s->clock_rate : estimate_rate(s);
}

static int rate_index(const struct rtp_stream *s)
{
    uint32_t r = rtp_stream_clock_rate(s);
    for (unsigned i = 0; r && i < s->nrates; i++)
        if (s->rates[i] == r)
            return (int)i;
    return -1;
}

double rtp_stream_jitter_ts(const struct rtp_stream *s)
{
    int i = rate_index(s);
    return i < 0 ? -1.0 : s->jitter[i];
}

double rtp_stream_jitter_ms(const struct rtp_stream *s)
{
    int i = rate_index(s);
    return i < 0 ? -1.0 : s->jitter[i] * 1000.0 / s->rates[i];
}

double rtp_stream_max_jitter_ms(const struct rtp_stream *s)
{
    int i = rate_index(s);
    return i < 0 ? -1.0 : s->max_jitter[i] * 1000.0 / s->rates[i];
}

double rtp_stream_mean_jitter_ms(const struct rtp_stream *s)
{
    int i = rate_index(s);
    if (i < 0)
        return -1.0;
    if (!s->jitter_samples)
        return 0.0;
    return s->jitter_sum[i] / (double)s->jitter_samples * 1000.0 / s->rates[i];
}

/* --- the streams of all flows --- */

/*
 * The streams are found by (flow id, SSRC, direction) in an index kept with
 * the table, not in per-flow state: the tracker may reclaim a flow's state
 * (app_flow_state) at any time, and a stream must keep its one row however
 * often that happens. Flow ids are never reused, so a stream's key stays
 * its own after its flow left the flow table.
 *
 * The index also keeps, per flow, how many streams it opened: the limit of
 * RTP_MAX_SSRC_PER_FLOW then holds for the whole capture. A count in the
 * per-flow state would start again from 0 after each reclaim, so a flow
 * that let its state go (idle, or crowded out by a flood of other flows)
 * could open RTP_MAX_SSRC_PER_FLOW more each time. A count entry exists only
 * for a flow that opened a stream, so there are at most as many of them as
 * streams: the index holds at most 2 x RTP_MAX_STREAMS entries and doubles
 * while they fill more than half of it, so it never passes
 * 4 x RTP_MAX_STREAMS slots (4 MiB). Keys are hashed with SipHash keyed at
 * random (SSRCs come from the wire: no crafted set of them can pile up in
 * one cluster). Nothing is ever removed (streams are kept to the end), so
 * linear probing needs no tombstones.
 */
enum {
    SLOT_EMPTY = 0,
    SLOT_STREAM_A2B = 1, /* a stream: 1 + its direction (FLOW_A2B / FLOW_B2A) */
    SLOT_STREAM_B2A = 2,
    SLOT_FLOW = 3,       /* the flow's count of streams; ssrc 0 */
};

struct rtp_slot {
    uint64_t flow_id;
    uint32_t ssrc;
    uint32_t kind : 2;   /* SLOT_* */
    uint32_t value : 30; /* the stream's index in the table, or the count */
};
/* test/hardening/bounds.py sizes the index with 16 B a slot */
_Static_assert(sizeof(struct rtp_slot) == 16, "struct rtp_slot grew");
_Static_assert(RTP_MAX_STREAMS < (1u << 30), "a stream index must fit in value");

#define INDEX_INITIAL 64 /* slots */

/* The streams of one capture, kept with its application tracker (written
 * only by the decoder thread's track hook; read after it or inside it). */
struct rtp_table {
    struct rtp_stream *streams;
    uint32_t n, cap;
    uint64_t dropped;
    struct rtp_slot *index;
    uint32_t index_mask;  /* slots - 1 (a power of two) */
    uint32_t index_used;  /* streams + flows with a count */
    uint64_t k0, k1;      /* the index's SipHash key */
};

void rtp_table_free(struct rtp_table *rt)
{
    if (!rt)
        return;
    free(rt->streams);
    free(rt->index);
    free(rt);
}

static struct rtp_table *table_of(struct app_tracker *t)
{
    struct rtp_table **slot = app_tracker_rtp_slot(t);
    if (!*slot) {
        struct rtp_table *rt = xcalloc(1, sizeof *rt);
        rt->index = xcalloc(INDEX_INITIAL, sizeof *rt->index);
        rt->index_mask = INDEX_INITIAL - 1;
        rt->k0 = hash_key_random();
        rt->k1 = hash_key_random();
        *slot = rt;
    }
    return *slot;
}

static uint32_t key_hash(const struct rtp_table *rt, uint64_t flow_id,
                         uint32_t ssrc, unsigned kind)
{
    const struct {
        uint64_t flow_id;
        uint32_t ssrc, kind;
    } key = {flow_id, ssrc, kind};
    uint64_t h = siphash13(&key, sizeof key, rt->k0, rt->k1);
    return (uint32_t)(h ^ (h >> 32));
}

/* The slot holding the key, or the empty slot where it would go (the
 * index is at most half full, so there is always one). */
static struct rtp_slot *index_probe(const struct rtp_table *rt, uint64_t flow_id,
                                    uint32_t ssrc, unsigned kind)
{
    for (uint32_t i = key_hash(rt, flow_id, ssrc, kind) & rt->index_mask;;
         i = (i + 1) & rt->index_mask) {
        struct rtp_slot *s = &rt->index[i];
        if (s->kind == SLOT_EMPTY ||
            (s->kind == kind && s->flow_id == flow_id && s->ssrc == ssrc))
            return s;
    }
}

/* Makes room for `more` new entries at a load of at most one half: doubles
 * the index when needed (true: every slot pointer is then stale). */
static bool index_make_room(struct rtp_table *rt, uint32_t more)
{
    uint32_t slots = rt->index_mask + 1;
    if ((uint64_t)(rt->index_used + more) * 2 <= slots)
        return false;
    struct rtp_slot *old = rt->index;
    rt->index = xcalloc((size_t)slots * 2, sizeof *rt->index);
    rt->index_mask = slots * 2 - 1;
    for (uint32_t i = 0; i < slots; i++)
        if (old[i].kind != SLOT_EMPTY)
            *index_probe(rt, old[i].flow_id, old[i].ssrc, old[i].kind) = old[i];
    free(old);
    return true;
}

static unsigned stream_kind(int dir)
{
    return dir == FLOW_B2A ? SLOT_STREAM_B2A : SLOT_STREAM_A2B;
}

static struct rtp_stream *new_stream(struct rtp_table *rt)
{
    if (rt->n == rt->cap) {
        rt->cap = rt->cap ? rt->cap * 2 : 16;
        rt->streams = xrealloc(rt->streams, (size_t)rt->cap * sizeof *rt->streams);
    }
    return &rt->streams[rt->n++];
}

/* A row for the stream (flow_id, ssrc, dir), unknown so far, entered with
 * its flow's count in the index (the caller fills it); NULL (counted as
 * dropped) when its flow opened RTP_MAX_SSRC_PER_FLOW already or the table
 * holds RTP_MAX_STREAMS. */
static struct rtp_stream *open_stream(struct rtp_table *rt, uint64_t flow_id,
                                      uint32_t ssrc, int dir)
{
    struct rtp_slot *count = index_probe(rt, flow_id, 0, SLOT_FLOW);
    uint32_t opened = count->kind == SLOT_FLOW ? count->value : 0;
    if (opened >= RTP_MAX_SSRC_PER_FLOW || rt->n >= RTP_MAX_STREAMS) {
        rt->dropped++;
        return NULL;
    }
    index_make_room(rt, opened ? 1 : 2);
    *index_probe(rt, flow_id, ssrc, stream_kind(dir)) = (struct rtp_slot){
        .flow_id = flow_id, .ssrc = ssrc, .kind = stream_kind(dir), .value = rt->n,
    };
    /* probed again: the stream may have taken the empty slot found above */
    count = index_probe(rt, flow_id, 0, SLOT_FLOW);
    *count = (struct rtp_slot){
        .flow_id = flow_id, .ssrc = 0, .kind = SLOT_FLOW, .value = opened + 1,
    };
    rt->index_used += opened ? 1 : 2;
    return new_stream(rt);
}

void rtp_stats_packet(struct app_ctx *ctx, uint32_t ssrc, uint8_t pt,
                      uint16_t seq, uint32_t ts)
{
    struct rtp_table *rt = table_of(ctx->t);
    if (!ctx->flow) { /* track hooks always have one; nothing to key by */
        rt->dropped++;
        return;
    }
    uint64_t flow_id = ctx->flow->id;
    const struct rtp_slot *known = index_probe(rt, flow_id, ssrc, stream_kind(ctx->dir));
    if (known->kind != SLOT_EMPTY) {
        rtp_stream_update(&rt->streams[known->value], pt, seq, ts, ctx->ts_ns,
                          ctx->number);
        return;
    }
    struct rtp_stream *s = open_stream(rt, flow_id, ssrc, ctx->dir);
    if (!s)
        return;
    rtp_stream_init(s, ssrc, pt, seq, ts, ctx->ts_ns, ctx->number);
    s->flow_id = flow_id;
    s->dir = ctx->dir;
}

void rtp_stats_foreach(const struct app_tracker *t,
                       void (*fn)(const struct rtp_stream *s, void *arg),
                       void *arg)
{
    const struct rtp_table *rt = app_tracker_rtp(t);
    for (uint32_t i = 0; rt && i < rt->n; i++)
        fn(&rt->streams[i], arg);
}

uint64_t rtp_stats_dropped(const struct app_tracker *t)
{
    const struct rtp_table *rt = app_tracker_rtp(t);
    return rt ? rt->dropped : 0;
}

/* Milliseconds with 3 decimals, or "-" / null when the rate is unknown. */
static void put_ms(struct textbuf *tb, double ms, bool json)
{
    if (ms < 0) {
        tb_puts(tb, json ? "null" : "-");
        return;
    }
    tb_fixed(tb, (int64_t)(ms * 1000.0 + 0.5), 3);
}

static void put_rel(struct textbuf *tb, uint64_t ns, uint64_t first_ns)
{
    uint64_t d = ns > first_ns ? ns - first_ns : 0;
    tb_time(tb, (int64_t)(d / 1000000000u), (uint32_t)(d % 1000000000u), false);
}

static void put_ssrc(struct textbuf *tb, uint32_t ssrc)
{
    static const char hex[] = "0123456789abcdef";
    tb_puts(tb, "0x");
    for (int sh = 28; sh >= 0; sh -= 4)
        tb_putc(tb, hex[ssrc >> sh & 15]);
}

struct stats_writer {
    FILE *out;
    bool json;
    uint64_t first_ns;
};

static void write_json(struct textbuf *tb, const struct rtp_stream *s,
                       const struct stats_writer *w)
{
    tb_puts(tb, "{\"flow\":");
    tb_u64(tb, s->flow_id);
    tb_puts(tb, ",\"dir\":");
    tb_puts(tb, s->dir ? "\"b2a\"" : "\"a2b\"");
    tb_puts(tb, ",\"ssrc\":\"");
    put_ssrc(tb, s->ssrc);
    tb_puts(tb, "\",\"pt\":");
    tb_u64(tb, s->pt);
    tb_puts(tb, ",\"clock_rate\":");
    uint32_t rate = rtp_stream_clock_rate(s);
    if (rate)
        tb_u64(tb, rate);
    else
        tb_puts(tb, "null");
    tb_puts(tb, ",\"packets\":");
    tb_u64(tb, s->packets);
    tb_puts(tb, ",\"expected\":");
    tb_u64(tb, rtp_stream_expected(s));
    tb_puts(tb, ",\"lost\":");
    tb_i64(tb, rtp_stream_lost(s));
    tb_puts(tb, ",\"out_of_order\":");
    tb_u64(tb, s->out_of_order);
    tb_puts(tb, ",\"duplicates\":");
    tb_u64(tb, s->duplicates);
    tb_puts(tb, ",\"jitter_ms\":");
    put_ms(tb, rtp_stream_jitter_ms(s), true);
    tb_puts(tb, ",\"max_jitter_ms\":");
    put_ms(tb, rtp_stream_max_jitter_ms(s), true);
    tb_puts(tb, ",\"mean_jitter_ms\":");
    put_ms(tb, rtp_stream_mean_jitter_ms(s), true);
    tb_puts(tb, ",\"first_packet\":");
    tb_u64(tb, s->first_packet);
    tb_puts(tb, ",\"last_packet\":");
    tb_u64(tb, s->last_packet);
    tb_puts(tb, ",\"start\":");
    put_rel(tb, s->first_ns, w->first_ns);
    tb_puts(tb, ",\"end\":");
    put_rel(tb, s->last_ns, w->first_ns);
    tb_puts(tb, "}\n");
}

static void write_text(struct textbuf *tb, const struct rtp_stream *s,
                       const struct stats_writer *w)
{
    size_t mark = tb->len;
    tb_u64(tb, s->flow_id);
    tb_align_right(tb, mark, 6);
    tb_puts(tb, s->dir ? " b2a " : " a2b ");
    put_ssrc(tb, s->ssrc);
    uint64_t cols[] = {s->pt, s->packets, rtp_stream_expected(s)};
    const size_t widths[] = {4, 9, 9};
    for (int i = 0; i < 3; i++) {
        mark = tb->len;
        tb_u64(tb, cols[i]);
        tb_align_right(tb, mark, widths[i]);
    }
    mark = tb->len;
    tb_i64(tb, rtp_stream_lost(s));
    tb_align_right(tb, mark, 7);
    mark = tb->len;
    tb_u64(tb, s->out_of_order);
    tb_align_right(tb, mark, 6);
    mark = tb->len;
    tb_u64(tb, s->duplicates);
    tb_align_right(tb, mark, 5);
    double ms[] = {rtp_stream_max_jitter_ms(s), rtp_stream_mean_jitter_ms(s)};
    for (int i = 0; i < 2; i++) {
        mark = tb->len;
        put_ms(tb, ms[i], false);
        tb_align_right(tb, mark, 11);
    }
    mark = tb->len;
    uint32_t rate = rtp_stream_clock_rate(s);
    if (rate)
        tb_u64(tb, rate);
    else
        tb_putc(tb, '-');
    tb_align_right(tb, mark, 7);
    for (int i = 0; i < 2; i++) {
        tb_putc(tb, ' ');
        mark = tb->len;
        put_rel(tb, i ? s->last_ns : s->first_ns, w->first_ns);
        tb_align_right(tb, mark, 12);
    }
    tb_putc(tb, '\n');
}

static void write_one(const struct rtp_stream *s, void *arg)
{
    const struct stats_writer *w = arg;
    char line[512];
    struct textbuf tb;
    tb_init(&tb, line, sizeof line);
    if (w->json)
        write_json(&tb, s, w);
    else
        write_text(&tb, s, w);
    fwrite(tb.p, 1, tb.len, w->out);
}

void rtp_stats_write(const struct app_tracker *t, FILE *out, bool json,
                     uint64_t first_ns)
{
    struct stats_writer w = {out, json, first_ns};
    if (!json)
        fprintf(out, "%6s %3s %-10s %3s %8s %8s %6s %5s %4s %10s %10s %6s %12s %12s\n",
                "flow", "dir", "ssrc", "pt", "packets", "expected", "lost", "order",
                "dup", "max jit ms", "mean jit", "clock", "start", "end");
    rtp_stats_foreach(t, write_one, &w);
}
