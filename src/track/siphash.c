/*
 * SipHash (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012)
 * with 64-bit output, written from the paper's description.
 *
 * The state v0..v3 is initialised from the 128-bit key (k0, k1) XORed with
 * "somepseudorandomlygeneratedbytes"; the message is processed in 8-byte
 * little-endian words m (v3 ^= m; c SipRounds; v0 ^= m); the last word holds
 * the remaining 0..7 bytes with (len mod 256) in its top byte; finalisation
 * is v2 ^= 0xff, d SipRounds, output v0 ^ v1 ^ v2 ^ v3.
 *
 * siphash13 is the c=1, d=3 variant used for hash tables (as in Rust and
 * CPython); siphash_rounds takes the round counts, so the known SipHash-2-4
 * vectors of the paper can check the shared code too.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "wirescope/flow.h"

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

/* Reads 8 bytes as a little-endian word whatever the host order. */
static inline uint64_t load_le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#else
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
           (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
           (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
#endif
}

#define SIPROUND                                                               \
    do {                                                                       \
        v0 += v1;                                                              \
        v1 = rotl64(v1, 13);                                                   \
        v1 ^= v0;                                                              \
        v0 = rotl64(v0, 32);                                                   \
        v2 += v3;                                                              \
        v3 = rotl64(v3, 16);                                                   \
        v3 ^= v2;                                                              \
        v0 += v3;                                                              \
        v3 = rotl64(v3, 21);                                                   \
        v3 ^= v0;                                                              \
        v2 += v1;                                                              \
        v1 = rotl64(v1, 17);                                                   \
        v1 ^= v2;                                                              \
        v2 = rotl64(v2, 32);                                                   \
    } while (0)

/* Shared body; inlined with constant round counts for siphash13. */
static inline uint64_t siphash_core(const void *data, size_t len, uint64_t k0,
                                    uint64_t k1, int c, int d)
{
    const uint8_t *p = data;
    uint64_t v0 = k0 ^ 0x736f6d6570736575ull; /* "somepseudorandomlygeneratedbytes" */
    uint64_t v1 = k1 ^ 0x646f72616e646f6dull;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ull;
    uint64_t v3 = k1 ^ 0x7465646279746573ull;

    const uint8_t *end = p + (len & ~(size_t)7);
    for (; p != end; p += 8) {
        uint64_t m = load_le64(p);
        v3 ^= m;
        for (int i = 0; i < c; i++)
            SIPROUND;
        v0 ^= m;
    }

    uint64_t b = (uint64_t)(len & 0xff) << 56;
    switch (len & 7) {
    case 7: b |= (uint64_t)p[6] << 48; /* fall through */
    case 6: b |= (uint64_t)p[5] << 40; /* fall through */
    case 5: b |= (uint64_t)p[4] << 32; /* fall through */
    case 4: b |= (uint64_t)p[3] << 24; /* fall through */
    case 3: b |= (uint64_t)p[2] << 16; /* fall through */
    case 2: b |= (uint64_t)p[1] << 8;  /* fall through */
    case 1: b |= (uint64_t)p[0];       /* fall through */
    case 0: break;
    }
    v3 ^= b;
    for (int i = 0; i < c; i++)
        SIPROUND;
    v0 ^= b;

    v2 ^= 0xff;
    for (int i = 0; i < d; i++)
        SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t siphash13(const void *data, size_t len, uint64_t k0, uint64_t k1)
{
    return siphash_core(data, len, k0, k1, 1, 3);
}

uint64_t siphash_rounds(const void *data, size_t len, uint64_t k0, uint64_t k1,
                        int c_rounds, int d_rounds)
{
    return siphash_core(data, len, k0, k1, c_rounds, d_rounds);
}

uint64_t hash_key_random(void)
{
    uint64_t k;
    if (getrandom(&k, sizeof k, 0) != (ssize_t)sizeof k) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        k = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15u ^ (uint64_t)ts.tv_sec ^
            (uint64_t)getpid() << 32;
    }
    return k;
}
