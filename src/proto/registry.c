/* The table of dissectors and the numbers that lead from one to the next. */
#include <pcap/dlt.h>

#include "proto.h"

static const struct proto_desc *const registry[P_COUNT] = {
    [P_ETH] = &proto_eth,
    [P_SLL] = &proto_sll,
    [P_SLL2] = &proto_sll2,
    [P_NULL] = &proto_null,
    [P_VLAN] = &proto_vlan,
    [P_ARP] = &proto_arp,
    [P_IPV4] = &proto_ipv4,
    [P_IPV6] = &proto_ipv6,
    [P_IPV6_EXT] = &proto_ipv6_ext,
    [P_ICMP] = &proto_icmp,
    [P_ICMPV6] = &proto_icmpv6,
    [P_TCP] = &proto_tcp,
    [P_UDP] = &proto_udp,
    [P_DNS] = &proto_dns,
    [P_DHCP] = &proto_dhcp,
    [P_HTTP] = &proto_http,
    [P_TLS] = &proto_tls,
    [P_FTP] = &proto_ftp,
    [P_FTP_DATA] = &proto_ftp_data,
    [P_TELNET] = &proto_telnet,
    [P_RTSP] = &proto_rtsp,
    [P_RTMP] = &proto_rtmp,
    [P_STUN] = &proto_stun,
    [P_DTLS] = &proto_dtls,
    [P_RTP] = &proto_rtp,
    [P_RTCP] = &proto_rtcp,
    [P_DATA] = &proto_data,
};

const struct proto_desc *proto_get(enum ws_proto id)
{
    if ((unsigned)id >= P_COUNT)
        return NULL;
    return registry[id];
}

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* DLT_RAW (LINKTYPE_RAW), IPV4 and IPV6 start at an IP header whose version nibble
 * decides; P_IPV4 with version 6 hands over to P_IPV6 (see ipv4.c). */
enum ws_proto proto_from_linktype(int linktype)
{
    switch (linktype) {
    case DLT_EN10MB:
        return P_ETH;
    case DLT_LINUX_SLL:
        return P_SLL;
    case DLT_LINUX_SLL2:
        return P_SLL2;
    case DLT_NULL:
    case DLT_LOOP:
        return P_NULL;
    case DLT_RAW:
    case DLT_IPV4:
        return P_IPV4;
    case DLT_IPV6:
        return P_IPV6;
    default:
        return P_NONE;
    }
}

bool decode_linktype_supported(int linktype)
{
    return proto_from_linktype(linktype) != P_NONE;
}

enum ws_proto proto_from_ethertype(uint16_t ethertype)
{
    switch (ethertype) {
    case 0x0800:
        return P_IPV4;
    case 0x86dd:
        return P_IPV6;
    case 0x0806: /* ARP */
    case 0x8035: /* RARP */
        return P_ARP;
    case 0x8100: /* 802.1Q */
    case 0x88a8: /* 802.1ad (QinQ outer) */
    case 0x9100: /* old QinQ */
        return P_VLAN;
    default:
        return P_DATA;
    }
}

enum ws_proto proto_from_ipproto(uint8_t ipproto)
{
    switch (ipproto) {
    case 1:
        return P_ICMP;
    case 6:
        return P_TCP;
    case 17:
        return P_UDP;
    case 58:
        return P_ICMPV6;
    case 4: /* IP in IP */
        return P_IPV4;
    case 41: /* IPv6 in IP (6in4) */
        return P_IPV6;
    case 0:  /* hop-by-hop */
    case 43: /* routing */
    case 44: /* fragment */
    case 60: /* destination options */
        return P_IPV6_EXT;
    default:
        return P_DATA;
    }
}
