/* Tests of the HTTP/1.x dissector and its request/response tracker on
 * hand-built segments. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "apptest.h"
#include "pktbuild.h"
#include "proto/proto.h"
#include "wirescope/app.h"
#include "wirescope/decode.h"
#include "wirescope/info.h"

/*
 * Expected Info strings are tshark's: each payload below was sent in one
 * TCP segment of a connection on port 80 (handshake first) written to a
 * pcap and run through
 *
 *     tshark -n -r F -o tcp.desegment_tcp_streams:FALSE -T fields \
 *         -e _ws.col.Protocol -e _ws.col.Info
 *
 * (TShark 4.0.17, Debian 12); the strings are pasted from its output.
 */

static const struct pb_ends to80 = {0x0a000001, 0x0a000002, 40000, 80};
static const struct pb_ends from80 = {0x0a000002, 0x0a000001, 80, 40000};
static const struct pb_ends to5123 = {0x0a000001, 0x0a000002, 40000, 5123};

START_TEST(request_with_body)
{
    decode_str(&to80, "POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Type: text/plain\r\n"
                  "Content-Length: 5\r\n\r\nhello");
    ck_assert_uint_eq(g_pkt.app, P_HTTP);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    const struct ws_http *h = &g_pkt.a.http;
    ck_assert(h->request);
    ck_assert_uint_eq(h->nmsgs, 1);
    ck_assert_str_eq(span_text(h->method), "POST");
    ck_assert_str_eq(span_text(h->uri), "/upload");
    ck_assert_str_eq(span_text(h->version), "HTTP/1.1");
    ck_assert_str_eq(span_text(h->host), "example.test");
    ck_assert_str_eq(span_text(h->msgs[0].ctype), "text/plain");
    ck_assert_uint_eq(h->content_length, 5);
    ck_assert_uint_eq(h->body_len, 5);
    ck_assert(h->msgs[0].flags & HTTP_MSG_HAS_LEN);
    ck_assert_str_eq(info_protocol(&g_pkt), "HTTP");
    ck_assert_str_eq(info_text(), "POST /upload HTTP/1.1  (text/plain)");
    ck_assert_str_eq(field_text("Host"), "example.test");
    ck_assert_str_eq(field_text("Content-Length"), "5");
    ck_assert_str_eq(field_text("Request Method"), "POST");
}
END_TEST

START_TEST(chunked_response_one_segment)
{
    decode_str(&from80, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    const struct ws_http *h = &g_pkt.a.http;
    ck_assert(h->response);
    ck_assert_uint_eq(h->status, 200);
    ck_assert_str_eq(span_text(h->reason), "OK");
    ck_assert(h->msgs[0].flags & HTTP_MSG_CHUNKED);
    ck_assert(h->msgs[0].flags & HTTP_MSG_BODY);
    ck_assert(!h->continuation);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(info_text(), "HTTP/1.1 200 OK  (text/plain)");
    ck_assert_str_eq(field_text("Last Chunk"), "0");
}
END_TEST

START_TEST(pipelined_then_continuation)
{
    decode_str(&to80,
               "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nxyz\r\n");
    ck_assert_uint_eq(g_pkt.a.http.nmsgs, 2);
    ck_assert(g_pkt.a.http.continuation);
    ck_assert_str_eq(info_text(), "GET /a HTTP/1.1 GET /b HTTP/1.1 Continuation");
}
END_TEST

START_TEST(header_line_cut_by_segment)
{
    decode_str(&from80, "HTTP/1.1 404 Not Found\r\nServ");
    ck_assert_uint_eq(g_pkt.event, EV_NONE); /* continues, not malformed */
    ck_assert(g_pkt.a.http.msgs[0].flags & HTTP_MSG_CUT);
    ck_assert(!(g_pkt.a.http.msgs[0].flags & HTTP_MSG_HDR_DONE));
    ck_assert_str_eq(info_text(), "HTTP/1.1 404 Not Found [BoundErrorUnreassembled Packet]");
}
END_TEST

START_TEST(chunk_cut_by_segment)
{
    decode_str(&from80, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    "Transfer-Encoding: chunked\r\n\r\nff\r\nabc");
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(info_text(), "HTTP/1.1 200 OK [BoundErrorUnreassembled Packet]");
}
END_TEST

START_TEST(body_to_close)
{
    decode_str(&from80, "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>");
    ck_assert_uint_eq(g_pkt.a.http.body_len, 6);
    ck_assert_str_eq(info_text(), "HTTP/1.0 200 OK  (text/html)");
}
END_TEST

START_TEST(continuation_on_known_flow)
{
    decode_known(g_frame, tcp_frame(&from80, "0123456789", 10), P_HTTP);
    ck_assert_uint_eq(g_pkt.app, P_HTTP);
    ck_assert(g_pkt.a.http.continuation);
    ck_assert_uint_eq(g_pkt.a.http.nmsgs, 0);
    ck_assert_str_eq(info_text(), "Continuation");
    ck_assert_str_eq(info_protocol(&g_pkt), "HTTP");
}
END_TEST

START_TEST(not_http_before_a_message)
{
    /* tshark: "TCP" for a first segment that holds no whole start line */
    decode_str(&to80, "hello");
    ck_assert_uint_ne(g_pkt.app, P_HTTP);
    decode_str(&from80, "HTTP/1.1 200 OK");
    ck_assert_uint_ne(g_pkt.app, P_HTTP);
}
END_TEST

START_TEST(content_detection_strict)
{
    decode_str(&to5123, "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
    ck_assert_uint_eq(g_pkt.app, P_HTTP);
    ck_assert_str_eq(info_text(), "GET /index.html HTTP/1.1 ");
    /* tshark's heuristic refuses these off its ports; so does ours */
    decode_str(&to5123, "GET / HTTP/2.0\r\n\r\n");
    ck_assert_uint_ne(g_pkt.app, P_HTTP);
    decode_str(&to5123, "GET / XYZ\r\n\r\n");
    ck_assert_uint_ne(g_pkt.app, P_HTTP);
    decode_str(&to5123, "FOO / HTTP/1.1\r\n\r\n");
    ck_assert_uint_ne(g_pkt.app, P_HTTP);
    /* on port 80 tshark takes a request without version (HTTP/0.9) */
    decode_str(&to80, "GET / XYZ\r\n");
    ck_assert_uint_eq(g_pkt.app, P_HTTP);
    ck_assert_str_eq(info_text(), "GET / XYZ ");
    decode_str(&from80, "HTTP/1.0 200 OK\r\n\r\n");
    ck_assert_uint_eq(g_pkt.app, P_HTTP);
}
END_TEST

START_TEST(text_is_sanitised)
{
    decode_str(&to80, "GET /\x01\xff\x1b[31m HTTP/1.1\r\n\r\n");
    ck_assert_uint_eq(g_pkt.app, P_HTTP);
    /* tshark writes \001 and U+FFFD; wirescope's sanitiser escapes */
    ck_assert_str_eq(info_text(), "GET /\\x01\\xff\\x1b[31m HTTP/1.1 ");
    ck_assert_str_eq(field_text("Request URI"), "/\\x01\\xff\\x1b[31m");
}
END_TEST

START_TEST(malformed_lengths)
{
    decode_str(&from80,
               "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: abc\r\n\r\nhello");
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert(!(g_pkt.a.http.msgs[0].flags & HTTP_MSG_HAS_LEN));
    ck_assert_str_eq(info_text(), "HTTP/1.1 200 OK  (text/plain)");
    decode_str(&from80, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello");
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    decode_str(&from80, "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nhello");
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
}
END_TEST

START_TEST(absurd_chunk_size)
{
    decode_str(&from80, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "fffffffffffffffffff\r\nabc\r\n");
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "HTTP/1.1 200 OK [BoundErrorUnreassembled Packet]");
    decode_str(&from80, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "HTTP/1.1 200 OK ");
}
END_TEST

START_TEST(header_line_without_colon)
{
    decode_str(&to80, "GET / HTTP/1.1\r\nbad line\r\n\r\n");
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "GET / HTTP/1.1 Continuation");
}
END_TEST

START_TEST(many_messages_bounded)
{
    /* more pipelined requests than the summary holds: the rest is shown as
     * continuation, nothing is written past the array */
    char buf[2048] = "";
    for (int i = 0; i < HTTP_MAX_MSGS + 4; i++)
        strcat(buf, "GET / HTTP/1.1\r\n\r\n");
    decode_str(&to80, buf);
    ck_assert_uint_eq(g_pkt.a.http.nmsgs, HTTP_MAX_MSGS);
    ck_assert(g_pkt.a.http.continuation);
}
END_TEST

/* Every snaplen cut of a good segment: flagged truncated, never read past
 * the capture (ASan watches decode_cut's exact-size copy), and the full
 * segment decodes clean. */
static void sweep(const struct pb_ends *e, const char *payload)
{
    size_t n = tcp_frame(e, payload, strlen(payload));
    size_t payload_off = n - strlen(payload);
    for (size_t cap = payload_off + 1; cap < n; cap++) {
        decode_cut(g_frame, cap, n, true);
        ck_assert_msg(g_pkt.app == P_HTTP ? g_pkt.event == EV_TRUNCATED : g_pkt.app == P_NONE,
                      "cut at %zu: app %u event %u", cap, g_pkt.app, g_pkt.event);
        (void)info_text();
    }
    decode_full(g_frame, n);
    ck_assert_uint_eq(g_pkt.app, P_HTTP);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
}

START_TEST(caplen_sweeps)
{
    sweep(&to80, "POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Type: text/plain\r\n"
                 "Content-Length: 5\r\n\r\nhello");
    sweep(&from80, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n");
}
END_TEST

/* ---- the tracker, fed segment by segment through the track hook ---- */

/* One HTTP connection, flow id 7, on a flow the decoder knows as HTTP. */
static struct tracked conn;

static void track_setup(void)
{
    apptest_setup();
    ck_assert_ptr_nonnull(proto_get(P_HTTP)->app->track);
    track_init(&conn, P_HTTP, 7, &to80, &from80);
    g_known = P_HTTP;
}

static void track_teardown(void)
{
    app_tracker_free(conn.t);
    apptest_teardown();
}

/* One segment through the decoder and the HTTP track hook; `resend`
 * sends it again at the same sequence number (a retransmission). */
static void seg(bool client, const char *payload, bool resend)
{
    track_seg(&conn, client, payload, strlen(payload), resend);
}

static void assert_txn(const struct txn *x, const char *what, const char *result,
                       uint64_t first, uint64_t last)
{
    ck_assert_str_eq(x->what, what);
    ck_assert(x->done);
    ck_assert_str_eq(x->result, result);
    ck_assert_uint_eq(x->flow_id, 7);
    ck_assert_uint_eq(x->msgs[0].packet, first);
    ck_assert_uint_eq(x->msgs[x->nmsgs - 1].packet, last);
}

START_TEST(track_split_headers_and_retransmission)
{
    seg(true, "GET /sp", false);                                     /* 1 */
    seg(true, "lit HTTP/1.1\r\nHost: example.test\r\n", false);      /* 2 */
    seg(true, "lit HTTP/1.1\r\nHost: example.test\r\n", true);       /* 3 resent */
    seg(true, "Accept: */*\r\n\r\n", false);                        /* 4 */
    seg(false, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234", false); /* 5 */
    seg(false, "56789", false);                                      /* 6 */
    seg(true, "GET /next HTTP/1.1\r\n\r\n", false);                  /* 7 */
    seg(false, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", false); /* 8 */
    struct txn_list l = txns_of(conn.t);
    ck_assert_uint_eq(l.n, 2);
    assert_txn(l.x[0], "GET /split", "200 OK", 4, 5);
    ck_assert_uint_eq(l.x[0]->msgs[1].ts_ns - l.x[0]->msgs[0].ts_ns, 1000000);
    assert_txn(l.x[1], "GET /next", "404 Not Found", 7, 8);
}
END_TEST

START_TEST(track_pipelined_chunked_head_interim)
{
    /* three requests in one segment: HEAD, a chunked GET, a POST expecting
     * 100 Continue */
    seg(true, "HEAD /h HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n"
              "POST /p HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n", false); /* 1 */
    /* HEAD's answer carries a Content-Length but no body */
    seg(false, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab", false); /* 2 */
    seg(false, "cd\r\n0\r\n", false);                                /* 3 */
    seg(false, "\r\nHTTP/1.1 100 Continue\r\n\r\n", false);         /* 4 */
    seg(true, "xyz", false);                                         /* 5 */
    seg(false, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", false); /* 6 */
    struct txn_list l = txns_of(conn.t);
    ck_assert_uint_eq(l.n, 3);
    assert_txn(l.x[0], "HEAD /h", "200 OK", 1, 2);
    assert_txn(l.x[1], "GET /c", "200 OK", 1, 2);
    assert_txn(l.x[2], "POST /p", "201 Created", 1, 6);
    ck_assert_uint_eq(l.x[2]->nmsgs, 3); /* request, 100 Continue, 201 */
    ck_assert_str_eq(l.x[2]->msgs[1].label, "100 Continue");
}
END_TEST

START_TEST(track_gap_resyncs)
{
    seg(true, "GET /a HTTP/1.1\r\n\r\n", false);                     /* 1 */
    seg(false, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123", false); /* 2 */
    conn.seq[1] += 3; /* three body bytes never captured: skipped inside the body */
    seg(false, "789", false);                                        /* 3 */
    seg(true, "GET /b HTTP/1.1\r\n\r\n", false);                     /* 4 */
    conn.seq[1] += 20; /* a lost header piece: the direction waits for a message start */
    seg(false, "ength: 0\r\n\r\n", false);                           /* 5 */
    seg(true, "GET /c HTTP/1.1\r\n\r\n", false);                     /* 6 */
    seg(false, "HTTP/1.1 204 No Content\r\n\r\n", false);            /* 7 */
    struct txn_list l = txns_of(conn.t);
    ck_assert_uint_eq(l.n, 3);
    assert_txn(l.x[0], "GET /a", "200 OK", 1, 2);
    /* /b's answer was lost: the next response answers the oldest request */
    assert_txn(l.x[1], "GET /b", "204 No Content", 4, 7);
    ck_assert(!l.x[2]->done);
}
END_TEST

START_TEST(track_wrong_length_resyncs)
{
    seg(true, "GET /a HTTP/1.1\r\n\r\n", false);                     /* 1 */
    /* the body is longer than declared: what follows is no start line */
    seg(false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabcdef\r\n\r\n", false); /* 2 */
    seg(true, "GET /b HTTP/1.1\r\n\r\n", false);                     /* 3 */
    seg(false, "HTTP/1.1 304 Not Modified\r\n\r\n", false);          /* 4 */
    struct txn_list l = txns_of(conn.t);
    ck_assert_uint_eq(l.n, 2);
    assert_txn(l.x[0], "GET /a", "200 OK", 1, 2);
    assert_txn(l.x[1], "GET /b", "304 Not Modified", 3, 4);
}
END_TEST

START_TEST(track_upgrade_stops)
{
    seg(true, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", false);
    seg(false, "HTTP/1.1 101 Switching Protocols\r\n\r\n", false);
    seg(true, "GET /not-http HTTP/1.1\r\n\r\n", false); /* websocket bytes */
    struct txn_list l = txns_of(conn.t);
    ck_assert_uint_eq(l.n, 1);
    assert_txn(l.x[0], "GET /ws", "101 Switching Protocols", 1, 2);
}
END_TEST

START_TEST(track_long_header_block)
{
    /* a header block longer than the buffer: given up, no crash */
    static char big[3000];
    seg(true, "GET /big HTTP/1.1\r\n", false);
    memset(big, 'a', sizeof big - 3);
    big[0] = 'X';
    big[1] = ':';
    big[sizeof big - 3] = '\r';
    big[sizeof big - 2] = '\n';
    for (int i = 0; i < 4; i++)
        seg(true, big, false);
    seg(true, "\r\nGET /after HTTP/1.1\r\n\r\n", false);
    seg(false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false);
    struct txn_list l = txns_of(conn.t);
    ck_assert_uint_le(l.n, 1);
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("dissector");
    tcase_add_test(tc, request_with_body);
    tcase_add_test(tc, chunked_response_one_segment);
    tcase_add_test(tc, pipelined_then_continuation);
    tcase_add_test(tc, header_line_cut_by_segment);
    tcase_add_test(tc, chunk_cut_by_segment);
    tcase_add_test(tc, body_to_close);
    tcase_add_test(tc, continuation_on_known_flow);
    tcase_add_test(tc, not_http_before_a_message);
    tcase_add_test(tc, content_detection_strict);
    tcase_add_test(tc, text_is_sanitised);
    tcase_add_test(tc, malformed_lengths);
    tcase_add_test(tc, absurd_chunk_size);
    tcase_add_test(tc, header_line_without_colon);
    tcase_add_test(tc, many_messages_bounded);
    tcase_add_test(tc, caplen_sweeps);
    suite_add_tcase(s, tc);
    TCase *tt = tcase_create("tracker");
    tcase_add_checked_fixture(tt, track_setup, track_teardown);
    tcase_add_test(tt, track_split_headers_and_retransmission);
    tcase_add_test(tt, track_pipelined_chunked_head_interim);
    tcase_add_test(tt, track_gap_resyncs);
    tcase_add_test(tt, track_wrong_length_resyncs);
    tcase_add_test(tt, track_upgrade_stops);
    tcase_add_test(tt, track_long_header_block);
    suite_add_tcase(s, tt);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(http_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
