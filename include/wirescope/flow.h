/* Bidirectional flow (conversation) table with bounded size. */
#ifndef WIRESCOPE_FLOW_H
#define WIRESCOPE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirescope/addr.h"
#include "wirescope/decode.h"

/*
 * Canonical key: the two endpoints in a fixed order (lo <= hi by address,
 * then port), so both directions of a conversation find the same flow.
 * proto is the IP protocol number (6, 17, 1, 58, ...) or 0 for non-IP.
 */
struct flow_key {
    struct ws_addr lo, hi;
    uint16_t lo_port, hi_port;
    uint16_t vlan;
    uint8_t proto;
    uint8_t pad[3]; /* zeroed so keys hash and compare as bytes */
};

/* Direction of a packet relative to the flow's initiator "a" (the endpoint
 * that sent the flow's first packet). */
enum { FLOW_A2B = 0, FLOW_B2A = 1 };

struct conn;

struct flow {
    struct flow_key key;
    uint64_t id;        /* from 0 in order of first packet */
    bool a_is_lo;       /* initiator a is key.lo (else key.hi) */
    uint8_t app;        /* application protocol once known (0 = unknown) */
    /* epoch nanoseconds: earliest and latest packet time seen (the two
     * stay ordered even when a capture's timestamps step backwards) */
    uint64_t first_ns, last_ns;
    uint64_t pkts[2];   /* indexed by FLOW_A2B / FLOW_B2A */
    uint64_t bytes[2];  /* original wire length, as tshark counts */
    /* TCP: the 5-tuple's current connection (owned by the conn table). */
    struct conn *conn;
    /* table-private: the flow's 32-bit hash tag, which also gives its home
     * index slot (the least-recently-seen links live in a separate compact
     * array of the table, so a record is exactly 128 bytes) */
    uint32_t hash;
    /* The record's number in the table, from 0, below the most flows the
     * table held at once; a record reused after an eviction keeps it, so
     * side tables indexed by it (the UI's rate history) check the id. */
    uint32_t rec;
};

struct flow_table;

/*
 * max_flows > 0 (values above 2^30 are clamped); seed keys the hash (pass a
 * random value per run). Records are allocated in chunks as flows arrive and
 * the hash index doubles as needed up to twice max_flows, so memory follows
 * the number of flows actually seen. A struct flow pointer stays valid until
 * that flow is evicted (its record is then reused) or the table is freed.
 * Single-threaded: one thread owns the table.
 */
struct flow_table *flow_table_new(uint32_t max_flows, uint64_t seed);
void flow_table_free(struct flow_table *t);

/* Builds the canonical key of a decoded packet; false when the packet has
 * no IP layer (non-IP traffic is not tracked as a flow). *dir_lo2hi tells
 * whether the packet travels lo -> hi. */
bool flow_key_from_packet(const struct ws_packet *pkt, struct flow_key *key,
                          bool *dir_lo2hi);

/*
 * Finds or creates the flow of this packet, updates its counters and time
 * (bytes += wire_len) and its place in the least-recently-seen order.
 * When the table is full the least recently seen flow is evicted (counted)
 * before a new one is created. *dir gets FLOW_A2B or FLOW_B2A.
 * Returns NULL only for non-IP packets.
 */
struct flow *flow_table_update(struct flow_table *t,
                               const struct ws_packet *pkt, uint64_t ts_ns,
                               uint32_t wire_len, int *dir);

/* Looks a flow up without changing it (NULL when absent). */
struct flow *flow_table_find(struct flow_table *t, const struct flow_key *key);

uint32_t flow_table_count(const struct flow_table *t);
uint64_t flow_table_evictions(const struct flow_table *t);
/* Called with each flow just before eviction reuses its record. */
void flow_table_on_evict(struct flow_table *t,
                         void (*fn)(struct flow *f, void *arg), void *arg);
uint64_t flow_table_created(const struct flow_table *t);

/* Calls fn for every flow in the table in increasing id order. fn must not
 * change the table. O(n) when nothing was evicted, else O(n log n) with a
 * temporary array of n pointers. */
void flow_table_foreach_by_id(struct flow_table *t,
                              void (*fn)(const struct flow *f, void *arg),
                              void *arg);

/* --- for tests --- */

/* Current number of slots of the hash index (a power of two). */
uint32_t flow_table_index_size(const struct flow_table *t);

/* Replaces the keyed hash by fn (NULL restores it); fn returns the 32-bit
 * tag, whose low bits pick the home slot, so a test can force collisions
 * and probe chains. Only on an empty table. */
void flow_table_set_test_hash(struct flow_table *t,
                              uint32_t (*fn)(const struct flow_key *key));

/* Checks every internal invariant (index reachability and tags, LRU list,
 * free list, counts); NULL when consistent, else what is wrong. O(n). */
const char *flow_table_check(const struct flow_table *t);

/* Keyed 64-bit hash (SipHash-1-3) used for flows and connections. */
uint64_t siphash13(const void *data, size_t len, uint64_t k0, uint64_t k1);
/* A random 64-bit hash key (getrandom; the clock and pid if it fails), so
 * that no crafted set of keys from the wire can collide on purpose. */
uint64_t hash_key_random(void);
/* SipHash-c-d with the round counts as parameters (siphash_rounds(.., 2, 4)
 * is SipHash-2-4); for checking against published vectors. */
uint64_t siphash_rounds(const void *data, size_t len, uint64_t k0, uint64_t k1,
                        int c_rounds, int d_rounds);

#endif
