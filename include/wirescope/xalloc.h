/* Allocation that aborts with a message instead of returning NULL. */
#ifndef WIRESCOPE_XALLOC_H
#define WIRESCOPE_XALLOC_H

#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/*
 * Large arrays read at random (the flow table's index and records):
 * cache-line aligned, and from 2 MiB on aligned to and
 * advised for transparent huge pages, so that a TLB miss does not add a
 * page walk to each cache miss (about 10% of a flow update with a million
 * flows) and a 2 MiB chunk costs one page fault, not 512. Zeroed when
 * asked; freed with free().
 */
void *xalloc_big(size_t n, bool zero);
/* xmalloc, cache-line aligned, whose pages are mapped in one call
 * (MADV_POPULATE_WRITE) rather
 * than by a fault on each first write: for a buffer that will be filled
 * soon and whole. In a VM whose host maps guest memory lazily, a 4 KiB
 * fault cost the decoder ~4 us; 16 k of them went to the 2 M-packet
 * file's packet index. */
void *xalloc_populated(size_t n);

#endif
