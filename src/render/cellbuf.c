/* The cell buffer every view renders into. */
#include <stdlib.h>
#include <string.h>

#include "wirescope/render.h"
#include "wirescope/xalloc.h"

void cellbuf_init(struct cellbuf *cb, int width, bool ascii)
{
    memset(cb, 0, sizeof *cb);
    cb->width = width > 0 ? width : 1;
    cb->ascii = ascii;
}

void cellbuf_free(struct cellbuf *cb)
{
    free(cb->cells);
    cb->cells = NULL;
    cb->rows = cb->cap = 0;
}

int cellbuf_add_row(struct cellbuf *cb)
{
    if (cb->sink && cb->rows >= cb->sink_rows)
        cellbuf_flush(cb);
    if (cb->rows == cb->cap) {
        cb->cap = cb->cap ? cb->cap * 2 : 64;
        cb->cells = xrealloc(cb->cells, (size_t)cb->cap * (size_t)cb->width *
                                            sizeof *cb->cells);
    }
    memset(cb->cells + (size_t)cb->rows * (size_t)cb->width, 0,
           (size_t)cb->width * sizeof *cb->cells);
    return cb->rows++;
}

/* Length of the UTF-8 character at s, 0 if invalid or a control char. */
static size_t printable_char_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x20 || c == 0x7f)
        return 0;
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
             : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* C1 controls (U+0080..U+009F) are control characters too. */
    if (n == 2 && c == 0xc2 && s[1] < 0xa0)
        return 0;
    return n;
}

static struct cell *cell_at(struct cellbuf *cb, int row, int col)
{
    if (row < 0 || row >= cb->rows || col < 0 || col >= cb->width)
        return NULL;
    return &cb->cells[(size_t)row * (size_t)cb->width + (size_t)col];
}

int cellbuf_put(struct cellbuf *cb, int row, int col, const char *text,
                enum cell_role role)
{
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        size_t n = printable_char_len(s);
        struct cell *cell = cell_at(cb, row, col);
        if (!cell)
            return col + 1;
        if (n == 0) {
            cell->ch[0] = '?';
            cell->len = 1;
            s++;
        } else {
            memcpy(cell->ch, s, n);
            cell->len = (uint8_t)n;
            s += n;
        }
        cell->role = (uint8_t)role;
        col++;
    }
    return col;
}

int cellbuf_fill(struct cellbuf *cb, int row, int col, const char *ch, int n,
                 enum cell_role role)
{
    for (int i = 0; i < n; i++)
        col = cellbuf_put(cb, row, col, ch, role);
    return col;
}

void cellbuf_row_text(const struct cellbuf *cb, int row, struct textbuf *tb)
{
    if (row < 0 || row >= cb->rows)
        return;
    const struct cell *r = &cb->cells[(size_t)row * (size_t)cb->width];
    int last = cb->width - 1;
    while (last >= 0 && (r[last].len == 0 || (r[last].len == 1 && r[last].ch[0] == ' ')))
        last--;
    for (int i = 0; i <= last; i++) {
        if (r[i].len)
            tb_putn(tb, r[i].ch, r[i].len);
        else
            tb_putc(tb, ' ');
    }
}

void cellbuf_print(const struct cellbuf *cb, FILE *out)
{
    char line[4096];
    struct textbuf tb;
    for (int row = 0; row < cb->rows; row++) {
        tb_init(&tb, line, sizeof line);
        cellbuf_row_text(cb, row, &tb);
        tb_putc(&tb, '\n');
        fwrite(tb.p, 1, tb.len, out);
    }
}

static void print_sink(const struct cellbuf *cb, void *arg)
{
    cellbuf_print(cb, arg);
}

void cellbuf_stream_to(struct cellbuf *cb, FILE *out, int rows)
{
    cb->sink = print_sink;
    cb->sink_arg = out;
    cb->sink_rows = rows > 0 ? rows : 1;
}

void cellbuf_flush(struct cellbuf *cb)
{
    if (!cb->sink)
        return;
    if (cb->rows)
        cb->sink(cb, cb->sink_arg);
    cb->rows = 0;
}
