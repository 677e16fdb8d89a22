/* Tests of the link and network dissectors on hand-built packets. */
#include <check.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "wirescope/addr.h"
#include "wirescope/decode.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

#define ANY UINT32_MAX /* layer length not checked (not ours) */

/* ---- packets -------------------------------------------------------- */

/* Ethernet, IPv4 10.0.0.1 -> 10.0.0.2 DF id 0x1c46 TTL 64, TCP SYN
 * 12345 -> 80, then 6 bytes of Ethernet padding (60-byte frame). */
static const uint8_t eth_ipv4_syn[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
    0x08, 0x00,
    0x45, 0x00, 0x00, 0x28, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x0a, 0x88,
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
    0x30, 0x39, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x50, 0x02, 0x72, 0x10, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Raw IPv4 (DLT_RAW), IHL 8: Record Route (7 bytes, pointer 4, one empty
 * slot), NOP, Router Alert 0; then UDP 1234 -> 53 with no data. */
static const uint8_t raw_ipv4_opts[] = {
    0x48, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x57, 0x64,
    0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02,
    0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00,
    0x01,
    0x94, 0x04, 0x00, 0x00,
    0x04, 0xd2, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* Linux cooked v1: unicast to us, Ethernet, 6-byte address, IPv4/UDP. */
static const uint8_t sll_ipv4_udp[] = {
    0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x00, 0x00, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x1c, 0x00, 0x02, 0x00, 0x00, 0x40, 0x11, 0x66, 0xcd,
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
    0x04, 0xd2, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* Linux cooked v2: IPv6, ifindex 2, Ethernet, sent by us; IPv6
 * 2001:db8::1 -> 2001:db8::2, hop limit 64, UDP with no data. */
static const uint8_t sll2_ipv6_udp[] = {
    0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x04, 0x06,
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x11, 0x40,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    0x04, 0xd2, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* DLT_NULL, family AF_INET written little-endian; IPv4 127.0.0.1 ICMP
 * echo request. */
static const uint8_t null_le_ipv4[] = {
    0x02, 0x00, 0x00, 0x00,
    0x45, 0x00, 0x00, 0x1c, 0x00, 0x03, 0x00, 0x00, 0x40, 0x01, 0x7c, 0xdc,
    0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,
    0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00,
};

/* The same written big-endian. */
static const uint8_t null_be_ipv4[] = {
    0x00, 0x00, 0x00, 0x02,
    0x45, 0x00, 0x00, 0x1c, 0x00, 0x03, 0x00, 0x00, 0x40, 0x01, 0x7c, 0xdc,
    0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,
    0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00,
};

/* DLT_LOOP, family 30 (macOS AF_INET6) in network order; IPv6 ::1 -> ::1
 * ICMPv6 echo request. */
static const uint8_t loop_ipv6[] = {
    0x00, 0x00, 0x00, 0x1e,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x3a, 0xff,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x80, 0x00, 0x7f, 0xbb, 0x00, 0x01, 0x00, 0x01,
};

/* QinQ: 802.1ad outer tag PCP 3 VID 100, 802.1Q inner tag DEI VID 200,
 * IPv4/UDP. */
static const uint8_t eth_qinq[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
    0x88, 0xa8,
    0x60, 0x64, 0x81, 0x00,
    0x10, 0xc8, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x1c, 0x00, 0x04, 0x00, 0x00, 0x40, 0x11, 0x66, 0xcb,
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
    0x04, 0xd2, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* ARP request: who has 192.168.1.2, tell 192.168.1.1; padded to 60. */
static const uint8_t eth_arp_request[] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0xc0, 0xa8, 0x01, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x02,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* ARP reply: 192.168.1.2 is at 66:77:88:99:aa:bb. */
static const uint8_t eth_arp_reply[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
    0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xc0, 0xa8, 0x01, 0x02,
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0xc0, 0xa8, 0x01, 0x01,
};

/* SLL over ATM (hatype 19) carrying ATMARP (RFC 2225): 6-byte ATM
 * numbers, no subaddresses, IPv4 10.1.1.1 asks for 10.1.1.2. */
static const uint8_t sll_atmarp[] = {
    0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
    0x08, 0x06,
    0x00, 0x13, 0x08, 0x00, 0x06, 0x00, 0x00, 0x01, 0x04, 0x06, 0x00, 0x04,
    0x47, 0x00, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x01, 0x01, 0x01,
    0x47, 0x00, 0x05, 0x06, 0x07, 0x08, 0x0a, 0x01, 0x01, 0x02,
};

/* Raw IPv6 (DLT_RAW, version nibble 6): hop-by-hop (Router Alert MLD,
 * PadN), destination options (PadN 4), fragment (offset 0, M, id
 * 0x12345678), UDP 8 bytes + 8 bytes of data. */
static const uint8_t raw_ipv6_ext[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x40,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    0x3c, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
    0x2c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
    0x11, 0x00, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78,
    0x04, 0xd2, 0x00, 0x35, 0x00, 0x10, 0x00, 0x00,
    1, 2, 3, 4, 5, 6, 7, 8,
};

/* IPv6 non-first fragment: offset 185 (1480 bytes), M clear, 16 bytes. */
static const uint8_t ipv6_frag_later[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x2c, 0x40,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    0x11, 0x00, 0x05, 0xc8, 0x12, 0x34, 0x56, 0x78,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
};

/* IPv6 with a segment routing header (type 4, 2 segments) then UDP. */
static const uint8_t ipv6_srh[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x30, 0x2b, 0x40,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a,
    0x11, 0x04, 0x04, 0x01, 0x01, 0x00, 0x00, 0x00,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a,
    0x04, 0xd2, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* IPv4 first fragment: MF, offset 0, id 0xabcd, UDP. */
static const uint8_t eth_ipv4_frag_first[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
    0x08, 0x00,
    0x45, 0x00, 0x00, 0x1c, 0xab, 0xcd, 0x20, 0x00, 0x40, 0x11, 0x9b, 0x01,
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
    0x04, 0xd2, 0x00, 0x35, 0x00, 0x10, 0x00, 0x00,
};

/* IPv4 last fragment: offset 185 (1480 bytes), MF clear, 8 bytes. */
static const uint8_t eth_ipv4_frag_later[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
    0x08, 0x00,
    0x45, 0x00, 0x00, 0x1c, 0xab, 0xcd, 0x00, 0xb9, 0x40, 0x11, 0xba, 0x48,
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
    0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
};

/* IPv4 protocol 253 with 4 data bytes, then Ethernet padding to 60. */
static const uint8_t eth_ipv4_padded[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
    0x08, 0x00,
    0x45, 0x00, 0x00, 0x18, 0x00, 0x05, 0x00, 0x00, 0x40, 0xfd, 0x65, 0xe2,
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
    0xca, 0xfe, 0xba, 0xbe,
    0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
    0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
};

/* ---- helpers -------------------------------------------------------- */

static struct ws_packet *pkt;

static void setup(void)
{
    pkt = calloc(1, sizeof *pkt);
    ck_assert_ptr_nonnull(pkt);
}

static void teardown(void)
{
    free(pkt);
}

static void run(const uint8_t *data, size_t caplen, size_t len, int linktype)
{
    decode_reset(pkt, data, (uint32_t)caplen, (uint32_t)len, linktype);
    decode_packet(pkt);
}

#define RUN(arr, lt) run(arr, sizeof arr, sizeof arr, lt)

struct want_layer {
    enum ws_proto proto;
    uint32_t off, len; /* len ANY: not checked */
};

/* The first n layers are exactly these; `more` allows layers after. */
static void check_layers(const struct want_layer *w, size_t n, bool more)
{
    if (more)
        ck_assert_uint_ge(pkt->nlayers, n);
    else
        ck_assert_uint_eq(pkt->nlayers, n);
    for (size_t i = 0; i < n; i++) {
        const struct ws_layer *l = &pkt->layers[i];
        ck_assert_msg(l->proto == w[i].proto, "layer %zu is %s, want %s", i,
                      decode_proto_name(l->proto),
                      decode_proto_name(w[i].proto));
        if (w[i].len == ANY)
            continue;
        ck_assert_uint_eq(l->off, w[i].off);
        ck_assert_uint_eq(l->len, w[i].len);
    }
}

#define LAYERS(more, ...)                                                      \
    do {                                                                       \
        const struct want_layer w_[] = {__VA_ARGS__};                          \
        check_layers(w_, sizeof w_ / sizeof w_[0], more);                      \
    } while (0)

static void check_addr(const struct ws_addr *a, const char *want)
{
    char buf[WS_ADDR_STRLEN];
    addr_format(a, buf, sizeof buf);
    ck_assert_str_eq(buf, want);
}

/* The nth (0-based) field called name in layer li. */
static const struct ws_field *find_field(unsigned li, const char *name,
                                         unsigned nth)
{
    ck_assert_uint_lt(li, pkt->nlayers);
    const struct ws_layer *l = &pkt->layers[li];
    for (unsigned i = l->first_field; i < l->first_field + l->nfields; i++) {
        if (strcmp(pkt->fields[i].name, name) == 0 && nth-- == 0)
            return &pkt->fields[i];
    }
    ck_abort_msg("no field %s in layer %u", name, li);
    return NULL;
}

static void check_field(unsigned li, const char *name, unsigned nth,
                        const char *text, uint32_t off, uint32_t len)
{
    const struct ws_field *f = find_field(li, name, nth);
    ck_assert_str_eq(pkt->ftext + f->text, text);
    ck_assert_uint_eq(f->off, off);
    ck_assert_uint_eq(f->len, len);
}

static bool is_ours(unsigned proto)
{
    switch (proto) {
    case P_SLL:
    case P_SLL2:
    case P_NULL:
    case P_VLAN:
    case P_ARP:
    case P_IPV4:
    case P_IPV6:
    case P_IPV6_EXT:
        return true;
    default:
        return false;
    }
}

/*
 * Decodes every prefix of a good packet from a copy of exactly that many
 * bytes (so ASan sees any over-read). A cut before hdr_end, the end of
 * the last header our dissectors read, must be flagged as truncation by
 * one of the link/network layers; a longer prefix leaves those clean.
 */
static void sweep(const uint8_t *data, size_t n, int linktype, size_t hdr_end)
{
    for (int want = 0; want < 2; want++) {
        pkt->want_fields = want;
        for (size_t cl = 0; cl <= n; cl++) {
            uint8_t *copy = malloc(cl);
            ck_assert(cl == 0 || copy);
            if (cl)
                memcpy(copy, data, cl);
            run(copy, cl, n, linktype);
            if (cl < hdr_end) {
                ck_assert_msg(pkt->event == EV_TRUNCATED,
                              "caplen %zu: event %s", cl,
                              decode_event_name(pkt->event));
                ck_assert_msg(pkt->event_proto == P_ETH ||
                                  is_ours(pkt->event_proto),
                              "caplen %zu: raised by %s", cl,
                              decode_proto_name(pkt->event_proto));
            } else {
                for (unsigned i = 0; i < pkt->nlayers; i++)
                    ck_assert_msg(!is_ours(pkt->layers[i].proto) ||
                                      pkt->layers[i].event == EV_NONE,
                                  "caplen %zu: layer %u has %s", cl, i,
                                  decode_event_name(pkt->layers[i].event));
            }
            free(copy);
        }
    }
}

#define SWEEP(arr, lt, end) sweep(arr, sizeof arr, lt, end)

/* ---- IPv4 ----------------------------------------------------------- */

START_TEST(test_eth_ipv4_tcp_syn)
{
    RUN(eth_ipv4_syn, DLT_EN10MB);
    LAYERS(true, {P_ETH, 0, 14}, {P_IPV4, 14, 20}, {P_TCP, 34, ANY});
    ck_assert_uint_eq(pkt->ip_ver, 4);
    check_addr(&pkt->src, "10.0.0.1");
    check_addr(&pkt->dst, "10.0.0.2");
    ck_assert_uint_eq(pkt->ttl, 64);
    ck_assert_uint_eq(pkt->ip_proto, 6);
    ck_assert_uint_eq(pkt->ip_id, 0x1c46);
    ck_assert(!pkt->ip_fragment);
    ck_assert(!pkt->ip_more_frags);
    ck_assert_uint_eq(pkt->ip_frag_off, 0);
    ck_assert_uint_eq(pkt->ethertype, 0x0800);
    ck_assert_uint_eq(pkt->layers[1].event, EV_NONE);
}
END_TEST

START_TEST(test_ipv4_fields)
{
    pkt->want_fields = true;
    RUN(eth_ipv4_syn, DLT_EN10MB);
    check_field(1, "Version", 0, "4", 14, 1);
    check_field(1, "Header Length", 0, "20 bytes (5)", 14, 1);
    check_field(1, "Differentiated Services Field", 0,
                "0x00 (DSCP: CS0, ECN: Not-ECT)", 15, 1);
    check_field(1, "Total Length", 0, "40", 16, 2);
    check_field(1, "Identification", 0, "0x1c46 (7238)", 18, 2);
    check_field(1, "Flags", 0, "0x2, Don't fragment", 20, 2);
    check_field(1, "Don't fragment", 0, "Set", 20, 1);
    check_field(1, "More fragments", 0, "Not set", 20, 1);
    check_field(1, "Fragment Offset", 0, "0", 20, 2);
    check_field(1, "Time to Live", 0, "64", 22, 1);
    check_field(1, "Protocol", 0, "TCP (6)", 23, 1);
    check_field(1, "Header Checksum", 0, "0x0a88", 24, 2);
    check_field(1, "Source Address", 0, "10.0.0.1", 26, 4);
    check_field(1, "Destination Address", 0, "10.0.0.2", 30, 4);
    ck_assert_uint_eq(find_field(1, "Flags", 0)->depth, 1);
    ck_assert_uint_eq(find_field(1, "Don't fragment", 0)->depth, 2);
}
END_TEST

START_TEST(test_ipv4_options)
{
    pkt->want_fields = true;
    RUN(raw_ipv4_opts, DLT_RAW);
    LAYERS(true, {P_IPV4, 0, 32}, {P_UDP, 32, ANY});
    ck_assert_uint_eq(pkt->layers[0].event, EV_NONE);
    ck_assert_uint_eq(pkt->ip_proto, 17);
    check_addr(&pkt->src, "192.168.0.1");
    check_field(0, "Header Length", 0, "32 bytes (8)", 0, 1);
    check_field(0, "Options", 0, "(12 bytes)", 20, 12);
    check_field(0, "IP Option", 0, "Record Route (7 bytes)", 20, 7);
    check_field(0, "Pointer", 0, "4", 22, 1);
    check_field(0, "Route", 0, "0.0.0.0", 23, 4);
    check_field(0, "IP Option", 1, "No-Operation (NOP)", 27, 1);
    check_field(0, "IP Option", 2, "Router Alert (4 bytes)", 28, 4);
    check_field(0, "Router Alert", 0, "Router shall examine packet (0)", 30, 2);
    ck_assert_uint_eq(find_field(0, "IP Option", 0)->depth, 2);
}
END_TEST

START_TEST(test_ipv4_padding_excluded)
{
    RUN(eth_ipv4_padded, DLT_EN10MB);
    LAYERS(false, {P_ETH, 0, 14}, {P_IPV4, 14, 20}, {P_DATA, 34, 4});
    ck_assert_uint_eq(pkt->event, EV_NONE);
}
END_TEST

START_TEST(test_ipv4_total_len_past_capture_is_not_malformed)
{
    /* Total length 40 but only the header and 4 bytes were captured. */
    uint8_t b[38];
    memcpy(b, eth_ipv4_padded, sizeof b);
    b[17] = 40;
    run(b, sizeof b, 54, DLT_EN10MB);
    LAYERS(false, {P_ETH, 0, 14}, {P_IPV4, 14, 20}, {P_DATA, 34, 4});
    ck_assert_uint_eq(pkt->event, EV_NONE);
}
END_TEST

START_TEST(test_ipv4_first_fragment)
{
    RUN(eth_ipv4_frag_first, DLT_EN10MB);
    LAYERS(true, {P_ETH, 0, 14}, {P_IPV4, 14, 20}, {P_UDP, 34, ANY});
    ck_assert(pkt->ip_fragment);
    ck_assert(pkt->ip_more_frags);
    ck_assert_uint_eq(pkt->ip_frag_off, 0);
    ck_assert_uint_eq(pkt->ip_id, 0xabcd);
    ck_assert_uint_eq(pkt->layers[1].event, EV_NONE);
}
END_TEST

START_TEST(test_ipv4_later_fragment)
{
    pkt->want_fields = true;
    RUN(eth_ipv4_frag_later, DLT_EN10MB);
    LAYERS(false, {P_ETH, 0, 14}, {P_IPV4, 14, 20}, {P_DATA, 34, 8});
    ck_assert(pkt->ip_fragment);
    ck_assert(!pkt->ip_more_frags);
    ck_assert_uint_eq(pkt->ip_frag_off, 1480);
    ck_assert_uint_eq(pkt->ip_proto, 17);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    check_field(1, "Flags", 0, "0x0", 20, 2);
    check_field(1, "Fragment Offset", 0, "1480", 20, 2);
}
END_TEST

START_TEST(test_ipv4_ihl_below_5)
{
    uint8_t b[sizeof eth_ipv4_syn];
    memcpy(b, eth_ipv4_syn, sizeof b);
    b[14] = 0x44;
    RUN(b, DLT_EN10MB);
    ck_assert_uint_eq(pkt->event, EV_BAD_HEADER_LEN);
    ck_assert_uint_eq(pkt->event_proto, P_IPV4);
    ck_assert_uint_eq(pkt->nlayers, 2);
    ck_assert_uint_eq(pkt->layers[1].event, EV_BAD_HEADER_LEN);
}
END_TEST

START_TEST(test_ipv4_total_len_below_header)
{
    uint8_t b[sizeof eth_ipv4_syn];
    memcpy(b, eth_ipv4_syn, sizeof b);
    b[17] = 16; /* total length 16 < 20 */
    RUN(b, DLT_EN10MB);
    ck_assert_uint_eq(pkt->event, EV_BAD_TOTAL_LEN);
    ck_assert_uint_eq(pkt->event_proto, P_IPV4);
    ck_assert_uint_eq(pkt->nlayers, 2);
}
END_TEST

START_TEST(test_ipv4_total_len_zero_is_tso)
{
    uint8_t b[sizeof eth_ipv4_padded];
    memcpy(b, eth_ipv4_padded, sizeof b);
    b[17] = 0;
    RUN(b, DLT_EN10MB);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    LAYERS(false, {P_ETH, 0, 14}, {P_IPV4, 14, 20},
           {P_DATA, 34, sizeof b - 34});
}
END_TEST

START_TEST(test_ipv4_bad_version)
{
    uint8_t b[sizeof eth_ipv4_syn];
    memcpy(b, eth_ipv4_syn, sizeof b);
    b[14] = 0x65; /* version 6 after an ethertype 0x0800: no hand-over */
    RUN(b, DLT_EN10MB);
    ck_assert_uint_eq(pkt->event, EV_BAD_VERSION);
    ck_assert_uint_eq(pkt->event_proto, P_IPV4);
    ck_assert_uint_eq(pkt->ip_ver, 0);
}
END_TEST

START_TEST(test_ipv4_bad_option_length_keeps_decoding)
{
    /* Record Route claiming 9 bytes in a 4-byte option area. */
    const uint8_t b[] = {
        0x46, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
        0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02,
        0x07, 0x09, 0x04, 0x00,
        0x04, 0xd2, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
    };
    pkt->want_fields = true;
    RUN(b, DLT_RAW);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
    ck_assert_uint_eq(pkt->event_proto, P_IPV4);
    LAYERS(true, {P_IPV4, 0, 24}, {P_UDP, 24, ANY});
    check_field(0, "IP Option", 0, "type 7 [bad length 9]", 20, 4);
}
END_TEST

START_TEST(test_ipv4_option_length_rules)
{
    /* Option length 1 (below 2) stops the walk. */
    uint8_t b[] = {
        0x46, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0xfd, 0x00, 0x00,
        0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02,
        0x83, 0x01, 0x00, 0x00,
        0xaa, 0xbb, 0xcc, 0xdd,
    };
    RUN(b, DLT_RAW);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
    LAYERS(false, {P_IPV4, 0, 24}, {P_DATA, 24, 4});

    /* Router Alert must be 4 bytes; 3 is framed but invalid. */
    b[20] = 0x94;
    b[21] = 0x03;
    RUN(b, DLT_RAW);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
    LAYERS(false, {P_IPV4, 0, 24}, {P_DATA, 24, 4});

    /* A type byte with its length byte missing. */
    b[20] = 0x01;
    b[21] = 0x01;
    b[22] = 0x01;
    b[23] = 0x07;
    RUN(b, DLT_RAW);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
    LAYERS(false, {P_IPV4, 0, 24}, {P_DATA, 24, 4});

    /* EOL ends the list: what follows is padding, not options. */
    b[20] = 0x00;
    b[21] = 0xff;
    b[22] = 0xff;
    b[23] = 0xff;
    RUN(b, DLT_RAW);
    ck_assert_uint_eq(pkt->event, EV_NONE);
}
END_TEST

START_TEST(test_ipv4_sweeps)
{
    SWEEP(eth_ipv4_syn, DLT_EN10MB, 34);
    SWEEP(raw_ipv4_opts, DLT_RAW, 32);
    SWEEP(eth_ipv4_frag_first, DLT_EN10MB, 34);
    SWEEP(eth_ipv4_frag_later, DLT_EN10MB, 34);
    SWEEP(eth_ipv4_padded, DLT_EN10MB, 34);
}
END_TEST

/* ---- link layers ---------------------------------------------------- */

START_TEST(test_sll)
{
    pkt->want_fields = true;
    RUN(sll_ipv4_udp, DLT_LINUX_SLL);
    LAYERS(true, {P_SLL, 0, 16}, {P_IPV4, 16, 20}, {P_UDP, 36, ANY});
    ck_assert_uint_eq(pkt->ethertype, 0x0800);
    check_addr(&pkt->src, "10.0.0.1");
    check_field(0, "Packet type", 0, "Unicast to us (0)", 0, 2);
    check_field(0, "Link-layer address type", 0, "Ethernet (1)", 2, 2);
    check_field(0, "Link-layer address length", 0, "6", 4, 2);
    check_field(0, "Source", 0, "00:11:22:33:44:55", 6, 6);
    check_field(0, "Protocol", 0, "IPv4 (0x0800)", 14, 2);
    SWEEP(sll_ipv4_udp, DLT_LINUX_SLL, 36);
}
END_TEST

START_TEST(test_sll2)
{
    pkt->want_fields = true;
    RUN(sll2_ipv6_udp, DLT_LINUX_SLL2);
    LAYERS(true, {P_SLL2, 0, 20}, {P_IPV6, 20, 40}, {P_UDP, 60, ANY});
    ck_assert_uint_eq(pkt->ip_ver, 6);
    check_addr(&pkt->src, "2001:db8::1");
    check_addr(&pkt->dst, "2001:db8::2");
    ck_assert_uint_eq(pkt->ttl, 64);
    ck_assert_uint_eq(pkt->ip_proto, 17);
    check_field(0, "Protocol", 0, "IPv6 (0x86dd)", 0, 2);
    check_field(0, "Interface index", 0, "2", 4, 4);
    check_field(0, "Link-layer address type", 0, "Ethernet (1)", 8, 2);
    check_field(0, "Packet type", 0, "Sent by us (4)", 10, 1);
    check_field(0, "Source", 0, "00:11:22:33:44:55", 12, 6);
    check_field(1, "Version", 0, "6", 20, 1);
    check_field(1, "Traffic Class", 0, "0x00 (DSCP: CS0, ECN: Not-ECT)", 20, 2);
    check_field(1, "Flow Label", 0, "0x00000", 21, 3);
    check_field(1, "Payload Length", 0, "8", 24, 2);
    check_field(1, "Next Header", 0, "UDP (17)", 26, 1);
    check_field(1, "Hop Limit", 0, "64", 27, 1);
    check_field(1, "Source Address", 0, "2001:db8::1", 28, 16);
    check_field(1, "Destination Address", 0, "2001:db8::2", 44, 16);
    SWEEP(sll2_ipv6_udp, DLT_LINUX_SLL2, 60);
}
END_TEST

START_TEST(test_null_both_byte_orders)
{
    pkt->want_fields = true;
    RUN(null_le_ipv4, DLT_NULL);
    LAYERS(true, {P_NULL, 0, 4}, {P_IPV4, 4, 20}, {P_ICMP, 24, ANY});
    check_addr(&pkt->src, "127.0.0.1");
    ck_assert_uint_eq(pkt->ip_proto, 1);
    check_field(0, "Family", 0, "IP (2)", 0, 4);
    RUN(null_be_ipv4, DLT_NULL);
    LAYERS(true, {P_NULL, 0, 4}, {P_IPV4, 4, 20}, {P_ICMP, 24, ANY});
    check_field(0, "Family", 0, "IP (2)", 0, 4);
    SWEEP(null_le_ipv4, DLT_NULL, 24);
    SWEEP(null_be_ipv4, DLT_NULL, 24);
}
END_TEST

START_TEST(test_null_ipv6_families)
{
    const uint8_t fams[] = {10, 24, 28, 30};
    uint8_t b[sizeof loop_ipv6];
    memcpy(b, loop_ipv6, sizeof b);
    for (size_t i = 0; i < sizeof fams; i++) {
        memset(b, 0, 4);
        b[0] = fams[i]; /* little-endian DLT_NULL */
        RUN(b, DLT_NULL);
        LAYERS(true, {P_NULL, 0, 4}, {P_IPV6, 4, 40}, {P_ICMPV6, 44, ANY});
        check_addr(&pkt->src, "::1");
        ck_assert_uint_eq(pkt->ttl, 255);
    }
}
END_TEST

START_TEST(test_loop_is_network_order)
{
    RUN(loop_ipv6, DLT_LOOP);
    LAYERS(true, {P_NULL, 0, 4}, {P_IPV6, 4, 40}, {P_ICMPV6, 44, ANY});
    ck_assert_uint_eq(pkt->ip_proto, 58);
    SWEEP(loop_ipv6, DLT_LOOP, 44);
    /* A little-endian family on DLT_LOOP is not AF_INET. */
    RUN(null_le_ipv4, DLT_LOOP);
    LAYERS(false, {P_NULL, 0, 4}, {P_DATA, 4, sizeof null_le_ipv4 - 4});
    ck_assert_uint_eq(pkt->ip_ver, 0);
}
END_TEST

START_TEST(test_qinq)
{
    pkt->want_fields = true;
    RUN(eth_qinq, DLT_EN10MB);
    LAYERS(true, {P_ETH, 0, 14}, {P_VLAN, 14, 4}, {P_VLAN, 18, 4},
           {P_IPV4, 22, 20}, {P_UDP, 42, ANY});
    ck_assert_uint_eq(pkt->vlan, 100);
    ck_assert_uint_eq(pkt->ethertype, 0x0800);
    check_field(1, "Priority", 0, "Critical Applications (3)", 14, 2);
    check_field(1, "DEI", 0, "Ineligible", 14, 2);
    check_field(1, "ID", 0, "100", 14, 2);
    check_field(1, "Type", 0, "802.1Q Virtual LAN (0x8100)", 16, 2);
    check_field(2, "Priority", 0, "Best Effort (default) (0)", 18, 2);
    check_field(2, "DEI", 0, "Eligible", 18, 2);
    check_field(2, "ID", 0, "200", 18, 2);
    check_field(2, "Type", 0, "IPv4 (0x0800)", 20, 2);
    SWEEP(eth_qinq, DLT_EN10MB, 42);
}
END_TEST

START_TEST(test_vlan_8023_length)
{
    /* One tag, then an 802.3 length of 3 (LLC) and padding. */
    uint8_t b[60] = {0};
    memcpy(b, eth_qinq, 16);
    b[12] = 0x81;
    b[13] = 0x00;
    b[14] = 0x00;
    b[15] = 0x05; /* VID 5 */
    b[16] = 0x00;
    b[17] = 0x03;
    b[18] = 0x42;
    b[19] = 0x42;
    b[20] = 0x03;
    RUN(b, DLT_EN10MB);
    LAYERS(false, {P_ETH, 0, 14}, {P_VLAN, 14, 4}, {P_DATA, 18, 3});
    ck_assert_uint_eq(pkt->vlan, 5);
    ck_assert_uint_eq(pkt->event, EV_NONE);
}
END_TEST

/* ---- ARP ------------------------------------------------------------ */

START_TEST(test_arp_request)
{
    pkt->want_fields = true;
    RUN(eth_arp_request, DLT_EN10MB);
    LAYERS(false, {P_ETH, 0, 14}, {P_ARP, 14, 28});
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->u.arp.op, 1);
    ck_assert_uint_eq(pkt->u.arp.htype, 1);
    ck_assert_uint_eq(pkt->u.arp.ptype, 0x0800);
    ck_assert(pkt->u.arp.ipv4);
    check_addr(&pkt->u.arp.spa, "192.168.1.1");
    check_addr(&pkt->u.arp.tpa, "192.168.1.2");
    check_field(1, "Hardware type", 0, "Ethernet (1)", 14, 2);
    check_field(1, "Protocol type", 0, "IPv4 (0x0800)", 16, 2);
    check_field(1, "Hardware size", 0, "6", 18, 1);
    check_field(1, "Protocol size", 0, "4", 19, 1);
    check_field(1, "Opcode", 0, "request (1)", 20, 2);
    check_field(1, "Sender MAC address", 0, "00:11:22:33:44:55", 22, 6);
    check_field(1, "Sender IP address", 0, "192.168.1.1", 28, 4);
    check_field(1, "Target MAC address", 0, "00:00:00:00:00:00", 32, 6);
    check_field(1, "Target IP address", 0, "192.168.1.2", 38, 4);
    SWEEP(eth_arp_request, DLT_EN10MB, 42);
}
END_TEST

START_TEST(test_arp_reply)
{
    const uint8_t sha[6] = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    const uint8_t tha[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    RUN(eth_arp_reply, DLT_EN10MB);
    LAYERS(false, {P_ETH, 0, 14}, {P_ARP, 14, 28});
    ck_assert_uint_eq(pkt->u.arp.op, 2);
    ck_assert_mem_eq(pkt->u.arp.sha, sha, 6);
    ck_assert_mem_eq(pkt->u.arp.tha, tha, 6);
    check_addr(&pkt->u.arp.spa, "192.168.1.2");
    check_addr(&pkt->u.arp.tpa, "192.168.1.1");
    SWEEP(eth_arp_reply, DLT_EN10MB, 42);
}
END_TEST

START_TEST(test_arp_odd_lengths)
{
    uint8_t b[14 + 8 + 2 * (8 + 2)] = {0};
    memcpy(b, eth_arp_request, 14);
    /* IEEE 802 hardware, protocol 0x1234: 8-byte hw, 2-byte proto addrs */
    const uint8_t hdr[8] = {0x00, 0x06, 0x12, 0x34, 0x08, 0x02, 0x00, 0x01};
    memcpy(b + 14, hdr, 8);
    pkt->want_fields = true;
    RUN(b, DLT_EN10MB);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert(!pkt->u.arp.ipv4);
    LAYERS(false, {P_ETH, 0, 14}, {P_ARP, 14, 28});
    check_field(1, "Sender hardware address", 0, "00:00:00:00:00:00:00:00", 22,
                8);
    check_field(1, "Sender protocol address", 0, "00:00", 30, 2);
    SWEEP(b, DLT_EN10MB, sizeof b);

    /* IPv4 protocol addresses that are not 4 bytes: undecodable. */
    b[16] = 0x08;
    b[17] = 0x00;
    RUN(b, DLT_EN10MB);
    ck_assert_uint_eq(pkt->event, EV_BAD_ARP);
    ck_assert_uint_eq(pkt->event_proto, P_ARP);
    ck_assert(!pkt->u.arp.ipv4);
}
END_TEST

START_TEST(test_atmarp)
{
    pkt->want_fields = true;
    RUN(sll_atmarp, DLT_LINUX_SLL);
    LAYERS(false, {P_SLL, 0, 16}, {P_ARP, 16, 32});
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->u.arp.htype, 19);
    ck_assert_uint_eq(pkt->u.arp.op, 1);
    ck_assert(pkt->u.arp.ipv4);
    check_addr(&pkt->u.arp.spa, "10.1.1.1");
    check_addr(&pkt->u.arp.tpa, "10.1.1.2");
    check_field(0, "Link-layer address type", 0, "ATM (19)", 2, 2);
    check_field(1, "Sender ATM number", 0, "47:00:01:02:03:04", 28, 6);
    check_field(1, "Target IP address", 0, "10.1.1.2", 44, 4);
    SWEEP(sll_atmarp, DLT_LINUX_SLL, sizeof sll_atmarp);
}
END_TEST

/* ---- IPv6 ----------------------------------------------------------- */

START_TEST(test_ipv6_ext_chain)
{
    pkt->want_fields = true;
    RUN(raw_ipv6_ext, DLT_RAW);
    LAYERS(true, {P_IPV6, 0, 40}, {P_IPV6_EXT, 40, 8}, {P_IPV6_EXT, 48, 8},
           {P_IPV6_EXT, 56, 8}, {P_UDP, 64, ANY});
    ck_assert_uint_eq(pkt->ip_ver, 6);
    ck_assert_uint_eq(pkt->ip_proto, 17);
    ck_assert(pkt->ip_fragment);
    ck_assert(pkt->ip_more_frags);
    ck_assert_uint_eq(pkt->ip_frag_off, 0);
    ck_assert_uint_eq(pkt->ip_id, 0x5678);
    for (unsigned i = 0; i < 4; i++)
        ck_assert_uint_eq(pkt->layers[i].event, EV_NONE);
    check_field(0, "Next Header", 0, "IPv6 Hop-by-Hop Option (0)", 6, 1);
    check_field(1, "Extension Header", 0, "Hop-by-Hop Options (0)", 40, 8);
    check_field(1, "Next Header", 0, "Destination Options for IPv6 (60)", 40,
                1);
    check_field(1, "Length", 0, "0 (8 bytes)", 41, 1);
    check_field(1, "IPv6 Option", 0, "Router Alert (4 bytes)", 42, 4);
    check_field(1, "Router Alert", 0, "MLD (0)", 44, 2);
    check_field(1, "IPv6 Option", 1, "PadN (2 bytes)", 46, 2);
    check_field(2, "Extension Header", 0, "Destination Options (60)", 48, 8);
    check_field(2, "IPv6 Option", 0, "PadN (6 bytes)", 50, 6);
    check_field(3, "Extension Header", 0, "Fragment Header (44)", 56, 8);
    check_field(3, "Next Header", 0, "UDP (17)", 56, 1);
    check_field(3, "Offset", 0, "0 (0 bytes)", 58, 2);
    check_field(3, "More Fragments", 0, "Yes", 58, 2);
    check_field(3, "Identification", 0, "0x12345678", 60, 4);
    SWEEP(raw_ipv6_ext, DLT_RAW, 64);
}
END_TEST

START_TEST(test_ipv6_later_fragment)
{
    RUN(ipv6_frag_later, DLT_IPV6);
    LAYERS(false, {P_IPV6, 0, 40}, {P_IPV6_EXT, 40, 8}, {P_DATA, 48, 16});
    ck_assert(pkt->ip_fragment);
    ck_assert(!pkt->ip_more_frags);
    ck_assert_uint_eq(pkt->ip_frag_off, 1480);
    ck_assert_uint_eq(pkt->ip_proto, 17);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    SWEEP(ipv6_frag_later, DLT_IPV6, 48);
}
END_TEST

START_TEST(test_ipv6_routing_header)
{
    pkt->want_fields = true;
    RUN(ipv6_srh, DLT_IPV6);
    LAYERS(true, {P_IPV6, 0, 40}, {P_IPV6_EXT, 40, 40}, {P_UDP, 80, ANY});
    ck_assert_uint_eq(pkt->ip_proto, 17);
    ck_assert(!pkt->ip_fragment);
    check_field(1, "Type", 0, "Segment Routing (4)", 42, 1);
    check_field(1, "Segments Left", 0, "1", 43, 1);
    check_field(1, "Segment", 0, "2001:db8::b", 48, 16);
    check_field(1, "Segment", 1, "2001:db8::a", 64, 16);
    SWEEP(ipv6_srh, DLT_IPV6, 80);
}
END_TEST

START_TEST(test_ipv6_padding_excluded)
{
    uint8_t b[sizeof ipv6_frag_later + 6];
    memcpy(b, ipv6_frag_later, sizeof ipv6_frag_later);
    memset(b + sizeof ipv6_frag_later, 0xee, 6);
    RUN(b, DLT_IPV6);
    LAYERS(false, {P_IPV6, 0, 40}, {P_IPV6_EXT, 40, 8}, {P_DATA, 48, 16});
}
END_TEST

START_TEST(test_ipv6_ext_length_past_end)
{
    /* Hop-by-hop claims 16 bytes; the payload (and wire) has 8. */
    const uint8_t b[] = {
        0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x40,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
        0x3b, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
    };
    RUN(b, DLT_IPV6);
    ck_assert_uint_eq(pkt->event, EV_BAD_HEADER_LEN);
    ck_assert_uint_eq(pkt->event_proto, P_IPV6_EXT);
    LAYERS(false, {P_IPV6, 0, 40}, {P_IPV6_EXT, 40, 8});

    /* The same bytes from a capture cut by the snapshot length. */
    run(b, sizeof b, sizeof b + 100, DLT_IPV6);
    ck_assert_uint_eq(pkt->event, EV_TRUNCATED);
    ck_assert_uint_eq(pkt->event_proto, P_IPV6_EXT);
}
END_TEST

START_TEST(test_ipv6_ext_option_past_header)
{
    /* PadN with 7 data bytes where 4 remain; next header none (59). */
    const uint8_t b[] = {
        0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x3c, 0x40,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
        0x3b, 0x00, 0x01, 0x07, 0x00, 0x00, 0x00, 0x00,
    };
    RUN(b, DLT_IPV6);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
    ck_assert_uint_eq(pkt->ip_proto, 59);
    LAYERS(false, {P_IPV6, 0, 40}, {P_IPV6_EXT, 40, 8});
}
END_TEST

START_TEST(test_ipv6_bad_version)
{
    uint8_t b[sizeof sll2_ipv6_udp];
    memcpy(b, sll2_ipv6_udp, sizeof b);
    b[20] = 0x50; /* version 5 */
    RUN(b, DLT_LINUX_SLL2);
    ck_assert_uint_eq(pkt->event, EV_BAD_VERSION);
    ck_assert_uint_eq(pkt->event_proto, P_IPV6);
    ck_assert_uint_eq(pkt->ip_ver, 0);
    LAYERS(false, {P_SLL2, 0, 20}, {P_IPV6, 20, 1});
    /* Version 4 after an IPv6 ethertype is no hand-over either. */
    b[20] = 0x45;
    RUN(b, DLT_LINUX_SLL2);
    ck_assert_uint_eq(pkt->event, EV_BAD_VERSION);
}
END_TEST

START_TEST(test_raw_links_follow_the_version)
{
    /* DLT_IPV6 holding IPv4 and DLT_IPV4 holding IPv6, as tcpdump reads
     * them: the version nibble decides. */
    run(eth_ipv4_syn + 14, 40, 40, DLT_IPV6);
    LAYERS(true, {P_IPV4, 0, 20}, {P_TCP, 20, ANY});
    ck_assert_uint_eq(pkt->ip_ver, 4);
    run(sll2_ipv6_udp + 20, 48, 48, DLT_IPV4);
    LAYERS(true, {P_IPV6, 0, 40}, {P_UDP, 40, ANY});
    ck_assert_uint_eq(pkt->ip_ver, 6);
    /* A version that is neither: reported by the link type's dissector. */
    const uint8_t v5[20] = {0x55};
    RUN(v5, DLT_IPV6);
    ck_assert_uint_eq(pkt->event, EV_BAD_VERSION);
    ck_assert_uint_eq(pkt->event_proto, P_IPV6);
    RUN(v5, DLT_RAW);
    ck_assert_uint_eq(pkt->event, EV_BAD_VERSION);
    ck_assert_uint_eq(pkt->event_proto, P_IPV4);
}
END_TEST

START_TEST(test_ipv6_jumbo_uses_what_remains)
{
    /* Payload length 0 with hop-by-hop (jumbo payload option 24). */
    const uint8_t b[] = {
        0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
        0x3b, 0x00, 0xc2, 0x04, 0x00, 0x00, 0x00, 0x18,
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    };
    pkt->want_fields = true;
    RUN(b, DLT_IPV6);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    LAYERS(false, {P_IPV6, 0, 40}, {P_IPV6_EXT, 40, 8}, {P_DATA, 48, 16});
    check_field(1, "IPv6 Option", 0, "Jumbo Payload (6 bytes)", 42, 6);
    check_field(1, "Payload Length", 0, "24", 44, 4);
}
END_TEST

START_TEST(test_ext_ignored_outside_ipv6)
{
    /* IPv4 carrying protocol 0 leaves the payload as data. */
    uint8_t b[sizeof eth_ipv4_padded];
    memcpy(b, eth_ipv4_padded, sizeof b);
    b[23] = 0;
    RUN(b, DLT_EN10MB);
    LAYERS(false, {P_ETH, 0, 14}, {P_IPV4, 14, 20}, {P_DATA, 34, 4});
}
END_TEST

static Suite *net_suite(void)
{
    Suite *s = suite_create("proto_net");
    TCase *tc = tcase_create("ipv4");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_eth_ipv4_tcp_syn);
    tcase_add_test(tc, test_ipv4_fields);
    tcase_add_test(tc, test_ipv4_options);
    tcase_add_test(tc, test_ipv4_padding_excluded);
    tcase_add_test(tc, test_ipv4_total_len_past_capture_is_not_malformed);
    tcase_add_test(tc, test_ipv4_first_fragment);
    tcase_add_test(tc, test_ipv4_later_fragment);
    tcase_add_test(tc, test_ipv4_ihl_below_5);
    tcase_add_test(tc, test_ipv4_total_len_below_header);
    tcase_add_test(tc, test_ipv4_total_len_zero_is_tso);
    tcase_add_test(tc, test_ipv4_bad_version);
    tcase_add_test(tc, test_ipv4_bad_option_length_keeps_decoding);
    tcase_add_test(tc, test_ipv4_option_length_rules);
    tcase_add_test(tc, test_ipv4_sweeps);
    suite_add_tcase(s, tc);

    tc = tcase_create("link");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_sll);
    tcase_add_test(tc, test_sll2);
    tcase_add_test(tc, test_null_both_byte_orders);
    tcase_add_test(tc, test_null_ipv6_families);
    tcase_add_test(tc, test_loop_is_network_order);
    tcase_add_test(tc, test_qinq);
    tcase_add_test(tc, test_vlan_8023_length);
    suite_add_tcase(s, tc);

    tc = tcase_create("arp");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_arp_request);
    tcase_add_test(tc, test_arp_reply);
    tcase_add_test(tc, test_arp_odd_lengths);
    tcase_add_test(tc, test_atmarp);
    suite_add_tcase(s, tc);

    tc = tcase_create("ipv6");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_ipv6_ext_chain);
    tcase_add_test(tc, test_ipv6_later_fragment);
    tcase_add_test(tc, test_ipv6_routing_header);
    tcase_add_test(tc, test_ipv6_padding_excluded);
    tcase_add_test(tc, test_ipv6_ext_length_past_end);
    tcase_add_test(tc, test_ipv6_ext_option_past_header);
    tcase_add_test(tc, test_ipv6_bad_version);
    tcase_add_test(tc, test_raw_links_follow_the_version);
    tcase_add_test(tc, test_ipv6_jumbo_uses_what_remains);
    tcase_add_test(tc, test_ext_ignored_outside_ipv6);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(net_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
