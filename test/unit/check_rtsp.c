/* RTSP dissector on hand-built segments: requests and replies (RFC 2326),
 * headers, Transport variants (section 12.39), SDP bodies, interleaved
 * frames (section 10.12) with lengths past the end of the segment, content
 * detection, caplen sweeps, and the track hook: transactions by CSeq and
 * the RTP/RTCP flows a SETUP reply announces. Info texts are tshark 4.0's
 * for the same bytes (desegmentation off). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apptest.h"
#include "pktbuild.h"
#include "proto/proto.h"
#include "wirescope/app.h"
#include "wirescope/flow.h"
#include "wirescope/info.h"
#include "wirescope/textbuf.h"

static const struct pb_ends to_server = {0x0a000002, 0x0a000001, 43860, 554};
static const struct pb_ends from_server = {0x0a000001, 0x0a000002, 554, 43860};

static const char options_req[] =
    "OPTIONS rtsp://10.0.0.1:554/test RTSP/1.0\r\nCSeq: 1\r\n"
    "User-Agent: Lavf59.27.100\r\n\r\n";

START_TEST(request)
{
    decode_str(&to_server, options_req);
    ck_assert_int_eq(g_pkt.app, P_RTSP);
    ck_assert_str_eq(info_protocol(&g_pkt), "RTSP");
    ck_assert_str_eq(info_text(), "OPTIONS rtsp://10.0.0.1:554/test RTSP/1.0");
    ck_assert_str_eq(field_text("Method"), "OPTIONS");
    ck_assert_str_eq(field_text("URL"), "rtsp://10.0.0.1:554/test");
    ck_assert_str_eq(field_text("CSeq"), "1");
    ck_assert_str_eq(field_text("Header"), "User-Agent: Lavf59.27.100");
    ck_assert_uint_eq(g_pkt.a.rtsp.cseq, 1);
    json_has(P_RTSP,
             "\"kind\":\"request\",\"method\":\"OPTIONS\",\"uri\":\"rtsp://10.0.0.1:554/test\","
             "\"cseq\":1,\"session\":null,\"transport\":null,\"continues\":false");
    ck_assert_int_eq(g_pkt.event, EV_NONE);
}
END_TEST

START_TEST(reply)
{
    decode_str(&from_server, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n"
                             "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n"
                             "Session: 4096977495;timeout=60\r\n"
                             "Range: npt=0.000-\r\n\r\n");
    ck_assert_str_eq(info_text(), "Reply: RTSP/1.0 200 OK");
    ck_assert_str_eq(field_text("Status"), "200");
    ck_assert_str_eq(field_text("Public"), "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN");
    ck_assert_str_eq(field_text("Range"), "npt=0.000-");
    json_has(P_RTSP, "\"kind\":\"reply\",\"status\":200,\"reason\":\"OK\",\"cseq\":1,"
                     "\"session\":\"4096977495\"");
    decode_str(&from_server, "RTSP/1.0 501 Not Implemented\r\nCSeq: 7\r\n\r\n");
    ck_assert_str_eq(info_text(), "Reply: RTSP/1.0 501 Not Implemented");
    ck_assert_uint_eq(g_pkt.a.rtsp.status, 501);
}
END_TEST

static const char describe_reply[] =
    "RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Type: application/sdp\r\n"
    "Content-Length: 49\r\n\r\n"
    "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nt=0 0\r\n";

START_TEST(sdp_body)
{
    decode_str(&from_server, describe_reply);
    ck_assert_str_eq(info_protocol(&g_pkt), "RTSP/SDP");
    ck_assert_str_eq(info_text(), "Reply: RTSP/1.0 200 OK");
    ck_assert_str_eq(field_text("Content-Type"), "application/sdp");
    ck_assert_str_eq(field_text("Content-Length"), "49");
    ck_assert_str_eq(field_nth("SDP", 0), "v=0");
    ck_assert_str_eq(field_nth("SDP", 1), "o=- 0 0 IN IP4 127.0.0.1");
    ck_assert_str_eq(field_nth("SDP", 3), "t=0 0");
    ck_assert(!g_pkt.a.rtsp.continues);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    /* the body goes on in the next segment */
    decode_tcp(&from_server, describe_reply, sizeof describe_reply - 1 - 10);
    ck_assert(g_pkt.a.rtsp.continues);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    /* that next segment */
    decode_str(&from_server, "s=No Name\r\nt=0 0\r\n");
    ck_assert_str_eq(info_text(), "Continuation");
    ck_assert_str_eq(info_protocol(&g_pkt), "RTSP");
    json_has(P_RTSP, "\"kind\":\"continuation\"");
    /* headers cut by the end of the segment */
    decode_str(&to_server, "ANNOUNCE rtsp://10.0.0.1/live RTSP/1.0\r\nCSeq: 2\r\nContent-Ty");
    ck_assert(g_pkt.a.rtsp.continues);
    ck_assert_str_eq(info_text(), "ANNOUNCE rtsp://10.0.0.1/live RTSP/1.0");
}
END_TEST

START_TEST(transport_variants)
{
    decode_str(&from_server,
               "RTSP/1.0 200 OK\r\nCSeq: 4\r\nTransport: RTP/AVP/UDP;unicast;"
               "client_port=16624-16625;server_port=5000-5001;ssrc=1234ABCD\r\n\r\n");
    ck_assert_str_eq(field_text("Transport spec"), "RTP/AVP/UDP");
    ck_assert_str_eq(field_nth("Parameter", 0), "unicast");
    ck_assert_str_eq(field_nth("Parameter", 1), "client_port 16624-16625");
    ck_assert_str_eq(field_nth("Parameter", 2), "server_port 5000-5001");
    ck_assert_str_eq(field_nth("Parameter", 3), "ssrc=1234ABCD");
    json_has(P_RTSP, "\"transport\":\"RTP/AVP/UDP;unicast;client_port=16624-16625;"
                     "server_port=5000-5001;ssrc=1234ABCD\"");
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    decode_str(&to_server, "SETUP rtsp://h/t/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n"
                           "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n");
    ck_assert_str_eq(field_text("Transport spec"), "RTP/AVP/TCP");
    ck_assert_str_eq(field_nth("Parameter", 1), "interleaved 0-1");
    /* two transports offered, a single port */
    decode_str(&to_server, "SETUP rtsp://h/t RTSP/1.0\r\nCSeq: 3\r\n"
                           "Transport: RTP/AVP;multicast;port=7000,RTP/AVP;unicast;"
                           "client_port=5000\r\n\r\n");
    ck_assert_str_eq(field_nth("Transport", 1), "#1");
    ck_assert_str_eq(field_nth("Transport", 2), "#2");
    ck_assert_str_eq(field_nth("Parameter", 1), "port 7000-7000");
    ck_assert_str_eq(field_nth("Parameter", 3), "client_port 5000-5000");
    /* bad numbers */
    static const char *const bad[] = {
        "client_port=70000-70001", "server_port=5000-x", "interleaved=-1",
        "client_port=",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char msg[256];
        snprintf(msg, sizeof msg, "RTSP/1.0 200 OK\r\nCSeq: 4\r\nTransport: RTP/AVP;%s\r\n\r\n",
                 bad[i]);
        decode_str(&from_server, msg);
        ck_assert_msg(g_pkt.event == EV_BAD_APP, "%s", bad[i]);
        ck_assert_ptr_nonnull(field_text("Malformed"));
    }
}
END_TEST

START_TEST(bad_headers)
{
    decode_str(&to_server, "PLAY rtsp://h/t RTSP/1.0\r\nCSeq: abc\r\n\r\n");
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    ck_assert(!g_pkt.a.rtsp.has_cseq);
    json_has(P_RTSP, "\"cseq\":null");
    decode_str(&to_server, "PLAY rtsp://h/t RTSP/1.0\r\nCSeq: 99999999999\r\n\r\n");
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    decode_str(&to_server, "ANNOUNCE rtsp://h/t RTSP/1.0\r\nContent-Length: -5\r\n\r\nv=0\r\n");
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    decode_str(&from_server, "RTSP/1.0 2x0 OK\r\n\r\n");
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "Reply: RTSP/1.0 2x0 OK");
}
END_TEST

/* $ channel length, then an RTP header: PT 96 with the marker, seq 3397,
 * time 636131152, SSRC 0x892AC9BB, 4 payload bytes. */
static const uint8_t rtp_frame[] = {
    '$', 0x00, 0x00, 0x10, 0x80, 0xe0, 0x0d, 0x45, 0x25, 0xea, 0x97, 0x50,
    0x89, 0x2a, 0xc9, 0xbb, 0xde, 0xad, 0xbe, 0xef,
};

/* $ channel 1, an RTCP sender report header (first 8 bytes of 28). */
static const uint8_t rtcp_frame[] = {
    '$', 0x01, 0x00, 0x1c, 0x80, 0xc8, 0x00, 0x06, 0x89, 0x2a, 0xc9, 0xbb,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

START_TEST(interleaved_frames)
{
    uint8_t seg[128];
    memcpy(seg, rtcp_frame, sizeof rtcp_frame);
    memcpy(seg + sizeof rtcp_frame, rtp_frame, sizeof rtp_frame);
    decode_tcp(&to_server, seg, sizeof rtcp_frame + sizeof rtp_frame);
    const struct ws_rtsp *r = &g_pkt.a.rtsp;
    ck_assert_int_eq(r->kind, RTSP_INTERLEAVED);
    ck_assert_uint_eq(r->nframes, 2);
    ck_assert(r->frames[0].rtcp);
    ck_assert_uint_eq(r->frames[1].seq, 3397);
    ck_assert_str_eq(info_text(),
                     "Interleaved channel 0x01, 28 bytes (RTCP PT=200, SSRC=0x892AC9BB); "
                     "Interleaved channel 0x00, 16 bytes (RTP PT=96, SSRC=0x892AC9BB, "
                     "Seq=3397, Time=636131152, Mark)");
    ck_assert_str_eq(field_nth("Channel", 1), "0x00");
    ck_assert_str_eq(field_nth("Length", 1), "16");
    json_has(P_RTSP,
             "\"interleaved\":[{\"channel\":1,\"length\":28,\"partial\":false,\"proto\":\"RTCP\","
             "\"pt\":200,\"ssrc\":2301282747},{\"channel\":0,\"length\":16,\"partial\":false,"
             "\"proto\":\"RTP\",\"pt\":96,\"ssrc\":2301282747,\"seq\":3397,\"ts\":636131152}]");
    ck_assert_int_eq(g_pkt.event, EV_NONE);
}
END_TEST

START_TEST(interleaved_past_end)
{
    /* the frame goes on in the next segment: continuing, not malformed */
    uint8_t seg[64];
    memcpy(seg, rtp_frame, sizeof rtp_frame);
    seg[2] = 0x05; /* length 1296 */
    decode_tcp(&to_server, seg, sizeof rtp_frame);
    ck_assert(g_pkt.a.rtsp.continues);
    ck_assert(g_pkt.a.rtsp.frames[0].partial);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(field_text("Continues in the next segment"), "16 of 1296 bytes here");
    /* cut by the snaplen instead */
    size_t len = tcp_frame(&to_server, rtp_frame, sizeof rtp_frame);
    decode_cut(g_frame, len - 4, len, true);
    ck_assert_int_eq(g_pkt.event, EV_TRUNCATED);
    /* only the frame header's first bytes */
    decode_tcp(&to_server, "$\x00", 2);
    ck_assert(g_pkt.a.rtsp.continues);
    ck_assert_uint_eq(g_pkt.a.rtsp.nframes, 0);
    /* a frame too short for an RTP header: channel and length only */
    decode_tcp(&to_server, "$\x02\x00\x03\x80\x60\x00", 7);
    ck_assert_str_eq(info_text(), "Interleaved channel 0x02, 3 bytes");
    json_has(P_RTSP, "\"proto\":null");
}
END_TEST

START_TEST(frame_then_reply)
{
    static const char ok[] = "RTSP/1.0 200 OK\r\nCSeq: 5\r\nSession: 77\r\n\r\n";
    uint8_t seg[256];
    memcpy(seg, rtp_frame, sizeof rtp_frame);
    memcpy(seg + sizeof rtp_frame, ok, sizeof ok - 1);
    decode_tcp(&from_server, seg, sizeof rtp_frame + sizeof ok - 1);
    ck_assert_int_eq(g_pkt.a.rtsp.kind, RTSP_INTERLEAVED);
    ck_assert_int_eq(g_pkt.a.rtsp.msg, RTSP_REPLY);
    ck_assert_uint_eq(g_pkt.a.rtsp.cseq, 5);
    ck_assert_str_eq(info_text(),
                     "Interleaved channel 0x00, 16 bytes (RTP PT=96, SSRC=0x892AC9BB, "
                     "Seq=3397, Time=636131152, Mark); Reply: RTSP/1.0 200 OK");
}
END_TEST

START_TEST(content_detection)
{
    static const struct pb_ends odd = {0x0a000002, 0x0a000001, 43860, 9000};
    decode_str(&odd, options_req);
    ck_assert_int_eq(g_pkt.app, P_RTSP);
    decode_str(&odd, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n");
    ck_assert_int_eq(g_pkt.app, P_RTSP);
    ck_assert_str_eq(field_text("URL"), "*");
    static const struct pb_ends odd_reply = {0x0a000001, 0x0a000002, 9000, 43860};
    decode_str(&odd_reply, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n");
    ck_assert_int_eq(g_pkt.app, P_RTSP);
    /* not RTSP off its ports: an unknown method, a line not finished,
     * another protocol's version, a frame */
    static const char *const others[] = {
        "FETCH rtsp://h/t RTSP/1.0\r\n", "OPTIONS rtsp://h/t RTSP/1.0",
        "OPTIONS rtsp://h/t HTTP/1.1\r\n", "RTSP/1.0 OK\r\n", "$\x00\x00\x04wxyz",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        decode_str(&odd, others[i]);
        ck_assert_msg(g_pkt.app != P_RTSP, "%s", others[i]);
    }
}
END_TEST

START_TEST(control_bytes_sanitised)
{
    decode_str(&to_server, "PLAY rtsp://h/\x1b[2J\xff RTSP/1.0\r\nCSeq: 9\r\nX-Evil: \x1b]0;t\x07\r\n\r\n");
    ck_assert_str_eq(info_text(), "PLAY rtsp://h/\\x1b[2J\\xff RTSP/1.0");
    ck_assert_str_eq(field_text("URL"), "rtsp://h/\\x1b[2J\\xff");
    ck_assert_ptr_null(strchr(json_text(P_RTSP), 0x1b));
    for (unsigned i = 0; i < g_pkt.nfields; i++) {
        ck_assert_ptr_null(strchr(g_pkt.ftext + g_pkt.fields[i].text, 0x1b));
        ck_assert_ptr_null(strchr(g_pkt.ftext + g_pkt.fields[i].text, 0x07));
    }
}
END_TEST

START_TEST(caplen_sweeps)
{
    caplen_sweep(g_frame, tcp_frame(&to_server, options_req, strlen(options_req)), P_RTSP);
    caplen_sweep(g_frame, tcp_frame(&from_server, describe_reply, strlen(describe_reply)),
                 P_RTSP);
    uint8_t seg[128];
    memcpy(seg, rtcp_frame, sizeof rtcp_frame);
    memcpy(seg + sizeof rtcp_frame, rtp_frame, sizeof rtp_frame);
    caplen_sweep(g_frame, tcp_frame(&to_server, seg, sizeof rtcp_frame + sizeof rtp_frame),
                 P_RTSP);
}
END_TEST

/* --- the track hook --- */

START_TEST(transactions_by_cseq)
{
    struct tracked k;
    track_init(&k, P_RTSP, 5, &to_server, &from_server);
    track_str(&k, true, "DESCRIBE rtsp://10.0.0.1/test RTSP/1.0\r\nCSeq: 2\r\n\r\n");
    track_str(&k, true, "SETUP rtsp://10.0.0.1/test/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n"
                        "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n");
    /* replies out of order: each finds its request by CSeq */
    track_str(&k, false, "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 12\r\nTransport: "
                         "RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971\r\n\r\n");
    track_str(&k, false, "RTSP/1.0 404 Not Found\r\nCSeq: 2\r\n\r\n");
    /* the server's own request shares the number 2 with the client's */
    track_str(&k, false, "GET_PARAMETER rtsp://10.0.0.1/test RTSP/1.0\r\nCSeq: 2\r\n\r\n");
    track_str(&k, true, "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n");
    struct txn_list l = txns_of(k.t);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_str_eq(l.x[0]->what, "DESCRIBE rtsp://10.0.0.1/test");
    ck_assert_str_eq(l.x[0]->result, "404 Not Found");
    ck_assert_uint_eq(l.x[0]->msgs[1].packet, 4);
    ck_assert_str_eq(l.x[1]->what, "SETUP rtsp://10.0.0.1/test/trackID=0");
    ck_assert_str_eq(l.x[1]->result, "200 OK");
    ck_assert_str_eq(l.x[1]->msgs[0].label, "SETUP");
    ck_assert_uint_eq(l.x[1]->msgs[1].packet, 3);
    ck_assert_str_eq(l.x[2]->what, "GET_PARAMETER rtsp://10.0.0.1/test");
    ck_assert(l.x[2]->done);
    ck_assert_uint_eq(l.x[2]->msgs[1].packet, 6);
    /* the media flows the SETUP reply negotiated */
    struct flow m = tracker_new_flow(k.t, IPPROTO_UDP, 20, 0x0a000002, 5000, 0x0a000001, 6970);
    ck_assert_int_eq(m.app, P_RTP);
    ck_assert_uint_eq(app_flow_parent(k.t, 20), 5);
    m = tracker_new_flow(k.t, IPPROTO_UDP, 21, 0x0a000002, 5001, 0x0a000001, 6971);
    ck_assert_int_eq(m.app, P_RTCP);
    ck_assert_uint_eq(app_flow_parent(k.t, 21), 5);
    /* a second flow on the same ports (RTP may open several): still RTP */
    m = tracker_new_flow(k.t, IPPROTO_UDP, 22, 0x0a000002, 5000, 0x0a000003, 9999);
    ck_assert_int_eq(m.app, P_RTP);
    /* unrelated ports */
    m = tracker_new_flow(k.t, IPPROTO_UDP, 23, 0x0a000002, 5002, 0x0a000001, 6972);
    ck_assert_int_eq(m.app, 0);
    app_tracker_free(k.t);
}
END_TEST

START_TEST(interleaved_setup_announces_nothing)
{
    struct tracked k;
    track_init(&k, P_RTSP, 5, &to_server, &from_server);
    track_str(&k, true, "SETUP rtsp://h/t RTSP/1.0\r\nCSeq: 3\r\n"
                        "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n");
    track_str(&k, false, "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
                         "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n");
    struct flow m = tracker_new_flow(k.t, IPPROTO_UDP, 30, 0x0a000002, 0, 0x0a000001, 1);
    ck_assert_int_eq(m.app, 0);
    /* a failed SETUP announces nothing either */
    track_str(&k, true, "SETUP rtsp://h/t RTSP/1.0\r\nCSeq: 4\r\n"
                        "Transport: RTP/AVP;unicast;client_port=7000-7001\r\n\r\n");
    track_str(&k, false, "RTSP/1.0 461 Unsupported transport\r\nCSeq: 4\r\n"
                         "Transport: RTP/AVP;unicast;client_port=7000-7001\r\n\r\n");
    m = tracker_new_flow(k.t, IPPROTO_UDP, 31, 0x0a000002, 7000, 0x0a000001, 1234);
    ck_assert_int_eq(m.app, 0);
    struct txn_list l = txns_of(k.t);
    ck_assert_uint_eq(l.n, 2);
    ck_assert_str_eq(l.x[1]->result, "461 Unsupported transport");
    app_tracker_free(k.t);
}
END_TEST

static Suite *rtsp_suite(void)
{
    Suite *s = suite_create("rtsp");
    TCase *tc = tcase_create("rtsp");
    tcase_add_test(tc, request);
    tcase_add_test(tc, reply);
    tcase_add_test(tc, sdp_body);
    tcase_add_test(tc, transport_variants);
    tcase_add_test(tc, bad_headers);
    tcase_add_test(tc, interleaved_frames);
    tcase_add_test(tc, interleaved_past_end);
    tcase_add_test(tc, frame_then_reply);
    tcase_add_test(tc, content_detection);
    tcase_add_test(tc, control_bytes_sanitised);
    tcase_add_test(tc, caplen_sweeps);
    tcase_add_test(tc, transactions_by_cseq);
    tcase_add_test(tc, interleaved_setup_announces_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rtsp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free(g_copy);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
