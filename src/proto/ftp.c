/* File Transfer Protocol (FTP): PLACEHOLDER until its dissector lands (not selected: no hooks). */
#include "proto.h"

static enum ws_proto ftp_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_FTP, c);
    if (!l)
        return P_NONE;
    cur_skip(c, cur_left(c));
    layer_close(pkt, l, c);
    return P_NONE;
}

const struct proto_desc proto_ftp = {P_FTP, "FTP", "File Transfer Protocol (FTP)", ftp_dissect, NULL};
