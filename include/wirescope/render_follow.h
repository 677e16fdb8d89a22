/* A TCP connection's reassembled byte streams (as --follow builds them),
 * drawn into a cell buffer for the connection view's follow pane. */
#ifndef WIRESCOPE_RENDER_FOLLOW_H
#define WIRESCOPE_RENDER_FOLLOW_H

#include <stdbool.h>

#include "wirescope/conn.h"
#include "wirescope/render.h"
#include "wirescope/store.h"
#include "wirescope/stream.h"
#include "wirescope/textbuf.h"

/* Bytes per side the view reassembles and draws (--follow keeps 64 MiB):
 * bounds the rows a view builds; a longer side ends with a note. */
#define FOLLOW_VIEW_MAX_BYTES (256u << 10)

/*
 * Appends c's streams in the order the bytes became contiguous: a header
 * line each time the direction changes
 *   "client 10.0.0.1:5000 → 10.0.0.2:80: 73 bytes at +0.000198s (packet 4)"
 * then the bytes in ROLE_CLIENT or ROLE_SERVER: as text through
 * sanitize_bytes (keep_lines: escapes such as "\x1b" are shown, never
 * sent), tabs expanded, wrapped at cb->width; or with hex = true as hex
 * dump rows (hexdump_render_rows) whose offsets count from the start of
 * that side's stream. Bytes missing from the capture appear as
 * "[N bytes missing]" in ROLE_MARK. Two last lines give each side's
 * totals. Headers and totals wrap at spaces to fit the width.
 * Reads the connection's packets from the store (decoder thread).
 */
void follow_view_render(struct cellbuf *cb, const struct conn *c,
                        struct store *s, int linktype, bool hex);

/* Shared with --follow (src/output/follow.c). */
/* "10.0.0.1:5000" or "[fd00::1]:80" */
void follow_endpoint_text(struct textbuf *tb, const struct conn *c, int side);
/* "client sent N bytes (M missing, R retransmitted)" for one side. */
void follow_totals_text(struct textbuf *tb, const struct tcp_stream *st,
                        int side);

#endif
