/* Application-layer tracking: transactions, expected flows, per-flow state.
 * Decoder thread only; readers run after it finished or inside it. */
#include <stdlib.h>
#include <string.h>

#include "wirescope/app.h"
#include "wirescope/flow.h"
#include "wirescope/rtp_stats.h"
#include "wirescope/xalloc.h"

#define EXPECT_MAX APP_EXPECT_MAX /* announced flows waiting for their SYN */
#define STATE_BUDGET APP_STATE_BUDGET /* per-flow protocol state, all flows */
#define OPEN_BITS 16              /* open-transaction index: 64 Ki slots */

struct expectation {
    bool used;
    uint8_t proto, ip_proto;
    bool any_addr;
    struct ws_addr addr;
    uint16_t port;
    uint64_t parent;   /* announcing flow id */
    uint64_t seq;      /* age, for replacing the oldest */
};

/* Per-flow state and parent links, in one open-addressing map by flow id. */
struct flow_slot {
    uint64_t flow_id;  /* UINT64_MAX = empty, UINT64_MAX - 1 = deleted */
    uint64_t parent;   /* UINT64_MAX = none */
    int announced;     /* the protocol its parent announced, P_NONE = none */
    bool used;         /* state asked for since the reclaim hand last passed */
    bool lost;         /* its state was reclaimed at least once */
    void *state;
    size_t size;
};
/* the two flags live in the padding: test/hardening/bounds.py sizes the
 * slot table with 40 B a slot */
_Static_assert(sizeof(struct flow_slot) == 40, "struct flow_slot grew");
#define SLOT_FREE(id) ((struct flow_slot){(id), UINT64_MAX, 0, false, false, NULL, 0})

/* Text and moved message arrays of transactions, in chunks used in order
 * and freed in order: a chunk goes once every transaction that wrote into
 * it is evicted (the ring evicts by id, so max_id tells). */
#define POOL_CHUNK (64u << 10)
struct pool_chunk {
    struct pool_chunk *next; /* the next newer chunk */
    uint64_t max_id;         /* highest transaction id with data here */
    size_t used;
    _Alignas(8) char data[];
};

#define TXN_CHUNK_SHIFT 10 /* 1024 records (128 KiB) per chunk of the ring */
#define TXN_CHUNK (1u << TXN_CHUNK_SHIFT)

struct app_tracker {
    /* transactions: a ring of the last max_txns, oldest evicted; position
     * i lives in chunk i >> TXN_CHUNK_SHIFT, allocated when first reached,
     * so records never move */
    struct txn **txn_chunks;
    uint32_t max_txns;
    struct pool_chunk *pool_head, *pool_tail; /* oldest, newest */
    uint64_t next_id;  /* ids are positions: txn id i lives at i % max */
    uint64_t evicted;
    /* open transactions by (proto, scope, key): ids + 1, 0 = empty */
    uint64_t open[1u << OPEN_BITS];
    struct expectation expect[EXPECT_MAX];
    uint64_t expect_seq;
    uint32_t expect_live;     /* entries in use */
    uint64_t expect_evicted;  /* replaced while still waiting (table full) */
    struct flow_slot *slots;
    uint32_t slot_mask;
    uint32_t slot_used;  /* live + deleted */
    uint32_t slot_live;  /* live only: what the table's size follows */
    size_t state_bytes;
    uint32_t reclaim_hand; /* the CLOCK sweep's next slot */
    uint64_t reclaimed;    /* states reclaimed (a flow may lose it again) */
    struct rtp_table *rtp;
};

#define SLOT_EMPTY UINT64_MAX
#define SLOT_GONE (UINT64_MAX - 1)

/* An expectation leaves the table (matched, or its announcer evicted). */
static void expect_drop(struct app_tracker *t, struct expectation *e)
{
    e->used = false;
    t->expect_live--;
}

struct app_tracker *app_tracker_new(uint32_t max_txns)
{
    struct app_tracker *t = xcalloc(1, sizeof *t);
    t->max_txns = max_txns ? max_txns : 1;
    t->txn_chunks = xcalloc(((size_t)t->max_txns + TXN_CHUNK - 1) >> TXN_CHUNK_SHIFT,
                            sizeof *t->txn_chunks);
    t->slot_mask = 1023;
    t->slots = xmalloc((t->slot_mask + 1) * sizeof *t->slots);
    for (uint32_t i = 0; i <= t->slot_mask; i++)
        t->slots[i] = SLOT_FREE(SLOT_EMPTY);
    return t;
}

void app_tracker_free(struct app_tracker *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i <= t->slot_mask; i++)
        free(t->slots[i].state);
    free(t->slots);
    size_t nchunks = ((size_t)t->max_txns + TXN_CHUNK - 1) >> TXN_CHUNK_SHIFT;
    for (size_t i = 0; i < nchunks; i++)
        free(t->txn_chunks[i]);
    free(t->txn_chunks);
    while (t->pool_head) {
        struct pool_chunk *next = t->pool_head->next;
        free(t->pool_head);
        t->pool_head = next;
    }
    rtp_table_free(t->rtp);
    free(t);
}

/* --- transactions --- */

static uint64_t txn_cap(const struct app_tracker *t)
{
    uint64_t n = t->next_id;
    return n < t->max_txns ? n : t->max_txns;
}

/* The record of ring position pos (< max_txns), its chunk made on demand. */
static struct txn *txn_slot(struct app_tracker *t, uint64_t pos)
{
    struct txn **chunk = &t->txn_chunks[pos >> TXN_CHUNK_SHIFT];
    if (!*chunk)
        *chunk = xalloc_populated(TXN_CHUNK * sizeof **chunk);
    return &(*chunk)[pos & (TXN_CHUNK - 1)];
}

static struct txn *txn_at(const struct app_tracker *t, uint64_t id)
{
    if (id >= t->next_id || t->next_id - id > t->max_txns)
        return NULL; /* not yet made, or evicted */
    uint64_t pos = id % t->max_txns;
    return &t->txn_chunks[pos >> TXN_CHUNK_SHIFT][pos & (TXN_CHUNK - 1)];
}

static uint32_t open_hash(int proto, uint64_t scope, uint64_t key)
{
    uint64_t h = (uint64_t)proto * 0x9e3779b97f4a7c15u ^ scope * 0xc2b2ae3d27d4eb4fu ^ key;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 32;
    return (uint32_t)h & ((1u << OPEN_BITS) - 1);
}

/* The open index is a cache: one slot per hash, a newer transaction with a
 * colliding hash replaces the older (which then can no longer be answered;
 * with 64 Ki slots that needs tens of thousands of unanswered requests). */
static uint64_t *open_slot(struct app_tracker *t, int proto, uint64_t scope,
                           uint64_t key)
{
    return &t->open[open_hash(proto, scope, key)];
}

struct txn *txn_find(struct app_ctx *ctx, int proto, uint64_t scope,
                     uint64_t key)
{
    uint64_t v = *open_slot(ctx->t, proto, scope, key);
    if (!v)
        return NULL;
    struct txn *x = txn_at(ctx->t, v - 1);
    if (!x || x->done || x->proto != proto || x->scope != scope || x->key != key)
        return NULL;
    return x;
}

/* size bytes (at most POOL_CHUNK - 8) of transaction id's data, aligned
 * to align (1 for text, 8 for messages). */
static void *pool_alloc(struct app_tracker *t, uint64_t id, size_t size,
                        size_t align)
{
    struct pool_chunk *c = t->pool_tail;
    size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
    if (!c || at > POOL_CHUNK || POOL_CHUNK - at < size) {
        c = xalloc_populated(sizeof *c + POOL_CHUNK);
        c->next = NULL;
        c->max_id = id;
        c->used = 0;
        at = 0;
        if (t->pool_tail)
            t->pool_tail->next = c;
        else
            t->pool_head = c;
        t->pool_tail = c;
    }
    if (id > c->max_id)
        c->max_id = id;
    c->used = at + size;
    return c->data + at;
}

/* Frees the oldest chunks whose every writer left the ring. */
static void pool_release(struct app_tracker *t)
{
    uint64_t first_kept = t->next_id - txn_cap(t);
    while (t->pool_head && t->pool_head != t->pool_tail &&
           t->pool_head->max_id < first_kept) {
        struct pool_chunk *old = t->pool_head;
        t->pool_head = old->next;
        free(old);
    }
}

/*
 * src, text its dissector already sanitised (sanitize_bytes), cut to
 * size - 1 characters and kept in the pool. It is not escaped again (a
 * DNS name's \x01 would show as \\x01); a byte that is not printable
 * ASCII still becomes '?', so that nothing a caller passes reaches the
 * terminal raw.
 */
static const char *pool_text(struct app_tracker *t, uint64_t id, size_t size,
                             const char *src)
{
    size_t n = strnlen(src, size - 1);
    if (n == 0)
        return "";
    char *dst = pool_alloc(t, id, n + 1, 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)src[i];
        dst[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    dst[n] = 0;
    return dst;
}

struct txn *txn_open(struct app_ctx *ctx, int proto, uint64_t scope,
                     uint64_t key, const char *what, const char *label)
{
    struct app_tracker *t = ctx->t;
    struct txn *old = txn_find(ctx, proto, scope, key);
    if (old)
        old->done = true; /* superseded: left unanswered */
    if (t->next_id >= t->max_txns)
        t->evicted++;
    uint64_t id = t->next_id++;
    if (t->evicted)
        pool_release(t);
    struct txn *x = txn_slot(t, id % t->max_txns);
    memset(x, 0, sizeof *x);
    x->id = id;
    x->proto = (uint8_t)proto;
    x->flow_id = ctx->flow ? ctx->flow->id : UINT64_MAX;
    x->scope = scope;
    x->key = key;
    x->what = pool_text(t, id, TXN_WHAT, what ? what : "");
    x->result = "";
    x->msgs = x->first_msgs;
    *open_slot(t, proto, scope, key) = id + 1;
    txn_add(ctx, x, label);
    return x;
}

void txn_add(struct app_ctx *ctx, struct txn *x, const char *label)
{
    if (!x || x->nmsgs >= TXN_MSGS)
        return;
    if (x->nmsgs == TXN_MSGS_INLINE) { /* a third message: room for all */
        struct txn_msg *all = pool_alloc(ctx->t, x->id, TXN_MSGS * sizeof *all,
                                         _Alignof(struct txn_msg));
        memcpy(all, x->first_msgs, sizeof x->first_msgs);
        x->msgs = all;
    }
    struct txn_msg *m = &x->msgs[x->nmsgs++];
    m->packet = ctx->number;
    m->ts_ns = ctx->ts_ns;
    m->dir = (uint8_t)ctx->dir;
    m->label = pool_text(ctx->t, x->id, TXN_LABEL, label ? label : "");
}

void txn_done(struct app_ctx *ctx, struct txn *x, const char *result)
{
    if (!x)
        return;
    x->done = true;
    x->result = pool_text(ctx->t, x->id, TXN_RESULT, result ? result : "");
}

void app_tracker_foreach_txn(const struct app_tracker *t,
                             void (*fn)(const struct txn *x, void *arg),
                             void *arg)
{
    uint64_t first = t->next_id - txn_cap(t);
    for (uint64_t id = first; id < t->next_id; id++)
        fn(txn_at(t, id), arg);
}

uint64_t app_tracker_txn_count(const struct app_tracker *t) { return t->next_id; }
uint64_t app_tracker_txn_evicted(const struct app_tracker *t) { return t->evicted; }
uint64_t app_tracker_expect_evicted(const struct app_tracker *t) { return t->expect_evicted; }
struct rtp_table **app_tracker_rtp_slot(struct app_tracker *t) { return &t->rtp; }
const struct rtp_table *app_tracker_rtp(const struct app_tracker *t) { return t->rtp; }

/* --- per-flow slots --- */

static uint32_t slot_hash(uint64_t id)
{
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdu;
    id ^= id >> 33;
    return (uint32_t)id;
}

static struct flow_slot *slot_find(const struct app_tracker *t, uint64_t id)
{
    for (uint32_t i = slot_hash(id) & t->slot_mask;; i = (i + 1) & t->slot_mask) {
        struct flow_slot *s = &t->slots[i];
        if (s->flow_id == id)
            return s;
        if (s->flow_id == SLOT_EMPTY)
            return NULL;
    }
}

void app_tracker_prefetch(const struct app_tracker *t, const struct flow *f)
{
    if (t->slots)
        __builtin_prefetch(&t->slots[slot_hash(f->id) & t->slot_mask]);
}

static void slot_rehash(struct app_tracker *t, uint32_t new_mask)
{
    struct flow_slot *old = t->slots;
    uint32_t old_mask = t->slot_mask;
    t->slots = xmalloc(((size_t)new_mask + 1) * sizeof *t->slots);
    t->slot_mask = new_mask;
    t->slot_used = 0;
    t->slot_live = 0;
    for (uint32_t i = 0; i <= new_mask; i++)
        t->slots[i] = SLOT_FREE(SLOT_EMPTY);
    for (uint32_t i = 0; i <= old_mask; i++) {
        if (old[i].flow_id >= SLOT_GONE)
            continue;
        uint32_t j = slot_hash(old[i].flow_id) & new_mask;
        while (t->slots[j].flow_id != SLOT_EMPTY)
            j = (j + 1) & new_mask;
        t->slots[j] = old[i];
        t->slot_used++;
        t->slot_live++;
    }
    t->reclaim_hand &= new_mask;
    free(old);
}

static struct flow_slot *slot_get(struct app_tracker *t, uint64_t id)
{
    struct flow_slot *s = slot_find(t, id);
    if (s)
        return s;
    /* Full of live or deleted slots: doubles only when the live ones need
     * it (more than half), else rehashes in place to drop the deleted. The
     * size then follows the live flows (at most --max-flows), not every
     * flow that ever had state (a flood of short flows). */
    if ((t->slot_used + 1) * 4 > (t->slot_mask + 1) * 3)
        slot_rehash(t, (t->slot_live + 1) * 2 > t->slot_mask + 1 ? t->slot_mask * 2 + 1
                                                                 : t->slot_mask);
    uint32_t i = slot_hash(id) & t->slot_mask;
    while (t->slots[i].flow_id < SLOT_GONE)
        i = (i + 1) & t->slot_mask;
    if (t->slots[i].flow_id == SLOT_EMPTY)
        t->slot_used++;
    t->slot_live++;
    t->slots[i] = SLOT_FREE(id);
    return &t->slots[i];
}

static void state_free(struct app_tracker *t, struct flow_slot *s)
{
    free(s->state);
    t->state_bytes -= s->size;
    s->state = NULL;
    s->size = 0;
}

/*
 * Frees the state of other flows until `want` bytes came free, least
 * recently used first, approximately (CLOCK): the hand walks the slot
 * table; a slot whose state was asked for since the hand last passed only
 * loses that mark, one not asked for loses its state (its parent and
 * announced protocol stay). A step clears a mark some call set, frees a
 * block or passes a slot without state, and the hand goes on from there on
 * the next call, so a call usually takes a few steps, and never more than
 * two turns: `keep`, the flow asking, is never taken, and every other block
 * together always covers `want` (a flow asks for at most APP_STATE_MAX, far
 * below the budget), so the second turn finds them all unmarked.
 */
static bool state_reclaim(struct app_tracker *t, const struct flow_slot *keep,
                          size_t want)
{
    size_t freed = 0;
    uint64_t steps_left = 2 * ((uint64_t)t->slot_mask + 1);
    while (freed < want && steps_left--) {
        struct flow_slot *s = &t->slots[t->reclaim_hand];
        t->reclaim_hand = (t->reclaim_hand + 1) & t->slot_mask;
        if (s == keep || !s->state)
            continue;
        if (s->used) {
            s->used = false;
            continue;
        }
        freed += s->size;
        state_free(t, s);
        s->lost = true;
        t->reclaimed++;
    }
    return freed >= want;
}

void *app_flow_state(struct app_ctx *ctx, size_t size)
{
    struct app_tracker *t = ctx->t;
    if (!ctx->flow || size == 0 || size > APP_STATE_MAX)
        return NULL;
    struct flow_slot *s = slot_get(t, ctx->flow->id);
    s->used = true;
    if (s->state && s->size >= size)
        return s->state;
    size_t grow = size - s->size;
    if (t->state_bytes + grow > STATE_BUDGET &&
        !state_reclaim(t, s, t->state_bytes + grow - STATE_BUDGET))
        return NULL;
    void *p = xrealloc(s->state, size);
    memset((char *)p + s->size, 0, size - s->size);
    t->state_bytes += size - s->size;
    s->state = p;
    s->size = size;
    return p;
}

bool app_flow_state_lost(const struct app_ctx *ctx)
{
    const struct flow_slot *s = ctx->flow ? slot_find(ctx->t, ctx->flow->id) : NULL;
    return s && s->lost;
}

uint64_t app_tracker_state_reclaimed(const struct app_tracker *t) { return t->reclaimed; }
size_t app_tracker_state_bytes(const struct app_tracker *t) { return t->state_bytes; }

uint64_t app_flow_parent(const struct app_tracker *t, uint64_t flow_id)
{
    const struct flow_slot *s = slot_find(t, flow_id);
    return s ? s->parent : UINT64_MAX;
}

int app_flow_announced(const struct app_tracker *t, uint64_t flow_id)
{
    const struct flow_slot *s = slot_find(t, flow_id);
    return s ? s->announced : 0;
}

void app_tracker_flow_evicted(struct app_tracker *t, const struct flow *f)
{
    struct flow_slot *s = slot_find(t, f->id);
    if (s) {
        state_free(t, s);
        *s = SLOT_FREE(SLOT_GONE);
        t->slot_live--;
    }
    /* most evicted flows announced nothing: skip the scan when none waits */
    for (int i = 0; t->expect_live && i < EXPECT_MAX; i++)
        if (t->expect[i].used && t->expect[i].parent == f->id)
            expect_drop(t, &t->expect[i]);
}

void app_tracker_drop_state(struct app_tracker *t, const struct flow *f)
{
    struct flow_slot *s = slot_find(t, f->id);
    if (s && s->state)
        state_free(t, s);
}

/* --- expected flows --- */

void app_expect(struct app_ctx *ctx, int proto, const struct ws_addr *addr,
                uint16_t port, uint8_t ip_proto)
{
    struct app_tracker *t = ctx->t;
    /* one pass: the same endpoint announced again, else a free entry, else
     * the oldest (a flood of announcements runs this for every one) */
    struct expectation *slot = NULL, *oldest = NULL;
    uint64_t oldest_seq = UINT64_MAX;
    for (int i = 0; i < EXPECT_MAX; i++) {
        struct expectation *e = &t->expect[i];
        if (!e->used) {
            slot = e; /* the last free one */
            continue;
        }
        if (e->port == port && e->ip_proto == ip_proto && e->any_addr == !addr &&
            (!addr || addr_cmp(&e->addr, addr) == 0)) {
            slot = e;
            break;
        }
        if (e->seq < oldest_seq) {
            oldest_seq = e->seq;
            oldest = e;
        }
    }
    if (!slot) { /* full: replace the oldest, which is then never matched */
        slot = oldest;
        t->expect_evicted++;
    } else if (!slot->used) {
        t->expect_live++;
    }
    *slot = (struct expectation){
        .used = true,
        .proto = (uint8_t)proto,
        .ip_proto = ip_proto,
        .any_addr = !addr,
        .port = port,
        .parent = ctx->flow ? ctx->flow->id : UINT64_MAX,
        .seq = ++t->expect_seq,
    };
    if (addr)
        slot->addr = *addr;
}

static bool endpoint_matches(const struct expectation *e,
                             const struct ws_addr *a, uint16_t port)
{
    return e->port == port && (e->any_addr || addr_cmp(&e->addr, a) == 0);
}

void app_tracker_new_flow(struct app_tracker *t, struct flow *f)
{
    if (!t->expect_seq)
        return; /* nothing was ever announced: most captures */
    for (int i = 0; i < EXPECT_MAX; i++) {
        struct expectation *e = &t->expect[i];
        if (!e->used || e->ip_proto != f->key.proto)
            continue;
        if (!endpoint_matches(e, &f->key.lo, f->key.lo_port) &&
            !endpoint_matches(e, &f->key.hi, f->key.hi_port))
            continue;
        f->app = e->proto;
        struct flow_slot *s = slot_get(t, f->id);
        s->parent = e->parent;
        s->announced = e->proto;
        /* RTP/RTCP media may open several flows; a TCP data connection is
         * one, so its expectation is used up. */
        if (e->ip_proto == 6)
            expect_drop(t, e);
        return;
    }
}
