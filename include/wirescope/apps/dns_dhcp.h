/* Summaries of DNS and DHCP messages (src/proto/dns.c, src/proto/dhcp.c). */
#ifndef WIRESCOPE_APPS_DNS_DHCP_H
#define WIRESCOPE_APPS_DNS_DHCP_H

#include <stdbool.h>
#include <stdint.h>

/* Which flavour of the DNS message format a port carries. */
enum dns_variant {
    DNS_PLAIN = 0, /* DNS (UDP or TCP 53) */
    DNS_MDNS,      /* multicast DNS (UDP 5353, RFC 6762) */
    DNS_LLMNR,     /* link-local multicast name resolution (UDP 5355, RFC 4795) */
};

/* The first message of the layer (a TCP segment may hold several). */
struct ws_dns {
    uint16_t id;
    uint16_t flags;
    bool has_header;   /* the 12-byte header was captured */
    bool response;     /* QR bit */
    uint8_t opcode, rcode;
    uint16_t qdcount, ancount, nscount, arcount;
    uint16_t qtype;    /* first question's type, 0 when none */
    uint8_t variant;   /* enum dns_variant */
    bool tcp;          /* carried over TCP with length prefixes */
    bool partial;      /* TCP: the last message continues in the next segment */
    uint8_t nmsgs;     /* messages (whole or partial) in the layer, at most 255 */
};

/* DHCP option presence bits (ws_dhcp.have). */
#define DHCP_HAVE_REQUESTED 0x01  /* option 50 */
#define DHCP_HAVE_SERVER_ID 0x02  /* option 54 */
#define DHCP_HAVE_LEASE     0x04  /* option 51 */
#define DHCP_HAVE_CHADDR    0x08  /* the 6-byte hardware address was captured */
#define DHCP_HAVE_HEADER    0x10  /* the 236-byte BOOTP header was captured */
#define DHCP_HAVE_HLEN      0x20  /* op, htype and hlen were captured */

struct ws_dhcp {
    uint8_t op;        /* 1 request, 2 reply */
    uint8_t msg_type;  /* option 53 (the last one), 0 when absent */
    bool has_msg_type; /* option 53 found: "DHCP", else plain "BOOTP" */
    uint8_t htype, hlen;
    uint8_t have;      /* DHCP_HAVE_* */
    uint32_t xid;
    uint8_t chaddr[6];
    uint8_t ciaddr[4], yiaddr[4], siaddr[4], giaddr[4];
    uint8_t requested[4], server_id[4];
    uint32_t lease_time; /* seconds */
};

#endif
