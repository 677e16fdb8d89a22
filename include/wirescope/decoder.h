/* The decoder thread: ring -> dissectors -> flow table -> packet store. */
#ifndef WIRESCOPE_DECODER_H
#define WIRESCOPE_DECODER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "wirescope/app.h"
#include "wirescope/capture.h"
#include "wirescope/conn.h"
#include "wirescope/decode.h"
#include "wirescope/flow.h"
#include "wirescope/info.h"
#include "wirescope/store.h"

struct query;

/* What a consumer of decoded packets (the batch writer) is handed. */
struct decoded {
    uint64_t number;              /* packet number from 1 */
    const struct cap_rec *rec;
    const struct ws_packet *pkt;
    const struct flow *flow;      /* NULL for non-IP */
    int dir;                      /* FLOW_A2B / FLOW_B2A */
    const struct conn_seg *tcp;   /* TCP tracking of the segment, or NULL */
    struct info_tcp_rel tcp_rel;  /* relative numbering for the Info column */
};

typedef void (*decoded_fn)(const struct decoded *d, void *arg);

struct decoder {
    struct capture *cap;
    struct ring *ring;
    struct store *store;
    struct flow_table *flows;
    struct conn_table *conns;
    struct app_tracker *apps; /* may be NULL: no application tracking */
    decoded_fn on_packet; /* may be NULL */
    void *on_packet_arg;
    void (*on_finish)(void *arg); /* called once the ring is drained */
    void *on_finish_arg;
    /* The terminal UI's mailbox (src/decode/query.c), or NULL: checked
     * after every packet and in the idle wait, served after the end. */
    struct query *query;

    bool verify_checksums; /* --verify-checksums: bad TCP segments skip analysis */
    /* Work a batch mode does not need can be skipped: --flows reads only
     * the flow table, and only --ladder/--follow read stored packets. */
    bool track_tcp;     /* run the TCP connection tracker */
    bool keep_packets;  /* keep packets in the store */
    /* run every application track hook (transactions, RTP statistics);
     * false runs only those that announce flows */
    bool track_apps;
    struct ws_packet pkt;
    /* the packet being decoded, for the flow lookup that app.c asks for
     * once the ports are known (decoder_feed's flow update happens there) */
    const struct cap_rec *cur_rec;
    uint64_t cur_ts_ns;
    struct flow *cur_flow;
    int cur_dir;
    bool cur_flow_done;
    uint64_t first_ns;  /* the first packet's time, epoch nanoseconds */
    bool have_first;

    /* published counters (written by the decoder thread only) */
    _Atomic uint64_t decoded;
    _Atomic uint64_t malformed;
    _Atomic uint64_t bad_checksums;
    _Atomic uint64_t events[EV_COUNT];
    _Atomic bool finished;
};

void decoder_init(struct decoder *d, struct capture *cap, struct store *store,
                  struct flow_table *flows, struct conn_table *conns,
                  struct app_tracker *apps);
void *decoder_thread(void *arg);
/* Decodes one record as the decoder thread does (the thread calls it for
 * each ring record; the fuzzer and tests call it directly). */
void decoder_feed(struct decoder *d, const struct cap_rec *rec,
                  const uint8_t *bytes);

#endif
