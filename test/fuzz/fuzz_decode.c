/*
 * libFuzzer harness over the whole decode path with state: the input is a
 * link type and a sequence of packets, fed through the decoder thread's own
 * per-packet function (dissectors, flow table, TCP tracker, application
 * tracker with its transactions and expected flows, packet store); then the Info column, the ladder and the stream reassembly
 * of the first connections are rendered, so their state is fuzzed too.
 *
 * Input: byte 0 selects the link type; then records of
 *   u16 length (little endian), u8 time step, bytes[length]
 */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirescope/app.h"
#include "wirescope/capture.h"
#include "wirescope/conn.h"
#include "wirescope/decode.h"
#include "wirescope/decoder.h"
#include "wirescope/flow.h"
#include "wirescope/info.h"
#include "wirescope/render.h"
#include "wirescope/render_detail.h"
#include "wirescope/render_exchange.h"
#include "wirescope/render_follow.h"
#include "wirescope/render_timeline.h"
#include "wirescope/store.h"
#include "wirescope/stream.h"

static const int linktypes[] = {DLT_EN10MB, DLT_LINUX_SLL, 276 /* SLL2 */,
                                DLT_NULL,   DLT_LOOP,      DLT_RAW,
                                228,        229,           147 /* unknown */};

static void pick_first_flow(const struct flow *f, void *arg)
{
    const struct flow **first = arg;
    if (!*first)
        *first = f;
}

/* Every transaction's strings are read, so ASan checks what the tracker
 * stored from the packets. */
static void touch_txn(const struct txn *x, void *arg)
{
    size_t *sum = arg;
    *sum += strlen(x->what) + strlen(x->result);
    for (unsigned i = 0; i < x->nmsgs; i++)
        *sum += strlen(x->msgs[i].label);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int linktype = linktypes[data[0] % (sizeof linktypes / sizeof linktypes[0])];
    struct flow_table *flows = flow_table_new(64, 0x1234);
    struct conn_table *conns = conn_table_new(16);
    struct store *store = store_new(32u << 20, -1);
    struct app_tracker *apps = app_tracker_new(64);
    struct capture cap = {.linktype = linktype};
    struct decoder *d = calloc(1, sizeof *d);
    decoder_init(d, &cap, store, flows, conns, apps);
    uint64_t ts = 1700000000000000000ull;
    size_t off = 1;
    while (off + 3 <= size) {
        uint32_t len = (uint32_t)data[off] | (uint32_t)data[off + 1] << 8;
        ts += (uint64_t)data[off + 2] * 1000u;
        off += 3;
        if (len > size - off)
            len = (uint32_t)(size - off);
        /* an exact-size copy so ASan sees any read past the capture */
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, data + off, len);
        struct cap_rec rec = {.ts_sec = (int64_t)(ts / 1000000000u),
                              .ts_nsec = (uint32_t)(ts % 1000000000u),
                              .caplen = len, .len = len + (len & 3),
                              .file_off = CAP_NO_OFFSET};
        d->pkt.want_fields = (len & 1) != 0; /* half the packets build fields */
        decoder_feed(d, &rec, copy);
        char info[4096];
        info_format(&d->pkt, NULL, info, sizeof info);
        if (d->pkt.want_fields) {
            /* the packet detail view: the tree and the dump */
            struct cellbuf cb;
            cellbuf_init(&cb, 100, len & 2);
            struct detail_line lines[64];
            detail_render(&cb, &d->pkt, len >> 2, (int)(len % 7), lines, 64);
            hexdump_render(&cb, copy, len, len / 3, len / 5);
            cellbuf_free(&cb);
        }
        free(copy);
        off += len;
    }
    const struct flow *first = NULL;
    flow_table_foreach_by_id(flows, pick_first_flow, &first);
    if (first) {
        struct cellbuf cb;
        cellbuf_init(&cb, 120, false);
        exchange_ladder_render(&cb, first, apps, store, linktype);
        cellbuf_free(&cb);
    }
    for (uint64_t id = 0; id < 2; id++) {
        struct conn *c = conn_table_get(conns, id);
        if (!c)
            continue;
        struct cellbuf cb;
        cellbuf_init(&cb, 200, id & 1);
        ladder_render(&cb, c, store, linktype);
        cellbuf_free(&cb);
        cellbuf_init(&cb, 80, id & 1);
        timeline_render(&cb, c, (int)(id * 3), 0);
        follow_view_render(&cb, c, store, linktype, id & 1);
        cellbuf_free(&cb);
        struct tcp_stream st;
        stream_reassemble(&st, c, store, linktype, 1u << 16);
        stream_free(&st);
    }
    size_t sum = 0;
    app_tracker_foreach_txn(apps, touch_txn, &sum);
    free(d);
    app_tracker_free(apps);
    store_free(store);
    conn_table_free(conns);
    flow_table_free(flows);
    return 0;
}
