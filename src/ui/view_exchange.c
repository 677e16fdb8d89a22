/* One flow's exchange as a ladder: a UDP flow, a DNS query and its answer,
 * a DHCP DORA, an FTP or RTSP session with the flows it announced. Opened
 * with Enter on a flow that is not a tracked TCP connection. */
#include "ui/ui_internal.h"

static void exchange_request(struct ui *ui, struct view_state *v,
                             struct query_req *r)
{
    (void)ui;
    r->view = QV_EXCHANGE;
    r->id = v->id;
    r->top = v->top;
    r->sel = v->sel;
}

static int exchange_action(struct ui *ui, struct view_state *v, enum action a)
{
    return list_move(ui, v, a);
}

const struct view_class view_exchange = {
    "exchange", QV_EXCHANGE, VM_CONN, exchange_request, exchange_action,
};
