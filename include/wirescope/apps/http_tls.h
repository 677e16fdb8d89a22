/* Summaries of HTTP/1.x and TLS messages (src/proto/http.c, tls.c). */
#ifndef WIRESCOPE_APPS_HTTP_TLS_H
#define WIRESCOPE_APPS_HTTP_TLS_H

#include <stdbool.h>
#include <stdint.h>

struct ws_http {
    bool request;      /* a request line */
    bool response;     /* a status line */
    uint16_t status;   /* response status code */
    uint32_t line_len; /* bytes of the request/status line (no CRLF) */
};

struct ws_tls {
    uint8_t content_type;   /* first record's type */
    uint8_t handshake_type; /* first handshake message's type, 0 when none */
    uint16_t version;       /* record layer version */
};

#endif
