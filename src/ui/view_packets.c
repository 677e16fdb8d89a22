/* View 1, the packet list: follows new packets until the user scrolls up;
 * Enter opens the selected packet. */
#include "ui/ui_internal.h"

static void packets_request(struct ui *ui, struct view_state *v,
                            struct query_req *r)
{
    (void)ui;
    r->view = QV_PACKETS;
    r->top = v->follow ? QUERY_FOLLOW : v->top;
    r->sel = v->sel;
}

static int packets_action(struct ui *ui, struct view_state *v, enum action a)
{
    if (a == A_ENTER) {
        if (!ui->fr.valid || ui->fr.view != QV_PACKETS || !ui->fr.sel_packet)
            return 0;
        ui_push(ui, &view_detail, ui->fr.sel_packet);
        return UI_REQUEST;
    }
    return list_move(ui, v, a);
}

const struct view_class view_packets = {
    "packets", QV_PACKETS, VM_PACKETS, packets_request, packets_action,
};
