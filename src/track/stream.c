/* On-demand reassembly of a connection's byte streams from stored packets:
 * nothing is copied while capturing, so it costs memory only when asked. */
#include <stdlib.h>
#include <string.h>

#include "wirescope/decode.h"
#include "wirescope/stream.h"
#include "wirescope/xalloc.h"

#define STREAM_MAX_HELD 4096 /* segments waiting for a gap to fill */

struct held_seg {
    uint32_t rel_seq;
    uint32_t len;
    uint64_t packet; /* index in the store (from 0) */
};

struct side_state {
    bool started;
    uint32_t next;   /* relative sequence number expected next */
    struct held_seg held[STREAM_MAX_HELD];
    size_t nheld;
};

struct reasm {
    struct tcp_stream *st;
    const struct conn *c;
    struct store *store;
    int linktype;
    size_t max_bytes;
    struct ws_packet pkt;
    uint8_t bytes[262144];
    struct side_state side[2];
};

static void add_chunk(struct tcp_stream *st, int side, bool gap,
                      uint64_t packet, uint64_t offset, uint32_t len)
{
    if (st->nchunks && !gap) { /* merge with the previous chunk of the side */
        struct stream_chunk *last = &st->chunks[st->nchunks - 1];
        if (last->side == side && !last->gap && last->offset + last->len == offset &&
            last->packet == packet) {
            last->len += len;
            return;
        }
    }
    if (st->nchunks == st->chunks_cap) {
        st->chunks_cap = st->chunks_cap ? st->chunks_cap * 2 : 64;
        st->chunks = xrealloc(st->chunks, st->chunks_cap * sizeof *st->chunks);
    }
    st->chunks[st->nchunks++] = (struct stream_chunk){
        .side = (uint8_t)side, .gap = gap, .packet = packet, .offset = offset,
        .len = len};
}

static void append_bytes(struct reasm *r, int side, const uint8_t *p,
                         uint32_t len, uint64_t packet)
{
    struct tcp_stream *st = r->st;
    if (st->len[side] + len > r->max_bytes) {
        st->limited[side] = true;
        len = (uint32_t)(r->max_bytes - st->len[side]);
    }
    if (!len)
        return;
    if (st->len[side] + len > st->cap[side]) {
        size_t cap = st->cap[side] ? st->cap[side] : 4096;
        while (cap < st->len[side] + len)
            cap *= 2;
        st->data[side] = xrealloc(st->data[side], cap);
        st->cap[side] = cap;
    }
    add_chunk(st, side, false, packet + 1, st->len[side] + st->gap_bytes[side], len);
    memcpy(st->data[side] + st->len[side], p, len);
    st->len[side] += len;
}

static void add_gap(struct reasm *r, int side, uint32_t len, uint64_t packet)
{
    if (r->st->limited[side])
        return; /* past max_bytes the kept stream has no offset for it */
    add_chunk(r->st, side, true, packet + 1,
              r->st->len[side] + r->st->gap_bytes[side], len);
    r->st->gap_bytes[side] += len;
}

static int seq_cmp(uint32_t a, uint32_t b)
{
    int32_t d = (int32_t)(a - b);
    return d < 0 ? -1 : d > 0;
}

/* Decodes stored packet n; returns its captured payload and wire payload
 * length, or false when it is not a TCP segment of this connection. */
static bool load_segment(struct reasm *r, uint64_t n, int *side,
                         uint32_t *rel_seq, const uint8_t **payload,
                         uint32_t *captured, uint32_t *wire_len)
{
    const struct pkt_entry *e = store_entry(r->store, n);
    if (!e || e->conn_id != (uint32_t)r->c->id)
        return false;
    size_t got = store_read_bytes(r->store, n, r->bytes, sizeof r->bytes);
    decode_reset(&r->pkt, r->bytes, (uint32_t)got, e->len, r->linktype);
    decode_packet(&r->pkt);
    if (r->pkt.ip_proto != 6 || !r->pkt.l4_off)
        return false;
    const struct conn *c = r->c;
    *side = (r->pkt.sport == c->port[SIDE_CLIENT] &&
             addr_cmp(&r->pkt.src, &c->addr[SIDE_CLIENT]) == 0) ? SIDE_CLIENT
                                                                : SIDE_SERVER;
    uint32_t seq = r->pkt.u.tcp.seq;
    if (r->pkt.u.tcp.flags & TCP_SYN)
        seq++; /* the SYN occupies one sequence number before the data */
    *rel_seq = seq - c->seq_base[*side];
    *wire_len = r->pkt.payload_len;
    uint32_t off = r->pkt.payload_off;
    *captured = off < got ? (uint32_t)got - off : 0;
    if (*captured > *wire_len)
        *captured = *wire_len;
    *payload = r->bytes + (off < got ? off : got);
    return true;
}

/* Appends the part of [rel_seq, rel_seq + wire_len) beyond `next`. */
static void deliver(struct reasm *r, int side, uint32_t rel_seq,
                    const uint8_t *payload, uint32_t captured,
                    uint32_t wire_len, uint64_t packet)
{
    struct side_state *s = &r->side[side];
    uint32_t skip = s->next - rel_seq; /* bytes already delivered */
    r->st->overlap_bytes[side] += skip;
    if (captured > skip)
        append_bytes(r, side, payload + skip, captured - skip, packet);
    if (wire_len > (captured > skip ? captured : skip)) /* cut by the snaplen */
        add_gap(r, side, wire_len - (captured > skip ? captured : skip), packet);
    s->next = rel_seq + wire_len;
}

static void hold(struct reasm *r, int side, uint32_t rel_seq, uint32_t len,
                 uint64_t packet)
{
    struct side_state *s = &r->side[side];
    if (s->nheld == STREAM_MAX_HELD)
        return; /* unreachable: process_packet makes room first (guard) */
    s->held[s->nheld++] = (struct held_seg){rel_seq, len, packet};
}

static int held_index_of_lowest(const struct side_state *s)
{
    int best = -1;
    for (size_t i = 0; i < s->nheld; i++)
        if (best < 0 || seq_cmp(s->held[i].rel_seq, s->held[best].rel_seq) < 0)
            best = (int)i;
    return best;
}

static void remove_held(struct side_state *s, int i)
{
    s->held[i] = s->held[--s->nheld];
}

/* Delivers held segments that the stream has now reached; with `force`,
 * jumps the gaps in front of them too (end of the connection). */
static void drain_held(struct reasm *r, int side, bool force)
{
    struct side_state *s = &r->side[side];
    int i;
    while ((i = held_index_of_lowest(s)) >= 0) {
        struct held_seg h = s->held[i];
        if (seq_cmp(h.rel_seq, s->next) > 0) {
            if (!force)
                return;
            add_gap(r, side, h.rel_seq - s->next, h.packet);
            s->next = h.rel_seq;
        }
        remove_held(s, i);
        if (seq_cmp(h.rel_seq + h.len, s->next) <= 0) {
            r->st->overlap_bytes[side] += h.len;
            continue;
        }
        int seg_side;
        uint32_t rel_seq, captured, wire_len;
        const uint8_t *payload;
        if (load_segment(r, h.packet, &seg_side, &rel_seq, &payload, &captured,
                         &wire_len))
            deliver(r, side, rel_seq, payload, captured, wire_len, h.packet);
    }
}

static void process_packet(struct reasm *r, uint64_t n)
{
    int side;
    uint32_t rel_seq, captured, wire_len;
    const uint8_t *payload;
    if (!load_segment(r, n, &side, &rel_seq, &payload, &captured, &wire_len))
        return;
    struct side_state *s = &r->side[side];
    if (!s->started) {
        /* With the SYN seen data starts at relative 1; mid-stream at the
         * first segment's sequence number. */
        s->next = r->c->mark[MARK_SYN] || (r->pkt.u.tcp.flags & TCP_SYN) ? 1 : rel_seq;
        s->started = true;
    }
    if (wire_len == 0)
        return;
    if (seq_cmp(rel_seq + wire_len, s->next) <= 0) {
        r->st->overlap_bytes[side] += wire_len; /* wholly retransmitted */
        return;
    }
    if (seq_cmp(rel_seq, s->next) > 0) {
        if (s->nheld < STREAM_MAX_HELD) {
            hold(r, side, rel_seq, wire_len, n);
            return;
        }
        /* Too many segments waiting: stop waiting for the lowest hole,
         * record it as a gap and go on from the segment after it. */
        struct held_seg lo = s->held[held_index_of_lowest(s)];
        if (seq_cmp(lo.rel_seq, rel_seq) < 0) {
            add_gap(r, side, lo.rel_seq - s->next, lo.packet);
            s->next = lo.rel_seq;
            drain_held(r, side, false); /* delivers lo at least */
            process_packet(r, n);       /* below the bound now */
            return;
        }
        add_gap(r, side, rel_seq - s->next, n);
        s->next = rel_seq;
    }
    deliver(r, side, rel_seq, payload, captured, wire_len, n);
    drain_held(r, side, false);
}

void stream_reassemble(struct tcp_stream *st, const struct conn *c,
                       struct store *s, int linktype, size_t max_bytes)
{
    memset(st, 0, sizeof *st);
    struct reasm *r = xcalloc(1, sizeof *r);
    r->st = st;
    r->c = c;
    r->store = s;
    r->linktype = linktype;
    r->max_bytes = max_bytes;
    uint64_t end = store_count(s);
    for (uint64_t n = store_first(s); n < end; n++)
        process_packet(r, n);
    drain_held(r, SIDE_CLIENT, true);
    drain_held(r, SIDE_SERVER, true);
    free(r);
}

void stream_free(struct tcp_stream *st)
{
    free(st->data[0]);
    free(st->data[1]);
    free(st->chunks);
    memset(st, 0, sizeof *st);
}
