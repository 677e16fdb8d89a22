/*
 * Tests of the renderers behind the packet detail, timeline and follow
 * views (src/render/detail.c, timeline.c, follow_view.c), drawn into cell
 * buffers without a terminal and read back with cellbuf_row_text and the
 * cells' roles.
 *
 * Captures go through the decoder thread's own per-packet function
 * (decoder_feed: dissectors, flow table, TCP tracker, packet store), as
 * the UI will see them. Expected values come from tshark 4.0.17, with the
 * command beside each table:
 *  - the detail tree of test/fixtures/netns.pcap frame 8 (SYN,ACK):
 *      tshark -n -r test/fixtures/netns.pcap -V -Y frame.number==8
 *    and the byte ranges from
 *      tshark -n -r test/fixtures/netns.pcap -Y frame.number==8 -T pdml
 *  - initial RTTs of the test/tcp captures:
 *      tshark -n -r test/tcp/NAME.pcap -Y tcp.analysis.initial_rtt \
 *             -T fields -e tcp.stream -e tcp.analysis.initial_rtt
 *  - times of test/tcp/half-close.pcap:
 *      tshark -n -r test/tcp/half-close.pcap -T fields -e frame.number \
 *             -e frame.time_relative -e tcp.flags.str
 *  - the reassembled streams: the TSV files in test/golden/follow
 *    (test/scripts/regen-follow.sh: tshark -q -z follow,tcp,raw,N).
 * Hex dump layouts, hostile text and hand-built streams are checked
 * against values worked out by hand in each test.
 */
#include <check.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktbuild.h"
#include "wirescope/conn.h"
#include "wirescope/decode.h"
#include "wirescope/render.h"
#include "wirescope/render_detail.h"
#include "wirescope/render_follow.h"
#include "wirescope/render_timeline.h"
#include "wirescope/sanitize.h"
#include "wirescope/store.h"
#include "world.h"

#define T0_NS 1700000000000000000ull
#define MS_NS 1000000ull

/* ---------- a capture run through the decoder ---------- */

static const struct world_opts render_world = {
    .store_bytes = (size_t)64 << 20, .max_flows = 1024, .max_conns = 1024};

/* Stored packet `number` (from 1) decoded with fields, as the UI does. */
struct stored {
    uint8_t bytes[65536];
    struct ws_packet pkt;
};

static struct stored *world_packet(struct world *w, uint64_t number)
{
    struct stored *s = calloc(1, sizeof *s);
    ck_assert_ptr_nonnull(s);
    const struct pkt_entry *e = store_entry(w->store, number - 1);
    ck_assert_ptr_nonnull(e);
    size_t got = store_read_bytes(w->store, number - 1, s->bytes, sizeof s->bytes);
    s->pkt.want_fields = true;
    decode_reset(&s->pkt, s->bytes, (uint32_t)got, e->len, w->cap.linktype);
    decode_packet(&s->pkt);
    return s;
}

/* ---------- reading a cell buffer back ---------- */

static char row_buf[4][8192];
static int row_next;

static const char *row_str(const struct cellbuf *cb, int row)
{
    char *buf = row_buf[row_next++ & 3];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof row_buf[0]);
    cellbuf_row_text(cb, row, &tb);
    return buf;
}

static int find_row(const struct cellbuf *cb, const char *needle, int from)
{
    for (int r = from; r < cb->rows; r++)
        if (strstr(row_str(cb, r), needle))
            return r;
    return -1;
}

static int count_in_rows(const struct cellbuf *cb, const char *needle,
                         int from, int to)
{
    int n = 0;
    size_t len = strlen(needle);
    for (int r = from; r < to && r < cb->rows; r++)
        for (const char *p = row_str(cb, r); (p = strstr(p, needle)); p += len)
            n++;
    return n;
}

static const struct cell *cell_at(const struct cellbuf *cb, int row, int col)
{
    ck_assert_int_lt(row, cb->rows);
    ck_assert_int_lt(col, cb->width);
    return &cb->cells[(size_t)row * (size_t)cb->width + (size_t)col];
}

static enum cell_role role_at(const struct cellbuf *cb, int row, int col)
{
    return (enum cell_role)cell_at(cb, row, col)->role;
}

/* Column (in characters) where needle starts in the row, -1 if absent. */
static int col_of(const struct cellbuf *cb, int row, const char *needle)
{
    const char *text = row_str(cb, row);
    const char *at = strstr(text, needle);
    if (!at)
        return -1;
    int col = 0;
    for (const char *p = text; p < at; p++)
        col += ((unsigned char)*p & 0xc0) != 0x80;
    return col;
}

static int text_cols(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* Every byte of the buffer's text is printable ASCII. */
static void assert_rows_ascii(const struct cellbuf *cb)
{
    for (int r = 0; r < cb->rows; r++)
        for (const unsigned char *p = (const unsigned char *)row_str(cb, r); *p; p++)
            ck_assert_msg(*p >= 0x20 && *p < 0x7f, "row %d byte 0x%02x: %s", r, *p,
                          row_str(cb, r));
}

/* ================= the detail tree ================= */

#define NETNS "test/fixtures/netns.pcap"

/* Field lines of frame 8 with tshark -V's value (the part our dissectors
 * word the same way: tshark's "Type: IPv4 (0x0800)" is checked as the
 * number, "Flags: 0x012 (SYN, ACK)" as the flag bits) and tshark's PDML
 * pos/size. */
static const struct {
    int depth;
    const char *name;
    const char *tshark_value;
    uint32_t pos, size;
} frame8_fields[] = {
    {1, "Destination", "02:00:5e:00:00:01", 0, 6},
    {1, "Source", "02:00:5e:00:00:02", 6, 6},
    {1, "Type", "0x0800", 12, 2},
    {1, "Total Length", "60", 16, 2},
    {1, "Identification", "0x0000 (0)", 18, 2},
    {1, "Flags", "0x2, Don't fragment", 20, 2},
    {1, "Time to Live", "64", 22, 1},
    {1, "Protocol", "TCP (6)", 23, 1},
    {1, "Header Checksum", "0x252a", 24, 2},
    {1, "Source Address", "10.200.0.2", 26, 4},
    {1, "Destination Address", "10.200.0.1", 30, 4},
    {1, "Source Port", "8080", 34, 2},
    {1, "Destination Port", "33604", 36, 2},
    {1, "Sequence Number (raw)", "460893698", 38, 4},
    {1, "Acknowledgment Number (raw)", "1904254793", 42, 4},
    {1, "Header Length", "40 bytes (10)", 46, 1},
    {1, "Flags", "0x012", 46, 2},
    {1, "Window", "65160", 48, 2},
    {1, "Checksum", "0x15c1", 50, 2},
    {1, "Urgent Pointer", "0", 52, 2},
    {2, "Maximum segment size", "1460 bytes", 54, 4},
    {2, "Timestamps", "TSval 2369865265, TSecr 3368748411", 60, 10},
};

struct detail_fixture {
    struct world *w;
    struct stored *s;
    struct info_tcp_rel rel;
    struct detail_frame frame;
};

static void detail_fixture_load(struct detail_fixture *f)
{
    f->w = world_load(&render_world, NETNS);
    f->s = world_packet(f->w, 8);
    detail_tcp_rel(world_conn(f->w, 0), &f->s->pkt, &f->rel);
    f->frame = (struct detail_frame){8, &f->rel};
}

static void detail_fixture_free(struct detail_fixture *f)
{
    free(f->s);
    world_free(f->w);
}

/* The line whose text is exactly `want`, -1 if none. */
static int line_equal(const struct cellbuf *cb, const char *want)
{
    for (int r = 0; r < cb->rows; r++)
        if (strcmp(row_str(cb, r), want) == 0)
            return r;
    return -1;
}

START_TEST(test_detail_titles_match_tshark)
{
    struct detail_fixture f;
    detail_fixture_load(&f);
    struct cellbuf cb;
    cellbuf_init(&cb, 120, false);
    struct detail_line lines[128];
    int n = detail_render_frame(&cb, &f.frame, &f.s->pkt, 0, -1, lines, 128);
    ck_assert_int_eq(n, cb.rows);
    /* tshark -V's title lines, behind our fold markers */
    ck_assert_str_eq(row_str(&cb, 0),
                     "  Frame 8: 74 bytes on wire (592 bits), 74 bytes captured (592 bits)");
    int eth = line_equal(&cb, "\xe2\x96\xbe Ethernet II, Src: 02:00:5e:00:00:02, "
                              "Dst: 02:00:5e:00:00:01");
    int ip = line_equal(&cb, "\xe2\x96\xbe Internet Protocol Version 4, "
                             "Src: 10.200.0.2, Dst: 10.200.0.1");
    int tcp = line_equal(&cb, "\xe2\x96\xbe Transmission Control Protocol, Src Port: 8080, "
                              "Dst Port: 33604, Seq: 0, Ack: 1, Len: 0");
    ck_assert_int_eq(eth, 1);
    ck_assert_int_gt(ip, eth);
    ck_assert_int_gt(tcp, ip);
    /* byte ranges of the title lines: tshark's PDML proto pos/size */
    ck_assert(lines[0].title && lines[0].layer == -1);
    ck_assert_uint_eq(lines[0].off, 0);
    ck_assert_uint_eq(lines[0].len, 74);
    ck_assert(lines[eth].title && lines[eth].layer == 0);
    ck_assert_uint_eq(lines[eth].off, 0);
    ck_assert_uint_eq(lines[eth].len, 14);
    ck_assert(lines[ip].title && lines[ip].layer == 1);
    ck_assert_uint_eq(lines[ip].off, 14);
    ck_assert_uint_eq(lines[ip].len, 20);
    ck_assert(lines[tcp].title && lines[tcp].layer == 2);
    ck_assert_uint_eq(lines[tcp].off, 34);
    ck_assert_uint_eq(lines[tcp].len, 40);
    /* roles: titles as headers, the markers dim, fields normal */
    ck_assert_int_eq(role_at(&cb, tcp, 0), ROLE_DIM);
    ck_assert_int_eq(role_at(&cb, tcp, 2), ROLE_HEADER);
    ck_assert_int_eq(role_at(&cb, tcp + 1, 4), ROLE_NORMAL);
    cellbuf_free(&cb);
    detail_fixture_free(&f);
}
END_TEST

START_TEST(test_detail_fields_match_tshark)
{
    struct detail_fixture f;
    detail_fixture_load(&f);
    struct cellbuf cb;
    cellbuf_init(&cb, 120, false);
    struct detail_line lines[128];
    int n = detail_render_frame(&cb, &f.frame, &f.s->pkt, 0, -1, lines, 128);
    int checked = 0;
    for (size_t i = 0; i < sizeof frame8_fields / sizeof frame8_fields[0]; i++) {
        char want[256];
        snprintf(want, sizeof want, "%*s%s: %s", 2 + 2 * frame8_fields[i].depth, "",
                 frame8_fields[i].name, frame8_fields[i].tshark_value);
        size_t wlen = strlen(want);
        bool found = false;
        for (int r = 0; r < n && !found; r++) {
            const char *text = row_str(&cb, r);
            /* the value as tshark has it, whole (our wording may go on) */
            if (strncmp(text, want, wlen) != 0 || (text[wlen] && text[wlen] != ' '))
                continue;
            if (lines[r].off != frame8_fields[i].pos || lines[r].len != frame8_fields[i].size)
                continue;
            ck_assert(!lines[r].title);
            found = true;
        }
        ck_assert_msg(found, "no line '%s' over bytes %u+%u", want,
                      frame8_fields[i].pos, frame8_fields[i].size);
        checked++;
    }
    ck_assert_int_eq(checked, 22);
    cellbuf_free(&cb);
    detail_fixture_free(&f);
}
END_TEST

/* Lines of layer `layer` that are fields (not its title). */
static int field_lines(const struct detail_line *lines, int n, int layer)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += lines[i].layer == layer && !lines[i].title;
    return k;
}

START_TEST(test_detail_collapse_expand)
{
    struct detail_fixture f;
    detail_fixture_load(&f);
    struct detail_line open_lines[128], lines[128];
    struct cellbuf cb;
    cellbuf_init(&cb, 120, false);
    int all = detail_render_frame(&cb, &f.frame, &f.s->pkt, 0, -1, open_lines, 128);
    int ip_fields = field_lines(open_lines, all, 1);
    ck_assert_int_eq(ip_fields, 17); /* tshark -V lists the same 17 (no status lines) */
    cellbuf_free(&cb);

    /* IPv4 (layer 1) folded: its title says so, its fields are gone */
    cellbuf_init(&cb, 120, false);
    int n = detail_render_frame(&cb, &f.frame, &f.s->pkt, 1u << 1, -1, lines, 128);
    ck_assert_int_eq(n, all - ip_fields);
    ck_assert_int_eq(field_lines(lines, n, 1), 0);
    ck_assert_int_eq(field_lines(lines, n, 0), field_lines(open_lines, all, 0));
    ck_assert_int_eq(field_lines(lines, n, 2), field_lines(open_lines, all, 2));
    int ip = find_row(&cb, "Internet Protocol Version 4", 0);
    ck_assert_str_eq(row_str(&cb, ip),
                     "\xe2\x96\xb8 Internet Protocol Version 4, Src: 10.200.0.2, Dst: 10.200.0.1");
    ck_assert(lines[ip + 1].title && lines[ip + 1].layer == 2); /* TCP's title next */
    cellbuf_free(&cb);

    /* everything folded, ASCII markers */
    cellbuf_init(&cb, 120, true);
    n = detail_render_frame(&cb, &f.frame, &f.s->pkt, 0x7u, -1, lines, 128);
    ck_assert_int_eq(n, 4);
    ck_assert_str_eq(row_str(&cb, 1), "+ Ethernet II, Src: 02:00:5e:00:00:02, Dst: 02:00:5e:00:00:01");
    ck_assert(strncmp(row_str(&cb, 3), "+ Transmission Control Protocol", 31) == 0);
    cellbuf_free(&cb);
    cellbuf_init(&cb, 120, true);
    detail_render_frame(&cb, &f.frame, &f.s->pkt, 0, -1, lines, 128);
    ck_assert(strncmp(row_str(&cb, 1), "- Ethernet II", 13) == 0);
    cellbuf_free(&cb);
    detail_fixture_free(&f);
}
END_TEST

START_TEST(test_detail_selected_line_and_highlight_range)
{
    struct detail_fixture f;
    detail_fixture_load(&f);
    struct cellbuf cb;
    cellbuf_init(&cb, 100, false);
    struct detail_line lines[128];
    int n = detail_render_frame(&cb, &f.frame, &f.s->pkt, 0, -1, lines, 128);
    int ttl = find_row(&cb, "    Time to Live: 64", 0);
    ck_assert_int_ge(ttl, 0);
    cellbuf_free(&cb);

    cellbuf_init(&cb, 100, false);
    ck_assert_int_eq(detail_render_frame(&cb, &f.frame, &f.s->pkt, 0, ttl, lines, 128), n);
    for (int r = 0; r < cb.rows; r++)
        for (int col = 0; col < cb.width; col++)
            ck_assert_int_eq(role_at(&cb, r, col) == ROLE_SELECTED, r == ttl);
    /* the selected field's bytes, highlighted in the dump: PDML ip.ttl 22/1 */
    ck_assert_uint_eq(lines[ttl].off, 22);
    ck_assert_uint_eq(lines[ttl].len, 1);
    int first = cb.rows;
    hexdump_render(&cb, f.s->bytes, f.s->pkt.caplen, lines[ttl].off, lines[ttl].len);
    ck_assert_int_eq(cb.rows - first, 5); /* 74 bytes */
    /* byte 22 = 0x40 ('@'): row 1, column 6 of the row */
    ck_assert_str_eq(row_str(&cb, first + 1),
                     "00000010  00 3c 00 00 40 00 40 06  25 2a 0a c8 00 02 0a c8  .<..@.@.%*......");
    int hl = 0;
    for (int r = first; r < cb.rows; r++)
        for (int col = 0; col < cb.width; col++)
            hl += role_at(&cb, r, col) == ROLE_HIGHLIGHT;
    ck_assert_int_eq(hl, 3); /* two hex digits and the ASCII cell */
    ck_assert_int_eq(role_at(&cb, first + 1, 10 + 3 * 6), ROLE_HIGHLIGHT);
    ck_assert_int_eq(role_at(&cb, first + 1, 60 + 6), ROLE_HIGHLIGHT);
    cellbuf_free(&cb);

    /* lines past max_lines are drawn but not reported */
    struct detail_line few[4];
    memset(few, 0xab, sizeof few);
    cellbuf_init(&cb, 100, false);
    ck_assert_int_eq(detail_render_frame(&cb, &f.frame, &f.s->pkt, 0, -1, few, 3), n);
    ck_assert_uint_eq(few[1].len, 14);
    const uint8_t *untouched = (const uint8_t *)&few[3];
    for (size_t i = 0; i < sizeof few[3]; i++)
        ck_assert_uint_eq(untouched[i], 0xab);
    cellbuf_free(&cb);
    detail_fixture_free(&f);
}
END_TEST

/* Without a detail_frame: no number, raw TCP numbers (tshark -V with
 * -o tcp.relative_sequence_numbers:FALSE shows "Seq: 460893698, Ack:
 * 1904254793"). */
START_TEST(test_detail_without_frame_info)
{
    struct detail_fixture f;
    detail_fixture_load(&f);
    struct cellbuf cb;
    cellbuf_init(&cb, 140, false);
    int n = detail_render(&cb, &f.s->pkt, 0, -1, NULL, 0);
    ck_assert_int_eq(n, cb.rows);
    ck_assert_str_eq(row_str(&cb, 0),
                     "  Frame: 74 bytes on wire (592 bits), 74 bytes captured (592 bits)");
    ck_assert_int_ge(line_equal(&cb, "\xe2\x96\xbe Transmission Control Protocol, Src Port: 8080, "
                                     "Dst Port: 33604, Seq: 460893698, Ack: 1904254793, Len: 0"),
                     0);
    cellbuf_free(&cb);
    detail_fixture_free(&f);
}
END_TEST

/* test/fixtures/truncated.pcap frame 1 is cut inside the TCP options;
 * tshark -V: "[Packet size limited during capture: TCP truncated]". */
START_TEST(test_detail_truncated_layer_marked)
{
    struct world *w = world_load(&render_world, "test/fixtures/truncated.pcap");
    struct stored *s = world_packet(w, 1);
    struct cellbuf cb;
    cellbuf_init(&cb, 140, false);
    struct detail_line lines[64];
    int n = detail_render(&cb, &s->pkt, 0, -1, lines, 64);
    int tcp = find_row(&cb, "Transmission Control Protocol", 0);
    ck_assert_int_ge(tcp, 0);
    int col = col_of(&cb, tcp, "[truncated]");
    ck_assert_int_gt(col, 0);
    ck_assert_int_eq(role_at(&cb, tcp, col), ROLE_MARK);
    ck_assert_int_eq(role_at(&cb, tcp, col + 10), ROLE_MARK);
    /* no other line carries an event */
    ck_assert_int_eq(count_in_rows(&cb, "[", 0, n), 1);
    /* the truncated packet's bytes: 58 captured of 74 */
    ck_assert_str_eq(row_str(&cb, 0),
                     "  Frame: 74 bytes on wire (592 bits), 58 bytes captured (464 bits)");
    cellbuf_free(&cb);
    free(s);
    world_free(w);
}
END_TEST

/* Every truncation of frame 8, decoded from an exact-size copy (ASan sees
 * any read past it): the tree and the dump draw what was captured, and a
 * layer cut short says so in ROLE_MARK. */
START_TEST(test_detail_caplen_sweep)
{
    struct detail_fixture f;
    detail_fixture_load(&f);
    struct ws_packet *pkt = calloc(1, sizeof *pkt);
    ck_assert_ptr_nonnull(pkt);
    pkt->want_fields = true;
    int marked = 0;
    for (uint32_t caplen = 0; caplen <= 74; caplen++) {
        uint8_t *copy = malloc(caplen ? caplen : 1);
        memcpy(copy, f.s->bytes, caplen);
        decode_reset(pkt, copy, caplen, 74, DLT_EN10MB);
        decode_packet(pkt);
        struct cellbuf cb;
        cellbuf_init(&cb, 100, caplen & 1);
        struct detail_line lines[128];
        int n = detail_render_frame(&cb, &f.frame, pkt, caplen % 8, (int)caplen % 5, lines, 128);
        ck_assert_int_eq(n, cb.rows);
        for (int i = 0; i < n; i++)
            ck_assert_uint_le((uint64_t)lines[i].off + lines[i].len, 74);
        for (int i = 0; i < pkt->nlayers; i++) {
            if (pkt->layers[i].event == EV_NONE)
                continue;
            int row = -1;
            for (int r = 0; r < n && row < 0; r++)
                if (lines[r].title && lines[r].layer == i)
                    row = r;
            int col = col_of(&cb, row, "[");
            ck_assert_int_gt(col, 0);
            if (row != (int)caplen % 5)
                ck_assert_int_eq(role_at(&cb, row, col), ROLE_MARK);
            marked++;
        }
        int first = cb.rows;
        hexdump_render(&cb, copy, caplen, caplen / 3, caplen / 2);
        ck_assert_int_eq(cb.rows - first, (int)(caplen + 15) / 16);
        cellbuf_free(&cb);
        free(copy);
    }
    ck_assert_int_ge(marked, 60); /* nearly every cut leaves a layer short */
    free(pkt);
    detail_fixture_free(&f);
}
END_TEST

/* Field text is never trusted: escapes, C1 controls, bidi overrides and
 * invalid UTF-8 that a dissector let through come out as '?'. */
START_TEST(test_detail_hostile_field_text)
{
    struct ws_packet *pkt = calloc(1, sizeof *pkt);
    ck_assert_ptr_nonnull(pkt);
    static const uint8_t data[8] = "abcdefgh";
    pkt->data = data;
    pkt->caplen = pkt->len = 8;
    pkt->nlayers = 1;
    pkt->layers[0] = (struct ws_layer){.proto = P_DATA, .first_field = 0,
                                       .nfields = 2, .off = 0, .len = 8};
    static const char evil[] = "A\x1b[31mB\xc2\x9b" "C\xe2\x80\xae" "D\xff\xfe" "E\tF";
    memcpy(pkt->ftext, evil, sizeof evil);
    memcpy(pkt->ftext + sizeof evil, "8 bytes\x1b]0;x\x07", 13);
    pkt->fields[0] = (struct ws_field){"Ev\x1bil", 0, 1, 0, 4};
    pkt->fields[1] = (struct ws_field){"Data", (uint16_t)sizeof evil, 0, 0, 8};
    pkt->nfields = 2;
    struct cellbuf cb;
    cellbuf_init(&cb, 80, false);
    ck_assert_int_eq(detail_render(&cb, pkt, 0, -1, NULL, 0), 3);
    ck_assert_str_eq(row_str(&cb, 1), "\xe2\x96\xbe Data (8 bytes?]0;x?)");
    ck_assert_str_eq(row_str(&cb, 2), "    Ev?il: A?[31mB??C???D??E?F");
    cellbuf_free(&cb);
    free(pkt);
}
END_TEST

/* ================= the hex dump ================= */

/* Byte i of a 16-byte row: hex digits at 10 + 3i (+1 past the 8th),
 * the ASCII column from 60. */
static int hex_col(int i)
{
    return 10 + 3 * i + (i >= 8);
}

START_TEST(test_hexdump_sizes)
{
    uint8_t p[100];
    for (int i = 0; i < 100; i++)
        p[i] = (uint8_t)('A' + i % 26);
    static const size_t sizes[] = {0, 1, 15, 16, 17, 100};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        struct cellbuf cb;
        cellbuf_init(&cb, 80, false);
        hexdump_render(&cb, p, n, 0, 0);
        ck_assert_int_eq(cb.rows, (int)((n + 15) / 16));
        for (int r = 0; r < cb.rows; r++) {
            size_t in_row = n - (size_t)r * 16 < 16 ? n - (size_t)r * 16 : 16;
            char want[96];
            memset(want, ' ', sizeof want);
            snprintf(want, 9, "%08x", r * 16);
            want[8] = ' ';
            for (size_t i = 0; i < in_row; i++) {
                uint8_t b = p[r * 16 + (int)i];
                char hx[3];
                snprintf(hx, sizeof hx, "%02x", b);
                memcpy(want + hex_col((int)i), hx, 2);
                want[60 + i] = (char)b;
            }
            want[60 + in_row] = '\0';
            ck_assert_str_eq(row_str(&cb, r), want);
            ck_assert_int_le((int)strlen(row_str(&cb, r)), HEXDUMP_WIDTH);
        }
        if (n >= 16)
            ck_assert_int_eq((int)strlen(row_str(&cb, 0)), HEXDUMP_WIDTH);
        cellbuf_free(&cb);
    }
}
END_TEST

START_TEST(test_hexdump_nonprintable_as_dots)
{
    uint8_t p[256];
    for (int i = 0; i < 256; i++)
        p[i] = (uint8_t)i;
    struct cellbuf cb;
    cellbuf_init(&cb, 80, false);
    hexdump_render(&cb, p, 256, 0, 0);
    ck_assert_int_eq(cb.rows, 16);
    for (int r = 0; r < 16; r++) {
        const char *text = row_str(&cb, r);
        ck_assert_int_eq((int)strlen(text), HEXDUMP_WIDTH);
        for (int i = 0; i < 16; i++) {
            int b = r * 16 + i;
            char want = b >= 0x20 && b < 0x7f ? (char)b : '.';
            ck_assert_msg(text[60 + i] == want, "byte 0x%02x shown as '%c'", b, text[60 + i]);
        }
    }
    /* 0x1b, 0x7f, 0x80, 0x9b, 0xff all dots; the hex column has them */
    ck_assert_str_eq(row_str(&cb, 1),
                     "00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  ................");
    ck_assert_str_eq(row_str(&cb, 15),
                     "000000f0  f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  ................");
    assert_rows_ascii(&cb);
    cellbuf_free(&cb);
}
END_TEST

START_TEST(test_hexdump_highlight_across_rows)
{
    uint8_t p[40];
    for (int i = 0; i < 40; i++)
        p[i] = (uint8_t)(0x30 + i);
    struct cellbuf cb;
    cellbuf_init(&cb, 80, false);
    hexdump_render(&cb, p, sizeof p, 14, 4); /* bytes 14, 15 | 16, 17 */
    ck_assert_int_eq(cb.rows, 3);
    for (int b = 0; b < 40; b++) {
        int r = b / 16, i = b % 16;
        bool hl = b >= 14 && b < 18;
        ck_assert_int_eq(role_at(&cb, r, hex_col(i)) == ROLE_HIGHLIGHT, hl);
        ck_assert_int_eq(role_at(&cb, r, hex_col(i) + 1) == ROLE_HIGHLIGHT, hl);
        ck_assert_int_eq(role_at(&cb, r, 60 + i) == ROLE_HIGHLIGHT, hl);
    }
    /* one bar within a row: the blank between 14 and 15 too, not after 15 */
    ck_assert_int_eq(role_at(&cb, 0, hex_col(14) + 2), ROLE_HIGHLIGHT);
    ck_assert_int_ne(role_at(&cb, 0, hex_col(15) + 2), ROLE_HIGHLIGHT);
    ck_assert_int_ne(role_at(&cb, 0, hex_col(13) + 2), ROLE_HIGHLIGHT);
    ck_assert_int_eq(role_at(&cb, 1, hex_col(0) + 2), ROLE_HIGHLIGHT);
    ck_assert_int_eq(role_at(&cb, 0, 0), ROLE_DIM); /* the offset */
    cellbuf_free(&cb);

    /* a range past the end highlights what exists and nothing else */
    cellbuf_init(&cb, 80, false);
    hexdump_render(&cb, p, 20, 18, UINT32_MAX);
    int hl = 0;
    for (int r = 0; r < cb.rows; r++)
        for (int col = 0; col < cb.width; col++)
            hl += role_at(&cb, r, col) == ROLE_HIGHLIGHT;
    ck_assert_int_eq(hl, 2 * 3 + 1); /* 2 bytes: 2x(2 hex + 1 ASCII) + 1 blank */
    cellbuf_free(&cb);
}
END_TEST

START_TEST(test_hexdump_narrow_and_offsets)
{
    uint8_t p[20];
    for (int i = 0; i < 20; i++)
        p[i] = (uint8_t)('a' + i);
    struct cellbuf cb;
    cellbuf_init(&cb, 50, false); /* under 76 columns: 8 bytes a row */
    hexdump_render(&cb, p, sizeof p, 0, 0);
    ck_assert_int_eq(cb.rows, 3);
    ck_assert_str_eq(row_str(&cb, 0), "00000000  61 62 63 64 65 66 67 68  abcdefgh");
    /* the ASCII column stays where it is on a short last row */
    ck_assert_str_eq(row_str(&cb, 2), "00000010  71 72 73 74              qrst");
    ck_assert_int_eq((int)strlen(row_str(&cb, 0)), HEXDUMP_NARROW_WIDTH);
    cellbuf_free(&cb);

    cellbuf_init(&cb, 80, false);
    hexdump_render_rows(&cb, p, 3, 0x12345, ROLE_SERVER);
    char want[96];
    snprintf(want, sizeof want, "%-60s%s", "00012345  61 62 63", "abc");
    ck_assert_str_eq(row_str(&cb, 0), want);
    ck_assert_int_eq(role_at(&cb, 0, hex_col(0)), ROLE_SERVER);
    ck_assert_int_eq(role_at(&cb, 0, 60), ROLE_SERVER);
    cellbuf_free(&cb);
}
END_TEST

/* ================= the timeline ================= */

/* tshark -n -r test/tcp/NAME.pcap -Y tcp.analysis.initial_rtt \
 *        -T fields -e tcp.stream -e tcp.analysis.initial_rtt */
static const struct {
    const char *name;
    uint64_t conn;
    const char *initial_rtt; /* seconds, as tshark prints them */
} tshark_rtts[] = {
    {"abort-linger", 0, "0.010949000"},
    {"close-client", 0, "0.010630000"},
    {"close-server", 0, "0.010837000"},
    {"half-close", 0, "0.015539000"},
    {"ipv6", 0, "0.014981000"},
    {"keepalive", 0, "0.011496000"},
    {"lossy", 0, "0.026325000"},
    {"port-reuse", 0, "0.021108000"},
    {"port-reuse", 1, "0.010787000"},
    {"refused", 0, "0.016885000"},
    {"simultaneous-close", 0, "0.060718000"},
    {"three-way-close", 0, "0.010732000"},
    {"zero-window", 0, "0.017174000"},
};

/* tshark's "0.010949000" (seconds) in nanoseconds. */
static int64_t seconds_to_ns(const char *s)
{
    int64_t whole = 0, frac = 0;
    int digits = 0;
    for (; *s && *s != '.'; s++)
        whole = whole * 10 + (*s - '0');
    if (*s == '.')
        for (s++; *s && digits < 9; s++, digits++)
            frac = frac * 10 + (*s - '0');
    for (; digits < 9; digits++)
        frac *= 10;
    return whole * 1000000000 + frac;
}

static void duration_text(char *buf, size_t size, int64_t ns, bool ascii)
{
    struct textbuf tb;
    tb_init(&tb, buf, size);
    render_duration(&tb, ns, ascii);
}

/* Rows of a timeline: header, mark labels, axis, scale, spans. */
struct tl_rows {
    int axis, scale;
};

static struct tl_rows timeline_rows(const struct cellbuf *cb)
{
    struct tl_rows t = {-1, -1};
    for (int r = 1; r < cb->rows && t.scale < 0; r++) {
        const char *text = row_str(cb, r);
        if (text[0] == '0' && (text[1] == ' ' || text[1] == '\0'))
            t.scale = r;
    }
    ck_assert_int_gt(t.scale, 1);
    t.axis = t.scale - 1;
    return t;
}

/* The label each mark the tracker recorded gets, and how often. */
struct want_label {
    const char *text;
    int count;
};

static int expected_mark_labels(const struct conn *c, bool ascii,
                                 struct want_label *out)
{
    static const struct {
        enum conn_mark mark;
        const char *utf8, *ascii;
    } names[] = {
        {MARK_SYN, "SYN\xe2\x86\x92", "SYN->"},
        {MARK_SYNACK, "\xe2\x86\x90SYN,ACK", "<-SYN,ACK"},
        {MARK_HS_ACK, "ACK\xe2\x86\x92", "ACK->"},
        {MARK_DATA_C2S, "data\xe2\x86\x92", "data->"},
        {MARK_DATA_S2C, "\xe2\x86\x90" "data", "<-data"},
        {MARK_FIN_C, "FIN\xe2\x86\x92", "FIN->"},
        {MARK_FIN_C_ACKED, "\xe2\x86\x90" "ACK", "<-ACK"},
        {MARK_FIN_S, "\xe2\x86\x90" "FIN", "<-FIN"},
        {MARK_FIN_S_ACKED, "ACK\xe2\x86\x92", "ACK->"},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!c->mark[names[i].mark])
            continue;
        const char *text = ascii ? names[i].ascii : names[i].utf8;
        int k = 0;
        while (k < n && strcmp(out[k].text, text) != 0)
            k++;
        if (k == n)
            out[n++] = (struct want_label){text, 0};
        out[k].count++;
    }
    if (c->mark[MARK_RST]) {
        const char *text = c->rst_side == SIDE_SERVER
                               ? (ascii ? "<-RST" : "\xe2\x86\x90RST")
                               : (ascii ? "RST->" : "RST\xe2\x86\x92");
        out[n++] = (struct want_label){text, 1};
    }
    return n;
}

/* Every mark's label is there, whole, pointing the right way, starting or
 * ending at a mark glyph's column on the axis (or in a shared label). */
static void assert_marks_drawn(const struct cellbuf *cb, const struct conn *c,
                               const struct tl_rows *t, const char *what)
{
    struct want_label want[MARK_COUNT + 1];
    int n = expected_mark_labels(c, cb->ascii, want);
    ck_assert_int_gt(n, 0);
    for (int i = 0; i < n; i++)
        ck_assert_msg(count_in_rows(cb, want[i].text, 1, t->axis) == want[i].count,
                      "%s: label '%s' %d times, want %d", what, want[i].text,
                      count_in_rows(cb, want[i].text, 1, t->axis), want[i].count);
    /* never the wrong way round */
    const char *wrong[] = {"\xe2\x86\x92SYN", "SYN,ACK\xe2\x86\x92", "\xe2\x86\x90SYN\xe2",
                           "->SYN", "SYN,ACK->", "<-SYN-"};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++)
        ck_assert_int_eq(count_in_rows(cb, wrong[i], 1, t->axis), 0);
}

static void render_timeline(struct cellbuf *cb, const struct conn *c, int width,
                            bool ascii, int zoom, uint64_t now)
{
    cellbuf_init(cb, width, ascii);
    timeline_render(cb, c, zoom, now);
    ck_assert_int_gt(cb->rows, 3);
    for (int r = 0; r < cb->rows; r++)
        ck_assert_int_le(text_cols(row_str(cb, r)), width);
}

START_TEST(test_timeline_initial_rtt_like_tshark)
{
    static const int widths[] = {40, 80, 200};
    const char *prev = NULL;
    struct world *w = NULL;
    int checked = 0;
    for (size_t k = 0; k < sizeof tshark_rtts / sizeof tshark_rtts[0]; k++) {
        char path[256];
        snprintf(path, sizeof path, "test/tcp/%s.pcap", tshark_rtts[k].name);
        if (!prev || strcmp(prev, tshark_rtts[k].name) != 0) {
            if (w)
                world_free(w);
            w = world_load(&render_world, path);
            prev = tshark_rtts[k].name;
        }
        const struct conn *c = world_conn(w, tshark_rtts[k].conn);
        for (size_t wi = 0; wi < 3; wi++) {
            for (int ascii = 0; ascii < 2; ascii++) {
                char rtt[32], label[64], what[300];
                duration_text(rtt, sizeof rtt, seconds_to_ns(tshark_rtts[k].initial_rtt),
                              ascii);
                snprintf(label, sizeof label, "initial RTT %s", rtt);
                snprintf(what, sizeof what, "%s conn %llu width %d%s", path,
                         (unsigned long long)tshark_rtts[k].conn, widths[wi],
                         ascii ? " ascii" : "");
                struct cellbuf cb;
                render_timeline(&cb, c, widths[wi], ascii, 0, 0);
                struct tl_rows t = timeline_rows(&cb);
                ck_assert_msg(count_in_rows(&cb, label, t.scale + 1, cb.rows) == 1,
                              "%s: no '%s'", what, label);
                assert_marks_drawn(&cb, c, &t, what);
                ck_assert_int_eq(count_in_rows(&cb, "more", 0, cb.rows), 0);
                if (ascii)
                    assert_rows_ascii(&cb);
                cellbuf_free(&cb);
                checked++;
            }
        }
    }
    ck_assert_int_eq(checked, 13 * 3 * 2);
    world_free(w);
}
END_TEST

/* The column of the first axis glyph that is a mark (● or *). */
static int mark_cols(const struct cellbuf *cb, int axis, int *cols, int max)
{
    int n = 0;
    for (int col = 0; col < cb->width && n < max; col++) {
        const struct cell *x = cell_at(cb, axis, col);
        if ((x->len == 1 && x->ch[0] == '*') ||
            (x->len == 3 && memcmp(x->ch, "\xe2\x97\x8f", 3) == 0))
            cols[n++] = col;
    }
    return n;
}

/* test/tcp/half-close.pcap, times from tshark (frame.time_relative):
 *   1 SYN 0.000000, 2 SYN,ACK 0.015505, 3 ACK 0.015539,
 *   4 data 0.015741, 5 client FIN 0.015763, ...
 *   31 server FIN 0.929615, 32 ACK 0.929648 (the last packet). */
START_TEST(test_timeline_zoom_levels)
{
    struct world *w = world_load(&render_world, "test/tcp/half-close.pcap");
    const struct conn *c = world_conn(w, 0);
    struct cellbuf cb;

    render_timeline(&cb, c, 80, false, 0, 0);
    /* the whole connection: first to last packet */
    ck_assert_str_eq(row_str(&cb, 0), "timeline: 929.648ms");
    struct tl_rows t = timeline_rows(&cb);
    int cols[16];
    int n = mark_cols(&cb, t.axis, cols, 16);
    ck_assert_int_ge(n, 3);
    ck_assert_int_eq(cols[0], 0);       /* the SYN at time 0 */
    /* the server FIN at 929.615 of 929.648 ms, before the open-ended
     * TIME_WAIT's last sixth of the width */
    ck_assert_int_lt(cols[n - 1], 79 - 79 / 6 + 1);
    ck_assert_int_gt(cols[n - 1], 79 - 79 / 6 - 2);
    cellbuf_free(&cb);

    /* zoom 3 = 8x from the start: the server's FIN and its ACK are past the
     * edge, both at 929.615 ms (tshark frames 31, 32: 33 µs apart) */
    render_timeline(&cb, c, 80, false, 3, 0);
    ck_assert(strstr(row_str(&cb, 0), "(zoom 8x)") != NULL);
    t = timeline_rows(&cb);
    ck_assert_int_eq(count_in_rows(&cb, "2 more \xe2\x86\x92 +929.615ms", 1, t.axis), 1);
    ck_assert_int_eq(count_in_rows(&cb, "\xe2\x86\x90" "FIN", 1, t.axis), 0);
    ck_assert_int_eq(count_in_rows(&cb, "server FIN acked 33\xc2\xb5s \xe2\x86\x92 +929.615ms",
                                   t.scale + 1, cb.rows), 1);
    /* the axis goes on past the edge */
    ck_assert(memcmp(cell_at(&cb, t.axis, 79)->ch, "\xe2\x86\x92", 3) == 0);
    /* scale: shown span is an eighth, ticks still labelled from 0 */
    ck_assert(strncmp(row_str(&cb, t.scale), "0 ", 2) == 0);
    ck_assert_int_eq(count_in_rows(&cb, "ms", t.scale, t.scale + 1) >= 3, 1);
    cellbuf_free(&cb);

    /* zoom 6 = 64x: the first ~17 ms; the handshake fills most of it and
     * the data / FIN marks (15.7 ms) are still on screen */
    render_timeline(&cb, c, 80, false, 6, 0);
    t = timeline_rows(&cb);
    n = mark_cols(&cb, t.axis, cols, 16);
    ck_assert_int_ge(n, 3);
    ck_assert_int_eq(cols[0], 0);
    ck_assert_int_gt(cols[1], 60); /* SYN,ACK at 15.5 ms of ~17.4 */
    ck_assert_int_eq(count_in_rows(&cb, "FIN\xe2\x86\x92", 1, t.axis), 1);
    ck_assert_int_eq(count_in_rows(&cb, "\xe2\x86\x92 +", 1, t.axis), 1);
    /* spans cut by the edge end in an arrow */
    int fr = find_row(&cb, "first response", t.scale + 1);
    ck_assert_int_gt(fr, 0);
    ck_assert_int_eq(count_in_rows(&cb, "\xe2\x94\x80\xe2\x86\x92", fr, fr + 1), 1);
    cellbuf_free(&cb);

    /* absurd zoom levels are clamped, not undefined */
    render_timeline(&cb, c, 80, false, 1000, 0);
    ck_assert(strstr(row_str(&cb, 0), "zoom") != NULL);
    cellbuf_free(&cb);
    render_timeline(&cb, c, 80, false, -3, 0);
    ck_assert_str_eq(row_str(&cb, 0), "timeline: 929.648ms");
    cellbuf_free(&cb);
    world_free(w);
}
END_TEST

/* The close span's wording per close type. */
static const char *close_label(const struct conn *c)
{
    switch (conn_close_type(c)) {
    case CLOSE_FOUR_WAY: return "four-way close ";
    case CLOSE_THREE_WAY: return "three-way close ";
    case CLOSE_SIMULTANEOUS: return "simultaneous close ";
    case CLOSE_HALF: return "half-close ";
    case CLOSE_ABORT: return "closed by RST";
    case CLOSE_REFUSED: return "refused, initial RTT";
    default: return "?";
    }
}

/* Two labels that would share columns go on different rows: for each
 * visible mark label, the characters under it were not overwritten. */
START_TEST(test_timeline_labels_do_not_overlap)
{
    static const char *const names[] = {"close-client", "lossy", "simultaneous-close",
                                        "abort-linger", "port-reuse"};
    static const int widths[] = {40, 80, 200};
    int rendered = 0;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[256];
        snprintf(path, sizeof path, "test/tcp/%s.pcap", names[k]);
        struct world *w = world_load(&render_world, path);
        const struct conn *c = world_conn(w, 0);
        struct conn_times tm;
        conn_times(c, &tm);
        for (size_t wi = 0; wi < 3; wi++) {
            for (int zoom = 0; zoom < 4; zoom++) {
                struct cellbuf cb;
                render_timeline(&cb, c, widths[wi], false, zoom, 0);
                struct tl_rows t = timeline_rows(&cb);
                if (zoom == 0)
                    assert_marks_drawn(&cb, c, &t, path);
                /* span labels whole: each names its phase once */
                int spans = count_in_rows(&cb, "initial RTT", t.scale + 1, cb.rows);
                ck_assert_int_eq(spans, 1);
                if (tm.teardown != CONN_NA)
                    ck_assert_int_eq(count_in_rows(&cb, close_label(c), t.scale + 1, cb.rows), 1);
                /* a blank between labels on a row: no "→←" or "ms├" runs */
                ck_assert_int_eq(count_in_rows(&cb, "\xe2\x86\x92\xe2\x86\x90", 0, cb.rows), 0);
                ck_assert_int_eq(count_in_rows(&cb, "s\xe2\x94\x9c", 0, cb.rows), 0);
                ck_assert_int_eq(count_in_rows(&cb, "\xe2\x94\xa4" "c", 0, cb.rows), 0);
                cellbuf_free(&cb);
                rendered++;
            }
        }
        world_free(w);
    }
    ck_assert_int_eq(rendered, 5 * 3 * 4);
}
END_TEST

/* The RST's arrow follows the side that sent it: in abort-linger the
 * client resets (tshark: frame 15 RST,ACK from 10.201.0.2); in refused the
 * server answers the SYN with RST,ACK. */
START_TEST(test_timeline_rst_direction)
{
    struct world *w = world_load(&render_world, "test/tcp/abort-linger.pcap");
    struct cellbuf cb;
    render_timeline(&cb, world_conn(w, 0), 80, false, 0, 0);
    struct tl_rows t = timeline_rows(&cb);
    ck_assert_int_eq(count_in_rows(&cb, "RST\xe2\x86\x92", 1, t.axis), 1);
    ck_assert_int_eq(count_in_rows(&cb, "closed by RST", t.scale + 1, cb.rows), 1);
    int rst_row = find_row(&cb, "RST\xe2\x86\x92", 1);
    ck_assert_int_eq(role_at(&cb, rst_row, col_of(&cb, rst_row, "RST")), ROLE_RST);
    cellbuf_free(&cb);
    world_free(w);

    w = world_load(&render_world, "test/tcp/refused.pcap");
    render_timeline(&cb, world_conn(w, 0), 80, false, 0, 0);
    t = timeline_rows(&cb);
    ck_assert_int_eq(count_in_rows(&cb, "\xe2\x86\x90RST", 1, t.axis), 1);
    ck_assert_int_eq(count_in_rows(&cb, "refused, initial RTT 16.885ms", t.scale + 1, cb.rows), 1);
    cellbuf_free(&cb);
    world_free(w);
}
END_TEST

/* ---------- hand-built connections through the decoder ---------- */

#define CLI 0x0a000001u /* 10.0.0.1 */
#define SRV 0x0a000002u /* 10.0.0.2 */
#define CISN 1000u
#define SISN 5000u

struct flowgen {
    struct world *w;
    uint8_t frame[2048];
};

static void send_seg(struct flowgen *g, int from, uint8_t flags, uint32_t seq,
                     uint32_t ack, const void *payload, size_t n, uint64_t t_ns)
{
    struct pb_ends e = from == SIDE_CLIENT
                           ? (struct pb_ends){CLI, SRV, 40000, 4444}
                           : (struct pb_ends){SRV, CLI, 4444, 40000};
    size_t len = pb_tcp4(g->frame, &e, seq, ack, flags, payload, n);
    world_feed(g->w, t_ns, g->frame, (uint32_t)len, (uint32_t)len);
}

#define FS 0x02
#define FSA 0x12
#define FA 0x10
#define FPA 0x18
#define FFA 0x11

/* Handshake at 0, 10, 11 ms; client sends c2s at 20 ms, server s2c at
 * 30 ms; with `close`, client FIN at 40 ms, server ACK 41, server FIN 50,
 * client ACK 51 ms (a four-way close: the client enters TIME_WAIT at 51). */
static struct flowgen *flow_exchange(const char *c2s, size_t c2s_len,
                                     const char *s2c, size_t s2c_len, bool close)
{
    struct flowgen *g = calloc(1, sizeof *g);
    ck_assert_ptr_nonnull(g);
    g->w = world_new(&render_world, DLT_EN10MB);
    uint32_t c = CISN + 1, s = SISN + 1;
    send_seg(g, SIDE_CLIENT, FS, CISN, 0, "", 0, T0_NS);
    send_seg(g, SIDE_SERVER, FSA, SISN, c, "", 0, T0_NS + 10 * MS_NS);
    send_seg(g, SIDE_CLIENT, FA, c, s, "", 0, T0_NS + 11 * MS_NS);
    send_seg(g, SIDE_CLIENT, FPA, c, s, c2s, c2s_len, T0_NS + 20 * MS_NS);
    c += (uint32_t)c2s_len;
    send_seg(g, SIDE_SERVER, FPA, s, c, s2c, s2c_len, T0_NS + 30 * MS_NS);
    s += (uint32_t)s2c_len;
    if (close) {
        send_seg(g, SIDE_CLIENT, FFA, c, s, "", 0, T0_NS + 40 * MS_NS);
        send_seg(g, SIDE_SERVER, FA, s, c + 1, "", 0, T0_NS + 41 * MS_NS);
        send_seg(g, SIDE_SERVER, FFA, s, c + 1, "", 0, T0_NS + 50 * MS_NS);
        send_seg(g, SIDE_CLIENT, FA, c + 1, s + 1, "", 0, T0_NS + 51 * MS_NS);
    }
    return g;
}

static void flow_free(struct flowgen *g)
{
    world_free(g->w);
    free(g);
}

/* A live open connection: the axis runs to now; TIME_WAIT grows with the
 * clock and stops at 2*MSL (RFC 9293: MSL = 2 minutes). The client enters
 * TIME_WAIT when the server's FIN reaches it in FIN-WAIT-2 (RFC 9293
 * 3.10.7.4), at 50 ms. */
START_TEST(test_timeline_live)
{
    struct flowgen *g = flow_exchange("hello", 5, "world", 5, false);
    const struct conn *c = world_conn(g->w, 0);
    ck_assert(!c->closed);
    struct cellbuf cb;
    render_timeline(&cb, c, 80, false, 0, T0_NS + 2000 * MS_NS);
    ck_assert_str_eq(row_str(&cb, 0), "timeline: 2.000s");
    struct tl_rows t = timeline_rows(&cb);
    ck_assert_int_eq(count_in_rows(&cb, "initial RTT 11.000ms", t.scale + 1, cb.rows), 1);
    ck_assert_int_eq(count_in_rows(&cb, "first response 10.000ms", t.scale + 1, cb.rows), 1);
    cellbuf_free(&cb);
    /* without a clock the same connection ends at its last packet */
    render_timeline(&cb, c, 80, false, 0, 0);
    ck_assert_str_eq(row_str(&cb, 0), "timeline: 30.000ms");
    cellbuf_free(&cb);
    flow_free(g);

    g = flow_exchange("hello", 5, "world", 5, true);
    c = world_conn(g->w, 0);
    ck_assert_int_eq(c->state[SIDE_CLIENT], TS_TIME_WAIT);
    render_timeline(&cb, c, 100, false, 0, T0_NS + 1551 * MS_NS);
    t = timeline_rows(&cb);
    ck_assert_str_eq(row_str(&cb, 0), "timeline: 1.551s");
    int tw = find_row(&cb, "client TIME_WAIT 1.501s of 2\xc2\xb7MSL", t.scale + 1);
    ck_assert_int_gt(tw, 0);
    ck_assert(memcmp(cell_at(&cb, tw, 99)->ch, "\xe2\x86\x92", 3) == 0); /* still open */
    ck_assert_int_eq(count_in_rows(&cb, "four-way close 11.000ms", t.scale + 1, cb.rows), 1);
    ck_assert_int_eq(count_in_rows(&cb, "client FIN acked 1.000ms", t.scale + 1, cb.rows), 1);
    ck_assert_int_eq(count_in_rows(&cb, "server FIN acked 1.000ms", t.scale + 1, cb.rows), 1);
    cellbuf_free(&cb);
    /* long after: the span has its full 2*MSL and a closed end */
    render_timeline(&cb, c, 100, false, 0, T0_NS + 1000000 * MS_NS);
    t = timeline_rows(&cb);
    tw = find_row(&cb, "client TIME_WAIT 240.000s of 2\xc2\xb7MSL", t.scale + 1);
    ck_assert_int_gt(tw, 0);
    ck_assert(memcmp(cell_at(&cb, tw, 99)->ch, "\xe2\x94\xa4", 3) == 0);
    ck_assert_str_eq(row_str(&cb, 0), "timeline: 240.050s");
    cellbuf_free(&cb);
    /* no clock: open-ended to the right edge */
    render_timeline(&cb, c, 100, true, 0, 0);
    t = timeline_rows(&cb);
    tw = find_row(&cb, "client TIME_WAIT (2*MSL)", t.scale + 1);
    ck_assert_int_gt(tw, 0);
    ck_assert_int_eq(cell_at(&cb, tw, 99)->ch[0], '>');
    assert_rows_ascii(&cb);
    cellbuf_free(&cb);
    flow_free(g);
}
END_TEST

/* Widths down to nothing: no crash, nothing past the edge. */
START_TEST(test_timeline_tiny_widths)
{
    struct world *w = world_load(&render_world, "test/tcp/close-client.pcap");
    for (int width = 1; width <= 24; width++) {
        struct cellbuf cb;
        cellbuf_init(&cb, width, width & 1);
        timeline_render(&cb, world_conn(w, 0), width % 5, 0);
        ck_assert_int_gt(cb.rows, 2);
        for (int r = 0; r < cb.rows; r++)
            ck_assert_int_le(text_cols(row_str(&cb, r)), width);
        cellbuf_free(&cb);
    }
    world_free(w);
}
END_TEST

/* ================= the follow view ================= */

/* The side whose bytes each row shows (-1 = a header or the totals). */
static void follow_rows(const struct cellbuf *cb, int *side_of_row)
{
    int side = -1;
    for (int r = 0; r < cb->rows; r++) {
        const char *text = row_str(cb, r);
        bool header = role_at(cb, r, 0) == ROLE_HEADER;
        if (header && strncmp(text, "client ", 7) == 0)
            side = SIDE_CLIENT;
        else if (header && strncmp(text, "server ", 7) == 0)
            side = SIDE_SERVER;
        bool footer = strstr(text, " sent ") && role_at(cb, r, 0) == ROLE_DIM;
        if (footer)
            side = -1;
        side_of_row[r] = header || footer ? -1 : side;
    }
}

static size_t hex_to_bytes(const char *hex, uint8_t *out, size_t max)
{
    size_t n = 0;
    for (; hex[0] && hex[1] && n < max; hex += 2) {
        unsigned v;
        sscanf(hex, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* test/golden/follow/NAME.N.tsv: tshark's bytes of each side. */
static size_t golden_side(const char *path, const char *side, uint8_t *out, size_t max)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s", path);
    static char line[1 << 20];
    size_t n = 0;
    size_t plen = strlen(side);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, side, plen) == 0 && line[plen] == '\t')
            n = hex_to_bytes(line + plen + 1, out, max);
    }
    fclose(f);
    return n;
}

static uint8_t gold[2][1 << 16];
static uint8_t got[2][1 << 16];

START_TEST(test_follow_hex_matches_tshark)
{
    static const char *const caps[][2] = {
        {"test/fixtures/http.pcap", "test/golden/follow/http.0.tsv"},
        {"test/tcp/close-client.pcap", "test/golden/follow/close-client.0.tsv"},
        {"test/tcp/half-close.pcap", "test/golden/follow/half-close.0.tsv"},
    };
    for (size_t k = 0; k < 3; k++) {
        size_t want[2] = {golden_side(caps[k][1], "client", gold[0], sizeof gold[0]),
                          golden_side(caps[k][1], "server", gold[1], sizeof gold[1])};
        ck_assert_uint_gt(want[0] + want[1], 0);
        struct world *w = world_load(&render_world, caps[k][0]);
        struct cellbuf cb;
        cellbuf_init(&cb, 80, false);
        follow_view_render(&cb, world_conn(w, 0), w->store, w->cap.linktype, true);
        int *side_of = calloc((size_t)cb.rows, sizeof *side_of);
        follow_rows(&cb, side_of);
        size_t n[2] = {0, 0};
        for (int r = 0; r < cb.rows; r++) {
            int side = side_of[r];
            if (side < 0)
                continue;
            const char *text = row_str(&cb, r);
            /* the offset column counts the side's stream */
            unsigned off;
            ck_assert_int_eq(sscanf(text, "%8x", &off), 1);
            ck_assert_uint_eq(off, n[side]);
            for (int i = 0; i < 16 && hex_col(i) + 1 < (int)strlen(text); i++) {
                if (text[hex_col(i)] == ' ')
                    break;
                ck_assert_int_eq(role_at(&cb, r, hex_col(i)),
                                 side == SIDE_CLIENT ? ROLE_CLIENT : ROLE_SERVER);
                got[side][n[side]++] = (uint8_t)strtoul((char[3]){text[hex_col(i)],
                                                                  text[hex_col(i) + 1], 0},
                                                        NULL, 16);
            }
        }
        for (int side = 0; side < 2; side++) {
            ck_assert_msg(n[side] == want[side], "%s side %d: %zu bytes, tshark %zu",
                          caps[k][0], side, n[side], want[side]);
            ck_assert(memcmp(got[side], gold[side], want[side]) == 0);
        }
        free(side_of);
        cellbuf_free(&cb);
        world_free(w);
    }
}
END_TEST

/* Text mode of test/fixtures/http.pcap: each side's lines are tshark's
 * bytes through the sanitiser, split at line breaks; the client line by
 * line in ROLE_CLIENT, the server's in ROLE_SERVER. */
START_TEST(test_follow_text_matches_tshark)
{
    size_t want[2] = {golden_side("test/golden/follow/http.0.tsv", "client", gold[0], sizeof gold[0]),
                      golden_side("test/golden/follow/http.0.tsv", "server", gold[1], sizeof gold[1])};
    struct world *w = world_load(&render_world, "test/fixtures/http.pcap");
    struct cellbuf cb;
    cellbuf_init(&cb, 200, false);
    follow_view_render(&cb, world_conn(w, 0), w->store, w->cap.linktype, false);
    int *side_of = calloc((size_t)cb.rows, sizeof *side_of);
    follow_rows(&cb, side_of);
    for (int side = 0; side < 2; side++) {
        static char text[1 << 17], drawn[1 << 17];
        struct textbuf tb;
        tb_init(&tb, text, sizeof text);
        sanitize_bytes(&tb, gold[side], want[side], true);
        if (tb.len && text[tb.len - 1] == '\n')
            text[--tb.len] = '\0';
        struct textbuf d;
        tb_init(&d, drawn, sizeof drawn);
        int lines = 0;
        for (int r = 0; r < cb.rows; r++) {
            if (side_of[r] != side)
                continue;
            if (lines++)
                tb_putc(&d, '\n');
            cellbuf_row_text(&cb, r, &d);
            if (row_str(&cb, r)[0])
                ck_assert_int_eq(role_at(&cb, r, 0), side == SIDE_CLIENT ? ROLE_CLIENT : ROLE_SERVER);
        }
        ck_assert_str_eq(drawn, text);
        ck_assert_int_gt(lines, 3);
    }
    /* one header per direction change: client asks, server answers */
    ck_assert(strncmp(row_str(&cb, 0), "client 127.0.0.1:", 17) == 0);
    ck_assert(strstr(row_str(&cb, 0), " \xe2\x86\x92 127.0.0.1:8080: ") != NULL);
    ck_assert_int_eq(count_in_rows(&cb, "server 127.0.0.1:8080 \xe2\x86\x92 ", 0, cb.rows), 1);
    char totals[160];
    snprintf(totals, sizeof totals, "client sent %zu bytes (0 missing", want[0]);
    ck_assert_int_eq(count_in_rows(&cb, totals, 0, cb.rows), 1);
    free(side_of);
    cellbuf_free(&cb);
    world_free(w);
}
END_TEST

/* Terminal escapes, controls, non-ASCII and a tab from the wire are shown
 * escaped; long lines wrap at the width. */
START_TEST(test_follow_escapes_shown_escaped)
{
    static const char evil[] = "ls\x1b[31mRED\x1b[0m\r\n\tTAB\x07\x9b\xff\xe2\x80\xae" "end\n";
    char s2c[100];
    memset(s2c, 'x', sizeof s2c);
    struct flowgen *g = flow_exchange(evil, sizeof evil - 1, s2c, sizeof s2c, false);
    struct cellbuf cb;
    cellbuf_init(&cb, 40, false);
    follow_view_render(&cb, world_conn(g->w, 0), g->w->store, DLT_EN10MB, false);
    /* the header wraps after a space to fit 40 columns */
    ck_assert_str_eq(row_str(&cb, 0), "client 10.0.0.1:40000 \xe2\x86\x92 10.0.0.2:4444:");
    ck_assert_str_eq(row_str(&cb, 1), "30 bytes at +0.020000s (packet 4)");
    ck_assert_int_eq(role_at(&cb, 1, 0), ROLE_HEADER);
    ck_assert_str_eq(row_str(&cb, 2), "ls\\x1b[31mRED\\x1b[0m");
    ck_assert_str_eq(row_str(&cb, 3), "        TAB\\x07\\x9b\\xff\\xe2\\x80\\xaeend");
    ck_assert_int_eq(role_at(&cb, 2, 0), ROLE_CLIENT);
    ck_assert_int_eq(role_at(&cb, 3, 0), ROLE_CLIENT); /* the tab's blanks too */
    ck_assert_str_eq(row_str(&cb, 4), "server 10.0.0.2:4444 \xe2\x86\x92 10.0.0.1:40000:");
    ck_assert_str_eq(row_str(&cb, 5), "100 bytes at +0.030000s (packet 5)");
    /* 100 bytes at 40 columns: 40 + 40 + 20 */
    ck_assert_int_eq((int)strlen(row_str(&cb, 6)), 40);
    ck_assert_int_eq((int)strlen(row_str(&cb, 7)), 40);
    ck_assert_int_eq((int)strlen(row_str(&cb, 8)), 20);
    ck_assert_int_eq(role_at(&cb, 7, 39), ROLE_SERVER);
    for (int r = 0; r < cb.rows; r++) {
        if (role_at(&cb, r, 0) == ROLE_HEADER)
            continue; /* our own arrows */
        for (const unsigned char *q = (const unsigned char *)row_str(&cb, r); *q; q++)
            ck_assert_msg(*q >= 0x20 && *q < 0x7f, "row %d: %s", r, row_str(&cb, r));
    }
    cellbuf_free(&cb);
    flow_free(g);
}
END_TEST

/* A segment that never made it into the capture: the view says how many
 * bytes are missing, in ROLE_MARK, and the hex offsets skip them. */
START_TEST(test_follow_gap)
{
    struct flowgen *g = calloc(1, sizeof *g);
    g->w = world_new(&render_world, DLT_EN10MB);
    uint32_t c = CISN + 1, s = SISN + 1;
    send_seg(g, SIDE_CLIENT, FS, CISN, 0, "", 0, T0_NS);
    send_seg(g, SIDE_SERVER, FSA, SISN, c, "", 0, T0_NS + MS_NS);
    send_seg(g, SIDE_CLIENT, FA, c, s, "", 0, T0_NS + 2 * MS_NS);
    send_seg(g, SIDE_CLIENT, FPA, c, s, "0123456789", 10, T0_NS + 3 * MS_NS);
    /* bytes 10..19 ("ABCDEFGHIJ") lost before the capture point */
    send_seg(g, SIDE_CLIENT, FPA, c + 20, s, "klmnopqrst", 10, T0_NS + 5 * MS_NS);
    const struct conn *conn = world_conn(g->w, 0);
    struct cellbuf cb;
    cellbuf_init(&cb, 100, false);
    follow_view_render(&cb, conn, g->w->store, DLT_EN10MB, false);
    ck_assert(strstr(row_str(&cb, 0), ": 20 bytes (10 missing) at +0.003000s") != NULL);
    ck_assert_str_eq(row_str(&cb, 1), "0123456789");
    ck_assert_str_eq(row_str(&cb, 2), "[10 bytes missing]");
    ck_assert_int_eq(role_at(&cb, 2, 0), ROLE_MARK);
    ck_assert_str_eq(row_str(&cb, 3), "klmnopqrst");
    ck_assert_str_eq(row_str(&cb, 4), "client sent 20 bytes (10 missing, 0 retransmitted)");
    ck_assert_str_eq(row_str(&cb, 5), "server sent 0 bytes (0 missing, 0 retransmitted)");
    ck_assert_int_eq(cb.rows, 6);
    cellbuf_free(&cb);

    cellbuf_init(&cb, 100, false);
    follow_view_render(&cb, conn, g->w->store, DLT_EN10MB, true);
    ck_assert(strncmp(row_str(&cb, 1), "00000000  30 31 32 33 34 35 36 37  38 39 ", 41) == 0);
    ck_assert_str_eq(row_str(&cb, 2), "[10 bytes missing]");
    ck_assert(strncmp(row_str(&cb, 3), "00000014  6b 6c 6d", 18) == 0);
    ck_assert_int_eq(role_at(&cb, 3, hex_col(0)), ROLE_CLIENT);
    cellbuf_free(&cb);
    flow_free(g);
}
END_TEST

START_TEST(test_follow_empty_connection)
{
    struct world *w = world_load(&render_world, "test/tcp/refused.pcap");
    struct cellbuf cb;
    cellbuf_init(&cb, 80, false);
    follow_view_render(&cb, world_conn(w, 0), w->store, w->cap.linktype, false);
    ck_assert_int_eq(cb.rows, 3);
    ck_assert_str_eq(row_str(&cb, 0), "no payload in either direction");
    ck_assert_str_eq(row_str(&cb, 1), "client sent 0 bytes (0 missing, 0 retransmitted)");
    ck_assert_str_eq(row_str(&cb, 2), "server sent 0 bytes (0 missing, 0 retransmitted)");
    cellbuf_free(&cb);
    world_free(w);
}
END_TEST

static Suite *render_suite(void)
{
    Suite *s = suite_create("render");
    TCase *d = tcase_create("detail");
    tcase_add_test(d, test_detail_titles_match_tshark);
    tcase_add_test(d, test_detail_fields_match_tshark);
    tcase_add_test(d, test_detail_collapse_expand);
    tcase_add_test(d, test_detail_selected_line_and_highlight_range);
    tcase_add_test(d, test_detail_without_frame_info);
    tcase_add_test(d, test_detail_truncated_layer_marked);
    tcase_add_test(d, test_detail_caplen_sweep);
    tcase_add_test(d, test_detail_hostile_field_text);
    suite_add_tcase(s, d);
    TCase *h = tcase_create("hexdump");
    tcase_add_test(h, test_hexdump_sizes);
    tcase_add_test(h, test_hexdump_nonprintable_as_dots);
    tcase_add_test(h, test_hexdump_highlight_across_rows);
    tcase_add_test(h, test_hexdump_narrow_and_offsets);
    suite_add_tcase(s, h);
    TCase *t = tcase_create("timeline");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_timeline_initial_rtt_like_tshark);
    tcase_add_test(t, test_timeline_zoom_levels);
    tcase_add_test(t, test_timeline_labels_do_not_overlap);
    tcase_add_test(t, test_timeline_rst_direction);
    tcase_add_test(t, test_timeline_live);
    tcase_add_test(t, test_timeline_tiny_widths);
    suite_add_tcase(s, t);
    TCase *f = tcase_create("follow");
    tcase_set_timeout(f, 60);
    tcase_add_test(f, test_follow_hex_matches_tshark);
    tcase_add_test(f, test_follow_text_matches_tshark);
    tcase_add_test(f, test_follow_escapes_shown_escaped);
    tcase_add_test(f, test_follow_gap);
    tcase_add_test(f, test_follow_empty_connection);
    suite_add_tcase(s, f);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(render_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
