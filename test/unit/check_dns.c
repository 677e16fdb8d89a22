/* Tests of the DNS dissector (src/proto/dns.c) on hand-built messages:
 * RFC 1035 queries and responses with name compression, every record type
 * it decodes, EDNS, mDNS/LLMNR, DNS over TCP, malformed variants (pointer
 * loops, pointers and labels past the end, absurd counts), caplen sweeps,
 * the Info/JSON hooks and query/response tracking.
 *
 * The expected Info texts are tshark 4.0.17's for the same bytes. To check
 * them again: WS_TEST_PCAP=/tmp/dns-unit.pcap build/.../test/check_dns
 * writes every frame the tests decode to that file (in order), then
 *   tshark -n -r /tmp/dns-unit.pcap -T fields -e frame.number \
 *          -e _ws.col.Protocol -e _ws.col.Info
 * (TCP frames: add -o tcp.desegment_tcp_streams:FALSE, since wirescope
 * decodes one segment at a time). Texts that come from the sanitiser rather
 * than tshark are marked as such. */
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

/* "www.example.com" as labels and a root byte ("" = the root). */
static void putname(struct pb_msg *m, const char *name)
{
    while (*name) {
        size_t len = strcspn(name, ".");
        pb_put8(m, (uint8_t)len);
        pb_putn(m, name, len);
        name += len;
        if (*name == '.')
            name++;
    }
    pb_put8(m, 0);
}

static void header(struct pb_msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
                   uint16_t ns, uint16_t ar)
{
    m->n = 0;
    pb_put16(m, id);
    pb_put16(m, flags);
    pb_put16(m, qd);
    pb_put16(m, an);
    pb_put16(m, ns);
    pb_put16(m, ar);
}

static void question(struct pb_msg *m, const char *name, uint16_t type, uint16_t klass)
{
    putname(m, name);
    pb_put16(m, type);
    pb_put16(m, klass);
}

/* A record owned by a pointer to `ptr` (0 = the name `name`); returns the
 * offset of its data length, for rr_end. */
static size_t rr_begin(struct pb_msg *m, uint16_t ptr, const char *name, uint16_t type,
                       uint16_t klass, uint32_t ttl)
{
    if (ptr)
        pb_put16(m, (uint16_t)(0xc000 | ptr));
    else
        putname(m, name);
    pb_put16(m, type);
    pb_put16(m, klass);
    pb_put32(m, ttl);
    pb_put16(m, 0);
    return m->n - 2;
}

static void rr_end(struct pb_msg *m, size_t lenpos)
{
    pb_be16(m->b + lenpos, (uint16_t)(m->n - lenpos - 2));
}

/* ---- decoding ---- */

static uint8_t frame[8192];
static size_t frame_len;

static const struct pb_ends client = {0x0a000001, 0x0a000002, 40000, 53};
static const struct pb_ends server = {0x0a000002, 0x0a000001, 53, 40000};

/*
 * The decoder indexes without fields, and then checks names without making
 * their text: it must find the same problems as the dissection with fields
 * that the tests look at. (Decoded here from an exact-size copy, and not
 * through decode_cut, which would dump the frame a second time.)
 */
static void assert_same_event_without_fields(void)
{
    uint8_t *copy = malloc(frame_len);
    struct ws_packet *p = calloc(1, sizeof *p);
    ck_assert(copy && p);
    memcpy(copy, frame, frame_len);
    p->app_lookup = g_pkt.app_lookup;
    decode_reset(p, copy, (uint32_t)frame_len, (uint32_t)frame_len, DLT_EN10MB);
    decode_packet(p);
    ck_assert_msg(p->event == g_pkt.event, "event %d without fields, %d with",
                  (int)p->event, (int)g_pkt.event);
    ck_assert_uint_eq(p->app, g_pkt.app);
    if (p->app == P_DNS) { /* a.dns is left as it was when no DNS layer */
        ck_assert_uint_eq(p->a.dns.nmsgs, g_pkt.a.dns.nmsgs);
        ck_assert_uint_eq(p->a.dns.partial, g_pkt.a.dns.partial);
    }
    free(p);
    free(copy);
}

static void udp_msg(const struct pb_ends *e, const struct pb_msg *m)
{
    frame_len = pb_udp4(frame, e, m->b, m->n);
    decode_full(frame, frame_len);
    assert_same_event_without_fields();
}

/* The JSON members of every DNS layer (a TCP segment may hold several). */
static const char *json(void) { return json_all(P_DNS); }

/* The nth field called name in the DNS layer. */
static const char *field(const char *name, unsigned nth) { return layer_field(P_DNS, name, nth); }

static void check_no_raw_bytes(const char *s)
{
    for (; *s; s++)
        ck_assert_msg((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f,
                      "raw byte 0x%02x in text", (unsigned char)*s);
}

/* ---- well-formed messages ---- */

START_TEST(test_query_a)
{
    struct pb_msg m;
    header(&m, 0x1a2b, 0x0100, 1, 0, 0, 0);
    question(&m, "example.com", 1, 1);
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.app, P_DNS);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert_uint_eq(g_pkt.a.dns.id, 0x1a2b);
    ck_assert(!g_pkt.a.dns.response);
    ck_assert(g_pkt.a.dns.has_header);
    ck_assert_uint_eq(g_pkt.a.dns.qdcount, 1);
    ck_assert_uint_eq(g_pkt.a.dns.qtype, 1);
    ck_assert_uint_eq(g_pkt.a.dns.variant, DNS_PLAIN);
    ck_assert_str_eq(info_protocol(&g_pkt), "DNS");
    ck_assert_str_eq(info_text(), "Standard query 0x1a2b A example.com");
    ck_assert_str_eq(field("Transaction ID", 0), "0x1a2b");
    ck_assert_str_eq(field("Flags", 0), "0x0100 Standard query");
    ck_assert_str_eq(field("Recursion desired", 0), "Do query recursively");
    ck_assert_str_eq(field("Query", 0), "example.com: type A, class IN (0x0001)");
    ck_assert_str_eq(field("Name", 0), "example.com");
    ck_assert_str_eq(field("Label Count", 0), "2");
    ck_assert_str_eq(field("Kind", 0), "query");
    ck_assert_str_eq(json(), "\"id\":6699,\"response\":false,\"opcode\":0,\"rcode\":\"No error\","
                             "\"truncated\":false,\"questions\":[{\"name\":\"example.com\","
                             "\"type\":\"A\"}],\"answers\":[],\"authority\":[],\"additional\":[]");
}
END_TEST

/* A CNAME chain whose names are compressed against the question and
 * against each other (RFC 1035 4.1.4). */
static void cname_chain(struct pb_msg *m)
{
    header(m, 0x1a2b, 0x8180, 1, 3, 0, 0);
    question(m, "www.example.com", 1, 1); /* name at 12 */
    size_t l = rr_begin(m, 12, NULL, 5, 1, 300);
    size_t web = m->n;
    pb_put8(m, 3);
    pb_putn(m, "web", 3);
    pb_put16(m, 0xc000 | 16); /* -> example.com */
    rr_end(m, l);
    l = rr_begin(m, (uint16_t)web, NULL, 5, 1, 300);
    size_t cdn = m->n;
    putname(m, "cdn.example.net");
    rr_end(m, l);
    l = rr_begin(m, (uint16_t)cdn, NULL, 1, 1, 60);
    pb_put32(m, 0x5db8d822); /* 93.184.216.34 */
    rr_end(m, l);
}

START_TEST(test_response_compression_cname_chain)
{
    struct pb_msg m;
    cname_chain(&m);
    udp_msg(&server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert(g_pkt.a.dns.response);
    ck_assert_uint_eq(g_pkt.a.dns.ancount, 3);
    ck_assert_str_eq(info_text(), "Standard query response 0x1a2b A www.example.com CNAME "
                                  "web.example.com CNAME cdn.example.net A 93.184.216.34");
    ck_assert_str_eq(field("Flags", 0), "0x8180 Standard query response, No error");
    ck_assert_str_eq(field("Reply code", 0), "No error (0)");
    ck_assert_str_eq(field("Kind", 0), "response");
    ck_assert_str_eq(field("Answer", 0), "www.example.com: type CNAME, class IN (0x0001), "
                                         "web.example.com");
    ck_assert_str_eq(field("Answer", 1), "web.example.com: type CNAME, class IN (0x0001), "
                                         "cdn.example.net");
    ck_assert_str_eq(field("CNAME", 0), "web.example.com");
    ck_assert_str_eq(field("Address", 0), "93.184.216.34");
    ck_assert_str_eq(field("Time to live", 2), "60");
    ck_assert_ptr_nonnull(strstr(json(), "\"answers\":[{\"name\":\"www.example.com\",\"type\":"
                                         "\"CNAME\",\"ttl\":300,\"data\":\"web.example.com\"},"));
    ck_assert_ptr_nonnull(strstr(json(), "{\"name\":\"cdn.example.net\",\"type\":\"A\","
                                         "\"ttl\":60,\"data\":\"93.184.216.34\"}]"));
}
END_TEST

START_TEST(test_nxdomain_with_soa)
{
    struct pb_msg m;
    header(&m, 0x0003, 0x8183, 1, 0, 1, 0);
    question(&m, "nx.example", 1, 1);
    size_t l = rr_begin(&m, 15, NULL, 6, 1, 600); /* "example" */
    putname(&m, "ns1.example");
    putname(&m, "hostmaster.example");
    pb_put32(&m, 2024010101);
    pb_put32(&m, 1200);
    pb_put32(&m, 180);
    pb_put32(&m, 1209600);
    pb_put32(&m, 600);
    rr_end(&m, l);
    udp_msg(&server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert_uint_eq(g_pkt.a.dns.rcode, 3);
    ck_assert_str_eq(info_text(), "Standard query response 0x0003 No such name A nx.example SOA "
                                  "ns1.example");
    ck_assert_str_eq(field("Primary name server", 0), "ns1.example");
    ck_assert_str_eq(field("Responsible authority's mailbox", 0), "hostmaster.example");
    ck_assert_str_eq(field("Serial Number", 0), "2024010101");
    ck_assert_str_eq(field("Expire limit", 0), "1209600");
    ck_assert_str_eq(field("Minimum TTL", 0), "600");
    ck_assert_str_eq(field("Authoritative nameservers", 0), "");
    ck_assert_ptr_nonnull(strstr(json(), "\"rcode\":\"No such name\""));
    ck_assert_ptr_nonnull(strstr(json(), "\"authority\":[{\"name\":\"example\",\"type\":\"SOA\","
                                         "\"ttl\":600,\"data\":\"ns1.example hostmaster.example "
                                         "2024010101 1200 180 1209600 600\"}]"));
}
END_TEST

/* One response with a record of each decoded type, the owner a pointer
 * to the question name (offset 12). */
START_TEST(test_each_rdata_type)
{
    struct pb_msg m;
    header(&m, 0x00aa, 0x8180, 1, 8, 0, 1);
    question(&m, "a.example", 255, 1);
    size_t l = rr_begin(&m, 12, NULL, 28, 1, 300);
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    pb_putn(&m, v6, 16);
    rr_end(&m, l);
    l = rr_begin(&m, 12, NULL, 2, 1, 300);
    putname(&m, "ns1.a.example");
    rr_end(&m, l);
    l = rr_begin(&m, 12, NULL, 12, 1, 300);
    putname(&m, "ptr.example");
    rr_end(&m, l);
    l = rr_begin(&m, 12, NULL, 15, 1, 300);
    pb_put16(&m, 5);
    putname(&m, "mx.example");
    rr_end(&m, l);
    l = rr_begin(&m, 12, NULL, 16, 1, 300);
    pb_putn(&m, "\x05hello\x0bworld \"two\"", 18);
    rr_end(&m, l);
    l = rr_begin(&m, 12, NULL, 33, 1, 300);
    pb_put16(&m, 1);
    pb_put16(&m, 2);
    pb_put16(&m, 5060);
    putname(&m, "srv.example");
    rr_end(&m, l);
    l = rr_begin(&m, 12, NULL, 999, 1, 300);
    pb_putn(&m, "\x01\x02\x03", 3);
    rr_end(&m, l);
    l = rr_begin(&m, 12, NULL, 13, 1, 300);
    pb_putn(&m, "\x03" "cpu\x02os", 7);
    rr_end(&m, l);
    /* OPT: 1232-byte UDP payload, DO set, a COOKIE option */
    l = rr_begin(&m, 0, "", 41, 1232, 0x00008000);
    pb_put16(&m, 10);
    pb_put16(&m, 8);
    pb_putn(&m, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    rr_end(&m, l);
    udp_msg(&server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(info_text(), "Standard query response 0x00aa ANY a.example AAAA 2001:db8::1 "
                                  "NS ns1.a.example PTR ptr.example MX 5 mx.example TXT "
                                  "SRV 1 2 5060 srv.example Unknown (999) HINFO cpu os OPT");
    ck_assert_str_eq(field("AAAA Address", 0), "2001:db8::1");
    ck_assert_str_eq(field("Name Server", 0), "ns1.a.example");
    ck_assert_str_eq(field("Domain Name", 0), "ptr.example");
    ck_assert_str_eq(field("Preference", 0), "5");
    ck_assert_str_eq(field("Mail Exchange", 0), "mx.example");
    ck_assert_str_eq(field("TXT", 0), "hello");
    ck_assert_str_eq(field("TXT", 1), "world \"two\"");
    ck_assert_str_eq(field("Priority", 0), "1");
    ck_assert_str_eq(field("Weight", 0), "2");
    ck_assert_str_eq(field("Port", 0), "5060");
    ck_assert_str_eq(field("Target", 0), "srv.example");
    ck_assert_str_eq(field("Data", 0), "\\# 3 010203"); /* RFC 3597 */
    ck_assert_str_eq(field("Character string", 1), "os");
    ck_assert_str_eq(field("UDP payload size", 0), "1232");
    ck_assert_str_eq(field("DO bit", 0), "Accepts DNSSEC security RRs");
    ck_assert_str_eq(field("Option", 0), "COOKIE (10), length 8");
    ck_assert_str_eq(field("Data", 1), "0102030405060708");
    const char *j = json();
    ck_assert_ptr_nonnull(strstr(j, "\"type\":\"MX\",\"ttl\":300,\"data\":\"5 mx.example\""));
    ck_assert_ptr_nonnull(strstr(j, "\"data\":\"\\\"hello\\\" \\\"world \\\"two\\\"\\\"\""));
    ck_assert_ptr_nonnull(strstr(j, "\"data\":\"1 2 5060 srv.example\""));
    ck_assert_ptr_nonnull(strstr(j, "\"type\":\"Unknown (999)\",\"ttl\":300,\"data\":\"\\\\# 3 "
                                    "010203\""));
    ck_assert_ptr_nonnull(strstr(j, "\"additional\":[{\"name\":\"<Root>\",\"type\":\"OPT\","
                                    "\"ttl\":32768,\"data\":\"UDP payload size 1232, extended "
                                    "RCODE 0, EDNS0 version 0, DO\"}]"));
}
END_TEST

START_TEST(test_edns_query_and_two_questions)
{
    struct pb_msg m;
    header(&m, 0xc434, 0x0120, 1, 0, 0, 1);
    question(&m, "www.example.test", 1, 1);
    size_t l = rr_begin(&m, 0, "", 41, 1232, 0);
    rr_end(&m, l);
    udp_msg(&client, &m);
    ck_assert_str_eq(info_text(), "Standard query 0xc434 A www.example.test OPT");
    ck_assert_str_eq(field("AD bit", 0), "Set");
    ck_assert_str_eq(field("DO bit", 0), "Cannot handle DNSSEC security RRs");
    ck_assert_str_eq(field("EDNS0 version", 0), "0");

    header(&m, 0x0018, 0x0100, 2, 0, 0, 0);
    question(&m, "a.example", 1, 1);
    question(&m, "b.example", 28, 1);
    udp_msg(&client, &m);
    ck_assert_str_eq(info_text(), "Standard query 0x0018 A a.example AAAA b.example");
    ck_assert_uint_eq(g_pkt.a.dns.qtype, 1);
    ck_assert_str_eq(field("Query", 1), "b.example: type AAAA, class IN (0x0001)");
}
END_TEST

START_TEST(test_opcodes_rcodes_types)
{
    static const struct {
        uint16_t flags, qtype;
        const char *info;
    } cases[] = {
        {0x0100, 1, "Standard query 0x0001 A example.com"},
        {0x0900, 1, "Inverse query 0x0001 A example.com"},
        {0x1800, 1, "Unknown operation (3) 0x0001 A example.com"},
        {0x2800, 6, "Dynamic update 0x0001 SOA example.com"},
        {0x8182, 1, "Standard query response 0x0001 Server failure A example.com"},
        {0x8185, 1, "Standard query response 0x0001 Refused A example.com"},
        {0x818c, 1, "Standard query response 0x0001 Unknown error (12) A example.com"},
        {0x8190, 1, "Standard query response 0x0001 A example.com"}, /* CD bit, no error */
        {0x0100, 257, "Standard query 0x0001 CAA example.com"},
        {0x0100, 65, "Standard query 0x0001 HTTPS example.com"},
        {0x0100, 253, "Standard query 0x0001 MAILA example.com"}, /* tshark's swap */
        {0x0100, 53, "Standard query 0x0001 Unknown (53) example.com"},
        {0x0100, 32769, "Standard query 0x0001 DLV example.com"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pb_msg m;
        header(&m, 1, cases[i].flags, 1, 0, 0, 0);
        question(&m, "example.com", cases[i].qtype, 1);
        udp_msg(&client, &m);
        ck_assert_str_eq(info_text(), cases[i].info);
    }
}
END_TEST

START_TEST(test_root_and_owner_name_types)
{
    struct pb_msg m;
    header(&m, 0x3000, 0x0100, 1, 0, 0, 0);
    question(&m, "", 2, 1);
    udp_msg(&client, &m);
    ck_assert_str_eq(info_text(), "Standard query 0x3000 NS <Root>");
    /* tshark appends the owner name for some types (here MB), and a PTR
     * to the root shows as <Root> */
    header(&m, 0x0007, 0x8180, 1, 2, 0, 0);
    question(&m, "a.example", 7, 1);
    size_t l = rr_begin(&m, 12, NULL, 7, 1, 300);
    putname(&m, "t.example");
    rr_end(&m, l);
    l = rr_begin(&m, 12, NULL, 12, 1, 300);
    putname(&m, "");
    rr_end(&m, l);
    udp_msg(&server, &m);
    ck_assert_str_eq(info_text(), "Standard query response 0x0007 MB a.example MB a.example "
                                  "PTR <Root>");
}
END_TEST

START_TEST(test_mdns_and_llmnr)
{
    struct pb_msg m;
    header(&m, 0, 0, 2, 0, 0, 0);
    question(&m, "_http._tcp.local", 12, 1);
    question(&m, "host.local", 1, 0x8001);
    const struct pb_ends mc = {0x0a000001, 0xe00000fb, 5353, 5353};
    udp_msg(&mc, &m);
    ck_assert_uint_eq(g_pkt.a.dns.variant, DNS_MDNS);
    ck_assert_str_eq(info_protocol(&g_pkt), "MDNS");
    ck_assert_str_eq(info_text(), "Standard query 0x0000 PTR _http._tcp.local, \"QM\" question "
                                  "A host.local, \"QU\" question");
    ck_assert_str_eq(field("\"QU\" question", 1), "True");

    header(&m, 0, 0x8400, 0, 2, 0, 0);
    size_t l = rr_begin(&m, 0, "host.local", 1, 0x8001, 120);
    pb_put32(&m, 0x0a000005);
    rr_end(&m, l);
    l = rr_begin(&m, 12, NULL, 47, 0x8001, 120);
    pb_put16(&m, 0xc00c);
    pb_putn(&m, "\x00\x04\x40\x00\x00\x08", 6);
    rr_end(&m, l);
    udp_msg(&mc, &m);
    ck_assert_str_eq(info_text(), "Standard query response 0x0000 A, cache flush 10.0.0.5 "
                                  "NSEC, cache flush host.local");
    ck_assert_str_eq(field("Cache flush", 0), "True");
    ck_assert_str_eq(field("Class", 0), "IN (0x0001)");

    header(&m, 7, 0x8000, 1, 1, 0, 0);
    question(&m, "host", 1, 1);
    l = rr_begin(&m, 12, NULL, 1, 1, 30);
    pb_put32(&m, 0x0a000006);
    rr_end(&m, l);
    const struct pb_ends ll = {0x0a000002, 0x0a000001, 5355, 40000};
    udp_msg(&ll, &m);
    ck_assert_str_eq(info_protocol(&g_pkt), "LLMNR");
    ck_assert_str_eq(info_text(), "Standard query response 0x0007 A host A 10.0.0.6");
    /* the lower port decides: 53 before 5353 */
    const struct pb_ends both = {0x0a000002, 0x0a000001, 53, 5353};
    udp_msg(&both, &m);
    ck_assert_str_eq(info_protocol(&g_pkt), "DNS");
}
END_TEST

/* ---- malformed messages ---- */

START_TEST(test_pointer_to_itself)
{
    struct pb_msg m;
    header(&m, 5, 0x0100, 1, 0, 0, 0);
    pb_put16(&m, 0xc00c);
    pb_put16(&m, 1);
    pb_put16(&m, 1);
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NAME_LOOP);
    ck_assert_str_eq(info_text(), "Standard query 0x0005 A <Name contains a pointer that loops>");
}
END_TEST

START_TEST(test_two_pointers_to_each_other)
{
    struct pb_msg m;
    header(&m, 6, 0x0100, 1, 0, 0, 0);
    pb_put16(&m, 0xc00e);
    pb_put16(&m, 0xc00c);
    pb_put16(&m, 1);
    pb_put16(&m, 1);
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NAME_LOOP);
    /* the name takes 2 bytes in place: the type is the next pointer */
    ck_assert_str_eq(info_text(), "Standard query 0x0006 Unknown (49164) "
                                  "<Name contains a pointer that loops>");
    /* a label, then a pointer back to that label */
    header(&m, 0x12, 0x0100, 1, 0, 0, 0);
    pb_putn(&m, "\x01" "a\xc0\x0e", 4);
    pb_put16(&m, 1);
    pb_put16(&m, 1);
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NAME_LOOP);
    ck_assert_str_eq(info_text(), "Standard query 0x0012 A <Name contains a pointer that loops>");
}
END_TEST

START_TEST(test_pointer_and_label_past_end)
{
    struct pb_msg m;
    header(&m, 7, 0x0100, 1, 0, 0, 0);
    pb_put16(&m, 0xc0ff);
    pb_put16(&m, 1);
    pb_put16(&m, 1);
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "Standard query 0x0007[Malformed Packet]");

    header(&m, 8, 0x0100, 1, 0, 0, 0);
    pb_putn(&m, "\x3f" "abc", 4);
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "Standard query 0x0008[Malformed Packet]");

    /* label types 01 and 10 (RFC 6891 deprecated extended labels) */
    header(&m, 13, 0x0100, 1, 0, 0, 0);
    pb_putn(&m, "\x41\x00\x00\x01\x00\x01", 6);
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "Standard query 0x000d[Malformed Packet]");
}
END_TEST

START_TEST(test_absurd_counts)
{
    struct pb_msg m;
    header(&m, 9, 0x0100, 65535, 0, 0, 0);
    question(&m, "a.example", 1, 1);
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_uint_eq(g_pkt.a.dns.qdcount, 65535);
    ck_assert_str_eq(info_text(), "Standard query 0x0009 A a.example[Malformed Packet]");

    /* 65535 answers in 40 bytes */
    header(&m, 10, 0x8180, 1, 65535, 0, 0);
    question(&m, "a.example", 1, 1);
    size_t l = rr_begin(&m, 12, NULL, 1, 1, 5);
    pb_put32(&m, 0x01020304);
    rr_end(&m, l);
    ck_assert_uint_eq(m.n, 43);
    udp_msg(&server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(info_text(), "Standard query response 0x000a A a.example A 1.2.3.4"
                                  "[Malformed Packet]");
    ck_assert_uint_eq(layer_field_count(P_DNS, "Answer"), 1);
}
END_TEST

START_TEST(test_name_length_limits)
{
    struct pb_msg m;
    /* 127 one-letter labels: 255 octets, the limit */
    header(&m, 0x15, 0x0100, 1, 0, 0, 0);
    for (int i = 0; i < 127; i++)
        pb_putn(&m, "\x01" "a", 2);
    pb_put8(&m, 0);
    pb_put16(&m, 1);
    pb_put16(&m, 1);
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert_uint_eq(strlen(field("Name", 0)), 253);
    /* 128 labels: 257 octets */
    header(&m, 0x16, 0x0100, 1, 0, 0, 0);
    for (int i = 0; i < 128; i++)
        pb_putn(&m, "\x01" "a", 2);
    pb_put8(&m, 0);
    pb_put16(&m, 1);
    pb_put16(&m, 1);
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NAME_LOOP);
    ck_assert_str_eq(info_text(), "Standard query 0x0016 A <Name too long>");
    /* 256 octets reached through a pointer */
    header(&m, 4, 0x0100, 1, 0, 0, 0);
    static const char l63[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    for (int i = 0; i < 2; i++) {
        pb_put8(&m, 63);
        pb_putn(&m, l63, 63);
    }
    pb_put16(&m, 0xc000 | (12 + 128 + 2 + 4));
    pb_put16(&m, 1);
    pb_put16(&m, 1);
    for (int i = 0; i < 2; i++) {
        pb_put8(&m, 63);
        pb_putn(&m, l63, 63);
    }
    pb_putn(&m, "\x01" "a", 2);
    pb_put8(&m, 0);
    udp_msg(&client, &m);
    ck_assert_str_eq(info_text(), "Standard query 0x0004 A <Name too long>");
}
END_TEST

START_TEST(test_long_pointer_chain_and_forward_pointer)
{
    struct pb_msg m;
    /* 60 pointers, each to the next: no loop (tshark follows it too) */
    header(&m, 20, 0x0100, 1, 0, 0, 0);
    for (int i = 0; i < 60; i++)
        pb_put16(&m, (uint16_t)(0xc000 | (12 + 2 * (i + 1))));
    pb_putn(&m, "\x01x\x00", 3);
    pb_put16(&m, 1);
    pb_put16(&m, 1);
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(info_text(), "Standard query 0x0014 Unknown (49168) x");
    /* a pointer forward to a name after the question */
    header(&m, 16, 0x0100, 1, 0, 0, 0);
    pb_putn(&m, "\xc0\x12\x00\x01\x00\x01\x01x\x00", 9);
    udp_msg(&client, &m);
    ck_assert_str_eq(info_text(), "Standard query 0x0010 A x");
}
END_TEST

START_TEST(test_label_bytes_are_sanitised)
{
    struct pb_msg m;
    header(&m, 2, 0x0100, 1, 0, 0, 0);
    pb_putn(&m, "\x04" "a\x01\x7f\xff\x03" "com\x00\x00\x01\x00\x01", 14);
    udp_msg(&client, &m);
    /* sanitize_bytes' escapes, not tshark's (it writes \001\177 and a raw 0xff) */
    ck_assert_str_eq(info_text(), "Standard query 0x0002 A a\\x01\\x7f\\xff.com");
    check_no_raw_bytes(info_text());
    check_no_raw_bytes(field("Name", 0));
    ck_assert_ptr_nonnull(strstr(json(), "\"name\":\"a\\\\x01\\\\x7f\\\\xff.com\""));
}
END_TEST

START_TEST(test_rdata_length_mismatch)
{
    struct pb_msg m;
    /* A with 5 bytes: tshark shows the address, the record is flagged */
    header(&m, 0x14, 0x8180, 1, 1, 0, 0);
    question(&m, "a.example", 1, 1);
    size_t l = rr_begin(&m, 12, NULL, 1, 1, 300);
    pb_putn(&m, "\x01\x02\x03\x04\x05", 5);
    rr_end(&m, l);
    udp_msg(&server, &m);
    ck_assert_str_eq(info_text(), "Standard query response 0x0014 A a.example A 1.2.3.4");
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert_str_eq(field("Malformed data", 0), "length 5 does not fit type");
    /* AAAA with 4 bytes at the end of the message: malformed */
    header(&m, 0x15, 0x8180, 1, 1, 0, 0);
    question(&m, "a.example", 28, 1);
    l = rr_begin(&m, 12, NULL, 28, 1, 300);
    pb_put32(&m, 0x01020304);
    rr_end(&m, l);
    udp_msg(&server, &m);
    ck_assert_str_eq(info_text(), "Standard query response 0x0015 AAAA a.example AAAA"
                                  "[Malformed Packet]");
    /* A with no data */
    header(&m, 0x13, 0x8180, 1, 1, 0, 0);
    question(&m, "a.example", 1, 1);
    l = rr_begin(&m, 12, NULL, 1, 1, 300);
    rr_end(&m, l);
    udp_msg(&server, &m);
    ck_assert_str_eq(info_text(), "Standard query response 0x0013 A a.example A");
}
END_TEST

START_TEST(test_header_only_and_short)
{
    struct pb_msg m;
    header(&m, 11, 0x0100, 0, 0, 0, 0);
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(info_text(), "Standard query 0x000b");
    m.n = 7;
    udp_msg(&client, &m);
    ck_assert_uint_eq(g_pkt.event, EV_BAD_APP);
    ck_assert(!g_pkt.a.dns.has_header);
    ck_assert_str_eq(info_text(), "Standard query 0x000b[Malformed Packet]");
}
END_TEST

/* ---- TCP ---- */

static void tcp_payload(const struct pb_ends *e, const struct pb_msg *parts, size_t nparts,
                        const size_t *cut)
{
    struct pb_msg payload = {.n = 0};
    for (size_t i = 0; i < nparts; i++) {
        pb_put16(&payload, (uint16_t)parts[i].n);
        pb_putn(&payload, parts[i].b, parts[i].n);
    }
    if (cut)
        payload.n = *cut;
    frame_len = pb_tcp4(frame, e, 1, 1, 0, payload.b, payload.n);
    decode_full(frame, frame_len);
    assert_same_event_without_fields();
}

START_TEST(test_tcp_two_messages)
{
    struct pb_msg m[2];
    header(&m[0], 0x11, 0x0100, 1, 0, 0, 0);
    question(&m[0], "a.example", 1, 1);
    header(&m[1], 0x22, 0x8180, 1, 1, 0, 0);
    question(&m[1], "a.example", 1, 1);
    size_t l = rr_begin(&m[1], 12, NULL, 1, 1, 5);
    pb_put32(&m[1], 0x01020304);
    rr_end(&m[1], l);
    tcp_payload(&client, m, 2, NULL);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert(g_pkt.a.dns.tcp);
    ck_assert_uint_eq(g_pkt.a.dns.nmsgs, 2);
    ck_assert_uint_eq(g_pkt.a.dns.id, 0x11); /* the summary is the first message's */
    /* tshark shows the last message of a segment */
    ck_assert_str_eq(info_text(), "Standard query response 0x0022 A a.example A 1.2.3.4");
    ck_assert_uint_eq(layer_field_count(P_DNS, "Length"), 2);
    ck_assert_str_eq(field("Length", 0), "27");
    ck_assert_str_eq(field("Transaction ID", 1), "0x0022");
    const char *j = json();
    ck_assert_ptr_nonnull(strstr(j, "\"id\":17,"));
    ck_assert_ptr_nonnull(strstr(j, "\"messages\":2"));
}
END_TEST

START_TEST(test_tcp_message_continues)
{
    struct pb_msg m[2];
    header(&m[0], 0x11, 0x0100, 1, 0, 0, 0);
    question(&m[0], "a.example", 1, 1);
    size_t cut = 20; /* the length prefix says 27 */
    tcp_payload(&client, m, 1, &cut);
    ck_assert_uint_eq(g_pkt.app, P_DNS);
    ck_assert_uint_eq(g_pkt.event, EV_NONE); /* not malformed */
    ck_assert(g_pkt.a.dns.partial);
    ck_assert_str_eq(info_text(), "Standard query 0x0011[BoundErrorUnreassembled Packet]");
    ck_assert_str_eq(field("Continues", 0), "the last message goes on in the next segment");
    cut = 2; /* the length alone */
    tcp_payload(&client, m, 1, &cut);
    ck_assert_str_eq(info_protocol(&g_pkt), "DNS");
    ck_assert_str_eq(info_text(), "[BoundErrorUnreassembled Packet]");
    /* a whole message, then the start of the next */
    header(&m[1], 0x22, 0x8180, 1, 1, 0, 0);
    question(&m[1], "a.example", 1, 1);
    cut = 29 + 20;
    tcp_payload(&client, m, 2, &cut);
    ck_assert_uint_eq(g_pkt.a.dns.nmsgs, 2);
    ck_assert_str_eq(info_text(), "Standard query response 0x0022[BoundErrorUnreassembled Packet]");
}
END_TEST

START_TEST(test_tcp_not_a_message_start)
{
    struct pb_msg m;
    header(&m, 0x11, 0x0100, 1, 0, 0, 0);
    question(&m, "a.example", 1, 1);
    size_t cut = 1;
    tcp_payload(&client, &m, 1, &cut);
    ck_assert_uint_eq(g_pkt.app, P_NONE);
    ck_assert_str_eq(info_protocol(&g_pkt), "TCP");
    /* the middle of a large TXT answer: text, not a header */
    uint8_t text[200];
    memset(text, 'x', sizeof text);
    memcpy(text, "chunk 20 of a large TXT record", 30);
    frame_len = pb_tcp4(frame, &server, 1209, 37, 0x10, text, sizeof text);
    decode_full(frame, frame_len);
    ck_assert_uint_eq(g_pkt.app, P_NONE);
    ck_assert_str_eq(info_protocol(&g_pkt), "TCP");
    /* a length prefix smaller than a header */
    uint8_t small[20] = {0, 5};
    frame_len = pb_tcp4(frame, &client, 1, 1, 0, small, sizeof small);
    decode_full(frame, frame_len);
    ck_assert_uint_eq(g_pkt.app, P_NONE);
}
END_TEST

/* ---- sweeps ---- */

/* The response of the caplen sweep: CNAME, A, OPT (81 bytes). */
static void sweep_msg(struct pb_msg *m)
{
    header(m, 0x77, 0x8180, 1, 2, 0, 1);
    question(m, "www.example", 1, 1);
    size_t l = rr_begin(m, 12, NULL, 5, 1, 60);
    putname(m, "web.example");
    rr_end(m, l);
    l = rr_begin(m, 41, NULL, 1, 1, 60);
    pb_put32(m, 0x09080706);
    rr_end(m, l);
    l = rr_begin(m, 0, "", 41, 1232, 0);
    rr_end(m, l);
}

/* tshark's Info for each length the capture keeps of the message; every
 * one ends in "[Packet size limited during capture]". */
static const char *sweep_info(size_t have)
{
    if (have < 4)
        return "";
    if (have < 29)
        return "Standard query response 0x0077";
    if (have < 41)
        return "Standard query response 0x0077 A www.example";
    if (have < 54)
        return "Standard query response 0x0077 A www.example CNAME";
    if (have < 66)
        return "Standard query response 0x0077 A www.example CNAME web.example";
    if (have < 70)
        return "Standard query response 0x0077 A www.example CNAME web.example A";
    return "Standard query response 0x0077 A www.example CNAME web.example A 9.8.7.6";
}

START_TEST(test_caplen_sweep)
{
    struct pb_msg m;
    sweep_msg(&m);
    ck_assert_uint_eq(m.n, 81);
    frame_len = pb_udp4(frame, &server, m.b, m.n);
    decode_full(frame, frame_len);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(info_text(), "Standard query response 0x0077 A www.example CNAME web.example "
                                  "A 9.8.7.6 OPT");
    for (uint32_t cut = 0; cut < frame_len; cut++) {
        decode_cut(frame, cut, (uint32_t)frame_len, cut & 1);
        if (cut <= 42)
            continue; /* no DNS byte: the UDP layer's business */
        ck_assert_uint_eq(g_pkt.event, EV_TRUNCATED);
        char want[200];
        snprintf(want, sizeof want, "%s[Packet size limited during capture]",
                 sweep_info(cut - 42));
        ck_assert_str_eq(info_text(), want);
        check_no_raw_bytes(info_text());
        json();
    }
}
END_TEST

/* Messages that end early on the wire (the datagram is short, nothing is
 * cut by the capture): malformed, never a read past the datagram. */
START_TEST(test_short_message_sweep)
{
    struct pb_msg m;
    sweep_msg(&m);
    for (size_t n = 1; n < m.n; n++) {
        struct pb_msg s = m;
        s.n = n;
        udp_msg(&server, &s);
        ck_assert_msg(g_pkt.event == EV_BAD_APP, "length %zu: event %s", n,
                      decode_event_name((enum ws_event)g_pkt.event));
        size_t len = strlen(info_text());
        ck_assert_msg(len >= 18 && strcmp(info_text() + len - 18, "[Malformed Packet]") == 0,
                      "length %zu: %s", n, info_text());
        json();
    }
    /* the same over TCP: the length prefix promises the rest */
    for (size_t n = 0; n < m.n + 2; n++) {
        tcp_payload(&server, &m, 1, &n);
        if (g_pkt.app != P_DNS)
            continue;
        ck_assert_uint_eq(g_pkt.event, EV_NONE);
        ck_assert(g_pkt.a.dns.partial);
        json();
    }
}
END_TEST

START_TEST(test_json_budget)
{
    struct pb_msg m;
    header(&m, 0x99, 0x8180, 1, 300, 0, 0);
    question(&m, "a.example", 1, 1);
    for (int i = 0; i < 300; i++) {
        size_t l = rr_begin(&m, 12, NULL, 1, 1, 5);
        pb_put32(&m, (uint32_t)i);
        rr_end(&m, l);
    }
    udp_msg(&server, &m);
    ck_assert_uint_eq(g_pkt.event, EV_NONE);
    const char *j = json();
    ck_assert_uint_lt(strlen(j), 8300);
    ck_assert_ptr_nonnull(strstr(j, "],\"authority\":[],\"additional\":[],\"records_left_out\":true"));
}
END_TEST

/* ---- transactions ---- */

static void track(struct app_tracker *t, struct flow *f, uint64_t no)
{
    struct app_ctx ctx = {t, no, 1000000000ull * no, f, FLOW_A2B, 0, 0};
    for (unsigned i = 0; i < g_pkt.nlayers; i++)
        if (g_pkt.layers[i].proto == P_DNS)
            proto_get(P_DNS)->app->track(&ctx, &g_pkt, &g_pkt.layers[i]);
}

/* A flow record with only its id, as the tracker keys transactions by it. */
static struct flow flow_numbered(uint64_t id)
{
    struct flow f;
    memset(&f, 0, sizeof f);
    f.id = id;
    return f;
}

/* A name's escapes are made once: the transaction shows the name as the
 * Info column does (sanitize_bytes' escapes, a backslash doubled). */
START_TEST(test_track_name_escaped_once)
{
    struct app_tracker *t = app_tracker_new(100);
    struct flow f = flow_numbered(9);
    struct pb_msg m;
    header(&m, 0x0b0b, 0x0100, 1, 0, 0, 0);
    pb_putn(&m, "\x04" "a\\\x01z\x03" "com\x00\x00\x01\x00\x01", 14);
    udp_msg(&client, &m);
    ck_assert_str_eq(info_text(), "Standard query 0x0b0b A a\\\\\\x01z.com");
    track(t, &f, 1);
    struct txn_list tl = txns_of(t);
    ck_assert_uint_eq(tl.n, 1);
    ck_assert_str_eq(tl.x[0]->what, "A a\\\\\\x01z.com");
    app_tracker_free(t);
}
END_TEST

START_TEST(test_track_query_response)
{
    struct app_tracker *t = app_tracker_new(100);
    struct flow f = flow_numbered(7);
    struct pb_msg m;
    header(&m, 0x1a2b, 0x0100, 1, 0, 0, 0);
    question(&m, "www.example.com", 1, 1);
    udp_msg(&client, &m);
    track(t, &f, 1);
    cname_chain(&m);
    udp_msg(&server, &m);
    track(t, &f, 2);
    /* an answer nobody asked for is not a transaction */
    header(&m, 0x4444, 0x8180, 1, 0, 0, 0);
    question(&m, "other.example", 1, 1);
    udp_msg(&server, &m);
    track(t, &f, 3);
    /* NXDOMAIN; the query is sent twice */
    header(&m, 0x0303, 0x0100, 1, 0, 0, 0);
    question(&m, "nx.example", 28, 1);
    udp_msg(&client, &m);
    track(t, &f, 4);
    track(t, &f, 5);
    header(&m, 0x0303, 0x8183, 1, 0, 0, 0);
    question(&m, "nx.example", 28, 1);
    udp_msg(&server, &m);
    track(t, &f, 6);
    struct txn_list tl = txns_of(t);
    ck_assert_uint_eq(tl.n, 2);
    ck_assert_str_eq(tl.x[0]->what, "A www.example.com");
    ck_assert(tl.x[0]->done);
    ck_assert_str_eq(tl.x[0]->result, "No error, 3 answers");
    ck_assert_uint_eq(tl.x[0]->nmsgs, 2);
    ck_assert_uint_eq(tl.x[0]->msgs[1].packet, 2);
    ck_assert_uint_eq(tl.x[0]->flow_id, 7);
    ck_assert_str_eq(tl.x[0]->msgs[0].label, "Query 0x1a2b");
    ck_assert_str_eq(tl.x[0]->msgs[1].label, "Response 0x1a2b");
    ck_assert_str_eq(tl.x[1]->what, "AAAA nx.example");
    ck_assert_str_eq(tl.x[1]->result, "No such name");
    ck_assert_uint_eq(tl.x[1]->nmsgs, 3);
    app_tracker_free(t);
}
END_TEST

static Suite *dns_suite(void)
{
    Suite *s = suite_create("dns");
    TCase *tc = tcase_create("messages");
    tcase_add_checked_fixture(tc, apptest_setup, apptest_teardown);
    tcase_add_test(tc, test_query_a);
    tcase_add_test(tc, test_response_compression_cname_chain);
    tcase_add_test(tc, test_nxdomain_with_soa);
    tcase_add_test(tc, test_each_rdata_type);
    tcase_add_test(tc, test_edns_query_and_two_questions);
    tcase_add_test(tc, test_opcodes_rcodes_types);
    tcase_add_test(tc, test_root_and_owner_name_types);
    tcase_add_test(tc, test_mdns_and_llmnr);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_add_checked_fixture(tc, apptest_setup, apptest_teardown);
    tcase_add_test(tc, test_pointer_to_itself);
    tcase_add_test(tc, test_two_pointers_to_each_other);
    tcase_add_test(tc, test_pointer_and_label_past_end);
    tcase_add_test(tc, test_absurd_counts);
    tcase_add_test(tc, test_name_length_limits);
    tcase_add_test(tc, test_long_pointer_chain_and_forward_pointer);
    tcase_add_test(tc, test_label_bytes_are_sanitised);
    tcase_add_test(tc, test_rdata_length_mismatch);
    tcase_add_test(tc, test_header_only_and_short);
    suite_add_tcase(s, tc);

    tc = tcase_create("tcp");
    tcase_add_checked_fixture(tc, apptest_setup, apptest_teardown);
    tcase_add_test(tc, test_tcp_two_messages);
    tcase_add_test(tc, test_tcp_message_continues);
    tcase_add_test(tc, test_tcp_not_a_message_start);
    suite_add_tcase(s, tc);

    tc = tcase_create("sweeps");
    tcase_add_checked_fixture(tc, apptest_setup, apptest_teardown);
    tcase_add_test(tc, test_caplen_sweep);
    tcase_add_test(tc, test_short_message_sweep);
    tcase_add_test(tc, test_json_budget);
    suite_add_tcase(s, tc);

    tc = tcase_create("track");
    tcase_add_checked_fixture(tc, apptest_setup, apptest_teardown);
    tcase_add_test(tc, test_track_query_response);
    tcase_add_test(tc, test_track_name_escaped_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dns_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
