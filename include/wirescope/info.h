/* The Protocol and Info columns of a decoded packet, worded as tshark 4.0 words them. */
#ifndef WIRESCOPE_INFO_H
#define WIRESCOPE_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirescope/decode.h"

/*
 * Relative TCP numbering supplied by a flow / connection tracker.
 * seq_base is the ISN of the packet's sender and ack_base the ISN of its
 * receiver, as Wireshark chooses them: a SYN's sequence number, or one
 * less than the first number seen when the handshake was not captured.
 * relative = false prints the raw numbers. win_shift is the window scale
 * the handshake announced for the sender (-1 = unknown: the raw window is
 * shown); it is never applied to a SYN.
 */
struct info_tcp_rel {
    bool relative;
    uint32_t seq_base;
    uint32_t ack_base;
    int32_t win_shift;
};

/*
 * The Protocol column: "TCP", "UDP", "ICMP", "ICMPv6", "ARP" (or "RARP",
 * "Inverse ARP", ... after the ARP opcode), "IPv4"/"IPv6" for an IP packet
 * whose transport is not decoded (fragments, other protocols), "Ethernet",
 * "LLC", ... The string is static, except for an Ethernet frame of an
 * unknown ethertype, which tshark labels "0x88b5": that text lives in a
 * thread-local buffer valid until the thread's next call.
 */
const char *info_protocol(const struct ws_packet *pkt);

/*
 * Writes the Info column into buf (always NUL-terminated when size > 0,
 * cut at a character boundary when too small) and returns its length.
 * rel may be NULL (raw TCP numbers, raw window). Allocates nothing.
 */
size_t info_format(const struct ws_packet *pkt, const struct info_tcp_rel *rel,
                   char *buf, size_t size);

/*
 * Name tables shared by the dissectors' detail lines and the Info column;
 * they live in src/proto/icmp.c and src/proto/icmpv6.c. A type or code
 * without a name gives NULL; *coded (may be NULL) tells whether the type
 * has named codes at all.
 */
const char *icmp_type_name(uint8_t type);
const char *icmp_code_name(uint8_t type, uint8_t code, bool *coded);
/* ICMP types whose second word is an identifier and sequence number
 * (echo, timestamp, information and address mask request/reply). */
bool icmp_type_has_echo(uint8_t type);
const char *icmpv6_type_name(uint8_t type);
const char *icmpv6_code_name(uint8_t type, uint8_t code, bool *coded);

#endif
