/* The snapshot protocol between the terminal UI and the decoder thread.
 *
 * The UI never reads the decoder's mutable tables or the packet store. It
 * posts one request at a time into a mailbox (view, window of rows, sort
 * key, selection, commands such as a display filter or a save); the decoder
 * notices it after its current packet (or within ~1 ms when idle), builds
 * the rows the UI will show as already formatted, sanitised cells, then
 * publishes the response and wakes the UI through an eventfd.
 *
 * Ownership alternates: the UI writes `req` and then increments req_seq
 * (release); from then on the decoder owns `req` and `resp` until it stores
 * resp_seq = req_seq (release), after which the UI owns both again (it
 * reads resp_seq with acquire). No lock is ever held; the decoder does a
 * bounded amount of work per request (the rows on screen, a partial sort of
 * the flows, slices of display filtering and saving between packets).
 */
#ifndef WIRESCOPE_QUERY_H
#define WIRESCOPE_QUERY_H

#include <limits.h>
#include <pcap/pcap.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "wirescope/render.h"
#include "wirescope/render_detail.h"

struct decoder;
struct decoded;

enum query_view {
    QV_NONE = 0,  /* counters only */
    QV_PACKETS,   /* the packet list (all stored, or the display filter's) */
    QV_DETAIL,    /* one packet: protocol tree and hex dump */
    QV_FLOWS,     /* the conversations, sorted */
    QV_CONNS,     /* the TCP connections in id order */
    QV_CONN,      /* one connection: header plus a pane */
    QV_EXCHANGE,  /* one flow's exchange as a ladder (UDP, DNS, DHCP, FTP...) */
};

enum conn_pane { PANE_LADDER = 0, PANE_TIMELINE, PANE_FOLLOW, PANE_COUNT };

enum flow_sort {
    FS_BYTES = 0, FS_PACKETS, FS_RATE2, FS_RATE10, FS_RATE40, FS_DURATION,
    FS_START, FS_COUNT
};

enum query_cmd {
    QC_NONE = 0,
    QC_SET_FILTER,   /* req.prog (owned by the decoder from then on) */
    QC_CLEAR_FILTER,
    QC_SAVE,         /* write the displayed packets to req.path */
};

/* req.top: show the last page and keep following new rows. */
#define QUERY_FOLLOW INT64_MIN

struct query_req {
    enum query_view view;
    int width;          /* cells per row */
    int rows;           /* body rows the screen has for the view */
    bool ascii;         /* no UTF-8 arrows and symbols */
    int64_t top;        /* first row shown, or QUERY_FOLLOW */
    int64_t sel;        /* selected row (clamped by the decoder) */
    int64_t limit;      /* rows beyond this are not shown (pause); -1 none */
    uint64_t id;        /* QV_DETAIL: packet (from 1); QV_CONN: conn id;
                           QV_EXCHANGE: flow id */
    enum flow_sort sort;
    bool sort_asc;      /* smallest first (default: largest first) */
    /* QV_CONN */
    enum conn_pane pane;
    int zoom;           /* timeline zoom, 0 = fit */
    bool hex;           /* follow pane as a hex dump */
    /* QV_DETAIL: the tree window is rows - hex_rows rows */
    uint32_t collapsed; /* bit i: layer i collapsed */
    int hex_rows;       /* rows of the hex pane */
    int64_t hex_top;    /* first hex row, or QUERY_FOLLOW: keep the
                           selected field's bytes in sight */
    /* a command carried by this request */
    enum query_cmd cmd;
    struct bpf_program prog;
    char filter_text[512];
    char path[PATH_MAX];
};

/* Figures only the decoder may compute, refreshed with every response. */
struct query_stats {
    uint64_t decoded;       /* packets decoded so far */
    uint64_t stored;        /* packets in the store (from number 1) */
    uint64_t first;         /* oldest stored packet, from 0 */
    uint64_t evicted;       /* packets the store dropped */
    uint64_t shown;         /* rows of the packet list (filter applied) */
    uint64_t flows, conns;  /* in their tables now */
    uint64_t bytes;         /* wire bytes decoded */
    uint64_t first_ns, last_ns; /* capture clock: first and latest packet */
    double pps, bps;        /* over the last 2 s of the capture clock */
    bool finished;          /* input fully decoded */
    uint64_t finished_ns;   /* CLOCK_MONOTONIC when it was */
    bool filtering;         /* display filter still scanning stored packets */
    uint64_t filter_done, filter_total;
    bool saving;
    uint64_t save_done, save_total;
    char display_filter[512]; /* "" when none */
};

#define QUERY_MAX_TREE 512

struct query_resp {
    enum query_view view;
    struct cellbuf head;  /* fixed rows above the body (column titles, ...) */
    struct cellbuf body;  /* the window of rows */
    int64_t total;        /* rows in the whole list */
    int64_t top, sel;     /* as the decoder normalised them */
    bool found;           /* QV_DETAIL / QV_CONN: the packet / conn exists */
    /* what the selected row stands for (0 / UINT64_MAX: nothing) */
    uint64_t sel_packet;  /* packet number from 1, 0 = none */
    uint64_t sel_conn;    /* connection id, UINT64_MAX = none */
    uint64_t sel_flow;    /* flow id, UINT64_MAX = none */
    /* QV_DETAIL: body = tree window (tree_rows) then hex window */
    int tree_lines, tree_rows;
    int64_t hex_total, hex_top;
    struct detail_line sel_line;
    int layers;
    int layer_line[WS_MAX_LAYERS]; /* tree line of each layer's title */
    /* QV_CONN: rows of the body that are a fixed pane header */
    int pane_head;
    struct query_stats st;
    /* the outcome of a command, or a job that ended (save, filter) */
    uint64_t note_seq;
    char note[512];
};

struct query {
    _Atomic uint64_t req_seq;
    _Atomic uint64_t resp_seq;
    _Atomic bool quit;
    int ui_fd;   /* eventfd: the decoder signals a response */
    int dec_fd;  /* eventfd: the UI signals a request (wakes a finished decoder) */
    struct query_req req;
    struct query_resp resp;
    struct query_private *priv; /* decoder thread only */
};

/* Sets up the mailbox for decoder d and hooks it in (d->on_packet and
 * d->query); call before the threads start. live: rates use the wall clock. */
void query_init(struct query *q, struct decoder *d, bool live);
void query_destroy(struct query *q);

/* UI thread: hands req over to the decoder. */
void query_post(struct query *q);
/* UI thread: the response to the last request is there. */
bool query_ready(struct query *q);
/* UI thread: clears the wakeup after poll reported ui_fd readable. */
void query_ack_wakeup(struct query *q);
/* UI thread: the decoder may stop serving (its thread then returns). */
void query_request_quit(struct query *q);

/* Decoder thread: serves a pending request, advances background jobs. */
void query_poll(struct query *q);
/* Decoder thread, once the input is fully decoded: serves requests until
 * query_request_quit. */
void query_serve_until_quit(struct query *q);
/* Decoder thread: decoded_fn for every packet (rates, filter, mailbox). */
void query_on_packet(const struct decoded *d, void *q);
/* Decoder thread: asks for the line of f's rate history, which
 * query_on_packet will update, without waiting for it. */
struct flow;
void query_prefetch_flow(struct query *q, const struct flow *f);

/* The flow rate history (exposed for tests): bits per second of flow f
 * over the last `seconds` (2, 10 or 40) at capture time now_ns. */
double query_flow_rate(struct query *q, const void *flow, uint64_t flow_id,
                       int seconds, uint64_t now_ns);

#endif
