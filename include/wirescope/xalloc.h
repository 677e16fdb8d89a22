/* Allocation that aborts with a message instead of returning NULL. */
#ifndef WIRESCOPE_XALLOC_H
#define WIRESCOPE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);

#endif
