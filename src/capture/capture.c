/* The only module that calls libpcap's capture functions. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdio_ext.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wirescope/capture.h"
#include "wirescope/sanitize.h"

#define CAPTURE_TIMEOUT_MS 100 /* so a quiet interface still sees stop */

/* Classic pcap files let us record where each packet's bytes are. */
static void probe_file_format(struct capture *cap, const char *path)
{
    cap->file_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (cap->file_fd < 0)
        return;
    uint8_t m[4];
    if (pread(cap->file_fd, m, 4, 0) != 4)
        return;
    uint32_t be = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
                  (uint32_t)m[2] << 8 | m[3];
    bool micro = be == 0xa1b2c3d4 || be == 0xd4c3b2a1;
    bool nano = be == 0xa1b23c4d || be == 0x4d3cb2a1;
    cap->nanosecond = nano;
    cap->offsets_valid = (micro || nano) && pcap_file(cap->pcap) != NULL;
    cap->next_off = 24; /* after the file header */
}

enum { FILE_READ_BUFFER = 1 << 16 };

/*
 * stdio's default 4 KiB buffer costs one read(2) per ~4 packets, a third of
 * a plain read loop's time; 64 KiB cuts the system time by two thirds while
 * staying in L2 (1 MiB was slower: each refill missed the cache). glibc
 * ignores the size unless it is given the buffer. stdin's buffer is static:
 * stdin outlives pcap_close, which does not fclose it.
 */
static void give_read_buffer(struct capture *cap, FILE *fp, bool is_stdin)
{
    static char stdin_buffer[FILE_READ_BUFFER];
    char *buf = is_stdin ? stdin_buffer : malloc(FILE_READ_BUFFER);
    if (!buf)
        return; /* keep stdio's default */
    if (setvbuf(fp, buf, _IOFBF, FILE_READ_BUFFER) != 0) {
        if (!is_stdin)
            free(buf);
        return;
    }
    if (!is_stdin)
        cap->read_buffer = buf;
}

static bool open_file(struct capture *cap, const char *path, char *err,
                      size_t errsz)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    if (!fp) {
        snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    give_read_buffer(cap, fp, is_stdin);
    cap->pcap = pcap_fopen_offline_with_tstamp_precision(
        fp, PCAP_TSTAMP_PRECISION_NANO, perr);
    if (!cap->pcap) {
        if (!is_stdin)
            fclose(fp);
        free(cap->read_buffer);
        cap->read_buffer = NULL;
        if (is_stdin)
            snprintf(err, errsz, "cannot read a capture from standard input: %s", perr);
        else
            snprintf(err, errsz, "cannot read %s: %s", path, perr);
        return false;
    }
    cap->source = is_stdin ? "standard input" : path;
    if (!is_stdin)
        probe_file_format(cap, path);
    else {
        /* stdin: pcap or pcapng, precision from the header magic is not
         * at hand; libpcap scales to nanoseconds either way. */
        cap->nanosecond = false;
    }
    return true;
}

/*
 * The interface to open: the name given, or as tcpdump does, the Nth
 * interface of -D when given a number, or the first one when none is.
 */
static const char *resolve_interface(const char *given, char *err, size_t errsz)
{
    static char name[256];
    size_t digits = given ? strspn(given, "0123456789") : 0;
    if (given && (digits == 0 || given[digits] != '\0'))
        return given;
    long want = given ? strtol(given, NULL, 10) : 1;
    pcap_if_t *devs = NULL;
    char perr[PCAP_ERRBUF_SIZE];
    if (pcap_findalldevs(&devs, perr) != 0) {
        snprintf(err, errsz, "cannot list interfaces: %s", perr);
        return NULL;
    }
    const pcap_if_t *d = devs;
    for (long i = 1; d && i < want; i++)
        d = d->next;
    if (!d || want < 1) {
        if (given)
            snprintf(err, errsz, "no interface number %s (see wirescope -D)", given);
        else
            snprintf(err, errsz, "no capture interface found (run as root, or "
                                 "setcap cap_net_raw,cap_net_admin=eip wirescope)");
        pcap_freealldevs(devs);
        return NULL;
    }
    snprintf(name, sizeof name, "%s", d->name);
    pcap_freealldevs(devs);
    return name;
}

static void activation_error(pcap_t *p, int rc, const char *iface, char *err,
                             size_t errsz)
{
    switch (rc) {
    case PCAP_ERROR_PERM_DENIED:
        snprintf(err, errsz,
                 "no permission to capture on %s: run as root, or grant the "
                 "capability: setcap cap_net_raw,cap_net_admin=eip wirescope",
                 iface);
        break;
    case PCAP_ERROR_NO_SUCH_DEVICE:
        snprintf(err, errsz, "no such interface: %s (see wirescope -D)", iface);
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        snprintf(err, errsz, "interface %s is not up", iface);
        break;
    default:
        snprintf(err, errsz, "cannot capture on %s: %s", iface, pcap_geterr(p));
    }
}

static bool open_live(struct capture *cap, const struct capture_opts *o,
                      char *err, size_t errsz)
{
    const char *iface = resolve_interface(o->iface, err, errsz);
    if (!iface)
        return false;
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(iface, perr);
    if (!p) {
        snprintf(err, errsz, "cannot capture on %s: %s", iface, perr);
        return false;
    }
    cap->pcap = p;
    cap->source = iface;
    cap->live = true;
    pcap_set_snaplen(p, o->snaplen);
    pcap_set_promisc(p, o->promisc ? 1 : 0);
    /* No immediate mode: with it libpcap falls back to TPACKET_V2, one fixed
     * slot per packet (64 KB where offloads are on, so 32 packets in 2 MiB),
     * and wakes this thread per packet; it missed 5-45% of a UDP load on lo
     * that tcpdump took whole (scripts/live-bench.sh). TPACKET_V3 packs
     * packets by size and hands a block over when full or after the
     * timeout, so a packet waits at most CAPTURE_TIMEOUT_MS. */
    pcap_set_timeout(p, CAPTURE_TIMEOUT_MS);
    if (o->buffer_kib > 0)
        pcap_set_buffer_size(p, o->buffer_kib * 1024);
    /* Nanoseconds where the kernel offers them; ignore a refusal. */
    (void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
    int rc = pcap_activate(p);
    if (rc < 0) {
        activation_error(p, rc, iface, err, errsz);
        return false;
    }
    if (rc > 0)
        ws_report("warning: %s: %s", iface,
                rc == PCAP_WARNING_PROMISC_NOTSUP
                    ? "promiscuous mode not supported"
                    : pcap_geterr(p));
    return true;
}

static bool apply_filter(struct capture *cap, const char *filter, char *err,
                         size_t errsz)
{
    struct bpf_program prog;
    if (pcap_compile(cap->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errsz, "invalid filter expression \"%s\": %s", filter,
                 pcap_geterr(cap->pcap));
        return false;
    }
    int rc = pcap_setfilter(cap->pcap, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        snprintf(err, errsz, "cannot set filter: %s", pcap_geterr(cap->pcap));
        return false;
    }
    return true;
}

bool capture_open(struct capture *cap, const struct capture_opts *o,
                  struct ring *ring, char *err, size_t errsz)
{
    memset(cap, 0, sizeof *cap);
    cap->file_fd = -1;
    cap->ring = ring;
    cap->count_limit = o->count;
    bool ok = o->file ? open_file(cap, o->file, err, errsz)
                      : open_live(cap, o, err, errsz);
    if (!ok)
        return false;
    cap->linktype = pcap_datalink(cap->pcap);
    if (o->filter && *o->filter && !apply_filter(cap, o->filter, err, errsz))
        return false;
    if (o->write_file) {
        cap->write_path = o->write_file;
        cap->dumper = pcap_dump_open(cap->pcap, o->write_file);
        if (!cap->dumper) {
            snprintf(err, errsz, "cannot write %s: %s", o->write_file,
                     pcap_geterr(cap->pcap));
            return false;
        }
    }
    return true;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void update_stats(struct capture *cap)
{
    struct pcap_stat st;
    if (!cap->live || pcap_stats(cap->pcap, &st) != 0)
        return;
    atomic_store_explicit(&cap->kernel_drops, st.ps_drop, memory_order_relaxed);
    atomic_store_explicit(&cap->iface_drops, st.ps_ifdrop, memory_order_relaxed);
}

/*
 * A file's reader that finds the ring full naps until the decoder has
 * drained half of it, then refills it in one burst, rather than spinning
 * for room record by record: on two cores a spinning reader holds the CPU
 * the UI needs while the file is indexed (the UI then preempts the
 * decoder), and each look at the decoder's progress pulls that cache line
 * across. Half of the UI's 4 MiB ring is ~2 ms of the decoder's work,
 * against naps of 0.1 ms.
 */
#define FILE_REFILL_NAP_NS 100000

static void *reserve_record(struct capture *cap, size_t len)
{
    unsigned spins = 0;
    for (;;) {
        void *p = ring_reserve(cap->ring, len);
        if (p)
            return p;
        ring_flush(cap->ring); /* the decoder must see all we have */
        if (cap->live)
            return NULL;
        if (atomic_load_explicit(&cap->stop, memory_order_relaxed))
            return NULL;
        if (ring_pending(cap->ring) > cap->ring->size / 2) {
            struct timespec nap = {0, FILE_REFILL_NAP_NS};
            nanosleep(&nap, NULL);
            continue;
        }
        /* over half free and still no room: a record near the largest */
        ring_wait(&spins, RING_SPIN_FILE, 200000);
    }
}

/*
 * Where the packet's bytes are in a classic pcap file. Records follow each
 * other (16-byte header + caplen bytes), so the offset is a running sum,
 * which costs no system call. libpcap shortens a record whose caplen
 * exceeds the file's snapshot length, so for such records (caplen at the
 * snapshot) the position is taken from its stdio stream instead.
 */
static uint64_t packet_file_offset(struct capture *cap, uint32_t caplen)
{
    if (!cap->offsets_valid)
        return CAP_NO_OFFSET;
    if (caplen >= (uint32_t)pcap_snapshot(cap->pcap)) {
        off_t end = ftello(pcap_file(cap->pcap));
        if (end < (off_t)caplen)
            return CAP_NO_OFFSET;
        cap->next_off = (uint64_t)end;
        return (uint64_t)end - caplen;
    }
    uint64_t off = cap->next_off + 16;
    cap->next_off = off + caplen;
    return off;
}

/* Offset just past the last whole record of the pcap file fd, and how many
 * records precede it. */
static off_t pcap_whole_end(int fd, uint64_t *records)
{
    uint8_t h[24];
    *records = 0;
    if (pread(fd, h, 24, 0) != 24)
        return 0;
    bool le = h[0] == 0xd4 || h[0] == 0x4d; /* magic as written on this host */
    struct stat st;
    if (fstat(fd, &st) != 0)
        return 24;
    off_t off = 24;
    uint8_t r[16];
    while (off + 16 <= st.st_size && pread(fd, r, 16, off) == 16) {
        uint32_t caplen = le ? (uint32_t)r[8] | (uint32_t)r[9] << 8 |
                                   (uint32_t)r[10] << 16 | (uint32_t)r[11] << 24
                             : (uint32_t)r[8] << 24 | (uint32_t)r[9] << 16 |
                                   (uint32_t)r[10] << 8 | r[11];
        if (off + 16 + (off_t)caplen > st.st_size)
            break;
        off += 16 + (off_t)caplen;
        (*records)++;
    }
    return off;
}

/*
 * Writing the -w file failed (a full disk, say). What stdio still holds is
 * dropped, the file is cut back to its last whole record so it stays a
 * valid pcap, and capture goes on without it; the exit status reports it.
 */
static void dump_failed(struct capture *cap, int err)
{
    FILE *f = pcap_dump_file(cap->dumper);
    __fpurge(f);
    uint64_t records = 0;
    int rfd = open(cap->write_path, O_RDONLY | O_CLOEXEC); /* f is write-only */
    off_t end = rfd >= 0 ? pcap_whole_end(rfd, &records) : 0;
    if (rfd >= 0)
        close(rfd);
    if (end >= 24 && ftruncate(fileno(f), end) != 0)
        err = errno;
    pcap_dump_close(cap->dumper);
    cap->dumper = NULL;
    atomic_fetch_add_explicit(&cap->write_errors, 1, memory_order_relaxed);
    ws_report("cannot write %s: %s; it keeps the first %" PRIu64
              " packets, capture goes on without it",
            cap->write_path, strerror(err), records);
}

static void dump_check(struct capture *cap, bool flush)
{
    if (!cap->dumper)
        return;
    int rc = flush ? pcap_dump_flush(cap->dumper) : 0;
    if (rc != 0 || ferror(pcap_dump_file(cap->dumper)))
        dump_failed(cap, errno ? errno : EIO);
}

static void handle_packet(struct capture *cap, const struct pcap_pkthdr *h,
                          const u_char *bytes)
{
    if (cap->dumper) {
        errno = 0;
        pcap_dump((u_char *)cap->dumper, h, bytes);
        dump_check(cap, false);
    }
    /* one writer: a plain store, no locked read-modify-write per packet */
    atomic_store_explicit(&cap->captured,
                          atomic_load_explicit(&cap->captured, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    size_t need = sizeof(struct cap_rec) + h->caplen;
    if (need > ring_max_record(cap->ring)) {
        atomic_fetch_add_explicit(&cap->oversize, 1, memory_order_relaxed);
        return;
    }
    uint8_t *slot = reserve_record(cap, need);
    if (!slot) {
        if (cap->live)
            atomic_fetch_add_explicit(&cap->ring_drops, 1, memory_order_relaxed);
        return;
    }
    struct cap_rec rec = {
        .ts_sec = h->ts.tv_sec,
        .ts_nsec = (uint32_t)h->ts.tv_usec,
        .caplen = h->caplen,
        .len = h->len,
        .file_off = packet_file_offset(cap, h->caplen),
    };
    if (pcap_get_tstamp_precision(cap->pcap) == PCAP_TSTAMP_PRECISION_MICRO)
        rec.ts_nsec *= 1000;
    memcpy(slot, &rec, sizeof rec);
    memcpy(slot + sizeof rec, bytes, h->caplen);
    ring_commit_deferred(cap->ring); /* published after the dispatch */
}

static enum capture_end read_error(struct capture *cap)
{
    const char *msg = pcap_geterr(cap->pcap);
    snprintf(cap->error, sizeof cap->error, "%s", msg);
    if (!cap->live && strstr(msg, "truncated"))
        return CAPTURE_TRUNCATED;
    return CAPTURE_ERROR;
}

/*
 * libpcap keeps waiting, silently, while a live interface is down: it
 * polls the interface inside pcap_next_ex, so the capture thread cannot
 * tell. The main thread calls this; it says so once when the link goes
 * down and once when it comes back (when the interface disappears libpcap
 * reports an error and the capture ends).
 */
void capture_watch_link(struct capture *cap)
{
    if (!cap->live || strcmp(cap->source, "any") == 0)
        return;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", cap->source);
    int rc = ioctl(sock, SIOCGIFFLAGS, &ifr);
    close(sock);
    if (rc != 0)
        return; /* gone: libpcap reports that */
    bool up = ifr.ifr_flags & IFF_UP;
    if (up == !cap->link_down)
        return;
    cap->link_down = !up;
    if (up)
        ws_report("interface %s is up again; capture goes on", cap->source);
    else
        ws_report("interface %s is down; waiting for it (Ctrl-C to stop)", cap->source);
}

static void periodic(struct capture *cap, uint64_t *next_ms)
{
    uint64_t t = now_ms();
    if (t < *next_ms)
        return;
    *next_ms = t + 1000;
    update_stats(cap);
    dump_check(cap, true);
}

bool capture_request_filter(struct capture *cap, const char *expr)
{
    size_t n = strlen(expr) + 1;
    char *copy = malloc(n);
    if (!copy)
        return false;
    memcpy(copy, expr, n);
    char *none = NULL;
    if (!atomic_compare_exchange_strong(&cap->filter_request, &none, copy)) {
        free(copy);
        return false;
    }
    return true;
}

/* Capture thread: a filter the UI asked for, applied between reads. */
static void apply_requested_filter(struct capture *cap)
{
    if (!atomic_load_explicit(&cap->filter_request, memory_order_relaxed))
        return;
    char *expr = atomic_exchange_explicit(&cap->filter_request, NULL, memory_order_acquire);
    if (!expr)
        return;
    char err[sizeof cap->filter_error];
    cap->filter_failed = !apply_filter(cap, expr, err, sizeof err);
    if (cap->filter_failed)
        snprintf(cap->filter_error, sizeof cap->filter_error, "%s", err);
    free(expr);
    atomic_fetch_add_explicit(&cap->filter_done, 1, memory_order_release);
}

/* Packets per pcap_dispatch from a file: how often a stop or a new filter
 * is looked at. Live capture takes whatever the kernel block holds. */
#define FILE_DISPATCH_BATCH 256

struct dispatch_ctx {
    struct capture *cap;
    uint64_t handled;
    bool count_reached;
};

/* pcap_dispatch's callback: straight from libpcap's buffer (the kernel's
 * ring when live) into ours; pcap_next_ex would copy each packet once more. */
static void on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct dispatch_ctx *ctx = (struct dispatch_ctx *)arg;
    handle_packet(ctx->cap, h, bytes);
    if (ctx->cap->count_limit && ++ctx->handled >= ctx->cap->count_limit) {
        ctx->count_reached = true;
        pcap_breakloop(ctx->cap->pcap);
    }
}

/* How a pcap_dispatch that read nothing ended the capture, if it did. */
static bool dispatch_ended(struct capture *cap, int rc, const struct dispatch_ctx *ctx,
                           enum capture_end *end)
{
    if (rc == 0 && cap->live)
        return false; /* the timeout: nothing arrived */
    if (rc == 0) {
        *end = CAPTURE_EOF;
    } else if (rc == PCAP_ERROR_BREAK) {
        *end = ctx->count_reached ? CAPTURE_COUNT : CAPTURE_STOPPED;
    } else {
        *end = read_error(cap);
    }
    return true;
}

void *capture_thread(void *arg)
{
    struct capture *cap = arg;
    pthread_setname_np(pthread_self(), "ws-capture");
    enum capture_end end = CAPTURE_STOPPED;
    uint64_t next_ms = now_ms() + 1000;
    struct dispatch_ctx ctx = {.cap = cap};
    int batch = cap->live ? -1 : FILE_DISPATCH_BATCH;
    while (!atomic_load_explicit(&cap->stop, memory_order_relaxed)) {
        apply_requested_filter(cap);
        int rc = pcap_dispatch(cap->pcap, batch, on_packet, (u_char *)&ctx);
        ring_flush(cap->ring);
        if (ctx.count_reached) {
            end = CAPTURE_COUNT;
            break;
        }
        if (rc > 0) {
            if (cap->live)
                periodic(cap, &next_ms);
            continue;
        }
        if (dispatch_ended(cap, rc, &ctx, &end))
            break;
        periodic(cap, &next_ms);
    }
    ring_flush(cap->ring); /* before the end is published: see decoder.c */
    update_stats(cap);
    atomic_store_explicit(&cap->end, end, memory_order_release);
    return NULL;
}

void capture_request_stop(struct capture *cap)
{
    atomic_store(&cap->stop, true);
    if (cap->pcap)
        pcap_breakloop(cap->pcap);
}

void capture_close(struct capture *cap)
{
    free(atomic_exchange(&cap->filter_request, NULL));
    dump_check(cap, true);
    if (cap->dumper) {
        pcap_dump_close(cap->dumper);
        cap->dumper = NULL;
    }
    if (cap->pcap) {
        pcap_close(cap->pcap);
        cap->pcap = NULL;
    }
    free(cap->read_buffer); /* after pcap_close: its FILE read into it */
    cap->read_buffer = NULL;
    if (cap->file_fd >= 0) {
        close(cap->file_fd);
        cap->file_fd = -1;
    }
}

static void print_flags(FILE *out, bpf_u_int32 flags)
{
    const char *sep = " [";
    if (flags & PCAP_IF_UP) {
        fprintf(out, "%sUp", sep);
        sep = ", ";
    }
    if (flags & PCAP_IF_RUNNING) {
        fprintf(out, "%sRunning", sep);
        sep = ", ";
    }
    if (flags & PCAP_IF_LOOPBACK) {
        fprintf(out, "%sLoopback", sep);
        sep = ", ";
    }
    if (strcmp(sep, ", ") == 0)
        fputc(']', out);
}

bool capture_list_interfaces(FILE *out, char *err, size_t errsz)
{
    pcap_if_t *devs = NULL;
    char perr[PCAP_ERRBUF_SIZE];
    if (pcap_findalldevs(&devs, perr) != 0) {
        snprintf(err, errsz, "cannot list interfaces: %s", perr);
        return false;
    }
    int i = 1;
    for (pcap_if_t *d = devs; d; d = d->next, i++) {
        fprintf(out, "%d.%s", i, d->name);
        if (d->description)
            fprintf(out, " (%s)", d->description);
        print_flags(out, d->flags);
        fputc('\n', out);
    }
    pcap_freealldevs(devs);
    return true;
}
