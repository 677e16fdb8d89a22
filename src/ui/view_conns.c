/* View 4, the TCP connections in --conns order: both sides' states,
 * conn_state, close type, initial RTT; Enter opens one. */
#include "ui/ui_internal.h"

static void conns_request(struct ui *ui, struct view_state *v,
                          struct query_req *r)
{
    (void)ui;
    r->view = QV_CONNS;
    r->top = v->top;
    r->sel = v->sel;
}

static int conns_action(struct ui *ui, struct view_state *v, enum action a)
{
    if (a == A_ENTER) {
        if (!ui->fr.valid || ui->fr.view != QV_CONNS || ui->fr.sel_conn == UINT64_MAX)
            return 0;
        ui_push(ui, &view_conn, ui->fr.sel_conn);
        return UI_REQUEST;
    }
    return list_move(ui, v, a);
}

const struct view_class view_conns = {
    "conns", QV_CONNS, VM_CONNS, conns_request, conns_action,
};
