/* The one module that talks to curses: setup, colours by role through a
 * scheme table, copying cell buffers to the screen, and putting the
 * terminal back on every way out (including fatal signals). */
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ui/ui_internal.h"

struct scheme {
    short fg, bg;     /* -1: the terminal's default */
    attr_t attr;      /* with colours */
    attr_t mono;      /* without colours (NO_COLOR, or none available) */
};

/* Colours by role; no view picks a colour itself. */
static const struct scheme scheme[ROLE_COUNT] = {
    [ROLE_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
    [ROLE_DIM] = {-1, -1, A_DIM, A_DIM},
    [ROLE_HEADER] = {COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_BOLD | A_UNDERLINE},
    [ROLE_CLIENT] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    [ROLE_SERVER] = {COLOR_MAGENTA, -1, A_BOLD, A_BOLD},
    [ROLE_SYN] = {-1, -1, A_BOLD, A_BOLD},
    [ROLE_FIN] = {-1, -1, A_BOLD, A_BOLD},
    [ROLE_RST] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [ROLE_MARK] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [ROLE_NOTE] = {COLOR_CYAN, -1, A_NORMAL, A_DIM},
    [ROLE_SELECTED] = {-1, -1, A_REVERSE, A_REVERSE},
    [ROLE_HIGHLIGHT] = {COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE},
    [ROLE_BAD] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
    [ROLE_P_TCP] = {-1, -1, A_NORMAL, A_NORMAL},
    [ROLE_P_UDP] = {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
    [ROLE_P_DNS] = {COLOR_BLUE, -1, A_BOLD, A_NORMAL},
    [ROLE_P_HTTP] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    [ROLE_P_TLS] = {COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL},
    [ROLE_P_ICMP] = {COLOR_YELLOW, -1, A_NORMAL, A_NORMAL},
    [ROLE_P_ARP] = {COLOR_YELLOW, -1, A_DIM, A_NORMAL},
    [ROLE_P_APP] = {COLOR_GREEN, -1, A_BOLD, A_NORMAL},
    [ROLE_BAR] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [ROLE_KEY] = {COLOR_WHITE, COLOR_BLACK, A_BOLD, A_BOLD},
};

static bool open_;
static bool ascii_;
static bool colour_;
static SCREEN *screen_;
static struct termios saved_tty;
static bool saved_tty_ok;
static struct sigaction old_fatal[NSIG];

static attr_t role_attr(int role)
{
    if (role < 0 || role >= ROLE_COUNT)
        role = ROLE_NORMAL;
    if (!colour_)
        return scheme[role].mono;
    return scheme[role].attr | COLOR_PAIR(role + 1);
}

/* Fatal signals: put the terminal back (only async-signal-safe calls),
 * then let the previous handler (a sanitizer's, or the default) run. */
static void fatal_signal(int sig)
{
    static const char reset[] = "\033[?1000l\033[?1002l\033[?1006l\033[?25h\033[0m\033[?1049l\r\n";
    if (saved_tty_ok)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    ssize_t rc = write(STDOUT_FILENO, reset, sizeof reset - 1);
    (void)rc;
    sigaction(sig, &old_fatal[sig], NULL);
    raise(sig);
}

static void catch_fatal_signals(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fatal_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, &old_fatal[sigs[i]]);
}

static void init_colours(void)
{
    const char *no_color = getenv("NO_COLOR");
    colour_ = has_colors() && !(no_color && *no_color);
    if (!colour_)
        return;
    start_color();
    use_default_colors();
    for (int r = 0; r < ROLE_COUNT; r++)
        init_pair((short)(r + 1), scheme[r].fg, scheme[r].bg);
}

bool scr_open(struct ui *ui, char *err, size_t errsz)
{
    (void)ui;
    setlocale(LC_CTYPE, "");
    ascii_ = strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
    saved_tty_ok = tcgetattr(STDIN_FILENO, &saved_tty) == 0;
    screen_ = newterm(NULL, stdout, stdin);
    if (!screen_) {
        snprintf(err, errsz, "cannot start the terminal UI (TERM=%s)",
                 getenv("TERM") ? getenv("TERM") : "unset");
        return false;
    }
    set_term(screen_);
    open_ = true;
    catch_fatal_signals();
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON1_PRESSED |
                  BUTTON4_PRESSED | BUTTON5_PRESSED,
              NULL);
    mouseinterval(200);
    init_colours();
    return true;
}

void scr_close(void)
{
    if (!open_)
        return;
    open_ = false;
    endwin();
    delscreen(screen_);
    screen_ = NULL;
}

bool scr_ascii(void) { return ascii_; }
int scr_rows(void) { return LINES; }
int scr_cols(void) { return COLS; }

/* Cells of one row, in runs of one attribute; outside UTF-8 locales
 * anything but ASCII becomes '?'. */
void scr_put_row(int y, const struct cellbuf *cb, int row, bool highlight)
{
    if (y < 0 || y >= LINES || row < 0 || row >= cb->rows)
        return;
    const struct cell *c = &cb->cells[(size_t)row * (size_t)cb->width];
    int w = cb->width < COLS ? cb->width : COLS;
    char run[4096];
    int x = 0;
    while (x < w) {
        int role = c[x].role;
        attr_t a = role_attr(role) | (highlight ? A_REVERSE : 0);
        size_t len = 0;
        int x0 = x;
        while (x < w && c[x].role == role && len + 4 < sizeof run) {
            if (c[x].len == 0) {
                run[len++] = ' ';
            } else if (ascii_ && (unsigned char)c[x].ch[0] >= 0x80) {
                run[len++] = '?';
            } else {
                memcpy(run + len, c[x].ch, c[x].len);
                len += c[x].len;
            }
            x++;
        }
        attrset(a);
        mvaddnstr(y, x0, run, (int)len);
    }
    attrset(highlight ? A_REVERSE : A_NORMAL);
    for (; x < COLS && highlight; x++)
        mvaddch(y, x, ' ');
    attrset(A_NORMAL);
}

void scr_put_text(int y, int x, const char *text, enum cell_role role)
{
    if (y < 0 || y >= LINES || x >= COLS)
        return;
    struct cellbuf cb;
    cellbuf_init(&cb, COLS - x > 0 ? COLS - x : 1, ascii_);
    int row = cellbuf_add_row(&cb);
    int end = cellbuf_put(&cb, row, 0, text, role);
    attrset(role_attr(role));
    for (int i = 0; i < end && i < cb.width; i++) {
        const struct cell *c = &cb.cells[i];
        if (c->len == 0 || (ascii_ && (unsigned char)c->ch[0] >= 0x80))
            mvaddch(y, x + i, c->len ? '?' : ' ');
        else
            mvaddnstr(y, x + i, c->ch, c->len);
    }
    attrset(A_NORMAL);
    cellbuf_free(&cb);
}

void scr_fill_line(int y, enum cell_role role)
{
    attrset(role_attr(role));
    mvhline(y, 0, ' ', COLS);
    attrset(A_NORMAL);
}

void scr_clear_line(int y)
{
    move(y, 0);
    clrtoeol();
}

void scr_refresh(void) { refresh(); }
void scr_erase(void) { erase(); }
void scr_bell(void) { beep(); }
