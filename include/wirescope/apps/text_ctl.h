/* Summaries of FTP, Telnet and RTSP messages (src/proto/ftp.c,
 * telnet.c, rtsp.c). */
#ifndef WIRESCOPE_APPS_TEXT_CTL_H
#define WIRESCOPE_APPS_TEXT_CTL_H

#include <stdbool.h>
#include <stdint.h>

struct ws_ftp {
    bool request;      /* a command (client -> server) */
    uint16_t reply;    /* reply code, 0 for a command */
};

struct ws_telnet {
    uint16_t ncommands; /* IAC sequences in the segment */
};

struct ws_rtsp {
    bool request;
    uint16_t status;
    uint32_t cseq;
};

#endif
