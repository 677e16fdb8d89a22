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
#define RING_SPIN_LIVE 64   /* live: packets come in bursts; spinning on a
                             * busy 2-CPU box takes the CPU the capture needs */
void ring_wait(unsigned *spins, unsigned spin_limit, long max_sleep_ns);

/* Bytes in use as the consumer sees them (records not yet released); from
 * the consumer thread, or once both sides have stopped. */
size_t ring_used(struct ring *r);

#endif
