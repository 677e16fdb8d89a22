/* The help screen: every key from the key table, what the colours and the
 * status bar mean. Drawn over the view; any key but the arrows closes it. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "ui/ui_internal.h"

static const char *const notes[] = {
    "",
    "Views: 1 packets, 2 flows, 3 TCP connections; Enter drills in (packet detail,",
    "  a connection's ladder, timeline and streams), Esc or Backspace goes back.",
    "Packet rows: red = RST, yellow = TCP analysis marks (retransmission, dup ACK,",
    "  zero window, ...), white on red = truncated or malformed, bold = SYN/FIN;",
    "  otherwise by protocol.",
    "Filters: / sets a display filter (BPF, as tcpdump takes it) over the stored",
    "  packets and the new ones; F makes it the capture filter too. Both are shown",
    "  on the second line; a wrong expression is reported and the old one kept.",
    "Status: captured and shown packets, drops by the kernel and by the ring,",
    "  packets the store dropped (--mem), packet and bit rates, elapsed time.",
    "Mouse: click selects a row, a second click or a double click opens it,",
    "  the wheel scrolls.",
};

/* Appends text from column col, wrapped at spaces to the width. */
static void put_wrapped(struct cellbuf *cb, int col, const char *text,
                        enum cell_role role, int row)
{
    int width = cb->width - col;
    if (width < 10)
        width = 10;
    const char *p = text;
    while (*p) {
        int n = (int)strlen(p);
        if (n > width) {
            n = width;
            while (n > width / 2 && p[n] != ' ')
                n--;
            if (p[n] != ' ')
                n = width;
        }
        char line[512];
        snprintf(line, sizeof line, "%.*s", n, p);
        if (row < 0)
            row = cellbuf_add_row(cb);
        cellbuf_put(cb, row, col, line, role);
        row = -1;
        p += n;
        while (*p == ' ')
            p++;
    }
}

/* The whole help text at the screen's width. */
static void help_build(struct cellbuf *cb)
{
    cellbuf_put(cb, cellbuf_add_row(cb), 1,
                "wirescope keys (arrows scroll; any other key closes this help)", ROLE_HEADER);
    cellbuf_add_row(cb);
    for (int i = 0; i < ui_nkeys; i++) {
        int row = cellbuf_add_row(cb);
        cellbuf_put(cb, row, 2, ui_keys[i].name, ROLE_KEY);
        put_wrapped(cb, 12, ui_keys[i].help, ROLE_NORMAL, row);
    }
    for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++) {
        if (!notes[i][0])
            cellbuf_add_row(cb);
        else
            put_wrapped(cb, notes[i][0] == ' ' ? 3 : 1, notes[i] + (notes[i][0] == ' ' ? 2 : 0),
                        ROLE_NORMAL, -1);
    }
}

void help_draw(struct ui *ui)
{
    int y0 = 2, rows = ui_view_rows();
    struct cellbuf cb;
    cellbuf_init(&cb, scr_cols(), scr_ascii());
    help_build(&cb);
    int max_top = cb.rows - rows > 0 ? cb.rows - rows : 0;
    if (ui->help_top > max_top)
        ui->help_top = max_top;
    if (ui->help_top < 0)
        ui->help_top = 0;
    for (int i = 0; i < rows; i++) {
        scr_clear_line(y0 + i);
        scr_put_row(y0 + i, &cb, ui->help_top + i, false);
    }
    cellbuf_free(&cb);
}

void help_key(struct ui *ui, int key)
{
    switch (key) {
    case KEY_UP: case 'k': ui->help_top--; break;
    case KEY_DOWN: case 'j': ui->help_top++; break;
    case KEY_PPAGE: ui->help_top -= ui_view_rows(); break;
    case KEY_NPAGE: ui->help_top += ui_view_rows(); break;
    default: ui->help = false;
    }
}
