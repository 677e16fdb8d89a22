/* The packet detail view: the protocol tree (Wireshark's middle pane) and
 * the hex + ASCII dump under it, drawn into cell buffers. */
#ifndef WIRESCOPE_RENDER_DETAIL_H
#define WIRESCOPE_RENDER_DETAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirescope/conn.h"
#include "wirescope/decode.h"
#include "wirescope/info.h"
#include "wirescope/render.h"

/* One drawn line of the tree: the packet bytes it stands for (for the hex
 * dump's highlight), the layer it belongs to (-1 for the frame line) and
 * whether it is a title line (the frame line or a layer's own line). */
struct detail_line {
    uint32_t off, len;
    int layer;
    bool title;
};

/* What the packet itself does not carry: its number in the capture and the
 * connection's relative TCP numbering for the TCP title's summary. */
struct detail_frame {
    uint64_t number;                   /* from 1; 0 = unknown */
    const struct info_tcp_rel *tcp_rel; /* NULL: raw Seq/Ack */
};

/* Fills rel for pkt, a segment of connection c, from the tracker's
 * relative sequence bases (as the ladder numbers segments), for
 * detail_frame.tcp_rel. */
void detail_tcp_rel(const struct conn *c, const struct ws_packet *pkt,
                    struct info_tcp_rel *rel);

/*
 * Appends the protocol tree of pkt (decoded with want_fields = true; its
 * data pointer must still point at the bytes) to cb, one row per line:
 *   line 0      "Frame N: X bytes on wire (8X bits), Y bytes captured (8Y bits)"
 *   per layer   "▾ <title>[, summary][ (depth-0 field text)]  [event]"
 *               ("▸" when collapsed; "-"/"+" when cb->ascii), then, unless
 *               bit i of `collapsed` is set for layer i, its fields as
 *               "Name: value" indented by depth.
 * A truncated or malformed layer shows its decode_event_name in ROLE_MARK;
 * line `selected` is drawn in ROLE_SELECTED across the whole row. Line k
 * is cb row (cb->rows before the call) + k; lines[k] (k < max_lines; lines
 * may be NULL) gets its byte range. Returns the number of lines drawn.
 * Field text is drawn as printable ASCII only (anything else as '?').
 * detail_render is detail_render_frame without a frame: the frame line
 * then reads "Frame: ..." and the TCP summary shows raw numbers.
 */
int detail_render(struct cellbuf *cb, const struct ws_packet *pkt,
                  uint32_t collapsed, int selected, struct detail_line *lines,
                  int max_lines);
int detail_render_frame(struct cellbuf *cb, const struct detail_frame *frame,
                        const struct ws_packet *pkt, uint32_t collapsed,
                        int selected, struct detail_line *lines, int max_lines);

/* Columns of one hex dump row with 16 bytes:
 * "00000000  xx xx xx xx xx xx xx xx  xx xx xx xx xx xx xx xx  ................"
 * Narrower buffers get 8 bytes a row (HEXDUMP_NARROW_WIDTH columns). */
#define HEXDUMP_WIDTH 76
#define HEXDUMP_NARROW_WIDTH 43

/* Bytes per hex dump row in a buffer this wide (16, or 8 under
 * HEXDUMP_WIDTH): byte b is on row b / hexdump_per_row(width). */
int hexdump_per_row(int width);

/*
 * Appends the hex dump of p[0..n): offset, two groups of 8 hex bytes, the
 * ASCII column ('.' for anything outside 0x20-0x7e); the bytes
 * [hl_off, hl_off + hl_len) are drawn in ROLE_HIGHLIGHT in both columns.
 * n = 0 draws nothing.
 */
void hexdump_render(struct cellbuf *cb, const uint8_t *p, size_t n,
                    uint32_t hl_off, uint32_t hl_len);
/* The same rows for bytes that start at first_off of a longer stream (the
 * offset column counts from there), all in `role`, nothing highlighted. */
void hexdump_render_rows(struct cellbuf *cb, const uint8_t *p, size_t n,
                         uint64_t first_off, enum cell_role role);

#endif
