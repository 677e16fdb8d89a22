/*
 * TCP sequence analysis with Wireshark 4.0's definitions; see
 * include/wirescope/tcp_analysis.h for the contract and the differences.
 *
 * State is kept in absolute sequence numbers, as Wireshark does, including
 * its use of 0 as "not seen yet" for next-seq, max-seq-to-be-acked and the
 * last ACK, so that the odd corners (a next-seq that is really 0 after a
 * wrap) behave the same.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "wirescope/tcp_analysis.h"

#define TA(f) (1u << (f))

/* Wireshark's TCP_MAX_UNACKED_SEGMENTS: segments beyond this many
 * unacknowledged ones are not remembered. */
#define MAX_UNACKED_SEGMENTS 10000u

#define FAST_RETRANS_NS 20000000u  /* 20 ms after the last dup ACK */
#define DEFAULT_OOO_NS 3000000u    /* 3 ms when the initial RTT is unknown */
#define BIF_LIMIT 2000000000u      /* larger "in flight" values are bogus */
#define MAX_WSCALE 14              /* RFC 7323: larger shifts mean 14 */

/* Wireshark stores -1 in its unsigned dup ACK counter after an ACKed-unseen
 * mark; the value then also passes the ">= 2 dup ACKs" fast retransmission
 * test. */
#define DUPACK_PARKED UINT32_MAX

/* Sequence-space comparisons (RFC 1982 style, as Wireshark's LT_SEQ...). */
static bool seq_lt(uint32_t x, uint32_t y) { return x - y >= 0x80000000u; }
static bool seq_gt(uint32_t x, uint32_t y) { return seq_lt(y, x); }
static bool seq_le(uint32_t x, uint32_t y) { return x == y || seq_lt(x, y); }

void tcp_seq_init(struct tcp_seq_state *s)
{
    memset(s, 0, sizeof *s);
    for (int d = 0; d < 2; d++) {
        s->dir[d].win_scale = -1;
        s->dir[d].window = UINT32_MAX;
        s->dir[d].valid_bif = true;
    }
}

bool tcp_seq_starts_new_connection(const struct tcp_seq_state *s, int dir,
                                   const struct ws_packet *pkt)
{
    const struct tcp_ta_dir *fwd = &s->dir[dir ? 1 : 0];
    return (pkt->u.tcp.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
           fwd->base_set && pkt->u.tcp.seq != fwd->base_seq;
}

void tcp_seq_mark_reused(struct tcp_seq_state *s) { s->reused_pending = true; }

/* ---- packed form ------------------------------------------------------- */

/* A direction's fields up to its ranges (ranges is its last member). */
#define DIR_HEAD offsetof(struct tcp_ta_dir, ranges)
_Static_assert(offsetof(struct tcp_ta_dir, ranges) + sizeof(struct tcp_ta_range) *
                   TCP_TA_MAX_RANGES == sizeof(struct tcp_ta_dir),
               "ranges must be the last member of struct tcp_ta_dir");

/* Both heads, the state's own fields, then the ranges in use. Every copy
 * has a constant size (inlined) and a direction usually has 0 to 2
 * ranges, so this costs a few dozen instructions per segment. */
#define PACKED_FIXED (2 * DIR_HEAD + sizeof(uint64_t) + sizeof(int64_t) + sizeof(bool))
#define RANGE_SIZE sizeof(struct tcp_ta_range)

size_t tcp_seq_packed_size(const struct tcp_seq_state *s)
{
    return PACKED_FIXED + ((size_t)s->dir[0].nranges + s->dir[1].nranges) * RANGE_SIZE;
}

void tcp_seq_pack(const struct tcp_seq_state *s, void *buf)
{
    char *p = buf;
    memcpy(p, &s->dir[0], DIR_HEAD);
    memcpy(p + DIR_HEAD, &s->dir[1], DIR_HEAD);
    p += 2 * DIR_HEAD;
    memcpy(p, &s->mru_syn_ns, sizeof s->mru_syn_ns);
    p += sizeof s->mru_syn_ns;
    memcpy(p, &s->first_rtt_ns, sizeof s->first_rtt_ns);
    p += sizeof s->first_rtt_ns;
    memcpy(p, &s->reused_pending, sizeof s->reused_pending);
    p += sizeof s->reused_pending;
    for (int d = 0; d < 2; d++)
        for (unsigned i = 0; i < s->dir[d].nranges; i++, p += RANGE_SIZE)
            memcpy(p, &s->dir[d].ranges[i], RANGE_SIZE);
}

void tcp_seq_unpack(struct tcp_seq_state *s, const void *buf)
{
    const char *p = buf;
    memcpy(&s->dir[0], p, DIR_HEAD);
    memcpy(&s->dir[1], p + DIR_HEAD, DIR_HEAD);
    p += 2 * DIR_HEAD;
    memcpy(&s->mru_syn_ns, p, sizeof s->mru_syn_ns);
    p += sizeof s->mru_syn_ns;
    memcpy(&s->first_rtt_ns, p, sizeof s->first_rtt_ns);
    p += sizeof s->first_rtt_ns;
    memcpy(&s->reused_pending, p, sizeof s->reused_pending);
    p += sizeof s->reused_pending;
    for (int d = 0; d < 2; d++)
        for (unsigned i = 0; i < s->dir[d].nranges; i++, p += RANGE_SIZE)
            memcpy(&s->dir[d].ranges[i], p, RANGE_SIZE);
}

/* ---- unacknowledged data as contiguous ranges ------------------------- */

/*
 * Wireshark computes bytes in flight over its segment list as
 *   max(nextseq - base) - min(seq - base)
 * in unsigned relative numbers. Over a contiguous union of segments that
 * is the union's end minus its start, except when relative 0 (the base)
 * lies inside the union: relative numbers wrap there, so segments before
 * it count as huge. For such a "straddling" range two extra members keep
 * the answer exact: the lowest segment start at or after the base, and the
 * highest segment end before it.
 */

/* Offset of x from the range start, for ordering inside a range. */
static uint32_t off(const struct tcp_ta_range *r, uint32_t x)
{
    return x - r->seq;
}

/* The base lies in (seq, nextseq]: relative numbers wrap inside. */
static bool straddles(const struct tcp_ta_range *r, uint32_t base)
{
    uint32_t b = off(r, base);
    return b != 0 && b <= off(r, r->nextseq);
}

static void range_remove(struct tcp_ta_dir *d, unsigned i)
{
    d->ranges[i] = d->ranges[d->nranges - 1];
    d->nranges--;
}

static bool ranges_touch(const struct tcp_ta_range *a,
                         const struct tcp_ta_range *b)
{
    return !seq_lt(a->nextseq, b->seq) && !seq_lt(b->nextseq, a->seq);
}

/* Offers part's segment starts after / ends before the base to the
 * straddling range c. */
static void collect_straddle(struct tcp_ta_range *c,
                             const struct tcp_ta_range *part, uint32_t base)
{
    bool has_lo = false, has_hi = false;
    uint32_t lo = 0, hi = 0;
    if (straddles(part, base)) {
        has_lo = part->has_lo_after;
        lo = part->lo_after;
        has_hi = part->has_hi_before;
        hi = part->hi_before;
    } else if (off(c, part->seq) >= off(c, base)) {
        has_lo = true; /* wholly at or after the base */
        lo = part->seq;
    } else {
        has_hi = true; /* wholly before the base */
        hi = part->nextseq;
    }
    if (has_lo && (!c->has_lo_after || off(c, lo) < off(c, c->lo_after))) {
        c->lo_after = lo;
        c->has_lo_after = true;
    }
    if (has_hi && (!c->has_hi_before || off(c, hi) > off(c, c->hi_before))) {
        c->hi_before = hi;
        c->has_hi_before = true;
    }
}

/* into = into U r (they touch, or are merged across a gap when full). */
static void range_absorb(struct tcp_ta_range *into,
                         const struct tcp_ta_range *r, uint32_t base)
{
    struct tcp_ta_range a = *into, c = *into;
    if (seq_lt(r->seq, c.seq))
        c.seq = r->seq;
    if (seq_gt(r->nextseq, c.nextseq))
        c.nextseq = r->nextseq;
    c.segs = a.segs + r->segs;
    c.has_lo_after = c.has_hi_before = false;
    if (straddles(&c, base)) {
        collect_straddle(&c, &a, base);
        collect_straddle(&c, r, base);
    }
    *into = c;
}

/* Merges every range that touches r into r, removing them from d. */
static void absorb_touching(struct tcp_ta_dir *d, struct tcp_ta_range *r)
{
    bool merged = true;
    while (merged) {
        merged = false;
        for (unsigned i = 0; i < d->nranges; i++) {
            if (ranges_touch(&d->ranges[i], r)) {
                range_absorb(r, &d->ranges[i], d->base_seq);
                range_remove(d, i);
                merged = true;
                break;
            }
        }
    }
}

/*
 * The table is full and r needs a slot: merge the two ranges (r included)
 * with the smallest gap between them. Ranges never overlap, so nothing
 * lies inside that gap. Leaves the result in r or in a slot, with a slot
 * free either way.
 */
static void merge_closest(struct tcp_ta_dir *d, struct tcp_ta_range *r)
{
    unsigned n = d->nranges, best_a = 0, best_b = 0;
    uint32_t best_gap = UINT32_MAX;
    /* index n stands for r */
    for (unsigned a = 0; a <= n; a++) {
        const struct tcp_ta_range *ra = a < n ? &d->ranges[a] : r;
        for (unsigned b = 0; b <= n; b++) {
            const struct tcp_ta_range *rb = b < n ? &d->ranges[b] : r;
            if (a == b)
                continue;
            uint32_t gap = rb->seq - ra->nextseq;
            if (gap < best_gap) {
                best_gap = gap;
                best_a = a;
                best_b = b;
            }
        }
    }
    if (best_a == n || best_b == n) {
        unsigned other = best_a == n ? best_b : best_a;
        range_absorb(r, &d->ranges[other], d->base_seq);
        range_remove(d, other);
        return;
    }
    unsigned lo = best_a < best_b ? best_a : best_b;
    unsigned hi = best_a < best_b ? best_b : best_a;
    struct tcp_ta_range merged = d->ranges[lo];
    range_absorb(&merged, &d->ranges[hi], d->base_seq);
    range_remove(d, hi);
    d->ranges[lo] = merged;
}

static void unacked_add(struct tcp_ta_dir *d, uint32_t seq, uint32_t nextseq)
{
    struct tcp_ta_range r = {.seq = seq, .nextseq = nextseq, .segs = 1};
    absorb_touching(d, &r);
    if (d->nranges == TCP_TA_MAX_RANGES) {
        merge_closest(d, &r);
        absorb_touching(d, &r);
    }
    d->ranges[d->nranges++] = r;
    d->unacked_segs++;
}

/* Segments left in a range trimmed to [ack, nextseq): an estimate in
 * proportion to the bytes left, at least one. */
static uint32_t segs_after_trim(const struct tcp_ta_range *r, uint32_t ack)
{
    uint64_t total = off(r, r->nextseq), left = r->nextseq - ack;
    uint64_t segs = ((uint64_t)r->segs * left + total - 1) / total;
    return segs ? (uint32_t)segs : 1;
}

/* The range now starts at ack, inside it: segments ending at or before ack
 * are gone and the one containing ack starts there. */
static void range_trim(struct tcp_ta_range *r, uint32_t ack, uint32_t base)
{
    if (straddles(r, base)) {
        if (off(r, ack) >= off(r, base))
            r->has_lo_after = r->has_hi_before = false; /* no longer wraps */
        else if (r->has_hi_before && off(r, r->hi_before) <= off(r, ack))
            r->has_hi_before = false;
    }
    r->segs = segs_after_trim(r, ack);
    r->seq = ack;
}

/* What an ACK does to Wireshark's list of unacked segments: segments it
 * covers go, a segment it falls inside starts at the ACK. */
static void unacked_ack(struct tcp_ta_dir *d, uint32_t ack)
{
    for (unsigned i = 0; i < d->nranges;) {
        struct tcp_ta_range *r = &d->ranges[i];
        if (ack == r->nextseq || !seq_gt(r->nextseq, ack)) {
            d->unacked_segs -= r->segs;
            range_remove(d, i);
            continue;
        }
        if (seq_gt(ack, r->seq)) {
            uint32_t before = r->segs;
            range_trim(r, ack, d->base_seq);
            d->unacked_segs -= before - r->segs;
        }
        i++;
    }
}

/* The base moved (a SYN/ACK with a new ISN): the straddle members were
 * kept for the old base. A range the new base falls inside is from then on
 * treated as one segment (see the header: an approximation). */
static void unacked_rebased(struct tcp_ta_dir *d)
{
    for (unsigned i = 0; i < d->nranges; i++)
        d->ranges[i].has_lo_after = d->ranges[i].has_hi_before = false;
}

/* Lowest segment start and highest segment end of a range, relative. */
static void range_rel_span(const struct tcp_ta_range *r, uint32_t base,
                           uint32_t *first, uint32_t *last)
{
    bool wraps = straddles(r, base);
    *first = (wraps && r->has_lo_after ? r->lo_after : r->seq) - base;
    *last = (wraps && r->has_hi_before ? r->hi_before : r->nextseq) - base;
}

/* max(nextseq - base) - min(seq - base) over all unacked segments. */
static uint32_t unacked_span(const struct tcp_ta_dir *d)
{
    uint32_t first, last;
    range_rel_span(&d->ranges[0], d->base_seq, &first, &last);
    for (unsigned i = 1; i < d->nranges; i++) {
        uint32_t f, l;
        range_rel_span(&d->ranges[i], d->base_seq, &f, &l);
        if (f < first)
            first = f;
        if (l > last)
            last = l;
    }
    return last - first;
}

/* ---- tcp_analyze_sequence_number() ------------------------------------ */

struct seg {
    uint32_t seq, ack, len, win;
    uint16_t flags;
    uint64_t frame, ts;
};

static bool has_any(const struct seg *g, uint16_t mask)
{
    return (g->flags & mask) != 0;
}

#define SFR (TCP_SYN | TCP_FIN | TCP_RST)

static void set_bases(struct tcp_ta_dir *fwd, struct tcp_ta_dir *rev,
                      const struct seg *g)
{
    /* Without the SYN, tshark pretends the ISN was seq - 1 (Seq=1). */
    if (!fwd->base_set) {
        fwd->base_seq = has_any(g, TCP_SYN) ? g->seq : g->seq - 1;
        fwd->base_set = true;
    }
    /* The ACK field of a SYN may hold anything: take rev's ISN from the
     * first segment with ACK set. */
    if (!rev->base_set && has_any(g, TCP_ACK)) {
        rev->base_seq = g->ack - 1;
        rev->base_set = true;
    }
}

/* Same seq (= next-seq) and ACK as fwd's previous segment, no data, no
 * SYN/FIN/RST: the common part of the window update, keep-alive ACK,
 * zero-window-probe ACK and duplicate ACK tests. */
static bool repeats_last_ack(const struct tcp_ta_dir *fwd, const struct seg *g)
{
    return g->len == 0 && g->seq == fwd->nextseq && g->ack == fwd->lastack &&
           !has_any(g, SFR);
}

static uint32_t rev_window_edge(const struct tcp_ta_dir *rev)
{
    int shift = rev->is_first_ack || rev->win_scale == -2 ? 0 : rev->win_scale;
    return rev->lastack + (rev->window << shift);
}

/* The marks that depend on fwd's own history and rev's window. Returns the
 * flags; the dup ACK counters are updated in place. */
static uint32_t analyze_fwd(struct tcp_ta_dir *fwd, const struct tcp_ta_dir *rev,
                            const struct seg *g, uint32_t ta,
                            struct tcp_seg_result *out)
{
    if (g->len == 1 && g->seq == fwd->nextseq && rev->window == 0)
        return ta | TA(TA_ZERO_WINDOW_PROBE);

    if (g->win == 0 && !has_any(g, SFR))
        ta |= TA(TA_ZERO_WINDOW);

    if (fwd->nextseq && seq_gt(g->seq, fwd->nextseq) && !has_any(g, TCP_RST)) {
        ta |= TA(TA_LOST_SEGMENT);
        fwd->valid_bif = false; /* until rev ACKs again */
    }

    if (g->len <= 1 && g->seq == fwd->nextseq - 1 && !has_any(g, SFR))
        ta |= TA(TA_KEEP_ALIVE);

    if (repeats_last_ack(fwd, g) && g->win && g->win != fwd->window)
        ta |= TA(TA_WINDOW_UPDATE);

    if (g->len > 0 && rev->win_scale != -1 && !has_any(g, SFR) &&
        g->seq + g->len == rev_window_edge(rev))
        ta |= TA(TA_WINDOW_FULL);

    if (repeats_last_ack(fwd, g) && g->win && g->win == fwd->window &&
        (rev->lastsegmentflags & TA(TA_KEEP_ALIVE)))
        return ta | TA(TA_KEEP_ALIVE_ACK);

    if (repeats_last_ack(fwd, g) && g->win == 0 && g->win == fwd->window &&
        (rev->lastsegmentflags & TA(TA_ZERO_WINDOW_PROBE)))
        return ta | TA(TA_ZERO_WINDOW_PROBE_ACK);

    if (repeats_last_ack(fwd, g) && g->win && g->win == fwd->window) {
        /* the ACKed-unseen marker restarts the count at 1 */
        fwd->dupacknum = fwd->dupacknum == DUPACK_PARKED ? 1
                                                         : fwd->dupacknum + 1;
        ta |= TA(TA_DUP_ACK);
        out->dup_ack_num = fwd->dupacknum;
        out->dup_ack_frame = fwd->lastnondupack;
    }
    return ta;
}

/* This segment ACKs data rev never showed. Marked once per hole: the
 * boundary jumps to rev's next-seq, or, when it is there already, rev's
 * dup ACK counter is parked while rev only sends pure ACKs. */
static uint32_t analyze_ack_lost(struct tcp_ta_dir *rev, const struct seg *g,
                                 uint32_t ta)
{
    if (!rev->maxseqtobeacked || !seq_gt(g->ack, rev->maxseqtobeacked) ||
        !has_any(g, TCP_ACK))
        return ta;
    if (seq_lt(rev->maxseqtobeacked, rev->nextseq)) {
        rev->maxseqtobeacked = rev->nextseq;
        return ta | TA(TA_ACK_LOST_SEGMENT);
    }
    if (rev->dupacknum == 0)
        ta |= TA(TA_ACK_LOST_SEGMENT);
    rev->dupacknum = DUPACK_PARKED;
    return ta;
}

static uint32_t analyze_retransmission(const struct tcp_seq_state *s,
                                       const struct tcp_ta_dir *fwd,
                                       const struct tcp_ta_dir *rev,
                                       const struct seg *g, uint32_t ta)
{
    if (g->len == 0 && !has_any(g, TCP_SYN | TCP_FIN))
        return ta;
    if (ta & TA(TA_KEEP_ALIVE))
        return ta;

    bool not_advanced = fwd->nextseq && seq_lt(g->seq, fwd->nextseq);
    /* 2+ bytes from next-seq - 1: new data after a possible zero window
     * probe, not a retransmission (spurious is still checked). */
    if (g->len > 1 && fwd->nextseq - 1 == g->seq)
        not_advanced = false;

    if (g->len > 0 && rev->lastack && seq_le(g->seq + g->len, rev->lastack))
        return ta | TA(TA_SPURIOUS_RETRANSMISSION);

    /* tcp.fastrt_supersedes_ooo (default TRUE): fast retransmission first.
     * The parked dup ACK counter (UINT32_MAX) counts as >= 2 here. */
    uint64_t since_dup_ack = g->ts - rev->lastack_ns;
    if (not_advanced && rev->dupacknum >= 2 && rev->lastack == g->seq &&
        since_dup_ack < FAST_RETRANS_NS)
        return ta | TA(TA_FAST_RETRANSMISSION);

    uint64_t since_advance = g->ts - fwd->nextseq_ns;
    uint64_t ooo_ns = s->first_rtt_ns ? (uint64_t)s->first_rtt_ns
                                      : DEFAULT_OOO_NS;
    uint32_t end = g->seq + g->len + (has_any(g, TCP_SYN | TCP_FIN) ? 1 : 0);
    if (not_advanced && since_advance < ooo_ns && fwd->nextseq != end)
        return ta | TA(TA_OUT_OF_ORDER);

    if (not_advanced)
        ta |= TA(TA_RETRANSMISSION);
    return ta;
}

/* Remembers the segment: unacked list, next-seq, max-seq-to-be-acked. */
static void record_segment(struct tcp_ta_dir *fwd, const struct seg *g,
                           uint32_t ta)
{
    uint32_t nextseq = g->seq + g->len;
    if ((g->len || has_any(g, TCP_SYN | TCP_FIN)) &&
        fwd->unacked_segs < MAX_UNACKED_SEGMENTS) {
        /* Wireshark counts SYN/FIN only for remembered segments */
        if (has_any(g, TCP_SYN | TCP_FIN))
            nextseq++;
        unacked_add(fwd, g->seq, nextseq);
    }

    bool probe = (ta & TA(TA_ZERO_WINDOW_PROBE)) != 0; /* does not advance */
    if ((seq_gt(nextseq, fwd->nextseq) || !fwd->nextseq) && !probe) {
        fwd->nextseq = nextseq;
        fwd->nextseq_ns = g->ts;
    }
    if ((g->seq == fwd->maxseqtobeacked || !fwd->maxseqtobeacked) && !probe)
        fwd->maxseqtobeacked = fwd->nextseq;

    fwd->window = g->win;
    fwd->lastack = g->ack;
    fwd->lastack_ns = g->ts;
    fwd->lastsegmentflags = ta;
}

static void bytes_in_flight(const struct tcp_ta_dir *fwd,
                            const struct tcp_ta_dir *rev, const struct seg *g,
                            struct tcp_seg_result *out)
{
    if (g->len == 0 || fwd->nranges == 0 || !fwd->valid_bif)
        return;
    uint32_t in_flight = unacked_span(fwd);
    for (unsigned i = 0; i < rev->num_sack; i++)
        in_flight -= rev->sack_right[i] - rev->sack_left[i];
    if (in_flight == 0 || in_flight >= BIF_LIMIT)
        return;
    /* SYN and FIN take a sequence number but are not bytes */
    if (has_any(g, TCP_SYN | TCP_FIN))
        in_flight--;
    out->bytes_in_flight = in_flight;
    out->has_bytes_in_flight = in_flight != 0;
}

static uint32_t analyze(struct tcp_seq_state *s, struct tcp_ta_dir *fwd,
                        struct tcp_ta_dir *rev, const struct seg *g,
                        uint32_t ta, struct tcp_seg_result *out)
{
    set_bases(fwd, rev, g);
    if (has_any(g, TCP_ACK))
        rev->valid_bif = true;

    ta = analyze_fwd(fwd, rev, g, ta, out);
    if (g->ack != fwd->lastack) {
        fwd->lastnondupack = g->frame;
        fwd->dupacknum = 0;
    }
    ta = analyze_ack_lost(rev, g, ta);
    ta = analyze_retransmission(s, fwd, rev, g, ta);

    record_segment(fwd, g, ta);
    unacked_ack(rev, g->ack); /* the ACK field counts even without ACK set */
    bytes_in_flight(fwd, rev, g, out);
    return ta;
}

/* ---- the parts of dissect_tcp() around the analysis ------------------- */

/* A SYN/ACK with another ISN: tshark re-bases and marks port reuse. A
 * repeated SYN: next-seq goes back to the contiguous edge (an RST may have
 * moved it, Wireshark issue 17616). */
static uint32_t handle_repeated_syn(struct tcp_ta_dir *fwd, const struct seg *g)
{
    uint16_t sa = g->flags & (TCP_SYN | TCP_ACK);
    if (sa == TCP_SYN && fwd->base_set && g->seq == fwd->base_seq)
        fwd->nextseq = fwd->maxseqtobeacked;
    if (sa == (TCP_SYN | TCP_ACK) && fwd->base_set && g->seq != fwd->base_seq) {
        fwd->base_seq = g->seq;
        unacked_rebased(fwd);
        return TA(TA_REUSED_PORTS);
    }
    return 0;
}

/* Options are dissected after the analysis: they affect later segments. */
static void apply_options(struct tcp_ta_dir *fwd, const struct ws_tcp *t)
{
    if (t->has_wscale)
        fwd->win_scale = (int8_t)(t->wscale > MAX_WSCALE ? MAX_WSCALE
                                                         : t->wscale);
    unsigned n = t->nsack < TCP_TA_MAX_SACK ? t->nsack : TCP_TA_MAX_SACK;
    for (unsigned i = 0; i < n; i++) {
        fwd->sack_left[i] = t->sack_left[i];
        fwd->sack_right[i] = t->sack_right[i];
    }
    fwd->num_sack = (uint8_t)n;
}

/* Scaling counts only if both SYN and SYN/ACK carried the option. */
static void verify_window_scaling(struct tcp_ta_dir *fwd,
                                  struct tcp_ta_dir *rev, bool synack)
{
    if (fwd->win_scale == -1) {
        fwd->win_scale = -2;
        rev->win_scale = -2;
    } else if (synack && rev->win_scale == -2) {
        fwd->win_scale = -2;
    }
}

static void track_handshake(struct tcp_seq_state *s, struct tcp_ta_dir *fwd,
                            const struct seg *g)
{
    uint16_t sa = g->flags & (TCP_SYN | TCP_ACK);
    if (sa & TCP_SYN) {
        if (sa == TCP_SYN)
            s->mru_syn_ns = g->ts;
        fwd->is_first_ack = true;
    }
    if (sa == TCP_ACK) {
        /* the first plain ACK after a SYN gives the initial RTT */
        if (s->mru_syn_ns && !s->first_rtt_ns)
            s->first_rtt_ns = (int64_t)(g->ts - s->mru_syn_ns);
        fwd->is_first_ack = false;
    }
}

static void relative_numbers(const struct tcp_ta_dir *fwd,
                             const struct tcp_ta_dir *rev, const struct seg *g,
                             struct tcp_seg_result *out)
{
    out->rel_seq = g->seq - fwd->base_seq;
    out->rel_ack = has_any(g, TCP_ACK) ? g->ack - rev->base_seq : g->ack;
    out->next_rel_seq = out->rel_seq + g->len +
                        (has_any(g, TCP_SYN | TCP_FIN) ? 1 : 0);
    out->win_shift = fwd->win_scale;
    out->window = g->win;
    if (!has_any(g, TCP_SYN) && fwd->win_scale >= 0)
        out->window = (int64_t)g->win << fwd->win_scale;
}

/* The capture ends inside the TCP options. */
static bool options_cut(const struct ws_packet *pkt)
{
    return (uint64_t)pkt->l4_off + pkt->u.tcp.hdr_len > pkt->caplen;
}

static void hide_analysis(struct tcp_seg_result *out)
{
    out->flags = 0;
    out->has_bytes_in_flight = false;
    out->bytes_in_flight = 0;
    out->dup_ack_num = 0;
    out->dup_ack_frame = 0;
}

void tcp_seq_segment(struct tcp_seq_state *s, int dir,
                     const struct ws_packet *pkt, uint64_t frame_no,
                     uint64_t ts_ns, struct tcp_seg_result *out)
{
    const struct ws_tcp *t = &pkt->u.tcp;
    struct tcp_ta_dir *fwd = &s->dir[dir ? 1 : 0];
    struct tcp_ta_dir *rev = &s->dir[dir ? 0 : 1];
    struct seg g = {t->seq, t->ack, pkt->payload_len, t->win,
                    t->flags, frame_no, ts_ns};
    uint32_t ta = 0;

    memset(out, 0, sizeof *out);
    if (s->reused_pending) {
        ta |= TA(TA_REUSED_PORTS);
        s->reused_pending = false;
    }
    ta |= handle_repeated_syn(fwd, &g);

    ta = analyze(s, fwd, rev, &g, ta, out);
    out->flags = ta;
    relative_numbers(fwd, rev, &g, out);

    track_handshake(s, fwd, &g);
    apply_options(fwd, t);
    if (options_cut(pkt)) {
        /* tshark stops at the cut (an exception in the option walk): the
         * analysis state is updated, but nothing of it is shown, and the
         * window scaling check of a SYN does not run. */
        hide_analysis(out);
        return;
    }
    if (has_any(&g, TCP_SYN))
        verify_window_scaling(fwd, rev, has_any(&g, TCP_ACK));
}

/* ---- presentation ----------------------------------------------------- */

static const char *const ta_names[TA_COUNT] = {
    [TA_RETRANSMISSION] = "retransmission",
    [TA_FAST_RETRANSMISSION] = "fast_retransmission",
    [TA_SPURIOUS_RETRANSMISSION] = "spurious_retransmission",
    [TA_OUT_OF_ORDER] = "out_of_order",
    [TA_LOST_SEGMENT] = "lost_segment",
    [TA_ACK_LOST_SEGMENT] = "ack_lost_segment",
    [TA_DUP_ACK] = "duplicate_ack",
    [TA_ZERO_WINDOW] = "zero_window",
    [TA_ZERO_WINDOW_PROBE] = "zero_window_probe",
    [TA_ZERO_WINDOW_PROBE_ACK] = "zero_window_probe_ack",
    [TA_WINDOW_FULL] = "window_full",
    [TA_WINDOW_UPDATE] = "window_update",
    [TA_KEEP_ALIVE] = "keep_alive",
    [TA_KEEP_ALIVE_ACK] = "keep_alive_ack",
    [TA_REUSED_PORTS] = "reused_ports",
};

const char *tcp_ta_name(enum tcp_ta_flag f)
{
    return (unsigned)f < TA_COUNT ? ta_names[f] : "unknown";
}

uint32_t tcp_seq_tshark_fields(const struct tcp_seg_result *r)
{
    uint32_t f = r->flags;
    if (f & (TA(TA_FAST_RETRANSMISSION) | TA(TA_SPURIOUS_RETRANSMISSION)))
        f |= TA(TA_RETRANSMISSION);
    return f;
}

/*
 * tshark prepends each mark to the Info column in this order, so they read
 * back to front: the last one prepended comes first.
 */
static const struct {
    enum tcp_ta_flag flag;
    const char *text;
} prepend_order[] = {
    {TA_REUSED_PORTS, "[TCP Port numbers reused] "},
    {TA_RETRANSMISSION, "[TCP Retransmission] "},
    {TA_FAST_RETRANSMISSION, "[TCP Fast Retransmission] "},
    {TA_SPURIOUS_RETRANSMISSION, "[TCP Spurious Retransmission] "},
    {TA_OUT_OF_ORDER, "[TCP Out-Of-Order] "},
    {TA_LOST_SEGMENT, "[TCP Previous segment not captured] "},
    {TA_ACK_LOST_SEGMENT, "[TCP ACKed unseen segment] "},
    {TA_WINDOW_UPDATE, "[TCP Window Update] "},
    {TA_WINDOW_FULL, "[TCP Window Full] "},
    {TA_KEEP_ALIVE, "[TCP Keep-Alive] "},
    {TA_KEEP_ALIVE_ACK, "[TCP Keep-Alive ACK] "},
    {TA_DUP_ACK, NULL}, /* "[TCP Dup ACK <frame>#<n>] " */
    {TA_ZERO_WINDOW_PROBE, "[TCP ZeroWindowProbe] "},
    {TA_ZERO_WINDOW, "[TCP ZeroWindow] "},
    {TA_ZERO_WINDOW_PROBE_ACK, "[TCP ZeroWindowProbeAck] "},
};

size_t tcp_seq_info_prefix(const struct tcp_seg_result *r, char *buf,
                           size_t size)
{
    size_t len = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = sizeof prepend_order / sizeof prepend_order[0]; i-- > 0;) {
        if (!(r->flags & TA(prepend_order[i].flag)))
            continue;
        char dup[64];
        const char *text = prepend_order[i].text;
        if (prepend_order[i].flag == TA_DUP_ACK) {
            if (!r->dup_ack_num)
                continue;
            snprintf(dup, sizeof dup, "[TCP Dup ACK %llu#%u] ",
                     (unsigned long long)r->dup_ack_frame, r->dup_ack_num);
            text = dup;
        }
        size_t n = strlen(text);
        if (len < size) {
            size_t room = size - len - 1;
            size_t copy = n < room ? n : room;
            memcpy(buf + len, text, copy);
            buf[len + copy] = '\0';
        }
        len += n;
    }
    return len;
}
