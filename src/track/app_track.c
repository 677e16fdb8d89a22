/* Application-layer tracking: transactions, expected flows, per-flow state.
 * Decoder thread only; readers run after it finished or inside it. */
#include <stdlib.h>
#include <string.h>

#include "wirescope/app.h"
#include "wirescope/flow.h"
#include "wirescope/rtp_stats.h"
#include "wirescope/sanitize.h"
#include "wirescope/textbuf.h"
#include "wirescope/xalloc.h"

#define EXPECT_MAX 256            /* announced flows waiting for their SYN */
#define STATE_BUDGET (64u << 20)  /* per-flow protocol state, all flows */
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
    void *state;
    size_t size;
};

struct app_tracker {
    /* transactions: a ring of the last max_txns, oldest evicted */
    struct txn *txns;
    uint32_t max_txns;
    uint64_t next_id;  /* ids are positions: txn id i lives at i % max */
    uint64_t evicted;
    /* open transactions by (proto, scope, key): ids + 1, 0 = empty */
    uint64_t open[1u << OPEN_BITS];
    struct expectation expect[EXPECT_MAX];
    uint64_t expect_seq;
    struct flow_slot *slots;
    uint32_t slot_mask;
    uint32_t slot_used;  /* live + deleted */
    size_t state_bytes;
    struct rtp_table *rtp;
};

#define SLOT_EMPTY UINT64_MAX
#define SLOT_GONE (UINT64_MAX - 1)

struct app_tracker *app_tracker_new(uint32_t max_txns)
{
    struct app_tracker *t = xcalloc(1, sizeof *t);
    t->max_txns = max_txns ? max_txns : 1;
    /* the ring grows as transactions arrive (doubling), up to max_txns */
    t->slot_mask = 1023;
    t->slots = xmalloc((t->slot_mask + 1) * sizeof *t->slots);
    for (uint32_t i = 0; i <= t->slot_mask; i++)
        t->slots[i] = (struct flow_slot){SLOT_EMPTY, UINT64_MAX, 0, NULL, 0};
    return t;
}

void app_tracker_free(struct app_tracker *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i <= t->slot_mask; i++)
        free(t->slots[i].state);
    free(t->slots);
    free(t->txns);
    rtp_table_free(t->rtp);
    free(t);
}

/* --- transactions --- */

static uint64_t txn_cap(const struct app_tracker *t)
{
    uint64_t n = t->next_id;
    return n < t->max_txns ? n : t->max_txns;
}

static struct txn *txn_at(const struct app_tracker *t, uint64_t id)
{
    if (id >= t->next_id || t->next_id - id > t->max_txns)
        return NULL; /* not yet made, or evicted */
    return &t->txns[id % t->max_txns];
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

static void grow_ring(struct app_tracker *t)
{
    uint64_t have = txn_cap(t);
    if (have < t->max_txns && (have & (have - 1)) == 0) {
        uint64_t n = have ? have * 2 : 64;
        if (n > t->max_txns)
            n = t->max_txns;
        /* ids below max_txns sit at their own index, so a realloc keeps them */
        t->txns = xrealloc(t->txns, (size_t)n * sizeof *t->txns);
    }
}

static void copy_clean(char *dst, size_t size, const char *src)
{
    char tmp[256];
    struct textbuf tb;
    tb_init(&tb, tmp, sizeof tmp);
    sanitize_bytes(&tb, (const uint8_t *)src, strnlen(src, size - 1), false);
    size_t n = tb.len < size - 1 ? tb.len : size - 1;
    memcpy(dst, tmp, n);
    dst[n] = 0;
}

struct txn *txn_open(struct app_ctx *ctx, int proto, uint64_t scope,
                     uint64_t key, const char *what, const char *label)
{
    struct app_tracker *t = ctx->t;
    struct txn *old = txn_find(ctx, proto, scope, key);
    if (old)
        old->done = true; /* superseded: left unanswered */
    grow_ring(t);
    if (t->next_id >= t->max_txns)
        t->evicted++;
    uint64_t id = t->next_id++;
    struct txn *x = &t->txns[id % t->max_txns];
    memset(x, 0, sizeof *x);
    x->id = id;
    x->proto = (uint8_t)proto;
    x->flow_id = ctx->flow ? ctx->flow->id : UINT64_MAX;
    x->scope = scope;
    x->key = key;
    copy_clean(x->what, sizeof x->what, what ? what : "");
    *open_slot(t, proto, scope, key) = id + 1;
    txn_add(ctx, x, label);
    return x;
}

void txn_add(struct app_ctx *ctx, struct txn *x, const char *label)
{
    if (!x || x->nmsgs >= TXN_MSGS)
        return;
    struct txn_msg *m = &x->msgs[x->nmsgs++];
    m->packet = ctx->number;
    m->ts_ns = ctx->ts_ns;
    m->dir = (uint8_t)ctx->dir;
    copy_clean(m->label, sizeof m->label, label ? label : "");
}

void txn_done(struct app_ctx *ctx, struct txn *x, const char *result)
{
    (void)ctx;
    if (!x)
        return;
    x->done = true;
    copy_clean(x->result, sizeof x->result, result ? result : "");
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

static void slot_rehash(struct app_tracker *t, uint32_t new_mask)
{
    struct flow_slot *old = t->slots;
    uint32_t old_mask = t->slot_mask;
    t->slots = xmalloc(((size_t)new_mask + 1) * sizeof *t->slots);
    t->slot_mask = new_mask;
    t->slot_used = 0;
    for (uint32_t i = 0; i <= new_mask; i++)
        t->slots[i] = (struct flow_slot){SLOT_EMPTY, UINT64_MAX, 0, NULL, 0};
    for (uint32_t i = 0; i <= old_mask; i++) {
        if (old[i].flow_id >= SLOT_GONE)
            continue;
        uint32_t j = slot_hash(old[i].flow_id) & new_mask;
        while (t->slots[j].flow_id != SLOT_EMPTY)
            j = (j + 1) & new_mask;
        t->slots[j] = old[i];
        t->slot_used++;
    }
    free(old);
}

static struct flow_slot *slot_get(struct app_tracker *t, uint64_t id)
{
    struct flow_slot *s = slot_find(t, id);
    if (s)
        return s;
    if ((t->slot_used + 1) * 4 > (t->slot_mask + 1) * 3)
        slot_rehash(t, t->slot_used * 2 > t->slot_mask ? t->slot_mask * 2 + 1
                                                      : t->slot_mask);
    uint32_t i = slot_hash(id) & t->slot_mask;
    while (t->slots[i].flow_id < SLOT_GONE)
        i = (i + 1) & t->slot_mask;
    if (t->slots[i].flow_id == SLOT_EMPTY)
        t->slot_used++;
    t->slots[i] = (struct flow_slot){id, UINT64_MAX, 0, NULL, 0};
    return &t->slots[i];
}

void *app_flow_state(struct app_ctx *ctx, size_t size)
{
    struct app_tracker *t = ctx->t;
    if (!ctx->flow || size == 0 || size > APP_STATE_MAX)
        return NULL;
    struct flow_slot *s = slot_get(t, ctx->flow->id);
    if (s->state && s->size >= size)
        return s->state;
    if (t->state_bytes + size > STATE_BUDGET)
        return NULL;
    void *p = xrealloc(s->state, size);
    memset((char *)p + s->size, 0, size - s->size);
    t->state_bytes += size - s->size;
    s->state = p;
    s->size = size;
    return p;
}

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
        free(s->state);
        t->state_bytes -= s->size;
        *s = (struct flow_slot){SLOT_GONE, UINT64_MAX, 0, NULL, 0};
    }
    for (int i = 0; i < EXPECT_MAX; i++)
        if (t->expect[i].used && t->expect[i].parent == f->id)
            t->expect[i].used = false;
}

/* --- expected flows --- */

void app_expect(struct app_ctx *ctx, int proto, const struct ws_addr *addr,
                uint16_t port, uint8_t ip_proto)
{
    struct app_tracker *t = ctx->t;
    struct expectation *slot = NULL;
    for (int i = 0; i < EXPECT_MAX; i++) {
        struct expectation *e = &t->expect[i];
        bool same = e->used && e->port == port && e->ip_proto == ip_proto &&
                    e->any_addr == !addr && (!addr || addr_cmp(&e->addr, addr) == 0);
        if (same || !e->used) {
            slot = e;
            if (same)
                break;
        }
    }
    if (!slot) { /* full: replace the oldest */
        slot = &t->expect[0];
        for (int i = 1; i < EXPECT_MAX; i++)
            if (t->expect[i].seq < slot->seq)
                slot = &t->expect[i];
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
            e->used = false;
        return;
    }
}
