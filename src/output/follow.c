/* --follow ID: a connection's reassembled byte streams, as text or JSON. */
#include <stdlib.h>
#include <string.h>

#include "wirescope/batch.h"
#include "wirescope/render_follow.h"
#include "wirescope/sanitize.h"
#include "wirescope/stream.h"
#include "wirescope/textbuf.h"
#include "wirescope/xalloc.h"

#define FOLLOW_MAX_BYTES (64u << 20) /* per side */

/* Writes a chunk as text through the sanitiser, a slice at a time. */
static void write_text_chunk(FILE *out, const uint8_t *p, size_t n)
{
    char line[4 * 4096 + 8];
    struct textbuf tb;
    for (size_t done = 0; done < n; done += 4096) {
        size_t k = n - done < 4096 ? n - done : 4096;
        tb_init(&tb, line, sizeof line);
        sanitize_bytes(&tb, p + done, k, true);
        fwrite(tb.p, 1, tb.len, out);
    }
    if (n && p[n - 1] != '\n')
        fputc('\n', out);
}

static void chunk_title(struct textbuf *tb, const struct conn *c,
                        const struct stream_chunk *ch)
{
    tb_puts(tb, ch->side == SIDE_CLIENT ? "--- client " : "--- server ");
    follow_endpoint_text(tb, c, ch->side);
    tb_puts(tb, " \xe2\x86\x92 ");
    follow_endpoint_text(tb, c, !ch->side);
    tb_puts(tb, ", packet ");
    tb_u64(tb, ch->packet);
    tb_puts(tb, ", ");
    tb_u64(tb, ch->len);
    tb_puts(tb, ch->gap ? " bytes missing from the capture ---\n" : " bytes ---\n");
}

static void write_text(struct batch *b, const struct conn *c,
                       const struct tcp_stream *st)
{
    size_t pos[2] = {0, 0};
    struct textbuf tb;
    for (size_t i = 0; i < st->nchunks; i++) {
        const struct stream_chunk *ch = &st->chunks[i];
        tb_init(&tb, b->line, sizeof b->line);
        chunk_title(&tb, c, ch);
        fwrite(tb.p, 1, tb.len, b->out);
        if (ch->gap)
            continue;
        write_text_chunk(b->out, st->data[ch->side] + pos[ch->side], ch->len);
        pos[ch->side] += ch->len;
    }
    tb_init(&tb, b->line, sizeof b->line);
    tb_puts(&tb, "=== ");
    follow_totals_text(&tb, st, SIDE_CLIENT);
    tb_puts(&tb, ", ");
    follow_totals_text(&tb, st, SIDE_SERVER);
    tb_puts(&tb, st->limited[0] || st->limited[1] ? " (cut at the 64 MiB limit)\n" : "\n");
    fwrite(tb.p, 1, tb.len, b->out);
}

static void write_json(struct batch *b, const struct tcp_stream *st)
{
    static const char hex[] = "0123456789abcdef";
    size_t pos[2] = {0, 0};
    for (size_t i = 0; i < st->nchunks; i++) {
        const struct stream_chunk *ch = &st->chunks[i];
        fprintf(b->out, "{\"side\":\"%s\",\"packet\":%llu,\"offset\":%llu,\"len\":%u,\"gap\":%s,\"data\":\"",
                ch->side == SIDE_CLIENT ? "client" : "server",
                (unsigned long long)ch->packet, (unsigned long long)ch->offset,
                ch->len, ch->gap ? "true" : "false");
        if (!ch->gap) {
            const uint8_t *p = st->data[ch->side] + pos[ch->side];
            for (uint32_t k = 0; k < ch->len; k++) {
                fputc(hex[p[k] >> 4], b->out);
                fputc(hex[p[k] & 15], b->out);
            }
            pos[ch->side] += ch->len;
        }
        fputs("\"}\n", b->out);
    }
}

void batch_write_follow(struct batch *b, const struct conn *c, struct store *s,
                        int linktype)
{
    struct tcp_stream st;
    stream_reassemble(&st, c, s, linktype, FOLLOW_MAX_BYTES);
    if (b->json)
        write_json(b, &st);
    else
        write_text(b, c, &st);
    stream_free(&st);
}
