/* libpcap input (live interface, file, stdin), filter, -w dump, capture thread. */
#ifndef WIRESCOPE_CAPTURE_H
#define WIRESCOPE_CAPTURE_H

#include <pcap/pcap.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "wirescope/ring.h"

/* Header of each packet record in the ring; the captured bytes follow. */
struct cap_rec {
    int64_t ts_sec;
    uint32_t ts_nsec;
    uint32_t caplen;
    uint32_t len;
    uint32_t reserved;
    uint64_t file_off; /* offset of the bytes in the -r file, or CAP_NO_OFFSET */
};
#define CAP_NO_OFFSET UINT64_MAX

struct capture_opts {
    const char *iface;      /* live interface, or NULL */
    const char *file;       /* -r FILE or "-" for stdin, or NULL */
    const char *write_file; /* -w FILE, or NULL */
    const char *filter;     /* BPF expression, or NULL */
    int snaplen;
    int buffer_kib;         /* -B, 0 = libpcap default */
    bool promisc;
    uint64_t count;         /* -c, 0 = unlimited */
};

enum capture_end {
    CAPTURE_RUNNING = 0,
    CAPTURE_EOF,       /* end of file */
    CAPTURE_COUNT,     /* -c reached */
    CAPTURE_STOPPED,   /* stop requested (signal, --duration) */
    CAPTURE_TRUNCATED, /* file ended inside a record */
    CAPTURE_ERROR,     /* read error: see error text */
};

struct capture {
    pcap_t *pcap;
    pcap_dumper_t *dumper;
    struct ring *ring;
    int linktype;
    bool live;
    bool link_down;     /* main thread: the interface was seen down */
    bool nanosecond;    /* timestamps printed with 9 digits */
    bool offsets_valid; /* cap_rec.file_off usable (classic pcap file) */
    uint64_t next_off;  /* file offset of the next record header */
    int file_fd;        /* fd of the -r file for reading bytes back, or -1 */
    char *read_buffer;  /* stdio buffer of the -r stream; freed after pcap_close */
    const char *source; /* interface or file name for messages */
    const char *write_path; /* the -w file */
    uint64_t count_limit;

    _Atomic bool stop;
    _Atomic int end;               /* enum capture_end */
    _Atomic uint64_t captured;     /* packets handed over or dropped */
    _Atomic uint64_t ring_drops;   /* live: ring full */
    _Atomic uint64_t oversize;     /* records larger than the ring allows */
    _Atomic uint64_t kernel_drops; /* pcap_stats ps_drop */
    _Atomic uint64_t iface_drops;  /* pcap_stats ps_ifdrop */
    _Atomic uint64_t write_errors;
    char error[PCAP_ERRBUF_SIZE + 128];
    /* A new capture filter asked for by the UI: a heap string the capture
     * thread takes (exchanging NULL in) and applies with pcap_setfilter
     * between reads; filter_done counts the requests handled and is
     * stored with release after filter_failed and filter_error. */
    _Atomic(char *) filter_request;
    _Atomic uint64_t filter_done;
    bool filter_failed;
    char filter_error[PCAP_ERRBUF_SIZE + 128];
};

/* Opens the source and the -w file, applies the filter. On failure returns
 * false with one line (no newline) in err. */
bool capture_open(struct capture *cap, const struct capture_opts *opts,
                  struct ring *ring, char *err, size_t errsz);
/* Capture thread body: reads until end of input, -c, or stop. */
void *capture_thread(void *arg);
/* Asks the capture thread to stop (any thread; async-signal-safe parts). */
void capture_request_stop(struct capture *cap);
/* Main thread, about once a second: reports a live interface going down
 * and coming back. */
void capture_watch_link(struct capture *cap);
/* Any thread: asks the capture thread to replace the capture filter by
 * expr ("" accepts everything). False when a previous request is still
 * pending. The outcome shows in filter_done / filter_failed. */
bool capture_request_filter(struct capture *cap, const char *expr);
/* Closes the handle and flushes/closes the -w file. */
void capture_close(struct capture *cap);

/* Prints the interfaces like tcpdump -D; returns false on error. */
bool capture_list_interfaces(FILE *out, char *err, size_t errsz);

#endif
