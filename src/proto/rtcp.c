/* RTP Control Protocol (RFC 3550 section 6): compound packets of sender and
 * receiver reports, source descriptions, BYE, APP, and the feedback
 * messages of RFC 4585 (generic) and extended reports (RFC 3611, generic).
 * Info text follows tshark 4.0. */
#include <string.h>

#include "proto.h"
#include "wirescope/sanitize.h"

#define RTCP_HDR_LEN 4
#define RTCP_MAX_PACKETS 32 /* packets walked per compound */
#define RTCP_MAX_ITEMS 64   /* SDES items walked per packet */

enum rtcp_type {
    RTCP_SR = 200,
    RTCP_RR = 201,
    RTCP_SDES = 202,
    RTCP_BYE = 203,
    RTCP_APP = 204,
    RTCP_RTPFB = 205,
    RTCP_PSFB = 206,
    RTCP_XR = 207,
};

static const struct tok type_names[] = {
    {RTCP_SR, "Sender Report"},
    {RTCP_RR, "Receiver Report"},
    {RTCP_SDES, "Source description"},
    {RTCP_BYE, "Goodbye"},
    {RTCP_APP, "Application specific"},
    {RTCP_RTPFB, "Generic RTP Feedback"},
    {RTCP_PSFB, "Payload-specific Feedback"},
    {RTCP_XR, "Extended report (RFC 3611)"},
    {0, NULL},
};

/* Payload-specific feedback message types (RFC 4585 6.3, RFC 5104). */
static const struct tok psfb_names[] = {
    {1, "PLI"},  {2, "SLI"},  {3, "RPSI"}, {4, "FIR"},
    {5, "TSTR"}, {6, "TSTN"}, {7, "VBCM"}, {15, "ALFB"},
    {0, NULL},
};

static const struct tok sdes_names[] = {
    {1, "CNAME"}, {2, "NAME"}, {3, "EMAIL"}, {4, "PHONE"},
    {5, "LOC"},   {6, "TOOL"}, {7, "NOTE"},  {8, "PRIV"},
    {0, NULL},
};

/* One packet of a compound: its header and its bytes. */
struct rtcp_pkt {
    uint32_t off;     /* absolute offset of the header */
    uint8_t count;    /* RC / SC / FMT / subtype (5 bits) */
    uint8_t pt;
    uint16_t words;   /* length field: 32-bit words minus one */
    bool padding;
    bool version_ok;
};

static bool read_header(struct cursor *c, struct rtcp_pkt *h)
{
    h->off = cur_offset(c);
    uint8_t b0 = cur_u8(c);
    h->pt = cur_u8(c);
    h->words = cur_be16(c);
    h->padding = b0 & 0x20;
    h->count = b0 & 0x1f;
    h->version_ok = b0 >> 6 == 2;
    return cur_ok(c);
}

static size_t packet_bytes(const struct rtcp_pkt *h)
{
    return ((size_t)h->words + 1) * 4;
}

/*
 * RTCP by content: version 2, a first packet type of 200-207, and packet
 * lengths that walk to exactly the end of the datagram (every header
 * captured).
 */
static bool rtcp_probe(const uint8_t *p, size_t n, const struct ws_packet *pkt,
                       bool on_port)
{
    (void)on_port;
    if (pkt->ip_proto != 17 || n < 8 || p[1] < RTCP_SR || p[1] > RTCP_XR)
        return false;
    size_t total = pkt->payload_len, at = 0;
    for (unsigned i = 0; at < total && i < RTCP_MAX_PACKETS; i++) {
        if (at + RTCP_HDR_LEN > n || p[at] >> 6 != 2)
            return false;
        if (p[at + 1] < 192 || p[at + 1] > 223)
            return false; /* not an RTCP packet type (RFC 5761) */
        at += ((size_t)(p[at + 2] << 8 | p[at + 3]) + 1) * 4;
    }
    return at == total;
}

/* --- per-type bodies --- */

static void report_block(struct ws_packet *pkt, struct cursor *c)
{
    uint32_t off = cur_offset(c);
    uint32_t ssrc = cur_be32(c);
    uint8_t fraction = cur_u8(c);
    uint32_t cum = (uint32_t)cur_u8(c) << 16;
    cum |= cur_be16(c);
    uint32_t ext_max = cur_be32(c);
    uint32_t jitter = cur_be32(c);
    uint32_t lsr = cur_be32(c);
    uint32_t dlsr = cur_be32(c);
    if (!cur_ok(c))
        return;
    int32_t lost = (cum & 0x800000) ? (int32_t)(cum | 0xff000000u) : (int32_t)cum;
    field_add(pkt, 2, "Source identifier", off, 4, "0x%08x (%u)", ssrc, ssrc);
    field_add(pkt, 2, "Fraction lost", off + 4, 1, "%u / 256", fraction);
    field_add(pkt, 2, "Cumulative number of packets lost", off + 5, 3, "%d", lost);
    field_add(pkt, 2, "Extended highest sequence number received", off + 8, 4,
              "%u (cycles %u, seq %u)", ext_max, ext_max >> 16, ext_max & 0xffff);
    field_add(pkt, 2, "Interarrival jitter", off + 12, 4, "%u", jitter);
    field_add(pkt, 2, "Last SR timestamp", off + 16, 4, "%u (0x%08x)", lsr, lsr);
    field_add(pkt, 2, "Delay since last SR timestamp", off + 20, 4,
              "%u (%u milliseconds)", dlsr, (unsigned)((uint64_t)dlsr * 1000 / 65536));
}

static void dissect_sr_rr(struct ws_packet *pkt, struct cursor *b,
                          const struct rtcp_pkt *h)
{
    if (h->pt == RTCP_SR) {
        uint32_t off = cur_offset(b);
        uint32_t msw = cur_be32(b), lsw = cur_be32(b);
        uint32_t rtp_ts = cur_be32(b), pkts = cur_be32(b), octets = cur_be32(b);
        if (!cur_ok(b))
            return;
        field_add(pkt, 2, "NTP timestamp", off, 8, "MSW %u, LSW %u", msw, lsw);
        field_add(pkt, 2, "RTP timestamp", off + 8, 4, "%u", rtp_ts);
        field_add(pkt, 2, "Sender's packet count", off + 12, 4, "%u", pkts);
        field_add(pkt, 2, "Sender's octet count", off + 16, 4, "%u", octets);
    }
    for (unsigned i = 0; i < h->count && cur_ok(b); i++)
        report_block(pkt, b);
}

static void sdes_chunk(struct ws_packet *pkt, struct cursor *b)
{
    uint32_t start = cur_offset(b);
    uint32_t ssrc = cur_be32(b);
    if (!cur_ok(b))
        return;
    field_add(pkt, 2, "Chunk SSRC", start, 4, "0x%08x", ssrc);
    for (unsigned i = 0; i < RTCP_MAX_ITEMS; i++) {
        uint32_t off = cur_offset(b);
        uint8_t type = cur_u8(b);
        if (!cur_ok(b) || type == 0)
            break; /* END: the chunk is padded to a word */
        uint8_t len = cur_u8(b);
        const uint8_t *text = cur_take(b, len);
        if (!text)
            return;
        if (pkt->want_fields) {
            char buf[300];
            struct textbuf tb;
            tb_init(&tb, buf, sizeof buf);
            sanitize_bytes(&tb, text, len, false);
            field_add(pkt, 3, tok_name(sdes_names, type), off, 2u + len, "%s", buf);
        }
    }
    uint32_t used = cur_offset(b) - start;
    cur_skip(b, (4 - used % 4) % 4);
}

static void dissect_bye(struct ws_packet *pkt, struct cursor *b,
                        const struct rtcp_pkt *h)
{
    for (unsigned i = 0; i < h->count; i++) {
        uint32_t off = cur_offset(b);
        uint32_t ssrc = cur_be32(b);
        if (!cur_ok(b))
            return;
        field_add(pkt, 2, "Identifier", off, 4, "0x%08x", ssrc);
    }
    if (cur_left(b) == 0)
        return;
    uint32_t off = cur_offset(b);
    uint8_t len = cur_u8(b);
    const uint8_t *text = cur_take(b, len);
    if (text && pkt->want_fields) {
        char buf[300];
        struct textbuf tb;
        tb_init(&tb, buf, sizeof buf);
        sanitize_bytes(&tb, text, len, false);
        field_add(pkt, 2, "Reason", off, 1u + len, "%s", buf);
    }
}

static void dissect_body(struct ws_packet *pkt, struct cursor *b,
                         const struct rtcp_pkt *h)
{
    uint32_t off = cur_offset(b);
    switch (h->pt) {
    case RTCP_SR:
    case RTCP_RR:
    case RTCP_APP:
    case RTCP_RTPFB:
    case RTCP_PSFB:
    case RTCP_XR: {
        uint32_t ssrc = cur_be32(b);
        if (cur_ok(b))
            field_add(pkt, 2, "Sender SSRC", off, 4, "0x%08x (%u)", ssrc, ssrc);
        break;
    }
    default:
        break;
    }
    if (h->pt == RTCP_SR || h->pt == RTCP_RR) {
        dissect_sr_rr(pkt, b, h);
    } else if (h->pt == RTCP_SDES) {
        for (unsigned i = 0; i < h->count && cur_left(b) > 0; i++)
            sdes_chunk(pkt, b);
    } else if (h->pt == RTCP_BYE) {
        dissect_bye(pkt, b, h);
    } else if (h->pt == RTCP_APP) {
        const uint8_t *name = cur_take(b, 4);
        if (name && pkt->want_fields) {
            char buf[20];
            struct textbuf tb;
            tb_init(&tb, buf, sizeof buf);
            sanitize_bytes(&tb, name, 4, false);
            field_add(pkt, 2, "Name (ASCII)", off + 4, 4, "%s", buf);
        }
    } else if (h->pt == RTCP_RTPFB || h->pt == RTCP_PSFB) {
        uint32_t media = cur_be32(b);
        if (cur_ok(b))
            field_add(pkt, 2, "Media source SSRC", off + 4, 4, "0x%08x", media);
    }
    if (cur_left(b) > 0)
        field_add(pkt, 2, "Data", cur_offset(b), (uint32_t)cur_left(b), "%zu bytes",
                  cur_left(b));
}

static void rtcp_summary(struct ws_packet *pkt, const struct rtcp_pkt *h,
                         const uint8_t *body, size_t have)
{
    struct ws_rtcp *r = &pkt->a.rtcp;
    if (r->npackets++ == 0) {
        r->pt = h->pt;
        if (have >= 4)
            r->ssrc = (uint32_t)body[0] << 24 | (uint32_t)body[1] << 16 |
                      (uint32_t)body[2] << 8 | body[3];
    }
}

/* One packet of the compound; false when the walk must stop. */
static bool dissect_one(struct ws_packet *pkt, struct ws_layer *l,
                        struct cursor *c)
{
    struct rtcp_pkt h;
    if (!read_header(c, &h)) {
        layer_fail(pkt, l, EV_TRUNCATED);
        return false;
    }
    field_add(pkt, 1, tok_name(type_names, h.pt), h.off, (uint32_t)packet_bytes(&h),
              "PT %u, count %u, length %u (%zu bytes)%s", h.pt, h.count, h.words,
              packet_bytes(&h), h.padding ? ", padding" : "");
    if (!h.version_ok) {
        layer_fail(pkt, l, EV_BAD_VERSION);
        return false;
    }
    struct cursor b = cur_sub(c, packet_bytes(&h) - RTCP_HDR_LEN);
    rtcp_summary(pkt, &h, b.p, cur_left(&b));
    dissect_body(pkt, &b, &h);
    if (!cur_ok(c)) {
        /* the length field runs past the datagram or the capture */
        layer_fail(pkt, l, EV_TRUNCATED);
        return false;
    }
    return true;
}

static enum ws_proto rtcp_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_RTCP, c);
    if (!l)
        return P_NONE;
    memset(&pkt->a.rtcp, 0, sizeof pkt->a.rtcp);
    if (cur_left(c) < pkt->payload_len)
        layer_fail(pkt, l, EV_TRUNCATED); /* datagram cut by the snaplen */
    for (unsigned i = 0; cur_left(c) > 0; i++) {
        if (i == RTCP_MAX_PACKETS) {
            layer_fail(pkt, l, EV_BAD_APP);
            cur_skip(c, cur_left(c));
            break;
        }
        if (!dissect_one(pkt, l, c))
            break;
    }
    layer_close(pkt, l, c);
    return P_NONE;
}

/* --- Info and JSON walk the headers again --- */

struct rtcp_walk {
    struct cursor c;
    unsigned n;
};

static void walk_init(struct rtcp_walk *w, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    w->c = cur_make(pkt->data, pkt->caplen);
    cur_skip(&w->c, l->off);
    w->c = cur_sub(&w->c, l->len);
    w->n = 0;
}

/* The next packet header and its body's first bytes (a cut body is
 * reported with have < the length). */
static bool walk_next(struct rtcp_walk *w, struct rtcp_pkt *h,
                      struct cursor *body)
{
    if (w->n >= RTCP_MAX_PACKETS || !read_header(&w->c, h))
        return false;
    w->n++;
    *body = cur_sub(&w->c, packet_bytes(h) - RTCP_HDR_LEN);
    return h->version_ok;
}

static void rtcp_info(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    struct rtcp_walk w;
    walk_init(&w, pkt, l);
    struct rtcp_pkt h;
    struct cursor b;
    while (walk_next(&w, &h, &b)) {
        const char *name = tok_find(type_names, h.pt);
        tb_puts(tb, name ? name : "Unknown");
        tb_puts(tb, "   ");
        if (h.pt == RTCP_APP && cur_skip(&b, 4) && cur_has(&b, 4)) {
            tb_puts(tb, "( ");
            sanitize_bytes(tb, b.p, 4, false);
            tb_puts(tb, " ) subtype=");
            tb_u64(tb, h.count);
        } else if (h.pt == RTCP_PSFB) {
            const char *fmt = tok_find(psfb_names, h.count);
            tb_puts(tb, fmt ? fmt : "Unknown");
            tb_puts(tb, "  ");
        }
    }
}

static void rtcp_json(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    struct rtcp_walk w;
    walk_init(&w, pkt, l);
    struct rtcp_pkt h;
    struct cursor b;
    tb_puts(tb, "\"packets\":[");
    for (bool first = true; walk_next(&w, &h, &b); first = false) {
        tb_puts(tb, first ? "{\"pt\":" : ",{\"pt\":");
        tb_u64(tb, h.pt);
        tb_puts(tb, ",\"count\":");
        tb_u64(tb, h.count);
        tb_puts(tb, ",\"ssrc\":");
        uint32_t ssrc = cur_be32(&b);
        if (cur_ok(&b)) {
            char hex[11];
            static const char digits[] = "0123456789abcdef";
            hex[0] = '0';
            hex[1] = 'x';
            for (int i = 0; i < 8; i++)
                hex[2 + i] = digits[ssrc >> (28 - 4 * i) & 15];
            hex[10] = 0;
            tb_json_str(tb, hex);
        } else {
            tb_puts(tb, "null");
        }
        tb_putc(tb, '}');
    }
    tb_putc(tb, ']');
}

static const struct app_hooks rtcp_hooks = {
    .transport = APP_UDP,
    .ports = NULL,
    .probe = rtcp_probe,
    .info = rtcp_info,
    .json = rtcp_json,
    .track = NULL,
};

const struct proto_desc proto_rtcp = {P_RTCP, "RTCP", "RTP Control Protocol",
                                      rtcp_dissect, &rtcp_hooks};
