/* Ladders of UDP flows and application exchanges, from the stored packets
 * and the application tracker (no analysis is recomputed). */
#include <stdlib.h>
#include <string.h>

#include "wirescope/decode.h"
#include "wirescope/info.h"
#include "wirescope/render_exchange.h"
#include "wirescope/xalloc.h"

#define EX_TIME_COL 2
#define EX_LEFT 12
#define EX_INNER_MIN 38
#define EX_INNER_MAX 96
#define EX_LABEL 128
#define EX_SNAP 262144

enum { EX_LEFT_SIDE = 0, EX_RIGHT_SIDE = 1 };

struct ex_row {
    uint64_t no;      /* packet number from 1 */
    uint64_t ts_ns;
    int side;         /* the sender's column */
    enum cell_role role;
    char label[EX_LABEL];
};

/* A flow the drawn flow announced (FTP data, RTSP media): one summary row. */
struct ex_child {
    uint32_t flow_id;
    uint8_t app;
    uint64_t first_no, first_ns, last_ns;
    uint64_t pkts, bytes[2]; /* bytes sent from the left / right host */
};

struct ex_state {
    const struct flow *f;
    const struct app_tracker *apps;
    struct ws_addr a_addr, b_addr;
    uint16_t a_port, b_port;
    struct ex_row *rows;
    size_t nrows, rows_cap;
    struct ex_child *kids;
    size_t nkids, kids_cap;
    uint64_t *extra; /* packets of other flows drawn too (DHCP replies) */
    size_t nextra, extra_cap;
    uint64_t hidden_acks;
    bool dhcp;
    bool have_mac;
    uint8_t client_mac[6];
    bool have_server;
    struct ws_addr server;
};

int ladder_arrow(struct cellbuf *cb, int row, int left_col, int inner,
                 bool to_right, const char *text, enum cell_role role)
{
    int col = cellbuf_put(cb, row, left_col, "|", ROLE_DIM);
    int label_len = (int)strlen(text);
    if (label_len > inner - 8)
        label_len = inner - 8;
    if (label_len < 0)
        label_len = 0;
    char label[EX_INNER_MAX + 8];
    memcpy(label, text, (size_t)label_len);
    label[label_len] = '\0';
    int lead = to_right ? 8 : 3;
    if (lead + label_len + 4 > inner)
        lead = 2;
    int trail = inner - lead - label_len - 2;
    if (to_right) {
        col = cellbuf_fill(cb, row, col, "-", lead, role);
        col = cellbuf_put(cb, row, col, " ", role);
        col = cellbuf_put(cb, row, col, label, role);
        col = cellbuf_put(cb, row, col, " ", role);
        col = cellbuf_fill(cb, row, col, "-", trail - 1, role);
        col = cellbuf_put(cb, row, col, ">", role);
    } else {
        col = cellbuf_put(cb, row, col, "<", role);
        col = cellbuf_fill(cb, row, col, "-", lead - 1, role);
        col = cellbuf_put(cb, row, col, " ", role);
        col = cellbuf_put(cb, row, col, label, role);
        col = cellbuf_put(cb, row, col, " ", role);
        col = cellbuf_fill(cb, row, col, "-", trail, role);
    }
    return cellbuf_put(cb, row, col, "|", ROLE_DIM);
}

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return v;
    *cap = *cap ? *cap * 2 : 64;
    return xrealloc(v, *cap * size);
}

static struct ex_row *add_row(struct ex_state *st)
{
    st->rows = grow(st->rows, &st->rows_cap, st->nrows, sizeof *st->rows);
    struct ex_row *r = &st->rows[st->nrows++];
    memset(r, 0, sizeof *r);
    return r;
}

/* --- which packets belong to the ladder --- */

static bool txn_touches_flow(const struct txn *x, struct store *s, uint32_t fid)
{
    for (unsigned i = 0; i < x->nmsgs; i++) {
        const struct pkt_entry *e = store_entry(s, x->msgs[i].packet - 1);
        if (e && e->flow_id == fid)
            return true;
    }
    return false;
}

struct txn_walk {
    struct ex_state *st;
    struct store *s;
};

/* A DHCP exchange spans flows (the client broadcasts from 0.0.0.0, the
 * server answers from its own address): its other packets join the ladder. */
static void collect_dhcp_txn(const struct txn *x, void *arg)
{
    struct txn_walk *w = arg;
    struct ex_state *st = w->st;
    if (x->proto != P_DHCP || !txn_touches_flow(x, w->s, (uint32_t)st->f->id))
        return;
    for (unsigned i = 0; i < x->nmsgs; i++) {
        st->extra = grow(st->extra, &st->extra_cap, st->nextra, sizeof *st->extra);
        st->extra[st->nextra++] = x->msgs[i].packet;
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool is_extra(const struct ex_state *st, uint64_t no)
{
    return st->nextra &&
           bsearch(&no, st->extra, st->nextra, sizeof *st->extra, cmp_u64);
}

/* --- rows --- */

static bool from_left(const struct ex_state *st, const struct ws_packet *pkt,
                      bool same_flow)
{
    if (pkt->app == P_DHCP && pkt->a.dhcp.op)
        return pkt->a.dhcp.op == 1; /* BOOTREQUEST: the client speaks */
    if (same_flow)
        return addr_cmp(&pkt->src, &st->a_addr) == 0 && pkt->sport == st->a_port;
    return addr_cmp(&pkt->src, &st->a_addr) == 0;
}

static enum cell_role packet_role(const struct ws_packet *pkt, bool left)
{
    if (pkt->event != EV_NONE && pkt->event != EV_FRAGMENT)
        return ROLE_MARK;
    if (pkt->ip_proto == 6 && (pkt->u.tcp.flags & TCP_RST))
        return ROLE_RST;
    if (pkt->ip_proto == 6 && (pkt->u.tcp.flags & TCP_SYN))
        return ROLE_SYN;
    if (pkt->ip_proto == 6 && (pkt->u.tcp.flags & TCP_FIN))
        return ROLE_FIN;
    return left ? ROLE_CLIENT : ROLE_SERVER;
}

/* TCP segments that carry no application message and no SYN/FIN/RST are
 * the transport's business: the TCP ladder shows them. */
static bool worth_drawing(const struct ws_packet *pkt)
{
    if (pkt->ip_proto != 6)
        return true;
    return pkt->app || (pkt->u.tcp.flags & (TCP_SYN | TCP_FIN | TCP_RST)) ||
           pkt->payload_len;
}

static void remember_dhcp_ends(struct ex_state *st, const struct ws_packet *pkt)
{
    if (pkt->app != P_DHCP)
        return;
    if (pkt->a.dhcp.op == 1 && !st->have_mac) {
        memcpy(st->client_mac, pkt->a.dhcp.chaddr, 6);
        st->have_mac = true;
    } else if (pkt->a.dhcp.op == 2 && !st->have_server) {
        st->server = pkt->src;
        st->have_server = true;
    }
}

static void add_packet_row(struct ex_state *st, const struct ws_packet *pkt,
                           const struct pkt_entry *e, uint64_t no, bool same_flow)
{
    if (!worth_drawing(pkt)) {
        st->hidden_acks++;
        return;
    }
    remember_dhcp_ends(st, pkt);
    bool left = from_left(st, pkt, same_flow);
    struct ex_row *r = add_row(st);
    r->no = no;
    r->ts_ns = e->ts_ns;
    r->side = left ? EX_LEFT_SIDE : EX_RIGHT_SIDE;
    r->role = packet_role(pkt, left);
    if (pkt->ip_proto == 6 && !pkt->app) {
        /* the transport's own segment: flags and length, as the TCP ladder */
        struct textbuf tb;
        tb_init(&tb, r->label, sizeof r->label);
        ladder_flags_text(&tb, pkt->u.tcp.flags);
        if (pkt->payload_len) {
            tb_puts(&tb, " Len=");
            tb_u64(&tb, pkt->payload_len);
        }
    } else {
        info_format(pkt, NULL, r->label, sizeof r->label);
    }
}

static struct ex_child *child_of(struct ex_state *st, uint32_t fid, uint8_t app)
{
    for (size_t i = 0; i < st->nkids; i++)
        if (st->kids[i].flow_id == fid)
            return &st->kids[i];
    st->kids = grow(st->kids, &st->kids_cap, st->nkids, sizeof *st->kids);
    struct ex_child *k = &st->kids[st->nkids++];
    memset(k, 0, sizeof *k);
    k->flow_id = fid;
    k->app = app;
    return k;
}

static void add_child_packet(struct ex_state *st, const struct ws_packet *pkt,
                             const struct pkt_entry *e, uint64_t no)
{
    struct ex_child *k = child_of(st, e->flow_id,
                                  (uint8_t)app_flow_announced(st->apps, e->flow_id));
    if (!k->pkts) {
        k->first_no = no;
        k->first_ns = e->ts_ns;
    }
    k->pkts++;
    k->last_ns = e->ts_ns;
    if (!k->app)
        k->app = pkt->app;
    k->bytes[addr_cmp(&pkt->src, &st->a_addr) == 0 ? 0 : 1] += pkt->payload_len;
}

static void child_rows(struct ex_state *st, bool ascii)
{
    for (size_t i = 0; i < st->nkids; i++) {
        const struct ex_child *k = &st->kids[i];
        struct ex_row *r = add_row(st);
        r->no = k->first_no;
        r->ts_ns = k->first_ns;
        r->side = k->bytes[0] >= k->bytes[1] ? EX_LEFT_SIDE : EX_RIGHT_SIDE;
        r->role = ROLE_NOTE;
        struct textbuf tb;
        tb_init(&tb, r->label, sizeof r->label);
        tb_puts(&tb, "flow ");
        tb_u64(&tb, k->flow_id);
        tb_putc(&tb, ' ');
        tb_puts(&tb, k->app ? decode_proto_name((enum ws_proto)k->app) : "data");
        tb_puts(&tb, ": ");
        tb_u64(&tb, k->bytes[0] + k->bytes[1]);
        tb_puts(&tb, " bytes in ");
        tb_u64(&tb, k->pkts);
        tb_puts(&tb, " packets, ");
        render_duration(&tb, (int64_t)(k->last_ns - k->first_ns), ascii);
    }
}

static int cmp_rows(const void *a, const void *b)
{
    const struct ex_row *x = a, *y = b;
    return x->no < y->no ? -1 : x->no > y->no;
}

static void collect(struct ex_state *st, struct store *s, int linktype)
{
    uint8_t *bytes = xmalloc(EX_SNAP);
    struct ws_packet *pkt = xcalloc(1, sizeof *pkt);
    uint32_t fid = (uint32_t)st->f->id;
    uint64_t end = store_count(s);
    for (uint64_t n = store_first(s); n < end; n++) {
        const struct pkt_entry *e = store_entry(s, n);
        if (!e || e->flow_id == STORE_NONE)
            continue;
        bool mine = e->flow_id == fid;
        bool extra = !mine && is_extra(st, n + 1);
        bool kid = !mine && !extra && st->apps &&
                   app_flow_parent(st->apps, e->flow_id) == st->f->id;
        if (!mine && !extra && !kid)
            continue;
        size_t got = store_read_bytes(s, n, bytes, EX_SNAP);
        decode_reset(pkt, bytes, (uint32_t)got, e->len, linktype);
        decode_packet(pkt);
        if (kid)
            add_child_packet(st, pkt, e, n + 1);
        else
            add_packet_row(st, pkt, e, n + 1, mine);
    }
    free(pkt);
    free(bytes);
}

/* --- drawing --- */

static void endpoint_name(char *buf, size_t size, const struct ws_addr *a,
                          uint16_t port, bool with_port)
{
    char text[WS_ADDR_STRLEN];
    addr_format(a, text, sizeof text);
    struct textbuf tb;
    tb_init(&tb, buf, size);
    bool v6 = !addr_is_v4(a);
    if (v6 && with_port)
        tb_putc(&tb, '[');
    tb_puts(&tb, text);
    if (v6 && with_port)
        tb_putc(&tb, ']');
    if (with_port) {
        tb_putc(&tb, ':');
        tb_u64(&tb, port);
    }
}

static void column_names(const struct ex_state *st, char *left, char *right,
                         size_t size)
{
    if (st->dhcp && st->have_mac) {
        char mac[18];
        mac_format(st->client_mac, mac);
        snprintf(left, size, "client %s", mac);
        if (st->have_server) {
            char srv[WS_ADDR_STRLEN];
            addr_format(&st->server, srv, sizeof srv);
            snprintf(right, size, "server %s", srv);
        } else {
            snprintf(right, size, "server (no reply)");
        }
        return;
    }
    bool ports = st->f->key.proto == 6 || st->f->key.proto == 17;
    endpoint_name(left, size, &st->a_addr, st->a_port, ports);
    endpoint_name(right, size, &st->b_addr, st->b_port, ports);
}

static int inner_width(const struct ex_state *st)
{
    int w = EX_INNER_MIN;
    for (size_t i = 0; i < st->nrows; i++) {
        int need = (int)strlen(st->rows[i].label) + 14;
        if (need > w)
            w = need;
    }
    return w > EX_INNER_MAX ? EX_INNER_MAX : w;
}

static void draw_header(struct cellbuf *cb, const struct ex_state *st, int inner)
{
    char left[96], right[96];
    column_names(st, left, right, sizeof left);
    int row = cellbuf_add_row(cb);
    cellbuf_put(cb, row, EX_TIME_COL, "time", ROLE_HEADER);
    cellbuf_put(cb, row, EX_LEFT, left, ROLE_CLIENT);
    int right_col = EX_LEFT + inner + 2 - (int)strlen(right);
    if (right_col < EX_LEFT + (int)strlen(left) + 2)
        row = cellbuf_add_row(cb);
    if (right_col < EX_LEFT)
        right_col = EX_LEFT;
    cellbuf_put(cb, row, right_col, right, ROLE_SERVER);
}

static void draw_rows(struct cellbuf *cb, const struct ex_state *st, int inner)
{
    uint64_t t0 = st->nrows ? st->rows[0].ts_ns : 0, prev = 0;
    for (size_t i = 0; i < st->nrows; i++) {
        const struct ex_row *r = &st->rows[i];
        int row = cellbuf_add_row(cb);
        char buf[64];
        struct textbuf tb;
        tb_init(&tb, buf, sizeof buf);
        tb_fixed(&tb, (int64_t)(r->ts_ns - t0) / 1000, 6);
        cellbuf_put(cb, row, EX_TIME_COL, buf, ROLE_NORMAL);
        int col = ladder_arrow(cb, row, EX_LEFT, inner, r->side == EX_LEFT_SIDE,
                               r->label, r->role);
        tb_init(&tb, buf, sizeof buf);
        tb_puts(&tb, "  #");
        tb_u64(&tb, r->no);
        if (prev) {
            tb_puts(&tb, "  +");
            render_duration(&tb, (int64_t)(r->ts_ns - prev), cb->ascii);
        }
        cellbuf_put(cb, row, col, buf, ROLE_DIM);
        prev = r->ts_ns;
    }
}

static void draw_footer(struct cellbuf *cb, const struct ex_state *st)
{
    char buf[160];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_u64(&tb, st->nrows - st->nkids);
    tb_puts(&tb, " messages");
    if (st->nkids) {
        tb_puts(&tb, ", ");
        tb_u64(&tb, st->nkids);
        tb_puts(&tb, st->nkids == 1 ? " announced flow" : " announced flows");
    }
    if (st->hidden_acks) {
        tb_puts(&tb, "; ");
        tb_u64(&tb, st->hidden_acks);
        tb_puts(&tb, " TCP segments without data not drawn (see --ladder on the connection)");
    }
    cellbuf_add_row(cb);
    int row = cellbuf_add_row(cb);
    cellbuf_put(cb, row, EX_TIME_COL, buf, ROLE_DIM);
}

void exchange_ladder_render(struct cellbuf *cb, const struct flow *f,
                            const struct app_tracker *apps, struct store *s,
                            int linktype)
{
    struct ex_state st = {.f = f, .apps = apps, .dhcp = f->app == P_DHCP};
    st.a_addr = f->a_is_lo ? f->key.lo : f->key.hi;
    st.b_addr = f->a_is_lo ? f->key.hi : f->key.lo;
    st.a_port = f->a_is_lo ? f->key.lo_port : f->key.hi_port;
    st.b_port = f->a_is_lo ? f->key.hi_port : f->key.lo_port;
    if (st.dhcp && apps) {
        struct txn_walk w = {&st, s};
        app_tracker_foreach_txn(apps, collect_dhcp_txn, &w);
        if (st.nextra)
            qsort(st.extra, st.nextra, sizeof *st.extra, cmp_u64);
    }
    collect(&st, s, linktype);
    child_rows(&st, cb->ascii);
    if (st.nrows)
        qsort(st.rows, st.nrows, sizeof *st.rows, cmp_rows);
    int inner = inner_width(&st);
    draw_header(cb, &st, inner);
    draw_rows(cb, &st, inner);
    draw_footer(cb, &st);
    free(st.rows);
    free(st.kids);
    free(st.extra);
}
