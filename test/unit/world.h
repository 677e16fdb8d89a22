/* A capture run through the decoder thread's own per-packet function
 * (decoder_feed: dissectors, flow table, TCP tracker, packet store, and
 * when asked the application trackers and the UI's mailbox), without
 * threads or a terminal: for the suites that look at what the decoder
 * keeps (check_query, check_render, check_compact). */
#ifndef WIRESCOPE_TEST_WORLD_H
#define WIRESCOPE_TEST_WORLD_H

#include <check.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "pktbuild.h"
#include "wirescope/app.h"
#include "wirescope/capture.h"
#include "wirescope/conn.h"
#include "wirescope/decoder.h"
#include "wirescope/flow.h"
#include "wirescope/query.h"
#include "wirescope/store.h"

/* What a world is made with: suites size it for what they test (thousands
 * of flows, or a table of two that must evict). */
struct world_opts {
    size_t store_bytes;       /* the packet store's budget */
    uint32_t max_flows;       /* flow table capacity */
    uint32_t max_conns;       /* connection table capacity */
    bool query;               /* with the UI's mailbox (w->q), served by the decoder */
    struct app_tracker *apps; /* fed by the decoder, or NULL; the caller frees it */
};

struct world {
    struct capture cap;
    struct store *store;
    struct flow_table *flows;
    struct conn_table *conns;
    struct decoder *d;
    struct query *q; /* NULL unless the options asked for it */
};

/* A world whose frames are of the given DLT_ link type. */
static inline struct world *world_new(const struct world_opts *o, int linktype)
{
    struct world *w = calloc(1, sizeof *w);
    ck_assert_ptr_nonnull(w);
    w->cap.linktype = linktype;
    w->store = store_new(o->store_bytes, -1);
    w->flows = flow_table_new(o->max_flows, 0x5eed);
    w->conns = conn_table_new(o->max_conns);
    w->d = calloc(1, sizeof *w->d);
    ck_assert(w->store && w->flows && w->conns && w->d);
    decoder_init(w->d, &w->cap, w->store, w->flows, w->conns, o->apps);
    if (o->query) {
        w->q = calloc(1, sizeof *w->q);
        ck_assert_ptr_nonnull(w->q);
        query_init(w->q, w->d, false); /* after decoder_init, which would unhook it */
    }
    return w;
}

static inline void world_free(struct world *w)
{
    if (w->q)
        query_destroy(w->q);
    free(w->q);
    free(w->d);
    conn_table_free(w->conns);
    flow_table_free(w->flows);
    store_free(w->store);
    free(w);
}

/* Feeds one frame captured at ts_ns (epoch nanoseconds). */
static inline void world_feed(struct world *w, uint64_t ts_ns, const uint8_t *bytes,
                              uint32_t caplen, uint32_t len)
{
    struct cap_rec rec = {.ts_sec = (int64_t)(ts_ns / 1000000000u),
                          .ts_nsec = (uint32_t)(ts_ns % 1000000000u),
                          .caplen = caplen, .len = len,
                          .file_off = CAP_NO_OFFSET};
    decoder_feed(w->d, &rec, bytes);
}

static inline pcap_t *world_open_file(const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
    ck_assert_msg(pc != NULL, "%s: %s", path, err);
    return pc;
}

/* Feeds packets [from, to) of a capture file, counted from 0 (to = 0: to
 * the end). */
static inline void world_feed_file(struct world *w, const char *path, int from, int to)
{
    pcap_t *pc = world_open_file(path);
    struct pcap_pkthdr *h;
    const u_char *data;
    /* opened at nanosecond precision: tv_usec holds nanoseconds */
    for (int i = 0; pcap_next_ex(pc, &h, &data) == 1 && (!to || i < to); i++)
        if (i >= from)
            world_feed(w, (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec, data,
                       h->caplen, h->len);
    pcap_close(pc);
}

/* A world of the capture file's link type, nothing fed yet. */
static inline struct world *world_for_file(const struct world_opts *o, const char *path)
{
    pcap_t *pc = world_open_file(path);
    struct world *w = world_new(o, pcap_datalink(pc));
    pcap_close(pc);
    return w;
}

/* A world fed the whole capture file. */
static inline struct world *world_load(const struct world_opts *o, const char *path)
{
    struct world *w = world_for_file(o, path);
    world_feed_file(w, path, 0, 0);
    return w;
}

/* Connection `id`, which must exist. */
static inline struct conn *world_conn(struct world *w, uint64_t id)
{
    struct conn *c = conn_table_get(w->conns, id);
    ck_assert_msg(c != NULL, "connection %llu", (unsigned long long)id);
    return c;
}

/* The flow the Ethernet frame[0..caplen) of wire length len belongs to,
 * or NULL when the table has none. */
static inline const struct flow *world_flow_of(struct world *w, const uint8_t *frame,
                                               size_t caplen, size_t len)
{
    struct ws_packet *pkt = calloc(1, sizeof *pkt);
    ck_assert_ptr_nonnull(pkt);
    struct flow_key key;
    bool lo2hi;
    pb_decode(pkt, frame, caplen, len, false);
    ck_assert(flow_key_from_packet(pkt, &key, &lo2hi));
    free(pkt);
    return flow_table_find(w->flows, &key);
}

#endif
