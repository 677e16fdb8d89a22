/* TCP connection tracker: one function changes state and logs it. */
#include <stdlib.h>
#include <string.h>

#include "wirescope/conn.h"
#include "wirescope/xalloc.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* struct conn's layout leaves no padding (see conn.h). */
_Static_assert(sizeof(struct conn) == 576, "struct conn grew");

static void inc_sat(uint32_t *n) { *n += *n != UINT32_MAX; }

#define CONN_IDLE_NEW_NS (600ull * 1000000000ull) /* SYN after 10 min idle */

/* Retained connections in id order; an evicted one leaves a hole (c NULL)
 * until a compaction squeezes the holes out. Lookup by id is a binary
 * search, so a long-lived connection at the front pins nothing behind it:
 * memory follows the connections kept, not the ids handed out. */
struct conn_slot {
    uint64_t id;
    struct conn *c;
};

/*
 * Connection records (each with its packed analysis after it, see
 * SEQ_INLINE) come from slabs of SLAB_RECS, mapped in one call when
 * allocated, and freed records are reused: the records of the
 * connections open at once then lie together in a few recent slabs, not
 * scattered through the heap between other allocations, and the first
 * write to each does not fault a page in. Under AddressSanitizer a free
 * record is poisoned, so a use after free is still reported.
 */
#define SLAB_RECS 2048
_Static_assert((sizeof(struct conn) + CONN_SEQ_INLINE) % 64 == 0,
               "records in a slab start on a cache line");

struct conn_table {
    unsigned char **slabs;
    size_t nslabs, slab_used; /* records handed out of the last slab */
    void *free_recs;          /* linked through each record's first bytes */
    struct conn_slot *slots;
    size_t len, cap;
    size_t holes;         /* slots whose connection was freed */
    uint64_t next_id;
    uint32_t max_conns;
    uint64_t retained;    /* non-NULL slots */
    uint64_t scan;        /* id where the next eviction scan resumes */
    uint64_t evicted;
    /* the analysis state of the segment at hand, unpacked from its
     * connection and packed back after it */
    struct tcp_seq_state work;
};

static const char *const state_names[TS_COUNT] = {
    "CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RECEIVED",
    "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSING",
    "TIME_WAIT",   "CLOSE_WAIT", "LAST_ACK",
};

static const char *const close_names[CLOSE_COUNT] = {
    "none", "open", "four-way", "three-way", "simultaneous",
    "half-close", "abort", "refused",
};

const char *conn_state_name(enum tcp_state s)
{
    return (unsigned)s < TS_COUNT ? state_names[s] : "?";
}

const char *conn_close_name(enum conn_close t)
{
    return (unsigned)t < CLOSE_COUNT ? close_names[t] : "?";
}

/* No more segments can reach c: its analysis state is no longer needed. */
/*
 * A connection's packed analysis lives right after its record, in the same
 * allocation, while it fits there: 209 bytes plus 24 per unacknowledged
 * range, so all but connections with two or more ranges open. Its lines
 * are then next to the record's and can be fetched with them, not one
 * miss later through the pointer; beyond that it moves to the heap.
 */
#define SEQ_INLINE CONN_SEQ_INLINE

static unsigned char *seq_inline(struct conn *c)
{
    return (unsigned char *)(c + 1);
}

static void release_analysis(struct conn *c)
{
    if (c->seq_packed != seq_inline(c))
        free(c->seq_packed);
    c->seq_packed = NULL;
    c->seq_room = 0;
}

/*
 * Puts the working state s back into c, packed. A closed connection,
 * which rarely sees another segment, keeps just what it needs; an open
 * one grows its room a quarter beyond the need (a few more unacknowledged
 * ranges then fit without a realloc), at most to the size of a state.
 */
static void pack_analysis(struct conn *c, const struct tcp_seq_state *s)
{
    size_t need = tcp_seq_packed_size(s);
    if (need <= SEQ_INLINE) {
        if (c->seq_packed != seq_inline(c)) {
            release_analysis(c);
            c->seq_packed = seq_inline(c);
            c->seq_room = SEQ_INLINE;
        }
        tcp_seq_pack(s, c->seq_packed);
        return;
    }
    if (c->seq_packed == seq_inline(c)) {
        c->seq_packed = NULL; /* moves to the heap */
        c->seq_room = 0;
    }
    size_t room = c->seq_room;
    if (c->closed)
        room = need;
    else if (need > room)
        room = need + need / 4 < sizeof *s ? need + need / 4 : sizeof *s;
    if (room != c->seq_room) {
        c->seq_packed = xrealloc(c->seq_packed, room);
        c->seq_room = (uint32_t)room;
    }
    tcp_seq_pack(s, c->seq_packed);
}

/* Written out: a loop cost more instructions than the prefetches. The
 * packed analysis is fetched where it lives while it fits after the
 * record (most connections), without waiting for the record's line that
 * says where it is. A prefetch past an allocation's end never faults. */
_Static_assert(sizeof(struct conn) == 9 * 64 && SEQ_INLINE == 4 * 64,
               "conn_prefetch covers the record and the analysis after it");
void conn_prefetch(const struct conn *c)
{
    const char *p = (const char *)c; /* a slab's records are line-aligned */
    __builtin_prefetch(p, 1);
    __builtin_prefetch(p + 64, 1);
    __builtin_prefetch(p + 128, 1);
    __builtin_prefetch(p + 192, 1);
    __builtin_prefetch(p + 256, 1);
    __builtin_prefetch(p + 320, 1);
    __builtin_prefetch(p + 384, 1);
    __builtin_prefetch(p + 448, 1);
    __builtin_prefetch(p + 512, 1);
    __builtin_prefetch(p + 576, 1);
    __builtin_prefetch(p + 640, 1);
    __builtin_prefetch(p + 704, 1);
    __builtin_prefetch(p + 768, 1);
}

#define REC_SIZE (sizeof(struct conn) + SEQ_INLINE)

/* A zeroed record. */
static struct conn *rec_alloc(struct conn_table *t)
{
    void *r = t->free_recs;
    if (r) {
        UNPOISON(r, REC_SIZE);
        memcpy(&t->free_recs, r, sizeof t->free_recs);
    } else {
        if (t->nslabs == 0 || t->slab_used == SLAB_RECS) {
            t->slabs = xrealloc(t->slabs, (t->nslabs + 1) * sizeof *t->slabs);
            t->slabs[t->nslabs++] = xalloc_populated(SLAB_RECS * REC_SIZE);
            t->slab_used = 0;
        }
        r = t->slabs[t->nslabs - 1] + t->slab_used++ * REC_SIZE;
    }
    memset(r, 0, REC_SIZE);
    return r;
}

static void rec_free(struct conn_table *t, struct conn *c)
{
    memcpy(c, &t->free_recs, sizeof t->free_recs);
    t->free_recs = c;
    POISON((unsigned char *)c + sizeof t->free_recs, REC_SIZE - sizeof t->free_recs);
}

/* Frees c and what it owns (not touching its owner's slot). */
static void conn_release(struct conn_table *t, struct conn *c)
{
    release_analysis(c);
    if (c->log != c->first_log)
        free(c->log);
    rec_free(t, c);
}

static void conn_free(struct conn_table *t, struct conn *c)
{
    if (!c)
        return;
    if (c->owner && *c->owner == c)
        *c->owner = NULL; /* a later segment then starts a new connection */
    conn_release(t, c);
}

struct conn_table *conn_table_new(uint32_t max_conns)
{
    struct conn_table *t = xcalloc(1, sizeof *t);
    t->max_conns = max_conns ? max_conns : 1;
    t->cap = 1024;
    t->slots = xcalloc(t->cap, sizeof *t->slots);
    return t;
}

void conn_table_free(struct conn_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->len; i++) {
        struct conn *c = t->slots[i].c;
        if (c) /* owners may be gone already: do not touch them */
            conn_release(t, c);
    }
    for (size_t i = 0; i < t->nslabs; i++) {
        UNPOISON(t->slabs[i], SLAB_RECS * REC_SIZE);
        free(t->slabs[i]);
    }
    free(t->slabs);
    free(t->slots);
    free(t);
}

uint64_t conn_table_count(const struct conn_table *t) { return t->next_id; }
uint64_t conn_table_evicted(const struct conn_table *t) { return t->evicted; }

/* Index of the first slot with id >= id (len when none). */
static size_t slot_lower_bound(const struct conn_table *t, uint64_t id)
{
    size_t lo = 0, hi = t->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->slots[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct conn *conn_table_get(struct conn_table *t, uint64_t id)
{
    size_t i = slot_lower_bound(t, id);
    return i < t->len && t->slots[i].id == id ? t->slots[i].c : NULL;
}

void conn_table_foreach(struct conn_table *t,
                        void (*fn)(const struct conn *c, void *arg), void *arg)
{
    for (size_t i = 0; i < t->len; i++)
        if (t->slots[i].c)
            fn(t->slots[i].c, arg);
}

static bool conn_finished(const struct conn *c)
{
    return c->closed || c->evicted;
}

/*
 * Squeezes out the holes left by evictions once they are half of the
 * array, so the cost per connection stays constant.
 */
static void compact_holes(struct conn_table *t)
{
    if (t->holes == 0 || t->holes < t->len / 2)
        return;
    size_t out = 0;
    for (size_t i = 0; i < t->len; i++)
        if (t->slots[i].c)
            t->slots[out++] = t->slots[i];
    t->len = out;
    t->holes = 0;
    if (t->cap > 1024 && t->len < t->cap / 4) {
        t->cap /= 2;
        t->slots = xrealloc(t->slots, t->cap * sizeof *t->slots);
    }
}

#define CONN_EVICT_SCAN 256 /* slots looked at per new connection, at most */

/*
 * Frees finished connections, oldest first, so that with the one about to
 * be created at most max_conns are kept. A connection still attached to a
 * flow is never freed (the flow limit bounds those): the scan steps over
 * it and resumes there next time, so one long-lived connection does not
 * pin the closed ones behind it. Each call looks at a bounded number of
 * slots; when all of them hold live connections the table stays above its
 * limit until they finish.
 */
static void enforce_limit(struct conn_table *t)
{
    size_t i = slot_lower_bound(t, t->scan);
    if (i >= t->len)
        i = 0;
    unsigned looked = 0;
    while (t->retained >= t->max_conns && i < t->len &&
           looked++ < CONN_EVICT_SCAN) {
        struct conn_slot *slot = &t->slots[i];
        if (slot->c && conn_finished(slot->c)) {
            conn_free(t, slot->c);
            slot->c = NULL;
            t->holes++;
            t->retained--;
            t->evicted++;
        }
        i++;
    }
    t->scan = i < t->len ? t->slots[i].id : 0;
    compact_holes(t);
}

static struct conn *conn_create(struct conn_table *t)
{
    enforce_limit(t);
    if (t->len == t->cap) {
        t->cap *= 2;
        t->slots = xrealloc(t->slots, t->cap * sizeof *t->slots);
    }
    struct conn *c = rec_alloc(t);
    c->id = t->next_id++;
    c->log = c->first_log;
    c->active_closer = -1;
    c->rst_side = -1;
    t->slots[t->len++] = (struct conn_slot){c->id, c};
    t->retained++;
    return c;
}

void conn_table_detach(struct conn_table *t, struct conn *c)
{
    (void)t;
    if (!c)
        return;
    if (!c->closed)
        c->evicted = true;
    c->owner = NULL;
    release_analysis(c);
}

/* ---- the single place where a side's state changes ---- */

static void conn_set_state(struct conn *c, int side, enum tcp_state to,
                           uint64_t ts_ns, uint64_t packet)
{
    enum tcp_state from = (enum tcp_state)c->state[side];
    if (from == to)
        return;
    c->state[side] = (uint8_t)to;
    if (to == TS_TIME_WAIT && !c->time_wait_ns[side])
        c->time_wait_ns[side] = ts_ns;
    if (c->log_len < CONN_LOG_MAX) {
        if (c->log_len == CONN_LOG_INLINE) { /* a long log: room for all */
            c->log = xmalloc(CONN_LOG_MAX * sizeof *c->log);
            memcpy(c->log, c->first_log, sizeof c->first_log);
        }
        struct conn_event *e = &c->log[c->log_len++];
        e->packet = packet;
        e->side = (uint8_t)side;
        e->from = (uint8_t)from;
        e->to = (uint8_t)to;
    } else {
        inc_sat(&c->log_dropped);
    }
}

/* ---- Zeek history ---- */

enum { HIST_SYN = 1, HIST_FIN = 2, HIST_RST = 4, HIST_DATA = 8, HIST_ACK = 16,
       HIST_MULTI = 32, HIST_FIN_RST = 64 };
enum { SCALED_T = 0, SCALED_W = 1, SCALED_C = 2 };

static void history_add(struct conn *c, int side, char code)
{
    if (c->history_len >= CONN_HISTORY_MAX)
        return;
    if (side == SIDE_SERVER && code >= 'A' && code <= 'Z')
        code = (char)(code - 'A' + 'a');
    c->history[c->history_len++] = code;
    c->history[c->history_len] = '\0';
}

/* True when this kind was already recorded for the side (Zeek's rule);
 * otherwise records it. */
static bool history_check(struct conn *c, int side, uint16_t mask, char code)
{
    if (c->hist_seen[side] & mask)
        return true;
    c->hist_seen[side] |= mask;
    history_add(c, side, code);
    return false;
}

static bool power_of_ten(uint32_t n)
{
    while (n >= 10 && n % 10 == 0)
        n /= 10;
    return n == 1;
}

/* T, W and C are logged at the 1st, 10th, 100th, ... occurrence. */
static void history_scaled(struct conn *c, int side, int which, char code)
{
    uint32_t *n = &c->hist_count[side][which];
    if (*n == UINT32_MAX)
        return;
    if (power_of_ten(++*n))
        history_add(c, side, code);
}

static void history_update(struct conn *c, int side, const struct ws_tcp *t,
                           uint32_t rel_seq, uint32_t len)
{
    uint16_t f = t->flags;
    int bits = !!(f & TCP_SYN) + !!(f & TCP_FIN) + !!(f & TCP_RST);
    if (bits > 1) {
        if ((f & TCP_FIN) && (f & TCP_RST))
            history_check(c, side, HIST_FIN_RST, 'I');
        else
            history_check(c, side, HIST_MULTI, 'Q');
    } else if (f & TCP_SYN) {
        char code = (f & TCP_ACK) ? 'H' : 'S';
        if (history_check(c, side, HIST_SYN, code) &&
            rel_seq != c->hist_last_syn[side])
            history_add(c, side, code);
        c->hist_last_syn[side] = rel_seq;
    } else if (f & TCP_FIN) {
        /* A FIN's sequence number is at the end of its data. */
        if (history_check(c, side, HIST_FIN, 'F') &&
            rel_seq + len != c->hist_last_fin[side])
            history_add(c, side, 'F');
        c->hist_last_fin[side] = rel_seq + len;
    } else if (f & TCP_RST) {
        if (history_check(c, side, HIST_RST, 'R') &&
            rel_seq != c->hist_last_rst[side])
            history_add(c, side, 'R');
        c->hist_last_rst[side] = rel_seq;
    } else if (len) {
        history_check(c, side, HIST_DATA, 'D');
    } else if (f & TCP_ACK) {
        history_check(c, side, HIST_ACK, 'A');
    }
}

/* ---- identity ---- */

static bool same_endpoint(const struct conn *c, int side,
                          const struct ws_addr *a, uint16_t port)
{
    return c->port[side] == port && addr_cmp(&c->addr[side], a) == 0;
}

static void conn_assign_sides(struct conn *c, const struct ws_packet *pkt)
{
    uint16_t f = pkt->u.tcp.flags;
    bool src_is_client;
    if ((f & TCP_SYN) && !(f & TCP_ACK))
        src_is_client = true;
    else if ((f & TCP_SYN) && (f & TCP_ACK))
        src_is_client = false;
    else /* mid-stream: the higher port is the client */
        src_is_client = pkt->sport >= pkt->dport;
    c->partial = !((f & TCP_SYN) && !(f & TCP_ACK));
    int cs = src_is_client ? 0 : 1;
    c->addr[cs] = pkt->src;
    c->port[cs] = pkt->sport;
    c->addr[!cs] = pkt->dst;
    c->port[!cs] = pkt->dport;
    c->vlan = pkt->vlan;
}

/* A SYN (without ACK) on a 5-tuple whose connection closed, idled out, or
 * saw a different SYN (port reuse, as tshark splits tcp.stream) starts a
 * new connection. */
static bool starts_new_connection(const struct conn *c,
                                  const struct tcp_seq_state *s, int side,
                                  const struct ws_packet *pkt, uint64_t ts_ns)
{
    const struct ws_tcp *t = &pkt->u.tcp;
    if (!(t->flags & TCP_SYN) || (t->flags & TCP_ACK))
        return false;
    if (c->closed || c->rst_side >= 0 || c->fin_seen[0] || c->fin_seen[1])
        return true;
    if (ts_ns > c->last_ns && ts_ns - c->last_ns > CONN_IDLE_NEW_NS)
        return true;
    return tcp_seq_starts_new_connection(s, side, pkt);
}

/* ---- state machine, one handler per kind of segment ---- */

static void mark_once(struct conn *c, enum conn_mark m, uint64_t ts)
{
    if (!c->mark[m])
        c->mark[m] = ts;
}

static bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

static void on_rst(struct conn *c, int side, uint64_t ts, uint64_t no)
{
    mark_once(c, MARK_RST, ts);
    if (c->rst_side < 0)
        c->rst_side = (int8_t)side;
    /* Zeek: a RST after both endpoints closed leaves them CLOSED */
    if (c->zeek[side] != ZEEK_CLOSED || c->zeek[!side] != ZEEK_CLOSED)
        c->zeek[side] = ZEEK_RESET;
    conn_set_state(c, side, TS_CLOSED, ts, no);
    conn_set_state(c, !side, TS_CLOSED, ts, no);
    c->closed = true;
}

/* Zeek: a SYN or SYN/ACK from an inactive responder establishes it, and
 * an originator waiting in SYN_SENT. */
static void zeek_responder_syn(struct conn *c)
{
    c->zeek[SIDE_SERVER] = ZEEK_ESTABLISHED;
    if (c->zeek[SIDE_CLIENT] == ZEEK_SYN_SENT)
        c->zeek[SIDE_CLIENT] = ZEEK_ESTABLISHED;
}

static void on_syn(struct conn *c, int side, const struct ws_tcp *t,
                   uint64_t ts, uint64_t no)
{
    if (t->flags & TCP_ACK) {
        mark_once(c, MARK_SYNACK, ts);
        if (!c->synack_seen) {
            c->synack_seen = true;
            c->synack_isn = t->seq;
        }
        if (c->zeek[side] == ZEEK_INACTIVE) {
            if (side == SIDE_SERVER)
                zeek_responder_syn(c);
            else
                c->zeek[side] = ZEEK_SYN_ACK_SENT;
        }
        enum tcp_state s = (enum tcp_state)c->state[side];
        if (s == TS_CLOSED || s == TS_LISTEN || s == TS_SYN_SENT)
            conn_set_state(c, side, TS_SYN_RECEIVED, ts, no);
        /* its SYN was missed: a SYN/ACK answers a SYN, so the peer is
         * in SYN_SENT */
        if (!c->mark[MARK_SYN] && c->state[!side] == TS_CLOSED)
            conn_set_state(c, !side, TS_SYN_SENT, ts, no);
        return;
    }
    mark_once(c, MARK_SYN, ts);
    if (c->zeek[side] == ZEEK_INACTIVE) {
        if (side == SIDE_SERVER)
            zeek_responder_syn(c);
        else
            c->zeek[side] = ZEEK_SYN_SENT;
    }
    if (c->state[side] == TS_CLOSED)
        conn_set_state(c, side, TS_SYN_SENT, ts, no);
    if (c->state[!side] == TS_CLOSED)
        conn_set_state(c, !side, TS_LISTEN, ts, no);
}

static void establish(struct conn *c, uint64_t ts, uint64_t no)
{
    conn_set_state(c, SIDE_CLIENT, TS_ESTABLISHED, ts, no);
    conn_set_state(c, SIDE_SERVER, TS_ESTABLISHED, ts, no);
}

/* An ACK without SYN: completes the handshake or a peer's FIN. */
static void on_ack(struct conn *c, int side, const struct ws_tcp *t,
                   uint64_t ts, uint64_t no)
{
    int peer = !side;
    if (side == SIDE_CLIENT && c->synack_seen && !c->mark[MARK_HS_ACK] &&
        c->state[SIDE_CLIENT] == TS_SYN_SENT && t->ack == c->synack_isn + 1) {
        mark_once(c, MARK_HS_ACK, ts);
        establish(c, ts, no);
    }
    if (c->fin_seen[peer] && !c->fin_acked[peer] &&
        seq_geq(t->ack, c->fin_ack_seq[peer])) {
        c->fin_acked[peer] = true;
        c->fin_ack_packet[peer] = no;
        mark_once(c, peer == SIDE_CLIENT ? MARK_FIN_C_ACKED : MARK_FIN_S_ACKED, ts);
        switch (c->state[peer]) {
        case TS_FIN_WAIT_1: conn_set_state(c, peer, TS_FIN_WAIT_2, ts, no); break;
        case TS_CLOSING: conn_set_state(c, peer, TS_TIME_WAIT, ts, no); break;
        case TS_LAST_ACK: conn_set_state(c, peer, TS_CLOSED, ts, no); break;
        default: break;
        }
    }
}

static void on_fin(struct conn *c, int side, const struct ws_tcp *t,
                   uint32_t len, uint64_t ts, uint64_t no)
{
    int peer = !side;
    if (c->fin_seen[side])
        return;
    c->fin_seen[side] = true;
    c->fin_ack_seq[side] = t->seq + len + 1;
    mark_once(c, side == SIDE_CLIENT ? MARK_FIN_C : MARK_FIN_S, ts);
    if (c->active_closer < 0)
        c->active_closer = (int8_t)side;
    else if (c->fin_seen[peer] && !c->fin_acked[peer])
        c->simultaneous = true; /* this FIN does not acknowledge the other */
    c->zeek[side] = ZEEK_CLOSED;
    enum tcp_state s = (enum tcp_state)c->state[side];
    /* A FIN that does not acknowledge the peer's FIN was sent before that
     * FIN arrived: this side was in FIN_WAIT_1, not CLOSE_WAIT, and the
     * peer's FIN takes it to CLOSING (RFC 9293 simultaneous close). */
    if (s == TS_CLOSE_WAIT && c->fin_seen[peer] && !c->fin_acked[peer])
        conn_set_state(c, side, TS_CLOSING, ts, no);
    else if (s == TS_CLOSE_WAIT)
        conn_set_state(c, side, TS_LAST_ACK, ts, no);
    else if (s != TS_CLOSED && s != TS_LAST_ACK && s != TS_CLOSING &&
             s != TS_TIME_WAIT)
        conn_set_state(c, side, TS_FIN_WAIT_1, ts, no);
    switch (c->state[peer]) {
    case TS_ESTABLISHED:
    case TS_SYN_RECEIVED:
    case TS_SYN_SENT:
        conn_set_state(c, peer, TS_CLOSE_WAIT, ts, no);
        break;
    case TS_FIN_WAIT_1: conn_set_state(c, peer, TS_CLOSING, ts, no); break;
    case TS_FIN_WAIT_2: conn_set_state(c, peer, TS_TIME_WAIT, ts, no); break;
    default: break;
    }
}

static bool side_done(const struct conn *c, int side)
{
    return c->state[side] == TS_CLOSED || c->state[side] == TS_TIME_WAIT;
}

static void track_state(struct conn *c, int side, const struct ws_packet *pkt,
                        uint64_t ts, uint64_t no)
{
    const struct ws_tcp *t = &pkt->u.tcp;
    uint32_t len = pkt->payload_len;
    if (t->flags & TCP_RST) {
        on_rst(c, side, ts, no);
        return;
    }
    if (c->partial && c->state[0] == TS_CLOSED && c->state[1] == TS_CLOSED &&
        !(t->flags & TCP_SYN))
        establish(c, ts, no); /* mid-stream: both sides already talking */
    if (c->zeek[side] == ZEEK_INACTIVE && !(t->flags & TCP_SYN)) {
        /* Zeek: a responder's payload-less reply to a pending SYN is not
         * a partial connection; an ACK to an established peer (whose
         * SYN/ACK was seen, the SYN missed) establishes this side. */
        if (side == SIDE_SERVER && len == 0 &&
            c->zeek[SIDE_CLIENT] == ZEEK_SYN_SENT)
            ;
        else if ((t->flags & TCP_ACK) && c->zeek[!side] == ZEEK_ESTABLISHED)
            c->zeek[side] = ZEEK_ESTABLISHED;
        else
            c->zeek[side] = ZEEK_PARTIAL;
    }
    if (t->flags & TCP_SYN)
        on_syn(c, side, t, ts, no);
    else if (t->flags & TCP_ACK)
        on_ack(c, side, t, ts, no);
    if (len) {
        mark_once(c, side == SIDE_CLIENT ? MARK_DATA_C2S : MARK_DATA_S2C, ts);
        if (c->fin_seen[!side] && !(t->flags & TCP_SYN))
            c->data_after_fin[side] = true;
    }
    if (t->flags & TCP_FIN) {
        /* FIN,ACK that acknowledges the other side's FIN: a three-way close */
        if (c->fin_seen[!side] && c->fin_acked[!side] && !c->fin_seen[side])
            c->fin_acked_by_fin = c->fin_ack_packet[!side] == no;
        on_fin(c, side, t, len, ts, no);
    }
    if (side_done(c, 0) && side_done(c, 1) && c->fin_seen[0] && c->fin_seen[1])
        c->closed = true;
}

static void count_analysis(struct conn *c, int side, uint32_t flags,
                           uint32_t len)
{
    /* only the set bits: usually none */
    for (uint32_t f = flags & ((1u << TA_COUNT) - 1); f; f &= f - 1) {
        inc_sat(&c->analysis[__builtin_ctz(f)]);
    }
    /* Zeek's 't' is a packet with retransmitted payload: not a SYN or FIN
     * retransmitted alone. */
    if (len && (flags & ((1u << TA_RETRANSMISSION) |
                         (1u << TA_FAST_RETRANSMISSION) |
                         (1u << TA_SPURIOUS_RETRANSMISSION))))
        history_scaled(c, side, SCALED_T, 'T');
    if (flags & (1u << TA_ZERO_WINDOW))
        history_scaled(c, side, SCALED_W, 'W');
}

static int sender_side(const struct conn *c, const struct ws_packet *pkt)
{
    return same_endpoint(c, SIDE_CLIENT, &pkt->src, pkt->sport) ? SIDE_CLIENT
                                                                : SIDE_SERVER;
}

static void count_segment(struct conn *c, int side, const struct ws_packet *pkt,
                          uint64_t ts_ns, uint32_t wire_len)
{
    uint16_t f = pkt->u.tcp.flags;
    c->pkts[side]++;
    c->bytes[side] += wire_len;
    c->payload[side] += pkt->payload_len;
    c->last_ns = ts_ns;
    c->mark[MARK_LAST] = ts_ns;
    if (((f & TCP_SYN) && (f & (TCP_FIN | TCP_RST))) ||
        !(f & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN | TCP_PSH | TCP_URG)))
        inc_sat(&c->bad_flags);
}

static void keep_analysis_figures(struct conn *c, const struct tcp_seq_state *s)
{
    for (int side = 0; side < 2; side++) {
        c->seq_base[side] = s->dir[side].base_seq;
        c->win_scale[side] = s->dir[side].win_scale;
    }
    c->first_rtt_ns = s->first_rtt_ns;
}

void conn_table_segment(struct conn_table *t, struct conn **cur,
                        const struct ws_packet *pkt, uint64_t packet_no,
                        uint64_t ts_ns, uint32_t wire_len, struct conn_seg *out)
{
    struct conn *c = *cur;
    struct tcp_seq_state *s = &t->work;
    bool reused = false;
    if (c) { /* an attached connection always has its state (else: a fresh one) */
        if (c->seq_packed)
            tcp_seq_unpack(s, c->seq_packed);
        else
            tcp_seq_init(s);
    }
    if (c && starts_new_connection(c, s, sender_side(c, pkt), pkt, ts_ns)) {
        reused = c->mark[MARK_SYN] != 0;
        c->closed = true; /* superseded: its 5-tuple starts over */
        c->owner = NULL;
        release_analysis(c);
        c = NULL;
    }
    if (!c) {
        c = conn_create(t);
        conn_assign_sides(c, pkt);
        c->first_ns = ts_ns;
        c->owner = cur;
        tcp_seq_init(s);
        if (reused)
            tcp_seq_mark_reused(s);
        *cur = c;
    }
    int side = sender_side(c, pkt);
    count_segment(c, side, pkt, ts_ns, wire_len);
    out->conn = c;
    out->side = side;
    tcp_seq_segment(s, side, pkt, packet_no, ts_ns, &out->ta);
    keep_analysis_figures(c, s);
    /* Zeek adds the packet's letter before its t / w */
    history_update(c, side, &pkt->u.tcp, out->ta.rel_seq, pkt->payload_len);
    count_analysis(c, side, out->ta.flags, pkt->payload_len);
    track_state(c, side, pkt, ts_ns, packet_no);
    pack_analysis(c, s);
}

void conn_table_bad_checksum(struct conn_table *t, struct conn **cur,
                             const struct ws_packet *pkt, uint64_t ts_ns,
                             uint32_t wire_len, struct conn_seg *out)
{
    (void)t;
    memset(out, 0, sizeof *out);
    struct conn *c = *cur;
    if (!c)
        return; /* nothing to attach it to: a corrupt packet opens nothing */
    int side = sender_side(c, pkt);
    count_segment(c, side, pkt, ts_ns, wire_len);
    inc_sat(&c->bad_checksum[side]);
    history_scaled(c, side, SCALED_C, 'C');
    out->conn = c;
    out->side = side;
}

/* ---- derived figures ---- */

static bool established(const struct conn *c)
{
    return c->mark[MARK_HS_ACK] || c->partial || c->state[0] == TS_ESTABLISHED;
}

enum conn_close conn_close_type(const struct conn *c)
{
    bool fin_c = c->fin_seen[0], fin_s = c->fin_seen[1];
    bool graceful_done = fin_c && fin_s && c->fin_acked[0] && c->fin_acked[1];
    if (c->rst_side >= 0 && !graceful_done) {
        if (!c->synack_seen && c->mark[MARK_SYN] && c->rst_side == SIDE_SERVER &&
            !c->mark[MARK_DATA_C2S] && !c->mark[MARK_DATA_S2C])
            return CLOSE_REFUSED;
        return CLOSE_ABORT;
    }
    if (fin_c || fin_s) {
        int closer = c->active_closer;
        if (closer >= 0 && c->data_after_fin[!closer])
            return CLOSE_HALF;
        if (!(fin_c && fin_s))
            return established(c) ? CLOSE_OPEN : CLOSE_NONE;
        if (c->simultaneous)
            return CLOSE_SIMULTANEOUS;
        if (c->fin_acked_by_fin)
            return CLOSE_THREE_WAY;
        return CLOSE_FOUR_WAY;
    }
    return established(c) ? CLOSE_OPEN : CLOSE_NONE;
}

/* Zeek's regular expression ^\^?S[^HAFGIQ]*R.* by hand. */
static bool history_is_syn_then_rst(const char *h)
{
    if (*h == '^')
        h++;
    if (*h++ != 'S')
        return false;
    for (; *h; h++) {
        if (*h == 'R')
            return true;
        if (strchr("HAFGIQ", *h))
            return false;
    }
    return false;
}

const char *conn_zeek_state(const struct conn *c)
{
    int os = c->zeek[SIDE_CLIENT], rs = c->zeek[SIDE_SERVER];
    bool o_inactive = os == ZEEK_INACTIVE || os == ZEEK_PARTIAL;
    bool r_inactive = rs == ZEEK_INACTIVE || rs == ZEEK_PARTIAL;
    if (rs == ZEEK_RESET) {
        if (os == ZEEK_SYN_SENT || os == ZEEK_SYN_ACK_SENT ||
            (os == ZEEK_RESET && c->payload[0] == 0 && c->payload[1] == 0))
            return "REJ";
        return o_inactive ? "RSTRH" : "RSTR";
    }
    if (os == ZEEK_RESET) {
        if (r_inactive)
            return history_is_syn_then_rst(c->history) ? "RSTOS0" : "OTH";
        return "RSTO";
    }
    if (rs == ZEEK_CLOSED && os == ZEEK_CLOSED)
        return "SF";
    if (os == ZEEK_CLOSED)
        return r_inactive ? "SH" : "S2";
    if (rs == ZEEK_CLOSED)
        return o_inactive ? "SHR" : "S3";
    if (os == ZEEK_SYN_SENT && rs == ZEEK_INACTIVE)
        return "S0";
    if (os == ZEEK_ESTABLISHED && rs == ZEEK_ESTABLISHED)
        return "S1";
    return "OTH";
}

static int64_t span(uint64_t from, uint64_t to)
{
    if (!from || !to || to < from)
        return CONN_NA;
    return (int64_t)(to - from);
}

void conn_times(const struct conn *c, struct conn_times *o)
{
    /* Exactly tcp.analysis.initial_rtt: the latest SYN to the first segment
     * with ACK and without SYN, from either side (so a refused connection
     * has one: SYN to RST,ACK). The sequence analysis keeps it. */
    o->initial_rtt = c->first_rtt_ns > 0 ? c->first_rtt_ns : CONN_NA;
    o->syn_synack = span(c->mark[MARK_SYN], c->mark[MARK_SYNACK]);
    o->synack_ack = span(c->mark[MARK_SYNACK], c->mark[MARK_HS_ACK]);
    o->ttfb = span(c->mark[MARK_DATA_C2S], c->mark[MARK_DATA_S2C]);
    uint64_t first_close = 0;
    if (c->active_closer >= 0)
        first_close = c->mark[c->active_closer == SIDE_CLIENT ? MARK_FIN_C : MARK_FIN_S];
    uint64_t end = 0;
    if (c->fin_acked[0] && c->fin_acked[1])
        end = c->mark[MARK_FIN_C_ACKED] > c->mark[MARK_FIN_S_ACKED]
                  ? c->mark[MARK_FIN_C_ACKED] : c->mark[MARK_FIN_S_ACKED];
    else if (c->mark[MARK_RST])
        end = c->mark[MARK_RST];
    if (!first_close)
        first_close = c->mark[MARK_RST];
    o->teardown = span(first_close, end);
    o->duration = span(c->first_ns, c->last_ns);
}
