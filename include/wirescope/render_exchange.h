/* Ladders beyond TCP: a UDP flow or an application exchange (a DNS query
 * and its answer, a DHCP DORA, an FTP control session with its data
 * connections, an RTSP session with its media flows) as arrows between two
 * endpoint columns, labelled with each message's Info text. */
#ifndef WIRESCOPE_RENDER_EXCHANGE_H
#define WIRESCOPE_RENDER_EXCHANGE_H

#include <stdbool.h>

#include "wirescope/app.h"
#include "wirescope/flow.h"
#include "wirescope/render.h"
#include "wirescope/store.h"

/*
 * Flow f's ladder from the stored packets: every packet of a UDP flow; the
 * application messages and SYN/FIN/RST of a TCP flow (pure ACKs are
 * counted, not drawn); one summary arrow per flow f announced (FTP-DATA,
 * RTP, RTCP: bytes and packets); for DHCP, every message of the
 * transactions that touch f, between the client (named by its MAC, since
 * its address is 0.0.0.0) and the server. apps may be NULL.
 */
void exchange_ladder_render(struct cellbuf *cb, const struct flow *f,
                            const struct app_tracker *apps, struct store *s,
                            int linktype);

/*
 * One arrow between the columns at left_col and left_col + inner + 1:
 * "|------ LABEL ------>|" (to_right) or "|<----- LABEL -------|"; returns
 * the column after it. Shared by the TCP ladder and the exchange ladder.
 */
int ladder_arrow(struct cellbuf *cb, int row, int left_col, int inner,
                 bool to_right, const char *label, enum cell_role role);

/* TCP flags as the ladders label them: "SYN,ACK", "PSH,ACK", "<none>". */
void ladder_flags_text(struct textbuf *tb, uint16_t flags);

#endif
