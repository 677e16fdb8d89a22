#!/usr/bin/env python3
"""Counts the records of a classic pcap file; exits 1 if the file is not a
whole, valid pcap (bad magic, or a record cut short)."""
import struct
import sys


def count(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("shorter than a pcap header")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError("not a pcap file")
    off, n = 24, 0
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError("record header cut at offset %d" % off)
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16 + caplen
        if off > len(data):
            raise ValueError("record %d cut short" % (n + 1))
        n += 1
    return n


if __name__ == "__main__":
    try:
        print(count(sys.argv[1]))
    except (OSError, ValueError) as e:
        print("invalid: %s" % e, file=sys.stderr)
        sys.exit(1)
