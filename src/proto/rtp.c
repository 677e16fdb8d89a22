/* Real-Time Transport Protocol data packets (RFC 3550 section 5.1) with
 * RFC 8285 header extensions. Info text follows tshark 4.0; the track hook
 * feeds the per-SSRC statistics (src/track/rtp_stats.c). */
#include <string.h>

#include "proto.h"
#include "wirescope/rtp_stats.h"

#define RTP_HDR_LEN 12
#define RTP_MAX_EXT_ELEMS 64 /* elements listed per extension block */

/* Payload type names: short (RFC 3551) for fields and JSON, and the text
 * tshark's Info column uses. */
struct pt_name {
    const char *name;
    const char *info;
};

static const struct pt_name static_types[35] = {
    [0] = {"PCMU", "ITU-T G.711 PCMU"},
    [1] = {"1016", "USA Federal Standard FS-1016"},
    [2] = {"G721", "ITU-T G.721"},
    [3] = {"GSM", "GSM 06.10"},
    [4] = {"G723", "ITU-T G.723"},
    [5] = {"DVI4", "DVI4 8000 samples/s"},
    [6] = {"DVI4", "DVI4 16000 samples/s"},
    [7] = {"LPC", "Experimental linear predictive encoding from Xerox PARC"},
    [8] = {"PCMA", "ITU-T G.711 PCMA"},
    [9] = {"G722", "ITU-T G.722"},
    [10] = {"L16", "16-bit uncompressed audio, stereo"},
    [11] = {"L16", "16-bit uncompressed audio, monaural"},
    [12] = {"QCELP", "Qualcomm Code Excited Linear Predictive coding"},
    [13] = {"CN", "Comfort noise"},
    [14] = {"MPA", "MPEG-I/II Audio"},
    [15] = {"G728", "ITU-T G.728"},
    [16] = {"DVI4", "DVI4 11025 samples/s"},
    [17] = {"DVI4", "DVI4 22050 samples/s"},
    [18] = {"G729", "ITU-T G.729"},
    [19] = {"CN", "Comfort noise (old)"},
    [25] = {"CelB", "Sun CellB video encoding"},
    [26] = {"JPEG", "JPEG-compressed video"},
    [28] = {"nv", "'nv' program"},
    [31] = {"H261", "ITU-T H.261"},
    [32] = {"MPV", "MPEG-I/II Video"},
    [33] = {"MP2T", "MPEG-II transport streams"},
    [34] = {"H263", "ITU-T H.263"},
};

/* Writes the payload type as tshark's Info does. */
static void pt_info_name(struct textbuf *tb, uint8_t pt)
{
    if (pt < 35 && static_types[pt].info) {
        tb_puts(tb, static_types[pt].info);
    } else if (pt >= 96) {
        tb_puts(tb, "DynamicRTP-Type-");
        tb_u64(tb, pt);
    } else if (pt >= 72 && pt <= 76) {
        tb_puts(tb, "Reserved for RTCP conflict avoidance");
    } else {
        tb_puts(tb, "Unassigned");
    }
}

static const char *pt_short_name(uint8_t pt)
{
    if (pt < 35 && static_types[pt].name)
        return static_types[pt].name;
    return pt >= 96 ? "dynamic" : "unassigned";
}

/*
 * RTP by content alone: version 2 on UDP between two unprivileged ports,
 * no padding and no CSRCs, an RFC 8285 header extension if any, a payload
 * type that is assigned (static) or dynamic and not in the RTCP conflict
 * range 72-76, and an SSRC that looks random (not below 0x10000). Streams
 * with CSRCs or padding are still decoded on flows known as RTP (an RTSP
 * SETUP, or STUN first on a WebRTC 5-tuple); tshark decodes RTP by content
 * not at all unless asked, so this errs on the side of saying UDP.
 */
static bool rtp_probe(const uint8_t *p, size_t n, const struct ws_packet *pkt,
                      bool on_port)
{
    (void)on_port;
    if (pkt->ip_proto != 17 || pkt->sport < 1024 || pkt->dport < 1024)
        return false;
    if (n < RTP_HDR_LEN || (p[0] & 0xef) != 0x80)
        return false; /* version 2, P = 0, CC = 0 (X may be set) */
    uint8_t pt = p[1] & 0x7f;
    bool known = pt >= 96 || (pt < 35 && static_types[pt].name && pt != 19);
    uint32_t ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
    if (!known || ssrc < 0x10000)
        return false;
    size_t total = pkt->payload_len;
    size_t hdr = RTP_HDR_LEN;
    if (p[0] & 0x10) {
        if (n < hdr + 4)
            return false;
        uint16_t profile = (uint16_t)(p[hdr] << 8 | p[hdr + 1]);
        if (profile != 0xBEDE && (profile & 0xfff0) != 0x1000)
            return false;
        hdr += 4 + 4u * (size_t)(p[hdr + 2] << 8 | p[hdr + 3]);
    }
    return hdr <= total;
}

/* One RFC 8285 element list: one-byte (profile 0xBEDE) or two-byte
 * (0x100x) headers; id 0 is padding, id 15 ends a one-byte list. */
static void dissect_ext_elements(struct ws_packet *pkt, struct ws_layer *l,
                                 struct cursor *e, bool one_byte)
{
    for (unsigned count = 0; cur_left(e) > 0 && count < RTP_MAX_EXT_ELEMS; count++) {
        uint32_t off = cur_offset(e);
        uint8_t b = cur_u8(e);
        unsigned id, len;
        if (one_byte) {
            id = b >> 4;
            if (id == 0)
                continue; /* padding byte */
            if (id == 15)
                return;
            len = (b & 0x0f) + 1u;
        } else {
            id = b;
            if (id == 0)
                continue;
            len = cur_u8(e);
        }
        if (!cur_skip(e, len)) {
            layer_fail(pkt, l, EV_BAD_APP); /* element past the block */
            return;
        }
        field_add(pkt, 2, "Extension Element", off, (uint32_t)(cur_offset(e) - off),
                  "id %u, %u bytes", id, len);
    }
}

static bool dissect_extension(struct ws_packet *pkt, struct ws_layer *l,
                              struct cursor *c)
{
    uint32_t off = cur_offset(c);
    uint16_t profile = cur_be16(c);
    uint16_t words = cur_be16(c);
    if (!cur_ok(c))
        return false;
    field_add(pkt, 1, "Header Extension", off, 4u + 4u * words,
              "profile 0x%04x, %u words", profile, words);
    struct cursor e = cur_sub(c, 4u * words);
    if (!cur_ok(c)) {
        e.short_read = false;
        return false;
    }
    if (profile == 0xBEDE)
        dissect_ext_elements(pkt, l, &e, true);
    else if ((profile & 0xfff0) == 0x1000)
        dissect_ext_elements(pkt, l, &e, false);
    return true;
}

static void add_header_fields(struct ws_packet *pkt, uint32_t off,
                              const struct ws_rtp *r, uint8_t b0)
{
    field_add(pkt, 1, "Version", off, 1, "%u", b0 >> 6);
    field_add(pkt, 1, "Padding", off, 1, "%s", r->padding ? "True" : "False");
    field_add(pkt, 1, "Extension", off, 1, "%s", r->extension ? "True" : "False");
    field_add(pkt, 1, "Contributing source identifiers count", off, 1, "%u",
              r->csrc_count);
    field_add(pkt, 1, "Marker", off + 1, 1, "%s", r->marker ? "True" : "False");
    field_add(pkt, 1, "Payload type", off + 1, 1, "%s (%u)", pt_short_name(r->pt),
              r->pt);
    field_add(pkt, 1, "Sequence number", off + 2, 2, "%u", r->seq);
    field_add(pkt, 1, "Timestamp", off + 4, 4, "%u", r->ts);
    field_add(pkt, 1, "Synchronization Source identifier", off + 8, 4,
              "0x%08x (%u)", r->ssrc, r->ssrc);
}

/* The padding count is the packet's last byte: it needs the whole
 * datagram captured. */
static void dissect_payload(struct ws_packet *pkt, struct ws_layer *l,
                            struct cursor *c, uint32_t rtp_len)
{
    struct ws_rtp *r = &pkt->a.rtp;
    size_t left = cur_left(c);
    uint32_t hdr_end = cur_offset(c);
    uint32_t body = rtp_len - (hdr_end - l->off);
    uint32_t pad = 0;
    if (left < body)
        layer_fail(pkt, l, EV_TRUNCATED); /* payload cut by the snaplen */
    if (r->padding) {
        if (left < body) {
            /* the padding count is the last byte, not captured */
        } else if (body == 0 || c->p[body - 1] == 0 || c->p[body - 1] > body) {
            layer_fail(pkt, l, EV_BAD_APP);
        } else {
            pad = c->p[body - 1];
            field_add(pkt, 1, "Padding count", hdr_end + body - 1, 1, "%u", pad);
        }
    }
    r->payload_len = body - pad;
    field_add(pkt, 1, "Payload", hdr_end, r->payload_len, "%u bytes",
              r->payload_len);
    cur_skip(c, left < body ? left : body);
}

static enum ws_proto rtp_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_RTP, c);
    if (!l)
        return P_NONE;
    struct ws_rtp *r = &pkt->a.rtp;
    memset(r, 0, sizeof *r);
    uint32_t off = cur_offset(c);
    uint32_t rtp_len = proto_wire_len_from(pkt, off, cur_left(c));
    if (pkt->ip_proto == 17 && pkt->payload_len < rtp_len)
        rtp_len = pkt->payload_len;
    uint8_t b0 = cur_u8(c);
    uint8_t b1 = cur_u8(c);
    r->seq = cur_be16(c);
    r->ts = cur_be32(c);
    r->ssrc = cur_be32(c);
    r->padding = b0 & 0x20;
    r->extension = b0 & 0x10;
    r->csrc_count = b0 & 0x0f;
    r->marker = b1 & 0x80;
    r->pt = b1 & 0x7f;
    if (!cur_ok(c)) {
        layer_fail(pkt, l, EV_TRUNCATED);
        layer_close(pkt, l, c);
        return P_NONE;
    }
    add_header_fields(pkt, off, r, b0);
    if (b0 >> 6 != 2)
        layer_fail(pkt, l, EV_BAD_VERSION);
    for (unsigned i = 0; i < r->csrc_count; i++) {
        uint32_t coff = cur_offset(c);
        uint32_t csrc = cur_be32(c);
        if (!cur_ok(c))
            break;
        field_add(pkt, 2, "CSRC", coff, 4, "0x%08x", csrc);
    }
    bool ok = cur_ok(c) && (!r->extension || dissect_extension(pkt, l, c));
    if (!ok || cur_offset(c) - off > rtp_len) {
        /* CSRC list or extension past the datagram (or the capture) */
        layer_fail(pkt, l, cur_offset(c) - off > rtp_len || pkt->caplen >= pkt->len
                               ? EV_BAD_APP : EV_TRUNCATED);
        cur_skip(c, cur_left(c));
        layer_close(pkt, l, c);
        return P_NONE;
    }
    dissect_payload(pkt, l, c, rtp_len);
    layer_close(pkt, l, c);
    return P_NONE;
}

static void rtp_info(struct textbuf *tb, const struct ws_packet *pkt,
                     const struct ws_layer *l)
{
    const struct ws_rtp *r = &pkt->a.rtp;
    if (l->len < RTP_HDR_LEN)
        return;
    static const char hex[] = "0123456789ABCDEF";
    tb_puts(tb, "PT=");
    pt_info_name(tb, r->pt);
    tb_puts(tb, ", SSRC=0x"); /* tshark: %X, no leading zeros */
    int sh = 28;
    while (sh > 0 && (r->ssrc >> sh & 15) == 0)
        sh -= 4;
    for (; sh >= 0; sh -= 4)
        tb_putc(tb, hex[r->ssrc >> sh & 15]);
    tb_puts(tb, ", Seq=");
    tb_u64(tb, r->seq);
    tb_puts(tb, ", Time=");
    tb_u64(tb, r->ts);
    if (r->marker)
        tb_puts(tb, ", Mark");
}

static void rtp_json(struct textbuf *tb, const struct ws_packet *pkt,
                     const struct ws_layer *l)
{
    const struct ws_rtp *r = &pkt->a.rtp;
    if (l->len < RTP_HDR_LEN)
        return;
    static const char hex[] = "0123456789abcdef";
    char ssrc[11] = "0x";
    for (int i = 0; i < 8; i++)
        ssrc[2 + i] = hex[r->ssrc >> (28 - 4 * i) & 15];
    ssrc[10] = 0;
    tb_puts(tb, "\"pt\":");
    tb_u64(tb, r->pt);
    tb_puts(tb, ",\"pt_name\":");
    tb_json_str(tb, pt_short_name(r->pt));
    tb_puts(tb, ",\"seq\":");
    tb_u64(tb, r->seq);
    tb_puts(tb, ",\"ts\":");
    tb_u64(tb, r->ts);
    tb_puts(tb, ",\"ssrc\":");
    tb_json_str(tb, ssrc);
    tb_puts(tb, ",\"marker\":");
    tb_puts(tb, r->marker ? "true" : "false");
    tb_puts(tb, ",\"payload_len\":");
    tb_u64(tb, r->payload_len);
}

static void rtp_track(struct app_ctx *ctx, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    const struct ws_rtp *r = &pkt->a.rtp;
    if (l->len < RTP_HDR_LEN || l->event == EV_BAD_VERSION)
        return;
    rtp_stats_packet(ctx, r->ssrc, r->pt, r->seq, r->ts);
}

static const struct app_hooks rtp_hooks = {
    .transport = APP_UDP,
    .ports = NULL,
    .probe = rtp_probe,
    .info = rtp_info,
    .json = rtp_json,
    .track = rtp_track,
};

const struct proto_desc proto_rtp = {P_RTP, "RTP", "Real-Time Transport Protocol",
                                     rtp_dissect, &rtp_hooks};
