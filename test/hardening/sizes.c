/* Prints the sizes the hardening memory bounds are derived from, as
 * "name bytes" lines (compiled against include/ by run.sh). */
#include <stdio.h>

#include "wirescope/capture.h"
#include "wirescope/conn.h"
#include "wirescope/flow.h"
#include "wirescope/store.h"
#include "wirescope/tcp_analysis.h"

int main(void)
{
    printf("pkt_entry %zu\n", sizeof(struct pkt_entry));
    printf("flow %zu\n", sizeof(struct flow));
    printf("conn %zu\n", sizeof(struct conn));
    printf("tcp_seq_state %zu\n", sizeof(struct tcp_seq_state));
    printf("cap_rec %zu\n", sizeof(struct cap_rec));
    return 0;
}
