/* Internet checksum verification (RFC 1071) for TCP and UDP over IPv4/v6. */
#ifndef WIRESCOPE_CHECKSUM_H
#define WIRESCOPE_CHECKSUM_H

#include "wirescope/decode.h"

enum csum_status { CSUM_UNKNOWN = -1, CSUM_BAD = 0, CSUM_GOOD = 1 };

/* The TCP checksum of a decoded packet: unknown when the segment was not
 * captured whole or is not plain TCP over IP. */
enum csum_status checksum_tcp(const struct ws_packet *pkt);

#endif
