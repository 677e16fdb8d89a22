/* The packet detail view: the collapsible protocol tree with one title line
 * per layer (summaries worded as Wireshark's), and the hex + ASCII dump. */
#include <string.h>

#include "wirescope/addr.h"
#include "wirescope/cursor.h"
#include "wirescope/render_detail.h"
#include "proto/proto.h"

/* ---------- the protocol tree ---------- */

struct tree {
    struct cellbuf *cb;
    int selected;
    struct detail_line *lines;
    int max_lines;
    int count;
};

/* Text the dissectors built is drawn as printable ASCII only: whatever a
 * dissector let through (invalid UTF-8, bidi or zero-width characters)
 * becomes '?'. At most max bytes are read; the text stops at a NUL. */
static void tb_put_ascii(struct textbuf *tb, const char *s, size_t max)
{
    for (size_t i = 0; i < max && s[i]; i++) {
        unsigned char ch = (unsigned char)s[i];
        tb_putc(tb, ch >= 0x20 && ch < 0x7f ? (char)ch : '?');
    }
}

/* Adds the tree's next line; the selected one is a full-width bar. */
static int tree_line(struct tree *t, uint32_t off, uint32_t len, int layer,
                     bool title)
{
    int row = cellbuf_add_row(t->cb);
    if (t->lines && t->count < t->max_lines)
        t->lines[t->count] = (struct detail_line){off, len, layer, title};
    if (t->count == t->selected)
        cellbuf_fill(t->cb, row, 0, " ", t->cb->width, ROLE_SELECTED);
    t->count++;
    return row;
}

/* The role of the line just added, unless it is the selected one. */
static enum cell_role line_role(const struct tree *t, enum cell_role role)
{
    return t->count - 1 == t->selected ? ROLE_SELECTED : role;
}

static void put_event(struct tree *t, int row, int col, enum ws_event ev)
{
    char buf[64];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_puts(&tb, "  [");
    tb_puts(&tb, decode_event_name(ev));
    tb_putc(&tb, ']');
    cellbuf_put(t->cb, row, col, buf, line_role(t, ROLE_MARK));
}

/* The packet's first event when no layer carries it (too many layers, an
 * unknown link type): shown on the frame line. */
static enum ws_event packet_level_event(const struct ws_packet *pkt)
{
    if (pkt->event == EV_NONE)
        return EV_NONE;
    for (unsigned i = 0; i < pkt->nlayers && i < WS_MAX_LAYERS; i++)
        if (pkt->layers[i].event == pkt->event)
            return EV_NONE;
    return (enum ws_event)pkt->event;
}

static void frame_line(struct tree *t, const struct detail_frame *f,
                       const struct ws_packet *pkt)
{
    char buf[160];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_puts(&tb, "Frame");
    if (f && f->number) {
        tb_putc(&tb, ' ');
        tb_u64(&tb, f->number);
    }
    tb_puts(&tb, ": ");
    tb_u64(&tb, pkt->len);
    tb_puts(&tb, " bytes on wire (");
    tb_u64(&tb, (uint64_t)pkt->len * 8);
    tb_puts(&tb, " bits), ");
    tb_u64(&tb, pkt->caplen);
    tb_puts(&tb, " bytes captured (");
    tb_u64(&tb, (uint64_t)pkt->caplen * 8);
    tb_puts(&tb, " bits)");
    int row = tree_line(t, 0, pkt->caplen, -1, true);
    int col = cellbuf_put(t->cb, row, 2, buf, line_role(t, ROLE_HEADER));
    enum ws_event ev = packet_level_event(pkt);
    if (ev != EV_NONE)
        put_event(t, row, col, ev);
}

/* A cursor over the packet from the layer's first byte. */
static struct cursor layer_cursor(const struct ws_packet *pkt,
                                  const struct ws_layer *l, size_t skip)
{
    struct cursor c = cur_make(pkt->data, pkt->data ? pkt->caplen : 0);
    cur_skip(&c, (size_t)l->off + skip);
    return c;
}

/* ", Src: 02:00:5e:00:00:02, Dst: 02:00:5e:00:00:01" */
static void eth_summary(struct textbuf *tb, const struct ws_packet *pkt,
                        const struct ws_layer *l)
{
    struct cursor c = layer_cursor(pkt, l, 0);
    uint8_t dst[6], src[6];
    if (!cur_copy(&c, dst, 6) || !cur_copy(&c, src, 6))
        return;
    char mac[18];
    mac_format(src, mac);
    tb_puts(tb, ", Src: ");
    tb_puts(tb, mac);
    mac_format(dst, mac);
    tb_puts(tb, ", Dst: ");
    tb_puts(tb, mac);
}

/* ", Src: 10.200.0.2, Dst: 10.200.0.1" from this layer's own header. */
static void ip_summary(struct textbuf *tb, const struct ws_packet *pkt,
                       const struct ws_layer *l)
{
    bool v6 = l->proto == P_IPV6;
    struct cursor c = layer_cursor(pkt, l, 0);
    if (cur_u8(&c) >> 4 != (v6 ? 6 : 4))
        return; /* another version: the addresses mean nothing */
    cur_skip(&c, v6 ? 7 : 11);
    uint8_t a[2][16];
    size_t n = v6 ? 16 : 4;
    if (!cur_copy(&c, a[0], n) || !cur_copy(&c, a[1], n))
        return;
    char text[WS_ADDR_STRLEN];
    const char *label[2] = {", Src: ", ", Dst: "};
    for (int i = 0; i < 2; i++) {
        struct ws_addr addr;
        if (v6)
            addr_from_v6(&addr, a[i]);
        else
            addr_from_v4(&addr, a[i]);
        addr_format(&addr, text, sizeof text);
        tb_puts(tb, label[i]);
        tb_puts(tb, text);
    }
}

/* ", Src Port: 8080, Dst Port: 33604" and, for TCP,
 * ", Seq: 0, Ack: 1, Len: 0" (Ack only with the ACK flag, as Wireshark). */
static void transport_summary(struct textbuf *tb, const struct ws_packet *pkt,
                              const struct ws_layer *l,
                              const struct info_tcp_rel *rel)
{
    struct cursor c = layer_cursor(pkt, l, 0);
    uint16_t sport = cur_be16(&c), dport = cur_be16(&c);
    if (!cur_ok(&c))
        return;
    tb_puts(tb, ", Src Port: ");
    tb_u64(tb, sport);
    tb_puts(tb, ", Dst Port: ");
    tb_u64(tb, dport);
    if (l->proto != P_TCP)
        return;
    uint32_t seq = cur_be32(&c), ack = cur_be32(&c);
    uint8_t flags = cur_peek8(&c, 1);
    if (!cur_ok(&c) || cur_left(&c) < 2)
        return;
    bool relative = rel && rel->relative;
    tb_puts(tb, ", Seq: ");
    tb_u64(tb, relative ? seq - rel->seq_base : seq);
    if (flags & TCP_ACK) {
        tb_puts(tb, ", Ack: ");
        tb_u64(tb, relative ? ack - rel->ack_base : ack);
    }
    if (l->off == pkt->l4_off && l->event == EV_NONE) {
        tb_puts(tb, ", Len: ");
        tb_u64(tb, pkt->payload_len);
    }
}

/* The text of depth-0 fields, the layer's own line: "Data (5 bytes)". */
static void title_fields(struct textbuf *tb, const struct ws_packet *pkt,
                         const struct ws_layer *l)
{
    bool any = false;
    for (unsigned k = 0; k < l->nfields; k++) {
        unsigned i = (unsigned)l->first_field + k;
        if (i >= pkt->nfields || i >= WS_MAX_FIELDS)
            break;
        const struct ws_field *f = &pkt->fields[i];
        if (f->depth != 0 || f->text >= WS_FIELD_TEXT)
            continue;
        tb_puts(tb, any ? ", " : " (");
        tb_put_ascii(tb, pkt->ftext + f->text, WS_FIELD_TEXT - f->text);
        any = true;
    }
    if (any)
        tb_putc(tb, ')');
}

static bool layer_has_children(const struct ws_packet *pkt,
                               const struct ws_layer *l)
{
    for (unsigned k = 0; k < l->nfields; k++) {
        unsigned i = (unsigned)l->first_field + k;
        if (i < pkt->nfields && i < WS_MAX_FIELDS && pkt->fields[i].depth > 0)
            return true;
    }
    return false;
}

static void layer_title(struct tree *t, const struct ws_packet *pkt, int index,
                        bool collapsed, const struct detail_frame *frame)
{
    const struct ws_layer *l = &pkt->layers[index];
    const struct proto_desc *d = proto_get((enum ws_proto)l->proto);
    char buf[512];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_puts(&tb, d && d->title ? d->title : decode_proto_name((enum ws_proto)l->proto));
    switch (l->proto) {
    case P_ETH: eth_summary(&tb, pkt, l); break;
    case P_IPV4:
    case P_IPV6: ip_summary(&tb, pkt, l); break;
    case P_TCP:
    case P_UDP: transport_summary(&tb, pkt, l, frame ? frame->tcp_rel : NULL); break;
    default: break;
    }
    title_fields(&tb, pkt, l);
    int row = tree_line(t, l->off, l->len, index, true);
    const char *marker = "  ";
    if (layer_has_children(pkt, l))
        marker = t->cb->ascii ? (collapsed ? "+ " : "- ")
                              : (collapsed ? "\xe2\x96\xb8 " : "\xe2\x96\xbe ");
    int col = cellbuf_put(t->cb, row, 0, marker, line_role(t, ROLE_DIM));
    col = cellbuf_put(t->cb, row, col, buf, line_role(t, ROLE_HEADER));
    if (l->event != EV_NONE)
        put_event(t, row, col, (enum ws_event)l->event);
}

static void layer_fields(struct tree *t, const struct ws_packet *pkt, int index)
{
    const struct ws_layer *l = &pkt->layers[index];
    char buf[WS_FIELD_TEXT + 128];
    struct textbuf tb;
    for (unsigned k = 0; k < l->nfields; k++) {
        unsigned i = (unsigned)l->first_field + k;
        if (i >= pkt->nfields || i >= WS_MAX_FIELDS)
            break;
        const struct ws_field *f = &pkt->fields[i];
        if (f->depth == 0)
            continue;
        tb_init(&tb, buf, sizeof buf);
        tb_put_ascii(&tb, f->name ? f->name : "?", 96);
        if (f->text < WS_FIELD_TEXT && pkt->ftext[f->text]) {
            tb_puts(&tb, ": ");
            tb_put_ascii(&tb, pkt->ftext + f->text, WS_FIELD_TEXT - f->text);
        }
        int row = tree_line(t, f->off, f->len, index, false);
        cellbuf_put(t->cb, row, 2 + 2 * f->depth, buf, line_role(t, ROLE_NORMAL));
    }
}

void detail_tcp_rel(const struct conn *c, const struct ws_packet *pkt,
                    struct info_tcp_rel *rel)
{
    int side = pkt->sport == c->port[SIDE_CLIENT] &&
                       addr_cmp(&pkt->src, &c->addr[SIDE_CLIENT]) == 0
                   ? SIDE_CLIENT : SIDE_SERVER;
    rel->relative = true;
    rel->seq_base = c->seq_base[side];
    rel->ack_base = c->seq_base[!side];
    rel->win_shift = c->win_scale[side] >= 0 && !(pkt->u.tcp.flags & TCP_SYN)
                         ? c->win_scale[side] : -1;
}

int detail_render_frame(struct cellbuf *cb, const struct detail_frame *frame,
                        const struct ws_packet *pkt, uint32_t collapsed,
                        int selected, struct detail_line *lines, int max_lines)
{
    struct tree t = {cb, selected, lines, max_lines, 0};
    frame_line(&t, frame, pkt);
    for (int i = 0; i < pkt->nlayers && i < WS_MAX_LAYERS; i++) {
        bool folded = i < 32 && (collapsed >> i & 1u);
        layer_title(&t, pkt, i, folded, frame);
        if (!folded)
            layer_fields(&t, pkt, i);
    }
    return t.count;
}

int detail_render(struct cellbuf *cb, const struct ws_packet *pkt,
                  uint32_t collapsed, int selected, struct detail_line *lines,
                  int max_lines)
{
    return detail_render_frame(cb, NULL, pkt, collapsed, selected, lines,
                               max_lines);
}

/* ---------- the hex dump ---------- */

/* Column of byte i (0..per_row-1) of a row: a gap after every 8. */
static int hex_col(int i)
{
    return 10 + 3 * i + (i >= 8 ? 1 : 0);
}

static int ascii_col(int per_row)
{
    return hex_col(per_row - 1) + 4;
}

static void hex_row(struct cellbuf *cb, const uint8_t *p, size_t n,
                    uint64_t label, enum cell_role role, uint64_t hl_lo,
                    uint64_t hl_hi, uint64_t pos, int per_row)
{
    static const char hex[] = "0123456789abcdef";
    int row = cellbuf_add_row(cb);
    char off[9];
    for (int i = 0; i < 8; i++)
        off[i] = hex[label >> (28 - 4 * i) & 15];
    off[8] = '\0';
    cellbuf_put(cb, row, 0, off, ROLE_DIM);
    for (int i = 0; i < per_row && (size_t)i < n; i++) {
        bool hl = pos + (uint64_t)i >= hl_lo && pos + (uint64_t)i < hl_hi;
        enum cell_role r = hl ? ROLE_HIGHLIGHT : role;
        char h[3] = {hex[p[i] >> 4], hex[p[i] & 15], 0};
        cellbuf_put(cb, row, hex_col(i), h, r);
        /* one bar across a highlighted run, not a dotted line */
        bool next_hl = pos + (uint64_t)i + 1 < hl_hi && i + 1 < per_row &&
                       (size_t)i + 1 < n;
        if (hl && next_hl)
            cellbuf_fill(cb, row, hex_col(i) + 2, " ", hex_col(i + 1) - hex_col(i) - 2, r);
        char a[2] = {p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.', 0};
        cellbuf_put(cb, row, ascii_col(per_row) + i, a, r);
    }
}

int hexdump_per_row(int width)
{
    return width >= HEXDUMP_WIDTH ? 16 : 8;
}

static void hex_rows(struct cellbuf *cb, const uint8_t *p, size_t n,
                     uint64_t first_off, enum cell_role role, uint64_t hl_lo,
                     uint64_t hl_hi)
{
    int per_row = hexdump_per_row(cb->width);
    for (size_t done = 0; done < n; done += (size_t)per_row)
        hex_row(cb, p + done, n - done, first_off + done, role, hl_lo, hl_hi,
                done, per_row);
}

void hexdump_render(struct cellbuf *cb, const uint8_t *p, size_t n,
                    uint32_t hl_off, uint32_t hl_len)
{
    hex_rows(cb, p, n, 0, ROLE_NORMAL, hl_off, (uint64_t)hl_off + hl_len);
}

void hexdump_render_rows(struct cellbuf *cb, const uint8_t *p, size_t n,
                         uint64_t first_off, enum cell_role role)
{
    hex_rows(cb, p, n, first_off, role, 0, 0);
}
