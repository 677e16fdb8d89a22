/* Telnet dissector on hand-built segments: option negotiation (RFC 854,
 * 855), subnegotiation of terminal type (RFC 1091), window size (RFC
 * 1073), terminal speed (RFC 1079) and environment (RFC 1572), IAC IAC as
 * a data byte, commands cut by the end of the segment or by the snaplen,
 * absurd command counts, caplen sweeps. Option and command names are the
 * ones tshark 4.0 prints for the same bytes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "apptest.h"
#include "pktbuild.h"
#include "proto/proto.h"
#include "wirescope/info.h"
#include "wirescope/textbuf.h"

static const struct pb_ends to_server = {0x0a000002, 0x0a000001, 44212, 23};

START_TEST(negotiation)
{
    static const uint8_t p[] = {255, 253, 1, 255, 251, 3, 255, 252, 31,
                                255, 254, 34, 255, 251, 39};
    decode_tcp(&to_server, p, sizeof p);
    ck_assert_int_eq(g_pkt.app, P_TELNET);
    ck_assert_str_eq(info_protocol(&g_pkt), "TELNET");
    ck_assert_str_eq(info_text(), "Telnet Data ...");
    const struct ws_telnet *t = &g_pkt.a.telnet;
    ck_assert_uint_eq(t->ncommands, 5);
    ck_assert_uint_eq(t->nlisted, 5);
    ck_assert_uint_eq(t->cmds[0].cmd, 253);
    ck_assert_uint_eq(t->cmds[0].option, 1);
    ck_assert_uint_eq(t->data_len, 0);
    ck_assert_str_eq(field_text("Do"), "Echo (1)");
    ck_assert_str_eq(field_text("Will"), "Suppress Go Ahead (3)");
    ck_assert_str_eq(field_text("Won't"), "Negotiate About Window Size (31)");
    ck_assert_str_eq(field_text("Don't"), "Linemode (34)");
    ck_assert_str_eq(field_nth("Will", 1), "New Environment Option (39)");
    json_has(P_TELNET,
             "\"commands\":[{\"cmd\":\"DO\",\"code\":253,\"option\":\"Echo\",\"option_code\":1},"
             "{\"cmd\":\"WILL\",\"code\":251,\"option\":\"Suppress Go Ahead\",\"option_code\":3},"
             "{\"cmd\":\"WONT\",\"code\":252,\"option\":\"Negotiate About Window Size\","
             "\"option_code\":31}");
    json_has(P_TELNET, "\"ncommands\":5,\"data_len\":0,\"continues\":false");
    ck_assert_int_eq(g_pkt.event, EV_NONE);
}
END_TEST

START_TEST(subnegotiation_values)
{
    static const uint8_t p[] = {
        255, 250, 24, 0, 'X', 'T', 'E', 'R', 'M', 255, 240,     /* TTYPE IS */
        255, 250, 24, 1, 255, 240,                              /* TTYPE SEND */
        255, 250, 31, 0, 100, 0, 30, 255, 240,                  /* NAWS 100x30 */
        255, 250, 32, 0, '3', '8', '4', '0', '0', ',', '9', '6', '0', '0', 255, 240,
        255, 250, 39, 0, 0, 'D', 'I', 'S', 'P', 'L', 'A', 'Y', 1, ':', '7', 255, 240,
        255, 250, 31, 0, 255, 255, 1, 0, 255, 240,              /* width 255 (IAC IAC) */
    };
    decode_tcp(&to_server, p, sizeof p);
    const struct ws_telnet *t = &g_pkt.a.telnet;
    ck_assert_uint_eq(t->ncommands, 12); /* 6 SB and 6 SE */
    ck_assert_uint_eq(t->cmds[0].cmd, 250);
    ck_assert_uint_eq(t->cmds[0].option, 24);
    ck_assert_uint_eq(t->cmds[1].cmd, 240);
    ck_assert(!t->cmds[1].has_option);
    ck_assert_str_eq(field_text("Suboption"), "Terminal Type (24)");
    ck_assert_str_eq(field_text("Terminal type"), "IS: XTERM");
    ck_assert_str_eq(field_text("Request"), "SEND");
    ck_assert_str_eq(field_text("Width"), "100");
    ck_assert_str_eq(field_text("Height"), "30");
    ck_assert_str_eq(field_text("Terminal speed"), "IS: 38400,9600");
    ck_assert_str_eq(field_text("Environment"), "IS VAR DISPLAY VALUE :7");
    ck_assert_str_eq(field_nth("Width", 1), "255");
    ck_assert_str_eq(field_nth("Height", 1), "256");
    ck_assert_str_eq(field_text("Command"), "Suboption End (240)");
    json_has(P_TELNET,
             "{\"cmd\":\"SB\",\"code\":250,\"option\":\"Terminal Type\",\"option_code\":24},"
             "{\"cmd\":\"SE\",\"code\":240}");
    ck_assert_int_eq(g_pkt.event, EV_NONE);
}
END_TEST

START_TEST(naws_wrong_size)
{
    static const uint8_t p[] = {255, 250, 31, 0, 80, 0, 255, 240};
    decode_tcp(&to_server, p, sizeof p);
    ck_assert_str_eq(field_text("Malformed"), "window size of 3 bytes, not 4");
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_uint_eq(g_pkt.a.telnet.ncommands, 2);
}
END_TEST

START_TEST(data_and_escaped_iac)
{
    static const uint8_t p[] = {'l', 's', 255, 255, '\x1b', '\r', '\n', 'o', 'k'};
    decode_tcp(&to_server, p, sizeof p);
    const struct ws_telnet *t = &g_pkt.a.telnet;
    ck_assert_uint_eq(t->ncommands, 0);
    ck_assert_uint_eq(t->data_len, 8); /* IAC IAC is one byte */
    ck_assert_str_eq(field_nth("Data", 0), "ls\\xff\\x1b\\x0d\\x0a");
    ck_assert_str_eq(field_nth("Data", 1), "ok");
    json_has(P_TELNET, "\"commands\":[],\"ncommands\":0,\"data_len\":8");
    for (unsigned i = 0; i < g_pkt.nfields; i++)
        ck_assert_ptr_null(strchr(g_pkt.ftext + g_pkt.fields[i].text, 0x1b));
}
END_TEST

START_TEST(commands_between_data)
{
    static const uint8_t p[] = {'a', 255, 241, 'b', 255, 246, 255, 200, 'c'};
    decode_tcp(&to_server, p, sizeof p);
    const struct ws_telnet *t = &g_pkt.a.telnet;
    ck_assert_uint_eq(t->ncommands, 3);
    ck_assert_uint_eq(t->data_len, 3);
    ck_assert_str_eq(field_nth("Command", 0), "No Operation (241)");
    ck_assert_str_eq(field_nth("Command", 1), "Are You There? (246)");
    ck_assert_str_eq(field_text("Unknown"), "command 200");
    json_has(P_TELNET, "{\"cmd\":\"UNKNOWN\",\"code\":200}");
}
END_TEST

START_TEST(iac_at_end_of_segment)
{
    /* the whole segment captured: the command is completed by the next one */
    static const uint8_t iac_end[] = {'h', 'i', 255};
    decode_tcp(&to_server, iac_end, sizeof iac_end);
    ck_assert(g_pkt.a.telnet.continues);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert_uint_eq(g_pkt.a.telnet.data_len, 2);
    json_has(P_TELNET, "\"continues\":true");
    static const uint8_t will_end[] = {255, 251};
    decode_tcp(&to_server, will_end, sizeof will_end);
    ck_assert(g_pkt.a.telnet.continues);
    ck_assert_uint_eq(g_pkt.a.telnet.ncommands, 0);
    /* a subnegotiation without its IAC SE */
    static const uint8_t sb_open[] = {255, 250, 24, 0, 'V', 'T'};
    decode_tcp(&to_server, sb_open, sizeof sb_open);
    ck_assert(g_pkt.a.telnet.continues);
    ck_assert_uint_eq(g_pkt.a.telnet.ncommands, 1);
    ck_assert_str_eq(field_text("Terminal type"), "IS: VT");
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    /* an IAC IAC split by the end: the first IAC waits for the next byte */
    static const uint8_t sb_iac[] = {255, 250, 31, 0, 255};
    decode_tcp(&to_server, sb_iac, sizeof sb_iac);
    ck_assert(g_pkt.a.telnet.continues);
}
END_TEST

START_TEST(subnegotiation_truncated)
{
    /* the same subnegotiation cut by the snaplen: truncated, not continuing */
    static const uint8_t p[] = {255, 250, 24, 0, 'X', 'T', 'E', 'R', 'M', 255, 240};
    size_t len = tcp_frame(&to_server, p, sizeof p);
    decode_cut(g_frame, len - 3, len, true);
    ck_assert_int_eq(g_pkt.event, EV_TRUNCATED);
    ck_assert(!g_pkt.a.telnet.continues);
    ck_assert_str_eq(info_text(), "Telnet Data ...[Packet size limited during capture]");
}
END_TEST

START_TEST(absurd_command_count)
{
    static uint8_t p[3000];
    for (size_t i = 0; i < sizeof p; i += 2) {
        p[i] = 255;
        p[i + 1] = 241; /* NOP */
    }
    decode_tcp(&to_server, p, sizeof p);
    const struct ws_telnet *t = &g_pkt.a.telnet;
    ck_assert_uint_eq(t->ncommands, 1500);
    ck_assert_uint_eq(t->nlisted, TELNET_MAX_CMDS);
    ck_assert_uint_le(g_pkt.nfields, WS_MAX_FIELDS);
    json_has(P_TELNET, "\"ncommands\":1500");
    ck_assert_ptr_nonnull(field_text("Commands"));
    ck_assert_str_eq(field_text("Commands"), "1500 (48 listed)");
}
END_TEST

START_TEST(caplen_sweeps)
{
    static const uint8_t neg[] = {255, 253, 1, 255, 251, 3, 'x', 255, 255, 'y'};
    caplen_sweep(g_frame, tcp_frame(&to_server, neg, sizeof neg), P_TELNET);
    static const uint8_t sb[] = {255, 250, 31, 0, 100, 0, 30, 255, 240,
                                 255, 250, 24, 0, 'X', 255, 240, 'o', 'k', '\r', '\n'};
    caplen_sweep(g_frame, tcp_frame(&to_server, sb, sizeof sb), P_TELNET);
}
END_TEST

static Suite *telnet_suite(void)
{
    Suite *s = suite_create("telnet");
    TCase *tc = tcase_create("telnet");
    tcase_add_test(tc, negotiation);
    tcase_add_test(tc, subnegotiation_values);
    tcase_add_test(tc, naws_wrong_size);
    tcase_add_test(tc, data_and_escaped_iac);
    tcase_add_test(tc, commands_between_data);
    tcase_add_test(tc, iac_at_end_of_segment);
    tcase_add_test(tc, subnegotiation_truncated);
    tcase_add_test(tc, absurd_command_count);
    tcase_add_test(tc, caplen_sweeps);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(telnet_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free(g_copy);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
