/* Tests of the TCP, UDP, ICMP and ICMPv6 dissectors on hand-built packets. */
#include <check.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "wirescope/addr.h"
#include "wirescope/decode.h"

/*
 * The packets are written out byte by byte (Ethernet framing; IPv4 header
 * checksums are right, TCP/UDP checksums arbitrary). Offsets used below:
 * Ethernet 0..13, IPv4 14..33 (transport at 34), IPv6 14..53 (transport
 * at 54). Variants are made by patching a copy.
 */

/* Ethernet, IPv4 10.0.0.1 -> 10.0.0.2, TCP SYN 51234 -> 80 seq 1000 win 65495,
 * options MSS 65495, SACK permitted, timestamps 3813452453/0, NOP, WS 7 (74 bytes) */
static const uint8_t p_syn[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
    0x14, 0x86, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0xc8, 0x22,
    0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
    0xff, 0xd7, 0xbe, 0xef, 0x00, 0x00, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02,
    0x08, 0x0a, 0xe3, 0x4c, 0xaa, 0xa5, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03,
    0x03, 0x07,
};

/* IPv4 TCP PSH,ACK 40000 -> 40001 seq 7777 ack 8888 win 512 urg 0,
 * NOP NOP timestamps 5/6, then "hello" (71 bytes) */
static const uint8_t p_data[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x39, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
    0x14, 0x89, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
    0x9c, 0x41, 0x00, 0x00, 0x1e, 0x61, 0x00, 0x00, 0x22, 0xb8, 0x80, 0x18,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x00, 0x00,
    0x00, 0x05, 0x00, 0x00, 0x00, 0x06, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

/* IPv4 TCP ACK with no data in a 60-byte frame (6 bytes of Ethernet padding) */
static const uint8_t p_ack_padded[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
    0x14, 0x9a, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
    0x9c, 0x41, 0x00, 0x00, 0x1e, 0x61, 0x00, 0x00, 0x22, 0xb8, 0x50, 0x10,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* IPv6 2001:db8::1 -> 2001:db8::2, TCP ACK 443 -> 50000 with NOP NOP and a
 * SACK option of 4 blocks 100-200 300-400 500-600 700-800 (56-byte header) */
static const uint8_t p_sack4[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x38, 0x06, 0x40, 0x20, 0x01,
    0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0xbb, 0xc3, 0x50, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0xe0, 0x10, 0x03, 0xe8, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x01, 0x05, 0x22, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00,
    0x00, 0xc8, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x00, 0x01, 0x90, 0x00, 0x00,
    0x01, 0xf4, 0x00, 0x00, 0x02, 0x58, 0x00, 0x00, 0x02, 0xbc, 0x00, 0x00,
    0x03, 0x20,
};

/* IPv4 TCP SYN, options: MSS with length 3, SACK permitted, EOL, pad */
static const uint8_t p_opt_mss3[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x30, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
    0x14, 0x92, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
    0x9c, 0x41, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x70, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x05, 0x04, 0x02, 0x00,
    0x00, 0x00,
};

/* IPv4 TCP SYN, options: MSS 1460, unknown kind 99 (4 bytes), SACK permitted, EOL EOL */
static const uint8_t p_opt_unknown[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x34, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
    0x14, 0x8e, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
    0x9c, 0x41, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x80, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x63, 0x04,
    0x11, 0x22, 0x04, 0x02, 0x00, 0x00,
};

/* IPv4 TCP SYN, options: MSS 1460, EOL, then bytes that read like SACK permitted and WS */
static const uint8_t p_opt_eol[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x30, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
    0x14, 0x92, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
    0x9c, 0x41, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x70, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x00, 0x04,
    0x02, 0x03,
};

/* IPv4 TCP SYN, options: MSS 1460, WS with length 1, pad */
static const uint8_t p_opt_len1[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x30, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
    0x14, 0x92, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
    0x9c, 0x41, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x70, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x03, 0x01,
    0x00, 0x00,
};

/* IPv4 TCP SYN, options: MSS 1460, timestamps (10 bytes) where 4 remain */
static const uint8_t p_opt_past[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x30, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
    0x14, 0x92, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
    0x9c, 0x41, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x70, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x08, 0x0a,
    0x00, 0x00,
};

/* IPv4 TCP SYN, options: NOP NOP NOP, then an MSS kind in the last byte */
static const uint8_t p_opt_nolen[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x2c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
    0x14, 0x96, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
    0x9c, 0x41, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x60, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x02,
};

/* IPv4 TCP ACK, options: NOP NOP, SACK of length 12 (not 2 + 8n), pad */
static const uint8_t p_opt_sack12[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x38, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06,
    0x14, 0x8a, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
    0x9c, 0x41, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x90, 0x10,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x05, 0x0c, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* IPv4 UDP 39472 -> 40000, length 20 (12 bytes "x"), checksum 0xabcd */
static const uint8_t p_udp[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11,
    0x14, 0x8f, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9a, 0x30,
    0x9c, 0x40, 0x00, 0x14, 0xab, 0xcd, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
    0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
};

/* IPv4 UDP 1000 -> 2000, one data byte, in a 60-byte frame */
static const uint8_t p_udp_padded[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x1d, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11,
    0x14, 0x9a, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x03, 0xe8,
    0x07, 0xd0, 0x00, 0x09, 0x00, 0x00, 0x5a, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* IPv6 fe80::1 -> fe80::2, UDP 5354 -> 5354 with 4 bytes */
static const uint8_t p_udp6[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x11, 0x40, 0xfe, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x14, 0xea, 0x14, 0xea, 0x00, 0x0c,
    0x11, 0x11, 0x61, 0x62, 0x63, 0x64,
};

/* first IPv4 fragment (MF, ID 0x4242) of a UDP datagram 1000 -> 2000 of
 * length 108: this fragment holds its header and 16 data bytes */
static const uint8_t p_udp_first_frag[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x2c, 0x42, 0x42, 0x20, 0x00, 0x40, 0x11,
    0x04, 0x7d, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x03, 0xe8,
    0x07, 0xd0, 0x00, 0x6c, 0x00, 0x00, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
    0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
};

/* IPv6 UDP 1 -> 2 with length field 0 (RFC 2675 jumbogram) and 8 data bytes */
static const uint8_t p_udp_jumbo[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x40, 0xfe, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00,
    0x11, 0x11, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
};

/* IPv4 ICMP echo request id 0x1234 seq 1, checksum computed, 8 data bytes */
static const uint8_t p_icmp_echo[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01,
    0x14, 0xa3, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x08, 0x00,
    0x54, 0x35, 0x12, 0x34, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66,
    0x67, 0x68,
};

/* IPv4 ICMP port unreachable quoting 10.0.0.2 -> 10.0.0.1 UDP 39472 -> 33434 */
static const uint8_t p_icmp_unreach[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x38, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01,
    0x14, 0x8f, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x03, 0x03,
    0xe0, 0x25, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x20, 0x12, 0x34,
    0x40, 0x00, 0x40, 0x11, 0x14, 0x97, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00,
    0x00, 0x01, 0x9a, 0x30, 0x82, 0x9a, 0x00, 0x0c, 0x00, 0x00,
};

/* IPv6 ICMPv6 echo request id 0x1234 seq 1, 4 data bytes */
static const uint8_t p_icmp6_echo[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x3a, 0x40, 0xfe, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x80, 0x00, 0x00, 0x00, 0x12, 0x34,
    0x00, 0x01, 0x61, 0x62, 0x63, 0x64,
};

/* IPv6 ICMPv6 Neighbor Solicitation for 2001:db8::1, source link-layer
 * address 00:11:22:33:44:55 */
static const uint8_t p_icmp6_ns[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0x40, 0xfe, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x87, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00, 0x11, 0x22, 0x33,
    0x44, 0x55,
};

/* IPv6 ICMPv6 Neighbor Advertisement (solicited, override) for fe80::1,
 * target link-layer address 00:11:22:33:44:55 */
static const uint8_t p_icmp6_na[] = {
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0x40, 0xfe, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x88, 0x00, 0x00, 0x00, 0x60, 0x00,
    0x00, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x01, 0x00, 0x11, 0x22, 0x33,
    0x44, 0x55,
};

/* ---- helpers --------------------------------------------------------- */

static struct ws_packet *pkt;
static uint8_t *copy;

static void setup(void)
{
    pkt = calloc(1, sizeof *pkt);
    ck_assert_ptr_nonnull(pkt);
    copy = NULL;
}

static void teardown(void)
{
    free(copy);
    free(pkt);
}

/* Decodes the first caplen bytes of b, copied into a buffer of exactly
 * caplen bytes so that AddressSanitizer catches any read past it. */
static void run(const uint8_t *b, uint32_t caplen, uint32_t len, bool fields)
{
    free(copy);
    copy = malloc(caplen ? caplen : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, b, caplen);
    pkt->want_fields = fields;
    decode_reset(pkt, copy, caplen, len, DLT_EN10MB);
    decode_packet(pkt);
}

#define RUN(b) run((b), sizeof(b), sizeof(b), true)
/* A patched copy of a packet: PATCHED(name, from) then name[i] = v. */
#define PATCHED(name, from)                                                   \
    uint8_t name[sizeof(from)];                                               \
    memcpy(name, (from), sizeof(from))

static const struct ws_layer *layer(unsigned i)
{
    ck_assert_uint_lt(i, pkt->nlayers);
    return &pkt->layers[i];
}

static void check_layer(unsigned i, enum ws_proto proto, uint32_t off,
                        uint32_t len)
{
    const struct ws_layer *l = layer(i);
    ck_assert_msg(l->proto == proto, "layer %u is %s, want %s", i,
                  decode_proto_name((enum ws_proto)l->proto),
                  decode_proto_name(proto));
    ck_assert_uint_eq(l->off, off);
    ck_assert_uint_eq(l->len, len);
}

/* The value text of the first field called name in the transport layer
 * (TCP, UDP, ICMP or ICMPv6), or NULL. */
static const char *field(const char *name)
{
    for (unsigned i = pkt->nlayers; i-- > 0;) {
        const struct ws_layer *l = &pkt->layers[i];
        if (l->proto != P_TCP && l->proto != P_UDP && l->proto != P_ICMP &&
            l->proto != P_ICMPV6)
            continue;
        for (unsigned f = l->first_field; f < l->first_field + l->nfields; f++)
            if (strcmp(pkt->fields[f].name, name) == 0)
                return pkt->ftext + pkt->fields[f].text;
        return NULL;
    }
    return NULL;
}

static void check_field(const char *name, const char *want)
{
    const char *got = field(name);
    ck_assert_msg(got != NULL, "no field \"%s\"", name);
    ck_assert_msg(strcmp(got, want) == 0, "field \"%s\" is \"%s\", want \"%s\"",
                  name, got, want);
}

/* ---- TCP --------------------------------------------------------------- */

START_TEST(test_tcp_syn_header_and_options)
{
    RUN(p_syn);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->nlayers, 3);
    check_layer(0, P_ETH, 0, 14);
    check_layer(1, P_IPV4, 14, 20);
    check_layer(2, P_TCP, 34, 40);
    ck_assert_uint_eq(pkt->top, P_TCP);
    ck_assert_uint_eq(pkt->sport, 51234);
    ck_assert_uint_eq(pkt->dport, 80);
    const struct ws_tcp *t = &pkt->u.tcp;
    ck_assert_uint_eq(t->seq, 1000);
    ck_assert_uint_eq(t->ack, 0);
    ck_assert_uint_eq(t->flags, TCP_SYN);
    ck_assert_uint_eq(t->win, 65495);
    ck_assert_uint_eq(t->csum, 0xbeef);
    ck_assert_uint_eq(t->urg, 0);
    ck_assert_uint_eq(t->hdr_len, 40);
    ck_assert(t->has_mss);
    ck_assert_uint_eq(t->mss, 65495);
    ck_assert(t->sack_perm);
    ck_assert(t->has_ts);
    ck_assert_uint_eq(t->tsval, 3813452453u);
    ck_assert_uint_eq(t->tsecr, 0);
    ck_assert(t->has_wscale);
    ck_assert_uint_eq(t->wscale, 7);
    ck_assert_uint_eq(t->nsack, 0);
    ck_assert_uint_eq(pkt->l4_off, 34);
    ck_assert_uint_eq(pkt->payload_off, 74);
    ck_assert_uint_eq(pkt->payload_len, 0);
    check_field("Source Port", "51234");
    check_field("Destination Port", "80");
    check_field("Sequence Number (raw)", "1000");
    check_field("Header Length", "40 bytes (10)");
    check_field("Flags", "0x002 (SYN)");
    check_field("Window", "65495");
    check_field("Checksum", "0xbeef");
    check_field("Maximum segment size", "65495 bytes");
    check_field("SACK permitted", "yes");
    check_field("Timestamps", "TSval 3813452453, TSecr 0");
    check_field("Window scale", "shift 7");
}
END_TEST

START_TEST(test_tcp_payload)
{
    RUN(p_data);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->nlayers, 4);
    check_layer(2, P_TCP, 34, 32);
    check_layer(3, P_DATA, 66, 5);
    ck_assert_uint_eq(pkt->u.tcp.flags, TCP_PSH | TCP_ACK);
    ck_assert_uint_eq(pkt->u.tcp.seq, 7777);
    ck_assert_uint_eq(pkt->u.tcp.ack, 8888);
    ck_assert(pkt->u.tcp.has_ts);
    ck_assert_uint_eq(pkt->u.tcp.tsval, 5);
    ck_assert_uint_eq(pkt->u.tcp.tsecr, 6);
    ck_assert(!pkt->u.tcp.has_mss);
    ck_assert_uint_eq(pkt->payload_off, 66);
    ck_assert_uint_eq(pkt->payload_len, 5);
    check_field("Flags", "0x018 (PSH ACK)");
}
END_TEST

START_TEST(test_tcp_padding_is_not_payload)
{
    RUN(p_ack_padded);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->nlayers, 3);
    ck_assert_uint_eq(pkt->payload_off, 54);
    ck_assert_uint_eq(pkt->payload_len, 0);
}
END_TEST

START_TEST(test_tcp_snaplen_keeps_wire_payload_len)
{
    /* Cut 3 bytes into the 5-byte payload: the length is still 5. */
    run(p_data, 68, sizeof p_data, true);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->payload_len, 5);
    check_layer(3, P_DATA, 66, 2);
    /* Cut right after the header. */
    run(p_data, 66, sizeof p_data, false);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->payload_len, 5);
    ck_assert_uint_eq(pkt->nlayers, 3);
}
END_TEST

START_TEST(test_tcp_cut_in_options)
{
    /* 26 header bytes: MSS and SACK permitted are in, timestamps not. */
    run(p_syn, 60, sizeof p_syn, true);
    ck_assert_uint_eq(pkt->event, EV_TRUNCATED);
    ck_assert_uint_eq(pkt->event_proto, P_TCP);
    check_layer(2, P_TCP, 34, 26);
    ck_assert_uint_eq(layer(2)->event, EV_TRUNCATED);
    ck_assert_uint_eq(pkt->sport, 51234);
    ck_assert_uint_eq(pkt->u.tcp.seq, 1000);
    ck_assert_uint_eq(pkt->u.tcp.hdr_len, 40);
    ck_assert(pkt->u.tcp.has_mss);
    ck_assert(pkt->u.tcp.sack_perm);
    ck_assert(!pkt->u.tcp.has_ts);
    ck_assert(!pkt->u.tcp.has_wscale);
    /* where the payload starts and how long it is are still known */
    ck_assert_uint_eq(pkt->payload_off, 74);
    ck_assert_uint_eq(pkt->payload_len, 0);
}
END_TEST

START_TEST(test_tcp_cut_in_fixed_header)
{
    run(p_syn, 44, sizeof p_syn, true); /* 10 bytes of TCP */
    ck_assert_uint_eq(pkt->event, EV_TRUNCATED);
    check_layer(2, P_TCP, 34, 10);
    ck_assert_uint_eq(pkt->sport, 51234);
    ck_assert_uint_eq(pkt->dport, 80);
    ck_assert_uint_eq(pkt->u.tcp.seq, 1000);
    ck_assert_uint_eq(pkt->u.tcp.ack, 0);
    ck_assert_uint_eq(pkt->payload_len, 0);
    ck_assert_ptr_nonnull(field("Sequence Number (raw)"));
    ck_assert_ptr_null(field("Window"));

    run(p_syn, 37, sizeof p_syn, false); /* 3 bytes: the source port only */
    ck_assert_uint_eq(pkt->event, EV_TRUNCATED);
    ck_assert_uint_eq(pkt->sport, 51234);
    ck_assert_uint_eq(pkt->dport, 0);
}
END_TEST

START_TEST(test_tcp_short_frame_in_options)
{
    /* The frame itself (caplen = len) ends in the options while the IP
     * length says the header is whole: a truncation, not a bad offset. */
    run(p_data, 60, 60, false);
    ck_assert_uint_eq(pkt->event, EV_TRUNCATED);
    ck_assert_uint_eq(pkt->u.tcp.hdr_len, 32);
    ck_assert_uint_eq(pkt->payload_len, 0);
}
END_TEST

START_TEST(test_tcp_tso_total_length_zero)
{
    /* IPv4 total length 0 (TSO): the payload is what was captured. */
    PATCHED(b, p_data);
    b[16] = 0;
    b[17] = 0;
    RUN(b);
    ck_assert_uint_eq(pkt->u.tcp.flags, TCP_PSH | TCP_ACK);
    ck_assert_uint_eq(pkt->payload_off, 66);
    ck_assert_uint_eq(pkt->payload_len, 5);
}
END_TEST

START_TEST(test_tcp_ae_and_reserved_bits)
{
    PATCHED(b, p_data);
    b[46] |= 0x01; /* AE (formerly NS) */
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->u.tcp.flags, TCP_PSH | TCP_ACK | TCP_AE);
    check_field("Flags", "0x118 (PSH ACK AE)");
    b[46] |= 0x0e; /* the three reserved bits stay out of flags */
    RUN(b);
    ck_assert_uint_eq(pkt->u.tcp.flags, TCP_PSH | TCP_ACK | TCP_AE);
    ck_assert_uint_eq(pkt->u.tcp.hdr_len, 32);
}
END_TEST

START_TEST(test_tcp_data_offset_below_5)
{
    PATCHED(b, p_data);
    b[46] = 0x40; /* 16 bytes */
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_BAD_HEADER_LEN);
    ck_assert_uint_eq(pkt->event_proto, P_TCP);
    ck_assert_uint_eq(pkt->nlayers, 3);
    check_layer(2, P_TCP, 34, 20);
    ck_assert_uint_eq(pkt->sport, 40000);
    ck_assert_uint_eq(pkt->dport, 40001);
    ck_assert_uint_eq(pkt->u.tcp.hdr_len, 16);
    ck_assert_uint_eq(pkt->payload_len, 0);
    b[46] = 0x00;
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_BAD_HEADER_LEN);
    ck_assert_uint_eq(pkt->u.tcp.hdr_len, 0);
}
END_TEST

START_TEST(test_tcp_data_offset_past_segment)
{
    PATCHED(b, p_data);
    b[46] = 0xf0; /* 60 bytes in a 37-byte segment */
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_BAD_HEADER_LEN);
    ck_assert_uint_eq(pkt->u.tcp.hdr_len, 60);
    ck_assert_uint_eq(pkt->payload_len, 0);
    ck_assert_uint_eq(pkt->nlayers, 3); /* nothing decoded as payload */
}
END_TEST

START_TEST(test_tcp_bad_header_len_comes_before_flags)
{
    PATCHED(b, p_data);
    b[46] = 0x40;
    b[47] = TCP_SYN | TCP_FIN;
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_BAD_HEADER_LEN);
}
END_TEST

START_TEST(test_tcp_impossible_flags)
{
    static const uint8_t bad[] = {TCP_SYN | TCP_FIN, TCP_SYN | TCP_RST,
                                  TCP_SYN | TCP_FIN | TCP_ACK,
                                  TCP_SYN | TCP_RST | TCP_PSH, 0};
    for (size_t i = 0; i < sizeof bad; i++) {
        PATCHED(b, p_data);
        b[47] = bad[i];
        RUN(b);
        ck_assert_msg(pkt->event == EV_BAD_FLAGS, "flags 0x%02x", bad[i]);
        ck_assert_uint_eq(pkt->event_proto, P_TCP);
        /* decoding went on: numbers, options, payload */
        ck_assert_uint_eq(pkt->u.tcp.flags, bad[i]);
        ck_assert_uint_eq(pkt->u.tcp.seq, 7777);
        ck_assert(pkt->u.tcp.has_ts);
        ck_assert_uint_eq(pkt->payload_len, 5);
        check_layer(3, P_DATA, 66, 5);
    }
    static const uint8_t good[] = {TCP_SYN, TCP_SYN | TCP_ACK, TCP_FIN | TCP_ACK,
                                   TCP_RST, TCP_RST | TCP_ACK, TCP_ACK,
                                   TCP_PSH | TCP_ACK | TCP_URG | TCP_ECE | TCP_CWR,
                                   TCP_SYN | TCP_ECE | TCP_CWR};
    for (size_t i = 0; i < sizeof good; i++) {
        PATCHED(b, p_data);
        b[47] = good[i];
        RUN(b);
        ck_assert_msg(pkt->event == EV_NONE, "flags 0x%02x", good[i]);
    }
    /* AE alone is a flag: not "no flags at all" */
    PATCHED(b, p_data);
    b[46] |= 0x01;
    b[47] = 0;
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_NONE);
}
END_TEST

START_TEST(test_tcp_sack_blocks)
{
    RUN(p_sack4);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    check_layer(1, P_IPV6, 14, 40);
    check_layer(2, P_TCP, 54, 56);
    ck_assert_uint_eq(pkt->sport, 443);
    ck_assert_uint_eq(pkt->dport, 50000);
    const struct ws_tcp *t = &pkt->u.tcp;
    ck_assert_uint_eq(t->nsack, 4);
    for (unsigned i = 0; i < 4; i++) {
        ck_assert_uint_eq(t->sack_left[i], 100 + 200 * i);
        ck_assert_uint_eq(t->sack_right[i], 200 + 200 * i);
    }
    ck_assert_uint_eq(pkt->payload_off, 110);
    ck_assert_uint_eq(pkt->payload_len, 0);
    check_field("SACK", "4 blocks");
    check_field("SACK block", "100-200");
    /* 1, 2 and 3 blocks: shorten the option and fill with NOPs */
    for (unsigned n = 1; n <= 3; n++) {
        PATCHED(b, p_sack4);
        b[77] = (uint8_t)(2 + 8 * n);
        memset(b + 78 + 8 * n, 1, 8 * (4 - n));
        RUN(b);
        ck_assert_uint_eq(pkt->event, EV_NONE);
        ck_assert_uint_eq(pkt->u.tcp.nsack, n);
        ck_assert_uint_eq(pkt->u.tcp.sack_right[n - 1], 200 * n);
    }
}
END_TEST

START_TEST(test_tcp_option_rules)
{
    /* unknown kinds are skipped by their length */
    RUN(p_opt_unknown);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert(pkt->u.tcp.has_mss);
    ck_assert_uint_eq(pkt->u.tcp.mss, 1460);
    ck_assert(pkt->u.tcp.sack_perm);
    check_field("Unknown", "kind 99, length 4");

    /* EOL ends the list: what follows is padding */
    RUN(p_opt_eol);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert(pkt->u.tcp.has_mss);
    ck_assert(!pkt->u.tcp.sack_perm);
    ck_assert(!pkt->u.tcp.has_wscale);

    /* a known option of the wrong length is bad, skipped, and the walk
     * goes on */
    RUN(p_opt_mss3);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
    ck_assert_uint_eq(pkt->event_proto, P_TCP);
    ck_assert(!pkt->u.tcp.has_mss);
    ck_assert(pkt->u.tcp.sack_perm);

    /* SACK whose length is not 2 + 8n */
    RUN(p_opt_sack12);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
    ck_assert_uint_eq(pkt->u.tcp.nsack, 0);
}
END_TEST

START_TEST(test_tcp_bad_option_length_keeps_header)
{
    /* length 1 */
    RUN(p_opt_len1);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
    ck_assert_uint_eq(pkt->event_proto, P_TCP);
    ck_assert(pkt->u.tcp.has_mss); /* before the bad one */
    ck_assert(!pkt->u.tcp.has_wscale);
    check_layer(2, P_TCP, 34, 28);
    ck_assert_uint_eq(pkt->sport, 40000);
    ck_assert_uint_eq(pkt->u.tcp.flags, TCP_SYN);
    ck_assert_uint_eq(pkt->payload_off, 62);
    ck_assert_uint_eq(pkt->payload_len, 0);

    /* running past the header */
    RUN(p_opt_past);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
    ck_assert(pkt->u.tcp.has_mss);
    ck_assert(!pkt->u.tcp.has_ts);
    check_layer(2, P_TCP, 34, 28);

    /* a kind in the last byte, with no room for its length */
    RUN(p_opt_nolen);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
    ck_assert(!pkt->u.tcp.has_mss);
    check_layer(2, P_TCP, 34, 24);

    /* length 0 */
    PATCHED(b, p_opt_unknown);
    b[59] = 0;
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
    ck_assert(pkt->u.tcp.has_mss);
    ck_assert(!pkt->u.tcp.sack_perm);
}
END_TEST

/* ---- UDP --------------------------------------------------------------- */

START_TEST(test_udp)
{
    RUN(p_udp);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->nlayers, 4);
    check_layer(2, P_UDP, 34, 8);
    check_layer(3, P_DATA, 42, 12);
    ck_assert_uint_eq(pkt->top, P_DATA);
    ck_assert_uint_eq(pkt->sport, 39472);
    ck_assert_uint_eq(pkt->dport, 40000);
    ck_assert_uint_eq(pkt->u.udp.len, 20);
    ck_assert_uint_eq(pkt->u.udp.csum, 0xabcd);
    ck_assert_uint_eq(pkt->l4_off, 34);
    ck_assert_uint_eq(pkt->payload_off, 42);
    ck_assert_uint_eq(pkt->payload_len, 12);
    check_field("Source Port", "39472");
    check_field("Length", "20");
    check_field("Checksum", "0xabcd");
}
END_TEST

START_TEST(test_transport_only_stops_above_tcp_and_udp)
{
    pkt->transport_only = true; /* as --conns sets it, once */
    RUN(p_data);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->nlayers, 3);
    ck_assert_uint_eq(pkt->top, P_TCP);
    ck_assert_uint_eq(pkt->app, P_NONE);
    ck_assert_uint_eq(pkt->payload_off, 66); /* still known from the headers */
    ck_assert_uint_eq(pkt->payload_len, 5);
    RUN(p_udp); /* kept across decode_reset */
    ck_assert_uint_eq(pkt->nlayers, 3);
    ck_assert_uint_eq(pkt->top, P_UDP);
    ck_assert_uint_eq(pkt->payload_len, 12);
    pkt->transport_only = false;
    RUN(p_udp);
    ck_assert_uint_eq(pkt->nlayers, 4);
    ck_assert_uint_eq(pkt->top, P_DATA);
}
END_TEST

START_TEST(test_udp_ipv6)
{
    RUN(p_udp6);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    check_layer(2, P_UDP, 54, 8);
    check_layer(3, P_DATA, 62, 4);
    ck_assert_uint_eq(pkt->sport, 5354);
    ck_assert_uint_eq(pkt->payload_len, 4);
}
END_TEST

START_TEST(test_udp_padding_is_not_payload)
{
    RUN(p_udp_padded);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->payload_len, 1);
    check_layer(3, P_DATA, 42, 1);
}
END_TEST

START_TEST(test_udp_length_narrows_payload)
{
    /* UDP length 10 in a 20-byte IP payload: 2 bytes are UDP payload. */
    PATCHED(b, p_udp);
    b[39] = 10;
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->payload_len, 2);
    check_layer(3, P_DATA, 42, 2);
}
END_TEST

START_TEST(test_udp_bad_length)
{
    PATCHED(b, p_udp);
    b[39] = 4; /* below the header */
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_BAD_TOTAL_LEN);
    ck_assert_uint_eq(pkt->event_proto, P_UDP);
    ck_assert_uint_eq(pkt->u.udp.len, 4);
    ck_assert_uint_eq(pkt->sport, 39472);
    ck_assert_uint_eq(pkt->payload_len, 12); /* as the IP length gives */
    check_layer(3, P_DATA, 42, 12);

    b[39] = 100; /* past the IP payload */
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_BAD_TOTAL_LEN);
    ck_assert_uint_eq(pkt->u.udp.len, 100);
    ck_assert_uint_eq(pkt->payload_len, 12);
    check_layer(3, P_DATA, 42, 12);
}
END_TEST

START_TEST(test_udp_snaplen)
{
    run(p_udp, 46, sizeof p_udp, false); /* 4 of 12 payload bytes */
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->payload_len, 12);
    check_layer(3, P_DATA, 42, 4);

    run(p_udp, 38, sizeof p_udp, true); /* 4 bytes of the header */
    ck_assert_uint_eq(pkt->event, EV_TRUNCATED);
    ck_assert_uint_eq(pkt->event_proto, P_UDP);
    ck_assert_uint_eq(pkt->sport, 39472);
    ck_assert_uint_eq(pkt->dport, 40000);
    ck_assert_uint_eq(pkt->payload_len, 0);
    ck_assert_ptr_null(field("Length"));
}
END_TEST

START_TEST(test_udp_first_fragment)
{
    /* The UDP length covers the whole datagram, not this fragment. */
    RUN(p_udp_first_frag);
    check_layer(2, P_UDP, 34, 8);
    ck_assert_uint_eq(layer(2)->event, EV_NONE);
    ck_assert(pkt->ip_fragment);
    ck_assert_uint_eq(pkt->u.udp.len, 108);
    ck_assert_uint_eq(pkt->payload_len, 16);
    check_layer(3, P_DATA, 42, 16);
}
END_TEST

START_TEST(test_udp_jumbogram)
{
    RUN(p_udp_jumbo);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->u.udp.len, 0);
    ck_assert_uint_eq(pkt->payload_len, 8);
    check_layer(3, P_DATA, 62, 8);
    /* length 0 over IPv4 is just bad */
    PATCHED(b, p_udp);
    b[38] = 0;
    b[39] = 0;
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_BAD_TOTAL_LEN);
}
END_TEST

/* ---- ICMP -------------------------------------------------------------- */

START_TEST(test_icmp_echo)
{
    RUN(p_icmp_echo);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->nlayers, 4);
    check_layer(2, P_ICMP, 34, 8);
    check_layer(3, P_DATA, 42, 8);
    const struct ws_icmp *ic = &pkt->u.icmp;
    ck_assert_uint_eq(ic->type, 8);
    ck_assert_uint_eq(ic->code, 0);
    ck_assert(ic->has_echo);
    ck_assert_uint_eq(ic->id, 0x1234);
    ck_assert_uint_eq(ic->seq, 1);
    ck_assert_uint_eq(pkt->payload_off, 42);
    ck_assert_uint_eq(pkt->payload_len, 8);
    check_field("Type", "8 (Echo (ping) request)");
    check_field("Code", "0");
    check_field("Identifier (BE)", "4660 (0x1234)");
    check_field("Sequence Number (BE)", "1 (0x0001)");
}
END_TEST

START_TEST(test_icmp_error_not_recursed)
{
    RUN(p_icmp_unreach);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->nlayers, 4); /* no second IPv4 layer */
    check_layer(2, P_ICMP, 34, 8);
    check_layer(3, P_DATA, 42, 28);
    ck_assert_uint_eq(pkt->u.icmp.type, 3);
    ck_assert_uint_eq(pkt->u.icmp.code, 3);
    ck_assert(!pkt->u.icmp.has_echo);
    ck_assert_uint_eq(pkt->payload_len, 28);
    /* the summary still describes the outer packet */
    ck_assert_uint_eq(pkt->ip_proto, 1);
    char a[WS_ADDR_STRLEN];
    addr_format(&pkt->src, a, sizeof a);
    ck_assert_str_eq(a, "10.0.0.1");
    check_field("Type", "3 (Destination unreachable)");
    check_field("Code", "3 (Port unreachable)");
}
END_TEST

START_TEST(test_icmp_id_seq_types)
{
    static const uint8_t with_id[] = {0, 8, 13, 14, 15, 16, 17, 18};
    for (size_t i = 0; i < sizeof with_id; i++) {
        PATCHED(b, p_icmp_echo);
        b[34] = with_id[i];
        RUN(b);
        ck_assert_msg(pkt->u.icmp.has_echo, "type %u", with_id[i]);
        ck_assert_uint_eq(pkt->u.icmp.id, 0x1234);
    }
    PATCHED(b, p_icmp_echo);
    b[34] = 11;
    RUN(b);
    ck_assert(!pkt->u.icmp.has_echo);
    ck_assert_uint_eq(pkt->u.icmp.id, 0);
}
END_TEST

START_TEST(test_icmp_truncated)
{
    run(p_icmp_echo, 40, sizeof p_icmp_echo, true);
    ck_assert_uint_eq(pkt->event, EV_TRUNCATED);
    ck_assert_uint_eq(pkt->event_proto, P_ICMP);
    ck_assert_uint_eq(pkt->u.icmp.type, 8);
    ck_assert(!pkt->u.icmp.has_echo);
    check_layer(2, P_ICMP, 34, 6);
}
END_TEST

/* ---- ICMPv6 ------------------------------------------------------------ */

START_TEST(test_icmpv6_echo)
{
    RUN(p_icmp6_echo);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->nlayers, 4);
    check_layer(1, P_IPV6, 14, 40);
    check_layer(2, P_ICMPV6, 54, 8);
    check_layer(3, P_DATA, 62, 4);
    ck_assert_uint_eq(pkt->u.icmp.type, 128);
    ck_assert(pkt->u.icmp.has_echo);
    ck_assert_uint_eq(pkt->u.icmp.id, 0x1234);
    ck_assert_uint_eq(pkt->u.icmp.seq, 1);
    ck_assert_uint_eq(pkt->payload_len, 4);
    check_field("Type", "128 (Echo (ping) request)");
    check_field("Identifier", "0x1234");
}
END_TEST

START_TEST(test_icmpv6_neighbor_discovery)
{
    RUN(p_icmp6_ns);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->nlayers, 3); /* the options belong to the layer */
    check_layer(2, P_ICMPV6, 54, 32);
    ck_assert_uint_eq(pkt->u.icmp.type, 135);
    ck_assert(!pkt->u.icmp.has_echo);
    ck_assert_uint_eq(pkt->payload_len, 0);
    check_field("Type", "135 (Neighbor Solicitation)");
    check_field("Target Address", "2001:db8::1");
    check_field("Source link-layer address", "00:11:22:33:44:55");

    RUN(p_icmp6_na);
    ck_assert_uint_eq(pkt->event, EV_NONE);
    ck_assert_uint_eq(pkt->u.icmp.type, 136);
    check_field("Target Address", "fe80::1");
    check_field("Target link-layer address", "00:11:22:33:44:55");
    check_field("Flags", "0x60 (solicited override)");
}
END_TEST

START_TEST(test_icmpv6_bad_nd_options)
{
    PATCHED(b, p_icmp6_ns);
    b[79] = 0; /* option length 0 */
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
    ck_assert_uint_eq(pkt->event_proto, P_ICMPV6);
    check_field("Target Address", "2001:db8::1");
    b[79] = 2; /* 16 bytes where 8 remain */
    RUN(b);
    ck_assert_uint_eq(pkt->event, EV_BAD_OPTION);
}
END_TEST

START_TEST(test_icmpv6_truncated_target)
{
    run(p_icmp6_ns, 70, sizeof p_icmp6_ns, true); /* 16 of 32 bytes */
    ck_assert_uint_eq(pkt->event, EV_TRUNCATED);
    ck_assert_uint_eq(pkt->event_proto, P_ICMPV6);
    ck_assert_uint_eq(pkt->u.icmp.type, 135);
    ck_assert_ptr_null(field("Target Address"));
}
END_TEST

/* ---- caplen sweeps ----------------------------------------------------- */

struct sweep_case {
    const char *name;
    const uint8_t *bytes;
    uint32_t len;
    uint32_t hdr_end; /* where the last header ends */
};

static const struct sweep_case sweep_cases[] = {
    {"tcp syn", p_syn, sizeof p_syn, 74},
    {"tcp data", p_data, sizeof p_data, 66},
    {"tcp padded", p_ack_padded, sizeof p_ack_padded, 54},
    {"tcp6 sack", p_sack4, sizeof p_sack4, 110},
    {"tcp unknown option", p_opt_unknown, sizeof p_opt_unknown, 66},
    {"udp", p_udp, sizeof p_udp, 42},
    {"udp padded", p_udp_padded, sizeof p_udp_padded, 42},
    {"udp6", p_udp6, sizeof p_udp6, 62},
    {"icmp echo", p_icmp_echo, sizeof p_icmp_echo, 42},
    {"icmp unreachable", p_icmp_unreach, sizeof p_icmp_unreach, 42},
    {"icmp6 echo", p_icmp6_echo, sizeof p_icmp6_echo, 62},
    {"icmp6 ns", p_icmp6_ns, sizeof p_icmp6_ns, 86},
    {"icmp6 na", p_icmp6_na, sizeof p_icmp6_na, 86},
};

#define NSWEEPS ((int)(sizeof sweep_cases / sizeof sweep_cases[0]))

/*
 * Every caplen from 0 to the whole packet, in a buffer of exactly that
 * many bytes: a cut inside any header is flagged as a truncation, a cut in
 * the payload is not, and the transport summary does not depend on where
 * the payload was cut.
 */
START_TEST(test_caplen_sweep)
{
    const struct sweep_case *k = &sweep_cases[_i];
    run(k->bytes, k->len, k->len, true);
    ck_assert_msg(pkt->event == EV_NONE, "%s: whole packet has event %s", k->name,
                  decode_event_name((enum ws_event)pkt->event));
    struct ws_packet *whole = malloc(sizeof *whole);
    ck_assert_ptr_nonnull(whole);
    memcpy(whole, pkt, sizeof *whole);
    for (uint32_t cut = 0; cut <= k->len; cut++) {
        run(k->bytes, cut, k->len, cut & 1);
        if (cut < k->hdr_end) {
            ck_assert_msg(pkt->event == EV_TRUNCATED, "%s: cut at %u gives %s",
                          k->name, cut,
                          decode_event_name((enum ws_event)pkt->event));
            continue;
        }
        ck_assert_msg(pkt->event == EV_NONE, "%s: cut at %u gives %s", k->name,
                      cut, decode_event_name((enum ws_event)pkt->event));
        ck_assert_uint_eq(pkt->sport, whole->sport);
        ck_assert_uint_eq(pkt->dport, whole->dport);
        ck_assert_uint_eq(pkt->l4_off, whole->l4_off);
        ck_assert_uint_eq(pkt->payload_off, whole->payload_off);
        ck_assert_msg(pkt->payload_len == whole->payload_len,
                      "%s: cut at %u: payload_len %u, want %u", k->name, cut,
                      pkt->payload_len, whole->payload_len);
        ck_assert_int_eq(memcmp(&pkt->u, &whole->u, sizeof pkt->u), 0);
    }
    free(whole);
}
END_TEST

/* The same cuts as whole frames (caplen = len): the IP length then claims
 * more than the frame has. Never a clean decode inside the headers, and
 * never a read past the buffer. */
START_TEST(test_short_frame_sweep)
{
    const struct sweep_case *k = &sweep_cases[_i];
    for (uint32_t cut = 0; cut < k->hdr_end; cut++) {
        run(k->bytes, cut, cut, cut & 1);
        ck_assert_msg(pkt->event != EV_NONE, "%s: %u-byte frame decodes clean",
                      k->name, cut);
    }
}
END_TEST

static Suite *l4_suite(void)
{
    Suite *s = suite_create("proto_l4");
    TCase *tc = tcase_create("tcp");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_tcp_syn_header_and_options);
    tcase_add_test(tc, test_tcp_payload);
    tcase_add_test(tc, test_tcp_padding_is_not_payload);
    tcase_add_test(tc, test_tcp_snaplen_keeps_wire_payload_len);
    tcase_add_test(tc, test_tcp_cut_in_options);
    tcase_add_test(tc, test_tcp_cut_in_fixed_header);
    tcase_add_test(tc, test_tcp_short_frame_in_options);
    tcase_add_test(tc, test_tcp_tso_total_length_zero);
    tcase_add_test(tc, test_tcp_ae_and_reserved_bits);
    tcase_add_test(tc, test_tcp_data_offset_below_5);
    tcase_add_test(tc, test_tcp_data_offset_past_segment);
    tcase_add_test(tc, test_tcp_bad_header_len_comes_before_flags);
    tcase_add_test(tc, test_tcp_impossible_flags);
    tcase_add_test(tc, test_tcp_sack_blocks);
    tcase_add_test(tc, test_tcp_option_rules);
    tcase_add_test(tc, test_tcp_bad_option_length_keeps_header);
    suite_add_tcase(s, tc);

    tc = tcase_create("udp");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_udp);
    tcase_add_test(tc, test_udp_ipv6);
    tcase_add_test(tc, test_transport_only_stops_above_tcp_and_udp);
    tcase_add_test(tc, test_udp_padding_is_not_payload);
    tcase_add_test(tc, test_udp_length_narrows_payload);
    tcase_add_test(tc, test_udp_bad_length);
    tcase_add_test(tc, test_udp_snaplen);
    tcase_add_test(tc, test_udp_first_fragment);
    tcase_add_test(tc, test_udp_jumbogram);
    suite_add_tcase(s, tc);

    tc = tcase_create("icmp");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_icmp_echo);
    tcase_add_test(tc, test_icmp_error_not_recursed);
    tcase_add_test(tc, test_icmp_id_seq_types);
    tcase_add_test(tc, test_icmp_truncated);
    tcase_add_test(tc, test_icmpv6_echo);
    tcase_add_test(tc, test_icmpv6_neighbor_discovery);
    tcase_add_test(tc, test_icmpv6_bad_nd_options);
    tcase_add_test(tc, test_icmpv6_truncated_target);
    suite_add_tcase(s, tc);

    tc = tcase_create("sweeps");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_caplen_sweep, 0, NSWEEPS);
    tcase_add_loop_test(tc, test_short_frame_sweep, 0, NSWEEPS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(l4_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
