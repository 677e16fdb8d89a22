/* The TCP connection table for --conns, as text or JSON Lines. */
#include <string.h>

#include "wirescope/addr.h"
#include "wirescope/batch.h"
#include "wirescope/conn.h"
#include "wirescope/textbuf.h"

static void tb_secs(struct textbuf *tb, int64_t ns, bool nano)
{
    if (ns == CONN_NA) {
        tb_puts(tb, "null");
        return;
    }
    if (nano)
        tb_fixed(tb, ns, 9);
    else
        tb_fixed(tb, ns / 1000, 6);
}

static void json_addr(struct textbuf *tb, const char *key,
                      const struct ws_addr *a)
{
    char buf[WS_ADDR_STRLEN];
    addr_format(a, buf, sizeof buf);
    tb_puts(tb, key);
    tb_json_str(tb, buf);
}

static void json_u64(struct textbuf *tb, const char *key, uint64_t v)
{
    tb_puts(tb, key);
    tb_u64(tb, v);
}

static const char *side_name(int side)
{
    return side == SIDE_CLIENT ? "\"client\"" : side == SIDE_SERVER ? "\"server\"" : "null";
}

static void json_analysis(struct textbuf *tb, const struct conn *c)
{
    tb_puts(tb, ",\"analysis\":{");
    for (int i = 0; i < TA_COUNT; i++) {
        if (i)
            tb_putc(tb, ',');
        tb_json_str(tb, tcp_ta_name((enum tcp_ta_flag)i));
        tb_putc(tb, ':');
        tb_u64(tb, c->analysis[i]);
    }
    tb_putc(tb, '}');
}

static void write_conn_json(const struct conn *c, void *arg)
{
    struct batch *b = arg;
    struct conn_times tm;
    conn_times(c, &tm);
    struct textbuf tb;
    tb_init(&tb, b->line, sizeof b->line);
    json_u64(&tb, "{\"id\":", c->id);
    json_addr(&tb, ",\"client_addr\":", &c->addr[SIDE_CLIENT]);
    json_u64(&tb, ",\"client_port\":", c->port[SIDE_CLIENT]);
    json_addr(&tb, ",\"server_addr\":", &c->addr[SIDE_SERVER]);
    json_u64(&tb, ",\"server_port\":", c->port[SIDE_SERVER]);
    tb_puts(&tb, ",\"client_state\":");
    tb_json_str(&tb, conn_state_name((enum tcp_state)c->state[SIDE_CLIENT]));
    tb_puts(&tb, ",\"server_state\":");
    tb_json_str(&tb, conn_state_name((enum tcp_state)c->state[SIDE_SERVER]));
    tb_puts(&tb, ",\"conn_state\":");
    tb_json_str(&tb, conn_zeek_state(c));
    tb_puts(&tb, ",\"history\":");
    tb_json_str(&tb, c->history);
    json_u64(&tb, ",\"pkts_c2s\":", c->pkts[SIDE_CLIENT]);
    json_u64(&tb, ",\"pkts_s2c\":", c->pkts[SIDE_SERVER]);
    json_u64(&tb, ",\"bytes_c2s\":", c->bytes[SIDE_CLIENT]);
    json_u64(&tb, ",\"bytes_s2c\":", c->bytes[SIDE_SERVER]);
    json_u64(&tb, ",\"payload_c2s\":", c->payload[SIDE_CLIENT]);
    json_u64(&tb, ",\"payload_s2c\":", c->payload[SIDE_SERVER]);
    tb_puts(&tb, ",\"start\":");
    tb_time(&tb, (int64_t)(c->first_ns / 1000000000u),
            (uint32_t)(c->first_ns % 1000000000u), b->nano);
    tb_puts(&tb, ",\"duration\":");
    tb_secs(&tb, tm.duration, b->nano);
    tb_puts(&tb, ",\"initial_rtt\":");
    tb_secs(&tb, tm.initial_rtt, b->nano);
    tb_puts(&tb, ",\"syn_synack\":");
    tb_secs(&tb, tm.syn_synack, b->nano);
    tb_puts(&tb, ",\"synack_ack\":");
    tb_secs(&tb, tm.synack_ack, b->nano);
    tb_puts(&tb, ",\"ttfb\":");
    tb_secs(&tb, tm.ttfb, b->nano);
    tb_puts(&tb, ",\"teardown\":");
    tb_secs(&tb, tm.teardown, b->nano);
    tb_puts(&tb, ",\"close\":");
    tb_json_str(&tb, conn_close_name(conn_close_type(c)));
    tb_puts(&tb, ",\"active_closer\":");
    tb_puts(&tb, side_name(c->active_closer));
    tb_puts(&tb, c->partial ? ",\"partial\":true" : ",\"partial\":false");
    json_u64(&tb, ",\"bad_flags\":", c->bad_flags);
    json_u64(&tb, ",\"bad_checksum\":", c->bad_checksum[0] + c->bad_checksum[1]);
    json_analysis(&tb, c);
    tb_puts(&tb, "}\n");
    fwrite(tb.p, 1, tb.len, b->out);
}

static void cell_secs(struct textbuf *tb, int64_t ns, size_t width)
{
    size_t mark = tb->len;
    if (ns == CONN_NA)
        tb_putc(tb, '-');
    else
        tb_fixed(tb, ns / 1000, 6);
    tb_align_right(tb, mark, width);
}

static void cell_text(struct textbuf *tb, const char *s, size_t width)
{
    size_t mark = tb->len;
    tb_puts(tb, s);
    tb_pad_to(tb, mark, width);
}

static uint64_t analysis_total(const struct conn *c)
{
    uint64_t n = 0;
    for (int i = 0; i < TA_COUNT; i++)
        if (i != TA_WINDOW_UPDATE && i != TA_REUSED_PORTS)
            n += c->analysis[i];
    return n;
}

static void write_conn_text(const struct conn *c, void *arg)
{
    struct batch *b = arg;
    struct conn_times tm;
    conn_times(c, &tm);
    struct textbuf tb;
    tb_init(&tb, b->line, sizeof b->line);
    size_t mark = tb.len;
    tb_u64(&tb, c->id);
    tb_align_right(&tb, mark, 5);
    tb_putc(&tb, ' ');
    mark = tb.len;
    addr_port_put(&tb, &c->addr[SIDE_CLIENT], c->port[SIDE_CLIENT]);
    tb_align_right(&tb, mark, 22);
    tb_puts(&tb, " -> ");
    mark = tb.len;
    addr_port_put(&tb, &c->addr[SIDE_SERVER], c->port[SIDE_SERVER]);
    tb_pad_to(&tb, mark, 22);
    tb_putc(&tb, ' ');
    cell_text(&tb, conn_state_name((enum tcp_state)c->state[SIDE_CLIENT]), 12);
    cell_text(&tb, conn_state_name((enum tcp_state)c->state[SIDE_SERVER]), 12);
    cell_text(&tb, conn_zeek_state(c), 7);
    cell_text(&tb, conn_close_name(conn_close_type(c)), 13);
    cell_secs(&tb, tm.initial_rtt, 10);
    cell_secs(&tb, tm.duration, 12);
    for (int s = 0; s < 2; s++) {
        mark = tb.len;
        tb_u64(&tb, c->pkts[s]);
        tb_align_right(&tb, mark, 7);
        mark = tb.len;
        tb_u64(&tb, c->payload[s]);
        tb_align_right(&tb, mark, 10);
    }
    mark = tb.len;
    tb_u64(&tb, analysis_total(c));
    tb_align_right(&tb, mark, 6);
    tb_putc(&tb, ' ');
    tb_puts(&tb, c->history);
    tb_putc(&tb, '\n');
    fwrite(tb.p, 1, tb.len, b->out);
}

void batch_write_conns(struct batch *b, struct conn_table *conns)
{
    if (b->json) {
        conn_table_foreach(conns, write_conn_json, b);
        return;
    }
    fprintf(b->out, "%5s %22s    %-22s %-12s%-12s%-7s%-13s%10s%12s%7s%10s%7s%10s%6s %s\n",
            "id", "client", "server", "client", "server", "conn", "close",
            "rtt", "duration", "pkts", "payload", "pkts", "payload", "marks",
            "history");
    fprintf(b->out, "%5s %22s    %-22s %-12s%-12s%-7s%-13s%10s%12s%17s%17s%6s\n", "",
            "", "", "state", "state", "state", "", "", "", "client>", "<server", "");
    conn_table_foreach(conns, write_conn_text, b);
}
