/* Summaries of HTTP/1.x and TLS messages (src/proto/http.c, tls.c). */
#ifndef WIRESCOPE_APPS_HTTP_TLS_H
#define WIRESCOPE_APPS_HTTP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A run of packet bytes: [off, off + len), absolute offsets in the packet. */
struct ws_span {
    uint32_t off;
    uint16_t len;
};

/* One HTTP message that starts in the segment. */
#define HTTP_MSG_REQUEST 0x01   /* a request line (else a status line) */
#define HTTP_MSG_BODY 0x02      /* body bytes of it are in the segment */
/* a header line or a chunk's data runs past the segment (tshark stops
 * there with "[BoundErrorUnreassembled Packet]") */
#define HTTP_MSG_CUT 0x04
#define HTTP_MSG_HDR_DONE 0x08  /* the blank line ending the headers is here */
#define HTTP_MSG_CHUNKED 0x10   /* Transfer-Encoding: chunked */
#define HTTP_MSG_HAS_LEN 0x20   /* a valid Content-Length */
struct ws_http_msg {
    struct ws_span line;   /* the request/status line, without its EOL */
    struct ws_span ctype;  /* Content-Type media type (no parameters) */
    uint8_t flags;         /* HTTP_MSG_* */
};

#define HTTP_MAX_MSGS 16
struct ws_http {
    bool request;      /* the segment starts with a request line */
    bool response;     /* the segment starts with a status line */
    bool continuation; /* bytes that start no message follow the messages */
    uint8_t nmsgs;     /* messages starting in the segment (at most HTTP_MAX_MSGS) */
    uint16_t status;   /* first message's status code */
    uint32_t line_len; /* bytes of the first request/status line (no EOL) */
    /* first message: request line parts / status line parts, headers */
    struct ws_span method, uri, version, reason, host;
    uint64_t content_length; /* when msgs[0].flags has HTTP_MSG_HAS_LEN */
    uint32_t body_len;       /* first message's body bytes in the segment */
    struct ws_http_msg msgs[HTTP_MAX_MSGS];
};

/* One TLS record that starts in the segment. */
struct ws_tls_record {
    uint8_t type;      /* content type: 20..24 */
    uint8_t hs_type;   /* first handshake message type, when readable */
    bool encrypted;    /* a handshake/alert record whose body is ciphertext */
    bool cut;          /* runs past the segment */
    uint16_t version;  /* record-layer version */
    uint16_t len;      /* declared length */
    uint8_t alert_level, alert_desc; /* plaintext alerts */
};

#define TLS_MAX_RECORDS 16
#define TLS_MAX_HS 16
#define TLS_MAX_ALPN 8
struct ws_tls {
    uint8_t content_type;   /* first record's type */
    uint8_t handshake_type; /* first handshake message's type, 0 when none */
    uint16_t version;       /* first record's record-layer version */
    bool continuation;      /* the segment starts inside a record */
    uint8_t nrecords;
    struct ws_tls_record rec[TLS_MAX_RECORDS];
    uint8_t nhs;            /* handshake messages wholly in the segment */
    uint8_t hs[TLS_MAX_HS];
    uint8_t hs_rec[TLS_MAX_HS]; /* the record (index in rec) of each */
    /* from a ClientHello / ServerHello in the segment */
    uint16_t hello_version;  /* legacy_version field */
    uint16_t cipher;         /* ServerHello cipher suite */
    bool has_cipher;
    uint16_t negotiated;     /* ServerHello supported_versions; 0 when absent */
    uint16_t max_offered;    /* highest ClientHello supported_versions entry */
    struct ws_span sni;      /* server_name host name */
    uint8_t nalpn;           /* ALPN protocol names (ClientHello list or the
                                ServerHello choice) */
    struct ws_span alpn[TLS_MAX_ALPN];
};

#endif
