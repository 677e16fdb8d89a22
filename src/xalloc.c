/* Aborting allocators: running out of memory is not recoverable here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wirescope/xalloc.h"

static void out_of_memory(size_t n)
{
    fprintf(stderr, "wirescope: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

void *xalloc_populated(size_t n)
{
    size_t sz = (n + 63) & ~(size_t)63; /* aligned_alloc wants a multiple */
    void *p = aligned_alloc(64, sz ? sz : 64);
    if (!p)
        out_of_memory(n);
#ifdef MADV_POPULATE_WRITE
    const uintptr_t page = 4096;
    uintptr_t from = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t to = ((uintptr_t)p + n) & ~(page - 1);
    if (to > from) /* fails harmlessly before Linux 5.14: faults as it goes */
        (void)madvise((void *)from, to - from, MADV_POPULATE_WRITE);
#endif
    return p;
}

#define HUGE_PAGE ((size_t)2 << 20)

void *xalloc_big(size_t n, bool zero)
{
    size_t align = n >= HUGE_PAGE ? HUGE_PAGE : 64;
    size_t sz = (n + align - 1) & ~(align - 1); /* aligned_alloc wants this */
    void *p = aligned_alloc(align, sz ? sz : align);
    if (!p)
        out_of_memory(n);
#ifdef MADV_HUGEPAGE
    if (align == HUGE_PAGE)
        (void)madvise(p, sz, MADV_HUGEPAGE);
#endif
    if (zero)
        memset(p, 0, n);
    return p;
}
