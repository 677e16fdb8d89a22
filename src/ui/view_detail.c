/* View 2, one packet: the collapsible protocol tree over the hex dump,
 * the selected line's bytes highlighted in the dump. */
#include "ui/ui_internal.h"

static int hex_rows_wanted(void)
{
    int rows = ui_view_rows() - 2; /* the packet's list row and titles */
    int hex = rows * 2 / 5;
    return hex < 3 ? 3 : hex;
}

static void detail_request(struct ui *ui, struct view_state *v,
                           struct query_req *r)
{
    (void)ui;
    r->view = QV_DETAIL;
    r->id = v->id;
    r->top = v->top;
    r->sel = v->sel;
    r->collapsed = v->collapsed;
    r->hex_rows = hex_rows_wanted();
    r->hex_top = v->hex_top;
}

/* Moves in the tree (its own page size); the dump follows the selection. */
static int tree_move(struct ui *ui, struct view_state *v, enum action a)
{
    const struct frame *f = &ui->fr;
    int64_t page = f->tree_rows > 1 ? f->tree_rows : 1;
    int64_t total = f->tree_lines;
    switch (a) {
    case A_UP: v->sel--; break;
    case A_DOWN: v->sel++; break;
    case A_PGUP: v->sel -= page; v->top -= page; break;
    case A_PGDN: v->sel += page; v->top += page; break;
    case A_HOME: v->sel = 0; v->top = 0; break;
    case A_END: v->sel = total - 1; break;
    default: return 0;
    }
    if (v->sel >= total)
        v->sel = total - 1;
    if (v->sel < 0)
        v->sel = 0;
    if (v->top < 0)
        v->top = 0;
    v->hex_top = QUERY_FOLLOW;
    return UI_REQUEST;
}

static int detail_action(struct ui *ui, struct view_state *v, enum action a)
{
    const struct frame *f = &ui->fr;
    if (!f->valid || f->view != QV_DETAIL || !f->found)
        return 0;
    int layer = f->sel_line.layer;
    uint32_t bit = layer >= 0 && layer < 32 ? 1u << layer : 0;
    switch (a) {
    case A_ENTER:
        if (!f->sel_line.title || !bit)
            return 0;
        v->collapsed ^= bit;
        return UI_REQUEST;
    case A_PANE_PREV: /* Left: fold the selected line's layer */
        if (!bit)
            return 0;
        v->collapsed |= bit;
        if (layer < WS_MAX_LAYERS)
            v->sel = f->layer_line[layer];
        v->hex_top = QUERY_FOLLOW;
        return UI_REQUEST;
    case A_PANE_NEXT:
        v->collapsed &= ~bit;
        return UI_REQUEST;
    case A_COLLAPSE_ALL:
        v->collapsed = f->layers >= 32 ? UINT32_MAX : (1u << f->layers) - 1;
        v->sel = v->top = 0;
        return UI_REQUEST;
    case A_EXPAND_ALL:
        v->collapsed = 0;
        return UI_REQUEST;
    case A_HEX_UP:
    case A_HEX_DOWN:
        v->hex_top = f->hex_top + (a == A_HEX_UP ? -1 : 1);
        if (v->hex_top < 0)
            v->hex_top = 0;
        return UI_REQUEST;
    default:
        return tree_move(ui, v, a);
    }
}

const struct view_class view_detail = {
    "detail", QV_DETAIL, VM_DETAIL, detail_request, detail_action,
};
