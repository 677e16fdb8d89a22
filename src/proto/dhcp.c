/* BOOTP (RFC 951) and DHCP (RFC 2131, options RFC 2132) over UDP 67/68.
 *
 * The fixed 236-byte header, the magic cookie, then options: a code byte,
 * a length byte and the value (Pad 0 and End 255 are single bytes). With
 * option 52 (overload) the file and sname fields hold options too. Like
 * tshark, a message whose options name no DHCP message type (53) is plain
 * BOOTP. */
#include <stdio.h>
#include <string.h>

#include "wirescope/sanitize.h"
#include "proto.h"

#define BOOTPS_PORT 67
#define BOOTPC_PORT 68

#define BOOTP_HDR_LEN 236
#define OFF_XID 4
#define OFF_SECS 8
#define OFF_FLAGS 10
#define OFF_CIADDR 12
#define OFF_YIADDR 16
#define OFF_SIADDR 20
#define OFF_GIADDR 24
#define OFF_CHADDR 28
#define OFF_SNAME 44
#define OFF_FILE 108
#define OFF_COOKIE 236
#define OFF_OPTIONS 240
#define SNAME_LEN 64
#define FILE_LEN 128
#define DHCP_COOKIE 0x63825363u

#define OPT_PAD 0
#define OPT_END 255
#define OPT_REQUESTED 50
#define OPT_LEASE 51
#define OPT_OVERLOAD 52
#define OPT_MSG_TYPE 53
#define OPT_SERVER_ID 54
#define OPT_HOSTNAME 12
#define OPT_VENDOR_CLASS 60

#define HTYPE_ETHER 1
#define HTYPE_IEEE802 6

/* ---- names ---- */

static const char *const msg_type_names[19] = {
    [1] = "Discover", [2] = "Offer", [3] = "Request", [4] = "Decline",
    [5] = "ACK", [6] = "NAK", [7] = "Release", [8] = "Inform",
    [9] = "Force Renew", [10] = "Lease query", [11] = "Lease Unassigned",
    [12] = "Lease Unknown", [13] = "Lease Active", [14] = "Bulk Lease Query",
    [15] = "Lease Query Done", [16] = "Active LeaseQuery",
    [17] = "Lease Query Status", [18] = "TLS",
};

/* "Discover", or tshark's "Unknown Message Type (0x13)". */
static void put_msg_type(struct textbuf *tb, uint8_t t)
{
    if (t < 19 && msg_type_names[t]) {
        tb_puts(tb, msg_type_names[t]);
        return;
    }
    char buf[40];
    snprintf(buf, sizeof buf, "Unknown Message Type (0x%02x)", t);
    tb_puts(tb, buf);
}

/* How an option's value reads. */
enum opt_kind {
    K_HEX, K_IP, K_IPS, K_SECS, K_I32, K_U16, K_U8, K_STR, K_MSG_TYPE,
    K_PRL, K_CLIENT_ID, K_OVERLOAD,
};

struct opt_desc {
    uint8_t code;
    uint8_t kind;
    const char *name;
};

/* RFC 2132 and the IANA "BOOTP Vendor Extensions and DHCP Options"
 * registry, with the names tshark shows. */
static const struct opt_desc opt_descs[] = {
    {0, K_HEX, "Padding"}, {1, K_IP, "Subnet Mask"}, {2, K_I32, "Time Offset"},
    {3, K_IPS, "Router"}, {4, K_IPS, "Time Server"}, {5, K_IPS, "Name Server"},
    {6, K_IPS, "Domain Name Server"}, {7, K_IPS, "Log Server"},
    {8, K_IPS, "Quotes Server"}, {9, K_IPS, "LPR Server"},
    {10, K_IPS, "Impress Server"}, {11, K_IPS, "Resource Location Server"},
    {12, K_STR, "Host Name"}, {13, K_U16, "Boot File Size"},
    {14, K_STR, "Merit Dump File"}, {15, K_STR, "Domain Name"},
    {16, K_IP, "Swap Server"}, {17, K_STR, "Root Path"},
    {18, K_STR, "Extensions Path"}, {19, K_U8, "IP Forwarding"},
    {20, K_U8, "Non-Local Source Routing"}, {21, K_HEX, "Policy Filter"},
    {22, K_U16, "Maximum Datagram Reassembly Size"},
    {23, K_U8, "Default IP Time-to-Live"}, {24, K_SECS, "Path MTU Aging Timeout"},
    {25, K_HEX, "Path MTU Plateau Table"}, {26, K_U16, "Interface MTU"},
    {27, K_U8, "All Subnets are Local"}, {28, K_IP, "Broadcast Address"},
    {29, K_U8, "Perform Mask Discovery"}, {30, K_U8, "Mask Supplier"},
    {31, K_U8, "Perform Router Discover"}, {32, K_IP, "Router Solicitation Address"},
    {33, K_HEX, "Static Route"}, {34, K_U8, "Trailer Encapsulation"},
    {35, K_SECS, "ARP Cache Timeout"}, {36, K_U8, "Ethernet Encapsulation"},
    {37, K_U8, "TCP Default TTL"}, {38, K_SECS, "TCP Keepalive Interval"},
    {39, K_U8, "TCP Keepalive Garbage"}, {40, K_STR, "Network Information Service Domain"},
    {41, K_IPS, "Network Information Service Servers"},
    {42, K_IPS, "Network Time Protocol Servers"}, {43, K_HEX, "Vendor-Specific Information"},
    {44, K_IPS, "NetBIOS over TCP/IP Name Server"},
    {45, K_IPS, "NetBIOS over TCP/IP Datagram Distribution Name Server"},
    {46, K_U8, "NetBIOS over TCP/IP Node Type"}, {47, K_STR, "NetBIOS over TCP/IP Scope"},
    {48, K_IPS, "X Window System Font Server"}, {49, K_IPS, "X Window System Display Manager"},
    {50, K_IP, "Requested IP Address"}, {51, K_SECS, "IP Address Lease Time"},
    {52, K_OVERLOAD, "Option Overload"}, {53, K_MSG_TYPE, "DHCP Message Type"},
    {54, K_IP, "DHCP Server Identifier"}, {55, K_PRL, "Parameter Request List"},
    {56, K_STR, "Message"}, {57, K_U16, "Maximum DHCP Message Size"},
    {58, K_SECS, "Renewal Time Value"}, {59, K_SECS, "Rebinding Time Value"},
    {60, K_STR, "Vendor class identifier"}, {61, K_CLIENT_ID, "Client identifier"},
    {62, K_STR, "Novell/Netware IP domain"}, {63, K_HEX, "Novell Options"},
    {64, K_STR, "Network Information Service+ Domain"},
    {65, K_IPS, "Network Information Service+ Servers"}, {66, K_STR, "TFTP Server Name"},
    {67, K_STR, "Bootfile name"}, {68, K_IPS, "Mobile IP Home Agent"},
    {69, K_IPS, "SMTP Server"}, {70, K_IPS, "POP3 Server"}, {71, K_IPS, "NNTP Server"},
    {72, K_IPS, "Default WWW Server"}, {73, K_IPS, "Default Finger Server"},
    {74, K_IPS, "Default IRC Server"}, {75, K_IPS, "StreetTalk Server"},
    {76, K_IPS, "StreetTalk Directory Assistance Server"},
    {77, K_HEX, "User Class Information"}, {78, K_HEX, "Directory Agent Information"},
    {79, K_HEX, "Service Location Agent Scope"}, {80, K_HEX, "Rapid commit"},
    {81, K_HEX, "Client Fully Qualified Domain Name"}, {82, K_HEX, "Agent Information Option"},
    {83, K_HEX, "iSNS"}, {85, K_IPS, "Novell Directory Services Servers"},
    {86, K_STR, "Novell Directory Services Tree Name"},
    {87, K_STR, "Novell Directory Services Context"}, {90, K_HEX, "Authentication"},
    {91, K_SECS, "Client last transaction time"}, {92, K_IPS, "Associated IP option"},
    {93, K_HEX, "Client System Architecture"}, {94, K_HEX, "Client Network Device Interface"},
    {97, K_HEX, "UUID/GUID-based Client Identifier"},
    {99, K_HEX, "Civic Addresses Configuration"}, {100, K_STR, "PCode"},
    {101, K_STR, "TCode"}, {108, K_SECS, "IPv6-Only Preferred"},
    {112, K_IPS, "NetInfo Parent Server Address"}, {113, K_STR, "NetInfo Parent Server Tag"},
    {114, K_STR, "DHCP Captive-Portal"}, {116, K_U8, "DHCP Auto-Configuration"},
    {117, K_HEX, "Name Service Search"}, {118, K_IP, "Subnet Selection Option"},
    {119, K_HEX, "Domain Search"}, {120, K_HEX, "SIP Servers"},
    {121, K_HEX, "Classless Static Route"}, {124, K_HEX, "V-I Vendor Class"},
    {125, K_HEX, "V-I Vendor-specific Information"}, {150, K_IPS, "TFTP Server Address"},
    {252, K_STR, "Private/Proxy autodiscovery"}, {255, K_HEX, "End"},
};

static const struct opt_desc *opt_desc_of(uint8_t code)
{
    for (size_t i = 0; i < sizeof opt_descs / sizeof opt_descs[0]; i++)
        if (opt_descs[i].code == code)
            return &opt_descs[i];
    return NULL;
}

static const char *opt_name(uint8_t code)
{
    const struct opt_desc *d = opt_desc_of(code);
    if (d)
        return d->name;
    return code >= 224 ? "Private" : "Unassigned";
}

/* ---- the message ---- */

struct dhcp_msg {
    const uint8_t *p;
    uint32_t off;  /* offset of p in the packet */
    uint32_t cap;  /* bytes captured */
    uint32_t wire; /* the datagram's payload length */
};

static struct dhcp_msg dhcp_msg_of(const struct ws_packet *pkt, uint32_t start)
{
    struct dhcp_msg m = {pkt->data + start, start, 0, 0};
    uint32_t end = pkt->payload_off + pkt->payload_len;
    uint32_t cend = end < pkt->caplen ? end : pkt->caplen;
    m.wire = end > start ? end - start : 0;
    m.cap = cend > start ? cend - start : 0;
    if (start > pkt->caplen)
        m.p = pkt->data + pkt->caplen;
    return m;
}

/* A cursor over the captured bytes [from, from + n) of the message. */
static struct cursor msg_cursor(const struct dhcp_msg *m, uint32_t from, uint32_t n)
{
    struct cursor c = cur_make(m->p, m->cap);
    cur_skip(&c, from);
    return cur_sub(&c, n);
}

/* How an option walk ended. */
enum opt_stop {
    OS_END,       /* the End option */
    OS_NO_END,    /* the area ended without an End option */
    OS_CUT,       /* the capture ends inside an option */
    OS_MALFORMED, /* an option's length runs past its area */
};

struct dhcp_opt {
    uint8_t code, len;
    uint32_t off;         /* of the code byte, in the message */
    const uint8_t *value; /* len bytes */
};

typedef void (*opt_fn)(void *arg, const struct dhcp_msg *m, const struct dhcp_opt *o);

/*
 * Walks the options in [from, end) of the message (end is on the wire; the
 * capture may stop earlier) and hands each to fn; Pad bytes are skipped.
 */
static enum opt_stop walk_options(const struct dhcp_msg *m, uint32_t from, uint32_t end,
                                  opt_fn fn, void *arg)
{
    struct cursor c = cur_make(m->p, m->cap);
    cur_skip(&c, from);
    uint32_t pos = from;
    while (pos < end) {
        if (pos >= m->cap)
            return OS_CUT;
        uint8_t code = cur_u8(&c);
        if (code == OPT_PAD) {
            pos++;
            continue;
        }
        struct dhcp_opt o = {code, 0, pos, NULL};
        if (code == OPT_END) {
            fn(arg, m, &o);
            return OS_END;
        }
        if (pos + 1 >= end)
            return OS_MALFORMED;
        if (pos + 1 >= m->cap)
            return OS_CUT;
        o.len = cur_u8(&c);
        if (pos + 2u + o.len > end)
            return OS_MALFORMED;
        o.value = cur_take(&c, o.len);
        if (!o.value)
            return OS_CUT;
        fn(arg, m, &o);
        pos += 2u + o.len;
    }
    return OS_NO_END;
}

/* The byte at pos, or 0 and *ev set: EV_TRUNCATED when the capture ends
 * before it, EV_BAD_APP when the message does. */
static uint8_t byte_at(const struct dhcp_msg *m, uint32_t pos, enum ws_event *ev)
{
    struct cursor c = cur_make(m->p, m->cap);
    cur_skip(&c, pos);
    uint8_t v = cur_u8(&c);
    if (!cur_ok(&c))
        *ev = pos < m->wire ? EV_TRUNCATED : EV_BAD_APP;
    return v;
}

/*
 * tshark's first pass over the options field: the message type (the last
 * option 53 wins) and the overload flags. It reads the code and length of
 * each option (a length byte past the message ends the options), the
 * values of 52 and 53 (even past the message) and of 60 (when it fits),
 * and skips by the length; a byte it needs that is not there ends the
 * dissection, and the message stays plain BOOTP with the Info suffix of
 * *ev.
 */
struct first_pass {
    bool has_type;
    uint8_t type, overload;
    enum ws_event ev;
};

static struct first_pass dhcp_first_pass(const struct dhcp_msg *m)
{
    struct first_pass fp = {false, 0, 0, EV_NONE};
    uint32_t pos = OFF_OPTIONS;
    while (pos < m->wire && fp.ev == EV_NONE) {
        uint8_t code = byte_at(m, pos, &fp.ev);
        if (fp.ev != EV_NONE || code == OPT_END)
            break;
        if (code == OPT_PAD) {
            pos++;
            continue;
        }
        if (pos + 1 >= m->wire)
            break; /* no length byte: the options end */
        uint8_t len = byte_at(m, pos + 1, &fp.ev);
        if (fp.ev != EV_NONE)
            break;
        if (code == OPT_MSG_TYPE || code == OPT_OVERLOAD) {
            /* read whatever the length says, even past the message */
            uint8_t v = byte_at(m, pos + 2, &fp.ev);
            if (code == OPT_MSG_TYPE) {
                fp.has_type = true;
                fp.type = v;
            } else {
                fp.overload = v;
            }
        } else if (code == OPT_VENDOR_CLASS && len && pos + 2u + len <= m->wire) {
            byte_at(m, pos + 1 + len, &fp.ev); /* the whole string */
        }
        pos += 2u + len;
    }
    if (fp.ev != EV_NONE)
        fp.has_type = false;
    return fp;
}

/* ---- dissector ---- */

static void put_ipv4(struct textbuf *tb, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        if (i)
            tb_putc(tb, '.');
        tb_u64(tb, a[i]);
    }
}

static void put_hex(struct textbuf *tb, const uint8_t *p, size_t n, char sep)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        if (i && sep)
            tb_putc(tb, sep);
        tb_putc(tb, hex[p[i] >> 4]);
        tb_putc(tb, hex[p[i] & 15]);
    }
}

struct dissect_ctx {
    struct ws_packet *pkt;
    bool bad_len;   /* a fixed-size option with another length */
    bool malformed; /* an option tshark cannot read (53 without a value) */
};

/* Adds "[length isn't N]" when a fixed-size option has another length. */
static bool check_len(struct dissect_ctx *dc, const struct dhcp_msg *m,
                      const struct dhcp_opt *o, unsigned want, bool multiple)
{
    bool ok = multiple ? o->len >= want && o->len % want == 0 : o->len == want;
    if (!ok) {
        dc->bad_len = true;
        field_add(dc->pkt, 2, "Bad length", m->off + o->off + 1, 1, "%s %u",
                  multiple ? "length isn't a multiple of" : "length isn't", want);
    }
    return ok;
}

static void option_value(struct dissect_ctx *dc, const struct dhcp_msg *m,
                         const struct dhcp_opt *o, enum opt_kind kind, const char *name)
{
    struct ws_packet *pkt = dc->pkt;
    uint32_t at = m->off + o->off + 2;
    char buf[1200];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    switch (kind) {
    case K_IP:
        if (check_len(dc, m, o, 4, false)) {
            put_ipv4(&tb, o->value);
            field_add(pkt, 2, name, at, 4, "%s", buf);
            return;
        }
        break;
    case K_IPS:
        if (!check_len(dc, m, o, 4, true))
            break;
        for (unsigned i = 0; i + 4 <= o->len; i += 4) {
            tb_reset(&tb);
            put_ipv4(&tb, o->value + i);
            field_add(pkt, 2, name, at + i, 4, "%s", buf);
        }
        return;
    case K_SECS:
    case K_I32:
        if (check_len(dc, m, o, 4, false)) {
            uint32_t v = (uint32_t)o->value[0] << 24 | (uint32_t)o->value[1] << 16 |
                         (uint32_t)o->value[2] << 8 | o->value[3];
            if (kind == K_SECS)
                field_add(pkt, 2, name, at, 4, "%us", v);
            else
                field_add(pkt, 2, name, at, 4, "%d", (int32_t)v);
            return;
        }
        break;
    case K_U16:
        if (check_len(dc, m, o, 2, false)) {
            field_add(pkt, 2, name, at, 2, "%u", (unsigned)(o->value[0] << 8 | o->value[1]));
            return;
        }
        break;
    case K_U8:
        if (check_len(dc, m, o, 1, false)) {
            field_add(pkt, 2, name, at, 1, "%u", o->value[0]);
            return;
        }
        break;
    case K_STR:
        sanitize_bytes(&tb, o->value, o->len, false);
        field_add(pkt, 2, name, at, o->len, "%s", buf);
        return;
    case K_MSG_TYPE:
        if (o->len >= 1) {
            put_msg_type(&tb, o->value[0]);
            field_add(pkt, 2, "DHCP", at, 1, "%s (%u)", buf, o->value[0]);
            if (o->len != 1)
                check_len(dc, m, o, 1, false);
            return;
        }
        break;
    case K_PRL:
        for (unsigned i = 0; i < o->len; i++)
            field_add(pkt, 2, "Parameter Request List Item", at + i, 1, "(%u) %s",
                      o->value[i], opt_name(o->value[i]));
        return;
    case K_CLIENT_ID:
        if (o->len >= 1) {
            field_add(pkt, 2, "Hardware type", at, 1, "%s (0x%02x)",
                      o->value[0] == HTYPE_ETHER ? "Ethernet" : "Unknown", o->value[0]);
            put_hex(&tb, o->value + 1, o->len - 1u, o->value[0] == HTYPE_ETHER ? ':' : 0);
            field_add(pkt, 2, o->value[0] == HTYPE_ETHER && o->len == 7 ? "Client MAC address"
                                                                        : "Client identifier",
                      at + 1, o->len - 1u, "%s", buf);
            return;
        }
        break;
    case K_OVERLOAD:
        if (check_len(dc, m, o, 1, false)) {
            static const char *const what[4] = {"Unknown", "Boot file name holds options",
                                                "Server host name holds options",
                                                "Boot file and server host names hold options"};
            field_add(pkt, 2, name, at, 1, "%s (%u)", what[o->value[0] & 3u], o->value[0]);
            return;
        }
        break;
    case K_HEX:
        break;
    }
    tb_reset(&tb);
    put_hex(&tb, o->value, o->len, 0);
    if (o->len)
        field_add(pkt, 2, "Value", at, o->len, "%s", buf);
}

/* One option: its line, its length and its value; the summary's members. */
static void dissect_option(void *arg, const struct dhcp_msg *m, const struct dhcp_opt *o)
{
    struct dissect_ctx *dc = arg;
    struct ws_packet *pkt = dc->pkt;
    struct ws_dhcp *d = &pkt->a.dhcp;
    if (o->len == 4 && (o->code == OPT_REQUESTED || o->code == OPT_SERVER_ID)) {
        memcpy(o->code == OPT_REQUESTED ? d->requested : d->server_id, o->value, 4);
        d->have |= o->code == OPT_REQUESTED ? DHCP_HAVE_REQUESTED : DHCP_HAVE_SERVER_ID;
    } else if (o->len == 4 && o->code == OPT_LEASE) {
        d->lease_time = (uint32_t)o->value[0] << 24 | (uint32_t)o->value[1] << 16 |
                        (uint32_t)o->value[2] << 8 | o->value[3];
        d->have |= DHCP_HAVE_LEASE;
    }
    if (o->code == OPT_MSG_TYPE && o->len == 0)
        dc->malformed = true;
    if (!pkt->want_fields)
        return;
    const struct opt_desc *desc = opt_desc_of(o->code);
    const char *name = opt_name(o->code);
    uint32_t at = m->off + o->off;
    if (o->code == OPT_END) {
        field_add(pkt, 1, "Option", at, 1, "(255) End");
        return;
    }
    if (o->code == OPT_MSG_TYPE && o->len >= 1) {
        char t[40];
        struct textbuf tb;
        tb_init(&tb, t, sizeof t);
        put_msg_type(&tb, o->value[0]);
        field_add(pkt, 1, "Option", at, 2u + o->len, "(53) %s (%s)", name, t);
    } else {
        field_add(pkt, 1, "Option", at, 2u + o->len, "(%u) %s", o->code, name);
    }
    field_add(pkt, 2, "Length", at + 1, 1, "%u", o->len);
    option_value(dc, m, o, desc ? (enum opt_kind)desc->kind : K_HEX, name);
}

static const char *htype_name(uint8_t htype)
{
    return htype == HTYPE_ETHER ? "Ethernet" : htype == HTYPE_IEEE802 ? "IEEE 802" : "Unknown";
}

/* sname or file: a NUL-terminated string, or "not given". */
static void dissect_name_field(struct ws_packet *pkt, const struct dhcp_msg *m,
                               uint32_t from, uint32_t n, const char *name,
                               const char *not_given)
{
    struct cursor c = msg_cursor(m, from, n);
    const uint8_t *s = c.p;
    size_t len = 0;
    while (len < cur_left(&c) && s[len])
        len++;
    if (len == 0) {
        field_add(pkt, 1, not_given, m->off + from, n, "%s", "");
        return;
    }
    char buf[600];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    sanitize_bytes(&tb, s, len, false);
    field_add(pkt, 1, name, m->off + from, n, "%s", buf);
}

static void dissect_header_fields(struct ws_packet *pkt, const struct dhcp_msg *m,
                                  bool overload_file, bool overload_sname)
{
    const struct ws_dhcp *d = &pkt->a.dhcp;
    struct cursor c = msg_cursor(m, 0, BOOTP_HDR_LEN);
    uint8_t hops = cur_peek8(&c, 3);
    cur_skip(&c, OFF_SECS);
    uint16_t secs = cur_be16(&c), flags = cur_be16(&c);
    uint32_t o = m->off;
    field_add(pkt, 1, "Message type", o, 1, "%s (%u)",
              d->op == 1 ? "Boot Request" : d->op == 2 ? "Boot Reply" : "Unknown", d->op);
    field_add(pkt, 1, "Hardware type", o + 1, 1, "%s (0x%02x)", htype_name(d->htype), d->htype);
    field_add(pkt, 1, "Hardware address length", o + 2, 1, "%u", d->hlen);
    field_add(pkt, 1, "Hops", o + 3, 1, "%u", hops);
    field_add(pkt, 1, "Transaction ID", o + OFF_XID, 4, "0x%08x", d->xid);
    field_add(pkt, 1, "Seconds elapsed", o + OFF_SECS, 2, "%u", secs);
    field_add(pkt, 1, "Bootp flags", o + OFF_FLAGS, 2, "0x%04x (%s)", flags,
              flags & 0x8000u ? "Broadcast" : "Unicast");
    field_add(pkt, 2, "Broadcast flag", o + OFF_FLAGS, 2, "%s",
              flags & 0x8000u ? "Broadcast" : "Unicast");
    static const char *const addr_names[4] = {"Client IP address", "Your (client) IP address",
                                              "Next server IP address",
                                              "Relay agent IP address"};
    const uint8_t *addrs[4] = {d->ciaddr, d->yiaddr, d->siaddr, d->giaddr};
    for (int i = 0; i < 4; i++)
        field_add(pkt, 1, addr_names[i], o + OFF_CIADDR + 4u * (uint32_t)i, 4, "%u.%u.%u.%u",
                  addrs[i][0], addrs[i][1], addrs[i][2], addrs[i][3]);
    struct cursor hw = msg_cursor(m, OFF_CHADDR, 16);
    char buf[64];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    unsigned hlen = d->hlen > 16 ? 16 : d->hlen;
    bool mac = d->hlen == 6 && (d->htype == HTYPE_ETHER || d->htype == HTYPE_IEEE802);
    put_hex(&tb, hw.p, hlen, mac ? ':' : 0);
    field_add(pkt, 1, mac ? "Client MAC address" : "Client hardware address", o + OFF_CHADDR,
              hlen, "%s", buf);
    if (overload_sname)
        field_add(pkt, 1, "Server host name", o + OFF_SNAME, SNAME_LEN, "%s", "holds options");
    else
        dissect_name_field(pkt, m, OFF_SNAME, SNAME_LEN, "Server host name",
                           "Server host name not given");
    if (overload_file)
        field_add(pkt, 1, "Boot file name", o + OFF_FILE, FILE_LEN, "%s", "holds options");
    else
        dissect_name_field(pkt, m, OFF_FILE, FILE_LEN, "Boot file name",
                           "Boot file name not given");
}

/* The fixed header's members of the summary (as far as they are captured). */
static void read_header(struct ws_dhcp *d, const struct dhcp_msg *m)
{
    struct cursor c = cur_make(m->p, m->cap);
    d->op = cur_u8(&c);
    d->htype = cur_u8(&c);
    d->hlen = cur_u8(&c);
    if (cur_ok(&c))
        d->have |= DHCP_HAVE_HLEN;
    cur_skip(&c, 1);
    d->xid = cur_be32(&c);
    cur_skip(&c, 4);
    cur_copy(&c, d->ciaddr, 4);
    cur_copy(&c, d->yiaddr, 4);
    cur_copy(&c, d->siaddr, 4);
    cur_copy(&c, d->giaddr, 4);
    if (cur_copy(&c, d->chaddr, 6))
        d->have |= DHCP_HAVE_CHADDR;
    if (m->cap >= BOOTP_HDR_LEN)
        d->have |= DHCP_HAVE_HEADER;
}

static enum opt_stop worse(enum opt_stop a, enum opt_stop b)
{
    return (a == OS_CUT || a == OS_MALFORMED) ? a : b;
}

/* The options field, then the file and sname fields when option 52 says
 * they hold options (RFC 2131 4.1: in that order). */
static enum opt_stop dissect_options(struct dissect_ctx *dc, const struct dhcp_msg *m,
                                     uint8_t overload)
{
    struct ws_packet *pkt = dc->pkt;
    enum opt_stop st = walk_options(m, OFF_OPTIONS, m->wire, dissect_option, dc);
    if (st == OS_CUT || st == OS_MALFORMED)
        return st;
    if (st == OS_NO_END)
        field_add(pkt, 1, "End option missing", m->off + m->wire, 0, "%s", "");
    if (overload & 1u) {
        field_add(pkt, 1, "Options in the boot file name field", m->off + OFF_FILE, FILE_LEN,
                  "%s", "");
        st = worse(walk_options(m, OFF_FILE, OFF_FILE + FILE_LEN, dissect_option, dc), st);
    }
    if ((overload & 2u) && st != OS_CUT && st != OS_MALFORMED) {
        field_add(pkt, 1, "Options in the server host name field", m->off + OFF_SNAME,
                  SNAME_LEN, "%s", "");
        st = worse(walk_options(m, OFF_SNAME, OFF_SNAME + SNAME_LEN, dissect_option, dc), st);
    }
    return st;
}

/* The magic cookie (RFC 2131 3): the message is malformed without it. */
static enum ws_event check_cookie(const struct dhcp_msg *m, uint32_t *cookie)
{
    *cookie = 0;
    if (m->cap < BOOTP_HDR_LEN)
        return EV_TRUNCATED;
    /* tshark calls a capture cut inside the cookie malformed as well */
    if (m->cap < OFF_OPTIONS)
        return EV_BAD_APP;
    struct cursor c = msg_cursor(m, OFF_COOKIE, 4);
    *cookie = cur_be32(&c);
    return *cookie == DHCP_COOKIE ? EV_NONE : EV_BAD_APP;
}

static enum ws_proto dhcp_dissect(struct ws_packet *pkt, struct cursor *c)
{
    struct ws_layer *l = app_layer_open(pkt, P_DHCP, c);
    if (!l)
        return P_NONE;
    struct ws_dhcp *d = &pkt->a.dhcp;
    memset(d, 0, sizeof *d);
    struct dhcp_msg m = dhcp_msg_of(pkt, cur_offset(c));
    read_header(d, &m);
    struct first_pass fp = {false, 0, 0, EV_NONE};
    uint32_t cookie;
    enum ws_event ev = check_cookie(&m, &cookie);
    bool options = ev == EV_NONE;
    if (options) {
        fp = dhcp_first_pass(&m);
        d->has_msg_type = fp.has_type;
        d->msg_type = fp.type;
        ev = fp.ev;
    }
    if (d->has_msg_type) {
        char t[40];
        struct textbuf tb;
        tb_init(&tb, t, sizeof t);
        put_msg_type(&tb, d->msg_type);
        field_add(pkt, 0, "Type", m.off, 0, "%s", t);
    }
    if (pkt->want_fields && (d->have & DHCP_HAVE_HEADER))
        dissect_header_fields(pkt, &m, options && (fp.overload & 1u),
                              options && (fp.overload & 2u));
    if (m.cap >= OFF_OPTIONS) {
        if (cookie == DHCP_COOKIE)
            field_add(pkt, 1, "Magic cookie", m.off + OFF_COOKIE, 4, "%s", "DHCP");
        else
            field_add(pkt, 1, "Magic cookie", m.off + OFF_COOKIE, 4, "0x%08x (not DHCP)", cookie);
    }
    struct dissect_ctx dc = {pkt, false, false};
    if (options) {
        /* the detail tree and the summary's options even when the first
         * pass gave up; its event stands */
        enum opt_stop st = dissect_options(&dc, &m, fp.overload);
        if (ev == EV_NONE && st == OS_CUT)
            ev = EV_TRUNCATED;
        else if (ev == EV_NONE && (st == OS_MALFORMED || dc.malformed))
            ev = EV_BAD_APP;
    }
    /* A message shorter than the header on the wire is malformed; one the
     * capture cut is truncated. */
    if (ev == EV_TRUNCATED && m.wire < BOOTP_HDR_LEN && m.cap >= m.wire)
        ev = EV_BAD_APP;
    cur_skip(c, cur_left(c));
    layer_close(pkt, l, c);
    if (ev != EV_NONE)
        layer_fail(pkt, l, ev);
    if (dc.bad_len)
        layer_fail(pkt, l, EV_BAD_OPTION);
    return P_NONE;
}

/* ---- Protocol and Info columns ---- */

static const char *dhcp_protocol(const struct ws_packet *pkt, const struct ws_layer *l)
{
    (void)l;
    return pkt->a.dhcp.has_msg_type ? "DHCP" : "BOOTP";
}

/* The client hardware address as tshark's Info shows it. */
static void put_chaddr_info(struct textbuf *tb, const struct ws_packet *pkt,
                            const struct ws_layer *l)
{
    const struct ws_dhcp *d = &pkt->a.dhcp;
    if (d->hlen == 6 && (d->htype == HTYPE_ETHER || d->htype == HTYPE_IEEE802)) {
        char mac[18];
        mac_format(d->chaddr, mac);
        tb_puts(tb, mac);
        tb_puts(tb, " (");
        tb_puts(tb, mac);
        tb_putc(tb, ')');
        return;
    }
    if (d->hlen == 0) {
        tb_puts(tb, "<No address>");
        return;
    }
    /* tshark reads hlen bytes, past the 16 of chaddr when hlen says so */
    struct dhcp_msg m = dhcp_msg_of(pkt, l->off);
    struct cursor c = msg_cursor(&m, OFF_CHADDR, d->hlen);
    put_hex(tb, c.p, cur_left(&c), 0);
}

/* "DHCP Offer    - Transaction ID 0x3903f326" (tshark's "%-8s"). */
static void dhcp_type_info(struct textbuf *tb, const struct ws_dhcp *d)
{
    char t[40], xid[16];
    struct textbuf tt;
    tb_init(&tt, t, sizeof t);
    put_msg_type(&tt, d->msg_type);
    tb_puts(tb, "DHCP ");
    tb_puts(tb, t);
    for (size_t i = tt.len; i < 8; i++)
        tb_putc(tb, ' ');
    snprintf(xid, sizeof xid, "0x%x", d->xid);
    tb_puts(tb, " - Transaction ID ");
    tb_puts(tb, xid);
}

/* Plain BOOTP: a request names its client once chaddr is captured, the
 * other operations once op, htype and hlen are. */
static void bootp_info(struct textbuf *tb, const struct ws_packet *pkt,
                       const struct ws_layer *l)
{
    const struct ws_dhcp *d = &pkt->a.dhcp;
    if (d->op == 1 && (d->have & DHCP_HAVE_CHADDR)) {
        tb_puts(tb, "Boot Request from ");
        put_chaddr_info(tb, pkt, l);
    } else if (d->op == 2 && (d->have & DHCP_HAVE_HLEN)) {
        tb_puts(tb, "Boot Reply");
    } else if (d->op != 1 && (d->have & DHCP_HAVE_HLEN)) {
        tb_puts(tb, "Unknown BOOTP message type (");
        tb_u64(tb, d->op);
        tb_putc(tb, ')');
    }
}

static void dhcp_info(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    if (pkt->a.dhcp.has_msg_type)
        dhcp_type_info(tb, &pkt->a.dhcp);
    else
        bootp_info(tb, pkt, l);
    /* a cut capture's suffix comes from EV_TRUNCATED (render/info.c) */
    if (l->event == EV_BAD_APP)
        tb_puts(tb, "[Malformed Packet]");
}

/* ---- JSON ---- */

struct find_ctx {
    uint8_t code;
    const uint8_t *value;
    uint8_t len;
    bool found;
};

static void find_option(void *arg, const struct dhcp_msg *m, const struct dhcp_opt *o)
{
    struct find_ctx *fc = arg;
    (void)m;
    if (o->code == fc->code && !fc->found) {
        fc->found = true;
        fc->value = o->value;
        fc->len = o->len;
    }
}

/* The first option `code` in the options field or an overloaded field. */
static bool dhcp_find(const struct ws_packet *pkt, const struct ws_layer *l, uint8_t code,
                      struct find_ctx *fc)
{
    struct dhcp_msg m = dhcp_msg_of(pkt, l->off);
    *fc = (struct find_ctx){code, NULL, 0, false};
    struct cursor c = msg_cursor(&m, OFF_COOKIE, 4);
    if (cur_be32(&c) != DHCP_COOKIE)
        return false;
    uint8_t overload = 0;
    struct find_ctx ov = {OPT_OVERLOAD, NULL, 0, false};
    walk_options(&m, OFF_OPTIONS, m.wire, find_option, &ov);
    if (ov.found && ov.len >= 1)
        overload = ov.value[0];
    walk_options(&m, OFF_OPTIONS, m.wire, find_option, fc);
    if (!fc->found && (overload & 1u))
        walk_options(&m, OFF_FILE, OFF_FILE + FILE_LEN, find_option, fc);
    if (!fc->found && (overload & 2u))
        walk_options(&m, OFF_SNAME, OFF_SNAME + SNAME_LEN, find_option, fc);
    return fc->found;
}

static void json_ip(struct textbuf *tb, const char *key, const uint8_t *a, bool present)
{
    tb_puts(tb, key);
    if (!present) {
        tb_puts(tb, "null");
        return;
    }
    tb_putc(tb, '"');
    put_ipv4(tb, a);
    tb_putc(tb, '"');
}

static void dhcp_json(struct textbuf *tb, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    const struct ws_dhcp *d = &pkt->a.dhcp;
    bool hdr = d->have & DHCP_HAVE_HEADER;
    char buf[600];
    struct textbuf tt;
    tb_puts(tb, "\"op\":");
    tb_u64(tb, d->op);
    tb_puts(tb, ",\"xid\":");
    snprintf(buf, sizeof buf, "0x%08x", d->xid);
    tb_json_str(tb, hdr ? buf : "");
    tb_puts(tb, ",\"msg_type\":");
    if (d->has_msg_type) {
        tb_init(&tt, buf, sizeof buf);
        put_msg_type(&tt, d->msg_type);
        tb_json_str(tb, buf);
    } else {
        tb_puts(tb, "null");
    }
    tb_puts(tb, ",\"chaddr\":");
    if (hdr) {
        struct dhcp_msg m = dhcp_msg_of(pkt, l->off);
        struct cursor c = msg_cursor(&m, OFF_CHADDR, 16);
        tb_init(&tt, buf, sizeof buf);
        put_hex(&tt, c.p, d->hlen < 16 ? d->hlen : 16, ':');
        tb_json_str(tb, buf);
    } else {
        tb_puts(tb, "null");
    }
    json_ip(tb, ",\"ciaddr\":", d->ciaddr, hdr);
    json_ip(tb, ",\"yiaddr\":", d->yiaddr, hdr);
    json_ip(tb, ",\"siaddr\":", d->siaddr, hdr);
    json_ip(tb, ",\"giaddr\":", d->giaddr, hdr);
    json_ip(tb, ",\"requested_ip\":", d->requested, d->have & DHCP_HAVE_REQUESTED);
    json_ip(tb, ",\"server_id\":", d->server_id, d->have & DHCP_HAVE_SERVER_ID);
    tb_puts(tb, ",\"lease_time\":");
    if (d->have & DHCP_HAVE_LEASE)
        tb_u64(tb, d->lease_time);
    else
        tb_puts(tb, "null");
    tb_puts(tb, ",\"hostname\":");
    struct find_ctx fc;
    if (hdr && dhcp_find(pkt, l, OPT_HOSTNAME, &fc)) {
        tb_init(&tt, buf, sizeof buf);
        sanitize_bytes(&tt, fc.value, fc.len, false);
        tb_json_str(tb, buf);
    } else {
        tb_puts(tb, "null");
    }
}

/* ---- transactions: one exchange per transaction id ---- */

static bool ip_set(const uint8_t a[4]) { return a[0] | a[1] | a[2] | a[3]; }

/* "Offer 10.0.0.5", "Request 10.0.0.5", "NAK": the step and its address. */
static void step_label(char *buf, size_t size, const struct ws_dhcp *d)
{
    struct textbuf tb;
    tb_init(&tb, buf, size);
    put_msg_type(&tb, d->msg_type);
    const uint8_t *addr = NULL;
    switch (d->msg_type) {
    case 2: /* Offer */
    case 5: /* ACK */
        addr = ip_set(d->yiaddr) ? d->yiaddr : NULL;
        break;
    case 3: /* Request */
    case 4: /* Decline */
        addr = (d->have & DHCP_HAVE_REQUESTED) ? d->requested
               : ip_set(d->ciaddr)             ? d->ciaddr
                                               : NULL;
        break;
    case 7: /* Release */
    case 8: /* Inform */
        addr = ip_set(d->ciaddr) ? d->ciaddr : NULL;
        break;
    default:
        break;
    }
    if (addr) {
        tb_putc(&tb, ' ');
        put_ipv4(&tb, addr);
    }
}

static void dhcp_track(struct app_ctx *ctx, const struct ws_packet *pkt,
                       const struct ws_layer *l)
{
    const struct ws_dhcp *d = &pkt->a.dhcp;
    (void)l;
    if (!(d->have & DHCP_HAVE_HEADER) || !d->has_msg_type)
        return;
    char label[TXN_LABEL], what[96], mac[18];
    step_label(label, sizeof label, d);
    mac_format(d->chaddr, mac);
    struct textbuf tw;
    tb_init(&tw, what, sizeof what);
    put_msg_type(&tw, d->msg_type);
    tb_puts(&tw, " from ");
    tb_puts(&tw, mac);
    struct txn *x = txn_find(ctx, P_DHCP, 0, d->xid);
    if (x)
        txn_add(ctx, x, label);
    else
        x = txn_open(ctx, P_DHCP, 0, d->xid, what, label);
    if (!x)
        return;
    char result[64];
    switch (d->msg_type) {
    case 5: /* ACK ends the exchange */
        if (d->have & DHCP_HAVE_LEASE)
            snprintf(result, sizeof result, "%s lease %us", label, d->lease_time);
        else
            snprintf(result, sizeof result, "%s", label);
        txn_done(ctx, x, result);
        break;
    case 6: /* NAK */
    case 4: /* Decline: the client refuses; no answer comes */
    case 7: /* Release: no answer comes */
        txn_done(ctx, x, label);
        break;
    default:
        break;
    }
}

static const uint16_t dhcp_ports[] = {BOOTPS_PORT, BOOTPC_PORT, 0};

static const struct app_hooks dhcp_hooks = {
    APP_UDP, dhcp_ports, NULL, dhcp_protocol, dhcp_info, dhcp_json, dhcp_track, false,
};

const struct proto_desc proto_dhcp = {P_DHCP, "DHCP", "Dynamic Host Configuration Protocol",
                                      dhcp_dissect, &dhcp_hooks};
