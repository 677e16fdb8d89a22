/* Tests of the TLS dissector on a real ClientHello and ServerHello
 * (openssl 3.0 s_client / s_server, test/app/tls/tls13.pcap) and variants. */
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
 * The oracle is tshark 4.0.17: the byte arrays are TCP payloads of
 * test/app/tls/tls13.pcap (frame 4, and the first 133 bytes of frame 6:
 * the ServerHello and ChangeCipherSpec records) and alert.pcap (frame 6).
 * Expected values come from
 *
 *     tshark -n -r tls13.pcap -o tcp.desegment_tcp_streams:FALSE -V
 *
 * for those frames, and the Info/Protocol strings from -T fields -e
 * _ws.col.Protocol -e _ws.col.Info on a pcap holding each payload as one
 * segment (port 443, after a handshake).
 */

/* ClientHello: SNI example.test, ALPN h2 and http/1.1, 4 cipher suites,
 * 11 extensions, supported_versions TLS 1.3 (264 bytes, one record) */
static const uint8_t client_hello[] = {
    0x16, 0x03, 0x01, 0x01, 0x03, 0x01, 0x00, 0x00, 0xff, 0x03, 0x03, 0xb6,
    0x22, 0x3f, 0xa8, 0x7f, 0x95, 0x2f, 0x39, 0x4f, 0xd7, 0xc9, 0x01, 0xd7,
    0x4b, 0x10, 0xe7, 0x93, 0x07, 0xbe, 0xc1, 0x70, 0x30, 0x9f, 0x56, 0x27,
    0xb6, 0xba, 0xff, 0x38, 0x8f, 0x41, 0xad, 0x20, 0x28, 0xdc, 0xe5, 0x60,
    0x55, 0x8d, 0xd9, 0x7b, 0x45, 0x80, 0xb2, 0x9c, 0xba, 0x39, 0x98, 0xe4,
    0x96, 0xad, 0x6d, 0xf7, 0x78, 0x19, 0xb2, 0x9c, 0xc1, 0x19, 0x82, 0xcf,
    0x68, 0x62, 0xdb, 0x64, 0x00, 0x08, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
    0x00, 0xff, 0x01, 0x00, 0x00, 0xae, 0x00, 0x00, 0x00, 0x11, 0x00, 0x0f,
    0x00, 0x00, 0x0c, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x74,
    0x65, 0x73, 0x74, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00,
    0x0a, 0x00, 0x16, 0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00,
    0x19, 0x00, 0x18, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01,
    0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02,
    0x68, 0x32, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x00,
    0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x1e, 0x00,
    0x1c, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08,
    0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04,
    0x01, 0x05, 0x01, 0x06, 0x01, 0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04,
    0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24,
    0x00, 0x1d, 0x00, 0x20, 0xc1, 0xd1, 0x9c, 0x20, 0xb1, 0x70, 0x0a, 0x06,
    0x1a, 0xc2, 0x30, 0x2e, 0x55, 0xa2, 0xb5, 0x02, 0x41, 0x29, 0x35, 0xc7,
    0x51, 0x4a, 0x50, 0xa2, 0xf8, 0xf9, 0x8c, 0x4d, 0xd5, 0xe9, 0x30, 0x5b,
};

/* ServerHello (TLS 1.3 via supported_versions, TLS_AES_256_GCM_SHA384)
 * and ChangeCipherSpec (133 bytes) */
static const uint8_t server_hello[] = {
    0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03, 0x53,
    0xb1, 0x2e, 0x48, 0x05, 0xe4, 0xbe, 0x7c, 0xe1, 0xa5, 0x34, 0x4d, 0x39,
    0x40, 0xac, 0xf8, 0x89, 0x02, 0x31, 0x57, 0x67, 0x0f, 0xa8, 0x3d, 0x95,
    0x87, 0x0f, 0xd4, 0xa7, 0x6c, 0x36, 0x7a, 0x20, 0x28, 0xdc, 0xe5, 0x60,
    0x55, 0x8d, 0xd9, 0x7b, 0x45, 0x80, 0xb2, 0x9c, 0xba, 0x39, 0x98, 0xe4,
    0x96, 0xad, 0x6d, 0xf7, 0x78, 0x19, 0xb2, 0x9c, 0xc1, 0x19, 0x82, 0xcf,
    0x68, 0x62, 0xdb, 0x64, 0x13, 0x02, 0x00, 0x00, 0x2e, 0x00, 0x2b, 0x00,
    0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x9a,
    0x1e, 0xae, 0xc2, 0x9a, 0x3e, 0xf2, 0x57, 0xfc, 0xe6, 0xdc, 0xa9, 0x03,
    0xd5, 0xaa, 0x6d, 0x56, 0x22, 0x7a, 0x66, 0xdf, 0xd0, 0xbb, 0x93, 0xc5,
    0x8c, 0x7c, 0x1a, 0x16, 0x36, 0xd7, 0x33, 0x14, 0x03, 0x03, 0x00, 0x01,
    0x01,
};

/* Alert record: fatal, protocol_version */
static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46};

static const struct pb_ends to443 = {0x0a000001, 0x0a000002, 40000, 443};
static const struct pb_ends from443 = {0x0a000002, 0x0a000001, 443, 40000};
static const struct pb_ends to4433 = {0x0a000001, 0x0a000002, 40000, 4433};

START_TEST(client_hello_fields)
{
    decode_tcp(&to443, client_hello, sizeof client_hello);
    ck_assert_uint_eq(g_pkt.app, P_TLS);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    const struct ws_tls *t = &g_pkt.a.tls;
    ck_assert_uint_eq(t->nrecords, 1);
    ck_assert_uint_eq(t->rec[0].type, 22);
    ck_assert_uint_eq(t->rec[0].version, 0x0301);
    ck_assert_uint_eq(t->rec[0].len, 259);
    ck_assert_uint_eq(t->nhs, 1);
    ck_assert_uint_eq(t->hs[0], 1);
    ck_assert_uint_eq(t->hello_version, 0x0303);
    ck_assert_str_eq(span_text(t->sni), "example.test");
    ck_assert_uint_eq(t->nalpn, 2);
    ck_assert_str_eq(span_text(t->alpn[0]), "h2");
    ck_assert_str_eq(span_text(t->alpn[1]), "http/1.1");
    ck_assert_uint_eq(t->max_offered, 0x0304);
    ck_assert_str_eq(info_protocol(&g_pkt), "TLSv1");
    ck_assert_str_eq(info_text(), "Client Hello");
    ck_assert_str_eq(field_nth("Cipher Suites", 0), "4 suites");
    ck_assert_str_eq(field_nth("Cipher Suite", 0), "TLS_AES_256_GCM_SHA384 (0x1302)");
    ck_assert_str_eq(field_nth("Cipher Suite", 1), "TLS_CHACHA20_POLY1305_SHA256 (0x1303)");
    ck_assert_str_eq(field_nth("Cipher Suite", 2), "TLS_AES_128_GCM_SHA256 (0x1301)");
    ck_assert_str_eq(field_nth("Cipher Suite", 3), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00ff)");
    ck_assert_str_eq(field_nth("Session ID Length", 0), "32");
    ck_assert_str_eq(field_nth("Extensions Length", 0), "174");
    static const char *const exts[] = {
        "server_name (0), length 17", "ec_point_formats (11), length 4",
        "supported_groups (10), length 22", "session_ticket (35), length 0",
        "application_layer_protocol_negotiation (16), length 14",
        "encrypt_then_mac (22), length 0", "extended_master_secret (23), length 0",
        "signature_algorithms (13), length 30", "supported_versions (43), length 3",
        "psk_key_exchange_modes (45), length 2", "key_share (51), length 38",
    };
    for (unsigned i = 0; i < sizeof exts / sizeof exts[0]; i++)
        ck_assert_str_eq(field_nth("Extension", i), exts[i]);
    ck_assert_ptr_null(field_nth("Extension", 11));
    ck_assert_str_eq(field_nth("Server Name", 0), "example.test");
    ck_assert_str_eq(field_nth("Supported Version", 0), "TLS 1.3 (0x0304)");
}
END_TEST

START_TEST(server_hello_negotiates_13)
{
    decode_tcp(&from443, server_hello, sizeof server_hello);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    const struct ws_tls *t = &g_pkt.a.tls;
    ck_assert_uint_eq(t->nrecords, 2);
    ck_assert_uint_eq(t->rec[1].type, 20);
    ck_assert(t->has_cipher);
    ck_assert_uint_eq(t->cipher, 0x1302);
    ck_assert_uint_eq(t->negotiated, 0x0304);
    ck_assert_uint_eq(t->hello_version, 0x0303);
    ck_assert_str_eq(info_protocol(&g_pkt), "TLSv1.3");
    ck_assert_str_eq(info_text(), "Server Hello, Change Cipher Spec");
    ck_assert_str_eq(field_nth("Cipher Suite", 0), "TLS_AES_256_GCM_SHA384 (0x1302)");
}
END_TEST

START_TEST(alert_record)
{
    decode_tcp(&from443, alert, sizeof alert);
    ck_assert_uint_eq(g_pkt.a.tls.rec[0].alert_level, 2);
    ck_assert_uint_eq(g_pkt.a.tls.rec[0].alert_desc, 70);
    ck_assert_str_eq(info_protocol(&g_pkt), "TLSv1.2");
    ck_assert_str_eq(info_text(), "Alert (Level: Fatal, Description: Protocol Version)");
}
END_TEST

START_TEST(content_detection)
{
    decode_tcp(&to4433, client_hello, sizeof client_hello);
    ck_assert_uint_eq(g_pkt.app, P_TLS);
    static const uint8_t junk[] = {0x16, 0x03, 0x03, 0x00, 0x10, 0x63, 1, 2, 3};
    decode_tcp(&to4433, junk, sizeof junk); /* handshake type 0x63 is none */
    ck_assert_uint_ne(g_pkt.app, P_TLS);
    static const uint8_t old[] = {0x17, 0x03, 0x05, 0x00, 0x02, 1, 2};
    decode_tcp(&to4433, old, sizeof old); /* version 3.5 */
    ck_assert_uint_ne(g_pkt.app, P_TLS);
}
END_TEST

START_TEST(continuation_and_cut_records)
{
    /* bytes from inside a record, on the TLS port */
    decode_tcp(&from443, client_hello + 100, sizeof client_hello - 100);
    ck_assert_uint_eq(g_pkt.app, P_TLS);
    ck_assert(g_pkt.a.tls.continuation);
    ck_assert_str_eq(info_text(), "Continuation Data");
    ck_assert_str_eq(info_protocol(&g_pkt), "TLS");
    /* a ClientHello the segment cuts: decoded as far as it goes, not
     * malformed, not listed (tshark: empty Info) */
    decode_tcp(&to443, client_hello, 100);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert(g_pkt.a.tls.rec[0].cut);
    ck_assert_uint_eq(g_pkt.a.tls.nhs, 0);
    ck_assert_str_eq(span_text(g_pkt.a.tls.sni), "");
    ck_assert_str_eq(info_text(), "");
    /* a whole ServerHello and a cut ChangeCipherSpec after it */
    decode_tcp(&from443, server_hello, sizeof server_hello - 1);
    ck_assert_str_eq(info_text(), "Server Hello");
}
END_TEST

/* A copy of the ClientHello with byte `at` set to v (and v2 at at+1). */
static void patched(size_t at, uint8_t v, int v2)
{
    static uint8_t p[sizeof client_hello];
    memcpy(p, client_hello, sizeof p);
    p[at] = v;
    if (v2 >= 0)
        p[at + 1] = (uint8_t)v2;
    decode_tcp(&to443, p, sizeof p);
}

/* Offsets in client_hello: record header 0..4, handshake header 5..8,
 * version 9, random 11..42, session id length 43, session id 44..75,
 * cipher suites length 76..77, suites 78..85, compression 86..87,
 * extensions length 88..89, first extension 90 (server_name, length at 92). */
START_TEST(malformed_variants)
{
    ck_assert_uint_eq(client_hello[43], 32);
    ck_assert_uint_eq(client_hello[77], 8);
    ck_assert_uint_eq(client_hello[89], 174);
    patched(7, 0x01, 0x10); /* handshake length 0x110 past the 259-byte record */
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    patched(76, 0xff, 0xfe); /* 32767 cipher suites claimed */
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    patched(77, 9, -1); /* an odd number of cipher suite bytes */
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    patched(92, 0x01, 0x00); /* server_name length past the extensions */
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    patched(88, 0x00, 0xb0); /* extensions length past the message */
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    patched(43, 33, -1); /* session id longer than 32 */
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    /* a record length past the segment is not malformed: it continues */
    patched(3, 0x02, 0x00);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert(g_pkt.a.tls.rec[0].cut);
}
END_TEST

START_TEST(caplen_sweep_client_hello)
{
    size_t n = tcp_frame(&to443, client_hello, sizeof client_hello);
    size_t payload_off = n - sizeof client_hello;
    for (size_t cap = payload_off + 1; cap < n; cap++) {
        decode_cut(g_frame, cap, n, true); /* exact size: ASan sees an over-read */
        ck_assert_uint_eq(g_pkt.app, P_TLS);
        ck_assert_msg(g_pkt.event == EV_TRUNCATED, "cut at %zu: event %u", cap, g_pkt.event);
        (void)info_text();
        (void)protocol_text();
    }
}
END_TEST

START_TEST(many_records_bounded)
{
    uint8_t buf[7 * (TLS_MAX_RECORDS + 4)];
    for (unsigned i = 0; i < TLS_MAX_RECORDS + 4; i++)
        memcpy(buf + 7 * i, alert, 7);
    decode_tcp(&from443, buf, sizeof buf);
    ck_assert_uint_eq(g_pkt.a.tls.nrecords, TLS_MAX_RECORDS);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
}
END_TEST

START_TEST(track_keeps_hello_facts)
{
    struct tracked k;
    track_init(&k, P_TLS, 3, &to443, &from443);
    track_seg(&k, true, client_hello, sizeof client_hello, false);
    track_seg(&k, false, server_hello, sizeof server_hello, false);
    /* the state's first members: server name, offered ALPN, chosen ALPN,
     * version, cipher (struct tls_flow in tls.c) */
    const char *st = app_flow_state(&k.ctx, 1);
    ck_assert_ptr_nonnull(st);
    ck_assert_str_eq(st, "example.test");
    ck_assert_str_eq(st + 256, "h2,http/1.1");
    uint16_t v;
    memcpy(&v, st + 256 + 64 + 64, 2);
    ck_assert_uint_eq(v, 0x0304);
    app_tracker_free(k.t);
}
END_TEST

static Suite *tls_suite(void)
{
    Suite *s = suite_create("tls");
    TCase *tc = tcase_create("dissector");
    tcase_add_test(tc, client_hello_fields);
    tcase_add_test(tc, server_hello_negotiates_13);
    tcase_add_test(tc, alert_record);
    tcase_add_test(tc, content_detection);
    tcase_add_test(tc, continuation_and_cut_records);
    tcase_add_test(tc, malformed_variants);
    tcase_add_test(tc, caplen_sweep_client_hello);
    tcase_add_test(tc, many_records_bounded);
    tcase_add_test(tc, track_keeps_hello_facts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tls_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
