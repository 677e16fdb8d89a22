/* A fixed-capacity text buffer for building output lines without printf. */
#ifndef WIRESCOPE_TEXTBUF_H
#define WIRESCOPE_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Appends stop silently at capacity (the buffer stays NUL-terminated and
 * `truncated` is set), so a hostile packet can never overflow a line. */
struct textbuf {
    char *p;
    size_t len;
    size_t cap;
    bool truncated;
};

void tb_init(struct textbuf *tb, char *storage, size_t cap);
void tb_reset(struct textbuf *tb);
void tb_putc(struct textbuf *tb, char c);
void tb_putn(struct textbuf *tb, const char *s, size_t n);
void tb_puts(struct textbuf *tb, const char *s);
void tb_u64(struct textbuf *tb, uint64_t v);
void tb_i64(struct textbuf *tb, int64_t v);
/* v / 10^digits printed with exactly `digits` decimals (digits 0..9). */
void tb_fixed(struct textbuf *tb, int64_t v, int digits);
/* Seconds and nanoseconds as sec.fraction with 6 or 9 decimals. */
void tb_time(struct textbuf *tb, int64_t sec, uint32_t nsec, bool nano);
/* Pads with spaces to at least width, right-aligning what was appended
 * since mark (mark = tb->len before the item). */
void tb_align_right(struct textbuf *tb, size_t mark, size_t width);
void tb_pad_to(struct textbuf *tb, size_t mark, size_t width);
/* A JSON string literal with quotes; control bytes and non-UTF-8 escaped. */
void tb_json_str(struct textbuf *tb, const char *s);

#endif
