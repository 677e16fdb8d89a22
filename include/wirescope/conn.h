/* TCP connection tracker: identity, per-side RFC 9293 states, Zeek-style
 * conn_state and history, handshake/teardown timeline, analysis counts. */
#ifndef WIRESCOPE_CONN_H
#define WIRESCOPE_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "wirescope/addr.h"
#include "wirescope/decode.h"
#include "wirescope/tcp_analysis.h"

enum { SIDE_CLIENT = 0, SIDE_SERVER = 1 };

/* Each side's state as inferred at the capture point (RFC 9293 names). */
enum tcp_state {
    TS_CLOSED = 0,
    TS_LISTEN, /* server before it answers; shown as LISTEN */
    TS_SYN_SENT,
    TS_SYN_RECEIVED,
    TS_ESTABLISHED,
    TS_FIN_WAIT_1,
    TS_FIN_WAIT_2,
    TS_CLOSING,
    TS_TIME_WAIT,
    TS_CLOSE_WAIT,
    TS_LAST_ACK,
    TS_COUNT
};

/* How the connection ended. */
enum conn_close {
    CLOSE_NONE = 0,     /* never established and never closed */
    CLOSE_OPEN,         /* established, still open at the end of the capture */
    CLOSE_FOUR_WAY,     /* FIN, ACK, FIN, ACK */
    CLOSE_THREE_WAY,    /* FIN, FIN+ACK (ack of the first FIN), ACK */
    CLOSE_SIMULTANEOUS, /* both FINs sent before either was acknowledged */
    CLOSE_HALF,         /* one side kept sending after the other's FIN */
    CLOSE_ABORT,        /* ended by RST */
    CLOSE_REFUSED,      /* SYN answered by RST */
    CLOSE_COUNT
};

/* Timeline points; 0 = not seen. Times are epoch nanoseconds. */
enum conn_mark {
    MARK_SYN,          /* first SYN from the client */
    MARK_SYNACK,       /* first SYN+ACK from the server */
    MARK_HS_ACK,       /* the ACK completing the handshake */
    MARK_DATA_C2S,     /* first payload byte client -> server */
    MARK_DATA_S2C,     /* first payload byte server -> client */
    MARK_FIN_C,        /* client's first FIN */
    MARK_FIN_C_ACKED,  /* server's ACK of the client's FIN */
    MARK_FIN_S,        /* server's first FIN */
    MARK_FIN_S_ACKED,  /* client's ACK of the server's FIN */
    MARK_RST,          /* first RST */
    MARK_LAST,         /* last packet */
    MARK_COUNT
};

/* Zeek's endpoint states, from which conn_state is derived. */
enum zeek_ep {
    ZEEK_INACTIVE = 0,
    ZEEK_SYN_SENT,
    ZEEK_SYN_ACK_SENT,
    ZEEK_PARTIAL,
    ZEEK_ESTABLISHED,
    ZEEK_CLOSED,
    ZEEK_RESET,
};

/* One state change, appended by the single function that changes state.
 * Its time is the packet's (the store has it); the one time the renderers
 * need from the log, each side's entry into TIME_WAIT, is kept in the
 * connection (time_wait_ns). */
struct conn_event {
    uint64_t packet : 40; /* packet number from 1 (a trillion packets) */
    uint64_t side : 8;    /* SIDE_CLIENT / SIDE_SERVER */
    uint64_t from : 8, to : 8; /* enum tcp_state */
};

#define CONN_LOG_MAX 24
#define CONN_LOG_INLINE 12 /* a connection closed by FINs logs 11 changes */
#define CONN_HISTORY_MAX 40
#define CONN_SEQ_INLINE 256 /* packed analysis kept after the record */

/*
 * One TCP connection. A file of short connections holds tens of thousands
 * of these (34,338 in make bench's 2 M packets, where the UI must stay
 * under 150 MB), so fields are grouped by size to leave no padding, and
 * counters that saturate are 32-bit: 576 bytes (checked in conn.c).
 */
struct conn {
    uint64_t id;        /* like tcp.stream: from 0 in order of first packet */
    uint64_t first_ns, last_ns;
    uint64_t mark[MARK_COUNT];
    uint64_t pkts[2], bytes[2], payload[2];
    uint64_t fin_ack_packet[2]; /* packet that acknowledged each side's FIN */
    uint64_t time_wait_ns[2];   /* when each side entered TIME_WAIT, 0 never */
    int64_t first_rtt_ns;  /* tcp.analysis.initial_rtt, 0 until known */
    /* Sequence analysis while the 5-tuple can still deliver segments, kept
     * packed (tcp_seq_pack: sized to what it holds, 209 bytes plus 24 per
     * unacknowledged range, against the 1.7 KB of a struct tcp_seq_state)
     * and unpacked into the table's one working state for each segment;
     * released (NULL) once the connection is superseded or its flow
     * evicted. Up to CONN_SEQ_INLINE bytes it lives in the record's
     * allocation, right after the struct; beyond, on the heap. */
    void *seq_packed;
    /* The caller's slot that points here (the flow record's), cleared when
     * the table frees a closed connection its flow still holds. */
    struct conn **owner;
    /* log_len events (at most CONN_LOG_MAX): first_log, or once more
     * than CONN_LOG_INLINE, an array of CONN_LOG_MAX on the heap */
    struct conn_event *log;

    uint32_t seq_room;  /* bytes allocated at seq_packed */
    /* Kept from the analysis for the ladder, the streams and the timeline. */
    uint32_t seq_base[2];  /* relative sequence number 0 of each side */
    /* sequence numbers that acknowledge each side's FIN */
    uint32_t fin_ack_seq[2];
    uint32_t synack_isn;   /* server ISN, to recognise the handshake ACK */
    /* Zeek history's per-side bookkeeping */
    uint32_t hist_count[2][3];  /* T, W, C occurrences (saturating) */
    uint32_t hist_last_syn[2], hist_last_fin[2], hist_last_rst[2];
    /* counters below saturate at UINT32_MAX */
    uint32_t analysis[TA_COUNT];
    uint32_t bad_flags;
    uint32_t bad_checksum[2]; /* segments dropped from analysis per side */
    uint32_t log_dropped;

    uint16_t port[2];   /* [SIDE_CLIENT], [SIDE_SERVER] */
    uint16_t vlan;
    uint16_t hist_seen[2];

    struct ws_addr addr[2];
    bool partial;       /* no SYN from the client seen */
    bool closed;        /* both sides CLOSED/TIME_WAIT or reset */
    bool evicted;       /* ended by table eviction, not by the wire */
    uint8_t state[2];   /* enum tcp_state per side */
    uint8_t zeek[2];    /* enum zeek_ep per side */
    int8_t active_closer; /* side that sent the first FIN, -1 if none */
    int8_t rst_side;      /* side that sent the first RST, -1 if none */
    uint8_t close_type;   /* enum conn_close, final once closed */
    bool data_after_fin[2]; /* side sent payload after the other's FIN */
    bool fin_seen[2], fin_acked[2];
    bool fin_acked_by_fin;      /* the second FIN acknowledged the first */
    bool synack_seen;
    bool simultaneous;       /* second FIN sent before the first was ACKed */
    int8_t win_scale[2];   /* each side's window shift, -1 unknown, -2 none */
    uint8_t log_len;
    /* Zeek history string */
    uint8_t history_len;
    char history[CONN_HISTORY_MAX + 1];
    struct conn_event first_log[CONN_LOG_INLINE];
};

/* Derived figures in nanoseconds; CONN_NA when not available. */
#define CONN_NA INT64_MIN
struct conn_times {
    int64_t initial_rtt; /* first SYN to handshake ACK (tcp.analysis.initial_rtt) */
    int64_t syn_synack;  /* SYN to SYN/ACK: the server-side leg */
    int64_t synack_ack;  /* SYN/ACK to ACK: the client-side leg */
    int64_t ttfb;        /* first client payload to first server payload */
    int64_t teardown;    /* first FIN (or RST) to the end of the close */
    int64_t duration;    /* first to last packet */
};

struct conn_table;

struct conn_table *conn_table_new(uint32_t max_conns);
/* Asks for the cache lines a segment of c will touch (the record and the
 * packed analysis after it) without waiting for them. */
void conn_prefetch(const struct conn *c);
void conn_table_free(struct conn_table *t);

/* What the tracker tells the caller about one segment. */
struct conn_seg {
    struct conn *conn;
    int side;                   /* sender: SIDE_CLIENT or SIDE_SERVER */
    struct tcp_seg_result ta;   /* sequence analysis of the segment */
};

/*
 * Feeds one TCP segment. *cur is the caller's slot for the 5-tuple's
 * current connection (kept in the flow record): the tracker starts a new
 * connection there when none exists, or when a SYN arrives after the
 * previous one closed or idled past the timeout, finishing the old one.
 */
void conn_table_segment(struct conn_table *t, struct conn **cur,
                        const struct ws_packet *pkt, uint64_t packet_no,
                        uint64_t ts_ns, uint32_t wire_len, struct conn_seg *out);

/* A segment whose checksum failed verification: counted (Zeek's C/c
 * history letter) but it changes no state and no analysis. */
void conn_table_bad_checksum(struct conn_table *t, struct conn **cur,
                             const struct ws_packet *pkt, uint64_t ts_ns,
                             uint32_t wire_len, struct conn_seg *out);

/* The 5-tuple's record is going away (flow eviction): finish its conn. */
void conn_table_detach(struct conn_table *t, struct conn *c);

uint64_t conn_table_count(const struct conn_table *t);
uint64_t conn_table_evicted(const struct conn_table *t);
/* Connection by id, NULL when evicted or unknown. */
struct conn *conn_table_get(struct conn_table *t, uint64_t id);
void conn_table_foreach(struct conn_table *t,
                        void (*fn)(const struct conn *c, void *arg), void *arg);

/* Final close type as of now (open connections report CLOSE_OPEN/NONE). */
enum conn_close conn_close_type(const struct conn *c);
const char *conn_close_name(enum conn_close t);
const char *conn_state_name(enum tcp_state s);
/* Zeek conn_state (S0, S1, SF, REJ, ...). */
const char *conn_zeek_state(const struct conn *c);
void conn_times(const struct conn *c, struct conn_times *out);

#endif
