/* Packet index in chunked arrays; packet bytes in the file or in chunks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wirescope/capture.h"
#include "wirescope/decode.h"
#include "wirescope/store.h"
#include "wirescope/tcp_analysis.h"
#include "wirescope/xalloc.h"

#define IDX_SHIFT 16 /* 65536 entries (2 MiB) per index chunk */
#define IDX_PER_CHUNK (1u << IDX_SHIFT)
/* Index chunk c (packet number >> IDX_SHIFT) lives in idx[c % IDX_MAX_CHUNKS]:
 * the store never holds 4 G packets at once (their index alone would take
 * 128 GiB, far beyond any budget), so the chunks kept never share a place,
 * and a live capture that runs for days goes on storing past 4 G packets. */
#define IDX_MAX_CHUNKS (1u << 16)
#define BYTE_CHUNK (4u << 20)     /* 4 MiB per byte chunk */

/* struct pkt_entry's bit-fields hold what goes in them */
#define LOC_BITS 40
#define LOC_OFFSET_BITS 22 /* an offset in a byte chunk */
#define LOC_CHUNK_MOD (1u << (LOC_BITS - LOC_OFFSET_BITS))
_Static_assert(sizeof(struct pkt_entry) == 32, "a stored packet takes 32 bytes");
_Static_assert(BYTE_CHUNK == 1u << LOC_OFFSET_BITS, "loc's offset bits cover a byte chunk");
_Static_assert(TA_COUNT <= 15, "the TCP analysis marks fit ta_flags");
_Static_assert(P_COUNT <= 128 && EV_COUNT <= 128, "proto and event fit 7 bits");
_Static_assert(PKT_F_BAD_CSUM < 1u << 3, "the PKT_F_ flags fit 3 bits");

struct byte_chunk {
    uint8_t *data;
    uint32_t used;
    uint64_t first_pkt; /* first packet whose bytes are here */
};

struct store {
    struct pkt_entry **idx; /* IDX_MAX_CHUNKS pointers, fixed: never moves */
    _Atomic uint64_t count; /* published packets */
    _Atomic uint64_t first; /* oldest kept packet */
    uint64_t evicted;
    size_t budget;
    size_t mem_used;
    /* the last index and byte chunk evicted, kept for the next one (see
     * chunk_take); outside mem_used, 6 MiB at most */
    void *spare_idx, *spare_bytes;
    int file_fd;
    /* byte chunks, a ring of chunk numbers [bc_head, bc_tail) */
    struct byte_chunk *bc;
    uint32_t bc_cap;
    uint64_t bc_head, bc_tail;
};

struct store *store_new(size_t budget, int file_fd)
{
    struct store *s = xcalloc(1, sizeof *s);
    s->idx = xcalloc(IDX_MAX_CHUNKS, sizeof *s->idx);
    s->budget = budget;
    s->file_fd = file_fd;
    s->bc_cap = (uint32_t)(budget / BYTE_CHUNK + 2);
    s->bc = xcalloc(s->bc_cap, sizeof *s->bc);
    return s;
}

void store_free(struct store *s)
{
    if (!s)
        return;
    /* the chunks kept: from the first packet's to the last one's */
    uint64_t from = atomic_load(&s->first) >> IDX_SHIFT;
    uint64_t last = atomic_load(&s->count) >> IDX_SHIFT;
    for (uint64_t c = from; c <= last && c - from < IDX_MAX_CHUNKS; c++)
        free(s->idx[c % IDX_MAX_CHUNKS]);
    for (uint64_t c = s->bc_head; c < s->bc_tail; c++)
        free(s->bc[c % s->bc_cap].data);
    free(s->bc);
    free(s->idx);
    free(s->spare_idx);
    free(s->spare_bytes);
    free(s);
}

static void evict_oldest_byte_chunk(struct store *s);

/* Bytes in memory: a new index chunk makes room for itself first, so the
 * budget holds for index and bytes together. */
static void make_room_for_index_chunk(struct store *s)
{
    while (s->bc_tail > s->bc_head &&
           s->mem_used + IDX_PER_CHUNK * sizeof(struct pkt_entry) > s->budget)
        evict_oldest_byte_chunk(s);
}

/*
 * A chunk evicted is kept for the next one allocated rather than unmapped
 * and mapped again: each chunk is its own mapping (see main's mallopt), so
 * a capture running through its budget would otherwise fault every page of
 * every new chunk in anew (10 M packets from stdin at --mem 64: 5.4 s of
 * system time against 1.1 s).
 */
static void *chunk_take(void **spare, size_t size)
{
    void *p = *spare;
    *spare = NULL;
    return p ? p : xalloc_populated(size);
}

static void chunk_give(void **spare, void *p)
{
    if (*spare)
        free(p);
    else
        *spare = p;
}

static struct pkt_entry *entry_slot(struct store *s, uint64_t n)
{
    uint64_t chunk = n >> IDX_SHIFT;
    uint64_t first = atomic_load_explicit(&s->first, memory_order_relaxed);
    if (chunk - (first >> IDX_SHIFT) >= IDX_MAX_CHUNKS)
        return NULL; /* 4 G packets held at once: not reachable in a budget */
    struct pkt_entry **c = &s->idx[chunk % IDX_MAX_CHUNKS];
    if (!*c) {
        make_room_for_index_chunk(s);
        *c = chunk_take(&s->spare_idx, IDX_PER_CHUNK * sizeof(struct pkt_entry));
        s->mem_used += IDX_PER_CHUNK * sizeof(struct pkt_entry);
    }
    return &(*c)[n & (IDX_PER_CHUNK - 1)];
}

/* Drops the index chunks that held packets old..first-1 and none after. */
static void free_old_index_chunks(struct store *s, uint64_t old, uint64_t first)
{
    for (uint64_t c = old >> IDX_SHIFT; c < first >> IDX_SHIFT; c++) {
        struct pkt_entry **slot = &s->idx[c % IDX_MAX_CHUNKS];
        if (*slot) {
            chunk_give(&s->spare_idx, *slot);
            *slot = NULL;
            s->mem_used -= IDX_PER_CHUNK * sizeof(struct pkt_entry);
        }
    }
}

static void set_first(struct store *s, uint64_t first)
{
    uint64_t old = atomic_load_explicit(&s->first, memory_order_relaxed);
    if (first <= old)
        return;
    s->evicted += first - old;
    atomic_store_explicit(&s->first, first, memory_order_release);
    free_old_index_chunks(s, old, first);
}

void store_start_at(struct store *s, uint64_t n)
{
    atomic_store(&s->count, n);
    atomic_store(&s->first, n);
    s->evicted = n;
}

static void evict_oldest_byte_chunk(struct store *s)
{
    struct byte_chunk *c = &s->bc[s->bc_head % s->bc_cap];
    chunk_give(&s->spare_bytes, c->data);
    c->data = NULL;
    s->mem_used -= BYTE_CHUNK;
    s->bc_head++;
    uint64_t next_first = s->bc_head < s->bc_tail
                              ? s->bc[s->bc_head % s->bc_cap].first_pkt
                              : atomic_load_explicit(&s->count, memory_order_relaxed);
    set_first(s, next_first);
}

/* Keeps the index within budget when bytes live in the file. */
static void enforce_index_budget(struct store *s, uint64_t n)
{
    while (s->mem_used > s->budget) {
        uint64_t first = atomic_load_explicit(&s->first, memory_order_relaxed);
        uint64_t next = ((first >> IDX_SHIFT) + 1) << IDX_SHIFT;
        if (next > n)
            break;
        set_first(s, next);
    }
}

static struct byte_chunk *chunk_with_room(struct store *s, uint32_t need,
                                          uint64_t n)
{
    if (s->bc_tail > s->bc_head) {
        struct byte_chunk *c = &s->bc[(s->bc_tail - 1) % s->bc_cap];
        if (BYTE_CHUNK - c->used >= need)
            return c;
    }
    while (s->bc_tail > s->bc_head &&
           (s->mem_used + BYTE_CHUNK > s->budget ||
            s->bc_tail - s->bc_head >= s->bc_cap))
        evict_oldest_byte_chunk(s);
    struct byte_chunk *c = &s->bc[s->bc_tail % s->bc_cap];
    c->data = chunk_take(&s->spare_bytes, BYTE_CHUNK);
    c->used = 0;
    c->first_pkt = n;
    s->bc_tail++;
    s->mem_used += BYTE_CHUNK;
    return c;
}

uint64_t store_add(struct store *s, const struct pkt_entry *e,
                   uint64_t file_off, const uint8_t *bytes)
{
    uint64_t n = atomic_load_explicit(&s->count, memory_order_relaxed);
    struct pkt_entry *slot = entry_slot(s, n);
    if (!slot)
        return n; /* 4 G packets held: not stored (see IDX_MAX_CHUNKS) */
    *slot = *e;
    if (e->flags & PKT_F_NO_BYTES) {
        /* caplen beyond STORE_MAX_CAPLEN: the decoder says so */
    } else if (file_off != CAP_NO_OFFSET && s->file_fd >= 0) {
        if (file_off >> LOC_BITS)
            slot->flags |= PKT_F_NO_BYTES; /* 1 TiB into the file */
        else
            slot->flags |= PKT_F_IN_FILE;
        slot->loc = file_off;
        enforce_index_budget(s, n);
    } else if (e->caplen <= BYTE_CHUNK) {
        uint32_t need = (e->caplen + 7u) & ~7u;
        struct byte_chunk *c = chunk_with_room(s, need, n);
        memcpy(c->data + c->used, bytes, e->caplen);
        slot->loc = (s->bc_tail - 1) % LOC_CHUNK_MOD << LOC_OFFSET_BITS | c->used;
        c->used += need;
    } else {
        slot->flags |= PKT_F_NO_BYTES;
    }
    atomic_store_explicit(&s->count, n + 1, memory_order_release);
    return n;
}

const struct pkt_entry *store_entry(struct store *s, uint64_t n)
{
    if (n >= atomic_load_explicit(&s->count, memory_order_acquire) ||
        n < atomic_load_explicit(&s->first, memory_order_acquire))
        return NULL;
    struct pkt_entry *chunk = s->idx[(n >> IDX_SHIFT) % IDX_MAX_CHUNKS];
    return chunk ? &chunk[n & (IDX_PER_CHUNK - 1)] : NULL;
}

size_t store_read_bytes(struct store *s, uint64_t n, uint8_t *buf, size_t size)
{
    const struct pkt_entry *e = store_entry(s, n);
    if (!e || (e->flags & PKT_F_NO_BYTES))
        return 0;
    size_t want = e->caplen < size ? e->caplen : size;
    if (e->flags & PKT_F_IN_FILE) {
        ssize_t got = pread(s->file_fd, buf, want, (off_t)e->loc);
        return got > 0 ? (size_t)got : 0;
    }
    /* the chunks kept (at most bc_cap, a few thousand) are far fewer than
     * LOC_CHUNK_MOD */
    uint64_t chunk;
    if (!store_chunk_number(e->loc >> LOC_OFFSET_BITS, s->bc_head, s->bc_tail, LOC_CHUNK_MOD,
                            &chunk))
        return 0;
    const struct byte_chunk *c = &s->bc[chunk % s->bc_cap];
    memcpy(buf, c->data + (e->loc & (BYTE_CHUNK - 1)), want);
    return want;
}

size_t store_read_bytes_window(struct store *s, struct store_window *w, uint64_t n,
                               uint8_t *buf, size_t size)
{
    const struct pkt_entry *e = store_entry(s, n);
    if (!e || (e->flags & (PKT_F_IN_FILE | PKT_F_NO_BYTES)) != PKT_F_IN_FILE ||
        e->caplen > STORE_WINDOW_BYTES)
        return store_read_bytes(s, n, buf, size);
    size_t want = e->caplen < size ? e->caplen : size;
    uint64_t loc = e->loc;
    if (!w->buf || loc < w->off || loc + want > w->off + w->len) {
        if (!w->buf)
            w->buf = xmalloc(STORE_WINDOW_BYTES);
        ssize_t got = pread(s->file_fd, w->buf, STORE_WINDOW_BYTES, (off_t)loc);
        w->off = loc;
        w->len = got > 0 ? (size_t)got : 0;
        w->reads++;
    }
    size_t have = (size_t)(w->off + w->len - loc); /* loc lies in the window */
    if (have > want)
        have = want;
    memcpy(buf, w->buf + (loc - w->off), have);
    return have;
}

void store_window_free(struct store_window *w)
{
    free(w->buf);
    *w = (struct store_window){0};
}

uint64_t store_count(struct store *s)
{
    return atomic_load_explicit(&s->count, memory_order_acquire);
}

uint64_t store_first(struct store *s)
{
    return atomic_load_explicit(&s->first, memory_order_acquire);
}

uint64_t store_evicted(struct store *s) { return s->evicted; }

size_t store_mem_used(struct store *s) { return s->mem_used; }
