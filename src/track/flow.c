/*
 * Flow table: bidirectional 5-tuple + VLAN conversations, bounded in size.
 *
 * Records live in fixed chunks of CHUNK_RECS records (2 MiB) allocated on
 * demand, so a record number i is found as
 * chunks[i >> CHUNK_SHIFT][i & CHUNK_MASK] and pointers never move; freed
 * records go on a free list. A record is 128 bytes and chunks are aligned,
 * so the key and the counters of a flow are two adjacent cache lines.
 *
 * The index is open addressing with linear probing over a power-of-two
 * array of {record number + 1 (0 = empty), 32-bit hash tag}. The tag's low
 * bits give the home slot, so probing, backward-shift deletion and
 * rehashing all work from the index alone without touching records; the
 * tag is compared before the full key. The index doubles as flows arrive,
 * up to twice max_flows, so the load factor stays <= 0.5. Deletion shifts
 * the following entries of the cluster back (no tombstones).
 *
 * The least-recently-seen order is a doubly linked list through record
 * numbers: head = least recent (next to evict), tail = most recent. Its
 * links are kept apart from the records in one compact array (8 bytes per
 * record) because every update relinks a flow, which touches its two
 * neighbours: those stay in cache far longer than whole records would.
 * The free list reuses the next links.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirescope/flow.h"
#include "wirescope/xalloc.h"

#define CHUNK_SHIFT 14 /* 16384 records of 128 bytes: one huge page */
#define CHUNK_RECS (1u << CHUNK_SHIFT)
#define CHUNK_MASK (CHUNK_RECS - 1)
#define NIL UINT32_MAX
#define MAX_FLOWS_LIMIT (1u << 30)
#define INDEX_INITIAL 1024u

_Static_assert(sizeof(struct flow_key) == 42,
               "flow_key must have no padding beyond pad[]");
_Static_assert(sizeof(struct flow) == 128, "a flow record is two cache lines");

struct link {
    uint32_t prev, next; /* record numbers, NIL at the ends */
};

struct slot {
    uint32_t rec1; /* record number + 1; 0 = empty */
    uint32_t tag;  /* hash tag of the flow; tag & mask = home slot */
};

struct flow_table {
    struct slot *index;
    uint32_t mask;      /* index slots - 1 */
    uint32_t grow_at;   /* count at which the index doubles before insert */
    uint32_t index_max; /* final index size: power of two >= 2 * max_flows */
    uint32_t max_flows;
    struct flow **chunks;
    uint32_t nchunks;   /* chunks allocated so far */
    uint32_t used;      /* records handed out from the chunks */
    struct link *links; /* per record, grown by doubling */
    uint32_t links_cap;
    uint32_t free_head; /* free records, linked through links[].next */
    uint32_t count;
    uint32_t lru_head, lru_tail; /* least / most recently seen */
    uint64_t k0, k1;
    uint32_t (*test_hash)(const struct flow_key *key);
    uint64_t created, evictions;
    void (*on_evict)(struct flow *f, void *arg);
    void *on_evict_arg;
};

static inline struct flow *rec(const struct flow_table *t, uint32_t i)
{
    return &t->chunks[i >> CHUNK_SHIFT][i & CHUNK_MASK];
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* An IPv4 key (both addresses v4-mapped) hashed as its 15 bytes that
 * vary: SipHash then takes 5 rounds instead of the 40-byte key's 9. The
 * two forms cannot be confused: equal keys give equal bytes, and lookups
 * compare whole keys. */
static inline uint32_t key_tag(const struct flow_table *t,
                               const struct flow_key *key)
{
    if (__builtin_expect(t->test_hash != NULL, 0))
        return t->test_hash(key);
    uint64_t h;
    if (addr_is_v4(&key->lo) && addr_is_v4(&key->hi)) {
        uint8_t b[15];
        memcpy(b, key->lo.b + 12, 4);
        memcpy(b + 4, key->hi.b + 12, 4);
        memcpy(b + 8, &key->lo_port, 2);
        memcpy(b + 10, &key->hi_port, 2);
        memcpy(b + 12, &key->vlan, 2);
        b[14] = key->proto;
        h = siphash13(b, sizeof b, t->k0, t->k1);
    } else {
        h = siphash13(key, sizeof *key, t->k0, t->k1);
    }
    return (uint32_t)(h ^ (h >> 32));
}

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t load_be64(const unsigned char *p)
{
    uint64_t v = load64(p);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
    const unsigned char *p = (const unsigned char *)a;
    const unsigned char *q = (const unsigned char *)b;
    uint64_t d = (load64(p) ^ load64(q)) | (load64(p + 8) ^ load64(q + 8)) |
                 (load64(p + 16) ^ load64(q + 16)) |
                 (load64(p + 24) ^ load64(q + 24)) |
                 (load64(p + 32) ^ load64(q + 32));
    uint16_t x, y;
    memcpy(&x, p + 40, 2);
    memcpy(&y, q + 40, 2);
    return d == 0 && x == y;
}

static uint32_t round_pow2(uint64_t n)
{
    uint64_t s = 1;
    while (s < n)
        s <<= 1;
    return (uint32_t)s;
}

struct flow_table *flow_table_new(uint32_t max_flows, uint64_t seed)
{
    if (max_flows == 0)
        max_flows = 1;
    if (max_flows > MAX_FLOWS_LIMIT)
        max_flows = MAX_FLOWS_LIMIT;
    struct flow_table *t = xcalloc(1, sizeof *t);
    t->max_flows = max_flows;
    t->index_max = round_pow2((uint64_t)max_flows * 2);
    if (t->index_max < 8)
        t->index_max = 8;
    uint32_t size = t->index_max < INDEX_INITIAL ? t->index_max : INDEX_INITIAL;
    t->index = xalloc_big((size_t)size * sizeof *t->index, true);
    t->mask = size - 1;
    t->grow_at = size == t->index_max ? UINT32_MAX : size / 2;
    t->chunks = xcalloc((max_flows + CHUNK_RECS - 1) / CHUNK_RECS,
                             sizeof *t->chunks);
    t->free_head = NIL;
    t->lru_head = t->lru_tail = NIL;
    uint64_t st = seed;
    t->k0 = splitmix64(&st);
    t->k1 = splitmix64(&st);
    return t;
}

void flow_table_free(struct flow_table *t)
{
    if (!t)
        return;
    for (uint32_t c = 0; c < t->nchunks; c++)
        free(t->chunks[c]);
    free(t->chunks);
    free(t->links);
    free(t->index);
    free(t);
}

static inline bool build_key(const struct ws_packet *pkt,
                             struct flow_key *key, bool *dir_lo2hi)
{
    if (pkt->ip_ver != 4 && pkt->ip_ver != 6)
        return false;
    /* memcmp order of the addresses (compared as two big-endian words,
     * which the compiler keeps inline), then the ports */
    uint64_t s0 = load_be64(pkt->src.b), d0 = load_be64(pkt->dst.b);
    uint64_t s1 = load_be64(pkt->src.b + 8), d1 = load_be64(pkt->dst.b + 8);
    bool lo2hi;
    if (s0 != d0)
        lo2hi = s0 < d0;
    else if (s1 != d1)
        lo2hi = s1 < d1;
    else
        lo2hi = pkt->sport <= pkt->dport;
    memset(key, 0, sizeof *key);
    if (lo2hi) {
        key->lo = pkt->src;
        key->hi = pkt->dst;
        key->lo_port = pkt->sport;
        key->hi_port = pkt->dport;
    } else {
        key->lo = pkt->dst;
        key->hi = pkt->src;
        key->lo_port = pkt->dport;
        key->hi_port = pkt->sport;
    }
    key->vlan = pkt->vlan;
    key->proto = pkt->ip_proto;
    *dir_lo2hi = lo2hi;
    return true;
}

bool flow_key_from_packet(const struct ws_packet *pkt, struct flow_key *key,
                          bool *dir_lo2hi)
{
    bool lo2hi;
    if (!build_key(pkt, key, &lo2hi))
        return false;
    if (dir_lo2hi)
        *dir_lo2hi = lo2hi;
    return true;
}

/* --- index --- */

/* Record number of the flow with this key and tag, or NIL; *empty gets the
 * empty slot that ended the probe (where the key would be inserted). */
static inline uint32_t index_lookup(const struct flow_table *t,
                                    const struct flow_key *key, uint32_t tag,
                                    uint32_t *empty)
{
    const struct slot *ix = t->index;
    uint32_t mask = t->mask;
    uint32_t pos = tag & mask;
    for (;;) {
        struct slot s = ix[pos];
        if (s.rec1 == 0)
            break;
        if (s.tag == tag) {
            const struct flow *f = rec(t, s.rec1 - 1);
            /* the counters are on the record's second line, and its
             * links are relinked next: fetch both while the key on the
             * first line is compared */
            __builtin_prefetch((const char *)f + 64, 1);
            __builtin_prefetch(&t->links[s.rec1 - 1], 1);
            if (key_eq(&f->key, key))
                return s.rec1 - 1;
        }
        pos = (pos + 1) & mask;
    }
    if (empty)
        *empty = pos;
    return NIL;
}

static uint32_t index_find_empty(const struct flow_table *t, uint32_t tag)
{
    uint32_t pos = tag & t->mask;
    while (t->index[pos].rec1 != 0)
        pos = (pos + 1) & t->mask;
    return pos;
}

/* Empties slot j and shifts later entries of its cluster back into the hole
 * whenever their home slot allows it, so every entry stays reachable from
 * its home without tombstones. */
static void index_remove_at(struct flow_table *t, uint32_t j)
{
    struct slot *ix = t->index;
    uint32_t mask = t->mask;
    for (;;) {
        ix[j].rec1 = 0;
        uint32_t k = j;
        for (;;) {
            k = (k + 1) & mask;
            if (ix[k].rec1 == 0)
                return;
            uint32_t home = ix[k].tag & mask;
            /* the entry may move to j when j lies in [home, k] cyclically,
             * i.e. home is at least as far back from k as j is */
            if (((k - home) & mask) >= ((k - j) & mask))
                break;
        }
        ix[j] = ix[k];
        j = k;
    }
}

static void index_grow(struct flow_table *t)
{
    uint32_t old_size = t->mask + 1;
    uint32_t size = old_size * 2;
    uint32_t mask = size - 1;
    struct slot *old = t->index;
    struct slot *ix = xalloc_big((size_t)size * sizeof *ix, true);
    for (uint32_t i = 0; i < old_size; i++) {
        if (old[i].rec1 == 0)
            continue;
        uint32_t pos = old[i].tag & mask;
        while (ix[pos].rec1 != 0)
            pos = (pos + 1) & mask;
        ix[pos] = old[i];
    }
    free(old);
    t->index = ix;
    t->mask = mask;
    t->grow_at = size >= t->index_max ? UINT32_MAX : size / 2;
}

/* --- least-recently-seen list --- */

static inline void lru_unlink(struct flow_table *t, uint32_t idx)
{
    struct link *l = t->links;
    uint32_t prev = l[idx].prev, next = l[idx].next;
    if (prev != NIL)
        l[prev].next = next;
    else
        t->lru_head = next;
    if (next != NIL)
        l[next].prev = prev;
    else
        t->lru_tail = prev;
}

static inline void lru_append(struct flow_table *t, uint32_t idx)
{
    struct link *l = t->links;
    l[idx].prev = t->lru_tail;
    l[idx].next = NIL;
    if (t->lru_tail != NIL)
        l[t->lru_tail].next = idx;
    else
        t->lru_head = idx;
    t->lru_tail = idx;
}

/* --- records --- */

static uint32_t rec_alloc(struct flow_table *t)
{
    if (t->free_head != NIL) {
        uint32_t i = t->free_head;
        t->free_head = t->links[i].next;
        return i;
    }
    uint32_t i = t->used++;
    if ((i & CHUNK_MASK) == 0) {
        uint32_t n = t->max_flows - i;
        if (n > CHUNK_RECS)
            n = CHUNK_RECS;
        t->chunks[t->nchunks++] = xalloc_big((size_t)n * sizeof(struct flow), false);
        if (i + n > t->links_cap) {
            uint64_t cap = (uint64_t)t->links_cap * 2;
            if (cap < (uint64_t)i + n)
                cap = (uint64_t)i + n;
            if (cap > t->max_flows)
                cap = t->max_flows;
            t->links = xrealloc(t->links, (size_t)cap * sizeof *t->links);
            t->links_cap = (uint32_t)cap;
        }
    }
    return i;
}

static void evict_lru(struct flow_table *t)
{
    uint32_t idx = t->lru_head;
    struct flow *f = rec(t, idx);
    if (t->on_evict)
        t->on_evict(f, t->on_evict_arg);
    uint32_t pos = f->hash & t->mask;
    while (t->index[pos].rec1 != idx + 1)
        pos = (pos + 1) & t->mask;
    index_remove_at(t, pos);
    lru_unlink(t, idx);
    t->links[idx].prev = NIL;
    t->links[idx].next = t->free_head;
    t->free_head = idx;
    t->count--;
    t->evictions++;
}

/* --- public --- */

struct flow *flow_table_update(struct flow_table *t,
                               const struct ws_packet *pkt, uint64_t ts_ns,
                               uint32_t wire_len, int *dir)
{
    struct flow_key key;
    bool lo2hi;
    if (!build_key(pkt, &key, &lo2hi))
        return NULL;
    uint32_t tag = key_tag(t, &key);
    uint32_t pos = 0;
    uint32_t idx = index_lookup(t, &key, tag, &pos);
    struct flow *f;
    if (idx != NIL) {
        f = rec(t, idx);
        if (idx != t->lru_tail) {
            lru_unlink(t, idx);
            lru_append(t, idx);
        }
        if (ts_ns < f->first_ns)
            f->first_ns = ts_ns;
        if (ts_ns > f->last_ns)
            f->last_ns = ts_ns;
    } else {
        /* both change the index, so the insert slot is found again */
        if (t->count >= t->max_flows) {
            evict_lru(t);
            pos = index_find_empty(t, tag);
        } else if (t->count >= t->grow_at) {
            index_grow(t);
            pos = index_find_empty(t, tag);
        }
        idx = rec_alloc(t);
        f = rec(t, idx);
        memset(f, 0, sizeof *f);
        f->key = key;
        f->id = t->created++;
        f->a_is_lo = lo2hi;
        f->first_ns = f->last_ns = ts_ns;
        f->hash = tag;
        f->rec = idx;
        t->index[pos].rec1 = idx + 1;
        t->index[pos].tag = tag;
        lru_append(t, idx);
        t->count++;
    }
    int d = lo2hi == f->a_is_lo ? FLOW_A2B : FLOW_B2A;
    f->pkts[d]++;
    f->bytes[d] += wire_len;
    if (dir)
        *dir = d;
    return f;
}

struct flow *flow_table_find(struct flow_table *t, const struct flow_key *key)
{
    struct flow_key k = *key;
    memset(k.pad, 0, sizeof k.pad);
    uint32_t idx = index_lookup(t, &k, key_tag(t, &k), NULL);
    return idx == NIL ? NULL : rec(t, idx);
}

uint32_t flow_table_count(const struct flow_table *t)
{
    return t->count;
}

void flow_table_on_evict(struct flow_table *t,
                         void (*fn)(struct flow *f, void *arg), void *arg)
{
    t->on_evict = fn;
    t->on_evict_arg = arg;
}

uint64_t flow_table_evictions(const struct flow_table *t)
{
    return t->evictions;
}

uint64_t flow_table_created(const struct flow_table *t)
{
    return t->created;
}

static int cmp_flow_id(const void *a, const void *b)
{
    uint64_t x = (*(const struct flow *const *)a)->id;
    uint64_t y = (*(const struct flow *const *)b)->id;
    return (x > y) - (x < y);
}

void flow_table_foreach_by_id(struct flow_table *t,
                              void (*fn)(const struct flow *f, void *arg),
                              void *arg)
{
    if (t->evictions == 0) {
        /* no record was ever freed: record i holds id i */
        for (uint32_t i = 0; i < t->used; i++)
            fn(rec(t, i), arg);
        return;
    }
    const struct flow **v = xmalloc((size_t)t->count * sizeof *v);
    uint32_t n = 0;
    for (uint32_t i = t->lru_head; i != NIL; i = t->links[i].next)
        v[n++] = rec(t, i);
    qsort(v, n, sizeof *v, cmp_flow_id);
    for (uint32_t i = 0; i < n; i++)
        fn(v[i], arg);
    free(v);
}

uint32_t flow_table_index_size(const struct flow_table *t)
{
    return t->mask + 1;
}

void flow_table_set_test_hash(struct flow_table *t,
                              uint32_t (*fn)(const struct flow_key *key))
{
    if (t->count != 0) {
        fputs("wirescope: flow_table_set_test_hash on a non-empty table\n",
              stderr);
        abort();
    }
    t->test_hash = fn;
}

const char *flow_table_check(const struct flow_table *t)
{
    uint32_t size = t->mask + 1;
    if (size > t->index_max || (size & t->mask) != 0)
        return "index size is not a power of two within its bound";
    if (t->count > t->max_flows || t->used > t->max_flows)
        return "more records than max_flows";
    if ((uint64_t)t->count * 2 > size)
        return "index load factor above 0.5";
    if (t->created < t->count || t->created - t->count != t->evictions)
        return "created - evictions differs from count";

    /* every live record once in the LRU list, in both directions */
    uint32_t n = 0, prev = NIL;
    for (uint32_t i = t->lru_head; i != NIL; i = t->links[i].next) {
        if (i >= t->used)
            return "LRU link beyond the used records";
        if (t->links[i].prev != prev)
            return "LRU prev link inconsistent";
        if (index_lookup(t, &rec(t, i)->key, rec(t, i)->hash, NULL) != i)
            return "live record not found through the index";
        if (rec(t, i)->rec != i)
            return "record number differs from the record's place";
        prev = i;
        if (++n > t->count)
            return "LRU list longer than count (cycle?)";
    }
    if (n != t->count)
        return "LRU list shorter than count";
    if (prev != t->lru_tail)
        return "LRU tail wrong";

    uint32_t nfree = 0;
    for (uint32_t i = t->free_head; i != NIL; i = t->links[i].next) {
        if (i >= t->used)
            return "free link beyond the used records";
        if (++nfree > t->used)
            return "free list cycle";
    }
    if (nfree + t->count != t->used)
        return "free + live records differ from used";

    /* index: each entry reachable from its home, tags right, keys found */
    uint32_t occupied = 0;
    for (uint32_t s = 0; s < size; s++) {
        const struct slot *e = &t->index[s];
        if (e->rec1 == 0)
            continue;
        occupied++;
        if (e->rec1 > t->used)
            return "index entry beyond the used records";
        const struct flow *f = rec(t, e->rec1 - 1);
        if (f->hash != e->tag)
            return "index tag differs from the record's hash";
        if (key_tag(t, &f->key) != e->tag)
            return "record hash differs from its key's hash";
        for (uint32_t p = e->tag & t->mask; p != s; p = (p + 1) & t->mask)
            if (t->index[p].rec1 == 0)
                return "entry not reachable from its home slot";
        if (index_lookup(t, &f->key, e->tag, NULL) != e->rec1 - 1)
            return "lookup of an entry's key finds another record";
    }
    if (occupied != t->count)
        return "index entries differ from count";
    return NULL;
}
