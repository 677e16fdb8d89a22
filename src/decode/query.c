/* The decoder side of the UI's mailbox: serves one request at a time
 * between packets, keeps the flows' rate history, runs the display filter
 * over the stored packets and saves the displayed ones, in time slices so
 * capture never waits for the UI. See include/wirescope/query.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "decode/query_priv.h"
#include "wirescope/xalloc.h"

#define SLICE_NS 2000000ull /* background work per slice, and between them */

uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Rates are measured on the capture clock: the latest packet's time, or
 * live, the wall clock once it is later (a quiet link decays to 0). */
uint64_t query_now_ns(const struct query_private *p)
{
    if (!p->live)
        return p->last_ns;
    uint64_t now = real_ns();
    return now > p->last_ns ? now : p->last_ns;
}

void query_note(struct query_private *p, const char *text)
{
    struct textbuf tb;
    tb_init(&tb, p->note, sizeof p->note);
    tb_puts(&tb, text);
    p->note_seq++;
}

/* ---------- rate history ---------- */

static uint32_t add_sat(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* Adds amount at second sec to the counts (a ring of RATE_SLOTS) whose
 * latest second is *latest. */
static void slots_add(uint32_t *slots, int64_t *latest, int64_t sec,
                      uint32_t amount)
{
    if (sec > *latest) {
        if (sec - *latest >= RATE_SLOTS)
            memset(slots, 0, RATE_SLOTS * sizeof *slots);
        else
            for (int64_t k = *latest + 1; k <= sec; k++)
                slots[k % RATE_SLOTS] = 0;
        *latest = sec;
    } else if (sec <= *latest - RATE_SLOTS) {
        return; /* older than the history */
    }
    slots[sec % RATE_SLOTS] = add_sat(slots[sec % RATE_SLOTS], amount);
}

static void hist_add(struct rate_hist *h, int64_t sec, uint32_t amount)
{
    slots_add(h->bytes, &h->sec, sec, amount);
}

/*
 * Bits per second over the last `seconds` whole-or-current seconds of a
 * history whose latest second is `latest`: its counts are slots, or when
 * slots is NULL, `single` bytes in second `latest` and nothing before.
 */
static double window_bps(const uint32_t *slots, uint32_t single, int64_t latest,
                         int seconds, uint64_t now_ns)
{
    if (seconds <= 0 || seconds > RATE_SLOTS)
        return 0;
    int64_t now = (int64_t)(now_ns / 1000000000u);
    /* the seconds both in the window and in the history */
    int64_t from = now - seconds + 1, to = now;
    if (from < latest - RATE_SLOTS + 1)
        from = latest - RATE_SLOTS + 1;
    if (from < 0)
        from = 0;
    if (to > latest)
        to = latest;
    uint64_t sum = 0;
    if (!slots)
        sum = from <= latest && latest <= to ? single : 0;
    else
        for (int64_t k = from; k <= to; k++)
            sum += slots[k % RATE_SLOTS];
    return (double)sum * 8.0 / seconds;
}

double rate_bps(const struct rate_hist *h, int seconds, uint64_t now_ns)
{
    return h ? window_bps(h->bytes, 0, h->sec, seconds, now_ns) : 0;
}

static uint32_t *block_slots(const struct rate_table *t, uint32_t n)
{
    return t->blocks[n >> RATE_BLOCK_SHIFT] +
           (size_t)(n & ((1u << RATE_BLOCK_SHIFT) - 1)) * RATE_SLOTS;
}

/* A zeroed history block: its number + 1. */
static uint32_t block_get(struct rate_table *t)
{
    uint32_t n;
    if (t->free_block) {
        n = t->free_block - 1;
        t->free_block = block_slots(t, n)[0];
    } else {
        n = t->nblocks++;
        if ((n & ((1u << RATE_BLOCK_SHIFT) - 1)) == 0) {
            uint32_t chunk = n >> RATE_BLOCK_SHIFT;
            t->blocks = xrealloc(t->blocks, (chunk + 1) * sizeof *t->blocks);
            t->blocks[chunk] = xmalloc(((size_t)RATE_SLOTS << RATE_BLOCK_SHIFT) *
                                       sizeof **t->blocks);
        }
    }
    memset(block_slots(t, n), 0, RATE_SLOTS * sizeof(uint32_t));
    return n + 1;
}

static void block_put(struct rate_table *t, uint32_t *block)
{
    if (!*block)
        return;
    block_slots(t, *block - 1)[0] = t->free_block;
    t->free_block = *block;
    *block = 0;
}

static void rates_free(struct rate_table *t)
{
    for (uint32_t i = 0; i < t->nchunks; i++)
        free(t->chunks[i]);
    free(t->chunks);
    for (uint32_t i = 0; i < (t->nblocks + (1u << RATE_BLOCK_SHIFT) - 1) >> RATE_BLOCK_SHIFT; i++)
        free(t->blocks[i]);
    free(t->blocks);
    memset(t, 0, sizeof *t);
}

static struct flow_rate *rate_entry(const struct rate_table *t, uint32_t rec)
{
    uint32_t chunk = rec >> RATE_CHUNK_SHIFT;
    if (chunk >= t->nchunks || !t->chunks[chunk])
        return NULL;
    return &t->chunks[chunk][rec & ((1u << RATE_CHUNK_SHIFT) - 1)];
}

void query_prefetch_flow(struct query *q, const struct flow *f)
{
    const struct flow_rate *r = rate_entry(&q->priv->rates, f->rec);
    if (r)
        __builtin_prefetch(r, 1);
}

/* The history of flow f, NULL when it has none (or its record's is of an
 * earlier flow). */
static const struct flow_rate *rate_find(const struct rate_table *t,
                                         const struct flow *f)
{
    const struct flow_rate *r = rate_entry(t, f->rec);
    return r && r->id1 == f->id + 1 ? r : NULL;
}

/* The history of f's record, started over when the record now holds
 * another flow. There is one entry per flow record, never more. */
static struct flow_rate *rates_get(struct rate_table *t, const struct flow *f,
                                   int64_t sec)
{
    uint32_t chunk = f->rec >> RATE_CHUNK_SHIFT;
    if (chunk >= t->nchunks) {
        t->chunks = xrealloc(t->chunks, (chunk + 1) * sizeof *t->chunks);
        memset(t->chunks + t->nchunks, 0, (chunk + 1 - t->nchunks) * sizeof *t->chunks);
        t->nchunks = chunk + 1;
    }
    if (!t->chunks[chunk])
        t->chunks[chunk] = xcalloc(1u << RATE_CHUNK_SHIFT, sizeof **t->chunks);
    struct flow_rate *r = &t->chunks[chunk][f->rec & ((1u << RATE_CHUNK_SHIFT) - 1)];
    if (r->id1 != f->id + 1) {
        block_put(t, &r->block);
        *r = (struct flow_rate){.id1 = f->id + 1, .sec = sec};
    }
    return r;
}

static void flow_rate_add(struct rate_table *t, const struct flow *f,
                          int64_t sec, uint32_t amount)
{
    struct flow_rate *r = rates_get(t, f, sec);
    if (!r->block) {
        if (sec == r->sec) {
            r->cur = add_sat(r->cur, amount);
            return;
        }
        if (sec > r->sec && sec - r->sec >= RATE_SLOTS) {
            r->sec = sec; /* the one second before has left the history */
            r->cur = amount;
            return;
        }
        if (sec <= r->sec - RATE_SLOTS)
            return; /* older than the history */
        r->block = block_get(t); /* a second second within the window */
        block_slots(t, r->block - 1)[r->sec % RATE_SLOTS] = r->cur;
    } else if (sec - r->sec >= RATE_SLOTS) {
        block_put(t, &r->block); /* the whole history has gone by */
        r->sec = sec;
        r->cur = amount;
        return;
    }
    slots_add(block_slots(t, r->block - 1), &r->sec, sec, amount);
}

double flow_rate_bps(const struct rate_table *t, const struct flow *f,
                     int seconds, uint64_t now_ns)
{
    const struct flow_rate *r = rate_find(t, f);
    if (!r)
        return 0;
    return window_bps(r->block ? block_slots(t, r->block - 1) : NULL, r->cur,
                      r->sec, seconds, now_ns);
}

double query_flow_rate(struct query *q, const void *flow, uint64_t flow_id,
                       int seconds, uint64_t now_ns)
{
    const struct flow *f = flow;
    if (f->id != flow_id)
        return 0; /* the record holds another flow now */
    return flow_rate_bps(&q->priv->rates, f, seconds, now_ns);
}

/* ---------- the packet list: every stored packet or the filter's ---------- */

/* Matches the store has evicted are not listed. */
static uint64_t first_match(const struct query_private *p)
{
    return matchset_rank(&p->filter.matches, store_first(p->dec->store));
}

uint64_t list_count(struct query_private *p)
{
    if (p->filter.active)
        return p->filter.matches.total - first_match(p);
    return store_count(p->dec->store) - store_first(p->dec->store);
}

uint64_t list_packet(struct query_private *p, uint64_t row)
{
    if (p->filter.active)
        return matchset_select(&p->filter.matches, first_match(p) + row);
    return store_first(p->dec->store) + row;
}

/* A match for the list; the set lets go of what the store evicted. */
static void filter_add_match(struct query_private *p, uint64_t no)
{
    matchset_trim(&p->filter.matches, store_first(p->dec->store));
    matchset_add(&p->filter.matches, no);
}

const struct dupack *dupack_find(const struct query_private *p, uint64_t no)
{
    size_t lo = p->dup_first, hi = p->ndup;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->dup[mid].no < no)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->ndup && p->dup[lo].no == no ? &p->dup[lo] : NULL;
}

static void dupack_add(struct query_private *p, uint64_t no,
                       const struct tcp_seg_result *ta)
{
    /* drop the ones the store no longer has, in bulk */
    uint64_t first = store_first(p->dec->store);
    while (p->dup_first < p->ndup && p->dup[p->dup_first].no <= first)
        p->dup_first++;
    if (p->dup_first > 1024 && p->dup_first * 2 > p->ndup) {
        memmove(p->dup, p->dup + p->dup_first,
                (p->ndup - p->dup_first) * sizeof *p->dup);
        p->ndup -= p->dup_first;
        p->dup_first = 0;
    }
    if (p->ndup == p->capdup) {
        p->capdup = p->capdup ? p->capdup * 2 : 256;
        p->dup = xrealloc(p->dup, p->capdup * sizeof *p->dup);
    }
    p->dup[p->ndup++] = (struct dupack){no, ta->dup_ack_frame, ta->dup_ack_num};
}

/* ---------- display filter ---------- */

static bool filter_match(struct dfilter *f, uint64_t ts_ns, uint32_t caplen,
                         uint32_t len, const uint8_t *bytes)
{
    struct pcap_pkthdr h = {
        .ts = {.tv_sec = (time_t)(ts_ns / 1000000000u),
               .tv_usec = (suseconds_t)(ts_ns % 1000000000u / 1000u)},
        .caplen = caplen,
        .len = len,
    };
    return pcap_offline_filter(&f->prog, &h, bytes) != 0;
}

static bool filter_stored(struct query_private *p, uint64_t n)
{
    const struct pkt_entry *e = store_entry(p->dec->store, n);
    if (!e)
        return false;
    size_t got = store_read_bytes_window(p->dec->store, &p->filter.window, n, p->bytes_buf,
                                         QUERY_MAX_CAPLEN);
    if (!got && e->caplen)
        return false;
    return filter_match(&p->filter, e->ts_ns, (uint32_t)got, e->len, p->bytes_buf);
}

static void filter_clear(struct query_private *p)
{
    if (p->filter.active)
        pcap_freecode(&p->filter.prog);
    p->filter.active = false;
    p->filter.text[0] = '\0';
    matchset_clear(&p->filter.matches);
    store_window_free(&p->filter.window);
}

/* Takes over prog (the UI compiled it; the decoder frees it). */
static void filter_set(struct query_private *p, struct bpf_program *prog,
                       const char *text)
{
    filter_clear(p);
    p->filter.prog = *prog;
    memset(prog, 0, sizeof *prog);
    p->filter.active = true;
    snprintf(p->filter.text, sizeof p->filter.text, "%s", text);
    p->filter.scan = store_first(p->dec->store);
}

static bool filter_pending(struct query_private *p)
{
    return p->filter.active && p->filter.scan < store_count(p->dec->store);
}

static void filter_slice(struct query_private *p, uint64_t deadline)
{
    struct dfilter *f = &p->filter;
    uint64_t first = store_first(p->dec->store);
    if (f->scan < first)
        f->scan = first;
    uint64_t end = store_count(p->dec->store);
    for (unsigned i = 1; f->scan < end; i++) {
        if (filter_stored(p, f->scan))
            filter_add_match(p, f->scan);
        f->scan++;
        if ((i & 255) == 0 && mono_ns() >= deadline)
            break;
    }
    if (f->scan >= end) /* caught up: new packets are tested as they come */
        store_window_free(&f->window);
}

/* ---------- saving the displayed packets ---------- */

static void save_finish(struct query_private *p, const char *error)
{
    struct save_job *s = &p->save;
    char buf[sizeof p->note];
    bool bad = error != NULL;
    if (s->dumper) {
        if (pcap_dump_flush(s->dumper) != 0 || ferror(pcap_dump_file(s->dumper))) {
            bad = true;
            if (!error)
                error = strerror(errno ? errno : EIO);
        }
        pcap_dump_close(s->dumper);
    }
    store_window_free(&s->window);
    if (s->dead)
        pcap_close(s->dead);
    if (bad)
        snprintf(buf, sizeof buf, "saving %.200s failed: %.200s%s", s->path, error,
                 geteuid() != 0 && strstr(error, "denied")
                     ? " (wirescope gave up root once the capture was open: -Z USER writes it)"
                     : "");
    else
        snprintf(buf, sizeof buf, "saved %llu packets to %.300s",
                 (unsigned long long)s->written, s->path);
    query_note(p, buf);
    matchset_free(&s->list);
    memset(s, 0, sizeof *s);
}

static void save_start(struct query_private *p, const char *path)
{
    struct save_job *s = &p->save;
    if (s->active) {
        query_note(p, "a save is still running; wait for it to finish");
        return;
    }
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    s->dead = pcap_open_dead_with_tstamp_precision(p->dec->cap->linktype,
                                                   QUERY_MAX_CAPLEN,
                                                   PCAP_TSTAMP_PRECISION_NANO);
    s->dumper = s->dead ? pcap_dump_open(s->dead, path) : NULL;
    if (!s->dumper) {
        char err[PCAP_ERRBUF_SIZE + 64];
        snprintf(err, sizeof err, "%s", s->dead ? pcap_geterr(s->dead) : "no memory");
        save_finish(p, err);
        return;
    }
    s->active = true;
    if (p->filter.active) {
        s->filtered = true;
        matchset_copy(&s->list, &p->filter.matches);
        s->next = first_match(p);
        s->end = s->list.total;
        s->total = s->end - s->next;
    } else {
        s->next = store_first(p->dec->store);
        s->end = store_count(p->dec->store);
        s->total = s->end - s->next;
    }
}

static void save_one(struct query_private *p, uint64_t n)
{
    const struct pkt_entry *e = store_entry(p->dec->store, n);
    if (!e)
        return;
    size_t got = store_read_bytes_window(p->dec->store, &p->save.window, n, p->bytes_buf,
                                         QUERY_MAX_CAPLEN);
    if (!got && e->caplen)
        return;
    struct pcap_pkthdr h = {
        .ts = {.tv_sec = (time_t)(e->ts_ns / 1000000000u),
               .tv_usec = (suseconds_t)(e->ts_ns % 1000000000u)}, /* ns file */
        .caplen = (uint32_t)got,
        .len = e->len,
    };
    pcap_dump((u_char *)p->save.dumper, &h, p->bytes_buf);
    p->save.written++;
}

static void save_slice(struct query_private *p, uint64_t deadline)
{
    struct save_job *s = &p->save;
    for (unsigned i = 1; s->next < s->end; i++) {
        save_one(p, s->filtered ? matchset_select(&s->list, s->next) : s->next);
        s->next++;
        if ((i & 255) == 0 && mono_ns() >= deadline)
            break;
    }
    if (s->next >= s->end)
        save_finish(p, ferror(pcap_dump_file(s->dumper)) ? strerror(EIO) : NULL);
}

/* ---------- the mailbox ---------- */

static enum ws_proto flow_app_of(struct ws_packet *pkt, void *arg)
{
    struct query_private *p = arg;
    struct flow_key key;
    bool lo2hi;
    if (!flow_key_from_packet(pkt, &key, &lo2hi))
        return P_NONE;
    const struct flow *f = flow_table_find(p->dec->flows, &key);
    return f ? (enum ws_proto)f->app : P_NONE;
}

void query_init(struct query *q, struct decoder *d, bool live)
{
    memset(q, 0, sizeof *q);
    q->ui_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    q->dec_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct query_private *p = xcalloc(1, sizeof *p);
    p->dec = d;
    p->live = live;
    p->pkt = xcalloc(1, sizeof *p->pkt);
    p->pkt->app_lookup = flow_app_of;
    p->pkt->app_lookup_arg = p;
    p->bytes_buf = xmalloc(QUERY_MAX_CAPLEN);
    p->cc.id = UINT64_MAX;
    q->priv = p;
    cellbuf_init(&q->resp.head, 80, false);
    cellbuf_init(&q->resp.body, 80, false);
    d->query = q;
    d->on_packet = query_on_packet;
    d->on_packet_arg = q;
}

void query_destroy(struct query *q)
{
    struct query_private *p = q->priv;
    if (p) {
        if (p->save.active)
            save_finish(p, "wirescope quit before the end");
        filter_clear(p);
        matchset_free(&p->filter.matches);
        rates_free(&p->rates);
        free(p->dup);
        free(p->cc.pkts.v);
        cellbuf_free(&p->cc.follow);
        cellbuf_free(&p->tmp);
        cellbuf_free(&p->tmp2);
        free(p->fp);
        free(p->pkt);
        free(p->bytes_buf);
        free(p);
    }
    cellbuf_free(&q->resp.head);
    cellbuf_free(&q->resp.body);
    if (q->req.cmd == QC_SET_FILTER && q->req.prog.bf_insns)
        pcap_freecode(&q->req.prog);
    if (q->ui_fd >= 0)
        close(q->ui_fd);
    if (q->dec_fd >= 0)
        close(q->dec_fd);
    q->priv = NULL;
}

static void fd_signal(int fd)
{
    uint64_t one = 1;
    ssize_t rc = write(fd, &one, sizeof one);
    (void)rc; /* a full counter already wakes the reader */
}

static void fd_drain(int fd)
{
    uint64_t v;
    ssize_t rc = read(fd, &v, sizeof v);
    (void)rc; /* EAGAIN: nothing pending */
}

void query_post(struct query *q)
{
    atomic_fetch_add_explicit(&q->req_seq, 1, memory_order_release);
    fd_signal(q->dec_fd);
}

bool query_ready(struct query *q)
{
    return atomic_load_explicit(&q->resp_seq, memory_order_acquire) ==
           atomic_load_explicit(&q->req_seq, memory_order_relaxed);
}

void query_ack_wakeup(struct query *q) { fd_drain(q->ui_fd); }

void query_request_quit(struct query *q)
{
    atomic_store_explicit(&q->quit, true, memory_order_release);
    fd_signal(q->dec_fd);
}

/* A cell buffer reused between responses; a new width starts it over. */
static void cb_reset(struct cellbuf *cb, int width, bool ascii)
{
    if (cb->width != width) {
        cellbuf_free(cb);
        cellbuf_init(cb, width, ascii);
    }
    cb->rows = 0;
    cb->ascii = ascii;
}

static void fill_stats(struct query_private *p, struct query_stats *st)
{
    struct decoder *d = p->dec;
    memset(st, 0, sizeof *st);
    st->decoded = atomic_load_explicit(&d->decoded, memory_order_relaxed);
    st->stored = store_count(d->store);
    st->first = store_first(d->store);
    st->evicted = store_evicted(d->store);
    st->shown = list_count(p);
    st->flows = flow_table_count(d->flows);
    st->conns = conn_table_count(d->conns);
    st->bytes = p->bytes;
    st->first_ns = d->first_ns;
    st->last_ns = p->last_ns;
    uint64_t now = query_now_ns(p);
    st->pps = rate_bps(&p->total_pkts, 2, now) / 8.0;
    st->bps = rate_bps(&p->total_bytes, 2, now);
    st->finished = p->finished_ns != 0;
    st->finished_ns = p->finished_ns;
    st->filtering = filter_pending(p);
    if (p->filter.active) {
        st->filter_done = p->filter.scan - st->first;
        st->filter_total = st->stored - st->first;
        snprintf(st->display_filter, sizeof st->display_filter, "%s", p->filter.text);
    }
    st->saving = p->save.active;
    st->save_done = p->save.written;
    st->save_total = p->save.total;
}

static void run_command(struct query_private *p, struct query_req *r)
{
    switch (r->cmd) {
    case QC_SET_FILTER: filter_set(p, &r->prog, r->filter_text); break;
    case QC_CLEAR_FILTER: filter_clear(p); break;
    case QC_SAVE: save_start(p, r->path); break;
    case QC_NONE: break;
    }
    r->cmd = QC_NONE;
}

static void serve(struct query *q, uint64_t seq)
{
    struct query_private *p = q->priv;
    struct query_req *r = &q->req;
    struct query_resp *o = &q->resp;
    run_command(p, r);
    int width = r->width > 0 && r->width <= 1000 ? r->width : 80;
    cb_reset(&o->head, width, r->ascii);
    cb_reset(&o->body, width, r->ascii);
    o->view = r->view;
    o->total = o->top = o->sel = 0;
    o->found = false;
    o->sel_packet = 0;
    o->sel_conn = UINT64_MAX;
    o->sel_flow = UINT64_MAX;
    o->tree_lines = o->tree_rows = o->layers = o->pane_head = 0;
    memset(o->layer_line, 0, sizeof o->layer_line);
    o->hex_total = o->hex_top = 0;
    memset(&o->sel_line, 0, sizeof o->sel_line);
    switch (r->view) {
    case QV_PACKETS: qv_packets(p, r, o); break;
    case QV_DETAIL: qv_detail(p, r, o); break;
    case QV_FLOWS: qv_flows(p, r, o); break;
    case QV_CONNS: qv_conns(p, r, o); break;
    case QV_CONN: qv_conn(p, r, o); break;
    case QV_EXCHANGE: qv_exchange(p, r, o); break;
    case QV_NONE: break;
    }
    fill_stats(p, &o->st);
    o->note_seq = p->note_seq;
    memcpy(o->note, p->note, sizeof o->note);
    p->served = seq;
    atomic_store_explicit(&q->resp_seq, seq, memory_order_release);
    fd_signal(q->ui_fd);
}

static bool jobs_pending(struct query_private *p)
{
    return filter_pending(p) || p->save.active;
}

static void run_jobs(struct query_private *p, uint64_t now)
{
    uint64_t deadline = now + SLICE_NS;
    if (filter_pending(p))
        filter_slice(p, deadline);
    if (p->save.active && mono_ns() < deadline)
        save_slice(p, deadline);
    p->slice_end_ns = mono_ns();
}

/* Once per packet: an acquire load (a plain load on x86; a relaxed load
 * plus a fence would do, but ThreadSanitizer does not follow fences). */
static void check_mailbox(struct query *q)
{
    uint64_t seq = atomic_load_explicit(&q->req_seq, memory_order_acquire);
    if (seq != q->priv->served)
        serve(q, seq); /* req was written before query_post's release */
}

void query_poll(struct query *q)
{
    check_mailbox(q);
    if (jobs_pending(q->priv))
        run_jobs(q->priv, mono_ns());
}

void query_serve_until_quit(struct query *q)
{
    struct query_private *p = q->priv;
    p->finished_ns = mono_ns();
    while (!atomic_load_explicit(&q->quit, memory_order_acquire)) {
        fd_drain(q->dec_fd);
        query_poll(q);
        if (jobs_pending(p))
            continue;
        struct pollfd pfd = {.fd = q->dec_fd, .events = POLLIN};
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
            break;
    }
}

void query_on_packet(const struct decoded *d, void *arg)
{
    struct query *q = arg;
    struct query_private *p = q->priv;
    uint64_t ts = (uint64_t)d->rec->ts_sec * 1000000000u + d->rec->ts_nsec;
    int64_t sec = (int64_t)(ts / 1000000000u);
    if (ts > p->last_ns)
        p->last_ns = ts;
    p->bytes += d->rec->len;
    if (d->flow)
        flow_rate_add(&p->rates, d->flow, sec, d->rec->len);
    if (!p->total_bytes.sec)
        p->total_bytes.sec = p->total_pkts.sec = sec;
    hist_add(&p->total_bytes, sec, d->rec->len);
    hist_add(&p->total_pkts, sec, 1);
    if (d->tcp && (d->tcp->ta.flags & (1u << TA_DUP_ACK)))
        dupack_add(p, d->number, &d->tcp->ta);
    /* a new packet is tested at once when the scan has caught up */
    uint64_t idx = d->number - 1;
    if (p->filter.active && p->filter.scan == idx &&
        store_count(p->dec->store) > idx) {
        if (filter_match(&p->filter, ts, d->rec->caplen, d->rec->len, d->pkt->data))
            filter_add_match(p, idx);
        p->filter.scan++;
    }
    check_mailbox(q);
    if (jobs_pending(p)) {
        uint64_t now = mono_ns();
        if (now - p->slice_end_ns >= SLICE_NS)
            run_jobs(p, now);
    }
}
