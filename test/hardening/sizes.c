/* Prints the sizes the hardening memory bounds are derived from, as
 * "name value" lines: sizes in bytes, limits as counts (compiled against
 * include/ by run.sh). */
#include <stdio.h>

#include "wirescope/app.h"
#include "wirescope/capture.h"
#include "wirescope/conn.h"
#include "wirescope/flow.h"
#include "wirescope/rtp_stats.h"
#include "wirescope/store.h"
#include "wirescope/tcp_analysis.h"

int main(void)
{
    printf("pkt_entry %zu\n", sizeof(struct pkt_entry));
    printf("flow %zu\n", sizeof(struct flow));
    printf("conn %zu\n", sizeof(struct conn));
    printf("tcp_seq_state %zu\n", sizeof(struct tcp_seq_state));
    printf("cap_rec %zu\n", sizeof(struct cap_rec));
    /* the application tracker (include/wirescope/app.h, rtp_stats.h) */
    printf("txn %zu\n", sizeof(struct txn));
    printf("txn_msg %zu\n", sizeof(struct txn_msg));
    printf("txn_msgs %d\n", TXN_MSGS);
#ifdef TXN_MSGS_INLINE /* texts kept apart from the record, in a pool */
    printf("txn_msgs_inline %d\n", TXN_MSGS_INLINE);
    printf("txn_what %d\n", TXN_WHAT);
    printf("txn_result %d\n", TXN_RESULT);
    printf("txn_label %d\n", TXN_LABEL);
#endif
    printf("app_state_max %d\n", APP_STATE_MAX);
    printf("app_state_budget %u\n", APP_STATE_BUDGET);
    printf("app_expect_max %d\n", APP_EXPECT_MAX);
    printf("rtp_stream %zu\n", sizeof(struct rtp_stream));
    printf("rtp_max_streams %d\n", RTP_MAX_STREAMS);
    printf("rtp_max_ssrc_per_flow %d\n", RTP_MAX_SSRC_PER_FLOW);
    return 0;
}
