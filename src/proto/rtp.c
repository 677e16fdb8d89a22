/* Real-Time Transport Protocol: PLACEHOLDER until its dissector lands (not selected: no hooks). */
#include "proto.h"

static enum ws_proto rtp_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_RTP, c);
    if (!l)
        return P_NONE;
    cur_skip(c, cur_left(c));
    layer_close(pkt, l, c);
    return P_NONE;
}

const struct proto_desc proto_rtp = {P_RTP, "RTP", "Real-Time Transport Protocol", rtp_dissect, NULL};
