/* FTP data connections (RFC 959): the bytes of a transfer. Nothing in
 * them says they are FTP: the flow is known from the control connection
 * (the FTP track hook announces it with app_expect after PORT, EPRT, PASV
 * or EPSV), or by port 20, the active-mode source port. tshark's Info adds
 * the setup mode and the command from the control connection, "(PASV)
 * (RETR file.txt)"; a segment here is decoded alone, so the Info is
 * "FTP Data: N bytes", and the command shows in --transactions. */
#include "proto.h"

static const uint16_t ftp_data_ports[] = {20, 0};

static enum ws_proto ftp_data_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_FTP_DATA, c);
    if (!l)
        return P_NONE;
    uint32_t off = cur_offset(c);
    size_t have = cur_left(c);
    cur_skip(c, have);
    field_add(pkt, 1, "Data", off, (uint32_t)have, "%u bytes", pkt->payload_len);
    if (pkt->payload_len > have) {
        field_add(pkt, 1, "Captured", off, (uint32_t)have, "%zu of them", have);
        layer_fail(pkt, l, EV_TRUNCATED); /* cut by the snaplen */
    }
    layer_close(pkt, l, c);
    return P_NONE;
}

/* tshark counts the bytes the segment carries on the wire. */
static void ftp_data_info(struct textbuf *tb, const struct ws_packet *pkt,
                          const struct ws_layer *l)
{
    (void)l;
    tb_puts(tb, "FTP Data: ");
    tb_u64(tb, pkt->payload_len);
    tb_puts(tb, " bytes");
}

static void ftp_data_json(struct textbuf *tb, const struct ws_packet *pkt,
                          const struct ws_layer *l)
{
    tb_puts(tb, "\"len\":");
    tb_u64(tb, pkt->payload_len);
    tb_puts(tb, ",\"captured\":");
    tb_u64(tb, l->len);
}

static const struct app_hooks ftp_data_hooks = {
    .transport = APP_TCP,
    .ports = ftp_data_ports,
    .probe = NULL, /* no content to recognise */
    .info = ftp_data_info,
    .json = ftp_data_json,
    .track = NULL,
};

const struct proto_desc proto_ftp_data = {P_FTP_DATA, "FTP-DATA", "FTP Data",
                                          ftp_data_dissect, &ftp_data_hooks};
