/* Decoder thread: the only writer of the packet store and the flow table. */
#include <string.h>
#include <time.h>

#include "wirescope/decoder.h"

void decoder_init(struct decoder *d, struct capture *cap, struct store *store,
                  struct flow_table *flows)
{
    memset(d, 0, sizeof *d);
    d->cap = cap;
    d->ring = cap->ring;
    d->store = store;
    d->flows = flows;
}

static void idle_wait(unsigned *spins)
{
    if (++*spins < 32)
        return;
    struct timespec ts = {0, *spins < 200 ? 50000 : 1000000};
    nanosleep(&ts, NULL);
}

/*
 * Relative sequence numbers as Wireshark shows them: the base of a
 * direction is its SYN's sequence number, or one less than the first
 * sequence number seen when the SYN was not captured; an ACK seen before
 * the other direction's first segment fixes that side's base to ack - 1.
 */
static void tcp_relative_bases(struct flow *f, int dir, const struct ws_tcp *t)
{
    int rev = !dir;
    bool syn = t->flags & TCP_SYN;
    if (syn && !(t->flags & TCP_ACK)) {
        f->tcp_isn[dir] = t->seq;
        f->tcp_isn_set[dir] = true;
        f->tcp_isn_set[rev] = false;
    } else if (syn || !f->tcp_isn_set[dir]) {
        f->tcp_isn[dir] = syn ? t->seq : t->seq - 1;
        f->tcp_isn_set[dir] = true;
    }
    if ((t->flags & TCP_ACK) && !f->tcp_isn_set[rev]) {
        f->tcp_isn[rev] = t->ack - 1;
        f->tcp_isn_set[rev] = true;
    }
}

static bool has_tcp_header(const struct ws_packet *pkt)
{
    for (unsigned i = 0; i < pkt->nlayers; i++)
        if (pkt->layers[i].proto == P_TCP)
            return pkt->layers[i].len >= 20;
    return false;
}

static void count_event(struct decoder *d, const struct ws_packet *pkt)
{
    if (pkt->event == EV_NONE)
        return;
    atomic_fetch_add_explicit(&d->events[pkt->event], 1, memory_order_relaxed);
    if (pkt->event != EV_FRAGMENT)
        atomic_fetch_add_explicit(&d->malformed, 1, memory_order_relaxed);
}

static void decode_record(struct decoder *d, const struct cap_rec *rec,
                          const uint8_t *bytes)
{
    struct ws_packet *pkt = &d->pkt;
    decode_reset(pkt, bytes, rec->caplen, rec->len, d->cap->linktype);
    decode_packet(pkt);
    count_event(d, pkt);

    struct decoded out = {.rec = rec, .pkt = pkt, .dir = FLOW_A2B};
    out.tcp_rel.win_shift = -1;
    uint64_t ts_ns = (uint64_t)rec->ts_sec * 1000000000u + rec->ts_nsec;
    struct flow *f = flow_table_update(d->flows, pkt, ts_ns, rec->len, &out.dir);
    out.flow = f;
    if (f && has_tcp_header(pkt)) {
        tcp_relative_bases(f, out.dir, &pkt->u.tcp);
        out.tcp_rel.relative = true;
        out.tcp_rel.seq_base = f->tcp_isn[out.dir];
        out.tcp_rel.ack_base = f->tcp_isn[!out.dir];
    }

    struct pkt_entry e = {
        .ts_sec = rec->ts_sec,
        .ts_nsec = rec->ts_nsec,
        .caplen = rec->caplen,
        .len = rec->len,
        .flow_id = f ? (uint32_t)f->id : STORE_NONE,
        .conn_id = STORE_NONE,
        .proto = pkt->top,
        .event = pkt->event,
    };
    uint64_t n = store_add(d->store, &e, rec->file_off, bytes);
    out.number = n + 1;
    atomic_fetch_add_explicit(&d->decoded, 1, memory_order_relaxed);
    if (d->on_packet)
        d->on_packet(&out, d->on_packet_arg);
}

void *decoder_thread(void *arg)
{
    struct decoder *d = arg;
    unsigned spins = 0;
    for (;;) {
        size_t len;
        const uint8_t *p = ring_peek(d->ring, &len);
        if (!p) {
            /* The capture thread's end is published with release after its
             * last commit, so one more peek after seeing it finds all. */
            if (atomic_load_explicit(&d->cap->end, memory_order_acquire) !=
                    CAPTURE_RUNNING &&
                !ring_peek(d->ring, &len))
                break;
            idle_wait(&spins);
            continue;
        }
        spins = 0;
        struct cap_rec rec;
        memcpy(&rec, p, sizeof rec);
        decode_record(d, &rec, p + sizeof rec);
        ring_release(d->ring);
    }
    atomic_store_explicit(&d->finished, true, memory_order_release);
    return NULL;
}
