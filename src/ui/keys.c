/* The key table: which key does what in which view. It drives the
 * dispatch, the help screen and the hint bar, so they cannot disagree. */
#include <curses.h>
#include <stdio.h>

#include "ui/ui_internal.h"

#define CTRL(c) ((c) & 0x1f)
#define ESC 27

const struct key_binding ui_keys[] = {
    {'?', KEY_F(1), 0, "?", "Help", "this help (every key)", VM_ALL, A_HELP},
    {'q', KEY_F(10), 0, "q", "Quit", "quit; the terminal is restored", VM_ALL, A_QUIT},
    {'1', 0, 0, "1", NULL, "packet list", VM_ALL, A_VIEW1},
    {'2', 0, 0, "2", NULL, "flows (conversations)", VM_ALL, A_VIEW2},
    {'3', 0, 0, "3", NULL, "TCP connections", VM_ALL, A_VIEW3},
    {'\t', 0, 0, "Tab", "View", "next view (packets, flows, connections)", VM_ALL, A_NEXT_VIEW},
    {KEY_BTAB, 0, 0, "S-Tab", NULL, "previous view", VM_ALL, A_PREV_VIEW},
    {KEY_UP, 'k', 0, "Up/k", NULL, "move up", VM_ALL, A_UP},
    {KEY_DOWN, 'j', 0, "Down/j", NULL, "move down", VM_ALL, A_DOWN},
    {KEY_PPAGE, CTRL('b'), 0, "PgUp", NULL, "page up", VM_ALL, A_PGUP},
    {KEY_NPAGE, CTRL('f'), 0, "PgDn", NULL, "page down", VM_ALL, A_PGDN},
    {KEY_HOME, 'g', 0, "Home/g", NULL, "first row", VM_ALL, A_HOME},
    {KEY_END, 'G', 0, "End/G", NULL,
     "last row; the packet list follows new packets again", VM_ALL, A_END},
    {'\r', '\n', KEY_ENTER, "Enter", "Open",
     "open a packet's detail, a flow's or connection's view, a ladder arrow's packet; "
     "detail: fold or unfold the layer",
     VM_ALL, A_ENTER},
    {ESC, KEY_BACKSPACE, 127, "Esc", "Back", "back to the previous view (also Backspace)",
     VM_DETAIL | VM_CONN, A_BACK},
    {'/', 0, 0, "/", "Filter",
     "display filter: a BPF expression (tcpdump syntax) over stored and new packets; empty clears it",
     VM_ALL, A_FILTER},
    {'F', 0, 0, "F", "CapFilter",
     "push the display filter down as the live capture filter (pcap_setfilter); none clears it",
     VM_ALL, A_CAPFILTER},
    {' ', 0, 0, "Space", "Pause", "pause the display (capture goes on); again to resume",
     VM_ALL, A_PAUSE},
    {'w', 0, 0, "w", "Save",
     "save the displayed packets to a pcap file (started as root, wirescope writes it as the -Z user)",
     VM_ALL, A_SAVE},
    {'s', 0, 0, "s", "Sort",
     "flows: next sort key (bytes, packets, rate over 2 s, 10 s, 40 s, duration, start)",
     VM_FLOWS, A_SORT},
    {'r', 0, 0, "r", NULL, "flows: reverse the sort order", VM_FLOWS, A_SORT_REV},
    {'l', 0, 0, "l", "Ladder", "connection: the ladder (an arrow per segment)", VM_CONN,
     A_PANE_LADDER},
    {'t', 0, 0, "t", "Timeline", "connection: the timeline of its phases", VM_CONN,
     A_PANE_TIMELINE},
    {'f', 0, 0, "f", "Follow", "connection: the reassembled streams", VM_CONN, A_PANE_FOLLOW},
    {KEY_RIGHT, 0, 0, "Right", NULL, "connection: next pane; detail: expand the layer",
     VM_CONN | VM_DETAIL, A_PANE_NEXT},
    {KEY_LEFT, 0, 0, "Left", NULL, "connection: previous pane; detail: collapse the layer",
     VM_CONN | VM_DETAIL, A_PANE_PREV},
    {'+', '=', 0, "+", "Zoom", "timeline: zoom in on the start", VM_CONN, A_ZOOM_IN},
    {'-', 0, 0, "-", NULL, "timeline: zoom out", VM_CONN, A_ZOOM_OUT},
    {'x', 0, 0, "x", "Hex", "follow: text or hex dump", VM_CONN, A_HEX},
    {'c', 0, 0, "c", NULL, "detail: collapse every layer", VM_DETAIL, A_COLLAPSE_ALL},
    {'e', 0, 0, "e", NULL, "detail: expand every layer", VM_DETAIL, A_EXPAND_ALL},
    {'[', 0, 0, "[", NULL, "detail: scroll the hex dump up", VM_DETAIL, A_HEX_UP},
    {']', 0, 0, "]", NULL, "detail: scroll the hex dump down", VM_DETAIL, A_HEX_DOWN},
    {CTRL('l'), 0, 0, "^L", NULL, "redraw the screen", VM_ALL, A_REDRAW},
};

const int ui_nkeys = sizeof ui_keys / sizeof ui_keys[0];

enum action keys_lookup(int key, unsigned view_mask)
{
    for (int i = 0; i < ui_nkeys; i++) {
        const struct key_binding *k = &ui_keys[i];
        if (!(k->views & view_mask))
            continue;
        if (k->key == key || (k->key2 && k->key2 == key) || (k->key3 && k->key3 == key))
            return k->act;
    }
    return A_NONE;
}

/* A key's name for the trace: "a", "KEY_DOWN", "^L", "Enter". */
void keys_name(int key, char *buf, size_t size)
{
    if (key == '\r' || key == '\n' || key == KEY_ENTER)
        snprintf(buf, size, "Enter");
    else if (key == ' ')
        snprintf(buf, size, "Space");
    else if (key == ESC)
        snprintf(buf, size, "Esc");
    else if (key == '\t')
        snprintf(buf, size, "Tab");
    else {
        const char *n = keyname(key);
        snprintf(buf, size, "%s", n ? n : "?");
    }
}
