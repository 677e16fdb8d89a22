/* The full-screen terminal UI (ncursesw): packet list, packet detail,
 * flows, TCP connections and one connection's ladder, timeline and
 * streams. It runs in the main thread and reads only what the decoder
 * thread builds for it through the query mailbox (wirescope/query.h). */
#ifndef WIRESCOPE_UI_H
#define WIRESCOPE_UI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "wirescope/capture.h"
#include "wirescope/decoder.h"
#include "wirescope/query.h"

struct ui_opts {
    struct capture *cap;
    struct decoder *dec;
    struct query *q;
    bool open_conn;          /* --conn ID: start on that connection */
    uint64_t conn_id;
    double duration;         /* --duration: stop capturing after it (0: no) */
    const char *capture_filter; /* the BPF expression given on the command line */
    const char *notice;      /* shown on the message line at start (make run) */
    FILE *trace;             /* WIRESCOPE_TRACE: key and frame times, or NULL
                                (opened before root is given up; closed by ui_run) */
    uint64_t start_ns;       /* CLOCK_MONOTONIC when wirescope started */
};

/* Runs the UI until q or a signal (SIGINT, SIGTERM, SIGHUP, which the
 * caller has blocked in every thread); the terminal is restored on every
 * way out. Stops the capture and releases the decoder before it returns.
 * Returns the exit status. */
int ui_run(const struct ui_opts *o);

/* Without a terminal: posts `requests` requests of every kind (views,
 * scrolling, filters) as the UI would and checks each response; for the
 * ThreadSanitizer run of the snapshot path. Returns the exit status. */
int ui_selftest(const struct ui_opts *o, long requests);

#endif
