/* The follow pane: a connection's reassembled streams (src/track/stream.c)
 * as sanitised text or hex rows, client and server in their own roles. */
#include <string.h>

#include "wirescope/render_detail.h"
#include "wirescope/render_follow.h"
#include "wirescope/sanitize.h"

#define FOLLOW_SLICE 4096 /* bytes sanitised at a time */

void follow_endpoint_text(struct textbuf *tb, const struct conn *c, int side)
{
    char a[WS_ADDR_STRLEN];
    addr_format(&c->addr[side], a, sizeof a);
    bool v6 = !addr_is_v4(&c->addr[side]);
    tb_puts(tb, v6 ? "[" : "");
    tb_puts(tb, a);
    tb_puts(tb, v6 ? "]:" : ":");
    tb_u64(tb, c->port[side]);
}

void follow_totals_text(struct textbuf *tb, const struct tcp_stream *st,
                        int side)
{
    tb_puts(tb, side == SIDE_CLIENT ? "client sent " : "server sent ");
    tb_u64(tb, st->len[side]);
    tb_puts(tb, " bytes (");
    tb_u64(tb, st->gap_bytes[side]);
    tb_puts(tb, " missing, ");
    tb_u64(tb, st->overlap_bytes[side]);
    tb_puts(tb, " retransmitted)");
}

/* Our own lines (headers, totals) on as many rows as the width needs,
 * broken after a space where there is one. */
static void put_wrapped(struct cellbuf *cb, const char *text, enum cell_role role)
{
    const char *p = text;
    do {
        int cols = 0;
        const char *q = p, *brk = NULL;
        while (*q && cols < cb->width) {
            if (*q == ' ')
                brk = q + 1;
            q++;
            while (((unsigned char)*q & 0xc0) == 0x80)
                q++;
            cols++;
        }
        const char *end = *q && brk ? brk : q;
        char line[512];
        size_t n = (size_t)(end - p) < sizeof line ? (size_t)(end - p) : sizeof line - 1;
        memcpy(line, p, n);
        line[n] = '\0';
        cellbuf_put(cb, cellbuf_add_row(cb), 0, line, role);
        p = end;
    } while (*p);
}

/* ---------- text: a cursor that wraps at the width ---------- */

struct text_out {
    struct cellbuf *cb;
    int row; /* -1: the next character starts a new line */
    int col;
    enum cell_role role;
};

static void out_char(struct text_out *o, char ch)
{
    if (o->row < 0 || o->col >= o->cb->width) {
        o->row = cellbuf_add_row(o->cb);
        o->col = 0;
    }
    char s[2] = {ch, 0};
    o->col = cellbuf_put(o->cb, o->row, o->col, s, o->role);
}

/* Sanitised text: printable ASCII, '\n' ends a line, '\t' jumps to the
 * next multiple of 8. */
static void out_text(struct text_out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            if (o->row < 0) /* an empty line */
                cellbuf_add_row(o->cb);
            o->row = -1;
        } else if (s[i] == '\t') {
            do
                out_char(o, ' ');
            while (o->col % 8 && o->col < o->cb->width);
        } else {
            out_char(o, s[i]);
        }
    }
}

static void draw_text(struct text_out *o, const uint8_t *p, size_t n)
{
    char buf[4 * (FOLLOW_SLICE + 1) + 8];
    struct textbuf tb;
    for (size_t done = 0; done < n;) {
        size_t k = n - done < FOLLOW_SLICE ? n - done : FOLLOW_SLICE;
        if (p[done + k - 1] == '\r' && done + k < n)
            k++; /* keep "\r\n" in one slice: it is one line break */
        tb_init(&tb, buf, sizeof buf);
        sanitize_bytes(&tb, p + done, k, true);
        out_text(o, tb.p, tb.len);
        done += k;
    }
}

/* ---------- one direction's run of chunks ---------- */

struct follow_ctx {
    struct cellbuf *cb;
    const struct conn *c;
    struct store *store;
    const struct tcp_stream *st;
    bool hex;
    size_t pos[2]; /* bytes of each side drawn so far */
};

static size_t run_end(const struct tcp_stream *st, size_t i)
{
    size_t j = i + 1;
    while (j < st->nchunks && st->chunks[j].side == st->chunks[i].side)
        j++;
    return j;
}

static void run_header(struct follow_ctx *x, size_t i, size_t j)
{
    const struct stream_chunk *first = &x->st->chunks[i];
    uint64_t bytes = 0, missing = 0;
    for (size_t k = i; k < j; k++) {
        if (x->st->chunks[k].gap)
            missing += x->st->chunks[k].len;
        else
            bytes += x->st->chunks[k].len;
    }
    char buf[256];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_puts(&tb, first->side == SIDE_CLIENT ? "client " : "server ");
    follow_endpoint_text(&tb, x->c, first->side);
    tb_puts(&tb, x->cb->ascii ? " -> " : " \xe2\x86\x92 ");
    follow_endpoint_text(&tb, x->c, !first->side);
    tb_puts(&tb, ": ");
    tb_u64(&tb, bytes);
    tb_puts(&tb, " bytes");
    if (missing) {
        tb_puts(&tb, " (");
        tb_u64(&tb, missing);
        tb_puts(&tb, " missing)");
    }
    const struct pkt_entry *e = first->packet ? store_entry(x->store, first->packet - 1) : NULL;
    if (e && e->ts_ns >= x->c->first_ns) {
        tb_puts(&tb, " at +");
        tb_fixed(&tb, (int64_t)((e->ts_ns - x->c->first_ns) / 1000), 6);
        tb_putc(&tb, 's');
    }
    tb_puts(&tb, " (packet ");
    tb_u64(&tb, first->packet);
    tb_putc(&tb, ')');
    put_wrapped(x->cb, buf, ROLE_HEADER);
}

static void gap_line(struct follow_ctx *x, const struct stream_chunk *ch)
{
    char buf[64];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_putc(&tb, '[');
    tb_u64(&tb, ch->len);
    tb_puts(&tb, " bytes missing]");
    cellbuf_put(x->cb, cellbuf_add_row(x->cb), 0, buf, ROLE_MARK);
}

/* Chunks i..j-1 of one side; bytes between gaps are drawn as one piece
 * (they are contiguous in the side's stream). */
static void draw_run(struct follow_ctx *x, size_t i, size_t j)
{
    int side = x->st->chunks[i].side;
    struct text_out o = {x->cb, -1, 0, side == SIDE_CLIENT ? ROLE_CLIENT : ROLE_SERVER};
    run_header(x, i, j);
    for (size_t k = i; k < j;) {
        const struct stream_chunk *ch = &x->st->chunks[k];
        if (ch->gap) {
            gap_line(x, ch);
            o.row = -1;
            k++;
            continue;
        }
        size_t n = 0, m = k;
        for (; m < j && !x->st->chunks[m].gap; m++)
            n += x->st->chunks[m].len;
        const uint8_t *p = x->st->data[side] + x->pos[side];
        if (x->hex)
            hexdump_render_rows(x->cb, p, n, ch->offset, o.role);
        else
            draw_text(&o, p, n);
        x->pos[side] += n;
        k = m;
    }
}

static void footer(struct follow_ctx *x)
{
    static const char *const who[2] = {"client", "server"};
    char buf[320];
    struct textbuf tb;
    for (int side = 0; side < 2; side++) {
        if (!x->st->limited[side])
            continue;
        tb_init(&tb, buf, sizeof buf);
        tb_putc(&tb, '[');
        tb_puts(&tb, who[side]);
        tb_puts(&tb, ": only the first ");
        tb_u64(&tb, FOLLOW_VIEW_MAX_BYTES);
        tb_puts(&tb, " bytes are shown; --follow gives them all]");
        put_wrapped(x->cb, buf, ROLE_NOTE);
    }
    if (!x->st->nchunks)
        put_wrapped(x->cb, "no payload in either direction", ROLE_DIM);
    for (int side = 0; side < 2; side++) {
        tb_init(&tb, buf, sizeof buf);
        follow_totals_text(&tb, x->st, side);
        put_wrapped(x->cb, buf, ROLE_DIM);
    }
}

void follow_view_render(struct cellbuf *cb, const struct conn *c,
                        struct store *s, int linktype, bool hex)
{
    struct tcp_stream st;
    stream_reassemble(&st, c, s, linktype, FOLLOW_VIEW_MAX_BYTES);
    struct follow_ctx x = {cb, c, s, &st, hex, {0, 0}};
    for (size_t i = 0; i < st.nchunks;) {
        size_t j = run_end(&st, i);
        draw_run(&x, i, j);
        i = j;
    }
    footer(&x);
    stream_free(&st);
}
