/* Summaries of FTP, Telnet and RTSP messages (src/proto/ftp.c,
 * ftp_data.c, telnet.c, rtsp.c). Offsets are absolute in the packet, so
 * the Info, JSON and track hooks read the message again from pkt->data
 * without a new parse; lengths are of captured bytes. */
#ifndef WIRESCOPE_APPS_TEXT_CTL_H
#define WIRESCOPE_APPS_TEXT_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "wirescope/addr.h"

/* How an FTP command or reply announced a data connection. */
enum ftp_data_kind {
    FTP_DATA_NONE = 0,
    FTP_DATA_PORT, /* PORT h1,h2,h3,h4,p1,p2 (RFC 959) */
    FTP_DATA_EPRT, /* EPRT |af|addr|port| (RFC 2428) */
    FTP_DATA_PASV, /* 227 ... (h1,h2,h3,h4,p1,p2) */
    FTP_DATA_EPSV, /* 229 ... (|||port|): the address is the server's */
};

struct ws_ftp {
    bool request;        /* a command (client -> server) */
    bool continuation;   /* a reply line without a code: the middle of a
                          * multi-line reply */
    bool multiline;      /* a reply whose first line is "123-" */
    bool continues;      /* the last line ends in the next segment */
    bool mask_arg;       /* the argument is a password: shown as ******** */
    bool bad_data_addr;  /* PORT/EPRT/227/229 whose address did not parse */
    uint16_t reply;      /* reply code, 0 for a command or a continuation */
    uint8_t cmd_len;     /* command verb length (0 for a reply) */
    uint32_t line_off;   /* first line */
    uint16_t line_len;   /* its captured length without CR LF */
    uint32_t arg_off;    /* command argument or reply text on the first line */
    uint16_t arg_len;
    uint8_t data_kind;   /* enum ftp_data_kind */
    uint16_t data_port;
    struct ws_addr data_addr; /* unset (zero) for EPSV */
};

/* Telnet commands listed per segment (the rest are counted). */
#define TELNET_MAX_CMDS 48

struct telnet_cmd {
    uint8_t cmd;         /* 240..255: WILL 251, SB 250, ... */
    uint8_t option;      /* for WILL/WONT/DO/DONT/SB */
    bool has_option;
};

struct ws_telnet {
    uint16_t ncommands;  /* IAC sequences in the segment */
    uint8_t nlisted;     /* of them kept in cmds[] */
    bool continues;      /* a command or subnegotiation ends in the next segment */
    uint32_t data_len;   /* data bytes (IAC IAC counts one) */
    struct telnet_cmd cmds[TELNET_MAX_CMDS];
};

/* RTSP interleaved frames ($, channel, length) summarised per segment. */
#define RTSP_MAX_FRAMES 16

struct rtsp_frame {
    uint8_t channel;
    uint16_t length;     /* length field */
    bool partial;        /* runs past the segment */
    bool rtcp;           /* the payload looks like RTCP, else RTP if rtp_ok */
    bool rtp_ok;         /* a version-2 RTP/RTCP header was read */
    uint8_t pt;          /* RTP payload type or RTCP packet type */
    bool marker;
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
};

enum rtsp_kind {
    RTSP_NONE = 0,
    RTSP_REQUEST,
    RTSP_REPLY,
    RTSP_INTERLEAVED,    /* the segment starts with $ frames */
    RTSP_CONTINUATION,   /* body or interleaved bytes of an earlier message */
};

struct ws_rtsp {
    uint8_t kind;        /* enum rtsp_kind: what the segment starts with */
    uint8_t msg;         /* RTSP_REQUEST, RTSP_REPLY or RTSP_NONE: the first
                          * message in the segment (after frames, maybe) */
    bool request;
    bool continues;      /* headers or body go on in the next segment */
    bool sdp;            /* Content-Type application/sdp with a body */
    uint16_t status;
    uint32_t cseq;
    bool has_cseq;
    uint32_t line_off;   /* request or status line */
    uint16_t line_len;
    uint16_t method_len; /* request: method at line_off */
    uint32_t uri_off;
    uint16_t uri_len;
    uint32_t reason_off; /* reply: reason phrase */
    uint16_t reason_len;
    uint32_t session_off; /* Session header value (up to ';') */
    uint16_t session_len;
    uint32_t transport_off; /* Transport header value */
    uint16_t transport_len;
    uint8_t nframes;     /* interleaved frames listed */
    uint16_t frames_total; /* interleaved frames in the segment */
    struct rtsp_frame frames[RTSP_MAX_FRAMES];
};

#endif
