/* Summaries of DNS and DHCP messages (src/proto/dns.c, src/proto/dhcp.c). */
#ifndef WIRESCOPE_APPS_DNS_DHCP_H
#define WIRESCOPE_APPS_DNS_DHCP_H

#include <stdbool.h>
#include <stdint.h>

struct ws_dns {
    uint16_t id;
    uint16_t flags;
    bool response;     /* QR bit */
    uint8_t opcode, rcode;
    uint16_t qdcount, ancount, nscount, arcount;
    uint16_t qtype;    /* first question's type, 0 when none */
};

struct ws_dhcp {
    uint8_t op;        /* 1 request, 2 reply */
    uint8_t msg_type;  /* option 53, 0 when absent (plain BOOTP) */
    uint32_t xid;
    uint8_t chaddr[6];
};

#endif
