/* Decoded view of one packet: layers, summary fields, decode events. */
#ifndef WIRESCOPE_DECODE_H
#define WIRESCOPE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirescope/addr.h"
#include "wirescope/cursor.h"
#include "wirescope/app_summary.h"

/* Protocol identifiers; one per file under src/proto/. */
enum ws_proto {
    P_NONE = 0,
    P_ETH,
    P_SLL,
    P_SLL2,
    P_NULL,   /* BSD loopback (DLT_NULL / DLT_LOOP) */
    P_VLAN,   /* 802.1Q / 802.1ad tag */
    P_ARP,
    P_IPV4,
    P_IPV6,
    P_IPV6_EXT, /* one IPv6 extension header */
    P_ICMP,
    P_ICMPV6,
    P_TCP,
    P_UDP,
    /* application protocols (src/proto/<name>.c; detection in app.c) */
    P_DNS,
    P_DHCP,
    P_HTTP,
    P_TLS,
    P_FTP,
    P_FTP_DATA,
    P_TELNET,
    P_RTSP,
    P_RTMP,
    P_STUN,
    P_DTLS,
    P_RTP,
    P_RTCP,
    P_DATA,   /* payload no dissector claimed */
    P_COUNT
};

/*
 * Named decode events: why decoding of a layer stopped or what is odd in it.
 * The first event of a packet is kept in ws_packet.event; the UI and the
 * summary count them by name (decode_event_name()).
 */
enum ws_event {
    EV_NONE = 0,
    EV_TRUNCATED,          /* caplen ends inside a header */
    EV_UNKNOWN_LINKTYPE,   /* no dissector for the capture's link type */
    EV_BAD_VERSION,        /* IP version field does not match */
    EV_BAD_HEADER_LEN,     /* IHL / data offset / ext-header length invalid */
    EV_BAD_TOTAL_LEN,      /* IP total / payload / UDP length invalid */
    EV_BAD_OPTION,         /* malformed IPv4 or TCP option */
    EV_BAD_FLAGS,          /* impossible TCP flag combination */
    EV_TOO_MANY_LAYERS,    /* nesting deeper than WS_MAX_LAYERS */
    EV_BAD_ARP,            /* ARP hardware/protocol lengths unusable */
    EV_FRAGMENT,           /* IP fragment: upper layers not decoded */
    EV_BAD_APP,            /* application message malformed (lengths, counts) */
    EV_NAME_LOOP,          /* DNS name compression loop or too deep */
    EV_COUNT
};

#define WS_MAX_LAYERS 16
#define WS_MAX_FIELDS 256
#define WS_FIELD_TEXT 8192 /* bytes of field value text per packet */

struct ws_layer {
    uint8_t proto;    /* enum ws_proto */
    uint8_t event;    /* enum ws_event, EV_NONE when the layer is whole */
    uint16_t first_field;
    uint16_t nfields;
    uint32_t off;     /* byte offset of the layer in the packet */
    uint32_t len;     /* header length (bytes in the capture it covers) */
};

/* One line of the detail tree: "name: value" over bytes [off, off+len). */
struct ws_field {
    const char *name;  /* static string */
    uint16_t text;     /* offset of the value in ws_packet.ftext */
    uint8_t depth;     /* 0 = layer's own line, 1.. = nested */
    uint32_t off;
    uint32_t len;
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80
#define TCP_AE 0x100

struct ws_tcp {
    uint32_t seq, ack;
    uint16_t flags; /* TCP_* incl. AE (NS) */
    uint16_t win;   /* raw window field */
    uint16_t urg;
    uint16_t csum;
    uint8_t hdr_len;
    /* options; has_* tell which were present */
    bool has_mss, has_wscale, sack_perm, has_ts;
    uint8_t wscale;
    uint16_t mss;
    uint32_t tsval, tsecr;
    uint8_t nsack;
    uint32_t sack_left[4], sack_right[4];
};

struct ws_udp {
    uint16_t len; /* UDP length field */
    uint16_t csum;
};

struct ws_icmp {
    uint8_t type, code;
    uint16_t id, seq;   /* echo request/reply */
    bool has_echo;
};

struct ws_arp {
    uint16_t op;
    uint16_t htype, ptype;
    uint8_t sha[6], tha[6];
    struct ws_addr spa, tpa; /* IPv4 when ptype 0x0800 and plen 4 */
    bool ipv4;
};

/*
 * Result of decoding one packet. Summary members are filled whether or not
 * fields are wanted, so the flow table and batch output can run without
 * building detail text.
 */
struct ws_packet {
    /* input */
    const uint8_t *data;
    uint32_t caplen;
    uint32_t len;       /* original wire length */
    int linktype;       /* DLT_* */
    bool want_fields;   /* build the detail field list (slow path) */
    /* Stop at the transport layer: no application protocol is chosen or
     * dissected (--conns reads nothing above TCP). Kept across decode_reset. */
    bool transport_only;
    /*
     * Optional, kept across decode_reset: asked once the transport ports
     * are known and the payload is about to be dissected, it returns the
     * application protocol the flow is already known to carry (P_NONE when
     * none): FTP-DATA on a port a PORT command announced, RTP on the ports
     * an RTSP SETUP negotiated. The decoder thread's callback also updates
     * its flow table there, so the lookup costs nothing extra.
     */
    enum ws_proto (*app_lookup)(struct ws_packet *pkt, void *arg);
    void *app_lookup_arg;

    struct ws_layer layers[WS_MAX_LAYERS];
    uint8_t nlayers;

    uint8_t event;       /* first enum ws_event met, EV_NONE if clean */
    uint8_t event_proto; /* enum ws_proto of the layer that raised it */

    /* summary, innermost network layer */
    uint8_t top;         /* enum ws_proto of the highest decoded layer */
    uint8_t ip_ver;      /* 0, 4 or 6 */
    uint8_t ip_proto;    /* transport protocol number (after v6 ext hdrs) */
    uint8_t ttl;         /* TTL / hop limit */
    bool ip_fragment;    /* a fragment (MF or offset != 0, or v6 frag hdr) */
    uint16_t ip_id;
    uint16_t ip_frag_off; /* in bytes */
    bool ip_more_frags;
    uint16_t vlan;       /* outermost VLAN id, 0 if none */
    uint16_t ethertype;  /* last ethertype seen */
    uint8_t eth_src[6], eth_dst[6];
    bool has_eth;
    struct ws_addr src, dst;
    uint16_t sport, dport;
    uint32_t l4_off;      /* offset of transport header */
    uint32_t payload_off; /* offset of transport payload */
    uint32_t payload_len; /* payload bytes per the headers (may exceed caplen) */
    /* where the innermost IP datagram ends per its length field, 0 when
     * unknown (see proto_ip_end), set as each IP layer opens */
    uint32_t ip_end;
    bool icmp_seen;       /* an ICMP or ICMPv6 layer: what follows is quoted */

    union {
        struct ws_tcp tcp;
        struct ws_udp udp;
        struct ws_icmp icmp;
        struct ws_arp arp;
    } u;

    /* application layer: the innermost application protocol decoded
     * (P_NONE if none) and its summary, which the trackers and the Info
     * column read; app_off is the offset of its message in the packet.
     * The summary `a` lives after the field text and is not cleared by
     * decode_reset: a dissector clears its own member first. */
    uint8_t app;
    uint32_t app_off;

    /* detail fields (only when want_fields) */
    struct ws_field fields[WS_MAX_FIELDS];
    uint16_t nfields;
    uint16_t ftext_used;
    char ftext[WS_FIELD_TEXT];

    union {
        struct ws_dns dns;
        struct ws_dhcp dhcp;
        struct ws_http http;
        struct ws_tls tls;
        struct ws_ftp ftp;
        struct ws_telnet telnet;
        struct ws_rtsp rtsp;
        struct ws_rtmp rtmp;
        struct ws_stun stun;
        struct ws_dtls dtls;
        struct ws_rtp rtp;
        struct ws_rtcp rtcp;
    } a;
};

/* Decodes pkt->data[0..caplen) of pkt->linktype; fills the rest of pkt. */
void decode_packet(struct ws_packet *pkt);

/* Resets pkt for new bytes, keeping want_fields, transport_only and the
 * app_lookup callback. */
void decode_reset(struct ws_packet *pkt, const uint8_t *data, uint32_t caplen,
                  uint32_t len, int linktype);

const char *decode_event_name(enum ws_event ev);
const char *decode_proto_name(enum ws_proto p);
bool decode_linktype_supported(int linktype);
/* Turns dissectors off by name ("dns", "http", comma-separated, case
 * insensitive), as tshark's --disable-protocol: their bytes are shown as
 * the layer below's payload. False when a name is unknown. Call before any
 * decoding starts. */
bool decode_disable_protocols(const char *names);

#endif
