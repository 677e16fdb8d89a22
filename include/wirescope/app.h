/* Application-layer tracking in the decoder thread: request/response
 * transactions, flows announced by a control connection (FTP data, RTSP
 * media), and per-flow protocol state. Dissectors' track hooks call this
 * API; the decoder owns the tracker; batch writers and the UI read it. */
#ifndef WIRESCOPE_APP_H
#define WIRESCOPE_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirescope/addr.h"
#include "wirescope/flow.h" /* track hooks read ctx->flow */

struct app_tracker;

/* What a track hook is handed for one packet. */
struct app_ctx {
    struct app_tracker *t;
    uint64_t number;   /* packet number from 1 */
    uint64_t ts_ns;    /* capture time, epoch nanoseconds */
    struct flow *flow; /* the packet's flow (never NULL for TCP/UDP) */
    int dir;           /* FLOW_A2B (from the flow's initiator) or FLOW_B2A */
    uint32_t ta_flags; /* TCP analysis marks (1u << TA_*): skip retransmissions */
    uint32_t tcp_seq;  /* raw sequence number of a TCP segment */
};

/* One message of a transaction: a request, a reply, a DHCP step. */
#define TXN_MSGS 6
#define TXN_LABEL 32   /* label, what and result keep at most SIZE - 1 */
#define TXN_WHAT 80    /* characters of their (sanitised) text */
#define TXN_RESULT 48
#define TXN_MSGS_INLINE 2 /* a request and its answer: most transactions */
struct txn_msg {
    uint64_t packet;   /* packet number from 1 */
    uint64_t ts_ns;
    const char *label; /* "Discover", "GET /", "200 OK" (sanitised) */
    uint8_t dir;       /* FLOW_A2B / FLOW_B2A of the packet's flow */
};

/*
 * A request and what answered it: an HTTP request and response, a DNS
 * query and its answer, a DHCP exchange (DORA) grouped by xid, an RTSP
 * request and reply by CSeq, an FTP command and its reply, a STUN
 * transaction by id. Latency = msgs[last].ts_ns - msgs[0].ts_ns.
 *
 * The text lives in the tracker's pool, sized to what it holds, and msgs
 * points at the record's first_msgs until a third message moves them to
 * the pool: so a transaction costs about 200 bytes, not the 500 its
 * longest texts would need. Everything stays valid (and unchanged) while
 * the transaction is kept.
 */
struct txn {
    uint64_t id;          /* from 0 in order of the first message */
    uint8_t proto;        /* enum ws_proto */
    uint8_t nmsgs;
    bool done;            /* answered / exchange complete */
    uint64_t flow_id;     /* the first message's flow */
    uint64_t scope, key;  /* what pairs messages: (flow id or 0, protocol key) */
    const char *what;     /* the request: "GET /index.html", "A example.com" */
    const char *result;   /* the answer: "200 OK", "No error, 2 answers" */
    struct txn_msg *msgs; /* nmsgs of them */
    struct txn_msg first_msgs[TXN_MSGS_INLINE];
};

/* max_txns > 0: at most that many kept; the oldest are evicted (counted).
 * The ring grows in chunks as they arrive (about 200 bytes a transaction
 * with its text). */
struct app_tracker *app_tracker_new(uint32_t max_txns);
void app_tracker_free(struct app_tracker *t);

/*
 * Starts a transaction whose later messages carry (scope, key): scope is
 * the flow id for per-connection pairing, 0 for global keys (a DHCP xid).
 * An open transaction with the same (proto, scope, key) is closed as
 * unanswered first. `what`, the labels and the result are text the
 * dissector sanitised (sanitize_bytes): they are cut to fit, not escaped
 * again (a byte outside printable ASCII still becomes '?'). The first
 * message is added with label `label`.
 */
struct txn *txn_open(struct app_ctx *ctx, int proto, uint64_t scope,
                     uint64_t key, const char *what, const char *label);
/* The open (not done) transaction with that key, or NULL. */
struct txn *txn_find(struct app_ctx *ctx, int proto, uint64_t scope,
                     uint64_t key);
/* Adds the packet as a message (ignored beyond TXN_MSGS). */
void txn_add(struct app_ctx *ctx, struct txn *x, const char *label);
/* Marks it answered with `result` (sanitised); it stays in the list. */
void txn_done(struct app_ctx *ctx, struct txn *x, const char *result);

/*
 * Announces a flow a control connection negotiated: the next new flow of
 * ip_proto (6 or 17) with an endpoint at (addr, port) (addr NULL = any
 * address) carries `proto` and is linked to the announcing flow. Kept until
 * matched, replaced, or the announcing flow is evicted; at most
 * APP_EXPECT_MAX are kept: when full, the oldest is replaced (counted by
 * app_tracker_expect_evicted).
 */
#define APP_EXPECT_MAX 256
void app_expect(struct app_ctx *ctx, int proto, const struct ws_addr *addr,
                uint16_t port, uint8_t ip_proto);

/*
 * Per-flow protocol state: `size` bytes (at most APP_STATE_MAX), zeroed the
 * first time, the same block for later packets of the flow (a larger size
 * grows it, zeroing the new bytes, and may move it); freed when the flow is
 * evicted. All flows together hold at most APP_STATE_BUDGET bytes: when a
 * request would pass it, the state of the least recently used other flows
 * (approximately: those that asked for none since the last sweep) is
 * reclaimed, so a flood of flows that hold state and go quiet cannot keep
 * new flows from being tracked. A reclaimed flow that asks again gets a
 * fresh zeroed block, as at the start of tracking, and app_flow_state_lost
 * then tells it joined its stream mid-way. NULL only for a size of 0 or
 * above APP_STATE_MAX, or a context without a flow.
 */
#define APP_STATE_MAX 16384
#define APP_STATE_BUDGET (64u << 20)
void *app_flow_state(struct app_ctx *ctx, size_t size);
/* True once the flow's state has been reclaimed (at least once): a block it
 * gets afterwards starts zeroed in the middle of its stream. */
bool app_flow_state_lost(const struct app_ctx *ctx);

/* The flow that announced flow_id (FTP control for FTP-DATA, RTSP for RTP),
 * UINT64_MAX when none. */
uint64_t app_flow_parent(const struct app_tracker *t, uint64_t flow_id);
/* The protocol announced for flow_id (P_FTP_DATA, P_RTP...), 0 when none. */
int app_flow_announced(const struct app_tracker *t, uint64_t flow_id);

/* Decoder side. */
/* A new flow: applies a matching expectation (sets f->app, links parent). */
void app_tracker_new_flow(struct app_tracker *t, struct flow *f);
/* Asks for the cache line of f's state slot without waiting for it. */
void app_tracker_prefetch(const struct app_tracker *t, const struct flow *f);
/* A flow leaves the table: frees its state and its expectations. */
void app_tracker_flow_evicted(struct app_tracker *t, const struct flow *f);
/* Protocol state lives as long as the flow's TCP connection: this frees
 * it when the connection closes (FINs both ways acknowledged) and when a
 * new connection starts on the 5-tuple (which must not inherit the old
 * one's stream positions), rather than when the budget or the flow's
 * eviction would. The flow's parent link stays. */
void app_tracker_drop_state(struct app_tracker *t, const struct flow *f);

/* Readers (the batch writer after the decoder finished, or the decoder
 * itself when it answers the UI): transactions in id order. */
void app_tracker_foreach_txn(const struct app_tracker *t,
                             void (*fn)(const struct txn *x, void *arg),
                             void *arg);
uint64_t app_tracker_txn_count(const struct app_tracker *t);
/* The RTP stream table (rtp_stats.c) lives with the tracker: the slot for
 * its owner, and the table for readers (NULL when no RTP was seen). */
struct rtp_table;
struct rtp_table **app_tracker_rtp_slot(struct app_tracker *t);
const struct rtp_table *app_tracker_rtp(const struct app_tracker *t);
uint64_t app_tracker_txn_evicted(const struct app_tracker *t);
/* Announced flows replaced before their first packet came (table full). */
uint64_t app_tracker_expect_evicted(const struct app_tracker *t);
/* Per-flow states reclaimed for other flows' (budget full); a flow may
 * lose its state more than once. */
uint64_t app_tracker_state_reclaimed(const struct app_tracker *t);
/* Bytes of per-flow state all flows hold now (at most APP_STATE_BUDGET). */
size_t app_tracker_state_bytes(const struct app_tracker *t);

#endif
