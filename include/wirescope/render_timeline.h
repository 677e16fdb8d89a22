/* A TCP connection's phases on a horizontal time axis, drawn into a cell
 * buffer for the connection view. */
#ifndef WIRESCOPE_RENDER_TIMELINE_H
#define WIRESCOPE_RENDER_TIMELINE_H

#include <stdint.h>

#include "wirescope/conn.h"
#include "wirescope/render.h"

/* RFC 9293 section 3.4.2: MSL is "arbitrarily defined to be 2 minutes";
 * a live TIME_WAIT span stops growing after 2*MSL. */
#define TIMELINE_2MSL_NS (240ull * 1000000000ull)
#define TIMELINE_MAX_ZOOM 40

/*
 * Appends the timeline of c, cb->width columns wide, time 0 at the left
 * edge being c's first packet:
 *   a header line      "timeline: 7.515ms" or, zoomed in,
 *                      "timeline: 0 to 1.879ms of 7.515ms (zoom 4x)";
 *   mark labels        stacked above the axis, each starting (or ending) at
 *                      its mark's column, client->server ones as "SYN→",
 *                      server->client ones as "←SYN,ACK"; marks that fall in
 *                      one column share a label;
 *   the axis           with a dot per mark and a tick per scale step;
 *   the scale          tick labels "0", "1.2ms", "2.4ms", ...;
 *   the spans          handshake (first SYN to the handshake ACK, labelled
 *                      with tcp.analysis.initial_rtt), first bytes each way,
 *                      each FIN to its ACK, the close (first FIN or RST to
 *                      its end), each TIME_WAIT: bars "├── label ──┤"
 *                      packed on as many rows as needed.
 * Labels never overlap each other and nothing is drawn past the width.
 * zoom 0 fits the whole connection; zoom n shows the first 2^-n of it
 * (n up to TIMELINE_MAX_ZOOM); a span that starts past the right edge is
 * listed there as "label → +12.3s" (its start), marks past it as
 * "N more → +12.3s" (the first of them).
 * now_ns: 0 when there is no clock (a file): an open connection ends at its
 * last packet and TIME_WAIT is an open-ended span to the right edge. Live,
 * the capture clock: an open connection's axis runs to now_ns and
 * TIME_WAIT grows until now_ns, at most 2*MSL.
 * Every time comes from the tracker's marks, event log and conn_times().
 */
void timeline_render(struct cellbuf *cb, const struct conn *c, int zoom,
                     uint64_t now_ns);

#endif
