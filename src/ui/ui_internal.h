/* Shared between the UI's files: the UI state, views as const classes,
 * the key table and the screen helpers. UI thread only. */
#ifndef WIRESCOPE_UI_INTERNAL_H
#define WIRESCOPE_UI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirescope/query.h"
#include "wirescope/render.h"
#include "wirescope/ui.h"

/* What a key does; one table (keys.c) maps keys to actions per view and
 * drives the help screen and the hint bar. */
enum action {
    A_NONE = 0,
    A_UP, A_DOWN, A_PGUP, A_PGDN, A_HOME, A_END,
    A_ENTER, A_BACK,
    A_VIEW1, A_VIEW2, A_VIEW3, A_NEXT_VIEW, A_PREV_VIEW,
    A_FILTER, A_CAPFILTER, A_PAUSE, A_SAVE, A_HELP, A_QUIT, A_REDRAW,
    A_SORT, A_SORT_REV,
    A_PANE_LADDER, A_PANE_TIMELINE, A_PANE_FOLLOW, A_PANE_NEXT, A_PANE_PREV,
    A_ZOOM_IN, A_ZOOM_OUT, A_HEX,
    A_COLLAPSE, A_EXPAND, A_COLLAPSE_ALL, A_EXPAND_ALL, A_HEX_UP, A_HEX_DOWN,
};

/* View masks for the key table. */
enum {
    VM_PACKETS = 1, VM_DETAIL = 2, VM_FLOWS = 4, VM_CONNS = 8, VM_CONN = 16,
    VM_LISTS = VM_PACKETS | VM_FLOWS | VM_CONNS | VM_CONN,
    VM_ALL = 31,
};

struct key_binding {
    int key, key2, key3;   /* curses key codes (0: unused) */
    const char *name;      /* as shown: "Enter", "/", "PgDn" */
    const char *hint;      /* short label for the hint bar, NULL: not there */
    const char *help;      /* the help screen's line */
    unsigned views;        /* VM_* */
    enum action act;
};

extern const struct key_binding ui_keys[];
extern const int ui_nkeys;

/* Handler results. */
enum { UI_REQUEST = 1, UI_REDRAW = 2 };

struct view_state;
struct ui;

struct view_class {
    const char *name;       /* for the trace: "packets", "flows", ... */
    enum query_view qview;
    unsigned mask;          /* VM_* */
    /* fills the view's part of the request */
    void (*request)(struct ui *ui, struct view_state *v, struct query_req *r);
    /* handles an action the generic code did not; returns UI_* flags */
    int (*action)(struct ui *ui, struct view_state *v, enum action a);
};

extern const struct view_class view_packets, view_detail, view_flows,
    view_conns, view_conn, view_exchange;

struct view_state {
    const struct view_class *cls;
    int64_t top, sel;
    bool follow;             /* packets: keep the last row in sight */
    uint64_t id;             /* detail: packet; conn: connection id */
    enum flow_sort sort;
    bool asc;
    enum conn_pane pane;
    int zoom;
    bool hex;
    uint32_t collapsed;
    int64_t hex_top;         /* QUERY_FOLLOW: keep the selection's bytes in sight */
};

/* The last response, copied out of the mailbox so the decoder may reuse
 * its buffers while this one stays on screen. */
struct frame {
    bool valid;
    enum query_view view;
    struct cellbuf head, body;
    int64_t total, top, sel;
    bool found;
    uint64_t sel_packet, sel_conn, sel_flow;
    int tree_lines, tree_rows, layers;
    int64_t hex_total, hex_top;
    struct detail_line sel_line;
    int layer_line[WS_MAX_LAYERS];
};

#define UI_MAX_CMDS 4
#define UI_STACK 6

struct prompt {
    bool active;
    enum { PROMPT_FILTER, PROMPT_SAVE } kind;
    char text[512];
    int len, cur;
};

struct ui {
    const struct ui_opts *o;
    struct query *q;
    struct view_state tops[3];  /* packets, flows, connections */
    int top_index;
    struct view_state stack[UI_STACK]; /* stack[0] is a top-level view */
    int depth;
    /* the mailbox: one request at a time */
    bool in_flight, dirty;
    bool req_stats_only;        /* the request in flight asks for counters only */
    uint64_t view_gen, req_gen; /* a response for an older view is not adopted */
    uint64_t posted_ns;
    uint64_t inflight_key_ns, dirty_key_ns; /* 0: not caused by a key */
    struct query_req cmds[UI_MAX_CMDS];     /* commands waiting to be sent */
    int ncmds;
    struct frame fr;
    struct query_stats st;
    bool have_stats;
    uint64_t note_seq;
    /* display */
    bool paused;
    int64_t pause_limit;
    bool help;
    int help_top;
    struct prompt pr;
    char msg[600];
    uint64_t msg_ns;
    char display_filter[512];
    char capture_filter[512];
    char capture_pending[512];  /* asked of the capture thread, not yet applied */
    uint64_t capture_applied_seen;
    bool headless;              /* the self-test: no terminal */
    /* trace (WIRESCOPE_TRACE) */
    FILE *trace;
    bool traced_indexed, traced_first;
    bool quit;
    int exit_status;
    /* our stderr while curses has the terminal: a pipe, shown on the
     * message line and replayed once the terminal is restored */
    int saved_stderr, err_fd;
    char err_log[16384];
    size_t err_len;
    uint64_t next_link_ns;
    bool duration_done;
    /* keys typed while the previous key's rows are on their way: they act
     * on those rows (Home then Enter opens the first packet), so they wait */
    int deferred[32];
    uint64_t deferred_ns[32];
    int ndeferred;
};

/* screen.c */
bool scr_open(struct ui *ui, char *err, size_t errsz);
void scr_close(void);
bool scr_ascii(void);
int scr_rows(void);
int scr_cols(void);
void scr_put_row(int y, const struct cellbuf *cb, int row, bool highlight);
void scr_put_text(int y, int x, const char *text, enum cell_role role);
void scr_fill_line(int y, enum cell_role role);
void scr_clear_line(int y);
void scr_refresh(void);
void scr_erase(void);
void scr_bell(void);

/* ui.c */
uint64_t ui_now_ns(void);
void ui_message(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct view_state *ui_view(struct ui *ui);
void ui_push(struct ui *ui, const struct view_class *cls, uint64_t id);
void ui_pop(struct ui *ui);
void ui_switch_top(struct ui *ui, int index);
void ui_request(struct ui *ui, uint64_t key_ns);
bool ui_queue_cmd(struct ui *ui, const struct query_req *cmd);
int ui_view_rows(void);
int ui_body_rows(const struct ui *ui);
void ui_draw(struct ui *ui);
void ui_trace(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* view_list.c: moving through any list the frame shows */
int list_move(struct ui *ui, struct view_state *v, enum action a);

/* keys.c */
enum action keys_lookup(int key, unsigned view_mask);
void keys_name(int key, char *buf, size_t size);

/* status.c */
void status_draw(struct ui *ui);
void hints_draw(struct ui *ui);
void message_draw(struct ui *ui);

/* prompt.c */
void prompt_open(struct ui *ui, int kind, const char *initial);
void prompt_key(struct ui *ui, int key);
void prompt_draw(struct ui *ui, int y);
/* compiles expr for the display filter; on error fills err and returns false */
bool filter_compile(struct ui *ui, const char *expr, struct bpf_program *prog,
                    char *err, size_t errsz);
void filter_apply(struct ui *ui, const char *expr);
void prompt_save_default(char *buf, size_t size);

/* help.c */
void help_draw(struct ui *ui);
void help_key(struct ui *ui, int key);

#endif
