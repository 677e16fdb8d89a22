/* Packet list and conversation table for --packets and --flows. */
#include <string.h>

#include "wirescope/addr.h"
#include "wirescope/batch.h"
#include "proto/proto.h"
#include "wirescope/info.h"
#include "wirescope/textbuf.h"

void batch_init(struct batch *b, FILE *out, bool json, bool nano)
{
    memset(b, 0, sizeof *b);
    b->out = out;
    b->json = json;
    b->nano = nano;
}

/* Source and destination as tshark's columns: IP addresses, else MACs. */
static void endpoint_text(const struct ws_packet *pkt, bool src, char *buf,
                          size_t size)
{
    if (pkt->ip_ver) {
        addr_format(src ? &pkt->src : &pkt->dst, buf, size);
    } else if (pkt->has_eth && size >= 18) {
        const uint8_t *mac = src ? pkt->eth_src : pkt->eth_dst;
        static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        if (!src && memcmp(mac, bcast, 6) == 0)
            snprintf(buf, size, "Broadcast");
        else
            mac_format(mac, buf);
    } else {
        snprintf(buf, size, "%s", "");
    }
}

static void relative_time(struct batch *b, const struct cap_rec *r,
                          int64_t *sec, uint32_t *nsec)
{
    if (!b->have_first) {
        b->have_first = true;
        b->first_sec = r->ts_sec;
        b->first_nsec = r->ts_nsec;
    }
    int64_t s = r->ts_sec - b->first_sec;
    int64_t ns = (int64_t)r->ts_nsec - b->first_nsec;
    if (ns < 0) {
        ns += 1000000000;
        s -= 1;
    }
    *sec = s;
    *nsec = (uint32_t)ns;
}

static bool has_ports(const struct ws_packet *pkt)
{
    return pkt->l4_off && (pkt->ip_proto == 6 || pkt->ip_proto == 17) &&
           (pkt->top == P_TCP || pkt->top == P_UDP ||
            (pkt->top >= P_DNS && pkt->top <= P_DATA)); /* application layers */
}

static void json_port(struct textbuf *tb, const char *key, bool present,
                      uint16_t port)
{
    tb_puts(tb, key);
    if (present)
        tb_u64(tb, port);
    else
        tb_puts(tb, "null");
}

static void json_tcp_flags(struct textbuf *tb, uint16_t f)
{
    static const struct { uint16_t bit; const char *name; } names[] = {
        {TCP_FIN, "FIN"}, {TCP_SYN, "SYN"}, {TCP_RST, "RST"}, {TCP_PSH, "PSH"},
        {TCP_ACK, "ACK"}, {TCP_URG, "URG"}, {TCP_ECE, "ECE"}, {TCP_CWR, "CWR"},
        {TCP_AE, "AE"},
    };
    tb_putc(tb, '"');
    bool any = false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (f & names[i].bit) {
            if (any)
                tb_putc(tb, ',');
            tb_puts(tb, names[i].name);
            any = true;
        }
    }
    tb_putc(tb, '"');
}

/* The connection and its sequence analysis: "conn" and "tcp" members. */
static void json_tcp(struct textbuf *tb, const struct decoded *d)
{
    const struct tcp_seg_result *ta = &d->tcp->ta;
    tb_puts(tb, ",\"conn\":");
    tb_u64(tb, d->tcp->conn->id);
    tb_puts(tb, ",\"tcp\":{\"flags\":");
    json_tcp_flags(tb, d->pkt->u.tcp.flags);
    tb_puts(tb, ",\"seq\":");
    tb_u64(tb, ta->rel_seq);
    tb_puts(tb, ",\"ack\":");
    tb_u64(tb, ta->rel_ack);
    tb_puts(tb, ",\"len\":");
    tb_u64(tb, d->pkt->payload_len);
    tb_puts(tb, ",\"win\":");
    tb_i64(tb, ta->window);
    tb_puts(tb, ",\"bytes_in_flight\":");
    if (ta->has_bytes_in_flight)
        tb_u64(tb, ta->bytes_in_flight);
    else
        tb_puts(tb, "null");
    tb_puts(tb, ",\"analysis\":[");
    bool first = true;
    for (int i = 0; i < TA_COUNT; i++) {
        if (!(ta->flags & (1u << i)))
            continue;
        if (!first)
            tb_putc(tb, ',');
        tb_json_str(tb, tcp_ta_name((enum tcp_ta_flag)i));
        first = false;
    }
    tb_putc(tb, ']');
    if (ta->flags & (1u << TA_DUP_ACK)) {
        tb_puts(tb, ",\"dup_ack_num\":");
        tb_u64(tb, ta->dup_ack_num);
        tb_puts(tb, ",\"dup_ack_frame\":");
        tb_u64(tb, ta->dup_ack_frame);
    }
    tb_putc(tb, '}');
}

/* JSON keys are lower case: "dns", "http", "ftp_data". */
static const char *json_app_key(enum ws_proto p)
{
    static _Thread_local char key[16];
    const char *name = decode_proto_name(p);
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof key; i++) {
        char ch = name[i];
        key[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch == '-' ? '_' : ch;
    }
    key[i] = 0;
    return key;
}

/* The application layer's fields as "<proto>":{...} (docs/JSON.md). */
static void json_app(struct textbuf *tb, const struct ws_packet *pkt)
{
    for (unsigned i = 0; i < pkt->nlayers; i++) {
        const struct ws_layer *l = &pkt->layers[i];
        const struct proto_desc *pd = proto_get((enum ws_proto)l->proto);
        if (!pd || !pd->app || !pd->app->json)
            continue;
        tb_putc(tb, ',');
        tb_json_str(tb, json_app_key((enum ws_proto)l->proto));
        tb_puts(tb, ":{");
        pd->app->json(tb, pkt, l);
        tb_putc(tb, '}');
    }
}

static void write_packet_json(struct batch *b, const struct decoded *d,
                              const char *src, const char *dst,
                              const char *info, int64_t rs, uint32_t rns)
{
    const struct ws_packet *pkt = d->pkt;
    struct textbuf tb;
    tb_init(&tb, b->line, sizeof b->line);
    tb_puts(&tb, "{\"no\":");
    tb_u64(&tb, d->number);
    tb_puts(&tb, ",\"time\":");
    tb_time(&tb, rs, rns, b->nano);
    tb_puts(&tb, ",\"epoch\":");
    tb_time(&tb, d->rec->ts_sec, d->rec->ts_nsec, b->nano);
    tb_puts(&tb, ",\"src\":");
    tb_json_str(&tb, src);
    tb_puts(&tb, ",\"dst\":");
    tb_json_str(&tb, dst);
    bool ports = has_ports(pkt);
    json_port(&tb, ",\"sport\":", ports, pkt->sport);
    json_port(&tb, ",\"dport\":", ports, pkt->dport);
    tb_puts(&tb, ",\"proto\":");
    tb_json_str(&tb, info_protocol(pkt));
    tb_puts(&tb, ",\"len\":");
    tb_u64(&tb, d->rec->len);
    tb_puts(&tb, ",\"caplen\":");
    tb_u64(&tb, d->rec->caplen);
    tb_puts(&tb, ",\"info\":");
    tb_json_str(&tb, info);
    tb_puts(&tb, ",\"flow\":");
    if (d->flow)
        tb_u64(&tb, d->flow->id);
    else
        tb_puts(&tb, "null");
    if (d->tcp)
        json_tcp(&tb, d);
    json_app(&tb, pkt);
    tb_puts(&tb, ",\"event\":");
    if (pkt->event != EV_NONE)
        tb_json_str(&tb, decode_event_name(pkt->event));
    else
        tb_puts(&tb, "null");
    tb_puts(&tb, "}\n");
    fwrite(tb.p, 1, tb.len, b->out);
}

/* tshark's default columns: No. Time Source Destination Protocol Length Info */
static void write_packet_text(struct batch *b, const struct decoded *d,
                              const char *src, const char *dst,
                              const char *info, int64_t rs, uint32_t rns)
{
    struct textbuf tb;
    tb_init(&tb, b->line, sizeof b->line);
    size_t mark = tb.len;
    tb_u64(&tb, d->number);
    tb_align_right(&tb, mark, 6);
    tb_putc(&tb, ' ');
    mark = tb.len;
    tb_time(&tb, rs, rns, b->nano);
    tb_align_right(&tb, mark, b->nano ? 14 : 11);
    tb_putc(&tb, ' ');
    mark = tb.len;
    tb_puts(&tb, src);
    tb_align_right(&tb, mark, 15);
    tb_puts(&tb, " \xe2\x86\x92 ");
    mark = tb.len;
    tb_puts(&tb, dst);
    tb_pad_to(&tb, mark, 15);
    tb_putc(&tb, ' ');
    mark = tb.len;
    tb_puts(&tb, info_protocol(d->pkt));
    tb_pad_to(&tb, mark, 6);
    tb_putc(&tb, ' ');
    mark = tb.len;
    tb_u64(&tb, d->rec->len);
    tb_align_right(&tb, mark, 5);
    tb_putc(&tb, ' ');
    tb_puts(&tb, info);
    tb_putc(&tb, '\n');
    fwrite(tb.p, 1, tb.len, b->out);
}

void batch_write_packet(const struct decoded *d, void *arg)
{
    struct batch *b = arg;
    char src[WS_ADDR_STRLEN], dst[WS_ADDR_STRLEN], info[4096];
    endpoint_text(d->pkt, true, src, sizeof src);
    endpoint_text(d->pkt, false, dst, sizeof dst);
    size_t used = 0;
    if (d->tcp) {
        used = tcp_seq_info_prefix(&d->tcp->ta, info, sizeof info);
        if (used >= sizeof info)
            used = sizeof info - 1;
    }
    info_format(d->pkt, &d->tcp_rel, info + used, sizeof info - used);
    int64_t rs;
    uint32_t rns;
    relative_time(b, d->rec, &rs, &rns);
    if (b->json)
        write_packet_json(b, d, src, dst, info, rs, rns);
    else
        write_packet_text(b, d, src, dst, info, rs, rns);
}

static const char *flow_proto_name(uint8_t proto)
{
    switch (proto) {
    case 6:
        return "tcp";
    case 17:
        return "udp";
    case 1:
        return "icmp";
    case 58:
        return "icmpv6";
    case 132:
        return "sctp";
    default:
        return NULL;
    }
}

struct flow_endpoints {
    char a[WS_ADDR_STRLEN], b[WS_ADDR_STRLEN];
    uint16_t a_port, b_port;
    char proto[16];
};

static void flow_endpoints(const struct flow *f, struct flow_endpoints *e)
{
    const struct ws_addr *a = f->a_is_lo ? &f->key.lo : &f->key.hi;
    const struct ws_addr *bb = f->a_is_lo ? &f->key.hi : &f->key.lo;
    addr_format(a, e->a, sizeof e->a);
    addr_format(bb, e->b, sizeof e->b);
    e->a_port = f->a_is_lo ? f->key.lo_port : f->key.hi_port;
    e->b_port = f->a_is_lo ? f->key.hi_port : f->key.lo_port;
    const char *name = flow_proto_name(f->key.proto);
    struct textbuf tb; /* not snprintf: this runs once per flow row */
    tb_init(&tb, e->proto, sizeof e->proto);
    if (name) {
        tb_puts(&tb, name);
    } else {
        tb_puts(&tb, "ip-");
        tb_u64(&tb, f->key.proto);
    }
}

/* Nanoseconds as seconds with 9 (or 6) decimals. */
static void tb_ns(struct textbuf *tb, uint64_t ns, bool nano)
{
    tb_time(tb, (int64_t)(ns / 1000000000u), (uint32_t)(ns % 1000000000u), nano);
}

static void write_flow_json(const struct flow *f, void *arg)
{
    struct batch *b = arg;
    struct flow_endpoints e;
    flow_endpoints(f, &e);
    struct textbuf tb;
    tb_init(&tb, b->line, sizeof b->line);
    tb_puts(&tb, "{\"id\":");
    tb_u64(&tb, f->id);
    tb_puts(&tb, ",\"proto\":");
    tb_json_str(&tb, e.proto);
    tb_puts(&tb, ",\"a_addr\":");
    tb_json_str(&tb, e.a);
    tb_puts(&tb, ",\"a_port\":");
    tb_u64(&tb, e.a_port);
    tb_puts(&tb, ",\"b_addr\":");
    tb_json_str(&tb, e.b);
    tb_puts(&tb, ",\"b_port\":");
    tb_u64(&tb, e.b_port);
    tb_puts(&tb, ",\"pkts_a2b\":");
    tb_u64(&tb, f->pkts[FLOW_A2B]);
    tb_puts(&tb, ",\"pkts_b2a\":");
    tb_u64(&tb, f->pkts[FLOW_B2A]);
    tb_puts(&tb, ",\"bytes_a2b\":");
    tb_u64(&tb, f->bytes[FLOW_A2B]);
    tb_puts(&tb, ",\"bytes_b2a\":");
    tb_u64(&tb, f->bytes[FLOW_B2A]);
    tb_puts(&tb, ",\"start\":");
    tb_ns(&tb, f->first_ns, b->nano);
    tb_puts(&tb, ",\"duration\":");
    tb_ns(&tb, f->last_ns - f->first_ns, b->nano);
    tb_puts(&tb, ",\"app\":");
    if (f->app)
        tb_json_str(&tb, decode_proto_name((enum ws_proto)f->app));
    else
        tb_puts(&tb, "null");
    uint64_t parent = b->apps ? app_flow_parent(b->apps, f->id) : UINT64_MAX;
    tb_puts(&tb, ",\"parent\":");
    if (parent != UINT64_MAX)
        tb_u64(&tb, parent);
    else
        tb_puts(&tb, "null");
    tb_puts(&tb, "}\n");
    fwrite(tb.p, 1, tb.len, b->out);
}

static void endpoint_with_port(struct textbuf *tb, const char *addr,
                               uint16_t port, bool v6)
{
    if (v6)
        tb_putc(tb, '[');
    tb_puts(tb, addr);
    if (v6)
        tb_putc(tb, ']');
    tb_putc(tb, ':');
    tb_u64(tb, port);
}

static void write_flow_text(const struct flow *f, void *arg)
{
    struct batch *b = arg;
    struct flow_endpoints e;
    flow_endpoints(f, &e);
    bool v6 = !addr_is_v4(&f->key.lo);
    struct textbuf tb;
    tb_init(&tb, b->line, sizeof b->line);
    size_t mark = tb.len;
    tb_u64(&tb, f->id);
    tb_align_right(&tb, mark, 6);
    tb_putc(&tb, ' ');
    mark = tb.len;
    tb_puts(&tb, e.proto);
    tb_pad_to(&tb, mark, 6);
    if (tb.len - mark >= 6)
        tb_putc(&tb, ' '); /* "icmpv6" fills the column */
    mark = tb.len;
    endpoint_with_port(&tb, e.a, e.a_port, v6);
    tb_align_right(&tb, mark, 22);
    tb_puts(&tb, " <-> ");
    mark = tb.len;
    endpoint_with_port(&tb, e.b, e.b_port, v6);
    tb_pad_to(&tb, mark, 22);
    uint64_t cols[4] = {f->pkts[FLOW_A2B], f->bytes[FLOW_A2B],
                        f->pkts[FLOW_B2A], f->bytes[FLOW_B2A]};
    for (int i = 0; i < 4; i++) {
        mark = tb.len;
        tb_u64(&tb, cols[i]);
        tb_align_right(&tb, mark, i % 2 ? 12 : 9);
    }
    tb_putc(&tb, ' ');
    mark = tb.len;
    tb_ns(&tb, f->first_ns, b->nano);
    tb_align_right(&tb, mark, 21);
    mark = tb.len;
    tb_ns(&tb, f->last_ns - f->first_ns, b->nano);
    tb_align_right(&tb, mark, 13);
    if (f->app) {
        tb_putc(&tb, ' ');
        tb_puts(&tb, decode_proto_name((enum ws_proto)f->app));
        uint64_t parent = b->apps ? app_flow_parent(b->apps, f->id) : UINT64_MAX;
        if (parent != UINT64_MAX) {
            tb_puts(&tb, " (of flow ");
            tb_u64(&tb, parent);
            tb_putc(&tb, ')');
        }
    }
    tb_putc(&tb, '\n');
    fwrite(tb.p, 1, tb.len, b->out);
}

void batch_write_flows(struct batch *b, struct flow_table *flows)
{
    if (b->json) {
        flow_table_foreach_by_id(flows, write_flow_json, b);
        return;
    }
    fprintf(b->out, "%6s %-5s %22s     %-22s%9s%12s%9s%12s %20s %12s app\n", "id",
            "proto", "A", "B", "pkts A>B", "bytes A>B", "pkts B>A",
            "bytes B>A", "start", "duration");
    flow_table_foreach_by_id(flows, write_flow_text, b);
}
