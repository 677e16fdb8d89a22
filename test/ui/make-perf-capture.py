#!/usr/bin/env python3
"""Writes a classic pcap of many small UDP flows (a DNS-like query and its
answer each, every one on its own client port and address), to be merged
with build/gen-pcap's traffic so the responsiveness measurement has 100 k
flows: test/ui/measure.sh runs it.

    make-perf-capture.py OUT FLOWS START_SEC SPAN_SEC
"""
import struct
import sys


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, payload):
    udp_len = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0,
                     bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + udp


def main():
    out, flows, start, span = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for i in range(flows):
            t = start + span * i / flows
            client = [10, 77, (i >> 8) & 0xFF, i & 0xFF]
            server = [192, 0, 2, 53]
            sport = 1024 + (i % 60000)
            query = struct.pack("!HHHHHH", i & 0xFFFF, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03com\x00\x00\x01\x00\x01"
            answer = query[:2] + b"\x81\x80" + query[4:]
            for k, (s, d, sp, dp, p) in enumerate(((client, server, sport, 53, query),
                                                   (server, client, 53, sport, answer))):
                ts = t + k * 0.0002
                sec, usec = int(ts), int(round((ts - int(ts)) * 1e6))
                if usec >= 1000000:
                    sec, usec = sec + 1, usec - 1000000
                data = frame(s, d, sp, dp, p)
                f.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)


if __name__ == "__main__":
    main()
