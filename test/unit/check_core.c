/* Tests of the cursor, the text buffer, address formatting and the packet
 * store. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wirescope/addr.h"
#include "wirescope/capture.h"
#include "wirescope/cursor.h"
#include "wirescope/sanitize.h"
#include "wirescope/store.h"
#include "wirescope/textbuf.h"

START_TEST(test_cursor_reads_big_endian_values)
{
    const uint8_t b[] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde};
    struct cursor c = cur_make(b, sizeof b);
    ck_assert_uint_eq(cur_u8(&c), 0x12);
    ck_assert_uint_eq(cur_be16(&c), 0x3456);
    ck_assert_uint_eq(cur_be32(&c), 0x789abcde);
    ck_assert(cur_ok(&c));
    ck_assert_uint_eq(cur_offset(&c), 7);
    ck_assert_uint_eq(cur_left(&c), 0);
}
END_TEST

START_TEST(test_cursor_short_read_is_sticky_and_returns_zero)
{
    const uint8_t b[] = {0xff, 0xee, 0xdd};
    struct cursor c = cur_make(b, sizeof b);
    ck_assert_uint_eq(cur_be32(&c), 0);
    ck_assert(!cur_ok(&c));
    /* position did not move: a 2-byte read still works but flag stays */
    ck_assert_uint_eq(cur_be16(&c), 0xffee);
    ck_assert(!cur_ok(&c));
    ck_assert_uint_eq(cur_le16(&c), 0);
    ck_assert_ptr_null(cur_take(&c, 2));
    ck_assert_uint_eq(cur_u8(&c), 0xdd);
    ck_assert_uint_eq(cur_u8(&c), 0);
}
END_TEST

START_TEST(test_cursor_sub_narrows_and_advances_parent)
{
    const uint8_t b[] = {1, 2, 3, 4, 5, 6};
    struct cursor c = cur_make(b, sizeof b);
    cur_skip(&c, 1);
    struct cursor s = cur_sub(&c, 3);
    ck_assert_uint_eq(cur_left(&s), 3);
    ck_assert_uint_eq(cur_offset(&s), 1);
    ck_assert_uint_eq(cur_be16(&s), 0x0203);
    ck_assert_uint_eq(cur_be16(&s), 0); /* would pass the inner end */
    ck_assert(!cur_ok(&s));
    ck_assert(cur_ok(&c));
    ck_assert_uint_eq(cur_u8(&c), 5);
}
END_TEST

START_TEST(test_cursor_sub_longer_than_data_marks_both_short)
{
    const uint8_t b[] = {1, 2, 3};
    struct cursor c = cur_make(b, sizeof b);
    struct cursor s = cur_sub(&c, 10);
    ck_assert(!cur_ok(&s));
    ck_assert(!cur_ok(&c));
    ck_assert_uint_eq(cur_left(&s), 3);
    ck_assert_uint_eq(cur_left(&c), 0);
}
END_TEST

START_TEST(test_cursor_huge_length_cannot_overflow)
{
    const uint8_t b[] = {1, 2, 3, 4};
    struct cursor c = cur_make(b, sizeof b);
    ck_assert(!cur_skip(&c, SIZE_MAX));
    ck_assert(!cur_ok(&c));
    ck_assert_uint_eq(cur_left(&c), 4);
}
END_TEST

START_TEST(test_textbuf_numbers_and_times)
{
    char buf[64];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_u64(&tb, 18446744073709551615u);
    tb_putc(&tb, ' ');
    tb_i64(&tb, -42);
    tb_putc(&tb, ' ');
    tb_time(&tb, 12, 345678000, false);
    tb_putc(&tb, ' ');
    tb_time(&tb, 0, 5, true);
    tb_putc(&tb, ' ');
    tb_fixed(&tb, -1234, 3);
    ck_assert_str_eq(buf, "18446744073709551615 -42 12.345678 0.000000005 -1.234");
}
END_TEST

START_TEST(test_textbuf_truncates_at_capacity)
{
    char buf[8];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_puts(&tb, "0123456789");
    ck_assert_str_eq(buf, "0123456");
    ck_assert(tb.truncated);
}
END_TEST

START_TEST(test_textbuf_json_escapes_control_and_invalid_utf8)
{
    char buf[128];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    tb_json_str(&tb, "a\"b\\c\x1b[31m\x7f\xff\xe2\x86\x92");
    ck_assert_str_eq(buf, "\"a\\\"b\\\\c\\u001b[31m\\u007f\\ufffd\xe2\x86\x92\"");
}
END_TEST

START_TEST(test_textbuf_alignment)
{
    char buf[32];
    struct textbuf tb;
    tb_init(&tb, buf, sizeof buf);
    size_t mark = tb.len;
    tb_puts(&tb, "42");
    tb_align_right(&tb, mark, 5);
    mark = tb.len;
    tb_puts(&tb, "ab");
    tb_pad_to(&tb, mark, 4);
    tb_putc(&tb, '|');
    ck_assert_str_eq(buf, "   42ab  |");
}
END_TEST

static struct pkt_entry entry_of(uint32_t caplen)
{
    struct pkt_entry e = {.ts_ns = 1000000000u, .caplen = caplen, .len = caplen,
                          .flow_id = STORE_NONE, .conn_id = STORE_NONE};
    return e;
}

START_TEST(test_store_entry_is_32_bytes)
{
    ck_assert_uint_le(sizeof(struct pkt_entry), 32);
}
END_TEST

/* Every window of kept chunks (fewer than mod) across the wrap of the
 * low bits, against a brute-force search for the newest kept number. */
START_TEST(test_store_chunk_number_from_its_low_bits)
{
    const uint64_t mod = 8;
    unsigned bad = 0, found = 0;
    for (uint64_t tail = 0; tail < 40; tail++)
        for (uint64_t head = tail > mod - 1 ? tail - (mod - 1) : 0; head <= tail; head++)
            for (uint64_t low = 0; low < mod; low++) {
                uint64_t want = UINT64_MAX;
                for (uint64_t c = head; c < tail; c++)
                    if (c % mod == low)
                        want = c;
                uint64_t got = UINT64_MAX;
                bool ok = store_chunk_number(low, head, tail, mod, &got);
                bad += ok != (want != UINT64_MAX) || (ok && got != want);
                found += ok;
            }
    ck_assert_uint_eq(bad, 0);
    ck_assert_uint_gt(found, 0);
}
END_TEST

/* A packet longer than the entry's caplen field holds: counted, no bytes. */
START_TEST(test_store_huge_packet_kept_without_bytes)
{
    struct store *s = store_new(64u << 20, -1);
    struct pkt_entry e = entry_of(STORE_MAX_CAPLEN);
    e.flags = PKT_F_NO_BYTES; /* as the decoder marks it */
    static uint8_t bytes[16];
    store_add(s, &e, CAP_NO_OFFSET, bytes);
    uint8_t out[16];
    ck_assert_uint_eq(store_count(s), 1);
    ck_assert_uint_eq(store_read_bytes(s, 0, out, sizeof out), 0);
    ck_assert_uint_eq(store_entry(s, 0)->caplen, STORE_MAX_CAPLEN);
    store_free(s);
}
END_TEST

START_TEST(test_store_keeps_bytes_in_memory)
{
    struct store *s = store_new(64u << 20, -1);
    uint8_t bytes[100];
    for (int i = 0; i < 1000; i++) {
        memset(bytes, i & 0xff, sizeof bytes);
        struct pkt_entry e = entry_of(60 + (uint32_t)(i % 40));
        ck_assert_uint_eq(store_add(s, &e, CAP_NO_OFFSET, bytes), (uint64_t)i);
    }
    ck_assert_uint_eq(store_count(s), 1000);
    uint8_t out[100];
    ck_assert_uint_eq(store_read_bytes(s, 777, out, sizeof out), 60 + 777 % 40);
    ck_assert_uint_eq(out[0], 777 & 0xff);
    ck_assert_uint_eq(out[60 + 777 % 40 - 1], 777 & 0xff);
    ck_assert_ptr_null(store_entry(s, 1000));
    store_free(s);
}
END_TEST

START_TEST(test_store_evicts_oldest_within_budget)
{
    size_t budget = 16u << 20; /* index chunk 2.5 MiB + 4 MiB byte chunks */
    struct store *s = store_new(budget, -1);
    static uint8_t bytes[1500];
    uint64_t n = 40000; /* 60 MB of bytes */
    for (uint64_t i = 0; i < n; i++) {
        memcpy(bytes, &i, sizeof i);
        struct pkt_entry e = entry_of(1500);
        store_add(s, &e, CAP_NO_OFFSET, bytes);
        ck_assert_uint_le(store_mem_used(s), budget);
    }
    ck_assert_uint_eq(store_count(s), n);
    ck_assert_uint_gt(store_evicted(s), 0);
    ck_assert_uint_eq(store_first(s), store_evicted(s));
    ck_assert_ptr_null(store_entry(s, 0));
    uint64_t last = n - 1, got = 0;
    uint8_t out[1500];
    ck_assert_uint_eq(store_read_bytes(s, last, out, sizeof out), 1500);
    memcpy(&got, out, sizeof got);
    ck_assert_uint_eq(got, last);
    uint64_t first = store_first(s);
    ck_assert_uint_eq(store_read_bytes(s, first, out, sizeof out), 1500);
    memcpy(&got, out, sizeof got);
    ck_assert_uint_eq(got, first);
    store_free(s);
}
END_TEST

START_TEST(test_store_goes_on_past_four_billion_packets)
{
    /* a live capture days long: packet numbers cross 2^32 while the store
     * keeps its budget; every packet it still holds reads back as added */
    size_t budget = 16u << 20;
    struct store *s = store_new(budget, -1);
    uint64_t start = (1ull << 32) - 70000, n = 200000;
    store_start_at(s, start);
    uint8_t bytes[100];
    for (uint64_t i = start; i < start + n; i++) {
        memcpy(bytes, &i, sizeof i);
        struct pkt_entry e = entry_of(sizeof bytes);
        e.len = (uint32_t)i;
        if (store_add(s, &e, CAP_NO_OFFSET, bytes) != i)
            ck_abort_msg("packet %llu numbered wrong", (unsigned long long)i);
        if (store_mem_used(s) > budget)
            ck_abort_msg("%zu bytes over the budget", store_mem_used(s));
    }
    ck_assert_uint_eq(store_count(s), start + n);
    uint64_t first = store_first(s);
    ck_assert_uint_gt(first, start); /* it evicted on the way */
    ck_assert_ptr_null(store_entry(s, first - 1));
    ck_assert_ptr_null(store_entry(s, start + n));
    for (uint64_t i = first; i < start + n; i++) {
        const struct pkt_entry *e = store_entry(s, i);
        uint8_t out[100];
        uint64_t got = 0;
        if (!e || e->len != (uint32_t)i ||
            store_read_bytes(s, i, out, sizeof out) != sizeof out)
            ck_abort_msg("packet %llu not read back", (unsigned long long)i);
        memcpy(&got, out, sizeof got);
        if (got != i)
            ck_abort_msg("packet %llu holds %llu's bytes", (unsigned long long)i,
                         (unsigned long long)got);
    }
    ck_assert_uint_gt(store_count(s), 1ull << 32);
    store_free(s);
}
END_TEST

START_TEST(test_store_reads_bytes_back_from_file)
{
    char path[] = "/tmp/ws-store-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    const char content[] = "headerPACKET-ONE....PACKET-TWO";
    ck_assert_int_eq(write(fd, content, sizeof content - 1), (ssize_t)sizeof content - 1);
    struct store *s = store_new(64u << 20, fd);
    struct pkt_entry e = entry_of(10);
    store_add(s, &e, 6, NULL);
    store_add(s, &e, 20, NULL);
    char out[16] = "";
    ck_assert_uint_eq(store_read_bytes(s, 1, (uint8_t *)out, sizeof out), 10);
    ck_assert_mem_eq(out, "PACKET-TWO", 10);
    ck_assert(store_entry(s, 0)->flags & PKT_F_IN_FILE);
    ck_assert_uint_eq(store_mem_used(s), 65536 * sizeof(struct pkt_entry));
    store_free(s);
    close(fd);
}
END_TEST

/*
 * Reading packets back in order through a window: the same bytes as one
 * pread each, with one pread per STORE_WINDOW_BYTES. 3,000 packets of
 * 1,000 bytes, each 16 bytes after the previous one's end (a pcap record
 * header), fill 3,048,000 bytes of file. Packets 0 to 2,998 are read in
 * order, each window starting at the first packet the last one did not
 * hold; a window holds floor((262144 + 16) / 1016) = 258 whole packets, so
 * 2,999 packets take ceil(2999 / 258) = 12 windows. Then a packet behind the window is read again (one more pread),
 * and the last packet, cut short by the end of the file, gives what the
 * file has (as store_read_bytes does).
 */
START_TEST(test_store_window_reads_in_order)
{
    enum { N = 3000, LEN = 1000, HDR = 16 };
    char path[] = "/tmp/ws-window-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    static uint8_t file[N * (HDR + LEN)];
    for (size_t i = 0; i < sizeof file; i++)
        file[i] = (uint8_t)(i * 7 + i / 251);
    /* the last packet is cut: the file ends 300 bytes into it */
    size_t file_len = sizeof file - (LEN - 300);
    ck_assert_int_eq(write(fd, file, file_len), (ssize_t)file_len);
    struct store *s = store_new(64u << 20, fd);
    struct pkt_entry e = entry_of(LEN);
    for (uint64_t n = 0; n < N; n++)
        store_add(s, &e, HDR + n * (HDR + LEN), NULL);
    struct store_window w = {0};
    static uint8_t got[LEN], want[LEN];
    for (uint64_t n = 0; n + 1 < N; n++) {
        ck_assert_uint_eq(store_read_bytes_window(s, &w, n, got, sizeof got), LEN);
        ck_assert_uint_eq(store_read_bytes(s, n, want, sizeof want), LEN);
        ck_assert_mem_eq(got, want, LEN);
        ck_assert_mem_eq(got, file + HDR + n * (HDR + LEN), LEN);
    }
    ck_assert_uint_eq(w.reads, 12);
    ck_assert_uint_eq(store_read_bytes_window(s, &w, 5, got, sizeof got), LEN);
    ck_assert_mem_eq(got, file + HDR + 5 * (HDR + LEN), LEN);
    ck_assert_uint_eq(w.reads, 13);
    ck_assert_uint_eq(store_read_bytes_window(s, &w, N - 1, got, sizeof got), 300);
    ck_assert_uint_eq(store_read_bytes(s, N - 1, want, sizeof want), 300);
    ck_assert_mem_eq(got, want, 300);
    /* a smaller buffer takes the packet's first bytes */
    ck_assert_uint_eq(store_read_bytes_window(s, &w, 7, got, 10), 10);
    ck_assert_mem_eq(got, file + HDR + 7 * (HDR + LEN), 10);
    store_window_free(&w);
    ck_assert_ptr_null(w.buf);
    store_free(s);
    close(fd);
}
END_TEST

/* The dotted quad is formatted by hand; libc's inet_ntop is the oracle,
 * over every octet value in each position and a pseudo-random sweep. */
static void expect_v4_as_inet_ntop(const uint8_t v4[4])
{
    struct ws_addr a;
    addr_from_v4(&a, v4);
    char got[INET6_ADDRSTRLEN], want[INET_ADDRSTRLEN];
    size_t n = addr_format(&a, got, sizeof got);
    ck_assert_ptr_nonnull(inet_ntop(AF_INET, v4, want, sizeof want));
    ck_assert_str_eq(got, want);
    ck_assert_uint_eq(n, strlen(want));
}

START_TEST(test_addr_format_v4_matches_inet_ntop)
{
    for (unsigned pos = 0; pos < 4; pos++)
        for (unsigned v = 0; v < 256; v++) {
            uint8_t q[4] = {10, 0, 200, 99};
            q[pos] = (uint8_t)v;
            expect_v4_as_inet_ntop(q);
        }
    uint32_t x = 2463534242u;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        uint8_t q[4] = {(uint8_t)(x >> 24), (uint8_t)(x >> 16), (uint8_t)(x >> 8),
                        (uint8_t)x};
        expect_v4_as_inet_ntop(q);
    }
}
END_TEST

/* IPv6 too is formatted by hand: inet_ntop is the oracle over every
 * pattern of groups drawn from {0, 1, ffff, a random value}, so every
 * placement and length of zero runs, and the embedded-IPv4 shapes. */
START_TEST(test_addr_format_v6_matches_inet_ntop)
{
    uint32_t x = 88172645u;
    unsigned checked = 0;
    for (unsigned pattern = 0; pattern < 65536; pattern++) {
        uint8_t v6[16];
        for (int g = 0; g < 8; g++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            unsigned kind = pattern >> (2 * g) & 3;
            uint16_t w = kind == 0 ? 0 : kind == 1 ? 1 : kind == 2 ? 0xffff : (uint16_t)x;
            v6[2 * g] = (uint8_t)(w >> 8);
            v6[2 * g + 1] = (uint8_t)w;
        }
        struct ws_addr a;
        addr_from_v6(&a, v6);
        if (addr_is_v4(&a))
            continue; /* ::ffff:a.b.c.d is how IPv4 is kept: dotted quad */
        char got[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN];
        size_t n = addr_format(&a, got, sizeof got);
        ck_assert_ptr_nonnull(inet_ntop(AF_INET6, v6, want, sizeof want));
        ck_assert_msg(strcmp(got, want) == 0, "pattern %u: got %s, want %s",
                      pattern, got, want);
        ck_assert_uint_eq(n, strlen(want));
        checked++;
    }
    ck_assert_uint_gt(checked, 65000);
}
END_TEST

START_TEST(test_addr_format_small_buffers_and_v6)
{
    struct ws_addr a;
    addr_from_v4(&a, (const uint8_t[]){192, 168, 100, 200});
    char buf[INET6_ADDRSTRLEN];
    /* too small for the text: empty, as inet_ntop refuses it */
    ck_assert_uint_eq(addr_format(&a, buf, 8), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(addr_format(&a, buf, 16), 15);
    ck_assert_str_eq(buf, "192.168.100.200");
    /* RFC 5952 section 4 examples */
    uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    addr_from_v6(&a, v6);
    addr_format(&a, buf, sizeof buf);
    ck_assert_str_eq(buf, "2001:db8::1");
}
END_TEST

/* ---------- sanitiser: the escapes sanitize.h documents ---------- */

START_TEST(test_sanitize_escapes_what_a_terminal_would_read)
{
    static const uint8_t in[] = "ok \\ \x1b[2J\x7f\xc3\xa9\r\n\t!";
    char out[64];
    struct textbuf tb;
    tb_init(&tb, out, sizeof out);
    sanitize_bytes(&tb, in, sizeof in - 1, false);
    ck_assert_str_eq(out, "ok \\\\ \\x1b[2J\\x7f\\xc3\\xa9\\x0d\\x0a\\x09!");
    tb_init(&tb, out, sizeof out);
    sanitize_bytes(&tb, in, sizeof in - 1, true);
    ck_assert_str_eq(out, "ok \\\\ \\x1b[2J\\x7f\\xc3\\xa9\n\t!");
    /* into a buffer, cut to its size */
    ck_assert_str_eq(sanitize_text(out, sizeof out, in, 3), "ok ");
    char small[8];
    ck_assert_str_eq(sanitize_text(small, sizeof small, (const uint8_t *)"\x01\x02", 2),
                     "\\x01\\x0");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("cursor");
    tcase_add_test(tc, test_cursor_reads_big_endian_values);
    tcase_add_test(tc, test_cursor_short_read_is_sticky_and_returns_zero);
    tcase_add_test(tc, test_cursor_sub_narrows_and_advances_parent);
    tcase_add_test(tc, test_cursor_sub_longer_than_data_marks_both_short);
    tcase_add_test(tc, test_cursor_huge_length_cannot_overflow);
    suite_add_tcase(s, tc);
    tc = tcase_create("textbuf");
    tcase_add_test(tc, test_textbuf_numbers_and_times);
    tcase_add_test(tc, test_textbuf_truncates_at_capacity);
    tcase_add_test(tc, test_textbuf_json_escapes_control_and_invalid_utf8);
    tcase_add_test(tc, test_textbuf_alignment);
    tcase_add_test(tc, test_sanitize_escapes_what_a_terminal_would_read);
    suite_add_tcase(s, tc);
    tc = tcase_create("addr");
    tcase_add_test(tc, test_addr_format_v4_matches_inet_ntop);
    tcase_add_test(tc, test_addr_format_v6_matches_inet_ntop);
    tcase_add_test(tc, test_addr_format_small_buffers_and_v6);
    suite_add_tcase(s, tc);
    tc = tcase_create("store");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_store_entry_is_32_bytes);
    tcase_add_test(tc, test_store_chunk_number_from_its_low_bits);
    tcase_add_test(tc, test_store_huge_packet_kept_without_bytes);
    tcase_add_test(tc, test_store_keeps_bytes_in_memory);
    tcase_add_test(tc, test_store_evicts_oldest_within_budget);
    tcase_add_test(tc, test_store_goes_on_past_four_billion_packets);
    tcase_add_test(tc, test_store_reads_bytes_back_from_file);
    tcase_add_test(tc, test_store_window_reads_in_order);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
