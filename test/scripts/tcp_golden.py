#!/usr/bin/env python3
"""tcp_golden.py CAPTURE WIRESCOPE

Compares wirescope's TCP connection tracker with the tshark goldens of one
capture under test/tcp (see test/tcp/README.md for the captures and formats):

  CAPTURE                       test/tcp/NAME.pcap
  golden/NAME.packets.tsv       tshark's per-frame TCP analysis
  golden/NAME.conv.tsv          tshark's conversation table, exact bytes
  expected-conn.tsv             Zeek conn_state/history per connection

Runs `WIRESCOPE -r CAPTURE --packets --json` and `--conns --json`.

Per TCP frame (one test each): the frame's identity (src, dst, sport, dport,
epoch, flags, so a misaligned frame shows as such), then conn (tcp.stream),
seq, ack, len (tcp.len), win (tcp.window_size), bytes_in_flight, every
analysis mark, dup_ack_num and dup_ack_frame.

Analysis marks: tshark sets tcp.analysis.retransmission also on fast and
spurious retransmissions, while wirescope reports only the specific mark. So
`retransmission` is expected exactly when tshark has the retransmission flag
without fast_retransmission or spurious_retransmission; `fast_retransmission`
and `spurious_retransmission` when tshark has those. `reused_ports` is not a
golden column: it is expected where tshark's Info says
`[TCP Port numbers reused]`. Any other name in our list is an error.

Per connection (one test each; id = tcp.stream): client endpoint = orig_h/
orig_p, conn_state and history from expected-conn.tsv; packets and exact
wire bytes each way and the exact duration from conv.tsv; start = epoch of
the stream's first frame; initial_rtt = tshark's tcp.analysis.initial_rtt
(first value in the stream, to 1e-6); the per-connection analysis counts =
the per-frame expectations above, summed; close and active_closer from the
CLOSE table below.

The CLOSE table is what each capture was made to show (capture name and
README); each entry is also checked against the golden frames by an
independent classifier (derive_close), as a test of its own, so a
regenerated capture that no longer shows its close fails loudly instead of
silently changing the expectation.

Every mismatch prints one line:
  FAIL <capture> <frame N | conn N | ...> field <name>: expected <x> got <y>
The last line is `N passed, N failed`; exit status 1 when anything failed.
Python 3 standard library only; tshark is not needed.
"""
import ipaddress
import json
import os
import subprocess
import sys
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "app"))
from goldenlib import read_tsv  # noqa: E402  (test/app/goldenlib.py)

TIMEOUT = 120
USEC = Decimal("0.000001")

# close type and active closer (the side that sent the first FIN; null when
# no FIN was sent) per capture; every connection of the capture.
CLOSE = {
    "close-client": ("four-way", "client",
                     "client FIN; the server ACKs it alone (delayed ACK), its own FIN 0.5 s later"),
    "ipv6": ("four-way", "client", "as close-client, over IPv6"),
    "close-server": ("three-way", "server",
                     "server FIN rides on its last data (FIN,PSH,ACK); curl's FIN,ACK acknowledges it; server ACKs"),
    "keepalive": ("three-way", "client",
                  "frames 19-21: client FIN, the server's FIN,ACK acknowledges it (ack=202), client ACK"),
    "three-way-close": ("three-way", "client", "the server's FIN,ACK also acknowledges the client's FIN"),
    "simultaneous-close": ("simultaneous", "client",
                           "the FINs cross (neither's ack covers the other FIN); the client's is captured first"),
    "half-close": ("half-close", "client", "client shutdown(SHUT_WR); the server sends 9000 B after that FIN"),
    "abort-linger": ("abort", None, "client SO_LINGER {1,0} close: RST,ACK; no FIN at all"),
    "refused": ("refused", None, "SYN answered by RST,ACK"),
    "port-reuse": ("three-way", "server",
                   "both connections: server FIN, the client's FIN,ACK acknowledges it, server ACKs"),
    "lossy": ("three-way", "client", "frames 1133-1135: client FIN, server FIN,ACK acknowledging it, ACK"),
    "zero-window": ("half-close", "client",
                    "client FIN on its last data (frame 170); the server then sends 10 B (frame 172) and FIN"),
}

FLAG_LETTERS = {"F": "FIN", "S": "SYN", "R": "RST", "P": "PSH", "A": "ACK", "U": "URG", "E": "ECE", "C": "CWR"}

# our analysis name -> golden column (reused_ports: from the Info column)
MARKS = [
    "retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order",
    "lost_segment", "ack_lost_segment", "duplicate_ack", "zero_window", "zero_window_probe",
    "zero_window_probe_ack", "window_full", "window_update", "keep_alive", "keep_alive_ack",
    "reused_ports",
]
REUSED_MARK = "[TCP Port numbers reused]"


class Result:
    def __init__(self, capture):
        self.capture = capture
        self.passed = 0
        self.failed = 0

    def test(self, where, problems):
        if problems:
            self.failed += 1
            for field, exp, got in problems:
                print("FAIL %s %s field %s: expected %s got %s" % (self.capture, where, field, show(exp), show(got)))
        else:
            self.passed += 1


def show(v):
    if isinstance(v, Decimal):
        return format(v, "f")
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


def run(wirescope, capture, mode):
    cmd = [wirescope, "-r", capture, mode, "--json"]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except OSError as e:
        return None, "cannot run %s: %s" % (wirescope, e)
    except subprocess.TimeoutExpired:
        return None, "%s timed out after %ds" % (" ".join(cmd), TIMEOUT)
    if p.returncode != 0:
        err = p.stderr.decode("utf-8", "replace").strip()
        return None, "%s exited %d; stderr: %s" % (" ".join(cmd), p.returncode, err[-600:])
    recs = []
    for i, line in enumerate(p.stdout.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            recs.append(json.loads(line, parse_float=Decimal))
        except ValueError as e:
            return None, "%s: output line %d is not JSON (%s): %s" % (" ".join(cmd), i, e, line[:200])
    return recs, ""


def addr(a):
    if a is None:
        return None
    try:
        return str(ipaddress.ip_address(str(a).strip()))
    except ValueError:
        return str(a)


def num(v):
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, Decimal)):
        return Decimal(v)
    return None


def opt_int(s):
    s = (s or "").split(",")[0]
    return int(s) if s != "" else None


def flag_set(s):
    return {FLAG_LETTERS[c] for c in s if c in FLAG_LETTERS}


class Frame:
    """One golden row, decoded."""

    def __init__(self, r):
        self.row = r
        self.no = int(r["frame.number"])
        self.epoch = Decimal(r["frame.time_epoch"])
        self.stream = opt_int(r["tcp.stream"])
        self.src = addr(r["ip.src"] or r["ipv6.src"])
        self.sport = opt_int(r["tcp.srcport"])
        self.dport = opt_int(r["tcp.dstport"])
        self.flags = flag_set(r["tcp.flags.str"])
        self.seq = opt_int(r["tcp.seq"])
        self.ack = opt_int(r["tcp.ack"])
        self.len = opt_int(r["tcp.len"])
        self.win = opt_int(r["tcp.window_size"])
        self.bif = opt_int(r["tcp.analysis.bytes_in_flight"])
        self.dup_num = opt_int(r["tcp.analysis.duplicate_ack_num"])
        self.dup_frame = opt_int(r["tcp.analysis.duplicate_ack_frame"])
        self.irtt = Decimal(r["tcp.analysis.initial_rtt"]) if r["tcp.analysis.initial_rtt"] else None
        self.info = r["_ws.col.Info"]
        t = {k: bool(r.get("tcp.analysis." + k, "")) for k in MARKS if k != "reused_ports"}
        self.marks = {k: False for k in MARKS}
        for k, v in t.items():
            self.marks[k] = v
        # tshark: retransmission also on fast/spurious; ours: the specific mark.
        self.marks["retransmission"] = t["retransmission"] and not (
            t["fast_retransmission"] or t["spurious_retransmission"])
        self.marks["reused_ports"] = REUSED_MARK in self.info


def packet_problems(f, rec):
    probs = []
    t = rec.get("tcp")
    if rec.get("no") != f.no:
        probs.append(("no", f.no, rec.get("no")))
    got_ep = num(rec.get("epoch"))
    if got_ep is None or abs(got_ep - f.epoch) > USEC:
        probs.append(("epoch", f.epoch, rec.get("epoch")))
    if addr(rec.get("src")) != f.src:
        probs.append(("src", f.src, rec.get("src")))
    for k, v in (("sport", f.sport), ("dport", f.dport)):
        if rec.get(k) != v:
            probs.append((k, v, rec.get(k)))
    if rec.get("conn") != f.stream:
        probs.append(("conn", f.stream, rec.get("conn")))
    if not isinstance(t, dict):
        probs.append(("tcp", "an object", t))
        return probs
    got_flags = set(x for x in (t.get("flags") or "").split(",") if x)
    if got_flags != f.flags:
        probs.append(("flags", ",".join(sorted(f.flags)), t.get("flags")))
    for k, v in (("seq", f.seq), ("ack", f.ack), ("len", f.len), ("win", f.win), ("bytes_in_flight", f.bif)):
        if t.get(k, "missing") != v:
            probs.append((k, v, t.get(k, "missing")))
    ours = t.get("analysis")
    if not isinstance(ours, list):
        probs.append(("analysis", "a list", ours))
        ours = []
    for k in MARKS:
        if f.marks[k] != (k in ours):
            probs.append(("analysis." + k, f.marks[k], k in ours))
    for k in ours:
        if k not in MARKS:
            probs.append(("analysis", "names from %s" % ",".join(MARKS), k))
    for k, v in (("dup_ack_num", f.dup_num), ("dup_ack_frame", f.dup_frame)):
        if t.get(k) != v:
            probs.append((k, v, t.get(k)))
    return probs


def derive_close(frames, client):
    """Close type and active closer from the golden frames of one stream,
    independent of the CLOSE table: the same definitions wirescope documents
    (RST -> refused/abort unless both FINs were acknowledged; the first FIN's
    sender is the active closer; half-close when the other side sends new
    data after that FIN; simultaneous when the second FIN does not
    acknowledge the first; three-way when nothing from the second side
    acknowledged the first FIN before the second FIN did; else four-way)."""

    def side(f):
        return 0 if (f.src, f.sport) == client else 1

    fin = [None, None]    # (index, fin_end)
    for i, f in enumerate(frames):
        if "FIN" in f.flags and fin[side(f)] is None:
            fin[side(f)] = (i, f.seq + f.len + 1)
    acked = [False, False]
    for s in (0, 1):
        if fin[s]:
            acked[s] = any(side(f) != s and "ACK" in f.flags and f.ack >= fin[s][1]
                           for f in frames[fin[s][0] + 1:])
    rst = [f for f in frames if "RST" in f.flags]
    closer = None
    if fin[0] or fin[1]:
        closer = min((s for s in (0, 1) if fin[s]), key=lambda s: fin[s][0])
    name = lambda s: None if s is None else ("client", "server")[s]
    if rst and not (fin[0] and fin[1] and acked[0] and acked[1]):
        synack = any({"SYN", "ACK"} <= f.flags for f in frames)
        payload = any(f.len for f in frames)
        if not synack and side(rst[0]) == 1 and not payload:
            return "refused", name(closer)
        return "abort", name(closer)
    if closer is None:
        hs = any({"SYN", "ACK"} <= f.flags for f in frames)
        return ("open" if hs else "none"), None
    peer = 1 - closer
    ci = fin[closer][0]
    before = [f.seq + f.len for f in frames[:ci] if side(f) == peer and f.len]
    high = max(before) if before else 0
    if any(side(f) == peer and f.len and f.seq + f.len > high for f in frames[ci + 1:]):
        return "half-close", name(closer)
    if not fin[peer]:
        return "open", name(closer)
    pi = fin[peer][0]
    second = frames[pi]
    if "ACK" not in second.flags or second.ack < fin[closer][1]:
        return "simultaneous", name(closer)
    if any(side(f) == peer and "ACK" in f.flags and f.ack >= fin[closer][1] for f in frames[ci + 1:pi]):
        return "four-way", name(closer)
    return "three-way", name(closer)


def main(argv):
    if len(argv) != 3:
        print("usage: tcp_golden.py CAPTURE WIRESCOPE", file=sys.stderr)
        return 2
    capture, wirescope = argv[1:3]
    base = os.path.basename(capture)
    name = base[:-5] if base.endswith(".pcap") else base
    tdir = os.path.dirname(capture) or "."
    res = Result(name)
    gp = os.path.join(tdir, "golden", name + ".packets.tsv")
    gc = os.path.join(tdir, "golden", name + ".conv.tsv")
    ge = os.path.join(tdir, "expected-conn.tsv")
    missing = [p for p in (gp, gc, ge) if not os.path.exists(p)]
    if missing:
        res.test("goldens", [("file", "present", "missing: " + " ".join(missing))])
        print("%d passed, %d failed" % (res.passed, res.failed))
        return 1
    frames = [Frame(r) for r in read_tsv(gp)]
    convs = {int(c["stream"]): c for c in read_tsv(gc)}
    exps = {int(e["stream"]): e for e in read_tsv(ge) if e["capture"] == name}

    pk, perr = run(wirescope, capture, "--packets")
    cn, cerr = run(wirescope, capture, "--conns")
    res.test("run --packets --json", [] if pk is not None else [("exit", "0 and JSON Lines", perr)])
    res.test("run --conns --json", [] if cn is not None else [("exit", "0 and JSON Lines", cerr)])

    if pk is not None:
        by_no = {}
        for i, r in enumerate(pk):
            by_no[r.get("no", i + 1)] = r
        res.test("packets", [] if len(pk) == len(frames) else [("count", len(frames), len(pk))])
        for f in frames:
            rec = by_no.get(f.no)
            if rec is None:
                res.test("frame %d" % f.no, [("record", "present", "missing")])
                continue
            res.test("frame %d" % f.no, packet_problems(f, rec))

    streams = {}
    for f in frames:
        streams.setdefault(f.stream, []).append(f)

    conns = {}
    if cn is not None:
        conns = {c.get("id"): c for c in cn}
        res.test("conns", [] if sorted(conns) == sorted(streams) else
                 [("ids", sorted(streams), [c.get("id") for c in cn])])

    exp_close = CLOSE.get(name)
    for sid in sorted(streams):
        fr = streams[sid]
        e = exps.get(sid)
        conv = convs.get(sid)
        where = "conn %d" % sid
        if e is None or conv is None:
            res.test(where, [("golden row", "expected-conn.tsv and conv.tsv rows", "missing")])
            continue
        client = (addr(e["orig_h"]), int(e["orig_p"]))

        # The CLOSE table against the golden frames (not against wirescope).
        derived = derive_close(fr, client)
        if exp_close is None:
            res.test(where + " close table", [("CLOSE entry", "present", "missing for " + name)])
        else:
            res.test(where + " close table", [] if derived == exp_close[:2] else
                     [("CLOSE[%s] vs the golden frames" % name, "%s/%s" % derived, "%s/%s" % exp_close[:2])])

        c = conns.get(sid)
        if cn is None:
            continue
        if c is None:
            res.test(where, [("conn", "present", "missing")])
            continue
        probs = []
        a = (addr(conv["addr_a"]), int(conv["port_a"]))
        b = (addr(conv["addr_b"]), int(conv["port_b"]))
        a_is_client = a == client
        server = b if a_is_client else a
        for k, v in (("client_addr", client[0]), ("client_port", client[1]),
                     ("server_addr", server[0]), ("server_port", server[1])):
            got = addr(c.get(k)) if k.endswith("addr") else c.get(k)
            if got != v:
                probs.append((k, v, c.get(k)))
        for k in ("conn_state", "history"):
            if c.get(k) != e[k]:
                probs.append((k, e[k], c.get(k)))
        ab = {"pkts": int(conv["frames_a_to_b"]), "bytes": int(conv["exact_bytes_a_to_b"])}
        ba = {"pkts": int(conv["frames_b_to_a"]), "bytes": int(conv["exact_bytes_b_to_a"])}
        c2s, s2c = (ab, ba) if a_is_client else (ba, ab)
        for k in ("pkts", "bytes"):
            for d, src in (("c2s", c2s), ("s2c", s2c)):
                if c.get(k + "_" + d) != src[k]:
                    probs.append((k + "_" + d, src[k], c.get(k + "_" + d)))
        for k, v in (("pkts_c2s", int(e["orig_pkts"])), ("pkts_s2c", int(e["resp_pkts"]))):
            if c.get(k) != v and not any(p[0] == k for p in probs):
                probs.append((k + " (expected-conn.tsv)", v, c.get(k)))
        for k, v in (("start", fr[0].epoch), ("duration", Decimal(conv["exact_duration"]))):
            got = num(c.get(k))
            if got is None or abs(got - v) > USEC:
                probs.append((k, v, c.get(k)))
        irtt = next((f.irtt for f in fr if f.irtt is not None), None)
        got = num(c.get("initial_rtt"))
        if (irtt is None) != (got is None) or (irtt is not None and abs(got - irtt) > USEC):
            probs.append(("initial_rtt", irtt, c.get("initial_rtt")))
        if exp_close is not None:
            if c.get("close") != exp_close[0]:
                probs.append(("close", exp_close[0], c.get("close")))
            if c.get("active_closer") != exp_close[1]:
                probs.append(("active_closer", exp_close[1], c.get("active_closer")))
        an = c.get("analysis")
        if not isinstance(an, dict):
            probs.append(("analysis", "an object", an))
        else:
            for k in MARKS:
                v = sum(1 for f in fr if f.marks[k])
                if an.get(k) != v:
                    probs.append(("analysis." + k, v, an.get(k)))
        res.test(where, probs)

    print("%d passed, %d failed" % (res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
