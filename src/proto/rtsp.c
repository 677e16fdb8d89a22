/* Real Time Streaming Protocol 1.0 (RFC 2326): requests, replies, their
 * headers (Transport parsed per section 12.39), SDP bodies (RFC 4566) line
 * by line, and the interleaved binary frames of section 10.12 ($, channel,
 * 16-bit length, then an RTP or RTCP packet) that carry the media inside
 * the connection. One TCP segment at a time: a message or frame that goes
 * on in the next segment is decoded as far as it goes. The track hook
 * pairs requests and replies by CSeq and announces the RTP/RTCP flows a
 * SETUP reply negotiated. */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "proto.h"
#include "wirescope/sanitize.h"
#include "wirescope/tcp_analysis.h"

#define RTSP_MAX_LINES 96    /* header and SDP lines listed per segment */
#define RTSP_MAX_TRANSPORTS 8

static const uint16_t rtsp_ports[] = {554, 8554, 0};

static const char *const methods[] = {
    "OPTIONS", "DESCRIBE", "SETUP", "PLAY", "PAUSE", "TEARDOWN", "ANNOUNCE",
    "RECORD", "GET_PARAMETER", "SET_PARAMETER", "REDIRECT",
};

static size_t known_method_len(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        size_t m = strlen(methods[i]);
        if (n > m && memcmp(s, methods[i], m) == 0 && s[m] == ' ')
            return m;
    }
    return 0;
}

/* "RTSP/d.d ddd" */
static bool is_status_line(const uint8_t *s, size_t n)
{
    return n >= 12 && memcmp(s, "RTSP/", 5) == 0 && text_is_digit(s[5]) &&
           s[6] == '.' && text_is_digit(s[7]) && s[8] == ' ' && text_is_digit(s[9]) &&
           text_is_digit(s[10]) && text_is_digit(s[11]) && (n == 12 || s[12] == ' ');
}

/* A request line whose end is captured: METHOD SP URI SP RTSP/d.d */
static bool is_full_request_line(const uint8_t *s, size_t n)
{
    size_t m = known_method_len(s, n);
    if (!m || n < m + 1 + 1 + 9)
        return false;
    const uint8_t *v = s + n - 9;
    return v[0] == ' ' && memcmp(v + 1, "RTSP/", 5) == 0 && text_is_digit(v[6]) &&
           v[7] == '.' && text_is_digit(v[8]) && memchr(s + m + 1, ' ', n - m - 10) == NULL;
}

/* Where an RTSP message starts: a status line, or a request line of a
 * known method (whose end may be in the next segment). */
static bool starts_message(const uint8_t *p, size_t n)
{
    return (n >= 5 && memcmp(p, "RTSP/", 5) == 0) || known_method_len(p, n) > 0;
}

/*
 * By content (any port): a complete request line of a method of RFC 2326
 * ending in RTSP/d.d, or a status line RTSP/d.d ddd. On the RTSP ports
 * everything is taken, interleaved frames and continuations included.
 */
static bool rtsp_probe(const uint8_t *p, size_t n, const struct ws_packet *pkt,
                       bool on_port)
{
    (void)pkt;
    if (on_port)
        return true;
    size_t pos = 0;
    struct text_line ln;
    if (!text_next_line(p, n, &pos, &ln) || !ln.ended)
        return false;
    return is_status_line(p, ln.len) || is_full_request_line(p, ln.len);
}

/* --- the walk over a segment --- */

struct rtsp_walk {
    struct ws_packet *pkt;
    struct ws_layer *l;
    const uint8_t *p;
    size_t n;
    size_t i;
    uint32_t base;       /* absolute offset of p[0] */
    unsigned nlines;     /* line fields added */
    bool cut;            /* something runs past the captured bytes */
    bool first_done;     /* the segment's first item was seen */
    bool msg_done;       /* the summary holds the first message */
};

static uint32_t abs_off(const struct rtsp_walk *w, size_t rel)
{
    return w->base + (uint32_t)rel;
}

static bool header_is(const uint8_t *s, size_t name_len, const char *name)
{
    return name_len == strlen(name) && strncasecmp((const char *)s, name, name_len) == 0;
}

static bool parse_u32(const uint8_t *s, size_t n, uint32_t *v)
{
    uint64_t x = 0;
    if (n == 0 || n > 10)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!text_is_digit(s[i]))
            return false;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    if (x > UINT32_MAX)
        return false;
    *v = (uint32_t)x;
    return true;
}

static void trim(const uint8_t **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* "a-b" or "a": ports of a Transport parameter. */
static bool parse_port_range(const uint8_t *s, size_t n, uint32_t *lo,
                             uint32_t *hi)
{
    const uint8_t *dash = memchr(s, '-', n);
    size_t k = dash ? (size_t)(dash - s) : n;
    if (!parse_u32(s, k, lo) || *lo > 65535)
        return false;
    *hi = *lo;
    if (dash && (!parse_u32(dash + 1, n - k - 1, hi) || *hi > 65535))
        return false;
    return true;
}

/* One transport of a Transport header: spec;param;param=value... */
static void transport_fields(struct rtsp_walk *w, const uint8_t *s, size_t n,
                             uint32_t off)
{
    struct ws_packet *pkt = w->pkt;
    char buf[256];
    size_t i = 0;
    for (bool first = true; i <= n; first = false) {
        const uint8_t *semi = memchr(s + i, ';', n - i);
        size_t k = semi ? (size_t)(semi - (s + i)) : n - i;
        const uint8_t *item = s + i;
        size_t len = k;
        trim(&item, &len);
        uint32_t ioff = off + (uint32_t)(item - s);
        const uint8_t *eq = memchr(item, '=', len);
        size_t name_len = eq ? (size_t)(eq - item) : len;
        const uint8_t *val = eq ? eq + 1 : item + len;
        size_t val_len = eq ? len - name_len - 1 : 0;
        uint32_t lo, hi;
        if (first) {
            field_add(pkt, 3, "Transport spec", ioff, (uint32_t)len, "%s",
                      sanitize_text(buf, sizeof buf, item, len));
        } else if ((header_is(item, name_len, "client_port") ||
                    header_is(item, name_len, "server_port") ||
                    header_is(item, name_len, "interleaved") ||
                    header_is(item, name_len, "port")) && eq) {
            char name[16];
            if (!parse_port_range(val, val_len, &lo, &hi)) {
                field_add(pkt, 3, "Malformed", ioff, (uint32_t)len, "%s",
                          sanitize_text(buf, sizeof buf, item, len));
                layer_fail(pkt, w->l, EV_BAD_APP);
            } else {
                sanitize_text(name, sizeof name, item, name_len);
                field_add(pkt, 3, "Parameter", ioff, (uint32_t)len, "%s %u-%u",
                          name, lo, hi);
            }
        } else if (len) {
            field_add(pkt, 3, "Parameter", ioff, (uint32_t)len, "%s",
                      sanitize_text(buf, sizeof buf, item, len));
        }
        if (!semi)
            break;
        i += k + 1;
    }
}

static void transport_header(struct rtsp_walk *w, const uint8_t *v, size_t n,
                             uint32_t off)
{
    if (!w->pkt->want_fields)
        return;
    size_t i = 0;
    for (unsigned t = 0; t < RTSP_MAX_TRANSPORTS && i < n; t++) {
        const uint8_t *comma = memchr(v + i, ',', n - i);
        size_t k = comma ? (size_t)(comma - (v + i)) : n - i;
        field_add(w->pkt, 2, "Transport", off + (uint32_t)i, (uint32_t)k, "#%u", t + 1);
        transport_fields(w, v + i, k, off + (uint32_t)i);
        i += k + 1;
    }
}

/* What a message's headers tell the walk. */
struct rtsp_headers {
    bool has_length;
    uint32_t content_length;
    bool sdp;
};

static void header_line(struct rtsp_walk *w, const struct text_line *ln,
                        bool first_msg, struct rtsp_headers *h)
{
    struct ws_packet *pkt = w->pkt;
    struct ws_rtsp *r = &pkt->a.rtsp;
    const uint8_t *s = w->p + ln->off;
    const uint8_t *colon = memchr(s, ':', ln->len);
    size_t name_len = colon ? (size_t)(colon - s) : ln->len;
    const uint8_t *v = colon ? colon + 1 : s + ln->len;
    size_t vlen = colon ? ln->len - name_len - 1 : 0;
    trim(&v, &vlen);
    uint32_t voff = abs_off(w, (size_t)(v - w->p));
    char buf[512];
    const char *name = NULL; /* NULL: a header not decoded, shown whole */
    if (header_is(s, name_len, "CSeq")) {
        name = "CSeq";
        uint32_t cseq;
        if (!parse_u32(v, vlen, &cseq))
            layer_fail(pkt, w->l, EV_BAD_APP); /* CSeq = 1*DIGIT */
        else if (first_msg && !r->has_cseq) {
            r->cseq = cseq;
            r->has_cseq = true;
        }
    } else if (header_is(s, name_len, "Session")) {
        name = "Session";
        if (first_msg && !r->session_len) {
            const uint8_t *semi = memchr(v, ';', vlen); /* ;timeout= */
            r->session_off = voff;
            r->session_len = (uint16_t)(semi ? (size_t)(semi - v) : vlen);
        }
    } else if (header_is(s, name_len, "Transport")) {
        name = "Transport";
        if (first_msg && !r->transport_len) {
            r->transport_off = voff;
            r->transport_len = (uint16_t)(vlen < UINT16_MAX ? vlen : UINT16_MAX);
        }
    } else if (header_is(s, name_len, "Content-Length")) {
        name = "Content-Length";
        if (!parse_u32(v, vlen, &h->content_length))
            layer_fail(pkt, w->l, EV_BAD_APP);
        else
            h->has_length = true;
    } else if (header_is(s, name_len, "Content-Type")) {
        name = "Content-Type";
        h->sdp = vlen >= 15 && strncasecmp((const char *)v, "application/sdp", 15) == 0;
    } else if (header_is(s, name_len, "Public")) {
        name = "Public";
    } else if (header_is(s, name_len, "Range")) {
        name = "Range";
    }
    if (w->nlines++ >= RTSP_MAX_LINES)
        return;
    if (!name) {
        field_add(pkt, 1, "Header", abs_off(w, ln->off), (uint32_t)ln->len, "%s",
                  sanitize_text(buf, sizeof buf, s, ln->len));
        return;
    }
    field_add(pkt, 1, name, abs_off(w, ln->off), (uint32_t)ln->len, "%s",
              sanitize_text(buf, sizeof buf, v, vlen));
    if (strcmp(name, "Transport") == 0)
        transport_header(w, v, vlen, voff);
}

/* The request or status line of a message at w->i. */
static void start_line(struct rtsp_walk *w, const struct text_line *ln,
                       bool first_msg)
{
    struct ws_packet *pkt = w->pkt;
    struct ws_rtsp *r = &pkt->a.rtsp;
    const uint8_t *s = w->p + ln->off;
    uint32_t off = abs_off(w, ln->off);
    bool reply = ln->len >= 5 && memcmp(s, "RTSP/", 5) == 0;
    char buf[1024];
    field_add(pkt, 1, reply ? "Response" : "Request", off, (uint32_t)ln->len, "%s",
              sanitize_text(buf, sizeof buf, s, ln->len));
    if (reply) {
        if (first_msg)
            r->msg = RTSP_REPLY;
        if (!is_status_line(s, ln->len)) {
            layer_fail(pkt, w->l, EV_BAD_APP);
            return;
        }
        uint16_t status = (uint16_t)((s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0'));
        size_t rs = ln->len > 13 ? 13 : ln->len;
        field_add(pkt, 2, "Status", off + 9, 3, "%u", status);
        if (first_msg) {
            r->status = status;
            r->reason_off = off + (uint32_t)rs;
            r->reason_len = (uint16_t)(ln->len - rs);
        }
        return;
    }
    const uint8_t *sp1 = memchr(s, ' ', ln->len);
    size_t mlen = sp1 ? (size_t)(sp1 - s) : ln->len;
    size_t uri_at = sp1 ? mlen + 1 : ln->len;
    const uint8_t *sp2 = memchr(s + uri_at, ' ', ln->len - uri_at);
    size_t uri_len = sp2 ? (size_t)(sp2 - (s + uri_at)) : ln->len - uri_at;
    field_add(pkt, 2, "Method", off, (uint32_t)mlen, "%s", sanitize_text(buf, sizeof buf, s, mlen));
    if (uri_len)
        field_add(pkt, 2, "URL", off + (uint32_t)uri_at, (uint32_t)uri_len, "%s",
                  sanitize_text(buf, sizeof buf, s + uri_at, uri_len));
    if (first_msg) {
        r->msg = RTSP_REQUEST;
        r->request = true;
        r->method_len = (uint16_t)mlen;
        r->uri_off = off + (uint32_t)uri_at;
        r->uri_len = (uint16_t)(uri_len < UINT16_MAX ? uri_len : UINT16_MAX);
    }
}

static void sdp_lines(struct rtsp_walk *w, size_t from, size_t n)
{
    if (!w->pkt->want_fields)
        return;
    field_add(w->pkt, 1, "Session Description Protocol", abs_off(w, from),
              (uint32_t)n, "%zu bytes", n);
    size_t pos = 0;
    struct text_line ln;
    while (text_next_line(w->p + from, n, &pos, &ln) && w->nlines++ < RTSP_MAX_LINES) {
        char buf[512];
        field_add(w->pkt, 2, "SDP", abs_off(w, from + ln.off), (uint32_t)ln.len,
                  "%s", sanitize_text(buf, sizeof buf, w->p + from + ln.off, ln.len));
    }
}

/* A message at w->i: start line, headers, body. */
static void walk_message(struct rtsp_walk *w)
{
    struct ws_rtsp *r = &w->pkt->a.rtsp;
    bool first_msg = !w->msg_done;
    w->msg_done = true;
    w->first_done = true;
    struct text_line ln;
    text_next_line(w->p, w->n, &w->i, &ln);
    if (first_msg) {
        r->line_off = abs_off(w, ln.off);
        r->line_len = (uint16_t)(ln.len < UINT16_MAX ? ln.len : UINT16_MAX);
    }
    start_line(w, &ln, first_msg);
    if (r->kind == RTSP_NONE)
        r->kind = r->msg;
    struct rtsp_headers h = {0};
    bool ended = ln.ended;
    while (ended) {
        if (!text_next_line(w->p, w->n, &w->i, &ln)) {
            ended = false;
            break;
        }
        ended = ln.ended;
        if (ln.len == 0 && ln.ended)
            break; /* the empty line after the headers */
        header_line(w, &ln, first_msg, &h);
    }
    if (!ended) {
        w->cut = true; /* headers go on in the next segment */
        return;
    }
    if (!h.has_length || h.content_length == 0)
        return;
    size_t have = w->n - w->i;
    size_t body = h.content_length < have ? h.content_length : have;
    if (h.sdp && body) {
        if (first_msg)
            r->sdp = true;
        sdp_lines(w, w->i, body);
    } else {
        field_add(w->pkt, 1, "Body", abs_off(w, w->i), (uint32_t)body, "%u bytes",
                  h.content_length);
    }
    w->i += body;
    if (body < h.content_length)
        w->cut = true;
}

/* RTP or RTCP header of an interleaved frame's captured bytes. */
static void frame_payload(struct rtsp_frame *f, const uint8_t *s, size_t n)
{
    if (n < 8 || s[0] >> 6 != 2)
        return;
    if (s[1] >= 200 && s[1] <= 207) { /* RTCP SR..XR (RFC 5761 section 4) */
        f->rtcp = true;
        f->rtp_ok = true;
        f->pt = s[1];
        f->ssrc = (uint32_t)s[4] << 24 | (uint32_t)s[5] << 16 | (uint32_t)s[6] << 8 | s[7];
        return;
    }
    if (n < 12)
        return;
    f->rtp_ok = true;
    f->pt = s[1] & 0x7f;
    f->marker = s[1] & 0x80;
    f->seq = (uint16_t)(s[2] << 8 | s[3]);
    f->ts = (uint32_t)s[4] << 24 | (uint32_t)s[5] << 16 | (uint32_t)s[6] << 8 | s[7];
    f->ssrc = (uint32_t)s[8] << 24 | (uint32_t)s[9] << 16 | (uint32_t)s[10] << 8 | s[11];
}

static void frame_fields(struct rtsp_walk *w, const struct rtsp_frame *f,
                         size_t at, size_t have)
{
    struct ws_packet *pkt = w->pkt;
    uint32_t off = abs_off(w, at);
    field_add(pkt, 1, "Interleaved frame", off, (uint32_t)(4 + have),
              "channel 0x%02x, %u bytes", f->channel, f->length);
    field_add(pkt, 2, "Channel", off + 1, 1, "0x%02x", f->channel);
    field_add(pkt, 2, "Length", off + 2, 2, "%u", f->length);
    if (f->rtp_ok && f->rtcp)
        field_add(pkt, 2, "RTCP", off + 4, (uint32_t)have, "PT=%u, SSRC=0x%08X",
                  f->pt, f->ssrc);
    else if (f->rtp_ok)
        field_add(pkt, 2, "RTP", off + 4, (uint32_t)have,
                  "PT=%u, SSRC=0x%08X, Seq=%u, Time=%u%s", f->pt, f->ssrc,
                  f->seq, f->ts, f->marker ? ", Mark" : "");
    if (f->partial)
        field_add(pkt, 2, "Continues in the next segment", off + 4, (uint32_t)have,
                  "%zu of %u bytes here", have, f->length);
}

/* $ channel length(16) payload (RFC 2326 section 10.12). */
static void walk_frame(struct rtsp_walk *w)
{
    struct ws_rtsp *r = &w->pkt->a.rtsp;
    if (!w->first_done) {
        w->first_done = true;
        r->kind = RTSP_INTERLEAVED;
    }
    size_t at = w->i;
    if (w->n - at < 4) {
        w->i = w->n;
        w->cut = true; /* the frame header ends in the next segment */
        return;
    }
    struct rtsp_frame f = {0};
    f.channel = w->p[at + 1];
    f.length = (uint16_t)(w->p[at + 2] << 8 | w->p[at + 3]);
    size_t have = w->n - at - 4;
    if (have > f.length)
        have = f.length;
    f.partial = have < f.length;
    frame_payload(&f, w->p + at + 4, have);
    if (r->frames_total < UINT16_MAX)
        r->frames_total++;
    if (r->nframes < RTSP_MAX_FRAMES)
        r->frames[r->nframes++] = f;
    if (w->nlines++ < RTSP_MAX_LINES)
        frame_fields(w, &f, at, have);
    w->i = at + 4 + have;
    if (f.partial)
        w->cut = true;
}

static enum ws_proto rtsp_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_RTSP, c);
    if (!l)
        return P_NONE;
    struct ws_rtsp *r = &pkt->a.rtsp;
    memset(r, 0, sizeof *r);
    size_t n = cur_left(c);
    struct rtsp_walk w = {.pkt = pkt, .l = l, .p = cur_take(c, n), .n = n,
                          .base = pkt->app_off};
    while (w.i < w.n && !w.cut) {
        const uint8_t *at = w.p + w.i;
        size_t left = w.n - w.i;
        if (at[0] == '$') {
            walk_frame(&w);
        } else if (starts_message(at, left)) {
            walk_message(&w);
        } else {
            /* a body or frame that began in an earlier segment */
            if (!w.first_done) {
                w.first_done = true;
                r->kind = RTSP_CONTINUATION;
            }
            field_add(pkt, 1, "Continuation", abs_off(&w, w.i), (uint32_t)left,
                      "%zu bytes", left);
            w.i = w.n;
        }
    }
    if (pkt->payload_len > n)
        layer_fail(pkt, l, EV_TRUNCATED); /* cut by the snaplen */
    else if (w.cut)
        r->continues = true;
    layer_close(pkt, l, c);
    return P_NONE;
}

/* --- Protocol, Info, JSON --- */

static const char *rtsp_protocol(const struct ws_packet *pkt,
                                 const struct ws_layer *l)
{
    (void)l;
    return pkt->a.rtsp.sdp ? "RTSP/SDP" : "RTSP";
}

static void frame_info(struct textbuf *tb, const struct rtsp_frame *f)
{
    static const char hex[] = "0123456789abcdef";
    tb_puts(tb, "Interleaved channel 0x");
    tb_putc(tb, hex[f->channel >> 4]);
    tb_putc(tb, hex[f->channel & 15]);
    tb_puts(tb, ", ");
    tb_u64(tb, f->length);
    tb_puts(tb, " bytes");
    if (!f->rtp_ok)
        return;
    static const char HEX[] = "0123456789ABCDEF";
    tb_puts(tb, f->rtcp ? " (RTCP PT=" : " (RTP PT=");
    tb_u64(tb, f->pt);
    tb_puts(tb, ", SSRC=0x");
    for (int sh = 28; sh >= 0; sh -= 4)
        tb_putc(tb, HEX[f->ssrc >> sh & 15]);
    if (!f->rtcp) {
        tb_puts(tb, ", Seq=");
        tb_u64(tb, f->seq);
        tb_puts(tb, ", Time=");
        tb_u64(tb, f->ts);
        if (f->marker)
            tb_puts(tb, ", Mark");
    }
    tb_putc(tb, ')');
}

/*
 * tshark 4.0: a request as its request line, "Reply: " and the status line,
 * "Continuation" for the rest of a body. Interleaved frames: tshark hands
 * them to RTP/RTCP and shows their Info; here "Interleaved channel 0x00,
 * 64 bytes" (tshark's text before that hand-over) with the RTP/RTCP header
 * in parentheses, frames separated by "; ".
 */
static void rtsp_info(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    const struct ws_rtsp *r = &pkt->a.rtsp;
    (void)l;
    for (unsigned i = 0; i < r->nframes; i++) {
        if (i)
            tb_puts(tb, "; ");
        frame_info(tb, &r->frames[i]);
    }
    if (r->frames_total > r->nframes) {
        tb_puts(tb, "; +");
        tb_u64(tb, r->frames_total - r->nframes);
        tb_puts(tb, " more");
    }
    if (r->kind == RTSP_CONTINUATION) {
        tb_puts(tb, "Continuation");
        return;
    }
    if (r->msg == RTSP_NONE)
        return;
    if (r->nframes)
        tb_puts(tb, "; ");
    if (r->msg == RTSP_REPLY)
        tb_puts(tb, "Reply: ");
    sanitize_bytes(tb, pkt->data + r->line_off, r->line_len, false);
}

static void json_text(struct textbuf *tb, const uint8_t *s, size_t n)
{
    char buf[1024];
    tb_json_str(tb, sanitize_text(buf, sizeof buf, s, n));
}

static void json_frames(struct textbuf *tb, const struct ws_rtsp *r)
{
    tb_puts(tb, ",\"interleaved\":[");
    for (unsigned i = 0; i < r->nframes; i++) {
        const struct rtsp_frame *f = &r->frames[i];
        tb_puts(tb, i ? ",{\"channel\":" : "{\"channel\":");
        tb_u64(tb, f->channel);
        tb_puts(tb, ",\"length\":");
        tb_u64(tb, f->length);
        tb_puts(tb, ",\"partial\":");
        tb_puts(tb, f->partial ? "true" : "false");
        tb_puts(tb, ",\"proto\":");
        tb_puts(tb, !f->rtp_ok ? "null" : f->rtcp ? "\"RTCP\"" : "\"RTP\"");
        if (f->rtp_ok) {
            tb_puts(tb, ",\"pt\":");
            tb_u64(tb, f->pt);
            tb_puts(tb, ",\"ssrc\":");
            tb_u64(tb, f->ssrc);
            if (!f->rtcp) {
                tb_puts(tb, ",\"seq\":");
                tb_u64(tb, f->seq);
                tb_puts(tb, ",\"ts\":");
                tb_u64(tb, f->ts);
            }
        }
        tb_putc(tb, '}');
    }
    tb_putc(tb, ']');
}

static void json_opt_text(struct textbuf *tb, const char *key,
                          const struct ws_packet *pkt, uint32_t off, uint16_t len)
{
    tb_puts(tb, key);
    if (len)
        json_text(tb, pkt->data + off, len);
    else
        tb_puts(tb, "null");
}

static void rtsp_json(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    const struct ws_rtsp *r = &pkt->a.rtsp;
    (void)l;
    static const char *const kinds[] = {"none", "request", "reply", "interleaved",
                                        "continuation"};
    tb_puts(tb, "\"kind\":");
    tb_json_str(tb, kinds[r->kind <= RTSP_CONTINUATION ? r->kind : 0]);
    if (r->msg == RTSP_REQUEST) {
        json_opt_text(tb, ",\"method\":", pkt, r->line_off, r->method_len);
        json_opt_text(tb, ",\"uri\":", pkt, r->uri_off, r->uri_len);
    } else if (r->msg == RTSP_REPLY) {
        tb_puts(tb, ",\"status\":");
        tb_u64(tb, r->status);
        json_opt_text(tb, ",\"reason\":", pkt, r->reason_off, r->reason_len);
    }
    if (r->msg != RTSP_NONE) {
        tb_puts(tb, ",\"cseq\":");
        if (r->has_cseq)
            tb_u64(tb, r->cseq);
        else
            tb_puts(tb, "null");
        json_opt_text(tb, ",\"session\":", pkt, r->session_off, r->session_len);
        json_opt_text(tb, ",\"transport\":", pkt, r->transport_off, r->transport_len);
    }
    tb_puts(tb, ",\"continues\":");
    tb_puts(tb, r->continues ? "true" : "false");
    if (r->nframes)
        json_frames(tb, r);
}

/* --- tracking: transactions by CSeq, media flows from SETUP --- */

/* A request from one side is answered from the other: the key holds the
 * requester's direction so that both sides' CSeq spaces stay apart. */
static uint64_t cseq_key(uint32_t cseq, int requester_dir)
{
    return (uint64_t)cseq | (uint64_t)(requester_dir ? 1 : 0) << 32;
}

/* Transport parameter `name` of one transport spec: its value. */
static bool transport_param(const uint8_t *s, size_t n, const char *name,
                            const uint8_t **val, size_t *val_len)
{
    size_t i = 0, name_len = strlen(name);
    while (i < n) {
        const uint8_t *semi = memchr(s + i, ';', n - i);
        size_t k = semi ? (size_t)(semi - (s + i)) : n - i;
        const uint8_t *item = s + i;
        size_t len = k;
        trim(&item, &len);
        if (len > name_len && item[name_len] == '=' &&
            strncasecmp((const char *)item, name, name_len) == 0) {
            *val = item + name_len + 1;
            *val_len = len - name_len - 1;
            return true;
        }
        if (len == name_len && strncasecmp((const char *)item, name, name_len) == 0) {
            *val = item + len;
            *val_len = 0;
            return true;
        }
        i += k + 1;
    }
    return false;
}

static bool transport_addr(const uint8_t *s, size_t n, const char *name,
                           struct ws_addr *a)
{
    const uint8_t *v;
    size_t vlen;
    char buf[48];
    uint8_t raw[16];
    if (!transport_param(s, n, name, &v, &vlen) || vlen == 0 || vlen >= sizeof buf)
        return false;
    memcpy(buf, v, vlen);
    buf[vlen] = 0;
    if (inet_pton(AF_INET, buf, raw) == 1) {
        addr_from_v4(a, raw);
        return true;
    }
    if (inet_pton(AF_INET6, buf, raw) == 1) {
        addr_from_v6(a, raw);
        return true;
    }
    return false;
}

/* RTP on the first port of name=a-b, RTCP on the second (or a+1). */
static void expect_ports(struct app_ctx *ctx, const uint8_t *s, size_t n,
                         const char *name, const struct ws_addr *at)
{
    const uint8_t *v;
    size_t vlen;
    uint32_t lo, hi;
    if (!transport_param(s, n, name, &v, &vlen) || !parse_port_range(v, vlen, &lo, &hi) ||
        lo == 0)
        return;
    if (hi == lo && lo < 65535)
        hi = lo + 1;
    app_expect(ctx, P_RTP, at, (uint16_t)lo, 17);
    if (hi != lo)
        app_expect(ctx, P_RTCP, at, (uint16_t)hi, 17);
}

/* A SETUP reply's Transport: the UDP ports both sides will use. */
static void expect_media(struct app_ctx *ctx, const struct ws_packet *pkt)
{
    const struct ws_rtsp *r = &pkt->a.rtsp;
    const uint8_t *s = pkt->data + r->transport_off;
    size_t n = r->transport_len;
    const uint8_t *comma = memchr(s, ',', n);
    if (comma) /* the server answers with the one it chose: the first */
        n = (size_t)(comma - s);
    const uint8_t *v;
    size_t vlen;
    if (transport_param(s, n, "interleaved", &v, &vlen) ||
        (n >= 11 && strncasecmp((const char *)s, "RTP/AVP/TCP", 11) == 0))
        return; /* the media stays inside this connection */
    struct ws_addr client = pkt->dst, server = pkt->src;
    transport_addr(s, n, "destination", &client);
    transport_addr(s, n, "source", &server);
    expect_ports(ctx, s, n, "client_port", &client);
    expect_ports(ctx, s, n, "server_port", &server);
    if (transport_param(s, n, "multicast", &v, &vlen))
        expect_ports(ctx, s, n, "port", &client);
}

static void track_request(struct app_ctx *ctx, const struct ws_packet *pkt)
{
    const struct ws_rtsp *r = &pkt->a.rtsp;
    char what[160], label[32];
    struct textbuf tb;
    tb_init(&tb, what, sizeof what);
    sanitize_bytes(&tb, pkt->data + r->line_off, r->method_len, false);
    sanitize_text(label, sizeof label, pkt->data + r->line_off, r->method_len);
    tb_putc(&tb, ' ');
    sanitize_bytes(&tb, pkt->data + r->uri_off, r->uri_len, false);
    txn_open(ctx, P_RTSP, ctx->flow->id, cseq_key(r->cseq, ctx->dir), what, label);
}

static void track_reply(struct app_ctx *ctx, const struct ws_packet *pkt)
{
    const struct ws_rtsp *r = &pkt->a.rtsp;
    struct txn *x = txn_find(ctx, P_RTSP, ctx->flow->id, cseq_key(r->cseq, !ctx->dir));
    if (r->transport_len && r->status >= 200 && r->status < 300)
        expect_media(ctx, pkt);
    if (!x)
        return;
    char result[80];
    struct textbuf tb;
    tb_init(&tb, result, sizeof result);
    tb_u64(&tb, r->status);
    tb_putc(&tb, ' ');
    sanitize_bytes(&tb, pkt->data + r->reason_off, r->reason_len, false);
    txn_add(ctx, x, result);
    if (r->status >= 200)
        txn_done(ctx, x, result);
}

static void rtsp_track(struct app_ctx *ctx, const struct ws_packet *pkt,
                       const struct ws_layer *l)
{
    const uint32_t resent = 1u << TA_RETRANSMISSION | 1u << TA_FAST_RETRANSMISSION |
                            1u << TA_SPURIOUS_RETRANSMISSION;
    const struct ws_rtsp *r = &pkt->a.rtsp;
    if (ctx->ta_flags & resent || !r->has_cseq)
        return;
    (void)l;
    if (r->msg == RTSP_REQUEST)
        track_request(ctx, pkt);
    else if (r->msg == RTSP_REPLY)
        track_reply(ctx, pkt);
}

static const struct app_hooks rtsp_hooks = {
    .transport = APP_TCP,
    .ports = rtsp_ports,
    .probe = rtsp_probe,
    .protocol = rtsp_protocol,
    .info = rtsp_info,
    .json = rtsp_json,
    .track = rtsp_track,
    .announces_flows = true,
};

const struct proto_desc proto_rtsp = {P_RTSP, "RTSP", "Real Time Streaming Protocol",
                                      rtsp_dissect, &rtsp_hooks};
