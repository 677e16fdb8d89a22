/* A TCP connection's payload reassembled per direction, from the packet
 * store: in sequence order, retransmitted overlaps removed, gaps marked. */
#ifndef WIRESCOPE_STREAM_H
#define WIRESCOPE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirescope/conn.h"
#include "wirescope/store.h"

/* A piece of one side's stream, in the order it became contiguous (which
 * is capture order unless segments were held for a gap). */
struct stream_chunk {
    uint8_t side;     /* SIDE_CLIENT or SIDE_SERVER: the sender */
    bool gap;         /* bytes never captured: len is the gap's size */
    uint64_t packet;  /* packet number (from 1) that completed the chunk */
    uint64_t offset;  /* offset of the chunk in the side's stream */
    uint32_t len;
};

struct tcp_stream {
    uint8_t *data[2];      /* reassembled bytes per side (gaps excluded) */
    size_t len[2];
    size_t cap[2];
    uint64_t gap_bytes[2];     /* bytes missing from the capture */
    uint64_t overlap_bytes[2]; /* retransmitted bytes dropped */
    bool limited[2];           /* stopped at max_bytes */
    struct stream_chunk *chunks;
    size_t nchunks, chunks_cap;
};

/*
 * Reassembles connection c from its packets in the store. At most
 * max_bytes are kept per side; out-of-order segments wait (up to a bounded
 * number) for the bytes before them, and whatever is still missing at the
 * end is recorded as a gap.
 */
void stream_reassemble(struct tcp_stream *st, const struct conn *c,
                       struct store *s, int linktype, size_t max_bytes);
void stream_free(struct tcp_stream *st);

#endif
