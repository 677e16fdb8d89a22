/*
 * gen-attack: writes classic pcap files (Ethernet, microsecond timestamps)
 * of hostile traffic for the bounded-memory tests. Standalone: no libpcap.
 *
 *   gen-attack KIND FILE [N]
 *
 * KIND (N defaults in brackets):
 *   synflood  N SYNs from distinct random source address:port pairs to
 *             192.0.2.10:80 [10000000]; every SYN is its own flow and conn
 *   udpflows  N one-packet UDP flows, 10.0.0.0/8 sources, to :9999 [2000000]
 *   frags     N first fragments that never complete, IPv4 and IPv6 in
 *             turn, with fresh ids, 65536 source hosts per family [2000000]
 *   ooo       one TCP connection: handshake, 100 segments in order, then a
 *             segment 1 GiB ahead of the next expected sequence number and
 *             N segments after it (1000 bytes each, the server answering
 *             every 10th with a duplicate ACK), then FIN [250000]
 *   dnsloop   N DNS responses (UDP/53, mDNS/5353) whose names are
 *             compression-pointer loops and other bad pointers, plus the
 *             same messages over one DNS-over-TCP connection [200000]
 *   pinned    one long-lived established TCP connection that sends a
 *             segment every 100 packets, interleaved with N SYN-flood
 *             packets [4200000]
 *   dnsflood  N DNS queries (A q<i>.example.com) never answered, each on a
 *             flow of its own (distinct source address:port) with its own
 *             id [2000000]
 *   httphdr   N TCP connections to :80 that each send an HTTP request whose
 *             header block never ends (8 segments of 1400 bytes of header
 *             lines, no blank line), all open at once; then one complete
 *             request and response on a fresh connection [8000]
 *   ftpexpect 16 FTP control connections sending N commands in all (PORT,
 *             EPRT, PASV in turn, 6 a segment, each answered; PORT, EPRT
 *             and the 227 replies announce distinct data endpoints), then
 *             SYNs to the endpoints announced 257th-last, 256th-last and
 *             last [600000]
 *   ssrcflood N RTP packets (v2, PCMU), each with a new SSRC: the first
 *             half on one UDP flow, the rest each on a flow of its own
 *             (distinct source addresses) [2000000]
 *
 * Prints one line: kind, packets, bytes, and kind-specific expectations as
 * key=value (flows=..., conns=...) for the test script.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *out;
static uint64_t npkts, nbytes;
static uint64_t ts_us = 1700000000ull * 1000000ull;
static uint8_t frame[70000];

static void die(const char *what)
{
    fprintf(stderr, "gen-attack: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void put32(uint8_t *p, uint32_t v) /* little endian */
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void write_header(void)
{
    uint8_t h[24];
    put32(h, 0xa1b2c3d4);
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0;
    put32(h + 8, 0);
    put32(h + 12, 0);
    put32(h + 16, 262144);
    put32(h + 20, 1); /* LINKTYPE_ETHERNET */
    if (fwrite(h, 1, sizeof h, out) != sizeof h)
        die("write");
}

static void emit(uint32_t len)
{
    uint8_t h[16];
    put32(h, (uint32_t)(ts_us / 1000000));
    put32(h + 4, (uint32_t)(ts_us % 1000000));
    put32(h + 8, len);
    put32(h + 12, len);
    if (fwrite(h, 1, 16, out) != 16 || fwrite(frame, 1, len, out) != len)
        die("write");
    ts_us++;
    npkts++;
    nbytes += 16 + len;
}

/* ---- checksums ---- */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* ---- layers: each returns the offset of its payload ---- */

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};

static size_t eth(int dir, uint16_t type)
{
    memcpy(frame, dir ? mac_b : mac_a, 6);
    memcpy(frame + 6, dir ? mac_a : mac_b, 6);
    be16(frame + 12, type);
    return 14;
}

static size_t ipv4(size_t off, uint32_t src, uint32_t dst, uint8_t proto,
                   size_t payload, uint16_t id, uint16_t frag)
{
    uint8_t *p = frame + off;
    p[0] = 0x45;
    p[1] = 0;
    be16(p + 2, (uint16_t)(20 + payload));
    be16(p + 4, id);
    be16(p + 6, frag);
    p[8] = 64;
    p[9] = proto;
    be16(p + 10, 0);
    be32(p + 12, src);
    be32(p + 16, dst);
    be16(p + 10, fold(sum16(p, 20, 0)));
    return off + 20;
}

static size_t ipv6(size_t off, const uint8_t src[16], const uint8_t dst[16],
                   uint8_t next, size_t payload)
{
    uint8_t *p = frame + off;
    be32(p, 0x60000000);
    be16(p + 4, (uint16_t)payload);
    p[6] = next;
    p[7] = 64;
    memcpy(p + 8, src, 16);
    memcpy(p + 24, dst, 16);
    return off + 40;
}

/* L4 checksum over the IPv4 pseudo-header. */
static void l4_csum4(size_t ip_off, size_t l4_off, size_t l4_len, size_t csum_at)
{
    uint8_t *ip = frame + ip_off;
    uint32_t s = sum16(ip + 12, 8, 0) + ip[9] + (uint32_t)l4_len;
    be16(frame + l4_off + csum_at, 0);
    uint16_t c = fold(sum16(frame + l4_off, l4_len, s));
    if (c == 0 && ip[9] == 17)
        c = 0xffff;
    be16(frame + l4_off + csum_at, c);
}

static size_t tcp(size_t off, uint16_t sport, uint16_t dport, uint32_t seq,
                  uint32_t ack, uint8_t flags, uint16_t win)
{
    uint8_t *p = frame + off;
    be16(p, sport);
    be16(p + 2, dport);
    be32(p + 4, seq);
    be32(p + 8, ack);
    p[12] = 5 << 4;
    p[13] = flags;
    be16(p + 14, win);
    be16(p + 16, 0);
    be16(p + 18, 0);
    return off + 20;
}

static size_t udp(size_t off, uint16_t sport, uint16_t dport, uint16_t len)
{
    uint8_t *p = frame + off;
    be16(p, sport);
    be16(p + 2, dport);
    be16(p + 4, len);
    be16(p + 6, 0);
    return off + 8;
}

enum { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 };

/* One TCP/IPv4 segment with payload; the checksum is right. */
static void tcp4_segment(int dir, uint32_t src, uint32_t dst, uint16_t sport,
                         uint16_t dport, uint32_t seq, uint32_t ack,
                         uint8_t flags, const uint8_t *data, size_t len)
{
    size_t ip = eth(dir, 0x0800);
    size_t l4 = ipv4(ip, src, dst, 6, 20 + len, (uint16_t)npkts, 0x4000);
    size_t pl = tcp(l4, sport, dport, seq, ack, flags, 502);
    if (len)
        memcpy(frame + pl, data, len);
    l4_csum4(ip, l4, 20 + len, 16);
    emit((uint32_t)(pl + len));
}

/* ---- a bijection on 48 bits, so "random" sources never repeat ---- */

#define M48 ((1ull << 48) - 1)
static uint64_t perm48(uint64_t x)
{
    x = (x * 0x9E3779B97F4Bull) & M48;
    x ^= x >> 24;
    x = (x * 0xBF58476D1CE5ull + 0x5bd1e995ull) & M48;
    x ^= x >> 21;
    x = (x * 0x94D049BB1331ull) & M48;
    x ^= x >> 17;
    return x;
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint32_t rnd32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

#define SERVER4 0xC000020Au /* 192.0.2.10 */

static void syn_from(uint64_t i)
{
    uint64_t x = perm48(i);
    uint32_t src = (uint32_t)(x >> 16);
    uint16_t sport = (uint16_t)x;
    size_t ip = eth(0, 0x0800);
    size_t l4 = ipv4(ip, src, SERVER4, 6, 20, (uint16_t)i, 0);
    tcp(l4, sport, 80, rnd32(), 0, SYN, 64240);
    l4_csum4(ip, l4, 20, 16);
    emit((uint32_t)(l4 + 20));
}

static void gen_synflood(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        syn_from(i);
    printf("synflood packets=%llu bytes=%llu flows=%llu conns=%llu\n",
           (unsigned long long)npkts, (unsigned long long)nbytes,
           (unsigned long long)n, (unsigned long long)n);
}

static void gen_udpflows(uint64_t n)
{
    static const uint8_t msg[16] = "wirescope-udp-fl";
    if (n > (1u << 24))
        n = 1u << 24;
    for (uint64_t i = 0; i < n; i++) {
        size_t ip = eth(0, 0x0800);
        size_t l4 = ipv4(ip, (10u << 24) | (uint32_t)i, 0xC6336401u /* 198.51.100.1 */,
                         17, 8 + sizeof msg, (uint16_t)i, 0);
        size_t pl = udp(l4, (uint16_t)(20000 + i % 40000), 9999, 8 + sizeof msg);
        memcpy(frame + pl, msg, sizeof msg);
        l4_csum4(ip, l4, 8 + sizeof msg, 6);
        emit((uint32_t)(pl + sizeof msg));
    }
    printf("udpflows packets=%llu bytes=%llu flows=%llu conns=0\n",
           (unsigned long long)npkts, (unsigned long long)nbytes,
           (unsigned long long)n);
}

/* First fragments only: MF set, offset 0, a UDP header claiming a 1008-byte
 * datagram of which 64 bytes are here; the rest never comes. */
static void gen_frags(uint64_t n)
{
    uint64_t flows4 = 0, flows6 = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t host = (uint32_t)(i / 2) & 0xffff;
        size_t pl;
        if ((i & 1) == 0) {
            size_t ip = eth(0, 0x0800);
            size_t l4 = ipv4(ip, 0x0A010000u | host, 0x0A020001u, 17, 8 + 64,
                             (uint16_t)(i / 2 / 65536 + host), 0x2000 /* MF */);
            pl = udp(l4, 5000, 7000, 1008);
            if (i / 2 < 65536)
                flows4++;
        } else {
            uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1}, dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2};
            src[14] = (uint8_t)(host >> 8);
            src[15] = (uint8_t)host;
            dst[15] = 1;
            size_t ip = eth(0, 0x86dd);
            size_t fh = ipv6(ip, src, dst, 44, 8 + 8 + 64);
            uint8_t *f = frame + fh;
            f[0] = 17;
            f[1] = 0;
            be16(f + 2, 0x0001); /* offset 0, M = 1 */
            be32(f + 4, (uint32_t)(i / 2));
            pl = udp(fh + 8, 5000, 7000, 1008);
            if (i / 2 < 65536)
                flows6++;
        }
        memset(frame + pl, 'F', 64);
        emit((uint32_t)(pl + 64));
    }
    printf("frags packets=%llu bytes=%llu flows=%llu conns=0\n",
           (unsigned long long)npkts, (unsigned long long)nbytes,
           (unsigned long long)(flows4 + flows6));
}

#define C_ADDR 0xC0000201u /* 192.0.2.1 */
#define S_ADDR 0xC0000202u /* 192.0.2.2 */

static void gen_ooo(uint64_t n)
{
    static uint8_t data[1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)('a' + i % 26);
    uint32_t cisn = 1000, sisn = 5000;
    tcp4_segment(0, C_ADDR, S_ADDR, 40000, 443, cisn, 0, SYN, NULL, 0);
    tcp4_segment(1, S_ADDR, C_ADDR, 443, 40000, sisn, cisn + 1, SYN | ACK, NULL, 0);
    uint32_t cseq = cisn + 1, sseq = sisn + 1;
    tcp4_segment(0, C_ADDR, S_ADDR, 40000, 443, cseq, sseq, ACK, NULL, 0);
    for (int i = 0; i < 100; i++) {
        tcp4_segment(0, C_ADDR, S_ADDR, 40000, 443, cseq, sseq, PSH | ACK, data, sizeof data);
        cseq += sizeof data;
        if (i % 2)
            tcp4_segment(1, S_ADDR, C_ADDR, 443, 40000, sseq, cseq, ACK, NULL, 0);
    }
    uint32_t hole = cseq;           /* the receiver waits here forever */
    cseq += 1u << 30;               /* 1 GiB ahead */
    for (uint64_t i = 0; i < n; i++) {
        tcp4_segment(0, C_ADDR, S_ADDR, 40000, 443, cseq, sseq, PSH | ACK, data, sizeof data);
        cseq += sizeof data;
        if (i % 10 == 0)
            tcp4_segment(1, S_ADDR, C_ADDR, 443, 40000, sseq, hole, ACK, NULL, 0);
    }
    tcp4_segment(0, C_ADDR, S_ADDR, 40000, 443, cseq, sseq, FIN | ACK, NULL, 0);
    tcp4_segment(1, S_ADDR, C_ADDR, 443, 40000, sseq, hole, ACK, NULL, 0);
    printf("ooo packets=%llu bytes=%llu flows=1 conns=1 gap=%u after=%llu\n",
           (unsigned long long)npkts, (unsigned long long)nbytes, 1u << 30,
           (unsigned long long)(n * sizeof data));
}

/* ---- DNS messages with hostile names ---- */

static size_t dns_header(uint8_t *p, uint16_t id, uint16_t qd, uint16_t an)
{
    be16(p, id);
    be16(p + 2, 0x8180); /* response, RD, RA */
    be16(p + 4, qd);
    be16(p + 6, an);
    be16(p + 8, 0);
    be16(p + 10, 0);
    return 12;
}

static size_t rr_tail(uint8_t *p, uint16_t type, uint16_t rdlen)
{
    be16(p, type);
    be16(p + 2, 1);
    be32(p + 4, 60);
    be16(p + 8, rdlen);
    return 10;
}

#define DNS_VARIANTS 9
/* Builds variant v into p; returns its length. */
static size_t dns_message(uint8_t *p, int v, uint16_t id)
{
    size_t o;
    switch (v) {
    case 0: /* question name is a pointer to itself */
        o = dns_header(p, id, 1, 0);
        p[o++] = 0xc0, p[o++] = 12;
        be16(p + o, 1), be16(p + o + 2, 1), o += 4;
        return o;
    case 1: /* a label, then a pointer back to the start of the name */
        o = dns_header(p, id, 1, 1);
        p[o++] = 3, memcpy(p + o, "www", 3), o += 3;
        p[o++] = 0xc0, p[o++] = 12;
        be16(p + o, 1), be16(p + o + 2, 1), o += 4;
        p[o++] = 0xc0, p[o++] = 12; /* answer name: the same loop */
        o += rr_tail(p + o, 1, 4);
        memcpy(p + o, "\xc0\x00\x02\x01", 4), o += 4;
        return o;
    case 2: /* two names pointing at each other: 12 -> 18 -> 12 */
        o = dns_header(p, id, 1, 1);
        p[o++] = 0xc0, p[o++] = 18;
        be16(p + o, 1), be16(p + o + 2, 1), o += 4;
        p[o++] = 0xc0, p[o++] = 12;
        o += rr_tail(p + o, 1, 4);
        memcpy(p + o, "\x7f\x00\x00\x01", 4), o += 4;
        return o;
    case 3: /* a pointer beyond the end of the message */
        o = dns_header(p, id, 1, 0);
        p[o++] = 0xc3, p[o++] = 0xff;
        be16(p + o, 1), be16(p + o + 2, 1), o += 4;
        return o;
    case 4: { /* 200 one-byte labels then a pointer to the first: a name
               * far over 255 bytes even before the loop */
        o = dns_header(p, id, 1, 0);
        for (int i = 0; i < 200; i++)
            p[o++] = 1, p[o++] = (uint8_t)('a' + i % 26);
        p[o++] = 0xc0, p[o++] = 12;
        be16(p + o, 1), be16(p + o + 2, 1), o += 4;
        return o;
    }
    case 5: /* a pointer into the header (offset 0) */
        o = dns_header(p, id, 1, 0);
        p[o++] = 0xc0, p[o++] = 0;
        be16(p + o, 1), be16(p + o + 2, 1), o += 4;
        return o;
    case 6: { /* CNAME, MX, SRV and SOA whose rdata names loop */
        o = dns_header(p, id, 1, 4);
        p[o++] = 7, memcpy(p + o, "example", 7), o += 7;
        p[o++] = 3, memcpy(p + o, "com", 3), o += 3;
        p[o++] = 0;
        be16(p + o, 255), be16(p + o + 2, 1), o += 4;
        size_t rd;
        p[o++] = 0xc0, p[o++] = 12;
        o += rr_tail(p + o, 5, 2); /* CNAME -> itself */
        rd = o;
        p[o++] = 0xc0, p[o++] = (uint8_t)rd;
        p[o++] = 0xc0, p[o++] = 12;
        o += rr_tail(p + o, 15, 4); /* MX */
        rd = o;
        be16(p + o, 10), o += 2;
        p[o++] = 0xc0, p[o++] = (uint8_t)(rd + 2);
        p[o++] = 0xc0, p[o++] = 12;
        o += rr_tail(p + o, 33, 8); /* SRV */
        rd = o;
        be16(p + o, 0), be16(p + o + 2, 0), be16(p + o + 4, 443), o += 6;
        p[o++] = 0xc0, p[o++] = (uint8_t)(rd + 6);
        p[o++] = 0xc0, p[o++] = 12;
        o += rr_tail(p + o, 6, 24); /* SOA: mname and rname loop */
        rd = o;
        p[o++] = 0xc0, p[o++] = (uint8_t)(rd + 2);
        p[o++] = 0xc0, p[o++] = (uint8_t)rd;
        memset(p + o, 0, 20), o += 20;
        return o;
    }
    case 7: /* a chain of 40 pointers, each to the one before it, the
             * first to the last: the name is one long loop */
        o = dns_header(p, id, 1, 0);
        p[o++] = 0xc0, p[o++] = 18 + 2 * 39; /* to the last of the chain */
        be16(p + o, 1), be16(p + o + 2, 1), o += 4;
        for (int i = 0; i < 40; i++) { /* pointer i at 18 + 2i */
            p[o] = 0xc0;
            p[o + 1] = (uint8_t)(i == 0 ? 18 + 2 * 39 : o - 2);
            o += 2;
        }
        return o;
    default: /* label length running past the end, and a 0x40/0x80 label type */
        o = dns_header(p, id, 2, 0);
        p[o++] = 63, memcpy(p + o, "abc", 3), o += 3;
        be16(p + o, 1), be16(p + o + 2, 1), o += 4;
        p[o++] = 0x41, p[o++] = 0x80, p[o++] = 0;
        be16(p + o, 1), be16(p + o + 2, 1), o += 4;
        return o;
    }
}

static void gen_dnsloop(uint64_t n)
{
    uint8_t msg[2048];
    uint64_t tcp_msgs = n / 10;
    for (uint64_t i = 0; i < n - tcp_msgs; i++) {
        size_t len = dns_message(msg, (int)(i % DNS_VARIANTS), (uint16_t)i);
        uint16_t port = i % 4 == 3 ? 5353 : 53;
        size_t ip = eth(1, 0x0800);
        size_t l4 = ipv4(ip, 0xC0000235u /* 192.0.2.53 */, 0xC0000201u + (uint32_t)(i % 1000),
                         17, 8 + len, (uint16_t)i, 0);
        size_t pl = udp(l4, port, port == 53 ? (uint16_t)(30000 + i % 30000) : 5353,
                        (uint16_t)(8 + len));
        memcpy(frame + pl, msg, len);
        l4_csum4(ip, l4, 8 + len, 6);
        emit((uint32_t)(pl + len));
    }
    /* DNS over TCP: length-prefixed messages on one connection. */
    uint32_t c = 0xC0000201u, s = 0xC0000235u, cseq = 7000, sseq = 9000;
    tcp4_segment(0, c, s, 50000, 53, cseq, 0, SYN, NULL, 0);
    tcp4_segment(1, s, c, 53, 50000, sseq, cseq + 1, SYN | ACK, NULL, 0);
    cseq++, sseq++;
    tcp4_segment(0, c, s, 50000, 53, cseq, sseq, ACK, NULL, 0);
    for (uint64_t i = 0; i < tcp_msgs; i++) {
        size_t len = dns_message(msg + 2, (int)(i % DNS_VARIANTS), (uint16_t)i);
        be16(msg, (uint16_t)len);
        tcp4_segment(1, s, c, 53, 50000, sseq, cseq, PSH | ACK, msg, len + 2);
        sseq += (uint32_t)len + 2;
        if (i % 2)
            tcp4_segment(0, c, s, 50000, 53, cseq, sseq, ACK, NULL, 0);
    }
    tcp4_segment(1, s, c, 53, 50000, sseq, cseq, FIN | ACK, NULL, 0);
    tcp4_segment(0, c, s, 50000, 53, cseq, sseq + 1, FIN | ACK, NULL, 0);
    tcp4_segment(1, s, c, 53, 50000, sseq + 1, cseq + 1, ACK, NULL, 0);
    printf("dnsloop packets=%llu bytes=%llu conns=1\n",
           (unsigned long long)npkts, (unsigned long long)nbytes);
}

/* An established connection that stays busy while a flood goes by. */
static void gen_pinned(uint64_t n)
{
    static const uint8_t data[100] = "keep-alive traffic of a long-lived session";
    uint32_t cseq = 100, sseq = 200;
    tcp4_segment(0, C_ADDR, SERVER4, 22222, 22, cseq, 0, SYN, NULL, 0);
    tcp4_segment(1, SERVER4, C_ADDR, 22, 22222, sseq, cseq + 1, SYN | ACK, NULL, 0);
    cseq++, sseq++;
    tcp4_segment(0, C_ADDR, SERVER4, 22222, 22, cseq, sseq, ACK, NULL, 0);
    for (uint64_t i = 0; i < n; i++) {
        syn_from(i);
        if (i % 100 == 99) {
            int d = (i / 100) & 1;
            if (!d) {
                tcp4_segment(0, C_ADDR, SERVER4, 22222, 22, cseq, sseq, PSH | ACK, data, sizeof data);
                cseq += sizeof data;
            } else {
                tcp4_segment(1, SERVER4, C_ADDR, 22, 22222, sseq, cseq, PSH | ACK, data, sizeof data);
                sseq += sizeof data;
            }
        }
    }
    printf("pinned packets=%llu bytes=%llu flows=%llu conns=%llu\n",
           (unsigned long long)npkts, (unsigned long long)nbytes,
           (unsigned long long)(n + 1), (unsigned long long)(n + 1));
}

/* ---- application-layer floods ---- */

/* Distinct random-looking SSRCs: a bijection on 31 bits (an odd multiplier)
 * xor a constant with the top bit set, so never below 0x10000. */
static uint32_t distinct_ssrc(uint64_t i)
{
    return ((uint32_t)i * 0x5bd1e995u & 0x7fffffffu) ^ 0x9E3779B9u;
}

/* One UDP/IPv4 datagram carrying data[0..len). */
static void udp4_datagram(uint32_t src, uint32_t dst, uint16_t sport,
                          uint16_t dport, const uint8_t *data, size_t len)
{
    size_t ip = eth(0, 0x0800);
    size_t l4 = ipv4(ip, src, dst, 17, 8 + len, (uint16_t)npkts, 0);
    size_t pl = udp(l4, sport, dport, (uint16_t)(8 + len));
    memcpy(frame + pl, data, len);
    l4_csum4(ip, l4, 8 + len, 6);
    emit((uint32_t)(pl + len));
}

/* Query i is its own flow (10.x.y.z, 64512 source ports per host) with
 * its own id and name "q<i>.example.com"; none is answered. */
static void gen_dnsflood(uint64_t n)
{
    uint8_t msg[64];
    for (uint64_t i = 0; i < n; i++) {
        be16(msg, (uint16_t)(i * 40503u)); /* odd: distinct ids in any 65536 */
        be16(msg + 2, 0x0100);             /* a query, RD */
        be16(msg + 4, 1);
        memset(msg + 6, 0, 6);
        size_t o = 12;
        int ll = sprintf((char *)msg + o + 1, "q%llu", (unsigned long long)i);
        msg[o] = (uint8_t)ll;
        o += 1 + (size_t)ll;
        msg[o++] = 7, memcpy(msg + o, "example", 7), o += 7;
        msg[o++] = 3, memcpy(msg + o, "com", 3), o += 3;
        msg[o++] = 0;
        be16(msg + o, 1), be16(msg + o + 2, 1), o += 4; /* A, IN */
        udp4_datagram(0x0A000000u | (uint32_t)(i / 64512), 0xC0000235u /* 192.0.2.53 */,
                      (uint16_t)(1024 + i % 64512), 53, msg, o);
    }
    printf("dnsflood packets=%llu bytes=%llu flows=%llu queries=%llu conns=0\n",
           (unsigned long long)npkts, (unsigned long long)nbytes,
           (unsigned long long)n, (unsigned long long)n);
}

#define HTTP_SERVER 0xC0000250u /* 192.0.2.80 */
#define HTTP_ROUNDS 8           /* header segments per connection */
#define HTTP_SEG 1400           /* header bytes per segment, at most */

/* Segment r of connection i's request: the request line first, then
 * 64-byte header lines; no empty line, so the block never ends. */
static size_t http_header_segment(uint8_t *p, uint64_t i, int r)
{
    size_t o = 0;
    if (r == 0)
        o = (size_t)sprintf((char *)p, "GET /slow/%llu HTTP/1.1\r\nHost: victim.example\r\n",
                            (unsigned long long)i);
    for (int k = 0; o + 64 <= HTTP_SEG; k++) {
        size_t w = (size_t)sprintf((char *)p + o, "X-Pad-%d-%02d: ", r, k);
        memset(p + o + w, 'a' + k % 26, 62 - w);
        o += 62;
        p[o++] = '\r';
        p[o++] = '\n';
    }
    return o;
}

static void http_handshake(uint32_t c, uint16_t sp, uint32_t cisn, uint32_t sisn)
{
    tcp4_segment(0, c, HTTP_SERVER, sp, 80, cisn, 0, SYN, NULL, 0);
    tcp4_segment(1, HTTP_SERVER, c, 80, sp, sisn, cisn + 1, SYN | ACK, NULL, 0);
    tcp4_segment(0, c, HTTP_SERVER, sp, 80, cisn + 1, sisn + 1, ACK, NULL, 0);
}

/* Slow headers: n connections open first (all live at once), then
 * HTTP_ROUNDS rounds of one header segment on each; then one complete
 * request and response on a fresh connection. */
static void gen_httphdr(uint64_t n)
{
    static uint8_t seg[HTTP_SEG + 128];
    const uint32_t cisn = 1000, sisn = 500000;
    uint32_t *next = malloc(n * sizeof *next);
    if (!next)
        die("malloc");
    for (uint64_t i = 0; i < n; i++) {
        http_handshake(0x0A010000u + (uint32_t)i, (uint16_t)(40000 + i % 20000), cisn, sisn);
        next[i] = cisn + 1;
    }
    uint64_t header_bytes = 0;
    for (int r = 0; r < HTTP_ROUNDS; r++) {
        for (uint64_t i = 0; i < n; i++) {
            size_t len = http_header_segment(seg, i, r);
            tcp4_segment(0, 0x0A010000u + (uint32_t)i, HTTP_SERVER,
                         (uint16_t)(40000 + i % 20000), 80, next[i], sisn + 1, PSH | ACK,
                         seg, len);
            next[i] += (uint32_t)len;
            header_bytes += len;
        }
    }
    free(next);
    static const char req[] = "GET /after-the-flood HTTP/1.1\r\nHost: victim.example\r\n\r\n";
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    uint32_t c = 0xC0000201u;
    http_handshake(c, 33333, cisn, sisn);
    tcp4_segment(0, c, HTTP_SERVER, 33333, 80, cisn + 1, sisn + 1, PSH | ACK,
                 (const uint8_t *)req, sizeof req - 1);
    tcp4_segment(1, HTTP_SERVER, c, 80, 33333, sisn + 1, cisn + sizeof req, PSH | ACK,
                 (const uint8_t *)resp, sizeof resp - 1);
    printf("httphdr packets=%llu bytes=%llu flows=%llu conns=%llu slow=%llu rounds=%d "
           "header_bytes=%llu\n",
           (unsigned long long)npkts, (unsigned long long)nbytes, (unsigned long long)(n + 1),
           (unsigned long long)(n + 1), (unsigned long long)n, HTTP_ROUNDS,
           (unsigned long long)header_bytes);
}

/* ---- FTP: a flood of announced data connections ---- */

#define FTP_SERVER 0xC0000215u /* 192.0.2.21 */
#define FTP_CONTROLS 16        /* control connections */
#define FTP_LINES 6            /* commands per segment */
#define FTP_RECENT 257         /* announcements remembered for the probes */

/* An announced endpoint: IPv4 (addr4) or IPv6 (2001:db8:f::hi:lo). */
struct ftp_endpoint {
    uint16_t port;
    uint8_t v6;
    uint32_t addr4;
    uint16_t hi, lo;
    uint64_t control; /* the announcing control connection */
};

static struct ftp_endpoint ftp_recent[FTP_RECENT];
static uint64_t ftp_announced;

static void ftp_announce(struct ftp_endpoint e)
{
    ftp_recent[ftp_announced++ % FTP_RECENT] = e;
}

/* Command c (cycling PORT, EPRT, PASV) into p; its announcement, when the
 * command itself makes one, is recorded. Returns the line's length. */
static size_t ftp_command(char *p, uint64_t c, uint64_t control)
{
    uint64_t a = ftp_announced;
    struct ftp_endpoint e = {(uint16_t)(1024 + a % 60000), 0, 0, 0, 0, control};
    switch (c % 3) {
    case 0:
        e.addr4 = 0x0A000000u | (uint32_t)(a & 0xffffff);
        ftp_announce(e);
        return (size_t)sprintf(p, "PORT 10,%u,%u,%u,%u,%u\r\n", (unsigned)(a >> 16 & 255),
                               (unsigned)(a >> 8 & 255), (unsigned)(a & 255),
                               (unsigned)(e.port >> 8), (unsigned)(e.port & 255));
    case 1:
        e.v6 = 1;
        e.hi = (uint16_t)(a >> 16);
        e.lo = (uint16_t)a;
        ftp_announce(e);
        return (size_t)sprintf(p, "EPRT |2|2001:db8:f::%x:%x|%u|\r\n", (unsigned)e.hi,
                               (unsigned)e.lo, (unsigned)e.port);
    default:
        return (size_t)sprintf(p, "PASV\r\n");
    }
}

/* The reply to command c: 200, or 227 announcing a server port. */
static size_t ftp_reply(char *p, uint64_t c, uint64_t control)
{
    if (c % 3 == 0)
        return (size_t)sprintf(p, "200 PORT command successful.\r\n");
    if (c % 3 == 1)
        return (size_t)sprintf(p, "200 EPRT command successful.\r\n");
    uint64_t a = ftp_announced;
    struct ftp_endpoint e = {(uint16_t)(1024 + a % 64000), 0, FTP_SERVER, 0, 0, control};
    ftp_announce(e);
    return (size_t)sprintf(p, "227 Entering Passive Mode (192,0,2,21,%u,%u).\r\n",
                           (unsigned)(e.port >> 8), (unsigned)(e.port & 255));
}

/* A SYN to an announced endpoint, from port 20 of a host of the same family. */
static void ftp_data_syn(const struct ftp_endpoint *e)
{
    if (!e->v6) {
        uint32_t from = e->addr4 == FTP_SERVER ? 0xC0000264u /* 192.0.2.100 */ : FTP_SERVER;
        tcp4_segment(0, from, e->addr4, 20, e->port, 7777, 0, SYN, NULL, 0);
        return;
    }
    uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x0f}, dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x0f};
    src[15] = 0x21;
    be16(dst + 12, e->hi);
    be16(dst + 14, e->lo);
    size_t ip = eth(0, 0x86dd);
    size_t l4 = ipv6(ip, src, dst, 6, 20);
    tcp(l4, 20, e->port, 7777, 0, SYN, 64240);
    uint32_t s = sum16(frame + ip + 8, 32, 0) + 6 + 20;
    be16(frame + l4 + 16, fold(sum16(frame + l4, 20, s)));
    emit((uint32_t)(l4 + 20));
}

/* FTP_CONTROLS control connections send n commands in all, FTP_LINES per
 * segment, each segment answered by one of replies; every PORT and EPRT
 * and every 227 announces a new endpoint. Then SYNs to the endpoints
 * announced 257th-last, 256th-last and last (probe_old, probe_kept,
 * probe_new in the facts: 0 = IPv4 PORT/PASV, 1 = IPv6 EPRT). */
static void gen_ftpexpect(uint64_t n)
{
    static char buf[FTP_LINES * 96];
    uint32_t cseq[FTP_CONTROLS], sseq[FTP_CONTROLS];
    for (uint32_t k = 0; k < FTP_CONTROLS; k++) {
        uint32_t c = 0xC0000280u + k; /* 192.0.2.128 + k */
        uint16_t sp = (uint16_t)(50000 + k);
        cseq[k] = 100 + k, sseq[k] = 9000 + k;
        tcp4_segment(0, c, FTP_SERVER, sp, 21, cseq[k], 0, SYN, NULL, 0);
        tcp4_segment(1, FTP_SERVER, c, 21, sp, sseq[k], cseq[k] + 1, SYN | ACK, NULL, 0);
        cseq[k]++, sseq[k]++;
        tcp4_segment(0, c, FTP_SERVER, sp, 21, cseq[k], sseq[k], ACK, NULL, 0);
    }
    uint64_t sent = 0;
    while (sent < n) {
        for (uint32_t k = 0; k < FTP_CONTROLS && sent < n; k++) {
            uint32_t c = 0xC0000280u + k;
            uint16_t sp = (uint16_t)(50000 + k);
            uint64_t m = n - sent < FTP_LINES ? n - sent : FTP_LINES;
            size_t len = 0;
            for (uint64_t j = 0; j < m; j++)
                len += ftp_command(buf + len, sent + j, k);
            tcp4_segment(0, c, FTP_SERVER, sp, 21, cseq[k], sseq[k], PSH | ACK,
                         (const uint8_t *)buf, len);
            cseq[k] += (uint32_t)len;
            len = 0;
            for (uint64_t j = 0; j < m; j++)
                len += ftp_reply(buf + len, sent + j, k);
            tcp4_segment(1, FTP_SERVER, c, 21, sp, sseq[k], cseq[k], PSH | ACK,
                         (const uint8_t *)buf, len);
            sseq[k] += (uint32_t)len;
            sent += m;
        }
    }
    if (ftp_announced < FTP_RECENT) {
        fprintf(stderr, "gen-attack: ftpexpect needs at least %d announcements\n", FTP_RECENT);
        exit(2);
    }
    const struct ftp_endpoint *old = &ftp_recent[(ftp_announced - 257) % FTP_RECENT];
    const struct ftp_endpoint *kept = &ftp_recent[(ftp_announced - 256) % FTP_RECENT];
    const struct ftp_endpoint *newest = &ftp_recent[(ftp_announced - 1) % FTP_RECENT];
    ftp_data_syn(old);
    ftp_data_syn(kept);
    ftp_data_syn(newest);
    printf("ftpexpect packets=%llu bytes=%llu flows=%d conns=%d commands=%llu "
           "announced=%llu controls=%d probe_old_parent=%llu probe_kept_parent=%llu "
           "probe_new_parent=%llu\n",
           (unsigned long long)npkts, (unsigned long long)nbytes, FTP_CONTROLS + 3,
           FTP_CONTROLS + 3, (unsigned long long)n, (unsigned long long)ftp_announced,
           FTP_CONTROLS, (unsigned long long)old->control, (unsigned long long)kept->control,
           (unsigned long long)newest->control);
}

/* ---- RTP: a flood of SSRCs ---- */

/* n RTP packets (v2, PCMU, 20 bytes of payload), each with an SSRC never
 * seen before: the first half on one flow, the second half each on a
 * flow of its own (10.x.y.z:16386 -> 192.0.2.31:20000: ports that no other
 * dissector claims). */
static void gen_ssrcflood(uint64_t n)
{
    uint8_t rtp[32];
    uint64_t one = n / 2;
    for (uint64_t i = 0; i < n; i++) {
        rtp[0] = 0x80; /* V=2, no padding, no extension, no CSRC */
        rtp[1] = 0;    /* PCMU */
        be16(rtp + 2, (uint16_t)i);
        be32(rtp + 4, (uint32_t)i * 160u);
        be32(rtp + 8, distinct_ssrc(i));
        memset(rtp + 12, 0xff, 20);
        if (i < one) {
            udp4_datagram(0xC000021Eu /* 192.0.2.30 */, 0xC000021Fu, 16384, 16384,
                          rtp, sizeof rtp);
        } else {
            uint64_t j = i - one;
            udp4_datagram(0x0A000000u + (uint32_t)j, 0xC000021Fu, 16386, 20000, rtp,
                          sizeof rtp);
        }
    }
    printf("ssrcflood packets=%llu bytes=%llu flows=%llu conns=0 ssrcs=%llu one_flow=%llu\n",
           (unsigned long long)npkts, (unsigned long long)nbytes,
           (unsigned long long)(1 + n - one), (unsigned long long)n,
           (unsigned long long)one);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fputs("usage: gen-attack synflood|udpflows|frags|ooo|dnsloop|pinned|dnsflood|httphdr|\n"
              "                  ftpexpect|ssrcflood FILE [N]\n", stderr);
        return 2;
    }
    const char *kind = argv[1];
    uint64_t n = argc == 4 ? strtoull(argv[3], NULL, 10) : 0;
    out = fopen(argv[2], "wb");
    if (!out)
        die(argv[2]);
    static char buf[1 << 20];
    setvbuf(out, buf, _IOFBF, sizeof buf);
    write_header();
    if (!strcmp(kind, "synflood"))
        gen_synflood(n ? n : 10000000);
    else if (!strcmp(kind, "udpflows"))
        gen_udpflows(n ? n : 2000000);
    else if (!strcmp(kind, "frags"))
        gen_frags(n ? n : 2000000);
    else if (!strcmp(kind, "ooo"))
        gen_ooo(n ? n : 250000);
    else if (!strcmp(kind, "dnsloop"))
        gen_dnsloop(n ? n : 200000);
    else if (!strcmp(kind, "pinned"))
        gen_pinned(n ? n : 4200000);
    else if (!strcmp(kind, "dnsflood"))
        gen_dnsflood(n ? n : 2000000);
    else if (!strcmp(kind, "httphdr"))
        gen_httphdr(n ? n : 8000);
    else if (!strcmp(kind, "ftpexpect"))
        gen_ftpexpect(n ? n : 600000);
    else if (!strcmp(kind, "ssrcflood"))
        gen_ssrcflood(n ? n : 2000000);
    else {
        fprintf(stderr, "gen-attack: unknown kind %s\n", kind);
        return 2;
    }
    if (fclose(out) != 0)
        die(argv[2]);
    return 0;
}
