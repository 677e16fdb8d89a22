/* Bounds-checked reader over untrusted packet bytes. */
#ifndef WIRESCOPE_CURSOR_H
#define WIRESCOPE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A cursor reads forward through [p, end). Every getter checks the length
 * first; once a read would pass `end` the cursor is marked short (sticky),
 * the getter returns 0 and the position does not move. `base` is the first
 * byte of the packet, so cur_offset() gives offsets for the hex view.
 *
 * The bounds test is written as `n > end - p` (never `p + n > end`) so that
 * it cannot overflow and the compiler cannot remove it.
 */
struct cursor {
    const uint8_t *base;
    const uint8_t *p;
    const uint8_t *end;
    bool short_read;
};

static inline struct cursor cur_make(const uint8_t *data, size_t len)
{
    struct cursor c = {data, data, data + len, false};
    return c;
}

static inline size_t cur_left(const struct cursor *c)
{
    return (size_t)(c->end - c->p);
}

static inline uint32_t cur_offset(const struct cursor *c)
{
    return (uint32_t)(c->p - c->base);
}

static inline bool cur_ok(const struct cursor *c) { return !c->short_read; }

static inline bool cur_has(struct cursor *c, size_t n)
{
    if (n > cur_left(c)) {
        c->short_read = true;
        return false;
    }
    return true;
}

static inline uint8_t cur_u8(struct cursor *c)
{
    if (!cur_has(c, 1))
        return 0;
    return *c->p++;
}

static inline uint16_t cur_be16(struct cursor *c)
{
    if (!cur_has(c, 2))
        return 0;
    uint16_t v = (uint16_t)((uint16_t)c->p[0] << 8 | c->p[1]);
    c->p += 2;
    return v;
}

static inline uint16_t cur_le16(struct cursor *c)
{
    if (!cur_has(c, 2))
        return 0;
    uint16_t v = (uint16_t)((uint16_t)c->p[1] << 8 | c->p[0]);
    c->p += 2;
    return v;
}

static inline uint32_t cur_be32(struct cursor *c)
{
    if (!cur_has(c, 4))
        return 0;
    uint32_t v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
                 (uint32_t)c->p[2] << 8 | c->p[3];
    c->p += 4;
    return v;
}

static inline uint32_t cur_le32(struct cursor *c)
{
    if (!cur_has(c, 4))
        return 0;
    uint32_t v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 |
                 (uint32_t)c->p[1] << 8 | c->p[0];
    c->p += 4;
    return v;
}

/* Copies n bytes into dst (zero-filled when short). */
static inline bool cur_copy(struct cursor *c, void *dst, size_t n)
{
    if (!cur_has(c, n)) {
        memset(dst, 0, n);
        return false;
    }
    memcpy(dst, c->p, n);
    c->p += n;
    return true;
}

/* Returns a pointer to the next n bytes and moves past them, or NULL. */
static inline const uint8_t *cur_take(struct cursor *c, size_t n)
{
    if (!cur_has(c, n))
        return NULL;
    const uint8_t *q = c->p;
    c->p += n;
    return q;
}

static inline bool cur_skip(struct cursor *c, size_t n)
{
    return cur_take(c, n) != NULL;
}

/* Peeks at byte i ahead without moving; 0 and short when absent. */
static inline uint8_t cur_peek8(struct cursor *c, size_t i)
{
    if (!cur_has(c, i + 1))
        return 0;
    return c->p[i];
}

/*
 * Narrows reads to the next n bytes (a declared inner length). When fewer
 * than n remain, the sub-cursor covers what is there and is already short,
 * and the parent is marked short too. The parent moves past the region.
 */
static inline struct cursor cur_sub(struct cursor *c, size_t n)
{
    struct cursor s = *c;
    s.short_read = false;
    if (n > cur_left(c)) {
        s.short_read = true;
        c->short_read = true;
        c->p = c->end;
        return s;
    }
    s.end = c->p + n;
    c->p += n;
    return s;
}

#endif
