/* A TCP connection drawn as a ladder: one arrow per segment between the
 * two endpoint columns, with the compact handshake/teardown timeline. */
#include <stdlib.h>
#include <string.h>

#include "wirescope/decode.h"
#include "wirescope/render.h"
#include "wirescope/render_exchange.h"
#include "wirescope/xalloc.h"

#define LADDER_TIME_COL 2
#define LADDER_LEFT 12     /* column of the client's pipe */
#define LADDER_MIN_INNER 38
#define LADDER_MAX_INNER 96

struct ladder_seg {
    uint64_t no;
    uint64_t ts_ns;
    uint32_t ta_flags;
    uint32_t dup_num;
    uint64_t dup_of;
    int side;
    char label[128];
};

struct ladder_segs {
    struct ladder_seg *v;
    size_t n, cap;
};

void ladder_flags_text(struct textbuf *tb, uint16_t f)
{
    static const struct { uint16_t bit; const char *name; } names[] = {
        {TCP_SYN, "SYN"}, {TCP_FIN, "FIN"}, {TCP_RST, "RST"}, {TCP_PSH, "PSH"},
        {TCP_ACK, "ACK"}, {TCP_URG, "URG"}, {TCP_ECE, "ECE"}, {TCP_CWR, "CWR"},
    };
    bool any = false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (f & names[i].bit) {
            if (any)
                tb_putc(tb, ',');
            tb_puts(tb, names[i].name);
            any = true;
        }
    }
    if (!any)
        tb_puts(tb, "<none>");
}

/* Label as the issue's example: "SYN,ACK Seq=0 Ack=1 Win=65483". The
 * window is shown on SYNs, when it changed, and when it is zero. */
static void seg_label(struct ladder_seg *s, const struct ws_tcp *t,
                      uint32_t rel_seq, uint32_t rel_ack, uint32_t len,
                      uint64_t win, bool show_win)
{
    struct textbuf tb;
    tb_init(&tb, s->label, sizeof s->label);
    ladder_flags_text(&tb, t->flags);
    tb_puts(&tb, " Seq=");
    tb_u64(&tb, rel_seq);
    if (t->flags & TCP_ACK) {
        tb_puts(&tb, " Ack=");
        tb_u64(&tb, rel_ack);
    }
    if (len) {
        tb_puts(&tb, " Len=");
        tb_u64(&tb, len);
    }
    if (show_win) {
        tb_puts(&tb, " Win=");
        tb_u64(&tb, win);
    }
}

static void segs_push(struct ladder_segs *v, const struct ladder_seg *s)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->v = xrealloc(v->v, v->cap * sizeof *v->v);
    }
    v->v[v->n++] = *s;
}

struct dir_memory {
    uint64_t last_win;
    bool have_win;
    uint64_t last_ack_no; /* packet of the last ACK that was not a dup */
    uint32_t dup_count;
};

static void add_segment(struct ladder_segs *v, const struct conn *c,
                        const struct ws_packet *pkt, const struct pkt_entry *e,
                        uint64_t no, struct dir_memory mem[2])
{
    const struct ws_tcp *t = &pkt->u.tcp;
    struct ladder_seg s = {.no = no, .ts_ns = e->ts_ns, .ta_flags = e->ta_flags};
    s.side = (pkt->sport == c->port[SIDE_CLIENT] &&
              addr_cmp(&pkt->src, &c->addr[SIDE_CLIENT]) == 0) ? SIDE_CLIENT
                                                                : SIDE_SERVER;
    uint32_t rel_seq = t->seq - c->seq_base[s.side];
    uint32_t rel_ack = t->ack - c->seq_base[!s.side];
    uint64_t win = t->win;
    if (!(t->flags & TCP_SYN) && c->win_scale[s.side] >= 0)
        win <<= c->win_scale[s.side];
    struct dir_memory *m = &mem[s.side];
    bool show_win = (t->flags & TCP_SYN) || !m->have_win || win != m->last_win ||
                    win == 0;
    m->last_win = win;
    m->have_win = true;
    if (e->ta_flags & (1u << TA_DUP_ACK)) {
        s.dup_num = ++m->dup_count;
        s.dup_of = m->last_ack_no;
    } else if (t->flags & TCP_ACK) {
        m->dup_count = 0;
        m->last_ack_no = no;
    }
    seg_label(&s, t, rel_seq, rel_ack, pkt->payload_len, win, show_win);
    segs_push(v, &s);
}

static void collect_segments(struct ladder_segs *v, const struct conn *c,
                             struct store *st, int linktype)
{
    struct dir_memory mem[2] = {{0}, {0}};
    uint8_t *bytes = xmalloc(262144);
    struct ws_packet *pkt = xcalloc(1, sizeof *pkt);
    uint64_t end = store_count(st);
    for (uint64_t n = store_first(st); n < end; n++) {
        const struct pkt_entry *e = store_entry(st, n);
        if (!e || e->conn_id != (uint32_t)c->id)
            continue;
        size_t got = store_read_bytes(st, n, bytes, 262144);
        decode_reset(pkt, bytes, (uint32_t)got, e->len, linktype);
        decode_packet(pkt);
        if (pkt->ip_proto != 6 || !pkt->l4_off)
            continue;
        add_segment(v, c, pkt, e, n + 1, mem);
    }
    free(pkt);
    free(bytes);
}

void render_duration(struct textbuf *tb, int64_t ns, bool ascii)
{
    /* magnitude as unsigned: INT64_MIN has no positive counterpart */
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    if (ns < 0)
        tb_putc(tb, '-');
    if (mag < 1000000) {
        tb_u64(tb, mag / 1000);
        tb_puts(tb, ascii ? "us" : "\xc2\xb5s");
    } else if (mag < 1000000000) {
        tb_u64(tb, mag / 1000000);
        tb_putc(tb, '.');
        char frac[4] = {(char)('0' + mag / 100000 % 10), (char)('0' + mag / 10000 % 10),
                        (char)('0' + mag / 1000 % 10), 0};
        tb_puts(tb, frac);
        tb_puts(tb, "ms");
    } else {
        tb_u64(tb, mag / 1000000000);
        tb_putc(tb, '.');
        char frac[4] = {(char)('0' + mag / 100000000 % 10), (char)('0' + mag / 10000000 % 10),
                        (char)('0' + mag / 1000000 % 10), 0};
        tb_puts(tb, frac);
        tb_putc(tb, 's');
    }
}

static const char *mark_text(enum tcp_ta_flag f)
{
    switch (f) {
    case TA_RETRANSMISSION: return "[Retransmission]";
    case TA_FAST_RETRANSMISSION: return "[Fast Retransmission]";
    case TA_SPURIOUS_RETRANSMISSION: return "[Spurious Retransmission]";
    case TA_OUT_OF_ORDER: return "[Out-Of-Order]";
    case TA_LOST_SEGMENT: return "[Previous segment not captured]";
    case TA_ACK_LOST_SEGMENT: return "[ACKed unseen segment]";
    case TA_ZERO_WINDOW: return "[ZeroWindow]";
    case TA_ZERO_WINDOW_PROBE: return "[ZeroWindowProbe]";
    case TA_ZERO_WINDOW_PROBE_ACK: return "[ZeroWindowProbeAck]";
    case TA_WINDOW_FULL: return "[Window Full]";
    case TA_WINDOW_UPDATE: return "[Window Update]";
    case TA_KEEP_ALIVE: return "[Keep-Alive]";
    case TA_KEEP_ALIVE_ACK: return "[Keep-Alive ACK]";
    case TA_REUSED_PORTS: return "[Port numbers reused]";
    default: return NULL;
    }
}

static void endpoint_text(const struct conn *c, int side, char *buf, size_t size)
{
    char a[WS_ADDR_STRLEN];
    addr_format(&c->addr[side], a, sizeof a);
    struct textbuf tb;
    tb_init(&tb, buf, size);
    bool v6 = !addr_is_v4(&c->addr[side]);
    if (v6)
        tb_putc(&tb, '[');
    tb_puts(&tb, a);
    if (v6)
        tb_putc(&tb, ']');
    tb_putc(&tb, ':');
    tb_u64(&tb, c->port[side]);
}

static int inner_width(const struct ladder_segs *v)
{
    int w = LADDER_MIN_INNER;
    for (size_t i = 0; i < v->n; i++) {
        int need = (int)strlen(v->v[i].label) + 14;
        if (need > w)
            w = need;
    }
    return w > LADDER_MAX_INNER ? LADDER_MAX_INNER : w;
}

static enum cell_role arrow_role(const struct ladder_seg *s)
{
    if (s->ta_flags & ~((1u << TA_WINDOW_UPDATE) | (1u << TA_REUSED_PORTS)))
        return ROLE_MARK;
    if (strstr(s->label, "RST"))
        return ROLE_RST;
    if (strncmp(s->label, "SYN", 3) == 0)
        return ROLE_SYN;
    if (strstr(s->label, "FIN"))
        return ROLE_FIN;
    return s->side == SIDE_CLIENT ? ROLE_CLIENT : ROLE_SERVER;
}

/* |-------- LABEL -------->|  or  |<--- LABEL ----------|  */
static int draw_arrow(struct cellbuf *cb, int row, const struct ladder_seg *s,
                      int inner)
{
    /* Plain ASCII arrows: they read the same in every terminal and font. */
    const char *dash = "-";
    enum cell_role role = arrow_role(s);
    int col = cellbuf_put(cb, row, LADDER_LEFT, "|", ROLE_DIM);
    int label_len = (int)strlen(s->label);
    if (label_len > inner - 8)
        label_len = inner - 8;
    char label[128];
    memcpy(label, s->label, (size_t)label_len);
    label[label_len] = '\0';
    int lead = s->side == SIDE_CLIENT ? 8 : 3;
    if (lead + label_len + 4 > inner)
        lead = 2;
    int trail = inner - lead - label_len - 2;
    if (s->side == SIDE_CLIENT) {
        col = cellbuf_fill(cb, row, col, dash, lead, role);
        col = cellbuf_put(cb, row, col, " ", role);
        col = cellbuf_put(cb, row, col, label, role);
        col = cellbuf_put(cb, row, col, " ", role);
        col = cellbuf_fill(cb, row, col, dash, trail - 1, role);
        col = cellbuf_put(cb, row, col, ">", role);
    } else {
        col = cellbuf_put(cb, row, col, "<", role);
        col = cellbuf_fill(cb, row, col, dash, lead - 1, role);
        col = cellbuf_put(cb, row, col, " ", role);
        col = cellbuf_put(cb, row, col, label, role);
        col = cellbuf_put(cb, row, col, " ", role);
        col = cellbuf_fill(cb, row, col, dash, trail, role);
    }
    return cellbuf_put(cb, row, col, "|", ROLE_DIM);
}

/* State changes this packet caused, from the tracker's event log. */
static int draw_state_notes(struct cellbuf *cb, int row, int col,
                            const struct conn *c, uint64_t no)
{
    static const char *const side_names[2] = {"client", "server"};
    for (unsigned i = 0; i < c->log_len; i++) {
        const struct conn_event *e = &c->log[i];
        if (e->packet != no)
            continue;
        char note[64];
        struct textbuf tb;
        tb_init(&tb, note, sizeof note);
        tb_puts(&tb, "  ");
        tb_puts(&tb, side_names[e->side & 1]);
        tb_putc(&tb, ' ');
        tb_puts(&tb, conn_state_name((enum tcp_state)e->to));
        col = cellbuf_put(cb, row, col, note, ROLE_NOTE);
    }
    return col;
}

/* The packet whose ACK completed the handshake, from the event log. */
static uint64_t handshake_packet(const struct conn *c)
{
    for (unsigned i = 0; i < c->log_len; i++)
        if (c->log[i].side == SIDE_CLIENT && c->log[i].to == TS_ESTABLISHED)
            return c->mark[MARK_HS_ACK] ? c->log[i].packet : 0;
    return 0;
}

static void draw_segment_row(struct cellbuf *cb, const struct conn *c,
                             const struct ladder_seg *s, uint64_t prev_ns,
                             int inner, const struct conn_times *tm)
{
    int row = cellbuf_add_row(cb);
    char buf[160];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_fixed(&tb, (int64_t)(s->ts_ns - c->first_ns) / 1000, 6);
    cellbuf_put(cb, row, LADDER_TIME_COL, buf, ROLE_NORMAL);
    int col = draw_arrow(cb, row, s, inner);
    if (prev_ns) {
        tb_init(&tb, buf, sizeof buf);
        tb_puts(&tb, "  +");
        render_duration(&tb, (int64_t)(s->ts_ns - prev_ns), cb->ascii);
        col = cellbuf_put(cb, row, col, buf, ROLE_DIM);
    }
    for (int f = 0; f < TA_COUNT; f++) {
        if (!(s->ta_flags & (1u << f)))
            continue;
        tb_init(&tb, buf, sizeof buf);
        tb_puts(&tb, "  ");
        if (f == TA_DUP_ACK) {
            tb_puts(&tb, "[Dup ACK #");
            tb_u64(&tb, s->dup_num);
            if (s->dup_of) {
                tb_puts(&tb, " of ");
                tb_u64(&tb, s->dup_of);
            }
            tb_putc(&tb, ']');
        } else if (mark_text((enum tcp_ta_flag)f)) {
            tb_puts(&tb, mark_text((enum tcp_ta_flag)f));
        }
        col = cellbuf_put(cb, row, col, buf, ROLE_MARK);
    }
    if (s->no == handshake_packet(c) && tm->initial_rtt != CONN_NA) {
        tb_init(&tb, buf, sizeof buf);
        tb_puts(&tb, "  handshake done, initial RTT ");
        render_duration(&tb, tm->initial_rtt, cb->ascii);
        col = cellbuf_put(cb, row, col, buf, ROLE_NOTE);
    }
    draw_state_notes(cb, row, col, c, s->no);
}

/* Client name over the left column, server name ending over the right
 * one; when both do not fit on one line the server gets a line of its own. */
static void draw_header(struct cellbuf *cb, const struct conn *c, int inner)
{
    char client[80], server[80];
    endpoint_text(c, SIDE_CLIENT, client, sizeof client);
    endpoint_text(c, SIDE_SERVER, server, sizeof server);
    int row = cellbuf_add_row(cb);
    cellbuf_put(cb, row, LADDER_TIME_COL, "time", ROLE_HEADER);
    cellbuf_put(cb, row, LADDER_LEFT, client, ROLE_CLIENT);
    int right_end = LADDER_LEFT + inner + 2;
    int server_col = right_end - (int)strlen(server);
    if (server_col < LADDER_LEFT + (int)strlen(client) + 2)
        row = cellbuf_add_row(cb);
    if (server_col < LADDER_LEFT)
        server_col = LADDER_LEFT;
    cellbuf_put(cb, row, server_col, server, ROLE_SERVER);
}

/* "label  value" lines of the compact timeline under the ladder. */
static void timeline_line(struct cellbuf *cb, const char *label,
                          const char *text)
{
    int row = cellbuf_add_row(cb);
    int col = cellbuf_put(cb, row, LADDER_TIME_COL, label, ROLE_HEADER);
    (void)col;
    cellbuf_put(cb, row, LADDER_LEFT + 1, text, ROLE_NORMAL);
}

static void tb_at(struct textbuf *tb, const struct conn *c, uint64_t ts)
{
    tb_fixed(tb, (int64_t)(ts - c->first_ns) / 1000, 6);
}

static void timeline_handshake(struct cellbuf *cb, const struct conn *c,
                               const struct conn_times *tm)
{
    char buf[256];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    if (!c->mark[MARK_SYN]) {
        tb_puts(&tb, c->partial ? "not seen (capture started mid-connection)"
                                : "no SYN seen");
    } else {
        tb_puts(&tb, "SYN ");
        tb_at(&tb, c, c->mark[MARK_SYN]);
        if (c->mark[MARK_SYNACK]) {
            tb_puts(&tb, ", SYN/ACK +");
            render_duration(&tb, tm->syn_synack, cb->ascii);
        }
        if (c->mark[MARK_HS_ACK]) {
            tb_puts(&tb, ", ACK +");
            render_duration(&tb, tm->synack_ack, cb->ascii);
            tb_puts(&tb, "; initial RTT ");
            render_duration(&tb, tm->initial_rtt, cb->ascii);
        } else if (!c->mark[MARK_SYNACK]) {
            tb_puts(&tb, "; no SYN/ACK");
        }
    }
    timeline_line(cb, "handshake", buf);
}

static void timeline_data(struct cellbuf *cb, const struct conn *c,
                          const struct conn_times *tm)
{
    char buf[256];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_puts(&tb, "client ");
    tb_u64(&tb, c->payload[SIDE_CLIENT]);
    tb_puts(&tb, " B");
    if (c->mark[MARK_DATA_C2S]) {
        tb_puts(&tb, " from ");
        tb_at(&tb, c, c->mark[MARK_DATA_C2S]);
    }
    tb_puts(&tb, ", server ");
    tb_u64(&tb, c->payload[SIDE_SERVER]);
    tb_puts(&tb, " B");
    if (c->mark[MARK_DATA_S2C]) {
        tb_puts(&tb, " from ");
        tb_at(&tb, c, c->mark[MARK_DATA_S2C]);
    }
    if (tm->ttfb != CONN_NA) {
        tb_puts(&tb, "; time to first byte ");
        render_duration(&tb, tm->ttfb, cb->ascii);
    }
    timeline_line(cb, "data", buf);
}

static void fin_text(struct textbuf *tb, const struct conn *c, int side,
                     bool ascii)
{
    enum conn_mark fin = side == SIDE_CLIENT ? MARK_FIN_C : MARK_FIN_S;
    enum conn_mark acked = side == SIDE_CLIENT ? MARK_FIN_C_ACKED : MARK_FIN_S_ACKED;
    tb_puts(tb, side == SIDE_CLIENT ? "client FIN " : "server FIN ");
    tb_at(tb, c, c->mark[fin]);
    if (c->mark[acked]) {
        tb_puts(tb, " acked +");
        render_duration(tb, (int64_t)(c->mark[acked] - c->mark[fin]), ascii);
    } else {
        tb_puts(tb, " not acked");
    }
}

static void timeline_teardown(struct cellbuf *cb, const struct conn *c,
                              const struct conn_times *tm)
{
    char buf[320];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    enum conn_close type = conn_close_type(c);
    if (c->active_closer >= 0) {
        fin_text(&tb, c, c->active_closer, cb->ascii);
        if (c->fin_seen[!c->active_closer]) {
            tb_puts(&tb, ", ");
            fin_text(&tb, c, !c->active_closer, cb->ascii);
        }
        tb_puts(&tb, "; ");
    }
    if (c->rst_side >= 0) {
        tb_puts(&tb, c->rst_side == SIDE_CLIENT ? "client RST " : "server RST ");
        tb_at(&tb, c, c->mark[MARK_RST]);
        tb_puts(&tb, "; ");
    }
    tb_puts(&tb, conn_close_name(type));
    if (tm->teardown != CONN_NA && type != CLOSE_REFUSED) {
        tb_puts(&tb, " in ");
        render_duration(&tb, tm->teardown, cb->ascii);
    }
    if (c->active_closer >= 0 && (type == CLOSE_FOUR_WAY || type == CLOSE_THREE_WAY ||
                                  type == CLOSE_HALF || type == CLOSE_SIMULTANEOUS)) {
        tb_puts(&tb, c->active_closer == SIDE_CLIENT ? "; client" : "; server");
        tb_puts(&tb, " closed first (enters TIME_WAIT)");
    }
    timeline_line(cb, "teardown", buf);
}

static void timeline_result(struct cellbuf *cb, const struct conn *c,
                            const struct conn_times *tm)
{
    char buf[256];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_puts(&tb, "client ");
    tb_puts(&tb, conn_state_name((enum tcp_state)c->state[SIDE_CLIENT]));
    tb_puts(&tb, ", server ");
    tb_puts(&tb, conn_state_name((enum tcp_state)c->state[SIDE_SERVER]));
    tb_puts(&tb, "; conn_state ");
    tb_puts(&tb, conn_zeek_state(c));
    tb_puts(&tb, ", history ");
    tb_puts(&tb, c->history[0] ? c->history : "-");
    tb_puts(&tb, "; ");
    tb_u64(&tb, c->pkts[0] + c->pkts[1]);
    tb_puts(&tb, " packets in ");
    render_duration(&tb, tm->duration == CONN_NA ? 0 : tm->duration, cb->ascii);
    timeline_line(cb, "state", buf);
}

void ladder_render_summary(struct cellbuf *cb, const struct conn *c)
{
    struct conn_times tm;
    conn_times(c, &tm);
    timeline_handshake(cb, c, &tm);
    timeline_data(cb, c, &tm);
    timeline_teardown(cb, c, &tm);
    timeline_result(cb, c, &tm);
}

void ladder_render(struct cellbuf *cb, const struct conn *c, struct store *s,
                   int linktype)
{
    struct ladder_segs v = {0};
    collect_segments(&v, c, s, linktype);
    struct conn_times tm;
    conn_times(c, &tm);
    int inner = inner_width(&v);
    draw_header(cb, c, inner);
    uint64_t prev = 0;
    for (size_t i = 0; i < v.n; i++) {
        draw_segment_row(cb, c, &v.v[i], prev, inner, &tm);
        prev = v.v[i].ts_ns;
    }
    cellbuf_add_row(cb);
    ladder_render_summary(cb, c);
    free(v.v);
}

/* Decodes stored packet n as a TCP segment; false when it is gone. */
static bool load_segment(struct store *st, uint64_t n, int linktype,
                         uint8_t *bytes, struct ws_packet *pkt)
{
    const struct pkt_entry *e = store_entry(st, n);
    if (!e)
        return false;
    size_t got = store_read_bytes(st, n, bytes, 262144);
    decode_reset(pkt, bytes, (uint32_t)got, e->len, linktype);
    decode_packet(pkt);
    return pkt->ip_proto == 6 && pkt->l4_off;
}

/* What add_segment would remember per direction after the segments before
 * the window: the last window each side announced and its current run of
 * duplicate ACKs, found by walking back (a bounded number of packets). */
static void window_memory(const struct conn *c, struct store *st, int linktype,
                          const uint64_t *pkts, size_t first,
                          struct dir_memory mem[2], uint8_t *bytes,
                          struct ws_packet *pkt)
{
    bool win_known[2] = {false, false}, run_known[2] = {false, false};
    size_t budget = 4096;
    for (size_t i = first; i-- > 0 && budget-- > 0;) {
        if (win_known[0] && win_known[1] && run_known[0] && run_known[1])
            break;
        if (!load_segment(st, pkts[i], linktype, bytes, pkt))
            continue;
        const struct ws_tcp *t = &pkt->u.tcp;
        int side = (pkt->sport == c->port[SIDE_CLIENT] &&
                    addr_cmp(&pkt->src, &c->addr[SIDE_CLIENT]) == 0) ? SIDE_CLIENT
                                                                      : SIDE_SERVER;
        struct dir_memory *m = &mem[side];
        if (!win_known[side]) {
            uint64_t win = t->win;
            if (!(t->flags & TCP_SYN) && c->win_scale[side] >= 0)
                win <<= c->win_scale[side];
            m->last_win = win;
            m->have_win = true;
            win_known[side] = true;
        }
        if (run_known[side])
            continue;
        const struct pkt_entry *e = store_entry(st, pkts[i]);
        if (e && (e->ta_flags & (1u << TA_DUP_ACK))) {
            m->dup_count++;
        } else if (t->flags & TCP_ACK) {
            m->last_ack_no = pkts[i] + 1;
            run_known[side] = true;
        }
    }
}

int ladder_render_window(struct cellbuf *cb, const struct conn *c,
                         struct store *s, int linktype, const uint64_t *pkts,
                         size_t n, size_t first, size_t count)
{
    struct dir_memory mem[2] = {{0}, {0}};
    uint8_t *bytes = xmalloc(262144);
    struct ws_packet *pkt = xcalloc(1, sizeof *pkt);
    if (first > n)
        first = n;
    window_memory(c, s, linktype, pkts, first, mem, bytes, pkt);
    struct ladder_segs v = {0};
    size_t end = count < n - first ? first + count : n;
    for (size_t i = first; i < end; i++) {
        if (!load_segment(s, pkts[i], linktype, bytes, pkt))
            continue;
        add_segment(&v, c, pkt, store_entry(s, pkts[i]), pkts[i] + 1, mem);
    }
    const struct pkt_entry *before = first ? store_entry(s, pkts[first - 1]) : NULL;
    uint64_t prev = before ? before->ts_ns : 0;
    struct conn_times tm;
    conn_times(c, &tm);
    int inner = inner_width(&v);
    int rows0 = cb->rows;
    draw_header(cb, c, inner);
    int header_rows = cb->rows - rows0;
    for (size_t i = 0; i < v.n; i++) {
        draw_segment_row(cb, c, &v.v[i], prev, inner, &tm);
        prev = v.v[i].ts_ns;
    }
    free(v.v);
    free(pkt);
    free(bytes);
    return header_rows;
}
