/* Batch writers: packets and flows as text or JSON Lines on stdout. */
#ifndef WIRESCOPE_BATCH_H
#define WIRESCOPE_BATCH_H

#include <stdbool.h>
#include <stdio.h>

#include "wirescope/decoder.h"
#include "wirescope/flow.h"

struct batch {
    FILE *out;
    bool json;
    bool nano; /* print nanosecond times */
    bool have_first;
    int64_t first_sec;
    uint32_t first_nsec;
    const struct app_tracker *apps; /* names flows' parents; may be NULL */
    char line[16384];
};

void batch_init(struct batch *b, FILE *out, bool json, bool nano);
/* decoded_fn for the packet list. */
void batch_write_packet(const struct decoded *d, void *batch);
/* The conversation table, in flow id order. */
void batch_write_flows(struct batch *b, struct flow_table *flows);
/* A connection's reassembled streams (--follow). */
void batch_write_follow(struct batch *b, const struct conn *c, struct store *s,
                        int linktype);
/* The TCP connection table, in connection id order. */
void batch_write_conns(struct batch *b, struct conn_table *conns);
/* Request/response transactions in id order; times relative to first_ns
 * (the capture's first packet). */
void batch_write_transactions(struct batch *b, const struct app_tracker *apps,
                              uint64_t first_ns);

#endif
