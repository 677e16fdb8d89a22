/* Summaries of STUN, DTLS, RTP, RTCP and RTMP messages (src/proto/stun.c,
 * dtls.c, rtp.c, rtcp.c, rtmp.c). */
#ifndef WIRESCOPE_APPS_MEDIA_H
#define WIRESCOPE_APPS_MEDIA_H

#include <stdbool.h>
#include <stdint.h>

struct ws_stun {
    uint16_t type;     /* message type: class and method */
    uint8_t txid[12];
};

struct ws_dtls {
    uint8_t content_type;
    uint8_t handshake_type;
    uint16_t version;
};

struct ws_rtp {
    uint8_t pt;
    bool marker;
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
};

struct ws_rtcp {
    uint8_t pt;        /* first packet's type */
    uint32_t ssrc;
};

struct ws_rtmp {
    uint8_t phase;     /* handshake phase or chunk stream */
};

#endif
