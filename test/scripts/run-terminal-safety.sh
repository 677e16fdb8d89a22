#!/bin/bash
# run-terminal-safety.sh: hostile bytes in packets (and in names the user
# passes) must never reach a terminal raw. Builds a small capture at run time
# whose TCP and UDP payloads, HTTP request/response lines and headers (Host,
# User-Agent, Server), DNS names and addresses-as-text positions hold ESC,
# CSI (ESC [ 31 m, ESC [ 2 J), OSC (ESC ] 0 ; title BEL, ESC ] 52 ; c ; ...
# BEL), BEL, NUL, backspace, CR, DEL, invalid UTF-8, C1 controls (raw 0x9b
# and U+009B as C2 9B) and bidi overrides (U+202E as E2 80 AE, U+2066..9).
# Runs every output: --packets, --flows, --conns (text and --json),
# --ladder ID and --follow ID (text, and --follow --json) for every
# connection, and a few error paths that echo a file name, a filter or an
# interface name. Asserts on stdout and on stderr of each run:
#   - valid UTF-8;
#   - no C0 control other than \n and \t, no DEL (0x7f), no C1 control
#     (U+0080..U+009F, so no C2 9B), no bidi control (U+061C, U+200E,
#     U+200F, U+202A..U+202E, U+2066..U+2069);
#   - for --json: every line parses with python's json module (strict).
#   WIRESCOPE=path/to/wirescope (default ./wirescope, from the repo root)
# Needs bash and python3 (standard library). Takes about a second.
# Prints "ok - NAME" / "FAIL - NAME: why", then `N passed, N failed`;
# exits 1 when anything failed.
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope
[ -x "$WIRESCOPE" ] || tap_abort "run-terminal-safety: $WIRESCOPE not built"
tap_tmpdir ws-termsafe
# The checks and their count are the Python program's below.

python3 - "$WIRESCOPE" "$T" <<'PY'
import json
import os
import struct
import subprocess
import sys

WS, T = sys.argv[1], sys.argv[2]
PCAP = os.path.join(T, "hostile.pcap")

# ---------------------------------------------------------------- the capture

ESC_SEQS = [
    b"\x1b[31mRED\x1b[0m", b"\x1b[2J", b"\x1b]0;pwned-title\x07",
    b"\x1b]52;c;aGVsbG8gY2xpcGJvYXJk\x07", b"\x07", b"\x00", b"\x08\x08\x08",
    b"\r", b"\x7f", b"\xff\xfe\xc3(", b"\xc2\x9b31m", b"\x9b2J",
    b"\xe2\x80\xae", b"\xe2\x81\xa6", b"\x1bP+q\x1b\\", b"\x1b[?1049h",
]
HOSTILE = b"".join(ESC_SEQS)
ALL_BYTES = bytes(range(256))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


class Cap:
    def __init__(self):
        self.recs = []
        self.t = 1700000000.0

    def frame(self, eth_payload, ethertype=0x0800, src=b"\x02\0\0\0\0\x01",
              dst=b"\x02\0\0\0\0\x02"):
        f = dst + src + struct.pack("!H", ethertype) + eth_payload
        self.t += 0.001
        sec = int(self.t)
        usec = int(round((self.t - sec) * 1e6))
        self.recs.append(struct.pack("<IIII", sec, usec, len(f), len(f)) + f)

    def ipv4(self, src, dst, proto, l4):
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), len(self.recs),
                        0x4000, 64, proto, 0, ip4(src), ip4(dst))
        h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        return h + l4

    def udp(self, src, sport, dst, dport, payload, fwd=True):
        l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        ph = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, len(l4))
        c = csum(ph + l4) or 0xFFFF
        l4 = l4[:6] + struct.pack("!H", c) + l4[8:]
        self.frame(self.ipv4(src, dst, 17, l4),
                   src=b"\x02\0\0\0\0\x01" if fwd else b"\x02\0\0\0\0\x02",
                   dst=b"\x02\0\0\0\0\x02" if fwd else b"\x02\0\0\0\0\x01")

    def tcp(self, src, sport, dst, dport, seq, ack, flags, payload=b"", fwd=True):
        l4 = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                         502, 0, 0) + payload
        ph = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(l4))
        l4 = l4[:16] + struct.pack("!H", csum(ph + l4)) + l4[18:]
        self.frame(self.ipv4(src, dst, 6, l4),
                   src=b"\x02\0\0\0\0\x01" if fwd else b"\x02\0\0\0\0\x02",
                   dst=b"\x02\0\0\0\0\x02" if fwd else b"\x02\0\0\0\0\x01")

    def conversation(self, c, cp, s, sp, c_msgs, s_msgs):
        """Handshake, alternating client/server payloads, four-way close."""
        F, S, R, P, A = 1, 2, 4, 8, 16
        cs, ss = 1000, 5000
        self.tcp(c, cp, s, sp, cs, 0, S)
        self.tcp(s, sp, c, cp, ss, cs + 1, S | A, fwd=False)
        cs += 1
        ss += 1
        self.tcp(c, cp, s, sp, cs, ss, A)
        for i in range(max(len(c_msgs), len(s_msgs))):
            if i < len(c_msgs):
                self.tcp(c, cp, s, sp, cs, ss, P | A, c_msgs[i])
                cs += len(c_msgs[i])
                self.tcp(s, sp, c, cp, ss, cs, A, fwd=False)
            if i < len(s_msgs):
                self.tcp(s, sp, c, cp, ss, cs, P | A, s_msgs[i], fwd=False)
                ss += len(s_msgs[i])
                self.tcp(c, cp, s, sp, cs, ss, A)
        self.tcp(c, cp, s, sp, cs, ss, F | A)
        self.tcp(s, sp, c, cp, ss, cs + 1, A, fwd=False)
        self.tcp(s, sp, c, cp, ss, cs + 1, F | A, fwd=False)
        self.tcp(c, cp, s, sp, cs + 1, ss + 1, A)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for r in self.recs:
                f.write(r)


def dns_name(labels):
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"


def dns_msg(qid, flags, name, answers=()):
    m = struct.pack("!HHHHHH", qid, flags, 1, len(answers), 0, 0)
    m += name + struct.pack("!HH", 1, 1)
    for rname, rtype, rdata in answers:
        m += rname + struct.pack("!HHIH", rtype, 1, 60, len(rdata)) + rdata
    return m


cap = Cap()
C, S = "192.0.2.1", "192.0.2.80"
http_req = (b"GET /\x1b[31mindex\x1b[0m.html?q=\x07\x00\x08 HTTP/1.1\r\n"
            b"Host: evil\x1b]0;pwned\x07\xe2\x80\xae.example\x1b[2J\r\n"
            b"User-Agent: \x1b]52;c;aGVsbG8=\x07\xc2\x9b31m\x9b\xff\xfe\r\n"
            b"X-Bidi: \xe2\x80\xaegnp.exe\xe2\x81\xa6\r\n\r\n")
http_resp = (b"HTTP/1.1 200 \x1b[2JOK\x07\r\n"
             b"Server: \x1b]0;title\x07srv\xc2\x9b\r\n"
             b"Content-Type: text/html\x1b[31m\r\n"
             b"Location: http://\xe2\x80\xaeevil/\r\n"
             b"Content-Length: 256\r\n\r\n" + ALL_BYTES)
cap.conversation(C, 40001, S, 80, [http_req, HOSTILE + ALL_BYTES],
                 [http_resp, HOSTILE + b"\r\n" + HOSTILE])
# A connection on another port whose every segment is hostile.
cap.conversation(C, 40002, S, 6667,
                 [b":\x1b]0;irc\x07 PRIVMSG #x :\x1b[2J\x01ACTION\x01\r\n", ALL_BYTES],
                 [HOSTILE, bytes(reversed(ALL_BYTES))])
# DNS query and response with hostile labels, and mDNS.
evil = dns_name([b"\x1b[31mred", b"\xe2\x80\xaecod", b"bel\x07\x00nul",
                 b"\xc2\x9bc1", b"\x1b]0;t\x07", b"example", b"com"])
cap.udp(C, 53001, S, 53, dns_msg(0x1234, 0x0100, evil))
cap.udp(S, 53, C, 53001, dns_msg(0x1234, 0x8180, evil,
                                 [(b"\xc0\x0c", 5, evil), (b"\xc0\x0c", 16,
                                  bytes([len(HOSTILE[:255])]) + HOSTILE[:255])]),
        fwd=False)
cap.udp(C, 5353, "224.0.0.251", 5353, dns_msg(0, 0x8400, evil))
# Raw UDP payloads: every byte value, and the escape sequences alone.
cap.udp(C, 40003, S, 9999, ALL_BYTES)
cap.udp(C, 40004, S, 514, b"<13>syslog \x1b]0;x\x07 \xe2\x80\xae msg\r\n")
cap.udp(C, 40005, S, 69, b"\x00\x01\x1b[2Jfile\xe2\x80\xae\x00octet\x00")
# A non-IP frame whose ethertype is unknown, full of control bytes.
cap.frame(HOSTILE + ALL_BYTES, ethertype=0x88B5)
cap.write(PCAP)
NCONNS = 2

# ---------------------------------------------------------------- the checks

passed = failed = 0

BIDI = {0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
        0x2066, 0x2067, 0x2068, 0x2069}


def problems(data):
    """What is unsafe about bytes meant for a terminal (empty if nothing)."""
    out = []
    text = data.decode("utf-8", "surrogateescape")
    seen = set()
    for i, ch in enumerate(text):
        o = ord(ch)
        bad = None
        if 0xDC80 <= o <= 0xDCFF:
            bad = "invalid UTF-8 byte 0x%02x" % (o - 0xDC00)
        elif (o < 0x20 and ch not in "\n\t") or o == 0x7F:
            bad = "control U+%04X" % o
        elif 0x80 <= o <= 0x9F:
            bad = "C1 control U+%04X" % o
        elif o in BIDI:
            bad = "bidi control U+%04X" % o
        if bad and bad not in seen:
            seen.add(bad)
            out.append("%s at char %d: %r" % (bad, i, text[max(0, i - 20):i + 10]))
    return out


def run(args, name, json_out=False, want_rc=(0,)):
    global passed, failed
    p = subprocess.run([os.fsencode(WS)] + [os.fsencode(a) for a in args], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    why = []
    if p.returncode not in want_rc:
        why.append("exit %d (expected %s)" % (p.returncode, want_rc))
    for stream, data in (("stdout", p.stdout), ("stderr", p.stderr)):
        why += ["%s: %s" % (stream, w) for w in problems(data)]
    if json_out:
        lines = p.stdout.decode("utf-8", "replace").splitlines()
        if not lines:
            why.append("no JSON lines")
        for n, line in enumerate(lines, 1):
            try:
                json.loads(line)
            except ValueError as e:
                why.append("stdout line %d is not JSON (%s): %r" % (n, e, line[:120]))
                break
    if why:
        failed += 1
        print("FAIL - %s: %s" % (name, "; ".join(why[:4])))
        for w in why[4:8]:
            print("    " + w)
    else:
        passed += 1
        print("ok - %s" % name)
    return p


F = ["-r", PCAP]
p = run(F + ["--packets"], "--packets")
npk = len(p.stdout.splitlines())
if npk != len(cap.recs):
    failed += 1
    print("FAIL - --packets printed %d lines for %d packets" % (npk, len(cap.recs)))
run(F + ["--packets", "--json"], "--packets --json", json_out=True)
run(F + ["--flows"], "--flows")
run(F + ["--flows", "--json"], "--flows --json", json_out=True)
p = run(F + ["--conns"], "--conns")
run(F + ["--conns", "--json"], "--conns --json", json_out=True)
for cid in range(NCONNS):
    run(F + ["--ladder", str(cid)], "--ladder %d" % cid)
    run(F + ["--follow", str(cid)], "--follow %d" % cid)
    run(F + ["--follow", str(cid), "--json"], "--follow %d --json" % cid, json_out=True)
run(F + ["--packets", "--verify-checksums"], "--packets --verify-checksums")

# Names that the user passes and wirescope echoes in an error line. A file
# name can come from someone else (wirescope -r *.pcap in a shared dir).
TB = os.fsencode(T)
evil_name = os.path.join(TB, b"x\x1b]0;pwned\x07\x1b[2J\xe2\x80\xae\x9b.pcap")
run([b"-r", evil_name], "error line: -r with a hostile file name", want_rc=(1,))
junk = os.path.join(TB, b"junk\x1b[31m\xc2\x9b.pcap")
with open(junk, "wb") as f:
    f.write(b"not a capture\x1b[2J\n")
run([b"-r", junk], "error line: unreadable file with a hostile name", want_rc=(1,))
run(F + ["--packets", b"udp and \x1b[31m\x07\xe2\x80\xae"],
    "error line: hostile filter expression", want_rc=(1, 2))
run([b"-i", b"ws\x1b[31m\x07\xe2\x80\xae", b"-c", b"1"],
    "error line: hostile interface name", want_rc=(1, 2))
run(F + ["--follow", str(NCONNS + 5)], "error line: --follow of a missing connection",
    want_rc=(1,))
run(F + ["-w", os.path.join(TB, b"nodir\x1b[2J\xe2\x80\xae", b"out.pcap"), "--flows"],
    "error line: -w into a hostile missing directory", want_rc=(1,))

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
exit $?
