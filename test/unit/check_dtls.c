/* DTLS dissector: records, handshake headers and fragments, ClientHello,
 * the Protocol column rule, malformed and truncated datagrams. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "apptest.h"
#include "pktbuild.h"
#include "proto/proto.h"
#include "wirescope/info.h"
#include "wirescope/textbuf.h"

static const struct pb_ends ends = {0x0a000001, 0x0a000002, 40000, 4433};

/* Record (handshake, DTLS 1.0 record version, epoch 0, seq 0) holding a
 * whole ClientHello: version DTLS 1.2, random, no session id, a cookie of
 * cookie_len bytes, two cipher suites, null compression. */
static size_t client_hello(uint8_t *out, uint8_t cookie_len)
{
    size_t body = 2 + 32 + 1 + 1 + cookie_len + 2 + 4 + 2;
    uint8_t *r = out;
    r[0] = 22;
    pb_be16(r + 1, 0xfeff);
    memset(r + 3, 0, 8);
    pb_be16(r + 11, (uint16_t)(12 + body));
    uint8_t *h = r + 13;
    h[0] = 1;
    h[1] = 0;
    pb_be16(h + 2, (uint16_t)body);
    pb_be16(h + 4, 0);
    memset(h + 6, 0, 3);
    h[9] = 0;
    pb_be16(h + 10, (uint16_t)body);
    uint8_t *b = h + 12;
    pb_be16(b, 0xfefd);
    memset(b + 2, 0x5a, 32);
    b[34] = 0;
    b[35] = cookie_len;
    memset(b + 36, 0xcc, cookie_len);
    uint8_t *cs = b + 36 + cookie_len;
    pb_be16(cs, 4);
    pb_be16(cs + 2, 0xc02b);
    pb_be16(cs + 4, 0xc02f);
    cs[6] = 1;
    cs[7] = 0;
    return 13 + 12 + body;
}

START_TEST(client_hello_first_and_second)
{
    uint8_t m[256];
    size_t n = client_hello(m, 0);
    decode_udp(&ends, m, n);
    ck_assert_int_eq(g_pkt.app, P_DTLS);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert_uint_eq(g_pkt.a.dtls.content_type, 22);
    ck_assert_uint_eq(g_pkt.a.dtls.handshake_type, 1);
    ck_assert_uint_eq(g_pkt.a.dtls.version, 0xfeff);
    ck_assert_uint_eq(g_pkt.a.dtls.nrecords, 1);
    ck_assert_str_eq(protocol_text(), "DTLS");
    ck_assert_str_eq(info_text(), "Client Hello");
    ck_assert_str_eq(field_text("Cipher Suites"), "2 suites");
    ck_assert_str_eq(field_text("Cookie Length"), "0");
    ck_assert_str_eq(field_text("Client Version"), "DTLSv1.2 (0xfefd)");
    /* after a HelloVerifyRequest the ClientHello carries the cookie */
    n = client_hello(m, 20);
    decode_udp(&ends, m, n);
    ck_assert_str_eq(protocol_text(), "DTLSv1.0");
    ck_assert_str_eq(field_text("Cookie Length"), "20");
}
END_TEST

START_TEST(several_records)
{
    static const uint8_t m[] = {
        20, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 5, 0, 1, 1,
        22, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef,
    };
    decode_udp(&ends, m, sizeof m);
    ck_assert_int_eq(g_pkt.app, P_DTLS);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert_uint_eq(g_pkt.a.dtls.nrecords, 2);
    ck_assert_uint_eq(g_pkt.a.dtls.seq, 5);
    ck_assert_str_eq(protocol_text(), "DTLSv1.2");
    ck_assert_str_eq(info_text(), "Change Cipher Spec, Encrypted Handshake Message");
    ck_assert_str_eq(json_text(P_DTLS),
                     "\"records\":[{\"content_type\":20,\"version\":\"DTLSv1.2\",\"epoch\":0,"
                     "\"seq\":5,\"length\":1},{\"content_type\":22,\"version\":\"DTLSv1.2\","
                     "\"epoch\":1,\"seq\":0,\"length\":4}]");
}
END_TEST

START_TEST(fragments_and_alerts)
{
    /* Certificate of 1000 bytes: the first 4 bytes, then the last 4 */
    static const uint8_t first[] = {
        22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 2, 0, 16,
        11, 0, 0x03, 0xe8, 0, 2, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4,
    };
    decode_udp(&ends, first, sizeof first);
    ck_assert_str_eq(info_text(), "Certificate (Fragment)");
    static const uint8_t last[] = {
        22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 3, 0, 16,
        11, 0, 0x03, 0xe8, 0, 2, 0, 0x03, 0xe4, 0, 0, 4, 1, 2, 3, 4,
    };
    decode_udp(&ends, last, sizeof last);
    ck_assert_str_eq(info_text(), "Certificate (Reassembled)");
    static const uint8_t alert[] = {21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 7, 0, 2, 2, 40};
    decode_udp(&ends, alert, sizeof alert);
    ck_assert_str_eq(info_text(), "Alert (Level: Fatal, Description: Handshake Failure)");
    static const uint8_t enc[] = {21, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 7, 0, 2, 0x11, 0x22};
    decode_udp(&ends, enc, sizeof enc);
    ck_assert_str_eq(info_text(), "Encrypted Alert");
}
END_TEST

START_TEST(malformed)
{
    uint8_t m[256];
    size_t n = client_hello(m, 0);
    /* record length past the datagram: not DTLS by content; on a DTLS
     * flow flagged */
    pb_be16(m + 11, 500);
    decode_udp(&ends, m, n);
    ck_assert_int_ne(g_pkt.app, P_DTLS);
    decode_known(g_frame, udp_frame(&ends, m, n), P_DTLS);
    ck_assert_int_eq(g_pkt.app, P_DTLS);
    ck_assert_int_eq(g_pkt.event, EV_TRUNCATED);
    ck_assert_str_eq(info_text(), "Client Hello[Malformed Packet]");
    /* handshake fragment longer than its record */
    n = client_hello(m, 0);
    m[13 + 11] = 200;
    decode_udp(&ends, m, n);
    ck_assert_int_eq(g_pkt.app, P_DTLS);
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    /* cipher suites length past the message */
    n = client_hello(m, 0);
    pb_be16(m + 13 + 12 + 36, 0x4000);
    decode_udp(&ends, m, n);
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    /* an unknown record version is not DTLS by content */
    n = client_hello(m, 0);
    pb_be16(m + 1, 0x0303);
    decode_udp(&ends, m, n);
    ck_assert_int_ne(g_pkt.app, P_DTLS);
}
END_TEST

START_TEST(caplen_sweep_client_hello)
{
    uint8_t m[256];
    size_t n = udp_frame(&ends, m, client_hello(m, 8));
    g_known = P_DTLS;
    caplen_sweep(g_frame, n, P_DTLS);
    g_known = P_NONE;
}
END_TEST

static Suite *dtls_suite(void)
{
    Suite *s = suite_create("dtls");
    TCase *tc = tcase_create("dtls");
    tcase_add_test(tc, client_hello_first_and_second);
    tcase_add_test(tc, several_records);
    tcase_add_test(tc, fragments_and_alerts);
    tcase_add_test(tc, malformed);
    tcase_add_test(tc, caplen_sweep_client_hello);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dtls_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free(g_copy);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
