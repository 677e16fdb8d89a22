/* Decoder thread: the only writer of the packet store and the flow table. */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "wirescope/checksum.h"
#include "wirescope/decoder.h"
#include "wirescope/query.h"
#include "proto/proto.h"

static void detach_conn_on_evict(struct flow *f, void *arg)
{
    struct decoder *d = arg;
    if (f->conn)
        conn_table_detach(d->conns, f->conn);
    if (d->apps)
        app_tracker_flow_evicted(d->apps, f);
}

/* What the rest of the packet's work will touch on its flow's behalf
 * (connection record, packed analysis, rate history, application slot) is
 * asked for as soon as the flow is known: the misses then overlap each
 * other and the dissection still to come instead of stalling one after
 * another. */
static void prefetch_flow_state(const struct decoder *d, const struct flow *f)
{
    if (f->conn && d->track_tcp)
        conn_prefetch(f->conn);
    if (d->query)
        query_prefetch_flow(d->query, f);
    if (f->app && d->apps)
        app_tracker_prefetch(d->apps, f);
}

/* Finds or creates the packet's flow, once per packet; a flow seen for the
 * first time may be one a control connection announced. */
static struct flow *packet_flow(struct decoder *d, const struct ws_packet *pkt)
{
    if (d->cur_flow_done)
        return d->cur_flow;
    d->cur_flow_done = true;
    d->cur_dir = FLOW_A2B;
    struct flow *f = flow_table_update(d->flows, pkt, d->cur_ts_ns,
                                       d->cur_rec->len, &d->cur_dir);
    if (f && d->apps && f->pkts[0] + f->pkts[1] == 1)
        app_tracker_new_flow(d->apps, f);
    d->cur_flow = f;
    if (f)
        prefetch_flow_state(d, f);
    return f;
}

/* app.c asks, once the ports are known, what the flow is known to carry. */
static enum ws_proto flow_app_lookup(struct ws_packet *pkt, void *arg)
{
    struct flow *f = packet_flow(arg, pkt);
    return f ? (enum ws_proto)f->app : P_NONE;
}

void decoder_init(struct decoder *d, struct capture *cap, struct store *store,
                  struct flow_table *flows, struct conn_table *conns,
                  struct app_tracker *apps)
{
    memset(d, 0, sizeof *d);
    d->cap = cap;
    d->ring = cap->ring;
    d->store = store;
    d->flows = flows;
    d->conns = conns;
    d->apps = apps;
    d->pkt.app_lookup = flow_app_lookup;
    d->pkt.app_lookup_arg = d;
    d->track_tcp = true;
    d->track_apps = true;
    d->keep_packets = true;
    flow_table_on_evict(flows, detach_conn_on_evict, d);
}

/* Segments the tracker may see: the fixed TCP header captured (options
 * may be cut by the snaplen, as tshark still analyses those), a valid data
 * offset, and not quoted inside an ICMP error. */
static bool has_tcp_header(const struct ws_packet *pkt)
{
    if (pkt->icmp_seen)
        return false;
    for (unsigned i = 0; i < pkt->nlayers; i++) {
        if (pkt->layers[i].proto == P_TCP)
            return pkt->layers[i].len >= 20 && pkt->u.tcp.hdr_len >= 20 &&
                   pkt->layers[i].event != EV_BAD_HEADER_LEN;
    }
    return false;
}

/* The Info column's numbering follows the tracker's analysis. */
static void tcp_info_context(const struct ws_packet *pkt,
                             const struct tcp_seg_result *ta,
                             struct info_tcp_rel *rel)
{
    rel->relative = true;
    rel->seq_base = pkt->u.tcp.seq - ta->rel_seq;
    rel->ack_base = pkt->u.tcp.ack - ta->rel_ack;
    rel->win_shift = ta->win_shift >= 0 && !(pkt->u.tcp.flags & TCP_SYN)
                         ? ta->win_shift : -1;
}

static void count_event(struct decoder *d, const struct ws_packet *pkt)
{
    if (pkt->event == EV_NONE)
        return;
    atomic_fetch_add_explicit(&d->events[pkt->event], 1, memory_order_relaxed);
    if (pkt->event != EV_FRAGMENT)
        atomic_fetch_add_explicit(&d->malformed, 1, memory_order_relaxed);
}

/* The application layers' track hooks: transactions, expected flows. A
 * flow keeps the first application protocol found on it. */
static void track_app(struct decoder *d, const struct ws_packet *pkt,
                      struct flow *f, int dir, uint64_t number, uint64_t ts_ns,
                      const struct conn_seg *seg)
{
    if (!f->app)
        f->app = pkt->app;
    struct app_ctx ctx = {
        .t = d->apps,
        .number = number,
        .ts_ns = ts_ns,
        .flow = f,
        .dir = dir,
        .ta_flags = seg ? seg->ta.flags : 0,
        .tcp_seq = pkt->ip_proto == 6 ? pkt->u.tcp.seq : 0,
    };
    for (unsigned i = 0; i < pkt->nlayers; i++) {
        const struct ws_layer *l = &pkt->layers[i];
        const struct proto_desc *pd = proto_get((enum ws_proto)l->proto);
        if (pd && pd->app && pd->app->track &&
            (d->track_apps || pd->app->announces_flows))
            pd->app->track(&ctx, pkt, l);
    }
}

void decoder_feed(struct decoder *d, const struct cap_rec *rec,
                  const uint8_t *bytes)
{
    struct ws_packet *pkt = &d->pkt;
    uint64_t ts_ns = (uint64_t)rec->ts_sec * 1000000000u + rec->ts_nsec;
    d->cur_rec = rec;
    d->cur_ts_ns = ts_ns;
    if (!d->have_first) {
        d->have_first = true;
        d->first_ns = ts_ns;
    }
    d->cur_flow_done = false;
    decode_reset(pkt, bytes, rec->caplen, rec->len, d->cap->linktype);
    decode_packet(pkt);
    count_event(d, pkt);

    struct decoded out = {.rec = rec, .pkt = pkt, .dir = FLOW_A2B};
    out.tcp_rel.win_shift = -1;
    uint64_t number = atomic_load_explicit(&d->decoded, memory_order_relaxed) + 1;
    struct flow *f = packet_flow(d, pkt);
    out.dir = d->cur_dir;
    out.flow = f;
    struct conn_seg seg;
    bool tcp = f && has_tcp_header(pkt);
    bool bad_csum = tcp && d->verify_checksums && checksum_tcp(pkt) == CSUM_BAD;
    if (bad_csum)
        atomic_fetch_add_explicit(&d->bad_checksums, 1, memory_order_relaxed);
    if (tcp && d->track_tcp) {
        if (bad_csum) {
            conn_table_bad_checksum(d->conns, &f->conn, pkt, ts_ns, rec->len, &seg);
        } else {
            conn_table_segment(d->conns, &f->conn, pkt, number, ts_ns, rec->len, &seg);
            out.tcp = &seg;
            tcp_info_context(pkt, &seg.ta, &out.tcp_rel);
        }
    }

    /* A connection's first segment: what the protocols knew of an earlier
     * connection on the 5-tuple (its stream positions) does not apply. A
     * new flow has no state to drop (and looking would cost a cache miss). */
    if (out.tcp && d->apps && seg.conn->pkts[0] + seg.conn->pkts[1] == 1 &&
        f->pkts[0] + f->pkts[1] > 1)
        app_tracker_drop_state(d->apps, f);
    if (f && pkt->app && d->apps)
        track_app(d, pkt, f, out.dir, number, ts_ns, out.tcp);
    /* An HTTP flow's state is ~550 bytes, ~16 KB while a header block is
     * gathered: on a file of short connections most of it would be kept
     * for connections long over. Only after FINs both ways, acknowledged:
     * after a RST the peer's data still in flight may yet be captured. */
    if (out.tcp && seg.conn->closed && seg.conn->rst_side < 0 && d->apps)
        app_tracker_drop_state(d->apps, f);

    bool huge = rec->caplen > STORE_MAX_CAPLEN;
    struct pkt_entry e = {
        .ts_ns = ts_ns,
        .caplen = huge ? STORE_MAX_CAPLEN : rec->caplen,
        .len = rec->len,
        .flow_id = f ? (uint32_t)f->id : STORE_NONE,
        .conn_id = out.tcp ? (uint32_t)seg.conn->id : STORE_NONE,
        .flags = (bad_csum ? PKT_F_BAD_CSUM : 0) | (huge ? PKT_F_NO_BYTES : 0),
        .ta_flags = out.tcp ? seg.ta.flags : 0,
        .proto = pkt->top,
        .event = pkt->event,
    };
    if (d->keep_packets)
        store_add(d->store, &e, rec->file_off, bytes);
    out.number = number;
    /* one writer: a plain store, no locked read-modify-write per packet */
    atomic_store_explicit(&d->decoded, number, memory_order_relaxed);
    if (d->on_packet)
        d->on_packet(&out, d->on_packet_arg);
}

void *decoder_thread(void *arg)
{
    struct decoder *d = arg;
    pthread_setname_np(pthread_self(), "ws-decoder");
    unsigned spins = 0;       /* reading a file */
    struct ring_pacer pacer; /* live */
    ring_pacer_init(&pacer, 1000000); /* 1 ms: the ring holds far more */
    for (;;) {
        size_t len;
        const uint8_t *p = ring_peek(d->ring, &len);
        if (!p) {
            /* The capture thread's end is published with release after its
             * last commit, so one more peek after seeing it finds all. */
            if (atomic_load_explicit(&d->cap->end, memory_order_acquire) !=
                    CAPTURE_RUNNING &&
                !ring_peek(d->ring, &len))
                break;
            if (d->query)
                query_poll(d->query);
            if (d->cap->live)
                ring_pacer_wait(&pacer, d->ring);
            else
                ring_wait(&spins, RING_SPIN_FILE, 1000000); /* 1 ms once idle a while */
            continue;
        }
        spins = 0;
        ring_pacer_progress(&pacer);
        struct cap_rec rec;
        memcpy(&rec, p, sizeof rec);
        decoder_feed(d, &rec, p + sizeof rec);
        ring_release(d->ring);
    }
    atomic_store_explicit(&d->finished, true, memory_order_release);
    if (d->on_finish)
        d->on_finish(d->on_finish_arg);
    if (d->query)
        query_serve_until_quit(d->query);
    return NULL;
}
