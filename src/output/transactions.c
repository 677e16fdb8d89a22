/* --transactions: request/response pairs as text or JSON Lines. */
#include <string.h>

#include "wirescope/batch.h"
#include "wirescope/flow.h"
#include "wirescope/render.h"

struct txn_writer {
    struct batch *b;
    uint64_t first_ns;
};

static void tb_rel(struct textbuf *tb, uint64_t ns, uint64_t first_ns, bool nano)
{
    int64_t d = (int64_t)(ns - first_ns);
    tb_time(tb, d / 1000000000, (uint32_t)(d % 1000000000), nano);
}

/* Latency: first message to the last one of the answer. */
static int64_t txn_latency(const struct txn *x)
{
    if (!x->done || x->nmsgs < 2)
        return -1;
    return (int64_t)(x->msgs[x->nmsgs - 1].ts_ns - x->msgs[0].ts_ns);
}

static void write_txn_text(const struct txn *x, struct txn_writer *w)
{
    struct textbuf tb;
    tb_init(&tb, w->b->line, sizeof w->b->line);
    size_t mark = tb.len;
    tb_u64(&tb, x->id);
    tb_align_right(&tb, mark, 5);
    tb_putc(&tb, ' ');
    mark = tb.len;
    tb_puts(&tb, decode_proto_name((enum ws_proto)x->proto));
    tb_pad_to(&tb, mark, 9);
    mark = tb.len;
    tb_rel(&tb, x->msgs[0].ts_ns, w->first_ns, w->b->nano);
    tb_align_right(&tb, mark, 12);
    tb_puts(&tb, "  flow ");
    if (x->flow_id == UINT64_MAX)
        tb_putc(&tb, '-');
    else
        tb_u64(&tb, x->flow_id);
    tb_puts(&tb, "  ");
    tb_puts(&tb, x->what);
    tb_puts(&tb, x->done ? " -> " : " -> (no answer)");
    tb_puts(&tb, x->result);
    int64_t lat = txn_latency(x);
    if (lat >= 0) {
        tb_puts(&tb, "  [");
        render_duration(&tb, lat, true);
        tb_putc(&tb, ']');
    }
    tb_puts(&tb, "  packets");
    for (unsigned i = 0; i < x->nmsgs; i++) {
        tb_putc(&tb, i ? ',' : ' ');
        tb_u64(&tb, x->msgs[i].packet);
    }
    tb_putc(&tb, '\n');
    fwrite(tb.p, 1, tb.len, w->b->out);
}

static void write_txn_json(const struct txn *x, struct txn_writer *w)
{
    struct textbuf tb;
    tb_init(&tb, w->b->line, sizeof w->b->line);
    tb_puts(&tb, "{\"id\":");
    tb_u64(&tb, x->id);
    tb_puts(&tb, ",\"proto\":");
    tb_json_str(&tb, decode_proto_name((enum ws_proto)x->proto));
    tb_puts(&tb, ",\"flow\":");
    if (x->flow_id == UINT64_MAX)
        tb_puts(&tb, "null");
    else
        tb_u64(&tb, x->flow_id);
    tb_puts(&tb, ",\"what\":");
    tb_json_str(&tb, x->what);
    tb_puts(&tb, ",\"done\":");
    tb_puts(&tb, x->done ? "true" : "false");
    tb_puts(&tb, ",\"result\":");
    tb_json_str(&tb, x->result);
    tb_puts(&tb, ",\"latency\":");
    int64_t lat = txn_latency(x);
    if (lat >= 0)
        tb_time(&tb, lat / 1000000000, (uint32_t)(lat % 1000000000), true);
    else
        tb_puts(&tb, "null");
    tb_puts(&tb, ",\"msgs\":[");
    for (unsigned i = 0; i < x->nmsgs; i++) {
        const struct txn_msg *m = &x->msgs[i];
        tb_puts(&tb, i ? ",{\"packet\":" : "{\"packet\":");
        tb_u64(&tb, m->packet);
        tb_puts(&tb, ",\"time\":");
        tb_rel(&tb, m->ts_ns, w->first_ns, w->b->nano);
        tb_puts(&tb, ",\"dir\":");
        tb_puts(&tb, m->dir == FLOW_A2B ? "\"a2b\"" : "\"b2a\"");
        tb_puts(&tb, ",\"label\":");
        tb_json_str(&tb, m->label);
        tb_putc(&tb, '}');
    }
    tb_puts(&tb, "]}\n");
    fwrite(tb.p, 1, tb.len, w->b->out);
}

static void write_txn(const struct txn *x, void *arg)
{
    struct txn_writer *w = arg;
    if (w->b->json)
        write_txn_json(x, w);
    else
        write_txn_text(x, w);
}

void batch_write_transactions(struct batch *b, const struct app_tracker *apps,
                              uint64_t first_ns)
{
    struct txn_writer w = {b, first_ns};
    app_tracker_foreach_txn(apps, write_txn, &w);
}
