/*
 * Hypertext Transfer Protocol, HTTP/1.x (RFC 9110, 9112) over TCP.
 *
 * The dissector sees one segment: it decodes each message that starts in
 * it (request or status line, header lines, the body as far as the segment
 * holds it, chunked bodies chunk by chunk) and labels bytes that start no
 * message "Continuation", as tshark does with TCP desegmentation off.
 * Messages split across segments are followed by the track hook (below),
 * which keeps per-connection state.
 */
#include <string.h>

#include "proto.h"
#include "wirescope/flow.h"
#include "wirescope/sanitize.h"
#include "wirescope/tcp_analysis.h"

/* tshark 4.0's default HTTP ports (http.tcp.port), without 631 (IPP),
 * 1900 (SSDP) and 3689 (DAAP), which carry their own protocols. */
static const uint16_t http_ports[] = {80, 2710, 2869, 3128, 3132, 5985, 8080,
                                      8088, 11371, 0};

/* Methods recognised at the start of a request line: RFC 9110, PATCH
 * (RFC 5789), WebDAV (RFC 4918) and SSDP's, as tshark knows them. */
static const char *const http_methods[] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT",
    "TRACE", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK",
    "UNLOCK", "SEARCH", "REPORT", "NOTIFY", "M-SEARCH", "SUBSCRIBE",
    "UNSUBSCRIBE", NULL,
};

/* The nine methods of RFC 9110 and RFC 5789: the only ones content
 * detection on an unknown port accepts. */
#define HTTP_STRICT_METHODS 9

#define HTTP_FIELD_TEXT 256 /* characters of one header value in a field */

/* ---- lines ---- */

/*
 * Finds the end of the line starting at p[0]: LF, CRLF or a lone CR (as
 * tshark's line finder). *len gets the line's length without its EOL,
 * *next the offset just past the EOL. False when no EOL is in p[0..n).
 */
static bool find_eol(const uint8_t *p, size_t n, size_t *len, size_t *next)
{
    /* memchr twice rather than one byte loop: most calls scan a whole
     * segment of body bytes that holds no EOL at all. */
    const uint8_t *cr = memchr(p, '\r', n);
    size_t before_cr = cr ? (size_t)(cr - p) : n;
    const uint8_t *lf = memchr(p, '\n', before_cr);
    if (lf) {
        *len = (size_t)(lf - p);
        *next = *len + 1;
        return true;
    }
    if (!cr)
        return false;
    *len = before_cr;
    *next = before_cr + 1 < n && p[before_cr + 1] == '\n' ? before_cr + 2
                                                          : before_cr + 1;
    return true;
}


static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

static bool same_ci(const uint8_t *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    if (n != k)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(p[i]) != lower((uint8_t)s[i]))
            return false;
    return true;
}

/* Length of the method token at p when it is one of the first `count`
 * known methods followed by a space, else 0. */
static size_t method_len(const uint8_t *p, size_t n, int count)
{
    for (int i = 0; i < count && http_methods[i]; i++) {
        if (n == 0 || http_methods[i][0] != (char)p[0])
            continue; /* most body segments: no strlen and memcmp per method */
        size_t k = strlen(http_methods[i]);
        if (n > k && memcmp(p, http_methods[i], k) == 0 && p[k] == ' ')
            return k;
    }
    return 0;
}

/* "HTTP/d.d" at p; strict: only 1.0 and 1.1. */
static bool is_version(const uint8_t *p, size_t n, bool strict)
{
    if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || !text_is_digit(p[5]) || p[6] != '.' ||
        !text_is_digit(p[7]))
        return false;
    return !strict || (p[5] == '1' && (p[7] == '0' || p[7] == '1'));
}

/*
 * A request line. Strict (content detection on an unknown port): one of the
 * RFC methods, one space, a target without spaces, one space, HTTP/1.0 or
 * HTTP/1.1. Otherwise (a known port or an HTTP connection) any known
 * method followed by a space and something, as tshark accepts HTTP/0.9
 * "GET /" and odd spacing there.
 */
static bool is_request_line(const uint8_t *p, size_t n, bool strict)
{
    size_t m = method_len(p, n, strict ? HTTP_STRICT_METHODS : 1000);
    if (!m)
        return false;
    if (!strict)
        return n > m + 1;
    const uint8_t *t = p + m + 1;
    size_t rest = n - m - 1;
    const uint8_t *sp = memchr(t, ' ', rest);
    if (!sp || sp == t)
        return false;
    size_t vlen = rest - (size_t)(sp - t) - 1;
    return is_version(sp + 1, vlen, true);
}

/* A status line: HTTP/d.d SP three digits, then a space or the end. */
static bool is_status_line(const uint8_t *p, size_t n, bool strict)
{
    if (n < 12 || !is_version(p, 8, strict) || p[8] != ' ' || !text_is_digit(p[9]) ||
        !text_is_digit(p[10]) || !text_is_digit(p[11]))
        return false;
    return n == 12 || p[12] == ' ';
}

/* A complete request or status line at p: the start of a message. */
static bool starts_message(const uint8_t *p, size_t n, bool strict)
{
    size_t len, next;
    /* methods and "HTTP/" start with a capital letter: most segments (body
     * bytes, other protocols) are turned away without a scan for the EOL */
    if (n == 0 || p[0] < 'A' || p[0] > 'Z')
        return false;
    bool version_prefix = n >= 5 && memcmp(p, "HTTP/", 5) == 0;
    if (!version_prefix && !method_len(p, n, strict ? HTTP_STRICT_METHODS : 1000))
        return false;
    if (!find_eol(p, n, &len, &next))
        return false;
    return is_request_line(p, len, strict) || is_status_line(p, len, strict);
}

/* A segment that holds no EOL and starts with a known method and a space
 * (or is just the method): a request line its sender cut in pieces. */
static bool partial_request(const uint8_t *p, size_t n)
{
    size_t len, next;
    if (find_eol(p, n, &len, &next))
        return false;
    for (int i = 0; http_methods[i]; i++) {
        size_t k = strlen(http_methods[i]);
        if (n >= k && memcmp(p, http_methods[i], k) == 0 && (n == k || p[k] == ' '))
            return true;
    }
    return false;
}

/*
 * Before anything on a flow was HTTP, a segment must start with a whole
 * request or status line (tshark rejects anything else, on its ports
 * too). On a port, the first piece of a request line cut across segments
 * is taken as well: tshark shows it as TCP but then takes the rest of the
 * connection as HTTP; here the flow is HTTP from that piece on, so the
 * tracker sees the whole request.
 */
static bool http_probe(const uint8_t *p, size_t n, const struct ws_packet *pkt,
                       bool on_port)
{
    (void)pkt;
    return starts_message(p, n, !on_port) || (on_port && partial_request(p, n));
}

/* ---- detail fields ---- */

/* Sanitised text of p[0..n) in buf, cut with "..." past HTTP_FIELD_TEXT. */
static const char *span_text(char *buf, size_t size, const uint8_t *p, size_t n)
{
    struct textbuf tb;
    tb_init(&tb, buf, size);
    size_t take = n > HTTP_FIELD_TEXT ? HTTP_FIELD_TEXT : n;
    sanitize_bytes(&tb, p, take, false);
    if (take < n)
        tb_puts(&tb, "...");
    return buf;
}

static void text_field(struct ws_packet *pkt, uint8_t depth, const char *name,
                       uint32_t off, const uint8_t *p, size_t n, size_t flen)
{
    if (!pkt->want_fields)
        return;
    char buf[HTTP_FIELD_TEXT * 4 + 8];
    field_add_always(pkt, depth, name, off, (uint32_t)flen, "%s",
                     span_text(buf, sizeof buf, p, n));
}

static struct ws_span span_of(uint32_t base, size_t from, size_t n)
{
    struct ws_span s = {base + (uint32_t)from, (uint16_t)(n > UINT16_MAX ? UINT16_MAX : n)};
    return s;
}

/* ---- one message ---- */

/* What the header lines of a message say about its body. */
struct http_head {
    bool request;
    uint16_t status;
    bool chunked;
    bool has_len;
    bool bad_len;
    uint64_t content_length;
};

/* The segment being walked: captured bytes p[0..n) at packet offset base. */
struct http_seg {
    struct ws_packet *pkt;
    struct ws_layer *l;
    const uint8_t *p;
    size_t n;
    uint32_t base;
    bool cut; /* the capture holds less than the segment (snaplen) */
};

static void split_request(struct ws_http *h, uint32_t base, const uint8_t *p,
                          size_t len)
{
    size_t m = 0;
    while (m < len && p[m] != ' ')
        m++;
    h->method = span_of(base, 0, m);
    size_t u = m;
    while (u < len && p[u] == ' ')
        u++;
    size_t ue = u;
    while (ue < len && p[ue] != ' ')
        ue++;
    h->uri = span_of(base, u, ue - u);
    size_t v = ue;
    while (v < len && p[v] == ' ')
        v++;
    h->version = span_of(base, v, len - v);
}

static void start_line_fields(struct http_seg *s, size_t at, size_t len,
                              bool request, struct ws_http *first)
{
    struct ws_packet *pkt = s->pkt;
    const uint8_t *p = s->p + at;
    uint32_t off = s->base + (uint32_t)at;
    struct ws_http part;
    memset(&part, 0, sizeof part);
    struct ws_http *h = first ? first : &part;
    if (request) {
        split_request(h, off, p, len);
    } else {
        h->version = span_of(off, 0, 8);
        h->status = (uint16_t)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
        h->reason = len > 13 ? span_of(off, 13, len - 13) : span_of(off, len, 0);
    }
    if (!pkt->want_fields)
        return;
    text_field(pkt, 0, request ? "Request" : "Response", off, p, len, len);
    text_field(pkt, 1, request ? "Request Line" : "Status Line", off, p, len, len);
    const uint8_t *d = pkt->data;
    if (request) {
        text_field(pkt, 2, "Request Method", h->method.off, d + h->method.off,
                   h->method.len, h->method.len);
        text_field(pkt, 2, "Request URI", h->uri.off, d + h->uri.off, h->uri.len,
                   h->uri.len);
        text_field(pkt, 2, "Request Version", h->version.off, d + h->version.off,
                   h->version.len, h->version.len);
    } else {
        text_field(pkt, 2, "Response Version", off, p, 8, 8);
        field_add(pkt, 2, "Status Code", off + 9, 3, "%u", h->status);
        text_field(pkt, 2, "Response Phrase", h->reason.off, d + h->reason.off,
                   h->reason.len, h->reason.len);
    }
}

/* Header names shown under their own name; others as "Header". */
struct known_header {
    const char *name;
    uint8_t len;
};
#define KNOWN(s) {s, sizeof s - 1}
static const struct known_header known_headers[] = {
    KNOWN("Host"), KNOWN("User-Agent"), KNOWN("Accept"),
    KNOWN("Accept-Encoding"), KNOWN("Accept-Language"), KNOWN("Accept-Ranges"),
    KNOWN("Authorization"), KNOWN("Cache-Control"), KNOWN("Connection"),
    KNOWN("Content-Encoding"), KNOWN("Content-Length"), KNOWN("Content-Range"),
    KNOWN("Content-Type"), KNOWN("Cookie"), KNOWN("Date"), KNOWN("ETag"),
    KNOWN("Expect"), KNOWN("Expires"), KNOWN("If-Modified-Since"),
    KNOWN("If-None-Match"), KNOWN("Keep-Alive"), KNOWN("Last-Modified"),
    KNOWN("Location"), KNOWN("Origin"), KNOWN("Proxy-Authorization"),
    KNOWN("Range"), KNOWN("Referer"), KNOWN("Server"), KNOWN("Set-Cookie"),
    KNOWN("Transfer-Encoding"), KNOWN("Upgrade"), KNOWN("Vary"),
    KNOWN("WWW-Authenticate"), KNOWN("X-Forwarded-For"),
};
#undef KNOWN

/* Every header line of every message comes here: lengths and first
 * letters are compared before any case-folding loop. */
static const char *known_header(const uint8_t *name, size_t n)
{
    uint8_t first = lower(name[0]);
    for (size_t i = 0; i < sizeof known_headers / sizeof *known_headers; i++) {
        const struct known_header *k = &known_headers[i];
        if (k->len == n && lower((uint8_t)k->name[0]) == first &&
            same_ci(name, n, k->name))
            return k->name;
    }
    return NULL;
}

static void trim(const uint8_t **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\t')) {
        (*p)++;
        (*n)--;
    }
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
        (*n)--;
}

/* Content-Length: 1*DIGIT (RFC 9110 8.6), at most 18 digits. */
static bool parse_length(const uint8_t *v, size_t n, uint64_t *out)
{
    if (n == 0 || n > 18)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!text_is_digit(v[i]))
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return true;
}

/* Transfer-Encoding whose last coding is "chunked" (RFC 9112 6.1). */
static bool is_chunked(const uint8_t *v, size_t n)
{
    size_t start = n;
    while (start > 0 && v[start - 1] != ',')
        start--;
    const uint8_t *last = v + start;
    size_t k = n - start;
    trim(&last, &k);
    return same_ci(last, k, "chunked");
}

/* Media type of a Content-Type value: up to ';', trimmed. */
static struct ws_span media_type(uint32_t off, const uint8_t *v, size_t n,
                                 const uint8_t *line)
{
    size_t k = 0;
    while (k < n && v[k] != ';')
        k++;
    const uint8_t *t = v;
    trim(&t, &k);
    return span_of(off, (size_t)(t - line), k);
}

/* One header line; false when it is no header line at all (no colon). */
static bool header_line(struct http_seg *s, size_t at, size_t len,
                        struct http_head *hd, struct ws_http_msg *m,
                        struct ws_http *first)
{
    struct ws_packet *pkt = s->pkt;
    const uint8_t *line = s->p + at;
    uint32_t off = s->base + (uint32_t)at;
    if (line[0] == ' ' || line[0] == '\t') { /* obsolete line folding */
        text_field(pkt, 2, "Header continuation", off, line, len, len);
        return true;
    }
    const uint8_t *colon = memchr(line, ':', len);
    if (!colon) {
        text_field(pkt, 1, "Malformed header line", off, line, len, len);
        layer_fail(pkt, s->l, EV_BAD_APP);
        return false;
    }
    if (colon == line) { /* no field name: kept as a header, flagged */
        text_field(pkt, 1, "Header without a name", off, line, len, len);
        layer_fail(pkt, s->l, EV_BAD_APP);
        return true;
    }
    size_t nlen = (size_t)(colon - line);
    const uint8_t *v = colon + 1;
    size_t vlen = len - nlen - 1;
    trim(&v, &vlen);
    const char *name = known_header(line, nlen);
    if (name)
        text_field(pkt, 1, name, off, v, vlen, len);
    else
        text_field(pkt, 1, "Header", off, line, len, len);
    if (!name)
        return true;
    if (strcmp(name, "Content-Length") == 0) {
        uint64_t x;
        if (!parse_length(v, vlen, &x) || (hd->has_len && x != hd->content_length)) {
            hd->bad_len = true;
            layer_fail(pkt, s->l, EV_BAD_APP);
        } else {
            hd->has_len = true;
            hd->content_length = x;
        }
    } else if (strcmp(name, "Transfer-Encoding") == 0) {
        hd->chunked = is_chunked(v, vlen);
    } else if (strcmp(name, "Content-Type") == 0) {
        m->ctype = media_type(off, v, vlen, line);
    } else if (strcmp(name, "Host") == 0 && first) {
        first->host = span_of(off, (size_t)(v - line), vlen);
    }
    return true;
}

/* How a header block ended. */
enum hdr_end {
    HDR_DONE,    /* at the blank line */
    HDR_MORE,    /* the segment ends after a whole line */
    HDR_PARTIAL, /* the segment ends inside a line */
    HDR_BAD,     /* a line that is no header line */
};

/*
 * Header lines from `at` to the blank line. *end gets the offset just past
 * the blank line (HDR_DONE), the segment's end, or the bad line (HDR_BAD:
 * tshark ends the message there and shows the rest as Continuation).
 */
static enum hdr_end header_block(struct http_seg *s, size_t at,
                                 struct http_head *hd, struct ws_http_msg *m,
                                 struct ws_http *first, size_t *end)
{
    *end = s->n;
    while (at < s->n) {
        size_t len, next;
        if (!find_eol(s->p + at, s->n - at, &len, &next)) {
            text_field(s->pkt, 1, "Header line continues in the next segment",
                       s->base + (uint32_t)at, s->p + at, s->n - at, s->n - at);
            return HDR_PARTIAL;
        }
        if (len == 0) {
            field_add(s->pkt, 1, "Header End", s->base + (uint32_t)at,
                      (uint32_t)next, "blank line");
            *end = at + next;
            return HDR_DONE;
        }
        if (!header_line(s, at, len, hd, m, first)) {
            *end = at;
            return HDR_BAD;
        }
        at += next;
    }
    field_add(s->pkt, 1, "Headers continue in the next segment",
              s->base + (uint32_t)at, 0, "no blank line yet");
    return HDR_MORE;
}

/* Where the last, unterminated line of the segment starts (from `at`). */
static size_t partial_line_start(const struct http_seg *s, size_t at)
{
    size_t len, next;
    while (at < s->n && find_eol(s->p + at, s->n - at, &len, &next))
        at += next;
    return at;
}

/* Whether a response with this status has a body at all (RFC 9112 6.3);
 * a response to HEAD is not known per segment (the tracker knows). */
static bool status_has_body(uint16_t status)
{
    return !(status / 100 == 1 || status == 204 || status == 304);
}

/* A chunk-size line (RFC 9112 7.1): hex digits before any extension. */
enum chunk_size { CS_OK, CS_NOT_HEX, CS_ABSURD };

/* Sizes of 2^40 bytes or more are absurd (no real chunk is a terabyte). */
static enum chunk_size parse_chunk_size(const uint8_t *p, size_t n, uint64_t *out)
{
    size_t k = 0;
    while (k < n && p[k] != ';')
        k++;
    const uint8_t *t = p;
    trim(&t, &k);
    if (k == 0)
        return CS_NOT_HEX;
    uint64_t x = 0;
    bool absurd = false;
    for (size_t i = 0; i < k; i++) {
        uint8_t c = lower(t[i]);
        unsigned d = text_is_digit(c) ? (unsigned)(c - '0')
                     : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10) : 16;
        if (d > 15)
            return CS_NOT_HEX;
        if (x >> 36)
            absurd = true;
        else
            x = x << 4 | d;
    }
    *out = x;
    return absurd ? CS_ABSURD : CS_OK;
}

/* How a body walk ended. */
enum body_end { BODY_DONE, BODY_MORE, BODY_CHUNK_CUT, BODY_BAD };

/*
 * A chunked body from `at`: each chunk's size and data as far as the
 * segment holds them, the last chunk and the trailer lines. *end gets the
 * offset after what was read; *data gets the chunk data bytes seen.
 */
static enum body_end chunked_body(struct http_seg *s, size_t at, size_t *end,
                                  uint64_t *data)
{
    struct ws_packet *pkt = s->pkt;
    *data = 0;
    field_add(pkt, 1, "Chunked Body", s->base + (uint32_t)at,
              (uint32_t)(s->n - at), "%zu bytes in this segment", s->n - at);
    while (at < s->n) {
        size_t len, next;
        uint64_t size;
        uint32_t off = s->base + (uint32_t)at;
        if (!find_eol(s->p + at, s->n - at, &len, &next)) {
            field_add(pkt, 2, "Chunk size continues in the next segment", off,
                      (uint32_t)(s->n - at), "%zu bytes", s->n - at);
            *end = s->n;
            return BODY_MORE;
        }
        enum chunk_size cs = parse_chunk_size(s->p + at, len, &size);
        if (cs != CS_OK) {
            text_field(pkt, 2, cs == CS_ABSURD ? "Absurd chunk size" : "Bad chunk size",
                       off, s->p + at, len, len);
            layer_fail(pkt, s->l, EV_BAD_APP);
            *end = cs == CS_ABSURD ? s->n : at;
            /* tshark runs off the segment's end on a huge size */
            return cs == CS_ABSURD ? BODY_CHUNK_CUT : BODY_BAD;
        }
        if (size == 0) {
            field_add(pkt, 2, "Last Chunk", off, (uint32_t)next, "0");
            struct http_head trailers = {0};
            struct ws_http_msg ignored = {0};
            enum hdr_end e = header_block(s, at + next, &trailers, &ignored,
                                          NULL, end);
            /* tshark ends the body before a trailer line the segment cuts
             * (what follows shows as Continuation) */
            if (e == HDR_PARTIAL)
                *end = partial_line_start(s, at + next);
            return BODY_DONE;
        }
        size_t have = s->n - at - next;
        if (size + 2 > have) {
            field_add(pkt, 2, "Chunk", off, (uint32_t)(s->n - at),
                      "size %llu, %zu bytes here, continues in the next segment",
                      (unsigned long long)size, have < size ? have : (size_t)size);
            *data += have < size ? have : size;
            *end = s->n;
            return BODY_CHUNK_CUT;
        }
        field_add(pkt, 2, "Chunk", off, (uint32_t)(next + size + 2), "size %llu",
                  (unsigned long long)size);
        *data += size;
        at += next + (size_t)size;
        /* the CRLF after the data */
        size_t l2, n2;
        if (!find_eol(s->p + at, s->n - at, &l2, &n2) || l2 != 0) {
            field_add(pkt, 2, "Chunk data not followed by CRLF", s->base + (uint32_t)at,
                      0, "malformed");
            layer_fail(pkt, s->l, EV_BAD_APP);
            *end = s->n;
            return BODY_CHUNK_CUT;
        }
        at += n2;
    }
    *end = at;
    return BODY_MORE;
}

/* The body of a message whose headers ended at `at`; returns where the
 * next message may start (s->n when the body runs to the segment's end). */
static size_t message_body(struct http_seg *s, size_t at, const struct http_head *hd,
                           struct ws_http_msg *m, uint32_t *body_len)
{
    struct ws_packet *pkt = s->pkt;
    size_t left = s->n - at;
    uint32_t off = s->base + (uint32_t)at;
    *body_len = 0;
    if (hd->chunked) {
        size_t end;
        uint64_t data;
        enum body_end e = chunked_body(s, at, &end, &data);
        *body_len = (uint32_t)(end - at);
        if (e == BODY_CHUNK_CUT && !s->cut) /* snaplen cuts are flagged */
            m->flags |= HTTP_MSG_CUT;
        if (data > 0 && e != BODY_BAD)
            m->flags |= HTTP_MSG_BODY;
        return e == BODY_DONE ? end : s->n;
    }
    if (hd->has_len) {
        size_t take = hd->content_length < left ? (size_t)hd->content_length : left;
        if (take)
            field_add(pkt, 1, "Body", off, (uint32_t)take,
                      "%zu bytes of Content-Length %llu%s", take,
                      (unsigned long long)hd->content_length,
                      take < hd->content_length ? ", continues in the next segment" : "");
        if (take)
            m->flags |= HTTP_MSG_BODY;
        *body_len = (uint32_t)take;
        return at + take;
    }
    /* Without a length: a request has no body, nor has a response that
     * never has one (tshark honours a Content-Length even on those). */
    if (hd->request || !status_has_body(hd->status))
        return at;
    if (left) { /* a response delimited by the connection's close */
        field_add(pkt, 1, "Body", off, (uint32_t)left,
                  "%zu bytes (length not given: up to the connection's close)", left);
        m->flags |= HTTP_MSG_BODY;
    }
    *body_len = (uint32_t)left;
    return s->n;
}

/* One message starting at `at` with a whole start line; returns the offset
 * after it, or s->n when it runs to the segment's end. */
static size_t http_message(struct http_seg *s, size_t at, bool *stop)
{
    struct ws_packet *pkt = s->pkt;
    struct ws_http *h = &pkt->a.http;
    bool first = h->nmsgs == 0;
    struct ws_http_msg *m = &h->msgs[h->nmsgs++];
    size_t len = 0, next = 0;
    find_eol(s->p + at, s->n - at, &len, &next); /* found by starts_message */
    struct http_head hd = {0};
    hd.request = is_request_line(s->p + at, len, false);
    m->line = span_of(s->base, at, len);
    if (hd.request)
        m->flags |= HTTP_MSG_REQUEST;
    start_line_fields(s, at, len, hd.request, first ? h : NULL);
    if (!hd.request) {
        const uint8_t *q = s->p + at;
        hd.status = (uint16_t)((q[9] - '0') * 100 + (q[10] - '0') * 10 + (q[11] - '0'));
    }
    if (first) {
        h->request = hd.request;
        h->response = !hd.request;
        h->line_len = (uint32_t)len;
    }
    size_t body;
    enum hdr_end he = header_block(s, at + next, &hd, m, first ? h : NULL, &body);
    if (hd.chunked)
        m->flags |= HTTP_MSG_CHUNKED;
    if (hd.has_len && !hd.bad_len)
        m->flags |= HTTP_MSG_HAS_LEN;
    if (first)
        h->content_length = hd.content_length;
    if (he == HDR_BAD)
        return body; /* the rest is no part of this message */
    if (he != HDR_DONE) {
        *stop = true;
        if (he == HDR_PARTIAL && !s->cut)
            m->flags |= HTTP_MSG_CUT;
        if (s->cut)
            layer_fail(pkt, s->l, EV_TRUNCATED);
        return s->n;
    }
    m->flags |= HTTP_MSG_HDR_DONE;
    uint32_t body_len;
    size_t end = message_body(s, body, &hd, m, &body_len);
    if (first)
        h->body_len = body_len;
    if (m->flags & HTTP_MSG_CUT)
        *stop = true;
    if (s->cut && end >= s->n)
        layer_fail(pkt, s->l, EV_TRUNCATED);
    return end;
}

static enum ws_proto http_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_HTTP, c);
    if (!l)
        return P_NONE;
    struct ws_http *h = &pkt->a.http;
    ws_zero(h, sizeof *h);
    size_t n = cur_left(c);
    struct http_seg s = {pkt, l, c->p, n, cur_offset(c), pkt->payload_len > n};
    size_t at = 0;
    bool stop = false;
    while (at < n && !stop) {
        if (h->nmsgs < HTTP_MAX_MSGS && starts_message(s.p + at, n - at, false)) {
            at = http_message(&s, at, &stop);
            continue;
        }
        h->continuation = true;
        if (s.cut)
            layer_fail(pkt, l, EV_TRUNCATED);
        field_add(pkt, 0, "Continuation", s.base + (uint32_t)at,
                  (uint32_t)(n - at), "%zu bytes", n - at);
        field_add(pkt, 1, "Continuation", s.base + (uint32_t)at,
                  (uint32_t)(n - at), "%zu bytes that start no message", n - at);
        break;
    }
    cur_skip(c, n);
    layer_close(pkt, l, c);
    return P_NONE;
}

/* ---- columns and JSON ---- */

static void put_span(struct textbuf *tb, const struct ws_packet *pkt,
                     struct ws_span s)
{
    if (s.off <= pkt->caplen && s.len <= pkt->caplen - s.off)
        sanitize_bytes(tb, pkt->data + s.off, s.len, false);
}

/* tshark: each message's start line and a space, then " (media/type)"
 * (lower case) when body bytes of it were in the segment; "Continuation"
 * for bytes that start no message. */
static void http_info(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    (void)l;
    const struct ws_http *h = &pkt->a.http;
    for (unsigned i = 0; i < h->nmsgs; i++) {
        const struct ws_http_msg *m = &h->msgs[i];
        put_span(tb, pkt, m->line);
        tb_putc(tb, ' ');
        if ((m->flags & HTTP_MSG_BODY) && m->ctype.len &&
            !(m->flags & HTTP_MSG_CUT)) {
            tb_puts(tb, " (");
            for (unsigned k = 0; k < m->ctype.len && m->ctype.off + k < pkt->caplen; k++) {
                uint8_t ch = lower(pkt->data[m->ctype.off + k]);
                sanitize_bytes(tb, &ch, 1, false);
            }
            tb_putc(tb, ')');
        }
        if (m->flags & HTTP_MSG_CUT)
            tb_puts(tb, "[BoundErrorUnreassembled Packet]");
    }
    if (h->continuation)
        tb_puts(tb, "Continuation");
}

static void json_span(struct textbuf *tb, const struct ws_packet *pkt,
                      const char *key, struct ws_span s, bool *comma)
{
    char buf[4 * 1024 + 8];
    struct textbuf v;
    tb_init(&v, buf, sizeof buf);
    put_span(&v, pkt, s);
    if (*comma)
        tb_putc(tb, ',');
    *comma = true;
    tb_putc(tb, '"');
    tb_puts(tb, key);
    tb_puts(tb, "\":");
    tb_json_str(tb, buf);
}

static void http_json(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    (void)l;
    const struct ws_http *h = &pkt->a.http;
    bool comma = false;
    if (h->nmsgs) {
        const struct ws_http_msg *m = &h->msgs[0];
        if (h->request) {
            json_span(tb, pkt, "method", h->method, &comma);
            json_span(tb, pkt, "uri", h->uri, &comma);
            json_span(tb, pkt, "version", h->version, &comma);
        } else {
            json_span(tb, pkt, "version", h->version, &comma);
            tb_puts(tb, ",\"status\":");
            tb_u64(tb, h->status);
            json_span(tb, pkt, "reason", h->reason, &comma);
        }
        if (h->host.len)
            json_span(tb, pkt, "host", h->host, &comma);
        if (m->ctype.len)
            json_span(tb, pkt, "content_type", m->ctype, &comma);
        if (m->flags & HTTP_MSG_HAS_LEN) {
            tb_puts(tb, ",\"content_length\":");
            tb_u64(tb, h->content_length);
        }
        tb_puts(tb, (m->flags & HTTP_MSG_CHUNKED) ? ",\"chunked\":true"
                                                  : ",\"chunked\":false");
        tb_puts(tb, ",\"messages\":");
        tb_u64(tb, h->nmsgs);
        tb_puts(tb, ",");
    }
    tb_puts(tb, h->continuation ? "\"continuation\":true" : "\"continuation\":false");
}

/* ---- tracking: request/response pairs per connection ----
 *
 * Per flow and direction, a stream parser placed by TCP sequence numbers:
 * bytes already seen (retransmissions, overlaps) are dropped, a gap is
 * skipped by arithmetic inside a body of known length and otherwise loses
 * sync until a segment starts with a request or status line again. Header
 * blocks split across segments are gathered in a per-direction buffer
 * (grown into the flow's state only when needed). Bodies are skipped by
 * Content-Length, chunking or the connection's close, so pipelined and
 * keep-alive requests pair in order: a FIFO of pending requests. A request
 * opens its transaction when its header block is complete; the response's
 * header block completes it. 1xx responses are added to the request
 * without answering it; HEAD, 204 and 304 have no body; 101 and a 2xx to
 * CONNECT end HTTP on the connection. */

enum http_st {
    ST_HEAD,        /* in (or before) a header block */
    ST_BODY,        /* `remaining` body bytes */
    ST_CHUNK_SIZE,  /* a chunk-size line */
    ST_CHUNK_DATA,  /* `remaining` chunk bytes, then its CRLF */
    ST_CHUNK_CRLF,  /* the line end after a chunk's data */
    ST_TRAILERS,    /* trailer lines up to the blank one */
    ST_TO_CLOSE,    /* a response body up to the connection's close */
};

#define HTTP_PENDING 32
#define HTTP_LINE 24 /* chunk-size characters kept */

struct http_dir {
    bool seq_known;
    bool synced;       /* at a known point of the message stream */
    uint8_t state;     /* enum http_st */
    uint32_t next_seq; /* the next byte expected */
    uint64_t remaining;
    uint32_t buf_len;  /* header bytes gathered (in the buffer) */
    uint8_t line_len;  /* chunk-size / trailer line so far */
    bool line_empty;   /* the line so far held nothing but CR */
    char line[HTTP_LINE];
};

struct http_pending {
    uint64_t key;
    bool head, connect;
};

struct http_flow {
    struct http_dir dir[2];
    uint64_t next_key; /* request ordinal on the flow */
    uint8_t first, count;
    bool done;         /* upgraded or tunnelled: no more HTTP here */
    struct http_pending pending[HTTP_PENDING];
};

/* Header bytes one direction gathers: the two buffers and the state fill
 * the per-flow state limit. */
#define HTTP_TRACK_BUF ((APP_STATE_MAX - sizeof(struct http_flow)) / 2)

struct http_trk {
    struct app_ctx *ctx;
    int dir;
};

static struct http_flow *flow_of(struct app_ctx *ctx)
{
    return app_flow_state(ctx, sizeof(struct http_flow));
}

/* The direction's header buffer; grows the flow's state the first time
 * (which may move it: callers fetch the state again afterwards). */
static uint8_t *header_buf(struct app_ctx *ctx, int dir)
{
    uint8_t *st = app_flow_state(ctx, sizeof(struct http_flow) + 2 * HTTP_TRACK_BUF);
    return st ? st + sizeof(struct http_flow) + (size_t)dir * HTTP_TRACK_BUF : NULL;
}

/* What a header block says, read from a contiguous copy of it. */
struct http_block {
    bool request;
    const uint8_t *line;
    size_t line_len;
    uint16_t status;
    bool chunked, has_len, bad_len;
    uint64_t length;
};

/* p starts a message (starts_message): its first line ends in p[0..n) and
 * is a request line or a status line of at least 12 bytes. The checks
 * below keep that from being taken on trust. */
static void block_headers(const uint8_t *p, size_t n, struct http_block *b)
{
    size_t at = 0, len, next;
    b->line = p;
    if (!find_eol(p, n, &b->line_len, &next))
        return;
    b->request = is_request_line(p, b->line_len, false);
    if (!b->request && b->line_len >= 12)
        b->status = (uint16_t)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
    at = next;
    while (at < n && find_eol(p + at, n - at, &len, &next) && len > 0) {
        const uint8_t *line = p + at;
        const uint8_t *colon = memchr(line, ':', len);
        at += next;
        if (!colon)
            continue;
        const uint8_t *v = colon + 1;
        size_t vlen = len - (size_t)(colon - line) - 1;
        trim(&v, &vlen);
        size_t nlen = (size_t)(colon - line);
        if (same_ci(line, nlen, "Content-Length")) {
            uint64_t x;
            if (parse_length(v, vlen, &x) && !b->bad_len) {
                b->has_len = true;
                b->length = x;
            } else {
                b->bad_len = true;
            }
        } else if (same_ci(line, nlen, "Transfer-Encoding")) {
            b->chunked = is_chunked(v, vlen);
        }
    }
}

/* A request's header block is complete: open its transaction. */
static void on_request(struct http_trk *k, struct http_flow *f, const struct http_block *b)
{
    struct app_ctx *ctx = k->ctx;
    size_t m = 0;
    while (m < b->line_len && b->line[m] != ' ')
        m++;
    size_t u = m;
    while (u < b->line_len && b->line[u] == ' ')
        u++;
    size_t ue = u;
    while (ue < b->line_len && b->line[ue] != ' ')
        ue++;
    char what[96];
    sanitize_text(what, sizeof what, b->line, ue);
    uint64_t key = f->next_key++;
    txn_open(ctx, P_HTTP, ctx->flow->id, key, what, what);
    if (f->count == HTTP_PENDING) { /* oldest left unanswered */
        f->first = (uint8_t)((f->first + 1) % HTTP_PENDING);
        f->count--;
    }
    struct http_pending *q = &f->pending[(f->first + f->count++) % HTTP_PENDING];
    q->key = key;
    q->head = m == 4 && memcmp(b->line, "HEAD", 4) == 0;
    q->connect = m == 7 && memcmp(b->line, "CONNECT", 7) == 0;
    struct http_dir *d = &f->dir[k->dir];
    d->state = b->chunked ? ST_CHUNK_SIZE : b->has_len && b->length ? ST_BODY : ST_HEAD;
    d->remaining = b->length;
}

/* A response's header block is complete: answer the oldest request. */
static void on_response(struct http_trk *k, struct http_flow *f, const struct http_block *b)
{
    struct app_ctx *ctx = k->ctx;
    struct http_dir *d = &f->dir[k->dir];
    char label[64];
    sanitize_text(label, sizeof label, b->line + 9, b->line_len - 9);
    struct http_pending req = {0, false, false};
    bool have = f->count > 0;
    if (have)
        req = f->pending[f->first];
    struct txn *x = have ? txn_find(ctx, P_HTTP, ctx->flow->id, req.key) : NULL;
    bool interim = b->status / 100 == 1 && b->status != 101;
    if (x)
        txn_add(ctx, x, label);
    if (!interim && have) {
        if (x)
            txn_done(ctx, x, label);
        f->first = (uint8_t)((f->first + 1) % HTTP_PENDING);
        f->count--;
    }
    if (b->status == 101 || (req.connect && b->status / 100 == 2)) {
        f->done = true; /* another protocol follows on the connection */
        return;
    }
    bool bodiless = req.head || interim || b->status == 204 || b->status == 304;
    d->remaining = b->length;
    if (bodiless)
        d->state = ST_HEAD;
    else if (b->chunked)
        d->state = ST_CHUNK_SIZE;
    else if (b->has_len)
        d->state = b->length ? ST_BODY : ST_HEAD;
    else
        d->state = ST_TO_CLOSE;
}

static void header_block_done(struct http_trk *k, const uint8_t *p, size_t n)
{
    struct http_flow *f = flow_of(k->ctx);
    if (!f)
        return;
    if (!starts_message(p, n, false)) {
        /* a body of another length than declared, or garbage: wait for
         * the next segment that starts a message */
        f->dir[k->dir].synced = false;
        return;
    }
    struct http_block b = {0};
    block_headers(p, n, &b);
    if (b.request)
        on_request(k, f, &b);
    else
        on_response(k, f, &b);
}

/* Offset just past the blank line ending a header block in p[0..n), or 0. */
static size_t header_end(const uint8_t *p, size_t n, size_t from)
{
    for (size_t i = from; i < n; i++) {
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        if (!nl)
            return 0;
        i = (size_t)(nl - p);
        if (i >= 1 && p[i - 1] == '\n')
            return i + 1;
        if (i >= 2 && p[i - 1] == '\r' && p[i - 2] == '\n')
            return i + 1;
    }
    return 0;
}

/* Header bytes: completes a block from the buffer and p, or gathers p.
 * Returns the bytes of p used. */
static size_t feed_head(struct http_trk *k, const uint8_t *p, size_t n)
{
    struct http_flow *f = flow_of(k->ctx);
    struct http_dir *d = &f->dir[k->dir];
    if (d->buf_len == 0) {
        if (!d->synced) {
            if (!starts_message(p, n, false) && !partial_request(p, n))
                return n; /* not at a message start: wait for one */
            d->synced = true;
        }
        size_t end = header_end(p, n, 0);
        if (end) {
            header_block_done(k, p, end);
            return end;
        }
    }
    uint8_t *buf = header_buf(k->ctx, k->dir);
    f = flow_of(k->ctx);
    if (!buf || !f)
        return n;
    d = &f->dir[k->dir];
    size_t room = HTTP_TRACK_BUF - d->buf_len;
    size_t take = n < room ? n : room;
    size_t from = d->buf_len > 3 ? d->buf_len - 3 : 0;
    memcpy(buf + d->buf_len, p, take);
    size_t old = d->buf_len;
    d->buf_len += (uint32_t)take;
    size_t end = header_end(buf, d->buf_len, from);
    if (end) {
        d->buf_len = 0;
        header_block_done(k, buf, end);
        return end - old;
    }
    if (d->buf_len == HTTP_TRACK_BUF) { /* too long a block: give it up */
        d->buf_len = 0;
        d->synced = false;
    }
    return take;
}

/* A chunk-size or trailer line, gathered across segments; true once its
 * end was seen (the line is in d->line, cut at HTTP_LINE). */
static size_t feed_line(struct http_dir *d, const uint8_t *p, size_t n, bool *done)
{
    *done = false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            *done = true;
            return i + 1;
        }
        if (p[i] != '\r') {
            d->line_empty = false;
            if (d->line_len < HTTP_LINE)
                d->line[d->line_len++] = (char)p[i];
        }
    }
    return n;
}

static void line_reset(struct http_dir *d)
{
    d->line_len = 0;
    d->line_empty = true;
}

/* Chunk-size / chunk-end / trailer lines. Returns the bytes used. */
static size_t feed_chunk_line(struct http_dir *d, const uint8_t *p, size_t n)
{
    bool done;
    size_t used = feed_line(d, p, n, &done);
    if (!done)
        return used;
    uint64_t size;
    bool empty = d->line_empty;
    switch (d->state) {
    case ST_CHUNK_SIZE:
        if (parse_chunk_size((const uint8_t *)d->line, d->line_len, &size) != CS_OK) {
            d->synced = false;
            d->state = ST_HEAD;
        } else if (size == 0) {
            d->state = ST_TRAILERS;
        } else {
            d->state = ST_CHUNK_DATA;
            d->remaining = size;
        }
        break;
    case ST_CHUNK_CRLF:
        d->state = ST_CHUNK_SIZE;
        break;
    default: /* trailers: a blank line ends the message */
        if (empty)
            d->state = ST_HEAD;
        break;
    }
    line_reset(d);
    return used;
}

/* Runs p[0..n) through the direction's parser. */
static void feed(struct http_trk *k, const uint8_t *p, size_t n)
{
    size_t guard = 0;
    while (n > 0 && guard++ < 1u << 16) {
        struct http_flow *f = flow_of(k->ctx);
        if (!f || f->done)
            return;
        struct http_dir *d = &f->dir[k->dir];
        size_t used;
        switch (d->state) {
        case ST_HEAD:
            used = feed_head(k, p, n);
            break;
        case ST_BODY:
        case ST_CHUNK_DATA:
            used = d->remaining < n ? (size_t)d->remaining : n;
            d->remaining -= used;
            if (d->remaining == 0)
                d->state = d->state == ST_BODY ? ST_HEAD : ST_CHUNK_CRLF;
            break;
        case ST_TO_CLOSE:
            used = n;
            break;
        default:
            used = feed_chunk_line(d, p, n);
            break;
        }
        if (used == 0)
            return;
        p += used;
        n -= used;
    }
}

/* Bytes of the stream that were not captured: skipped inside a body of
 * known length, else the direction waits for the next message start. */
static void skip_missing(struct http_dir *d, uint64_t n)
{
    if ((d->state == ST_BODY || d->state == ST_CHUNK_DATA) && n <= d->remaining) {
        d->remaining -= n;
        if (d->remaining == 0)
            d->state = d->state == ST_BODY ? ST_HEAD : ST_CHUNK_CRLF;
        return;
    }
    if (d->state == ST_TO_CLOSE)
        return;
    d->synced = false;
    d->state = ST_HEAD;
    d->buf_len = 0;
    line_reset(d);
}

static void http_track(struct app_ctx *ctx, const struct ws_packet *pkt,
                       const struct ws_layer *l)
{
    if (pkt->ip_proto != 6 || l->off > pkt->caplen || pkt->payload_len == 0)
        return;
    struct http_flow *f = flow_of(ctx);
    if (!f || f->done)
        return;
    int dir = ctx->dir == FLOW_B2A ? 1 : 0;
    struct http_dir *d = &f->dir[dir];
    uint32_t seq = ctx->tcp_seq + ((pkt->u.tcp.flags & TCP_SYN) ? 1u : 0u);
    uint32_t wire = pkt->payload_len;
    size_t have = pkt->caplen - l->off;
    if (have > wire)
        have = wire;
    const uint8_t *p = pkt->data + l->off;
    if (!d->seq_known) {
        d->seq_known = true;
        d->next_seq = seq;
        line_reset(d);
    }
    int32_t delta = (int32_t)(seq - d->next_seq);
    size_t skip = 0;
    if (delta < 0) {
        /* a retransmission or an overlap (TCP analysis marks it too): only
         * bytes past what was already seen count */
        if ((uint32_t)-delta >= wire)
            return;
        skip = (uint32_t)-delta;
    } else if (delta > 0) {
        skip_missing(d, (uint32_t)delta); /* a segment was not captured */
    }
    d->next_seq = seq + wire;
    struct http_trk k = {ctx, dir};
    if (skip < have)
        feed(&k, p + skip, have - skip);
    f = flow_of(ctx);
    if (f && have < wire) /* cut by the snaplen */
        skip_missing(&f->dir[dir], wire - (skip > have ? skip : have));
}

static const struct app_hooks http_hooks = {
    .transport = APP_TCP,
    .ports = http_ports,
    .probe = http_probe,
    .info = http_info,
    .json = http_json,
    .track = http_track,
};

const struct proto_desc proto_http = {P_HTTP, "HTTP", "Hypertext Transfer Protocol",
                                      http_dissect, &http_hooks};
