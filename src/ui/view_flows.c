/* View 3, the flows: sortable by bytes, packets, rate over 2 s, 10 s and
 * 40 s (as iftop shows them), duration and start; Enter on a TCP flow
 * opens its current connection. */
#include "ui/ui_internal.h"

static const char *const sort_names[FS_COUNT] = {
    "bytes", "packets", "rate over 2 s", "rate over 10 s", "rate over 40 s",
    "duration", "start",
};

static void flows_request(struct ui *ui, struct view_state *v,
                          struct query_req *r)
{
    (void)ui;
    r->view = QV_FLOWS;
    r->top = v->top;
    r->sel = v->sel;
    r->sort = v->sort;
    r->sort_asc = v->asc;
}

static int flows_action(struct ui *ui, struct view_state *v, enum action a)
{
    switch (a) {
    case A_SORT:
        v->sort = (enum flow_sort)((v->sort + 1) % FS_COUNT);
        v->top = v->sel = 0;
        ui_message(ui, "flows sorted by %s, %s first", sort_names[v->sort],
                   v->asc ? "smallest" : "largest");
        return UI_REQUEST;
    case A_SORT_REV:
        v->asc = !v->asc;
        v->top = v->sel = 0;
        ui_message(ui, "flows sorted by %s, %s first", sort_names[v->sort],
                   v->asc ? "smallest" : "largest");
        return UI_REQUEST;
    case A_ENTER:
        if (!ui->fr.valid || ui->fr.view != QV_FLOWS || ui->fr.sel_flow == UINT64_MAX)
            return 0;
        if (ui->fr.sel_conn == UINT64_MAX) {
            /* not a TCP connection: the flow's exchange as a ladder */
            ui_push(ui, &view_exchange, ui->fr.sel_flow);
            return UI_REQUEST;
        }
        ui_push(ui, &view_conn, ui->fr.sel_conn);
        return UI_REQUEST;
    default:
        return list_move(ui, v, a);
    }
}

const struct view_class view_flows = {
    "flows", QV_FLOWS, VM_FLOWS, flows_request, flows_action,
};
