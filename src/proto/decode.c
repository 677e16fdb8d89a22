/* Drives the dissectors over one packet and keeps its layers and fields. */
#include <stdio.h>
#include <string.h>

#include "proto.h"

static const char *const event_names[EV_COUNT] = {
    [EV_NONE] = "none",
    [EV_TRUNCATED] = "truncated",
    [EV_UNKNOWN_LINKTYPE] = "unknown-linktype",
    [EV_BAD_VERSION] = "bad-ip-version",
    [EV_BAD_HEADER_LEN] = "bad-header-length",
    [EV_BAD_TOTAL_LEN] = "bad-total-length",
    [EV_BAD_OPTION] = "bad-option",
    [EV_BAD_FLAGS] = "bad-tcp-flags",
    [EV_TOO_MANY_LAYERS] = "too-many-layers",
    [EV_BAD_ARP] = "bad-arp",
    [EV_FRAGMENT] = "fragment",
    [EV_BAD_APP] = "malformed-application",
    [EV_NAME_LOOP] = "dns-name-loop",
};

const char *decode_event_name(enum ws_event ev)
{
    if ((unsigned)ev >= EV_COUNT || !event_names[ev])
        return "unknown";
    return event_names[ev];
}

const char *decode_proto_name(enum ws_proto p)
{
    const struct proto_desc *d = proto_get(p);
    return d ? d->name : "?";
}

/* noinline, noclone: inlined or cloned for a constant size, GCC would
 * expand the memset as `rep stosq` again (clang has no noclone, and does
 * not clone this) */
#if defined(__clang__)
#define WS_NO_CLONE __attribute__((noinline))
#else
#define WS_NO_CLONE __attribute__((noinline, noclone))
#endif
WS_NO_CLONE void ws_zero(void *p, size_t n)
{
    memset(p, 0, n);
}

void decode_reset(struct ws_packet *pkt, const uint8_t *data, uint32_t caplen,
                  uint32_t len, int linktype)
{
    bool want = pkt->want_fields, transport_only = pkt->transport_only;
    enum ws_proto (*lookup)(struct ws_packet *, void *) = pkt->app_lookup;
    void *lookup_arg = pkt->app_lookup_arg;
    /* Clear the summary part only; the field arrays are reset by counters,
     * and so are the layers: layer_open sets every member of each layer it
     * opens and nothing reads past nlayers. (Clearing the 16 layers too made
     * this a 456-byte `rep stos` per packet, 7% of the decoder's cycles in
     * --conns by perf.) */
    ws_zero(&pkt->nlayers,
            offsetof(struct ws_packet, fields) - offsetof(struct ws_packet, nlayers));
    pkt->nfields = 0;
    pkt->ftext_used = 0;
    pkt->data = data;
    pkt->caplen = caplen;
    pkt->len = len;
    pkt->linktype = linktype;
    pkt->want_fields = want;
    pkt->transport_only = transport_only;
    pkt->app_lookup = lookup;
    pkt->app_lookup_arg = lookup_arg;
}

/* The end of the datagram whose IP header starts at off, per its length
 * field: 0 when that field was not captured or is 0 (a jumbogram, or TSO). */
static uint32_t ip_end_at(const struct ws_packet *pkt, enum ws_proto proto,
                          uint32_t off)
{
    struct cursor h = cur_make(pkt->data, pkt->caplen);
    cur_skip(&h, off);
    cur_skip(&h, proto == P_IPV4 ? 2 : 4);
    uint16_t n = cur_be16(&h);
    if (!cur_ok(&h) || n == 0)
        return 0;
    return off + (proto == P_IPV4 ? 0u : 40u) + n;
}

struct ws_layer *layer_open(struct ws_packet *pkt, enum ws_proto proto,
                            const struct cursor *c)
{
    if (pkt->nlayers >= WS_MAX_LAYERS) {
        if (pkt->event == EV_NONE) {
            pkt->event = EV_TOO_MANY_LAYERS;
            pkt->event_proto = (uint8_t)proto;
        }
        return NULL;
    }
    struct ws_layer *l = &pkt->layers[pkt->nlayers++];
    l->proto = (uint8_t)proto;
    l->event = EV_NONE;
    l->off = cur_offset(c);
    l->len = 0;
    l->first_field = pkt->nfields;
    l->nfields = 0;
    pkt->top = (uint8_t)proto;
    if (proto == P_IPV4 || proto == P_IPV6)
        pkt->ip_end = ip_end_at(pkt, proto, l->off);
    else if (proto == P_ICMP || proto == P_ICMPV6)
        pkt->icmp_seen = true;
    return l;
}

void layer_close(struct ws_packet *pkt, struct ws_layer *l,
                 const struct cursor *c)
{
    (void)pkt;
    uint32_t end = cur_offset(c);
    l->len = end >= l->off ? end - l->off : 0;
}

void layer_fail(struct ws_packet *pkt, struct ws_layer *l, enum ws_event ev)
{
    if (l && l->event == EV_NONE)
        l->event = (uint8_t)ev;
    if (pkt->event == EV_NONE) {
        pkt->event = (uint8_t)ev;
        pkt->event_proto = l ? l->proto : P_NONE;
    }
}

void field_add_always(struct ws_packet *pkt, uint8_t depth, const char *name,
                      uint32_t off, uint32_t len, const char *fmt, ...)
{
    if (!pkt->want_fields || pkt->nlayers == 0 || pkt->nfields >= WS_MAX_FIELDS)
        return;
    size_t room = sizeof pkt->ftext - pkt->ftext_used;
    if (room < 2)
        return;
    struct ws_field *f = &pkt->fields[pkt->nfields];
    char *dst = pkt->ftext + pkt->ftext_used;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t used = (size_t)n < room ? (size_t)n + 1 : room;
    f->name = name;
    f->text = pkt->ftext_used;
    f->depth = depth;
    f->off = off;
    f->len = len;
    pkt->ftext_used = (uint16_t)(pkt->ftext_used + used);
    pkt->nfields++;
    pkt->layers[pkt->nlayers - 1].nfields++;
}

void decode_packet(struct ws_packet *pkt)
{
    struct cursor c = cur_make(pkt->data, pkt->caplen);
    enum ws_proto next = proto_from_linktype(pkt->linktype);
    if (next == P_NONE) {
        pkt->event = EV_UNKNOWN_LINKTYPE;
        next = P_DATA;
    }
    while (next != P_NONE) {
        const struct proto_desc *d = proto_get(next);
        if (!d || pkt->nlayers >= WS_MAX_LAYERS) {
            if (pkt->nlayers >= WS_MAX_LAYERS && pkt->event == EV_NONE) {
                pkt->event = EV_TOO_MANY_LAYERS;
                pkt->event_proto = (uint8_t)next;
            }
            break;
        }
        next = d->dissect(pkt, &c);
    }
}

/*
 * Offset just past the enclosing IP datagram as its length field declares
 * it (innermost IPv4 total length or IPv6 payload length); 0 when unknown
 * (a 0 length field, as TSO captures and jumbograms have, or no IP layer).
 */

/*
 * Bytes on the wire from offset `from` to the end of the IP datagram, with
 * `left` of them captured. The rule: the datagram's end per its IP length
 * field, capped at the frame's wire length, minus `from`; so a snaplen cut
 * does not shrink the result and Ethernet padding does not grow it. When
 * the IP length is unknown, the captured bytes plus whatever snaplen cut
 * off the frame (pkt->len - pkt->caplen), as the frame holds no more.
 */
uint32_t proto_wire_len_from(const struct ws_packet *pkt, uint32_t from,
                              size_t left)
{
    uint32_t end = proto_ip_end(pkt);
    uint32_t frame = pkt->len > pkt->caplen ? pkt->len : pkt->caplen;
    if (end > frame)
        end = frame;
    if (end != 0)
        return end > from ? end - from : 0;
    uint32_t cut = pkt->len > pkt->caplen ? pkt->len - pkt->caplen : 0;
    return (uint32_t)left + cut;
}

const char *tok_find(const struct tok *t, unsigned v)
{
    for (; t->s; t++)
        if (t->v == v)
            return t->s;
    return NULL;
}

const char *tok_name(const struct tok *t, unsigned v)
{
    const char *name = tok_find(t, v);
    return name ? name : "Unknown";
}
