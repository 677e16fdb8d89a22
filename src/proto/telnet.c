/* Telnet (RFC 854, RFC 855 options): data, IAC commands, option
 * negotiation (WILL, WONT, DO, DONT) and subnegotiation (SB ... IAC SE),
 * with the values of terminal type (RFC 1091), window size (NAWS, RFC
 * 1073), terminal speed (RFC 1079), X display location (RFC 1096) and the
 * environment options (RFC 1408, RFC 1572). One TCP segment at a time: a
 * command cut by the end of the segment continues in the next one. */
#include <string.h>

#include "proto.h"
#include "wirescope/sanitize.h"

#define TELNET_PORT 23
#define TELNET_MAX_FIELDS 160 /* command and data lines listed per segment */

enum {
    T_SE = 240,
    T_SB = 250,
    T_WILL = 251,
    T_WONT = 252,
    T_DO = 253,
    T_DONT = 254,
    T_IAC = 255,
};

/* Option codes whose subnegotiation is decoded. */
enum {
    OPT_TTYPE = 24,
    OPT_NAWS = 31,
    OPT_TSPEED = 32,
    OPT_XDISPLOC = 35,
    OPT_ENVIRON = 36,
    OPT_NEW_ENVIRON = 39,
};

static const uint16_t telnet_ports[] = {TELNET_PORT, 0};

/* Option names as tshark 4.0 writes them (IANA telnet-options 0-49). */
static const char *const option_names[50] = {
    "Binary Transmission", "Echo", "Reconnection", "Suppress Go Ahead",
    "Approx Message Size Negotiation", "Status", "Timing Mark",
    "Remote Controlled Trans and Echo", "Output Line Width", "Output Page Size",
    "Output Carriage-Return Disposition", "Output Horizontal Tab Stops",
    "Output Horizontal Tab Disposition", "Output Formfeed Disposition",
    "Output Vertical Tabstops", "Output Vertical Tab Disposition",
    "Output Linefeed Disposition", "Extended ASCII", "Logout", "Byte Macro",
    "Data Entry Terminal", "SUPDUP", "SUPDUP Output", "Send Location",
    "Terminal Type", "End of Record", "TACACS User Identification",
    "Output Marking", "Terminal Location Number", "Telnet 3270 Regime",
    "X.3 PAD", "Negotiate About Window Size", "Terminal Speed",
    "Remote Flow Control", "Linemode", "X Display Location",
    "Environment Option", "Authentication Option", "Encryption Option",
    "New Environment Option", "TN3270E", "XAUTH", "CHARSET",
    "Remote Serial Port", "COM Port Control", "Suppress Local Echo",
    "Start TLS", "KERMIT", "SEND-URL", "FORWARD_X",
};

static const char *option_name(uint8_t opt)
{
    return opt < 50 ? option_names[opt] : "<unknown option>";
}

/* Commands 236-255: tshark's name and the RFC's short name. */
struct cmd_name {
    const char *name;
    const char *abbr;
};

static const struct cmd_name cmd_names[20] = {
    {"End of File", "EOF"},               /* 236, RFC 1184 */
    {"Suspend Current Process", "SUSP"},  /* 237 */
    {"Abort Process", "ABORT"},           /* 238 */
    {"End of Record", "EOR"},             /* 239, RFC 885 */
    {"Suboption End", "SE"},              /* 240 */
    {"No Operation", "NOP"},              /* 241 */
    {"Data Mark", "DM"},                  /* 242 */
    {"Break", "BRK"},                     /* 243 */
    {"Interrupt Process", "IP"},          /* 244 */
    {"Abort Output", "AO"},               /* 245 */
    {"Are You There?", "AYT"},            /* 246 */
    {"Escape Character", "EC"},           /* 247 */
    {"Erase Line", "EL"},                 /* 248 */
    {"Go Ahead", "GA"},                   /* 249 */
    {"Suboption", "SB"},                  /* 250 */
    {"Will", "WILL"},                     /* 251 */
    {"Won't", "WONT"},                    /* 252 */
    {"Do", "DO"},                         /* 253 */
    {"Don't", "DONT"},                    /* 254 */
    {"Data", "IAC"},                      /* 255: IAC IAC, an escaped data byte */
};

static const struct cmd_name *cmd_info(uint8_t cmd)
{
    static const struct cmd_name unknown = {"Unknown", "UNKNOWN"};
    return cmd >= 236 ? &cmd_names[cmd - 236] : &unknown;
}

static bool takes_option(uint8_t cmd)
{
    return cmd >= T_SB && cmd <= T_DONT;
}

/* The walk over one segment. */
struct telnet_walk {
    struct ws_packet *pkt;
    struct ws_layer *l;
    const uint8_t *p;  /* captured payload */
    size_t n;
    size_t i;          /* position */
    uint32_t base;     /* absolute offset of p[0] */
    unsigned nfields;  /* fields added (bounded) */
    bool cut;          /* the walk ran into the end of the captured bytes */
};

static bool room_for_field(struct telnet_walk *w)
{
    return w->nfields++ < TELNET_MAX_FIELDS;
}

static void note_command(struct ws_telnet *t, uint8_t cmd, int option)
{
    if (t->ncommands < UINT16_MAX)
        t->ncommands++;
    if (t->nlisted >= TELNET_MAX_CMDS)
        return;
    struct telnet_cmd *c = &t->cmds[t->nlisted++];
    c->cmd = cmd;
    c->has_option = option >= 0;
    c->option = option >= 0 ? (uint8_t)option : 0;
}

/* Bytes with IAC IAC undone, into out (at most size). */
static size_t unescape(const uint8_t *s, size_t n, uint8_t *out, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < size; i++) {
        out[k++] = s[i];
        if (s[i] == T_IAC && i + 1 < n && s[i + 1] == T_IAC)
            i++;
    }
    return k;
}

/* At an IAC that starts a command (not IAC IAC, an escaped data byte). */
static bool at_command(const struct telnet_walk *w)
{
    return w->p[w->i] == T_IAC && (w->i + 1 >= w->n || w->p[w->i + 1] != T_IAC);
}

/* Data bytes up to the next command, one field per line. */
static void walk_data(struct telnet_walk *w)
{
    struct ws_telnet *t = &w->pkt->a.telnet;
    while (w->i < w->n && !at_command(w)) {
        size_t start = w->i;
        while (w->i < w->n && !at_command(w)) {
            uint8_t b = w->p[w->i];
            w->i += b == T_IAC ? 2 : 1;
            t->data_len++;
            if (b == '\n')
                break;
        }
        if (w->pkt->want_fields && room_for_field(w)) {
            char buf[1024];
            uint8_t bytes[256];
            size_t k = unescape(w->p + start, w->i - start, bytes, sizeof bytes);
            struct textbuf tb;
            tb_init(&tb, buf, sizeof buf);
            sanitize_bytes(&tb, bytes, k, false);
            field_add(w->pkt, 1, "Data", w->base + (uint32_t)start,
                      (uint32_t)(w->i - start), "%s", buf);
        }
    }
}

static void text_field(struct ws_packet *pkt, const char *name, uint32_t off,
                       uint32_t len, const char *what, const uint8_t *s,
                       size_t n)
{
    char buf[512];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    if (what) {
        tb_puts(&tb, what);
        tb_puts(&tb, ": ");
    }
    sanitize_bytes(&tb, s, n, false);
    field_add(pkt, 2, name, off, len, "%s", buf);
}

/* RFC 1408/1572 lists: VAR/USERVAR name, VALUE value, ESC quoting. */
static void env_fields(struct ws_packet *pkt, uint32_t off, uint32_t len,
                       const uint8_t *s, size_t n)
{
    static const char *const kinds[] = {"VAR", "VALUE", "ESC", "USERVAR"};
    char buf[512];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_puts(&tb, s[0] == 0 ? "IS" : s[0] == 1 ? "SEND" : s[0] == 2 ? "INFO" : "?");
    for (size_t i = 1; i < n; i++) {
        if (s[i] <= 3 && (s[i] != 2 || i + 1 >= n)) {
            tb_putc(&tb, ' ');
            tb_puts(&tb, kinds[s[i]]);
            tb_putc(&tb, ' ');
            continue;
        }
        if (s[i] == 2) /* ESC: the next byte is literal */
            i++;
        sanitize_bytes(&tb, s + i, 1, false);
    }
    field_add(pkt, 2, "Environment", off, len, "%s", buf);
}

/* The values of the options this decodes; others as hex. */
static void subneg_fields(struct ws_packet *pkt, uint8_t opt, uint32_t off,
                          uint32_t len, const uint8_t *raw, size_t raw_n)
{
    uint8_t s[512];
    size_t n = unescape(raw, raw_n, s, sizeof s);
    if (n == 0)
        return;
    bool is = s[0] == 0, send = s[0] == 1;
    switch (opt) {
    case OPT_NAWS:
        if (n == 4) {
            field_add(pkt, 2, "Width", off, len, "%u", (unsigned)(s[0] << 8 | s[1]));
            field_add(pkt, 2, "Height", off, len, "%u", (unsigned)(s[2] << 8 | s[3]));
            return;
        }
        field_add(pkt, 2, "Malformed", off, len, "window size of %zu bytes, not 4", n);
        return;
    case OPT_TTYPE:
    case OPT_TSPEED:
    case OPT_XDISPLOC:
        if (send && n == 1) {
            field_add(pkt, 2, "Request", off, len, "SEND");
            return;
        }
        if (is) {
            const char *name = opt == OPT_TTYPE ? "Terminal type"
                             : opt == OPT_TSPEED ? "Terminal speed" : "X display";
            text_field(pkt, name, off, len, "IS", s + 1, n - 1);
            return;
        }
        break;
    case OPT_ENVIRON:
    case OPT_NEW_ENVIRON:
        env_fields(pkt, off, len, s, n);
        return;
    default:
        break;
    }
    char hex[2 * 64 + 4];
    struct textbuf tb;
    tb_init(&tb, hex, sizeof hex);
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n && i < 64; i++) {
        tb_putc(&tb, digits[s[i] >> 4]);
        tb_putc(&tb, digits[s[i] & 15]);
    }
    if (n > 64)
        tb_puts(&tb, "...");
    field_add(pkt, 2, "Option data", off, len, "%s", hex);
}

/* The end of a subnegotiation: the IAC SE at or after `from`, or n. */
static size_t find_se(const uint8_t *p, size_t n, size_t from)
{
    for (size_t i = from; i + 1 < n; i++) {
        if (p[i] != T_IAC)
            continue;
        if (p[i + 1] == T_SE)
            return i;
        i++; /* IAC IAC or another command inside: skip its second byte */
    }
    return n;
}

static void add_command_field(struct telnet_walk *w, uint8_t cmd, int opt,
                              size_t start)
{
    if (!w->pkt->want_fields || !room_for_field(w))
        return;
    uint32_t off = w->base + (uint32_t)start;
    uint32_t len = (uint32_t)(w->i - start);
    const struct cmd_name *cn = cmd_info(cmd);
    if (opt >= 0)
        field_add(w->pkt, 1, cn->name, off, len, "%s (%d)",
                  option_name((uint8_t)opt), opt);
    else if (cmd < 236)
        field_add(w->pkt, 1, cn->name, off, len, "command %u", cmd);
    else
        field_add(w->pkt, 1, "Command", off, len, "%s (%u)", cn->name, cmd);
}

/* SB opt ... IAC SE; the walk stands after SB's option. */
static void walk_subneg(struct telnet_walk *w, uint8_t opt, size_t start)
{
    struct ws_telnet *t = &w->pkt->a.telnet;
    size_t body = w->i;
    size_t se = find_se(w->p, w->n, body);
    w->i = se;
    add_command_field(w, T_SB, opt, start);
    if (w->pkt->want_fields)
        subneg_fields(w->pkt, opt, w->base + (uint32_t)body,
                      (uint32_t)(se - body), w->p + body, se - body);
    if (se >= w->n) {
        w->cut = true; /* no IAC SE in the segment */
        return;
    }
    uint8_t naws[8];
    if (opt == OPT_NAWS && unescape(w->p + body, se - body, naws, sizeof naws) != 4)
        layer_fail(w->pkt, w->l, EV_BAD_APP); /* RFC 1073: exactly 4 bytes */
    size_t se_start = w->i;
    w->i += 2;
    note_command(t, T_SE, -1);
    add_command_field(w, T_SE, -1, se_start);
}

/* IAC and what follows it; the walk stands on the IAC. */
static void walk_command(struct telnet_walk *w)
{
    struct ws_telnet *t = &w->pkt->a.telnet;
    size_t start = w->i;
    if (w->i + 1 >= w->n) {
        w->i = w->n;
        w->cut = true; /* IAC at the end of the segment */
        return;
    }
    uint8_t cmd = w->p[w->i + 1];
    w->i += 2;
    if (!takes_option(cmd)) {
        note_command(t, cmd, -1);
        add_command_field(w, cmd, -1, start);
        return;
    }
    if (w->i >= w->n) {
        w->cut = true; /* the option byte is in the next segment */
        return;
    }
    uint8_t opt = w->p[w->i++];
    note_command(t, cmd, opt);
    if (cmd == T_SB)
        walk_subneg(w, opt, start);
    else
        add_command_field(w, cmd, opt, start);
}

static enum ws_proto telnet_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_TELNET, c);
    if (!l)
        return P_NONE;
    struct ws_telnet *t = &pkt->a.telnet;
    memset(t, 0, sizeof *t);
    size_t n = cur_left(c);
    struct telnet_walk w = {
        .pkt = pkt, .l = l, .p = cur_take(c, n), .n = n,
        .base = pkt->app_off,
    };
    while (w.i < w.n && !w.cut) {
        if (at_command(&w))
            walk_command(&w);
        else
            walk_data(&w);
    }
    if (pkt->payload_len > n) {
        layer_fail(pkt, l, EV_TRUNCATED); /* cut by the snaplen */
    } else if (w.cut) {
        t->continues = true;
        field_add(pkt, 1, "Continues in the next segment", pkt->app_off,
                  (uint32_t)n, "a command or subnegotiation is not complete");
    }
    if (t->ncommands > t->nlisted)
        field_add(pkt, 1, "Commands", pkt->app_off, (uint32_t)n,
                  "%u (%u listed)", t->ncommands, t->nlisted);
    layer_close(pkt, l, c);
    return P_NONE;
}

/* tshark 4.0 writes the same Info for every Telnet segment. */
static void telnet_info(struct textbuf *tb, const struct ws_packet *pkt,
                        const struct ws_layer *l)
{
    (void)pkt;
    (void)l;
    tb_puts(tb, "Telnet Data ...");
}

static void telnet_json(struct textbuf *tb, const struct ws_packet *pkt,
                        const struct ws_layer *l)
{
    const struct ws_telnet *t = &pkt->a.telnet;
    (void)l;
    tb_puts(tb, "\"commands\":[");
    for (unsigned i = 0; i < t->nlisted; i++) {
        const struct telnet_cmd *c = &t->cmds[i];
        tb_puts(tb, i ? ",{\"cmd\":" : "{\"cmd\":");
        tb_json_str(tb, cmd_info(c->cmd)->abbr);
        tb_puts(tb, ",\"code\":");
        tb_u64(tb, c->cmd);
        if (c->has_option) {
            tb_puts(tb, ",\"option\":");
            tb_json_str(tb, option_name(c->option));
            tb_puts(tb, ",\"option_code\":");
            tb_u64(tb, c->option);
        }
        tb_putc(tb, '}');
    }
    tb_puts(tb, "],\"ncommands\":");
    tb_u64(tb, t->ncommands);
    tb_puts(tb, ",\"data_len\":");
    tb_u64(tb, t->data_len);
    tb_puts(tb, ",\"continues\":");
    tb_puts(tb, t->continues ? "true" : "false");
}

static const struct app_hooks telnet_hooks = {
    .transport = APP_TCP,
    .ports = telnet_ports,
    .probe = NULL, /* port 23 only: Telnet data is any text */
    .info = telnet_info,
    .json = telnet_json,
    .track = NULL,
};

const struct proto_desc proto_telnet = {P_TELNET, "TELNET", "Telnet",
                                        telnet_dissect, &telnet_hooks};
