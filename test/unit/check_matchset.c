/*
 * The display filter's match set (src/decode/matchset.c) against a plain
 * sorted array of the same numbers: membership, rank, select, trimming
 * from below as a live store evicts, copies, numbers past 2^32, and memory
 * that follows the numbers kept rather than the numbers seen.
 */
#include <check.h>
#include <stdlib.h>

#include "wirescope/matchset.h"

/* Check's ck_assert writes to a pipe on every call (its "last passed"
 * mark): over a million checks that is the test's whole time. */
#define REQUIRE(cond)                                                          \
    do {                                                                       \
        if (!(cond))                                                           \
            ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);             \
    } while (0)
#define REQUIRE_EQ(a, b)                                                       \
    do {                                                                       \
        unsigned long long a_ = (a), b_ = (b);                                 \
        if (a_ != b_)                                                          \
            ck_abort_msg("%s:%d: %s = %llu, want %llu", __FILE__, __LINE__, #a, \
                         a_, b_);                                              \
    } while (0)

/* The model: the numbers added, in order, and how many were trimmed. */
struct model {
    uint64_t *v;
    size_t n, cap;
    size_t dropped;
};

static void model_add(struct model *md, uint64_t x)
{
    if (md->n == md->cap) {
        md->cap = md->cap ? md->cap * 2 : 1024;
        md->v = realloc(md->v, md->cap * sizeof *md->v);
        REQUIRE(md->v != NULL);
    }
    md->v[md->n++] = x;
}

static uint64_t model_rank(const struct model *md, uint64_t x)
{
    size_t lo = 0, hi = md->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (md->v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Every kept number found by select and has; rank at every kept number,
 * one past it, and at a few points in the gaps. */
static void check_against(const struct matchset *m, const struct model *md,
                          uint64_t kept_from)
{
    ck_assert_uint_eq(m->total, md->n);
    for (size_t k = md->dropped; k < md->n; k++) {
        uint64_t x = md->v[k];
        REQUIRE_EQ(matchset_select(m, k), x);
        REQUIRE(matchset_has(m, x));
        REQUIRE_EQ(matchset_rank(m, x), k);
        REQUIRE_EQ(matchset_rank(m, x + 1), k + 1);
        if (x > kept_from && !(k > 0 && md->v[k - 1] == x - 1))
            REQUIRE(!matchset_has(m, x - 1));
    }
    for (int i = 0; i < 2000 && md->n; i++) {
        uint64_t lo = md->v[md->dropped < md->n ? md->dropped : 0];
        uint64_t span = md->v[md->n - 1] - lo + 70000;
        uint64_t x = lo + rng() % span;
        if (x < kept_from)
            continue;
        REQUIRE_EQ(matchset_rank(m, x), model_rank(md, x));
        bool in = model_rank(md, x + 1) != model_rank(md, x);
        REQUIRE(matchset_has(m, x) == in);
    }
    ck_assert_uint_eq(matchset_select(m, md->n), UINT64_MAX);
    if (md->dropped)
        ck_assert_uint_eq(matchset_select(m, md->dropped - 1), UINT64_MAX);
}

/* Numbers from `from`, each present with probability 1/every, with a run
 * of empty chunks now and then. */
static void fill(struct matchset *m, struct model *md, uint64_t from, uint64_t count,
                 unsigned every)
{
    uint64_t x = from;
    for (uint64_t i = 0; i < count; i++, x++) {
        if (rng() % 50000 == 0)
            x += (uint64_t)MATCHSET_CHUNK_BITS * (1 + rng() % 3); /* nothing matches for a while */
        if (rng() % every == 0) {
            matchset_add(m, x);
            model_add(md, x);
        }
    }
}

START_TEST(test_dense_sparse_and_gaps_match_the_model)
{
    static const unsigned every[] = {1, 2, 7, 300, 70000};
    for (size_t t = 0; t < sizeof every / sizeof every[0]; t++) {
        struct matchset m;
        struct model md = {0};
        matchset_init(&m);
        fill(&m, &md, 5, 400000, every[t]);
        check_against(&m, &md, 0);
        matchset_free(&m);
        free(md.v);
    }
}
END_TEST

START_TEST(test_trim_follows_the_store)
{
    /* a store keeping the last 200,000 packets, the filter matching one in
     * three: memory stays that of the window, counts stay exact */
    struct matchset m;
    struct model md = {0};
    matchset_init(&m);
    const uint64_t window = 200000;
    uint64_t peak = 0;
    for (uint64_t x = 0; x < 3000000; x++) {
        uint64_t first = x > window ? x - window : 0;
        matchset_trim(&m, first);
        if (rng() % 3 == 0) {
            matchset_add(&m, x);
            model_add(&md, x);
        }
        if (matchset_bytes(&m) > peak)
            peak = matchset_bytes(&m);
    }
    uint64_t first = 3000000 - window;
    /* what trimming dropped: whole chunks below first */
    uint64_t kept_from = first / MATCHSET_CHUNK_BITS * MATCHSET_CHUNK_BITS;
    md.dropped = model_rank(&md, kept_from);
    ck_assert_uint_eq(m.dropped, md.dropped);
    check_against(&m, &md, kept_from);
    /* the rank at the store's first packet: what the list skips */
    ck_assert_uint_eq(matchset_rank(&m, first), model_rank(&md, first));
    /* 4 or 5 chunks of 64 Ki packets cover the window (8.5 KB each), not the
     * 3 M packets seen (1 M matches: 4 MB as 32-bit numbers) */
    ck_assert_msg(peak < 6 * 9000 + 4096, "peak %llu bytes", (unsigned long long)peak);
    matchset_free(&m);
    free(md.v);
}
END_TEST

START_TEST(test_numbers_past_four_billion)
{
    struct matchset m;
    struct model md = {0};
    matchset_init(&m);
    uint64_t base = (1ull << 32) - 1000;
    for (uint64_t x = base; x < base + 300000; x += 1 + rng() % 5) {
        matchset_add(&m, x);
        model_add(&md, x);
    }
    matchset_trim(&m, base); /* nothing below: nothing dropped */
    ck_assert_uint_eq(m.dropped, 0);
    check_against(&m, &md, 0);
    ck_assert(matchset_has(&m, md.v[md.n - 1]));
    ck_assert_uint_gt(md.v[md.n - 1], UINT32_MAX);
    matchset_free(&m);
    free(md.v);
}
END_TEST

START_TEST(test_copy_clear_and_out_of_order)
{
    struct matchset m, c;
    struct model md = {0};
    matchset_init(&m);
    matchset_init(&c);
    fill(&m, &md, 0, 200000, 3);
    matchset_copy(&c, &m);
    matchset_clear(&m);
    ck_assert_uint_eq(m.total, 0);
    ck_assert_uint_eq(matchset_rank(&m, 12345), 0);
    ck_assert_uint_eq(matchset_select(&m, 0), UINT64_MAX);
    check_against(&c, &md, 0);
    /* a number not above the last is refused (the contract is increasing) */
    uint64_t last = md.v[md.n - 1];
    matchset_add(&c, last);
    matchset_add(&c, last - 1);
    ck_assert_uint_eq(c.total, md.n);
    matchset_add(&m, 7);
    ck_assert_uint_eq(matchset_select(&m, 0), 7);
    ck_assert_uint_eq(matchset_rank(&m, 7), 0);
    ck_assert_uint_eq(matchset_rank(&m, 8), 1);
    matchset_free(&m);
    matchset_free(&c);
    free(md.v);
}
END_TEST

START_TEST(test_all_trimmed_then_more)
{
    struct matchset m;
    matchset_init(&m);
    for (uint64_t x = 0; x < 1000; x += 2)
        matchset_add(&m, x);
    matchset_trim(&m, 10 * (uint64_t)MATCHSET_CHUNK_BITS);
    ck_assert_uint_eq(m.dropped, 500);
    ck_assert_uint_eq(m.nchunks, 0);
    ck_assert_uint_eq(matchset_select(&m, 499), UINT64_MAX);
    ck_assert_uint_eq(matchset_rank(&m, 10 * (uint64_t)MATCHSET_CHUNK_BITS), 500);
    uint64_t x = 10 * (uint64_t)MATCHSET_CHUNK_BITS + 3;
    matchset_add(&m, x);
    ck_assert_uint_eq(matchset_select(&m, 500), x);
    ck_assert_uint_eq(matchset_rank(&m, x), 500);
    ck_assert_uint_eq(matchset_rank(&m, x + 1), 501);
    ck_assert_uint_eq(matchset_bytes(&m) < 10000, 1);
    matchset_free(&m);
}
END_TEST

static Suite *matchset_suite(void)
{
    Suite *s = suite_create("matchset");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_dense_sparse_and_gaps_match_the_model);
    tcase_add_test(t, test_trim_follows_the_store);
    tcase_add_test(t, test_numbers_past_four_billion);
    tcase_add_test(t, test_copy_clear_and_out_of_order);
    tcase_add_test(t, test_all_trimmed_then_more);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(matchset_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
