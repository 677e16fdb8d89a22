/* The rows of each UI view, built by the decoder thread from its own
 * tables and the packet store when the UI asks (src/decode/query.c): only
 * the window of rows on screen is formatted. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "decode/query_priv.h"
#include "wirescope/render_detail.h"
#include "wirescope/render_exchange.h"
#include "wirescope/render_follow.h"
#include "wirescope/render_timeline.h"
#include "wirescope/sanitize.h"
#include "wirescope/xalloc.h"

/* ---------- window arithmetic ---------- */

/* Keeps sel inside [0, total) and the window [top, top + rows) around it;
 * follow shows the last page with the last row selected. */
static void normalise(int64_t total, int rows, int64_t *top, int64_t *sel,
                      bool follow)
{
    if (rows < 1)
        rows = 1;
    if (follow) {
        *sel = total - 1;
        *top = total - rows;
    }
    if (*sel >= total)
        *sel = total - 1;
    if (*sel < 0)
        *sel = 0;
    if (*top > *sel)
        *top = *sel;
    if (*sel >= *top + rows)
        *top = *sel - rows + 1;
    if (*top > total - rows)
        *top = total - rows;
    if (*top < 0)
        *top = 0;
}

static int body_rows(const struct query_req *r, const struct query_resp *o)
{
    int n = r->rows - o->head.rows;
    return n > 1 ? n : 1;
}

/* Copies rows [first, first + count) of src to the end of dst (same width). */
static void copy_rows(struct cellbuf *dst, const struct cellbuf *src,
                      int64_t first, int64_t count)
{
    for (int64_t i = first; i < first + count && i < src->rows; i++) {
        if (i < 0)
            continue;
        int row = cellbuf_add_row(dst);
        int w = dst->width < src->width ? dst->width : src->width;
        memcpy(&dst->cells[(size_t)row * (size_t)dst->width],
               &src->cells[(size_t)i * (size_t)src->width],
               (size_t)w * sizeof *dst->cells);
    }
}

/* An empty scratch buffer of the response's width. */
static void scratch_reset(struct cellbuf *cb, int width, bool ascii)
{
    if (cb->width != width) {
        cellbuf_free(cb);
        cellbuf_init(cb, width, ascii);
    }
    cb->rows = 0;
    cb->ascii = ascii;
}

static void note_row(struct cellbuf *cb, const char *text)
{
    cellbuf_put(cb, cellbuf_add_row(cb), 1, text, ROLE_DIM);
}

/* ---------- columns ---------- */

struct column {
    const char *title;
    int width;
    bool right;   /* right-aligned */
    int prio;     /* 0 = always shown; higher ones go first when narrow */
    bool flex;    /* takes the width that is left (at least `width`) */
};

#define MAX_COLUMNS 16

struct layout {
    int n;
    int col[MAX_COLUMNS];   /* -1: not shown */
    int width[MAX_COLUMNS];
};

/* Chooses the columns that fit in total_width, most important first, and
 * places them in their declared order, one space apart. */
static void layout_columns(const struct column *c, int n, int total_width,
                           struct layout *out)
{
    bool on[MAX_COLUMNS] = {false};
    int used = 0;
    out->n = n;
    for (int prio = 0; prio < 10; prio++) {
        for (int i = 0; i < n; i++) {
            if (c[i].prio != prio)
                continue;
            int need = c[i].width + (used ? 1 : 0);
            if (used + need <= total_width || prio == 0) {
                on[i] = true;
                used += need;
            }
        }
    }
    int flex = -1;
    for (int i = 0; i < n; i++)
        if (on[i] && c[i].flex)
            flex = i;
    int extra = total_width - used > 0 ? total_width - used : 0;
    int x = 0;
    for (int i = 0; i < n; i++) {
        out->col[i] = -1;
        out->width[i] = c[i].width;
        if (!on[i])
            continue;
        if (i == flex)
            out->width[i] += extra;
        out->col[i] = x;
        x += out->width[i] + 1;
    }
}

/* Characters in a UTF-8 string. */
static int text_cols(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* Puts text in column i, cut to its width ('~' marks the cut). */
static void put_col(struct cellbuf *cb, int row, const struct layout *l, int i,
                    const struct column *c, const char *text,
                    enum cell_role role)
{
    if (l->col[i] < 0)
        return;
    int w = l->width[i];
    int len = text_cols(text);
    char buf[512];
    if (len > w) {
        /* copy w - 1 characters, then the mark */
        size_t k = 0;
        int chars = 0;
        while (text[k] && k + 4 < sizeof buf) {
            if (((unsigned char)text[k] & 0xc0) != 0x80 && chars++ == w - 1)
                break;
            buf[k] = text[k];
            k++;
        }
        buf[k++] = '~';
        buf[k] = '\0';
        text = buf;
        len = w;
    }
    int x = l->col[i] + (c[i].right ? w - len : 0);
    cellbuf_put(cb, row, x, text, role);
}

static void title_row(struct cellbuf *cb, const struct layout *l,
                      const struct column *c, int sorted, bool asc)
{
    int row = cellbuf_add_row(cb);
    for (int i = 0; i < l->n; i++) {
        char t[64];
        if (i == sorted)
            snprintf(t, sizeof t, "%s%s", c[i].title,
                     cb->ascii ? (asc ? "^" : "v") : (asc ? "\xe2\x96\xb2" : "\xe2\x96\xbc"));
        else
            snprintf(t, sizeof t, "%s", c[i].title);
        put_col(cb, row, l, i, c, t, ROLE_HEADER);
    }
}

/* ---------- number formats ---------- */

/* 999, 12.3K, 1.23M, ... with a unit suffix. */
static void human(struct textbuf *tb, double v, const char *unit)
{
    static const char *const prefix[] = {"", "K", "M", "G", "T", "P"};
    int i = 0;
    while (v >= 999.5 && i < 5) {
        v /= 1000;
        i++;
    }
    char buf[32];
    if (i == 0)
        snprintf(buf, sizeof buf, "%.0f%s", v, unit);
    else
        snprintf(buf, sizeof buf, v < 9.995 ? "%.2f%s%s" : v < 99.95 ? "%.1f%s%s" : "%.0f%s%s",
                 v, prefix[i], unit);
    tb_puts(tb, buf);
}

static void seconds_text(struct textbuf *tb, int64_t ns)
{
    if (ns == CONN_NA) {
        tb_putc(tb, '-');
        return;
    }
    if (ns < 0) {
        tb_putc(tb, '-');
        ns = -ns;
    }
    tb_fixed(tb, ns / 1000, 6);
}

static void endpoint_addr(struct textbuf *tb, const struct ws_addr *a)
{
    char buf[WS_ADDR_STRLEN];
    addr_format(a, buf, sizeof buf);
    tb_puts(tb, buf);
}

/* ---------- packets ---------- */

bool qv_load_packet(struct query_private *p, uint64_t n, bool fields)
{
    struct store *st = p->dec->store;
    const struct pkt_entry *e = store_entry(st, n);
    if (!e || (e->flags & PKT_F_NO_BYTES))
        return false;
    size_t got = store_read_bytes(st, n, p->bytes_buf, QUERY_MAX_CAPLEN);
    if (!got && e->caplen)
        return false;
    p->pkt->want_fields = fields;
    decode_reset(p->pkt, p->bytes_buf, (uint32_t)got, e->len, p->dec->cap->linktype);
    decode_packet(p->pkt);
    return true;
}

/* The connection's relative numbering for a stored TCP segment, as the
 * decoder gave the batch writer when the segment arrived. */
static bool tcp_rel_of(struct query_private *p, const struct pkt_entry *e,
                       const struct ws_packet *pkt, struct info_tcp_rel *rel)
{
    rel->relative = false;
    rel->win_shift = -1;
    if (e->conn_id == STORE_NONE || pkt->ip_proto != 6 || !pkt->l4_off)
        return false;
    const struct conn *c = conn_table_get(p->dec->conns, e->conn_id);
    if (!c)
        return false;
    detail_tcp_rel(c, pkt, rel);
    return true;
}

static void endpoint_text(const struct ws_packet *pkt, bool src, char *buf,
                          size_t size)
{
    if (pkt->ip_ver) {
        addr_format(src ? &pkt->src : &pkt->dst, buf, size);
    } else if (pkt->has_eth && size >= 18) {
        static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        const uint8_t *mac = src ? pkt->eth_src : pkt->eth_dst;
        if (!src && memcmp(mac, bcast, 6) == 0)
            snprintf(buf, size, "Broadcast");
        else
            mac_format(mac, buf);
    } else {
        buf[0] = '\0';
    }
}

static enum cell_role proto_role(enum ws_proto p)
{
    switch (p) {
    case P_TCP: return ROLE_P_TCP;
    case P_UDP: return ROLE_P_UDP;
    case P_DNS: return ROLE_P_DNS;
    case P_HTTP: return ROLE_P_HTTP;
    case P_TLS: case P_DTLS: return ROLE_P_TLS;
    case P_ICMP: case P_ICMPV6: return ROLE_P_ICMP;
    case P_ARP: return ROLE_P_ARP;
    case P_DATA: return ROLE_P_TCP;
    default: return p >= P_DNS && p < P_DATA ? ROLE_P_APP : ROLE_NORMAL;
    }
}

/* Malformed packets first, then RST, analysis marks, SYN/FIN, protocol. */
static enum cell_role packet_role(const struct pkt_entry *e,
                                  const struct ws_packet *pkt)
{
    if (e->event != EV_NONE && e->event != EV_FRAGMENT)
        return ROLE_BAD;
    bool tcp = pkt->ip_proto == 6 && pkt->l4_off;
    if (tcp && (pkt->u.tcp.flags & TCP_RST))
        return ROLE_RST;
    uint32_t quiet = (1u << TA_WINDOW_UPDATE) | (1u << TA_REUSED_PORTS);
    if (e->ta_flags & ~quiet)
        return ROLE_MARK;
    if (tcp && (pkt->u.tcp.flags & TCP_SYN))
        return ROLE_SYN;
    if (tcp && (pkt->u.tcp.flags & TCP_FIN))
        return ROLE_FIN;
    return proto_role((enum ws_proto)pkt->top);
}

enum { PC_NO, PC_TIME, PC_SRC, PC_DST, PC_PROTO, PC_LEN, PC_INFO, PC_COUNT };

/* The address columns are as wide as the widest address on screen (at
 * least an IPv4 address, at most a full IPv6 one). */
static void packet_columns(int addr, struct column *c)
{
    if (addr < 15)
        addr = 15;
    if (addr > 39)
        addr = 39;
    const struct column cols[PC_COUNT] = {
        {"No.", 7, true, 0, false},
        {"Time", 11, true, 1, false},
        {"Source", addr, false, 0, false},
        {"Destination", addr, false, 0, false},
        {"Protocol", 8, false, 0, false},
        {"Length", 6, true, 2, false},
        {"Info", 16, false, 0, true},
    };
    memcpy(c, cols, sizeof cols);
}

/* One packet list row's text, formatted before the columns are laid out. */
struct prow {
    char no[24], time[32], src[WS_ADDR_STRLEN], dst[WS_ADDR_STRLEN], len[16];
    const char *proto;
    char info[1024];
    enum cell_role role;
    bool gone;
};

/* The same columns and words as --packets. */
static void packet_text(struct query_private *p, uint64_t n, struct prow *w)
{
    memset(w, 0, offsetof(struct prow, info) + 1);
    w->info[0] = '\0';
    snprintf(w->no, sizeof w->no, "%llu", (unsigned long long)n + 1);
    const struct pkt_entry *e = store_entry(p->dec->store, n);
    if (!e || !qv_load_packet(p, n, false)) {
        w->gone = true;
        w->proto = "";
        w->role = ROLE_DIM;
        snprintf(w->info, sizeof w->info, "(no longer stored)");
        return;
    }
    const struct ws_packet *pkt = p->pkt;
    w->role = packet_role(e, pkt);
    struct textbuf tb;
    tb_init(&tb, w->time, sizeof w->time);
    int64_t rel = (int64_t)(e->ts_ns - p->dec->first_ns);
    if (rel < 0) {
        tb_putc(&tb, '-');
        rel = -rel;
    }
    tb_time(&tb, rel / 1000000000, (uint32_t)(rel % 1000000000), false);
    endpoint_text(pkt, true, w->src, sizeof w->src);
    endpoint_text(pkt, false, w->dst, sizeof w->dst);
    w->proto = info_protocol(pkt);
    snprintf(w->len, sizeof w->len, "%u", e->len);
    size_t used = 0;
    struct info_tcp_rel trel;
    if (tcp_rel_of(p, e, pkt, &trel)) {
        struct tcp_seg_result ta = {.flags = e->ta_flags};
        const struct dupack *d = (e->ta_flags & (1u << TA_DUP_ACK)) ? dupack_find(p, n + 1) : NULL;
        if (d) {
            ta.dup_ack_num = d->num;
            ta.dup_ack_frame = d->frame;
        }
        used = tcp_seq_info_prefix(&ta, w->info, sizeof w->info);
        if (used >= sizeof w->info)
            used = sizeof w->info - 1;
    }
    info_format(pkt, &trel, w->info + used, sizeof w->info - used);
}

static int widest_address(const struct prow *w, int n)
{
    int max = 0;
    for (int i = 0; i < n; i++) {
        int a = (int)strlen(w[i].src), b = (int)strlen(w[i].dst);
        max = a > max ? a : max;
        max = b > max ? b : max;
    }
    return max;
}

static void packet_put(struct cellbuf *cb, const struct layout *l,
                       const struct column *c, const struct prow *w)
{
    int row = cellbuf_add_row(cb);
    put_col(cb, row, l, PC_NO, c, w->no, w->role);
    put_col(cb, row, l, PC_TIME, c, w->time, w->role);
    put_col(cb, row, l, PC_SRC, c, w->src, w->role);
    put_col(cb, row, l, PC_DST, c, w->dst, w->role);
    put_col(cb, row, l, PC_PROTO, c, w->proto, w->role);
    put_col(cb, row, l, PC_LEN, c, w->len, w->role);
    put_col(cb, row, l, PC_INFO, c, w->info, w->role);
}

/* Column titles into head, then the rows of packets pkts[0..n). */
static void packet_rows(struct query_private *p, struct cellbuf *head,
                        struct cellbuf *body, const uint64_t *pkts, int n)
{
    struct prow *w = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *w);
    for (int i = 0; i < n; i++)
        packet_text(p, pkts[i], &w[i]);
    struct column c[PC_COUNT];
    packet_columns(widest_address(w, n), c);
    struct layout l;
    layout_columns(c, PC_COUNT, body->width, &l);
    title_row(head, &l, c, -1, false);
    for (int i = 0; i < n; i++)
        packet_put(body, &l, c, &w[i]);
    free(w);
}

void qv_packets(struct query_private *p, const struct query_req *r,
                struct query_resp *o)
{
    int64_t total = (int64_t)list_count(p);
    if (r->limit >= 0 && total > r->limit)
        total = r->limit;
    int rows = r->rows - 1 > 1 ? r->rows - 1 : 1; /* the titles take one */
    o->top = r->top == QUERY_FOLLOW ? 0 : r->top;
    o->sel = r->sel;
    normalise(total, rows, &o->top, &o->sel, r->top == QUERY_FOLLOW);
    o->total = total;
    uint64_t pkts[1024];
    int n = 0;
    for (int64_t i = o->top; i < o->top + rows && i < total && n < 1024; i++)
        pkts[n++] = list_packet(p, (uint64_t)i);
    packet_rows(p, &o->head, &o->body, pkts, n);
    if (total == 0) {
        note_row(&o->body, p->filter.active ? "no packet matches the display filter (yet)"
                                            : "no packets yet");
        return;
    }
    o->sel_packet = list_packet(p, (uint64_t)o->sel) + 1;
}

/* ---------- packet detail ---------- */

static void detail_head(struct query_private *p, struct query_resp *o,
                        uint64_t n)
{
    packet_rows(p, &o->head, &o->head, &n, 1);
}

void qv_detail(struct query_private *p, const struct query_req *r,
               struct query_resp *o)
{
    uint64_t n = r->id ? r->id - 1 : 0;
    const struct pkt_entry *e = store_entry(p->dec->store, n);
    if (!r->id || !e) {
        char buf[128];
        snprintf(buf, sizeof buf, "packet %llu is not in the store (evicted, or not captured yet)",
                 (unsigned long long)r->id);
        note_row(&o->head, buf);
        return;
    }
    detail_head(p, o, n);
    if (!qv_load_packet(p, n, true)) {
        note_row(&o->body, "the bytes of this packet are no longer available");
        return;
    }
    o->found = true;
    struct ws_packet *pkt = p->pkt;
    struct info_tcp_rel trel;
    bool rel = tcp_rel_of(p, e, pkt, &trel);
    struct detail_frame frame = {n + 1, rel ? &trel : NULL};
    struct cellbuf *tree = &p->tmp;
    struct detail_line *lines = p->lines;
    int avail = body_rows(r, o);
    int per_row = o->body.width >= HEXDUMP_WIDTH ? 16 : 8;
    int hex_need = (int)((pkt->caplen + (uint32_t)per_row - 1) / (uint32_t)per_row);
    int hex_rows = r->hex_rows < hex_need ? r->hex_rows : hex_need;
    if (hex_rows > avail - 4)
        hex_rows = avail - 4;
    if (hex_rows < 1)
        hex_rows = avail > 2 ? 1 : 0;
    int tree_rows = avail - hex_rows - (hex_rows ? 1 : 0);
    if (tree_rows < 1)
        tree_rows = 1;

    /* the tree: drawn once to count its lines, again if the selection moved */
    scratch_reset(tree, o->body.width, r->ascii);
    int64_t sel = r->sel, top = r->top < 0 ? 0 : r->top;
    int count = detail_render_frame(tree, &frame, pkt, r->collapsed, (int)sel, lines,
                                    QUERY_MAX_TREE);
    int64_t sel0 = sel;
    normalise(count, tree_rows, &top, &sel, false);
    if (sel != sel0) {
        tree->rows = 0;
        detail_render_frame(tree, &frame, pkt, r->collapsed, (int)sel, lines, QUERY_MAX_TREE);
    }
    o->total = count;
    o->top = top;
    o->sel = sel;
    o->tree_lines = count;
    o->layers = pkt->nlayers;
    if (sel < QUERY_MAX_TREE && sel < count)
        o->sel_line = lines[sel];
    for (int k = 0; k < count && k < QUERY_MAX_TREE; k++)
        if (lines[k].title && lines[k].layer >= 0 && lines[k].layer < WS_MAX_LAYERS)
            o->layer_line[lines[k].layer] = k;
    copy_rows(&o->body, tree, top, tree_rows);
    while (o->body.rows < tree_rows)
        cellbuf_add_row(&o->body);
    o->tree_rows = tree_rows;
    if (!hex_rows)
        return;

    /* the hex dump, its window keeping the selected field's first byte in
     * sight when asked to */
    cellbuf_fill(&o->body, cellbuf_add_row(&o->body), 0,
                 r->ascii ? "-" : "\xe2\x94\x80", o->body.width, ROLE_DIM);
    struct cellbuf *hex = &p->tmp2;
    scratch_reset(hex, o->body.width, r->ascii);
    uint32_t hl_off = o->sel_line.off, hl_len = o->sel_line.len;
    if (o->sel_line.layer < 0 && o->sel_line.title)
        hl_len = 0; /* the frame line: nothing singled out */
    hexdump_render(hex, p->bytes_buf, pkt->caplen, hl_off, hl_len);
    int64_t hex_top = r->hex_top == QUERY_FOLLOW ? 0 : r->hex_top;
    if (r->hex_top == QUERY_FOLLOW && hl_len) {
        int64_t want = hl_off / (uint32_t)per_row;
        int64_t last = (hl_off + hl_len - 1) / (uint32_t)per_row;
        hex_top = want;
        if (last - want + 1 < hex_rows)
            hex_top = want - (hex_rows - (last - want + 1)) / 2;
    }
    if (hex_top > hex->rows - hex_rows)
        hex_top = hex->rows - hex_rows;
    if (hex_top < 0)
        hex_top = 0;
    o->hex_total = hex->rows;
    o->hex_top = hex_top;
    copy_rows(&o->body, hex, hex_top, hex_rows);
}

/* ---------- flows ---------- */

struct flow_collect {
    struct query_private *p;
    enum flow_sort sort;
    uint64_t now;
};

static double flow_key(struct query_private *p, const struct flow *f,
                       enum flow_sort s, uint64_t now)
{
    switch (s) {
    case FS_BYTES: return (double)(f->bytes[0] + f->bytes[1]);
    case FS_PACKETS: return (double)(f->pkts[0] + f->pkts[1]);
    case FS_RATE2: return flow_rate_bps(&p->rates, f, 2, now);
    case FS_RATE10: return flow_rate_bps(&p->rates, f, 10, now);
    case FS_RATE40: return flow_rate_bps(&p->rates, f, 40, now);
    case FS_DURATION: return (double)(f->last_ns - f->first_ns);
    case FS_START: return (double)f->first_ns;
    default: return 0;
    }
}

static void collect_flow(const struct flow *f, void *arg)
{
    struct flow_collect *fc = arg;
    struct query_private *p = fc->p;
    if (p->nfp == p->capfp) {
        p->capfp = p->capfp ? p->capfp * 2 : 4096;
        p->fp = xrealloc(p->fp, p->capfp * sizeof *p->fp);
    }
    p->fp[p->nfp++] = (struct flow_pick){f, flow_key(p, f, fc->sort, fc->now)};
}

/* Order: larger key first (or smaller with asc), then lower id. */
static bool pick_before(const struct flow_pick *a, const struct flow_pick *b,
                        bool asc)
{
    if (a->key != b->key)
        return asc ? a->key < b->key : a->key > b->key;
    return a->f->id < b->f->id;
}

static int pick_cmp(const void *x, const void *y, void *asc_arg)
{
    const struct flow_pick *a = x, *b = y;
    bool asc = *(const bool *)asc_arg;
    return pick_before(a, b, asc) ? -1 : pick_before(b, a, asc) ? 1 : 0;
}

/* Quickselect: afterwards v[k] is in its sorted place, smaller before it. */
static void select_nth(struct flow_pick *v, size_t n, size_t k, bool asc)
{
    size_t lo = 0, hi = n;
    uint64_t seed = 0x9e3779b97f4a7c15u;
    while (hi - lo > 1 && k >= lo && k < hi) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        struct flow_pick pivot = v[lo + (seed >> 33) % (hi - lo)];
        size_t i = lo, j = lo, m = hi; /* [lo,i) <, [i,j) ==, [m,hi) > */
        while (j < m) {
            if (pick_before(&v[j], &pivot, asc)) {
                struct flow_pick t = v[i]; v[i] = v[j]; v[j] = t;
                i++; j++;
            } else if (pick_before(&pivot, &v[j], asc)) {
                m--;
                struct flow_pick t = v[m]; v[m] = v[j]; v[j] = t;
            } else {
                j++;
            }
        }
        if (k < i)
            hi = i;
        else if (k >= m)
            lo = m;
        else
            return;
    }
}

enum { FC_ID, FC_PROTO, FC_A, FC_ARROW, FC_B, FC_PKTS, FC_BYTES, FC_R2, FC_R10,
       FC_R40, FC_DUR, FC_START, FC_APP, FC_COUNT };

static const struct column flow_cols[FC_COUNT] = {
    {"Flow", 6, true, 4, false},
    {"Proto", 5, false, 1, false},
    {"A", 21, true, 0, false},
    {"", 3, false, 0, false},
    {"B", 21, false, 0, false},
    {"Packets", 8, true, 3, false},
    {"Bytes", 8, true, 1, false},
    {"2s", 8, true, 1, false},
    {"10s", 8, true, 2, false},
    {"40s", 8, true, 2, false},
    {"Duration", 10, true, 5, false},
    {"Start", 10, true, 6, false},
    {"App", 5, false, 2, true},
};

static int sort_column(enum flow_sort s)
{
    static const int col[FS_COUNT] = {FC_BYTES, FC_PKTS, FC_R2, FC_R10, FC_R40,
                                      FC_DUR, FC_START};
    return s < FS_COUNT ? col[s] : -1;
}

static const char *l4_name(uint8_t proto, char *buf, size_t size)
{
    switch (proto) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmp6";
    case 132: return "sctp";
    default: snprintf(buf, size, "%u", proto); return buf;
    }
}

static void flow_row(struct query_private *p, struct cellbuf *cb,
                     const struct layout *l, const struct flow *f, uint64_t now)
{
    int row = cellbuf_add_row(cb);
    const struct column *c = flow_cols;
    enum cell_role role = f->key.proto == 6 ? ROLE_P_TCP : f->key.proto == 17 ? ROLE_P_UDP
                          : ROLE_P_ICMP;
    if (f->app)
        role = proto_role((enum ws_proto)f->app);
    char buf[128];
    struct textbuf tb;
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)f->id);
    put_col(cb, row, l, FC_ID, c, buf, role);
    put_col(cb, row, l, FC_PROTO, c, l4_name(f->key.proto, buf, sizeof buf), role);
    const struct ws_addr *a = f->a_is_lo ? &f->key.lo : &f->key.hi;
    const struct ws_addr *b = f->a_is_lo ? &f->key.hi : &f->key.lo;
    uint16_t ap = f->a_is_lo ? f->key.lo_port : f->key.hi_port;
    uint16_t bp = f->a_is_lo ? f->key.hi_port : f->key.lo_port;
    bool ports = f->key.proto == 6 || f->key.proto == 17 || f->key.proto == 132;
    tb_init(&tb, buf, sizeof buf);
    if (ports)
        addr_port_put(&tb, a, ap);
    else
        endpoint_addr(&tb, a);
    put_col(cb, row, l, FC_A, c, buf, role);
    put_col(cb, row, l, FC_ARROW, c, cb->ascii ? "<->" : "\xe2\x87\x84", ROLE_DIM);
    tb_init(&tb, buf, sizeof buf);
    if (ports)
        addr_port_put(&tb, b, bp);
    else
        endpoint_addr(&tb, b);
    put_col(cb, row, l, FC_B, c, buf, role);
    tb_init(&tb, buf, sizeof buf);
    human(&tb, (double)(f->pkts[0] + f->pkts[1]), "");
    put_col(cb, row, l, FC_PKTS, c, buf, role);
    tb_init(&tb, buf, sizeof buf);
    human(&tb, (double)(f->bytes[0] + f->bytes[1]), "B");
    put_col(cb, row, l, FC_BYTES, c, buf, role);
    static const int secs[3] = {2, 10, 40};
    for (int i = 0; i < 3; i++) {
        tb_init(&tb, buf, sizeof buf);
        human(&tb, flow_rate_bps(&p->rates, f, secs[i], now), "b");
        put_col(cb, row, l, FC_R2 + i, c, buf, role);
    }
    tb_init(&tb, buf, sizeof buf);
    seconds_text(&tb, (int64_t)(f->last_ns - f->first_ns));
    put_col(cb, row, l, FC_DUR, c, buf, role);
    tb_init(&tb, buf, sizeof buf);
    seconds_text(&tb, (int64_t)(f->first_ns - p->dec->first_ns));
    put_col(cb, row, l, FC_START, c, buf, role);
    if (f->app)
        put_col(cb, row, l, FC_APP, c, decode_proto_name((enum ws_proto)f->app), role);
}

void qv_flows(struct query_private *p, const struct query_req *r,
              struct query_resp *o)
{
    struct layout l;
    layout_columns(flow_cols, FC_COUNT, o->body.width, &l);
    title_row(&o->head, &l, flow_cols, sort_column(r->sort), r->sort_asc);
    uint64_t now = query_now_ns(p);
    enum flow_sort sort = r->sort < FS_COUNT ? r->sort : FS_BYTES;
    /* the keys of every flow: collected again only when packets came in
     * (or, for rates, the clock moved on to another second) */
    uint64_t decoded = atomic_load_explicit(&p->dec->decoded, memory_order_relaxed);
    int64_t second = (int64_t)(now / 1000000000u);
    if (!p->fp_valid || p->fp_sort != sort || p->fp_decoded != decoded ||
        p->fp_second != second) {
        struct flow_collect fc = {p, sort, now};
        p->nfp = 0;
        flow_table_foreach_by_id(p->dec->flows, collect_flow, &fc);
        p->fp_valid = true;
        p->fp_sort = sort;
        p->fp_decoded = decoded;
        p->fp_second = second;
    }
    int64_t total = (int64_t)p->nfp;
    if (r->limit >= 0 && total > r->limit)
        total = r->limit;
    int rows = body_rows(r, o);
    o->top = r->top == QUERY_FOLLOW ? 0 : r->top;
    o->sel = r->sel;
    normalise(total, rows, &o->top, &o->sel, false);
    o->total = total;
    if (!total) {
        note_row(&o->body, "no flows yet");
        return;
    }
    size_t top = (size_t)o->top, n = p->nfp;
    size_t count = (size_t)rows < n - top ? (size_t)rows : n - top;
    select_nth(p->fp, n, top, r->sort_asc);
    if (top + count < n)
        select_nth(p->fp + top, n - top, count, r->sort_asc);
    bool asc = r->sort_asc;
    qsort_r(p->fp + top, count, sizeof *p->fp, pick_cmp, &asc);
    for (size_t i = top; i < top + count; i++)
        flow_row(p, &o->body, &l, p->fp[i].f, now);
    const struct flow *f = p->fp[o->sel].f;
    o->sel_flow = f->id;
    if (f->key.proto == 6 && f->conn)
        o->sel_conn = f->conn->id;
}

/* ---------- TCP connections ---------- */

enum { CC_ID, CC_CLIENT, CC_ARROW, CC_SERVER, CC_CST, CC_SST, CC_ZEEK, CC_CLOSE,
       CC_RTT, CC_DUR, CC_PKTS, CC_BYTES, CC_HIST, CC_COUNT };

static const struct column conn_cols[CC_COUNT] = {
    {"Conn", 6, true, 0, false},
    {"Client", 21, true, 0, false},
    {"", 2, false, 0, false},
    {"Server", 21, false, 0, false},
    {"Client st.", 11, false, 2, false},
    {"Server st.", 11, false, 2, false},
    {"State", 5, false, 1, false},
    {"Close", 11, false, 1, false},
    {"Init RTT", 9, true, 1, false},
    {"Duration", 10, true, 3, false},
    {"Packets", 7, true, 3, false},
    {"Bytes", 7, true, 4, false},
    {"History", 7, false, 5, true},
};

struct conn_walk {
    struct query_private *p;
    struct cellbuf *cb;
    const struct layout *l;
    int64_t index, from, to, sel;
    uint64_t sel_id;
};

static void conn_row(struct cellbuf *cb, const struct layout *l,
                     const struct conn *c)
{
    int row = cellbuf_add_row(cb);
    const struct column *k = conn_cols;
    enum conn_close close = conn_close_type(c);
    enum cell_role role = close == CLOSE_REFUSED || close == CLOSE_ABORT ? ROLE_RST
                          : c->closed ? ROLE_NORMAL : ROLE_P_TCP;
    uint64_t marks = 0;
    for (int i = 0; i < TA_COUNT; i++)
        if (i != TA_WINDOW_UPDATE && i != TA_REUSED_PORTS)
            marks += c->analysis[i];
    if (marks && role != ROLE_RST)
        role = ROLE_MARK;
    char buf[128];
    struct textbuf tb;
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)c->id);
    put_col(cb, row, l, CC_ID, k, buf, role);
    tb_init(&tb, buf, sizeof buf);
    addr_port_put(&tb, &c->addr[SIDE_CLIENT], c->port[SIDE_CLIENT]);
    put_col(cb, row, l, CC_CLIENT, k, buf, role);
    put_col(cb, row, l, CC_ARROW, k, cb->ascii ? "->" : "\xe2\x86\x92", ROLE_DIM);
    tb_init(&tb, buf, sizeof buf);
    addr_port_put(&tb, &c->addr[SIDE_SERVER], c->port[SIDE_SERVER]);
    put_col(cb, row, l, CC_SERVER, k, buf, role);
    put_col(cb, row, l, CC_CST, k, conn_state_name((enum tcp_state)c->state[SIDE_CLIENT]), role);
    put_col(cb, row, l, CC_SST, k, conn_state_name((enum tcp_state)c->state[SIDE_SERVER]), role);
    put_col(cb, row, l, CC_ZEEK, k, conn_zeek_state(c), role);
    put_col(cb, row, l, CC_CLOSE, k, conn_close_name(close), role);
    struct conn_times tm;
    conn_times(c, &tm);
    tb_init(&tb, buf, sizeof buf);
    if (tm.initial_rtt == CONN_NA)
        tb_putc(&tb, '-');
    else
        render_duration(&tb, tm.initial_rtt, cb->ascii);
    put_col(cb, row, l, CC_RTT, k, buf, role);
    tb_init(&tb, buf, sizeof buf);
    seconds_text(&tb, tm.duration);
    put_col(cb, row, l, CC_DUR, k, buf, role);
    tb_init(&tb, buf, sizeof buf);
    human(&tb, (double)(c->pkts[0] + c->pkts[1]), "");
    put_col(cb, row, l, CC_PKTS, k, buf, role);
    tb_init(&tb, buf, sizeof buf);
    human(&tb, (double)(c->bytes[0] + c->bytes[1]), "B");
    put_col(cb, row, l, CC_BYTES, k, buf, role);
    put_col(cb, row, l, CC_HIST, k, c->history[0] ? c->history : "-", role);
}

static void count_conn(const struct conn *c, void *arg)
{
    (void)c;
    ((struct conn_walk *)arg)->index++;
}

static void window_conn(const struct conn *c, void *arg)
{
    struct conn_walk *w = arg;
    if (w->index >= w->from && w->index < w->to)
        conn_row(w->cb, w->l, c);
    if (w->index == w->sel)
        w->sel_id = c->id;
    w->index++;
}

void qv_conns(struct query_private *p, const struct query_req *r,
              struct query_resp *o)
{
    struct layout l;
    layout_columns(conn_cols, CC_COUNT, o->body.width, &l);
    title_row(&o->head, &l, conn_cols, -1, false);
    struct conn_walk w = {p, &o->body, &l, 0, 0, 0, -1, UINT64_MAX};
    conn_table_foreach(p->dec->conns, count_conn, &w);
    int64_t total = w.index;
    if (r->limit >= 0 && total > r->limit)
        total = r->limit;
    int rows = body_rows(r, o);
    o->top = r->top == QUERY_FOLLOW ? 0 : r->top;
    o->sel = r->sel;
    normalise(total, rows, &o->top, &o->sel, r->top == QUERY_FOLLOW);
    o->total = total;
    if (!total) {
        note_row(&o->body, "no TCP connections yet");
        return;
    }
    w.index = 0;
    w.from = o->top;
    w.to = o->top + rows < total ? o->top + rows : total;
    w.sel = o->sel;
    conn_table_foreach(p->dec->conns, window_conn, &w);
    o->sel_conn = w.sel_id;
}

/* ---------- one connection ---------- */

/* The stored packets of connection id, scanned once and then extended
 * with the packets stored since. */
static void conn_cache_update(struct query_private *p, uint64_t id)
{
    struct conn_cache *cc = &p->cc;
    struct store *st = p->dec->store;
    uint64_t first = store_first(st);
    if (cc->id != id) {
        cc->id = id;
        cc->scanned = first;
        cc->pkts.n = 0;
        cc->follow_valid = false;
    }
    size_t drop = 0;
    while (drop < cc->pkts.n && cc->pkts.v[drop] < first)
        drop++;
    if (drop) {
        memmove(cc->pkts.v, cc->pkts.v + drop, (cc->pkts.n - drop) * sizeof *cc->pkts.v);
        cc->pkts.n -= drop;
        cc->follow_valid = false;
    }
    if (cc->scanned < first)
        cc->scanned = first;
    uint64_t end = store_count(st);
    for (uint64_t n = cc->scanned; n < end; n++) {
        const struct pkt_entry *e = store_entry(st, n);
        if (e && e->conn_id == (uint32_t)id) {
            if (cc->pkts.n == cc->pkts.cap) {
                cc->pkts.cap = cc->pkts.cap ? cc->pkts.cap * 2 : 256;
                cc->pkts.v = xrealloc(cc->pkts.v, cc->pkts.cap * sizeof *cc->pkts.v);
            }
            cc->pkts.v[cc->pkts.n++] = n;
        }
    }
    cc->scanned = end;
}

/* Items that flow onto as many rows as the width needs. */
struct flow_text {
    struct cellbuf *cb;
    int row, col;
};

static void flow_item(struct flow_text *ft, const char *text, enum cell_role role)
{
    int len = text_cols(text);
    if (ft->row < 0 || (ft->col > 0 && ft->col + 2 + len > ft->cb->width)) {
        ft->row = cellbuf_add_row(ft->cb);
        ft->col = 0;
    } else if (ft->col > 0) {
        ft->col += 2;
    }
    ft->col = cellbuf_put(ft->cb, ft->row, ft->col, text, role);
}

static void conn_head(struct cellbuf *cb, const struct conn *c,
                      const struct query_req *r)
{
    char buf[512];
    struct textbuf tb;
    struct flow_text ft = {cb, -1, 0};
    snprintf(buf, sizeof buf, "Connection %llu", (unsigned long long)c->id);
    flow_item(&ft, buf, ROLE_HEADER);
    tb_init(&tb, buf, sizeof buf);
    addr_port_put(&tb, &c->addr[SIDE_CLIENT], c->port[SIDE_CLIENT]);
    tb_puts(&tb, cb->ascii ? " -> " : " \xe2\x86\x92 ");
    addr_port_put(&tb, &c->addr[SIDE_SERVER], c->port[SIDE_SERVER]);
    flow_item(&ft, buf, ROLE_HEADER);
    snprintf(buf, sizeof buf, "client %s", conn_state_name((enum tcp_state)c->state[SIDE_CLIENT]));
    flow_item(&ft, buf, ROLE_CLIENT);
    snprintf(buf, sizeof buf, "server %s", conn_state_name((enum tcp_state)c->state[SIDE_SERVER]));
    flow_item(&ft, buf, ROLE_SERVER);
    snprintf(buf, sizeof buf, "conn_state %s", conn_zeek_state(c));
    flow_item(&ft, buf, ROLE_NORMAL);
    snprintf(buf, sizeof buf, "close %s%s", conn_close_name(conn_close_type(c)),
             c->partial ? " (partial)" : "");
    flow_item(&ft, buf, ROLE_NORMAL);
    snprintf(buf, sizeof buf, "history %s", c->history[0] ? c->history : "-");
    flow_item(&ft, buf, ROLE_NORMAL);
    snprintf(buf, sizeof buf, "packets %llu%s %llu%s", (unsigned long long)c->pkts[SIDE_CLIENT],
             cb->ascii ? ">" : "\xe2\x86\x92", (unsigned long long)c->pkts[SIDE_SERVER],
             cb->ascii ? "<" : "\xe2\x86\x90");
    flow_item(&ft, buf, ROLE_NORMAL);
    tb_init(&tb, buf, sizeof buf);
    tb_puts(&tb, "payload ");
    human(&tb, (double)c->payload[SIDE_CLIENT], "B");
    tb_puts(&tb, " / ");
    human(&tb, (double)c->payload[SIDE_SERVER], "B");
    flow_item(&ft, buf, ROLE_NORMAL);
    struct conn_times tm;
    conn_times(c, &tm);
    tb_init(&tb, buf, sizeof buf);
    tb_puts(&tb, "initial RTT ");
    if (tm.initial_rtt == CONN_NA)
        tb_putc(&tb, '-');
    else
        render_duration(&tb, tm.initial_rtt, cb->ascii);
    flow_item(&ft, buf, ROLE_NORMAL);
    tb_init(&tb, buf, sizeof buf);
    tb_puts(&tb, "duration ");
    if (tm.duration == CONN_NA)
        tb_putc(&tb, '-');
    else
        render_duration(&tb, tm.duration, cb->ascii);
    flow_item(&ft, buf, ROLE_NORMAL);
    uint64_t marks = 0;
    for (int i = 0; i < TA_COUNT; i++)
        if (i != TA_WINDOW_UPDATE && i != TA_REUSED_PORTS)
            marks += c->analysis[i];
    snprintf(buf, sizeof buf, "marks %llu", (unsigned long long)marks);
    flow_item(&ft, buf, marks ? ROLE_MARK : ROLE_NORMAL);

    static const char *const names[PANE_COUNT] = {"l Ladder", "t Timeline", "f Follow"};
    int row = cellbuf_add_row(cb);
    int col = 0;
    for (int i = 0; i < PANE_COUNT; i++) {
        tb_init(&tb, buf, sizeof buf);
        tb_puts(&tb, i == (int)r->pane ? "[" : " ");
        tb_puts(&tb, names[i]);
        if (i == PANE_FOLLOW)
            tb_puts(&tb, r->hex ? " (hex)" : " (text)");
        if (i == PANE_TIMELINE && r->zoom)
            tb_puts(&tb, " (zoomed)");
        tb_puts(&tb, i == (int)r->pane ? "]" : " ");
        tb_puts(&tb, "  ");
        col = cellbuf_put(cb, row, col, buf, i == (int)r->pane ? ROLE_SELECTED : ROLE_DIM);
    }
}

/* The ladder pane: the endpoint header stays, segment rows scroll, the
 * summary follows the last segment. */
static void ladder_pane(struct query_private *p, const struct query_req *r,
                        struct query_resp *o, const struct conn *c)
{
    struct conn_cache *cc = &p->cc;
    int64_t nseg = (int64_t)cc->pkts.n;
    int64_t total = nseg + 5; /* a blank line and the four summary lines */
    /* the header takes one or two rows: reserve two to know the window */
    int rows = body_rows(r, o) - 2;
    if (rows < 1)
        rows = 1;
    o->top = r->top == QUERY_FOLLOW ? 0 : r->top;
    o->sel = r->sel;
    normalise(total, rows, &o->top, &o->sel, r->top == QUERY_FOLLOW);
    o->total = total;
    struct cellbuf *tmp = &p->tmp;
    scratch_reset(tmp, o->body.width, r->ascii);
    size_t first = (size_t)(o->top < nseg ? o->top : nseg);
    size_t count = o->top + rows < nseg ? (size_t)(o->top + rows) - first
                                        : (size_t)nseg - first;
    int header = ladder_render_window(tmp, c, p->dec->store, p->dec->cap->linktype,
                                      cc->pkts.v, cc->pkts.n, first, count);
    copy_rows(&o->head, tmp, 0, header);
    copy_rows(&o->body, tmp, header, tmp->rows - header);
    if (o->top + rows > nseg) {
        tmp->rows = 0;
        cellbuf_add_row(tmp);
        ladder_render_summary(tmp, c);
        int64_t from = o->top > nseg ? o->top - nseg : 0;
        copy_rows(&o->body, tmp, from, rows - o->body.rows);
    }
    if (o->sel < nseg)
        o->sel_packet = cc->pkts.v[o->sel] + 1;
}

/* A pane drawn whole into src, shown as a scrolling window. */
static void scroll_pane(const struct query_req *r, struct query_resp *o,
                        const struct cellbuf *src)
{
    int rows = body_rows(r, o);
    o->top = r->top == QUERY_FOLLOW ? src->rows - rows : r->top;
    o->sel = o->top;
    normalise(src->rows, rows, &o->top, &o->sel, false);
    o->sel = -1; /* nothing to select */
    o->total = src->rows;
    copy_rows(&o->body, src, o->top, rows);
}

static void timeline_pane(struct query_private *p, const struct query_req *r,
                          struct query_resp *o, const struct conn *c)
{
    struct cellbuf *tmp = &p->tmp;
    scratch_reset(tmp, o->body.width, r->ascii);
    uint64_t now = p->live && !c->closed ? query_now_ns(p) : 0;
    timeline_render(tmp, c, r->zoom, now);
    cellbuf_add_row(tmp);
    ladder_render_summary(tmp, c);
    scroll_pane(r, o, tmp);
}

static void follow_pane(struct query_private *p, const struct query_req *r,
                        struct query_resp *o, const struct conn *c)
{
    struct conn_cache *cc = &p->cc;
    if (!cc->follow_valid || cc->follow_hex != r->hex ||
        cc->follow_width != o->body.width || cc->follow_pkts != cc->pkts.n ||
        cc->follow.ascii != r->ascii) {
        cellbuf_free(&cc->follow);
        cellbuf_init(&cc->follow, o->body.width, r->ascii);
        follow_view_render(&cc->follow, c, p->dec->store, p->dec->cap->linktype, r->hex);
        cc->follow_valid = true;
        cc->follow_hex = r->hex;
        cc->follow_width = o->body.width;
        cc->follow_pkts = cc->pkts.n;
    }
    scroll_pane(r, o, &cc->follow);
}

void qv_conn(struct query_private *p, const struct query_req *r,
             struct query_resp *o)
{
    const struct conn *c = conn_table_get(p->dec->conns, r->id);
    if (!c) {
        char buf[200];
        snprintf(buf, sizeof buf,
                 "no TCP connection %llu (yet): %llu connections seen; they are numbered as --conns numbers them",
                 (unsigned long long)r->id, (unsigned long long)conn_table_count(p->dec->conns));
        note_row(&o->head, buf);
        return;
    }
    o->found = true;
    o->sel_conn = c->id;
    conn_cache_update(p, c->id);
    conn_head(&o->head, c, r);
    switch (r->pane) {
    case PANE_TIMELINE: timeline_pane(p, r, o, c); break;
    case PANE_FOLLOW: follow_pane(p, r, o, c); break;
    default: ladder_pane(p, r, o, c); break;
    }
}

/* --- one flow's exchange --- */

struct flow_by_id {
    uint64_t id;
    const struct flow *found;
};

static void match_flow(const struct flow *f, void *arg)
{
    struct flow_by_id *w = arg;
    if (f->id == w->id)
        w->found = f;
}

void qv_exchange(struct query_private *p, const struct query_req *r,
                 struct query_resp *o)
{
    struct flow_by_id w = {r->id, NULL};
    flow_table_foreach_by_id(p->dec->flows, match_flow, &w);
    char buf[200];
    if (!w.found) {
        snprintf(buf, sizeof buf, "no flow %llu (evicted, or not seen yet)",
                 (unsigned long long)r->id);
        note_row(&o->head, buf);
        return;
    }
    o->found = true;
    o->sel_flow = w.found->id;
    const char *app = w.found->app ? decode_proto_name((enum ws_proto)w.found->app) : "no application protocol";
    snprintf(buf, sizeof buf, "Flow %llu  %s  (the same ladder as --ladder flow:%llu)",
             (unsigned long long)w.found->id, app, (unsigned long long)w.found->id);
    cellbuf_put(&o->head, cellbuf_add_row(&o->head), 0, buf, ROLE_HEADER);
    struct cellbuf *tmp = &p->tmp;
    scratch_reset(tmp, o->body.width, r->ascii);
    exchange_ladder_render(tmp, w.found, p->dec->apps, p->dec->store, p->dec->cap->linktype);
    scroll_pane(r, o, tmp);
}
