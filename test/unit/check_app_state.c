/*
 * Per-flow protocol state under its budget (app_track.c): when all flows
 * together hold APP_STATE_BUDGET bytes, a flow asking for more gets it by
 * reclaiming the state of the least recently used other flows (CLOCK: a
 * flow that asked since the hand last passed keeps its state for one more
 * turn), never its own; a reclaimed flow keeps its parent link and later
 * gets a fresh zeroed block; the count of reclaims and the bytes held are
 * exact. Then the dissectors that keep stream state (HTTP, FTP) resume on
 * a fresh block without a bogus transaction.
 *
 * Expected values come from the documented limits: FULL flows of
 * APP_STATE_MAX bytes fill the budget exactly (64 MiB / 16 KiB = 4096),
 * so each further block of APP_STATE_MAX costs exactly one such flow, or
 * exactly 16 flows of APP_STATE_MAX / 16; the transactions are the
 * requests and replies the test sends.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowstate.h"
#include "apptest.h"
#include "wirescope/app.h"

#define FULL (APP_STATE_BUDGET / APP_STATE_MAX) /* flows of APP_STATE_MAX that fill it */

/* ---------- the tracker driven directly ---------- */

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* The flow's id at both ends of its block, to tell it kept its bytes. */
static void mark(uint8_t *p, uint64_t id, size_t size)
{
    memcpy(p, &id, sizeof id);
    p[size - 1] = (uint8_t)(id * 7 + 1);
}

static bool marked(const uint8_t *p, uint64_t id, size_t size)
{
    uint64_t got;
    memcpy(&got, p, sizeof got);
    return got == id && p[size - 1] == (uint8_t)(id * 7 + 1);
}

/* Flows 0..n-1 each take `size` bytes, zeroed, and are marked. */
static void fill(struct app_tracker *t, uint8_t **blocks, unsigned n, size_t size)
{
    for (unsigned i = 0; i < n; i++) {
        uint8_t *p = flow_state_of(t, i, size);
        ck_assert_ptr_nonnull(p);
        ck_assert(all_zero(p, size));
        mark(p, i, size);
        if (blocks)
            blocks[i] = p;
    }
}

static unsigned count_lost(struct app_tracker *t, uint64_t from, uint64_t to)
{
    unsigned n = 0;
    for (uint64_t id = from; id < to; id++)
        n += flow_state_lost(t, id);
    return n;
}

START_TEST(test_untouched_flows_go_first)
{
    struct app_tracker *t = app_tracker_new(16);
    static uint8_t *blocks[FULL];
    fill(t, blocks, FULL, APP_STATE_MAX);
    ck_assert_uint_eq(app_tracker_state_bytes(t), (size_t)FULL * APP_STATE_MAX);
    ck_assert_uint_eq(app_tracker_state_bytes(t), APP_STATE_BUDGET);
    ck_assert_uint_eq(app_tracker_state_reclaimed(t), 0);

    /* Every block was just asked for: the first new flow's request takes
     * one full turn clearing those marks, then exactly one block. */
    uint8_t *p = flow_state_of(t, FULL, APP_STATE_MAX);
    ck_assert_ptr_nonnull(p);
    ck_assert(all_zero(p, APP_STATE_MAX));
    ck_assert_uint_eq(app_tracker_state_reclaimed(t), 1);
    ck_assert_uint_eq(count_lost(t, 0, FULL), 1);
    ck_assert_uint_eq(app_tracker_state_bytes(t), APP_STATE_BUDGET);
    unsigned v1 = 0;
    while (!flow_state_lost(t, v1))
        v1++;

    /* Now three flows in four are used again (the same block, bytes
     * intact); the fourth ones, untouched, must all go before any other.
     * (The 5121 flows stay under 3/4 of the 8192-slot table the first
     * FULL grew, so no rehash reorders the sweep meanwhile.) */
    unsigned untouched = 0;
    for (unsigned i = 0; i < FULL; i++) {
        if (i == v1)
            continue;
        if (i % 4 == 1) {
            untouched++;
            continue;
        }
        uint8_t *q = flow_state_of(t, i, APP_STATE_MAX);
        ck_assert_ptr_eq(q, blocks[i]);
        ck_assert(marked(q, i, APP_STATE_MAX));
    }
    ck_assert_uint_eq(untouched, FULL / 4 - (v1 % 4 == 1));
    for (unsigned j = 1; j <= untouched; j++) {
        p = flow_state_of(t, FULL + j, APP_STATE_MAX);
        ck_assert_ptr_nonnull(p);
        ck_assert(all_zero(p, APP_STATE_MAX));
        ck_assert_uint_le(app_tracker_state_bytes(t), APP_STATE_BUDGET);
    }
    ck_assert_uint_eq(app_tracker_state_reclaimed(t), 1 + untouched);
    ck_assert_uint_eq(app_tracker_state_bytes(t), APP_STATE_BUDGET);
    for (unsigned i = 0; i < FULL; i++) {
        bool want_lost = i == v1 || i % 4 == 1;
        ck_assert_msg(flow_state_lost(t, i) == want_lost, "flow %u: lost %d", i, flow_state_lost(t, i));
        if (!want_lost)
            ck_assert(marked(blocks[i], i, APP_STATE_MAX));
    }
    ck_assert_uint_eq(count_lost(t, FULL, FULL + untouched + 1), 0);
    ck_assert_uint_eq(count_lost(t, 0, FULL + untouched + 1),
                      app_tracker_state_reclaimed(t));

    /* A reclaimed flow asking again starts over: a zeroed block, which
     * costs one more flow its block. */
    p = flow_state_of(t, v1, APP_STATE_MAX);
    ck_assert_ptr_nonnull(p);
    ck_assert(all_zero(p, APP_STATE_MAX));
    ck_assert(flow_state_lost(t, v1));
    ck_assert_uint_eq(app_tracker_state_reclaimed(t), 2 + untouched);
    ck_assert_uint_eq(app_tracker_state_bytes(t), APP_STATE_BUDGET);

    /* Flows leaving the table give back exactly what they held. */
    for (uint64_t id = 0; id <= FULL + untouched; id++) {
        struct flow f;
        memset(&f, 0, sizeof f);
        f.id = id;
        app_tracker_flow_evicted(t, &f);
    }
    ck_assert_uint_eq(app_tracker_state_bytes(t), 0);
    app_tracker_free(t);
}
END_TEST

START_TEST(test_small_blocks_make_room_together)
{
    /* 65536 flows of 1 KiB fill the budget; a 16 KiB block takes 16. */
    const size_t small = APP_STATE_MAX / 16;
    const unsigned n = APP_STATE_BUDGET / small;
    struct app_tracker *t = app_tracker_new(16);
    fill(t, NULL, n, small);
    ck_assert_uint_eq(app_tracker_state_bytes(t), APP_STATE_BUDGET);
    uint8_t *p = flow_state_of(t, n, APP_STATE_MAX);
    ck_assert_ptr_nonnull(p);
    ck_assert(all_zero(p, APP_STATE_MAX));
    ck_assert_uint_eq(app_tracker_state_reclaimed(t), 16);
    ck_assert_uint_eq(count_lost(t, 0, n + 1), 16);
    ck_assert_uint_eq(app_tracker_state_bytes(t), APP_STATE_BUDGET);
    app_tracker_free(t);
}
END_TEST

/* Half-size blocks fill the budget (2 x FULL flows); then one more flow's
 * half-size request: the flow whose block it reclaims. */
static unsigned first_victim(void)
{
    struct app_tracker *t = app_tracker_new(16);
    fill(t, NULL, 2 * FULL, APP_STATE_MAX / 2);
    ck_assert_ptr_nonnull(flow_state_of(t, 2 * FULL, APP_STATE_MAX / 2));
    ck_assert_uint_eq(count_lost(t, 0, 2 * FULL), 1);
    unsigned v = 0;
    while (!flow_state_lost(t, v))
        v++;
    app_tracker_free(t);
    return v;
}

START_TEST(test_the_asking_flow_keeps_its_own)
{
    /* The same fill again (slot places and the hand depend only on the
     * ids and the calls), but now the very flow the sweep would take first
     * grows its block instead: the sweep must pass it by. It grows by half
     * a block, so exactly one other flow loses its half-size block. */
    const size_t half = APP_STATE_MAX / 2;
    unsigned v = first_victim();
    struct app_tracker *t = app_tracker_new(16);
    fill(t, NULL, 2 * FULL, half);
    uint8_t *p = flow_state_of(t, v, APP_STATE_MAX);
    ck_assert_ptr_nonnull(p);
    uint64_t id;
    memcpy(&id, p, sizeof id);
    ck_assert_uint_eq(id, v);                                   /* kept */
    ck_assert_uint_eq(p[half - 1], (uint8_t)(v * 7 + 1));
    ck_assert(all_zero(p + half, half));                        /* grown zeroed */
    ck_assert(!flow_state_lost(t, v));
    ck_assert_uint_eq(app_tracker_state_reclaimed(t), 1);
    ck_assert_uint_eq(count_lost(t, 0, 2 * FULL), 1);
    ck_assert_uint_eq(app_tracker_state_bytes(t), APP_STATE_BUDGET);
    app_tracker_free(t);
}
END_TEST

/* New flows from *next_id ask for APP_STATE_MAX each until flow id's state
 * was reclaimed: FULL + 1 of them overflow the budget, then each takes one
 * unmarked block as the hand comes to it, so a turn (FULL blocks) reaches
 * it, or two when the slot table is rehashed on the way. */
static void crowd_out(struct app_tracker *t, uint64_t id, uint64_t *next_id)
{
    for (unsigned n = 0; !flow_state_lost(t, id); n++) {
        ck_assert_uint_le(n, 3 * FULL + 1);
        ck_assert_ptr_nonnull(flow_state_of(t, (*next_id)++, APP_STATE_MAX));
    }
}

START_TEST(test_reclaim_keeps_the_announced_link)
{
    struct app_tracker *t = app_tracker_new(16);
    struct flow ctl;
    memset(&ctl, 0, sizeof ctl);
    ctl.id = 1u << 30;
    struct app_ctx ctx = {.t = t, .flow = &ctl};
    struct ws_addr server;
    addr_from_v4(&server, (const uint8_t[4]){10, 0, 0, 2});
    app_expect(&ctx, P_FTP_DATA, &server, 50000, 6);
    struct flow data = tracker_new_flow(t, IPPROTO_TCP, (1u << 30) + 1, 0x0a000001, 40000,
                                        0x0a000002, 50000);
    ck_assert_uint_eq(app_flow_parent(t, data.id), ctl.id);
    uint8_t *p = flow_state_of(t, data.id, 64);
    ck_assert_ptr_nonnull(p);
    mark(p, data.id, 64);
    uint64_t next = 0;
    crowd_out(t, data.id, &next);
    ck_assert_uint_eq(app_flow_parent(t, data.id), ctl.id);
    ck_assert_int_eq(app_flow_announced(t, data.id), P_FTP_DATA);
    p = flow_state_of(t, data.id, 64);
    ck_assert_ptr_nonnull(p);
    ck_assert(all_zero(p, 64));
    app_tracker_free(t);
}
END_TEST

/* ---------- dissectors resuming on a fresh block ---------- */

static const struct pb_ends to80 = {0x0a000001, 0x0a000002, 40000, 80};
static const struct pb_ends from80 = {0x0a000002, 0x0a000001, 80, 40000};
static const struct pb_ends to21 = {0x0a000001, 0x0a000002, 40001, 21};
static const struct pb_ends from21 = {0x0a000002, 0x0a000001, 21, 40001};

/* One HTTP connection (flow id 7), on a flow the decoder knows as HTTP. */
static void http_init(struct tracked *k)
{
    track_init(k, P_HTTP, 7, &to80, &from80);
    g_known = P_HTTP; /* as the decoder knows the flow once it was HTTP */
}

START_TEST(test_http_header_block_cut_by_a_reclaim)
{
    struct tracked c;
    http_init(&c);
    track_str(&c, true, "GET /slow HTTP/1.1\r\nHost: victim.test\r\n");
    uint64_t next = 100;
    crowd_out(c.t, c.f.id, &next);
    /* the block's end, and an answer to it: neither is a message start
     * for the fresh state, so no transaction */
    track_str(&c, true, "X-Pad: aaaa\r\n\r\n");
    track_str(&c, false, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    ck_assert_uint_eq(txns_of(c.t).n, 0);
    track_str(&c, true, "GET /next HTTP/1.1\r\nHost: victim.test\r\n\r\n");
    track_str(&c, false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    struct txn_list l = txns_of(c.t);
    ck_assert_uint_eq(l.n, 1);
    ck_assert_str_eq(l.x[0]->what, "GET /next");
    ck_assert(l.x[0]->done);
    ck_assert_str_eq(l.x[0]->result, "200 OK");
    ck_assert_uint_eq(l.x[0]->nmsgs, 2);
    app_tracker_free(c.t);
}
END_TEST

START_TEST(test_http_reply_after_a_reclaim_answers_nothing)
{
    struct tracked c;
    http_init(&c);
    track_str(&c, true, "GET /a HTTP/1.1\r\n\r\n");
    uint64_t next = 100;
    crowd_out(c.t, c.f.id, &next);
    track_str(&c, false, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    track_str(&c, true, "GET /b HTTP/1.1\r\n\r\n");
    track_str(&c, false, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    struct txn_list l = txns_of(c.t);
    ck_assert_uint_eq(l.n, 2);
    /* the forgotten request keeps only its own message: no answer */
    ck_assert_str_eq(l.x[0]->what, "GET /a");
    ck_assert_uint_eq(l.x[0]->nmsgs, 1);
    ck_assert_str_eq(l.x[0]->result, "");
    ck_assert_str_eq(l.x[1]->what, "GET /b");
    ck_assert(l.x[1]->done);
    ck_assert_str_eq(l.x[1]->result, "404 Not Found");
    ck_assert_uint_eq(l.x[1]->msgs[0].packet, 3);
    ck_assert_uint_eq(l.x[1]->msgs[1].packet, 4);
    app_tracker_free(c.t);
}
END_TEST

START_TEST(test_ftp_line_cut_by_a_reclaim)
{
    struct tracked k;
    track_init(&k, P_FTP, 3, &to21, &from21);
    track_str(&k, true, "USER anonymous\r\n");
    track_str(&k, false, "331 Password please\r\n");
    track_str(&k, true, "RETR fi"); /* the line goes on in the next segment */
    uint64_t next = 100;
    crowd_out(k.t, k.f.id, &next);
    track_str(&k, true, "le.txt\r\n"); /* a tail, not a command */
    track_str(&k, false, "150 Opening\r\n226 Done\r\n");
    track_str(&k, true, "NOOP\r\n");
    track_str(&k, false, "200 Fine\r\n");
    struct txn_list l = txns_of(k.t);
    ck_assert_uint_eq(l.n, 2);
    ck_assert_str_eq(l.x[0]->what, "USER anonymous");
    ck_assert_str_eq(l.x[0]->result, "331 Password please");
    ck_assert_str_eq(l.x[1]->what, "NOOP");
    ck_assert(l.x[1]->done);
    ck_assert_str_eq(l.x[1]->result, "200 Fine");
    app_tracker_free(k.t);
}
END_TEST

START_TEST(test_ftp_whole_command_after_a_reclaim)
{
    struct tracked k;
    track_init(&k, P_FTP, 3, &to21, &from21);
    track_str(&k, true, "USER anonymous\r\n");
    track_str(&k, false, "331 Password please\r\n");
    uint64_t next = 100;
    crowd_out(k.t, k.f.id, &next);
    track_str(&k, true, "PWD\r\n");
    track_str(&k, false, "257 \"/\" is the current directory\r\n");
    struct txn_list l = txns_of(k.t);
    ck_assert_uint_eq(l.n, 2);
    ck_assert_str_eq(l.x[1]->what, "PWD");
    ck_assert(l.x[1]->done);
    ck_assert_str_eq(l.x[1]->result, "257 \"/\" is the current directory");
    app_tracker_free(k.t);
}
END_TEST

static Suite *app_state_suite(void)
{
    Suite *s = suite_create("app_state");
    TCase *tc = tcase_create("budget");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_untouched_flows_go_first);
    tcase_add_test(tc, test_small_blocks_make_room_together);
    tcase_add_test(tc, test_the_asking_flow_keeps_its_own);
    tcase_add_test(tc, test_reclaim_keeps_the_announced_link);
    suite_add_tcase(s, tc);
    tc = tcase_create("dissectors");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, apptest_setup, apptest_teardown);
    tcase_add_test(tc, test_http_header_block_cut_by_a_reclaim);
    tcase_add_test(tc, test_http_reply_after_a_reclaim_answers_nothing);
    tcase_add_test(tc, test_ftp_line_cut_by_a_reclaim);
    tcase_add_test(tc, test_ftp_whole_command_after_a_reclaim);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(app_state_suite());
    srunner_run_all(sr, CK_NORMAL);
    int run = srunner_ntests_run(sr), failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    printf("%d passed, %d failed\n", run - failed, failed);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
