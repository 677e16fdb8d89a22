/* View 5, one TCP connection: its header, then the ladder (Enter opens the
 * packet of an arrow), the timeline (zoom in and out) or the reassembled
 * streams (text or hex). */
#include "ui/ui_internal.h"
#include "wirescope/render_timeline.h"

static void conn_request(struct ui *ui, struct view_state *v,
                         struct query_req *r)
{
    (void)ui;
    r->view = QV_CONN;
    r->id = v->id;
    r->pane = v->pane;
    r->zoom = v->zoom;
    r->hex = v->hex;
    r->top = v->top;
    r->sel = v->sel;
}

static int set_pane(struct view_state *v, enum conn_pane pane)
{
    if (v->pane != pane) {
        v->pane = pane;
        v->top = v->sel = 0;
    }
    return UI_REQUEST;
}

static int conn_action(struct ui *ui, struct view_state *v, enum action a)
{
    switch (a) {
    case A_PANE_LADDER: return set_pane(v, PANE_LADDER);
    case A_PANE_TIMELINE: return set_pane(v, PANE_TIMELINE);
    case A_PANE_FOLLOW: return set_pane(v, PANE_FOLLOW);
    case A_PANE_NEXT: return set_pane(v, (enum conn_pane)((v->pane + 1) % PANE_COUNT));
    case A_PANE_PREV:
        return set_pane(v, (enum conn_pane)((v->pane + PANE_COUNT - 1) % PANE_COUNT));
    case A_ZOOM_IN:
    case A_ZOOM_OUT:
        if (v->pane != PANE_TIMELINE)
            set_pane(v, PANE_TIMELINE);
        v->zoom += a == A_ZOOM_IN ? 1 : -1;
        if (v->zoom < 0)
            v->zoom = 0;
        if (v->zoom > TIMELINE_MAX_ZOOM)
            v->zoom = TIMELINE_MAX_ZOOM;
        if (v->zoom)
            ui_message(ui, "timeline: zoom %d, the first 1/%llu of the connection", v->zoom,
                       1ull << (v->zoom > 63 ? 63 : v->zoom));
        else
            ui_message(ui, "timeline: the whole connection");
        return UI_REQUEST;
    case A_HEX:
        set_pane(v, PANE_FOLLOW);
        v->hex = !v->hex;
        v->top = 0;
        return UI_REQUEST;
    case A_ENTER:
        if (v->pane != PANE_LADDER || !ui->fr.valid || ui->fr.view != QV_CONN ||
            !ui->fr.sel_packet)
            return 0;
        ui_push(ui, &view_detail, ui->fr.sel_packet);
        return UI_REQUEST;
    default:
        return list_move(ui, v, a);
    }
}

const struct view_class view_conn = {
    "conn", QV_CONN, VM_CONN, conn_request, conn_action,
};
