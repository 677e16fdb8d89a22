/* wirescope: options, thread start and orderly shutdown. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wirescope/batch.h"
#include "wirescope/capture.h"
#include "wirescope/conn.h"
#include "wirescope/decoder.h"
#include "wirescope/flow.h"
#include "wirescope/privdrop.h"
#include "wirescope/render.h"
#include "wirescope/rtp_stats.h"
#include "wirescope/render_exchange.h"
#include "wirescope/sanitize.h"
#include "wirescope/ring.h"
#include "wirescope/store.h"
#include "wirescope/ui.h"
#include "wirescope/xalloc.h"

#ifndef WIRESCOPE_VERSION
#define WIRESCOPE_VERSION "0.0.0"
#endif

enum mode { MODE_PACKETS, MODE_FLOWS, MODE_CONNS, MODE_LADDER, MODE_FOLLOW,
            MODE_TRANSACTIONS, MODE_RTP_STREAMS, MODE_UI };

struct options {
    struct capture_opts cap;
    enum mode mode;
    bool json;
    bool list_interfaces;
    bool verify_checksums;
    const char *user;
    double duration;
    uint64_t mem_mib;
    uint64_t ring_mib;
    bool ring_given;
    uint64_t max_flows;
    uint64_t max_conns;
    uint64_t max_txns;
    uint64_t ladder_id;
    bool ladder_flow; /* --ladder flow:ID: a flow's exchange, not a TCP connection */
    int modes_given;
    bool conn_given;  /* --conn ID: the UI opens on connection ID */
    uint64_t conn_id;
    long ui_selftest; /* WIRESCOPE_UI_SELFTEST=N: the UI's requests, headless */
};

enum {
    OPT_PACKETS = 256,
    OPT_FLOWS,
    OPT_JSON,
    OPT_DURATION,
    OPT_MEM,
    OPT_RING,
    OPT_MAX_FLOWS,
    OPT_MAX_CONNS,
    OPT_CONNS,
    OPT_LADDER,
    OPT_FOLLOW,
    OPT_VERIFY_CSUM,
    OPT_VERSION,
    OPT_TRANSACTIONS,
    OPT_RTP_STREAMS,
    OPT_MAX_TXNS,
    OPT_DISABLE_PROTO,
    OPT_CONN,
};

static const struct option long_options[] = {
    {"interface", required_argument, NULL, 'i'},
    {"read", required_argument, NULL, 'r'},
    {"write", required_argument, NULL, 'w'},
    {"count", required_argument, NULL, 'c'},
    {"snaplen", required_argument, NULL, 's'},
    {"buffer-size", required_argument, NULL, 'B'},
    {"no-promiscuous-mode", no_argument, NULL, 'p'},
    {"relinquish-privileges", required_argument, NULL, 'Z'},
    {"list-interfaces", no_argument, NULL, 'D'},
    {"packets", no_argument, NULL, OPT_PACKETS},
    {"flows", no_argument, NULL, OPT_FLOWS},
    {"conns", no_argument, NULL, OPT_CONNS},
    {"ladder", required_argument, NULL, OPT_LADDER},
    {"follow", required_argument, NULL, OPT_FOLLOW},
    {"verify-checksums", no_argument, NULL, OPT_VERIFY_CSUM},
    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
    {"json", no_argument, NULL, OPT_JSON},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"mem", required_argument, NULL, OPT_MEM},
    {"ring", required_argument, NULL, OPT_RING},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"transactions", no_argument, NULL, OPT_TRANSACTIONS},
    {"rtp-streams", no_argument, NULL, OPT_RTP_STREAMS},
    {"max-transactions", required_argument, NULL, OPT_MAX_TXNS},
    {"disable-protocol", required_argument, NULL, OPT_DISABLE_PROTO},
    {"conn", required_argument, NULL, OPT_CONN},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
    /* One 80x24 screen with every option; the details are in the man page. */
    fputs(
        "Usage: wirescope [options] [BPF capture filter, as tcpdump(1) takes it]\n"
        "With a terminal and no output option it opens the UI (press ? for keys).\n"
        "  -i IFACE  capture live on IFACE (default: the first -D lists)\n"
        "  -r FILE   read a pcap/pcapng file; - reads a pcap stream on stdin\n"
        "  -w FILE   also save every captured packet   -c N     stop after N packets\n"
        "  -s LEN    bytes kept per packet (262144)    -p       not promiscuous\n"
        "  -B KiB    kernel capture buffer size        -D       list interfaces\n"
        "  -Z USER   drop root to USER (nobody)        -n       no name resolution\n"
        "  --duration SEC   stop after SEC seconds\n"
        "Batch output (--packets is the default into a pipe or file):\n"
        "  --packets        one line per packet        --json   JSON Lines, not text\n"
        "  --flows          conversations              --conns  TCP connections\n"
        "  --transactions   request/response pairs     --rtp-streams  RTP per SSRC\n"
        "  --ladder ID      ladder and timeline of TCP connection ID (flow:ID: a flow)\n"
        "  --follow ID      reassembled byte streams of TCP connection ID\n"
        "  --conn ID        open the UI on TCP connection ID\n"
        "  --disable-protocol NAME   do not decode NAME (dns, http, tls, ...)\n"
        "  --verify-checksums        bad TCP checksums skip the analysis\n"
        "Limits: --mem MiB packet store (512)  --ring MiB capture ring (64; 8 for files)\n"
        "  --max-flows N (1000000)   --max-conns N (1000000)\n"
        "  --max-transactions N (100000)\n"
        "  -h, --help   this help    --version   the version    More: man wirescope\n",
        out);
}

static void fail_usage(const char *msg, const char *arg)
{
    ws_report("%s%s%s (see wirescope --help)", msg,
            arg ? ": " : "", arg ? arg : "");
    exit(2);
}

static uint64_t parse_uint(const char *s, const char *what, uint64_t min,
                           uint64_t max)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
        char msg[128];
        snprintf(msg, sizeof msg, "invalid %s (expected %" PRIu64 "..%" PRIu64 ")",
                 what, min, max);
        fail_usage(msg, s);
    }
    return v;
}

static double parse_seconds(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 1e9)
        fail_usage("invalid --duration (expected seconds > 0)", s);
    return v;
}

/* Joins the trailing arguments into one BPF expression, as tcpdump does. */
static char *join_args(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = xmalloc(n);
    s[0] = '\0';
    size_t len = 0;
    for (int i = 0; i < argc; i++) {
        size_t k = strlen(argv[i]);
        if (i)
            s[len++] = ' ';
        memcpy(s + len, argv[i], k);
        len += k;
        s[len] = '\0';
    }
    return s;
}

/* Without an output option the terminal UI runs when both ends are a
 * terminal; otherwise the packet list, so scripts and pipes work as before. */
static void choose_ui(struct options *o)
{
    const char *selftest = getenv("WIRESCOPE_UI_SELFTEST");
    if (selftest && *selftest)
        o->ui_selftest = (long)parse_uint(selftest, "WIRESCOPE_UI_SELFTEST", 1, 100000000);
    bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (o->conn_given && o->modes_given)
        fail_usage("--conn opens the terminal UI; it does not combine with --packets, --flows, ...", NULL);
    if (o->conn_given && !tty && !o->ui_selftest)
        fail_usage("--conn needs a terminal on stdin and stdout (for text, use --ladder ID)", NULL);
    if (o->modes_given == 0 && (tty || o->ui_selftest) && !(o->cap.file && strcmp(o->cap.file, "-") == 0))
        o->mode = MODE_UI;
}

static void parse_options(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    o->cap.snaplen = 262144;
    o->cap.promisc = true;
    /* The kernel buffer: on lo, four unlimited iperf3 TCP streams (64 KB
     * segments) made libpcap's 2 MiB miss 12-18% and 32 MiB up to 4%, in
     * tcpdump too at 2-8 MiB; 64 MiB missed none (scripts/live-bench.sh,
     * docs/PERFORMANCE.md). */
    o->cap.buffer_kib = 65536;
    o->user = "nobody";
    o->mem_mib = 512;
    o->ring_mib = 64;
    o->max_flows = 1000000;
    o->max_conns = 1000000;
    o->max_txns = 100000;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":i:r:w:c:s:B:pZ:nDh", long_options,
                            NULL)) != -1) {
        switch (c) {
        case 'i': o->cap.iface = optarg; break;
        case 'r': o->cap.file = optarg; break;
        case 'w': o->cap.write_file = optarg; break;
        case 'c': o->cap.count = parse_uint(optarg, "count", 1, UINT64_MAX); break;
        case 's': o->cap.snaplen = (int)parse_uint(optarg, "snaplen", 1, 262144); break;
        case 'B': o->cap.buffer_kib = (int)parse_uint(optarg, "buffer size", 1, 4194304); break;
        case 'p': o->cap.promisc = false; break;
        case 'Z': o->user = optarg; break;
        case 'n': break;
        case 'D': o->list_interfaces = true; break;
        case 'h': usage(stdout); exit(0);
        case OPT_VERSION:
            printf("wirescope %s\n%s\n", WIRESCOPE_VERSION, pcap_lib_version());
            exit(0);
        case OPT_PACKETS: o->mode = MODE_PACKETS; o->modes_given++; break;
        case OPT_FLOWS: o->mode = MODE_FLOWS; o->modes_given++; break;
        case OPT_CONNS: o->mode = MODE_CONNS; o->modes_given++; break;
        case OPT_LADDER:
            o->mode = MODE_LADDER;
            o->modes_given++;
            if (strncmp(optarg, "flow:", 5) == 0) {
                o->ladder_flow = true;
                o->ladder_id = parse_uint(optarg + 5, "--ladder flow id", 0, UINT32_MAX - 1);
            } else {
                o->ladder_id = parse_uint(optarg, "--ladder connection id", 0, UINT32_MAX - 1);
            }
            break;
        case OPT_FOLLOW:
            o->mode = MODE_FOLLOW;
            o->modes_given++;
            o->ladder_id = parse_uint(optarg, "--follow connection id", 0, UINT32_MAX - 1);
            break;
        case OPT_VERIFY_CSUM: o->verify_checksums = true; break;
        case OPT_MAX_CONNS: o->max_conns = parse_uint(optarg, "--max-conns", 1, 100000000); break;
        case OPT_JSON: o->json = true; break;
        case OPT_DURATION: o->duration = parse_seconds(optarg); break;
        case OPT_MEM: o->mem_mib = parse_uint(optarg, "--mem", 16, 1048576); break;
        case OPT_RING:
            o->ring_mib = parse_uint(optarg, "--ring", 1, 4096);
            o->ring_given = true;
            break;
        case OPT_TRANSACTIONS: o->mode = MODE_TRANSACTIONS; o->modes_given++; break;
        case OPT_RTP_STREAMS: o->mode = MODE_RTP_STREAMS; o->modes_given++; break;
        case OPT_MAX_TXNS: o->max_txns = parse_uint(optarg, "--max-transactions", 1, 100000000); break;
        case OPT_DISABLE_PROTO:
            if (!decode_disable_protocols(optarg))
                fail_usage("unknown protocol for --disable-protocol", optarg);
            break;
        case OPT_CONN:
            o->conn_given = true;
            o->conn_id = parse_uint(optarg, "--conn connection id", 0, UINT32_MAX - 1);
            break;
        case OPT_MAX_FLOWS: o->max_flows = parse_uint(optarg, "--max-flows", 1, 100000000); break;
        case ':': fail_usage("option needs a value", argv[optind - 1]); break;
        default: fail_usage("unknown option", argv[optind - 1]); break;
        }
    }
    if (o->cap.iface && o->cap.file)
        fail_usage("-i and -r cannot be used together", NULL);
    if (o->modes_given > 1)
        fail_usage("choose one of --packets, --flows, --conns, --transactions, --rtp-streams, --ladder, --follow", NULL);
    if (o->mode == MODE_LADDER && o->json)
        fail_usage("--ladder draws text; --json is for --packets, --flows, --conns, --follow", NULL);
    choose_ui(o);
    if (o->cap.write_file && strcmp(o->cap.write_file, "-") == 0)
        fail_usage("-w - would mix the pcap stream with wirescope's output on stdout; give a file", NULL);
    if (optind < argc)
        o->cap.filter = join_args(argc - optind, argv + optind);
}

static double elapsed_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The decoder wakes the main thread as soon as it has drained the ring. */
static void wake_main_thread(void *arg)
{
    pthread_kill(*(pthread_t *)arg, SIGUSR1);
}

/* Main thread: waits for signals, the duration limit and the decoder. */
static void supervise(struct capture *cap, struct decoder *dec,
                      const sigset_t *sigs, double duration)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double next_link_check = 1;
    while (!atomic_load_explicit(&dec->finished, memory_order_acquire)) {
        struct timespec wait = {0, 50 * 1000 * 1000};
        int sig = sigtimedwait(sigs, NULL, &wait);
        double now = elapsed_since(&t0);
        if ((sig > 0 && sig != SIGUSR1) || (duration > 0 && now >= duration) ||
            ferror(stdout))
            capture_request_stop(cap);
        if (now >= next_link_check) {
            capture_watch_link(cap);
            next_link_check = now + 1;
        }
    }
}

static const char *end_reason(const struct capture *cap)
{
    switch (atomic_load(&cap->end)) {
    case CAPTURE_TRUNCATED: return "capture file truncated";
    case CAPTURE_ERROR: return "read error";
    default: return NULL;
    }
}

static void print_summary(const struct capture *cap, const struct decoder *dec)
{
    fprintf(stderr,
            "wirescope: %" PRIu64 " packets captured, %" PRIu64 " decoded, %" PRIu64
            " malformed, %" PRIu64 " bad TCP checksums, dropped %" PRIu64 " by kernel, %" PRIu64 " by ring, %" PRIu64
            " store evictions, %" PRIu64 " flows (%" PRIu64 " evicted)",
            atomic_load(&cap->captured), atomic_load(&dec->decoded),
            atomic_load(&dec->malformed), atomic_load(&dec->bad_checksums),
            atomic_load(&cap->kernel_drops),
            atomic_load(&cap->ring_drops) + atomic_load(&cap->oversize),
            store_evicted(dec->store), flow_table_created(dec->flows),
            flow_table_evictions(dec->flows));
    if (dec->track_tcp)
        fprintf(stderr, ", %" PRIu64 " TCP connections (%" PRIu64 " evicted)",
                conn_table_count(dec->conns), conn_table_evicted(dec->conns));
    if (dec->apps && dec->track_apps)
        fprintf(stderr,
                ", %" PRIu64 " transactions (%" PRIu64 " evicted), %" PRIu64
                " announced flows replaced, %" PRIu64 " RTP packets of streams not kept, %" PRIu64
                " flow states reclaimed",
                app_tracker_txn_count(dec->apps),
                app_tracker_txn_evicted(dec->apps),
                app_tracker_expect_evicted(dec->apps), rtp_stats_dropped(dec->apps),
                app_tracker_state_reclaimed(dec->apps));
    fputc('\n', stderr);
}

/* --ladder ID / --follow ID: one connection's view, or a clear error. */
struct flow_pick {
    uint64_t id;
    const struct flow *found;
};

static void pick_flow(const struct flow *f, void *arg)
{
    struct flow_pick *p = arg;
    if (f->id == p->id)
        p->found = f;
}

/* --ladder flow:ID: the flow's exchange as a ladder. */
static int write_flow_ladder(const struct options *o, struct decoder *dec)
{
    struct flow_pick pick = {o->ladder_id, NULL};
    flow_table_foreach_by_id(dec->flows, pick_flow, &pick);
    if (!pick.found) {
        ws_report("no flow %" PRIu64 " (%" PRIu64 " flows seen; list them with --flows)",
                  o->ladder_id, flow_table_created(dec->flows));
        return 1;
    }
    struct cellbuf cb;
    cellbuf_init(&cb, 400, false);
    cellbuf_stream_to(&cb, stdout, 256);
    exchange_ladder_render(&cb, pick.found, dec->apps, dec->store, dec->cap->linktype);
    cellbuf_flush(&cb);
    cellbuf_free(&cb);
    return 0;
}

static int write_connection_view(const struct options *o, struct decoder *dec,
                                 struct batch *batch)
{
    if (o->ladder_flow)
        return write_flow_ladder(o, dec);
    struct conn *c = conn_table_get(dec->conns, o->ladder_id);
    if (!c) {
        fprintf(stderr, "wirescope: no TCP connection %" PRIu64 " (%" PRIu64
                        " connections seen; list them with --conns)\n",
                o->ladder_id, conn_table_count(dec->conns));
        return 1;
    }
    if (o->mode == MODE_FOLLOW) {
        batch_write_follow(batch, c, dec->store, dec->cap->linktype);
        return 0;
    }
    struct cellbuf cb;
    cellbuf_init(&cb, 400, false);
    cellbuf_stream_to(&cb, stdout, 256);
    ladder_render(&cb, c, dec->store, dec->cap->linktype);
    cellbuf_flush(&cb);
    cellbuf_free(&cb);
    return 0;
}

/* Opens the input and the -w file, then gives up root. On failure prints
 * one line and returns NULL with nothing left open. */
static struct capture *open_input(const struct options *o, struct ring *ring)
{
    char err[PCAP_ERRBUF_SIZE + 512] = "";
    struct capture *cap = xcalloc(1, sizeof *cap);
    if (capture_open(cap, &o->cap, ring, err, sizeof err) &&
        privdrop_to(o->user, err, sizeof err))
        return cap;
    ws_report("%s", err);
    capture_close(cap);
    free(cap);
    return NULL;
}

static uint64_t start_ns;
static FILE *ui_trace_file; /* WIRESCOPE_TRACE, opened while still root */

static int run_ui(const struct options *o, struct capture *cap,
                  struct decoder *dec, struct query *q)
{
    struct ui_opts u = {
        .cap = cap,
        .dec = dec,
        .q = q,
        .open_conn = o->conn_given,
        .conn_id = o->conn_id,
        .duration = o->duration,
        .capture_filter = o->cap.filter,
        .notice = getenv("WIRESCOPE_NOTICE"),
        .trace = ui_trace_file,
        .start_ns = start_ns,
    };
    if (o->ui_selftest)
        return ui_selftest(&u, o->ui_selftest);
    return ui_run(&u);
}

static int run(struct options *o)
{
    const char *trace = getenv("WIRESCOPE_TRACE");
    if (o->mode == MODE_UI && trace && *trace) {
        ui_trace_file = fopen(trace, "w");
        if (!ui_trace_file)
            ws_report("cannot write the trace %s: %s", trace, strerror(errno));
    }
    struct ring *ring = xcalloc(1, sizeof *ring);
    struct capture *cap = open_input(o, ring);
    if (!cap) {
        free(ring);
        return 1;
    }
    /* Reading a file applies back-pressure, so a large ring only costs
     * page faults there; the 64 MiB default is for live bursts. */
    if (o->cap.file && !o->ring_given && o->ring_mib > 8)
        o->ring_mib = o->mode == MODE_UI ? 4 : 8; /* the UI's RSS target counts it */
    if (!ring_init(ring, (size_t)o->ring_mib << 20)) {
        fprintf(stderr, "wirescope: cannot allocate a %" PRIu64 " MiB ring\n", o->ring_mib);
        capture_close(cap);
        free(cap);
        free(ring);
        return 1;
    }
    if (!o->cap.file)
        ring_prefault(ring);
    struct store *store = store_new((size_t)o->mem_mib << 20, cap->file_fd);
    struct flow_table *flows = flow_table_new((uint32_t)o->max_flows, hash_key_random());
    struct conn_table *conns = conn_table_new((uint32_t)o->max_conns);
    struct app_tracker *apps = app_tracker_new((uint32_t)o->max_txns);
    struct decoder *dec = xmalloc(sizeof *dec);
    decoder_init(dec, cap, store, flows, conns, apps);
    dec->verify_checksums = o->verify_checksums;
    dec->track_tcp = o->mode != MODE_FLOWS;
    /* Transactions and RTP statistics only where something reads them; the
     * other modes run just the hooks that name announced flows. */
    dec->track_apps = o->mode == MODE_TRANSACTIONS || o->mode == MODE_RTP_STREAMS ||
                      o->mode == MODE_LADDER || o->mode == MODE_UI;
    dec->keep_packets = o->mode == MODE_LADDER || o->mode == MODE_FOLLOW || o->mode == MODE_UI;
    /* --conns prints nothing above TCP: application dissection would be
     * ~13% of its decoder's instructions for nothing */
    dec->pkt.transport_only = o->mode == MODE_CONNS;
    struct query *query = NULL;
    if (o->mode == MODE_UI) {
        query = xcalloc(1, sizeof *query);
        query_init(query, dec, cap->live);
    }
    struct batch *batch = xmalloc(sizeof *batch);
    batch_init(batch, stdout, o->json, cap->nanosecond);
    batch->apps = apps;
    if (o->mode == MODE_PACKETS) {
        dec->on_packet = batch_write_packet;
        dec->on_packet_arg = batch;
    }

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGUSR1);
    /* the UI's SIGWINCH (resize) and SIGTSTP/SIGCONT (Ctrl-Z) go to the
     * main thread, where curses handles them */
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    sigaddset(&winch, SIGTSTP);
    sigaddset(&winch, SIGCONT);
    if (o->mode == MODE_UI)
        pthread_sigmask(SIG_BLOCK, &winch, NULL);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    pthread_t main_thread = pthread_self();
    if (o->mode != MODE_UI) {
        dec->on_finish = wake_main_thread;
        dec->on_finish_arg = &main_thread;
    }
    signal(SIGPIPE, SIG_IGN);

    pthread_t cap_thread, dec_thread;
    pthread_create(&dec_thread, NULL, decoder_thread, dec);
    pthread_create(&cap_thread, NULL, capture_thread, cap);
    int ui_status = 0;
    if (o->mode == MODE_UI) {
        pthread_sigmask(SIG_UNBLOCK, &winch, NULL);
        ui_status = run_ui(o, cap, dec, query);
    } else {
        supervise(cap, dec, &sigs, o->duration);
    }
    pthread_join(cap_thread, NULL);
    pthread_join(dec_thread, NULL);

    int status = ui_status;
    if (query) {
        query_destroy(query);
        free(query);
    }
    if (o->mode == MODE_FLOWS)
        batch_write_flows(batch, flows);
    else if (o->mode == MODE_CONNS)
        batch_write_conns(batch, conns);
    else if (o->mode == MODE_RTP_STREAMS)
        rtp_stats_write(apps, stdout, o->json, dec->first_ns);
    else if (o->mode == MODE_TRANSACTIONS)
        batch_write_transactions(batch, apps, dec->first_ns);
    else if (o->mode == MODE_LADDER || o->mode == MODE_FOLLOW)
        status = write_connection_view(o, dec, batch);
    fflush(stdout);
    const char *why = end_reason(cap);
    if (why && atomic_load(&cap->end) == CAPTURE_TRUNCATED)
        ws_report("warning: %s after %" PRIu64 " packets: %s",
                why, atomic_load(&cap->captured), cap->error);
    else if (why) {
        ws_report("%s on %s after %" PRIu64 " packets: %s", why,
                cap->source, atomic_load(&cap->captured), cap->error);
        status = 1;
    }
    capture_close(cap);
    if (atomic_load(&cap->write_errors))
        status = 1; /* said when it happened */
    print_summary(cap, dec);
    flow_table_free(flows);
    conn_table_free(conns);
    app_tracker_free(apps);
    store_free(store);
    ring_destroy(ring);
    free(batch);
    free(dec);
    free(cap);
    free(ring);
    return status;
}

int main(int argc, char **argv)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    start_ns = (uint64_t)t0.tv_sec * 1000000000u + (uint64_t)t0.tv_nsec;
#ifdef __GLIBC__
    /* Chunks of 1 MiB and more (the store's index and bytes, connection
     * slabs) each get their own mapping, returned to the system when
     * freed. Left to itself glibc raises this threshold to the largest
     * chunk freed (a 4 MiB byte chunk evicted by --mem), then carves the
     * later ones from the heap, where a slab above an evicted chunk keeps
     * it resident: 80 MB more on 10 M packets through stdin at --mem 64. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    struct options o;
    parse_options(argc, argv, &o);
    static char outbuf[1 << 16];
    /* Live output is read by a person or a script as it happens. */
    bool live = !o.cap.file;
    setvbuf(stdout, outbuf, live ? _IOLBF : _IOFBF, sizeof outbuf);
    if (o.list_interfaces) {
        char err[PCAP_ERRBUF_SIZE + 64];
        if (!capture_list_interfaces(stdout, err, sizeof err)) {
            ws_report("%s", err);
            return 1;
        }
        return 0;
    }
    int rc = run(&o);
    free((char *)o.cap.filter);
    return rc;
}
