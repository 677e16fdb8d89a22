/* File Transfer Protocol control connection (RFC 959, RFC 2428 for EPRT
 * and EPSV, RFC 1123 4.1.2.6 for replies to PASV): commands and replies,
 * one TCP segment at a time. The argument of PASS is never shown: every
 * output (fields, Info, JSON, transactions) writes ******** instead, where
 * tshark shows the password. The track hook pairs commands with replies
 * and announces the data connections that PORT, EPRT, PASV and EPSV
 * negotiate. */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "proto.h"
#include "wirescope/sanitize.h"
#include "wirescope/tcp_analysis.h"

#define FTP_PORT 21
#define FTP_MAX_LINES 64   /* lines of a segment listed as fields */
#define FTP_MASK "********"

static const uint16_t ftp_ports[] = {FTP_PORT, 0};

/* A reply line starts with a three-digit code whose first digit is 1-5. */
static bool reply_code_at(const uint8_t *s, size_t n, uint16_t *code)
{
    if (n < 3 || s[0] < '1' || s[0] > '5' || !text_is_digit(s[1]) || !text_is_digit(s[2]))
        return false;
    if (n > 3 && s[3] != ' ' && s[3] != '-')
        return false;
    *code = (uint16_t)((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
    return true;
}

/* A command line: the verb up to the first space, the argument after it. */
static void split_command(const uint8_t *s, size_t n, size_t *verb_len,
                          size_t *arg_off, size_t *arg_len)
{
    const uint8_t *sp = memchr(s, ' ', n);
    *verb_len = sp ? (size_t)(sp - s) : n;
    *arg_off = sp ? *verb_len + 1 : n;
    *arg_len = n - *arg_off;
}

static bool verb_is(const uint8_t *s, size_t n, const char *verb)
{
    return n == strlen(verb) && strncasecmp((const char *)s, verb, n) == 0;
}

/* --- data connection addresses --- */

/* A decimal number of at most `max` at s[*i]; moves *i past it. */
static bool parse_decimal(const uint8_t *s, size_t n, size_t *i, uint32_t max,
                          uint32_t *v)
{
    size_t start = *i;
    uint32_t x = 0;
    while (*i < n && text_is_digit(s[*i])) {
        x = x * 10 + (uint32_t)(s[*i] - '0');
        if (x > max)
            return false;
        (*i)++;
    }
    *v = x;
    return *i > start && *i - start <= 10;
}

/* h1,h2,h3,h4,p1,p2 at s[*i] (each 0-255); moves *i past it. */
static bool parse_host_port(const uint8_t *s, size_t n, size_t *i,
                            struct ws_addr *addr, uint16_t *port)
{
    uint32_t v[6];
    for (int k = 0; k < 6; k++) {
        if (k && (*i >= n || s[(*i)++] != ','))
            return false;
        while (*i < n && s[*i] == ' ')
            (*i)++;
        if (!parse_decimal(s, n, i, 255, &v[k]))
            return false;
    }
    uint8_t a4[4] = {(uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2], (uint8_t)v[3]};
    addr_from_v4(addr, a4);
    *port = (uint16_t)(v[4] << 8 | v[5]);
    return *port != 0;
}

/* PORT's argument: exactly the six numbers, spaces around allowed. */
static bool parse_port_arg(const uint8_t *s, size_t n, struct ws_addr *addr,
                           uint16_t *port)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    if (!parse_host_port(s, n, &i, addr, port))
        return false;
    while (i < n && s[i] == ' ')
        i++;
    return i == n;
}

/* 227 text: RFC 1123 4.1.2.6 lets the parentheses go, so the numbers
 * start at the first digit of the text. */
static bool parse_pasv_reply(const uint8_t *s, size_t n, struct ws_addr *addr,
                             uint16_t *port)
{
    size_t i = 0;
    while (i < n && !text_is_digit(s[i]))
        i++;
    return i < n && parse_host_port(s, n, &i, addr, port);
}

/* An address of family af (1 IPv4, 2 IPv6, RFC 2428) from s[0..n). */
static bool parse_net_addr(const uint8_t *s, size_t n, uint32_t af,
                           struct ws_addr *addr)
{
    char buf[48];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    uint8_t raw[16];
    if (af == 1 && inet_pton(AF_INET, buf, raw) == 1) {
        addr_from_v4(addr, raw);
        return true;
    }
    if (af == 2 && inet_pton(AF_INET6, buf, raw) == 1) {
        addr_from_v6(addr, raw);
        return true;
    }
    return false;
}

/* The RFC 2428 delimiter: any printable ASCII character but a digit. */
static bool is_delimiter(uint8_t ch)
{
    return ch >= 33 && ch <= 126 && !text_is_digit(ch);
}

/* EPRT's argument <d>af<d>addr<d>port<d>. */
static bool parse_eprt_arg(const uint8_t *s, size_t n, struct ws_addr *addr,
                           uint16_t *port)
{
    if (n < 7 || !is_delimiter(s[0]) || s[n - 1] != s[0])
        return false;
    uint8_t d = s[0];
    size_t i = 1;
    uint32_t af, p;
    if (!parse_decimal(s, n, &i, 2, &af) || af == 0 || i >= n || s[i++] != d)
        return false;
    const uint8_t *a = s + i;
    const uint8_t *end = memchr(a, d, n - i);
    if (!end)
        return false;
    size_t alen = (size_t)(end - a);
    i += alen + 1;
    if (!parse_net_addr(a, alen, af, addr))
        return false;
    if (!parse_decimal(s, n, &i, 65535, &p) || p == 0 || i != n - 1)
        return false;
    *port = (uint16_t)p;
    return true;
}

/* 229 text: (<d><d><d>port<d>) with the parentheses (RFC 2428 section 3). */
static bool parse_epsv_reply(const uint8_t *s, size_t n, uint16_t *port)
{
    const uint8_t *open = memchr(s, '(', n);
    if (!open)
        return false;
    size_t i = (size_t)(open - s) + 1;
    if (n - i < 6 || !is_delimiter(s[i]) || s[i + 1] != s[i] || s[i + 2] != s[i])
        return false;
    uint8_t d = s[i];
    i += 3;
    uint32_t p;
    if (!parse_decimal(s, n, &i, 65535, &p) || p == 0 || i + 1 >= n ||
        s[i] != d || s[i + 1] != ')')
        return false;
    *port = (uint16_t)p;
    return true;
}

/* What a line announces: a command (PORT, EPRT) or a reply (227, 229). */
static enum ftp_data_kind data_kind_of(bool request, const uint8_t *verb,
                                       size_t verb_len, uint16_t code)
{
    if (request)
        return verb_is(verb, verb_len, "PORT") ? FTP_DATA_PORT
             : verb_is(verb, verb_len, "EPRT") ? FTP_DATA_EPRT : FTP_DATA_NONE;
    return code == 227 ? FTP_DATA_PASV : code == 229 ? FTP_DATA_EPSV : FTP_DATA_NONE;
}

static bool parse_data_addr(enum ftp_data_kind kind, const uint8_t *s, size_t n,
                            struct ws_addr *addr, uint16_t *port)
{
    switch (kind) {
    case FTP_DATA_PORT:
        return parse_port_arg(s, n, addr, port);
    case FTP_DATA_EPRT:
        return parse_eprt_arg(s, n, addr, port);
    case FTP_DATA_PASV:
        return parse_pasv_reply(s, n, addr, port);
    case FTP_DATA_EPSV:
        return parse_epsv_reply(s, n, port);
    default:
        return false;
    }
}

static const char *data_mode_name(enum ftp_data_kind kind)
{
    static const char *const modes[] = {"", "PORT", "EPRT", "PASV", "EPSV"};
    return kind <= FTP_DATA_EPSV ? modes[kind] : "";
}

/* --- dissection --- */

static bool ftp_is_request(const struct ws_packet *pkt, const uint8_t *p,
                           size_t n)
{
    if (pkt->dport == FTP_PORT && pkt->sport != FTP_PORT)
        return true;
    if (pkt->sport == FTP_PORT && pkt->dport != FTP_PORT)
        return false;
    uint16_t code;
    return !reply_code_at(p, n, &code);
}

static void add_data_fields(struct ws_packet *pkt, enum ftp_data_kind kind,
                            uint32_t off, uint32_t len,
                            const struct ws_addr *addr, uint16_t port)
{
    static const char *const names[][2] = {
        [FTP_DATA_PORT] = {"Active IP address", "Active port"},
        [FTP_DATA_EPRT] = {"Extended active IP address", "Extended active port"},
        [FTP_DATA_PASV] = {"Passive IP address", "Passive port"},
        [FTP_DATA_EPSV] = {NULL, "Extended passive port"},
    };
    if (names[kind][0]) {
        char a[WS_ADDR_STRLEN];
        addr_format(addr, a, sizeof a);
        field_add(pkt, 2, names[kind][0], off, len, "%s", a);
    }
    field_add(pkt, 2, names[kind][1], off, len, "%u", port);
}

/* The first line: command and argument, or reply code and text, and the
 * data connection it announces. */
static void dissect_first_line(struct ws_packet *pkt, struct ws_layer *l,
                               const uint8_t *p, const struct text_line *ln)
{
    struct ws_ftp *f = &pkt->a.ftp;
    const uint8_t *s = p + ln->off;
    uint32_t base = pkt->app_off + (uint32_t)ln->off;
    size_t verb_len = 0, arg_off = 0, arg_len = 0;
    if (f->request) {
        split_command(s, ln->len, &verb_len, &arg_off, &arg_len);
        f->cmd_len = (uint8_t)(verb_len < 255 ? verb_len : 255);
        f->mask_arg = verb_is(s, verb_len, "PASS") && arg_len > 0;
    } else if (reply_code_at(s, ln->len, &f->reply)) {
        f->multiline = ln->len > 3 && s[3] == '-';
        arg_off = ln->len > 3 ? 4 : 3;
        arg_len = ln->len - arg_off;
    } else {
        f->continuation = true;
        arg_len = ln->len;
    }
    f->arg_off = base + (uint32_t)arg_off;
    f->arg_len = (uint16_t)arg_len;
    if (pkt->want_fields) {
        char buf[512];
        if (f->request) {
            field_add(pkt, 2, "Request command", base, (uint32_t)verb_len, "%s",
                      sanitize_text(buf, sizeof buf, s, verb_len));
            if (arg_len)
                field_add(pkt, 2, "Request arg", f->arg_off, (uint32_t)arg_len, "%s",
                          f->mask_arg ? FTP_MASK : sanitize_text(buf, sizeof buf, s + arg_off, arg_len));
        } else {
            if (!f->continuation)
                field_add(pkt, 2, "Response code", base, 3, "%u", f->reply);
            if (arg_len)
                field_add(pkt, 2, "Response arg", f->arg_off, (uint32_t)arg_len, "%s",
                          sanitize_text(buf, sizeof buf, s + arg_off, arg_len));
        }
    }
    enum ftp_data_kind kind = data_kind_of(f->request, s, verb_len, f->reply);
    if (kind == FTP_DATA_NONE || !ln->ended)
        return; /* an address cut by the end of the segment is not judged */
    if (!parse_data_addr(kind, s + arg_off, arg_len, &f->data_addr, &f->data_port)) {
        f->bad_data_addr = true;
        field_add(pkt, 2, "Malformed address", f->arg_off, (uint32_t)arg_len,
                  "%s", kind == FTP_DATA_EPRT || kind == FTP_DATA_EPSV
                            ? "not of the form of RFC 2428"
                            : "not h1,h2,h3,h4,p1,p2 with numbers 0-255");
        layer_fail(pkt, l, EV_BAD_APP);
        return;
    }
    f->data_kind = (uint8_t)kind;
    add_data_fields(pkt, kind, f->arg_off, (uint32_t)arg_len, &f->data_addr,
                    f->data_port);
}

/* A line as its detail-tree text: the password of a PASS replaced. */
static void line_field(struct ws_packet *pkt, const uint8_t *s, size_t n,
                       uint32_t off, bool request)
{
    char buf[600];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    size_t verb_len, arg_off, arg_len;
    split_command(s, n, &verb_len, &arg_off, &arg_len);
    if (request && verb_is(s, verb_len, "PASS") && arg_len) {
        sanitize_bytes(&tb, s, arg_off, false);
        tb_puts(&tb, FTP_MASK);
    } else {
        sanitize_bytes(&tb, s, n, false);
    }
    field_add(pkt, 1, request ? "Request" : "Response", off, (uint32_t)n, "%s", buf);
}

static enum ws_proto ftp_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_FTP, c);
    if (!l)
        return P_NONE;
    struct ws_ftp *f = &pkt->a.ftp;
    memset(f, 0, sizeof *f);
    size_t n = cur_left(c);
    const uint8_t *p = cur_take(c, n);
    f->request = ftp_is_request(pkt, p, n);
    size_t pos = 0;
    struct text_line ln;
    for (unsigned i = 0; text_next_line(p, n, &pos, &ln); i++) {
        uint32_t off = pkt->app_off + (uint32_t)ln.off;
        if (i == 0) {
            f->line_off = off;
            f->line_len = (uint16_t)(ln.len < UINT16_MAX ? ln.len : UINT16_MAX);
        }
        if (i < FTP_MAX_LINES)
            line_field(pkt, p + ln.off, ln.len, off, f->request);
        if (i == 0)
            dissect_first_line(pkt, l, p, &ln);
        if (!ln.ended && pkt->payload_len <= n) {
            f->continues = true;
            field_add(pkt, 1, "Continues in the next segment", off,
                      (uint32_t)ln.len, "%zu bytes of a line", ln.len);
        }
    }
    if (pkt->payload_len > n)
        layer_fail(pkt, l, EV_TRUNCATED); /* cut by the snaplen */
    layer_close(pkt, l, c);
    return P_NONE;
}

/* --- Info, JSON --- */

static const uint8_t *msg_at(const struct ws_packet *pkt, uint32_t off)
{
    return pkt->data + off;
}

/* The first line as tshark's Info shows it, with the password masked. */
static void ftp_info(struct textbuf *tb, const struct ws_packet *pkt,
                     const struct ws_layer *l)
{
    const struct ws_ftp *f = &pkt->a.ftp;
    (void)l;
    tb_puts(tb, f->request ? "Request: " : "Response: ");
    const uint8_t *s = msg_at(pkt, f->line_off);
    if (f->mask_arg) {
        sanitize_bytes(tb, s, f->arg_off - f->line_off, false);
        tb_puts(tb, FTP_MASK);
        return;
    }
    sanitize_bytes(tb, s, f->line_len, false);
}

static void json_text(struct textbuf *tb, const uint8_t *s, size_t n)
{
    char buf[1024];
    tb_json_str(tb, sanitize_text(buf, sizeof buf, s, n));
}

static void ftp_json(struct textbuf *tb, const struct ws_packet *pkt,
                     const struct ws_layer *l)
{
    const struct ws_ftp *f = &pkt->a.ftp;
    (void)l;
    const uint8_t *arg = msg_at(pkt, f->arg_off);
    if (f->request) {
        tb_puts(tb, "\"command\":");
        json_text(tb, msg_at(pkt, f->line_off), f->cmd_len);
        tb_puts(tb, ",\"arg\":");
        if (f->mask_arg)
            tb_json_str(tb, FTP_MASK);
        else
            json_text(tb, arg, f->arg_len);
    } else {
        tb_puts(tb, "\"reply_code\":");
        if (f->reply)
            tb_u64(tb, f->reply);
        else
            tb_puts(tb, "null");
        tb_puts(tb, ",\"reply_text\":");
        json_text(tb, arg, f->arg_len);
        tb_puts(tb, ",\"multiline\":");
        tb_puts(tb, f->multiline ? "true" : "false");
    }
    if (f->data_kind != FTP_DATA_NONE) {
        tb_puts(tb, ",\"data_mode\":");
        tb_json_str(tb, data_mode_name((enum ftp_data_kind)f->data_kind));
        tb_puts(tb, ",\"data_addr\":");
        if (f->data_kind == FTP_DATA_EPSV) {
            char a[WS_ADDR_STRLEN];
            addr_format(&pkt->src, a, sizeof a); /* the server's */
            tb_json_str(tb, a);
        } else {
            char a[WS_ADDR_STRLEN];
            addr_format(&f->data_addr, a, sizeof a);
            tb_json_str(tb, a);
        }
        tb_puts(tb, ",\"data_port\":");
        tb_u64(tb, f->data_port);
    }
}

/* --- tracking: transactions and data connections --- */

#define FTP_LABEL 64
#define FTP_PARTIAL 512 /* bytes of a line kept across segments */

/* Per control connection. Commands are numbered as sent; replies answer
 * them in order (RFC 959: one final reply per command). */
struct ftp_state {
    uint64_t sent;         /* commands seen */
    uint64_t answered;     /* final replies matched to them */
    uint16_t multi_code;   /* inside a multi-line reply with this code */
    char multi_first[FTP_LABEL]; /* its first line, the transaction result */
    char mode[8];          /* how the next data connection was set up */
    /* a line whose end is in the next segment, per direction */
    uint16_t partial_len[2];
    uint8_t partial[2][FTP_PARTIAL];
    bool client_seen;      /* a command segment came since the state was made */
};

static void copy_text(char *dst, size_t size, const char *src)
{
    struct textbuf tb;
    tb_init(&tb, dst, size);
    tb_puts(&tb, src);
}

static bool is_transfer_verb(const uint8_t *s, size_t n)
{
    static const char *const verbs[] = {"RETR", "STOR", "STOU", "APPE",
                                        "LIST", "NLST", "MLSD"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (verb_is(s, n, verbs[i]))
            return true;
    return false;
}

/* "RETR file.txt", "PASS ********": the command as a transaction names it. */
static void command_label(char *buf, size_t size, const uint8_t *s, size_t n)
{
    struct textbuf tb;
    tb_init(&tb, buf, size);
    size_t verb_len, arg_off, arg_len;
    split_command(s, n, &verb_len, &arg_off, &arg_len);
    if (verb_is(s, verb_len, "PASS") && arg_len) {
        sanitize_bytes(&tb, s, arg_off, false);
        tb_puts(&tb, FTP_MASK);
    } else {
        sanitize_bytes(&tb, s, n, false);
    }
}

static void announce_data(struct app_ctx *ctx, const struct ws_packet *pkt,
                          struct ftp_state *st, enum ftp_data_kind kind,
                          const uint8_t *arg, size_t arg_len)
{
    struct ws_addr addr;
    uint16_t port;
    memset(&addr, 0, sizeof addr);
    if (!parse_data_addr(kind, arg, arg_len, &addr, &port))
        return;
    /* EPSV names only a port: the data connection goes to the server */
    const struct ws_addr *at = kind == FTP_DATA_EPSV ? &pkt->src : &addr;
    app_expect(ctx, P_FTP_DATA, at, port, 6);
    copy_text(st->mode, sizeof st->mode, data_mode_name(kind));
}

static void track_command(struct app_ctx *ctx, const struct ws_packet *pkt,
                          struct ftp_state *st, const uint8_t *s, size_t n)
{
    size_t verb_len, arg_off, arg_len;
    split_command(s, n, &verb_len, &arg_off, &arg_len);
    char what[FTP_LABEL * 2], label[FTP_LABEL * 2];
    command_label(what, sizeof what, s, n);
    struct textbuf tb;
    tb_init(&tb, label, sizeof label);
    tb_puts(&tb, what);
    if (is_transfer_verb(s, verb_len) && st->mode[0]) {
        /* the mode its data connection was set up with, as tshark's
         * FTP-DATA Info gives it: "RETR file.txt (PASV)" */
        tb_puts(&tb, " (");
        tb_puts(&tb, st->mode);
        tb_putc(&tb, ')');
        st->mode[0] = 0;
    }
    txn_open(ctx, P_FTP, ctx->flow->id, st->sent++, what, label);
    enum ftp_data_kind kind = data_kind_of(true, s, verb_len, 0);
    if (kind != FTP_DATA_NONE)
        announce_data(ctx, pkt, st, kind, s + arg_off, arg_len);
}

/* A reply line: "123-" opens a multi-line reply that the line "123 "
 * closes; 1xx replies are preliminary, the others final (RFC 959 4.2). */
static void track_reply_line(struct app_ctx *ctx, const struct ws_packet *pkt,
                             struct ftp_state *st, const uint8_t *s, size_t n)
{
    uint16_t code;
    if (!reply_code_at(s, n, &code))
        return; /* a line inside a multi-line reply */
    bool opens = n > 3 && s[3] == '-';
    char text[FTP_LABEL];
    sanitize_text(text, sizeof text, s, n);
    if (st->multi_code) {
        if (code != st->multi_code || opens)
            return; /* a line inside that happens to start with digits */
        st->multi_code = 0;
        memcpy(text, st->multi_first, sizeof text);
    } else if (opens) {
        st->multi_code = code;
        memcpy(st->multi_first, text, sizeof text);
        st->multi_first[3] = ' ';
        return;
    }
    if (code == 227 || code == 229)
        announce_data(ctx, pkt, st, code == 227 ? FTP_DATA_PASV : FTP_DATA_EPSV,
                      s + (n > 4 ? 4 : n), n > 4 ? n - 4 : 0);
    if (st->answered >= st->sent)
        return; /* the greeting, or a reply to a command not captured */
    struct txn *x = txn_find(ctx, P_FTP, ctx->flow->id, st->answered);
    txn_add(ctx, x, text);
    if (code >= 200) {
        txn_done(ctx, x, text);
        st->answered++;
    }
}

static void track_line(struct app_ctx *ctx, const struct ws_packet *pkt,
                       struct ftp_state *st, const uint8_t *s, size_t n)
{
    if (pkt->a.ftp.request)
        track_command(ctx, pkt, st, s, n);
    else
        track_reply_line(ctx, pkt, st, s, n);
}

/* A line split across segments: its start was kept in the state. */
static void finish_partial(struct app_ctx *ctx, const struct ws_packet *pkt,
                           struct ftp_state *st, const uint8_t *s, size_t n)
{
    int d = ctx->dir ? 1 : 0;
    uint8_t line[FTP_PARTIAL * 2];
    size_t have = st->partial_len[d];
    memcpy(line, st->partial[d], have);
    size_t add = n < sizeof line - have ? n : sizeof line - have;
    memcpy(line + have, s, add);
    st->partial_len[d] = 0;
    size_t len = have + add;
    if (len && line[len - 1] == '\r') /* the CR came before the cut */
        len--;
    track_line(ctx, pkt, st, line, len);
}

static void keep_partial(struct ftp_state *st, int dir, const uint8_t *s,
                         size_t n)
{
    int d = dir ? 1 : 0;
    size_t have = st->partial_len[d];
    size_t add = n < FTP_PARTIAL - have ? n : FTP_PARTIAL - have;
    memcpy(st->partial[d] + have, s, add);
    st->partial_len[d] = (uint16_t)(have + add);
}

static bool is_letter(uint8_t ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* RFC 959 5.3: a command code is four or fewer letters, then a space or
 * the line's end; every command it and its extensions define has 3 or 4. */
static bool starts_like_command(const uint8_t *s, size_t n)
{
    size_t k = 0;
    while (k < n && k < 5 && is_letter(s[k]))
        k++;
    return (k == 3 || k == 4) && (k == n || s[k] == ' ');
}

/* The first command segment on a state made after the flow's state was
 * reclaimed (the tracker's budget was full) may go on a line begun before:
 * its start went with the old state. Such a first line is dropped unless
 * it starts like a command, so that the tail of a line is not taken for
 * one (a reply to a command the new state never saw answers nothing). */
static bool rejoins_mid_line(struct app_ctx *ctx, const struct ws_packet *pkt,
                             struct ftp_state *st)
{
    if (!pkt->a.ftp.request || st->client_seen)
        return false;
    st->client_seen = true;
    return app_flow_state_lost(ctx);
}

static void ftp_track(struct app_ctx *ctx, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    const uint32_t resent = 1u << TA_RETRANSMISSION | 1u << TA_FAST_RETRANSMISSION |
                            1u << TA_SPURIOUS_RETRANSMISSION;
    if (ctx->ta_flags & resent || l->len == 0 || l->event == EV_TRUNCATED)
        return;
    struct ftp_state *st = app_flow_state(ctx, sizeof *st);
    if (!st)
        return;
    const uint8_t *p = pkt->data + l->off;
    size_t n = l->len, pos = 0;
    struct text_line ln;
    bool rejoined = rejoins_mid_line(ctx, pkt, st);
    for (bool first = true; text_next_line(p, n, &pos, &ln); first = false) {
        bool joined = first && st->partial_len[ctx->dir ? 1 : 0];
        if (first && rejoined && !starts_like_command(p + ln.off, ln.len))
            continue;
        if (!ln.ended)
            keep_partial(st, ctx->dir, p + ln.off, ln.len);
        else if (joined)
            finish_partial(ctx, pkt, st, p + ln.off, ln.len);
        else
            track_line(ctx, pkt, st, p + ln.off, ln.len);
    }
}

static const struct app_hooks ftp_hooks = {
    .transport = APP_TCP,
    .ports = ftp_ports,
    .probe = NULL, /* FTP on port 21 only: its lines look like any text */
    .info = ftp_info,
    .json = ftp_json,
    .track = ftp_track,
    .announces_flows = true,
};

const struct proto_desc proto_ftp = {P_FTP, "FTP", "File Transfer Protocol (FTP)",
                                     ftp_dissect, &ftp_hooks};
