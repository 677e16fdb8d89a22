/*
 * The decoder side of the UI's snapshot protocol (src/decode/query.c and
 * query_views.c), driven without threads or a terminal: captures are fed
 * through decoder_feed, requests are posted and served in the same thread
 * with query_poll, and the rows are read back as text.
 *
 * Expected values come from independent sources:
 *  - Info columns from tshark 4.0.17 (test/tcp/golden/lossy.packets.tsv,
 *    made by test/tcp/regen-golden.sh; the command is in the file's header);
 *  - display filter counts from tcpdump 4.99.3 / libpcap 1.10.3:
 *      tcpdump -r test/tcp/lossy.pcap 'tcp[tcpflags] & tcp-push != 0' | wc -l -> 269
 *  - flow rates and orders from packets the test builds with known sizes
 *    and times (arithmetic in the comments);
 *  - the windowed ladder from the whole ladder (ladder_render, itself
 *    checked against tshark in test/scripts/run-tcp-golden.sh).
 */
#include <check.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pktbuild.h"
#include "wirescope/conn.h"
#include "wirescope/flow.h"
#include "wirescope/query.h"
#include "wirescope/render.h"
#include "wirescope/store.h"
#include "world.h"

#define LOSSY "test/tcp/lossy.pcap"
#define LOSSY_GOLDEN "test/tcp/golden/lossy.packets.tsv"
#define LOSSY_PACKETS 1135
#define PUSH_FILTER "tcp[tcpflags] & tcp-push != 0"
#define PUSH_COUNT 269
#define T0_SEC 1700000000ull
#define SEC_NS 1000000000ull

/* ---------- a capture run through the decoder, with the mailbox ---------- */

static const struct world_opts query_world = {
    .store_bytes = (size_t)64 << 20, .max_flows = 100000, .max_conns = 100000, .query = true};

static void req_init(struct query_req *r, enum query_view view, int width, int rows)
{
    memset(r, 0, sizeof *r);
    r->view = view;
    r->width = width;
    r->rows = rows;
    r->limit = -1;
    r->hex_top = QUERY_FOLLOW;
}

/* Posts r and serves it as the decoder thread would. */
static const struct query_resp *ask(struct world *w, const struct query_req *r)
{
    w->q->req = *r;
    query_post(w->q);
    query_poll(w->q);
    ck_assert(query_ready(w->q));
    return &w->q->resp;
}

/* Runs background slices (filter, save) until none is left. */
static void finish_jobs(struct world *w)
{
    struct query_req r;
    req_init(&r, QV_NONE, 80, 10);
    for (int i = 0; i < 100000; i++) {
        const struct query_resp *o = ask(w, &r);
        if (!o->st.filtering && !o->st.saving)
            return;
    }
    ck_abort_msg("background jobs never finished");
}

static void row_text(const struct cellbuf *cb, int row, char *buf, size_t size)
{
    struct textbuf tb;
    tb_init(&tb, buf, size);
    cellbuf_row_text(cb, row, &tb);
}

static bool set_filter(struct world *w, const char *expr)
{
    struct query_req r;
    req_init(&r, QV_PACKETS, 120, 20);
    pcap_t *dead = pcap_open_dead(w->cap.linktype, 262144);
    bool ok = pcap_compile(dead, &r.prog, expr, 1, PCAP_NETMASK_UNKNOWN) == 0;
    pcap_close(dead);
    if (!ok)
        return false;
    r.cmd = QC_SET_FILTER;
    snprintf(r.filter_text, sizeof r.filter_text, "%s", expr);
    ask(w, &r);
    return true;
}

/* ---------- tshark's Info column, dup ACK numbers included ---------- */

/* frame number -> Info (the last field) of a test/tcp golden */
static char **golden_info(const char *path, int *count)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s", path);
    char **info = calloc(LOSSY_PACKETS + 2, sizeof *info);
    char line[8192];
    bool header = false;
    *count = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        if (!header) {
            header = true;
            continue;
        }
        line[strcspn(line, "\n")] = '\0';
        int no = atoi(line);
        char *last = strrchr(line, '\t');
        if (no > 0 && no <= LOSSY_PACKETS && last) {
            size_t n = strlen(last + 1);
            while (n && last[n] == ' ')
                last[n--] = '\0';
            info[no] = strdup(last + 1);
            (*count)++;
        }
    }
    fclose(f);
    return info;
}

START_TEST(test_packet_rows_match_tshark_info)
{
    struct world *w = world_load(&query_world, LOSSY);
    int count;
    char **info = golden_info(LOSSY_GOLDEN, &count);
    ck_assert_int_eq(count, LOSSY_PACKETS);
    /* windows over the whole list, including the dup ACK runs (53..) and
     * the retransmissions, at a width where Info is never cut */
    static const int tops[] = {0, 40, 47, 300, 700, LOSSY_PACKETS - 30};
    int checked = 0, dups = 0;
    for (size_t t = 0; t < sizeof tops / sizeof tops[0]; t++) {
        struct query_req r;
        req_init(&r, QV_PACKETS, 600, 31);
        r.top = tops[t];
        r.sel = tops[t];
        const struct query_resp *o = ask(w, &r);
        ck_assert_int_eq(o->total, LOSSY_PACKETS);
        ck_assert_int_eq(o->top, tops[t]);
        ck_assert_int_eq(o->body.rows, 30);
        ck_assert_uint_eq(o->sel_packet, (uint64_t)tops[t] + 1);
        for (int i = 0; i < o->body.rows; i++) {
            char text[4096];
            row_text(&o->body, i, text, sizeof text);
            int no = atoi(text);
            ck_assert_int_eq(no, tops[t] + i + 1);
            const char *want = info[no];
            size_t tl = strlen(text), wl = strlen(want);
            ck_assert_msg(tl >= wl && strcmp(text + tl - wl, want) == 0,
                          "packet %d: row \"%s\", tshark \"%s\"", no, text, want);
            dups += strstr(want, "Dup ACK") != NULL;
            checked++;
        }
    }
    ck_assert_int_eq(checked, 180);
    ck_assert_int_gt(dups, 0);
    for (int i = 0; i <= LOSSY_PACKETS; i++)
        free(info[i]);
    free(info);
    world_free(w);
}
END_TEST

START_TEST(test_packet_list_follow_and_columns)
{
    struct world *w = world_load(&query_world, LOSSY);
    struct query_req r;
    req_init(&r, QV_PACKETS, 120, 20);
    r.top = QUERY_FOLLOW;
    const struct query_resp *o = ask(w, &r);
    ck_assert_int_eq(o->top, LOSSY_PACKETS - 19);
    ck_assert_int_eq(o->sel, LOSSY_PACKETS - 1);
    ck_assert_uint_eq(o->sel_packet, LOSSY_PACKETS);
    char text[1024];
    row_text(&o->head, 0, text, sizeof text);
    ck_assert_msg(strstr(text, "Length") && strstr(text, "Info") && strstr(text, "Time"), "%s", text);
    /* 80 columns: Length gives way, Info stays */
    req_init(&r, QV_PACKETS, 80, 20);
    o = ask(w, &r);
    row_text(&o->head, 0, text, sizeof text);
    ck_assert_msg(!strstr(text, "Length") && strstr(text, "Info") && strstr(text, "Source"),
                  "%s", text);
    /* a pause limit hides later rows */
    req_init(&r, QV_PACKETS, 120, 20);
    r.limit = 100;
    r.top = QUERY_FOLLOW;
    o = ask(w, &r);
    ck_assert_int_eq(o->total, 100);
    ck_assert_uint_eq(o->sel_packet, 100);
    world_free(w);
}
END_TEST

START_TEST(test_display_filter_counts_like_tcpdump)
{
    struct world *w = world_load(&query_world, LOSSY);
    ck_assert(set_filter(w, PUSH_FILTER));
    finish_jobs(w);
    struct query_req r;
    req_init(&r, QV_PACKETS, 200, 400);
    const struct query_resp *o = ask(w, &r);
    ck_assert_int_eq(o->total, PUSH_COUNT);
    ck_assert_uint_eq(o->st.shown, PUSH_COUNT);
    ck_assert_str_eq(o->st.display_filter, PUSH_FILTER);
    for (int i = 0; i < o->body.rows; i++) {
        char text[1024];
        row_text(&o->body, i, text, sizeof text);
        ck_assert_msg(strstr(text, "PSH") != NULL, "row without PSH: %s", text);
    }
    /* cleared: every packet again */
    req_init(&r, QV_PACKETS, 120, 20);
    r.cmd = QC_CLEAR_FILTER;
    o = ask(w, &r);
    ck_assert_int_eq(o->total, LOSSY_PACKETS);
    ck_assert_str_eq(o->st.display_filter, "");
    world_free(w);
}
END_TEST

START_TEST(test_display_filter_tests_new_packets)
{
    /* half the capture stored, the filter set, the rest arriving: the
     * count must be the same as over the whole capture */
    struct world *w = world_for_file(&query_world, LOSSY);
    world_feed_file(w, LOSSY, 0, 500);
    ck_assert(set_filter(w, PUSH_FILTER));
    world_feed_file(w, LOSSY, 500, 0);
    finish_jobs(w);
    struct query_req r;
    req_init(&r, QV_PACKETS, 120, 20);
    ck_assert_int_eq(ask(w, &r)->total, PUSH_COUNT);
    world_free(w);
}
END_TEST

/* Which packets of LOSSY match PUSH_FILTER, by libpcap's own filter. */
static void lossy_push_matches(bool match[LOSSY_PACKETS])
{
    pcap_t *pc = world_open_file(LOSSY);
    struct bpf_program prog;
    ck_assert_int_eq(pcap_compile(pc, &prog, PUSH_FILTER, 1, PCAP_NETMASK_UNKNOWN), 0);
    struct pcap_pkthdr *h;
    const u_char *data;
    int i = 0;
    while (pcap_next_ex(pc, &h, &data) == 1 && i < LOSSY_PACKETS)
        match[i++] = pcap_offline_filter(&prog, h, data) != 0;
    ck_assert_int_eq(i, LOSSY_PACKETS);
    pcap_freecode(&prog);
    pcap_close(pc);
}

START_TEST(test_display_filter_after_the_store_evicts)
{
    /* Live capture keeps bytes in memory within its budget: LOSSY fed 50
     * times (56,750 packets, 5.7 MB of bytes) into a 6 MiB store (a 2 MiB
     * index chunk and one 4 MiB chunk of bytes), the filter set before the
     * first packet. The list holds the matches still stored, in order: the
     * packets from the store's first, by libpcap's filter. */
    enum { PASSES = 50 };
    static const struct world_opts small_store = {
        .store_bytes = (size_t)6 << 20, .max_flows = 100000, .max_conns = 100000, .query = true};
    struct world *w = world_for_file(&small_store, LOSSY);
    ck_assert(set_filter(w, PUSH_FILTER));
    for (int pass = 0; pass < PASSES; pass++)
        world_feed_file(w, LOSSY, 0, 0);
    finish_jobs(w);
    bool match[LOSSY_PACKETS];
    lossy_push_matches(match);
    struct query_req r;
    req_init(&r, QV_PACKETS, 200, 40);
    const struct query_resp *o = ask(w, &r);
    uint64_t first = o->st.first;
    ck_assert_uint_gt(first, 0); /* it did evict */
    int want = 0;
    for (uint64_t n = first; n < PASSES * LOSSY_PACKETS; n++)
        want += match[n % LOSSY_PACKETS];
    ck_assert_int_eq(o->total, want);
    /* the first and the last rows: the first and the last stored matches */
    uint64_t first_match = first;
    while (!match[first_match % LOSSY_PACKETS])
        first_match++;
    uint64_t last_match = PASSES * LOSSY_PACKETS - 1;
    while (!match[last_match % LOSSY_PACKETS])
        last_match--;
    char text[1024];
    row_text(&o->body, 0, text, sizeof text);
    ck_assert_int_eq(atoll(text), (long long)first_match + 1);
    req_init(&r, QV_PACKETS, 200, 40);
    r.top = QUERY_FOLLOW;
    o = ask(w, &r);
    row_text(&o->body, o->body.rows - 1, text, sizeof text);
    ck_assert_int_eq(atoll(text), (long long)last_match + 1);
    world_free(w);
}
END_TEST

START_TEST(test_save_writes_the_displayed_packets)
{
    struct world *w = world_load(&query_world, LOSSY);
    ck_assert(set_filter(w, PUSH_FILTER));
    finish_jobs(w);
    char path[] = "/tmp/check_query_saveXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    struct query_req r;
    req_init(&r, QV_NONE, 80, 10);
    r.cmd = QC_SAVE;
    snprintf(r.path, sizeof r.path, "%s", path);
    ask(w, &r);
    finish_jobs(w);
    ck_assert_msg(strstr(w->q->resp.note, "saved 269 packets"), "%s", w->q->resp.note);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    ck_assert_ptr_nonnull(pc);
    struct bpf_program prog;
    ck_assert_int_eq(pcap_compile(pc, &prog, PUSH_FILTER, 1, PCAP_NETMASK_UNKNOWN), 0);
    struct pcap_pkthdr *h;
    const u_char *data;
    int n = 0, match = 0;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        n++;
        match += pcap_offline_filter(&prog, h, data) != 0;
    }
    pcap_freecode(&prog);
    pcap_close(pc);
    unlink(path);
    ck_assert_int_eq(n, PUSH_COUNT);
    ck_assert_int_eq(match, PUSH_COUNT);
    world_free(w);
}
END_TEST

/* ---------- flows: rates over 2, 10, 40 s and the sorted window ---------- */

static void feed_udp(struct world *w, uint32_t src, uint16_t sport, uint64_t ts_ns,
                     uint32_t wire_len)
{
    uint8_t frame[128];
    struct pb_ends e = {src, 0x0a000002, sport, 2000};
    size_t n = pb_udp4(frame, &e, "x", 1);
    world_feed(w, ts_ns, frame, (uint32_t)n, wire_len);
}

START_TEST(test_flow_rates_2_10_40_seconds)
{
    struct world *w = world_new(&query_world, DLT_EN10MB);
    /* flow 0: 1000 bytes at each of seconds 0..39; flow 1: 5000 bytes at
     * 39.5 s. The clock is the last packet, in second 39. */
    for (int k = 0; k < 40; k++)
        feed_udp(w, 0x0a000001, 1000, (T0_SEC + (uint64_t)k) * SEC_NS, 1000);
    feed_udp(w, 0x0a000003, 1000, (T0_SEC + 39) * SEC_NS + SEC_NS / 2, 5000);
    uint64_t now = (T0_SEC + 39) * SEC_NS + SEC_NS / 2;
    uint8_t frame[128];
    struct pb_ends e = {0x0a000001, 0x0a000002, 1000, 2000};
    const struct flow *a = world_flow_of(w, frame, pb_udp4(frame, &e, "x", 1), 60);
    e.src = 0x0a000003;
    const struct flow *b = world_flow_of(w, frame, pb_udp4(frame, &e, "x", 1), 60);
    ck_assert(a && b);
    /* A: 2 s -> seconds 38, 39: 2000 B = 16000 bit / 2 s = 8000 bit/s,
     * likewise over 10 and 40 s. B: 5000 B = 40000 bit over 2, 10, 40 s. */
    ck_assert_double_eq_tol(query_flow_rate(w->q, a, a->id, 2, now), 8000, 1e-6);
    ck_assert_double_eq_tol(query_flow_rate(w->q, a, a->id, 10, now), 8000, 1e-6);
    ck_assert_double_eq_tol(query_flow_rate(w->q, a, a->id, 40, now), 8000, 1e-6);
    ck_assert_double_eq_tol(query_flow_rate(w->q, b, b->id, 2, now), 20000, 1e-6);
    ck_assert_double_eq_tol(query_flow_rate(w->q, b, b->id, 10, now), 4000, 1e-6);
    ck_assert_double_eq_tol(query_flow_rate(w->q, b, b->id, 40, now), 1000, 1e-6);
    /* 41 s later nothing is left of A's history */
    ck_assert_double_eq_tol(query_flow_rate(w->q, a, a->id, 40, now + 41 * SEC_NS), 0, 1e-9);
    /* the flows view orders by them: B leads on 2 s, A on 40 s and bytes */
    struct query_req r;
    req_init(&r, QV_FLOWS, 200, 10);
    r.sort = FS_RATE2;
    ck_assert_uint_eq(ask(w, &r)->sel_flow, b->id);
    r.sort = FS_RATE40;
    ck_assert_uint_eq(ask(w, &r)->sel_flow, a->id);
    r.sort = FS_BYTES;
    ck_assert_uint_eq(ask(w, &r)->sel_flow, a->id);
    r.sort_asc = true;
    ck_assert_uint_eq(ask(w, &r)->sel_flow, b->id);
    world_free(w);
}
END_TEST

#define NFLOWS 3001

START_TEST(test_flows_window_is_the_sorted_order)
{
    /* flow i (ids in arrival order) gets 100 + (i * 7919 mod 3001) bytes:
     * 7919 is prime to 3001, so the sizes are all different and the order
     * by bytes is known without wirescope */
    struct world *w = world_new(&query_world, DLT_EN10MB);
    int size_rank[NFLOWS]; /* flow id by descending bytes */
    for (int i = 0; i < NFLOWS; i++) {
        int extra = (int)((long)i * 7919 % NFLOWS);
        feed_udp(w, 0x0a100000u + (uint32_t)i, 1000, (T0_SEC + 1) * SEC_NS + (uint64_t)i,
                 (uint32_t)(100 + extra));
        size_rank[NFLOWS - 1 - extra] = i;
    }
    static const int tops[] = {0, 7, 1234, NFLOWS - 10, NFLOWS - 3};
    for (size_t t = 0; t < sizeof tops / sizeof tops[0]; t++) {
        struct query_req r;
        req_init(&r, QV_FLOWS, 200, 11);
        r.top = tops[t];
        r.sel = tops[t];
        const struct query_resp *o = ask(w, &r);
        ck_assert_int_eq(o->total, NFLOWS);
        int64_t top = o->top;
        ck_assert_int_le(top, tops[t]);
        ck_assert_int_eq(o->body.rows, (int)(NFLOWS - top < 10 ? NFLOWS - top : 10));
        for (int i = 0; i < o->body.rows; i++) {
            char text[1024];
            row_text(&o->body, i, text, sizeof text);
            ck_assert_int_eq(atoi(text), size_rank[top + i]);
        }
        ck_assert_uint_eq(o->sel_flow, (uint64_t)size_rank[o->sel]);
    }
    world_free(w);
}
END_TEST

/* ---------- connections and the windowed ladder ---------- */

/* A ladder row without the arrow's length (which depends on the longest
 * label drawn): runs of '-' and ' ' count once. */
static void squeeze(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = in; *p && n + 1 < size; p++)
        if (!(n && (*p == '-' || *p == ' ') && out[n - 1] == *p))
            out[n++] = *p;
    out[n] = '\0';
}

START_TEST(test_ladder_window_rows_match_the_whole_ladder)
{
    struct world *w = world_load(&query_world, LOSSY);
    const struct conn *c = world_conn(w, 0);
    uint64_t *pkts = calloc(LOSSY_PACKETS, sizeof *pkts);
    size_t n = 0;
    for (uint64_t i = store_first(w->store); i < store_count(w->store); i++)
        if (store_entry(w->store, i)->conn_id == 0)
            pkts[n++] = i;
    ck_assert_uint_eq(n, LOSSY_PACKETS);
    struct cellbuf full;
    cellbuf_init(&full, 400, false);
    ladder_render(&full, c, w->store, w->cap.linktype);
    int full_header = full.rows - (int)n - 5; /* blank + 4 summary lines */
    ck_assert_int_ge(full_header, 1);
    static const size_t win[][2] = {{0, 5}, {40, 13}, {47, 12}, {52, 9}, {500, 30},
                                    {LOSSY_PACKETS - 7, 7}, {0, LOSSY_PACKETS}};
    for (size_t k = 0; k < sizeof win / sizeof win[0]; k++) {
        struct cellbuf cb;
        cellbuf_init(&cb, 400, false);
        int header = ladder_render_window(&cb, c, w->store, w->cap.linktype, pkts, n,
                                          win[k][0], win[k][1]);
        ck_assert_int_eq(cb.rows - header, (int)win[k][1]);
        for (size_t i = 0; i < win[k][1]; i++) {
            char a[2048], b[2048], sa[2048], sb[2048];
            row_text(&cb, header + (int)i, a, sizeof a);
            row_text(&full, full_header + (int)(win[k][0] + i), b, sizeof b);
            squeeze(a, sa, sizeof sa);
            squeeze(b, sb, sizeof sb);
            ck_assert_msg(strcmp(sa, sb) == 0, "window %zu row %zu:\n  %s\n  %s", k, i, sa, sb);
        }
        cellbuf_free(&cb);
    }
    cellbuf_free(&full);
    free(pkts);
    world_free(w);
}
END_TEST

START_TEST(test_conn_views)
{
    struct world *w = world_load(&query_world, LOSSY);
    struct query_req r;
    req_init(&r, QV_CONNS, 200, 10);
    const struct query_resp *o = ask(w, &r);
    ck_assert_int_eq(o->total, 1);
    ck_assert_uint_eq(o->sel_conn, 0);
    req_init(&r, QV_CONN, 160, 30);
    r.id = 0;
    o = ask(w, &r);
    ck_assert(o->found);
    ck_assert_int_eq(o->total, LOSSY_PACKETS + 5);
    /* the first segment row is the SYN, packet 1, pointing right */
    char text[1024];
    row_text(&o->body, 0, text, sizeof text);
    ck_assert_msg(strstr(text, "SYN Seq=0") && strstr(text, "->|"), "%s", text);
    ck_assert_uint_eq(o->sel_packet, 1);
    /* the last page ends with the summary */
    r.top = QUERY_FOLLOW;
    o = ask(w, &r);
    row_text(&o->body, o->body.rows - 1, text, sizeof text);
    ck_assert_msg(strstr(text, "state") && strstr(text, "1135 packets"), "%s", text);
    /* timeline and follow panes scroll, with nothing selected */
    r.top = 0;
    r.pane = PANE_TIMELINE;
    o = ask(w, &r);
    ck_assert_int_eq(o->sel, -1);
    ck_assert_int_gt(o->body.rows, 5);
    r.pane = PANE_FOLLOW;
    o = ask(w, &r);
    ck_assert_int_gt(o->total, o->body.rows);
    row_text(&o->body, 0, text, sizeof text);
    ck_assert_msg(strncmp(text, "client ", 7) == 0, "%s", text);
    /* an unknown connection says so */
    r.id = 99;
    o = ask(w, &r);
    ck_assert(!o->found);
    world_free(w);
}
END_TEST

START_TEST(test_detail_view)
{
    struct world *w = world_load(&query_world, LOSSY);
    struct query_req r;
    req_init(&r, QV_DETAIL, 120, 30);
    r.id = 1;
    r.hex_rows = 6;
    const struct query_resp *o = ask(w, &r);
    ck_assert(o->found);
    ck_assert_int_eq(o->layers, 3);
    ck_assert_int_gt(o->tree_lines, 10);
    /* select the TCP title line: its bytes are highlighted and, asked to
     * follow, the dump shows their first row */
    r.sel = o->layer_line[2];
    o = ask(w, &r);
    ck_assert(o->sel_line.title);
    ck_assert_int_eq(o->sel_line.layer, 2);
    ck_assert_uint_eq(o->sel_line.off, 34);
    ck_assert_int_le(o->hex_top, 34 / 16);
    ck_assert_int_ge(o->hex_top + 5, 34 / 16);
    /* folding TCP removes its field lines */
    int lines = o->tree_lines;
    r.collapsed = 1u << 2;
    o = ask(w, &r);
    ck_assert_int_lt(o->tree_lines, lines);
    world_free(w);
}
END_TEST

static Suite *query_suite(void)
{
    Suite *s = suite_create("query");
    TCase *p = tcase_create("packets");
    tcase_set_timeout(p, 60);
    tcase_add_test(p, test_packet_rows_match_tshark_info);
    tcase_add_test(p, test_packet_list_follow_and_columns);
    tcase_add_test(p, test_display_filter_counts_like_tcpdump);
    tcase_add_test(p, test_display_filter_tests_new_packets);
    tcase_add_test(p, test_display_filter_after_the_store_evicts);
    tcase_add_test(p, test_save_writes_the_displayed_packets);
    tcase_add_test(p, test_detail_view);
    suite_add_tcase(s, p);
    TCase *f = tcase_create("flows");
    tcase_set_timeout(f, 60);
    tcase_add_test(f, test_flow_rates_2_10_40_seconds);
    tcase_add_test(f, test_flows_window_is_the_sorted_order);
    suite_add_tcase(s, f);
    TCase *c = tcase_create("connections");
    tcase_set_timeout(c, 60);
    tcase_add_test(c, test_ladder_window_rows_match_the_whole_ladder);
    tcase_add_test(c, test_conn_views);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(query_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
