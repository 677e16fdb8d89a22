/* The one place packet bytes become text: nothing that a terminal would
 * interpret (control bytes, escape sequences, bidirectional overrides)
 * passes through. */
#ifndef WIRESCOPE_SANITIZE_H
#define WIRESCOPE_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirescope/textbuf.h"

/*
 * Appends bytes as text: printable ASCII as is; with keep_lines, "\n" (and
 * "\r\n") as a line break and "\t" as a tab; every other byte as \xHH
 * (a backslash itself as "\\"). Non-ASCII bytes are always escaped, so no
 * invalid UTF-8, C1 control or bidi override reaches the output.
 */
void sanitize_bytes(struct textbuf *tb, const uint8_t *p, size_t n,
                    bool keep_lines);

/* p[0..n) sanitised (as above, on one line) into buf, cut to fit its
 * size; returns buf. */
const char *sanitize_text(char *buf, size_t size, const uint8_t *p, size_t n);

/* Prints "wirescope: <message>" and a newline on stderr, the message
 * passed through the sanitiser: names from the command line or the wire
 * (file names, filters, interfaces) cannot carry escape sequences to the
 * terminal. */
void ws_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
