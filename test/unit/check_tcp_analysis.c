/*
 * Tests of the TCP sequence analysis (src/track/tcp_analysis.c): one test
 * per analysis mark, each next to Wireshark 4.0's definition of it, plus
 * relative numbers, window scaling, bytes in flight, sequence wrap, the
 * Info prefix, fixed memory, and a comparison with tshark goldens of real
 * captures (test/tcp/<name>.pcap, test/tcp/golden/<name>.packets.tsv; skipped
 * when the goldens are absent).
 *
 * Every hand-built scenario here was also replayed through tshark 4.0.17
 * as a pcap during development and gives the values asserted.
 */
#include <check.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirescope/decode.h"
#include "wirescope/tcp_analysis.h"

#define F(x) (1u << (x))
#define C2S 0
#define S2C 1

/* ---------- a tiny connection driver ---------- */

struct conv {
    struct tcp_seq_state s;
    struct ws_packet pkt;
    uint64_t frame;
    uint64_t t_ns;
    struct tcp_seg_result r;
    /* options for the next segment only */
    int wscale; /* -1: none */
    bool cut;   /* the capture ends inside the options */
    uint8_t nsack;
    uint32_t sack_l[4], sack_r[4];
};

static struct conv *conv_new(void)
{
    struct conv *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    tcp_seq_init(&c->s);
    c->wscale = -1;
    c->t_ns = 1700000000ull * 1000000000ull;
    return c;
}

/* Fills c->pkt with a segment and the pending options. */
static struct ws_packet *build(struct conv *c, int dir, uint16_t flags,
                               uint32_t seq, uint32_t ack, uint16_t win,
                               uint32_t len)
{
    struct ws_packet *p = &c->pkt;
    memset(p, 0, sizeof *p);
    p->ip_ver = 4;
    p->ip_proto = 6;
    p->top = P_TCP;
    p->sport = dir == C2S ? 40000 : 5555;
    p->dport = dir == C2S ? 5555 : 40000;
    p->payload_len = len;
    p->u.tcp.seq = seq;
    p->u.tcp.ack = ack;
    p->u.tcp.flags = flags;
    p->u.tcp.win = win;
    if (c->wscale >= 0) {
        p->u.tcp.has_wscale = true;
        p->u.tcp.wscale = (uint8_t)c->wscale;
    }
    p->u.tcp.nsack = c->nsack;
    for (unsigned i = 0; i < c->nsack; i++) {
        p->u.tcp.sack_left[i] = c->sack_l[i];
        p->u.tcp.sack_right[i] = c->sack_r[i];
    }
    if (c->cut) { /* 12 bytes of options, 8 of them captured */
        p->l4_off = 34;
        p->u.tcp.hdr_len = 32;
        p->caplen = 34 + 28;
        p->len = 34 + 32 + len;
    }
    c->wscale = -1;
    c->nsack = 0;
    c->cut = false;
    return p;
}

/* Feeds one segment dt_us microseconds after the previous one. */
static const struct tcp_seg_result *seg(struct conv *c, uint64_t dt_us, int dir,
                                        uint16_t flags, uint32_t seq,
                                        uint32_t ack, uint16_t win,
                                        uint32_t len)
{
    struct ws_packet *p = build(c, dir, flags, seq, ack, win, len);
    c->frame++;
    c->t_ns += dt_us * 1000;
    tcp_seq_segment(&c->s, dir, p, c->frame, c->t_ns, &c->r);
    return &c->r;
}

static void next_sack(struct conv *c, uint32_t l, uint32_t r)
{
    c->sack_l[c->nsack] = l;
    c->sack_r[c->nsack] = r;
    c->nsack++;
}

#define A TCP_ACK
#define PA (TCP_PSH | TCP_ACK)
#define SYN TCP_SYN
#define SA (TCP_SYN | TCP_ACK)
#define FA (TCP_FIN | TCP_ACK)

enum { CISN = 1000, SISN = 5000 };

/* SYN, SYN/ACK, ACK without window scaling; client ISN 1000, server 5000. */
static struct conv *handshake(void)
{
    struct conv *c = conv_new();
    seg(c, 0, C2S, SYN, CISN, 0, 64240, 0);
    seg(c, 10000, S2C, SA, SISN, CISN + 1, 65160, 0);
    seg(c, 10000, C2S, A, CISN + 1, SISN + 1, 502, 0);
    return c;
}

static char *prefix(const struct tcp_seg_result *r)
{
    static char buf[512];
    tcp_seq_info_prefix(r, buf, sizeof buf);
    return buf;
}

/* ---------- relative numbers ---------- */

/* tcp.seq is seq - ISN of the SYN; tcp.ack is ack - the peer's ISN;
 * tcp.nxtseq counts SYN and FIN as one byte. */
START_TEST(test_relative_with_syn)
{
    struct conv *c = conv_new();
    const struct tcp_seg_result *r = seg(c, 0, C2S, SYN, CISN, 0, 64240, 0);
    ck_assert_uint_eq(r->rel_seq, 0);
    ck_assert_uint_eq(r->next_rel_seq, 1);
    ck_assert_uint_eq(r->rel_ack, 0); /* no ACK flag: the raw field */
    r = seg(c, 1000, S2C, SA, SISN, CISN + 1, 65160, 0);
    ck_assert_uint_eq(r->rel_seq, 0);
    ck_assert_uint_eq(r->rel_ack, 1);
    ck_assert_uint_eq(r->next_rel_seq, 1);
    r = seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->rel_seq, 1);
    ck_assert_uint_eq(r->rel_ack, 1);
    ck_assert_uint_eq(r->next_rel_seq, 101);
    r = seg(c, 1000, S2C, A, SISN + 1, CISN + 101, 509, 0);
    ck_assert_uint_eq(r->rel_seq, 1);
    ck_assert_uint_eq(r->rel_ack, 101);
    ck_assert_uint_eq(r->next_rel_seq, 1); /* pure ACK: nxtseq = seq */
    r = seg(c, 1000, C2S, FA, CISN + 101, SISN + 1, 502, 0);
    ck_assert_uint_eq(r->rel_seq, 101);
    ck_assert_uint_eq(r->next_rel_seq, 102);
    ck_assert_uint_eq(r->flags, 0);
    free(c);
}
END_TEST

/* Without the SYN tshark takes seq - 1 as the ISN (Seq=1 for the first
 * segment), and ack - 1 as the peer's ISN from the first segment with ACK. */
START_TEST(test_relative_mid_stream)
{
    struct conv *c = conv_new();
    const struct tcp_seg_result *r =
        seg(c, 0, C2S, PA, 123456789, 987654321, 502, 100);
    ck_assert_uint_eq(r->rel_seq, 1);
    ck_assert_uint_eq(r->rel_ack, 1);
    ck_assert_uint_eq(r->next_rel_seq, 101);
    ck_assert_uint_eq(r->flags, 0);
    r = seg(c, 10000, S2C, A, 987654321, 123456889, 509, 0);
    ck_assert_uint_eq(r->rel_seq, 1);
    ck_assert_uint_eq(r->rel_ack, 101);
    ck_assert_uint_eq(r->flags, 0);
    /* an RST carries no ACK flag here: tcp.ack shows the raw field */
    r = seg(c, 10000, S2C, TCP_RST, 987654321, 123456889, 0, 0);
    ck_assert_uint_eq(r->rel_ack, 123456889);
    free(c);
}
END_TEST

/* Relative numbers and the analysis work modulo 2^32: an ISN just below
 * 2^32 gives no false marks while the data crosses the wrap. */
START_TEST(test_sequence_wrap)
{
    struct conv *c = conv_new();
    const uint32_t isn = 0xfffffff0u;
    seg(c, 0, C2S, SYN, isn, 0, 64240, 0);
    seg(c, 10000, S2C, SA, SISN, isn + 1, 65160, 0);
    seg(c, 10000, C2S, A, isn + 1, SISN + 1, 502, 0);
    const struct tcp_seg_result *r =
        seg(c, 1000, C2S, PA, isn + 1, SISN + 1, 502, 100); /* crosses 0 */
    ck_assert_uint_eq(r->rel_seq, 1);
    ck_assert_uint_eq(r->next_rel_seq, 101);
    ck_assert_uint_eq(r->flags, 0);
    ck_assert_uint_eq(r->bytes_in_flight, 100);
    r = seg(c, 1000, C2S, PA, isn + 101, SISN + 1, 502, 100); /* seq 84 */
    ck_assert_uint_eq(r->rel_seq, 101);
    ck_assert_uint_eq(r->flags, 0);
    ck_assert_uint_eq(r->bytes_in_flight, 200);
    r = seg(c, 10000, S2C, A, SISN + 1, isn + 101, 509, 0);
    ck_assert_uint_eq(r->rel_ack, 101);
    ck_assert_uint_eq(r->flags, 0);
    r = seg(c, 1000, C2S, PA, isn + 201, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->rel_seq, 201);
    ck_assert_uint_eq(r->bytes_in_flight, 200); /* 101..301 unacked */
    /* a retransmission across the wrap is still one */
    r = seg(c, 50000, C2S, PA, isn + 101, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->flags, F(TA_RETRANSMISSION));
    /* and a gap across it is still a gap */
    r = seg(c, 1000, C2S, PA, isn + 401, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->flags, F(TA_LOST_SEGMENT));
    free(c);
}
END_TEST

/* ---------- window scaling ---------- */

/* The scale of a direction applies only when both SYN and SYN/ACK carried
 * the option; SYN windows are never scaled. */
START_TEST(test_window_scaling_both)
{
    struct conv *c = conv_new();
    c->wscale = 7;
    const struct tcp_seg_result *r = seg(c, 0, C2S, SYN, CISN, 0, 64240, 0);
    ck_assert_int_eq(r->window, 64240);
    c->wscale = 2;
    r = seg(c, 1000, S2C, SA, SISN, CISN + 1, 65160, 0);
    ck_assert_int_eq(r->window, 65160);
    r = seg(c, 1000, C2S, A, CISN + 1, SISN + 1, 502, 0);
    ck_assert_int_eq(r->win_shift, 7);
    ck_assert_int_eq(r->window, 502 << 7);
    r = seg(c, 1000, S2C, A, SISN + 1, CISN + 1, 1000, 0);
    ck_assert_int_eq(r->win_shift, 2);
    ck_assert_int_eq(r->window, 4000);
    free(c);
}
END_TEST

/* SYN with the option, SYN/ACK without: no scaling (-2) either way. */
START_TEST(test_window_scaling_synack_lacks)
{
    struct conv *c = conv_new();
    c->wscale = 7;
    seg(c, 0, C2S, SYN, CISN, 0, 64240, 0);
    seg(c, 1000, S2C, SA, SISN, CISN + 1, 65160, 0);
    const struct tcp_seg_result *r =
        seg(c, 1000, C2S, A, CISN + 1, SISN + 1, 502, 0);
    ck_assert_int_eq(r->win_shift, -2);
    ck_assert_int_eq(r->window, 502);
    r = seg(c, 1000, S2C, A, SISN + 1, CISN + 1, 1000, 0);
    ck_assert_int_eq(r->win_shift, -2);
    ck_assert_int_eq(r->window, 1000);
    free(c);
}
END_TEST

/* SYN without the option, SYN/ACK with it: no scaling either. */
START_TEST(test_window_scaling_syn_lacks)
{
    struct conv *c = conv_new();
    seg(c, 0, C2S, SYN, CISN, 0, 64240, 0);
    c->wscale = 7;
    seg(c, 1000, S2C, SA, SISN, CISN + 1, 65160, 0);
    const struct tcp_seg_result *r =
        seg(c, 1000, S2C, A, SISN + 1, CISN + 1, 1000, 0);
    ck_assert_int_eq(r->win_shift, -2);
    ck_assert_int_eq(r->window, 1000);
    r = seg(c, 1000, C2S, A, CISN + 1, SISN + 1, 502, 0);
    ck_assert_int_eq(r->win_shift, -2);
    free(c);
}
END_TEST

/* No handshake seen: the scale is unknown (-1) and the raw window shows. */
START_TEST(test_window_scaling_unknown)
{
    struct conv *c = conv_new();
    const struct tcp_seg_result *r = seg(c, 0, C2S, PA, 100, 200, 502, 10);
    ck_assert_int_eq(r->win_shift, -1);
    ck_assert_int_eq(r->window, 502);
    r = seg(c, 1000, S2C, A, 200, 110, 1000, 0);
    ck_assert_int_eq(r->win_shift, -1);
    ck_assert_int_eq(r->window, 1000);
    free(c);
}
END_TEST

/* Only the SYN seen (with the option): tshark scales that side by its own
 * shift and leaves the other unknown. Shifts above 14 count as 14. */
START_TEST(test_window_scaling_half_seen)
{
    struct conv *c = conv_new();
    c->wscale = 15;
    seg(c, 0, C2S, SYN, CISN, 0, 64240, 0);
    const struct tcp_seg_result *r =
        seg(c, 1000, C2S, A, CISN + 1, SISN + 1, 2, 0);
    ck_assert_int_eq(r->win_shift, 14);
    ck_assert_int_eq(r->window, 2 << 14);
    r = seg(c, 1000, S2C, A, SISN + 1, CISN + 1, 1000, 0);
    ck_assert_int_eq(r->win_shift, -1);
    ck_assert_int_eq(r->window, 1000);
    free(c);
}
END_TEST

/* ---------- bytes in flight ---------- */

/* tcp.analysis.bytes_in_flight: for a segment with data, the highest end
 * minus the lowest start of the sender's unacknowledged segments (the one
 * just sent included), less the peer's last SACK blocks, less 1 for
 * SYN/FIN; absent when 0, and absent after a gap until the peer ACKs. */
START_TEST(test_bytes_in_flight)
{
    struct conv *c = handshake();
    const struct tcp_seg_result *r;
    r = seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    ck_assert(r->has_bytes_in_flight);
    ck_assert_uint_eq(r->bytes_in_flight, 100);
    r = seg(c, 1000, C2S, PA, CISN + 101, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->bytes_in_flight, 200);
    r = seg(c, 1000, C2S, PA, CISN + 201, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->bytes_in_flight, 300);
    /* pure ACKs never carry the field */
    r = seg(c, 10000, S2C, A, SISN + 1, CISN + 151, 509, 0); /* partial */
    ck_assert(!r->has_bytes_in_flight);
    r = seg(c, 1000, C2S, PA, CISN + 301, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->bytes_in_flight, 250); /* 151..401 */
    /* SACK of 301..401 from the peer is subtracted */
    next_sack(c, CISN + 301, CISN + 401);
    seg(c, 10000, S2C, A, SISN + 1, CISN + 201, 509, 0);
    r = seg(c, 1000, C2S, PA, CISN + 401, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->bytes_in_flight, 200); /* 201..501 less 100 */
    /* a gap disables the field until the peer ACKs again */
    r = seg(c, 1000, C2S, PA, CISN + 601, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->flags, F(TA_LOST_SEGMENT));
    ck_assert(!r->has_bytes_in_flight);
    r = seg(c, 1000, C2S, PA, CISN + 701, SISN + 1, 502, 100);
    ck_assert(!r->has_bytes_in_flight);
    seg(c, 10000, S2C, A, SISN + 1, CISN + 501, 509, 0);
    r = seg(c, 1000, C2S, PA, CISN + 801, SISN + 1, 502, 100);
    ck_assert(r->has_bytes_in_flight);
    ck_assert_uint_eq(r->bytes_in_flight, 300); /* 601..901 */
    /* FIN with data: the FIN's sequence number is not a byte */
    seg(c, 10000, S2C, A, SISN + 1, CISN + 901, 509, 0);
    r = seg(c, 1000, C2S, FA | TCP_PSH, CISN + 901, SISN + 1, 502, 10);
    ck_assert_uint_eq(r->bytes_in_flight, 10);
    free(c);
}
END_TEST

/* ---------- retransmissions ---------- */

/* Retransmission: data (or SYN/FIN) starting below the highest next-seq
 * seen, not a keep-alive, not spurious/fast/out-of-order. */
START_TEST(test_retransmission)
{
    struct conv *c = handshake();
    seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    seg(c, 1000, C2S, PA, CISN + 101, SISN + 1, 502, 100);
    const struct tcp_seg_result *r =
        seg(c, 200000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->flags, F(TA_RETRANSMISSION));
    ck_assert_str_eq(prefix(r), "[TCP Retransmission] ");
    ck_assert_uint_eq(tcp_seq_tshark_fields(r), F(TA_RETRANSMISSION));
    free(c);
}
END_TEST

/* A repeated SYN (same ISN) is a retransmission of the same connection,
 * not a new one. */
START_TEST(test_syn_retransmission)
{
    struct conv *c = conv_new();
    seg(c, 0, C2S, SYN, CISN, 0, 64240, 0);
    ck_assert(!tcp_seq_starts_new_connection(
        &c->s, C2S, build(c, C2S, SYN, CISN, 0, 64240, 0)));
    const struct tcp_seg_result *r = seg(c, 1000000, C2S, SYN, CISN, 0, 64240, 0);
    ck_assert_uint_eq(r->flags, F(TA_RETRANSMISSION));
    ck_assert_uint_eq(r->rel_seq, 0);
    free(c);
}
END_TEST

/* Fast retransmission: not advancing seq, >= 2 duplicate ACKs from the
 * peer, the peer's last ACK equals seq, and < 20 ms since that ACK. */
START_TEST(test_fast_retransmission)
{
    struct conv *c = handshake();
    seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    seg(c, 100, C2S, PA, CISN + 101, SISN + 1, 502, 100);
    seg(c, 100, C2S, PA, CISN + 201, SISN + 1, 502, 100);
    seg(c, 20000, S2C, A, SISN + 1, CISN + 101, 509, 0);
    seg(c, 100, S2C, A, SISN + 1, CISN + 101, 509, 0);
    seg(c, 100, S2C, A, SISN + 1, CISN + 101, 509, 0);
    const struct tcp_seg_result *r =
        seg(c, 5000, C2S, PA, CISN + 101, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->flags, F(TA_FAST_RETRANSMISSION));
    ck_assert_str_eq(prefix(r), "[TCP Fast Retransmission] ");
    /* tshark also shows tcp.analysis.retransmission for it */
    ck_assert_uint_eq(tcp_seq_tshark_fields(r),
                      F(TA_FAST_RETRANSMISSION) | F(TA_RETRANSMISSION));
    ck_assert_uint_eq(r->bytes_in_flight, 200);
    free(c);
}
END_TEST

/* Same, but 20 ms or more after the last dup ACK: a plain retransmission. */
START_TEST(test_fast_retransmission_too_late)
{
    struct conv *c = handshake();
    seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    seg(c, 100, C2S, PA, CISN + 101, SISN + 1, 502, 100);
    seg(c, 20000, S2C, A, SISN + 1, CISN + 101, 509, 0);
    seg(c, 100, S2C, A, SISN + 1, CISN + 101, 509, 0);
    seg(c, 100, S2C, A, SISN + 1, CISN + 101, 509, 0);
    const struct tcp_seg_result *r =
        seg(c, 20000, C2S, PA, CISN + 101, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->flags, F(TA_RETRANSMISSION));
    free(c);
}
END_TEST

/* Spurious retransmission: data the peer has already ACKed
 * (seq + len <= the peer's last ACK). Checked before the others. */
START_TEST(test_spurious_retransmission)
{
    struct conv *c = handshake();
    seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    seg(c, 10000, S2C, A, SISN + 1, CISN + 101, 509, 0);
    const struct tcp_seg_result *r =
        seg(c, 200000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->flags, F(TA_SPURIOUS_RETRANSMISSION));
    ck_assert_str_eq(prefix(r), "[TCP Spurious Retransmission] ");
    ck_assert_uint_eq(tcp_seq_tshark_fields(r),
                      F(TA_SPURIOUS_RETRANSMISSION) | F(TA_RETRANSMISSION));
    free(c);
}
END_TEST

/* Out-of-order: seq below next-seq, less than the initial RTT since
 * next-seq last advanced (3 ms when no handshake gave the RTT), and not
 * ending exactly at next-seq. */
START_TEST(test_out_of_order)
{
    struct conv *c = conv_new(); /* no handshake: threshold 3 ms */
    seg(c, 0, C2S, PA, 1001, 5001, 502, 100);
    seg(c, 1000, C2S, PA, 1201, 5001, 502, 100); /* gap */
    const struct tcp_seg_result *r = seg(c, 2000, C2S, PA, 1101, 5001, 502, 50);
    ck_assert_uint_eq(r->flags, F(TA_OUT_OF_ORDER));
    ck_assert_str_eq(prefix(r), "[TCP Out-Of-Order] ");
    /* the rest of the hole 3 ms or later: a retransmission */
    r = seg(c, 3000, C2S, PA, 1151, 5001, 502, 50);
    ck_assert_uint_eq(r->flags, F(TA_RETRANSMISSION));
    free(c);
}
END_TEST

/* With a handshake the threshold is the initial RTT: SYN to the first
 * plain ACK (here 20 ms). */
START_TEST(test_out_of_order_irtt)
{
    struct conv *c = handshake(); /* iRTT 20 ms */
    seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    seg(c, 1000, C2S, PA, CISN + 201, SISN + 1, 502, 100);
    const struct tcp_seg_result *r =
        seg(c, 15000, C2S, PA, CISN + 101, SISN + 1, 502, 50);
    ck_assert_uint_eq(r->flags, F(TA_OUT_OF_ORDER));
    r = seg(c, 10000, C2S, PA, CISN + 151, SISN + 1, 502, 50);
    ck_assert_uint_eq(r->flags, F(TA_RETRANSMISSION)); /* 25 ms > iRTT */
    free(c);
}
END_TEST

/* ---------- lost and unseen segments ---------- */

/* Previous segment not captured: seq beyond the highest next-seq seen
 * (never for RST). */
START_TEST(test_lost_segment)
{
    struct conv *c = handshake();
    seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    const struct tcp_seg_result *r =
        seg(c, 1000, C2S, PA, CISN + 201, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->flags, F(TA_LOST_SEGMENT));
    ck_assert_str_eq(prefix(r), "[TCP Previous segment not captured] ");
    r = seg(c, 1000, C2S, TCP_RST, CISN + 1000, 0, 0, 0);
    ck_assert_uint_eq(r->flags & F(TA_LOST_SEGMENT), 0);
    free(c);
}
END_TEST

/* ACKed unseen segment: an ACK beyond the highest contiguous data seen
 * from the peer; marked once for the same hole. */
START_TEST(test_ack_lost_segment)
{
    struct conv *c = handshake();
    seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    /* client data 101..201 never captured */
    const struct tcp_seg_result *r =
        seg(c, 10000, S2C, A, SISN + 1, CISN + 201, 509, 0);
    ck_assert_uint_eq(r->flags, F(TA_ACK_LOST_SEGMENT));
    ck_assert_str_eq(prefix(r), "[TCP ACKed unseen segment] ");
    /* the same ACK again is a dup ACK, not a second unseen mark */
    r = seg(c, 1000, S2C, A, SISN + 1, CISN + 201, 509, 0);
    ck_assert_uint_eq(r->flags, F(TA_DUP_ACK));
    free(c);
}
END_TEST

/* ---------- duplicate ACKs ---------- */

/* Dup ACK: no data, same seq (= next-seq), same ACK and same non-zero
 * window as the sender's previous segment, no SYN/FIN/RST. Numbered from
 * 1 with the frame of the original ACK: "[TCP Dup ACK <frame>#<n>] ". */
START_TEST(test_dup_ack_numbering)
{
    struct conv *c = handshake();
    seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    seg(c, 1000, C2S, PA, CISN + 201, SISN + 1, 502, 100);
    const struct tcp_seg_result *r =
        seg(c, 10000, S2C, A, SISN + 1, CISN + 101, 509, 0);
    uint64_t original = c->frame;
    ck_assert_uint_eq(r->flags, 0);
    for (uint32_t n = 1; n <= 3; n++) {
        r = seg(c, 1000, S2C, A, SISN + 1, CISN + 101, 509, 0);
        ck_assert_uint_eq(r->flags, F(TA_DUP_ACK));
        ck_assert_uint_eq(r->dup_ack_num, n);
        ck_assert_uint_eq(r->dup_ack_frame, original);
        char want[64];
        snprintf(want, sizeof want, "[TCP Dup ACK %llu#%u] ",
                 (unsigned long long)original, n);
        ck_assert_str_eq(prefix(r), want);
    }
    /* a new window value is a window update, and the count goes on */
    r = seg(c, 1000, S2C, A, SISN + 1, CISN + 101, 600, 0);
    ck_assert_uint_eq(r->flags, F(TA_WINDOW_UPDATE));
    r = seg(c, 1000, S2C, A, SISN + 1, CISN + 101, 600, 0);
    ck_assert_uint_eq(r->dup_ack_num, 4);
    /* a new ACK restarts the numbering from its own frame */
    seg(c, 1000, S2C, A, SISN + 1, CISN + 301, 600, 0);
    original = c->frame;
    r = seg(c, 1000, S2C, A, SISN + 1, CISN + 301, 600, 0);
    ck_assert_uint_eq(r->dup_ack_num, 1);
    ck_assert_uint_eq(r->dup_ack_frame, original);
    free(c);
}
END_TEST

/* ---------- keep-alive ---------- */

/* Keep-alive: 0 or 1 byte at next-seq - 1, no SYN/FIN/RST. Keep-alive
 * ACK: a repeat of the sender's previous ACK (same seq, ACK, non-zero
 * window, no data) right after a keep-alive from the peer. */
START_TEST(test_keep_alive_and_ack)
{
    struct conv *c = handshake();
    seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    seg(c, 10000, S2C, A, SISN + 1, CISN + 101, 509, 0);
    const struct tcp_seg_result *r =
        seg(c, 7200000, C2S, A, CISN + 100, SISN + 1, 502, 0);
    ck_assert_uint_eq(r->flags, F(TA_KEEP_ALIVE));
    ck_assert_str_eq(prefix(r), "[TCP Keep-Alive] ");
    r = seg(c, 10000, S2C, A, SISN + 1, CISN + 101, 509, 0);
    ck_assert_uint_eq(r->flags, F(TA_KEEP_ALIVE_ACK));
    ck_assert_str_eq(prefix(r), "[TCP Keep-Alive ACK] ");
    /* a keep-alive with its one garbage byte is neither data nor a
     * retransmission */
    r = seg(c, 7200000, C2S, A, CISN + 100, SISN + 1, 502, 1);
    ck_assert_uint_eq(r->flags, F(TA_KEEP_ALIVE));
    ck_assert(r->has_bytes_in_flight);
    free(c);
}
END_TEST

/* ---------- zero window ---------- */

/* Zero window: window 0 without SYN/FIN/RST. Zero window probe: 1 byte at
 * next-seq while the peer's window is 0 (it does not advance next-seq).
 * Probe ACK: a zero-window repeat of the previous ACK right after a probe.
 * Window update: no data, same seq and ACK, a new non-zero window. */
START_TEST(test_zero_window_sequence)
{
    struct conv *c = handshake();
    seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    const struct tcp_seg_result *r =
        seg(c, 10000, S2C, A, SISN + 1, CISN + 101, 0, 0);
    ck_assert_uint_eq(r->flags, F(TA_ZERO_WINDOW));
    ck_assert_str_eq(prefix(r), "[TCP ZeroWindow] ");
    r = seg(c, 200000, C2S, A, CISN + 101, SISN + 1, 502, 1);
    ck_assert_uint_eq(r->flags, F(TA_ZERO_WINDOW_PROBE));
    ck_assert_str_eq(prefix(r), "[TCP ZeroWindowProbe] ");
    ck_assert_uint_eq(r->bytes_in_flight, 1);
    r = seg(c, 10000, S2C, A, SISN + 1, CISN + 101, 0, 0);
    ck_assert_uint_eq(r->flags, F(TA_ZERO_WINDOW_PROBE_ACK) | F(TA_ZERO_WINDOW));
    ck_assert_str_eq(prefix(r), "[TCP ZeroWindowProbeAck] [TCP ZeroWindow] ");
    /* the probe again: still a probe, next-seq did not move */
    r = seg(c, 400000, C2S, A, CISN + 101, SISN + 1, 502, 1);
    ck_assert_uint_eq(r->flags, F(TA_ZERO_WINDOW_PROBE));
    r = seg(c, 10000, S2C, A, SISN + 1, CISN + 101, 0, 0);
    ck_assert_uint_eq(r->flags, F(TA_ZERO_WINDOW_PROBE_ACK) | F(TA_ZERO_WINDOW));
    r = seg(c, 100000, S2C, A, SISN + 1, CISN + 101, 509, 0);
    ck_assert_uint_eq(r->flags, F(TA_WINDOW_UPDATE));
    ck_assert_str_eq(prefix(r), "[TCP Window Update] ");
    /* the probed byte then goes out as data of 2+ bytes at next-seq: new
     * data, not a retransmission */
    r = seg(c, 1000, C2S, PA, CISN + 101, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->flags, 0);
    free(c);
}
END_TEST

/* Window full: data ending exactly at the peer's last ACK plus its
 * (scaled, once the peer has sent a plain ACK) window, when the peer's
 * scaling is known. */
START_TEST(test_window_full)
{
    struct conv *c = conv_new();
    c->wscale = 2;
    seg(c, 0, C2S, SYN, CISN, 0, 64240, 0);
    c->wscale = 2;
    seg(c, 1000, S2C, SA, SISN, CISN + 1, 1000, 0);
    seg(c, 1000, C2S, A, CISN + 1, SISN + 1, 502, 0);
    /* the server has sent no plain ACK yet: its SYN/ACK window counts raw */
    const struct tcp_seg_result *r =
        seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 1000);
    ck_assert_uint_eq(r->flags, F(TA_WINDOW_FULL));
    ck_assert_str_eq(prefix(r), "[TCP Window Full] ");
    seg(c, 10000, S2C, A, SISN + 1, CISN + 1001, 100, 0); /* 100 << 2 */
    r = seg(c, 1000, C2S, PA, CISN + 1001, SISN + 1, 502, 399);
    ck_assert_uint_eq(r->flags, 0);
    r = seg(c, 1000, C2S, PA, CISN + 1400, SISN + 1, 502, 1);
    ck_assert_uint_eq(r->flags, F(TA_WINDOW_FULL));
    free(c);
}
END_TEST

/* Unknown peer scaling (no handshake): never window full. */
START_TEST(test_window_full_needs_scale)
{
    struct conv *c = conv_new();
    seg(c, 0, S2C, A, 5001, 1001, 100, 0);
    const struct tcp_seg_result *r = seg(c, 1000, C2S, PA, 1001, 5001, 502, 100);
    ck_assert_uint_eq(r->flags, 0);
    free(c);
}
END_TEST

/* ---------- connections ---------- */

/* A SYN with another ISN on the same 4-tuple is a new connection; tshark
 * marks its SYN "[TCP Port numbers reused]". */
START_TEST(test_port_reuse)
{
    struct conv *c = handshake();
    seg(c, 1000, C2S, FA, CISN + 1, SISN + 1, 502, 0);
    seg(c, 1000, S2C, FA, SISN + 1, CISN + 2, 509, 0);
    seg(c, 1000, C2S, A, CISN + 2, SISN + 2, 502, 0);
    /* the server's SYN/ACK and segments are not new connections */
    ck_assert(!tcp_seq_starts_new_connection(
        &c->s, S2C, build(c, S2C, SA, 8888, 90001, 65160, 0)));
    ck_assert(!tcp_seq_starts_new_connection(
        &c->s, C2S, build(c, C2S, PA, 90000, SISN + 2, 502, 10)));
    ck_assert(tcp_seq_starts_new_connection(
        &c->s, C2S, build(c, C2S, SYN, 90000, 0, 64240, 0)));
    tcp_seq_init(&c->s);
    tcp_seq_mark_reused(&c->s);
    const struct tcp_seg_result *r = seg(c, 1000000, C2S, SYN, 90000, 0, 64240, 0);
    ck_assert_uint_eq(r->flags, F(TA_REUSED_PORTS));
    ck_assert_uint_eq(r->rel_seq, 0);
    ck_assert_str_eq(prefix(r), "[TCP Port numbers reused] ");
    /* only that segment carries the mark */
    r = seg(c, 1000, S2C, SA, 8888, 90001, 65160, 0);
    ck_assert_uint_eq(r->flags, 0);
    ck_assert_uint_eq(r->rel_ack, 1);
    free(c);
}
END_TEST

/* A SYN/ACK with another ISN re-bases that side and is marked as port
 * reuse (tshark 4.0; its seq is then beyond next-seq: not captured). */
START_TEST(test_synack_new_isn)
{
    struct conv *c = handshake();
    const struct tcp_seg_result *r =
        seg(c, 1000, S2C, SA, 77777, CISN + 1, 65160, 0);
    ck_assert_uint_eq(r->flags, F(TA_REUSED_PORTS) | F(TA_LOST_SEGMENT));
    ck_assert_uint_eq(r->rel_seq, 0);
    ck_assert_str_eq(prefix(r), "[TCP Previous segment not captured] "
                                "[TCP Port numbers reused] ");
    free(c);
}
END_TEST

/* ---------- presentation ---------- */

START_TEST(test_info_prefix_order)
{
    /* tshark prepends in a fixed order, so the marks read back to front */
    struct tcp_seg_result r = {0};
    r.flags = F(TA_ZERO_WINDOW) | F(TA_LOST_SEGMENT);
    ck_assert_str_eq(prefix(&r), "[TCP ZeroWindow] "
                                 "[TCP Previous segment not captured] ");
    r.flags = F(TA_WINDOW_FULL) | F(TA_ACK_LOST_SEGMENT) |
              F(TA_SPURIOUS_RETRANSMISSION);
    ck_assert_str_eq(prefix(&r), "[TCP Window Full] [TCP ACKed unseen segment] "
                                 "[TCP Spurious Retransmission] ");
    r.flags = F(TA_DUP_ACK) | F(TA_ACK_LOST_SEGMENT);
    r.dup_ack_num = 2;
    r.dup_ack_frame = 12;
    ck_assert_str_eq(prefix(&r),
                     "[TCP Dup ACK 12#2] [TCP ACKed unseen segment] ");
    r.flags = F(TA_ZERO_WINDOW) | F(TA_KEEP_ALIVE);
    ck_assert_str_eq(prefix(&r), "[TCP ZeroWindow] [TCP Keep-Alive] ");
    r.flags = 0;
    ck_assert_str_eq(prefix(&r), "");
}
END_TEST

START_TEST(test_info_prefix_truncates)
{
    struct tcp_seg_result r = {.flags = F(TA_RETRANSMISSION)};
    char small[8];
    size_t need = tcp_seq_info_prefix(&r, small, sizeof small);
    ck_assert_uint_eq(need, strlen("[TCP Retransmission] "));
    ck_assert_str_eq(small, "[TCP Re");
    ck_assert_uint_eq(tcp_seq_info_prefix(&r, NULL, 0), need);
}
END_TEST

START_TEST(test_names)
{
    static const char *const want[TA_COUNT] = {
        "retransmission", "fast_retransmission", "spurious_retransmission",
        "out_of_order", "lost_segment", "ack_lost_segment", "duplicate_ack",
        "zero_window", "zero_window_probe", "zero_window_probe_ack",
        "window_full", "window_update", "keep_alive", "keep_alive_ack",
        "reused_ports",
    };
    for (int f = 0; f < TA_COUNT; f++)
        ck_assert_str_eq(tcp_ta_name((enum tcp_ta_flag)f), want[f]);
}
END_TEST

/* ---------- Wireshark quirks kept on purpose ---------- */

/* After an ACKed-unseen mark Wireshark parks the peer's (unsigned) dup ACK
 * counter at -1, which then passes the ">= 2 dup ACKs" test: a resend of
 * the ACKed point within 20 ms is a fast retransmission. */
START_TEST(test_parked_dup_counter)
{
    struct conv *c = handshake(); /* iRTT 20 ms */
    seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    seg(c, 1000, C2S, PA, CISN + 101, SISN + 1, 502, 100);
    seg(c, 1000, S2C, PA, SISN + 1, CISN + 1, 509, 100);
    /* server data 101..201 was not captured; the client ACKs it */
    const struct tcp_seg_result *r =
        seg(c, 1000, C2S, A, CISN + 201, SISN + 201, 502, 0);
    ck_assert_uint_eq(r->flags, F(TA_ACK_LOST_SEGMENT));
    /* no dup ACK was seen, yet tshark says fast retransmission (it would
     * otherwise be out-of-order: 4 ms < iRTT) */
    r = seg(c, 2000, C2S, PA, CISN + 1, SISN + 201, 502, 100);
    ck_assert_uint_eq(r->flags, F(TA_FAST_RETRANSMISSION));
    free(c);
}
END_TEST

/* A capture that ends inside the TCP options: tshark analyses the
 * segment but shows nothing of it, and skips the window scaling check of
 * a SYN (so a SYN without the option leaves that side unknown, and the
 * SYN/ACK's scale then counts for the server). */
START_TEST(test_options_cut)
{
    struct conv *c = conv_new();
    c->cut = true;
    seg(c, 0, C2S, SYN, CISN, 0, 64240, 0);
    c->wscale = 7;
    seg(c, 10000, S2C, SA, SISN, CISN + 1, 65160, 0);
    const struct tcp_seg_result *r =
        seg(c, 10000, C2S, A, CISN + 1, SISN + 1, 502, 0);
    ck_assert_int_eq(r->win_shift, -1);
    ck_assert_int_eq(r->window, 502);
    r = seg(c, 1000, S2C, A, SISN + 1, CISN + 1, 500, 0);
    ck_assert_int_eq(r->win_shift, 7);
    ck_assert_int_eq(r->window, 500 << 7);
    seg(c, 1000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    c->cut = true;
    r = seg(c, 300000, C2S, PA, CISN + 1, SISN + 1, 502, 100);
    ck_assert_uint_eq(r->flags, 0); /* a retransmission, not shown */
    ck_assert(!r->has_bytes_in_flight);
    seg(c, 10000, S2C, A, SISN + 1, CISN + 101, 500, 0);
    c->cut = true;
    r = seg(c, 1000, S2C, A, SISN + 1, CISN + 101, 500, 0);
    ck_assert_uint_eq(r->flags, 0); /* dup ACK #1, not shown */
    ck_assert_uint_eq(r->dup_ack_num, 0);
    r = seg(c, 1000, S2C, A, SISN + 1, CISN + 101, 500, 0);
    ck_assert_uint_eq(r->flags, F(TA_DUP_ACK));
    ck_assert_uint_eq(r->dup_ack_num, 2);
    free(c);
}
END_TEST

/* ---------- fixed memory ---------- */

/* More holes than ranges, and more segments than Wireshark keeps, run in
 * the fixed state without faults; with no ACKs (a one-sided capture)
 * Wireshark stops remembering after 10000 segments, so bytes in flight
 * stops growing there. */
START_TEST(test_fixed_memory)
{
    struct conv *c = handshake();
    uint32_t seq = CISN + 1;
    const struct tcp_seg_result *r = NULL;
    for (int i = 0; i < 200; i++) { /* 200 holes */
        r = seg(c, 100, C2S, PA, seq, SISN + 1, 502, 10);
        seq += 20;
    }
    ck_assert(!r->has_bytes_in_flight); /* disabled by the holes */
    seg(c, 10000, S2C, A, SISN + 1, CISN + 1, 509, 0);
    r = seg(c, 100, C2S, PA, seq, SISN + 1, 502, 10);
    ck_assert_uint_eq(r->flags, F(TA_LOST_SEGMENT));

    struct conv *d = conv_new();
    seq = 1;
    for (uint32_t i = 0; i < 10000; i++) {
        r = seg(d, 100, C2S, PA, seq, 1, 502, 100);
        seq += 100;
    }
    ck_assert_uint_eq(r->bytes_in_flight, 1000000);
    r = seg(d, 100, C2S, PA, seq, 1, 502, 100);
    ck_assert_uint_eq(r->bytes_in_flight, 1000000); /* not remembered */
    free(c);
    free(d);
}
END_TEST

/* ---------- comparison with tshark on real captures ---------- */

#define TCP_DIR "test/tcp"
#define MAX_COLS 64
#define MAX_CONNS 64

struct golden {
    FILE *f;
    char line[16384];
    char *col[MAX_COLS];
    int ncol;
    char *names[MAX_COLS];
    char namebuf[16384];
    int nnames;
};

static int split_tabs(char *s, char **out, int max)
{
    int n = 0;
    s[strcspn(s, "\r\n")] = '\0';
    while (n < max) {
        out[n++] = s;
        char *t = strchr(s, '\t');
        if (!t)
            break;
        *t = '\0';
        s = t + 1;
    }
    return n;
}

/* Reads the next data line (after '#' comments and the header). */
static bool golden_next(struct golden *g)
{
    while (fgets(g->line, sizeof g->line, g->f)) {
        if (g->line[0] == '#')
            continue;
        if (g->nnames == 0) {
            snprintf(g->namebuf, sizeof g->namebuf, "%s", g->line);
            g->nnames = split_tabs(g->namebuf, g->names, MAX_COLS);
            continue;
        }
        g->ncol = split_tabs(g->line, g->col, MAX_COLS);
        return true;
    }
    return false;
}

static const char *golden_get(const struct golden *g, const char *name)
{
    for (int i = 0; i < g->nnames && i < g->ncol; i++)
        if (strcmp(g->names[i], name) == 0)
            return g->col[i];
    return NULL;
}

/* The leading "[TCP ...] " marks of an Info column. */
static void info_marks(const char *info, char *out, size_t size)
{
    size_t n = 0;
    while (strncmp(info + n, "[TCP ", 5) == 0) {
        const char *end = strstr(info + n, "] ");
        if (!end)
            break;
        n = (size_t)(end + 2 - info);
    }
    snprintf(out, size, "%.*s", (int)n, info);
}

struct conn_slot {
    bool used;
    unsigned stream; /* instances numbered in order of creation */
    struct ws_addr addr[2];
    uint16_t port[2];
    struct tcp_seq_state st;
};

static bool same_endpoints(const struct conn_slot *k,
                           const struct ws_packet *p, int *dir)
{
    for (int d = 0; d < 2; d++) {
        if (k->port[d] == p->sport && k->port[!d] == p->dport &&
            memcmp(&k->addr[d], &p->src, sizeof p->src) == 0 &&
            memcmp(&k->addr[!d], &p->dst, sizeof p->dst) == 0) {
            *dir = d;
            return true;
        }
    }
    return false;
}

struct mismatch_log {
    int count;
    char text[4096];
    size_t used;
};

static void report(struct mismatch_log *m, const char *cap, unsigned long frame,
                   const char *field, const char *want, const char *got)
{
    m->count++;
    if (m->used + 200 < sizeof m->text)
        m->used += (size_t)snprintf(m->text + m->used, sizeof m->text - m->used,
                                    "%s frame %lu %s: expected '%s' got '%s'\n",
                                    cap, frame, field, want, got);
}

static void expect_field(struct mismatch_log *m, const char *cap,
                         unsigned long frame, const struct golden *g,
                         const char *field, const char *got, int *compared)
{
    const char *want = golden_get(g, field);
    if (!want)
        return;
    (*compared)++;
    if (strcmp(want, got) != 0)
        report(m, cap, frame, field, want, got);
}

struct field_stats {
    int packets, fields, marks;
};

/* Runs one capture through decode + analysis and compares each TCP frame
 * with its golden row. */
static void compare_capture(const char *name, struct mismatch_log *m,
                            struct field_stats *fs)
{
    char path[512], gpath[512], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, TCP_DIR "/%s.pcap", name);
    snprintf(gpath, sizeof gpath, TCP_DIR "/golden/%s.packets.tsv", name);
    struct golden *g = calloc(1, sizeof *g);
    ck_assert_ptr_nonnull(g);
    g->f = fopen(gpath, "r");
    if (!g->f) {
        free(g);
        return;
    }
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(
        path, PCAP_TSTAMP_PRECISION_NANO, err);
    ck_assert_msg(pc != NULL, "%s: %s", path, err);
    int linktype = pcap_datalink(pc);
    struct ws_packet *pkt = calloc(1, sizeof *pkt);
    struct conn_slot *conns = calloc(MAX_CONNS, sizeof *conns);
    ck_assert(pkt && conns);
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long frame = 0;
    unsigned streams = 0;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        frame++;
        decode_reset(pkt, data, h->caplen, h->len, linktype);
        decode_packet(pkt);
        bool is_tcp = false;
        for (unsigned i = 0; i < pkt->nlayers; i++)
            if (pkt->layers[i].proto == P_TCP && !pkt->layers[i].event)
                is_tcp = true;
        if (!is_tcp || pkt->ip_fragment)
            continue;
        /* find the golden row of this frame */
        bool found = false;
        while (golden_next(g)) {
            const char *fn = golden_get(g, "frame.number");
            if (fn && strtoul(fn, NULL, 10) == frame) {
                found = true;
                break;
            }
        }
        if (!found) {
            report(m, name, frame, "row", "present", "missing");
            break;
        }
        /* a golden made from another recording of the capture */
        char when[64];
        snprintf(when, sizeof when, "%llu.%09llu",
                 (unsigned long long)h->ts.tv_sec,
                 (unsigned long long)h->ts.tv_usec);
        const char *want_when = golden_get(g, "frame.time_epoch");
        if (want_when && strcmp(want_when, when) != 0) {
            report(m, name, frame,
                   "frame.time_epoch (stale golden? test/tcp/regen-golden.sh)",
                   want_when, when);
            break;
        }
        /* connection: same endpoints, and a SYN with a new ISN starts over;
         * the client is the sender of the first segment (the SYN) */
        int dir = 0, slot = -1;
        for (int i = 0; i < MAX_CONNS && slot < 0; i++)
            if (conns[i].used && same_endpoints(&conns[i], pkt, &dir))
                slot = i;
        bool reused = false;
        if (slot >= 0 && tcp_seq_starts_new_connection(&conns[slot].st, dir, pkt)) {
            conns[slot].used = false;
            slot = -1;
            reused = true;
        }
        if (slot < 0) {
            for (int i = 0; i < MAX_CONNS && slot < 0; i++)
                if (!conns[i].used)
                    slot = i;
            ck_assert_msg(slot >= 0, "%s: too many connections", name);
            struct conn_slot *k = &conns[slot];
            k->used = true;
            k->stream = streams++;
            k->addr[0] = pkt->src;
            k->addr[1] = pkt->dst;
            k->port[0] = pkt->sport;
            k->port[1] = pkt->dport;
            tcp_seq_init(&k->st);
            if (reused)
                tcp_seq_mark_reused(&k->st);
            dir = 0;
        }
        struct tcp_seg_result r;
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull +
                      (uint64_t)h->ts.tv_usec;
        tcp_seq_segment(&conns[slot].st, dir, pkt, frame, ts, &r);

        char got[512];
        int compared = 0;
        /* the connection split (the caller's part) as tshark's tcp.stream */
        snprintf(got, sizeof got, "%u", conns[slot].stream);
        expect_field(m, name, frame, g, "tcp.stream", got, &compared);
        snprintf(got, sizeof got, "%u", r.rel_seq);
        expect_field(m, name, frame, g, "tcp.seq", got, &compared);
        snprintf(got, sizeof got, "%u", r.rel_ack);
        expect_field(m, name, frame, g, "tcp.ack", got, &compared);
        snprintf(got, sizeof got, "%u", r.next_rel_seq);
        expect_field(m, name, frame, g, "tcp.nxtseq", got, &compared);
        snprintf(got, sizeof got, "%u", pkt->payload_len);
        expect_field(m, name, frame, g, "tcp.len", got, &compared);
        snprintf(got, sizeof got, "%lld", (long long)r.window);
        expect_field(m, name, frame, g, "tcp.window_size", got, &compared);
        got[0] = '\0';
        if (!(pkt->u.tcp.flags & TCP_SYN))
            snprintf(got, sizeof got, "%d",
                     r.win_shift >= 0 ? 1 << r.win_shift : r.win_shift);
        expect_field(m, name, frame, g, "tcp.window_size_scalefactor", got,
                     &compared);
        got[0] = '\0';
        if (r.has_bytes_in_flight)
            snprintf(got, sizeof got, "%u", r.bytes_in_flight);
        expect_field(m, name, frame, g, "tcp.analysis.bytes_in_flight", got,
                     &compared);
        got[0] = '\0';
        if (r.dup_ack_num)
            snprintf(got, sizeof got, "%u", r.dup_ack_num);
        expect_field(m, name, frame, g, "tcp.analysis.duplicate_ack_num", got,
                     &compared);
        got[0] = '\0';
        if (r.dup_ack_num)
            snprintf(got, sizeof got, "%llu",
                     (unsigned long long)r.dup_ack_frame);
        expect_field(m, name, frame, g, "tcp.analysis.duplicate_ack_frame",
                     got, &compared);
        /* one tshark field per mark; present (any text) or empty */
        uint32_t fields = tcp_seq_tshark_fields(&r);
        for (int f = 0; f < TA_COUNT; f++) {
            char fname[64];
            snprintf(fname, sizeof fname, "tcp.analysis.%s",
                     tcp_ta_name((enum tcp_ta_flag)f));
            const char *want = golden_get(g, fname);
            if (!want)
                continue;
            compared++;
            bool want_set = want[0] != '\0';
            bool got_set = (fields & F(f)) != 0;
            if (want_set != got_set)
                report(m, name, frame, fname, want_set ? "set" : "",
                       got_set ? "set" : "");
        }
        const char *info = golden_get(g, "_ws.col.Info");
        if (info) {
            char want[512];
            info_marks(info, want, sizeof want);
            tcp_seq_info_prefix(&r, got, sizeof got);
            compared++;
            if (strcmp(want, got) != 0)
                report(m, name, frame, "Info prefix", want, got);
        }
        fs->packets++;
        fs->fields += compared;
        fs->marks += __builtin_popcount(r.flags);
    }
    pcap_close(pc);
    fclose(g->f);
    free(g);
    free(pkt);
    free(conns);
}

START_TEST(test_golden_captures)
{
    static const char *const names[] = {
        "abort-linger", "close-client", "close-server", "half-close",
        "ipv6", "keepalive", "lossy", "port-reuse", "refused",
        "simultaneous-close", "three-way-close", "zero-window",
    };
    FILE *probe = fopen(TCP_DIR "/golden", "r");
    if (!probe) {
        printf("check_tcp_analysis: " TCP_DIR "/golden absent, golden "
               "comparison skipped\n");
        return;
    }
    fclose(probe);
    struct mismatch_log *m = calloc(1, sizeof *m);
    ck_assert_ptr_nonnull(m);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct field_stats fs = {0};
        int before = m->count;
        compare_capture(names[i], m, &fs);
        printf("check_tcp_analysis: %-20s %5d TCP frames, %3d marks, "
               "%6d fields compared, %d mismatches\n", names[i], fs.packets,
               fs.marks, fs.fields, m->count - before);
    }
    ck_assert_msg(m->count == 0, "%d mismatches with tshark:\n%s", m->count,
                  m->text);
    free(m);
}
END_TEST

static Suite *tcp_analysis_suite(void)
{
    Suite *s = suite_create("tcp_analysis");
    TCase *tc = tcase_create("marks");
    tcase_add_test(tc, test_relative_with_syn);
    tcase_add_test(tc, test_relative_mid_stream);
    tcase_add_test(tc, test_sequence_wrap);
    tcase_add_test(tc, test_window_scaling_both);
    tcase_add_test(tc, test_window_scaling_synack_lacks);
    tcase_add_test(tc, test_window_scaling_syn_lacks);
    tcase_add_test(tc, test_window_scaling_unknown);
    tcase_add_test(tc, test_window_scaling_half_seen);
    tcase_add_test(tc, test_bytes_in_flight);
    tcase_add_test(tc, test_retransmission);
    tcase_add_test(tc, test_syn_retransmission);
    tcase_add_test(tc, test_fast_retransmission);
    tcase_add_test(tc, test_fast_retransmission_too_late);
    tcase_add_test(tc, test_spurious_retransmission);
    tcase_add_test(tc, test_out_of_order);
    tcase_add_test(tc, test_out_of_order_irtt);
    tcase_add_test(tc, test_lost_segment);
    tcase_add_test(tc, test_ack_lost_segment);
    tcase_add_test(tc, test_dup_ack_numbering);
    tcase_add_test(tc, test_keep_alive_and_ack);
    tcase_add_test(tc, test_zero_window_sequence);
    tcase_add_test(tc, test_window_full);
    tcase_add_test(tc, test_window_full_needs_scale);
    tcase_add_test(tc, test_port_reuse);
    tcase_add_test(tc, test_synack_new_isn);
    tcase_add_test(tc, test_info_prefix_order);
    tcase_add_test(tc, test_info_prefix_truncates);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_parked_dup_counter);
    tcase_add_test(tc, test_options_cut);
    tcase_add_test(tc, test_fixed_memory);
    suite_add_tcase(s, tc);
    TCase *gc = tcase_create("golden");
    tcase_set_timeout(gc, 120);
    tcase_add_test(gc, test_golden_captures);
    suite_add_tcase(s, gc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tcp_analysis_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
