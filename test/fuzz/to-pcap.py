#!/usr/bin/env python3
"""Turns a fuzz input (test/fuzz/fuzz_decode.c's format) into the pcap file
the harness decoded, so a crash the fuzzer found is replayed through the
wirescope binary's own batch modes (test/scripts/run-fuzz-regress.sh).

Input: byte 0 selects the link type (fuzz_decode.c's linktypes[] table);
then records of u16 length (little endian), u8 time step in microseconds,
bytes[length] (cut at the end of the input). The wire length is
length + (length & 3), as the harness sets it; times start at
1700000000 s as there.

Usage: to-pcap.py INPUT OUTPUT.pcap
"""
import struct
import sys

# fuzz_decode.c: DLT_EN10MB, DLT_LINUX_SLL, SLL2, DLT_NULL, DLT_LOOP,
# DLT_RAW, 228 (IPv4), 229 (IPv6), 147 (unknown to wirescope); written as
# the LINKTYPE_ values pcap files carry (DLT_RAW 12 is LINKTYPE_RAW 101,
# DLT_LOOP 108 is LINKTYPE_LOOP 108).
LINKTYPES = [1, 113, 276, 0, 108, 101, 228, 229, 147]


def convert(data):
    if not data:
        return None
    out = [struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144,
                       LINKTYPES[data[0] % len(LINKTYPES)])]
    ts = 1700000000 * 10**9
    off = 1
    while off + 3 <= len(data):
        n = data[off] | data[off + 1] << 8
        ts += data[off + 2] * 1000
        off += 3
        n = min(n, len(data) - off)
        out.append(struct.pack("<IIII", ts // 10**9, ts % 10**9, n, n + (n & 3)))
        out.append(data[off:off + n])
        off += n
    return b"".join(out)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    pcap = convert(open(sys.argv[1], "rb").read())
    if pcap is None:
        sys.exit("to-pcap: empty input")
    open(sys.argv[2], "wb").write(pcap)


if __name__ == "__main__":
    main()
