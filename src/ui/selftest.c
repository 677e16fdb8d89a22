/* The UI's request loop without a terminal (WIRESCOPE_UI_SELFTEST=N):
 * every kind of request the views make, commands included, each response
 * checked, so ThreadSanitizer can watch the snapshot path while the
 * decoder is still busy with the capture. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/ui_internal.h"
#include "wirescope/xalloc.h"

static bool wait_response(struct query *q, int timeout_ms)
{
    uint64_t end = ui_now_ns() + (uint64_t)timeout_ms * 1000000u;
    while (!query_ready(q)) {
        uint64_t now = ui_now_ns();
        if (now >= end)
            return false;
        struct pollfd pfd = {.fd = q->ui_fd, .events = POLLIN};
        poll(&pfd, 1, (int)((end - now) / 1000000u) + 1);
        query_ack_wakeup(q);
    }
    return true;
}

struct st_state {
    uint64_t packet, conn, shown, conns;
    int filter_step;
    bool save_sent, capfilter_sent;
    char save_path[64];
};

static void st_filter(const struct ui_opts *o, struct query_req *r, int step)
{
    static const char *const exprs[] = {"tcp", "udp or arp", ""};
    const char *e = exprs[step % 3];
    if (!*e) {
        r->cmd = QC_CLEAR_FILTER;
        return;
    }
    pcap_t *dead = pcap_open_dead(o->cap->linktype, 262144);
    if (dead && pcap_compile(dead, &r->prog, e, 1, PCAP_NETMASK_UNKNOWN) == 0) {
        r->cmd = QC_SET_FILTER;
        snprintf(r->filter_text, sizeof r->filter_text, "%s", e);
    }
    if (dead)
        pcap_close(dead);
}

static void st_request(const struct ui_opts *o, struct st_state *s, long i,
                       struct query_req *r)
{
    memset(r, 0, offsetof(struct query_req, prog));
    r->width = 120;
    r->rows = 36;
    r->limit = -1;
    r->hex_top = QUERY_FOLLOW;
    uint64_t shown = s->shown ? s->shown : 1;
    switch (i % 8) {
    case 0: r->view = QV_PACKETS; r->top = QUERY_FOLLOW; break;
    case 1:
        r->view = QV_PACKETS;
        r->top = (int64_t)(((uint64_t)i * 7919u) % shown);
        r->sel = r->top + 3;
        break;
    case 2:
        r->view = QV_FLOWS;
        r->sort = (enum flow_sort)(i / 8 % FS_COUNT);
        r->sort_asc = (i / 8) & 1;
        r->top = i % 50;
        r->sel = r->top;
        break;
    case 3:
        r->view = QV_CONNS;
        r->top = (int64_t)(((uint64_t)i * 13u) % (s->conns ? s->conns : 1));
        r->sel = r->top;
        break;
    case 4:
        r->view = QV_CONN;
        r->id = s->conn;
        r->pane = (enum conn_pane)(i / 8 % PANE_COUNT);
        r->zoom = (int)(i / 24 % 5);
        r->hex = (i / 8) & 1;
        r->top = i % 7;
        r->sel = r->top;
        break;
    case 5:
        r->view = QV_DETAIL;
        r->id = s->packet;
        r->collapsed = (uint32_t)(i & 7);
        r->sel = i % 20;
        r->hex_rows = 12;
        break;
    case 6:
        r->view = QV_PACKETS;
        r->top = QUERY_FOLLOW;
        if (i % 40 == 6)
            st_filter(o, r, s->filter_step++);
        break;
    default:
        r->view = QV_NONE;
        /* the capture filter too, as F asks for it: the capture thread
         * applies it between reads while we go on */
        if (i == 103)
            s->capfilter_sent = capture_request_filter(o->cap, "tcp or udp or arp or icmp or ip6");
        if (!s->save_sent && i > 200) {
            s->save_sent = true;
            r->cmd = QC_SAVE;
            snprintf(r->path, sizeof r->path, "%s", s->save_path);
        }
    }
}

static const char *st_check(const struct query_req *r, const struct query_resp *o)
{
    if (o->view != r->view)
        return "response for another view";
    if (o->head.width != r->width || o->body.width != r->width)
        return "rows of the wrong width";
    if (o->head.rows + o->body.rows > r->rows + 2)
        return "more rows than the screen has";
    if ((r->view == QV_PACKETS || r->view == QV_FLOWS || r->view == QV_CONNS) &&
        o->total > 0 && (o->sel < 0 || o->sel >= o->total || o->top > o->sel))
        return "selection outside the list";
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int ui_selftest(const struct ui_opts *o, long requests)
{
    struct query *q = o->q;
    struct st_state s = {0};
    snprintf(s.save_path, sizeof s.save_path, "/tmp/wirescope-selftest-%d.pcap", (int)getpid());
    uint64_t *lat = xcalloc((size_t)(requests > 0 ? requests : 1), sizeof *lat);
    int status = 0;
    long done = 0;
    for (long i = 0; i < requests; i++) {
        st_request(o, &s, i, &q->req);
        struct query_req sent = q->req;
        uint64_t t0 = ui_now_ns();
        query_post(q);
        if (!wait_response(q, 10000)) {
            fprintf(stderr, "wirescope: ui selftest: request %ld got no answer in 10 s\n", i);
            status = 1;
            break;
        }
        lat[done++] = ui_now_ns() - t0;
        const struct query_resp *r = &q->resp;
        const char *bad = st_check(&sent, r);
        if (bad) {
            fprintf(stderr, "wirescope: ui selftest: request %ld (view %d): %s\n", i,
                    (int)sent.view, bad);
            status = 1;
            break;
        }
        s.shown = r->st.shown;
        s.conns = r->st.conns;
        if (r->sel_packet)
            s.packet = r->sel_packet;
        if (r->sel_conn != UINT64_MAX)
            s.conn = r->sel_conn;
    }
    /* let a save still running finish, then check it wrote a file */
    for (int k = 0; k < 1000 && status == 0 && s.save_sent; k++) {
        memset(&q->req, 0, offsetof(struct query_req, prog));
        q->req.view = QV_NONE;
        q->req.width = 120;
        q->req.rows = 36;
        query_post(q);
        if (!wait_response(q, 10000) || !q->resp.st.saving)
            break;
        usleep(10000);
    }
    if (s.capfilter_sent && atomic_load(&o->cap->end) == CAPTURE_RUNNING) {
        for (int k = 0; k < 500 && !atomic_load_explicit(&o->cap->filter_done, memory_order_acquire); k++)
            usleep(10000);
        if (!atomic_load_explicit(&o->cap->filter_done, memory_order_acquire) || o->cap->filter_failed) {
            fprintf(stderr, "wirescope: ui selftest: the capture filter was not applied: %s\n",
                    o->cap->filter_failed ? o->cap->filter_error : "no answer");
            status = 1;
        }
    }
    if (s.save_sent && access(s.save_path, R_OK) != 0) {
        fprintf(stderr, "wirescope: ui selftest: the save wrote no file\n");
        status = 1;
    }
    unlink(s.save_path);
    qsort(lat, (size_t)done, sizeof *lat, cmp_u64);
    if (done)
        fprintf(stderr, "wirescope: ui selftest: %ld requests answered, p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
                done, lat[done / 2] / 1e6, lat[done * 99 / 100] / 1e6, lat[done - 1] / 1e6);
    free(lat);
    capture_request_stop(o->cap);
    query_request_quit(q);
    if (o->trace)
        fclose(o->trace);
    return status;
}
