/* Moving through whatever list the current frame shows: a selection that
 * the window follows, or, for panes without one (timeline, streams), the
 * window itself. The decoder clamps both; this only says where to go. */
#include "ui/ui_internal.h"

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int scroll_window(struct ui *ui, struct view_state *v, enum action a)
{
    int64_t page = ui_body_rows(ui);
    int64_t total = ui->fr.valid ? ui->fr.total : 0;
    int64_t top = v->top == QUERY_FOLLOW ? (ui->fr.valid ? ui->fr.top : 0) : v->top;
    switch (a) {
    case A_UP: top--; break;
    case A_DOWN: top++; break;
    case A_PGUP: top -= page; break;
    case A_PGDN: top += page; break;
    case A_HOME: top = 0; break;
    case A_END: top = total - page; break;
    default: return 0;
    }
    v->top = clamp64(top, 0, total > page ? total - page : 0);
    return UI_REQUEST;
}

int list_move(struct ui *ui, struct view_state *v, enum action a)
{
    const struct frame *f = &ui->fr;
    bool same = f->valid && f->view == v->cls->qview;
    if (same && f->sel < 0)
        return scroll_window(ui, v, a);
    int64_t total = same ? f->total : 0;
    int64_t page = ui_body_rows(ui);
    int64_t sel = v->follow ? total - 1 : v->sel;
    int64_t top = v->follow && same ? f->top : v->top;
    bool packets = v->cls == &view_packets;
    switch (a) {
    case A_UP: sel--; break;
    case A_DOWN: sel++; break;
    case A_PGUP: sel -= page; top -= page; break;
    case A_PGDN: sel += page; top += page; break;
    case A_HOME: sel = 0; top = 0; break;
    case A_END: sel = total - 1; top = total - page; break;
    default: return 0;
    }
    bool at_end = sel >= total - 1;
    v->sel = clamp64(sel, 0, total > 0 ? total - 1 : 0);
    v->top = clamp64(top, 0, total > page ? total - page : 0);
    /* the packet list follows new packets again once the user is back at
     * the last row (End, or moving down past it) */
    if (packets)
        v->follow = at_end && a != A_UP && a != A_PGUP && a != A_HOME;
    return UI_REQUEST;
}
