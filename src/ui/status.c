/* The two status lines at the top (source, counters, rates, elapsed time;
 * views, filters, pause) and the key-hint bar at the bottom, as htop has. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "ui/ui_internal.h"
#include "wirescope/store.h"

static void human(char *buf, size_t size, double v, const char *unit, bool narrow)
{
    static const char *const prefix[] = {"", "k", "M", "G", "T"};
    int i = 0;
    while (v >= 999.5 && i < 4) {
        v /= 1000;
        i++;
    }
    const char *gap = narrow ? "" : " ";
    if (i == 0)
        snprintf(buf, size, "%.0f%s%s", v, gap, unit);
    else
        snprintf(buf, size, "%.*f%s%s%s", v < 9.95 ? 2 : v < 99.5 ? 1 : 0, v, gap, prefix[i], unit);
}

static void clock_text(char *buf, size_t size, uint64_t ns)
{
    uint64_t s = ns / 1000000000u;
    snprintf(buf, size, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
             (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
}

/* Packets and bits per second: live, over the last 2 s; for a file, the
 * capture's average. */
static void rates_text(const struct ui *ui, char *buf, size_t size, bool wide,
                       bool narrow)
{
    const struct query_stats *st = &ui->st;
    double pps = st->pps, bps = st->bps;
    const char *what = "";
    if (!ui->o->cap->live) {
        double span = (double)(st->last_ns - st->first_ns) / 1e9;
        pps = span > 0 ? (double)st->decoded / span : 0;
        bps = span > 0 ? (double)st->bytes * 8 / span : 0;
        what = wide ? "avg " : "";
    }
    char p[32], b[32];
    human(p, sizeof p, pps, narrow ? "p/s" : "pkt/s", narrow);
    human(b, sizeof b, bps, narrow ? "b/s" : "bit/s", narrow);
    snprintf(buf, size, "%s%s %s", what, p, b);
}

static void elapsed_text(const struct ui *ui, char *buf, size_t size, bool narrow)
{
    char t[32];
    if (ui->o->cap->live) {
        clock_text(t, sizeof t, ui_now_ns() - ui->o->start_ns);
        snprintf(buf, size, "%s", t);
    } else {
        uint64_t span = ui->st.last_ns > ui->st.first_ns ? ui->st.last_ns - ui->st.first_ns : 0;
        snprintf(buf, size, "%s%llu.%03llus", narrow ? "" : "span ", (unsigned long long)(span / 1000000000u),
                 (unsigned long long)(span / 1000000u % 1000));
    }
}

static void line0(struct ui *ui)
{
    const struct capture *cap = ui->o->cap;
    const struct query_stats *st = &ui->st;
    int cols = scr_cols();
    bool wide = cols >= 130, narrow = cols < 100;
    unsigned long long captured = atomic_load_explicit(&cap->captured, memory_order_relaxed);
    unsigned long long kdrop = atomic_load_explicit(&cap->kernel_drops, memory_order_relaxed);
    unsigned long long rdrop = atomic_load_explicit(&cap->ring_drops, memory_order_relaxed) +
                               atomic_load_explicit(&cap->oversize, memory_order_relaxed);
    char rates[80], elapsed[40], counts[300], line[800];
    rates_text(ui, rates, sizeof rates, wide, narrow);
    elapsed_text(ui, elapsed, sizeof elapsed, narrow);
    const char *sep = narrow ? "|" : " | ";
    if (wide)
        snprintf(counts, sizeof counts,
                 "captured %llu | shown %llu | drops: kernel %llu, ring %llu | evicted %llu",
                 captured, (unsigned long long)st->shown, kdrop, rdrop,
                 (unsigned long long)st->evicted);
    else
        snprintf(counts, sizeof counts, "cap %llu shown %llu%sdrop %llu/%llu%sevict %llu",
                 captured, (unsigned long long)st->shown, sep, kdrop, rdrop, sep,
                 (unsigned long long)st->evicted);
    /* the source name gives way to the figures */
    char tail[500];
    snprintf(tail, sizeof tail, "%s%s%s%s%s%s", sep, counts, sep, rates, sep, elapsed);
    const char *src = cap->source;
    if (narrow && !cap->live && strrchr(src, '/'))
        src = strrchr(src, '/') + 1;
    int room = cols - (int)strlen(tail) - 2 - (cap->live ? 5 : 0);
    int len = (int)strlen(src);
    if (room < 6)
        room = 6;
    if (len > room)
        src += len - room; /* keep the end of a long name */
    snprintf(line, sizeof line, " %s%s%s", src, cap->live ? " live" : "", tail);
    scr_fill_line(0, ROLE_BAR);
    scr_put_text(0, 0, line, ROLE_BAR);
}

static void line1(struct ui *ui)
{
    static const char *const names[3] = {"1 Packets", "2 Flows", "3 Connections"};
    scr_clear_line(1);
    int x = 0;
    for (int i = 0; i < 3; i++) {
        char t[32];
        snprintf(t, sizeof t, " %s ", names[i]);
        scr_put_text(1, x, t, i == ui->top_index ? ROLE_SELECTED : ROLE_DIM);
        x += (int)strlen(t) + 1;
    }
    const struct query_stats *st = &ui->st;
    char buf[1400];
    char progress[64] = "";
    if (st->filtering && st->filter_total)
        snprintf(progress, sizeof progress, " (filtering %llu%%)",
                 (unsigned long long)(st->filter_done * 100 / st->filter_total));
    snprintf(buf, sizeof buf, "display: %s%s | capture: %s%s",
             ui->display_filter[0] ? ui->display_filter : "none", progress,
             ui->capture_filter[0] ? ui->capture_filter : "none",
             ui->capture_pending[0] ? " (applying)" : "");
    scr_put_text(1, x + 1, buf, ROLE_NORMAL);
    /* states at the right end */
    char right[128] = "";
    size_t n = 0;
    if (ui->paused)
        n += (size_t)snprintf(right + n, sizeof right - n, " PAUSED ");
    if (st->saving && n < sizeof right)
        n += (size_t)snprintf(right + n, sizeof right - n, " saving %llu/%llu ",
                              (unsigned long long)st->save_done,
                              (unsigned long long)st->save_total);
    if (ui->have_stats && !st->finished && !ui->o->cap->live && n < sizeof right)
        snprintf(right + n, sizeof right - n, " reading ");
    int len = (int)strlen(right);
    if (len)
        scr_put_text(1, scr_cols() - len, right, ROLE_MARK);
}

void status_draw(struct ui *ui)
{
    line0(ui);
    line1(ui);
}

void hints_draw(struct ui *ui)
{
    int y = scr_rows() - 1;
    scr_fill_line(y, ROLE_BAR);
    unsigned mask = ui_view(ui)->cls->mask;
    int x = 0, w = scr_cols();
    for (int i = 0; i < ui_nkeys && x < w; i++) {
        const struct key_binding *k = &ui_keys[i];
        if (!k->hint || !(k->views & mask))
            continue;
        if (k->act == A_BACK && ui->depth <= 1)
            continue;
        int need = (int)(strlen(k->name) + strlen(k->hint)) + 1;
        if (x + need > w)
            break;
        scr_put_text(y, x, k->name, ROLE_KEY);
        x += (int)strlen(k->name);
        scr_put_text(y, x, k->hint, ROLE_BAR);
        x += (int)strlen(k->hint) + 1;
    }
}

void message_draw(struct ui *ui)
{
    int y = scr_rows() - 2;
    scr_clear_line(y);
    if (ui->pr.active) {
        prompt_draw(ui, y);
        return;
    }
    if (ui->msg[0])
        scr_put_text(y, 1, ui->msg, ROLE_NOTE);
    else if (ui->o->notice) /* make run's: stays while nothing else is said */
        scr_put_text(y, 1, ui->o->notice, ROLE_MARK);
}
