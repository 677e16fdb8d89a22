/* TCP checksum over the IPv4 or IPv6 pseudo-header (RFC 9293 3.1). */
#include "wirescope/checksum.h"
#include "wirescope/cursor.h"

static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

enum csum_status checksum_tcp(const struct ws_packet *pkt)
{
    if (pkt->ip_proto != 6 || !pkt->l4_off || pkt->ip_fragment ||
        (pkt->ip_ver != 4 && pkt->ip_ver != 6))
        return CSUM_UNKNOWN;
    uint64_t tcp_len = (uint64_t)pkt->payload_off - pkt->l4_off + pkt->payload_len;
    if (pkt->payload_off < pkt->l4_off || tcp_len < 20 ||
        pkt->l4_off + tcp_len > pkt->caplen)
        return CSUM_UNKNOWN;
    uint32_t sum = 0;
    if (pkt->ip_ver == 4) {
        sum = sum_bytes(sum, pkt->src.b + 12, 4);
        sum = sum_bytes(sum, pkt->dst.b + 12, 4);
    } else {
        sum = sum_bytes(sum, pkt->src.b, 16);
        sum = sum_bytes(sum, pkt->dst.b, 16);
    }
    sum += 6 + (uint32_t)tcp_len;
    sum = sum_bytes(sum, pkt->data + pkt->l4_off, (size_t)tcp_len);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff ? CSUM_GOOD : CSUM_BAD;
}
