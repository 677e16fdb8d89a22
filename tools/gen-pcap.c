/*
 * gen-pcap: deterministic generator of a realistic Ethernet capture, used by
 * `make bench` (scripts/bench.sh) as the benchmark input.
 *
 *   gen-pcap -o FILE [-n PACKETS] [-c CONNECTIONS] [-s SEED] [-S]
 *
 * Writes exactly PACKETS frames (default 2000000) in classic pcap format
 * (magic 0xa1b2c3d4, v2.4, microsecond timestamps, snaplen 262144,
 * LINKTYPE_ETHERNET), written by hand: this program does not use libpcap.
 * The same arguments always produce a byte-identical file.
 *
 * Traffic model (capture point next to the clients, e.g. an office uplink):
 *   - TCP connections, ~10% over IPv6, to port 443 (TLS application-data
 *     records) and port 80 (HTTP/1.1 with Content-Length bodies):
 *       * three-way handshake, SYN/SYN-ACK carrying MSS, SACK_PERM,
 *         timestamps and window scale; timestamps on every later segment;
 *       * one or more request/response exchanges: small requests (some
 *         multi-segment uploads), responses from one segment to ~600 KB
 *         sent in slow-start flights of full-MSS segments, the receiver
 *         ACKing every second segment; delayed ACKs, piggy-backed ACKs;
 *       * about 1% of packets are retransmissions (the last segment of a
 *         flight re-sent with the same sequence number after an RTO,
 *         before the ACK that covers it);
 *       * mostly four-way FIN closes (client or server first), some
 *         RST-aborted connections, some refused (SYN answered by RST,ACK)
 *         and some half-open (a SYN that is never answered).
 *   - DNS over UDP (~5% of packets): an A query for a server's name and its
 *     answer carrying that server's IPv4 address.
 * Up to CONNECTIONS (default 20000) sessions are active at once; their
 * packets are merged in timestamp order, so flows are heavily interleaved.
 * Lengths, IPv4 header checksums and TCP/UDP checksums are all correct.
 *
 * -S (short sessions) replaces that mix with TCP connections of exactly 10
 * packets each: handshake, one single-segment request, one single-segment
 * response, the client's ACK, a four-way FIN close. No DNS, resets or
 * retransmissions, so a file of 10 x C packets holds exactly C connections
 * (the scaling run uses it to reach 1 M connections in ~2 GB).
 * A summary of what was generated is printed on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------ PRNG */

static uint64_t rng_state;

static inline uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static inline uint64_t mix64(uint64_t x)
{
    uint64_t s = x;
    return splitmix64(&s);
}

static inline uint64_t rnd(void) { return splitmix64(&rng_state); }

/* uniform in [0, n) */
static inline uint32_t rnd_below(uint32_t n)
{
    return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

/* uniform in [lo, hi] */
static inline uint32_t rnd_range(uint32_t lo, uint32_t hi)
{
    return lo + rnd_below(hi - lo + 1);
}

/* true with probability per_million / 1e6 */
static inline int rnd_chance(uint32_t per_million)
{
    return rnd_below(1000000) < per_million;
}

/* roughly log-uniform in [lo, hi] (lo >= 1): random octave, uniform inside */
static uint64_t rnd_logu(uint64_t lo, uint64_t hi)
{
    int oct = 0;
    while ((lo << (oct + 1)) <= hi)
        oct++;
    int o = (int)rnd_below((uint32_t)oct + 1);
    uint64_t a = lo << o, b = a * 2;
    if (b > hi)
        b = hi;
    if (b <= a)
        return a;
    return a + rnd() % (b - a);
}

/* exponentially distributed with the given mean (no libm: -log2(u)*ln2 with
 * a piecewise-linear log2, close enough for inter-arrival gaps) */
static uint64_t rnd_exp(uint64_t mean)
{
    uint64_t u = (rnd() >> 11) | 1; /* 53-bit, non-zero */
    int lz = __builtin_clzll(u) - 11; /* leading zeros within 53 bits */
    uint64_t norm = u << (lz + 11);   /* top bit set */
    double frac = (double)(norm & ~(UINT64_C(1) << 63)) / 9223372036854775808.0;
    double log2u = (double)(-lz - 1) + frac; /* log2(u / 2^53) approx */
    double v = -log2u * 0.6931471805599453 * (double)mean;
    return (uint64_t)v;
}

/* ------------------------------------------------------------- constants */

#define NCLI      4096u     /* client hosts (power of two) */
#define NSRV      700u      /* server hosts */
#define MAXMSG    40        /* messages per TCP session */
#define MAXEXCH   12        /* request/response exchanges per session */
#define FILLSZ    65536u    /* filler table (power of two) */
#define OUTBUF    (8u << 20)
#define TLS_REC   16389u    /* 5-byte header + 16384 payload */
#define BASE_SEC  1700000000u

enum { C2S = 0, S2C = 1 };
enum { K_NORMAL, K_RESET, K_REFUSED, K_HALFOPEN, K_DNS };
enum { M_GET, M_POST, M_RESP, M_TLS };
enum { O_NONE, O_SYN, O_TS };

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

typedef struct {
    uint64_t t;      /* microseconds since BASE_SEC */
    uint32_t seq, ack;
    uint32_t moff;   /* offset of the payload inside its message */
    uint16_t len;    /* payload length */
    uint8_t dir, flags, msg, opt;
} ev_t;

typedef struct {
    uint32_t len, hlen, tag;
    uint8_t type;
} msg_t;

typedef struct sess {
    ev_t *ev;
    uint32_t nev, cap, pos;
    uint8_t kind, v6, port80;
    uint8_t ttl_s;              /* TTL of server->client packets */
    uint8_t wscale[2];
    uint16_t win[2], mss[2];
    uint16_t cport, sport, ipid[2];
    uint32_t ci, si;            /* client / server index */
    uint32_t tsbase[2], lasttsval[2], flow[2];
    uint64_t t0;
    msg_t msgs[MAXMSG];
    uint32_t nmsg;
    uint16_t dnsid;
    uint32_t dns_ttl;
    struct sess *next_free;
} sess_t;

/* ---------------------------------------------------------------- output */

static unsigned char *obuf;
static size_t olen;
static FILE *ofp;
static const char *opath;

static void die(const char *msg)
{
    fprintf(stderr, "gen-pcap: %s\n", msg);
    exit(1);
}

static void oflush(void)
{
    if (olen && fwrite(obuf, 1, olen, ofp) != olen) {
        fprintf(stderr, "gen-pcap: write %s: %s\n", opath, strerror(errno));
        exit(1);
    }
    olen = 0;
}

static inline void put16(unsigned char *p, uint32_t v) { p[0] = (unsigned char)(v >> 8); p[1] = (unsigned char)v; }
static inline void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);  p[3] = (unsigned char)v;
}
static inline void le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}

/* one's-complement sum in host byte order (RFC 1071 byte-order trick) */
static inline uint64_t csum_add(uint64_t acc, const unsigned char *p, size_t n)
{
    while (n >= 8) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + 4, 4);
        acc += (uint64_t)a + b;
        p += 8;
        n -= 8;
    }
    while (n >= 2) {
        uint16_t a;
        memcpy(&a, p, 2);
        acc += a;
        p += 2;
        n -= 2;
    }
    if (n) {
        unsigned char t[2] = { p[0], 0 };
        uint16_t a;
        memcpy(&a, t, 2);
        acc += a;
    }
    return acc;
}

static inline void csum_store(unsigned char *dst, uint64_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    uint16_t c = (uint16_t)~acc;
    memcpy(dst, &c, 2);
}

/* --------------------------------------------------------------- naming */

static const char *const syl[] = {
    "ka", "vo", "re", "ta", "mi", "lo", "ne", "su", "bar", "den", "fi", "go",
    "hu", "jax", "kel", "lum", "mor", "nis", "pol", "qua", "rin", "sto", "tev",
    "ul", "vin", "wex", "yo", "zan", "cor", "dal", "est", "ori",
};
static const char *const tld[] = { "com", "net", "org", "io", "de", "co.uk", "example" };
static const char *const pfx[] = { "www", "api", "cdn", "static", "img", "login", "assets", "m" };

/* dotted host name of server si; returns its length */
static size_t server_name(uint32_t si, char *out)
{
    uint64_t h = mix64(si * UINT64_C(0x100000001b3) + 7);
    size_t n = 0;
    if (h & 1) {
        const char *p = pfx[(h >> 1) % 8];
        size_t l = strlen(p);
        memcpy(out + n, p, l);
        n += l;
        out[n++] = '.';
    }
    h >>= 4;
    int ns = 2 + (int)(h % 3);
    h >>= 2;
    for (int i = 0; i < ns; i++) {
        const char *p = syl[h % 32];
        h >>= 5;
        size_t l = strlen(p);
        memcpy(out + n, p, l);
        n += l;
    }
    /* disambiguate: the server index in base 36 guarantees unique names */
    uint32_t v = si;
    do {
        out[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
        v /= 36;
    } while (v);
    out[n++] = '.';
    const char *t = tld[h % 7];
    size_t l = strlen(t);
    memcpy(out + n, t, l);
    n += l;
    out[n] = 0;
    return n;
}

/* -------------------------------------------------------------- addresses */

static uint32_t cli_off[NCLI];
static unsigned char fill_tab[FILLSZ + 2048];

static inline int client_v6(uint32_t ci) { return mix64(ci + 0x51) % 10 == 0; }

static inline uint32_t cli_v4(uint32_t ci) { return (10u << 24) | (1u << 16) | ((ci / 254) << 8) | (ci % 254 + 1); }

static inline uint32_t srv_v4(uint32_t si)
{
    static const uint32_t nets[3] = { 0xcb007100u /*203.0.113*/, 0xc6336400u /*198.51.100*/, 0xc0000200u /*192.0.2*/ };
    return nets[si / 254] | (si % 254 + 1);
}

static inline void cli_v6(uint32_t ci, unsigned char *a)
{
    static const unsigned char p[8] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00 };
    memcpy(a, p, 8);
    put32(a + 8, 0x021a2bffu);
    put32(a + 12, 0xfe000000u | ci);
}

static inline void srv_v6(uint32_t si, unsigned char *a)
{
    static const unsigned char p[8] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00 };
    memcpy(a, p, 8);
    put32(a + 8, 0);
    put32(a + 12, 0x100u + si);
}

static const uint32_t dns_v4 = 0x0a000035u; /* 10.0.0.53 */
static const unsigned char dns_v6[16] = { 0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53 };
static const unsigned char gw_mac[6] = { 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x01 };

/* ----------------------------------------------------------- message text */

static size_t ndigits(uint32_t v)
{
    size_t d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* Writes the HTTP header of message m (if out != NULL) and returns its length.
 * For M_GET the header is the whole message, padded to m->len. */
static size_t http_header(const sess_t *s, const msg_t *m, char *out)
{
    char host[96], buf[2048];
    server_name(s->si, host);
    int n;
    if (m->type == M_GET) {
        n = snprintf(buf, sizeof buf,
                     "GET /obj/%08" PRIx32 " HTTP/1.1\r\nHost: %s\r\nUser-Agent: gen-pcap/1.0\r\n"
                     "Accept: */*\r\nX-Pad: ", m->tag, host);
        size_t fixed = (size_t)n + 4; /* "\r\n\r\n" */
        size_t pad = m->len > fixed ? m->len - fixed : 0;
        if (out) {
            memcpy(out, buf, (size_t)n);
            memset(out + n, 'x', pad);
            memcpy(out + n + pad, "\r\n\r\n", 4);
        }
        return fixed + pad;
    }
    const char *fmt = m->type == M_POST
        ? "POST /upload/%08" PRIx32 " HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\n"
          "Content-Length: %" PRIu32 "\r\n\r\n"
        : "HTTP/1.1 200 OK\r\nServer: gen-pcap\r\nX-Object: %08" PRIx32 "\r\nX-Host: %s\r\n"
          "Content-Type: application/octet-stream\r\nContent-Length: %" PRIu32 "\r\n\r\n";
    /* find the body length whose digit count is self-consistent */
    n = snprintf(buf, sizeof buf, fmt, m->tag, host, (uint32_t)0);
    size_t base = (size_t)n - 1;
    uint32_t body = 0;
    for (size_t d = 1; d <= 10; d++) {
        if (m->len < base + d)
            break;
        body = (uint32_t)(m->len - base - d);
        if (ndigits(body) == d)
            break;
    }
    n = snprintf(buf, sizeof buf, fmt, m->tag, host, body);
    if (out)
        memcpy(out, buf, (size_t)n);
    return (size_t)n;
}

static void fill_plain(unsigned char *dst, uint32_t pos, uint32_t len, uint32_t tag)
{
    while (len) {
        uint32_t o = (pos + tag) & (FILLSZ - 1);
        uint32_t k = len < 2048 ? len : 2048;
        memcpy(dst, fill_tab + o, k);
        dst += k;
        pos += k;
        len -= k;
    }
}

static void fill_payload(const sess_t *s, const msg_t *m, uint32_t off, uint32_t len, unsigned char *dst)
{
    if (m->type == M_TLS) {
        uint32_t nfull = m->len / TLS_REC, rem = m->len % TLS_REC;
        while (len) {
            uint32_t r = off / TLS_REC, ro = off % TLS_REC;
            uint32_t rlen = r < nfull ? TLS_REC : rem;
            uint32_t k = rlen - ro;
            if (k > len)
                k = len;
            if (ro < 5) {
                unsigned char h[5] = { 0x17, 0x03, 0x03, (unsigned char)((rlen - 5) >> 8), (unsigned char)(rlen - 5) };
                uint32_t hk = 5 - ro < k ? 5 - ro : k;
                memcpy(dst, h + ro, hk);
                if (k > hk)
                    fill_plain(dst + hk, off + hk, k - hk, m->tag);
            } else {
                fill_plain(dst, off, k, m->tag);
            }
            dst += k;
            off += k;
            len -= k;
        }
        return;
    }
    if (off < m->hlen) {
        char hdr[2048];
        http_header(s, m, hdr);
        uint32_t k = m->hlen - off < len ? m->hlen - off : len;
        memcpy(dst, hdr + off, k);
        dst += k;
        off += k;
        len -= k;
    }
    if (len)
        fill_plain(dst, off, len, m->tag);
}

/* --------------------------------------------------------------- stats */

static struct {
    uint64_t bytes, tcp_pkts, udp_pkts, retx, v6_pkts;
    uint64_t kinds[5], v6_conns;
    uint32_t max_active;
} st;

/* --------------------------------------------------------------- scripts */

typedef struct {
    sess_t *s;
    uint64_t t;            /* time of the last appended event */
    uint32_t snd[2];       /* next sequence number each side sends */
    uint32_t rcv[2];       /* what each side has received (its ack value) */
    uint32_t acked[2];     /* last ack value each side has sent */
    uint32_t cwnd[2];
    uint64_t rtt, last_data_t[2];
} bld_t;

static void ev_push(sess_t *s, const ev_t *e)
{
    if (s->nev == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->ev = realloc(s->ev, s->cap * sizeof *s->ev);
        if (!s->ev)
            die("out of memory");
    }
    s->ev[s->nev++] = *e;
}

/* append an event at time >= t (strictly after the previous one) */
static void app(bld_t *b, uint64_t t, int dir, uint8_t flags, uint32_t seq, uint32_t ack,
                uint16_t len, uint8_t msg, uint32_t moff, uint8_t opt)
{
    if (t <= b->t)
        t = b->t + 1;
    b->t = t;
    ev_t e = { t, seq, ack, moff, len, (uint8_t)dir, flags, msg, opt };
    ev_push(b->s, &e);
    if (flags & F_ACK)
        b->acked[dir] = ack;
    if (len)
        b->last_data_t[dir] = t;
}

static uint16_t mss_eff(const bld_t *b, int dir)
{
    /* the peer's announced MSS minus the 12 bytes of timestamp option */
    return (uint16_t)(b->s->mss[!dir] - 12);
}

/* pure ACK from dir for everything it has received, unless already sent */
static void pure_ack(bld_t *b, uint64_t t, int dir)
{
    if (b->acked[dir] == b->rcv[dir])
        return;
    app(b, t, dir, F_ACK, b->snd[dir], b->rcv[dir], 0, 0, 0, O_TS);
}

typedef struct {
    uint64_t t;
    uint32_t ord;
    ev_t e;
} fev_t;

static int fev_cmp(const void *a, const void *b)
{
    const fev_t *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

#define P_RETX 120000 /* per million, per flight end */

/* Sends message msgi (len bytes) from dir starting at time start, in
 * slow-start flights; the receiver ACKs every second segment and the end of
 * every flight but the last (whose ACK is only sent if final_ack). */
static void send_msg(bld_t *b, int dir, uint32_t len, uint8_t msgi, uint64_t start, int final_ack)
{
    int rd = !dir;
    uint32_t base = b->snd[dir], off = 0;
    uint16_t mss = mss_eff(b, dir);
    /* as seen from the client-side capture point: server data is ACKed by
     * the client almost at once; client data is ACKed one RTT later */
    uint64_t ack_delay_min = dir == S2C ? 4 : b->rtt, ack_delay_max = dir == S2C ? 40 : b->rtt + b->rtt / 8 + 2;
    uint64_t next_delay = dir == S2C ? b->rtt : 8;
    uint64_t rto = 200000 + b->rtt;
    static fev_t fe[256];

    while (off < len) {
        uint32_t w = b->cwnd[dir], nfe = 0, ord = 0, unacked = 0;
        uint64_t ts = start > b->t ? start : b->t + 1, last_ack_t = ts;
        for (uint32_t i = 0; i < w && off < len; i++) {
            uint16_t sl = (uint16_t)(len - off < mss ? len - off : mss);
            int last_msg = off + sl == len, last_flight = last_msg || i + 1 == w;
            uint8_t fl = F_ACK | (last_msg ? F_PSH : 0);
            fe[nfe++] = (fev_t){ ts, ord++, { 0, base + off, b->rcv[dir], off, sl, (uint8_t)dir, fl, msgi, O_TS } };
            uint64_t seen = ts;
            if (last_flight && rnd_chance(P_RETX)) {
                seen = ts + rto + rnd_range(0, 20000);
                fe[nfe++] = (fev_t){ seen, ord++, { 0, base + off, b->rcv[dir], off, sl, (uint8_t)dir, fl, msgi, O_TS } };
                st.retx++;
            }
            unacked++;
            uint32_t end = base + off + sl;
            if (unacked == 2 || (last_flight && (!last_msg || final_ack))) {
                uint64_t at = seen + rnd_range((uint32_t)ack_delay_min, (uint32_t)ack_delay_max);
                fe[nfe++] = (fev_t){ at, ord++, { 0, 0, end, 0, 0, (uint8_t)rd, F_ACK, 0, O_TS } };
                unacked = 0;
                if (at > last_ack_t)
                    last_ack_t = at;
            }
            ts += 1 + (sl + 66) / 128; /* ~1 Gbit/s serialisation */
            off += sl;
        }
        qsort(fe, nfe, sizeof *fe, fev_cmp);
        for (uint32_t i = 0; i < nfe; i++) {
            ev_t *e = &fe[i].e;
            if (e->len == 0) { /* receiver ACK: its own seq, ack as computed */
                b->rcv[rd] = e->ack;
                pure_ack(b, fe[i].t, rd);
            } else {
                app(b, fe[i].t, e->dir, e->flags, e->seq, e->ack, e->len, e->msg, e->moff, O_TS);
            }
        }
        if (b->cwnd[dir] < 64)
            b->cwnd[dir] *= 2;
        if (b->cwnd[dir] > 64)
            b->cwnd[dir] = 64;
        start = (last_ack_t > b->t ? last_ack_t : b->t) + next_delay;
    }
    b->snd[dir] = base + len;
    b->rcv[rd] = base + len;
}

static uint32_t resp_size(void)
{
    uint32_t r = rnd_below(1000);
    if (r < 560) return rnd_range(250, 1400);
    if (r < 860) return rnd_range(1500, 15000);
    if (r < 985) return (uint32_t)rnd_logu(15000, 150000);
    return (uint32_t)rnd_logu(150000, 600000);
}

static uint8_t add_msg(sess_t *s, uint8_t type, uint32_t len)
{
    msg_t *m = &s->msgs[s->nmsg];
    m->type = type;
    m->tag = (uint32_t)rnd();
    if (type == M_TLS) {
        uint32_t rem = len % TLS_REC;
        if (rem && rem < 6)
            len += 6;
        m->len = len;
        m->hlen = 0;
    } else {
        m->len = len;
        m->hlen = 0;
        size_t h = http_header(s, m, NULL);
        if (type == M_GET || h > len)
            m->len = (uint32_t)h; /* GET is all header; others at least header */
        m->hlen = (uint32_t)h;
    }
    return (uint8_t)s->nmsg++;
}

static uint64_t think_time(void)
{
    uint32_t r = rnd_below(100);
    if (r < 70) return rnd_logu(50, 5000);
    if (r < 95) return rnd_logu(5000, 200000);
    return rnd_logu(200000, 2000000);
}

static uint64_t rtt_pick(void)
{
    uint32_t r = rnd_below(100);
    if (r < 30) return rnd_logu(200, 2000);
    if (r < 80) return rnd_logu(5000, 60000);
    return rnd_logu(60000, 250000);
}

/* delayed ACK (40 ms) from dir if it owes one and nothing is sent before */
static void maybe_delayed_ack(bld_t *b, int dir, uint64_t next_t)
{
    uint64_t when = b->last_data_t[!dir] + 40000;
    if (b->acked[dir] != b->rcv[dir] && when < next_t)
        pure_ack(b, when, dir);
}

static uint64_t conn_seq;

/* Picks the connection's endpoints and parameters, then sends the SYN and,
 * unless the connection is half-open or refused, the SYN-ACK and the ACK.
 * Returns 1 when the handshake completed. */
static int tcp_open(bld_t *b, sess_t *s, uint64_t t0, int kind)
{
    uint64_t k = conn_seq++;
    uint32_t ci = (uint32_t)((k * 2654435761u) & (NCLI - 1));
    s->ci = ci;
    s->cport = (uint16_t)(32768 + ((k / NCLI) + cli_off[ci]) % 28232);
    s->v6 = (uint8_t)client_v6(ci);
    s->si = rnd_below(NSRV);
    s->port80 = rnd_below(10) < 3;
    s->sport = s->port80 ? 80 : 443;
    s->ttl_s = (uint8_t)rnd_range(48, 60);
    s->mss[C2S] = s->v6 ? 1440 : 1460;
    s->mss[S2C] = s->v6 ? 1440 : (rnd_below(4) ? 1460 : 1400);
    s->wscale[C2S] = 7;
    s->wscale[S2C] = (uint8_t)(rnd_below(2) ? 7 : 9);
    s->win[C2S] = (uint16_t)rnd_range(2000, 4000);           /* x128: 256-512 KB */
    s->win[S2C] = (uint16_t)(s->wscale[S2C] == 7 ? rnd_range(2000, 4000) : rnd_range(500, 1000));
    s->tsbase[C2S] = (uint32_t)rnd();
    s->tsbase[S2C] = (uint32_t)rnd();
    s->flow[C2S] = (uint32_t)rnd() & 0xfffff;
    s->flow[S2C] = (uint32_t)rnd() & 0xfffff;
    s->ipid[C2S] = (uint16_t)rnd();
    s->ipid[S2C] = (uint16_t)rnd();
    st.kinds[kind]++;
    if (s->v6)
        st.v6_conns++;

    memset(b, 0, sizeof *b);
    b->s = s;
    b->t = t0 - 1;
    b->rtt = rtt_pick();
    b->cwnd[C2S] = b->cwnd[S2C] = 10;
    uint32_t isn_c = (uint32_t)rnd(), isn_s = (uint32_t)rnd();
    b->snd[C2S] = isn_c;

    app(b, t0, C2S, F_SYN, isn_c, 0, 0, 0, 0, O_SYN);
    b->snd[C2S] = isn_c + 1;
    b->rcv[S2C] = isn_c + 1;
    if (kind == K_HALFOPEN)
        return 0;
    if (kind == K_REFUSED) {
        app(b, b->t + b->rtt, S2C, F_RST | F_ACK, 0, isn_c + 1, 0, 0, 0, O_NONE);
        return 0;
    }
    app(b, b->t + b->rtt, S2C, F_SYN | F_ACK, isn_s, isn_c + 1, 0, 0, 0, O_SYN);
    b->snd[S2C] = isn_s + 1;
    b->rcv[C2S] = isn_s + 1;
    app(b, b->t + rnd_range(5, 60), C2S, F_ACK, isn_c + 1, isn_s + 1, 0, 0, 0, O_TS);
    return 1;
}

/* Four-way FIN close at time next: the client closes first 75% of the time,
 * otherwise the server does (keep-alive timeout). Always four packets. */
static void tcp_fin_close(bld_t *b, uint64_t next)
{
    if (rnd_below(100) < 75) { /* client closes */
        app(b, next, C2S, F_FIN | F_ACK, b->snd[C2S], b->rcv[C2S], 0, 0, 0, O_TS);
        b->snd[C2S]++;
        b->rcv[S2C] = b->snd[C2S];
        pure_ack(b, b->t + b->rtt, S2C);
        app(b, b->t + rnd_range(20, 1500), S2C, F_FIN | F_ACK, b->snd[S2C], b->rcv[S2C], 0, 0, 0, O_TS);
        b->snd[S2C]++;
        b->rcv[C2S] = b->snd[S2C];
        pure_ack(b, b->t + rnd_range(5, 60), C2S);
    } else { /* server closes (keep-alive timeout) */
        app(b, next, S2C, F_FIN | F_ACK, b->snd[S2C], b->rcv[S2C], 0, 0, 0, O_TS);
        b->snd[S2C]++;
        b->rcv[C2S] = b->snd[S2C];
        pure_ack(b, b->t + rnd_range(5, 60), C2S);
        app(b, b->t + rnd_range(50, 2000), C2S, F_FIN | F_ACK, b->snd[C2S], b->rcv[C2S], 0, 0, 0, O_TS);
        b->snd[C2S]++;
        b->rcv[S2C] = b->snd[C2S];
        pure_ack(b, b->t + b->rtt, S2C);
    }
}

static void build_tcp(sess_t *s, uint64_t t0, int kind)
{
    bld_t b;
    if (!tcp_open(&b, s, t0, kind))
        return;

    uint32_t nex = 1;
    while (nex < MAXEXCH && rnd_below(100) < 62)
        nex++;
    if (kind == K_RESET)
        nex = rnd_below(4); /* 0..3 exchanges, then RST */

    uint64_t next = b.t + rnd_range(10, 300);
    for (uint32_t e = 0; e < nex; e++) {
        /* request */
        maybe_delayed_ack(&b, C2S, next);
        uint32_t rq;
        uint8_t rtype;
        if (rnd_below(100) < 5) {
            rq = (uint32_t)rnd_logu(2000, 60000);
            rtype = s->port80 ? M_POST : M_TLS;
        } else {
            rq = rnd_range(90, 900);
            rtype = s->port80 ? M_GET : M_TLS;
        }
        uint8_t mi = add_msg(s, rtype, rq);
        uint64_t srv = rnd_below(10) < 8 ? rnd_logu(50, 20000) : rnd_logu(20000, 300000);
        send_msg(&b, C2S, s->msgs[mi].len, mi, next, srv > 40000);
        /* response */
        uint64_t rstart = b.last_data_t[C2S] + b.rtt + srv;
        uint8_t ri = add_msg(s, s->port80 ? M_RESP : M_TLS, resp_size());
        send_msg(&b, S2C, s->msgs[ri].len, ri, rstart, 0);
        next = b.t + think_time();
    }

    maybe_delayed_ack(&b, C2S, next);
    if (kind == K_RESET) {
        int d = rnd_below(10) < 6 ? C2S : S2C;
        app(&b, next, d, F_RST | F_ACK, b.snd[d], b.rcv[d], 0, 0, 0, O_NONE);
        return;
    }
    tcp_fin_close(&b, next);
}

/* -S: a short session of exactly SHORT_PKTS packets. Handshake (3), one
 * single-segment request (1), a single-segment response that ACKs it (1),
 * the client's ACK of the response (1), a four-way FIN close (4). No
 * retransmissions, so connections = packets / SHORT_PKTS. */
#define SHORT_PKTS 10

static void build_short_tcp(sess_t *s, uint64_t t0)
{
    bld_t b;
    tcp_open(&b, s, t0, K_NORMAL);
    uint8_t mi = add_msg(s, s->port80 ? M_GET : M_TLS, rnd_range(90, 900));
    uint32_t rq = s->msgs[mi].len;
    app(&b, b.t + rnd_range(10, 300), C2S, F_PSH | F_ACK, b.snd[C2S], b.rcv[C2S], (uint16_t)rq, mi, 0, O_TS);
    b.snd[C2S] += rq;
    b.rcv[S2C] = b.snd[C2S];
    /* at most 1406 bytes (TLS padding): one segment for either MSS */
    uint8_t ri = add_msg(s, s->port80 ? M_RESP : M_TLS, rnd_range(250, 1400));
    uint32_t rs = s->msgs[ri].len;
    uint64_t srv = rnd_logu(50, 20000);
    app(&b, b.t + b.rtt + srv, S2C, F_PSH | F_ACK, b.snd[S2C], b.rcv[S2C], (uint16_t)rs, ri, 0, O_TS);
    b.snd[S2C] += rs;
    b.rcv[C2S] = b.snd[S2C];
    pure_ack(&b, b.t + rnd_range(4, 40), C2S);
    tcp_fin_close(&b, b.t + think_time());
}

static void build_dns(sess_t *s, uint64_t t0)
{
    s->ci = rnd_below(NCLI);
    s->v6 = (uint8_t)client_v6(s->ci);
    s->si = rnd_below(NSRV);
    do /* skip 33400-33599: tshark takes those for traceroute probes */
        s->cport = (uint16_t)rnd_range(32768, 60999);
    while (s->cport >= 33400 && s->cport < 33600);
    s->sport = 53;
    s->dnsid = (uint16_t)rnd();
    s->dns_ttl = rnd_range(30, 3600);
    s->ttl_s = 64;
    s->ipid[C2S] = (uint16_t)rnd();
    s->ipid[S2C] = (uint16_t)rnd();
    s->flow[C2S] = (uint32_t)rnd() & 0xfffff;
    s->flow[S2C] = (uint32_t)rnd() & 0xfffff;
    st.kinds[K_DNS]++;
    ev_t q = { t0, 0, 0, 0, 0, C2S, 0, 0, 0 };
    ev_push(s, &q);
    ev_t r = { t0 + rnd_logu(300, 40000), 0, 0, 0, 0, S2C, 0, 0, 0 };
    ev_push(s, &r);
}

/* ------------------------------------------------------------- emission */

static unsigned char *frame_begin(void)
{
    if (olen + 2048 > OUTBUF)
        oflush();
    return obuf + olen + 16;
}

static void frame_end(uint64_t t, size_t len)
{
    unsigned char *h = obuf + olen;
    le32(h, (uint32_t)(BASE_SEC + t / 1000000));
    le32(h + 4, (uint32_t)(t % 1000000));
    le32(h + 8, (uint32_t)len);
    le32(h + 12, (uint32_t)len);
    olen += 16 + len;
    st.bytes += len;
}

/* writes Ethernet + IP headers; returns pointer to L4 header and the
 * pseudo-header checksum seed */
static unsigned char *put_l2l3(sess_t *s, int dir, unsigned char *f, uint32_t l4len, uint8_t proto, uint64_t *pseudo)
{
    unsigned char cmac[6] = { 0x02, 0x00, 0x5e, 0x10, (unsigned char)(s->ci >> 8), (unsigned char)s->ci };
    memcpy(f, dir == C2S ? gw_mac : cmac, 6);
    memcpy(f + 6, dir == C2S ? cmac : gw_mac, 6);
    uint8_t ttl = dir == C2S ? 64 : s->ttl_s;
    if (s->v6) {
        put16(f + 12, 0x86dd);
        unsigned char *ip = f + 14;
        put32(ip, 0x60000000u | s->flow[dir]);
        put16(ip + 4, l4len);
        ip[6] = proto;
        ip[7] = ttl;
        unsigned char ca[16], sa[16];
        cli_v6(s->ci, ca);
        if (s->kind == K_DNS)
            memcpy(sa, dns_v6, 16);
        else
            srv_v6(s->si, sa);
        memcpy(ip + 8, dir == C2S ? ca : sa, 16);
        memcpy(ip + 24, dir == C2S ? sa : ca, 16);
        unsigned char ph[8];
        put32(ph, l4len);
        put32(ph + 4, proto);
        *pseudo = csum_add(csum_add(0, ip + 8, 32), ph, 8);
        return ip + 40;
    }
    put16(f + 12, 0x0800);
    unsigned char *ip = f + 14;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, 20 + l4len);
    put16(ip + 4, s->ipid[dir]++);
    put16(ip + 6, 0x4000);
    ip[8] = ttl;
    ip[9] = proto;
    ip[10] = ip[11] = 0;
    uint32_t ca = cli_v4(s->ci), sa = s->kind == K_DNS ? dns_v4 : srv_v4(s->si);
    put32(ip + 12, dir == C2S ? ca : sa);
    put32(ip + 16, dir == C2S ? sa : ca);
    csum_store(ip + 10, csum_add(0, ip, 20));
    unsigned char ph[4] = { 0, proto, (unsigned char)(l4len >> 8), (unsigned char)l4len };
    *pseudo = csum_add(csum_add(0, ip + 12, 8), ph, 4);
    return ip + 20;
}

static size_t dns_qname(const sess_t *s, unsigned char *out)
{
    char name[96];
    size_t n = server_name(s->si, name), o = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || name[i] == '.') {
            out[o++] = (unsigned char)(i - start);
            memcpy(out + o, name + start, i - start);
            o += i - start;
            start = i + 1;
        }
    }
    out[o++] = 0;
    return o;
}

static void emit_dns(sess_t *s, const ev_t *e)
{
    unsigned char msg[512];
    put16(msg, s->dnsid);
    put16(msg + 2, e->dir == C2S ? 0x0100 : 0x8180);
    put16(msg + 4, 1);
    put16(msg + 6, e->dir == C2S ? 0 : 1);
    put16(msg + 8, 0);
    put16(msg + 10, 0);
    size_t n = 12 + dns_qname(s, msg + 12);
    put16(msg + n, 1);      /* A */
    put16(msg + n + 2, 1);  /* IN */
    n += 4;
    if (e->dir == S2C) {
        put16(msg + n, 0xc00c);
        put16(msg + n + 2, 1);
        put16(msg + n + 4, 1);
        put32(msg + n + 6, s->dns_ttl);
        put16(msg + n + 10, 4);
        put32(msg + n + 12, srv_v4(s->si));
        n += 16;
    }
    unsigned char *f = frame_begin();
    uint64_t acc;
    uint32_t l4 = (uint32_t)(8 + n);
    unsigned char *u = put_l2l3(s, e->dir, f, l4, 17, &acc);
    put16(u, e->dir == C2S ? s->cport : 53);
    put16(u + 2, e->dir == C2S ? 53 : s->cport);
    put16(u + 4, l4);
    u[6] = u[7] = 0;
    memcpy(u + 8, msg, n);
    csum_store(u + 6, csum_add(acc, u, l4));
    if (u[6] == 0 && u[7] == 0)
        u[6] = u[7] = 0xff;
    frame_end(e->t, (size_t)(u + l4 - f));
    st.udp_pkts++;
}

static void emit_tcp(sess_t *s, const ev_t *e)
{
    int d = e->dir;
    uint32_t optlen = e->opt == O_SYN ? 20 : e->opt == O_TS ? 12 : 0;
    uint32_t l4 = 20 + optlen + e->len;
    unsigned char *f = frame_begin();
    uint64_t acc;
    unsigned char *t = put_l2l3(s, d, f, l4, 6, &acc);
    put16(t, d == C2S ? s->cport : s->sport);
    put16(t + 2, d == C2S ? s->sport : s->cport);
    put32(t + 4, e->seq);
    put32(t + 8, e->ack);
    t[12] = (unsigned char)(((20 + optlen) / 4) << 4);
    t[13] = e->flags;
    uint16_t win;
    if (e->flags & F_RST)
        win = 0;
    else if (e->flags & F_SYN)
        win = d == C2S ? (s->v6 ? 64800 : 64240) : 65160;
    else
        win = s->win[d];
    put16(t + 14, win);
    t[16] = t[17] = 0;
    t[18] = t[19] = 0;
    uint32_t tsval = s->tsbase[d] + (uint32_t)((e->t - s->t0) / 1000);
    unsigned char *o = t + 20;
    if (e->opt == O_SYN) {
        o[0] = 2; o[1] = 4; put16(o + 2, s->mss[d]);
        o[4] = 4; o[5] = 2;
        o[6] = 8; o[7] = 10; put32(o + 8, tsval); put32(o + 12, (e->flags & F_ACK) ? s->lasttsval[!d] : 0);
        o[16] = 1;
        o[17] = 3; o[18] = 3; o[19] = s->wscale[d];
    } else if (e->opt == O_TS) {
        o[0] = 1; o[1] = 1; o[2] = 8; o[3] = 10;
        put32(o + 4, tsval);
        put32(o + 8, s->lasttsval[!d]);
    }
    if (optlen)
        s->lasttsval[d] = tsval;
    if (e->len)
        fill_payload(s, &s->msgs[e->msg], e->moff, e->len, t + 20 + optlen);
    csum_store(t + 16, csum_add(acc, t, l4));
    frame_end(e->t, (size_t)(t + l4 - f));
    st.tcp_pkts++;
}

/* ------------------------------------------------------------------ heap */

static sess_t **heap;
static uint32_t hn;

static inline uint64_t hkey(const sess_t *s) { return s->ev[s->pos].t; }

static void hpush(sess_t *s)
{
    uint32_t i = hn++;
    uint64_t k = hkey(s);
    while (i) {
        uint32_t p = (i - 1) / 2;
        if (hkey(heap[p]) <= k)
            break;
        heap[i] = heap[p];
        i = p;
    }
    heap[i] = s;
}

static void hsift_top(void)
{
    sess_t *s = heap[0];
    uint64_t k = hkey(s);
    uint32_t i = 0;
    for (;;) {
        uint32_t l = 2 * i + 1, m = i;
        uint64_t mk = k;
        if (l < hn && hkey(heap[l]) < mk) { m = l; mk = hkey(heap[l]); }
        if (l + 1 < hn && hkey(heap[l + 1]) < mk) { m = l + 1; }
        if (m == i)
            break;
        heap[i] = heap[m];
        i = m;
    }
    heap[i] = s;
}

static sess_t *hpop(void)
{
    sess_t *top = heap[0];
    if (--hn) {
        heap[0] = heap[hn];
        hsift_top();
    }
    return top;
}

/* ------------------------------------------------------------------ main */

static sess_t *free_list;
static int short_sessions; /* -S */

static sess_t *sess_alloc(void)
{
    sess_t *s = free_list;
    if (s) {
        free_list = s->next_free;
    } else {
        s = calloc(1, sizeof *s);
        if (!s)
            die("out of memory");
    }
    ev_t *ev = s->ev;
    uint32_t cap = s->cap;
    memset(s, 0, sizeof *s);
    s->ev = ev;
    s->cap = cap;
    return s;
}

static void sess_free(sess_t *s)
{
    s->next_free = free_list;
    free_list = s;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen-pcap -o FILE [-n PACKETS] [-c CONNECTIONS] [-s SEED] [-S]\n"
                    "  -n  packets to write (default 2000000)\n"
                    "  -c  sessions kept concurrently active (default 20000)\n"
                    "  -s  random seed (default 1); same arguments give an identical file\n"
                    "  -S  short sessions only: every session a 10-packet TCP connection\n"
                    "      (handshake, one request, one response, FIN close)\n");
    exit(2);
}

static uint64_t parse_u64(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') {
        fprintf(stderr, "gen-pcap: bad %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    uint64_t npkts = 2000000, nconc = 20000, seed = 1;
    int c;
    while ((c = getopt(argc, argv, "o:n:c:s:Sh")) != -1) {
        switch (c) {
        case 'o': opath = optarg; break;
        case 'n': npkts = parse_u64(optarg, "packet count"); break;
        case 'c': nconc = parse_u64(optarg, "connection count"); break;
        case 's': seed = parse_u64(optarg, "seed"); break;
        case 'S': short_sessions = 1; break;
        default: usage();
        }
    }
    if (!opath || optind != argc)
        usage();
    if (npkts < 1 || nconc < 1 || nconc > 10000000)
        die("-n and -c must be >= 1 (and -c <= 10000000)");

    rng_state = mix64(seed ^ UINT64_C(0x6a09e667f3bcc908));
    {
        uint64_t fs = 0x243f6a8885a308d3u;
        for (uint32_t i = 0; i < sizeof fill_tab; i++)
            fill_tab[i] = (unsigned char)(splitmix64(&fs) >> 56);
        for (uint32_t i = 0; i < NCLI; i++)
            cli_off[i] = (uint32_t)(mix64(seed * 131 + i) % 28232);
    }

    obuf = malloc(OUTBUF);
    heap = malloc(sizeof *heap * (size_t)(nconc + 1));
    if (!obuf || !heap)
        die("out of memory");
    ofp = strcmp(opath, "-") ? fopen(opath, "wb") : stdout;
    if (!ofp) {
        fprintf(stderr, "gen-pcap: %s: %s\n", opath, strerror(errno));
        return 1;
    }

    unsigned char gh[24];
    le32(gh, 0xa1b2c3d4u);
    gh[4] = 2; gh[5] = 0; gh[6] = 4; gh[7] = 0;
    le32(gh + 8, 0);
    le32(gh + 12, 0);
    le32(gh + 16, 262144);
    le32(gh + 20, 1);
    memcpy(obuf, gh, 24);
    olen = 24;

    uint64_t emitted = 0, pending = 0, next_arrival = 0, now = 0;
    uint32_t active = 0;
    /* mean gap between session starts: sessions last ~0.2 s on average, so
     * this rate keeps about -c of them active (Little's law), the -c cap
     * binding in steady state */
    const uint64_t arrival_mean = nconc >= 160000 ? 1 : 160000 / nconc;

    while (emitted < npkts) {
        uint64_t freeb = npkts - emitted - pending;
        if (freeb > 0 && active < nconc && (hn == 0 || next_arrival <= hkey(heap[0]))) {
            uint64_t t0 = next_arrival > now ? next_arrival : now;
            next_arrival = t0 + rnd_exp(arrival_mean);
            sess_t *s = NULL;
            for (int attempt = 0; attempt < 4 && !s; attempt++) {
                s = sess_alloc();
                uint32_t r = rnd_below(1000);
                uint64_t save_seq = conn_seq;
                int kind = r < 615 ? K_DNS : r < 930 ? K_NORMAL : r < 955 ? K_RESET : r < 980 ? K_REFUSED : K_HALFOPEN;
                if (short_sessions)
                    kind = K_NORMAL;
                s->kind = (uint8_t)kind;
                s->t0 = t0;
                uint64_t saved_kinds[5], saved_retx = st.retx, saved_v6 = st.v6_conns;
                memcpy(saved_kinds, st.kinds, sizeof saved_kinds);
                if (short_sessions)
                    build_short_tcp(s, t0);
                else if (kind == K_DNS)
                    build_dns(s, t0);
                else
                    build_tcp(s, t0, kind);
                if (s->nev > freeb) { /* does not fit in the packet budget */
                    conn_seq = save_seq;
                    memcpy(st.kinds, saved_kinds, sizeof saved_kinds);
                    st.retx = saved_retx;
                    st.v6_conns = saved_v6;
                    sess_free(s);
                    s = NULL;
                }
            }
            if (!s) { /* filler: a DNS pair, or a lone SYN */
                s = sess_alloc();
                s->t0 = t0;
                if (freeb >= 2) {
                    s->kind = K_DNS;
                    build_dns(s, t0);
                } else {
                    s->kind = K_HALFOPEN;
                    build_tcp(s, t0, K_HALFOPEN);
                }
            }
            pending += s->nev;
            active++;
            if (active > st.max_active)
                st.max_active = active;
            hpush(s);
            continue;
        }
        sess_t *s = heap[0];
        const ev_t *e = &s->ev[s->pos];
        now = e->t;
        if (s->kind == K_DNS)
            emit_dns(s, e);
        else
            emit_tcp(s, e);
        if (s->v6)
            st.v6_pkts++;
        emitted++;
        pending--;
        if (++s->pos == s->nev) {
            hpop();
            active--;
            sess_free(s);
        } else {
            hsift_top();
        }
    }
    oflush();
    if (ofp != stdout && fclose(ofp) != 0) {
        fprintf(stderr, "gen-pcap: close %s: %s\n", opath, strerror(errno));
        return 1;
    }

    uint64_t tcpc = st.kinds[K_NORMAL] + st.kinds[K_RESET] + st.kinds[K_REFUSED] + st.kinds[K_HALFOPEN];
    fprintf(stderr,
            "gen-pcap: %s: %" PRIu64 " packets, %" PRIu64 " bytes of frames, %.3f s of traffic\n"
            "gen-pcap: tcp: %" PRIu64 " packets, %" PRIu64 " connections (%" PRIu64 " FIN-closed, %" PRIu64
            " reset, %" PRIu64 " refused, %" PRIu64 " half-open; %" PRIu64 " over IPv6)\n"
            "gen-pcap: tcp retransmissions: %" PRIu64 " (%.2f%% of packets)\n"
            "gen-pcap: dns: %" PRIu64 " query/response pairs, %" PRIu64 " packets (%.2f%%)\n"
            "gen-pcap: ipv6 packets: %" PRIu64 " (%.2f%%); peak concurrent sessions: %" PRIu32 "\n",
            opath, emitted, st.bytes, (double)now / 1e6,
            st.tcp_pkts, tcpc, st.kinds[K_NORMAL], st.kinds[K_RESET], st.kinds[K_REFUSED], st.kinds[K_HALFOPEN],
            st.v6_conns, st.retx, 100.0 * (double)st.retx / (double)emitted,
            st.kinds[K_DNS], st.udp_pkts, 100.0 * (double)st.udp_pkts / (double)emitted,
            st.v6_pkts, 100.0 * (double)st.v6_pkts / (double)emitted, st.max_active);
    return 0;
}
