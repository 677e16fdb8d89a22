/* Summaries of STUN, DTLS, RTP, RTCP and RTMP messages (src/proto/stun.c,
 * dtls.c, rtp.c, rtcp.c, rtmp.c). The Info, JSON and track hooks walk the
 * message bytes again for lists (attributes, records, chunks); these hold
 * what a tracker or the flow table needs without a walk. */
#ifndef WIRESCOPE_APPS_MEDIA_H
#define WIRESCOPE_APPS_MEDIA_H

#include <stdbool.h>
#include <stdint.h>

#include "wirescope/addr.h"

/* STUN message classes (RFC 8489 section 5). */
#define STUN_REQUEST 0
#define STUN_INDICATION 1
#define STUN_SUCCESS 2
#define STUN_ERROR 3

/* FINGERPRINT check result. */
#define STUN_FP_NONE 0
#define STUN_FP_GOOD 1
#define STUN_FP_BAD 2

struct ws_stun {
    bool channel_data;   /* TURN ChannelData framing (RFC 8656 12.4) */
    uint16_t channel;    /* its channel number */
    uint16_t type;       /* message type: class and method */
    uint16_t method;     /* 12-bit method (1 Binding, 3 Allocate, ...) */
    uint8_t cls;         /* STUN_REQUEST .. STUN_ERROR */
    uint8_t fingerprint; /* STUN_FP_* */
    uint16_t length;     /* message length field */
    uint8_t txid[12];
    uint16_t error_code; /* class * 100 + number; 0 = no ERROR-CODE */
    bool has_xor_mapped; /* XOR-MAPPED-ADDRESS decoded */
    uint16_t xor_mapped_port;
    struct ws_addr xor_mapped;
};

struct ws_dtls {
    uint8_t content_type;   /* first record's type */
    uint8_t handshake_type; /* first handshake message's type (0 = none) */
    uint16_t version;       /* first record's version (0xfeff, 0xfefd) */
    uint16_t epoch;
    uint64_t seq;           /* 48-bit record sequence number */
    uint8_t nrecords;       /* whole or partial records in the datagram */
};

struct ws_rtp {
    uint8_t pt;
    bool marker;
    bool padding;
    bool extension;
    uint8_t csrc_count;
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
    uint32_t payload_len; /* media bytes after header, extension, padding */
};

struct ws_rtcp {
    uint8_t pt;        /* first packet's type */
    uint32_t ssrc;     /* first packet's sender SSRC */
    uint8_t npackets;  /* packets of the compound walked */
};

/* RTMP handshake phases (the stateless guess by sizes; the track hook
 * refines it with per-flow state). */
#define RTMP_PHASE_NONE 0 /* chunk stream messages */
#define RTMP_PHASE_C0C1 1
#define RTMP_PHASE_S0S1S2 2
#define RTMP_PHASE_C2 3
#define RTMP_PHASE_S0S1 4
#define RTMP_PHASE_S2 5
#define RTMP_PHASE_C0 6

#define RTMP_MAX_MSGS 8   /* messages summarised per segment */
#define RTMP_CMD_LEN 32
#define RTMP_ARG_LEN 64

/* One message (or its first chunks) in a segment; text is sanitised. */
struct rtmp_msg {
    uint32_t csid;
    uint8_t fmt;
    uint8_t type;        /* message type id */
    bool partial;        /* continues in a later segment */
    bool has_command, has_txn, has_arg;
    uint32_t length;
    uint32_t stream;
    uint32_t timestamp;
    uint32_t value;      /* control messages: size, window, event data */
    uint32_t value2;     /* peer bandwidth limit type, buffer length */
    uint16_t event;      /* user control event type */
    double txn;          /* AMF0 command transaction id */
    char command[RTMP_CMD_LEN];
    char arg[RTMP_ARG_LEN]; /* what tshark's Info shows in parentheses */
};

struct ws_rtmp {
    uint8_t phase;       /* RTMP_PHASE_*; NONE for chunks */
    uint8_t nmsgs;
    bool more_msgs;      /* more than RTMP_MAX_MSGS in the segment */
    bool headless;       /* a command body whose header came earlier */
    uint32_t chunk_size; /* a Set Chunk Size seen in the segment, else 0 */
    struct rtmp_msg msgs[RTMP_MAX_MSGS];
};

#endif
