/* Escaping of untrusted bytes for terminals and text output. */
#include <stdarg.h>
#include <stdio.h>

#include "wirescope/sanitize.h"

void sanitize_bytes(struct textbuf *tb, const uint8_t *p, size_t n,
                    bool keep_lines)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        /* a run of printable ASCII goes in one copy */
        size_t run = i;
        while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '\\')
            run++;
        if (run > i) {
            tb_putn(tb, (const char *)p + i, run - i);
            i = run - 1;
            continue;
        }
        uint8_t b = p[i];
        if (keep_lines && b == '\r' && i + 1 < n && p[i + 1] == '\n')
            continue; /* the \n that follows ends the line */
        if (keep_lines && (b == '\n' || b == '\t')) {
            tb_putc(tb, (char)b);
        } else if (b == '\\') {
            tb_puts(tb, "\\\\");
        } else if (b >= 0x20 && b < 0x7f) {
            tb_putc(tb, (char)b);
        } else {
            char esc[4] = {'\\', 'x', hex[b >> 4], hex[b & 15]};
            tb_putn(tb, esc, 4);
        }
    }
}

const char *sanitize_text(char *buf, size_t size, const uint8_t *p, size_t n)
{
    struct textbuf tb;
    tb_init(&tb, buf, size);
    sanitize_bytes(&tb, p, n, false);
    return buf;
}

void ws_report(const char *fmt, ...)
{
    char msg[2048], line[4 * 2048 + 16];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    struct textbuf tb;
    tb_init(&tb, line, sizeof line);
    tb_puts(&tb, "wirescope: ");
    sanitize_bytes(&tb, (const uint8_t *)msg, len, false);
    tb_putc(&tb, '\n');
    fwrite(tb.p, 1, tb.len, stderr);
}
