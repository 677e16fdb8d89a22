#!/usr/bin/env python3
"""Turns pcap files into seed inputs for fuzz_decode: byte 0 picks the
link type, then records of u16 length (LE), u8 time step, bytes."""
import os
import struct
import sys

LINKTYPES = [1, 113, 276, 0, 108, 101, 228, 229]  # as fuzz_decode.c orders them
# libpcap's DLT_RAW is 12 on Linux; files say LINKTYPE_RAW 101


def convert(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None  # pcapng and others: skipped
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    if linktype not in LINKTYPES:
        return None
    out = bytearray([LINKTYPES.index(linktype)])
    off, n = 24, 0
    while off + 16 <= len(data) and n < 64 and len(out) < 64000:
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + min(caplen, 65535)]
        out += struct.pack("<HB", len(pkt), 1) + pkt
        off += 16 + caplen
        n += 1
    return bytes(out)


def main():
    dest = sys.argv[1]
    os.makedirs(dest, exist_ok=True)
    count = 0
    for src in sys.argv[2:]:
        for root, _, files in os.walk(src):
            for name in sorted(files):
                seed = convert(os.path.join(root, name))
                if seed:
                    with open(os.path.join(dest, name + ".seed"), "wb") as f:
                        f.write(seed)
                    count += 1
    print("make-seeds: %d seeds in %s" % (count, dest))


if __name__ == "__main__":
    main()
