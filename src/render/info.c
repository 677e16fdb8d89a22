/* The tshark-like Protocol and Info columns, built from a decoded packet without allocating. */
#include <string.h>

#include "wirescope/addr.h"
#include "wirescope/cursor.h"
#include "wirescope/info.h"
#include "wirescope/textbuf.h"
#include "proto/proto.h"

/* Text Wireshark appends when a dissector runs out of bytes. */
#define SUFFIX_CUT "[Packet size limited during capture]"
#define SUFFIX_MALFORMED "[Malformed Packet]"
#define SUFFIX_CONTAINED \
    "[Malformed Packet: length of contained item exceeds length of containing item]"
#define ARROW " \xe2\x86\x92 " /* U+2192 between the ports */

/* ---- append helper over the caller's buffer ---- */

struct sb {
    char *p;
    size_t len;
    size_t cap; /* characters that fit (size - 1) */
    bool cut;
};

static void sb_putn(struct sb *b, const char *s, size_t n)
{
    size_t room = b->cap - b->len;
    if (n > room) {
        n = room;
        b->cut = true;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void sb_puts(struct sb *b, const char *s) { sb_putn(b, s, strlen(s)); }

static void sb_putc(struct sb *b, char c) { sb_putn(b, &c, 1); }

/* Decimal, two digits per step (the Info column is mostly numbers). */
static void sb_u32(struct sb *b, uint32_t v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    char tmp[10];
    size_t i = sizeof tmp;
    while (v >= 100) {
        uint32_t r = v % 100;
        v /= 100;
        tmp[--i] = pairs[2 * r + 1];
        tmp[--i] = pairs[2 * r];
    }
    if (v >= 10) {
        tmp[--i] = pairs[2 * v + 1];
        tmp[--i] = pairs[2 * v];
    } else {
        tmp[--i] = (char)('0' + v);
    }
    sb_putn(b, tmp + i, sizeof tmp - i);
}

/* Lower-case hex, zero-padded to `digits`, no prefix. */
static void sb_hex(struct sb *b, uint32_t v, unsigned digits)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[8];
    if (digits > 8)
        digits = 8;
    for (unsigned i = digits; i-- > 0;) {
        tmp[i] = hex[v & 15];
        v >>= 4;
    }
    sb_putn(b, tmp, digits);
}

/* Upper-case hex without padding, as "%X". */
static void sb_hex_upper(struct sb *b, uint32_t v)
{
    static const char hex[] = "0123456789ABCDEF";
    char tmp[8];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = hex[v & 15];
        v >>= 4;
    } while (v);
    sb_putn(b, tmp + i, sizeof tmp - i);
}

static void sb_hexbytes(struct sb *b, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_hex(b, p[i], 2);
}

/* Pads with spaces to `width` characters since `mark`, like "%-20s". */
static void sb_pad(struct sb *b, size_t mark, size_t width)
{
    while (b->len - mark < width && !b->cut)
        sb_putc(b, ' ');
}

static void sb_addr(struct sb *b, const struct ws_addr *a)
{
    char txt[WS_ADDR_STRLEN];
    size_t n = addr_format(a, txt, sizeof txt);
    sb_putn(b, txt, n);
}

static void sb_v6(struct sb *b, const uint8_t v6[16])
{
    struct ws_addr a;
    addr_from_v6(&a, v6);
    sb_addr(b, &a);
}

static void sb_mac(struct sb *b, const uint8_t mac[6])
{
    char txt[18];
    mac_format(mac, txt);
    sb_putn(b, txt, 17);
}

/* NUL-terminates; a cut never leaves half of a UTF-8 character. */
static size_t sb_finish(struct sb *b)
{
    if (b->cut) {
        size_t i = b->len;
        while (i > 0 && ((unsigned char)b->p[i - 1] & 0xc0) == 0x80)
            i--;
        if (i > 0 && ((unsigned char)b->p[i - 1] & 0x80)) {
            unsigned char lead = (unsigned char)b->p[i - 1];
            size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
            if (b->len - (i - 1) < want)
                b->len = i - 1;
        }
    }
    b->p[b->len] = '\0';
    return b->len;
}

/* ---- layers and bytes ---- */

/* The highest layer that names the packet (not data, not an extension). */
static const struct ws_layer *top_layer(const struct ws_packet *pkt)
{
    for (unsigned i = pkt->nlayers; i-- > 0;) {
        uint8_t p = pkt->layers[i].proto;
        if (p != P_DATA && p != P_IPV6_EXT)
            return &pkt->layers[i];
    }
    return NULL;
}

/* The innermost IPv4 or IPv6 layer, or NULL. */
static const struct ws_layer *ip_layer(const struct ws_packet *pkt)
{
    for (unsigned i = pkt->nlayers; i-- > 0;) {
        uint8_t p = pkt->layers[i].proto;
        if (p == P_IPV4 || p == P_IPV6)
            return &pkt->layers[i];
    }
    return NULL;
}

/* A cursor over the captured bytes from `off` on (empty past caplen). */
static struct cursor bytes_at(const struct ws_packet *pkt, uint32_t off)
{
    struct cursor c = cur_make(pkt->data, pkt->caplen);
    if (!cur_skip(&c, off))
        c.p = c.end;
    c.short_read = false;
    return c;
}

/* Offset just past the innermost IP datagram as its length field
 * declares it; 0 when unknown. */
static uint32_t datagram_declared_end(const struct ws_packet *pkt)
{
    const struct ws_layer *ip = ip_layer(pkt);
    if (!ip)
        return 0;
    struct cursor h = bytes_at(pkt, ip->off);
    cur_skip(&h, ip->proto == P_IPV4 ? 2 : 4);
    uint16_t n = cur_be16(&h);
    if (!cur_ok(&h) || n == 0)
        return 0;
    return ip->off + (ip->proto == P_IPV4 ? 0u : 40u) + n;
}

/* The same as the wire held it: capped at the frame's length. */
static uint32_t datagram_wire_end(const struct ws_packet *pkt)
{
    uint32_t end = datagram_declared_end(pkt);
    uint32_t frame = pkt->len > pkt->caplen ? pkt->len : pkt->caplen;
    return end < frame ? end : frame;
}

/*
 * A fragment tshark leaves undecoded: a later one always; a first one
 * only when it holds all of its bytes, for then it goes to reassembly (a
 * first fragment cut by snaplen is decoded as the transport it starts).
 */
static bool is_fragment(const struct ws_packet *pkt)
{
    if (!pkt->ip_fragment || (pkt->ip_frag_off == 0 && !pkt->ip_more_frags))
        return false;
    if (pkt->ip_frag_off != 0)
        return true;
    uint32_t end = datagram_declared_end(pkt);
    return end == 0 || end <= pkt->caplen;
}

/* ---- IP ---- */

/* IP protocol numbers as Wireshark names them (NULL: "Unknown"). */
static const char *const ipproto_names[256] = {
    [0] = "IPv6 Hop-by-Hop Option",
    [1] = "ICMP",
    [2] = "IGMP",
    [3] = "GGP",
    [4] = "IPIP",
    [5] = "Stream",
    [6] = "TCP",
    [7] = "CBT",
    [8] = "EGP",
    [9] = "IGRP",
    [10] = "BBN RCC",
    [11] = "Network Voice",
    [12] = "PUP",
    [13] = "ARGUS",
    [14] = "EMCON",
    [15] = "XNET",
    [16] = "CHAOS",
    [17] = "UDP",
    [18] = "Multiplex",
    [19] = "DCN Measurement",
    [20] = "Host Monitoring",
    [21] = "Packet radio",
    [22] = "IDP",
    [23] = "Trunk-1",
    [24] = "Trunk-2",
    [25] = "Leaf-1",
    [26] = "Leaf-2",
    [27] = "Reliable Data",
    [28] = "IRT",
    [29] = "ISO TP4",
    [30] = "Bulk Data",
    [31] = "MFE NSP",
    [32] = "Merit Internodal",
    [33] = "Datagram Congestion Control Protocol",
    [34] = "3rd Party Connect",
    [35] = "Inter-Domain Policy Routing Protocol",
    [36] = "XTP",
    [37] = "Datagram delivery",
    [38] = "Control Message",
    [39] = "TP++",
    [40] = "IL",
    [41] = "IPv6",
    [42] = "Source demand routing",
    [43] = "Routing Header for IPv6",
    [44] = "Fragment Header for IPv6",
    [45] = "Inter-Domain Routing Protocol",
    [46] = "Reservation Protocol",
    [47] = "Generic Routing Encapsulation",
    [48] = "Dynamic source routing",
    [49] = "BNA",
    [50] = "Encap Security Payload",
    [51] = "Authentication Header",
    [52] = "INSLP",
    [53] = "SWIPE",
    [54] = "NBMA ARP",
    [55] = "IP Mobility",
    [56] = "TLSP Kryptonet",
    [57] = "SKIP",
    [58] = "ICMPv6",
    [59] = "No Next Header for IPv6",
    [60] = "Destination Options for IPv6",
    [61] = "any host internal protocol",
    [62] = "Mobile IPv6 (old)",
    [63] = "any local network",
    [64] = "SATNET EXPAK",
    [65] = "Kryptolan",
    [66] = "Remote Virtual Disk",
    [67] = "IPPC",
    [68] = "any distributed file system",
    [69] = "SATNET Monitoring",
    [70] = "VISA",
    [71] = "IPCV",
    [72] = "CPNX",
    [73] = "CPHB",
    [74] = "Wang Span",
    [75] = "Packet Video",
    [76] = "Backroom SATNET Mon",
    [77] = "Sun ND Protocol",
    [78] = "Wideband Mon",
    [79] = "Wideband Expak",
    [80] = "ISO Internet Protocol",
    [81] = "VMTP",
    [82] = "Secure VMTP",
    [83] = "VINES",
    [84] = "TTP",
    [85] = "NSFNET IGP",
    [86] = "Dissimilar Gateway",
    [87] = "TCF",
    [88] = "EIGRP",
    [89] = "OSPF IGP",
    [90] = "Sprite RPC",
    [91] = "Locus ARP",
    [92] = "Multicast Transport",
    [93] = "AX.25 Frames",
    [94] = "IP in IP",
    [95] = "MICP",
    [96] = "Semaphore",
    [97] = "Ether in IP",
    [98] = "ENCAP",
    [99] = "any private encryption scheme",
    [100] = "GMTP",
    [101] = "Ipsilon Flow",
    [102] = "PNNI over IP",
    [103] = "PIM",
    [104] = "ARIS",
    [105] = "SCPS",
    [106] = "QNX",
    [107] = "Active Networks",
    [108] = "IPComp",
    [109] = "Sitara Networks",
    [110] = "Compaq Peer",
    [111] = "IPX IN IP",
    [112] = "VRRP",
    [113] = "PGM",
    [114] = "any 0-hop protocol",
    [115] = "Layer 2 Tunneling",
    [116] = "DDX",
    [117] = "IATP",
    [118] = "STP",
    [119] = "SpectraLink",
    [120] = "UTI",
    [121] = "SMP",
    [122] = "SM",
    [123] = "PTP",
    [124] = "ISIS over IP",
    [125] = "FIRE",
    [126] = "CRTP",
    [127] = "CRUDP",
    [128] = "SSCOPMCE",
    [129] = "IPLT",
    [130] = "Secure Packet",
    [131] = "PIPE",
    [132] = "SCTP",
    [133] = "Fibre Channel",
    [134] = "RSVP E2EI",
    [135] = "Mobile IPv6",
    [136] = "UDPLite",
    [137] = "MPLS in IP",
    [138] = "MANET",
    [139] = "HIP",
    [140] = "Shim6 header",
    [141] = "WESP",
    [142] = "ROHC",
    [143] = "Ethernet",
    [173] = "AX/4000 Testframe",
    [224] = "Novell NCS Heartbeat",
};

static const char *ipproto_name(uint8_t p)
{
    if (ipproto_names[p])
        return ipproto_names[p];
    if (p >= 144 && p <= 223)
        return "Unassigned";
    return "Unknown";
}

/*
 * Walks the extension chain after the IPv6 layer ip6: the header type of
 * each P_IPV6_EXT layer is the next-header value before it. Returns the
 * first extension layer with an event (where tshark's walk stops too),
 * else NULL, with its type in *type; a fragment header met on the way
 * fills *frag (frag->ok set).
 */
struct v6_frag {
    bool ok;
    uint8_t nxt;
    uint16_t offm;
    uint32_t ident;
};

static const struct ws_layer *v6_chain(const struct ws_packet *pkt,
                                       const struct ws_layer *ip6,
                                       uint8_t *type, struct v6_frag *frag)
{
    struct cursor h = bytes_at(pkt, ip6->off);
    cur_skip(&h, 6);
    uint8_t nh = cur_u8(&h);
    frag->ok = false;
    if (!cur_ok(&h))
        return NULL;
    for (const struct ws_layer *l = ip6 + 1; l < pkt->layers + pkt->nlayers; l++) {
        if (l->proto != P_IPV6_EXT)
            break;
        struct cursor e = bytes_at(pkt, l->off);
        uint8_t next = cur_u8(&e);
        if (nh == 44) {
            cur_skip(&e, 1);
            frag->nxt = next;
            frag->offm = cur_be16(&e);
            frag->ident = cur_be32(&e);
            frag->ok = cur_ok(&e);
        }
        if (l->event != EV_NONE && l->event != EV_FRAGMENT) {
            *type = nh;
            return l;
        }
        nh = next;
    }
    return NULL;
}

/* The suffix for a chain that stopped in extension header l: its declared
 * length past the captured bytes is a cut (or, in a short frame, a
 * malformed packet), a length past the datagram is malformed. */
static const char *v6_ext_suffix(const struct ws_packet *pkt,
                                 const struct ws_layer *l, uint8_t type)
{
    struct cursor e = bytes_at(pkt, l->off);
    cur_skip(&e, 1);
    uint8_t hl = cur_u8(&e);
    uint32_t need = type == 44 ? 8u : (hl + 1u) * 8u;
    if (!cur_ok(&e) || l->off + need > pkt->caplen)
        return pkt->caplen < pkt->len ? SUFFIX_CUT : SUFFIX_MALFORMED;
    /* a bad option in a header the capture ends with: tshark's option
     * walk reads on past the end */
    if (l->event == EV_BAD_OPTION && l->off + need == pkt->caplen &&
        pkt->caplen < pkt->len)
        return SUFFIX_CUT;
    return l->event == EV_BAD_HEADER_LEN ? SUFFIX_MALFORMED : "";
}

static const char *v6_ext_name(uint8_t type)
{
    switch (type) {
    case 0:
        return "IPv6 hop-by-hop options";
    case 43:
        return "IPv6 routing";
    case 44:
        return "IPv6 fragment";
    case 60:
        return "IPv6 destination options";
    default:
        return NULL;
    }
}

/* A transport layer was opened above `ip` (its header cut too short for
 * tshark to name it): the IP layer then shows no protocol text. */
static bool transport_above(const struct ws_packet *pkt,
                            const struct ws_layer *ip)
{
    for (const struct ws_layer *l = ip + 1; l < pkt->layers + pkt->nlayers; l++)
        if (l->proto == P_TCP || l->proto == P_UDP || l->proto == P_ICMP ||
            l->proto == P_ICMPV6)
            return true;
    return false;
}

static void ipv4_info(struct sb *b, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    struct cursor h = bytes_at(pkt, l->off);
    uint8_t vihl = cur_u8(&h);
    cur_skip(&h, 1);
    uint16_t tot = cur_be16(&h);
    if (!cur_ok(&h))
        return;
    unsigned ihl = (vihl & 15u) * 4;
    if (vihl >> 4 != 4) {
        sb_puts(b, "Bogus IPv4 version (");
        sb_u32(b, vihl >> 4);
        sb_puts(b, ", must be 4)");
        return;
    }
    if (ihl < 20) {
        sb_puts(b, "Bogus IP header length (");
        sb_u32(b, ihl);
        sb_puts(b, ", must be at least 20)");
        return;
    }
    if (tot != 0 && tot < ihl) {
        sb_puts(b, "Bogus IP length (");
        sb_u32(b, tot);
        sb_puts(b, ", less than header length ");
        sb_u32(b, ihl);
        sb_putc(b, ')');
        return;
    }
    if (l->event == EV_TRUNCATED || l->len < ihl)
        return;
    if (is_fragment(pkt)) {
        sb_puts(b, "Fragmented IP protocol (proto=");
        sb_puts(b, ipproto_name(pkt->ip_proto));
        sb_putc(b, ' ');
        sb_u32(b, pkt->ip_proto);
        sb_puts(b, ", off=");
        sb_u32(b, pkt->ip_frag_off);
        sb_puts(b, ", ID=");
        sb_hex(b, pkt->ip_id, 4);
        sb_putc(b, ')');
        return;
    }
    if (transport_above(pkt, l))
        return;
    sb_puts(b, ipproto_name(pkt->ip_proto));
    sb_puts(b, " (");
    sb_u32(b, pkt->ip_proto);
    sb_putc(b, ')');
}

static void ipv6_info(struct sb *b, const struct ws_packet *pkt,
                      const struct ws_layer *l, const char **suffix)
{
    struct cursor h = bytes_at(pkt, l->off);
    uint8_t ver = cur_u8(&h) >> 4;
    if (cur_ok(&h) && ver != 6) {
        if (l == pkt->layers) { /* a raw IPv6 link */
            sb_puts(b, "Bogus IPv6 version (");
            sb_u32(b, ver);
            sb_puts(b, ", must be 6)");
        } else {
            sb_puts(b, "IPv6"); /* tshark falls back to the ethertype */
        }
        return;
    }
    if (l->len < 40) {
        /* A frame (not a snaplen cut) too short for the header. */
        uint32_t have = pkt->caplen > l->off ? pkt->caplen - l->off : 0;
        if (have > 0 && have < 40 && pkt->caplen >= pkt->len) {
            sb_puts(b, "Invalid IPv6 header (");
            sb_u32(b, have);
            sb_puts(b, " bytes, need exactly 40)");
        }
        return;
    }
    uint8_t type = 0;
    struct v6_frag frag = {0};
    const struct ws_layer *ext = v6_chain(pkt, l, &type, &frag);
    if (is_fragment(pkt) && frag.ok) {
        sb_puts(b, "IPv6 fragment (off=");
        sb_u32(b, frag.offm & 0xfff8u);
        sb_puts(b, frag.offm & 1 ? " more=y" : " more=n");
        sb_puts(b, " ident=0x");
        sb_hex(b, frag.ident, 8);
        sb_puts(b, " nxt=");
        sb_u32(b, frag.nxt);
        sb_putc(b, ')');
        return;
    }
    if (transport_above(pkt, l))
        return;
    if (ext && v6_ext_name(type)) {
        /* The chain stopped inside this extension header; tshark names
         * it, except a fragment header it could not read. */
        *suffix = v6_ext_suffix(pkt, ext, type);
        if (type != 44 || ext->len >= 8)
            sb_puts(b, v6_ext_name(type));
        return;
    }
    if (pkt->ip_proto == 59) {
        sb_puts(b, "IPv6 no next header");
        return;
    }
    sb_puts(b, "Unknown IP Protocol: ");
    sb_puts(b, ipproto_name(pkt->ip_proto));
    sb_puts(b, " (");
    sb_u32(b, pkt->ip_proto);
    sb_putc(b, ')');
}

/* ---- TCP ---- */

static void tcp_flags_text(struct sb *b, uint16_t flags, bool reserved)
{
    static const char names[][4] = {"FIN", "SYN", "RST", "PSH", "ACK",
                                    "URG", "ECE", "CWR", "AE"};
    sb_puts(b, " [");
    bool any = false;
    for (unsigned i = 0; i < 9; i++) {
        if (!(flags & (1u << i)))
            continue;
        if (any)
            sb_puts(b, ", ");
        sb_puts(b, names[i]);
        any = true;
    }
    if (reserved) {
        if (any)
            sb_puts(b, ", ");
        sb_puts(b, "Reserved");
        any = true;
    }
    if (!any)
        sb_puts(b, "<None>");
    sb_putc(b, ']');
}

/* " SLE=.. SRE=.." for each whole block in `n` bytes, relative to the
 * receiver's ISN (the sequence space the blocks acknowledge). */
static void sack_text(struct sb *b, struct cursor *v,
                      const struct info_tcp_rel *rel, uint32_t n)
{
    bool relative = rel && rel->relative;
    for (uint32_t i = 0; i + 8 <= n; i += 8) {
        uint32_t le = cur_be32(v), re = cur_be32(v);
        if (relative) {
            le -= rel->ack_base;
            re -= rel->ack_base;
        }
        sb_puts(b, " SLE=");
        sb_u32(b, le);
        sb_puts(b, " SRE=");
        sb_u32(b, re);
    }
}

/* Whether the captured options hold a Multipath TCP option (kind 30):
 * tshark then names the packet MPTCP. */
static bool tcp_has_mptcp(const struct ws_packet *pkt, const struct ws_layer *l)
{
    uint32_t hlen = pkt->u.tcp.hdr_len;
    if (l->len <= 20 || hlen <= 20)
        return false;
    struct cursor all = bytes_at(pkt, pkt->l4_off + 20);
    struct cursor o = cur_sub(&all, l->len - 20);
    uint32_t left = hlen - 20;
    while (left > 0 && cur_left(&o) > 0) {
        uint8_t kind = cur_u8(&o);
        left--;
        if (kind == 0)
            return false;
        if (kind == 1)
            continue;
        if (left == 0 || cur_left(&o) == 0)
            return false;
        uint8_t len = cur_u8(&o);
        left--;
        if (len < 2 || len - 2u > left || len - 2u > cur_left(&o))
            return false;
        if (kind == 30)
            return true;
        cur_skip(&o, len - 2u);
        left -= len - 2u;
    }
    return false;
}

/* AccECN counters (" EE0B=.. ECEB=.. EE1B=.."; order 1 starts with EE1B),
 * " AccECN" when empty, nothing when the length is not whole fields. */
static void accecn_text(struct sb *b, struct cursor *v, bool order1, uint32_t n)
{
    static const char *const names[2][3] = {{" EE0B=", " ECEB=", " EE1B="},
                                            {" EE1B=", " ECEB=", " EE0B="}};
    if (n == 0) {
        sb_puts(b, " AccECN");
        return;
    }
    if (n % 3 != 0 || n > 9)
        return;
    for (uint32_t i = 0; i < n / 3; i++) {
        uint32_t x = (uint32_t)cur_u8(v) << 16;
        x |= cur_be16(v);
        sb_puts(b, names[order1][i]);
        sb_u32(b, x);
    }
}

/*
 * Options in packet order as tshark appends them: EOL ends the list, a
 * length below 2 or past the header ends it, a known option of the wrong
 * length is skipped silently, and the walk stops where the captured header
 * (`have` bytes of it) does. True when it stopped inside an option's value
 * (its kind and length were there).
 */
static bool tcp_options_text(struct sb *b, const struct ws_packet *pkt,
                             const struct info_tcp_rel *rel, uint32_t hlen,
                             uint32_t have)
{
    struct cursor all = bytes_at(pkt, pkt->l4_off + 20);
    struct cursor o = cur_sub(&all, have > 20 ? have - 20 : 0);
    uint32_t left = hlen - 20;
    while (left > 0) {
        if (cur_left(&o) < 1)
            return false;
        uint8_t kind = cur_u8(&o);
        left--;
        if (kind == 0)
            return false;
        if (kind == 1)
            continue;
        if (left == 0 || cur_left(&o) < 1)
            return false;
        uint8_t len = cur_u8(&o);
        left--;
        if (len < 2 || len - 2u > left)
            return false;
        if (len - 2u > cur_left(&o)) {
            /* Cut by the capture: tshark still shows the SACK blocks it
             * could read before the end, and names MD5 and AO options
             * before it reads them. */
            if (kind == 5)
                sack_text(b, &o, rel, (uint32_t)cur_left(&o));
            else if (kind == 19)
                sb_puts(b, " MD5");
            else if (kind == 29)
                sb_puts(b, "TCP AO");
            return true;
        }
        left -= len - 2u;
        struct cursor v = cur_sub(&o, len - 2u);
        switch (kind) {
        case 2:
            if (len == 4) {
                sb_puts(b, " MSS=");
                sb_u32(b, cur_be16(&v));
            }
            break;
        case 3:
            if (len == 3) {
                uint8_t shift = cur_u8(&v);
                sb_puts(b, " WS=");
                sb_u32(b, 1u << (shift > 14 ? 14 : shift));
            }
            break;
        case 4:
            if (len == 2)
                sb_puts(b, " SACK_PERM");
            break;
        case 5:
            sack_text(b, &v, rel, len - 2u);
            break;
        case 6: /* echo, echo reply (RFC 1072) */
        case 7:
            if (len == 6) {
                sb_puts(b, " ECHO=");
                sb_u32(b, cur_be32(&v));
            }
            break;
        case 11: /* T/TCP connection counts (RFC 1644) */
        case 12:
        case 13:
            if (len == 6) {
                sb_puts(b, " CC=");
                sb_u32(b, cur_be32(&v));
            }
            break;
        case 19:
            sb_puts(b, " MD5");
            break;
        case 28:
            if (len == 4) {
                sb_puts(b, " USER_TO=");
                sb_u32(b, cur_be16(&v) & 0x7fffu);
            }
            break;
        case 29:
            sb_puts(b, "TCP AO"); /* (sic: tshark writes no space) */
            break;
        case 34:
            sb_puts(b, len == 2 ? " TFO=R" : " TFO=C");
            break;
        case 172: /* AccECN order 0 */
        case 174: /* AccECN order 1 */
            accecn_text(b, &v, kind == 174, len - 2u);
            break;
        case 253: /* experimental (RFC 6994): by experiment ID */
        case 254:
            if (len >= 4) {
                uint16_t exid = cur_be16(&v);
                if (exid == 0xacc0 || exid == 0xacc1) {
                    accecn_text(b, &v, exid == 0xacc1, len - 4u);
                } else if (exid == 0xf989) {
                    sb_puts(b, len == 4 ? " TFO=R" : " TFO=C");
                } else {
                    sb_puts(b, " ExID=");
                    sb_hex_upper(b, exid);
                }
            }
            break;
        case 8:
            if (len == 10) {
                uint32_t tsval = cur_be32(&v), tsecr = cur_be32(&v);
                sb_puts(b, " TSval=");
                sb_u32(b, tsval);
                sb_puts(b, " TSecr=");
                sb_u32(b, tsecr);
            }
            break;
        default:
            break;
        }
    }
    return false;
}

/*
 * "sport → dport [FLAGS] Seq= Ack= Win= Urg= Len= options", cut where
 * tshark's dissector stops: ports need 4 captured header bytes, flags and
 * numbers 16, Len the fixed 20. A header running past the bytes the
 * datagram has on the wire (not a snaplen cut) fails in tshark before its
 * sequence analysis: raw numbers, no Len, and a Malformed suffix, worded
 * for a cut inside an option's value as tshark words it.
 */
static void tcp_info(struct sb *b, const struct ws_packet *pkt,
                     const struct ws_layer *l, const struct info_tcp_rel *rel,
                     const char **suffix)
{
    const struct ws_tcp *t = &pkt->u.tcp;
    uint32_t hb = l->len;
    if (hb < 4)
        return;
    sb_u32(b, pkt->sport);
    sb_puts(b, ARROW);
    sb_u32(b, pkt->dport);
    if (hb < 16)
        return;
    struct cursor h = bytes_at(pkt, pkt->l4_off + 12);
    bool reserved = (cur_u8(&h) & 0x0e) != 0;
    tcp_flags_text(b, t->flags, reserved);

    bool past_wire = hb >= 20 && t->hdr_len > hb &&
                     (l->event == EV_BAD_HEADER_LEN || pkt->caplen >= pkt->len);
    bool relative = rel && rel->relative && !past_wire;
    sb_puts(b, " Seq=");
    sb_u32(b, relative ? t->seq - rel->seq_base : t->seq);
    if (t->flags & TCP_ACK) {
        sb_puts(b, " Ack=");
        sb_u32(b, relative ? t->ack - rel->ack_base : t->ack);
    }
    uint32_t win = t->win;
    if (rel && rel->win_shift >= 0 && !(t->flags & TCP_SYN))
        win <<= rel->win_shift > 14 ? 14 : rel->win_shift;
    sb_puts(b, " Win=");
    sb_u32(b, win);
    if (t->hdr_len < 20) {
        sb_puts(b, ", bogus TCP header length (");
        sb_u32(b, t->hdr_len);
        sb_puts(b, ", must be at least 20)");
        return;
    }
    if (hb < 20)
        return;
    if (past_wire) {
        bool in_value = tcp_options_text(b, pkt, rel, t->hdr_len, hb);
        *suffix = in_value ? SUFFIX_CONTAINED : SUFFIX_MALFORMED;
        return;
    }
    if (t->flags & TCP_URG) {
        sb_puts(b, " Urg=");
        sb_u32(b, t->urg);
    }
    sb_puts(b, " Len=");
    sb_u32(b, pkt->payload_len);
    if (t->hdr_len > 20)
        tcp_options_text(b, pkt, rel, t->hdr_len, hb);
}

/* ---- UDP ---- */

static void udp_info(struct sb *b, const struct ws_packet *pkt,
                     const struct ws_layer *l)
{
    const struct ws_udp *u = &pkt->u.udp;
    if (l->len < 4)
        return;
    sb_u32(b, pkt->sport);
    sb_puts(b, ARROW);
    sb_u32(b, pkt->dport);
    if (l->len < 6)
        return;
    if (l->len < 8) {
        /* tshark has read the length field when the checksum is cut off,
         * and checks it against the datagram the wire held. */
        uint32_t end = datagram_wire_end(pkt);
        if (u->len >= 8 && end && u->len > end - pkt->l4_off && !pkt->ip_fragment) {
            sb_puts(b, " [BAD UDP LENGTH ");
            sb_u32(b, u->len);
            sb_puts(b, " > IP PAYLOAD LENGTH]");
        }
        if (u->len >= 8) {
            sb_puts(b, " Len=");
            sb_u32(b, u->len - 8u);
        }
        return;
    }
    if (u->len == 0 && pkt->ip_ver == 6) {
        /* RFC 2675: the length is in the IPv6 jumbo payload option */
        sb_puts(b, " Len=");
        sb_u32(b, pkt->payload_len);
        sb_puts(b, " [Jumbogram]");
        if (u->csum == 0)
            sb_puts(b, " [ILLEGAL CHECKSUM (0)]");
        return;
    }
    if (u->len < 8) {
        sb_puts(b, " [BAD UDP LENGTH ");
        sb_u32(b, u->len);
        sb_puts(b, " < 8]");
        return;
    }
    if (u->len - 8u > pkt->payload_len && !pkt->ip_fragment) {
        /* The dissector flagged it; tshark still prints Len from the field
         * (a first fragment holds only the start of the datagram). */
        sb_puts(b, " [BAD UDP LENGTH ");
        sb_u32(b, u->len);
        sb_puts(b, " > IP PAYLOAD LENGTH]");
    }
    sb_puts(b, " Len=");
    sb_u32(b, u->len - 8u);
    if (u->csum == 0 && pkt->ip_ver == 6)
        sb_puts(b, " [ILLEGAL CHECKSUM (0)]"); /* mandatory over IPv6 */
}

/* ---- ICMP ---- */

/*
 * "%-20s" type, " (code)" for types with named codes, and for the echo
 * family " id=0x%04x, seq=BE/LE, ttl=N" (ttl only over IPv4). tshark
 * words the type once 6 bytes are captured and the rest at 8.
 */
static void icmp_info(struct sb *b, const struct ws_packet *pkt,
                      const struct ws_layer *l)
{
    const struct ws_icmp *ic = &pkt->u.icmp;
    if (l->len < 6)
        return;
    const char *tn = icmp_type_name(ic->type);
    bool coded = false;
    const char *cn = tn ? icmp_code_name(ic->type, ic->code, &coded) : NULL;
    if (ic->type == 9 && (ic->code == 0 || ic->code == 16))
        tn = "Mobile IP Advertisement";
    size_t mark = b->len;
    sb_puts(b, tn ? tn : "Unknown ICMP (obsolete or malformed?)");
    sb_pad(b, mark, 20);
    if (coded) {
        sb_puts(b, " (");
        if (cn) {
            sb_puts(b, cn);
        } else {
            sb_puts(b, "Unknown code: ");
            sb_u32(b, ic->code);
        }
        sb_putc(b, ')');
    }
    if (l->len < 8 || !ic->has_echo)
        return;
    sb_puts(b, " id=0x");
    sb_hex(b, ic->id, 4);
    sb_puts(b, ", seq=");
    sb_u32(b, ic->seq);
    sb_putc(b, '/');
    sb_u32(b, (uint16_t)(ic->seq << 8 | ic->seq >> 8));
    if (pkt->ip_ver == 4) {
        sb_puts(b, ", ttl=");
        sb_u32(b, pkt->ttl);
    }
}

/* ---- ICMPv6 ---- */

/*
 * Source / target link-layer address options of a Neighbor Discovery
 * message, appended as tshark does while it walks them to the end of the
 * message on the wire. An option running past that end (or a lone byte)
 * makes tshark call the packet malformed, a zero length just stops it;
 * a capture cut stops the walk (the truncation suffix follows).
 */
static const char *nd_options_text(struct sb *b, const struct ws_packet *pkt,
                                   const struct ws_layer *l, uint32_t fixed)
{
    uint32_t start = l->off + fixed;
    uint32_t end = datagram_wire_end(pkt);
    if (end == 0)
        end = pkt->len > pkt->caplen ? pkt->len : pkt->caplen;
    if (l->len < fixed || end <= start)
        return NULL;
    uint32_t left = end - start;
    struct cursor o = bytes_at(pkt, start);
    while (left > 0) {
        if (left < 2)
            return SUFFIX_MALFORMED;
        if (cur_left(&o) < 2)
            return NULL;
        uint8_t type = cur_peek8(&o, 0);
        uint32_t len = cur_peek8(&o, 1) * 8u;
        if (len == 0)
            return NULL;
        if (len > left)
            return SUFFIX_MALFORMED;
        if (len > cur_left(&o))
            return NULL;
        struct cursor v = cur_sub(&o, len);
        left -= len;
        if ((type == 1 || type == 2) && len == 8) {
            uint8_t mac[6];
            cur_skip(&v, 2);
            cur_copy(&v, mac, 6);
            sb_puts(b, type == 1 ? " from " : " is at ");
            sb_mac(b, mac);
        }
    }
    return NULL;
}

/*
 * The suffix of a Neighbor Discovery message: what the option walk found,
 * else, for a frame (not a snaplen cut) shorter than its IP length, none:
 * tshark bounds the message by the frame and sees no options missing.
 * "" means decided, no suffix; NULL leaves it to the layer events.
 */
static const char *nd_suffix(const struct ws_packet *pkt, const struct ws_layer *l,
                             uint32_t fixed, const char *walked)
{
    if (walked)
        return walked;
    return l->len >= fixed && pkt->caplen >= pkt->len ? "" : NULL;
}

static void icmpv6_info(struct sb *b, const struct ws_packet *pkt,
                        const struct ws_layer *l, const char **suffix)
{
    const struct ws_icmp *ic = &pkt->u.icmp;
    if (l->len < 1)
        return;
    const char *tn = icmpv6_type_name(ic->type);
    if (tn) {
        sb_puts(b, tn);
    } else {
        sb_puts(b, "Unknown (");
        sb_u32(b, ic->type);
        sb_putc(b, ')');
    }
    if (l->len < 2)
        return;
    bool coded = false;
    const char *cn = tn ? icmpv6_code_name(ic->type, ic->code, &coded) : NULL;
    if (coded) {
        sb_puts(b, " (");
        if (cn) {
            sb_puts(b, cn);
        } else if (ic->type == 1) {
            sb_puts(b, "Unknown");
        } else {
            sb_puts(b, "Unknown (");
            sb_u32(b, ic->code);
            sb_putc(b, ')');
        }
        sb_putc(b, ')');
    }
    uint8_t a[16];
    struct cursor h = bytes_at(pkt, l->off + 4);
    switch (ic->type) {
    case 150:
    case 154: {
        /* FMIPv6 words its subtype (first body byte) where a code goes. */
        static const char *const fmip[] = {
            "Router Solicitation for Proxy Advertisement",
            "Proxy Router Advertisement", "Handover Initiate",
            "Handover Acknowledge"};
        if (l->len < 5)
            return;
        uint8_t sub = cur_u8(&h);
        sb_puts(b, " (");
        if (sub >= 2 && sub <= 5) {
            sb_puts(b, fmip[sub - 2]);
        } else {
            sb_puts(b, "Unknown (");
            sb_u32(b, sub);
            sb_putc(b, ')');
        }
        sb_putc(b, ')');
        return;
    }
    case 128:
    case 129:
        if (!ic->has_echo)
            return;
        sb_puts(b, " id=0x");
        sb_hex(b, ic->id, 4);
        sb_puts(b, ", seq=");
        sb_u32(b, ic->seq);
        if (pkt->ip_ver == 6) {
            sb_puts(b, ", hop limit=");
            sb_u32(b, pkt->ttl);
        }
        return;
    case 133:
        *suffix = nd_suffix(pkt, l, 8, nd_options_text(b, pkt, l, 8));
        return;
    case 134:
        *suffix = nd_suffix(pkt, l, 16, nd_options_text(b, pkt, l, 16));
        return;
    case 135:
    case 136: {
        if (l->len < 24)
            return;
        uint8_t flags = cur_u8(&h);
        cur_skip(&h, 3);
        cur_copy(&h, a, 16);
        if (ic->type == 135) {
            sb_puts(b, " for ");
            sb_v6(b, a);
        } else {
            sb_putc(b, ' ');
            sb_v6(b, a);
            sb_puts(b, " (");
            const char *sep = "";
            if (flags & 0x80) {
                sb_puts(b, "rtr");
                sep = ", ";
            }
            if (flags & 0x40) {
                sb_puts(b, sep);
                sb_puts(b, "sol");
                sep = ", ";
            }
            if (flags & 0x20) {
                sb_puts(b, sep);
                sb_puts(b, "ovr");
                sep = ", ";
            }
            if (!*sep)
                sb_puts(b, "none");
            sb_putc(b, ')');
        }
        *suffix = nd_suffix(pkt, l, 24, nd_options_text(b, pkt, l, 24));
        return;
    }
    default:
        return;
    }
}

/* ---- ARP ---- */

struct arp_view {
    uint16_t htype, ptype, op;
    uint8_t hlen, plen;
    const uint8_t *sha, *spa, *tha, *tpa;
};

/* Reads the whole ARP message from the packet bytes; false when cut. */
static bool arp_view(const struct ws_packet *pkt, const struct ws_layer *l,
                     struct arp_view *v)
{
    struct cursor c = bytes_at(pkt, l->off);
    v->htype = cur_be16(&c);
    v->ptype = cur_be16(&c);
    v->hlen = cur_u8(&c);
    v->plen = cur_u8(&c);
    v->op = cur_be16(&c);
    v->sha = cur_take(&c, v->hlen);
    v->spa = cur_take(&c, v->plen);
    v->tha = cur_take(&c, v->hlen);
    v->tpa = cur_take(&c, v->plen);
    return cur_ok(&c);
}

static void arp_hw(struct sb *b, const struct arp_view *v, const uint8_t *a)
{
    if (v->hlen == 0)
        sb_puts(b, "<No address>");
    else if (v->hlen == 6 && (v->htype == 1 || v->htype == 2 || v->htype == 6))
        sb_mac(b, a);
    else
        sb_hexbytes(b, a, v->hlen);
}

static void arp_pr(struct sb *b, const struct arp_view *v, const uint8_t *a)
{
    if (v->plen == 0) {
        sb_puts(b, "<No address>");
    } else if (v->plen == 4 && v->ptype == 0x0800) {
        struct ws_addr x;
        addr_from_v4(&x, a);
        sb_addr(b, &x);
    } else {
        sb_hexbytes(b, a, v->plen);
    }
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static const char *const mars_ops[] = {
    "MARS request",         "MARS MULTI request", "MARS MSERV request",
    "MARS JOIN request",    "MARS LEAVE",         "MARS NAK",
    "MARS UNSERV request",  "MARS SJOIN request", "MARS SLEAVE",
    "MARS grouplist request", "MARS grouplist reply", "MARS redirect map",
    "MAPOS UNARP request",
};

static const char *arp_protocol(uint16_t op)
{
    if (op == 3 || op == 4)
        return "RARP";
    if (op >= 5 && op <= 7)
        return "DRARP";
    if (op == 8 || op == 9)
        return "Inverse ARP";
    if (op >= 11 && op <= 22)
        return "MARS";
    if (op == 23)
        return "MAPOS";
    return "ARP";
}

static void arp_info(struct sb *b, const struct ws_packet *pkt,
                     const struct ws_layer *l, const char **suffix)
{
    struct arp_view v;
    if (!arp_view(pkt, l, &v)) {
        /* the addresses run past the capture (whatever else is wrong) */
        *suffix = pkt->caplen < pkt->len ? SUFFIX_CUT : SUFFIX_MALFORMED;
        return;
    }
    if (v.htype == 19)
        return; /* ATMARP: another layout, not worded here */
    bool grat = memcmp(v.spa, v.tpa, v.plen) == 0;
    switch (v.op) {
    case 1:
        if (grat && all_zero(v.tha, v.hlen)) {
            sb_puts(b, "ARP Announcement for ");
            arp_pr(b, &v, v.tpa);
        } else if (grat) {
            sb_puts(b, "Gratuitous ARP for ");
            arp_pr(b, &v, v.tpa);
            sb_puts(b, " (Request)");
        } else {
            sb_puts(b, "Who has ");
            arp_pr(b, &v, v.tpa);
            if (all_zero(v.spa, v.plen) && all_zero(v.tha, v.hlen)) {
                sb_puts(b, "? (ARP Probe)");
            } else {
                sb_puts(b, "? Tell ");
                arp_pr(b, &v, v.spa);
            }
        }
        return;
    case 2:
        if (grat) {
            sb_puts(b, "Gratuitous ARP for ");
            arp_pr(b, &v, v.tpa);
            sb_puts(b, " (Reply)");
        } else {
            arp_pr(b, &v, v.spa);
            sb_puts(b, " is at ");
            arp_hw(b, &v, v.sha);
        }
        return;
    case 3:
    case 5:
    case 8:
        sb_puts(b, "Who is ");
        arp_hw(b, &v, v.tha);
        sb_puts(b, "? Tell ");
        arp_hw(b, &v, v.sha);
        return;
    case 4:
    case 6:
        arp_hw(b, &v, v.tha);
        sb_puts(b, " is at ");
        arp_pr(b, &v, v.tpa);
        return;
    case 9:
        arp_hw(b, &v, v.sha);
        sb_puts(b, " is at ");
        arp_pr(b, &v, v.spa);
        return;
    case 7:
        sb_puts(b, "DRARP Error");
        return;
    case 10:
        sb_puts(b, "ARP NAK");
        return;
    case 0:
        sb_puts(b, "Reserved opcode 0");
        return;
    case 24:
    case 25:
        sb_puts(b, v.op == 24 ? "Experimental 1 ( opcode 24 )"
                              : "Experimental 2 ( opcode 25 )");
        return;
    default:
        if (v.op >= 11 && v.op <= 23) {
            sb_puts(b, mars_ops[v.op - 11]);
            sb_puts(b, " from ");
            arp_hw(b, &v, v.sha);
            sb_puts(b, " at ");
            arp_pr(b, &v, v.spa);
            return;
        }
        sb_puts(b, "Unknown ARP opcode 0x");
        sb_hex(b, v.op, 4);
        return;
    }
}

/* ---- columns ---- */

/*
 * The suffix tshark appends when a dissector ran out of bytes: "Packet
 * size limited" when the capture was cut by snaplen, "Malformed" when the
 * headers claim more than the frame holds (or a TCP header is longer than
 * its segment).
 */
/*
 * tshark decodes the datagram quoted by an ICMP error: its IP header and
 * the 8 bytes after it. A capture cut inside them earns the suffix.
 */
static bool quoted_datagram_cut(const struct ws_packet *pkt,
                                const struct ws_layer *l)
{
    uint8_t t = pkt->u.icmp.type;
    bool error = l->proto == P_ICMP ? (t == 3 || t == 4 || t == 5 || t == 11 || t == 12)
                                    : (t >= 1 && t <= 4);
    if (!error || l->event != EV_NONE || pkt->caplen >= pkt->len)
        return false;
    uint32_t have = pkt->caplen > pkt->payload_off ? pkt->caplen - pkt->payload_off : 0;
    if (have >= pkt->payload_len)
        return false;
    uint32_t need = 48; /* IPv6 header + 8 */
    if (l->proto == P_ICMP) {
        struct cursor q = bytes_at(pkt, pkt->payload_off);
        uint8_t vihl = cur_u8(&q);
        need = (cur_ok(&q) ? (vihl & 15u) * 4 : 20) + 8;
    }
    if (need > pkt->payload_len)
        need = pkt->payload_len;
    return have < need;
}

/*
 * tshark offers TCP and UDP payloads to heuristic dissectors, some of
 * which read the first 4 bytes unchecked: a payload the capture cut after
 * 1-3 bytes (TCP) or 0-3 bytes (UDP) ends with the suffix, and so does a
 * UDP datagram whose length field promises bytes a short frame (not a
 * snaplen cut) does not have at all. (Payloads on ports tshark knows go
 * to other dissectors, which this does not model.)
 */
static const char *payload_probe_suffix(const struct ws_packet *pkt,
                                        const struct ws_layer *l)
{
    if (l->event != EV_NONE && l->event != EV_BAD_TOTAL_LEN)
        return NULL;
    uint32_t have = pkt->caplen > pkt->payload_off ? pkt->caplen - pkt->payload_off : 0;
    if (pkt->caplen >= pkt->len) {
        bool promised = l->proto == P_UDP && !pkt->ip_fragment &&
                        pkt->u.udp.len >= 8 && pkt->u.udp.len - 8u > pkt->payload_len;
        return promised && have == 0 ? SUFFIX_MALFORMED : NULL;
    }
    if (have >= pkt->payload_len || have >= 4)
        return NULL;
    return l->proto == P_UDP || have > 0 ? SUFFIX_CUT : NULL;
}

/*
 * A transport layer opened on no bytes at all of a frame that was not cut
 * by snaplen: the IPv4 length pointed past the frame's end, and tshark,
 * which bounds the datagram by the frame, never calls that dissector
 * (its IPv6 does call it, and the packet is malformed).
 */
static bool layer_absent(const struct ws_packet *pkt, const struct ws_layer *l)
{
    /* the cheap tests first: this runs for every layer of every line */
    if (l->len != 0 || l->off < pkt->caplen || pkt->caplen < pkt->len ||
        !(l->proto == P_TCP || l->proto == P_UDP || l->proto == P_ICMP ||
          l->proto == P_ICMPV6))
        return false;
    const struct ws_layer *ip = ip_layer(pkt);
    return ip && ip->proto == P_IPV4;
}

static const char *trouble_suffix(const struct ws_packet *pkt,
                                  const struct ws_layer *named)
{
    if (named && (named->proto == P_TCP || named->proto == P_UDP)) {
        const char *probe = payload_probe_suffix(pkt, named);
        if (probe)
            return probe;
    }
    if (named && (named->proto == P_ICMP || named->proto == P_ICMPV6) &&
        quoted_datagram_cut(pkt, named))
        return SUFFIX_CUT;
    for (unsigned i = 0; i < pkt->nlayers; i++) {
        const struct ws_layer *l = &pkt->layers[i];
        if (layer_absent(pkt, l))
            continue;
        if (l->event == EV_BAD_HEADER_LEN && l->proto == P_TCP &&
            pkt->u.tcp.hdr_len >= 20)
            return SUFFIX_MALFORMED;
        if (l->event == EV_TRUNCATED)
            return pkt->caplen < pkt->len ? SUFFIX_CUT : SUFFIX_MALFORMED;
    }
    return NULL;
}

/* The layer whose dissector names the packet, as tshark would pick it. */
static const struct ws_layer *naming_layer(const struct ws_packet *pkt)
{
    const struct ws_layer *ip = ip_layer(pkt);
    if (ip && is_fragment(pkt))
        return ip; /* fragments are not decoded further */
    const struct ws_layer *top = top_layer(pkt);
    if (top && ip && top > ip && layer_absent(pkt, top))
        return ip;
    if (top && ip && top > ip && (top->proto == P_TCP || top->proto == P_UDP) &&
        top->len < 4)
        return ip; /* tshark names the transport once it has read the ports */
    return top;
}

/* An ethertype no dissector here takes: tshark shows it in hex. */
static const char *ethertype_hex(uint16_t type)
{
    static _Thread_local char hexname[8];
    struct sb b = {hexname, 0, sizeof hexname - 1, false};
    sb_puts(&b, "0x");
    sb_hex(&b, type, 4);
    sb_finish(&b);
    return hexname;
}

const char *info_protocol(const struct ws_packet *pkt)
{
    const struct ws_layer *l = naming_layer(pkt);
    if (!l)
        return pkt->nlayers ? decode_proto_name((enum ws_proto)pkt->layers[0].proto)
                            : "";
    switch (l->proto) {
    case P_TCP:
        return tcp_has_mptcp(pkt, l) ? "MPTCP" : "TCP";
    case P_UDP:
        return "UDP";
    case P_ICMP:
        return "ICMP";
    case P_ICMPV6:
        return "ICMPv6";
    case P_IPV4:
        return "IPv4";
    case P_IPV6:
        if (l != pkt->layers && l->event == EV_BAD_VERSION && pkt->ethertype)
            return ethertype_hex(pkt->ethertype);
        return "IPv6";
    case P_ARP:
        return l->len >= 8 ? arp_protocol(pkt->u.arp.op) : "ARP";
    case P_ETH:
        if (l->event == EV_TRUNCATED || l->len < 14)
            return "Ethernet";
        if (pkt->ethertype == 0)
            return "LLC"; /* 802.3 length field */
        return ethertype_hex(pkt->ethertype);
    default: {
        const struct proto_desc *d = proto_get((enum ws_proto)l->proto);
        if (d && d->app && d->app->protocol)
            return d->app->protocol(pkt, l);
        return decode_proto_name((enum ws_proto)l->proto);
    }
    }
}

/* An application protocol's own Info text, written through a textbuf over
 * the rest of the caller's buffer. */
static void app_info(struct sb *b, const struct ws_packet *pkt,
                     const struct ws_layer *l)
{
    const struct proto_desc *d = proto_get((enum ws_proto)l->proto);
    if (!d || !d->app || !d->app->info || b->len >= b->cap)
        return;
    struct textbuf tb;
    tb_init(&tb, b->p + b->len, b->cap - b->len + 1);
    d->app->info(&tb, pkt, l);
    b->len += tb.len;
    if (tb.truncated)
        b->cut = true;
}

size_t info_format(const struct ws_packet *pkt, const struct info_tcp_rel *rel,
                   char *buf, size_t size)
{
    if (size == 0)
        return 0;
    struct sb b = {buf, 0, size - 1, false};
    const struct ws_layer *l = naming_layer(pkt);
    const char *suffix = NULL; /* set by a column that decides it itself */
    if (l) {
        switch (l->proto) {
        case P_TCP:
            tcp_info(&b, pkt, l, rel, &suffix);
            break;
        case P_UDP:
            udp_info(&b, pkt, l);
            break;
        case P_ICMP:
            icmp_info(&b, pkt, l);
            break;
        case P_ICMPV6:
            icmpv6_info(&b, pkt, l, &suffix);
            break;
        case P_ARP:
            arp_info(&b, pkt, l, &suffix);
            break;
        case P_IPV4:
            ipv4_info(&b, pkt, l);
            break;
        case P_IPV6:
            ipv6_info(&b, pkt, l, &suffix);
            break;
        case P_ETH:
            if (l->event != EV_TRUNCATED && l->len >= 14 && pkt->ethertype > 1500)
                sb_puts(&b, "Ethernet II");
            break;
        default:
            app_info(&b, pkt, l);
            break;
        }
    }
    if (!suffix)
        suffix = trouble_suffix(pkt, l);
    if (suffix)
        sb_puts(&b, suffix); /* "" when a column decided on none */
    return sb_finish(&b);
}
