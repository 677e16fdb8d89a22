/*
 * Tests of the TCP connection tracker (src/track/conn.c) with hand-built
 * segment sequences. Every expectation is derived by hand from the
 * published definitions, quoted beside each test:
 *  - RFC 9293 section 3.3.2 (state diagram) and 3.10.7.4 (segment
 *    processing: the ACK field is processed before the FIN bit), with the
 *    capture-point rule of this tracker: a side changes state when the
 *    segment that causes it is seen on the wire (no loss, no reordering);
 *  - Zeek's conn.log (scripts/base/protocols/conn/main.zeek): the
 *    conn_state table and function, and the history letters;
 *  - Zeek's endpoint rules (src/packet_analysis/protocol/tcp/
 *    TCPSessionAdapter.cc, UpdateStateMachine and its helpers):
 *      INACTIVE:  SYN from the originator -> SYN_SENT (SYN_ACK_SENT with
 *                 ACK); SYN or SYN/ACK from the responder -> ESTABLISHED,
 *                 and an originator in SYN_SENT -> ESTABLISHED;
 *                 FIN -> CLOSED; RST -> RESET; otherwise a responder's
 *                 payload-less segment while the originator is in SYN_SENT
 *                 leaves it INACTIVE, an ACK to an ESTABLISHED peer ->
 *                 ESTABLISHED, anything else -> PARTIAL;
 *      SYN_SENT / SYN_ACK_SENT: FIN -> CLOSED; RST -> RESET;
 *      ESTABLISHED / PARTIAL:   FIN -> CLOSED; RST -> RESET;
 *      CLOSED: RST -> RESET only while the peer is not CLOSED;
 *      RESET:  final.
 *    History: a, d, i, q once per direction; s, h, f, r again only when
 *    the sequence number differs from the last one of that kind; t
 *    (packet with retransmitted payload) and w (zero window) at the 1st,
 *    10th, 100th, ... occurrence; upper case from the originator. The
 *    packet's own letter is added before its t/w (update_history runs
 *    before the retransmission and window checks).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirescope/conn.h"

/* ---------- segment builder ---------- */

#define MS(x) (1700000000000000000ull + (uint64_t)(x) * 1000000ull)
#define NS_PER_MS 1000000ll

#define F_S (TCP_SYN)
#define F_SA (TCP_SYN | TCP_ACK)
#define F_A (TCP_ACK)
#define F_PA (TCP_PSH | TCP_ACK)
#define F_FA (TCP_FIN | TCP_ACK)
#define F_R (TCP_RST)
#define F_RA (TCP_RST | TCP_ACK)

enum { FROM_A = 0, FROM_B = 1 }; /* host A is the intended client */
#define C2S FROM_A
#define S2C FROM_B

/* One 5-tuple: host A (10.0.0.1:pa) and host B (10.0.0.2:pb), the
 * caller's per-5-tuple slot `cur`, and the last answer. */
struct rig {
    struct conn_table *t;
    struct conn *cur;
    uint64_t pkt_no;
    struct conn_seg out;
    uint8_t a[4], b[4];
    uint16_t pa, pb;
};

static void rig_init(struct rig *r, struct conn_table *t, uint16_t pa,
                     uint16_t pb)
{
    memset(r, 0, sizeof *r);
    r->t = t;
    r->a[0] = 10, r->a[3] = 1;
    r->b[0] = 10, r->b[3] = 2;
    r->pa = pa;
    r->pb = pb;
}

/* "from flags seq ack len at time t (ns), window win" */
static struct conn *seg_w(struct rig *r, int from, uint16_t flags,
                          uint32_t seq, uint32_t ack, uint32_t len,
                          uint64_t t_ns, uint16_t win)
{
    static struct ws_packet pkt;
    memset(&pkt, 0, sizeof pkt);
    pkt.ip_ver = 4;
    pkt.ip_proto = 6;
    pkt.top = P_TCP;
    addr_from_v4(&pkt.src, from == FROM_A ? r->a : r->b);
    addr_from_v4(&pkt.dst, from == FROM_A ? r->b : r->a);
    pkt.sport = from == FROM_A ? r->pa : r->pb;
    pkt.dport = from == FROM_A ? r->pb : r->pa;
    /* a whole Ethernet + IPv4 + 20-byte TCP header frame (no bytes are
     * read; caplen covers the header so nothing counts as cut) */
    pkt.l4_off = 34;
    pkt.payload_off = 54;
    pkt.payload_len = len;
    pkt.len = 54 + len;
    pkt.caplen = 54 + len;
    pkt.u.tcp.seq = seq;
    pkt.u.tcp.ack = ack;
    pkt.u.tcp.flags = flags;
    pkt.u.tcp.win = win;
    pkt.u.tcp.hdr_len = 20;
    conn_table_segment(r->t, &r->cur, &pkt, ++r->pkt_no, t_ns, 54 + len,
                       &r->out);
    ck_assert_ptr_eq(r->out.conn, r->cur);
    return r->cur;
}

static struct conn *seg(struct rig *r, int from, uint16_t flags, uint32_t seq,
                        uint32_t ack, uint32_t len, uint64_t t_ns)
{
    return seg_w(r, from, flags, seq, ack, len, t_ns, 65535);
}

#define CI 1000u /* client ISN */
#define SI 5000u /* server ISN */

/* RFC 9293 three-way handshake at t0, t0+10 ms, t0+11 ms (packets 1-3). */
static struct conn *handshake(struct rig *r, uint64_t t0_ms)
{
    seg(r, C2S, F_S, CI, 0, 0, MS(t0_ms));
    seg(r, S2C, F_SA, SI, CI + 1, 0, MS(t0_ms + 10));
    return seg(r, C2S, F_A, CI + 1, SI + 1, 0, MS(t0_ms + 11));
}

#define ASSERT_STATES(c, cs, ss)                                               \
    ck_assert_msg((c)->state[SIDE_CLIENT] == (cs) &&                           \
                      (c)->state[SIDE_SERVER] == (ss),                         \
                  "client %s server %s, expected client %s server %s",         \
                  conn_state_name((enum tcp_state)(c)->state[SIDE_CLIENT]),    \
                  conn_state_name((enum tcp_state)(c)->state[SIDE_SERVER]),    \
                  conn_state_name(cs), conn_state_name(ss))

#define ASSERT_CLOSE(c, want)                                                  \
    ck_assert_msg(conn_close_type(c) == (want), "close %s, expected %s",       \
                  conn_close_name(conn_close_type(c)), conn_close_name(want))

#define ASSERT_EVENT(c, i, pkt, sd, fr, t)                                     \
    do {                                                                       \
        const struct conn_event *e_ = &(c)->log[i];                            \
        ck_assert_msg(e_->packet == (pkt) && e_->side == (sd) &&               \
                          e_->from == (fr) && e_->to == (t),                   \
                      "event %d: pkt %llu side %d %s->%s, expected pkt %d "    \
                      "side %d %s->%s",                                        \
                      (int)(i), (unsigned long long)e_->packet, e_->side,      \
                      conn_state_name((enum tcp_state)e_->from),               \
                      conn_state_name((enum tcp_state)e_->to), (int)(pkt),     \
                      (int)(sd), conn_state_name(fr), conn_state_name(t));     \
    } while (0)

/* ====================================================================
 * Close types, per-side states after every step, active closer
 * ==================================================================== */

/*
 * Four-way close by the client, HTTP-like with separate ACKs.
 * RFC 9293: ESTABLISHED --send FIN--> FIN_WAIT_1 --rcv ACK of FIN-->
 * FIN_WAIT_2 --rcv FIN--> TIME_WAIT; the peer ESTABLISHED --rcv FIN-->
 * CLOSE_WAIT --send FIN--> LAST_ACK --rcv ACK of FIN--> CLOSED.
 * Close type four-way: FIN, ACK, FIN, ACK. Zeek: both endpoints CLOSED ->
 * SF; history S h A D a d F f (the later A and a are repeats).
 */
START_TEST(test_four_way_close_by_client_states_history_and_log)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);

    struct conn *c = seg(&r, C2S, F_S, CI, 0, 0, MS(0));
    ASSERT_STATES(c, TS_SYN_SENT, TS_LISTEN);
    seg(&r, S2C, F_SA, SI, CI + 1, 0, MS(10));
    ASSERT_STATES(c, TS_SYN_SENT, TS_SYN_RECEIVED);
    seg(&r, C2S, F_A, CI + 1, SI + 1, 0, MS(11));
    ASSERT_STATES(c, TS_ESTABLISHED, TS_ESTABLISHED);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 100, MS(12));  /* 4: request */
    seg(&r, S2C, F_A, SI + 1, CI + 101, 0, MS(22));   /* 5 */
    seg(&r, S2C, F_PA, SI + 1, CI + 101, 500, MS(30)); /* 6: response */
    seg(&r, C2S, F_A, CI + 101, SI + 501, 0, MS(31)); /* 7 */
    ASSERT_STATES(c, TS_ESTABLISHED, TS_ESTABLISHED);
    ASSERT_CLOSE(c, CLOSE_OPEN);
    ck_assert_int_eq(c->active_closer, -1);

    seg(&r, C2S, F_FA, CI + 101, SI + 501, 0, MS(100)); /* 8 */
    ASSERT_STATES(c, TS_FIN_WAIT_1, TS_CLOSE_WAIT);
    ck_assert_int_eq(c->active_closer, SIDE_CLIENT);
    ck_assert_str_eq(conn_zeek_state(c), "S2");
    seg(&r, S2C, F_A, SI + 501, CI + 102, 0, MS(110)); /* 9 */
    ASSERT_STATES(c, TS_FIN_WAIT_2, TS_CLOSE_WAIT);
    seg(&r, S2C, F_FA, SI + 501, CI + 102, 0, MS(150)); /* 10 */
    ASSERT_STATES(c, TS_TIME_WAIT, TS_LAST_ACK);
    ck_assert(!c->closed);
    seg(&r, C2S, F_A, CI + 102, SI + 502, 0, MS(151)); /* 11 */
    ASSERT_STATES(c, TS_TIME_WAIT, TS_CLOSED);

    ck_assert(c->closed);
    ck_assert_int_eq(c->id, 0);
    ck_assert(!c->partial);
    ASSERT_CLOSE(c, CLOSE_FOUR_WAY);
    ck_assert_int_eq(c->active_closer, SIDE_CLIENT);
    ck_assert_int_eq(c->rst_side, -1);
    ck_assert_str_eq(conn_zeek_state(c), "SF");
    ck_assert_str_eq(c->history, "ShADadFf");
    ck_assert_uint_eq(c->pkts[SIDE_CLIENT], 6);
    ck_assert_uint_eq(c->pkts[SIDE_SERVER], 5);
    ck_assert_uint_eq(c->payload[SIDE_CLIENT], 100);
    ck_assert_uint_eq(c->payload[SIDE_SERVER], 500);
    ck_assert_uint_eq(c->bytes[SIDE_CLIENT], 6 * 54 + 100);
    ck_assert_uint_eq(c->mark[MARK_FIN_C], MS(100));
    ck_assert_uint_eq(c->mark[MARK_FIN_C_ACKED], MS(110));
    ck_assert_uint_eq(c->mark[MARK_FIN_S], MS(150));
    ck_assert_uint_eq(c->mark[MARK_FIN_S_ACKED], MS(151));

    /* Every change once, sender's change before the receiver's, with the
     * packet that caused it. */
    ck_assert_int_eq(c->log_len, 11);
    ck_assert_uint_eq(c->log_dropped, 0);
    ASSERT_EVENT(c, 0, 1, SIDE_CLIENT, TS_CLOSED, TS_SYN_SENT);
    ASSERT_EVENT(c, 1, 1, SIDE_SERVER, TS_CLOSED, TS_LISTEN);
    ASSERT_EVENT(c, 2, 2, SIDE_SERVER, TS_LISTEN, TS_SYN_RECEIVED);
    ASSERT_EVENT(c, 3, 3, SIDE_CLIENT, TS_SYN_SENT, TS_ESTABLISHED);
    ASSERT_EVENT(c, 4, 3, SIDE_SERVER, TS_SYN_RECEIVED, TS_ESTABLISHED);
    ASSERT_EVENT(c, 5, 8, SIDE_CLIENT, TS_ESTABLISHED, TS_FIN_WAIT_1);
    ASSERT_EVENT(c, 6, 8, SIDE_SERVER, TS_ESTABLISHED, TS_CLOSE_WAIT);
    ASSERT_EVENT(c, 7, 9, SIDE_CLIENT, TS_FIN_WAIT_1, TS_FIN_WAIT_2);
    ASSERT_EVENT(c, 8, 10, SIDE_SERVER, TS_CLOSE_WAIT, TS_LAST_ACK);
    ASSERT_EVENT(c, 9, 10, SIDE_CLIENT, TS_FIN_WAIT_2, TS_TIME_WAIT);
    ASSERT_EVENT(c, 10, 11, SIDE_SERVER, TS_LAST_ACK, TS_CLOSED);
    /* the client entered TIME_WAIT on the server's FIN (packet 10) */
    ck_assert_uint_eq(c->time_wait_ns[SIDE_CLIENT], MS(150));
    ck_assert_uint_eq(c->time_wait_ns[SIDE_SERVER], 0);
    conn_table_free(t);
}
END_TEST

/*
 * Four-way close by the server (HTTP/1.0 style): the server goes
 * FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT; the client CLOSE_WAIT, LAST_ACK,
 * CLOSED. History: S h A D d f F a (the server's first pure ACK is the
 * last packet).
 */
START_TEST(test_four_way_close_by_server)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = handshake(&r, 0);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 100, MS(12));
    seg(&r, S2C, F_PA, SI + 1, CI + 101, 500, MS(30));
    seg(&r, C2S, F_A, CI + 101, SI + 501, 0, MS(31));
    seg(&r, S2C, F_FA, SI + 501, CI + 101, 0, MS(40));
    ASSERT_STATES(c, TS_CLOSE_WAIT, TS_FIN_WAIT_1);
    ck_assert_int_eq(c->active_closer, SIDE_SERVER);
    ck_assert_str_eq(conn_zeek_state(c), "S3");
    seg(&r, C2S, F_A, CI + 101, SI + 502, 0, MS(41));
    ASSERT_STATES(c, TS_CLOSE_WAIT, TS_FIN_WAIT_2);
    seg(&r, C2S, F_FA, CI + 101, SI + 502, 0, MS(42));
    ASSERT_STATES(c, TS_LAST_ACK, TS_TIME_WAIT);
    seg(&r, S2C, F_A, SI + 502, CI + 102, 0, MS(43));
    ASSERT_STATES(c, TS_CLOSED, TS_TIME_WAIT);
    ck_assert(c->closed);
    ASSERT_CLOSE(c, CLOSE_FOUR_WAY);
    ck_assert_int_eq(c->active_closer, SIDE_SERVER);
    ck_assert_str_eq(conn_zeek_state(c), "SF");
    ck_assert_str_eq(c->history, "ShADdfFa");
    conn_table_free(t);
}
END_TEST

/*
 * Three-way close: FIN, FIN+ACK acknowledging the first FIN, ACK.
 * RFC 9293 3.10.7.4: in FIN_WAIT_1 the ACK of our FIN is processed first
 * (-> FIN_WAIT_2), then the FIN bit (-> TIME_WAIT), so the closer passes
 * FIN_WAIT_2 on that one segment; the other side sends its FIN from
 * CLOSE_WAIT (-> LAST_ACK) and is CLOSED by the final ACK.
 */
START_TEST(test_three_way_close)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = handshake(&r, 0);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 100, MS(12));   /* 4 */
    seg(&r, S2C, F_PA, SI + 1, CI + 101, 200, MS(30)); /* 5 */
    seg(&r, C2S, F_A, CI + 101, SI + 201, 0, MS(31));  /* 6 */
    seg(&r, C2S, F_FA, CI + 101, SI + 201, 0, MS(50)); /* 7 */
    ASSERT_STATES(c, TS_FIN_WAIT_1, TS_CLOSE_WAIT);
    seg(&r, S2C, F_FA, SI + 201, CI + 102, 0, MS(60)); /* 8 */
    ASSERT_STATES(c, TS_TIME_WAIT, TS_LAST_ACK);
    seg(&r, C2S, F_A, CI + 102, SI + 202, 0, MS(61)); /* 9 */
    ASSERT_STATES(c, TS_TIME_WAIT, TS_CLOSED);
    ck_assert(c->closed);
    ASSERT_CLOSE(c, CLOSE_THREE_WAY);
    ck_assert_int_eq(c->active_closer, SIDE_CLIENT);
    ck_assert_str_eq(conn_zeek_state(c), "SF");
    ck_assert_str_eq(c->history, "ShADdFf");

    ck_assert_int_eq(c->log_len, 11);
    ASSERT_EVENT(c, 5, 7, SIDE_CLIENT, TS_ESTABLISHED, TS_FIN_WAIT_1);
    ASSERT_EVENT(c, 6, 7, SIDE_SERVER, TS_ESTABLISHED, TS_CLOSE_WAIT);
    ASSERT_EVENT(c, 7, 8, SIDE_CLIENT, TS_FIN_WAIT_1, TS_FIN_WAIT_2);
    ASSERT_EVENT(c, 8, 8, SIDE_SERVER, TS_CLOSE_WAIT, TS_LAST_ACK);
    ASSERT_EVENT(c, 9, 8, SIDE_CLIENT, TS_FIN_WAIT_2, TS_TIME_WAIT);
    ASSERT_EVENT(c, 10, 9, SIDE_SERVER, TS_LAST_ACK, TS_CLOSED);

    struct conn_times tm;
    conn_times(c, &tm);
    ck_assert_int_eq(tm.teardown, 11 * NS_PER_MS); /* FIN at 50, last ACK 61 */
    conn_table_free(t);
}
END_TEST

/*
 * Simultaneous close: the server's FIN acknowledges only up to the
 * client's FIN (ack = FIN's seq), so the server sent it before it had
 * received the client's FIN: it was in FIN_WAIT_1, not CLOSE_WAIT.
 * RFC 9293: FIN_WAIT_1 --rcv FIN--> CLOSING --rcv ACK of FIN--> TIME_WAIT,
 * on both sides. The tracker first sees the client's FIN and infers
 * CLOSE_WAIT for the server; the crossing FIN corrects that to CLOSING.
 */
START_TEST(test_simultaneous_close_both_time_wait)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = handshake(&r, 0);
    seg(&r, C2S, F_FA, CI + 1, SI + 1, 0, MS(20)); /* 4 */
    ASSERT_STATES(c, TS_FIN_WAIT_1, TS_CLOSE_WAIT);
    seg(&r, S2C, F_FA, SI + 1, CI + 1, 0, MS(21)); /* 5: does not ack FIN */
    ASSERT_STATES(c, TS_CLOSING, TS_CLOSING);
    seg(&r, C2S, F_A, CI + 2, SI + 2, 0, MS(30)); /* 6: acks server FIN */
    ASSERT_STATES(c, TS_CLOSING, TS_TIME_WAIT);
    seg(&r, S2C, F_A, SI + 2, CI + 2, 0, MS(31)); /* 7: acks client FIN */
    ASSERT_STATES(c, TS_TIME_WAIT, TS_TIME_WAIT);
    ck_assert(c->closed);
    ck_assert(c->simultaneous);
    ASSERT_CLOSE(c, CLOSE_SIMULTANEOUS);
    ck_assert_int_eq(c->active_closer, SIDE_CLIENT);
    ck_assert_str_eq(conn_zeek_state(c), "SF");
    ck_assert_str_eq(c->history, "ShAFfa");
    struct conn_times tm;
    conn_times(c, &tm);
    ck_assert_int_eq(tm.teardown, 11 * NS_PER_MS); /* FIN 20, last ACK 31 */
    conn_table_free(t);
}
END_TEST

/*
 * Half-close: the client sends its request and FIN (shutdown(SHUT_WR)),
 * the server keeps sending data, then closes. RFC 9293: data flows in
 * CLOSE_WAIT and is received in FIN_WAIT_2; no state changes meanwhile.
 * Close type half-close: one side kept sending after the other's FIN.
 */
START_TEST(test_half_close_server_sends_after_client_fin)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = handshake(&r, 0);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 100, MS(12));   /* 4 */
    seg(&r, C2S, F_FA, CI + 101, SI + 1, 0, MS(13));   /* 5 */
    ASSERT_STATES(c, TS_FIN_WAIT_1, TS_CLOSE_WAIT);
    seg(&r, S2C, F_A, SI + 1, CI + 102, 0, MS(20));    /* 6 */
    ASSERT_STATES(c, TS_FIN_WAIT_2, TS_CLOSE_WAIT);
    seg(&r, S2C, F_PA, SI + 1, CI + 102, 1000, MS(30));    /* 7 */
    seg(&r, C2S, F_A, CI + 102, SI + 1001, 0, MS(31));     /* 8 */
    seg(&r, S2C, F_PA, SI + 1001, CI + 102, 1000, MS(40)); /* 9 */
    seg(&r, C2S, F_A, CI + 102, SI + 2001, 0, MS(41));     /* 10 */
    ASSERT_STATES(c, TS_FIN_WAIT_2, TS_CLOSE_WAIT);
    ASSERT_CLOSE(c, CLOSE_HALF);
    seg(&r, S2C, F_FA, SI + 2001, CI + 102, 0, MS(50)); /* 11 */
    ASSERT_STATES(c, TS_TIME_WAIT, TS_LAST_ACK);
    seg(&r, C2S, F_A, CI + 102, SI + 2002, 0, MS(51)); /* 12 */
    ASSERT_STATES(c, TS_TIME_WAIT, TS_CLOSED);
    ck_assert(c->closed);
    ASSERT_CLOSE(c, CLOSE_HALF);
    ck_assert(c->data_after_fin[SIDE_SERVER]);
    ck_assert(!c->data_after_fin[SIDE_CLIENT]);
    ck_assert_int_eq(c->active_closer, SIDE_CLIENT);
    ck_assert_str_eq(conn_zeek_state(c), "SF");
    ck_assert_str_eq(c->history, "ShADFadf");
    ck_assert_uint_eq(c->payload[SIDE_SERVER], 2000);
    conn_table_free(t);
}
END_TEST

/*
 * Abort: RST after establishment. RFC 9293: the sender of a RST aborts
 * (CLOSED) and the receiver in a synchronized state goes to CLOSED.
 * Zeek: originator RESET, responder ESTABLISHED -> RSTO. The server's
 * data still in flight after the RST and a second RST with the same
 * sequence number (SO_LINGER 0 pattern) add 'd' but no second 'R'.
 */
START_TEST(test_abort_rst_after_established)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = handshake(&r, 0);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 100, MS(12));
    seg(&r, S2C, F_A, SI + 1, CI + 101, 0, MS(20));
    seg(&r, C2S, F_RA, CI + 101, SI + 1, 0, MS(25));
    ASSERT_STATES(c, TS_CLOSED, TS_CLOSED);
    ck_assert(c->closed);
    ck_assert_int_eq(c->rst_side, SIDE_CLIENT);
    ck_assert_int_eq(c->active_closer, -1);
    ASSERT_CLOSE(c, CLOSE_ABORT);
    ck_assert_str_eq(conn_zeek_state(c), "RSTO");
    ck_assert_str_eq(c->history, "ShADaR");
    seg(&r, S2C, F_PA, SI + 1, CI + 101, 1000, MS(26));
    seg(&r, C2S, F_R, CI + 101, 0, 0, MS(27));
    ck_assert_int_eq(c->id, 0); /* no SYN: still the same connection */
    ck_assert_str_eq(c->history, "ShADaRd");
    ck_assert_str_eq(conn_zeek_state(c), "RSTO");
    ASSERT_CLOSE(c, CLOSE_ABORT);
    ck_assert_uint_eq(c->mark[MARK_RST], MS(25));
    struct conn_times tm;
    conn_times(c, &tm);
    ck_assert_int_eq(tm.teardown, 0); /* first RST to the RST */
    conn_table_free(t);
}
END_TEST

/*
 * Refused: SYN answered by RST+ACK. RFC 9293: SYN_SENT --rcv RST with an
 * acceptable ACK--> CLOSED; the listener's RST leaves it (as seen here)
 * CLOSED. Zeek: originator SYN_SENT, responder RESET -> REJ; history Sr.
 */
START_TEST(test_refused_syn_answered_by_rst)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 81);
    struct conn *c = seg(&r, C2S, F_S, CI, 0, 0, MS(0));
    seg(&r, S2C, F_RA, 0, CI + 1, 0, MS(1));
    ASSERT_STATES(c, TS_CLOSED, TS_CLOSED);
    ck_assert(c->closed);
    ck_assert_int_eq(c->rst_side, SIDE_SERVER);
    ASSERT_CLOSE(c, CLOSE_REFUSED);
    ck_assert_str_eq(conn_zeek_state(c), "REJ");
    ck_assert_str_eq(c->history, "Sr");
    ck_assert_int_eq(c->log_len, 4);
    ASSERT_EVENT(c, 0, 1, SIDE_CLIENT, TS_CLOSED, TS_SYN_SENT);
    ASSERT_EVENT(c, 1, 1, SIDE_SERVER, TS_CLOSED, TS_LISTEN);
    ASSERT_EVENT(c, 2, 2, SIDE_SERVER, TS_LISTEN, TS_CLOSED);
    ASSERT_EVENT(c, 3, 2, SIDE_CLIENT, TS_SYN_SENT, TS_CLOSED);
    conn_table_free(t);
}
END_TEST

/* Open: established, data both ways, no FIN or RST. Zeek: both
 * ESTABLISHED -> S1. */
START_TEST(test_open_established_no_fin)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = handshake(&r, 0);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 10, MS(12));
    seg(&r, S2C, F_PA, SI + 1, CI + 11, 20, MS(20));
    ASSERT_STATES(c, TS_ESTABLISHED, TS_ESTABLISHED);
    ck_assert(!c->closed);
    ASSERT_CLOSE(c, CLOSE_OPEN);
    ck_assert_str_eq(conn_zeek_state(c), "S1");
    ck_assert_str_eq(c->history, "ShADd");
    conn_table_free(t);
}
END_TEST

/*
 * None: a SYN only, sent twice with the same ISN (a SYN retransmission).
 * RFC 9293: client SYN_SENT, server (as shown) LISTEN. Zeek: S0, and the
 * second SYN has the same sequence number so no second 'S'; 't' is for
 * retransmitted payload and a SYN carries none, so the history is "S".
 * The retransmission is the same connection.
 */
START_TEST(test_none_syn_only_and_its_retransmission)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, C2S, F_S, CI, 0, 0, MS(0));
    ASSERT_STATES(c, TS_SYN_SENT, TS_LISTEN);
    ASSERT_CLOSE(c, CLOSE_NONE);
    ck_assert_str_eq(conn_zeek_state(c), "S0");
    ck_assert_str_eq(c->history, "S");
    seg(&r, C2S, F_S, CI, 0, 0, MS(1000));
    ck_assert_ptr_eq(r.cur, c);
    ck_assert_int_eq(conn_table_count(t), 1);
    ASSERT_STATES(c, TS_SYN_SENT, TS_LISTEN);
    ASSERT_CLOSE(c, CLOSE_NONE);
    ck_assert_str_eq(conn_zeek_state(c), "S0");
    ck_assert_str_eq(c->history, "S");
    ck_assert_int_eq(c->log_len, 2);
    ck_assert(!c->closed);
    conn_table_free(t);
}
END_TEST

/* ====================================================================
 * Zeek conn_state: every value, from the endpoint rules in the header
 * ==================================================================== */

/* S2: "established and close attempt by originator seen (but no reply
 * from responder)": originator CLOSED, responder ESTABLISHED. The
 * responder's bare ACK of the FIN is not a reply that changes its state. */
START_TEST(test_zeek_s2_originator_fin_only)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = handshake(&r, 0);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 100, MS(12));
    seg(&r, S2C, F_A, SI + 1, CI + 101, 0, MS(20));
    seg(&r, C2S, F_FA, CI + 101, SI + 1, 0, MS(30));
    seg(&r, S2C, F_A, SI + 1, CI + 102, 0, MS(40));
    ck_assert_str_eq(conn_zeek_state(c), "S2");
    ck_assert_str_eq(c->history, "ShADaF");
    ASSERT_STATES(c, TS_FIN_WAIT_2, TS_CLOSE_WAIT);
    ASSERT_CLOSE(c, CLOSE_OPEN); /* only one FIN: not closed */
    ck_assert(!c->closed);
    conn_table_free(t);
}
END_TEST

/* S3: responder CLOSED, originator ESTABLISHED. */
START_TEST(test_zeek_s3_responder_fin_only)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = handshake(&r, 0);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 100, MS(12));
    seg(&r, S2C, F_A, SI + 1, CI + 101, 0, MS(20));
    seg(&r, S2C, F_PA, SI + 1, CI + 101, 50, MS(21));
    seg(&r, C2S, F_A, CI + 101, SI + 51, 0, MS(22));
    seg(&r, S2C, F_FA, SI + 51, CI + 101, 0, MS(30));
    seg(&r, C2S, F_A, CI + 101, SI + 52, 0, MS(31));
    ck_assert_str_eq(conn_zeek_state(c), "S3");
    ck_assert_str_eq(c->history, "ShADadf");
    ck_assert_int_eq(c->active_closer, SIDE_SERVER);
    conn_table_free(t);
}
END_TEST

/* RSTR: "Responder sent a RST": responder RESET, originator ESTABLISHED
 * (neither SYN_SENT nor inactive). */
START_TEST(test_zeek_rstr_after_established)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = handshake(&r, 0);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 100, MS(12));
    seg(&r, S2C, F_RA, SI + 1, CI + 101, 0, MS(20));
    ck_assert_str_eq(conn_zeek_state(c), "RSTR");
    ck_assert_str_eq(c->history, "ShADr");
    ck_assert_int_eq(c->rst_side, SIDE_SERVER);
    ASSERT_CLOSE(c, CLOSE_ABORT);
    conn_table_free(t);
}
END_TEST

/* Zeek's endpoint rules: the responder's SYN/ACK moves an originator in
 * SYN_SENT to ESTABLISHED (and the responder too). So SYN, SYN/ACK with
 * no third packet is S1, and SYN, SYN/ACK, responder RST is RSTR, not
 * REJ (REJ needs the originator still in SYN_SENT). */
START_TEST(test_zeek_synack_establishes_both_endpoints)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, C2S, F_S, CI, 0, 0, MS(0));
    seg(&r, S2C, F_SA, SI, CI + 1, 0, MS(10));
    ck_assert_str_eq(conn_zeek_state(c), "S1");
    ck_assert_str_eq(c->history, "Sh");
    ASSERT_CLOSE(c, CLOSE_NONE); /* the handshake never completed */
    seg(&r, S2C, F_RA, SI + 1, CI + 1, 0, MS(20));
    ck_assert_str_eq(conn_zeek_state(c), "RSTR");
    ck_assert_str_eq(c->history, "Shr");
    ASSERT_CLOSE(c, CLOSE_ABORT); /* not refused: the SYN was accepted */
    conn_table_free(t);
}
END_TEST

/* RSTOS0: "Originator sent a SYN followed by a RST, we never saw a
 * SYN-ACK": originator RESET, responder inactive, history matches
 * ^?S[^HAFGIQ]*R. */
START_TEST(test_zeek_rstos0_syn_then_originator_rst)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, C2S, F_S, CI, 0, 0, MS(0));
    seg(&r, C2S, F_R, CI + 1, 0, 0, MS(5));
    ck_assert_str_eq(c->history, "SR");
    ck_assert_str_eq(conn_zeek_state(c), "RSTOS0");
    ck_assert_int_eq(c->rst_side, SIDE_CLIENT);
    ASSERT_CLOSE(c, CLOSE_ABORT); /* reset by the client, not refused */
    conn_table_free(t);
}
END_TEST

/* RSTRH: "Responder sent a SYN ACK followed by a RST, we never saw a SYN
 * from the (purported) originator": the SYN/ACK's receiver is the client
 * (originator), which stays inactive; the responder RESET. */
START_TEST(test_zeek_rstrh_synack_then_rst_no_syn)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, S2C, F_SA, SI, CI + 1, 0, MS(0));
    seg(&r, S2C, F_R, SI + 1, 0, 0, MS(5));
    ck_assert_str_eq(c->history, "hr");
    ck_assert_str_eq(conn_zeek_state(c), "RSTRH");
    conn_table_free(t);
}
END_TEST

/* SH: "Originator sent a SYN followed by a FIN, we never saw a SYN ACK":
 * originator CLOSED (SYN_SENT --FIN--> CLOSED), responder inactive. */
START_TEST(test_zeek_sh_syn_then_fin)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, C2S, F_S, CI, 0, 0, MS(0));
    seg(&r, C2S, F_FA, CI + 1, 0, 0, MS(5));
    ck_assert_str_eq(c->history, "SF");
    ck_assert_str_eq(conn_zeek_state(c), "SH");
    conn_table_free(t);
}
END_TEST

/* SHR: "Responder sent a SYN ACK followed by a FIN, we never saw a SYN
 * from the originator": responder CLOSED, originator inactive. */
START_TEST(test_zeek_shr_synack_then_fin_no_syn)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, S2C, F_SA, SI, CI + 1, 0, MS(0));
    seg(&r, S2C, F_FA, SI + 1, CI + 1, 0, MS(5));
    ck_assert_str_eq(c->history, "hf");
    ck_assert_str_eq(conn_zeek_state(c), "SHR");
    conn_table_free(t);
}
END_TEST

/* OTH: "No SYN seen, just midstream traffic": both endpoints PARTIAL. */
START_TEST(test_zeek_oth_midstream_only)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, S2C, F_PA, SI + 1, CI + 1, 100, MS(0));
    seg(&r, C2S, F_A, CI + 1, SI + 101, 0, MS(1));
    ck_assert_str_eq(c->history, "dA");
    ck_assert_str_eq(conn_zeek_state(c), "OTH");
    ck_assert_uint_eq(c->zeek[SIDE_CLIENT], ZEEK_PARTIAL);
    ck_assert_uint_eq(c->zeek[SIDE_SERVER], ZEEK_PARTIAL);
    conn_table_free(t);
}
END_TEST

/* Zeek: a responder's payload-less ACK of a SYN before any SYN/ACK (an
 * "eccentric TCP") leaves the responder INACTIVE, so the attempt is still
 * S0 ("Connection attempt seen, no reply"). */
START_TEST(test_zeek_s0_responder_bare_ack_is_not_partial)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, C2S, F_S, CI, 0, 0, MS(0));
    seg(&r, S2C, F_A, SI, CI + 1, 0, MS(1));
    ck_assert_str_eq(c->history, "Sa");
    ck_assert_uint_eq(c->zeek[SIDE_SERVER], ZEEK_INACTIVE);
    ck_assert_str_eq(conn_zeek_state(c), "S0");
    conn_table_free(t);
}
END_TEST

/* Zeek: SYN/ACK seen first (its SYN missed) puts the responder in
 * ESTABLISHED; the originator's ACK to an ESTABLISHED peer establishes it
 * too: S1. RFC 9293: the SYN/ACK answers a SYN, so the client was in
 * SYN_SENT, and its ACK of the SYN/ACK establishes both. */
START_TEST(test_synack_first_then_ack_is_established)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, S2C, F_SA, SI, CI + 1, 0, MS(0));
    ASSERT_STATES(c, TS_SYN_SENT, TS_SYN_RECEIVED);
    seg(&r, C2S, F_A, CI + 1, SI + 1, 0, MS(1));
    ASSERT_STATES(c, TS_ESTABLISHED, TS_ESTABLISHED);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 10, MS(2));
    ck_assert_str_eq(c->history, "hAD");
    ck_assert_str_eq(conn_zeek_state(c), "S1");
    ASSERT_CLOSE(c, CLOSE_OPEN);
    /* and it closes like any other connection */
    seg(&r, C2S, F_FA, CI + 11, SI + 1, 0, MS(3));
    ASSERT_STATES(c, TS_FIN_WAIT_1, TS_CLOSE_WAIT);
    seg(&r, S2C, F_FA, SI + 1, CI + 12, 0, MS(4));
    seg(&r, C2S, F_A, CI + 12, SI + 2, 0, MS(5));
    ASSERT_STATES(c, TS_TIME_WAIT, TS_CLOSED);
    ASSERT_CLOSE(c, CLOSE_THREE_WAY);
    ck_assert_str_eq(conn_zeek_state(c), "SF");
    conn_table_free(t);
}
END_TEST

/* Zeek: a SYN without ACK from an inactive responder (simultaneous open)
 * is handled like its SYN/ACK: both endpoints ESTABLISHED, S1. */
START_TEST(test_zeek_responder_syn_without_ack_establishes)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 40001);
    struct conn *c = seg(&r, C2S, F_S, CI, 0, 0, MS(0));
    seg(&r, S2C, F_S, SI, 0, 0, MS(1));
    ck_assert_ptr_eq(r.cur, c);
    ck_assert_str_eq(c->history, "Ss");
    ck_assert_str_eq(conn_zeek_state(c), "S1");
    conn_table_free(t);
}
END_TEST

/* Zeek: a RST from a CLOSED endpoint whose peer is CLOSED too does not
 * change its state: a FIN/FIN close followed by a RST stays SF, and the
 * close type stays four-way (both FINs were acknowledged). */
START_TEST(test_zeek_sf_kept_when_rst_follows_complete_close)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = handshake(&r, 0);
    seg(&r, C2S, F_FA, CI + 1, SI + 1, 0, MS(20));
    seg(&r, S2C, F_A, SI + 1, CI + 2, 0, MS(21));
    seg(&r, S2C, F_FA, SI + 1, CI + 2, 0, MS(22));
    seg(&r, C2S, F_A, CI + 2, SI + 2, 0, MS(23));
    ck_assert_str_eq(conn_zeek_state(c), "SF");
    seg(&r, C2S, F_R, CI + 2, 0, 0, MS(24));
    ck_assert_str_eq(conn_zeek_state(c), "SF");
    ASSERT_CLOSE(c, CLOSE_FOUR_WAY);
    ck_assert_str_eq(c->history, "ShAFafR");
    conn_table_free(t);
}
END_TEST

/* ====================================================================
 * History: scaled T and W letters
 * ==================================================================== */

/* Feeds one data segment and n retransmissions of it (same seq, same
 * length), 200 ms apart (beyond the 11 ms initial RTT: retransmissions,
 * not out-of-order), never acknowledged. */
static struct conn *retransmit(struct rig *r, int n)
{
    struct conn *c = handshake(r, 0);
    seg(r, C2S, F_PA, CI + 1, SI + 1, 100, MS(20));
    for (int i = 1; i <= n; i++) {
        seg(r, C2S, F_PA, CI + 1, SI + 1, 100, MS(20 + 200 * i));
        ck_assert_msg(r->out.ta.flags & (1u << TA_RETRANSMISSION),
                      "copy %d not a retransmission (flags %#x)", i,
                      r->out.ta.flags);
    }
    return c;
}

/* 't': logged at the 1st, 10th, 100th... occurrence; 9 retransmissions
 * give one T, the 10th gives the second. */
START_TEST(test_history_retransmissions_scaled_t)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = retransmit(&r, 9);
    ck_assert_str_eq(c->history, "ShADT");
    ck_assert_uint_eq(c->analysis[TA_RETRANSMISSION], 9);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 100, MS(20 + 200 * 10));
    ck_assert_str_eq(c->history, "ShADTT");
    conn_table_free(t);

    t = conn_table_new(100);
    rig_init(&r, t, 40001, 80);
    c = retransmit(&r, 1);
    ck_assert_str_eq(c->history, "ShADT");
    conn_table_free(t);
}
END_TEST

/* A retransmitted FIN (same sequence number) adds no second 'F' (same
 * seq), no 't' (no payload) and no state change. */
START_TEST(test_history_fin_retransmission_changes_nothing)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = handshake(&r, 0);
    seg(&r, C2S, F_FA, CI + 1, SI + 1, 0, MS(20));
    uint8_t n = c->log_len;
    seg(&r, C2S, F_FA, CI + 1, SI + 1, 0, MS(300));
    ck_assert_str_eq(c->history, "ShAF");
    ck_assert_int_eq(c->log_len, n);
    ck_assert_uint_eq(c->mark[MARK_FIN_C], MS(20));
    ASSERT_STATES(c, TS_FIN_WAIT_1, TS_CLOSE_WAIT);
    conn_table_free(t);
}
END_TEST

/* 'w': the server's first pure ACK advertises a zero window: Zeek adds
 * the packet's letter (a) and then the zero window (w). */
START_TEST(test_history_zero_window_after_packet_letter)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = handshake(&r, 0);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 100, MS(20));
    seg_w(&r, S2C, F_A, SI + 1, CI + 101, 0, MS(30), 0);
    ck_assert(r.out.ta.flags & (1u << TA_ZERO_WINDOW));
    ck_assert_str_eq(c->history, "ShADaw");
    conn_table_free(t);
}
END_TEST

/* ====================================================================
 * Timeline
 * ==================================================================== */

/*
 * initial_rtt = handshake ACK - first SYN; syn_synack = SYN/ACK - SYN
 * (server side); synack_ack = ACK - SYN/ACK (client side); ttfb = first
 * server payload - first client payload; teardown = first FIN to the ACK
 * of the last FIN; duration = first to last packet.
 */
START_TEST(test_timeline_handshake_ttfb_teardown_duration)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, C2S, F_S, CI, 0, 0, MS(1000));
    seg(&r, S2C, F_SA, SI, CI + 1, 0, MS(1012));
    seg(&r, C2S, F_A, CI + 1, SI + 1, 0, MS(1013));
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 100, MS(1014));
    seg(&r, S2C, F_A, SI + 1, CI + 101, 0, MS(1025));
    seg(&r, S2C, F_PA, SI + 1, CI + 101, 300, MS(1040));
    seg(&r, C2S, F_A, CI + 101, SI + 301, 0, MS(1041));
    seg(&r, S2C, F_FA, SI + 301, CI + 101, 0, MS(1100));
    seg(&r, C2S, F_A, CI + 101, SI + 302, 0, MS(1110));
    seg(&r, C2S, F_FA, CI + 101, SI + 302, 0, MS(1130));
    seg(&r, S2C, F_A, SI + 302, CI + 102, 0, MS(1145));
    ck_assert_uint_eq(c->first_ns, MS(1000));
    ck_assert_uint_eq(c->last_ns, MS(1145));
    ck_assert_uint_eq(c->mark[MARK_SYN], MS(1000));
    ck_assert_uint_eq(c->mark[MARK_SYNACK], MS(1012));
    ck_assert_uint_eq(c->mark[MARK_HS_ACK], MS(1013));
    ck_assert_uint_eq(c->mark[MARK_DATA_C2S], MS(1014));
    ck_assert_uint_eq(c->mark[MARK_DATA_S2C], MS(1040));
    struct conn_times tm;
    conn_times(c, &tm);
    ck_assert_int_eq(tm.initial_rtt, 13 * NS_PER_MS);
    ck_assert_int_eq(tm.syn_synack, 12 * NS_PER_MS);
    ck_assert_int_eq(tm.synack_ack, 1 * NS_PER_MS);
    ck_assert_int_eq(tm.ttfb, 26 * NS_PER_MS);
    ck_assert_int_eq(tm.teardown, 45 * NS_PER_MS); /* 1100 -> 1145 */
    ck_assert_int_eq(tm.duration, 145 * NS_PER_MS);
    ASSERT_CLOSE(c, CLOSE_FOUR_WAY);
    ck_assert_int_eq(c->active_closer, SIDE_SERVER);
    conn_table_free(t);
}
END_TEST

/* Not available (CONN_NA) when the points are missing; a FIN then a RST:
 * teardown = first FIN to the RST. */
START_TEST(test_timeline_missing_points_and_fin_then_rst)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, C2S, F_S, CI, 0, 0, MS(0));
    struct conn_times tm;
    conn_times(c, &tm);
    ck_assert_int_eq(tm.initial_rtt, CONN_NA);
    ck_assert_int_eq(tm.syn_synack, CONN_NA);
    ck_assert_int_eq(tm.synack_ack, CONN_NA);
    ck_assert_int_eq(tm.ttfb, CONN_NA);
    ck_assert_int_eq(tm.teardown, CONN_NA);
    ck_assert_int_eq(tm.duration, 0);

    rig_init(&r, t, 40001, 80);
    c = handshake(&r, 100);
    seg(&r, C2S, F_PA, CI + 1, SI + 1, 10, MS(120)); /* no server data */
    seg(&r, C2S, F_FA, CI + 11, SI + 1, 0, MS(130));
    seg(&r, S2C, F_RA, SI + 1, CI + 12, 0, MS(137));
    conn_times(c, &tm);
    ck_assert_int_eq(tm.initial_rtt, 11 * NS_PER_MS);
    ck_assert_int_eq(tm.ttfb, CONN_NA);
    ck_assert_int_eq(tm.teardown, 7 * NS_PER_MS);
    ck_assert_int_eq(tm.duration, 37 * NS_PER_MS);
    ASSERT_CLOSE(c, CLOSE_ABORT);
    ck_assert_str_eq(conn_zeek_state(c), "RSTR");
    conn_table_free(t);
}
END_TEST

/* ====================================================================
 * Identity
 * ==================================================================== */

/* A SYN (new ISN) on the 5-tuple after a FIN/FIN close is a new
 * connection (tshark's tcp.stream splits there, "TCP Port numbers
 * reused"): id 1 in the slot, the old one kept, closed, untouched. */
START_TEST(test_identity_syn_after_close_starts_new_connection)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *old = handshake(&r, 0);
    seg(&r, C2S, F_FA, CI + 1, SI + 1, 0, MS(20));
    seg(&r, S2C, F_FA, SI + 1, CI + 2, 0, MS(21));
    seg(&r, C2S, F_A, CI + 2, SI + 2, 0, MS(22));
    ck_assert(old->closed);
    seg(&r, C2S, F_S, 90000, 0, 0, MS(5000));
    ck_assert_ptr_ne(r.cur, old);
    struct conn *c = r.cur;
    ck_assert_int_eq(c->id, 1);
    ck_assert_int_eq(conn_table_count(t), 2);
    ck_assert_ptr_eq(conn_table_get(t, 0), old);
    ck_assert_ptr_eq(conn_table_get(t, 1), c);
    ck_assert(r.out.ta.flags & (1u << TA_REUSED_PORTS));
    ASSERT_STATES(c, TS_SYN_SENT, TS_LISTEN);
    ck_assert_str_eq(c->history, "S");
    ck_assert_uint_eq(c->first_ns, MS(5000));
    ck_assert_uint_eq(old->pkts[SIDE_CLIENT] + old->pkts[SIDE_SERVER], 6);
    ck_assert_uint_eq(old->last_ns, MS(22));
    ASSERT_CLOSE(old, CLOSE_THREE_WAY);
    conn_table_free(t);
}
END_TEST

/* A SYN with a different ISN while the first is still in SYN_SENT is a
 * new connection (tshark: new stream when a SYN's seq differs); the same
 * ISN is a retransmission of the first. */
START_TEST(test_identity_syn_with_new_isn_during_syn_sent)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *first = seg(&r, C2S, F_S, CI, 0, 0, MS(0));
    seg(&r, C2S, F_S, CI, 0, 0, MS(1000));
    ck_assert_ptr_eq(r.cur, first);
    seg(&r, C2S, F_S, CI + 777777, 0, 0, MS(2000));
    ck_assert_ptr_ne(r.cur, first);
    ck_assert_int_eq(r.cur->id, 1);
    ck_assert(first->closed); /* superseded */
    ASSERT_STATES(r.cur, TS_SYN_SENT, TS_LISTEN);
    ck_assert_int_eq(conn_table_count(t), 2);
    conn_table_free(t);
}
END_TEST

/* A mid-stream first packet: the higher port is the client, the
 * connection is partial and both sides are taken as ESTABLISHED. */
START_TEST(test_identity_midstream_higher_port_is_client)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    /* first packet from the low port */
    struct conn *c = seg(&r, FROM_B, F_PA, SI + 1, CI + 1, 100, MS(0));
    ck_assert_int_eq(r.out.side, SIDE_SERVER);
    ck_assert_uint_eq(c->port[SIDE_CLIENT], 40000);
    ck_assert_uint_eq(c->port[SIDE_SERVER], 80);
    ck_assert_int_eq(c->addr[SIDE_CLIENT].b[15], 1);
    ck_assert_int_eq(c->addr[SIDE_SERVER].b[15], 2);
    ck_assert(c->partial);
    ASSERT_STATES(c, TS_ESTABLISHED, TS_ESTABLISHED);
    ASSERT_CLOSE(c, CLOSE_OPEN);
    seg(&r, FROM_A, F_A, CI + 1, SI + 101, 0, MS(1));
    ck_assert_int_eq(r.out.side, SIDE_CLIENT);

    /* first packet from the high port */
    rig_init(&r, t, 50000, 443);
    c = seg(&r, FROM_A, F_A, 7, 9, 0, MS(10));
    ck_assert_int_eq(r.out.side, SIDE_CLIENT);
    ck_assert_uint_eq(c->port[SIDE_CLIENT], 50000);
    ck_assert(c->partial);
    conn_table_free(t);
}
END_TEST

/* A SYN/ACK seen first: its receiver is the client (the SYN was
 * missed), the connection is partial. */
START_TEST(test_identity_synack_first_receiver_is_client)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 80, 40000); /* host A on the low port this time */
    struct conn *c = seg(&r, FROM_B, F_SA, SI, CI + 1, 0, MS(0));
    ck_assert_int_eq(r.out.side, SIDE_SERVER);
    ck_assert_uint_eq(c->port[SIDE_CLIENT], 80);
    ck_assert_int_eq(c->addr[SIDE_CLIENT].b[15], 1);
    ck_assert_uint_eq(c->port[SIDE_SERVER], 40000);
    ck_assert(c->partial);
    conn_table_free(t);
}
END_TEST

/* ====================================================================
 * Event log bound
 * ==================================================================== */

/*
 * Each state change is logged once; past CONN_LOG_MAX the rest are
 * counted. SYN (2 changes: client SYN_SENT, server LISTEN), then the
 * server alternates SYN/ACK (server -> SYN_RECEIVED: 1 change) and RST
 * (server -> CLOSED, and the client -> CLOSED the first time): 2 + 1 + 2
 * for the first pair, 2 for each of the next 19 pairs: 43 changes.
 */
START_TEST(test_event_log_bounded_and_overflow_counted)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, C2S, F_S, CI, 0, 0, MS(0));
    for (int i = 0; i < 20; i++) {
        seg(&r, S2C, F_SA, SI, CI + 1, 0, MS(10 + 2 * i));
        seg(&r, S2C, F_RA, SI + 1, CI + 1, 0, MS(11 + 2 * i));
    }
    ck_assert_ptr_eq(r.cur, c);
    ck_assert_int_eq(c->log_len, CONN_LOG_MAX);
    ck_assert_uint_eq(c->log_dropped, 43 - CONN_LOG_MAX);
    ASSERT_EVENT(c, 0, 1, SIDE_CLIENT, TS_CLOSED, TS_SYN_SENT);
    ASSERT_EVENT(c, 1, 1, SIDE_SERVER, TS_CLOSED, TS_LISTEN);
    ASSERT_EVENT(c, 2, 2, SIDE_SERVER, TS_LISTEN, TS_SYN_RECEIVED);
    ASSERT_EVENT(c, 3, 3, SIDE_SERVER, TS_SYN_RECEIVED, TS_CLOSED);
    ASSERT_EVENT(c, 4, 3, SIDE_CLIENT, TS_SYN_SENT, TS_CLOSED);
    ASSERT_EVENT(c, 5, 4, SIDE_SERVER, TS_CLOSED, TS_SYN_RECEIVED);
    ASSERT_EVENT(c, 6, 5, SIDE_SERVER, TS_SYN_RECEIVED, TS_CLOSED);
    /* pair i >= 1 (packets 2 + 2i, 3 + 2i) gives events 3 + 2i, 4 + 2i:
     * the last one kept, event 23, is pair 10's SYN/ACK, packet 22 */
    ASSERT_EVENT(c, 22, 21, SIDE_SERVER, TS_SYN_RECEIVED, TS_CLOSED);
    ASSERT_EVENT(c, 23, 22, SIDE_SERVER, TS_CLOSED, TS_SYN_RECEIVED);
    conn_table_free(t);
}
END_TEST

/* ====================================================================
 * Table limit
 * ==================================================================== */

/* A complete connection on its own 5-tuple (source port sport). */
static struct conn *closed_conn(struct conn_table *t, uint16_t sport,
                                uint64_t t0_ms)
{
    struct rig r;
    rig_init(&r, t, sport, 80);
    handshake(&r, t0_ms);
    seg(&r, C2S, F_FA, CI + 1, SI + 1, 0, MS(t0_ms + 20));
    seg(&r, S2C, F_FA, SI + 1, CI + 2, 0, MS(t0_ms + 21));
    struct conn *c = seg(&r, C2S, F_A, CI + 2, SI + 2, 0, MS(t0_ms + 22));
    ck_assert(c->closed);
    return c;
}

static void count_cb(const struct conn *c, void *arg)
{
    uint64_t *ids = arg;
    ids[ids[0]++ + 1] = c->id;
}

/* Four-way means the first FIN was acknowledged by a segment of its own,
 * before the second FIN. On loopback the ACK and the FIN often share a
 * timestamp: that must still count as four-way, not three-way. */
START_TEST(test_close_four_way_with_ack_and_fin_at_same_time)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40100, 80);
    handshake(&r, 0);
    seg(&r, C2S, F_FA, CI + 1, SI + 1, 0, MS(20));
    seg(&r, S2C, F_A, SI + 1, CI + 2, 0, MS(21));
    seg(&r, S2C, F_FA, SI + 1, CI + 2, 0, MS(21)); /* same instant */
    struct conn *c = seg(&r, C2S, F_A, CI + 2, SI + 2, 0, MS(22));
    ck_assert_int_eq(conn_close_type(c), CLOSE_FOUR_WAY);
    conn_table_free(t);
}
END_TEST

/* One long-lived connection must not keep every closed connection that
 * came after it: with a limit of 3, 1000 closed connections behind one
 * live one leave the live one plus at most 2 closed, the rest evicted. */
START_TEST(test_table_limit_not_pinned_by_a_live_connection)
{
    struct conn_table *t = conn_table_new(3);
    struct rig live;
    rig_init(&live, t, 39999, 80);
    handshake(&live, 0);
    for (int i = 0; i < 1000; i++)
        closed_conn(t, (uint16_t)(41000 + i), 10 + (uint64_t)i * 100);
    ck_assert_uint_eq(conn_table_count(t), 1001);
    ck_assert_uint_eq(conn_table_evicted(t), 1001 - 3);
    ck_assert_ptr_eq(conn_table_get(t, 0), live.cur);
    ck_assert_ptr_nonnull(conn_table_get(t, 1000));
    uint64_t ids[16] = {0};
    conn_table_foreach(t, count_cb, ids);
    ck_assert_uint_eq(ids[0], 3);
    conn_table_free(t);
}
END_TEST

/* Never established (SYN, no SYN/ACK) then a FIN from the client: the
 * connection never opened, so its close type is "none" (Zeek: SH). */
START_TEST(test_close_none_for_syn_then_fin)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40200, 80);
    seg(&r, C2S, F_S, CI, 0, 0, MS(0));
    struct conn *c = seg(&r, C2S, TCP_FIN, CI + 1, 0, 0, MS(5));
    ck_assert_int_eq(conn_close_type(c), CLOSE_NONE);
    ck_assert_str_eq(conn_zeek_state(c), "SH");
    conn_table_free(t);
}
END_TEST

/* A closed connection that its 5-tuple's slot still points at may be freed
 * by the limit: the slot must be cleared, so the next segment on that
 * 5-tuple starts a new connection instead of touching freed memory. */
START_TEST(test_table_limit_clears_the_slot_of_a_freed_connection)
{
    struct conn_table *t = conn_table_new(2);
    struct rig r;
    rig_init(&r, t, 40300, 80);
    handshake(&r, 0);
    seg(&r, C2S, F_FA, CI + 1, SI + 1, 0, MS(20));
    seg(&r, S2C, F_FA, SI + 1, CI + 2, 0, MS(21));
    struct conn *c = seg(&r, C2S, F_A, CI + 2, SI + 2, 0, MS(22));
    ck_assert(c->closed);
    ck_assert_ptr_eq(r.cur, c);
    closed_conn(t, 40301, 100);
    closed_conn(t, 40302, 200); /* the limit frees connection 0 */
    ck_assert_ptr_null(conn_table_get(t, 0));
    ck_assert_ptr_null(r.cur);
    struct conn *late = seg(&r, S2C, F_A, SI + 2, CI + 2, 0, MS(300));
    ck_assert_uint_eq(late->id, 3);
    ck_assert(late->partial);
    conn_table_free(t);
}
END_TEST

/* conn_table_new(3): at most 3 retained; 10 closed connections leave the
 * newest 3 (ids 7, 8, 9) and 7 evicted. */
START_TEST(test_table_limit_keeps_newest_closed)
{
    struct conn_table *t = conn_table_new(3);
    for (int i = 0; i < 10; i++)
        closed_conn(t, (uint16_t)(40000 + i), (uint64_t)i * 100);
    ck_assert_uint_eq(conn_table_count(t), 10);
    ck_assert_uint_eq(conn_table_evicted(t), 7);
    for (uint64_t id = 0; id < 7; id++)
        ck_assert_ptr_null(conn_table_get(t, id));
    for (uint64_t id = 7; id < 10; id++) {
        struct conn *c = conn_table_get(t, id);
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(c->id, id);
        ck_assert_uint_eq(c->port[SIDE_CLIENT], 40000 + id);
    }
    ck_assert_ptr_null(conn_table_get(t, 10));
    uint64_t ids[16] = {0};
    conn_table_foreach(t, count_cb, ids);
    ck_assert_uint_eq(ids[0], 3);
    ck_assert_uint_eq(ids[1], 7);
    ck_assert_uint_eq(ids[3], 9);
    conn_table_free(t);
}
END_TEST

/* Live connections are never freed, even beyond the limit; once closed
 * (or detached from their flow) they become evictable. */
START_TEST(test_table_limit_never_frees_live_connections)
{
    struct conn_table *t = conn_table_new(2);
    struct rig rigs[5];
    for (int i = 0; i < 5; i++) {
        rig_init(&rigs[i], t, (uint16_t)(41000 + i), 80);
        handshake(&rigs[i], (uint64_t)i * 10);
    }
    ck_assert_uint_eq(conn_table_evicted(t), 0);
    for (int i = 0; i < 5; i++) {
        ck_assert_ptr_eq(conn_table_get(t, (uint64_t)i), rigs[i].cur);
        /* still usable (ASan would flag a freed one) */
        seg(&rigs[i], C2S, F_PA, CI + 1, SI + 1, 10, MS(100 + i));
        ck_assert_uint_eq(rigs[i].cur->payload[SIDE_CLIENT], 10);
    }
    /* close the first three: FIN both ways and the last ACK */
    for (int i = 0; i < 3; i++) {
        seg(&rigs[i], C2S, F_FA, CI + 11, SI + 1, 0, MS(200));
        seg(&rigs[i], S2C, F_FA, SI + 1, CI + 12, 0, MS(201));
        seg(&rigs[i], C2S, F_A, CI + 12, SI + 2, 0, MS(202));
        ck_assert(rigs[i].cur->closed);
    }
    /* the flow of connection 3 goes away */
    conn_table_detach(t, rigs[3].cur);
    ck_assert(rigs[3].cur->evicted);
    /* a new connection: the oldest finished ones (0..3) make room; 4 is
     * live and stays */
    struct rig nr;
    rig_init(&nr, t, 42000, 80);
    seg(&nr, C2S, F_S, CI, 0, 0, MS(300));
    ck_assert_uint_eq(conn_table_evicted(t), 4);
    ck_assert_ptr_null(conn_table_get(t, 3));
    ck_assert_ptr_eq(conn_table_get(t, 4), rigs[4].cur);
    ck_assert_ptr_eq(conn_table_get(t, 5), nr.cur);
    seg(&rigs[4], C2S, F_A, CI + 11, SI + 1, 0, MS(301));
    ck_assert_uint_eq(rigs[4].cur->pkts[SIDE_CLIENT], 4);
    conn_table_free(t);
}
END_TEST

/* ====================================================================
 * Sequence numbers near 2^32
 * ==================================================================== */

/*
 * The client's FIN sits at 0xFFFFFFFF, so the ACK of it is 0 (mod 2^32);
 * the server's ISN is 0xFFFFFFF0 and its 100 bytes wrap. An ACK of
 * 0xFFFFFFFF acknowledges the data but not the FIN (FIN_WAIT_1 stays);
 * ACK 0 acknowledges the FIN (FIN_WAIT_2).
 */
START_TEST(test_sequence_wrap_through_fin_ack_logic)
{
    const uint32_t ci = 0xFFFFFF9Au; /* 100 bytes at ci+1 .. 0xFFFFFFFE */
    const uint32_t si = 0xFFFFFFF0u;
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, C2S, F_S, ci, 0, 0, MS(0));
    seg(&r, S2C, F_SA, si, ci + 1, 0, MS(10));
    seg(&r, C2S, F_A, ci + 1, si + 1, 0, MS(11));
    ASSERT_STATES(c, TS_ESTABLISHED, TS_ESTABLISHED);
    seg(&r, C2S, F_PA, ci + 1, si + 1, 100, MS(12));
    seg(&r, C2S, F_FA, 0xFFFFFFFFu, si + 1, 0, MS(13));
    ASSERT_STATES(c, TS_FIN_WAIT_1, TS_CLOSE_WAIT);
    seg(&r, S2C, F_A, si + 1, 0xFFFFFFFFu, 0, MS(20)); /* data only */
    ASSERT_STATES(c, TS_FIN_WAIT_1, TS_CLOSE_WAIT);
    ck_assert(!c->fin_acked[SIDE_CLIENT]);
    seg(&r, S2C, F_A, si + 1, 0u, 0, MS(21)); /* the FIN */
    ASSERT_STATES(c, TS_FIN_WAIT_2, TS_CLOSE_WAIT);
    seg(&r, S2C, F_PA, si + 1, 0u, 100, MS(30)); /* wraps: ends at 0x55 */
    seg(&r, C2S, F_A, 0u, si + 101, 0, MS(31));
    seg(&r, S2C, F_FA, si + 101, 0u, 0, MS(40)); /* FIN at 0x55 */
    ASSERT_STATES(c, TS_TIME_WAIT, TS_LAST_ACK);
    seg(&r, C2S, F_A, 0u, 0x55u, 0, MS(41)); /* one short of the FIN */
    ASSERT_STATES(c, TS_TIME_WAIT, TS_LAST_ACK);
    seg(&r, C2S, F_A, 0u, 0x56u, 0, MS(42));
    ASSERT_STATES(c, TS_TIME_WAIT, TS_CLOSED);
    ck_assert(c->closed);
    ASSERT_CLOSE(c, CLOSE_HALF); /* the server sent data after the FIN */
    ck_assert_str_eq(conn_zeek_state(c), "SF");
    ck_assert_str_eq(c->history, "ShADFadf");
    ck_assert_uint_eq(c->mark[MARK_FIN_C_ACKED], MS(21));
    ck_assert_uint_eq(c->mark[MARK_FIN_S_ACKED], MS(42));
    conn_table_free(t);
}
END_TEST

/* The handshake ACK of a server ISN 0xFFFFFFFF is ack 0. */
START_TEST(test_sequence_wrap_handshake_ack)
{
    struct conn_table *t = conn_table_new(100);
    struct rig r;
    rig_init(&r, t, 40000, 80);
    struct conn *c = seg(&r, C2S, F_S, 0xFFFFFFFFu, 0, 0, MS(0));
    seg(&r, S2C, F_SA, 0xFFFFFFFFu, 0u, 0, MS(10));
    seg(&r, C2S, F_A, 0u, 0u, 0, MS(11));
    ASSERT_STATES(c, TS_ESTABLISHED, TS_ESTABLISHED);
    ck_assert_uint_eq(c->mark[MARK_HS_ACK], MS(11));
    seg(&r, C2S, F_FA, 0u, 0u, 0, MS(20));
    seg(&r, S2C, F_FA, 0u, 1u, 0, MS(21));
    seg(&r, C2S, F_A, 1u, 1u, 0, MS(22));
    ASSERT_STATES(c, TS_TIME_WAIT, TS_CLOSED);
    ASSERT_CLOSE(c, CLOSE_THREE_WAY);
    conn_table_free(t);
}
END_TEST

/* ==================================================================== */

static Suite *conn_suite(void)
{
    Suite *s = suite_create("conn");
    TCase *tc = tcase_create("close");
    tcase_add_test(tc, test_four_way_close_by_client_states_history_and_log);
    tcase_add_test(tc, test_four_way_close_by_server);
    tcase_add_test(tc, test_three_way_close);
    tcase_add_test(tc, test_simultaneous_close_both_time_wait);
    tcase_add_test(tc, test_half_close_server_sends_after_client_fin);
    tcase_add_test(tc, test_abort_rst_after_established);
    tcase_add_test(tc, test_refused_syn_answered_by_rst);
    tcase_add_test(tc, test_open_established_no_fin);
    tcase_add_test(tc, test_none_syn_only_and_its_retransmission);
    suite_add_tcase(s, tc);

    tc = tcase_create("zeek");
    tcase_add_test(tc, test_zeek_s2_originator_fin_only);
    tcase_add_test(tc, test_zeek_s3_responder_fin_only);
    tcase_add_test(tc, test_zeek_rstr_after_established);
    tcase_add_test(tc, test_zeek_synack_establishes_both_endpoints);
    tcase_add_test(tc, test_zeek_rstos0_syn_then_originator_rst);
    tcase_add_test(tc, test_zeek_rstrh_synack_then_rst_no_syn);
    tcase_add_test(tc, test_zeek_sh_syn_then_fin);
    tcase_add_test(tc, test_zeek_shr_synack_then_fin_no_syn);
    tcase_add_test(tc, test_zeek_oth_midstream_only);
    tcase_add_test(tc, test_zeek_s0_responder_bare_ack_is_not_partial);
    tcase_add_test(tc, test_synack_first_then_ack_is_established);
    tcase_add_test(tc, test_zeek_sf_kept_when_rst_follows_complete_close);
    tcase_add_test(tc, test_zeek_responder_syn_without_ack_establishes);
    tcase_add_test(tc, test_history_retransmissions_scaled_t);
    tcase_add_test(tc, test_history_fin_retransmission_changes_nothing);
    tcase_add_test(tc, test_history_zero_window_after_packet_letter);
    suite_add_tcase(s, tc);

    tc = tcase_create("timeline");
    tcase_add_test(tc, test_timeline_handshake_ttfb_teardown_duration);
    tcase_add_test(tc, test_timeline_missing_points_and_fin_then_rst);
    suite_add_tcase(s, tc);

    tc = tcase_create("identity");
    tcase_add_test(tc, test_identity_syn_after_close_starts_new_connection);
    tcase_add_test(tc, test_identity_syn_with_new_isn_during_syn_sent);
    tcase_add_test(tc, test_identity_midstream_higher_port_is_client);
    tcase_add_test(tc, test_identity_synack_first_receiver_is_client);
    tcase_add_test(tc, test_event_log_bounded_and_overflow_counted);
    suite_add_tcase(s, tc);

    tc = tcase_create("table");
    tcase_add_test(tc, test_table_limit_keeps_newest_closed);
    tcase_add_test(tc, test_table_limit_never_frees_live_connections);
    tcase_add_test(tc, test_table_limit_not_pinned_by_a_live_connection);
    tcase_add_test(tc, test_table_limit_clears_the_slot_of_a_freed_connection);
    tcase_add_test(tc, test_close_four_way_with_ack_and_fin_at_same_time);
    tcase_add_test(tc, test_close_none_for_syn_then_fin);
    tcase_add_test(tc, test_sequence_wrap_through_fin_ack_logic);
    tcase_add_test(tc, test_sequence_wrap_handshake_ack);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(conn_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
