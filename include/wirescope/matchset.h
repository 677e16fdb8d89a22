/*
 * The display filter's matches: a set of packet numbers (from 0), added in
 * increasing order, that the packet list pages through by rank ("the
 * row-th match") and trims from below as the store evicts its oldest
 * packets.
 *
 * A bitmap, one bit per packet number from the oldest chunk kept, in
 * chunks of MATCHSET_CHUNK_BITS; each chunk keeps its count of matches and
 * the count before each 512-bit block, so the row-th match is found by two
 * binary searches and a few popcounts. Memory follows the packets the
 * store holds, not how many match nor how many the capture has seen: a
 * filter matching most of 2 M packets takes 256 KiB (a list of 32-bit
 * numbers took 7.6 MB), and a live capture running for days keeps only
 * the chunks its store still covers. Numbers are 64-bit throughout.
 */
#ifndef WIRESCOPE_MATCHSET_H
#define WIRESCOPE_MATCHSET_H

#include <stdbool.h>
#include <stdint.h>

#define MATCHSET_CHUNK_SHIFT 16
#define MATCHSET_CHUNK_BITS (1u << MATCHSET_CHUNK_SHIFT)

struct matchset_chunk;

/* A chunk's place: the chunk (NULL while nothing in it matched) and the
 * matches before it, trimmed ones too. */
struct matchset_slot {
    struct matchset_chunk *chunk;
    uint64_t before;
};

struct matchset {
    struct matchset_slot *chunks; /* chunks[i]: chunk number first_chunk + i */
    uint64_t first_chunk;
    uint64_t nchunks, cap;
    uint64_t dropped; /* matches in chunks trimmed away */
    uint64_t total;   /* matches added since the last clear */
    uint64_t last;    /* the last number added + 1 (0: none) */
};

void matchset_init(struct matchset *m);
void matchset_free(struct matchset *m);
/* Empties the set (a new filter): frees every chunk. */
void matchset_clear(struct matchset *m);
/* Adds number x, greater than every number added before. */
void matchset_add(struct matchset *m, uint64_t x);
/* Whether x is in the set (false for numbers trimmed away); the tests
 * check the bitmap with it. */
bool matchset_has(const struct matchset *m, uint64_t x);
/* Matches below x, counting those trimmed away. */
uint64_t matchset_rank(const struct matchset *m, uint64_t x);
/* The k-th match from 0 in the order added, counting those trimmed away;
 * UINT64_MAX when k is trimmed away or beyond the last. */
uint64_t matchset_select(const struct matchset *m, uint64_t k);
/* Frees the chunks holding only numbers below first. */
void matchset_trim(struct matchset *m, uint64_t first);
/* dst becomes a copy of src (dst initialised, its chunks replaced). */
void matchset_copy(struct matchset *dst, const struct matchset *src);
/* Bytes allocated (the tests check memory follows the packets kept). */
uint64_t matchset_bytes(const struct matchset *m);

#endif
