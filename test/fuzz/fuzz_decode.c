/*
 * libFuzzer harness over the whole decode path with state: the input is a
 * link type and a sequence of packets, fed through the dissectors, the
 * flow table, the TCP tracker and the packet store exactly as the decoder
 * thread does; then the Info column, the ladder and the stream reassembly
 * of the first connections are rendered, so their state is fuzzed too.
 *
 * Input: byte 0 selects the link type; then records of
 *   u16 length (little endian), u8 time step, bytes[length]
 */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirescope/capture.h"
#include "wirescope/conn.h"
#include "wirescope/decode.h"
#include "wirescope/flow.h"
#include "wirescope/info.h"
#include "wirescope/render.h"
#include "wirescope/store.h"
#include "wirescope/stream.h"

static const int linktypes[] = {DLT_EN10MB, DLT_LINUX_SLL, 276 /* SLL2 */,
                                DLT_NULL,   DLT_LOOP,      DLT_RAW,
                                228,        229,           147 /* unknown */};

static void feed(struct ws_packet *pkt, struct flow_table *flows,
                 struct conn_table *conns, struct store *store,
                 const uint8_t *bytes, uint32_t len, uint64_t ts, int linktype)
{
    decode_reset(pkt, bytes, len, len + (len & 3), linktype);
    pkt->want_fields = (len & 1) != 0; /* half the packets build fields */
    decode_packet(pkt);
    int dir;
    struct flow *f = flow_table_update(flows, pkt, ts, len, &dir);
    struct conn_seg seg;
    struct info_tcp_rel rel = {.win_shift = -1};
    uint32_t conn_id = STORE_NONE;
    if (f && pkt->ip_proto == 6 && pkt->l4_off && pkt->u.tcp.hdr_len >= 20) {
        uint64_t no = store_count(store) + 1;
        conn_table_segment(conns, &f->conn, pkt, no, ts, len, &seg);
        conn_id = (uint32_t)seg.conn->id;
        rel.relative = true;
        rel.seq_base = pkt->u.tcp.seq - seg.ta.rel_seq;
        rel.ack_base = pkt->u.tcp.ack - seg.ta.rel_ack;
        char prefix[256];
        tcp_seq_info_prefix(&seg.ta, prefix, sizeof prefix);
    }
    char info[4096];
    info_format(pkt, &rel, info, sizeof info);
    struct pkt_entry e = {.ts_ns = ts, .caplen = len, .len = len,
                          .flow_id = f ? (uint32_t)f->id : STORE_NONE,
                          .conn_id = conn_id};
    store_add(store, &e, CAP_NO_OFFSET, bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int linktype = linktypes[data[0] % (sizeof linktypes / sizeof linktypes[0])];
    struct flow_table *flows = flow_table_new(64, 0x1234);
    struct conn_table *conns = conn_table_new(16);
    struct store *store = store_new(32u << 20, -1);
    struct ws_packet *pkt = calloc(1, sizeof *pkt);
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
        feed(pkt, flows, conns, store, copy, len, ts, linktype);
        free(copy);
        off += len;
    }
    for (uint64_t id = 0; id < 2; id++) {
        struct conn *c = conn_table_get(conns, id);
        if (!c)
            continue;
        struct cellbuf cb;
        cellbuf_init(&cb, 200, id & 1);
        ladder_render(&cb, c, store, linktype);
        cellbuf_free(&cb);
        struct tcp_stream st;
        stream_reassemble(&st, c, store, linktype, 1u << 16);
        stream_free(&st);
    }
    free(pkt);
    store_free(store);
    conn_table_free(conns);
    flow_table_free(flows);
    return 0;
}
