/* Test packet builder shared by the application-protocol suites: a message
 * builder for the payload (big-endian fields appended to a bounded buffer),
 * and a wrapper that puts a payload in Ethernet + IPv4 (+ UDP or TCP) with
 * correct lengths and IPv4 header checksum, so a test states only the bytes
 * it is about. */
#ifndef WIRESCOPE_TEST_PKTBUILD_H
#define WIRESCOPE_TEST_PKTBUILD_H

#include <check.h>
#include <pcap/dlt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "wirescope/decode.h"

struct pb_ends {
    uint32_t src, dst;   /* IPv4 addresses, host order (0x0a000001 = 10.0.0.1) */
    uint16_t sport, dport;
};

static inline void pb_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void pb_be32(uint8_t *p, uint32_t v)
{
    pb_be16(p, (uint16_t)(v >> 16));
    pb_be16(p + 2, (uint16_t)v);
}

/* A payload built by appending fields: b[0..n) is the message so far. The
 * size is the largest the suites had (the biggest message built is a DNS
 * response of 300 answers, 4,827 bytes); a test may shorten n to cut the
 * message, or patch bytes below n. */
struct pb_msg {
    uint8_t b[8192];
    size_t n;
};

/* Appends len bytes to m and returns where they start. An append that does
 * not fit fails the test rather than writing past the buffer. */
static inline uint8_t *pb_grow(struct pb_msg *m, size_t len)
{
    ck_assert_msg(m->n <= sizeof m->b && len <= sizeof m->b - m->n,
                  "message builder: %zu bytes after %zu do not fit in %zu", len, m->n,
                  sizeof m->b);
    uint8_t *p = m->b + m->n;
    m->n += len;
    return p;
}

static inline void pb_putn(struct pb_msg *m, const void *p, size_t len)
{
    memcpy(pb_grow(m, len), p, len);
}

static inline void pb_put_zeros(struct pb_msg *m, size_t len)
{
    memset(pb_grow(m, len), 0, len);
}

static inline void pb_put8(struct pb_msg *m, uint8_t v) { *pb_grow(m, 1) = v; }

static inline void pb_put16(struct pb_msg *m, uint16_t v) { pb_be16(pb_grow(m, 2), v); }

static inline void pb_put24(struct pb_msg *m, uint32_t v)
{
    uint8_t *p = pb_grow(m, 3);
    p[0] = (uint8_t)(v >> 16);
    pb_be16(p + 1, (uint16_t)v);
}

static inline void pb_put32(struct pb_msg *m, uint32_t v) { pb_be32(pb_grow(m, 4), v); }

/* Ethernet + IPv4 header for ip_proto with l4len bytes after it; returns 34. */
static inline size_t pb_eth_ipv4(uint8_t *out, const struct pb_ends *e,
                                 uint8_t ip_proto, size_t l4len)
{
    static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
    memcpy(out, macs, 12);
    pb_be16(out + 12, 0x0800);
    uint8_t *ip = out + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    pb_be16(ip + 2, (uint16_t)(20 + l4len));
    pb_be16(ip + 4, 0x1234);
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = ip_proto;
    pb_be32(ip + 12, e->src);
    pb_be32(ip + 16, e->dst);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    pb_be16(ip + 10, (uint16_t)~sum);
    return 34;
}

/* Ethernet/IPv4/UDP around payload[0..n); returns the frame length. */
static inline size_t pb_udp4(uint8_t *out, const struct pb_ends *e,
                             const void *payload, size_t n)
{
    size_t off = pb_eth_ipv4(out, e, 17, 8 + n);
    pb_be16(out + off, e->sport);
    pb_be16(out + off + 2, e->dport);
    pb_be16(out + off + 4, (uint16_t)(8 + n));
    pb_be16(out + off + 6, 0);
    memcpy(out + off + 8, payload, n);
    return off + 8 + n;
}

/* Ethernet/IPv4/TCP (20-byte header, PSH,ACK unless flags given) around
 * payload[0..n); returns the frame length. */
static inline size_t pb_tcp4(uint8_t *out, const struct pb_ends *e,
                             uint32_t seq, uint32_t ack, uint8_t flags,
                             const void *payload, size_t n)
{
    size_t off = pb_eth_ipv4(out, e, 6, 20 + n);
    uint8_t *t = out + off;
    memset(t, 0, 20);
    pb_be16(t, e->sport);
    pb_be16(t + 2, e->dport);
    pb_be32(t + 4, seq);
    pb_be32(t + 8, ack);
    t[12] = 0x50;
    t[13] = flags ? flags : 0x18;
    pb_be16(t + 14, 65535);
    memcpy(t + 20, payload, n);
    return off + 20 + n;
}

/* With WS_TEST_PCAP=file in the environment, appends the frame to that
 * pcap, so the suite's packets can be shown to tshark. */
static inline void pb_dump_frame(const uint8_t *frame, uint32_t caplen, uint32_t len)
{
    const char *path = getenv("WS_TEST_PCAP");
    if (!path)
        return;
    FILE *f = fopen(path, "ab");
    if (!f)
        return;
    if (ftell(f) == 0) {
        const uint32_t gh[6] = {0xa1b2c3d4, 2 | 4u << 16, 0, 0, 262144, 1};
        fwrite(gh, sizeof gh, 1, f);
    }
    const uint32_t rh[4] = {1700000000, 0, caplen, len};
    fwrite(rh, sizeof rh, 1, f);
    fwrite(frame, 1, caplen, f);
    fclose(f);
}

/* Decodes frame[0..caplen) of wire length len as Ethernet into pkt. */
static inline void pb_decode(struct ws_packet *pkt, const uint8_t *frame,
                             size_t caplen, size_t len, bool fields)
{
    pkt->want_fields = fields;
    pkt->app_lookup = NULL;
    decode_reset(pkt, frame, (uint32_t)caplen, (uint32_t)len, DLT_EN10MB);
    decode_packet(pkt);
}

#endif
