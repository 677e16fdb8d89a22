/* Bytes no dissector claimed, shown as data. */
#include "proto.h"

static enum ws_proto data_dissect(struct ws_packet *pkt, struct cursor *c)
{
    size_t n = cur_left(c);
    if (n == 0)
        return P_NONE;
    struct ws_layer *l = layer_open(pkt, P_DATA, c);
    if (!l)
        return P_NONE;
    field_add(pkt, 0, "Data", cur_offset(c), (uint32_t)n, "%zu bytes", n);
    cur_skip(c, n);
    layer_close(pkt, l, c);
    return P_NONE;
}

const struct proto_desc proto_data = {P_DATA, "DATA", "Data", data_dissect, NULL};
