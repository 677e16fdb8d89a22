/* The display filter's matches as a chunked bitmap with ranks: see
 * wirescope/matchset.h. */
#include <stdlib.h>
#include <string.h>

#include "wirescope/matchset.h"
#include "wirescope/xalloc.h"

#define BLOCK_WORDS 8 /* a block: 512 bits, the unit of the rank index */
#define CHUNK_WORDS (MATCHSET_CHUNK_BITS / 64)
#define CHUNK_BLOCKS (CHUNK_WORDS / BLOCK_WORDS)
#define CHUNK_MASK (MATCHSET_CHUNK_BITS - 1u)

struct matchset_chunk {
    uint32_t count;    /* matches in this chunk */
    uint32_t filled;   /* blocks whose block_rank is set: up to the last added */
    /* matches in this chunk before block b (b < filled; later blocks are
     * still empty, so `count` is the rank there) */
    uint16_t block_rank[CHUNK_BLOCKS];
    uint64_t words[CHUNK_WORDS];
};
_Static_assert(CHUNK_BLOCKS * 512u <= 65536u, "block ranks fit in 16 bits");

void matchset_init(struct matchset *m)
{
    memset(m, 0, sizeof *m);
}

void matchset_clear(struct matchset *m)
{
    for (uint64_t i = 0; i < m->nchunks; i++)
        free(m->chunks[i].chunk);
    free(m->chunks);
    matchset_init(m);
}

void matchset_free(struct matchset *m)
{
    matchset_clear(m);
}

/* The chunk for chunk number cn, made (after empty places for the chunks
 * between) when it is past the last. */
static struct matchset_chunk *chunk_for_add(struct matchset *m, uint64_t cn)
{
    if (m->nchunks == 0)
        m->first_chunk = cn;
    uint64_t i = cn - m->first_chunk;
    if (i >= m->nchunks) {
        if (i >= m->cap) {
            uint64_t cap = m->cap ? m->cap * 2 : 16;
            while (cap <= i)
                cap *= 2;
            m->chunks = xrealloc(m->chunks, cap * sizeof *m->chunks);
            m->cap = cap;
        }
        /* numbers come in order: every match so far is before these */
        for (uint64_t k = m->nchunks; k <= i; k++)
            m->chunks[k] = (struct matchset_slot){NULL, m->total};
        m->nchunks = i + 1;
    }
    if (!m->chunks[i].chunk)
        m->chunks[i].chunk = xcalloc(1, sizeof *m->chunks[i].chunk);
    return m->chunks[i].chunk;
}

void matchset_add(struct matchset *m, uint64_t x)
{
    if (m->total && x < m->last)
        return; /* out of order: never, by contract */
    struct matchset_chunk *c = chunk_for_add(m, x >> MATCHSET_CHUNK_SHIFT);
    uint32_t off = (uint32_t)(x & CHUNK_MASK);
    uint32_t block = off / (BLOCK_WORDS * 64);
    while (c->filled <= block)
        c->block_rank[c->filled++] = (uint16_t)c->count;
    c->words[off / 64] |= 1ull << (off % 64);
    c->count++;
    m->total++;
    m->last = x + 1;
}

static const struct matchset_chunk *chunk_of(const struct matchset *m, uint64_t x)
{
    uint64_t cn = x >> MATCHSET_CHUNK_SHIFT;
    if (m->nchunks == 0 || cn < m->first_chunk || cn - m->first_chunk >= m->nchunks)
        return NULL;
    return m->chunks[cn - m->first_chunk].chunk;
}

bool matchset_has(const struct matchset *m, uint64_t x)
{
    const struct matchset_chunk *c = chunk_of(m, x);
    uint32_t off = (uint32_t)(x & CHUNK_MASK);
    return c && (c->words[off / 64] >> (off % 64) & 1);
}

/* Matches in chunk c before offset off. */
static uint64_t rank_in_chunk(const struct matchset_chunk *c, uint32_t off)
{
    uint32_t block = off / (BLOCK_WORDS * 64);
    if (block >= c->filled)
        return c->count;
    uint64_t r = c->block_rank[block];
    for (uint32_t w = block * BLOCK_WORDS; w < off / 64; w++)
        r += (uint64_t)__builtin_popcountll(c->words[w]);
    if (off % 64)
        r += (uint64_t)__builtin_popcountll(c->words[off / 64] &
                                            ((1ull << (off % 64)) - 1));
    return r;
}

uint64_t matchset_rank(const struct matchset *m, uint64_t x)
{
    if (m->total == 0 || x >= m->last)
        return m->total;
    if (m->nchunks == 0 || (x >> MATCHSET_CHUNK_SHIFT) < m->first_chunk)
        return m->dropped;
    uint64_t i = (x >> MATCHSET_CHUNK_SHIFT) - m->first_chunk;
    if (i >= m->nchunks)
        return m->total;
    const struct matchset_slot *sl = &m->chunks[i];
    return sl->before +
           (sl->chunk ? rank_in_chunk(sl->chunk, (uint32_t)(x & CHUNK_MASK)) : 0);
}

/* The bit of the r-th set bit of w (r < popcount(w)). */
static unsigned select_in_word(uint64_t w, uint64_t r)
{
    while (r--)
        w &= w - 1;
    return (unsigned)__builtin_ctzll(w);
}

static uint64_t select_in_chunk(const struct matchset_chunk *c, uint64_t r)
{
    uint32_t lo = 0, hi = c->filled; /* the last block with rank <= r */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->block_rank[mid] <= r)
            lo = mid;
        else
            hi = mid;
    }
    r -= c->block_rank[lo];
    for (uint32_t w = lo * BLOCK_WORDS; w < CHUNK_WORDS; w++) {
        uint64_t n = (uint64_t)__builtin_popcountll(c->words[w]);
        if (r < n)
            return (uint64_t)w * 64 + select_in_word(c->words[w], r);
        r -= n;
    }
    return UINT64_MAX; /* not reached: r < count */
}

uint64_t matchset_select(const struct matchset *m, uint64_t k)
{
    if (k < m->dropped || k >= m->total)
        return UINT64_MAX;
    /* The last place whose `before` is <= k holds it: an empty place there
     * would have the next place's `before` too, which is > k only if the
     * empty one held a match. */
    uint64_t lo = 0, hi = m->nchunks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (m->chunks[mid].before <= k)
            lo = mid;
        else
            hi = mid;
    }
    const struct matchset_slot *sl = &m->chunks[lo];
    if (!sl->chunk || sl->before > k)
        return UINT64_MAX; /* not reached */
    uint64_t off = select_in_chunk(sl->chunk, k - sl->before);
    if (off == UINT64_MAX)
        return UINT64_MAX;
    return ((m->first_chunk + lo) << MATCHSET_CHUNK_SHIFT) + off;
}

void matchset_trim(struct matchset *m, uint64_t first)
{
    uint64_t gone = 0;
    while (gone < m->nchunks &&
           ((m->first_chunk + gone + 1) << MATCHSET_CHUNK_SHIFT) <= first) {
        const struct matchset_slot *sl = &m->chunks[gone];
        m->dropped = sl->before + (sl->chunk ? sl->chunk->count : 0);
        free(sl->chunk);
        gone++;
    }
    if (gone == 0)
        return;
    memmove(m->chunks, m->chunks + gone, (m->nchunks - gone) * sizeof *m->chunks);
    m->nchunks -= gone;
    m->first_chunk += gone;
    if (m->cap > 64 && m->nchunks < m->cap / 4) { /* give back a long-gone peak */
        m->cap /= 2;
        m->chunks = xrealloc(m->chunks, m->cap * sizeof *m->chunks);
    }
}

void matchset_copy(struct matchset *dst, const struct matchset *src)
{
    matchset_clear(dst);
    *dst = *src;
    dst->chunks = NULL;
    dst->cap = src->nchunks;
    if (src->nchunks == 0)
        return;
    dst->chunks = xmalloc(src->nchunks * sizeof *dst->chunks);
    for (uint64_t i = 0; i < src->nchunks; i++) {
        dst->chunks[i] = src->chunks[i];
        if (src->chunks[i].chunk) {
            dst->chunks[i].chunk = xmalloc(sizeof *dst->chunks[i].chunk);
            memcpy(dst->chunks[i].chunk, src->chunks[i].chunk,
                   sizeof *dst->chunks[i].chunk);
        }
    }
}

uint64_t matchset_bytes(const struct matchset *m)
{
    uint64_t n = m->cap * sizeof *m->chunks;
    for (uint64_t i = 0; i < m->nchunks; i++)
        if (m->chunks[i].chunk)
            n += sizeof *m->chunks[i].chunk;
    return n;
}
