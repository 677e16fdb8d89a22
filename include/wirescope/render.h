/* Plain cell buffers that views draw into: text plus a colour role per
 * cell. The curses front end copies them to the screen; batch modes print
 * them as text; tests read them without a terminal. */
#ifndef WIRESCOPE_RENDER_H
#define WIRESCOPE_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "wirescope/conn.h"
#include "wirescope/store.h"
#include "wirescope/textbuf.h"

/* Colour roles; the UI maps them to colours through its scheme table. */
enum cell_role {
    ROLE_NORMAL = 0,
    ROLE_DIM,
    ROLE_HEADER,
    ROLE_CLIENT,  /* client -> server arrows, client bytes */
    ROLE_SERVER,  /* server -> client arrows, server bytes */
    ROLE_SYN,
    ROLE_FIN,
    ROLE_RST,
    ROLE_MARK,    /* analysis marks: retransmission, dup ACK, ... */
    ROLE_NOTE,    /* state changes and timeline notes */
    ROLE_SELECTED,  /* the cursor line of a list or tree (whole row) */
    ROLE_HIGHLIGHT, /* bytes of the selected field in a hex dump */
    /* the terminal UI: packet rows by protocol, malformed packets, bars */
    ROLE_BAD,     /* truncated or malformed packet */
    ROLE_P_TCP,
    ROLE_P_UDP,
    ROLE_P_DNS,
    ROLE_P_HTTP,
    ROLE_P_TLS,   /* TLS, DTLS */
    ROLE_P_ICMP,  /* ICMP, ICMPv6 */
    ROLE_P_ARP,
    ROLE_P_APP,   /* the other application protocols */
    ROLE_BAR,     /* status and hint bars */
    ROLE_KEY,     /* a key's name in the hint bar */
    ROLE_COUNT
};

struct cell {
    char ch[4];    /* one UTF-8 encoded character, ch[0] == 0 means space */
    uint8_t len;
    uint8_t role;
};

struct cellbuf {
    int width;
    int rows;
    int cap;
    bool ascii;    /* draw with ASCII instead of UTF-8 arrows and symbols */
    struct cell *cells;
    /* Optional: rows are handed to sink and dropped whenever sink_rows are
     * buffered, so a batch view of any length costs bounded memory. */
    void (*sink)(const struct cellbuf *cb, void *arg);
    void *sink_arg;
    int sink_rows;
};

void cellbuf_init(struct cellbuf *cb, int width, bool ascii);
void cellbuf_free(struct cellbuf *cb);
/* Appends an empty row; returns its index. */
int cellbuf_add_row(struct cellbuf *cb);
/* Writes UTF-8 text at (row, col) in role; returns the column after it.
 * Text beyond the width is cut; bytes that are not valid UTF-8 or are
 * control characters are drawn as '?', so nothing raw reaches a terminal. */
int cellbuf_put(struct cellbuf *cb, int row, int col, const char *text,
                enum cell_role role);
/* Repeats one character n times. */
int cellbuf_fill(struct cellbuf *cb, int row, int col, const char *ch, int n,
                 enum cell_role role);
/* The row as text, trailing spaces removed. */
void cellbuf_row_text(const struct cellbuf *cb, int row, struct textbuf *tb);
void cellbuf_print(const struct cellbuf *cb, FILE *out);
/* Streams rows to out in blocks of `rows` (call before drawing); the
 * caller calls cellbuf_flush at the end. */
void cellbuf_stream_to(struct cellbuf *cb, FILE *out, int rows);
void cellbuf_flush(struct cellbuf *cb);

/* Renders connection c's ladder diagram and, under it, its compact
 * timeline, reading its packets from the store (the tracker's marks and
 * event log give the notes; nothing is recomputed). */
void ladder_render(struct cellbuf *cb, const struct conn *c, struct store *s,
                   int linktype);

/* The ladder of rows [first, first + count) of c's segments only, for a
 * view that shows the rows on screen of a connection of any size. pkts[0..n)
 * are the stored packet numbers (from 0) of c's segments in order. Draws
 * the endpoint header first and returns how many rows it took; the window's
 * arrows are labelled exactly as ladder_render labels them (the window and
 * dup ACK memory before `first` is recovered from the packets before it). */
int ladder_render_window(struct cellbuf *cb, const struct conn *c,
                         struct store *s, int linktype, const uint64_t *pkts,
                         size_t n, size_t first, size_t count);
/* The four summary lines under a ladder: handshake, data, teardown, state. */
void ladder_render_summary(struct cellbuf *cb, const struct conn *c);

/* Formats a duration the way the ladder labels it: 31µs, 1.234ms, 2.500s. */
void render_duration(struct textbuf *tb, int64_t ns, bool ascii);

#endif
