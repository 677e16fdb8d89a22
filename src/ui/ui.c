/* The terminal UI's main loop: one poll over the keyboard, the decoder's
 * wakeups, the signals and our own stderr; keys become actions, actions
 * become requests to the decoder, responses become frames. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "ui/ui_internal.h"
#include "wirescope/xalloc.h"

#define TICK_NS 250000000ull /* status refresh and live views */
#define MESSAGE_NS 15000000000ull

static const struct view_class *const top_classes[3] = {&view_packets, &view_flows,
                                                        &view_conns};

uint64_t ui_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ui_trace(struct ui *ui, const char *fmt, ...)
{
    if (!ui->trace)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(ui->trace, fmt, ap);
    va_end(ap);
    fputc('\n', ui->trace);
    fflush(ui->trace);
}

void ui_message(struct ui *ui, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->msg, sizeof ui->msg, fmt, ap);
    va_end(ap);
    ui->msg_ns = ui_now_ns();
}

/* ---------- views ---------- */

struct view_state *ui_view(struct ui *ui) { return &ui->stack[ui->depth - 1]; }

static void view_init(struct view_state *v, const struct view_class *cls,
                      uint64_t id)
{
    memset(v, 0, sizeof *v);
    v->cls = cls;
    v->id = id;
    v->hex_top = QUERY_FOLLOW;
    v->follow = cls == &view_packets;
}

static void view_changed(struct ui *ui)
{
    ui->view_gen++;
    ui->fr.valid = false; /* its rows belong to the previous view */
}

void ui_push(struct ui *ui, const struct view_class *cls, uint64_t id)
{
    if (ui->depth == UI_STACK) {
        memmove(&ui->stack[1], &ui->stack[2], (UI_STACK - 2) * sizeof ui->stack[0]);
        ui->depth--;
    }
    view_init(&ui->stack[ui->depth++], cls, id);
    view_changed(ui);
}

void ui_pop(struct ui *ui)
{
    if (ui->depth > 1) {
        ui->depth--;
        view_changed(ui);
    }
}

void ui_switch_top(struct ui *ui, int index)
{
    ui->tops[ui->top_index] = ui->stack[0];
    ui->top_index = index;
    ui->stack[0] = ui->tops[index];
    ui->depth = 1;
    view_changed(ui);
}

int ui_view_rows(void)
{
    int n = scr_rows() - 4; /* two status lines, the message line, the hints */
    return n > 1 ? n : 1;
}

int ui_body_rows(const struct ui *ui)
{
    int n = ui_view_rows() - (ui->fr.valid ? ui->fr.head.rows : 1);
    return n > 1 ? n : 1;
}

/* ---------- the mailbox ---------- */

static void replay_deferred(struct ui *ui);

bool ui_queue_cmd(struct ui *ui, const struct query_req *cmd)
{
    if (ui->ncmds == UI_MAX_CMDS) {
        ui_message(ui, "busy: the decoder has not taken the previous commands yet");
        return false;
    }
    ui->cmds[ui->ncmds++] = *cmd;
    ui_request(ui, 0);
    return true;
}

static void fill_request(struct ui *ui, struct query_req *r, bool stats_only)
{
    memset(r, 0, offsetof(struct query_req, prog));
    r->cmd = QC_NONE;
    if (ui->ncmds) {
        const struct query_req *c = &ui->cmds[0];
        r->cmd = c->cmd;
        r->prog = c->prog;
        memcpy(r->filter_text, c->filter_text, sizeof r->filter_text);
        memcpy(r->path, c->path, sizeof r->path);
        memmove(&ui->cmds[0], &ui->cmds[1], (size_t)(ui->ncmds - 1) * sizeof ui->cmds[0]);
        ui->ncmds--;
    }
    r->width = ui->headless ? 120 : scr_cols();
    r->rows = ui->headless ? 36 : ui_view_rows();
    r->ascii = ui->headless ? false : scr_ascii();
    r->limit = ui->paused ? ui->pause_limit : -1;
    if (stats_only) {
        r->view = QV_NONE;
        return;
    }
    struct view_state *v = ui_view(ui);
    v->cls->request(ui, v, r);
}

static void post(struct ui *ui, bool stats_only)
{
    fill_request(ui, &ui->q->req, stats_only);
    ui->req_gen = ui->view_gen;
    ui->req_stats_only = stats_only;
    ui->inflight_key_ns = ui->dirty_key_ns;
    ui->dirty_key_ns = 0;
    ui->dirty = false;
    ui->in_flight = true;
    ui->posted_ns = ui_now_ns();
    query_post(ui->q);
}

void ui_request(struct ui *ui, uint64_t key_ns)
{
    if (key_ns && !ui->dirty_key_ns)
        ui->dirty_key_ns = key_ns;
    if (ui->in_flight) {
        ui->dirty = true;
        return;
    }
    post(ui, false);
}

static void copy_cellbuf(struct cellbuf *dst, const struct cellbuf *src)
{
    if (dst->width != src->width || dst->cap < src->rows) {
        free(dst->cells);
        dst->cap = src->rows > 0 ? src->rows : 1;
        dst->width = src->width;
        dst->cells = xmalloc((size_t)dst->cap * (size_t)dst->width * sizeof *dst->cells);
    }
    dst->rows = src->rows;
    dst->ascii = src->ascii;
    if (src->rows)
        memcpy(dst->cells, src->cells,
               (size_t)src->rows * (size_t)src->width * sizeof *src->cells);
}

static void take_frame(struct ui *ui, const struct query_resp *o)
{
    struct frame *f = &ui->fr;
    copy_cellbuf(&f->head, &o->head);
    copy_cellbuf(&f->body, &o->body);
    f->valid = true;
    f->view = o->view;
    f->total = o->total;
    f->top = o->top;
    f->sel = o->sel;
    f->found = o->found;
    f->sel_packet = o->sel_packet;
    f->sel_conn = o->sel_conn;
    f->sel_flow = o->sel_flow;
    f->tree_lines = o->tree_lines;
    f->tree_rows = o->tree_rows;
    f->layers = o->layers;
    f->hex_total = o->hex_total;
    f->hex_top = o->hex_top;
    f->sel_line = o->sel_line;
    memcpy(f->layer_line, o->layer_line, sizeof f->layer_line);
}

/* The decoder answered: keep its rows, adopt the window it settled on
 * unless a key moved on since, show its notes, and ask again if keys or
 * commands are waiting. */
static void take_response(struct ui *ui)
{
    const struct query_resp *o = &ui->q->resp;
    ui->in_flight = false;
    ui->st = o->st;
    ui->have_stats = true;
    bool current = ui->req_gen == ui->view_gen;
    if (!ui->req_stats_only && current) {
        take_frame(ui, o);
        struct view_state *v = ui_view(ui);
        if (!ui->dirty) {
            if (!(v->cls == &view_packets && v->follow))
                v->top = o->top;
            if (o->sel >= 0)
                v->sel = o->sel;
        }
    }
    if (o->note_seq != ui->note_seq) {
        ui->note_seq = o->note_seq;
        ui_message(ui, "%s", o->note);
    }
    if (!ui->headless) {
        ui_draw(ui);
        uint64_t now = ui_now_ns();
        const char *name = ui->req_stats_only ? "status" : ui_view(ui)->cls->name;
        if (ui->inflight_key_ns)
            ui_trace(ui, "frame %llu %s %.3f", (unsigned long long)now, name,
                     (double)(now - ui->inflight_key_ns) / 1e6);
        else
            ui_trace(ui, "frame %llu %s -", (unsigned long long)now, name);
        if (!ui->traced_first && ui->fr.valid) {
            ui->traced_first = true;
            ui_trace(ui, "first-screen %llu %.3f", (unsigned long long)now,
                     (double)(now - ui->o->start_ns) / 1e6);
        }
    }
    if (ui->st.finished && !ui->traced_indexed) {
        ui->traced_indexed = true;
        ui_trace(ui, "indexed %llu %.3f %llu", (unsigned long long)ui->st.finished_ns,
                 (double)(ui->st.finished_ns - ui->o->start_ns) / 1e6,
                 (unsigned long long)ui->st.decoded);
    }
    if (ui->dirty || ui->ncmds)
        post(ui, false);
    if (ui->ndeferred && !ui->in_flight)
        replay_deferred(ui);
}

/* ---------- drawing ---------- */

static void draw_view(struct ui *ui)
{
    const struct frame *f = &ui->fr;
    int y = 2, rows = ui_view_rows();
    if (!f->valid) {
        scr_put_text(y + 1, 1, "asking the decoder...", ROLE_DIM);
        return;
    }
    for (int i = 0; i < f->head.rows && i < rows; i++)
        scr_put_row(y + i, &f->head, i, false);
    y += f->head.rows;
    rows -= f->head.rows;
    bool select = f->sel >= 0 && f->view != QV_DETAIL && f->total > 0;
    for (int i = 0; i < f->body.rows && i < rows; i++)
        scr_put_row(y + i, &f->body, i, select && f->top + i == f->sel);
}

void ui_draw(struct ui *ui)
{
    if (ui->headless)
        return;
    scr_erase();
    if (scr_rows() < 8 || scr_cols() < 40) {
        scr_put_text(0, 0, "wirescope: the terminal is too small (40x8 at least)", ROLE_MARK);
        scr_refresh();
        return;
    }
    status_draw(ui);
    if (ui->help)
        help_draw(ui);
    else
        draw_view(ui);
    message_draw(ui);
    hints_draw(ui);
    scr_refresh();
}

/* ---------- keys ---------- */

static void pause_toggle(struct ui *ui)
{
    ui->paused = !ui->paused;
    ui->pause_limit = ui->fr.valid && ui->fr.view == QV_PACKETS ? ui->fr.total
                      : (int64_t)ui->st.shown;
    if (!ui->paused)
        ui->pause_limit = -1;
    ui_message(ui, ui->paused ? "display paused (capture goes on); Space resumes"
                              : "display resumed");
}

static void capture_filter_push(struct ui *ui)
{
    struct capture *cap = ui->o->cap;
    if (atomic_load(&cap->end) != CAPTURE_RUNNING) {
        ui_message(ui, "the input has ended: there is nothing left to capture-filter");
        return;
    }
    if (!capture_request_filter(cap, ui->display_filter)) {
        ui_message(ui, "a capture filter change is still pending");
        return;
    }
    snprintf(ui->capture_pending, sizeof ui->capture_pending, "%s",
             ui->display_filter[0] ? ui->display_filter : "(none)");
    ui_message(ui, "capture filter: asking the capture thread for \"%s\"", ui->display_filter);
}

/* The capture thread's answer to F. */
static void capture_filter_check(struct ui *ui)
{
    struct capture *cap = ui->o->cap;
    uint64_t done = atomic_load_explicit(&cap->filter_done, memory_order_acquire);
    if (done == ui->capture_applied_seen)
        return;
    ui->capture_applied_seen = done;
    if (cap->filter_failed) {
        ui_message(ui, "capture filter refused: %s", cap->filter_error);
    } else {
        snprintf(ui->capture_filter, sizeof ui->capture_filter, "%s",
                 strcmp(ui->capture_pending, "(none)") ? ui->capture_pending : "");
        ui_message(ui, "capture filter %s%s", ui->capture_filter[0] ? "set: " : "cleared",
                   ui->capture_filter);
    }
    ui->capture_pending[0] = '\0';
}

static int global_action(struct ui *ui, enum action a)
{
    char buf[PATH_MAX];
    switch (a) {
    case A_QUIT: ui->quit = true; return 0;
    case A_HELP: ui->help = true; ui->help_top = 0; return UI_REDRAW;
    case A_VIEW1: case A_VIEW2: case A_VIEW3:
        ui_switch_top(ui, a - A_VIEW1);
        return UI_REQUEST | UI_REDRAW;
    case A_NEXT_VIEW: ui_switch_top(ui, (ui->top_index + 1) % 3); return UI_REQUEST | UI_REDRAW;
    case A_PREV_VIEW: ui_switch_top(ui, (ui->top_index + 2) % 3); return UI_REQUEST | UI_REDRAW;
    case A_BACK:
        if (ui->depth <= 1)
            return 0;
        ui_pop(ui);
        return UI_REQUEST | UI_REDRAW;
    case A_FILTER: prompt_open(ui, PROMPT_FILTER, ui->display_filter); return UI_REDRAW;
    case A_SAVE:
        prompt_save_default(buf, sizeof buf);
        prompt_open(ui, PROMPT_SAVE, buf);
        return UI_REDRAW;
    case A_CAPFILTER: capture_filter_push(ui); return UI_REDRAW;
    case A_PAUSE: pause_toggle(ui); return UI_REQUEST | UI_REDRAW;
    case A_REDRAW: clearok(curscr, TRUE); return UI_REDRAW;
    default: return -1;
    }
}

static void do_action(struct ui *ui, enum action a, uint64_t t)
{
    int flags = global_action(ui, a);
    if (flags < 0) {
        struct view_state *v = ui_view(ui);
        flags = v->cls->action(ui, v, a);
    }
    if (flags & UI_REQUEST)
        ui_request(ui, t);
    if (flags & UI_REDRAW)
        ui_draw(ui);
}

/* A click selects a body row (a click on the selected row or a double
 * click opens it), a click on a tab switches views, the wheel scrolls. */
static void mouse_event(struct ui *ui, uint64_t t)
{
    MEVENT ev;
    if (getmouse(&ev) != OK || ui->help || ui->pr.active)
        return;
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        enum action a = ev.bstate & BUTTON4_PRESSED ? A_UP : A_DOWN;
        for (int i = 0; i < 3; i++)
            do_action(ui, a, t);
        return;
    }
    if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
        return;
    if (ev.y == 1 && ev.x < 40) {
        int tab = ev.x < 12 ? 0 : ev.x < 22 ? 1 : 2;
        do_action(ui, A_VIEW1 + tab, t);
        return;
    }
    const struct frame *f = &ui->fr;
    int y0 = 2 + (f->valid ? f->head.rows : 0);
    if (!f->valid || f->sel < 0 || f->view == QV_DETAIL || ev.y < y0 ||
        ev.y >= y0 + f->body.rows)
        return;
    int64_t row = f->top + (ev.y - y0);
    if (row >= f->total)
        return;
    struct view_state *v = ui_view(ui);
    if (row == f->sel || (ev.bstate & BUTTON1_DOUBLE_CLICKED)) {
        do_action(ui, A_ENTER, t);
        return;
    }
    v->sel = row;
    v->follow = false;
    ui_request(ui, t);
}

static void key_action(struct ui *ui, int ch, uint64_t t)
{
    if (ch == KEY_RESIZE) {
        ui_draw(ui);
        ui_request(ui, t);
        return;
    }
    if (ch == KEY_MOUSE) {
        mouse_event(ui, t);
        return;
    }
    if (ui->pr.active) {
        prompt_key(ui, ch);
        if (ui->ncmds == 0)
            ui_draw(ui);
        return;
    }
    if (ui->help) {
        help_key(ui, ch);
        ui_draw(ui);
        return;
    }
    enum action a = keys_lookup(ch, ui_view(ui)->cls->mask);
    if (a != A_NONE)
        do_action(ui, a, t);
}

/* Keys that arrived while the previous key's rows were on their way, now
 * that they are here. */
static void replay_deferred(struct ui *ui)
{
    int n = ui->ndeferred;
    int keys[32];
    uint64_t when[32];
    memcpy(keys, ui->deferred, sizeof keys);
    memcpy(when, ui->deferred_ns, sizeof when);
    ui->ndeferred = 0;
    for (int i = 0; i < n && !ui->quit; i++) {
        if (ui->in_flight) { /* that key asked for new rows: wait for them */
            memmove(ui->deferred, keys + i, (size_t)(n - i) * sizeof keys[0]);
            memmove(ui->deferred_ns, when + i, (size_t)(n - i) * sizeof when[0]);
            ui->ndeferred = n - i;
            return;
        }
        key_action(ui, keys[i], when[i]);
    }
}

static void handle_key(struct ui *ui, int ch)
{
    uint64_t t = ui_now_ns();
    if (ui->trace) {
        char name[32];
        keys_name(ch, name, sizeof name);
        ui_trace(ui, "key %llu %s", (unsigned long long)t, name);
    }
    /* a key acts on the rows the previous key asked for */
    bool waiting = ui->in_flight && (ui->inflight_key_ns || !ui->fr.valid) &&
                   !ui->pr.active && !ui->help;
    if ((waiting || ui->ndeferred) && ch != KEY_RESIZE &&
        keys_lookup(ch, VM_ALL) != A_QUIT && ui->ndeferred < 32) {
        ui->deferred[ui->ndeferred] = ch;
        ui->deferred_ns[ui->ndeferred++] = t;
        return;
    }
    key_action(ui, ch, t);
}

/* ---------- our own stderr, shown on the message line ---------- */

static void read_stderr(struct ui *ui)
{
    char buf[1024];
    ssize_t n = read(ui->err_fd, buf, sizeof buf - 1);
    if (n <= 0)
        return;
    buf[n] = '\0';
    size_t room = sizeof ui->err_log - 1 - ui->err_len;
    size_t k = (size_t)n < room ? (size_t)n : room;
    memcpy(ui->err_log + ui->err_len, buf, k);
    ui->err_len += k;
    ui->err_log[ui->err_len] = '\0';
    /* the last complete line goes to the message line */
    char *end = strrchr(buf, '\n');
    if (!end)
        return;
    *end = '\0';
    char *start = strrchr(buf, '\n');
    start = start ? start + 1 : buf;
    if (!strncmp(start, "wirescope: ", 11))
        start += 11;
    ui_message(ui, "%s", start);
    ui_draw(ui);
}

static bool redirect_stderr(struct ui *ui)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return false;
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    ui->saved_stderr = dup(STDERR_FILENO);
    if (ui->saved_stderr < 0 || dup2(fds[1], STDERR_FILENO) < 0) {
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    close(fds[1]);
    ui->err_fd = fds[0];
    return true;
}

static void restore_stderr(struct ui *ui)
{
    if (ui->saved_stderr < 0)
        return;
    fflush(stderr);
    dup2(ui->saved_stderr, STDERR_FILENO);
    close(ui->saved_stderr);
    ui->saved_stderr = -1;
    /* whatever was said while the UI had the screen */
    while (ui->err_fd >= 0) {
        char buf[1024];
        ssize_t n = read(ui->err_fd, buf, sizeof buf);
        if (n <= 0)
            break;
        size_t room = sizeof ui->err_log - 1 - ui->err_len;
        size_t k = (size_t)n < room ? (size_t)n : room;
        memcpy(ui->err_log + ui->err_len, buf, k);
        ui->err_len += k;
    }
    if (ui->err_fd >= 0)
        close(ui->err_fd);
    ui->err_fd = -1;
    if (ui->err_len) {
        ssize_t rc = write(STDERR_FILENO, ui->err_log, ui->err_len);
        (void)rc;
    }
}

/* ---------- the loop ---------- */

static bool wants_refresh(const struct ui *ui)
{
    return !ui->have_stats || ui->o->cap->live || !ui->st.finished || ui->st.filtering ||
           ui->st.saving || (ui->fr.valid && !ui->fr.found &&
                             (ui->fr.view == QV_CONN || ui->fr.view == QV_DETAIL ||
                              ui->fr.view == QV_EXCHANGE));
}

static void tick(struct ui *ui, uint64_t now)
{
    if (now >= ui->next_link_ns) {
        capture_watch_link(ui->o->cap);
        ui->next_link_ns = now + 1000000000u;
    }
    if (ui->o->duration > 0 && !ui->duration_done &&
        (double)(now - ui->o->start_ns) / 1e9 >= ui->o->duration) {
        ui->duration_done = true;
        capture_request_stop(ui->o->cap);
        ui_message(ui, "capture stopped after --duration %.3g s", ui->o->duration);
    }
    capture_filter_check(ui);
    if (ui->msg[0] && now - ui->msg_ns > MESSAGE_NS && !ui->pr.active)
        ui->msg[0] = '\0';
    if (!ui->in_flight && wants_refresh(ui))
        post(ui, ui->paused);
    else
        ui_draw(ui);
}

static void start_views(struct ui *ui)
{
    for (int i = 0; i < 3; i++)
        view_init(&ui->tops[i], top_classes[i], 0);
    ui->top_index = 0;
    ui->stack[0] = ui->tops[0];
    ui->depth = 1;
    if (ui->o->open_conn) {
        ui_switch_top(ui, 2);
        ui_push(ui, &view_conn, ui->o->conn_id);
    }
}

static void ui_init(struct ui *ui, const struct ui_opts *o)
{
    memset(ui, 0, sizeof *ui);
    ui->o = o;
    ui->q = o->q;
    ui->saved_stderr = -1;
    ui->err_fd = -1;
    ui->pause_limit = -1;
    if (o->capture_filter)
        snprintf(ui->capture_filter, sizeof ui->capture_filter, "%s", o->capture_filter);
    ui->trace = o->trace;
    ui_trace(ui, "start %llu", (unsigned long long)o->start_ns);
    start_views(ui);
}

static void ui_finish(struct ui *ui)
{
    capture_request_stop(ui->o->cap);
    query_request_quit(ui->q);
    if (ui->trace)
        fclose(ui->trace);
    for (int i = 0; i < ui->ncmds; i++)
        if (ui->cmds[i].cmd == QC_SET_FILTER)
            pcap_freecode(&ui->cmds[i].prog);
    free(ui->fr.head.cells);
    free(ui->fr.body.cells);
}

static int signal_fd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void loop(struct ui *ui, int sig_fd)
{
    uint64_t next_tick = ui_now_ns();
    while (!ui->quit) {
        uint64_t now = ui_now_ns();
        if (now >= next_tick) {
            tick(ui, now);
            next_tick = now + TICK_NS;
        }
        int timeout = (int)((next_tick - now) / 1000000u) + 1;
        struct pollfd fds[4] = {
            {.fd = STDIN_FILENO, .events = POLLIN},
            {.fd = ui->q->ui_fd, .events = POLLIN},
            {.fd = sig_fd, .events = POLLIN},
            {.fd = ui->err_fd, .events = POLLIN},
        };
        int rc = poll(fds, 4, timeout);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc > 0 && (fds[2].revents & POLLIN)) {
            struct signalfd_siginfo si;
            if (read(sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
                ui->quit = true;
        }
        if (rc > 0 && (fds[3].revents & POLLIN))
            read_stderr(ui);
        if (rc > 0 && (fds[1].revents & POLLIN)) {
            query_ack_wakeup(ui->q);
            if (ui->in_flight && query_ready(ui->q))
                take_response(ui);
        }
        if (rc > 0 && (fds[0].revents & (POLLHUP | POLLERR)))
            ui->quit = true; /* the terminal went away */
        /* keys, including a KEY_RESIZE after SIGWINCH interrupted poll */
        int ch;
        while (!ui->quit && (ch = getch()) != ERR)
            handle_key(ui, ch);
    }
}

int ui_run(const struct ui_opts *o)
{
    struct ui *ui = xcalloc(1, sizeof *ui);
    ui_init(ui, o);
    int sig_fd = signal_fd();
    char err[256];
    int status = 0;
    /* without the pipe, messages would scribble over the screen */
    bool piped = redirect_stderr(ui);
    if (!scr_open(ui, err, sizeof err)) {
        restore_stderr(ui);
        fprintf(stderr, "wirescope: %s\n", err);
        status = 1;
    } else {
        if (!piped)
            ui_message(ui, "warning: stderr is not redirected; ^L redraws the screen");
        ui_draw(ui);
        loop(ui, sig_fd);
        scr_close();
        restore_stderr(ui);
    }
    ui_finish(ui);
    if (sig_fd >= 0)
        close(sig_fd);
    free(ui);
    return status;
}
