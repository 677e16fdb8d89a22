/* RTP and RTCP dissectors, RFC 7983 demultiplexing, and the per-SSRC
 * statistics (RFC 3550 A.1/A.3/A.8), the latter also against tshark's
 * -z rtp,streams on a capture made with ffmpeg (test/app/webrtc). */
#include <check.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowstate.h"
#include "apptest.h"
#include "pktbuild.h"
#include "proto/proto.h"
#include "wirescope/app.h"
#include "wirescope/flow.h"
#include "wirescope/info.h"
#include "wirescope/rtp_stats.h"
#include "wirescope/textbuf.h"

static const struct pb_ends media = {0x0a000001, 0x0a000002, 40000, 5004};
static const struct pb_ends low_port = {0x0a000001, 0x0a000002, 40000, 554};

/* The payload on a flow known to carry `known` (as the decoder's flow
 * table says). */
static void decode_on_flow(enum ws_proto known, const uint8_t *payload, size_t n)
{
    decode_known(g_frame, udp_frame(&media, payload, n), known);
}

/* RTP v2, PT 0, seq 4660, ts 160, SSRC 0x0d105941, 4 bytes of payload. */
static const uint8_t rtp_pcmu[] = {
    0x80, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0xa0, 0x0d, 0x10, 0x59, 0x41,
    0xff, 0xfe, 0xfd, 0xfc,
};

START_TEST(rtp_header)
{
    decode_udp(&media, rtp_pcmu, sizeof rtp_pcmu);
    ck_assert_int_eq(g_pkt.app, P_RTP);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    const struct ws_rtp *r = &g_pkt.a.rtp;
    ck_assert_uint_eq(r->pt, 0);
    ck_assert_uint_eq(r->seq, 0x1234);
    ck_assert_uint_eq(r->ts, 160);
    ck_assert_uint_eq(r->ssrc, 0x0d105941);
    ck_assert(!r->marker);
    ck_assert_uint_eq(r->payload_len, 4);
    ck_assert_str_eq(protocol_text(), "RTP");
    ck_assert_str_eq(info_text(),
                     "PT=ITU-T G.711 PCMU, SSRC=0xD105941, Seq=4660, Time=160");
    ck_assert_str_eq(field_text("Payload type"), "PCMU (0)");
    ck_assert_ptr_nonnull(strstr(json_text(P_RTP), "\"ssrc\":\"0x0d105941\""));
}
END_TEST

START_TEST(rtp_csrc_extension_padding)
{
    /* P, X, CC=2, marker, PT 96; two CSRCs; one-byte extension (0xBEDE)
     * with id 1 (2 bytes) and id 2 (1 byte) and a padding byte; 2 payload
     * bytes and 2 bytes of padding */
    static const uint8_t p[] = {
        0xb2, 0xe0, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44,
        0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb,
        0xbe, 0xde, 0x00, 0x02, 0x11, 0x01, 0x02, 0x20, 0x03, 0x00, 0x00, 0x00,
        0x55, 0x66, 0x00, 0x02,
    };
    /* CSRCs and padding: decoded on a flow known as RTP, not by content */
    decode_udp(&media, p, sizeof p);
    ck_assert_int_ne(g_pkt.app, P_RTP);
    decode_on_flow(P_RTP, p, sizeof p);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    const struct ws_rtp *r = &g_pkt.a.rtp;
    ck_assert(r->marker && r->padding && r->extension);
    ck_assert_uint_eq(r->csrc_count, 2);
    ck_assert_uint_eq(r->payload_len, 2);
    ck_assert_str_eq(field_text("Padding count"), "2");
    ck_assert_str_eq(field_text("CSRC"), "0xaaaaaaaa");
    ck_assert_str_eq(field_text("Extension Element"), "id 1, 2 bytes");
    ck_assert_str_eq(info_text(),
                     "PT=DynamicRTP-Type-96, SSRC=0x11223344, Seq=1, Time=2, Mark");
    /* the two-byte form (0x1000): id 7, 3 bytes */
    static const uint8_t q[] = {
        0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44,
        0x10, 0x00, 0x00, 0x02, 0x07, 0x03, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00,
        0x55,
    };
    decode_udp(&media, q, sizeof q); /* by content */
    ck_assert_int_eq(g_pkt.app, P_RTP);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(field_text("Extension Element"), "id 7, 3 bytes");
    ck_assert_uint_eq(g_pkt.a.rtp.payload_len, 1);
}
END_TEST


START_TEST(rtp_malformed)
{
    /* CC = 15 CSRCs, none there */
    uint8_t p[sizeof rtp_pcmu];
    memcpy(p, rtp_pcmu, sizeof p);
    p[0] = 0x8f;
    decode_on_flow(P_RTP, p, sizeof p);
    ck_assert_int_eq(g_pkt.app, P_RTP);
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    /* extension length 0xffff words */
    static const uint8_t x[] = {
        0x90, 0x00, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4, 0xbe, 0xde, 0xff, 0xff, 0x10, 0x00,
    };
    decode_on_flow(P_RTP, x, sizeof x);
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    /* padding count larger than the payload */
    memcpy(p, rtp_pcmu, sizeof p);
    p[0] = 0xa0;
    p[15] = 200;
    decode_on_flow(P_RTP, p, sizeof p);
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    /* a one-byte extension element running past its block */
    static const uint8_t e[] = {
        0x90, 0x00, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4, 0xbe, 0xde, 0x00, 0x01,
        0x1f, 0x00, 0x00, 0x00,
    };
    decode_on_flow(P_RTP, e, sizeof e);
    ck_assert_int_eq(g_pkt.event, EV_BAD_APP);
    /* version 3 given to the dissector (demultiplexing never does) */
    memcpy(p, rtp_pcmu, sizeof p);
    p[0] = 0xc0;
    g_pkt.want_fields = true;
    decode_reset(&g_pkt, p, sizeof p, sizeof p, DLT_EN10MB);
    struct cursor c = cur_make(p, sizeof p);
    proto_get(P_RTP)->dissect(&g_pkt, &c);
    ck_assert_int_eq(g_pkt.event, EV_BAD_VERSION);
}
END_TEST

START_TEST(rtp_content_detection_is_strict)
{
    uint8_t p[sizeof rtp_pcmu];
    decode_udp(&low_port, rtp_pcmu, sizeof rtp_pcmu);
    ck_assert_int_ne(g_pkt.app, P_RTP); /* a port below 1024 */
    memcpy(p, rtp_pcmu, sizeof p);
    p[1] = 72; /* RTCP conflict range */
    decode_udp(&media, p, sizeof p);
    ck_assert_int_ne(g_pkt.app, P_RTP);
    p[1] = 50; /* unassigned */
    decode_udp(&media, p, sizeof p);
    ck_assert_int_ne(g_pkt.app, P_RTP);
    p[1] = 0;
    p[0] = 0x40; /* version 1 */
    decode_udp(&media, p, sizeof p);
    ck_assert_int_ne(g_pkt.app, P_RTP);
    decode_udp(&media, rtp_pcmu, 11); /* short header */
    ck_assert_int_ne(g_pkt.app, P_RTP);
    memcpy(p, rtp_pcmu, sizeof p);
    p[8] = p[9] = 0; /* SSRC 0x5941: not random-looking */
    decode_udp(&media, p, sizeof p);
    ck_assert_int_ne(g_pkt.app, P_RTP);
    memcpy(p, rtp_pcmu, sizeof p);
    p[0] = 0x90; /* an extension that is not RFC 8285's */
    decode_udp(&media, p, sizeof p);
    ck_assert_int_ne(g_pkt.app, P_RTP);
}
END_TEST

START_TEST(rtp_caplen_sweep)
{
    size_t n = udp_frame(&media, rtp_pcmu, sizeof rtp_pcmu);
    g_known = P_RTP; /* a cut header is RTP only on a flow known as such */
    caplen_sweep(g_frame, n, P_RTP);
    g_known = P_NONE;
}
END_TEST

/* SR (1 report block) + SDES CNAME "alice" */
static const uint8_t rtcp_sr_sdes[] = {
    0x81, 0xc8, 0x00, 0x0c, 0x11, 0x11, 0x11, 0x11, 0xe0, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x10,
    0x00, 0x00, 0x08, 0x00,
    /* report block: SSRC 0x22222222, fraction 64, lost -3, ext max
     * 0x00010005, jitter 37, LSR 0x12345678, DLSR 0x00010000 */
    0x22, 0x22, 0x22, 0x22, 0x40, 0xff, 0xff, 0xfd, 0x00, 0x01, 0x00, 0x05,
    0x00, 0x00, 0x00, 0x25, 0x12, 0x34, 0x56, 0x78, 0x00, 0x01, 0x00, 0x00,
    0x81, 0xca, 0x00, 0x03, 0x11, 0x11, 0x11, 0x11, 0x01, 0x05, 'a', 'l',
    'i', 'c', 'e', 0x00,
};

START_TEST(rtcp_compound)
{
    decode_udp(&media, rtcp_sr_sdes, sizeof rtcp_sr_sdes);
    ck_assert_int_eq(g_pkt.app, P_RTCP);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert_uint_eq(g_pkt.a.rtcp.pt, 200);
    ck_assert_uint_eq(g_pkt.a.rtcp.ssrc, 0x11111111);
    ck_assert_uint_eq(g_pkt.a.rtcp.npackets, 2);
    ck_assert_str_eq(info_text(), "Sender Report   Source description   ");
    ck_assert_str_eq(field_text("Fraction lost"), "64 / 256");
    ck_assert_str_eq(field_text("Cumulative number of packets lost"), "-3");
    ck_assert_str_eq(field_text("Extended highest sequence number received"),
                     "65541 (cycles 1, seq 5)");
    ck_assert_str_eq(field_text("Interarrival jitter"), "37");
    ck_assert_str_eq(field_text("Delay since last SR timestamp"),
                     "65536 (1000 milliseconds)");
    ck_assert_str_eq(field_text("CNAME"), "alice");
    ck_assert_str_eq(json_text(P_RTCP),
                     "\"packets\":[{\"pt\":200,\"count\":1,\"ssrc\":\"0x11111111\"},"
                     "{\"pt\":202,\"count\":1,\"ssrc\":\"0x11111111\"}]");
}
END_TEST

START_TEST(rtcp_other_types)
{
    static const uint8_t bye_app[] = {
        0x81, 0xcb, 0x00, 0x02, 0x11, 0x11, 0x11, 0x11, 0x03, 'b', 'y', 'e',
        0x85, 0xcc, 0x00, 0x03, 0x11, 0x11, 0x11, 0x11, 'n', 'a', 'm', 'e',
        0x01, 0x02, 0x03, 0x04,
    };
    decode_udp(&media, bye_app, sizeof bye_app);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(info_text(), "Goodbye   Application specific   ( name ) subtype=5");
    ck_assert_str_eq(field_text("Reason"), "bye");
    static const uint8_t rr_fb[] = {
        0x80, 0xc9, 0x00, 0x01, 0x22, 0x22, 0x22, 0x22,
        0x81, 0xcd, 0x00, 0x03, 0x22, 0x22, 0x22, 0x22, 0x11, 0x11, 0x11, 0x11,
        0x00, 0x01, 0x00, 0x00,
        0x81, 0xce, 0x00, 0x02, 0x22, 0x22, 0x22, 0x22, 0x11, 0x11, 0x11, 0x11,
    };
    decode_udp(&media, rr_fb, sizeof rr_fb);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
    ck_assert_str_eq(info_text(), "Receiver Report   Generic RTP Feedback   "
                                  "Payload-specific Feedback   PLI  ");
}
END_TEST

START_TEST(rtcp_length_past_end)
{
    uint8_t p[sizeof rtcp_sr_sdes];
    memcpy(p, rtcp_sr_sdes, sizeof p);
    p[3] = 0x40; /* SR claims 260 bytes */
    decode_on_flow(P_RTCP, p, sizeof p);
    ck_assert_int_eq(g_pkt.app, P_RTCP);
    ck_assert_int_eq(g_pkt.event, EV_TRUNCATED);
    ck_assert_str_eq(info_text(), "Sender Report   [Malformed Packet]");
    /* and by content alone such a datagram is not RTCP */
    decode_udp(&media, p, sizeof p);
    ck_assert_int_ne(g_pkt.app, P_RTCP);
    /* an SDES item running past its packet */
    memcpy(p, rtcp_sr_sdes, sizeof p);
    p[sizeof p - 7] = 40;
    decode_on_flow(P_RTCP, p, sizeof p);
    ck_assert_int_eq(g_pkt.app, P_RTCP);
    ck_assert_ptr_null(field_text("CNAME"));
}
END_TEST

START_TEST(rtcp_caplen_sweep)
{
    size_t n = udp_frame(&media, rtcp_sr_sdes, sizeof rtcp_sr_sdes);
    g_known = P_RTCP;
    caplen_sweep(g_frame, n, P_RTCP);
    g_known = P_NONE;
}
END_TEST

/* RFC 7983: once the 5-tuple is known as one of the family, each packet
 * goes by its first byte. */
START_TEST(rfc7983_demux)
{
    static const uint8_t stun[] = {
        0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    };
    static const uint8_t dtls[] = {
        0x17, 0xfe, 0xfd, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x02, 0xaa, 0xbb,
    };
    static const uint8_t chan[] = {0x40, 0x00, 0x00, 0x02, 0x01, 0x02, 0x00, 0x00};
    decode_on_flow(P_RTP, stun, sizeof stun);
    ck_assert_int_eq(g_pkt.app, P_STUN);
    decode_on_flow(P_STUN, dtls, sizeof dtls);
    ck_assert_int_eq(g_pkt.app, P_DTLS);
    ck_assert_str_eq(info_text(), "Application Data");
    decode_on_flow(P_DTLS, rtp_pcmu, sizeof rtp_pcmu);
    ck_assert_int_eq(g_pkt.app, P_RTP);
    decode_on_flow(P_RTP, rtcp_sr_sdes, sizeof rtcp_sr_sdes);
    ck_assert_int_eq(g_pkt.app, P_RTCP);
    decode_on_flow(P_DTLS, chan, sizeof chan);
    ck_assert_int_eq(g_pkt.app, P_STUN);
    ck_assert(g_pkt.a.stun.channel_data);
}
END_TEST

/* --- statistics --- */

static uint64_t ms(double v) { return (uint64_t)(v * 1e6); }

/* A.8 by hand, 8000 Hz (PCMU): arrivals 0, 20, 50, 60 ms with timestamps
 * 0, 160, 320, 480. D = 0, then (400-160)-(320-160) = 80, then
 * (480-400)-(480-320) = -80: J = 0, 80/16 = 5, 5 + (80-5)/16 = 9.6875. */
START_TEST(jitter_rfc3550_a8)
{
    struct rtp_stream s;
    rtp_stream_init(&s, 1, 0, 100, 0, ms(0), 1);
    rtp_stream_update(&s, 0, 101, 160, ms(20), 2);
    ck_assert(fabs(rtp_stream_jitter_ts(&s) - 0.0) < 1e-9);
    rtp_stream_update(&s, 0, 102, 320, ms(50), 3);
    ck_assert(fabs(rtp_stream_jitter_ts(&s) - 5.0) < 1e-9);
    rtp_stream_update(&s, 0, 103, 480, ms(60), 4);
    ck_assert(fabs(rtp_stream_jitter_ts(&s) - 9.6875) < 1e-9);
    ck_assert(fabs(rtp_stream_jitter_ms(&s) - 9.6875 / 8.0) < 1e-9);
    ck_assert(fabs(rtp_stream_max_jitter_ms(&s) - 9.6875 / 8.0) < 1e-9);
    ck_assert(fabs(rtp_stream_mean_jitter_ms(&s) - (0 + 5 + 9.6875) / 3 / 8.0) < 1e-9);
    ck_assert_uint_eq(rtp_stream_clock_rate(&s), 8000);
    ck_assert_uint_eq(s.packets, 4);
    ck_assert_int_eq(rtp_stream_lost(&s), 0);
}
END_TEST

START_TEST(sequence_wrap_and_loss)
{
    struct rtp_stream s;
    rtp_stream_init(&s, 1, 0, 65534, 0, 0, 1);
    rtp_stream_update(&s, 0, 65535, 160, ms(20), 2);
    rtp_stream_update(&s, 0, 2, 640, ms(80), 3); /* 0 and 1 lost, wrapped */
    ck_assert_uint_eq(s.cycles, 65536);
    ck_assert_uint_eq(rtp_stream_ext_max(&s), 65538);
    ck_assert_uint_eq(rtp_stream_expected(&s), 5);
    ck_assert_int_eq(rtp_stream_lost(&s), 2);
    rtp_stream_update(&s, 0, 1, 480, ms(90), 4); /* late */
    ck_assert_uint_eq(s.out_of_order, 1);
    ck_assert_int_eq(rtp_stream_lost(&s), 1);
    rtp_stream_update(&s, 0, 2, 640, ms(95), 5); /* the same again */
    ck_assert_uint_eq(s.duplicates, 1);
    ck_assert_int_eq(rtp_stream_lost(&s), 0);
    /* a jump beyond MAX_DROPOUT waits for its successor, then restarts */
    rtp_stream_update(&s, 0, 30000, 800, ms(100), 6);
    ck_assert_uint_eq(s.packets, 5);
    rtp_stream_update(&s, 0, 30001, 960, ms(120), 7);
    ck_assert_uint_eq(s.base_seq, 30001);
    ck_assert_uint_eq(rtp_stream_expected(&s), 1);
}
END_TEST

START_TEST(dynamic_clock_estimated)
{
    struct rtp_stream s;
    rtp_stream_init(&s, 9, 96, 1, 1000, 0, 1);
    for (int i = 1; i <= 25; i++)
        rtp_stream_update(&s, 96, (uint16_t)(1 + i), 1000 + 3600u * (uint32_t)i,
                          ms(40.0 * i), (uint64_t)i + 1);
    ck_assert_uint_eq(rtp_stream_clock_rate(&s), 90000);
    ck_assert(fabs(rtp_stream_jitter_ms(&s)) < 1e-6);
    /* under 200 ms of packets: unknown */
    struct rtp_stream t;
    rtp_stream_init(&t, 9, 96, 1, 0, 0, 1);
    rtp_stream_update(&t, 96, 2, 3600, ms(40), 2);
    ck_assert_uint_eq(rtp_stream_clock_rate(&t), 0);
    ck_assert(rtp_stream_jitter_ms(&t) < 0);
}
END_TEST

/* --- against tshark -z rtp,streams on the ffmpeg capture --- */

struct golden_stream {
    uint32_t ssrc;
    unsigned pkts;
    long lost;
    double mean_jitter, max_jitter;
    char payload[32];
};

static int read_streams(const char *path, struct golden_stream *g, int max)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[512];
    int n = 0;
    while (n < max && fgets(line, sizeof line, f)) {
        double t0, t1, d0, d1, d2, j0;
        char a[64], b[64];
        unsigned pa, pb;
        int got = sscanf(line, "%lf %lf %63s %u %63s %u %x %31s %u %ld (%*[^)]) %lf %lf %lf %lf %lf %lf",
                         &t0, &t1, a, &pa, b, &pb, &g[n].ssrc, g[n].payload, &g[n].pkts,
                         &g[n].lost, &d0, &d1, &d2, &j0, &g[n].mean_jitter,
                         &g[n].max_jitter);
        if (got == 16)
            n++;
    }
    fclose(f);
    return n;
}

static const struct rtp_stream *g_found;
static uint32_t g_want_ssrc;
static void find_stream(const struct rtp_stream *s, void *arg)
{
    (void)arg;
    if (s->ssrc == g_want_ssrc)
        g_found = s;
}

START_TEST(streams_match_tshark)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline("test/app/webrtc/rtp.pcap", err);
    ck_assert_msg(pc != NULL, "%s", err);
    struct app_tracker *t = app_tracker_new(64);
    struct flow flows[8];
    uint16_t ports[8];
    int nflows = 0;
    memset(flows, 0, sizeof flows);
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t number = 0;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        number++;
        g_pkt.want_fields = false;
        g_pkt.app_lookup = NULL;
        decode_reset(&g_pkt, data, h->caplen, h->len, pcap_datalink(pc));
        decode_packet(&g_pkt);
        if (g_pkt.app != P_RTP)
            continue;
        int i = 0;
        while (i < nflows && ports[i] != g_pkt.dport)
            i++;
        if (i == nflows) {
            ck_assert_int_lt(nflows, 8);
            ports[nflows] = g_pkt.dport;
            flows[nflows].id = (uint64_t)nflows;
            nflows++;
        }
        struct app_ctx ctx = {
            .t = t, .number = number, .flow = &flows[i],
            .ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec * 1000u,
        };
        proto_get(P_RTP)->app->track(&ctx, &g_pkt, layer_of(P_RTP));
    }
    pcap_close(pc);
    struct golden_stream g[4];
    int n = read_streams("test/app/webrtc/rtp-streams.txt", g, 4);
    ck_assert_int_eq(n, 2);
    for (int i = 0; i < n; i++) {
        g_want_ssrc = g[i].ssrc;
        g_found = NULL;
        rtp_stats_foreach(t, find_stream, NULL);
        ck_assert_msg(g_found != NULL, "SSRC 0x%08x missing", g[i].ssrc);
        ck_assert_uint_eq(g_found->packets, g[i].pkts);
        ck_assert_int_eq(rtp_stream_lost(g_found), g[i].lost);
        if (strcmp(g[i].payload, "g711U") == 0) {
            /* tshark prints 3 decimals */
            ck_assert_msg(fabs(rtp_stream_max_jitter_ms(g_found) - g[i].max_jitter) < 0.0006,
                          "max jitter %f vs %f", rtp_stream_max_jitter_ms(g_found), g[i].max_jitter);
            ck_assert_msg(fabs(rtp_stream_mean_jitter_ms(g_found) - g[i].mean_jitter) < 0.0006,
                          "mean jitter %f vs %f", rtp_stream_mean_jitter_ms(g_found), g[i].mean_jitter);
        }
    }
    ck_assert_uint_eq(rtp_stats_dropped(t), 0);
    /* the batch writer's lines carry the same numbers */
    int audio = strcmp(g[0].payload, "g711U") == 0 ? 0 : 1;
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    rtp_stats_write(t, mem, true, 0);
    fclose(mem);
    char want[160];
    snprintf(want, sizeof want,
             "\"ssrc\":\"0x%08x\",\"pt\":0,\"clock_rate\":8000,\"packets\":%u,"
             "\"expected\":%lu,\"lost\":%ld,", g[audio].ssrc, g[audio].pkts,
             (unsigned long)g[audio].pkts + (unsigned long)g[audio].lost, g[audio].lost);
    ck_assert_msg(strstr(buf, want) != NULL, "%s not in %s", want, buf);
    free(buf);
    mem = open_memstream(&buf, &size);
    rtp_stats_write(t, mem, false, 0);
    fclose(mem);
    ck_assert_ptr_nonnull(strstr(buf, "packets expected"));
    ck_assert_msg(strstr(buf, " 8000 ") != NULL, "%s", buf);
    free(buf);
    app_tracker_free(t);
}
END_TEST

/* --- the stream table: one row per (flow, direction, SSRC) --- */

/* One RTP packet of PCMU at 8000 Hz through the track hook's entry point,
 * as capture packet `number`: sequence seq has timestamp seq x 160 and
 * arrives at seq x 20 ms, so the transit time never changes (jitter 0)
 * and only the sequence numbers make the loss figures. */
static void rtp_packet(struct app_tracker *t, uint64_t flow_id, int dir,
                       uint32_t ssrc, uint16_t seq, uint64_t number)
{
    struct flow f;
    memset(&f, 0, sizeof f);
    f.id = flow_id;
    struct app_ctx ctx = {.t = t, .number = number, .ts_ns = (uint64_t)seq * 20000000u,
                          .flow = &f, .dir = dir};
    rtp_stats_packet(&ctx, ssrc, 0, seq, (uint32_t)seq * 160u);
}

#define ROWS_MAX 16
struct rows {
    const struct rtp_stream *s[ROWS_MAX];
    unsigned n; /* all rows, even past ROWS_MAX */
};

static void add_row(const struct rtp_stream *s, void *arg)
{
    struct rows *r = arg;
    if (r->n < ROWS_MAX)
        r->s[r->n] = s;
    r->n++;
}

static struct rows rows_of(const struct app_tracker *t)
{
    struct rows r = {.n = 0};
    rtp_stats_foreach(t, add_row, &r);
    return r;
}

/* The budget holds FULL blocks of APP_STATE_MAX. */
#define FULL (APP_STATE_BUDGET / APP_STATE_MAX)

/* Flow flow_id takes a block (as the STUN or DTLS hooks of its 5-tuple
 * would, RFC 7983; the RTP hook used to keep its streams there), then new
 * flows from id 1 << 20 ask for APP_STATE_MAX each until that block is
 * reclaimed: FULL + 1 overflow the budget, and the CLOCK hand reaches any
 * block within two turns (check_app_state.c tests the sweep itself). */
static void reclaim_state_of(struct app_tracker *t, uint64_t flow_id)
{
    ck_assert_ptr_nonnull(flow_state_of(t, flow_id, 64));
    uint64_t crowd = 1u << 20;
    for (unsigned n = 0; !flow_state_lost(t, flow_id); n++) {
        ck_assert_uint_le(n, 3 * FULL + 1);
        ck_assert_ptr_nonnull(flow_state_of(t, crowd++, APP_STATE_MAX));
    }
    ck_assert_uint_ge(app_tracker_state_reclaimed(t), 1);
}

START_TEST(stream_keeps_its_row_across_a_reclaim)
{
    struct app_tracker *t = app_tracker_new(16);
    const uint64_t id = 3;
    const uint32_t ssrc = 0x5eed1234;
    /* before: 1000 1001 1003 (1002 lost); after: 1004 1006 1007 (1005
     * lost). The whole stream: 6 packets of 1000..1007, so 8 expected and
     * 2 lost, from packet 1 to packet 6, 5 jitter samples. A second row
     * from the reclaim on would hold 3 of 1004..1007 (1 lost). */
    static const uint16_t seqs[] = {1000, 1001, 1003, 1004, 1006, 1007};
    uint64_t number = 0;
    for (int i = 0; i < 3; i++)
        rtp_packet(t, id, FLOW_A2B, ssrc, seqs[i], ++number);
    reclaim_state_of(t, id);
    for (int i = 3; i < 6; i++)
        rtp_packet(t, id, FLOW_A2B, ssrc, seqs[i], ++number);
    struct rows r = rows_of(t);
    ck_assert_uint_eq(r.n, 1);
    const struct rtp_stream *s = r.s[0];
    ck_assert_uint_eq(s->flow_id, id);
    ck_assert_uint_eq(s->ssrc, ssrc);
    ck_assert_uint_eq(s->packets, 6);
    ck_assert_uint_eq(s->base_seq, 1000);
    ck_assert_uint_eq(rtp_stream_ext_max(s), 1007);
    ck_assert_uint_eq(rtp_stream_expected(s), 8);
    ck_assert_int_eq(rtp_stream_lost(s), 2);
    ck_assert_uint_eq(s->out_of_order, 0);
    ck_assert_uint_eq(s->first_packet, 1);
    ck_assert_uint_eq(s->last_packet, 6);
    ck_assert_uint_eq(s->jitter_samples, 5);
    ck_assert(fabs(rtp_stream_jitter_ts(s)) < 1e-9);
    ck_assert_uint_eq(rtp_stats_dropped(t), 0);
    app_tracker_free(t);
}
END_TEST

START_TEST(streams_apart_by_ssrc_direction_and_flow)
{
    struct app_tracker *t = app_tracker_new(16);
    const uint32_t a = 0x0a0a0a0a, b = 0x0b0b0b0b;
    /* interleaved: (1, a2b, a) x3, (1, a2b, b) x2, (1, b2a, a) x4, and
     * (2, a2b, a) x1, each stream with consecutive sequence numbers of
     * its own */
    uint64_t n = 0;
    rtp_packet(t, 1, FLOW_A2B, a, 10, ++n);
    rtp_packet(t, 1, FLOW_A2B, b, 500, ++n);
    rtp_packet(t, 1, FLOW_B2A, a, 7000, ++n);
    rtp_packet(t, 1, FLOW_A2B, a, 11, ++n);
    rtp_packet(t, 1, FLOW_B2A, a, 7001, ++n);
    rtp_packet(t, 2, FLOW_A2B, a, 90, ++n);
    rtp_packet(t, 1, FLOW_A2B, b, 501, ++n);
    rtp_packet(t, 1, FLOW_B2A, a, 7002, ++n);
    rtp_packet(t, 1, FLOW_A2B, a, 12, ++n);
    rtp_packet(t, 1, FLOW_B2A, a, 7003, ++n);
    static const struct {
        uint64_t flow;
        int dir;
        uint32_t ssrc;
        uint64_t packets, first, last;
        uint32_t base;
    } want[] = {
        {1, FLOW_A2B, a, 3, 1, 9, 10},
        {1, FLOW_A2B, b, 2, 2, 7, 500},
        {1, FLOW_B2A, a, 4, 3, 10, 7000},
        {2, FLOW_A2B, a, 1, 6, 6, 90},
    };
    struct rows r = rows_of(t);
    ck_assert_uint_eq(r.n, 4);
    for (unsigned i = 0; i < 4; i++) {
        const struct rtp_stream *s = r.s[i];
        ck_assert_uint_eq(s->flow_id, want[i].flow);
        ck_assert_int_eq(s->dir, want[i].dir);
        ck_assert_uint_eq(s->ssrc, want[i].ssrc);
        ck_assert_uint_eq(s->packets, want[i].packets);
        ck_assert_uint_eq(s->first_packet, want[i].first);
        ck_assert_uint_eq(s->last_packet, want[i].last);
        ck_assert_uint_eq(s->base_seq, want[i].base);
        ck_assert_uint_eq(rtp_stream_expected(s), want[i].packets);
        ck_assert_int_eq(rtp_stream_lost(s), 0);
    }
    ck_assert_uint_eq(rtp_stats_dropped(t), 0);
    app_tracker_free(t);
}
END_TEST

/* Every row was opened by the SSRC it stands for: ssrc = base + row. */
static void check_per_flow_rows(const struct app_tracker *t, uint32_t base,
                                uint64_t packets)
{
    struct rows r = rows_of(t);
    ck_assert_uint_eq(r.n, RTP_MAX_SSRC_PER_FLOW);
    for (unsigned i = 0; i < r.n; i++) {
        ck_assert_uint_eq(r.s[i]->ssrc, base + i);
        ck_assert_uint_eq(r.s[i]->packets, packets);
    }
}

START_TEST(per_flow_limit_holds_across_a_reclaim)
{
    struct app_tracker *t = app_tracker_new(16);
    const uint32_t base = 0x1000;
    const unsigned extra = 4;
    /* SSRCs base .. base + 11, one packet each: the first 8 kept */
    for (unsigned i = 0; i < RTP_MAX_SSRC_PER_FLOW + extra; i++)
        rtp_packet(t, 1, FLOW_A2B, base + i, 100, i + 1);
    check_per_flow_rows(t, base, 1);
    ck_assert_uint_eq(rtp_stats_dropped(t), extra);
    /* the flow's state goes; its kept streams go on, and it still may not
     * open another: a second packet on each of the 12 SSRCs adds one to
     * each kept row and 4 more not kept */
    reclaim_state_of(t, 1);
    for (unsigned i = 0; i < RTP_MAX_SSRC_PER_FLOW + extra; i++)
        rtp_packet(t, 1, FLOW_A2B, base + i, 101, 100 + i);
    check_per_flow_rows(t, base, 2);
    ck_assert_uint_eq(rtp_stats_dropped(t), 2 * extra);
    /* the same SSRC the other way is another stream of the same flow */
    rtp_packet(t, 1, FLOW_B2A, base, 100, 200);
    ck_assert_uint_eq(rows_of(t).n, RTP_MAX_SSRC_PER_FLOW);
    ck_assert_uint_eq(rtp_stats_dropped(t), 2 * extra + 1);
    /* the limit is per flow: another flow opens its own */
    rtp_packet(t, 2, FLOW_A2B, base + RTP_MAX_SSRC_PER_FLOW, 100, 201);
    struct rows r = rows_of(t);
    ck_assert_uint_eq(r.n, RTP_MAX_SSRC_PER_FLOW + 1);
    ck_assert_uint_eq(r.s[RTP_MAX_SSRC_PER_FLOW]->flow_id, 2);
    ck_assert_uint_eq(rtp_stats_dropped(t), 2 * extra + 1);
    /* and while the index grows: 200 more flows with a stream each, then
     * flow 1 tries a new SSRC again */
    const unsigned more = 200;
    for (unsigned f = 0; f < more; f++)
        rtp_packet(t, 1000 + f, FLOW_A2B, base, 100, 300 + f);
    rtp_packet(t, 1, FLOW_A2B, base + 100, 100, 600);
    ck_assert_uint_eq(rows_of(t).n, RTP_MAX_SSRC_PER_FLOW + 1 + more);
    ck_assert_uint_eq(rtp_stats_dropped(t), 2 * extra + 2);
    app_tracker_free(t);
}
END_TEST

/* Flow f's stream k: SSRC f x RTP_MAX_SSRC_PER_FLOW + k + 1, the row's
 * number + 1 when every flow opens all its streams in turn. */
static uint32_t table_ssrc(uint64_t f, unsigned k)
{
    return (uint32_t)(f * RTP_MAX_SSRC_PER_FLOW + k + 1);
}

struct table_check {
    uint32_t rows;
    uint32_t bad; /* rows not as opened, or with a packet count but 2 */
};

static void check_table_row(const struct rtp_stream *s, void *arg)
{
    struct table_check *c = arg;
    uint64_t f = c->rows / RTP_MAX_SSRC_PER_FLOW;
    unsigned k = c->rows % RTP_MAX_SSRC_PER_FLOW;
    if (s->flow_id != f || s->ssrc != table_ssrc(f, k) || s->packets != 2)
        c->bad++;
    c->rows++;
}

START_TEST(table_limit_counts_dropped_streams)
{
    struct app_tracker *t = app_tracker_new(16);
    const uint64_t flows = RTP_MAX_STREAMS / RTP_MAX_SSRC_PER_FLOW;
    uint64_t n = 0;
    /* RTP_MAX_STREAMS streams fill the table, over many doublings of
     * the stream array and its index */
    for (uint64_t f = 0; f < flows; f++)
        for (unsigned k = 0; k < RTP_MAX_SSRC_PER_FLOW; k++)
            rtp_packet(t, f, FLOW_A2B, table_ssrc(f, k), 1, ++n);
    ck_assert_uint_eq(rtp_stats_dropped(t), 0);
    /* a new flow's stream, twice, and another new flow's: under their
     * flows' limit, but each packet is not kept */
    rtp_packet(t, flows, FLOW_A2B, 7, 1, ++n);
    rtp_packet(t, flows, FLOW_A2B, 7, 2, ++n);
    rtp_packet(t, flows + 1, FLOW_B2A, 8, 1, ++n);
    ck_assert_uint_eq(rtp_stats_dropped(t), 3);
    /* every kept stream is still found: a second packet each */
    for (uint64_t f = 0; f < flows; f++)
        for (unsigned k = 0; k < RTP_MAX_SSRC_PER_FLOW; k++)
            rtp_packet(t, f, FLOW_A2B, table_ssrc(f, k), 2, ++n);
    ck_assert_uint_eq(rtp_stats_dropped(t), 3);
    struct table_check c = {0, 0};
    rtp_stats_foreach(t, check_table_row, &c);
    ck_assert_uint_eq(c.rows, RTP_MAX_STREAMS);
    ck_assert_uint_eq(c.bad, 0);
    app_tracker_free(t);
}
END_TEST

static Suite *rtp_suite(void)
{
    Suite *s = suite_create("rtp");
    TCase *tc = tcase_create("rtp");
    tcase_add_test(tc, rtp_header);
    tcase_add_test(tc, rtp_csrc_extension_padding);
    tcase_add_test(tc, rtp_malformed);
    tcase_add_test(tc, rtp_content_detection_is_strict);
    tcase_add_test(tc, rtp_caplen_sweep);
    tcase_add_test(tc, rtcp_compound);
    tcase_add_test(tc, rtcp_other_types);
    tcase_add_test(tc, rtcp_length_past_end);
    tcase_add_test(tc, rtcp_caplen_sweep);
    tcase_add_test(tc, rfc7983_demux);
    tcase_add_test(tc, jitter_rfc3550_a8);
    tcase_add_test(tc, sequence_wrap_and_loss);
    tcase_add_test(tc, dynamic_clock_estimated);
    tcase_add_test(tc, streams_match_tshark);
    suite_add_tcase(s, tc);
    tc = tcase_create("table");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, stream_keeps_its_row_across_a_reclaim);
    tcase_add_test(tc, streams_apart_by_ssrc_direction_and_flow);
    tcase_add_test(tc, per_flow_limit_holds_across_a_reclaim);
    tcase_add_test(tc, table_limit_counts_dropped_streams);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rtp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int run = srunner_ntests_run(sr), failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free(g_copy);
    printf("%d passed, %d failed\n", run - failed, failed);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
