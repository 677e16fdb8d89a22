/* Lock-free single-producer/single-consumer ring of variable-length records. */
#ifndef WIRESCOPE_RING_H
#define WIRESCOPE_RING_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RING_CACHELINE 64

/*
 * One producer thread reserves space, writes a record in place and commits;
 * one consumer thread peeks at the oldest record, reads it and releases it.
 * Indices run free (used = tail - head) over a power-of-two buffer; a record
 * never wraps: when it does not fit before the end, a skip marker fills the
 * tail end and the record starts at offset 0.
 *
 * Ordering: the producer writes the record, then publishes `tail` with a
 * release store; the consumer loads `tail` with acquire before reading. The
 * consumer finishes reading, then publishes `head` with release; the
 * producer loads `head` with acquire before reusing the space.
 */
struct ring {
    /* read-only after ring_init */
    alignas(RING_CACHELINE) uint8_t *buf;
    size_t size; /* power of two */
    size_t mask;
    size_t publish_batch; /* bytes either side keeps before publishing */
    /* producer-owned */
    alignas(RING_CACHELINE) _Atomic size_t tail;
    size_t head_cache;     /* producer's last view of head */
    size_t reserved_at;    /* free-running index of the reserved record */
    size_t reserved_len;   /* padded record length incl. header */
    size_t tail_local;     /* producer's tail, published in batches ... */
    size_t tail_published; /* ... by ring_commit_deferred and ring_flush */
    /* consumer-owned */
    alignas(RING_CACHELINE) _Atomic size_t head;
    size_t tail_cache;   /* consumer's last view of tail */
    size_t peeked_len;
    size_t head_local;     /* consumer's head, published in batches */
    size_t head_published; /* the last head stored for the producer */
};

/* Capacity is rounded up to a power of two (minimum 4 KiB). */
bool ring_init(struct ring *r, size_t capacity);
void ring_destroy(struct ring *r);
/*
 * Touches every page of the ring now, so that the first pass through it
 * takes no page faults. A live capture must: the capture thread has to
 * keep up with the kernel from the first packet, and faulting in a 64 MiB
 * ring page by page while copying stalled it long enough for the kernel to
 * drop 1-5% of a 4 Gbit/s iperf3 run on lo, all in its first 100 ms
 * (tcpdump, which copies nothing, dropped none): first touching 64 MiB
 * took 170 ms on this VM. Costs the ring's size in resident memory from the
 * start, and that time once, before capture begins.
 */
void ring_prefault(struct ring *r);

/* Largest payload a single record can carry. */
size_t ring_max_record(const struct ring *r);

/* Producer: space for len bytes, or NULL when the ring is full now. */
void *ring_reserve(struct ring *r, size_t len);
/* Producer: publishes the record last reserved (and any deferred ones). */
void ring_commit(struct ring *r);
/* Producer: commits the record last reserved but publishes only once a
 * batch of bytes is pending, so a consumer waiting for records does not
 * pull tail's cache line across cores once per record. The producer must
 * ring_flush before it waits or stops, and whenever the consumer should
 * see what it has (the capture thread: after each pcap_dispatch). */
void ring_commit_deferred(struct ring *r);
void ring_flush(struct ring *r);

/* Producer: bytes committed and not yet released by the consumer, as far
 * as the consumer has published its progress. */
size_t ring_pending(struct ring *r);

/* Consumer: the oldest record and its length, or NULL when empty. */
const void *ring_peek(struct ring *r, size_t *len);
/* Consumer: frees the record last peeked. */
void ring_release(struct ring *r);

/*
 * Waiting for the other side (ring empty or full): spin with a CPU pause
 * spin_limit times first (the other thread is usually about to catch up: a
 * system call and a context switch cost more than the wait), then sleep,
 * longer the longer the wait, up to max_sleep_ns. *spins counts calls;
 * reset it to 0 after progress.
 */
#define RING_SPIN_FILE 2048 /* reading a file: the other side is never far */
void ring_wait(unsigned *spins, unsigned spin_limit, long max_sleep_ns);

/*
 * The consumer of a live capture, which the producer never waits for. Once
 * the ring is empty it naps long enough for a batch to gather, rather than
 * waking every few microseconds: on a busy box those wakeups preempt the
 * capture thread, and the kernel drops what it cannot hand over (issue #6:
 * under 4 unlimited iperf3 streams on lo, which leave no CPU idle, the
 * kernel dropped 3-8% with 20 us naps and nothing in 5 runs with 1 ms, and
 * the decoder used a fifth of the CPU time). The nap adapts to the ring: it halves whenever the consumer wakes
 * to find more than 1/8 of the ring filled, and grows back to the longest
 * when it wakes to less than 1/32, so a small ring (--ring) is not overrun.
 */
#define RING_SPIN_LIVE 64           /* pauses before the first nap */
#define RING_NAP_SHORTEST_NS 20000L /* 20 us */
struct ring_pacer {
    unsigned spins; /* empty peeks since the last record */
    long nap_ns;
    long longest_nap_ns;
};
void ring_pacer_init(struct ring_pacer *p, long longest_nap_ns);
/* After a peek found the ring empty. */
void ring_pacer_wait(struct ring_pacer *p, struct ring *r);
/* After a record was read. */
static inline void ring_pacer_progress(struct ring_pacer *p)
{
    p->spins = 0;
}

/* Bytes in use as the consumer sees them (records not yet released); from
 * the consumer thread, or once both sides have stopped. */
size_t ring_used(struct ring *r);

#endif
