#!/usr/bin/env python3
"""Terminal tests of wirescope's full-screen UI, driven through tmux.

Each test starts `wirescope -r CAPTURE` (or -i lo) in a detached tmux
session of 120x40, types with send-keys and reads the screen with
capture-pane, asserting on what a person would see. Expected values come
from tshark's goldens (test/golden, test/tcp/golden), from the capture
files' own bytes, or from tcpdump/libpcap runs recorded below with the
command that produced them; never from wirescope itself.

    WIRESCOPE=path/to/wirescope python3 test/ui/ui_test.py

Needs tmux and python3; the live test needs root, curl and a loopback
interface (it is skipped, with a message, otherwise). Prints "ok - NAME" or
"FAIL - NAME: why" per check and a last line "N passed, M failed"; exits 1
on any failure.
"""
import glob
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.chdir(ROOT)
WS = os.environ.get("WIRESCOPE", "./wirescope")
if "/" in WS and not os.path.isabs(WS):
    WS = os.path.join(ROOT, WS)
TMP = tempfile.mkdtemp(prefix="ws-ui-test.")
# started as root, wirescope runs as nobody once the capture is open: the
# sanitizer's report files and saved captures must be writable for it
os.chmod(TMP, 0o1777)
SOCK = "wirescope-ui-test-%d" % os.getpid()

# Known counts, from the tools named (tcpdump 4.99.3 / libpcap 1.10.3):
#   tcpdump -r docs/sample.pcap 'tcp port 80' | wc -l                            -> 12
#   tcpdump -r test/tcp/lossy.pcap 'tcp[tcpflags] & tcp-push != 0' | wc -l       -> 269
#   tcpdump -r test/tcp/lossy.pcap | wc -l                                        -> 1135
#   tcpdump -d 'tcp prot 80'    (stderr; libpcap's pcap_geterr text)
#       -> "tcpdump: can't parse filter expression: syntax error"
FILTER_COUNTS = [
    ("docs/sample.pcap", "tcp port 80", 12),
    ("test/tcp/lossy.pcap", "tcp[tcpflags] & tcp-push != 0", 269),
]
LOSSY_PACKETS = 1135
BAD_FILTER = "tcp prot 80"
BAD_FILTER_ERROR = "can't parse filter expression: syntax error"

passed = 0
failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok - %s" % name)
    else:
        failed += 1
        print("FAIL - %s: %s" % (name, why))
    sys.stdout.flush()
    return ok


def tmux(*args, check_rc=True):
    r = subprocess.run(["tmux", "-u", "-L", SOCK, "-f", "/dev/null"] + list(args),
                       capture_output=True, text=True)
    if check_rc and r.returncode != 0:
        raise RuntimeError("tmux %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


class Pane:
    """One tmux session running a command."""
    count = 0

    def __init__(self, command, width=120, height=40, env=None):
        Pane.count += 1
        self.name = "t%d" % Pane.count
        self.log = os.path.join(TMP, "%s.stderr" % self.name)
        e = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "screen",
             "ASAN_OPTIONS": "log_path=%s/asan:detect_leaks=1" % TMP}
        e.update(env or {})
        envs = " ".join("%s='%s'" % kv for kv in e.items())
        tmux("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
             "env %s %s 2>%s; echo EXIT=$?; sleep 120" % (envs, command, self.log))

    def keys(self, *keys):
        tmux("send-keys", "-t", self.name, *keys)

    def type(self, text):
        tmux("send-keys", "-t", self.name, "-l", text)

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", self.name]
        if escapes:
            args.insert(1, "-e")
        return tmux(*args, check_rc=False)

    def lines(self):
        return self.screen().split("\n")

    def wait(self, what, timeout=15.0):
        """Polls until what (a string, a regex or a function of the screen)
        shows; returns the screen, or None after the timeout."""
        end = time.time() + timeout
        while True:
            s = self.screen()
            if callable(what):
                ok = what(s)
            elif isinstance(what, re.Pattern):
                ok = what.search(s)
            else:
                ok = what in s
            if ok:
                return s
            if time.time() > end:
                return None
            time.sleep(0.05)

    def title(self):
        return tmux("display-message", "-p", "-t", self.name, "#{pane_title}", check_rc=False).strip()

    def kill(self):
        tmux("kill-session", "-t", self.name, check_rc=False)


def wirescope(args, **kw):
    return Pane("%s %s" % (WS, args), **kw)


def started(p, what="No."):
    s = p.wait(what)
    if s is None:
        print("# screen of %s:\n%s" % (p.name, p.screen()))
        try:
            print("# stderr:\n" + open(p.log).read())
        except OSError:
            pass
    return s


def read_golden(path):
    rows = []
    header = None
    for line in open(path, encoding="utf-8"):
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if header is None:
            header = f
            continue
        rows.append(dict(zip(header, f)))
    return rows


ROW = re.compile(r"^\s*(\d+)\s+(-?\d+\.\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+) (.*)$")


def packet_rows(screen):
    out = []
    for line in screen.split("\n")[3:]:
        m = ROW.match(line)
        if m:
            out.append(m.groups())
    return out


def same_info(shown, golden):
    shown = shown.rstrip()
    if shown.endswith("~"):
        return golden.startswith(shown[:-1])
    return shown == golden


def pcap_records(path):
    """(header, [(ts_sec, ts_frac, bytes)]) of a classic pcap file."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    recs = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, length = struct.unpack(end + "IIII", data[off:off + 16])
        recs.append((sec, frac, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return data[:24], recs


def hex_row(b):
    left = " ".join("%02x" % x for x in b[:8])
    right = " ".join("%02x" % x for x in b[8:16])
    return "00000000  %s  %s" % (left, right)


def duration_text(ns):
    """render_duration's wording (31µs, 1.234ms, 2.500s), from the golden's
    seconds: whole microseconds below 1 ms, else three decimals cut."""
    if ns < 1000000:
        return "%d\u00b5s" % (ns // 1000)
    if ns < 1000000000:
        return "%d.%03dms" % (ns // 1000000, ns // 1000 % 1000)
    return "%d.%03ds" % (ns // 1000000000, ns // 1000000 % 1000)


# ---------------------------------------------------------------- tests

def test_packet_list():
    """No., Time, Source, Destination, Length from tshark's standard
    dissection; Protocol and Info from its transport-level golden (HTTP and
    DNS disabled in both tshark and wirescope: tshark reassembles HTTP
    across segments, which a per-segment list does not)."""
    for cap in ("test/fixtures/http.pcap", "test/fixtures/udp-dns.pcap", "test/fixtures/ipv6.pcap"):
        base = os.path.basename(cap)
        gold = read_golden("test/golden/%s.packets.tsv" % base)
        cols = read_golden("test/golden/%s.transport.tsv" % base)
        p = wirescope("--disable-protocol http,dns -r %s" % cap)
        s = started(p, re.compile(r"shown %d\b" % len(gold)))
        if not check("packet list of %s shows its %d packets" % (cap, len(gold)), s is not None,
                     "no 'shown %d' on the status line" % len(gold)):
            p.kill()
            continue
        rows = packet_rows(s)
        bad = []
        for g, c, r in zip(gold, cols, rows):
            no, t, src, dst, proto, length, info = r
            want = (g["frame.number"], g["_ws.col.Source"], g["_ws.col.Destination"],
                    c["_ws.col.Protocol"], g["frame.len"])
            if (no, src, dst, proto, length) != want or not same_info(info, c["_ws.col.Info"]) \
                    or abs(float(t) - float(g["frame.time_relative"])) > 1e-6:
                bad.append("row %s: %r vs tshark %r %r" % (no, r, want, c["_ws.col.Info"]))
        check("packet list rows of %s match tshark's columns" % cap,
              len(rows) == len(gold) and not bad, "%d rows; %s" % (len(rows), "; ".join(bad[:3])))
        p.kill()


def test_detail():
    hdr, recs = pcap_records("test/fixtures/http.pcap")
    gold = read_golden("test/golden/http.pcap.packets.tsv")
    p = wirescope("-r test/fixtures/http.pcap")
    if not started(p):
        check("detail view", False, "did not start")
        return
    p.keys("Home", "Enter")
    first = gold[0]
    want = "Frame 1: %s bytes on wire (%d bits), %s bytes captured (%d bits)" % (
        first["frame.len"], 8 * int(first["frame.len"]), first["frame.cap_len"],
        8 * int(first["frame.cap_len"]))
    s = p.wait(want)
    check("Enter on packet 1 opens its detail: " + want, s is not None,
          "screen:\n" + p.screen())
    row = hex_row(recs[0][2])
    s = p.wait(row, 5)
    check("the hex dump's first row is the packet's first 16 bytes", s is not None,
          "wanted %r" % row)
    layers = ("Ethernet II", "Internet Protocol Version 4", "Transmission Control Protocol")
    s = p.wait(lambda sc: all(x in sc for x in layers), 5)
    check("the tree shows the layers (Ethernet II, IPv4, TCP)", s is not None, p.screen())
    # fold the Ethernet layer: Down to its title, Left folds it
    p.keys("Down", "Left")
    s = p.wait(lambda sc: re.search(r"\u25b8 Ethernet II", sc) and "Destination: 00:00" not in sc, 5)
    check("Left folds the selected layer (its fields disappear, marker \u25b8)", s is not None,
          p.screen())
    p.keys("Escape")
    s = p.wait(lambda sc: len(packet_rows(sc)) == 12, 5)
    check("Esc goes back to the packet list", s is not None, p.screen())
    p.kill()


def conn_goldens(name):
    gold = read_golden("test/tcp/golden/%s.packets.tsv" % name)
    syn = gold[0]
    synack = gold[1]
    client = "%s:%s" % (syn["ip.src"] or syn["ipv6.src"], syn["tcp.srcport"])
    server = "%s:%s" % (synack["ip.src"] or synack["ipv6.src"], synack["tcp.srcport"])
    rtt = next(g["tcp.analysis.initial_rtt"] for g in gold if g["tcp.analysis.initial_rtt"])
    sec, frac = rtt.split(".")
    rtt_ns = int(sec) * 1000000000 + int(frac.ljust(9, "0")[:9])
    return client, server, rtt_ns


def test_ladder_and_timeline():
    name = "close-client"
    client, server, rtt_ns = conn_goldens(name)
    p = wirescope("-r test/tcp/%s.pcap --conn 0" % name)
    s = started(p, re.compile(r"SYN Seq=0(.|\n)*handshake done"))
    if not check("--conn 0 opens connection 0's ladder", s is not None, ""):
        p.kill()
        return
    lines = s.split("\n")
    syn = next((l for l in lines if " SYN Seq=0 " in l), "")
    synack = next((l for l in lines if " SYN,ACK Seq=0 Ack=1 " in l), "")
    ack = next((l for l in lines if " ACK Seq=1 Ack=1 " in l and "SYN" not in l), "")
    header = next((l for l in lines if client in l and l.lstrip().startswith("time")), "")
    check("SYN arrow points from the client (left) to the server (right)",
          re.search(r"\|-+ SYN Seq=0 .*-+>\|", syn) is not None, repr(syn))
    check("SYN,ACK arrow points from the server (right) to the client (left)",
          re.search(r"\|<-+ SYN,ACK Seq=0 Ack=1 .*-+\|", synack) is not None, repr(synack))
    check("handshake ACK arrow points right and completes the handshake",
          re.search(r"\|-+ ACK Seq=1 Ack=1 .*-+>\|.*handshake done", ack) is not None, repr(ack))
    check("client %s heads the left column, server %s the right" % (client, server),
          header and server in header and header.index(client) == syn.index("|")
          and header.index(server) < syn.rindex("|") + 1
          and header.index(server) + len(server) == syn.rindex("|") + 1,
          repr(header) + " / " + repr(syn))
    p.keys("t")
    want = "handshake, initial RTT " + duration_text(rtt_ns)
    s = p.wait(want)
    check("timeline shows tshark's initial RTT (%s)" % want, s is not None, p.screen())
    p.keys("+")
    s = p.wait(re.compile(r"timeline: 0 to .* \(zoom 2x\)"), 5)
    check("+ zooms the timeline in", s is not None, p.screen())
    p.keys("l", "Enter")
    s = p.wait("Frame 1:", 5)
    check("Enter on the SYN arrow opens packet 1", s is not None, p.screen())
    p.kill()


def test_exchange():
    """Enter on a flow that is not a TCP connection opens its exchange: the
    DHCP DORA between the client's MAC and the server, checked against
    tshark's fields for the same capture (test/app/exchange)."""
    rows = []
    with open("test/app/exchange/dhcp.tshark.tsv") as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    head = lines[0].split("\t")
    rows = [dict(zip(head, l.split("\t"))) for l in lines[1:]]
    p = wirescope("-r test/app/dhcp/dhcp.pcap")
    if not started(p):
        check("exchange: UI starts on dhcp.pcap", False, p.screen())
        p.kill()
        return
    p.keys("2")
    p.wait("DHCP", 5)
    p.keys("Enter")
    s = p.wait(re.compile(r"Flow (\d+)  DHCP(.|\n)*messages"), 5)
    if not check("Enter on a DHCP flow opens its exchange ladder", s is not None, p.screen()):
        p.kill()
        return
    flow = re.search(r"Flow (\d+)  DHCP", s).group(1)
    ids = {r["dhcp.id"] for r in rows if r["udp.stream"] == flow and r["dhcp.id"]}
    want = [(r["frame.number"], r["dhcp.type"] == "1") for r in rows if r["dhcp.id"] in ids]
    got = []
    for l in s.split("\n"):
        m = re.search(r"\|(-+ .* -*>|<-+ .* -+)\|\s+#(\d+)", l)
        if m:
            got.append((m.group(2), m.group(1).endswith(">")))
    check("exchange of flow %s: arrows for tshark's frames %s, requests pointing right"
          % (flow, [w[0] for w in want]), got == want, "got %s" % got)
    mac = next(r["dhcp.hw.mac_addr"].split("|")[0] for r in rows if r["dhcp.id"] in ids)
    check("exchange header names the client by its MAC %s" % mac, ("client " + mac) in s, s)
    p.keys("Escape")
    s = p.wait("Bytes", 5)
    check("Esc goes back to the flows", s is not None, p.screen())
    p.kill()


def test_filters():
    for cap, expr, count in FILTER_COUNTS:
        p = wirescope("-r %s" % cap)
        # the whole file read ("reading" gone from the status bar), so the
        # row count no longer moves under the checks
        if not started(p, lambda s: re.search(r"shown \d+", s) and "reading" not in s):
            check("filter on %s" % cap, False, "did not start")
            continue
        total = re.search(r"shown (\d+)", p.screen()).group(1)
        p.keys("/")
        p.type(BAD_FILTER)
        p.keys("Enter")
        s = p.wait(BAD_FILTER_ERROR, 5)
        check("invalid filter on %s shows libpcap's error" % cap, s is not None, p.screen())
        check("invalid filter keeps the previous (no) filter",
              s is not None and "display: none" in s and re.search(r"shown %s\b" % total, s),
              s or "")
        p.keys("/", "C-u")
        p.type(expr)
        p.keys("Enter")
        s = p.wait(lambda s: re.search(r"shown %d\b" % count, s) and ("display: %s" % expr) in s, 10)
        check("filter '%s' on %s shows %d packets, as tcpdump counts" % (expr, cap, count),
              s is not None and ("display: %s" % expr) in s, p.screen())
        if cap == "docs/sample.pcap" and s is not None:
            check("every filtered row is a port-80 TCP packet",
                  len(packet_rows(s)) == count and all(
                      r[4] in ("TCP", "HTTP") and (" 80 " in r[6] or "80 \u2192" in r[6] or
                                                   "\u2192 80 " in r[6] or r[4] == "HTTP")
                      for r in packet_rows(s)), "\n".join(map(str, packet_rows(s))))
            test_save(p, count)
        p.kill()


def test_save(p, count):
    # run as root, wirescope gives up root (-Z nobody) once the capture is
    # open, so the file is written as that user
    out = os.path.join(TMP, "out")
    os.makedirs(out, exist_ok=True)
    os.chmod(out, 0o777)
    path = os.path.join(out, "saved.pcap")
    p.keys("w", "C-u")
    p.type(path)
    p.keys("Enter")
    s = p.wait("saved %d packets to %s" % (count, path), 10)
    ok = check("w saves the %d displayed packets" % count, s is not None, p.screen())
    if not ok or not os.path.exists(path):
        return
    _, recs = pcap_records(path)
    _, src = pcap_records("docs/sample.pcap")
    ports = []
    for _, _, b in recs:
        ihl = (b[14] & 15) * 4
        sp, dp = struct.unpack("!HH", b[14 + ihl:18 + ihl])
        ports.append(80 in (sp, dp) and b[23] == 6)
    originals = set(r[2] for r in src)
    check("the saved file holds %d TCP port-80 packets, byte for byte from the capture" % count,
          len(recs) == count and all(ports) and all(r[2] in originals for r in recs),
          "%d records" % len(recs))


def test_resize():
    p = wirescope("-r test/tcp/lossy.pcap")
    if not started(p, re.compile(r"shown %d\b" % LOSSY_PACKETS)):
        check("resize", False, "did not start")
        return
    tmux("resize-window", "-t", p.name, "-x", "80", "-y", "24")
    s = p.wait(lambda sc: len(sc.rstrip("\n").split("\n")) == 24 and
               re.search(r"cap %d shown %d" % (LOSSY_PACKETS, LOSSY_PACKETS), sc), 5)
    check("after resizing to 80x24 the status line is in its compact form", s is not None,
          p.screen())
    if s is None:
        p.kill()
        return

    def numbers(sc):
        return [int(m.group(1)) for m in
                (re.match(r"^\s*(\d+)\s+\d+\.\d+ ", l) for l in sc.split("\n")) if m]
    want = list(range(LOSSY_PACKETS - 18, LOSSY_PACKETS + 1))
    s = p.wait(lambda sc: numbers(sc) == want, 5)
    check("80x24 shows 19 packet rows, the last page (follow mode) up to %d" % LOSSY_PACKETS,
          s is not None, str(numbers(p.screen())))
    s = s or p.screen()
    lines = s.rstrip("\n").split("\n")
    check("80x24: titles on line 3, hints on the last line, nothing wider than 80",
          lines[2].lstrip().startswith("No.") and "?Help" in lines[23] and
          max(len(l) for l in lines) <= 80, "\n".join(lines))
    p.kill()


def test_help():
    p = wirescope("-r docs/sample.pcap")
    if not started(p):
        check("help", False, "did not start")
        return
    p.keys("?")
    s = p.wait("wirescope keys", 5)
    check("? opens the help", s is not None, p.screen())
    texts = ["display filter: a BPF expression", "pause the display", "save the displayed packets",
             "quit", "flows: next sort key", "timeline: zoom in"]
    # the title may be on screen before the whole help is drawn: wait for it
    s = p.wait(lambda sc: all(t in sc for t in texts), 5) if s else None
    check("help lists the keys", s is not None,
          [t for t in texts if t not in p.screen()])
    p.keys("x")
    s = p.wait(lambda sc: "wirescope keys" not in sc and "No." in sc, 5)
    check("any other key closes the help", s is not None, p.screen())
    p.kill()


def test_quit_and_signals():
    for how in ("q", "Ctrl-C", "SIGTERM", "SIGHUP"):
        p = Pane("bash --norc --noprofile -i")
        time.sleep(0.3)
        before = os.path.join(TMP, "stty-before-%s" % how)
        after = os.path.join(TMP, "stty-after-%s" % how)
        pidf = os.path.join(TMP, "pid-%s" % how)
        p.type("stty -g > %s; sh -c 'echo $$ > %s; exec env LANG=C.UTF-8 %s -r docs/sample.pcap'"
               " 2>%s/quit.err; echo DONE=$?; stty -g > %s" % (before, pidf, WS, TMP, after))
        p.keys("Enter")
        s = p.wait("shown 26", 10)
        if not check("UI starts inside a shell (%s)" % how, s is not None, p.screen()):
            p.kill()
            continue
        if how == "q":
            p.keys("q")
        elif how == "Ctrl-C":
            p.keys("C-c")
        else:
            os.kill(int(open(pidf).read()), {"SIGTERM": 15, "SIGHUP": 1}[how])
        s = p.wait("DONE=0", 10)
        check("%s ends wirescope with status 0" % how, s is not None, p.screen())
        time.sleep(0.2)
        same = os.path.exists(after) and open(before).read() == open(after).read()
        check("%s restores the terminal modes (stty -g before == after)" % how, same, "")
        check("%s leaves the full screen (the status bar is gone)" % how,
              s is not None and "1 Packets" not in s and "?Help" not in s, s or "")
        p.kill()


def test_no_color_ascii():
    p = wirescope("-r docs/sample.pcap")
    s = started(p)
    coloured = p.screen(escapes=True) if s else ""
    check("colours are used by default", re.search(r"\x1b\[[0-9;]*(3[0-7]|4[0-7])[;m]", coloured)
          is not None, "no colour escape in the pane")
    p.kill()
    p = wirescope("-r docs/sample.pcap", env={"NO_COLOR": "1", "LANG": "C", "LC_ALL": "C"})
    s = started(p)
    p.keys("2")
    s = p.wait("<->", 5)
    check("without a UTF-8 locale the flows view draws ASCII arrows", s is not None and
          "\u21c4" not in s, p.screen())
    esc = p.screen(escapes=True)
    check("NO_COLOR: no colour escapes reach the terminal",
          re.search(r"\x1b\[[0-9;]*(3[0-7]|4[0-7])[;m]", esc) is None, repr(esc[:300]))
    p.kill()


def hostile_capture(path):
    """A TCP exchange whose payloads carry terminal escapes (OSC title,
    clear screen, colours, BEL, C1 CSI, bidi override)."""
    def ip_tcp(src, dst, sp, dp, seq, ack, flags, payload):
        tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0,
                         bytes(src), bytes(dst))
        return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + tcp
    evil = (b"GET /\x1b]0;PWNED\x07 HTTP/1.1\r\nHost: \x1b[2J\x1b[31mRED\x9b31m\xe2\x80\xae"
            b"\r\nX: \x1b]52;c;SGVsbG8=\x07\r\n\r\n")
    c, s = [10, 0, 0, 1], [10, 0, 0, 2]
    pkts = [ip_tcp(c, s, 40000, 80, 100, 0, 0x02, b""),
            ip_tcp(s, c, 80, 40000, 500, 101, 0x12, b""),
            ip_tcp(c, s, 40000, 80, 101, 501, 0x10, b""),
            ip_tcp(c, s, 40000, 80, 101, 501, 0x18, evil),
            ip_tcp(s, c, 80, 40000, 501, 101 + len(evil), 0x18, b"HTTP/1.1 200 OK\r\n\x1b]0;PWNED2\x07\r\n\r\n")]
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, b in enumerate(pkts):
            f.write(struct.pack("<IIII", 1700000000, i * 1000, len(b), len(b)) + b)


def test_terminal_safety():
    path = os.path.join(TMP, "hostile.pcap")
    hostile_capture(path)
    p = wirescope("-r %s" % path)
    s = started(p, "shown 5")
    ok = s is not None
    title0 = p.title()
    for keys in (("End",), ("Up", "Enter"), ("Escape", "3"), ("Enter",), ("f",), ("x",)):
        p.keys(*keys)
        time.sleep(0.3)
        sc = p.screen()
        ok = ok and "1 Packets" in sc and "?Help" in sc  # nothing cleared the screen
    s = p.screen()
    check("hostile payloads never clear the screen (packet list, detail, follow)", ok, s)
    check("hostile payloads never set the terminal title", "PWNED" not in p.title(),
          "title %r (was %r)" % (p.title(), title0))
    p.keys("x")
    s = p.wait("\\x1b]0;PWNED", 5)
    check("follow shows escapes as text (\\x1b)", s is not None, p.screen())
    p.kill()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_live_loopback():
    if os.geteuid() != 0:
        print("# skip live loopback test: not root (capture on lo needs root)")
        return
    if not shutil.which("curl"):
        print("# skip live loopback test: curl is not installed")
        return
    port = free_port()
    web = os.path.join(TMP, "www")
    os.makedirs(web, exist_ok=True)
    open(os.path.join(web, "index.html"), "w").write("hello from the ui test\n")
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                               "127.0.0.1", "--directory", web],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p = wirescope("-i lo")
        s = started(p, "lo live")
        if not check("live capture on lo starts", s is not None, p.screen()):
            return
        time.sleep(0.5)
        body = ""
        for _ in range(20):
            r = subprocess.run(["curl", "-s", "http://127.0.0.1:%d/" % port],
                               capture_output=True, text=True)
            body = r.stdout
            if "hello" in body:
                break
            time.sleep(0.1)
        check("curl fetched the page", "hello from the ui test" in body, body)
        p.keys("2")
        s = p.wait(":%d" % port, 10)
        check("the connection to port %d appears in the flows view" % port, s is not None and
              re.search(r"127\.0\.0\.1:\d+ .* 127\.0\.0\.1:%d\b" % port, s), p.screen())
        p.keys("3")
        s = p.wait(re.compile(r"127\.0\.0\.1:%d\s+\S+\s+\S+\s+SF" % port), 10)
        check("and in the connections view, closed normally (SF)", s is not None, p.screen())
        p.kill()
    finally:
        server.terminate()
        server.wait()


def main():
    if not shutil.which("tmux"):
        print("ui tests: tmux is not installed")
        print("0 passed, 1 failed")
        return 1
    if not os.access(WS, os.X_OK):
        print("ui tests: %s is not built" % WS)
        print("0 passed, 1 failed")
        return 1
    t0 = time.time()
    # a session that lives as long as the tests, so the tmux server does not
    # exit (and race the next test) whenever a test's session ends
    tmux("new-session", "-d", "-s", "keeper", "sleep 3600")
    try:
        for test in (test_packet_list, test_detail, test_ladder_and_timeline, test_exchange,
                     test_filters,
                     test_resize, test_help, test_quit_and_signals, test_no_color_ascii,
                     test_terminal_safety, test_live_loopback):
            try:
                test()
            except Exception as e:  # a broken test is a failure, not a crash
                check(test.__name__, False, "exception: %r" % (e,))
    finally:
        tmux("kill-server", check_rc=False)
    reports = glob.glob(os.path.join(TMP, "asan*"))
    check("no sanitizer reports", not reports,
          "".join(open(r).read() for r in reports)[:4000])
    shutil.rmtree(TMP, ignore_errors=True)
    print("# ui tests took %.1f s" % (time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
