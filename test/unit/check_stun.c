/* STUN/TURN dissector: RFC 5769 test vectors, TURN messages, ChannelData,
 * content detection, malformed and truncated messages, transactions. */
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

/* RFC 5769 2.1: sample request (SOFTWARE, PRIORITY, ICE-CONTROLLED,
 * USERNAME "evtj:h6vY", MESSAGE-INTEGRITY, FINGERPRINT). */
static const uint8_t rfc5769_request[] = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
    0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10,
    0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x63, 0x6c,
    0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
    0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
    0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c,
    0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 2.2: IPv4 response, XOR-MAPPED-ADDRESS 192.0.2.1:32853. */
static const uint8_t rfc5769_resp4[] = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
    0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
    0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,
    0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
    0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
    0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 2.3: IPv6 response,
 * XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
static const uint8_t rfc5769_resp6[] = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
    0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
    0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,
    0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
    0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
    0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
    0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

static const struct pb_ends to_server = {0x0a000001, 0x0a000002, 40000, 3478};
static const struct pb_ends from_server = {0x0a000002, 0x0a000001, 3478, 40000};
static const struct pb_ends high_ports = {0x0a000001, 0x0a000002, 50000, 50002};

START_TEST(rfc5769_sample_request)
{
    size_t n = udp_frame(&to_server, rfc5769_request, sizeof rfc5769_request);
    decode_full(g_frame, n);
    ck_assert_int_eq(g_pkt.app, P_STUN);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    const struct ws_stun *s = &g_pkt.a.stun;
    ck_assert_uint_eq(s->cls, STUN_REQUEST);
    ck_assert_uint_eq(s->method, 1);
    ck_assert_uint_eq(s->length, 0x58);
    ck_assert_mem_eq(s->txid, rfc5769_request + 8, 12);
    ck_assert_uint_eq(s->fingerprint, STUN_FP_GOOD);
    ck_assert_str_eq(protocol_text(), "STUN");
    ck_assert_str_eq(info_text(), "Binding Request user: evtj:h6vY");
    ck_assert_str_eq(field_text("USERNAME"), "evtj:h6vY");
    ck_assert_str_eq(field_text("SOFTWARE"), "STUN test client");
    ck_assert_str_eq(field_text("PRIORITY"), "1845494271");
    ck_assert_str_eq(field_text("ICE-CONTROLLED"), "932ff9b151263b36");
    ck_assert_str_eq(field_text("FINGERPRINT"), "e57a3bcf");
    ck_assert_str_eq(field_text("Message Transaction ID"), "b7e7a701bc34d686fa87dfae");
}
END_TEST

START_TEST(rfc5769_ipv4_response)
{
    size_t n = udp_frame(&from_server, rfc5769_resp4, sizeof rfc5769_resp4);
    decode_full(g_frame, n);
    const struct ws_stun *s = &g_pkt.a.stun;
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert_uint_eq(s->cls, STUN_SUCCESS);
    ck_assert(s->has_xor_mapped);
    char a[WS_ADDR_STRLEN];
    addr_format(&s->xor_mapped, a, sizeof a);
    ck_assert_str_eq(a, "192.0.2.1");
    ck_assert_uint_eq(s->xor_mapped_port, 32853);
    ck_assert_uint_eq(s->fingerprint, STUN_FP_GOOD);
    ck_assert_str_eq(info_text(),
                     "Binding Success Response XOR-MAPPED-ADDRESS: 192.0.2.1:32853");
    ck_assert_str_eq(field_text("XOR-MAPPED-ADDRESS"), "192.0.2.1:32853");
    ck_assert_ptr_nonnull(strstr(json_text(P_STUN), "\"xor_mapped\":\"192.0.2.1:32853\""));
    ck_assert_ptr_nonnull(strstr(json_text(P_STUN), "\"class\":\"Success Response\""));
    ck_assert_ptr_nonnull(strstr(json_text(P_STUN), "\"fingerprint\":\"good\""));
}
END_TEST

START_TEST(rfc5769_ipv6_response)
{
    size_t n = udp_frame(&from_server, rfc5769_resp6, sizeof rfc5769_resp6);
    decode_full(g_frame, n);
    const struct ws_stun *s = &g_pkt.a.stun;
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    char a[WS_ADDR_STRLEN];
    addr_format(&s->xor_mapped, a, sizeof a);
    ck_assert_str_eq(a, "2001:db8:1234:5678:11:2233:4455:6677");
    ck_assert_uint_eq(s->xor_mapped_port, 32853);
    ck_assert_uint_eq(s->fingerprint, STUN_FP_GOOD);
    ck_assert_str_eq(info_text(), "Binding Success Response XOR-MAPPED-ADDRESS: "
                                  "2001:db8:1234:5678:11:2233:4455:6677:32853");
}
END_TEST

START_TEST(fingerprint_mismatch)
{
    uint8_t m[sizeof rfc5769_resp4];
    memcpy(m, rfc5769_resp4, sizeof m);
    m[25] ^= 0x20; /* one SOFTWARE letter changes case */
    decode_udp(&from_server, m, sizeof m);
    ck_assert_uint_eq(g_pkt.a.stun.fingerprint, STUN_FP_BAD);
    ck_assert_ptr_nonnull(strstr(json_text(P_STUN), "\"fingerprint\":\"bad\""));
}
END_TEST

/* Builds a STUN message of type with the attributes a[0..alen). */
static size_t stun_msg(uint8_t *out, uint16_t type, const uint8_t *a, size_t alen)
{
    pb_be16(out, type);
    pb_be16(out + 2, (uint16_t)alen);
    pb_be32(out + 4, 0x2112A442);
    for (int i = 0; i < 12; i++)
        out[8 + i] = (uint8_t)(0x10 + i);
    memcpy(out + 20, a, alen);
    return 20 + alen;
}

START_TEST(turn_error_response)
{
    static const uint8_t attrs[] = {
        0x00, 0x09, 0x00, 0x10, 0x00, 0x00, 0x04, 0x01, 'U', 'n', 'a', 'u',
        't', 'h', 'o', 'r', 'i', 'z', 'e', 'd', /* ERROR-CODE 401 */
        0x00, 0x15, 0x00, 0x03, 'a', 'b', 'c', 0x00, /* NONCE, padded */
        0x00, 0x14, 0x00, 0x04, 'r', 'e', 'a', 'l', /* REALM */
    };
    uint8_t m[128];
    size_t n = stun_msg(m, 0x0113, attrs, sizeof attrs);
    decode_udp(&from_server, m, n);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert_uint_eq(g_pkt.a.stun.error_code, 401);
    ck_assert_uint_eq(g_pkt.a.stun.method, 3);
    ck_assert_uint_eq(g_pkt.a.stun.cls, STUN_ERROR);
    ck_assert_str_eq(info_text(), "Allocate Error Response error-code: 401 "
                                  "(Unauthenticated) Unauthorized with nonce realm: real");
    ck_assert_str_eq(field_text("ERROR-CODE"), "401 Unauthorized");
}
END_TEST

START_TEST(turn_allocate_and_channel_bind)
{
    /* REQUESTED-TRANSPORT UDP, LIFETIME 600; then CHANNEL-NUMBER 0x4001
     * and XOR-PEER-ADDRESS 192.0.2.9:6000 */
    static const uint8_t alloc[] = {
        0x00, 0x19, 0x00, 0x04, 17, 0, 0, 0, 0x00, 0x0d, 0x00, 0x04, 0, 0, 2, 0x58,
    };
    uint8_t m[128];
    size_t n = stun_msg(m, 0x0003, alloc, sizeof alloc);
    decode_udp(&to_server, m, n);
    ck_assert_str_eq(info_text(), "Allocate Request UDP lifetime: 600");
    static const uint8_t bind[] = {
        0x00, 0x0c, 0x00, 0x04, 0x40, 0x01, 0, 0,
        0x00, 0x12, 0x00, 0x08, 0x00, 0x01, 0x17 ^ 0x21, 0x70 ^ 0x12,
        192 ^ 0x21, 0 ^ 0x12, 2 ^ 0xa4, 9 ^ 0x42,
    };
    n = stun_msg(m, 0x0009, bind, sizeof bind);
    decode_udp(&to_server, m, n);
    ck_assert_str_eq(info_text(),
                     "Channel-Bind Request ChannelNumber=0x4001 XOR-PEER-ADDRESS: 192.0.2.9:6000");
}
END_TEST

START_TEST(channel_data_on_port)
{
    static const uint8_t cd[] = {0x40, 0x01, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', 0, 0, 0};
    decode_udp(&to_server, cd, sizeof cd);
    ck_assert_int_eq(g_pkt.app, P_STUN);
    ck_assert(g_pkt.a.stun.channel_data);
    ck_assert_uint_eq(g_pkt.a.stun.channel, 0x4001);
    ck_assert_str_eq(info_text(), "ChannelData TURN Message");
    /* not by content alone: on other ports it is just UDP data */
    decode_udp(&high_ports, cd, sizeof cd);
    ck_assert_int_ne(g_pkt.app, P_STUN);
}
END_TEST

START_TEST(content_detection)
{
    decode_udp(&high_ports, rfc5769_resp4, sizeof rfc5769_resp4);
    ck_assert_int_eq(g_pkt.app, P_STUN);
    /* a wrong cookie, or a length that disagrees with the datagram: no */
    uint8_t m[sizeof rfc5769_resp4];
    memcpy(m, rfc5769_resp4, sizeof m);
    m[4] = 0x22;
    decode_udp(&high_ports, m, sizeof m);
    ck_assert_int_ne(g_pkt.app, P_STUN);
    memcpy(m, rfc5769_resp4, sizeof m);
    m[3] = 0x38;
    decode_udp(&high_ports, m, sizeof m);
    ck_assert_int_ne(g_pkt.app, P_STUN);
}
END_TEST

START_TEST(attribute_past_end)
{
    uint8_t m[sizeof rfc5769_resp4];
    memcpy(m, rfc5769_resp4, sizeof m);
    m[38] = 0x00;
    m[39] = 0x40; /* XOR-MAPPED-ADDRESS claims 64 bytes */
    decode_udp(&from_server, m, sizeof m);
    ck_assert_int_eq(g_pkt.app, P_STUN);
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    ck_assert(!g_pkt.a.stun.has_xor_mapped);
    (void)info_text();
    ck_assert_ptr_nonnull(strstr(json_text(P_STUN), "(cut short)"));
}
END_TEST

START_TEST(message_length_past_datagram)
{
    /* on port 3478 a message whose length says more than the datagram */
    uint8_t m[sizeof rfc5769_resp4];
    memcpy(m, rfc5769_resp4, sizeof m);
    m[3] = 0x80;
    decode_udp(&from_server, m, sizeof m);
    ck_assert_int_eq(g_pkt.app, P_STUN);
    ck_assert_int_ne(g_pkt.event, EV_NONE);
}
END_TEST

START_TEST(control_bytes_sanitised)
{
    static const uint8_t attrs[] = {
        0x00, 0x06, 0x00, 0x06, 'a', 0x1b, '[', '2', 'J', 0xff, 0, 0,
    };
    uint8_t m[64];
    size_t n = stun_msg(m, 0x0001, attrs, sizeof attrs);
    decode_udp(&to_server, m, n);
    ck_assert_str_eq(info_text(), "Binding Request user: a\\x1b[2J\\xff");
}
END_TEST

START_TEST(caplen_sweeps)
{
    caplen_sweep(g_frame, udp_frame(&to_server, rfc5769_request, sizeof rfc5769_request),
                 P_STUN);
    caplen_sweep(g_frame, udp_frame(&from_server, rfc5769_resp6, sizeof rfc5769_resp6),
                 P_STUN);
}
END_TEST

static void collect(const struct txn *x, void *arg)
{
    *(const struct txn **)arg = x;
}

START_TEST(binding_transaction)
{
    struct app_tracker *t = app_tracker_new(16);
    struct flow f;
    memset(&f, 0, sizeof f);
    f.id = 7;
    struct app_ctx ctx = {.t = t, .number = 1, .ts_ns = 1000000000, .flow = &f};
    decode_udp(&to_server, rfc5769_request, sizeof rfc5769_request);
    proto_get(P_STUN)->app->track(&ctx, &g_pkt, layer_of(P_STUN));
    /* the IPv4 response shares the request's transaction id */
    ctx.number = 2;
    ctx.ts_ns += 2500000;
    ctx.dir = FLOW_B2A;
    decode_udp(&from_server, rfc5769_resp4, sizeof rfc5769_resp4);
    proto_get(P_STUN)->app->track(&ctx, &g_pkt, layer_of(P_STUN));
    ck_assert_uint_eq(app_tracker_txn_count(t), 1);
    const struct txn *x = NULL;
    app_tracker_foreach_txn(t, collect, &x);
    ck_assert_ptr_nonnull(x);
    ck_assert(x->done);
    ck_assert_int_eq(x->proto, P_STUN);
    ck_assert_uint_eq(x->scope, 7);
    ck_assert_str_eq(x->what, "Binding Request");
    ck_assert_str_eq(x->result, "Success XOR-MAPPED-ADDRESS 192.0.2.1:32853");
    ck_assert_uint_eq(x->nmsgs, 2);
    ck_assert_uint_eq(x->msgs[1].ts_ns - x->msgs[0].ts_ns, 2500000);
    app_tracker_free(t);
}
END_TEST

static Suite *stun_suite(void)
{
    Suite *s = suite_create("stun");
    TCase *tc = tcase_create("stun");
    tcase_add_test(tc, rfc5769_sample_request);
    tcase_add_test(tc, rfc5769_ipv4_response);
    tcase_add_test(tc, rfc5769_ipv6_response);
    tcase_add_test(tc, fingerprint_mismatch);
    tcase_add_test(tc, turn_error_response);
    tcase_add_test(tc, turn_allocate_and_channel_bind);
    tcase_add_test(tc, channel_data_on_port);
    tcase_add_test(tc, content_detection);
    tcase_add_test(tc, attribute_past_end);
    tcase_add_test(tc, message_length_past_datagram);
    tcase_add_test(tc, control_bytes_sanitised);
    tcase_add_test(tc, caplen_sweeps);
    tcase_add_test(tc, binding_transaction);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stun_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free(g_copy);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
