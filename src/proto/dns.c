/* Domain Name System (RFC 1035) over UDP and TCP (2-byte length prefix,
 * RFC 1035 4.2.2 / RFC 7766), multicast DNS (RFC 6762) and LLMNR
 * (RFC 4795), which share the message format.
 *
 * One walker reads a message (header, questions, then the answer,
 * authority and additional records) through a bounds-checked cursor and
 * hands each item to a visitor: the dissector's visitor builds the detail
 * tree and the summary, the Info, JSON and track hooks walk the message
 * again from the packet bytes. */
#include <stdio.h>
#include <string.h>

#include "wirescope/flow.h"
#include "wirescope/sanitize.h"
#include "wirescope/tcp_analysis.h"
#include "proto.h"

#define DNS_PORT 53
#define MDNS_PORT 5353
#define LLMNR_PORT 5355

#define DNS_HDR_LEN 12
#define DNS_RR_FIXED 10     /* type, class, TTL, data length */
#define DNS_NAME_MAX 255    /* octets of a name, labels and lengths (RFC 1035 2.3.4) */
#define DNS_MAX_JUMPS 128   /* compression pointers followed in one name */
#define DNS_NAME_TEXT 1024  /* a 255-octet name with every byte escaped */
#define DNS_JSON_BUDGET 8000 /* bytes of JSON per layer; records past it are left out */

/* Types whose data the dissector decodes. */
enum {
    T_A = 1, T_NS = 2, T_CNAME = 5, T_SOA = 6, T_PTR = 12, T_HINFO = 13,
    T_MX = 15, T_TXT = 16, T_AAAA = 28, T_SRV = 33, T_NAPTR = 35, T_OPT = 41,
    T_NSEC = 47,
};

#define F_RESPONSE 0x8000
#define F_AA 0x0400
#define F_TC 0x0200
#define F_RD 0x0100
#define F_RA 0x0080
#define F_Z 0x0040
#define F_AD 0x0020
#define F_CD 0x0010
#define CLASS_TOP 0x8000 /* mDNS: "QU" in a question, cache flush in a record */

/* ---- names and numbers ---- */

/*
 * How tshark 4.0 adds a record's data to the Info column after the type
 * name: nothing, the address, a name in the data, a preference and a name,
 * ... RD_OWNER: tshark appends the record's owner name for these types.
 */
enum rd_kind {
    RD_NONE, RD_ADDR4, RD_ADDR6, RD_NAME, RD_PREF_NAME, RD_SOA, RD_SRV,
    RD_TXT, RD_HINFO, RD_NAPTR, RD_OPT, RD_NSEC, RD_OWNER,
};

struct dns_type {
    uint16_t v;
    uint8_t kind;
    const char *name;
};

/* IANA "Resource Record (RR) TYPEs" mnemonics, as tshark 4.0 names them
 * (it swaps MAILB 253 and MAILA 254; the Info column follows it). */
static const struct dns_type dns_types[] = {
    {0, RD_NONE, "Unused"}, {1, RD_ADDR4, "A"}, {2, RD_NAME, "NS"},
    {3, RD_OWNER, "MD"}, {4, RD_OWNER, "MF"}, {5, RD_NAME, "CNAME"},
    {6, RD_SOA, "SOA"}, {7, RD_OWNER, "MB"}, {8, RD_OWNER, "MG"},
    {9, RD_OWNER, "MR"}, {10, RD_OWNER, "NULL"}, {11, RD_ADDR4, "WKS"},
    {12, RD_NAME, "PTR"}, {13, RD_HINFO, "HINFO"}, {14, RD_OWNER, "MINFO"},
    {15, RD_PREF_NAME, "MX"}, {16, RD_TXT, "TXT"}, {17, RD_OWNER, "RP"},
    {18, RD_OWNER, "AFSDB"}, {19, RD_OWNER, "X25"}, {20, RD_OWNER, "ISDN"},
    {21, RD_OWNER, "RT"}, {22, RD_OWNER, "NSAP"}, {23, RD_OWNER, "NSAP-PTR"},
    {24, RD_NONE, "SIG"}, {25, RD_NONE, "KEY"}, {26, RD_OWNER, "PX"},
    {27, RD_OWNER, "GPOS"}, {28, RD_ADDR6, "AAAA"}, {29, RD_NONE, "LOC"},
    {30, RD_NONE, "NXT"}, {31, RD_NONE, "EID"}, {32, RD_NONE, "NIMLOC"},
    {33, RD_SRV, "SRV"}, {34, RD_NONE, "ATMA"}, {35, RD_NAPTR, "NAPTR"},
    {36, RD_PREF_NAME, "KX"}, {37, RD_NONE, "CERT"}, {38, RD_NONE, "A6"},
    {39, RD_NAME, "DNAME"}, {40, RD_NONE, "SINK"}, {41, RD_OPT, "OPT"},
    {42, RD_OWNER, "APL"}, {43, RD_NONE, "DS"}, {44, RD_NONE, "SSHFP"},
    {45, RD_NONE, "IPSECKEY"}, {46, RD_NONE, "RRSIG"}, {47, RD_NSEC, "NSEC"},
    {48, RD_NONE, "DNSKEY"}, {49, RD_OWNER, "DHCID"}, {50, RD_NONE, "NSEC3"},
    {51, RD_OWNER, "NSEC3PARAM"}, {52, RD_OWNER, "TLSA"}, {55, RD_OWNER, "HIP"},
    {57, RD_NONE, "RKEY"}, {58, RD_NONE, "TALINK"}, {59, RD_NONE, "CDS"},
    {60, RD_NONE, "CDNSKEY"}, {61, RD_NONE, "OPENPGPKEY"}, {62, RD_NONE, "CSYNC"},
    {63, RD_NONE, "ZONEMD"}, {64, RD_NONE, "SVCB"}, {65, RD_NONE, "HTTPS"},
    {99, RD_TXT, "SPF"}, {100, RD_NONE, "UINFO"}, {101, RD_NONE, "UID"},
    {102, RD_NONE, "GID"}, {103, RD_NONE, "UNSPEC"}, {104, RD_NONE, "NID"},
    {105, RD_NONE, "L32"}, {106, RD_NONE, "L64"}, {107, RD_NONE, "LP"},
    {108, RD_NONE, "EUI48"}, {109, RD_NONE, "EUI64"}, {249, RD_NONE, "TKEY"},
    {250, RD_NONE, "TSIG"}, {251, RD_NONE, "IXFR"}, {252, RD_NONE, "AXFR"},
    {253, RD_NONE, "MAILA"}, {254, RD_NONE, "MAILB"}, {255, RD_NONE, "ANY"},
    {256, RD_NONE, "URI"}, {257, RD_NONE, "CAA"}, {32768, RD_NONE, "TA"},
    {32769, RD_NONE, "DLV"}, {65281, RD_NONE, "WINS"}, {65282, RD_NONE, "WINS-R"},
};

static const struct dns_type *dns_type_find(uint16_t t)
{
    for (size_t i = 0; i < sizeof dns_types / sizeof dns_types[0]; i++)
        if (dns_types[i].v == t)
            return &dns_types[i];
    return NULL;
}

static enum rd_kind dns_rd_kind(uint16_t t)
{
    const struct dns_type *d = dns_type_find(t);
    return d ? (enum rd_kind)d->kind : RD_NONE;
}

/* "A", "AAAA", or "Unknown (999)" as tshark writes an unlisted type. */
static void put_type(struct textbuf *tb, uint16_t t)
{
    const struct dns_type *d = dns_type_find(t);
    if (d) {
        tb_puts(tb, d->name);
        return;
    }
    tb_puts(tb, "Unknown (");
    tb_u64(tb, t);
    tb_putc(tb, ')');
}

static const struct tok dns_classes[] = {
    {1, "IN"}, {3, "CH"}, {4, "HS"}, {254, "NONE"}, {255, "ANY"}, {0, NULL},
};

static const char *const opcode_names[16] = {
    [0] = "Standard query", [1] = "Inverse query", [2] = "Server status request",
    [4] = "Zone change notification", [5] = "Dynamic update",
    [6] = "DNS Stateful operations (DSO)",
};

static const char *const rcode_names[16] = {
    "No error", "Format error", "Server failure", "No such name",
    "Not implemented", "Refused", "Name exists", "RRset exists",
    "RRset does not exist", "Not authoritative", "Name out of zone",
    "DSO-Type not implemented",
};

static void put_opcode(struct textbuf *tb, unsigned op)
{
    if (op < 16 && opcode_names[op]) {
        tb_puts(tb, opcode_names[op]);
        return;
    }
    tb_puts(tb, "Unknown operation (");
    tb_u64(tb, op);
    tb_putc(tb, ')');
}

static void put_rcode(struct textbuf *tb, unsigned rc)
{
    if (rc < 16 && rcode_names[rc]) {
        tb_puts(tb, rcode_names[rc]);
        return;
    }
    tb_puts(tb, "Unknown error (");
    tb_u64(tb, rc);
    tb_putc(tb, ')');
}

/* EDNS0 option codes (IANA "DNS EDNS0 Option Codes"). */
static const struct tok edns_options[] = {
    {1, "LLQ"}, {2, "UL"}, {3, "NSID"}, {5, "DAU"}, {6, "DHU"}, {7, "N3U"},
    {8, "Client subnet"}, {9, "EDNS EXPIRE"}, {10, "COOKIE"},
    {11, "EDNS TCP keepalive"}, {12, "Padding"}, {13, "CHAIN"},
    {14, "EDNS key tag"}, {15, "Extended DNS Error"}, {0, NULL},
};

/* ---- one message ---- */

struct dns_msg {
    const uint8_t *p; /* first byte; compression offsets count from here */
    uint32_t off;     /* offset of p in the packet */
    uint32_t cap;     /* bytes of it captured */
    uint32_t seg;     /* bytes of it in this datagram or segment */
    uint32_t wire;    /* its length: the datagram, or the TCP length field */
    uint8_t variant;  /* enum dns_variant */
    /* Names' structure checked (loops, length, bounds) but their text not
     * made: the dissector without fields reads no name, and a DNS packet's
     * names were ~15% of the decoder's instructions on make bench's file. */
    bool no_text;
};

/* Why a walk stopped before the end of the message. */
enum dns_stop {
    STOP_NONE,      /* the message was read to its end */
    STOP_CUT,       /* the capture (snaplen) ends inside it */
    STOP_CONTINUES, /* TCP: it goes on in the next segment */
    STOP_MALFORMED, /* a count, length or pointer points past its end */
};

/*
 * A read of bytes up to `end` (offset in the message) failed: past the
 * message's own length it is malformed; past the segment (TCP) it goes on
 * in the next one; otherwise the capture was cut.
 */
static enum dns_stop stop_for(const struct dns_msg *m, uint64_t end)
{
    if (end > m->wire)
        return STOP_MALFORMED;
    if (end > m->seg && m->cap >= m->seg)
        return STOP_CONTINUES;
    return STOP_CUT;
}

/* A reader over a message: the cursor's base is the message's first byte. */
struct dns_rd {
    const struct dns_msg *m;
    struct cursor c;
    enum dns_stop stop;
};

static struct dns_rd rd_at(const struct dns_msg *m, uint32_t pos)
{
    struct dns_rd r = {m, cur_make(m->p, m->cap), STOP_NONE};
    if (pos > m->cap) {
        r.stop = stop_for(m, (uint64_t)pos + 1);
        cur_skip(&r.c, m->cap);
    } else {
        cur_skip(&r.c, pos);
    }
    return r;
}

/* True when n more bytes can be read; otherwise records why not. */
static bool rd_has(struct dns_rd *r, uint32_t n)
{
    if (r->stop != STOP_NONE)
        return false;
    if (n <= cur_left(&r->c))
        return true;
    r->stop = stop_for(r->m, (uint64_t)cur_offset(&r->c) + n);
    return false;
}

static uint32_t rd_pos(const struct dns_rd *r) { return cur_offset(&r->c); }

/* ---- names (RFC 1035 3.1, 4.1.4) ---- */

enum name_status { NAME_OK, NAME_LOOP, NAME_TOO_LONG };

struct dns_name {
    char text[DNS_NAME_TEXT]; /* sanitised, "<Root>" for the root */
    uint16_t wire_len;        /* uncompressed octets, the root label included */
    uint8_t labels;
    uint8_t status;           /* enum name_status */
};

static void name_finish(struct dns_name *n, struct textbuf *tb)
{
    if (n->status == NAME_LOOP) {
        tb_reset(tb);
        tb_puts(tb, "<Name contains a pointer that loops>");
    } else if (n->status == NAME_TOO_LONG) {
        tb_reset(tb);
        tb_puts(tb, "<Name too long>");
    } else if (n->labels == 0) {
        tb_puts(tb, "<Root>");
    }
}

/* Was the compression pointer at `at` followed before in this name? */
static bool pointer_seen(const uint32_t *seen, unsigned n, uint32_t at)
{
    for (unsigned i = 0; i < n; i++)
        if (seen[i] == at)
            return true;
    return false;
}

/*
 * Reads the name at r's position and moves r past the bytes it takes
 * there (up to its first compression pointer). A pointer followed twice is
 * a loop, as are more than DNS_MAX_JUMPS pointers; a name longer than 255
 * octets is too long: both are reported in n->status with the name's
 * placeholder text, and the walk goes on. False when a label or a pointer
 * leaves the message (r->stop says how).
 */
static bool name_read(struct dns_rd *r, struct dns_name *n)
{
    struct textbuf tb;
    tb_init(&tb, n->text, sizeof n->text);
    n->wire_len = 1;
    n->labels = 0;
    n->status = NAME_OK;
    struct dns_rd jump;            /* the reader after the first pointer */
    struct dns_rd *at = r;
    uint32_t seen[DNS_MAX_JUMPS];
    unsigned jumps = 0;
    for (;;) {
        if (!rd_has(at, 1))
            goto fail;
        uint32_t here = rd_pos(at);
        uint8_t len = cur_u8(&at->c);
        if (len == 0)
            break;
        if ((len & 0xc0) == 0xc0) {
            if (!rd_has(at, 1))
                goto fail;
            uint16_t target = (uint16_t)((len & 0x3fu) << 8 | cur_u8(&at->c));
            if (jumps == DNS_MAX_JUMPS || pointer_seen(seen, jumps, here)) {
                n->status = NAME_LOOP;
                break;
            }
            seen[jumps++] = here;
            if (target >= r->m->wire) {
                r->stop = STOP_MALFORMED;
                return false;
            }
            jump = rd_at(r->m, target);
            at = &jump;
            continue;
        }
        if (len & 0xc0) { /* 0x40 extended and 0x80 reserved label types */
            r->stop = STOP_MALFORMED;
            return false;
        }
        if (!rd_has(at, len))
            goto fail;
        const uint8_t *label = cur_take(&at->c, len);
        n->wire_len = (uint16_t)(n->wire_len + len + 1);
        if (n->wire_len > DNS_NAME_MAX) {
            n->status = NAME_TOO_LONG;
            if (at != r)
                break; /* where the name ends in place is known */
            continue;
        }
        if (n->status == NAME_OK) {
            if (!r->m->no_text) {
                if (n->labels)
                    tb_putc(&tb, '.');
                sanitize_bytes(&tb, label, len, false);
            }
            n->labels++;
        }
    }
    name_finish(n, &tb);
    return true;
fail:
    if (at != r)
        r->stop = at->stop;
    return false;
}

/* ---- records ---- */

/* A question or a resource record, as far as its fixed part goes. */
struct dns_rr {
    struct dns_name name;
    uint32_t name_off, name_len; /* where the owner name lies in the message */
    uint16_t type, klass;
    uint32_t ttl;
    uint16_t rdlen;
    uint32_t rdoff;              /* data offset in the message */
};

/* The decoded data of the types the dissector knows. */
struct dns_rdata {
    bool have;               /* the members below for this type are set */
    bool ok;                 /* and they filled the data length exactly */
    uint8_t addr[16];        /* A, AAAA, WKS */
    uint16_t num[3];         /* MX/KX preference; SRV priority, weight, port;
                              * NAPTR order, preference */
    uint32_t soa[5];         /* serial, refresh, retry, expire, minimum */
    struct dns_name name;    /* NS, CNAME, PTR, DNAME, MX, SRV target,
                              * SOA mname, NSEC next name */
    struct dns_name name2;   /* SOA rname */
};

enum dns_section { SEC_QD, SEC_AN, SEC_NS, SEC_AR };

static const char *const section_titles[4] = {
    "Queries", "Answers", "Authoritative nameservers", "Additional records",
};
static const char *const section_items[4] = {
    "Query", "Answer", "Authority", "Additional",
};

/* What a walk hands out; any member may be NULL. */
struct dns_visitor {
    /* id and flags (the first 4 bytes), then the counts when captured */
    void (*header)(void *arg, const struct dns_msg *m, uint16_t id,
                   uint16_t flags, const uint16_t *counts);
    /* a section with records starts at offset pos of the message */
    void (*section)(void *arg, const struct dns_msg *m, enum dns_section s, uint32_t pos);
    void (*question)(void *arg, const struct dns_msg *m, const struct dns_rr *q);
    void (*record)(void *arg, const struct dns_msg *m, enum dns_section s,
                   const struct dns_rr *rr, const struct dns_rdata *rd);
    void *arg;
};

struct dns_result {
    enum dns_stop stop;
    bool loop;      /* a name had a compression loop or was too long */
    bool bad_rdata; /* a record's data did not fit its type */
};

/* Reads a name into rd->name (or name2) inside the data; false on a stop. */
static bool rdata_name(struct dns_rd *r, struct dns_name *n, struct dns_result *res)
{
    if (!name_read(r, n))
        return false;
    if (n->status != NAME_OK)
        res->loop = true;
    return true;
}

static void rdata_decode(const struct dns_msg *m, const struct dns_rr *rr,
                         struct dns_rdata *rd, struct dns_result *res)
{
    struct dns_rd r = rd_at(m, rr->rdoff);
    uint32_t end = rr->rdoff + rr->rdlen;
    rd->have = rd->ok = false;
    switch ((enum rd_kind)dns_rd_kind(rr->type)) {
    case RD_ADDR4:
        if (rr->rdlen < 4)
            break;
        cur_copy(&r.c, rd->addr, 4);
        rd->have = true;
        rd->ok = rr->type != T_A || rr->rdlen == 4;
        break;
    case RD_ADDR6:
        if (rr->rdlen < 16) {
            /* tshark reads 16 bytes whatever the length says */
            if ((uint64_t)rr->rdoff + 16 > m->wire)
                res->stop = STOP_MALFORMED;
            break;
        }
        cur_copy(&r.c, rd->addr, 16);
        rd->have = true;
        rd->ok = rr->rdlen == 16;
        break;
    case RD_PREF_NAME:
        if (rr->rdlen < 3)
            break;
        rd->num[0] = cur_be16(&r.c);
        /* fall through */
    case RD_NAME:
    case RD_NSEC:
        if (!rdata_name(&r, &rd->name, res)) {
            res->stop = r.stop;
            return;
        }
        rd->have = true;
        rd->ok = rr->type == T_NSEC ? rd_pos(&r) <= end : rd_pos(&r) == end;
        break;
    case RD_SOA:
        if (!rdata_name(&r, &rd->name, res) || !rdata_name(&r, &rd->name2, res)) {
            res->stop = r.stop;
            return;
        }
        rd->have = true;
        if (rd_pos(&r) + 20 != end)
            break;
        for (int i = 0; i < 5; i++)
            rd->soa[i] = cur_be32(&r.c);
        rd->ok = true;
        break;
    case RD_SRV:
        if (rr->rdlen < 7)
            break;
        for (int i = 0; i < 3; i++)
            rd->num[i] = cur_be16(&r.c);
        if (!rdata_name(&r, &rd->name, res)) {
            res->stop = r.stop;
            return;
        }
        rd->have = true;
        rd->ok = rd_pos(&r) == end;
        break;
    default:
        /* read by the consumers from the data bytes */
        rd->have = rd->ok = true;
        break;
    }
    if (!rd->ok)
        res->bad_rdata = true;
}

/* Reads a record's owner name and fixed part (a question: type and class). */
static bool rr_read(struct dns_rd *r, struct dns_rr *rr, bool question,
                    struct dns_result *res)
{
    rr->name_off = rd_pos(r);
    if (!name_read(r, &rr->name))
        return false;
    if (rr->name.status != NAME_OK)
        res->loop = true;
    rr->name_len = rd_pos(r) - rr->name_off;
    if (!rd_has(r, question ? 4 : DNS_RR_FIXED))
        return false;
    rr->type = cur_be16(&r->c);
    rr->klass = cur_be16(&r->c);
    if (question)
        return true;
    rr->ttl = cur_be32(&r->c);
    rr->rdlen = cur_be16(&r->c);
    rr->rdoff = rd_pos(r);
    return true;
}

/*
 * Walks one message and hands its parts to v. The counts bound the loop
 * only as far as the bytes go: 65535 answers in 40 bytes stop at the end
 * of the message (STOP_MALFORMED).
 */
static struct dns_result dns_walk(const struct dns_msg *m, const struct dns_visitor *v)
{
    struct dns_result res = {STOP_NONE, false, false};
    struct dns_rd r = rd_at(m, 0);
    if (!rd_has(&r, 4)) {
        res.stop = r.stop;
        return res;
    }
    uint16_t id = cur_be16(&r.c), flags = cur_be16(&r.c);
    uint16_t counts[4];
    bool have_counts = rd_has(&r, 8);
    for (int i = 0; i < 4; i++)
        counts[i] = have_counts ? cur_be16(&r.c) : 0;
    if (v->header)
        v->header(v->arg, m, id, flags, have_counts ? counts : NULL);
    if (!have_counts) {
        res.stop = r.stop;
        return res;
    }
    struct dns_rr rr_local;
    struct dns_rdata rd;
    /* a visitor that takes no records (the tracker) ends with the questions */
    int last = v->section || v->record ? SEC_AR : SEC_QD;
    for (int s = SEC_QD; s <= last; s++) {
        if (counts[s] && v->section)
            v->section(v->arg, m, (enum dns_section)s, rd_pos(&r));
        for (unsigned i = 0; i < counts[s]; i++) {
            if (!rr_read(&r, &rr_local, s == SEC_QD, &res)) {
                res.stop = r.stop;
                return res;
            }
            if (s == SEC_QD) {
                if (v->question)
                    v->question(v->arg, m, &rr_local);
                continue;
            }
            if (!rd_has(&r, rr_local.rdlen)) {
                res.stop = r.stop;
                /* the fixed part is whole: tshark shows the type */
                if (v->record) {
                    rd.have = rd.ok = false;
                    v->record(v->arg, m, (enum dns_section)s, &rr_local, &rd);
                }
                return res;
            }
            rdata_decode(m, &rr_local, &rd, &res);
            if (v->record)
                v->record(v->arg, m, (enum dns_section)s, &rr_local, &rd);
            if (res.stop != STOP_NONE)
                return res;
            cur_skip(&r.c, rr_local.rdlen);
        }
    }
    return res;
}

/* ---- text ---- */

static void put_hex(struct textbuf *tb, uint32_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; i--)
        tb_putc(tb, hex[(v >> (4 * i)) & 15u]);
}

static void put_ipv4(struct textbuf *tb, const uint8_t a[4])
{
    for (int i = 0; i < 4; i++) {
        if (i)
            tb_putc(tb, '.');
        tb_u64(tb, a[i]);
    }
}

static void put_ipv6(struct textbuf *tb, const uint8_t a[16])
{
    struct ws_addr addr;
    char buf[WS_ADDR_STRLEN];
    addr_from_v6(&addr, a);
    addr_format(&addr, buf, sizeof buf);
    tb_puts(tb, buf);
}

/* A <character-string> (RFC 1035 3.3) at c, sanitised, optionally in
 * quotes; false when its length runs past the cursor. */
static bool put_cstring(struct textbuf *tb, struct cursor *c, bool quoted)
{
    uint8_t n = cur_u8(c);
    const uint8_t *s = cur_take(c, n);
    if (!cur_ok(c))
        return false;
    if (quoted)
        tb_putc(tb, '"');
    sanitize_bytes(tb, s, n, false);
    if (quoted)
        tb_putc(tb, '"');
    return true;
}

/* The record's data bytes that were captured. */
static struct cursor rdata_cursor(const struct dns_msg *m, const struct dns_rr *rr)
{
    struct cursor c = cur_make(m->p, m->cap);
    cur_skip(&c, rr->rdoff);
    return cur_sub(&c, rr->rdlen);
}

/* RFC 3597 generic form: "\# <length> <hex>", at most 64 bytes shown. */
static void put_generic(struct textbuf *tb, const struct dns_msg *m,
                        const struct dns_rr *rr)
{
    struct cursor c = rdata_cursor(m, rr);
    tb_puts(tb, "\\# ");
    tb_u64(tb, rr->rdlen);
    if (rr->rdlen)
        tb_putc(tb, ' ');
    for (unsigned i = 0; i < 64 && cur_left(&c); i++)
        put_hex(tb, cur_u8(&c), 2);
    if (rr->rdlen > 64)
        tb_puts(tb, "...");
}

/* OPT (RFC 6891 6.1.3): the class is the UDP payload size, the TTL holds
 * the extended RCODE, the version and the DO bit. */
static void put_opt(struct textbuf *tb, const struct dns_rr *rr)
{
    tb_puts(tb, "UDP payload size ");
    tb_u64(tb, rr->klass);
    tb_puts(tb, ", extended RCODE ");
    tb_u64(tb, rr->ttl >> 24);
    tb_puts(tb, ", EDNS0 version ");
    tb_u64(tb, rr->ttl >> 16 & 0xffu);
    tb_puts(tb, rr->ttl & 0x8000u ? ", DO" : "");
}

/* The data as text for the detail tree and JSON (close to dig's form). */
static void put_rdata(struct textbuf *tb, const struct dns_msg *m,
                      const struct dns_rr *rr, const struct dns_rdata *rd)
{
    if (!rd->have)
        return;
    struct cursor c = rdata_cursor(m, rr);
    switch ((enum rd_kind)dns_rd_kind(rr->type)) {
    case RD_ADDR4:
        put_ipv4(tb, rd->addr);
        return;
    case RD_ADDR6:
        put_ipv6(tb, rd->addr);
        return;
    case RD_PREF_NAME:
        tb_u64(tb, rd->num[0]);
        tb_putc(tb, ' ');
        /* fall through */
    case RD_NAME:
    case RD_NSEC:
        tb_puts(tb, rd->name.text);
        return;
    case RD_SOA:
        tb_puts(tb, rd->name.text);
        tb_putc(tb, ' ');
        tb_puts(tb, rd->name2.text);
        for (int i = 0; rd->ok && i < 5; i++) {
            tb_putc(tb, ' ');
            tb_u64(tb, rd->soa[i]);
        }
        return;
    case RD_SRV:
        for (int i = 0; i < 3; i++) {
            tb_u64(tb, rd->num[i]);
            tb_putc(tb, ' ');
        }
        tb_puts(tb, rd->name.text);
        return;
    case RD_TXT:
    case RD_HINFO:
        for (bool first = true; cur_left(&c); first = false) {
            if (!first)
                tb_putc(tb, ' ');
            if (!put_cstring(tb, &c, true))
                break;
        }
        return;
    case RD_OPT:
        put_opt(tb, rr);
        return;
    default:
        put_generic(tb, m, rr);
        return;
    }
}

/* What tshark 4.0 appends to the Info column after the record's type. */
static void put_rdata_info(struct textbuf *tb, const struct dns_msg *m,
                           const struct dns_rr *rr, const struct dns_rdata *rd)
{
    struct cursor c = rdata_cursor(m, rr);
    switch ((enum rd_kind)dns_rd_kind(rr->type)) {
    case RD_ADDR4:
    case RD_ADDR6:
    case RD_NAME:
    case RD_NSEC:
    case RD_PREF_NAME:
    case RD_SRV:
        tb_putc(tb, ' ');
        put_rdata(tb, m, rr, rd);
        return;
    case RD_SOA:
        tb_putc(tb, ' ');
        tb_puts(tb, rd->name.text);
        return;
    case RD_HINFO: /* " cpu os" */
        for (int i = 0; i < 2 && cur_left(&c); i++) {
            tb_putc(tb, ' ');
            put_cstring(tb, &c, false);
        }
        return;
    case RD_NAPTR: { /* " order preference flags" */
        uint16_t order = cur_be16(&c), pref = cur_be16(&c);
        if (!cur_ok(&c))
            return;
        tb_putc(tb, ' ');
        tb_u64(tb, order);
        tb_putc(tb, ' ');
        tb_u64(tb, pref);
        tb_putc(tb, ' ');
        put_cstring(tb, &c, false);
        return;
    }
    case RD_OWNER:
        if (rr->rdlen) {
            tb_putc(tb, ' ');
            tb_puts(tb, rr->name.text);
        }
        return;
    default:
        return;
    }
}

/* ---- the messages of a layer ---- */

/* Which variant the ports give: tshark tries the lower port first. */
static enum dns_variant dns_variant_of(const struct ws_packet *pkt)
{
    if (pkt->ip_proto != 17)
        return DNS_PLAIN;
    uint16_t lo = pkt->sport < pkt->dport ? pkt->sport : pkt->dport;
    uint16_t hi = pkt->sport < pkt->dport ? pkt->dport : pkt->sport;
    const uint16_t ports[2] = {lo, hi};
    for (int i = 0; i < 2; i++) {
        if (ports[i] == DNS_PORT)
            return DNS_PLAIN;
        if (ports[i] == MDNS_PORT)
            return DNS_MDNS;
        if (ports[i] == LLMNR_PORT)
            return DNS_LLMNR;
    }
    return DNS_PLAIN;
}

/* The layer's bytes: from `start` to the end of the transport payload. */
struct dns_span {
    const uint8_t *p;
    uint32_t off, cap, wire;
    bool tcp;
    uint8_t variant;
};

static struct dns_span dns_span_of(const struct ws_packet *pkt, uint32_t start)
{
    struct dns_span s = {pkt->data + start, start, 0, 0, pkt->ip_proto == 6,
                         (uint8_t)dns_variant_of(pkt)};
    uint32_t end = pkt->payload_off + pkt->payload_len;
    uint32_t cend = end < pkt->caplen ? end : pkt->caplen;
    s.wire = end > start ? end - start : 0;
    s.cap = cend > start ? cend - start : 0;
    if (start > pkt->caplen)
        s.p = pkt->data + pkt->caplen;
    return s;
}

typedef void (*dns_msg_fn)(void *arg, const struct dns_msg *m, uint32_t len_off);

/*
 * Calls fn for each message of the span: the whole datagram over UDP; over
 * TCP each message after its 2-byte length (len_off is the length's offset
 * in the packet, 0 for UDP). Returns the number of messages; *frame_stop
 * tells whether a length prefix itself was cut.
 */
static unsigned dns_each_msg(const struct dns_span *s, dns_msg_fn fn, void *arg,
                             enum dns_stop *frame_stop)
{
    *frame_stop = STOP_NONE;
    if (!s->tcp) {
        struct dns_msg m = {s->p, s->off, s->cap, s->wire, s->wire, s->variant, false};
        fn(arg, &m, 0);
        return 1;
    }
    unsigned n = 0;
    uint32_t pos = 0;
    while (pos < s->wire) {
        if (s->wire - pos < 2) {
            *frame_stop = s->cap < s->wire ? STOP_CUT : STOP_CONTINUES;
            break;
        }
        if (s->cap < pos + 2) {
            *frame_stop = STOP_CUT;
            break;
        }
        struct cursor c = cur_make(s->p, s->cap);
        cur_skip(&c, pos);
        uint16_t len = cur_be16(&c);
        uint32_t seg_left = s->wire - pos - 2, cap_left = s->cap - pos - 2;
        struct dns_msg m = {s->p + pos + 2, s->off + pos + 2,
                            len < cap_left ? len : cap_left,
                            len < seg_left ? len : seg_left, len, s->variant, false};
        fn(arg, &m, s->off + pos);
        n++;
        pos += 2u + len;
    }
    return n;
}

/*
 * Over TCP a segment that does not start with a plausible message is not
 * DNS: the rest of a message that began in an earlier segment, or another
 * protocol. Plausible: a known opcode, and counts that fit in the length
 * (each question takes at least 5 bytes, each record 11).
 */
static bool tcp_msg_plausible(const uint8_t *p, size_t n)
{
    struct cursor c = cur_make(p, n);
    uint16_t len = cur_be16(&c);
    if (!cur_ok(&c))
        return false;
    if (n < 2 + DNS_HDR_LEN)
        return true; /* too little to judge */
    cur_skip(&c, 2);
    uint16_t flags = cur_be16(&c);
    unsigned op = flags >> 11 & 15u;
    uint64_t need = DNS_HDR_LEN + 5u * cur_be16(&c);
    for (int i = 0; i < 3; i++)
        need += 11u * cur_be16(&c);
    bool known_op = op <= 2 || (op >= 4 && op <= 6);
    return len >= DNS_HDR_LEN && known_op && need <= len;
}

/* Port 53, 5353 or 5355: UDP datagrams are DNS whatever they hold (tshark
 * does the same); a TCP segment must start with a plausible message. */
static bool dns_probe(const uint8_t *p, size_t n, const struct ws_packet *pkt,
                      bool on_port)
{
    if (!on_port)
        return false;
    if (pkt->ip_proto == 6) {
        /* DNS over TCP: port 53 (and 5353, which tshark decodes as DNS) */
        bool port = pkt->sport == DNS_PORT || pkt->dport == DNS_PORT ||
                    pkt->sport == MDNS_PORT || pkt->dport == MDNS_PORT;
        return port && tcp_msg_plausible(p, n);
    }
    return n > 0;
}

/* ---- dissector: detail tree and summary ---- */

struct dissect_ctx {
    struct ws_packet *pkt;
    unsigned nmsgs;
    enum dns_stop worst; /* the most serious stop of all messages */
    bool loop, bad_rdata;
};

static const char *flag_text(uint16_t flags, uint16_t bit, const char *set,
                             const char *clear)
{
    return flags & bit ? set : clear;
}

static void field_flags(struct ws_packet *pkt, uint32_t off, uint16_t flags)
{
    bool resp = flags & F_RESPONSE;
    unsigned op = flags >> 11 & 15u, rc = flags & 15u;
    char buf[64];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    put_opcode(&tb, op);
    field_add(pkt, 2, "Response", off, 2, "%s",
              flag_text(flags, F_RESPONSE, "Message is a response", "Message is a query"));
    field_add(pkt, 2, "Opcode", off, 2, "%s (%u)", buf, op);
    if (resp)
        field_add(pkt, 2, "Authoritative", off, 2, "%s",
                  flag_text(flags, F_AA, "Server is an authority for domain",
                            "Server is not an authority for domain"));
    field_add(pkt, 2, "Truncated", off, 2, "%s",
              flag_text(flags, F_TC, "Message is truncated", "Message is not truncated"));
    field_add(pkt, 2, "Recursion desired", off, 2, "%s",
              flag_text(flags, F_RD, "Do query recursively", "Don't do query recursively"));
    if (resp)
        field_add(pkt, 2, "Recursion available", off, 2, "%s",
                  flag_text(flags, F_RA, "Server can do recursive queries",
                            "Server can't do recursive queries"));
    field_add(pkt, 2, "Z", off, 2, "%s",
              flag_text(flags, F_Z, "reserved - incorrect!", "reserved (0)"));
    if (resp)
        field_add(pkt, 2, "Answer authenticated", off, 2, "%s",
                  flag_text(flags, F_AD, "Answer/authority portion was authenticated by the server",
                            "Answer/authority portion was not authenticated by the server"));
    else
        field_add(pkt, 2, "AD bit", off, 2, "%s", flag_text(flags, F_AD, "Set", "Not set"));
    field_add(pkt, 2, "Non-authenticated data", off, 2, "%s",
              flag_text(flags, F_CD, "Acceptable", "Unacceptable"));
    if (resp) {
        tb_reset(&tb);
        put_rcode(&tb, rc);
        field_add(pkt, 2, "Reply code", off, 2, "%s (%u)", buf, rc);
    }
}

static void dissect_header(void *arg, const struct dns_msg *m, uint16_t id,
                           uint16_t flags, const uint16_t *counts)
{
    struct dissect_ctx *dc = arg;
    struct ws_packet *pkt = dc->pkt;
    if (dc->nmsgs == 1) {
        struct ws_dns *d = &pkt->a.dns;
        d->id = id;
        d->flags = flags;
        d->response = flags & F_RESPONSE;
        d->opcode = (uint8_t)(flags >> 11 & 15u);
        d->rcode = (uint8_t)(flags & 15u);
        if (counts) {
            d->has_header = true;
            d->qdcount = counts[0];
            d->ancount = counts[1];
            d->nscount = counts[2];
            d->arcount = counts[3];
        }
        field_add(pkt, 0, "Kind", m->off, 2, "%s", d->response ? "response" : "query");
    }
    if (!pkt->want_fields)
        return;
    char buf[96];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    put_opcode(&tb, flags >> 11 & 15u);
    if (flags & F_RESPONSE) {
        tb_puts(&tb, " response, ");
        put_rcode(&tb, flags & 15u);
    }
    field_add(pkt, 1, "Transaction ID", m->off, 2, "0x%04x", id);
    field_add(pkt, 1, "Flags", m->off + 2, 2, "0x%04x %s", flags, buf);
    field_flags(pkt, m->off + 2, flags);
    static const char *const names[4] = {"Questions", "Answer RRs", "Authority RRs",
                                         "Additional RRs"};
    for (int i = 0; counts && i < 4; i++)
        field_add(pkt, 1, names[i], m->off + 4 + 2 * (uint32_t)i, 2, "%u", counts[i]);
}

static void dissect_section(void *arg, const struct dns_msg *m, enum dns_section s,
                            uint32_t pos)
{
    struct dissect_ctx *dc = arg;
    field_add(dc->pkt, 1, section_titles[s], m->off + pos, 0, "%s", "");
}

static void put_class(struct textbuf *tb, const struct dns_msg *m, uint16_t klass)
{
    uint16_t k = m->variant == DNS_MDNS ? klass & 0x7fffu : klass;
    tb_puts(tb, tok_name(dns_classes, k));
    tb_puts(tb, " (0x");
    put_hex(tb, k, 4);
    tb_putc(tb, ')');
}

static void dissect_question(void *arg, const struct dns_msg *m, const struct dns_rr *q)
{
    struct dissect_ctx *dc = arg;
    struct ws_packet *pkt = dc->pkt;
    if (dc->nmsgs == 1 && !pkt->a.dns.qtype)
        pkt->a.dns.qtype = q->type;
    if (!pkt->want_fields)
        return;
    char type[32], klass[32];
    struct textbuf tt, tc;
    tb_init(&tt, type, sizeof type);
    tb_init(&tc, klass, sizeof klass);
    put_type(&tt, q->type);
    put_class(&tc, m, q->klass);
    uint32_t off = m->off + q->name_off;
    field_add(pkt, 2, "Query", off, q->name_len + 4, "%s: type %s, class %s",
              q->name.text, type, klass);
    field_add(pkt, 3, "Name", off, q->name_len, "%s", q->name.text);
    field_add(pkt, 3, "Name Length", off, q->name_len, "%u",
              q->name.wire_len > 1 ? q->name.wire_len - 2u : 0u);
    field_add(pkt, 3, "Label Count", off, q->name_len, "%u", q->name.labels);
    field_add(pkt, 3, "Type", off + q->name_len, 2, "%s (%u)", type, q->type);
    field_add(pkt, 3, "Class", off + q->name_len + 2, 2, "%s", klass);
    if (m->variant == DNS_MDNS)
        field_add(pkt, 3, "\"QU\" question", off + q->name_len + 2, 2, "%s",
                  q->klass & CLASS_TOP ? "True" : "False");
}

/* The data's own lines under a record. */
static void dissect_rdata(struct ws_packet *pkt, const struct dns_msg *m,
                          const struct dns_rr *rr, const struct dns_rdata *rd)
{
    uint32_t off = m->off + rr->rdoff;
    uint16_t len = rr->rdlen;
    char text[DNS_NAME_TEXT + 64];
    struct textbuf tb;
    tb_init(&tb, text, sizeof text);
    put_rdata(&tb, m, rr, rd);
    switch (rr->type) {
    case T_A:
        field_add(pkt, 3, "Address", off, len, "%s", text);
        break;
    case T_AAAA:
        field_add(pkt, 3, "AAAA Address", off, len, "%s", text);
        break;
    case T_NS:
        field_add(pkt, 3, "Name Server", off, len, "%s", text);
        break;
    case T_CNAME:
        field_add(pkt, 3, "CNAME", off, len, "%s", text);
        break;
    case T_PTR:
        field_add(pkt, 3, "Domain Name", off, len, "%s", text);
        break;
    case T_MX:
        field_add(pkt, 3, "Preference", off, 2, "%u", rd->num[0]);
        field_add(pkt, 3, "Mail Exchange", off + 2, len - 2u, "%s", rd->name.text);
        break;
    case T_SRV:
        field_add(pkt, 3, "Priority", off, 2, "%u", rd->num[0]);
        field_add(pkt, 3, "Weight", off + 2, 2, "%u", rd->num[1]);
        field_add(pkt, 3, "Port", off + 4, 2, "%u", rd->num[2]);
        field_add(pkt, 3, "Target", off + 6, len - 6u, "%s", rd->name.text);
        break;
    case T_SOA: {
        static const char *const names[5] = {"Serial Number", "Refresh Interval",
                                             "Retry Interval", "Expire limit",
                                             "Minimum TTL"};
        field_add(pkt, 3, "Primary name server", off, len, "%s", rd->name.text);
        field_add(pkt, 3, "Responsible authority's mailbox", off, len, "%s", rd->name2.text);
        for (int i = 0; rd->ok && i < 5; i++)
            field_add(pkt, 3, names[i], off + len - 20u + 4u * (uint32_t)i, 4, "%u",
                      rd->soa[i]);
        break;
    }
    case T_TXT:
    case T_HINFO: {
        struct cursor c = rdata_cursor(m, rr);
        while (cur_left(&c)) {
            uint32_t at = off + (uint32_t)(cur_offset(&c) - rr->rdoff);
            char s[1100];
            struct textbuf ts;
            tb_init(&ts, s, sizeof s);
            if (!put_cstring(&ts, &c, false))
                break;
            field_add(pkt, 3, rr->type == T_TXT ? "TXT" : "Character string", at,
                      (uint32_t)(cur_offset(&c) - rr->rdoff) + off - at, "%s", s);
        }
        break;
    }
    default:
        if (text[0])
            field_add(pkt, 3, "Data", off, len, "%s", text);
        break;
    }
    if (rd->have && !rd->ok)
        field_add(pkt, 3, "Malformed data", off, len, "length %u does not fit type", len);
}

/* OPT: the pseudo-record's fields and its options (RFC 6891 6.1). */
static void dissect_opt(struct ws_packet *pkt, const struct dns_msg *m,
                        const struct dns_rr *rr)
{
    uint32_t off = m->off + rr->name_off + rr->name_len;
    field_add(pkt, 3, "UDP payload size", off + 2, 2, "%u", rr->klass);
    field_add(pkt, 3, "Higher bits in extended RCODE", off + 4, 1, "0x%02x", rr->ttl >> 24);
    field_add(pkt, 3, "EDNS0 version", off + 5, 1, "%u", rr->ttl >> 16 & 0xffu);
    field_add(pkt, 3, "Z", off + 6, 2, "0x%04x", rr->ttl & 0xffffu);
    field_add(pkt, 4, "DO bit", off + 6, 2, "%s",
              rr->ttl & 0x8000u ? "Accepts DNSSEC security RRs"
                                : "Cannot handle DNSSEC security RRs");
    field_add(pkt, 3, "Data length", off + 8, 2, "%u", rr->rdlen);
    struct cursor c = rdata_cursor(m, rr);
    while (cur_left(&c)) {
        uint32_t at = m->off + cur_offset(&c);
        uint16_t code = cur_be16(&c), olen = cur_be16(&c);
        const uint8_t *data = cur_take(&c, olen);
        if (!cur_ok(&c)) {
            field_add(pkt, 3, "Malformed option", at, (uint32_t)(m->off + rr->rdoff + rr->rdlen - at),
                      "option length past the record's data");
            break;
        }
        const char *name = tok_find(edns_options, code);
        field_add(pkt, 3, "Option", at, 4u + olen, "%s (%u), length %u",
                  name ? name : "Unknown", code, olen);
        char hex[2 * 64 + 4];
        struct textbuf th;
        tb_init(&th, hex, sizeof hex);
        for (unsigned i = 0; i < olen && i < 64; i++)
            put_hex(&th, data[i], 2);
        if (olen > 64)
            tb_puts(&th, "...");
        if (olen)
            field_add(pkt, 4, "Data", at + 4, olen, "%s", hex);
    }
}

static void dissect_record(void *arg, const struct dns_msg *m, enum dns_section s,
                           const struct dns_rr *rr, const struct dns_rdata *rd)
{
    struct dissect_ctx *dc = arg;
    struct ws_packet *pkt = dc->pkt;
    if (!pkt->want_fields)
        return;
    char type[32], klass[32], data[DNS_NAME_TEXT + 64];
    struct textbuf tt, tc, td;
    tb_init(&tt, type, sizeof type);
    tb_init(&tc, klass, sizeof klass);
    tb_init(&td, data, sizeof data);
    put_type(&tt, rr->type);
    put_class(&tc, m, rr->klass);
    put_rdata(&td, m, rr, rd);
    uint32_t off = m->off + rr->name_off;
    uint32_t len = rr->name_len + DNS_RR_FIXED + rr->rdlen;
    if (rr->type == T_OPT) {
        field_add(pkt, 2, section_items[s], off, len, "%s: type OPT", rr->name.text);
    } else {
        field_add(pkt, 2, section_items[s], off, len, "%s: type %s, class %s%s%s",
                  rr->name.text, type, klass, data[0] ? ", " : "", data);
    }
    field_add(pkt, 3, "Name", off, rr->name_len, "%s", rr->name.text);
    off += rr->name_len;
    field_add(pkt, 3, "Type", off, 2, "%s (%u)", type, rr->type);
    if (rr->type == T_OPT) {
        dissect_opt(pkt, m, rr);
        return;
    }
    field_add(pkt, 3, "Class", off + 2, 2, "%s", klass);
    if (m->variant == DNS_MDNS)
        field_add(pkt, 3, "Cache flush", off + 2, 2, "%s",
                  rr->klass & CLASS_TOP ? "True" : "False");
    field_add(pkt, 3, "Time to live", off + 4, 4, "%u", rr->ttl);
    field_add(pkt, 3, "Data length", off + 8, 2, "%u", rr->rdlen);
    if (rd->have)
        dissect_rdata(pkt, m, rr, rd);
}

static const struct dns_visitor dissect_visitor_proto = {
    dissect_header, dissect_section, dissect_question, dissect_record, NULL,
};

static int stop_rank(enum dns_stop s)
{
    /* which stop a layer with several messages reports */
    return s == STOP_MALFORMED ? 3 : s == STOP_CUT ? 2 : s == STOP_CONTINUES ? 1 : 0;
}

static void dissect_msg(void *arg, const struct dns_msg *m, uint32_t len_off)
{
    struct dissect_ctx *dc = arg;
    dc->nmsgs++;
    if (dc->pkt->ip_proto == 6)
        field_add(dc->pkt, 1, "Length", len_off, 2, "%u", m->wire);
    struct dns_visitor v = dissect_visitor_proto;
    v.arg = dc;
    struct dns_msg walked = *m;
    walked.no_text = !dc->pkt->want_fields;
    struct dns_result r = dns_walk(&walked, &v);
    if (stop_rank(r.stop) > stop_rank(dc->worst))
        dc->worst = r.stop;
    dc->loop |= r.loop;
    dc->bad_rdata |= r.bad_rdata;
}

static enum ws_proto dns_dissect(struct ws_packet *pkt, struct cursor *c)
{
    if (pkt->ip_proto == 6 && !tcp_msg_plausible(c->p, cur_left(c)))
        return P_DATA; /* the middle of a message, or not DNS at all */
    struct ws_layer *l = app_layer_open(pkt, P_DNS, c);
    if (!l)
        return P_NONE;
    struct ws_dns *d = &pkt->a.dns;
    memset(d, 0, sizeof *d);
    d->variant = (uint8_t)dns_variant_of(pkt);
    d->tcp = pkt->ip_proto == 6;
    struct dissect_ctx dc = {pkt, 0, STOP_NONE, false, false};
    struct dns_span s = dns_span_of(pkt, cur_offset(c));
    enum dns_stop frame_stop;
    unsigned n = dns_each_msg(&s, dissect_msg, &dc, &frame_stop);
    if (stop_rank(frame_stop) > stop_rank(dc.worst))
        dc.worst = frame_stop;
    d->nmsgs = (uint8_t)(n > 255 ? 255 : n);
    d->partial = dc.worst == STOP_CONTINUES;
    cur_skip(c, cur_left(c));
    layer_close(pkt, l, c);
    /* The stop first: it decides the Info suffix; a loop only names the event. */
    if (dc.worst == STOP_CUT)
        layer_fail(pkt, l, EV_TRUNCATED);
    else if (dc.worst == STOP_MALFORMED)
        layer_fail(pkt, l, EV_BAD_APP);
    if (dc.loop)
        layer_fail(pkt, l, EV_NAME_LOOP);
    if (dc.bad_rdata)
        layer_fail(pkt, l, EV_BAD_APP);
    if (d->partial)
        field_add(pkt, 1, "Continues", l->off + l->len, 0, "%s",
                  "the last message goes on in the next segment");
    return P_NONE;
}

/* ---- Info column ---- */

struct info_ctx {
    struct textbuf *tb;
    enum dns_stop stop;
};

static void info_header(void *arg, const struct dns_msg *m, uint16_t id,
                        uint16_t flags, const uint16_t *counts)
{
    struct info_ctx *ic = arg;
    (void)m;
    (void)counts;
    put_opcode(ic->tb, flags >> 11 & 15u);
    if (flags & F_RESPONSE)
        tb_puts(ic->tb, " response");
    tb_puts(ic->tb, " 0x");
    put_hex(ic->tb, id, 4);
    if ((flags & F_RESPONSE) && (flags & 15u)) {
        tb_putc(ic->tb, ' ');
        put_rcode(ic->tb, flags & 15u);
    }
}

static void info_question(void *arg, const struct dns_msg *m, const struct dns_rr *q)
{
    struct info_ctx *ic = arg;
    tb_putc(ic->tb, ' ');
    put_type(ic->tb, q->type);
    tb_putc(ic->tb, ' ');
    tb_puts(ic->tb, q->name.text);
    if (m->variant == DNS_MDNS)
        tb_puts(ic->tb, q->klass & CLASS_TOP ? ", \"QU\" question" : ", \"QM\" question");
}

static void info_record(void *arg, const struct dns_msg *m, enum dns_section s,
                        const struct dns_rr *rr, const struct dns_rdata *rd)
{
    struct info_ctx *ic = arg;
    (void)s;
    tb_putc(ic->tb, ' ');
    put_type(ic->tb, rr->type);
    if (m->variant == DNS_MDNS && (rr->klass & CLASS_TOP) && rr->type != T_OPT)
        tb_puts(ic->tb, ", cache flush");
    if (rd->have)
        put_rdata_info(ic->tb, m, rr, rd);
}

static void info_msg(void *arg, const struct dns_msg *m, uint32_t len_off)
{
    struct info_ctx *ic = arg;
    (void)len_off;
    /* tshark clears the column for each message: the last one shows */
    tb_reset(ic->tb);
    struct dns_visitor v = {info_header, NULL, info_question, info_record, ic};
    ic->stop = dns_walk(m, &v).stop;
}

static void dns_info(struct textbuf *tb, const struct ws_packet *pkt,
                     const struct ws_layer *l)
{
    struct info_ctx ic = {tb, STOP_NONE};
    struct dns_span s = dns_span_of(pkt, l->off);
    enum dns_stop frame_stop;
    dns_each_msg(&s, info_msg, &ic, &frame_stop);
    enum dns_stop stop = frame_stop != STOP_NONE ? frame_stop : ic.stop;
    /* tshark's exception texts; a cut capture's comes from the layer's
     * EV_TRUNCATED (render/info.c) */
    if (stop == STOP_MALFORMED)
        tb_puts(tb, "[Malformed Packet]");
    else if (stop == STOP_CONTINUES)
        tb_puts(tb, "[BoundErrorUnreassembled Packet]");
    else if (stop == STOP_CUT && l->event != EV_TRUNCATED)
        tb_puts(tb, "[Packet size limited during capture]");
}

static const char *dns_protocol(const struct ws_packet *pkt, const struct ws_layer *l)
{
    (void)l;
    switch (dns_variant_of(pkt)) {
    case DNS_MDNS:
        return "MDNS";
    case DNS_LLMNR:
        return "LLMNR";
    default:
        return "DNS";
    }
}

/* ---- JSON ---- */

static const char *const json_sections[4] = {"questions", "answers", "authority",
                                             "additional"};

struct json_ctx {
    struct textbuf *tb;
    size_t start;
    bool any;          /* a member was written: the next needs a comma */
    int open;          /* section whose array is open, -1 none */
    bool seen[4];      /* arrays written */
    bool items;        /* the open array has an item */
    bool cut;          /* records left out for the budget */
    unsigned nmsgs;
};

static void json_key(struct json_ctx *jc, const char *key)
{
    if (jc->any)
        tb_putc(jc->tb, ',');
    jc->any = true;
    tb_json_str(jc->tb, key);
    tb_putc(jc->tb, ':');
}

static void json_header(void *arg, const struct dns_msg *m, uint16_t id,
                        uint16_t flags, const uint16_t *counts)
{
    struct json_ctx *jc = arg;
    (void)m;
    (void)counts;
    char rc[40];
    struct textbuf tr;
    tb_init(&tr, rc, sizeof rc);
    put_rcode(&tr, flags & 15u);
    json_key(jc, "id");
    tb_u64(jc->tb, id);
    json_key(jc, "response");
    tb_puts(jc->tb, flags & F_RESPONSE ? "true" : "false");
    json_key(jc, "opcode");
    tb_u64(jc->tb, flags >> 11 & 15u);
    json_key(jc, "rcode");
    tb_json_str(jc->tb, rc);
    json_key(jc, "truncated");
    tb_puts(jc->tb, flags & F_TC ? "true" : "false");
}

static void json_close(struct json_ctx *jc)
{
    if (jc->open >= 0)
        tb_putc(jc->tb, ']');
    jc->open = -1;
}

static void json_section(void *arg, const struct dns_msg *m, enum dns_section s,
                         uint32_t pos)
{
    struct json_ctx *jc = arg;
    (void)m;
    (void)pos;
    json_close(jc);
    json_key(jc, json_sections[s]);
    tb_putc(jc->tb, '[');
    jc->open = (int)s;
    jc->seen[s] = true;
    jc->items = false;
}

/* False when the budget is spent: the item is left out. */
static bool json_item(struct json_ctx *jc, const struct dns_rr *rr)
{
    if (jc->tb->len - jc->start > DNS_JSON_BUDGET) {
        jc->cut = true;
        return false;
    }
    char type[32];
    struct textbuf tt;
    tb_init(&tt, type, sizeof type);
    put_type(&tt, rr->type);
    tb_puts(jc->tb, jc->items ? ",{\"name\":" : "{\"name\":");
    jc->items = true;
    tb_json_str(jc->tb, rr->name.text);
    tb_puts(jc->tb, ",\"type\":");
    tb_json_str(jc->tb, type);
    return true;
}

static void json_question(void *arg, const struct dns_msg *m, const struct dns_rr *q)
{
    (void)m;
    if (json_item(arg, q))
        tb_putc(((struct json_ctx *)arg)->tb, '}');
}

static void json_record(void *arg, const struct dns_msg *m, enum dns_section s,
                        const struct dns_rr *rr, const struct dns_rdata *rd)
{
    struct json_ctx *jc = arg;
    (void)s;
    if (!json_item(jc, rr))
        return;
    char data[DNS_NAME_TEXT + 64];
    struct textbuf td;
    tb_init(&td, data, sizeof data);
    put_rdata(&td, m, rr, rd);
    tb_puts(jc->tb, ",\"ttl\":");
    tb_u64(jc->tb, rr->ttl);
    tb_puts(jc->tb, ",\"data\":");
    tb_json_str(jc->tb, data);
    tb_putc(jc->tb, '}');
}

static void json_msg(void *arg, const struct dns_msg *m, uint32_t len_off)
{
    struct json_ctx *jc = arg;
    (void)len_off;
    if (jc->nmsgs++)
        return; /* the first message only */
    struct dns_visitor v = {json_header, json_section, json_question, json_record, jc};
    dns_walk(m, &v);
    json_close(jc);
}

static void dns_json(struct textbuf *tb, const struct ws_packet *pkt,
                     const struct ws_layer *l)
{
    struct json_ctx jc = {tb, tb->len, false, -1, {false, false, false, false}, false,
                          false, 0};
    struct dns_span s = dns_span_of(pkt, l->off);
    enum dns_stop frame_stop;
    dns_each_msg(&s, json_msg, &jc, &frame_stop);
    for (int i = 0; i < 4; i++) {
        if (!jc.seen[i]) {
            json_key(&jc, json_sections[i]);
            tb_puts(tb, "[]");
        }
    }
    if (jc.cut) {
        json_key(&jc, "records_left_out");
        tb_puts(tb, "true");
    }
    if (s.tcp) {
        json_key(&jc, "messages");
        tb_u64(tb, jc.nmsgs);
    }
}

/* ---- transactions: a query and its response on one flow ---- */

struct track_ctx {
    struct app_ctx *ctx;
    uint16_t id, flags, ancount;
    bool have_counts, have_q;
    uint16_t qtype;
    char what[96];
};

static void track_header(void *arg, const struct dns_msg *m, uint16_t id,
                         uint16_t flags, const uint16_t *counts)
{
    struct track_ctx *tc = arg;
    (void)m;
    tc->id = id;
    tc->flags = flags;
    tc->have_counts = counts != NULL;
    tc->ancount = counts ? counts[1] : 0;
}

static void track_question(void *arg, const struct dns_msg *m, const struct dns_rr *q)
{
    struct track_ctx *tc = arg;
    (void)m;
    if (tc->have_q)
        return;
    tc->have_q = true;
    tc->qtype = q->type;
    struct textbuf tb;
    tb_init(&tb, tc->what, sizeof tc->what);
    put_type(&tb, q->type);
    tb_putc(&tb, ' ');
    tb_puts(&tb, q->name.text);
}

static void track_result(char *buf, size_t size, uint16_t flags, uint16_t ancount)
{
    struct textbuf tb;
    tb_init(&tb, buf, size);
    put_rcode(&tb, flags & 15u);
    if ((flags & 15u) == 0) {
        tb_puts(&tb, ", ");
        tb_u64(&tb, ancount);
        tb_puts(&tb, ancount == 1 ? " answer" : " answers");
    }
    if (flags & F_TC)
        tb_puts(&tb, " (truncated)");
}

static void track_msg(void *arg, const struct dns_msg *m, uint32_t len_off)
{
    struct track_ctx tc = {((struct track_ctx *)arg)->ctx, 0, 0, 0, false, false, 0, ""};
    (void)len_off;
    struct dns_visitor v = {track_header, NULL, track_question, NULL, &tc};
    dns_walk(m, &v);
    if (!tc.have_counts || !tc.have_q)
        return;
    struct app_ctx *ctx = tc.ctx;
    uint64_t scope = ctx->flow->id;
    uint64_t key = (uint64_t)tc.id << 16 | tc.qtype;
    char label[TXN_LABEL];
    struct textbuf tb;
    tb_init(&tb, label, sizeof label);
    tb_puts(&tb, tc.flags & F_RESPONSE ? "Response 0x" : "Query 0x");
    put_hex(&tb, tc.id, 4);
    struct txn *x = txn_find(ctx, P_DNS, scope, key);
    if (!(tc.flags & F_RESPONSE)) {
        if (x)
            txn_add(ctx, x, label); /* the same query again: a retry */
        else
            txn_open(ctx, P_DNS, scope, key, tc.what, label);
        return;
    }
    if (!x)
        return; /* its query was not seen */
    char result[64];
    track_result(result, sizeof result, tc.flags, tc.ancount);
    txn_add(ctx, x, label);
    txn_done(ctx, x, result);
}

static void dns_track(struct app_ctx *ctx, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    /* mDNS and LLMNR answers come back on another flow (multicast query) */
    if (dns_variant_of(pkt) != DNS_PLAIN || !ctx->flow)
        return;
    const uint32_t resent = 1u << TA_RETRANSMISSION | 1u << TA_FAST_RETRANSMISSION |
                            1u << TA_SPURIOUS_RETRANSMISSION;
    if (ctx->ta_flags & resent)
        return;
    struct track_ctx tc = {ctx, 0, 0, 0, false, false, 0, ""};
    struct dns_span s = dns_span_of(pkt, l->off);
    enum dns_stop frame_stop;
    dns_each_msg(&s, track_msg, &tc, &frame_stop);
}

static const uint16_t dns_ports[] = {DNS_PORT, MDNS_PORT, LLMNR_PORT, 0};

static const struct app_hooks dns_hooks = {
    APP_TCP | APP_UDP, dns_ports, dns_probe, dns_protocol, dns_info, dns_json, dns_track, false,
};

const struct proto_desc proto_dns = {P_DNS, "DNS", "Domain Name System", dns_dissect,
                                     &dns_hooks};
