/* Tests of the DHCP/BOOTP dissector (src/proto/dhcp.c) on hand-built
 * messages (RFC 2131 layout, RFC 2132 options): each decoded option,
 * plain BOOTP, option overload, truncated, overlong and missing options,
 * caplen sweeps, the Info/JSON hooks and DORA tracking.
 *
 * The expected Info texts are tshark 4.0.17's for the same bytes. To check
 * them again: WS_TEST_PCAP=/tmp/dhcp-unit.pcap build/.../test/check_dhcp
 * writes every frame the tests decode to that file, then
 *   tshark -n -r /tmp/dhcp-unit.pcap -T fields -e frame.number \
 *          -e _ws.col.Protocol -e _ws.col.Info */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apptest.h"
#include "proto/proto.h"
#include "pktbuild.h"
#include "wirescope/app.h"
#include "wirescope/flow.h"
#include "wirescope/info.h"

/* ---- building messages (on pktbuild.h's struct pb_msg) ---- */

static const uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x67, 0x01};

/* The 236-byte header and (cookie = true) the magic cookie. */
static void bootp(struct pb_msg *m, uint8_t op, uint32_t xid, uint32_t yiaddr, bool cookie)
{
    m->n = 0;
    pb_put8(m, op);
    pb_put8(m, 1); /* htype: Ethernet */
    pb_put8(m, 6); /* hlen */
    pb_put8(m, 0); /* hops */
    pb_put32(m, xid);
    pb_put_zeros(m, 8); /* secs, flags, ciaddr */
    pb_put32(m, yiaddr);
    pb_put_zeros(m, 8); /* siaddr, giaddr */
    pb_putn(m, mac, 6);
    pb_put_zeros(m, 10 + 64 + 128); /* the rest of chaddr, sname, file */
    if (cookie)
        pb_putn(m, "\x63\x82\x53\x63", 4);
}

static void opt(struct pb_msg *m, uint8_t code, const void *value, uint8_t len)
{
    pb_put8(m, code);
    pb_put8(m, len);
    pb_putn(m, value, len);
}

static void opt8(struct pb_msg *m, uint8_t code, uint8_t v) { opt(m, code, &v, 1); }

static void opt32(struct pb_msg *m, uint8_t code, uint32_t v)
{
    uint8_t b[4];
    pb_be32(b, v);
    opt(m, code, b, 4);
}

/* ---- decoding ---- */

static uint8_t frame[2048];
static size_t frame_len;

static const struct pb_ends to_server = {0x00000000, 0xffffffff, 68, 67};
static const struct pb_ends to_client = {0x0a000001, 0x0a000005, 67, 68};

static void send_msg(const struct pb_ends *e, const struct pb_msg *m)
{
    frame_len = pb_udp4(frame, e, m->b, m->n);
    decode_full(frame, frame_len);
}

/* The JSON members of the DHCP layer, which must be there. */
static const char *json(void)
{
    layer_must(P_DHCP);
    return json_all(P_DHCP);
}

static const char *field(const char *name, unsigned nth) { return layer_field(P_DHCP, name, nth); }

static bool has_field(const char *name) { return layer_field_count(P_DHCP, name) > 0; }

/* A DISCOVER as ISC dhclient sends it, with a client identifier. */
static void discover(struct pb_msg *m, uint32_t xid)
{
    bootp(m, 1, xid, 0, true);
    opt8(m, 53, 1);
    opt32(m, 50, 0x0a000005);
    opt(m, 12, "wsclient", 8);
    opt(m, 55, "\x01\x1c\x03\x0f\x06\x0c\x33\x3a\x3b", 9);
    opt(m, 60, "wirescope-test", 14);
    opt(m, 61, "\x01\x02\x00\x5e\x00\x67\x01", 7);
    pb_put8(m, 255);
}

/* An OFFER or ACK of 10.0.0.5 for an hour. */
static void reply(struct pb_msg *m, uint8_t type, uint32_t xid)
{
    bootp(m, 2, xid, 0x0a000005, true);
    opt8(m, 53, type);
    opt32(m, 54, 0x0a000001);
    opt32(m, 51, 3600);
    opt32(m, 58, 1800);
    opt32(m, 59, 3150);
    opt32(m, 1, 0xffffff00);
    opt(m, 3, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    opt32(m, 6, 0x0a000001);
    opt(m, 15, "example.test", 12);
    pb_put8(m, 255);
}

/* ---- messages ---- */

START_TEST(test_discover)
{
    struct pb_msg m;
    discover(&m, 0x3903f326);
    send_msg(&to_server, &m);
    const struct ws_dhcp *d = &g_pkt.a.dhcp;
    ck_assert_uint_eq(g_pkt.app, P_DHCP);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert(d->has_msg_type);
    ck_assert_uint_eq(d->msg_type, 1);
    ck_assert_uint_eq(d->op, 1);
    ck_assert_uint_eq(d->xid, 0x3903f326);
    ck_assert_mem_eq(d->chaddr, mac, 6);
    ck_assert(d->have & DHCP_HAVE_REQUESTED);
    ck_assert_mem_eq(d->requested, "\x0a\x00\x00\x05", 4);
    ck_assert_str_eq(info_protocol(&g_pkt), "DHCP");
    ck_assert_str_eq(info_text(), "DHCP Discover - Transaction ID 0x3903f326");
    ck_assert_str_eq(field("Type", 0), "Discover");
    ck_assert_str_eq(field("Message type", 0), "Boot Request (1)");
    ck_assert_str_eq(field("Transaction ID", 0), "0x3903f326");
    ck_assert_str_eq(field("Client MAC address", 0), "02:00:5e:00:67:01");
    ck_assert_str_eq(field("Bootp flags", 0), "0x0000 (Unicast)");
    ck_assert_str_eq(field("Magic cookie", 0), "DHCP");
    ck_assert_str_eq(field("Option", 0), "(53) DHCP Message Type (Discover)");
    ck_assert_str_eq(field("DHCP", 0), "Discover (1)");
    ck_assert_str_eq(field("Requested IP Address", 0), "10.0.0.5");
    ck_assert_str_eq(field("Host Name", 0), "wsclient");
    ck_assert_str_eq(field("Parameter Request List Item", 0), "(1) Subnet Mask");
    ck_assert_str_eq(field("Parameter Request List Item", 1), "(28) Broadcast Address");
    ck_assert_str_eq(field("Parameter Request List Item", 8), "(59) Rebinding Time Value");
    ck_assert_str_eq(field("Vendor class identifier", 0), "wirescope-test");
    ck_assert_str_eq(field("Hardware type", 1), "Ethernet (0x01)");
    ck_assert_str_eq(field("Client MAC address", 1), "02:00:5e:00:67:01");
    ck_assert_str_eq(field("Option", 6), "(255) End");
    ck_assert(!has_field("End option missing"));
    ck_assert_str_eq(json(), "\"op\":1,\"xid\":\"0x3903f326\",\"msg_type\":\"Discover\","
                             "\"chaddr\":\"02:00:5e:00:67:01\",\"ciaddr\":\"0.0.0.0\","
                             "\"yiaddr\":\"0.0.0.0\",\"siaddr\":\"0.0.0.0\",\"giaddr\":"
                             "\"0.0.0.0\",\"requested_ip\":\"10.0.0.5\",\"server_id\":null,"
                             "\"lease_time\":null,\"hostname\":\"wsclient\"");
}
END_TEST

START_TEST(test_offer_and_ack)
{
    struct pb_msg m;
    reply(&m, 2, 0x1234);
    send_msg(&to_client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    /* tshark pads the type to 8 and prints the xid without leading zeros */
    ck_assert_str_eq(info_text(), "DHCP Offer    - Transaction ID 0x1234");
    ck_assert_str_eq(field("Your (client) IP address", 0), "10.0.0.5");
    ck_assert_str_eq(field("DHCP Server Identifier", 0), "10.0.0.1");
    ck_assert_str_eq(field("IP Address Lease Time", 0), "3600s");
    ck_assert_str_eq(field("Renewal Time Value", 0), "1800s");
    ck_assert_str_eq(field("Rebinding Time Value", 0), "3150s");
    ck_assert_str_eq(field("Subnet Mask", 0), "255.255.255.0");
    ck_assert_str_eq(field("Router", 0), "10.0.0.1");
    ck_assert_str_eq(field("Router", 1), "10.0.0.2");
    ck_assert_str_eq(field("Domain Name Server", 0), "10.0.0.1");
    ck_assert_str_eq(field("Domain Name", 0), "example.test");
    const struct ws_dhcp *d = &g_pkt.a.dhcp;
    ck_assert(d->have & DHCP_HAVE_LEASE);
    ck_assert_uint_eq(d->lease_time, 3600);
    ck_assert_mem_eq(d->server_id, "\x0a\x00\x00\x01", 4);
    ck_assert_str_eq(json(), "\"op\":2,\"xid\":\"0x00001234\",\"msg_type\":\"Offer\","
                             "\"chaddr\":\"02:00:5e:00:67:01\",\"ciaddr\":\"0.0.0.0\","
                             "\"yiaddr\":\"10.0.0.5\",\"siaddr\":\"0.0.0.0\",\"giaddr\":"
                             "\"0.0.0.0\",\"requested_ip\":null,\"server_id\":\"10.0.0.1\","
                             "\"lease_time\":3600,\"hostname\":null");
    reply(&m, 5, 0x1234);
    send_msg(&to_client, &m);
    ck_assert_str_eq(info_text(), "DHCP ACK      - Transaction ID 0x1234");
}
END_TEST

START_TEST(test_message_type_names)
{
    static const char *const want[] = {
        "DHCP Unknown Message Type (0x00) - Transaction ID 0x1000",
        "DHCP Discover - Transaction ID 0x1001", "DHCP Offer    - Transaction ID 0x1002",
        "DHCP Request  - Transaction ID 0x1003", "DHCP Decline  - Transaction ID 0x1004",
        "DHCP ACK      - Transaction ID 0x1005", "DHCP NAK      - Transaction ID 0x1006",
        "DHCP Release  - Transaction ID 0x1007", "DHCP Inform   - Transaction ID 0x1008",
        "DHCP Force Renew - Transaction ID 0x1009",
        "DHCP Lease query - Transaction ID 0x100a",
        "DHCP Lease Unassigned - Transaction ID 0x100b",
        "DHCP Lease Unknown - Transaction ID 0x100c",
        "DHCP Lease Active - Transaction ID 0x100d",
        "DHCP Bulk Lease Query - Transaction ID 0x100e",
        "DHCP Lease Query Done - Transaction ID 0x100f",
        "DHCP Active LeaseQuery - Transaction ID 0x1010",
        "DHCP Lease Query Status - Transaction ID 0x1011",
        "DHCP TLS      - Transaction ID 0x1012",
        "DHCP Unknown Message Type (0x13) - Transaction ID 0x1013",
    };
    for (uint8_t t = 0; t < 20; t++) {
        struct pb_msg m;
        bootp(&m, 1, 0x1000u + t, 0, true);
        opt8(&m, 53, t);
        pb_put8(&m, 255);
        send_msg(&to_server, &m);
        ck_assert_str_eq(info_text(), want[t]);
    }
}
END_TEST

START_TEST(test_plain_bootp)
{
    struct pb_msg m;
    bootp(&m, 1, 0x2001, 0, true);
    pb_put8(&m, 255);
    send_msg(&to_server, &m);
    ck_assert(!g_pkt.a.dhcp.has_msg_type);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(info_protocol(&g_pkt), "BOOTP");
    ck_assert_str_eq(info_text(), "Boot Request from 02:00:5e:00:67:01 (02:00:5e:00:67:01)");
    ck_assert_ptr_nonnull(strstr(json(), "\"msg_type\":null"));
    /* a reply, another operation, and other hardware addresses */
    bootp(&m, 2, 0x2002, 0, true);
    send_msg(&to_client, &m);
    ck_assert_str_eq(info_text(), "Boot Reply");
    bootp(&m, 3, 0x2003, 0, true);
    send_msg(&to_server, &m);
    ck_assert_str_eq(info_text(), "Unknown BOOTP message type (3)");
    bootp(&m, 1, 5, 0, true);
    m.b[2] = 4;
    send_msg(&to_server, &m);
    ck_assert_str_eq(info_text(), "Boot Request from 02005e00");
    m.b[2] = 0;
    send_msg(&to_server, &m);
    ck_assert_str_eq(info_text(), "Boot Request from <No address>");
}
END_TEST

START_TEST(test_bad_cookie_and_short_header)
{
    struct pb_msg m;
    bootp(&m, 1, 0x200c, 0, false);
    pb_putn(&m, "\x12\x34\x56\x78\x35\x01\x01\xff", 8);
    send_msg(&to_server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_protocol(&g_pkt), "BOOTP");
    ck_assert_str_eq(info_text(), "Boot Request from 02:00:5e:00:67:01 (02:00:5e:00:67:01)"
                                  "[Malformed Packet]");
    ck_assert_str_eq(field("Magic cookie", 0), "0x12345678 (not DHCP)");
    /* the header alone, no cookie (RFC 951 without a vendor area) */
    bootp(&m, 1, 0x2002, 0, false);
    send_msg(&to_server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "Boot Request from 02:00:5e:00:67:01 (02:00:5e:00:67:01)"
                                  "[Malformed Packet]");
    /* 8 bytes */
    m.n = 8;
    send_msg(&to_server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "[Malformed Packet]");
}
END_TEST

START_TEST(test_no_end_option)
{
    struct pb_msg m;
    bootp(&m, 1, 0x2004, 0, true);
    opt8(&m, 53, 1);
    send_msg(&to_server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(info_text(), "DHCP Discover - Transaction ID 0x2004");
    ck_assert(has_field("End option missing"));
}
END_TEST

START_TEST(test_option_length_past_end)
{
    struct pb_msg m;
    bootp(&m, 1, 0x2005, 0, true);
    opt8(&m, 53, 1);
    pb_putn(&m, "\x0c\x14" "a", 3); /* host name of 20 bytes, 1 there */
    send_msg(&to_server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "DHCP Discover - Transaction ID 0x2005[Malformed Packet]");
    /* a length byte past the end */
    bootp(&m, 2, 0x58, 0, true);
    opt8(&m, 53, 2);
    pb_put8(&m, 12);
    send_msg(&to_client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "DHCP Offer    - Transaction ID 0x58[Malformed Packet]");
    /* option 53 without its value byte: tshark gives up in its first pass */
    bootp(&m, 2, 0x59, 0, true);
    pb_putn(&m, "\x35\x01", 2);
    send_msg(&to_client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_protocol(&g_pkt), "BOOTP");
    ck_assert_str_eq(info_text(), "Boot Reply[Malformed Packet]");
    /* option 53 of length 0: the next byte is read as the type */
    bootp(&m, 1, 0x200a, 0, true);
    pb_putn(&m, "\x35\x00\xff", 3);
    send_msg(&to_server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "DHCP Unknown Message Type (0xff) - Transaction ID 0x200a"
                                  "[Malformed Packet]");
}
END_TEST

START_TEST(test_fixed_length_options)
{
    static const struct {
        const char *opt;
        size_t n;
        const char *note;
    } cases[] = {
        {"\x32\x03\x01\x02\x03", 5, "length isn't 4"},
        {"\x33\x02\x01\x02", 4, "length isn't 4"},
        {"\x03\x06\x01\x02\x03\x04\x05\x06", 8, "length isn't a multiple of 4"},
        {"\x01\x05\x01\x02\x03\x04\x05", 7, "length isn't 4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pb_msg m;
        bootp(&m, 1, 0x100u + (uint32_t)i, 0, true);
        opt8(&m, 53, 3);
        pb_putn(&m, cases[i].opt, cases[i].n);
        pb_put8(&m, 255);
        send_msg(&to_server, &m);
        /* tshark notes it (expert info) and goes on: the Info is whole */
        char want[64];
        snprintf(want, sizeof want, "DHCP Request  - Transaction ID 0x%x", 0x100u + (unsigned)i);
        ck_assert_str_eq(info_text(), want);
        ck_assert_uint_eq(g_pkt.event, EV_BAD_OPTION);
        ck_assert_str_eq(field("Bad length", 0), cases[i].note);
        ck_assert(!(g_pkt.a.dhcp.have & DHCP_HAVE_REQUESTED));
        ck_assert(!(g_pkt.a.dhcp.have & DHCP_HAVE_LEASE));
    }
}
END_TEST

START_TEST(test_pads_and_last_type_wins)
{
    struct pb_msg m;
    bootp(&m, 1, 0x200b, 0, true);
    pb_putn(&m, "\x00\x00\x35\x01\x08\x00\xff\x00\x00", 9);
    send_msg(&to_server, &m);
    ck_assert_str_eq(info_text(), "DHCP Inform   - Transaction ID 0x200b");
    bootp(&m, 1, 0x200e, 0, true);
    pb_putn(&m, "\x35\x01\x01\x35\x01\x03\xff", 7);
    send_msg(&to_server, &m);
    ck_assert_str_eq(info_text(), "DHCP Request  - Transaction ID 0x200e");
    ck_assert_uint_eq(g_pkt.a.dhcp.msg_type, 3);
}
END_TEST

START_TEST(test_option_overload)
{
    struct pb_msg m;
    bootp(&m, 1, 0x2007, 0, true);
    /* the file field holds a host name, the sname field a domain name */
    memcpy(m.b + 108, "\x0c\x03" "abc\xff", 6);
    memcpy(m.b + 44, "\x0f\x04" "ex.t\xff", 7);
    opt8(&m, 53, 1);
    opt8(&m, 52, 3);
    pb_put8(&m, 255);
    send_msg(&to_server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(info_text(), "DHCP Discover - Transaction ID 0x2007");
    ck_assert_str_eq(field("Option Overload", 0),
                     "Boot file and server host names hold options (3)");
    ck_assert_str_eq(field("Boot file name", 0), "holds options");
    ck_assert_str_eq(field("Host Name", 0), "abc");
    ck_assert_str_eq(field("Domain Name", 0), "ex.t");
    ck_assert_ptr_nonnull(strstr(json(), "\"hostname\":\"abc\""));
    /* an option in the file field running past it */
    memcpy(m.b + 108 + 120, "\x0c\x20", 2);
    m.b[108 + 5] = 0;
    send_msg(&to_server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    /* without option 52 the fields are names */
    bootp(&m, 1, 0x2008, 0, true);
    memcpy(m.b + 44, "server", 6);
    memcpy(m.b + 108, "boot/\x1b[31mfile", 14);
    opt8(&m, 53, 1);
    pb_put8(&m, 255);
    send_msg(&to_server, &m);
    ck_assert_str_eq(field("Server host name", 0), "server");
    ck_assert_str_eq(field("Boot file name", 0), "boot/\\x1b[31mfile"); /* sanitised */
}
END_TEST

/* ---- sweeps ---- */

/* tshark's Info for each length the capture keeps of a DISCOVER with a
 * 3-byte host name (249 bytes): cut anywhere in the options, the message
 * stays BOOTP (its first pass over the options gives up). */
START_TEST(test_caplen_sweep)
{
    struct pb_msg m;
    bootp(&m, 1, 0x11223344, 0, true);
    opt8(&m, 53, 1);
    opt(&m, 12, "abc", 3);
    pb_put8(&m, 255);
    ck_assert_uint_eq(m.n, 249);
    frame_len = pb_udp4(frame, &to_server, m.b, m.n);
    for (uint32_t cut = 0; cut <= frame_len; cut++) {
        decode_cut(frame, cut, (uint32_t)frame_len, cut & 1);
        if (cut == frame_len) {
            ck_assert_uint_eq(g_pkt.event, EV_NONE);
            ck_assert_str_eq(info_text(), "DHCP Discover - Transaction ID 0x11223344");
            break;
        }
        if (cut <= 42)
            continue; /* no DHCP byte: the UDP layer's business */
        ck_assert_msg(g_pkt.event != EV_NONE, "cut at %u: no event", cut);
        uint32_t have = cut - 42;
        const char *want;
        if (have < 34)
            want = "[Packet size limited during capture]";
        else if (have >= 236 && have < 240) /* tshark calls a cut cookie malformed */
            want = "Boot Request from 02:00:5e:00:67:01 (02:00:5e:00:67:01)[Malformed Packet]";
        else
            want = "Boot Request from 02:00:5e:00:67:01 (02:00:5e:00:67:01)"
                   "[Packet size limited during capture]";
        ck_assert_str_eq(info_text(), want);
        ck_assert_str_eq(info_protocol(&g_pkt), "BOOTP");
        json();
    }
}
END_TEST

/* A reply the capture cuts: "Boot Reply" once op, htype and hlen are in. */
START_TEST(test_caplen_sweep_reply)
{
    struct pb_msg m;
    bootp(&m, 2, 0x55, 0, true);
    opt32(&m, 1, 0xffffff00);
    pb_put8(&m, 255);
    frame_len = pb_udp4(frame, &to_client, m.b, m.n);
    for (uint32_t cut = 43; cut < frame_len; cut++) {
        decode_cut(frame, cut, (uint32_t)frame_len, cut & 1);
        uint32_t have = cut - 42;
        const char *want = have < 3                     ? "[Packet size limited during capture]"
                           : have >= 236 && have < 240 ? "Boot Reply[Malformed Packet]"
                                                       : "Boot Reply[Packet size limited during capture]";
        ck_assert_str_eq(info_text(), want);
    }
}
END_TEST

/* Messages shorter on the wire: never a read past the datagram. */
START_TEST(test_short_message_sweep)
{
    struct pb_msg m;
    discover(&m, 0x77);
    for (size_t n = 1; n < m.n; n++) {
        struct pb_msg s = m;
        s.n = n;
        send_msg(&to_server, &s);
        if (n < 240)
            ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
        json();
        info_text();
    }
}
END_TEST

/* ---- transactions ---- */

static void track(struct app_tracker *t, uint64_t no)
{
    struct flow f;
    memset(&f, 0, sizeof f);
    f.id = no % 2;
    struct app_ctx ctx = {t, no, 1000000ull * no, &f, FLOW_A2B, 0, 0};
    proto_get(P_DHCP)->app->track(&ctx, &g_pkt, layer_must(P_DHCP));
}

static void with_type(struct pb_msg *m, uint8_t type, uint32_t xid, uint32_t ciaddr, bool requested)
{
    bootp(m, 1, xid, 0, true);
    pb_be32(m->b + 12, ciaddr);
    opt8(m, 53, type);
    if (requested)
        opt32(m, 50, 0x0a000005);
    pb_put8(m, 255);
}

START_TEST(test_track_dora_nak_release_inform)
{
    struct app_tracker *t = app_tracker_new(100);
    struct pb_msg m;
    uint64_t no = 0;
    discover(&m, 0xabc);
    send_msg(&to_server, &m);
    track(t, ++no);
    track(t, ++no); /* the DISCOVER again */
    reply(&m, 2, 0xabc);
    send_msg(&to_client, &m);
    track(t, ++no);
    with_type(&m, 3, 0xabc, 0, true);
    send_msg(&to_server, &m);
    track(t, ++no);
    reply(&m, 5, 0xabc);
    send_msg(&to_client, &m);
    track(t, ++no);
    /* a REQUEST answered by NAK */
    with_type(&m, 3, 0xdef, 0, true);
    send_msg(&to_server, &m);
    track(t, ++no);
    bootp(&m, 2, 0xdef, 0, true);
    opt8(&m, 53, 6);
    pb_put8(&m, 255);
    send_msg(&to_client, &m);
    track(t, ++no);
    /* a RELEASE, and an INFORM answered by ACK */
    with_type(&m, 7, 0x111, 0x0a000005, false);
    send_msg(&to_server, &m);
    track(t, ++no);
    with_type(&m, 8, 0x222, 0x0a000005, false);
    send_msg(&to_server, &m);
    track(t, ++no);
    bootp(&m, 2, 0x222, 0, true);
    opt8(&m, 53, 5);
    pb_put8(&m, 255);
    send_msg(&to_client, &m);
    track(t, ++no);
    /* plain BOOTP is no exchange */
    bootp(&m, 1, 0x333, 0, true);
    send_msg(&to_server, &m);
    track(t, ++no);

    struct txn_list tl = txns_of(t);
    ck_assert_uint_eq(tl.n, 4);
    const struct txn *x = tl.x[0];
    ck_assert_str_eq(x->what, "Discover from 02:00:5e:00:67:01");
    ck_assert_uint_eq(x->nmsgs, 5);
    ck_assert_str_eq(x->msgs[0].label, "Discover");
    ck_assert_str_eq(x->msgs[2].label, "Offer 10.0.0.5");
    ck_assert_str_eq(x->msgs[3].label, "Request 10.0.0.5");
    ck_assert_str_eq(x->msgs[4].label, "ACK 10.0.0.5");
    ck_assert(x->done);
    ck_assert_str_eq(x->result, "ACK 10.0.0.5 lease 3600s");
    ck_assert_uint_eq(x->key, 0xabc);
    ck_assert_uint_eq(x->scope, 0);
    x = tl.x[1];
    ck_assert_str_eq(x->what, "Request from 02:00:5e:00:67:01");
    ck_assert(x->done);
    ck_assert_str_eq(x->result, "NAK");
    x = tl.x[2];
    ck_assert_str_eq(x->result, "Release 10.0.0.5");
    ck_assert_uint_eq(x->nmsgs, 1);
    x = tl.x[3];
    ck_assert_str_eq(x->msgs[0].label, "Inform 10.0.0.5");
    ck_assert_str_eq(x->result, "ACK");
    ck_assert_uint_eq(x->nmsgs, 2);
    app_tracker_free(t);
}
END_TEST

static Suite *dhcp_suite(void)
{
    Suite *s = suite_create("dhcp");
    TCase *tc = tcase_create("messages");
    tcase_add_checked_fixture(tc, apptest_setup, apptest_teardown);
    tcase_add_test(tc, test_discover);
    tcase_add_test(tc, test_offer_and_ack);
    tcase_add_test(tc, test_message_type_names);
    tcase_add_test(tc, test_plain_bootp);
    tcase_add_test(tc, test_option_overload);
    tcase_add_test(tc, test_pads_and_last_type_wins);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_add_checked_fixture(tc, apptest_setup, apptest_teardown);
    tcase_add_test(tc, test_bad_cookie_and_short_header);
    tcase_add_test(tc, test_no_end_option);
    tcase_add_test(tc, test_option_length_past_end);
    tcase_add_test(tc, test_fixed_length_options);
    suite_add_tcase(s, tc);

    tc = tcase_create("sweeps");
    tcase_add_checked_fixture(tc, apptest_setup, apptest_teardown);
    tcase_add_test(tc, test_caplen_sweep);
    tcase_add_test(tc, test_caplen_sweep_reply);
    tcase_add_test(tc, test_short_message_sweep);
    suite_add_tcase(s, tc);

    tc = tcase_create("track");
    tcase_add_checked_fixture(tc, apptest_setup, apptest_teardown);
    tcase_add_test(tc, test_track_dora_nak_release_inform);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dhcp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
