/* FTP Data: PLACEHOLDER until its dissector lands (not selected: no hooks). */
#include "proto.h"

static enum ws_proto ftp_data_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_FTP_DATA, c);
    if (!l)
        return P_NONE;
    cur_skip(c, cur_left(c));
    layer_close(pkt, l, c);
    return P_NONE;
}

const struct proto_desc proto_ftp_data = {P_FTP_DATA, "FTP-DATA", "FTP Data", ftp_data_dissect, NULL};
