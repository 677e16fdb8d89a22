/* The decoder side of the UI's mailbox: state only the decoder thread
 * touches (rate history, display filter, save job, caches). */
#ifndef WIRESCOPE_QUERY_PRIV_H
#define WIRESCOPE_QUERY_PRIV_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>

#include "wirescope/matchset.h"
#include "wirescope/decoder.h"
#include "wirescope/query.h"

/* Per-second byte counts of the last RATE_SLOTS seconds of one flow (or,
 * for the totals, packets too), as iftop keeps them for its 2 s, 10 s and
 * 40 s averages. */
#define RATE_SLOTS 40

struct rate_hist {
    int64_t sec;        /* latest second written */
    uint32_t bytes[RATE_SLOTS];
};

/*
 * A flow's history, kept beside the flow table (so struct flow stays 128
 * bytes) and indexed by the flow's record number. Most flows carry traffic
 * in one second only (a DNS exchange, a short connection): such a flow
 * keeps that second's count in `cur`; a flow seen in a second second gets
 * a block of RATE_SLOTS counts from a pool, returned when its history
 * empties or its record goes to another flow.
 */
struct flow_rate {
    uint64_t id1;       /* flow id + 1; 0 = never written */
    int64_t sec;        /* latest second written */
    uint32_t cur;       /* bytes in second `sec`, while block == 0 */
    uint32_t block;     /* history block number + 1, 0 = none */
};

#define RATE_CHUNK_SHIFT 14 /* flow_rate entries per chunk: the flow table's */
#define RATE_BLOCK_SHIFT 10 /* history blocks per chunk of the pool */

struct rate_table {
    struct flow_rate **chunks; /* by record number >> RATE_CHUNK_SHIFT */
    uint32_t nchunks;
    uint32_t **blocks;         /* pool chunks of RATE_SLOTS-count blocks */
    uint32_t nblocks;          /* blocks handed out from the chunks */
    uint32_t free_block;       /* free list through slot 0, number + 1 */
};

struct u64vec {
    uint64_t *v;
    size_t n, cap;
};

/* A duplicate ACK's numbers, which the store's entry does not keep. */
struct dupack {
    uint64_t no;      /* packet number from 1 */
    uint64_t frame;   /* the original ACK */
    uint32_t num;
};

struct dfilter {
    bool active;
    struct bpf_program prog;
    char text[512];
    uint64_t scan;         /* next stored packet (from 0) to test */
    struct matchset matches; /* packet numbers from 0 */
    struct store_window window; /* the scan's reads from the file */
};

struct save_job {
    bool active;
    pcap_t *dead;
    pcap_dumper_t *dumper;
    bool filtered;         /* saving the filter's matches, copied in list */
    struct matchset list;
    uint64_t next, end;    /* packets from 0, or ranks in list */
    uint64_t written, total;
    struct store_window window; /* its reads from the file */
    char path[PATH_MAX];
};

/* The open connection's stored packets, kept between requests. */
struct conn_cache {
    uint64_t id;           /* UINT64_MAX: none */
    uint64_t scanned;      /* store scanned up to here (from 0) */
    struct u64vec pkts;    /* its packets (from 0), in order */
    /* the follow pane, rendered once per (packets, width, hex) */
    struct cellbuf follow;
    bool follow_valid, follow_hex;
    int follow_width;
    size_t follow_pkts;
};

struct flow_pick {
    const struct flow *f;
    double key;
};

struct query_private {
    struct decoder *dec;
    bool live;
    uint64_t served;       /* req_seq of the last request answered */
    struct rate_table rates;
    struct rate_hist total_bytes, total_pkts;
    uint64_t bytes;        /* wire bytes decoded */
    uint64_t last_ns;      /* latest packet time */
    struct dfilter filter;
    struct save_job save;
    struct dupack *dup;
    size_t ndup, capdup;
    size_t dup_first;      /* first not yet dropped (below the store) */
    struct conn_cache cc;
    struct ws_packet *pkt; /* for rows and the detail tree */
    uint8_t *bytes_buf;    /* one packet's bytes */
    uint64_t slice_end_ns; /* when the last background slice ended */
    uint64_t finished_ns;  /* monotonic time the input was fully decoded */
    uint64_t note_seq;
    char note[512];
    /* scratch for the views: whole trees, dumps and panes before the
     * window is copied out, and the flows being sorted */
    struct cellbuf tmp, tmp2;
    struct detail_line lines[QUERY_MAX_TREE];
    struct flow_pick *fp;
    size_t nfp, capfp;
    /* what fp was collected for: reused while nothing was decoded since */
    bool fp_valid;
    enum flow_sort fp_sort;
    uint64_t fp_decoded;
    int64_t fp_second;
};

#define QUERY_MAX_CAPLEN 262144

/* query.c */
uint64_t query_now_ns(const struct query_private *p);
double rate_bps(const struct rate_hist *h, int seconds, uint64_t now_ns);
/* Bits per second of flow f over the last `seconds` (0 when unknown). */
double flow_rate_bps(const struct rate_table *t, const struct flow *f,
                     int seconds, uint64_t now_ns);
uint64_t mono_ns(void);
void query_note(struct query_private *p, const char *text);
/* packets of the list: the filter's matches or every stored packet */
uint64_t list_count(struct query_private *p);
uint64_t list_packet(struct query_private *p, uint64_t row); /* from 0 */
const struct dupack *dupack_find(const struct query_private *p, uint64_t no);

/* query_views.c: one builder per view */
void qv_packets(struct query_private *p, const struct query_req *r,
                struct query_resp *out);
void qv_detail(struct query_private *p, const struct query_req *r,
               struct query_resp *out);
void qv_flows(struct query_private *p, const struct query_req *r,
              struct query_resp *out);
void qv_conns(struct query_private *p, const struct query_req *r,
              struct query_resp *out);
/* One flow's exchange ladder (--ladder flow:ID) in a scrolling body. */
void qv_exchange(struct query_private *p, const struct query_req *r,
                 struct query_resp *o);
void qv_conn(struct query_private *p, const struct query_req *r,
             struct query_resp *out);
/* Reads and decodes stored packet n (from 0) into p->pkt; false when its
 * bytes are gone. */
bool qv_load_packet(struct query_private *p, uint64_t n, bool fields);

#endif
