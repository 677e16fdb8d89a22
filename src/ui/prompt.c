/* The one-line prompt (display filter, save path) and what its answers do:
 * a filter is compiled here, on a dead handle of the capture's link type,
 * so a mistake is reported at once with libpcap's words and the previous
 * filter stays; a good program is handed to the decoder. */
#include <curses.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ui/ui_internal.h"

#define CTRL(c) ((c) & 0x1f)

void prompt_open(struct ui *ui, int kind, const char *initial)
{
    struct prompt *p = &ui->pr;
    p->active = true;
    p->kind = kind;
    snprintf(p->text, sizeof p->text, "%s", initial ? initial : "");
    p->len = p->cur = (int)strlen(p->text);
}

bool filter_compile(struct ui *ui, const char *expr, struct bpf_program *prog,
                    char *err, size_t errsz)
{
    pcap_t *dead = pcap_open_dead(ui->o->cap->linktype, 262144);
    if (!dead) {
        snprintf(err, errsz, "no memory");
        return false;
    }
    bool ok = pcap_compile(dead, prog, expr, 1, PCAP_NETMASK_UNKNOWN) == 0;
    if (!ok)
        snprintf(err, errsz, "%s", pcap_geterr(dead));
    pcap_close(dead);
    return ok;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    size_t k = strspn(s, " \t");
    memmove(s, s + k, n - k + 1);
}

void filter_apply(struct ui *ui, const char *text)
{
    char expr[sizeof ui->display_filter];
    snprintf(expr, sizeof expr, "%s", text);
    trim(expr);
    struct query_req cmd;
    memset(&cmd, 0, sizeof cmd);
    if (!expr[0]) {
        if (!ui->display_filter[0])
            return;
        cmd.cmd = QC_CLEAR_FILTER;
        if (ui_queue_cmd(ui, &cmd)) {
            ui->display_filter[0] = '\0';
            ui_message(ui, "display filter cleared");
        }
        return;
    }
    char err[PCAP_ERRBUF_SIZE + 64];
    if (!filter_compile(ui, expr, &cmd.prog, err, sizeof err)) {
        ui_message(ui, "invalid filter \"%s\": %s; keeping %s%s%s", expr, err,
                   ui->display_filter[0] ? "\"" : "",
                   ui->display_filter[0] ? ui->display_filter : "no filter",
                   ui->display_filter[0] ? "\"" : "");
        return;
    }
    cmd.cmd = QC_SET_FILTER;
    snprintf(cmd.filter_text, sizeof cmd.filter_text, "%s", expr);
    if (!ui_queue_cmd(ui, &cmd)) {
        pcap_freecode(&cmd.prog);
        return;
    }
    snprintf(ui->display_filter, sizeof ui->display_filter, "%s", expr);
    ui_message(ui, "display filter: %s", expr);
    /* the packet list starts over at its last page */
    ui->tops[0].follow = true;
    if (ui->top_index == 0)
        ui->stack[0].follow = true;
}

static void save_apply(struct ui *ui, const char *text)
{
    char path[sizeof ui->pr.text];
    snprintf(path, sizeof path, "%s", text);
    trim(path);
    if (!path[0]) {
        ui_message(ui, "nothing saved: no file name");
        return;
    }
    struct query_req cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.cmd = QC_SAVE;
    snprintf(cmd.path, sizeof cmd.path, "%s", path);
    if (ui_queue_cmd(ui, &cmd))
        ui_message(ui, "saving the %s packets to %s ...",
                   ui->display_filter[0] ? "displayed" : "stored", path);
}

static void prompt_insert(struct prompt *p, int ch)
{
    if (p->len + 1 >= (int)sizeof p->text)
        return;
    memmove(p->text + p->cur + 1, p->text + p->cur, (size_t)(p->len - p->cur + 1));
    p->text[p->cur++] = (char)ch;
    p->len++;
}

static void prompt_delete(struct prompt *p, int at)
{
    if (at < 0 || at >= p->len)
        return;
    memmove(p->text + at, p->text + at + 1, (size_t)(p->len - at));
    p->len--;
    if (p->cur > at)
        p->cur--;
}

void prompt_key(struct ui *ui, int key)
{
    struct prompt *p = &ui->pr;
    switch (key) {
    case 27:
        p->active = false;
        ui->msg[0] = '\0';
        return;
    case '\r':
    case '\n':
    case KEY_ENTER:
        p->active = false;
        if (p->kind == PROMPT_FILTER)
            filter_apply(ui, p->text);
        else
            save_apply(ui, p->text);
        return;
    case KEY_BACKSPACE:
    case 127:
    case 8:
        prompt_delete(p, p->cur - 1);
        return;
    case KEY_DC: prompt_delete(p, p->cur); return;
    case KEY_LEFT: if (p->cur > 0) p->cur--; return;
    case KEY_RIGHT: if (p->cur < p->len) p->cur++; return;
    case KEY_HOME: case CTRL('a'): p->cur = 0; return;
    case KEY_END: case CTRL('e'): p->cur = p->len; return;
    case CTRL('u'): p->len = p->cur = 0; p->text[0] = '\0'; return;
    default:
        /* printable ASCII only: a filter or a path is typed, not pasted bytes */
        if (key >= 0x20 && key < 0x7f)
            prompt_insert(p, key);
    }
}

void prompt_draw(struct ui *ui, int y)
{
    const struct prompt *p = &ui->pr;
    const char *label = p->kind == PROMPT_FILTER ? "display filter (BPF): " : "save to: ";
    int lx = (int)strlen(label);
    scr_put_text(y, 0, label, ROLE_HEADER);
    /* keep the cursor in sight on a long line */
    int room = scr_cols() - lx - 1;
    int from = p->cur > room ? p->cur - room : 0;
    scr_put_text(y, lx, p->text + from, ROLE_NORMAL);
    char at[2] = {p->cur < p->len ? p->text[p->cur] : ' ', 0};
    scr_put_text(y, lx + p->cur - from, at, ROLE_SELECTED);
}

/* The save prompt's suggestion: wirescope-YYYYmmdd-HHMMSS.pcap */
void prompt_save_default(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, size, "wirescope-%Y%m%d-%H%M%S.pcap", &tm);
}
