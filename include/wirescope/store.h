/* Packet store: a fixed-size index entry per packet, bytes in the file or in
 * memory chunks, bounded by a memory budget with oldest-first eviction. */
#ifndef WIRESCOPE_STORE_H
#define WIRESCOPE_STORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 40 bytes; entry N is found by arithmetic (chunk N >> SHIFT). */
/*
 * 32 bytes a packet, in large arrays: 2 M packets take 64 MB (at 40 bytes,
 * the UI on make bench's 2 M-packet file peaked above its 150 MB target).
 * Bit-fields keep the field syntax; the widths are checked in store.c.
 */
struct pkt_entry {
    uint64_t ts_ns;        /* capture time, epoch nanoseconds */
    uint64_t loc : 40;     /* file offset (below 1 TiB; beyond, the bytes are
                            * not kept), or byte chunk (mod 2^18) << 22 | offset */
    uint64_t caplen : 24;  /* at most the largest snapshot length, 262144 */
    uint32_t len;
    uint32_t flow_id;      /* low 32 bits of the flow id, STORE_NONE if none */
    uint32_t conn_id;      /* TCP connection id, STORE_NONE if none */
    uint32_t ta_flags : 15; /* TCP analysis marks (1u << TA_*) */
    uint32_t flags : 3;    /* PKT_F_* */
    uint32_t proto : 7;    /* enum ws_proto of the top layer */
    uint32_t event : 7;    /* enum ws_event */
};

#define STORE_NONE UINT32_MAX
/* A packet captured longer than this (only D-Bus and a few other link
 * types allow it) is stored with this caplen and without its bytes. */
#define STORE_MAX_CAPLEN ((1u << 24) - 1)
#define PKT_F_IN_FILE 0x0001  /* loc is a file offset */
#define PKT_F_NO_BYTES 0x0002 /* bytes unavailable (too large, evicted) */
#define PKT_F_BAD_CSUM 0x0004 /* TCP checksum failed verification */

struct store;

/*
 * A stored packet names its byte chunk by the chunk's number modulo mod
 * (`low`); the chunks kept are numbers head..tail-1, fewer than mod, so the
 * newest kept number with those low bits is the one. False when no chunk
 * kept has them (the packet's bytes were evicted).
 */
static inline bool store_chunk_number(uint64_t low, uint64_t head, uint64_t tail,
                                      uint64_t mod, uint64_t *chunk)
{
    if (tail == 0 || tail <= head)
        return false;
    uint64_t newest = tail - 1;
    uint64_t back = (newest % mod + mod - low % mod) % mod;
    if (back > newest || newest - back < head)
        return false;
    *chunk = newest - back;
    return true;
}

/*
 * budget: bytes for index plus in-memory packet bytes. file_fd >= 0 lets
 * entries refer to bytes in the capture file (read back with pread).
 */
struct store *store_new(size_t budget, int file_fd);
void store_free(struct store *s);

/* Decoder thread only. Adds a packet; returns its number (from 0). When
 * file_off is not UINT64_MAX the bytes are not copied. */
uint64_t store_add(struct store *s, const struct pkt_entry *proto_entry,
                   uint64_t file_off, const uint8_t *bytes);

/* Entry of packet n, or NULL when evicted or not yet published. */
const struct pkt_entry *store_entry(struct store *s, uint64_t n);
/* Copies up to size bytes of packet n into buf; returns bytes copied. */
size_t store_read_bytes(struct store *s, uint64_t n, uint8_t *buf, size_t size);

/*
 * A window of consecutive bytes of the capture file, for reading packets
 * back in order (a display filter's scan, a save): one pread per
 * STORE_WINDOW_BYTES instead of one per packet (a filter over 2 M packets
 * spent most of its 1.8 s in those system calls). Start it zeroed; free
 * its buffer with store_window_free. `reads` counts the preads.
 */
#define STORE_WINDOW_BYTES (256u << 10)
struct store_window {
    uint8_t *buf;
    size_t len;     /* bytes valid at buf */
    uint64_t off;   /* file offset of buf[0] */
    uint64_t reads;
};
/* As store_read_bytes; bytes in the file come through w. */
size_t store_read_bytes_window(struct store *s, struct store_window *w, uint64_t n,
                               uint8_t *buf, size_t size);
void store_window_free(struct store_window *w);

uint64_t store_count(struct store *s);    /* packets added (published) */
uint64_t store_first(struct store *s);    /* oldest packet still stored */
uint64_t store_evicted(struct store *s);  /* packets dropped by the budget */
size_t store_mem_used(struct store *s);
/* For tests: the store goes on as if n packets had come and been evicted
 * (a capture days long, past 4 G packets). Only on a new store. */
void store_start_at(struct store *s, uint64_t n);

#endif
