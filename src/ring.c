/* SPSC ring: reserve/commit on the producer, peek/release on the consumer. */
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>

#include "wirescope/ring.h"

/* Every record starts with this header; len == RING_SKIP marks padding up
 * to the end of the buffer. */
struct ring_hdr {
    uint32_t len; /* payload bytes */
    uint32_t pad;
};

#define RING_SKIP UINT32_MAX
#define RING_ALIGN 8

/*
 * The consumer publishes head once per this many bytes released (or when it
 * finds the ring empty), not per record: a producer waiting for room reads
 * head, and a store per record would bounce its cache line between the two
 * cores once per packet. The producer can do the same with tail
 * (ring_commit_deferred). 64 KiB is ~70 full-size packets; the other side's
 * view lags by at most that (1/64 of the ring when smaller).
 */
#define RING_PUBLISH_BATCH (64u << 10)

static size_t pad8(size_t n) { return (n + RING_ALIGN - 1) & ~(size_t)(RING_ALIGN - 1); }

static size_t next_pow2(size_t n)
{
    size_t p = 4096;
    while (p < n && p < (SIZE_MAX >> 1))
        p <<= 1;
    return p;
}

bool ring_init(struct ring *r, size_t capacity)
{
    memset(r, 0, sizeof *r);
    r->size = next_pow2(capacity);
    r->mask = r->size - 1;
    /* 2 MiB alignment lets the kernel back the ring with huge pages. */
    size_t align = r->size >= (2u << 20) ? (2u << 20) : RING_CACHELINE;
    r->buf = aligned_alloc(align, r->size);
    if (!r->buf)
        return false;
    if (align > RING_CACHELINE)
        (void)madvise(r->buf, r->size, MADV_HUGEPAGE);
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    r->publish_batch = r->size / 64 < RING_PUBLISH_BATCH ? r->size / 64
                                                          : RING_PUBLISH_BATCH;
    return true;
}

void ring_prefault(struct ring *r)
{
    memset(r->buf, 0, r->size);
}

void ring_destroy(struct ring *r)
{
    free(r->buf);
    r->buf = NULL;
}

size_t ring_max_record(const struct ring *r)
{
    /* Half the ring, so a record always fits once the ring drains even
     * when a skip marker is needed. */
    return r->size / 2 - sizeof(struct ring_hdr);
}

static bool ring_has_room(struct ring *r, size_t tail, size_t need)
{
    if (tail + need - r->head_cache <= r->size)
        return true;
    r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
    return tail + need - r->head_cache <= r->size;
}

void *ring_reserve(struct ring *r, size_t len)
{
    if (len > ring_max_record(r))
        return NULL;
    size_t need = pad8(sizeof(struct ring_hdr) + len);
    size_t tail = r->tail_local;
    size_t off = tail & r->mask;
    size_t to_end = r->size - off;
    size_t skip = need > to_end ? to_end : 0;
    if (!ring_has_room(r, tail, skip + need))
        return NULL;
    if (skip) {
        /* The skip marker is published together with the record. */
        struct ring_hdr *marker = (struct ring_hdr *)(r->buf + off);
        marker->len = RING_SKIP;
        off = 0;
    }
    struct ring_hdr *h = (struct ring_hdr *)(r->buf + off);
    h->len = (uint32_t)len;
    r->reserved_at = tail;
    r->reserved_len = skip + need;
    return h + 1;
}

void ring_flush(struct ring *r)
{
    if (r->tail_published == r->tail_local)
        return;
    r->tail_published = r->tail_local;
    atomic_store_explicit(&r->tail, r->tail_local, memory_order_release);
}

void ring_commit_deferred(struct ring *r)
{
    r->tail_local = r->reserved_at + r->reserved_len;
    r->reserved_len = 0;
    if (r->tail_local - r->tail_published >= r->publish_batch)
        ring_flush(r);
}

void ring_commit(struct ring *r)
{
    r->tail_local = r->reserved_at + r->reserved_len;
    r->reserved_len = 0;
    ring_flush(r);
}

static void publish_head(struct ring *r)
{
    r->head_published = r->head_local;
    atomic_store_explicit(&r->head, r->head_local, memory_order_release);
}

const void *ring_peek(struct ring *r, size_t *len)
{
    for (;;) {
        size_t head = r->head_local;
        if (head == r->tail_cache) {
            r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
            if (head == r->tail_cache) {
                /* empty: give the producer every byte back before waiting */
                if (r->head_published != head)
                    publish_head(r);
                return NULL;
            }
        }
        size_t off = head & r->mask;
        const struct ring_hdr *h = (const struct ring_hdr *)(r->buf + off);
        if (h->len == RING_SKIP) {
            r->head_local = head + (r->size - off);
            continue;
        }
        r->peeked_len = pad8(sizeof *h + h->len);
        *len = h->len;
        /* The next record was written on the other core: start pulling its
         * header and first bytes (where the packet headers are) while the
         * caller works on this one. */
        size_t next = head + r->peeked_len;
        if (next != r->tail_cache) {
            const uint8_t *n = r->buf + (next & r->mask);
            __builtin_prefetch(n);
            __builtin_prefetch(n + RING_CACHELINE);
        }
        return h + 1;
    }
}

void ring_release(struct ring *r)
{
    r->head_local += r->peeked_len;
    r->peeked_len = 0;
    if (r->head_local - r->head_published >= r->publish_batch)
        publish_head(r);
}

size_t ring_pending(struct ring *r)
{
    return r->tail_local - atomic_load_explicit(&r->head, memory_order_acquire);
}

size_t ring_used(struct ring *r)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    return tail - r->head_local;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#else
    sched_yield();
#endif
}

void ring_wait(unsigned *spins, unsigned spin_limit, long max_sleep_ns)
{
    if (++*spins < spin_limit) {
        cpu_relax();
        return;
    }
    long ns = *spins < spin_limit + 64 ? 20000 : max_sleep_ns;
    if (ns > max_sleep_ns)
        ns = max_sleep_ns;
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
}

void ring_pacer_init(struct ring_pacer *p, long longest_nap_ns)
{
    p->spins = 0;
    p->longest_nap_ns = longest_nap_ns < RING_NAP_SHORTEST_NS ? RING_NAP_SHORTEST_NS
                                                              : longest_nap_ns;
    p->nap_ns = p->longest_nap_ns;
}

void ring_pacer_wait(struct ring_pacer *p, struct ring *r)
{
    if (++p->spins < RING_SPIN_LIVE) {
        cpu_relax();
        return;
    }
    struct timespec ts = {0, p->nap_ns};
    nanosleep(&ts, NULL);
    size_t gathered = ring_used(r);
    if (gathered > r->size / 8) {
        p->nap_ns /= 2;
        if (p->nap_ns < RING_NAP_SHORTEST_NS)
            p->nap_ns = RING_NAP_SHORTEST_NS;
    } else if (gathered < r->size / 32 && p->nap_ns < p->longest_nap_ns) {
        p->nap_ns *= 2;
        if (p->nap_ns > p->longest_nap_ns)
            p->nap_ns = p->longest_nap_ns;
    }
}
