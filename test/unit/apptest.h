/* Shared by the application-protocol suites: decode a frame (whole or cut
 * at caplen, from an exact-size copy so ASan sees any over-read), find a
 * layer or a field, the Info/Protocol/JSON text, and the caplen sweep
 * every dissector gets. */
#ifndef WIRESCOPE_TEST_APPTEST_H
#define WIRESCOPE_TEST_APPTEST_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pktbuild.h"
#include "proto/proto.h"
#include "wirescope/info.h"
#include "wirescope/textbuf.h"

static struct ws_packet g_pkt;
static uint8_t *g_copy;

/* What the flow is known to carry when the decoder asks (P_NONE: nothing,
 * as on a flow's first packet). */
static enum ws_proto g_known;
static enum ws_proto known_lookup(struct ws_packet *pkt, void *arg)
{
    (void)pkt;
    (void)arg;
    return g_known;
}

static inline void decode_cut(const uint8_t *frame, size_t caplen, size_t len,
                       bool fields)
{
    free(g_copy);
    g_copy = malloc(caplen ? caplen : 1);
    memcpy(g_copy, frame, caplen);
    g_pkt.want_fields = fields;
    g_pkt.app_lookup = g_known != P_NONE ? known_lookup : NULL;
    decode_reset(&g_pkt, g_copy, (uint32_t)caplen, (uint32_t)len, DLT_EN10MB);
    decode_packet(&g_pkt);
}

static inline void decode_full(const uint8_t *frame, size_t len)
{
    decode_cut(frame, len, len, true);
}

static inline const struct ws_layer *layer_of(enum ws_proto p)
{
    for (unsigned i = 0; i < g_pkt.nlayers; i++)
        if (g_pkt.layers[i].proto == p)
            return &g_pkt.layers[i];
    return NULL;
}

/* The value text of the first field with that name, or NULL. */
static inline const char *field_text(const char *name)
{
    for (unsigned i = 0; i < g_pkt.nfields; i++)
        if (strcmp(g_pkt.fields[i].name, name) == 0)
            return g_pkt.ftext + g_pkt.fields[i].text;
    return NULL;
}

static inline const char *info_text(void)
{
    static char buf[1024];
    struct info_tcp_rel rel;
    memset(&rel, 0, sizeof rel);
    rel.win_shift = -1;
    info_format(&g_pkt, &rel, buf, sizeof buf);
    return buf;
}

static inline const char *protocol_text(void) { return info_protocol(&g_pkt); }

static inline const char *json_text(enum ws_proto p)
{
    static char buf[4096];
    const struct ws_layer *l = layer_of(p);
    const struct proto_desc *d = proto_get(p);
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    if (l && d && d->app && d->app->json)
        d->app->json(&tb, &g_pkt, l);
    return buf;
}

/* Every truncation of a good frame decodes without reading past caplen,
 * and every cut that leaves part of the payload is flagged (by a lower
 * layer or by proto). */
static inline void caplen_sweep(const uint8_t *frame, size_t len, enum ws_proto proto)
{
    decode_cut(frame, len, len, false);
    uint32_t payload_off = g_pkt.payload_off;
    for (size_t cap = 0; cap < len; cap++) {
        decode_cut(frame, cap, len, true);
        if (cap > payload_off)
            ck_assert_msg(g_pkt.event != EV_NONE, "caplen %zu not flagged", cap);
        const struct ws_layer *l = layer_of(proto);
        if (l)
            ck_assert_uint_le(l->off + l->len, cap);
        (void)info_text();
        (void)json_text(proto);
    }
    decode_cut(frame, len, len, true);
    ck_assert_int_eq(g_pkt.event, EV_NONE);
}

#endif
