/* Which application protocol a TCP or UDP payload carries: the flow's
 * known protocol, then the well-known ports confirmed by content, then
 * content alone (a service on an unusual port still decodes). */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "proto.h"

/* --disable-protocol: set before the threads start, read-only after. */
static bool app_disabled[P_COUNT];

/* Content-only probes run in this order: the most distinctive first. */
static const enum ws_proto content_order[] = {
    P_STUN, P_DTLS, P_TLS, P_HTTP, P_RTSP, P_RTMP, P_RTCP, P_RTP,
};

static bool on_ports(const struct app_hooks *h, uint16_t sport, uint16_t dport)
{
    if (!h->ports)
        return false;
    for (const uint16_t *p = h->ports; *p; p++)
        if (*p == sport || *p == dport)
            return true;
    return false;
}

static unsigned transport_bit(const struct ws_packet *pkt)
{
    return pkt->ip_proto == 6 ? APP_TCP : pkt->ip_proto == 17 ? APP_UDP : 0;
}

/* Application protocols are not looked for inside a datagram quoted by an
 * ICMP error, nor in the first fragment of a datagram. */
static bool app_allowed(const struct ws_packet *pkt)
{
    return !pkt->ip_more_frags && !pkt->icmp_seen;
}

static const struct app_hooks *hooks_of(enum ws_proto p)
{
    const struct proto_desc *d = proto_get(p);
    return d && !app_disabled[p] ? d->app : NULL;
}

static bool disable_one(const char *name, size_t n)
{
    for (int id = P_DNS; id < P_DATA; id++) {
        const char *pn = decode_proto_name((enum ws_proto)id);
        if (strlen(pn) == n && strncasecmp(pn, name, n) == 0) {
            app_disabled[id] = true;
            return true;
        }
    }
    return false;
}

bool decode_disable_protocols(const char *names)
{
    while (*names) {
        size_t n = strcspn(names, ",");
        if (n && !disable_one(names, n))
            return false;
        names += n;
        if (*names == ',')
            names++;
    }
    return true;
}

/* Demux family (RFC 7983, h-media): a UDP flow known to carry STUN, DTLS,
 * RTP or RTCP (WebRTC puts them all on one 5-tuple) is demultiplexed per
 * packet by its first byte rather than keeping the flow's first protocol. */
static bool is_demux_family(enum ws_proto p)
{
    return p == P_STUN || p == P_DTLS || p == P_RTP || p == P_RTCP;
}

static enum ws_proto demux_rfc7983(const uint8_t *p, size_t n,
                                   enum ws_proto known)
{
    if (n == 0)
        return known;
    uint8_t b = p[0];
    if (b <= 3 || (b >= 64 && b <= 79))
        return P_STUN; /* STUN, or TURN ChannelData */
    if (b >= 20 && b <= 63)
        return P_DTLS;
    if (b >= 128 && b <= 191) /* RTCP packet types 192-223 (RFC 5761) */
        return n >= 2 && p[1] >= 192 && p[1] <= 223 ? P_RTCP : P_RTP;
    return P_DATA; /* no range: the port and content rules below decide */
}

void proto_flow_early(struct ws_packet *pkt)
{
    if (pkt->app_lookup && transport_bit(pkt) && app_allowed(pkt))
        (void)pkt->app_lookup(pkt, pkt->app_lookup_arg);
}

enum ws_proto proto_select_app(struct ws_packet *pkt, const struct cursor *c)
{
    if (pkt->transport_only)
        return P_NONE;
    unsigned tbit = transport_bit(pkt);
    if (!tbit || !app_allowed(pkt))
        return P_DATA;
    const uint8_t *p = c->p;
    size_t n = cur_left(c);
    if (pkt->app_lookup) {
        enum ws_proto known = pkt->app_lookup(pkt, pkt->app_lookup_arg);
        if (tbit == APP_UDP && is_demux_family(known))
            known = demux_rfc7983(p, n, known);
        const struct app_hooks *h = hooks_of(known);
        if (h && (h->transport & tbit))
            return known;
    }
    for (int id = P_DNS; id < P_DATA; id++) {
        const struct app_hooks *h = hooks_of((enum ws_proto)id);
        if (!h || !(h->transport & tbit) || !on_ports(h, pkt->sport, pkt->dport))
            continue;
        if (!h->probe || h->probe(p, n, pkt, true))
            return (enum ws_proto)id;
    }
    for (size_t i = 0; i < sizeof content_order / sizeof content_order[0]; i++) {
        const struct app_hooks *h = hooks_of(content_order[i]);
        if (h && (h->transport & tbit) && h->probe && h->probe(p, n, pkt, false))
            return content_order[i];
    }
    return P_DATA;
}

struct ws_layer *app_layer_open(struct ws_packet *pkt, enum ws_proto proto,
                                const struct cursor *c)
{
    struct ws_layer *l = layer_open(pkt, proto, c);
    if (l && !pkt->app) {
        pkt->app = (uint8_t)proto;
        pkt->app_off = cur_offset(c);
    }
    return l;
}
