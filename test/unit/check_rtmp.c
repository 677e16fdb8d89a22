/* RTMP dissector: handshake phases, chunk headers (all basic header forms,
 * message header types, extended timestamps), control messages, AMF0
 * commands, chunking at 128 bytes, headless command bodies, malformed AMF0,
 * transactions. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "apptest.h"
#include "pktbuild.h"
#include "proto/proto.h"
#include "wirescope/app.h"
#include "wirescope/flow.h"
#include "wirescope/info.h"
#include "wirescope/textbuf.h"

static const struct pb_ends client = {0x0a000001, 0x0a000002, 40000, 1935};
static const struct pb_ends server = {0x0a000002, 0x0a000001, 1935, 40000};

/* Chunk headers and AMF0 values, appended to pktbuild.h's struct pb_msg. */

/* fmt 0 header with a one-byte basic header */
static void hdr0(struct pb_msg *m, uint8_t csid, uint32_t len, uint8_t type)
{
    pb_put8(m, csid);
    pb_put24(m, 0);
    pb_put24(m, len);
    pb_put8(m, type);
    pb_put32(m, 0); /* stream id, little endian 0 */
}

static void amf_str(struct pb_msg *m, const char *s)
{
    pb_put8(m, 2);
    pb_put16(m, (uint16_t)strlen(s));
    pb_putn(m, s, strlen(s));
}

static void amf_num(struct pb_msg *m, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    pb_put8(m, 0);
    pb_put32(m, (uint32_t)(bits >> 32));
    pb_put32(m, (uint32_t)bits);
}

static void amf_key(struct pb_msg *m, const char *s)
{
    pb_put16(m, (uint16_t)strlen(s));
    pb_putn(m, s, strlen(s));
}

static void amf_end(struct pb_msg *m)
{
    pb_put16(m, 0);
    pb_put8(m, 9);
}

/* connect(txn 1, {app: app, tcUrl: url}) as an AMF0 body */
static void connect_body(struct pb_msg *m, const char *app, const char *url)
{
    amf_str(m, "connect");
    amf_num(m, 1);
    pb_put8(m, 3);
    amf_key(m, "app");
    amf_str(m, app);
    amf_key(m, "tcUrl");
    amf_str(m, url);
    amf_end(m);
}

static void decode_msg(const struct pb_ends *e, const struct pb_msg *m)
{
    decode_tcp(e, m->b, m->n);
}

START_TEST(handshake_phases)
{
    static uint8_t hs[1 + 2 * 1536];
    memset(hs, 0x11, sizeof hs);
    hs[0] = 3;
    decode_tcp(&client, hs, 1537);
    ck_assert_int_eq(g_pkt.app, P_RTMP);
    ck_assert_uint_eq(g_pkt.a.rtmp.phase, RTMP_PHASE_C0C1);
    ck_assert_str_eq(protocol_text(), "RTMP");
    ck_assert_str_eq(info_text(), "Handshake C0+C1");
    ck_assert_str_eq(field_text("Handshake"), "Handshake C0+C1");
    ck_assert_str_eq(json_text(P_RTMP), "\"phase\":\"C0+C1\"");
    decode_tcp(&server, hs, sizeof hs);
    ck_assert_str_eq(info_text(), "Handshake S0+S1+S2");
    decode_tcp(&client, hs + 1, 1536);
    ck_assert_str_eq(info_text(), "Handshake C2");
    /* version 3 on another port is not RTMP by content */
    struct pb_ends other = client;
    other.dport = 8080;
    decode_tcp(&other, hs, 1537);
    ck_assert_int_ne(g_pkt.app, P_RTMP);
}
END_TEST

START_TEST(set_chunk_size_and_connect)
{
    struct pb_msg m = {.n = 0}, body = {.n = 0};
    connect_body(&body, "live", "rtmp://h/live");
    hdr0(&m, 2, 4, 1);
    pb_put32(&m, 4096);
    hdr0(&m, 3, (uint32_t)body.n, 20);
    pb_putn(&m, body.b, body.n);
    decode_msg(&client, &m);
    ck_assert_int_eq(g_pkt.app, P_RTMP);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    const struct ws_rtmp *r = &g_pkt.a.rtmp;
    ck_assert_uint_eq(r->nmsgs, 2);
    ck_assert_uint_eq(r->chunk_size, 4096);
    ck_assert_uint_eq(r->msgs[1].csid, 3);
    ck_assert_str_eq(r->msgs[1].command, "connect");
    ck_assert(r->msgs[1].has_txn && r->msgs[1].txn == 1.0);
    ck_assert_str_eq(info_text(), "Set Chunk Size 4096|connect('live')");
    ck_assert_ptr_nonnull(strstr(json_text(P_RTMP),
                                 "{\"csid\":3,\"type\":20,\"type_name\":\"AMF0 Command\""));
    ck_assert_ptr_nonnull(strstr(json_text(P_RTMP), "\"command\":\"connect\",\"txn\":1,"
                                                    "\"arg\":\"live\""));
}
END_TEST

START_TEST(chunked_at_128)
{
    /* a 160+ byte command split after 128 bytes by a type-3 header 0xc3 */
    struct pb_msg body = {.n = 0}, m = {.n = 0};
    char url[150];
    memset(url, 'u', sizeof url - 1);
    url[sizeof url - 1] = 0;
    connect_body(&body, "app2", url);
    ck_assert_uint_gt(body.n, 128);
    hdr0(&m, 3, (uint32_t)body.n, 20);
    pb_putn(&m, body.b, 128);
    pb_put8(&m, 0xc3);
    pb_putn(&m, body.b + 128, body.n - 128);
    decode_msg(&client, &m);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(info_text(), "connect('app2')");
    ck_assert(!g_pkt.a.rtmp.msgs[0].partial);
    /* the same message cut after its first chunk continues, not malformed */
    m.n = 11 + 1 + 100;
    decode_msg(&client, &m);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert(g_pkt.a.rtmp.msgs[0].partial);
    ck_assert_str_eq(info_text(), "connect('app2')");
}
END_TEST

START_TEST(headless_body_and_header_alone)
{
    struct pb_msg m = {.n = 0};
    hdr0(&m, 3, 60, 20);
    decode_msg(&client, &m); /* the header alone: TCP, as tshark shows it */
    ck_assert_int_ne(g_pkt.app, P_RTMP);
    struct pb_msg body = {.n = 0};
    amf_str(&body, "publish");
    amf_num(&body, 5);
    pb_put8(&body, 5); /* null */
    amf_str(&body, "stream1");
    amf_str(&body, "live");
    decode_msg(&client, &body);
    ck_assert_int_eq(g_pkt.app, P_RTMP);
    ck_assert(g_pkt.a.rtmp.headless);
    ck_assert_str_eq(info_text(), "publish('stream1')");
    ck_assert_ptr_nonnull(strstr(json_text(P_RTMP), "\"csid\":null"));
}
END_TEST

START_TEST(header_forms)
{
    struct pb_msg m = {.n = 0};
    /* csid 65 in the two-byte form, extended timestamp */
    pb_put8(&m, 0x00);
    pb_put8(&m, 1);
    pb_put24(&m, 0xffffff);
    pb_put24(&m, 4);
    pb_put8(&m, 5);
    pb_put32(&m, 0);
    pb_put32(&m, 0x01000000);
    pb_put32(&m, 2500000);
    /* csid 320 in the three-byte form (64 + 0 + 256 * 1): Set Peer Bandwidth */
    pb_put8(&m, 0x01);
    pb_put8(&m, 0);
    pb_put8(&m, 1);
    pb_put24(&m, 0);
    pb_put24(&m, 5);
    pb_put8(&m, 6);
    pb_put32(&m, 0);
    pb_put32(&m, 5000000);
    pb_put8(&m, 2);
    /* fmt 1 (no stream id): User Control Stream Begin 1 */
    pb_put8(&m, 0x42);
    pb_put24(&m, 0);
    pb_put24(&m, 6);
    pb_put8(&m, 4);
    pb_put16(&m, 0);
    pb_put32(&m, 1);
    decode_msg(&server, &m);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    const struct ws_rtmp *r = &g_pkt.a.rtmp;
    ck_assert_uint_eq(r->nmsgs, 3);
    ck_assert_uint_eq(r->msgs[0].csid, 65);
    ck_assert_uint_eq(r->msgs[0].timestamp, 0x01000000);
    ck_assert_uint_eq(r->msgs[1].csid, 320);
    ck_assert_uint_eq(r->msgs[2].fmt, 1);
    ck_assert_str_eq(info_text(), "Window Acknowledgement Size 2500000|"
                                  "Set Peer Bandwidth 5000000,Dynamic|Stream Begin 1");
}
END_TEST

START_TEST(malformed_amf0)
{
    /* a string length past the message */
    struct pb_msg body = {.n = 0}, m = {.n = 0};
    amf_str(&body, "play");
    amf_num(&body, 2);
    pb_put8(&body, 2);
    pb_put16(&body, 0x7fff);
    pb_putn(&body, "abc", 3);
    hdr0(&m, 8, (uint32_t)body.n, 20);
    pb_putn(&m, body.b, body.n);
    decode_msg(&client, &m);
    ck_assert_int_eq(g_pkt.app, P_RTMP);
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "play()");
    /* objects nested 40 deep */
    body.n = 0;
    m.n = 0;
    amf_str(&body, "deep");
    amf_num(&body, 3);
    for (int i = 0; i < 40; i++) {
        pb_put8(&body, 3);
        amf_key(&body, "k");
    }
    pb_put8(&body, 5);
    for (int i = 0; i < 40; i++)
        amf_end(&body);
    hdr0(&m, 8, (uint32_t)body.n, 20);
    pb_putn(&m, body.b, body.n);
    decode_msg(&client, &m);
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    /* an unknown AMF0 marker */
    body.n = 0;
    m.n = 0;
    amf_str(&body, "x");
    amf_num(&body, 3);
    pb_put8(&body, 0x42);
    hdr0(&m, 8, (uint32_t)body.n, 20);
    pb_putn(&m, body.b, body.n);
    decode_msg(&client, &m);
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
}
END_TEST

START_TEST(caplen_sweep_connect)
{
    struct pb_msg m = {.n = 0}, body = {.n = 0};
    connect_body(&body, "live", "rtmp://h/live");
    hdr0(&m, 2, 4, 1);
    pb_put32(&m, 4096);
    hdr0(&m, 3, (uint32_t)body.n, 20);
    pb_putn(&m, body.b, body.n);
    caplen_sweep(g_frame, tcp_frame(&client, m.b, m.n), P_RTMP);
}
END_TEST

static void collect(const struct txn *x, void *arg)
{
    const struct txn **out = arg;
    out[x->id] = x;
}

START_TEST(command_transactions)
{
    struct app_tracker *t = app_tracker_new(16);
    struct flow f;
    memset(&f, 0, sizeof f);
    f.id = 3;
    struct app_ctx ctx = {.t = t, .number = 1, .ts_ns = 1000, .flow = &f};
    struct pb_msg m = {.n = 0}, body = {.n = 0};
    connect_body(&body, "live", "rtmp://h/live");
    hdr0(&m, 3, (uint32_t)body.n, 20);
    pb_putn(&m, body.b, body.n);
    decode_msg(&client, &m);
    proto_get(P_RTMP)->app->track(&ctx, &g_pkt, layer_of(P_RTMP));
    body.n = m.n = 0;
    amf_str(&body, "_result");
    amf_num(&body, 1);
    pb_put8(&body, 5);
    pb_put8(&body, 3);
    amf_key(&body, "code");
    amf_str(&body, "NetConnection.Connect.Success");
    amf_end(&body);
    hdr0(&m, 3, (uint32_t)body.n, 20);
    pb_putn(&m, body.b, body.n);
    decode_msg(&server, &m);
    ck_assert_str_eq(info_text(), "_result('NetConnection.Connect.Success')");
    ctx.number = 2;
    ctx.ts_ns = 5000;
    proto_get(P_RTMP)->app->track(&ctx, &g_pkt, layer_of(P_RTMP));
    ck_assert_uint_eq(app_tracker_txn_count(t), 1);
    const struct txn *x[4] = {NULL};
    app_tracker_foreach_txn(t, collect, x);
    ck_assert(x[0]->done);
    ck_assert_str_eq(x[0]->what, "connect('live')");
    ck_assert_str_eq(x[0]->result, "_result NetConnection.Connect.Success");
    ck_assert_uint_eq(x[0]->msgs[1].packet, 2);
    /* publish (txn 5) is answered by onStatus (txn 0) */
    body.n = m.n = 0;
    amf_str(&body, "publish");
    amf_num(&body, 5);
    pb_put8(&body, 5);
    amf_str(&body, "cam");
    hdr0(&m, 8, (uint32_t)body.n, 20);
    pb_putn(&m, body.b, body.n);
    decode_msg(&client, &m);
    ctx.number = 3;
    proto_get(P_RTMP)->app->track(&ctx, &g_pkt, layer_of(P_RTMP));
    body.n = m.n = 0;
    amf_str(&body, "onStatus");
    amf_num(&body, 0);
    pb_put8(&body, 5);
    pb_put8(&body, 3);
    amf_key(&body, "level");
    amf_str(&body, "status");
    amf_key(&body, "code");
    amf_str(&body, "NetStream.Publish.Start");
    amf_end(&body);
    hdr0(&m, 5, (uint32_t)body.n, 20);
    pb_putn(&m, body.b, body.n);
    decode_msg(&server, &m);
    ctx.number = 4;
    proto_get(P_RTMP)->app->track(&ctx, &g_pkt, layer_of(P_RTMP));
    ck_assert_uint_eq(app_tracker_txn_count(t), 2);
    app_tracker_foreach_txn(t, collect, x);
    ck_assert(x[1]->done);
    ck_assert_str_eq(x[1]->what, "publish('cam')");
    ck_assert_str_eq(x[1]->result, "onStatus NetStream.Publish.Start");
    app_tracker_free(t);
}
END_TEST

static Suite *rtmp_suite(void)
{
    Suite *s = suite_create("rtmp");
    TCase *tc = tcase_create("rtmp");
    tcase_add_test(tc, handshake_phases);
    tcase_add_test(tc, set_chunk_size_and_connect);
    tcase_add_test(tc, chunked_at_128);
    tcase_add_test(tc, headless_body_and_header_alone);
    tcase_add_test(tc, header_forms);
    tcase_add_test(tc, malformed_amf0);
    tcase_add_test(tc, caplen_sweep_connect);
    tcase_add_test(tc, command_transactions);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rtmp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free(g_copy);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
