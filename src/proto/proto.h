/* Dissector interface and registry shared by the files in src/proto/. */
#ifndef WIRESCOPE_PROTO_H
#define WIRESCOPE_PROTO_H

#include <stdarg.h>

#include "wirescope/app.h"
#include "wirescope/cursor.h"
#include "wirescope/decode.h"
#include "wirescope/textbuf.h"

/*
 * A dissector decodes its header at the cursor, which covers the rest of
 * the packet (or of the enclosing length, e.g. IPv4 total length). It opens
 * its layer with layer_open(), records fields, narrows or advances the
 * cursor to its payload, and returns the protocol to decode next
 * (P_NONE to stop). On a short or malformed header it calls layer_fail()
 * and returns P_NONE.
 */
typedef enum ws_proto (*dissect_fn)(struct ws_packet *pkt, struct cursor *c);

struct app_hooks;

struct proto_desc {
    enum ws_proto id;
    const char *name;    /* protocol column text, e.g. "TCP" */
    const char *title;   /* detail tree title, e.g. "Transmission Control Protocol" */
    dissect_fn dissect;
    const struct app_hooks *app; /* application protocols only, else NULL */
};

#define APP_TCP 0x1
#define APP_UDP 0x2

/*
 * What an application protocol adds to its dissector. app.c picks the
 * dissector for a TCP or UDP payload: first the flow's known protocol
 * (pkt->app_lookup), then each protocol registered on one of the two ports
 * whose probe accepts the payload (on_port = true), then the probes that
 * recognise content on any port (on_port = false: they must be strict, as a
 * false positive mislabels someone else's traffic).
 */
struct app_hooks {
    unsigned transport;   /* APP_TCP | APP_UDP */
    const uint16_t *ports; /* well-known ports, 0-terminated; may be NULL */
    /* p[0..n) is the captured payload (n may be short of the segment).
     * NULL = accept whatever arrives on the ports, never by content. */
    bool (*probe)(const uint8_t *p, size_t n, const struct ws_packet *pkt,
                  bool on_port);
    /* Protocol column when it depends on the message ("TLSv1.3"); NULL =
     * proto_desc.name. */
    const char *(*protocol)(const struct ws_packet *pkt, const struct ws_layer *l);
    /* Info column text, as tshark 4.0 writes it. */
    void (*info)(struct textbuf *tb, const struct ws_packet *pkt,
                 const struct ws_layer *l);
    /* JSON members for --packets --json, written as `"key":value` pairs
     * separated by commas, without a leading comma (batch.c wraps them in
     * "<proto>":{...}). NULL = none. */
    void (*json)(struct textbuf *tb, const struct ws_packet *pkt,
                 const struct ws_layer *l);
    /* Decoder thread, after the flow table saw the packet: transactions,
     * expected flows, per-flow state (include/wirescope/app.h). NULL = none. */
    void (*track)(struct app_ctx *ctx, const struct ws_packet *pkt,
                  const struct ws_layer *l);
    /* The track hook announces flows (app_expect): it runs even when the
     * decoder keeps no transactions (--flows), so the flows are named. */
    bool announces_flows;
};

/* One descriptor per file; registry.c lists them all. */
extern const struct proto_desc proto_eth, proto_sll, proto_sll2, proto_null,
    proto_vlan, proto_arp, proto_ipv4, proto_ipv6, proto_ipv6_ext, proto_icmp,
    proto_icmpv6, proto_tcp, proto_udp, proto_data, proto_dns, proto_dhcp,
    proto_http, proto_tls, proto_ftp, proto_ftp_data, proto_telnet, proto_rtsp,
    proto_rtmp, proto_stun, proto_dtls, proto_rtp, proto_rtcp;

/* The application protocol for the payload at c (TCP or UDP per
 * pkt->ip_proto), or P_DATA when none claims it (app.c). */
enum ws_proto proto_select_app(struct ws_packet *pkt, const struct cursor *c);
/* Has the packet's flow looked up (through app_lookup) as soon as its
 * ports are read, where proto_select_app would look it up, so the state
 * kept for it can be fetched while the rest of the packet is dissected. */
void proto_flow_early(struct ws_packet *pkt);
/* Opens an application layer and records it as the packet's app (pkt->app,
 * pkt->app_off); a dissector of an application protocol calls this instead
 * of layer_open. */
struct ws_layer *app_layer_open(struct ws_packet *pkt, enum ws_proto proto,
                                const struct cursor *c);

const struct proto_desc *proto_get(enum ws_proto id);
enum ws_proto proto_from_linktype(int linktype);
enum ws_proto proto_from_ethertype(uint16_t ethertype);
/* Next protocol for an IP protocol / IPv6 next-header number. */
enum ws_proto proto_from_ipproto(uint8_t ipproto);

/* Appends a layer starting at the cursor; NULL (and an event) when full. */
struct ws_layer *layer_open(struct ws_packet *pkt, enum ws_proto proto,
                            const struct cursor *c);
/* Sets the layer's header length to end at the cursor's position. */
void layer_close(struct ws_packet *pkt, struct ws_layer *l,
                 const struct cursor *c);
/* Marks the layer malformed/truncated; the packet keeps its first event. */
void layer_fail(struct ws_packet *pkt, struct ws_layer *l, enum ws_event ev);

/*
 * Adds a detail field for the bytes [off, off+len) to the current (last)
 * layer. A no-op unless pkt->want_fields, so dissectors may call it freely;
 * guard costly formatting with `if (pkt->want_fields)`.
 */
void field_add_always(struct ws_packet *pkt, uint8_t depth, const char *name,
                      uint32_t off, uint32_t len, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The test comes first so batch modes evaluate none of the arguments. */
#define field_add(pkt, ...)                                                   \
    do {                                                                      \
        if ((pkt)->want_fields)                                               \
            field_add_always((pkt), __VA_ARGS__);                             \
    } while (0)

/* Offset just past the innermost IP datagram per its length field; 0 when
 * unknown (a 0 length field, as TSO and jumbograms have, or no IP). */
static inline uint32_t proto_ip_end(const struct ws_packet *pkt)
{
    return pkt->ip_end;
}
/* Wire bytes from `from` to the end of the IP datagram, `left` of them
 * captured: transport dissectors take payload lengths from it. */
uint32_t proto_wire_len_from(const struct ws_packet *pkt, uint32_t from,
                             size_t left);

/* {value, name} tables end with {0, NULL}; tok_name gives "Unknown" for a
 * value not listed. */
struct tok {
    unsigned v;
    const char *s;
};
const char *tok_name(const struct tok *t, unsigned v);
/* The name of v, or NULL when the table does not list it. */
const char *tok_find(const struct tok *t, unsigned v);

/* Name tables and helpers shared between dissectors. */
const char *ws_ipproto_name(unsigned proto);  /* ipv4.c */
const char *ws_dscp_name(unsigned dscp);      /* ipv4.c */
const char *ws_ecn_name(unsigned ecn);        /* ipv4.c */
const char *ws_ethertype_name(unsigned type); /* vlan.c */
const char *ws_arphrd_name(unsigned hatype);  /* sll.c */
const char *ws_sll_pkttype_name(unsigned type); /* sll.c */
enum ws_proto ws_sll_next(struct ws_packet *pkt, uint16_t hatype,
                          uint16_t proto);
void ws_sll_addr_field(struct ws_packet *pkt, uint32_t off,
                       const uint8_t addr[8], unsigned halen);
void ws_sll_proto_field(struct ws_packet *pkt, uint32_t off, uint16_t hatype,
                        uint16_t proto);

/*
 * Zeroes n bytes through the C library's memset (decode.c). GCC expands a
 * memset of a fixed size of a few hundred bytes inline as `rep stosq`,
 * which on this AMD EPYC takes 35 ns for 456 bytes where glibc's vector
 * memset takes 6: the per-packet clears of summary structs use this.
 */
void ws_zero(void *p, size_t n);

/* Line-based text protocols (text.c): FTP, RTSP. */
/* One line of a payload: [off, off+len) without its CR LF, both offsets from
 * the payload's start; `ended` when its LF is in the capture. */
struct text_line {
    size_t off, len;
    bool ended;
};
/* The next line from *pos of p[0..n); false when no bytes are left. */
bool text_next_line(const uint8_t *p, size_t n, size_t *pos, struct text_line *ln);
static inline bool text_is_digit(uint8_t ch) { return ch >= '0' && ch <= '9'; }

#endif
