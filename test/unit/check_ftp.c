/* FTP control and FTP-DATA dissectors on hand-built segments: commands and
 * replies (RFC 959), multi-line replies, PASV/EPSV/PORT/EPRT addresses
 * (RFC 959, RFC 1123 4.1.2.6, RFC 2428) with bad numbers, PASS masking in
 * every output, continuation and truncation, caplen sweeps, and the track
 * hook: transactions and the data connections it announces. Expected Info
 * texts are tshark 4.0's for the same bytes (with the password masked). */
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

static const struct pb_ends to_server = {0x0a000002, 0x0a000001, 40000, 21};
static const struct pb_ends from_server = {0x0a000001, 0x0a000002, 21, 40000};

static bool any_field_contains(const char *needle)
{
    for (unsigned i = 0; i < g_pkt.nfields; i++)
        if (strstr(g_pkt.ftext + g_pkt.fields[i].text, needle))
            return true;
    return false;
}

START_TEST(user_command)
{
    decode_str(&to_server, "USER anonymous\r\n");
    ck_assert_int_eq(g_pkt.app, P_FTP);
    ck_assert_str_eq(info_protocol(&g_pkt), "FTP");
    ck_assert_str_eq(info_text(), "Request: USER anonymous");
    ck_assert_str_eq(field_text("Request command"), "USER");
    ck_assert_str_eq(field_text("Request arg"), "anonymous");
    ck_assert(g_pkt.a.ftp.request);
    json_has(P_FTP, "\"command\":\"USER\",\"arg\":\"anonymous\"");
    ck_assert_int_eq(g_pkt.event, EV_NONE);
}
END_TEST

START_TEST(pass_masked_everywhere)
{
    decode_str(&to_server, "PASS s3cr3t-pw\r\n");
    ck_assert_str_eq(info_text(), "Request: PASS ********");
    ck_assert_str_eq(field_text("Request command"), "PASS");
    ck_assert_str_eq(field_text("Request arg"), "********");
    ck_assert_str_eq(field_text("Request"), "PASS ********");
    ck_assert(!any_field_contains("s3cr3t"));
    json_has(P_FTP, "\"command\":\"PASS\",\"arg\":\"********\"");
    ck_assert_ptr_null(strstr(json_text(P_FTP), "s3cr3t"));
    /* lower case, and a second line of the same segment */
    decode_str(&to_server, "pass hunter2\r\n");
    ck_assert_str_eq(info_text(), "Request: pass ********");
    decode_str(&to_server, "USER bob\r\nPASS hunter2\r\n");
    ck_assert_str_eq(info_text(), "Request: USER bob");
    ck_assert(!any_field_contains("hunter2"));
    /* PASS alone has nothing to hide */
    decode_str(&to_server, "PASS\r\n");
    ck_assert_str_eq(info_text(), "Request: PASS");
}
END_TEST

START_TEST(greeting_reply)
{
    decode_str(&from_server, "220 (vsFTPd 3.0.3)\r\n");
    ck_assert_str_eq(info_text(), "Response: 220 (vsFTPd 3.0.3)");
    ck_assert_str_eq(field_text("Response code"), "220");
    ck_assert_str_eq(field_text("Response arg"), "(vsFTPd 3.0.3)");
    ck_assert_uint_eq(g_pkt.a.ftp.reply, 220);
    json_has(P_FTP, "\"reply_code\":220,\"reply_text\":\"(vsFTPd 3.0.3)\"");
    /* a code alone */
    decode_str(&from_server, "220\r\n");
    ck_assert_str_eq(info_text(), "Response: 220");
    ck_assert_uint_eq(g_pkt.a.ftp.reply, 220);
}
END_TEST

START_TEST(multiline_reply)
{
    decode_str(&from_server, "211-Features:\r\n EPRT\r\n PASV\r\n211 End\r\n");
    ck_assert_str_eq(info_text(), "Response: 211-Features:");
    ck_assert_uint_eq(g_pkt.a.ftp.reply, 211);
    ck_assert(g_pkt.a.ftp.multiline);
    ck_assert_str_eq(field_text("Response arg"), "Features:");
    json_has(P_FTP, "\"multiline\":true");
    /* a segment with a line from the middle: no code */
    decode_str(&from_server, " EPRT\r\n");
    ck_assert_str_eq(info_text(), "Response:  EPRT");
    ck_assert(g_pkt.a.ftp.continuation);
    ck_assert_ptr_null(field_text("Response code"));
    ck_assert_str_eq(field_text("Response arg"), " EPRT");
    json_has(P_FTP, "\"reply_code\":null");
    /* 999 is no reply code (first digit 1-5): a text line */
    decode_str(&from_server, "999 odd\r\n");
    ck_assert(g_pkt.a.ftp.continuation);
}
END_TEST

START_TEST(pasv_reply)
{
    decode_str(&from_server, "227 Entering Passive Mode (192,168,1,2,19,137).\r\n");
    ck_assert_int_eq(g_pkt.a.ftp.data_kind, FTP_DATA_PASV);
    ck_assert_uint_eq(g_pkt.a.ftp.data_port, 5001);
    ck_assert_str_eq(field_text("Passive IP address"), "192.168.1.2");
    ck_assert_str_eq(field_text("Passive port"), "5001");
    json_has(P_FTP, "\"data_mode\":\"PASV\",\"data_addr\":\"192.168.1.2\",\"data_port\":5001");
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    /* RFC 1123 4.1.2.6: the parentheses may be missing */
    decode_str(&from_server, "227 Entering Passive Mode 10,0,0,1,4,1\r\n");
    ck_assert_int_eq(g_pkt.a.ftp.data_kind, FTP_DATA_PASV);
    ck_assert_uint_eq(g_pkt.a.ftp.data_port, 1025);
    ck_assert_str_eq(field_text("Passive IP address"), "10.0.0.1");
}
END_TEST

START_TEST(pasv_bad_numbers)
{
    static const char *const bad[] = {
        "227 Entering Passive Mode (10,0,0,300,4,1)\r\n",  /* octet > 255 */
        "227 Entering Passive Mode (10,0,0,1,4,256)\r\n",  /* port byte > 255 */
        "227 Entering Passive Mode (10,0,0,1,0,0)\r\n",    /* port 0 */
        "227 Entering Passive Mode (10,0,0,1)\r\n",        /* four numbers */
        "227 Entering Passive Mode\r\n",                   /* none */
        "227 Entering Passive Mode (99999999999,0,0,1,4,1)\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        decode_str(&from_server, bad[i]);
        ck_assert_msg(g_pkt.a.ftp.bad_data_addr, "%s", bad[i]);
        ck_assert_int_eq(g_pkt.a.ftp.data_kind, FTP_DATA_NONE);
        ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
        ck_assert_ptr_null(field_text("Passive port"));
        ck_assert_ptr_nonnull(field_text("Malformed address"));
        ck_assert_ptr_null(strstr(json_text(P_FTP), "data_port"));
    }
}
END_TEST

START_TEST(epsv_reply)
{
    decode_str(&from_server, "229 Entering Extended Passive Mode (|||6446|)\r\n");
    ck_assert_int_eq(g_pkt.a.ftp.data_kind, FTP_DATA_EPSV);
    ck_assert_uint_eq(g_pkt.a.ftp.data_port, 6446);
    ck_assert_str_eq(field_text("Extended passive port"), "6446");
    /* the data connection goes to the server, the reply's sender */
    json_has(P_FTP, "\"data_mode\":\"EPSV\",\"data_addr\":\"10.0.0.1\",\"data_port\":6446");
    decode_str(&from_server, "229 (!!!6446!)\r\n"); /* any delimiter */
    ck_assert_uint_eq(g_pkt.a.ftp.data_port, 6446);
    static const char *const bad[] = {
        "229 Entering Extended Passive Mode |||6446|\r\n",     /* no parentheses */
        "229 Entering Extended Passive Mode (|||70000|)\r\n",  /* port > 65535 */
        "229 Entering Extended Passive Mode (|||0|)\r\n",
        "229 Entering Extended Passive Mode (||6446|)\r\n",
        "229 Entering Extended Passive Mode (|||6446!)\r\n",
        "229 Entering Extended Passive Mode (|||6446|\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        decode_str(&from_server, bad[i]);
        ck_assert_msg(g_pkt.a.ftp.bad_data_addr, "%s", bad[i]);
        ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    }
}
END_TEST

START_TEST(port_and_eprt)
{
    decode_str(&to_server, "PORT 10,0,0,2,4,1\r\n");
    ck_assert_int_eq(g_pkt.a.ftp.data_kind, FTP_DATA_PORT);
    ck_assert_str_eq(field_text("Active IP address"), "10.0.0.2");
    ck_assert_str_eq(field_text("Active port"), "1025");
    json_has(P_FTP, "\"data_mode\":\"PORT\",\"data_addr\":\"10.0.0.2\",\"data_port\":1025");
    decode_str(&to_server, "EPRT |1|10.0.0.2|5282|\r\n");
    ck_assert_int_eq(g_pkt.a.ftp.data_kind, FTP_DATA_EPRT);
    ck_assert_str_eq(field_text("Extended active IP address"), "10.0.0.2");
    ck_assert_str_eq(field_text("Extended active port"), "5282");
    decode_str(&to_server, "EPRT |2|2001:db8::5|5282|\r\n");
    ck_assert_str_eq(field_text("Extended active IP address"), "2001:db8::5");
    static const char *const bad[] = {
        "PORT 10,0,0,2,300,1\r\n",
        "PORT 10,0,0,2,4\r\n",
        "PORT 10,0,0,2,4,1,7\r\n",
        "PORT 10,0,0,2,4,1x\r\n",
        "EPRT |1|10.0.0.2|99999|\r\n",   /* port > 65535 */
        "EPRT |1|10.0.0.300|5282|\r\n",  /* not an IPv4 address */
        "EPRT |3|10.0.0.2|5282|\r\n",    /* no such family */
        "EPRT |1|10.0.0.2|5282\r\n",     /* last delimiter missing */
        "EPRT |2|10.0.0.2|5282|\r\n",    /* family and address disagree */
        "EPRT\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        decode_str(&to_server, bad[i]);
        ck_assert_msg(g_pkt.a.ftp.bad_data_addr, "%s", bad[i]);
        ck_assert_int_eq(g_pkt.a.ftp.data_kind, FTP_DATA_NONE);
        ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    }
}
END_TEST

START_TEST(continues_or_truncated)
{
    /* the whole segment captured: the line ends in the next one */
    decode_str(&to_server, "USER anon");
    ck_assert_str_eq(info_text(), "Request: USER anon");
    ck_assert(g_pkt.a.ftp.continues);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert_ptr_nonnull(field_text("Continues in the next segment"));
    json_has(P_FTP, "\"arg\":\"anon\"");
    /* the same bytes cut by the snaplen */
    size_t n = tcp_frame(&to_server, "USER anonymous\r\n", 16);
    decode_cut(g_frame, n - 7, n, true);
    ck_assert_int_eq(g_pkt.event, EV_TRUNCATED);
    ck_assert(!g_pkt.a.ftp.continues);
    /* tshark writes no suffix here (its FTP line finder does not throw);
     * every layer cut by the snaplen is flagged, and the Info says so */
    ck_assert_str_eq(info_text(), "Request: USER anon[Packet size limited during capture]");
}
END_TEST

START_TEST(cut_address_not_malformed)
{
    /* the numbers go on in the next segment: nothing judged yet */
    decode_str(&from_server, "227 Entering Passive Mode (10,0,0,");
    ck_assert(g_pkt.a.ftp.continues);
    ck_assert(!g_pkt.a.ftp.bad_data_addr);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    /* cut by the snaplen: truncated, not malformed */
    static const char pasv[] = "227 Entering Passive Mode (10,0,0,1,4,1).\r\n";
    size_t n = tcp_frame(&from_server, pasv, strlen(pasv));
    decode_cut(g_frame, n - 12, n, true);
    ck_assert_int_eq(g_pkt.event, EV_TRUNCATED);
    ck_assert(!g_pkt.a.ftp.bad_data_addr);
}
END_TEST

START_TEST(control_bytes_sanitised)
{
    decode_str(&to_server, "RETR a\xff" "b\x1b[31m\r\n");
    const char *info = info_text();
    ck_assert_str_eq(info, "Request: RETR a\\xffb\\x1b[31m");
    ck_assert_str_eq(field_text("Request arg"), "a\\xffb\\x1b[31m");
    ck_assert_ptr_null(strchr(json_text(P_FTP), 0x1b));
    for (unsigned i = 0; i < g_pkt.nfields; i++)
        ck_assert_ptr_null(strchr(g_pkt.ftext + g_pkt.fields[i].text, 0x1b));
}
END_TEST

START_TEST(ftp_data_by_port)
{
    /* active mode: the server sends from port 20 */
    static const struct pb_ends data = {0x0a000001, 0x0a000002, 20, 41000};
    char payload[300];
    memset(payload, 'x', sizeof payload);
    size_t n = tcp_frame(&data, payload, sizeof payload);
    decode_cut(g_frame, n, n, true);
    ck_assert_int_eq(g_pkt.app, P_FTP_DATA);
    ck_assert_str_eq(info_protocol(&g_pkt), "FTP-DATA");
    ck_assert_str_eq(info_text(), "FTP Data: 300 bytes");
    ck_assert_str_eq(field_text("Data"), "300 bytes");
    json_has(P_FTP_DATA, "\"len\":300,\"captured\":300");
    /* the count is of the bytes on the wire, as tshark's */
    decode_cut(g_frame, n - 100, n, true);
    ck_assert_int_eq(g_pkt.event, EV_TRUNCATED);
    ck_assert_str_eq(info_text(), "FTP Data: 300 bytes[Packet size limited during capture]");
    json_has(P_FTP_DATA, "\"len\":300,\"captured\":200");
    caplen_sweep(g_frame, n, P_FTP_DATA);
}
END_TEST

START_TEST(caplen_sweeps)
{
    static const char *const msgs[] = {
        "USER anonymous\r\n",
        "PASS secret\r\n",
        "227 Entering Passive Mode (10,0,0,1,4,1).\r\n",
        "211-Features:\r\n EPRT\r\n211 End\r\n",
        "EPRT |2|2001:db8::5|5282|\r\n",
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        const struct pb_ends *e = msgs[i][0] >= '0' && msgs[i][0] <= '9' ? &from_server
                                                                         : &to_server;
        size_t n = tcp_frame(e, msgs[i], strlen(msgs[i]));
        caplen_sweep(g_frame, n, P_FTP);
    }
}
END_TEST

/* --- the track hook --- */

START_TEST(transactions)
{
    struct tracked k;
    track_init(&k, P_FTP, 3, &to_server, &from_server);
    track_str(&k, false, "220 Welcome\r\n"); /* no command: no transaction */
    track_str(&k, true, "USER anonymous\r\n");
    track_str(&k, false, "331 Please specify the password.\r\n");
    track_str(&k, true, "PASS guest@example.org\r\n");
    track_str(&k, false, "230 Login successful.\r\n");
    track_str(&k, true, "LIST pub\r\n");
    track_str(&k, false, "150 Here comes the directory listing.\r\n");
    track_str(&k, false, "226 Directory send OK.\r\n");
    struct txn_list l = txns_of(k.t);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_str_eq(l.x[0]->what, "USER anonymous");
    ck_assert_str_eq(l.x[0]->result, "331 Please specify the password.");
    ck_assert(l.x[0]->done);
    ck_assert_uint_eq(l.x[0]->msgs[0].packet, 2);
    ck_assert_uint_eq(l.x[0]->msgs[1].packet, 3);
    ck_assert_str_eq(l.x[1]->what, "PASS ********");
    ck_assert_str_eq(l.x[1]->msgs[0].label, "PASS ********");
    ck_assert_uint_eq(l.x[1]->scope, 3);
    /* 150 is preliminary: a message, not the answer */
    ck_assert_str_eq(l.x[2]->what, "LIST pub");
    ck_assert_uint_eq(l.x[2]->nmsgs, 3);
    /* labels are cut to TXN_LABEL - 1 characters by the tracker */
    ck_assert_int_eq(strncmp(l.x[2]->msgs[1].label,
                             "150 Here comes the directory listing.", TXN_LABEL - 1), 0);
    ck_assert_str_eq(l.x[2]->result, "226 Directory send OK.");
    ck_assert(l.x[2]->done);
    app_tracker_free(k.t);
}
END_TEST

START_TEST(transactions_multiline_and_pipelined)
{
    struct tracked k;
    track_init(&k, P_FTP, 3, &to_server, &from_server);
    track_str(&k, true, "FEAT\r\n");
    track_str(&k, false, "211-Features:\r\n");
    track_str(&k, false, " EPRT\r\n 211 not the end\r\n");
    track_str(&k, false, "211 End\r\n");
    /* two commands in one segment, their replies in one segment */
    track_str(&k, true, "TYPE I\r\nSIZE f\r\n");
    track_str(&k, false, "200 Switching to Binary mode.\r\n213 2592\r\n");
    /* a command split across segments */
    track_str(&k, true, "RETR fi");
    track_str(&k, true, "le.txt\r\n");
    track_str(&k, false, "550 Failed to open file.\r\n");
    struct txn_list l = txns_of(k.t);
    ck_assert_uint_eq(l.n, 4);
    ck_assert_str_eq(l.x[0]->what, "FEAT");
    ck_assert_str_eq(l.x[0]->result, "211 Features:");
    ck_assert_uint_eq(l.x[0]->msgs[1].packet, 4);
    ck_assert_str_eq(l.x[1]->what, "TYPE I");
    ck_assert_str_eq(l.x[1]->result, "200 Switching to Binary mode.");
    ck_assert_str_eq(l.x[2]->what, "SIZE f");
    ck_assert_str_eq(l.x[2]->result, "213 2592");
    ck_assert_str_eq(l.x[3]->what, "RETR file.txt");
    ck_assert_str_eq(l.x[3]->result, "550 Failed to open file.");
    app_tracker_free(k.t);
}
END_TEST

START_TEST(data_connections_announced)
{
    struct tracked k;
    track_init(&k, P_FTP, 3, &to_server, &from_server);
    /* PASV: the client connects to 10.0.0.9:5001 (the reply's address) */
    track_str(&k, true, "PASV\r\n");
    track_str(&k, false, "227 Entering Passive Mode (10,0,0,9,19,137).\r\n");
    struct flow d = tracker_new_flow(k.t, IPPROTO_TCP, 10, 0x0a000002, 45000, 0x0a000009, 5001);
    ck_assert_int_eq(d.app, P_FTP_DATA);
    ck_assert_uint_eq(app_flow_parent(k.t, 10), 3);
    /* used up: a second connection to the same port is not FTP-DATA */
    d = tracker_new_flow(k.t, IPPROTO_TCP, 11, 0x0a000002, 45001, 0x0a000009, 5001);
    ck_assert_int_eq(d.app, 0);
    ck_assert_uint_eq(app_flow_parent(k.t, 11), UINT64_MAX);
    /* EPSV: the server's own address */
    track_str(&k, true, "EPSV\r\n");
    track_str(&k, false, "229 Entering Extended Passive Mode (|||6446|)\r\n");
    d = tracker_new_flow(k.t, IPPROTO_TCP, 12, 0x0a000002, 45002, 0x0a000009, 6446);
    ck_assert_int_eq(d.app, 0); /* not the server's address */
    d = tracker_new_flow(k.t, IPPROTO_TCP, 13, 0x0a000002, 45003, 0x0a000001, 6446);
    ck_assert_int_eq(d.app, P_FTP_DATA);
    /* PORT: the server connects to the client's port */
    track_str(&k, true, "PORT 10,0,0,2,4,1\r\n");
    track_str(&k, false, "200 PORT command successful.\r\n");
    track_str(&k, true, "RETR a.txt\r\n");
    d = tracker_new_flow(k.t, IPPROTO_TCP, 14, 0x0a000001, 20, 0x0a000002, 1025);
    ck_assert_int_eq(d.app, P_FTP_DATA);
    ck_assert_uint_eq(app_flow_parent(k.t, 14), 3);
    /* the transfer's first message names the mode */
    struct txn_list l = txns_of(k.t);
    ck_assert_str_eq(l.x[l.n - 1]->what, "RETR a.txt");
    ck_assert_str_eq(l.x[l.n - 1]->msgs[0].label, "RETR a.txt (PORT)");
    /* a malformed PASV announces nothing */
    track_str(&k, true, "PASV\r\n");
    track_str(&k, false, "227 Entering Passive Mode (10,0,0,9,300,1).\r\n");
    d = tracker_new_flow(k.t, IPPROTO_TCP, 15, 0x0a000002, 45004, 0x0a000009,
                         (300 & 255) * 256 + 1);
    ck_assert_int_eq(d.app, 0);
    app_tracker_free(k.t);
}
END_TEST

static Suite *ftp_suite(void)
{
    Suite *s = suite_create("ftp");
    TCase *tc = tcase_create("ftp");
    tcase_add_test(tc, user_command);
    tcase_add_test(tc, pass_masked_everywhere);
    tcase_add_test(tc, greeting_reply);
    tcase_add_test(tc, multiline_reply);
    tcase_add_test(tc, pasv_reply);
    tcase_add_test(tc, pasv_bad_numbers);
    tcase_add_test(tc, epsv_reply);
    tcase_add_test(tc, port_and_eprt);
    tcase_add_test(tc, continues_or_truncated);
    tcase_add_test(tc, cut_address_not_malformed);
    tcase_add_test(tc, control_bytes_sanitised);
    tcase_add_test(tc, ftp_data_by_port);
    tcase_add_test(tc, caplen_sweeps);
    tcase_add_test(tc, transactions);
    tcase_add_test(tc, transactions_multiline_and_pipelined);
    tcase_add_test(tc, data_connections_announced);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ftp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free(g_copy);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
