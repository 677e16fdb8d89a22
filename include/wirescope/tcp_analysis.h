/*
 * TCP sequence analysis per connection, with Wireshark 4.0's definitions
 * (epan/dissectors/packet-tcp.c, tcp_analyze_sequence_number() and the
 * parts of dissect_tcp() around it; User's Guide "TCP Analysis").
 *
 * Segments are fed one at a time in capture order; each call costs O(1)
 * (bounded by TCP_TA_MAX_RANGES) and a state has a fixed size: nothing is
 * allocated per segment.
 *
 * The caller owns connection splitting, as tshark's tcp.stream does:
 *  - feed only segments whose TCP header fits in the IP datagram (tshark
 *    analyses no "short segment", no IP fragment, nothing quoted inside
 *    an ICMP error); a capture cut inside the options is fine (below);
 *  - when tcp_seq_starts_new_connection() says so (a SYN, without ACK,
 *    whose sequence number differs from the one seen before in that
 *    direction), start a new state: tcp_seq_init(), tcp_seq_mark_reused(),
 *    then feed the SYN to it with dir 0 (the SYN sender is the client).
 *
 * tshark's preferences are taken at their defaults: relative sequence
 * numbers, bytes in flight from the segments (not tcp.bif_seq_based),
 * tcp.fastrt_supersedes_ooo, default window scaling "not known". As in
 * tshark only the first 3 SACK blocks of a segment count for bytes in
 * flight.
 *
 * A segment whose capture ends inside its TCP options (snaplen) is analysed
 * but its result shows no marks, bytes in flight or dup ACK number, as in
 * tshark, which stops at the cut; the options read before the cut apply
 * (a SACK option cut in its middle is dropped whole by the decoder, where
 * tshark keeps the blocks before the cut).
 *
 * Deliberate differences from Wireshark:
 *  - Bounded memory. Wireshark keeps every unacknowledged segment (up to
 *    10000 per direction) for bytes in flight. Here the unacknowledged data
 *    of a direction is kept as at most TCP_TA_MAX_RANGES contiguous ranges,
 *    each the union of the segments that touch or overlap, plus two
 *    segment edges for a range that relative 0 falls inside. Bytes in
 *    flight (highest relative end minus lowest relative start) is then
 *    exactly Wireshark's under any ACK, except: (a) with more than
 *    TCP_TA_MAX_RANGES holes at once the two closest ranges are merged, and
 *    an ACK that lands inside the merged gap trims differently; (b) the
 *    per-range segment count behind the 10000-segment cap is estimated (in
 *    proportion to bytes) when an ACK trims a range partly, so with ACKs
 *    the cap could engage at another segment (it is exact without ACKs, in
 *    one-sided captures, where the cap is reached in practice); (c) after a
 *    SYN/ACK with a new ISN re-bases a direction, an older range that the
 *    new relative 0 falls inside counts as one segment.
 *  - MPTCP: Wireshark ignores duplicate ACKs whose MPTCP options changed;
 *    MPTCP is not decoded here, so they count.
 *  - tcp.analysis.acks_frame, ack_rtt, rto, initial_rtt and push_bytes_sent
 *    are not part of this API. (The initial RTT is in first_rtt_ns; tshark
 *    prints it only on frames that have an analysis subtree, which depends
 *    on acks_frame, i.e. on exact per-segment ACK matching.)
 */
#ifndef WIRESCOPE_TCP_ANALYSIS_H
#define WIRESCOPE_TCP_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirescope/decode.h"

/*
 * Analysis marks, as bit positions: (1u << TA_x). Definitions (Wireshark
 * 4.0; "fwd" is this segment's direction, "rev" the other one):
 *  RETRANSMISSION       carries data, SYN or FIN, and its seq is below the
 *                       highest next-seq seen in fwd, and none of the three
 *                       below applies (a segment of 2+ bytes starting at
 *                       next-seq - 1 is not one).
 *  FAST_RETRANSMISSION  as above, rev has sent >= 2 duplicate ACKs, rev's
 *                       last ACK equals seq, and rev's last ACK came less
 *                       than 20 ms ago. Checked before OUT_OF_ORDER. Kept
 *                       Wireshark quirk: after an ACKed-unseen mark rev's
 *                       (unsigned) dup ACK count is parked at -1, which
 *                       passes ">= 2" until rev's ACK changes.
 *  SPURIOUS_RETRANSMISSION  carries data all of which rev has already
 *                       ACKed (seq + len <= rev's last ACK). Checked first.
 *  OUT_OF_ORDER         seq below next-seq, less than the initial RTT (3 ms
 *                       if unknown) since next-seq last advanced, and it
 *                       does not end exactly at next-seq.
 *  LOST_SEGMENT         seq beyond the highest next-seq seen (not for RST).
 *  ACK_LOST_SEGMENT     ACKs beyond the highest contiguous data seen in rev.
 *  DUP_ACK              no data, same seq (= next-seq), ACK and non-zero
 *                       window as fwd's previous segment, no SYN/FIN/RST.
 *  ZERO_WINDOW          window 0, no SYN/FIN/RST.
 *  ZERO_WINDOW_PROBE    1 byte at next-seq while rev's window is 0.
 *  ZERO_WINDOW_PROBE_ACK  a zero-window duplicate of fwd's previous ACK
 *                       answering a probe.
 *  WINDOW_FULL          data ending exactly at rev's last ACK + rev's
 *                       (scaled) window, when rev's scaling is known.
 *  WINDOW_UPDATE        no data, same seq/ACK as before, window changed to
 *                       a non-zero value.
 *  KEEP_ALIVE           0 or 1 byte at next-seq - 1, no SYN/FIN/RST.
 *  KEEP_ALIVE_ACK       a duplicate of fwd's previous ACK answering a
 *                       keep-alive.
 *  REUSED_PORTS         "[TCP Port numbers reused]": set on the first
 *                       segment after tcp_seq_mark_reused(), or on a
 *                       SYN/ACK whose seq differs from the one seen before.
 *                       (An addition to the marks listed in the brief.)
 */
enum tcp_ta_flag {
    TA_RETRANSMISSION,
    TA_FAST_RETRANSMISSION,
    TA_SPURIOUS_RETRANSMISSION,
    TA_OUT_OF_ORDER,
    TA_LOST_SEGMENT,     /* previous segment not captured */
    TA_ACK_LOST_SEGMENT, /* ACKed unseen segment */
    TA_DUP_ACK,
    TA_ZERO_WINDOW,
    TA_ZERO_WINDOW_PROBE,
    TA_ZERO_WINDOW_PROBE_ACK,
    TA_WINDOW_FULL,
    TA_WINDOW_UPDATE,
    TA_KEEP_ALIVE,
    TA_KEEP_ALIVE_ACK,
    TA_REUSED_PORTS,
    TA_COUNT
};

struct tcp_seg_result {
    uint32_t flags;        /* bitmask of 1u << TA_* */
    /* Relative numbers as tshark's tcp.seq / tcp.ack / tcp.nxtseq. Without
     * the ACK flag tshark shows the raw acknowledgment field, and so does
     * rel_ack. next_rel_seq counts SYN and FIN as one byte. */
    uint32_t rel_seq, rel_ack, next_rel_seq;
    /* tcp.window_size: the raw window shifted by the sender's scale when
     * known (>= 0); SYN segments are never scaled. */
    int64_t window;
    /* The sender's scale as used for this segment: -1 unknown, -2 no
     * scaling, else the shift count (tshark's scale factor is 1 << shift
     * and it shows none for SYN segments). */
    int8_t win_shift;
    bool has_bytes_in_flight; /* tshark shows the field only when non-zero */
    uint32_t bytes_in_flight;
    uint32_t dup_ack_num;     /* 0 unless TA_DUP_ACK */
    uint64_t dup_ack_frame;   /* the frame of the original ACK */
};

/* Unacknowledged data of one direction: a contiguous union of segments. */
struct tcp_ta_range {
    uint32_t seq, nextseq;  /* absolute, [seq, nextseq) */
    uint32_t segs;          /* segments merged in (for Wireshark's cap) */
    /* When the direction's base (relative 0) lies inside the range: the
     * lowest segment start at or after it, the highest end before it. */
    uint32_t lo_after, hi_before;
    bool has_lo_after, has_hi_before;
};

#define TCP_TA_MAX_RANGES 32
#define TCP_TA_MAX_SACK 3

/* Per-direction state (Wireshark's tcp_flow_t and its analysis info). */
struct tcp_ta_dir {
    uint32_t base_seq;
    bool base_set;
    bool is_first_ack;     /* a SYN was sent, no plain ACK yet */
    bool valid_bif;
    int8_t win_scale;      /* -1 unknown, -2 not used, else shift */
    uint32_t window;       /* last raw window, UINT32_MAX before any */
    uint32_t nextseq;      /* highest next-seq seen; 0 = none (as Wireshark) */
    uint64_t nextseq_ns;
    uint32_t maxseqtobeacked;
    uint32_t lastack;
    uint64_t lastack_ns;
    uint32_t dupacknum;    /* UINT32_MAX after an ACKed-unseen mark */
    uint64_t lastnondupack;
    uint32_t lastsegmentflags;
    uint8_t num_sack;
    uint32_t sack_left[TCP_TA_MAX_SACK], sack_right[TCP_TA_MAX_SACK];
    uint8_t nranges;
    uint32_t unacked_segs;
    struct tcp_ta_range ranges[TCP_TA_MAX_RANGES];
};

struct tcp_seq_state {
    struct tcp_ta_dir dir[2];  /* 0 = client->server, 1 = server->client */
    uint64_t mru_syn_ns;       /* time of the last SYN; 0 = none */
    int64_t first_rtt_ns;      /* SYN to first plain ACK; 0 = unknown */
    bool reused_pending;
};

void tcp_seq_init(struct tcp_seq_state *s);

/*
 * A state sized to what it holds, for a connection that has closed: the
 * fixed fields and only the ranges in use (about 220 bytes with none,
 * against the 1.7 KB of a state). tcp_seq_unpack() of what tcp_seq_pack()
 * wrote gives a state that analyses every later segment exactly as s
 * would. buf: tcp_seq_packed_size(s) bytes, no alignment needed.
 */
size_t tcp_seq_packed_size(const struct tcp_seq_state *s);
void tcp_seq_pack(const struct tcp_seq_state *s, void *buf);
void tcp_seq_unpack(struct tcp_seq_state *s, const void *buf);

/* True when pkt (travelling in dir) is a SYN without ACK whose sequence
 * number differs from the one already seen in that direction: tshark
 * starts a new stream there. */
bool tcp_seq_starts_new_connection(const struct tcp_seq_state *s, int dir,
                                   const struct ws_packet *pkt);

/* Marks the next segment fed to s with TA_REUSED_PORTS. */
void tcp_seq_mark_reused(struct tcp_seq_state *s);

/* dir: 0 = client->server, 1 = server->client (the caller decides who the
 * client is). frame_no is the capture's frame number (for dup_ack_frame),
 * ts_ns the capture time in nanoseconds. */
void tcp_seq_segment(struct tcp_seq_state *s, int dir,
                     const struct ws_packet *pkt, uint64_t frame_no,
                     uint64_t ts_ns, struct tcp_seg_result *out);

/* tshark's Info-column prefix for the marks, in tshark's order, e.g.
 * "[TCP ZeroWindow] [TCP Previous segment not captured] ". Writes at most
 * size bytes (always NUL-terminated when size > 0) and returns the length
 * the whole prefix needs, like snprintf. */
size_t tcp_seq_info_prefix(const struct tcp_seg_result *r, char *buf,
                           size_t size);

/* JSON key of a mark: "retransmission", "fast_retransmission", ... */
const char *tcp_ta_name(enum tcp_ta_flag f);

/* The tcp.analysis.<name> fields tshark shows for r, as a TA_* bitmask:
 * the marks plus TA_RETRANSMISSION for fast and spurious retransmissions
 * (tshark adds the retransmission expert item to both). */
uint32_t tcp_seq_tshark_fields(const struct tcp_seg_result *r);

#endif
