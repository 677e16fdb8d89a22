/* A TCP connection's phases on a horizontal time axis: the tracker's marks
 * labelled above the axis, a scale under it and labelled spans under that,
 * each label on the first row where it overlaps nothing. */
#include <stdlib.h>
#include <string.h>

#include "wirescope/render_timeline.h"
#include "wirescope/xalloc.h"

#define TL_LEVELS 16        /* label rows above, and span rows below */
#define TL_MAX_MARKS (MARK_COUNT + 1)
#define TL_MAX_SPANS 12
#define TL_TICK_SPACING 10  /* columns from one tick label to the next */
#define TL_LABEL 96
#define TL_EDGE UINT64_MAX  /* a span that runs to the right edge */

struct axis {
    uint64_t t0;     /* the connection's first packet: column 0 */
    uint64_t shown;  /* ns from t0 to the right edge */
    uint64_t total;  /* ns from t0 to the connection's end as drawn */
    int width;
    bool zoomed;
    bool ascii;
};

struct tl_mark {
    uint64_t ts;
    const char *name;
    int side;        /* the sender: the arrow points from it */
    enum cell_role role;
    int col;         /* -1: past the right edge */
};

struct tl_span {
    uint64_t from, to; /* to = TL_EDGE: open-ended, to the right edge */
    bool open;         /* still running at `to`: drawn with an arrow */
    enum cell_role role;
    char label[TL_LABEL];
};

/* Rows of labels: which columns each row has used. */
struct levels {
    int width;
    int count; /* rows used so far */
    uint8_t *used;
};

/* ---------- small text helpers ---------- */

/* Columns a UTF-8 string takes (one per character). */
static int text_cols(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static const char *glyph(const struct axis *a, const char *utf8,
                         const char *ascii)
{
    return a->ascii ? ascii : utf8;
}

/* render_duration without trailing zeros, for scale labels: "1.2ms",
 * "500µs", "2s"; zero is "0". */
static void tb_duration_short(struct textbuf *tb, int64_t ns, bool ascii)
{
    if (ns == 0) {
        tb_putc(tb, '0');
        return;
    }
    char buf[40];
    struct textbuf t;
    tb_init(&t, buf, sizeof buf);
    render_duration(&t, ns, ascii);
    char *dot = strchr(buf, '.');
    if (!dot) {
        tb_puts(tb, buf);
        return;
    }
    char *unit = dot + 1;
    while (*unit >= '0' && *unit <= '9')
        unit++;
    char *end = unit;
    while (end > dot + 1 && end[-1] == '0')
        end--;
    if (end == dot + 1)
        end = dot;
    tb_putn(tb, buf, (size_t)(end - buf));
    tb_puts(tb, unit);
}

/* ---------- the axis ---------- */

/* Column of time t, or -1 past the right edge. */
static int axis_col(const struct axis *a, uint64_t t)
{
    if (t <= a->t0 || a->width < 2)
        return 0;
    uint64_t d = t - a->t0;
    if (d > a->shown)
        return -1;
    double col = (double)d * (double)(a->width - 1) / (double)a->shown;
    return (int)(col + 0.5);
}

/* ---------- what the tracker recorded ---------- */

static int collect_marks(const struct conn *c, struct tl_mark *m)
{
    static const struct {
        enum conn_mark mark;
        const char *name;
        int side;
        enum cell_role role;
    } defs[] = {
        {MARK_SYN, "SYN", SIDE_CLIENT, ROLE_SYN},
        {MARK_SYNACK, "SYN,ACK", SIDE_SERVER, ROLE_SYN},
        {MARK_HS_ACK, "ACK", SIDE_CLIENT, ROLE_SYN},
        {MARK_DATA_C2S, "data", SIDE_CLIENT, ROLE_CLIENT},
        {MARK_DATA_S2C, "data", SIDE_SERVER, ROLE_SERVER},
        {MARK_FIN_C, "FIN", SIDE_CLIENT, ROLE_FIN},
        {MARK_FIN_C_ACKED, "ACK", SIDE_SERVER, ROLE_FIN},
        {MARK_FIN_S, "FIN", SIDE_SERVER, ROLE_FIN},
        {MARK_FIN_S_ACKED, "ACK", SIDE_CLIENT, ROLE_FIN},
        {MARK_RST, "RST", SIDE_CLIENT, ROLE_RST},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        uint64_t ts = c->mark[defs[i].mark];
        if (!ts)
            continue;
        int side = defs[i].mark == MARK_RST && c->rst_side == SIDE_SERVER
                       ? SIDE_SERVER : defs[i].side;
        m[n++] = (struct tl_mark){ts, defs[i].name, side, defs[i].role, 0};
    }
    /* stable insertion sort by time: equal times keep protocol order */
    for (int i = 1; i < n; i++) {
        struct tl_mark k = m[i];
        int j = i;
        for (; j > 0 && m[j - 1].ts > k.ts; j--)
            m[j] = m[j - 1];
        m[j] = k;
    }
    return n;
}

static void span_add(struct tl_span *v, int *n, uint64_t from, uint64_t to,
                     bool open, enum cell_role role, const char *label)
{
    if (*n >= TL_MAX_SPANS || !from)
        return;
    struct tl_span *s = &v[(*n)++];
    s->from = from;
    s->to = to < from ? from : to;
    s->open = open;
    s->role = role;
    struct textbuf tb;
    tb_init(&tb, s->label, sizeof s->label);
    tb_puts(&tb, label);
}

/* "<what> <duration>" into buf. */
static void with_duration(char *buf, size_t size, const char *what, int64_t ns,
                          bool ascii)
{
    struct textbuf tb;
    tb_init(&tb, buf, size);
    tb_puts(&tb, what);
    if (ns != CONN_NA) {
        tb_putc(&tb, ' ');
        render_duration(&tb, ns, ascii);
    }
}

static void handshake_span(struct tl_span *v, int *n, const struct conn *c,
                           const struct conn_times *tm, uint64_t end, bool ascii)
{
    if (!c->mark[MARK_SYN])
        return;
    char label[TL_LABEL];
    const char *what = "handshake, initial RTT";
    uint64_t to = c->mark[MARK_HS_ACK];
    if (!to && conn_close_type(c) == CLOSE_REFUSED) {
        what = "refused, initial RTT";
        to = c->mark[MARK_RST];
    }
    if (!to) {
        span_add(v, n, c->mark[MARK_SYN], end, true, ROLE_SYN,
                 "handshake not completed");
        return;
    }
    if (tm->initial_rtt != CONN_NA)
        with_duration(label, sizeof label, what, tm->initial_rtt, ascii);
    else
        with_duration(label, sizeof label, "handshake",
                      (int64_t)(to - c->mark[MARK_SYN]), ascii);
    span_add(v, n, c->mark[MARK_SYN], to, false, ROLE_SYN, label);
}

/* First byte each way: client's first payload to the server's first. */
static void data_span(struct tl_span *v, int *n, const struct conn *c,
                      const struct conn_times *tm, bool ascii)
{
    uint64_t a = c->mark[MARK_DATA_C2S], b = c->mark[MARK_DATA_S2C];
    if (!a || !b)
        return;
    char label[TL_LABEL];
    int64_t gap = tm->ttfb != CONN_NA ? tm->ttfb : 0;
    if (gap >= 0)
        with_duration(label, sizeof label, "first response", gap, ascii);
    else
        with_duration(label, sizeof label, "server spoke first by", -gap, ascii);
    span_add(v, n, a < b ? a : b, a < b ? b : a, false, ROLE_NOTE, label);
}

static void fin_spans(struct tl_span *v, int *n, const struct conn *c,
                      uint64_t end, bool ascii)
{
    static const char *const who[2] = {"client FIN", "server FIN"};
    for (int side = 0; side < 2; side++) {
        uint64_t fin = c->mark[side == SIDE_CLIENT ? MARK_FIN_C : MARK_FIN_S];
        uint64_t ack = c->mark[side == SIDE_CLIENT ? MARK_FIN_C_ACKED : MARK_FIN_S_ACKED];
        if (!fin)
            continue;
        char label[TL_LABEL];
        struct textbuf tb;
        tb_init(&tb, label, sizeof label);
        tb_puts(&tb, who[side]);
        if (ack) {
            tb_puts(&tb, " acked ");
            render_duration(&tb, (int64_t)(ack - fin), ascii);
            span_add(v, n, fin, ack, false, ROLE_FIN, label);
        } else {
            tb_puts(&tb, " not acked");
            span_add(v, n, fin, end, true, ROLE_FIN, label);
        }
    }
}

static const char *close_label(enum conn_close type)
{
    switch (type) {
    case CLOSE_FOUR_WAY: return "four-way close";
    case CLOSE_THREE_WAY: return "three-way close";
    case CLOSE_SIMULTANEOUS: return "simultaneous close";
    case CLOSE_HALF: return "half-close";
    case CLOSE_ABORT: return "closed by RST";
    default: return NULL;
    }
}

/* The first FIN (or RST) to the end of the close, as conn_times() has it. */
static void close_span(struct tl_span *v, int *n, const struct conn *c,
                       const struct conn_times *tm, bool ascii)
{
    const char *what = close_label(conn_close_type(c));
    if (!what || tm->teardown == CONN_NA)
        return;
    uint64_t first = c->active_closer >= 0
                         ? c->mark[c->active_closer == SIDE_CLIENT ? MARK_FIN_C : MARK_FIN_S]
                         : c->mark[MARK_RST];
    char label[TL_LABEL];
    /* an RST alone closes at once: no duration to tell */
    with_duration(label, sizeof label, what, tm->teardown ? tm->teardown : CONN_NA,
                  ascii);
    span_add(v, n, first, first + (uint64_t)tm->teardown, false,
             c->rst_side >= 0 && c->active_closer < 0 ? ROLE_RST : ROLE_FIN, label);
}

/* Returns the latest time a live TIME_WAIT reaches (0 if none). */
static uint64_t time_wait_spans(struct tl_span *v, int *n, const struct conn *c,
                                uint64_t now_ns, bool ascii)
{
    static const char *const who[2] = {"client", "server"};
    uint64_t latest = 0;
    for (int side = 0; side < 2; side++) {
        uint64_t start = c->time_wait_ns[side];
        if (!start)
            continue;
        char label[TL_LABEL];
        struct textbuf tb;
        tb_init(&tb, label, sizeof label);
        tb_puts(&tb, who[side]);
        tb_puts(&tb, " TIME_WAIT");
        if (!now_ns) {
            tb_puts(&tb, ascii ? " (2*MSL)" : " (2\xc2\xb7MSL)");
            span_add(v, n, start, TL_EDGE, true, ROLE_NOTE, label);
            continue;
        }
        uint64_t limit = start + TIMELINE_2MSL_NS;
        uint64_t end = now_ns < start ? start : now_ns > limit ? limit : now_ns;
        tb_putc(&tb, ' ');
        render_duration(&tb, (int64_t)(end - start), ascii);
        tb_puts(&tb, ascii ? " of 2*MSL" : " of 2\xc2\xb7MSL");
        span_add(v, n, start, end, end < limit, ROLE_NOTE, label);
        if (end > latest)
            latest = end;
    }
    return latest;
}

/* ---------- label rows ---------- */

static void levels_init(struct levels *lv, int width)
{
    lv->width = width;
    lv->count = 0;
    lv->used = xcalloc(TL_LEVELS, (size_t)width);
}

/* Is [lo, hi) free on row `level`, with a blank column either side? */
static bool levels_free(const struct levels *lv, int level, int lo, int hi)
{
    const uint8_t *row = lv->used + (size_t)level * (size_t)lv->width;
    for (int i = lo - 1; i <= hi; i++)
        if (i >= 0 && i < lv->width && row[i])
            return false;
    return true;
}

static void levels_take(struct levels *lv, int level, int lo, int hi)
{
    uint8_t *row = lv->used + (size_t)level * (size_t)lv->width;
    for (int i = lo < 0 ? 0 : lo; i < hi && i < lv->width; i++)
        row[i] = 1;
    if (level + 1 > lv->count)
        lv->count = level + 1;
}

/* Places the first of the n candidate intervals that fits on the lowest
 * row; returns the row and sets *which, or -1 when all rows are full. */
static int levels_place(struct levels *lv, const int (*cand)[2], int n,
                        int *which)
{
    for (int level = 0; level < TL_LEVELS; level++) {
        for (int k = 0; k < n; k++) {
            if (levels_free(lv, level, cand[k][0], cand[k][1])) {
                levels_take(lv, level, cand[k][0], cand[k][1]);
                *which = k;
                return level;
            }
        }
    }
    return -1;
}

/* ---------- marks above the axis ---------- */

/* "SYN→" from the client, "←SYN,ACK" from the server. */
static void mark_text(struct textbuf *tb, const struct axis *a,
                      const struct tl_mark *m)
{
    const char *arrow_r = glyph(a, "\xe2\x86\x92", "->");
    const char *arrow_l = glyph(a, "\xe2\x86\x90", "<-");
    if (m->side == SIDE_SERVER)
        tb_puts(tb, arrow_l);
    tb_puts(tb, m->name);
    if (m->side == SIDE_CLIENT)
        tb_puts(tb, arrow_r);
}

/* Marks in one column, drawn as one label; level is their row. */
struct mark_group {
    int first, count;
    int col, lab, level;
};

static int group_cols(const struct axis *a, const struct tl_mark *m,
                      const struct mark_group *g)
{
    int cols = g->count - 1; /* spaces between the marks */
    for (int i = 0; i < g->count; i++) {
        char buf[32];
        struct textbuf tb;
        tb_init(&tb, buf, sizeof buf);
        mark_text(&tb, a, &m[g->first + i]);
        cols += text_cols(buf);
    }
    return cols;
}

/* Label starting at the mark's column or ending there, on the lowest row
 * with room (at the right edge only when neither fits the width); returns
 * the level, -1 when no row is free. */
static int place_label(struct levels *lv, int col, int len, int *lab)
{
    int w = lv->width;
    int cand[2][2] = {{col, col + len}, {col - len + 1, col + 1}};
    int n = 0, keep[2][2];
    for (int k = 0; k < 2; k++)
        if (cand[k][0] >= 0 && cand[k][1] <= w)
            memcpy(keep[n++], cand[k], sizeof cand[k]);
    if (n == 0) { /* fits neither way: at the right edge, cut if wider */
        keep[0][0] = w - len < 0 ? 0 : w - len;
        keep[0][1] = w;
        n = 1;
    }
    int which = 0;
    int level = levels_place(lv, (const int (*)[2])keep, n, &which);
    *lab = keep[which][0];
    return level;
}

static void draw_group(struct cellbuf *cb, int row, const struct axis *a,
                       const struct tl_mark *m, const struct mark_group *g)
{
    int col = g->lab;
    for (int i = 0; i < g->count; i++) {
        char buf[32];
        struct textbuf tb;
        tb_init(&tb, buf, sizeof buf);
        if (i)
            tb_putc(&tb, ' ');
        mark_text(&tb, a, &m[g->first + i]);
        col = cellbuf_put(cb, row, col, buf, m[g->first + i].role);
    }
}

/* Marks past the right edge: "3 more → +12.3s" (the first of them). */
static void hidden_marks_text(struct textbuf *tb, const struct axis *a,
                              const struct tl_mark *m, int n)
{
    int hidden = 0;
    uint64_t first = 0;
    for (int i = 0; i < n; i++) {
        if (m[i].col >= 0)
            continue;
        if (!hidden++)
            first = m[i].ts;
    }
    if (!hidden)
        return;
    tb_u64(tb, (uint64_t)hidden);
    tb_puts(tb, hidden == 1 ? " mark " : " more ");
    tb_puts(tb, glyph(a, "\xe2\x86\x92", "->"));
    tb_puts(tb, " +");
    tb_duration_short(tb, (int64_t)(first - a->t0), a->ascii);
}

static void draw_marks(struct cellbuf *cb, const struct axis *a,
                       struct tl_mark *m, int n)
{
    struct mark_group g[TL_MAX_MARKS];
    int ng = 0;
    struct levels lv;
    levels_init(&lv, a->width);
    /* a shared label stays within half the width: the rest of the column's
     * marks start another label, stacked above it */
    int max_cols = a->width / 2;
    for (int i = 0; i < n; i++) {
        m[i].col = axis_col(a, m[i].ts);
        if (m[i].col < 0)
            continue;
        if (ng && g[ng - 1].col == m[i].col) {
            g[ng - 1].count++;
            if (group_cols(a, m, &g[ng - 1]) <= max_cols)
                continue;
            g[ng - 1].count--;
        }
        g[ng++] = (struct mark_group){i, 1, m[i].col, 0, 0};
    }
    for (int i = 0; i < ng; i++)
        g[i].level = place_label(&lv, g[i].col, group_cols(a, m, &g[i]), &g[i].lab);
    char hidden[64];
    struct textbuf tb;
    tb_init(&tb, hidden, sizeof hidden);
    hidden_marks_text(&tb, a, m, n);
    int hidden_lab = 0, hidden_level = -1;
    if (tb.len)
        hidden_level = place_label(&lv, a->width - 1, text_cols(hidden), &hidden_lab);
    int top = cb->rows;
    for (int i = 0; i < lv.count; i++)
        cellbuf_add_row(cb);
    for (int i = 0; i < ng; i++)
        if (g[i].level >= 0)
            draw_group(cb, top + lv.count - 1 - g[i].level, a, m, &g[i]);
    if (hidden_level >= 0)
        cellbuf_put(cb, top + lv.count - 1 - hidden_level, hidden_lab, hidden, ROLE_NOTE);
    free(lv.used);
}

/* ---------- the axis line and its scale ---------- */

/* The smallest 1-2-5 step (at least 1 µs) that leaves TL_TICK_SPACING
 * columns between ticks. */
static uint64_t tick_step(const struct axis *a)
{
    double per_col = (double)a->shown / (double)(a->width > 1 ? a->width - 1 : 1);
    double want = per_col * TL_TICK_SPACING;
    uint64_t step = 1000;
    for (;;) {
        static const uint64_t mult[3] = {1, 2, 5};
        for (int k = 0; k < 3; k++)
            if ((double)(step * mult[k]) >= want)
                return step * mult[k];
        if (step > UINT64_MAX / 100)
            return step;
        step *= 10;
    }
}

static void draw_axis(struct cellbuf *cb, const struct axis *a,
                      const struct tl_mark *m, int n, uint64_t step)
{
    int row = cellbuf_add_row(cb);
    cellbuf_fill(cb, row, 0, glyph(a, "\xe2\x94\x80", "-"), a->width, ROLE_DIM);
    for (uint64_t t = 0; t <= a->shown; t += step) {
        cellbuf_put(cb, row, axis_col(a, a->t0 + t), glyph(a, "\xe2\x94\xbc", "+"), ROLE_DIM);
        if (t > UINT64_MAX - step)
            break;
    }
    if (a->zoomed)
        cellbuf_put(cb, row, a->width - 1, glyph(a, "\xe2\x86\x92", ">"), ROLE_NOTE);
    for (int i = 0; i < n; i++)
        if (m[i].col >= 0)
            cellbuf_put(cb, row, m[i].col, glyph(a, "\xe2\x97\x8f", "*"), m[i].role);
}

static void draw_scale(struct cellbuf *cb, const struct axis *a, uint64_t step)
{
    int row = cellbuf_add_row(cb);
    int next_free = 0;
    for (uint64_t t = 0; t <= a->shown; t += step) {
        char buf[32];
        struct textbuf tb;
        tb_init(&tb, buf, sizeof buf);
        tb_duration_short(&tb, (int64_t)t, a->ascii);
        int col = axis_col(a, a->t0 + t);
        int len = text_cols(buf);
        if (col >= next_free && col + len <= a->width) {
            cellbuf_put(cb, row, col, buf, ROLE_DIM);
            next_free = col + len + 1;
        }
        if (t > UINT64_MAX - step)
            break;
    }
}

/* ---------- spans under the scale ---------- */

struct span_place {
    int c0, c1;    /* bar columns; c0 = -1 when the span starts past the edge */
    bool cut;      /* runs past the right edge */
    int lab;       /* label column */
    int level;     /* row of the bar, -1: no room */
    int lab_level; /* row of the label: the bar's or the next */
    char text[TL_LABEL + 32];
};

static void span_geometry(const struct axis *a, const struct tl_span *s,
                          struct span_place *p)
{
    struct textbuf tb;
    tb_init(&tb, p->text, sizeof p->text);
    tb_puts(&tb, s->label);
    p->c0 = axis_col(a, s->from);
    p->cut = false;
    if (p->c0 < 0) {
        tb_putc(&tb, ' ');
        tb_puts(&tb, glyph(a, "\xe2\x86\x92", "->"));
        tb_puts(&tb, " +");
        tb_duration_short(&tb, (int64_t)(s->from - a->t0), a->ascii);
        p->c1 = -1;
        return;
    }
    p->c1 = s->to == TL_EDGE ? -1 : axis_col(a, s->to);
    if (p->c1 < 0) {
        p->c1 = a->width - 1;
        p->cut = s->to != TL_EDGE || a->zoomed;
    }
}

/* The label inside the bar, after it or before it on the bar's row; when
 * none fits, on the row under the bar, from the bar's start. */
static void place_span(struct levels *lv, struct span_place *p)
{
    int w = lv->width, len = text_cols(p->text);
    int cand[3][2], lab[3], n = 0, which = 0;
    if (p->c0 < 0) { /* past the right edge: the label alone, at the edge */
        lab[n] = w - len < 0 ? 0 : w - len;
        cand[n][0] = lab[n], cand[n][1] = w, n++;
    } else {
        if (p->c1 - p->c0 - 1 >= len + 4) /* "├─ label ─┤" */
            lab[n] = p->c0 + 3, cand[n][0] = p->c0, cand[n][1] = p->c1 + 1, n++;
        if (p->c1 + 2 + len <= w)
            lab[n] = p->c1 + 2, cand[n][0] = p->c0, cand[n][1] = p->c1 + 2 + len, n++;
        if (p->c0 - 1 - len >= 0)
            lab[n] = p->c0 - 1 - len, cand[n][0] = lab[n], cand[n][1] = p->c1 + 1, n++;
    }
    p->level = n ? levels_place(lv, (const int (*)[2])cand, n, &which) : -1;
    if (p->level >= 0) {
        p->lab = lab[which];
        p->lab_level = p->level;
        return;
    }
    p->lab = p->c0 < w - len ? p->c0 : w - len;
    if (p->lab < 0)
        p->lab = 0;
    for (int level = 0; level + 1 < TL_LEVELS; level++) {
        if (levels_free(lv, level, p->c0, p->c1 + 1) &&
            levels_free(lv, level + 1, p->lab, p->lab + len)) {
            levels_take(lv, level, p->c0, p->c1 + 1);
            levels_take(lv, level + 1, p->lab, p->lab + len);
            p->level = level;
            p->lab_level = level + 1;
            return;
        }
    }
}

static void draw_bar(struct cellbuf *cb, int row, const struct axis *a,
                     const struct span_place *p, bool open, enum cell_role role)
{
    if (p->c0 < 0)
        return;
    bool arrow = open || p->cut;
    if (p->c1 == p->c0) {
        cellbuf_put(cb, row, p->c0, arrow ? glyph(a, "\xe2\x86\x92", ">") : glyph(a, "\xe2\x94\x82", "|"), role);
        return;
    }
    cellbuf_put(cb, row, p->c0, glyph(a, "\xe2\x94\x9c", "|"), role);
    cellbuf_fill(cb, row, p->c0 + 1, glyph(a, "\xe2\x94\x80", "-"), p->c1 - p->c0 - 1, role);
    cellbuf_put(cb, row, p->c1,
                arrow ? glyph(a, "\xe2\x86\x92", ">") : glyph(a, "\xe2\x94\xa4", "|"), role);
}

static void draw_spans(struct cellbuf *cb, const struct axis *a,
                       const struct tl_span *v, int n)
{
    struct span_place p[TL_MAX_SPANS];
    struct levels lv;
    levels_init(&lv, a->width);
    for (int i = 0; i < n; i++) {
        span_geometry(a, &v[i], &p[i]);
        place_span(&lv, &p[i]);
    }
    int top = cb->rows;
    for (int i = 0; i < lv.count; i++)
        cellbuf_add_row(cb);
    for (int i = 0; i < n; i++) {
        if (p[i].level < 0)
            continue;
        int row = top + p[i].level;
        draw_bar(cb, row, a, &p[i], v[i].open, v[i].role);
        /* a label inside its bar is set off from it by a blank either side */
        bool inside = p[i].lab_level == p[i].level && p[i].c0 >= 0 &&
                      p[i].lab > p[i].c0 && p[i].lab < p[i].c1;
        row = top + p[i].lab_level;
        if (inside)
            cellbuf_put(cb, row, p[i].lab - 1, " ", v[i].role);
        int end = cellbuf_put(cb, row, p[i].lab, p[i].text, v[i].role);
        if (inside && end < p[i].c1)
            cellbuf_put(cb, row, end, " ", v[i].role);
    }
    free(lv.used);
}

/* ---------- putting it together ---------- */

/* "timeline: 0 to 1.879ms of 7.515ms (zoom 4x)", shortened to what the
 * width holds: "0 to 1.879ms of 7.515ms (4x)", then "1.879ms of 7.515ms". */
static void draw_header(struct cellbuf *cb, const struct axis *a, int zoom)
{
    char buf[160];
    struct textbuf tb;
    for (int form = 0; form < 3; form++) {
        tb_init(&tb, buf, sizeof buf);
        if (form == 0)
            tb_puts(&tb, "timeline: ");
        if (a->zoomed) {
            if (form < 2)
                tb_puts(&tb, "0 to ");
            tb_duration_short(&tb, (int64_t)a->shown, a->ascii);
            tb_puts(&tb, " of ");
        }
        render_duration(&tb, (int64_t)a->total, a->ascii);
        if (a->zoomed && form < 2) {
            tb_puts(&tb, form == 0 ? " (zoom " : " (");
            tb_u64(&tb, 1ull << zoom);
            tb_puts(&tb, "x)");
        }
        if (text_cols(buf) <= a->width)
            break;
    }
    cellbuf_put(cb, cellbuf_add_row(cb), 0, buf, ROLE_HEADER);
}

void timeline_render(struct cellbuf *cb, const struct conn *c, int zoom,
                     uint64_t now_ns)
{
    zoom = zoom < 0 ? 0 : zoom > TIMELINE_MAX_ZOOM ? TIMELINE_MAX_ZOOM : zoom;
    struct axis a = {.t0 = c->first_ns, .width = cb->width, .ascii = cb->ascii,
                     .zoomed = zoom > 0};
    uint64_t end = c->last_ns > c->first_ns ? c->last_ns : c->first_ns;
    if (!c->closed && now_ns > end)
        end = now_ns;
    struct conn_times tm;
    conn_times(c, &tm);
    struct tl_span spans[TL_MAX_SPANS];
    int ns = 0;
    handshake_span(spans, &ns, c, &tm, end, a.ascii);
    data_span(spans, &ns, c, &tm, a.ascii);
    fin_spans(spans, &ns, c, end, a.ascii);
    close_span(spans, &ns, c, &tm, a.ascii);
    uint64_t tw_end = time_wait_spans(spans, &ns, c, now_ns, a.ascii);
    if (tw_end > end)
        end = tw_end;
    a.total = end - a.t0;
    /* An open-ended span gets the last sixth of the width past the end. */
    bool open_ended = false;
    for (int i = 0; i < ns; i++)
        open_ended |= spans[i].to == TL_EDGE;
    uint64_t whole = a.total;
    if (open_ended && a.width > 6)
        whole = (uint64_t)((double)a.total * (double)(a.width - 1) /
                           (double)(a.width - 1 - (a.width - 1) / 6));
    a.shown = whole >> zoom;
    if (a.shown < 1000)
        a.shown = 1000;
    struct tl_mark marks[TL_MAX_MARKS];
    int nm = collect_marks(c, marks);
    uint64_t step = tick_step(&a);
    draw_header(cb, &a, zoom);
    draw_marks(cb, &a, marks, nm);
    draw_axis(cb, &a, marks, nm, step);
    draw_scale(cb, &a, step);
    draw_spans(cb, &a, spans, ns);
}
