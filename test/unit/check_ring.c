/* Tests of the SPSC ring: ordering, wrap-around, full ring, two threads. */
#include <check.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wirescope/ring.h"

START_TEST(test_empty_ring_peeks_null)
{
    struct ring r;
    ck_assert(ring_init(&r, 4096));
    size_t len = 123;
    ck_assert_ptr_null(ring_peek(&r, &len));
    ck_assert_uint_eq(ring_used(&r), 0);
    ring_destroy(&r);
}
END_TEST

START_TEST(test_capacity_rounds_to_power_of_two)
{
    struct ring r;
    ck_assert(ring_init(&r, 5000));
    ck_assert_uint_eq(r.size, 8192);
    ck_assert_uint_eq(r.mask, 8191);
    ck_assert_uint_eq(ring_max_record(&r), 4096 - 8);
    ring_destroy(&r);
}
END_TEST

START_TEST(test_records_come_out_in_order_with_their_bytes)
{
    struct ring r;
    ck_assert(ring_init(&r, 4096));
    for (int i = 1; i <= 5; i++) {
        uint8_t *p = ring_reserve(&r, (size_t)i * 3);
        ck_assert_ptr_nonnull(p);
        memset(p, i, (size_t)i * 3);
        ring_commit(&r);
    }
    for (int i = 1; i <= 5; i++) {
        size_t len = 0;
        const uint8_t *p = ring_peek(&r, &len);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(len, (size_t)i * 3);
        for (size_t k = 0; k < len; k++)
            ck_assert_uint_eq(p[k], (unsigned)i);
        ring_release(&r);
    }
    size_t len;
    ck_assert_ptr_null(ring_peek(&r, &len));
    ring_destroy(&r);
}
END_TEST

START_TEST(test_full_ring_refuses_then_accepts_after_release)
{
    struct ring r;
    ck_assert(ring_init(&r, 4096));
    int n = 0;
    while (ring_reserve(&r, 100)) { /* 8 + 100 -> 112 bytes each */
        ring_commit(&r);
        n++;
    }
    ck_assert_int_eq(n, 4096 / 112);
    ck_assert_ptr_null(ring_reserve(&r, 100));
    size_t len;
    ck_assert_ptr_nonnull(ring_peek(&r, &len));
    ring_release(&r);
    ck_assert_ptr_nonnull(ring_reserve(&r, 100));
    ring_commit(&r);
    ring_destroy(&r);
}
END_TEST

START_TEST(test_record_never_wraps_and_skip_is_invisible)
{
    struct ring r;
    ck_assert(ring_init(&r, 4096));
    /* Fill 42 x 96 = 4032 bytes, drain; a 200-byte record must go to 0. */
    for (int i = 0; i < 42; i++) {
        ck_assert_ptr_nonnull(ring_reserve(&r, 88));
        ring_commit(&r);
    }
    size_t len;
    for (int i = 0; i < 42; i++) {
        ck_assert_ptr_nonnull(ring_peek(&r, &len));
        ring_release(&r);
    }
    uint8_t *p = ring_reserve(&r, 200);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_eq(p, r.buf + 8);
    memset(p, 0xab, 200);
    ring_commit(&r);
    const uint8_t *q = ring_peek(&r, &len);
    ck_assert_ptr_eq(q, p);
    ck_assert_uint_eq(len, 200);
    ring_release(&r);
    ck_assert_uint_eq(ring_used(&r), 0);
    ring_destroy(&r);
}
END_TEST

START_TEST(test_oversized_record_refused)
{
    struct ring r;
    ck_assert(ring_init(&r, 4096));
    ck_assert_ptr_null(ring_reserve(&r, 4096));
    ck_assert_ptr_nonnull(ring_reserve(&r, ring_max_record(&r)));
    ring_destroy(&r);
}
END_TEST

/* Two-thread stress: the producer writes records whose length and bytes
 * derive from a counter; the consumer checks each and sums a checksum. */
#define STRESS_RECORDS 2000000u

struct stress {
    struct ring r;
    uint64_t produced_sum, consumed_sum;
    unsigned errors;
};

static size_t stress_len(uint32_t i) { return 4 + (i * 2654435761u >> 20) % 300; }

static void *stress_producer(void *arg)
{
    struct stress *s = arg;
    for (uint32_t i = 0; i < STRESS_RECORDS; i++) {
        size_t len = stress_len(i);
        uint8_t *p;
        while (!(p = ring_reserve(&s->r, len))) {
            ring_flush(&s->r); /* as the capture thread does before waiting */
            sched_yield();
        }
        memcpy(p, &i, 4);
        for (size_t k = 4; k < len; k++)
            p[k] = (uint8_t)(i + k);
        /* every other record deferred: both publication paths race */
        if (i & 1)
            ring_commit_deferred(&s->r);
        else
            ring_commit(&s->r);
        s->produced_sum += i * 31u + len;
    }
    ring_flush(&s->r);
    return NULL;
}

static void *stress_consumer(void *arg)
{
    struct stress *s = arg;
    for (uint32_t i = 0; i < STRESS_RECORDS; i++) {
        size_t len;
        const uint8_t *p;
        while (!(p = ring_peek(&s->r, &len)))
            sched_yield();
        uint32_t got;
        memcpy(&got, p, 4);
        if (got != i || len != stress_len(i))
            s->errors++;
        for (size_t k = 4; k < len; k++)
            if (p[k] != (uint8_t)(i + k))
                s->errors++;
        s->consumed_sum += got * 31u + len;
        ring_release(&s->r);
    }
    return NULL;
}

/* A 4 MiB ring publishes per 64 KiB (1/64 of it). */
#define BATCH_RING (4u << 20)
#define BATCH (64u << 10)

START_TEST(test_deferred_commits_appear_after_flush_or_a_batch)
{
    struct ring r;
    ck_assert(ring_init(&r, BATCH_RING));
    size_t len;
    for (int i = 0; i < 10; i++) {
        uint8_t *p = ring_reserve(&r, 100);
        ck_assert_ptr_nonnull(p);
        p[0] = (uint8_t)i;
        ring_commit_deferred(&r);
    }
    ck_assert_ptr_null(ring_peek(&r, &len)); /* not published yet */
    ring_flush(&r);
    const uint8_t *q = ring_peek(&r, &len);
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq(q[0], 0);
    ck_assert_uint_eq(len, 100);
    /* without a flush: visible once a batch of bytes is pending */
    size_t pending = 0;
    while (pending < BATCH) {
        ck_assert_ptr_nonnull(ring_reserve(&r, 1000));
        ring_commit_deferred(&r);
        pending += 1008;
    }
    unsigned seen = 0;
    for (; ring_peek(&r, &len); seen++)
        ring_release(&r);
    ck_assert_uint_eq(seen, 10 + pending / 1008);
    ring_destroy(&r);
}
END_TEST

START_TEST(test_release_gives_room_back_in_batches)
{
    struct ring r;
    ck_assert(ring_init(&r, BATCH_RING));
    unsigned n = 0;
    while (ring_reserve(&r, 1000)) {
        ring_commit(&r);
        n++;
    }
    ck_assert_uint_eq(n, BATCH_RING / 1008);
    size_t len;
    /* 10 KiB released: not yet given back to the producer */
    for (int i = 0; i < 10; i++) {
        ck_assert_ptr_nonnull(ring_peek(&r, &len));
        ring_release(&r);
    }
    ck_assert_ptr_null(ring_reserve(&r, 1000));
    /* what the producer sees pending (a file's reader naps while it is
     * over half the ring) follows only what the consumer published */
    ck_assert_uint_eq(ring_pending(&r), (size_t)n * 1008);
    /* a whole batch released: room again */
    unsigned freed = 10 * 1008;
    for (; freed < BATCH; freed += 1008) {
        ck_assert_ptr_nonnull(ring_peek(&r, &len));
        ring_release(&r);
    }
    ck_assert_uint_eq(ring_pending(&r), (size_t)n * 1008 - freed);
    ck_assert_ptr_nonnull(ring_reserve(&r, 1000));
    ring_commit(&r);
    ring_destroy(&r);
}
END_TEST

START_TEST(test_two_threads_transfer_every_record_intact)
{
    struct stress *s = calloc(1, sizeof *s);
    ck_assert(ring_init(&s->r, 64 * 1024));
    pthread_t prod, cons;
    pthread_create(&cons, NULL, stress_consumer, s);
    pthread_create(&prod, NULL, stress_producer, s);
    pthread_join(prod, NULL);
    pthread_join(cons, NULL);
    ck_assert_uint_eq(s->errors, 0);
    ck_assert_uint_eq(s->produced_sum, s->consumed_sum);
    ck_assert_uint_eq(ring_used(&s->r), 0);
    ring_destroy(&s->r);
    free(s);
}
END_TEST

/* Pages of the ring that are resident (mincore). */
static size_t resident_pages(const struct ring *r)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), n = r->size / page, resident = 0;
    unsigned char *vec = malloc(n);
    ck_assert_ptr_nonnull(vec);
    ck_assert_int_eq(mincore(r->buf, r->size, vec), 0);
    for (size_t i = 0; i < n; i++)
        resident += vec[i] & 1;
    free(vec);
    return resident;
}

START_TEST(test_prefault_makes_every_page_resident)
{
    struct ring r;
    ck_assert(ring_init(&r, 16u << 20));
    size_t pages = r.size / (size_t)sysconf(_SC_PAGESIZE);
    ck_assert_uint_lt(resident_pages(&r), pages); /* a fresh mapping */
    ring_prefault(&r);
    ck_assert_uint_eq(resident_pages(&r), pages);
    /* and the ring still works from its start */
    uint8_t *p = ring_reserve(&r, 10);
    ck_assert_ptr_nonnull(p);
    memset(p, 7, 10);
    ring_commit(&r);
    size_t len;
    const uint8_t *q = ring_peek(&r, &len);
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq(len, 10);
    ck_assert_uint_eq(q[9], 7);
    ring_destroy(&r);
}
END_TEST

/* Runs the pacer through its spins to one nap. */
static void pacer_nap_once(struct ring_pacer *p, struct ring *r)
{
    for (unsigned i = 0; i < RING_SPIN_LIVE; i++)
        ring_pacer_wait(p, r);
    ring_pacer_progress(p);
}

static void fill_bytes(struct ring *r, size_t bytes)
{
    for (size_t done = 0; done < bytes; done += 1008) {
        ck_assert_ptr_nonnull(ring_reserve(r, 1000));
        ring_commit(r);
    }
}

static void drain(struct ring *r)
{
    size_t len;
    while (ring_peek(r, &len))
        ring_release(r);
}

START_TEST(test_pacer_naps_shorter_when_the_ring_fills_and_longer_when_not)
{
    struct ring r;
    ck_assert(ring_init(&r, 64u << 10));
    struct ring_pacer p;
    ring_pacer_init(&p, 1000000);
    ck_assert_int_eq(p.nap_ns, 1000000);
    pacer_nap_once(&p, &r); /* wakes to an empty ring: stays longest */
    ck_assert_int_eq(p.nap_ns, 1000000);
    fill_bytes(&r, (64u << 10) / 8 + 1); /* just over an eighth at wake-up */
    pacer_nap_once(&p, &r);
    ck_assert_int_eq(p.nap_ns, 500000);
    for (int i = 0; i < 20; i++)
        pacer_nap_once(&p, &r); /* still full: never below the shortest */
    ck_assert_int_eq(p.nap_ns, RING_NAP_SHORTEST_NS);
    fill_bytes(&r, (64u << 10) / 16); /* between 1/32 and 1/8: kept */
    pacer_nap_once(&p, &r);
    ck_assert_int_eq(p.nap_ns, RING_NAP_SHORTEST_NS);
    drain(&r);
    pacer_nap_once(&p, &r);
    ck_assert_int_eq(p.nap_ns, 2 * RING_NAP_SHORTEST_NS);
    for (int i = 0; i < 10; i++)
        pacer_nap_once(&p, &r);
    ck_assert_int_eq(p.nap_ns, 1000000); /* back to the longest, not past it */
    ring_destroy(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ring");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_empty_ring_peeks_null);
    tcase_add_test(tc, test_capacity_rounds_to_power_of_two);
    tcase_add_test(tc, test_records_come_out_in_order_with_their_bytes);
    tcase_add_test(tc, test_full_ring_refuses_then_accepts_after_release);
    tcase_add_test(tc, test_record_never_wraps_and_skip_is_invisible);
    tcase_add_test(tc, test_oversized_record_refused);
    tcase_add_test(tc, test_deferred_commits_appear_after_flush_or_a_batch);
    tcase_add_test(tc, test_release_gives_room_back_in_batches);
    tcase_add_test(tc, test_two_threads_transfer_every_record_intact);
    tcase_add_test(tc, test_prefault_makes_every_page_resident);
    tcase_add_test(tc, test_pacer_naps_shorter_when_the_ring_fills_and_longer_when_not);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
