/* Per-SSRC RTP stream statistics (RFC 3550 A.1, A.3, A.8), kept by the RTP
 * track hook in a table with the application tracker (found by flow,
 * direction and SSRC, not through per-flow state: a flow whose state is
 * reclaimed keeps its streams), read by batch writers. */
#ifndef WIRESCOPE_RTP_STATS_H
#define WIRESCOPE_RTP_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "wirescope/app.h"

#define RTP_MAX_SSRC_PER_FLOW 8 /* further streams of a flow (its whole life)
                                  * are counted, not kept */
#define RTP_MAX_STREAMS 65536   /* streams kept in all */
#define RTP_SEQ_MOD (1u << 16)
#define RTP_CANDIDATE_RATES 6 /* 8000 16000 32000 44100 48000 90000 */

/* One RTP source as RFC 3550 A.1 keeps it, plus arrival statistics. */
struct rtp_stream {
    uint32_t ssrc;
    uint8_t pt;           /* last payload type */
    uint32_t clock_rate;  /* Hz: the static type's, else estimated, 0 = unknown */
    uint64_t flow_id;
    int dir;              /* FLOW_A2B / FLOW_B2A of the packets */
    uint64_t packets;     /* packets received (duplicates included) */
    uint16_t max_seq;     /* highest sequence number seen */
    uint32_t cycles;      /* sequence wraps, shifted left 16 (A.1) */
    uint32_t base_seq;    /* first sequence number */
    uint64_t out_of_order; /* arrived with a sequence below the highest */
    uint64_t duplicates;  /* the same sequence as the previous packet */
    /* interarrival jitter (A.8), in timestamp units, computed for the
     * payload type's clock rate, or for each candidate rate when the type
     * is dynamic (the rate is then estimated from timestamps vs arrival) */
    uint8_t nrates;
    uint32_t rates[RTP_CANDIDATE_RATES];
    double jitter[RTP_CANDIDATE_RATES];
    double max_jitter[RTP_CANDIDATE_RATES];
    double jitter_sum[RTP_CANDIDATE_RATES];
    uint64_t jitter_samples;
    uint32_t first_ts, last_ts;
    uint32_t bad_seq;     /* A.1: a big jump waits for its successor */
    uint64_t first_ns, last_ns;
    uint64_t first_packet, last_packet;
};

/* Expected packets: extended highest sequence - base + 1 (A.3). */
uint64_t rtp_stream_expected(const struct rtp_stream *s);
/* Cumulative lost: expected - received, may be negative with duplicates. */
int64_t rtp_stream_lost(const struct rtp_stream *s);
/* Extended highest sequence number received (A.1: cycles + max_seq). */
uint32_t rtp_stream_ext_max(const struct rtp_stream *s);
/* Current / maximum / mean jitter in milliseconds at the stream's clock
 * rate; negative when the rate is unknown. */
double rtp_stream_jitter_ms(const struct rtp_stream *s);
double rtp_stream_max_jitter_ms(const struct rtp_stream *s);
double rtp_stream_mean_jitter_ms(const struct rtp_stream *s);
/* Current jitter in timestamp units (A.8's J), negative when unknown. */
double rtp_stream_jitter_ts(const struct rtp_stream *s);
/* The clock rate (static type, else estimated from the timestamps'
 * advance against arrival time), 0 when it cannot be told. */
uint32_t rtp_stream_clock_rate(const struct rtp_stream *s);

/* Clock rate of a static payload type (RFC 3551), 0 when not static. */
uint32_t rtp_clock_rate(uint8_t pt);

/* The statistics core, independent of the tracker (unit-tested alone):
 * starts a stream at its first packet / updates it with a packet that
 * arrived at arrival_ns. */
void rtp_stream_init(struct rtp_stream *s, uint32_t ssrc, uint8_t pt,
                     uint16_t seq, uint32_t ts, uint64_t arrival_ns,
                     uint64_t packet);
void rtp_stream_update(struct rtp_stream *s, uint8_t pt, uint16_t seq,
                       uint32_t ts, uint64_t arrival_ns, uint64_t packet);

/* Called by the RTP track hook for each RTP packet of a flow. */
void rtp_stats_packet(struct app_ctx *ctx, uint32_t ssrc, uint8_t pt,
                      uint16_t seq, uint32_t ts);

struct rtp_table;

/* Every stream seen, in order of its first packet. Call from the decoder
 * thread or after it finished (the batch writer at the end). */
void rtp_stats_foreach(const struct app_tracker *t,
                       void (*fn)(const struct rtp_stream *s, void *arg),
                       void *arg);
/* Writes every stream as a table (a header line, then one line each) or,
 * with json, as JSON Lines (docs/JSON.md, "--rtp-streams"); times are
 * seconds from first_ns (the capture's first packet). */
void rtp_stats_write(const struct app_tracker *t, FILE *out, bool json,
                     uint64_t first_ns);
/* Streams not kept: beyond RTP_MAX_SSRC_PER_FLOW of their flow or
 * RTP_MAX_STREAMS in all (each packet of such a stream counts once more). */
uint64_t rtp_stats_dropped(const struct app_tracker *t);
/* The tracker frees its table with it. */
void rtp_table_free(struct rtp_table *rt);

#endif
