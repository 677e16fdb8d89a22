#!/usr/bin/env python3
"""golden_compare.py FIXTURE GOLDENDIR WIRESCOPE

Runs `WIRESCOPE -r FIXTURE --packets --json` and `--flows --json` and compares
the records with the tshark goldens that test/scripts/regen-golden.sh wrote:
GOLDENDIR/<fixture name>.packets.tsv, .transport.tsv and .conv.tsv.

Per packet: no, len, caplen, time, epoch, src, dst, sport, dport, proto, the
Info text (for the protocols wirescope decodes at this stage), TCP Seq/Ack/Len
out of our Info against tcp.seq/tcp.ack/tcp.len, event (set exactly when
tshark says the packet was cut by the snaplen), and flow (points at a flow
with the packet's endpoints). Per TCP/UDP conversation: packets and bytes
each way, which endpoint is a, start and duration.

Each packet and each flow is one test; so is each run of wirescope. Every
mismatch prints one line: fixture, packet/flow, field, expected, got. The last
line is `N passed, N failed`; the exit status is 1 when anything failed.
Python 3 standard library only.
"""
import ipaddress
import json
import os
import re
import subprocess
import sys
from decimal import Decimal

DECODED = {"TCP", "UDP", "ICMP", "ICMPv6", "ARP"}
USEC = Decimal("0.000001")
NSEC = Decimal("0.000000001")
TIMEOUT = 60

# tshark's own analysis, not part of the dissection of this packet alone.
ANALYSIS_PREFIX = re.compile(r"^\[(TCP|Illegal|Expert)[^\]]*\]\s*")
ANALYSIS_SUFFIX = re.compile(r"\s*\((request|reply|response) in \d+\)|\s*\(no response found!\)")
CUT_MARK = "[Packet size limited during capture]"
MALFORMED_MARK = "[Malformed Packet"
REASSEMBLED_MARK = "[TCP segment of a reassembled PDU]"


class Result:
    def __init__(self, fixture):
        self.fixture = fixture
        self.passed = 0
        self.failed = 0

    def test(self, where, problems):
        """One test: `problems` is a list of (field, expected, got)."""
        if problems:
            self.failed += 1
            for field, exp, got in problems:
                print("FAIL %s %s field %s: expected %s got %s"
                      % (self.fixture, where, field, show(exp), show(got)))
        else:
            self.passed += 1


def show(v):
    if isinstance(v, Decimal):
        return format(v, "f")
    if v is None:
        return "null"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def read_tsv(path):
    """Rows of a golden TSV as dicts; '#' lines are comments."""
    rows, header = [], None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("#") or not line:
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                continue
            cols += [""] * (len(header) - len(cols))
            rows.append(dict(zip(header, cols)))
    return rows


def first(v):
    return v.split(",")[0] if v else ""


def run(wirescope, fixture, mode, extra=()):
    cmd = [wirescope, "-r", fixture, mode, "--json"] + list(extra)
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except FileNotFoundError:
        return None, "cannot run %s" % wirescope
    except subprocess.TimeoutExpired:
        return None, "%s timed out after %ds" % (" ".join(cmd), TIMEOUT)
    err = p.stderr.decode("utf-8", "replace").strip()
    if p.returncode != 0:
        return None, "%s exited %d; stderr: %s" % (" ".join(cmd), p.returncode, err[-600:])
    recs = []
    for i, line in enumerate(p.stdout.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            recs.append(json.loads(line, parse_float=Decimal, parse_int=int))
        except ValueError as e:
            return None, "%s: output line %d is not JSON (%s): %s" % (" ".join(cmd), i, e, line[:200])
    return recs, err


def norm_addr(a):
    if a is None:
        return None
    a = str(a).strip()
    if a.lower() == "broadcast":
        return "ff:ff:ff:ff:ff:ff"
    try:
        return str(ipaddress.ip_address(a))
    except ValueError:
        return a.lower()


def norm_info(s):
    s = ANALYSIS_SUFFIX.sub("", s or "")
    return " ".join(s.split())


def num(v):
    """A JSON number (Decimal or int) as Decimal, else None."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, Decimal)):
        return Decimal(v)
    return None


def transport_of(row):
    chain = row.get("frame.protocols", "").split(":")
    return next((p for p in chain if p in ("tcp", "udp", "icmp", "icmpv6")), None)


def packet_problems(row, trow, rec, tol):
    probs = []

    def need(field):
        if field not in rec:
            probs.append((field, "present", "missing"))
            return False
        return True

    no = int(row["frame.number"])
    if need("no") and rec["no"] != no:
        probs.append(("no", no, rec["no"]))
    for field, col in (("len", "frame.len"), ("caplen", "frame.cap_len")):
        if need(field) and rec[field] != int(row[col]):
            probs.append((field, int(row[col]), rec[field]))
    for field, col in (("time", "frame.time_relative"), ("epoch", "frame.time_epoch")):
        if need(field):
            got = num(rec[field])
            exp = Decimal(row[col])
            if got is None or abs(got - exp) > tol:
                probs.append((field, exp, rec[field]))

    # Addresses: tshark's Source/Destination columns (outer addresses of an
    # ICMP error, MACs for ARP).
    for field, col, fb in (("src", "_ws.col.Source", ("ip.src", "ipv6.src", "eth.src")),
                           ("dst", "_ws.col.Destination", ("ip.dst", "ipv6.dst", "eth.dst"))):
        exp = row.get(col) or next((first(row[c]) for c in fb if row.get(c)), "")
        if need(field) and norm_addr(rec[field]) != norm_addr(exp):
            probs.append((field, exp, rec[field]))

    tp = transport_of(row)
    for field, kind in (("sport", "srcport"), ("dport", "dstport")):
        exp = int(first(row[tp + "." + kind])) if tp in ("tcp", "udp") and row.get(tp + "." + kind) else None
        if need(field) and rec[field] != exp:
            probs.append((field, exp, rec[field]))

    std_proto, std_info = row["_ws.col.Protocol"], row["_ws.col.Info"]
    t_proto = trow["_ws.col.Protocol"] if trow else std_proto
    t_info = trow["_ws.col.Info"] if trow else std_info
    our_proto = rec.get("proto")
    if need("proto") and our_proto != t_proto and our_proto != std_proto:
        probs.append(("proto", t_proto, our_proto))

    cut = CUT_MARK in std_info or CUT_MARK in t_info
    malformed = MALFORMED_MARK in std_info or MALFORMED_MARK in t_info
    if need("event"):
        if (cut or malformed) and rec["event"] is None:
            probs.append(("event", "a decode event (tshark: %s)" % ("cut by the snaplen" if cut else "malformed"),
                          None))
        elif not (cut or malformed) and rec["event"] is not None:
            probs.append(("event", None, rec["event"]))

    # Info: compared when our protocol column is one decoded at this stage,
    # against tshark's transport-level Info (the .transport.tsv run with the
    # application dissectors off; the same text as the standard run for
    # packets no application dissector claims), including tshark's
    # "[Packet size limited during capture]" mark on cut packets. Runs of
    # spaces count as one; tshark's request/reply links ("(request in 3)")
    # are dropped on both sides. Skipped when tshark prefixes its own
    # analysis ("[TCP Retransmission] ", "[TCP Dup ACK 5#1] ").
    our_info = rec.get("info")
    if need("info") and our_proto in DECODED:
        exp = t_info
        app = trow is None and (std_proto not in DECODED or REASSEMBLED_MARK in std_info)
        if not (app or ANALYSIS_PREFIX.match(exp) or ANALYSIS_PREFIX.match(std_info)):
            if norm_info(our_info) != norm_info(exp):
                probs.append(("info", exp, our_info))

    # TCP numbers out of our Info, whatever tshark's analysis says.
    if tp == "tcp" and isinstance(our_info, str) and our_proto in DECODED:
        try:
            ack_set = bool(int(first(row.get("tcp.flags", "")), 16) & 0x10)
        except ValueError:
            ack_set = first(row.get("tcp.ack", "")) not in ("", "0")
        for key, col in (("Seq", "tcp.seq"), ("Ack", "tcp.ack"), ("Len", "tcp.len")):
            m = re.search(r"(?:^|\s)%s=(\d+)" % key, our_info)
            exp = first(row.get(col, ""))
            got = m.group(1) if m else None
            if key == "Ack" and not ack_set:
                # tshark prints tcp.ack = 0 but no Ack= when the ACK flag
                # is clear; then our Info must not claim one either.
                if got is not None:
                    probs.append(("info Ack=", None, int(got)))
                continue
            if exp == "":
                continue
            if got != exp:
                probs.append(("info %s=" % key, int(exp), None if got is None else int(got)))
    return probs, tp


def main(argv):
    if len(argv) != 4:
        print("usage: golden_compare.py FIXTURE GOLDENDIR WIRESCOPE", file=sys.stderr)
        return 2
    fixture, gdir, wirescope = argv[1:4]
    name = os.path.basename(fixture)
    res = Result(name)
    gp = os.path.join(gdir, name + ".packets.tsv")
    gt = os.path.join(gdir, name + ".transport.tsv")
    gc = os.path.join(gdir, name + ".conv.tsv")
    if not os.path.exists(gp):
        print("FAIL %s: no golden %s" % (name, gp))
        print("0 passed, 1 failed")
        return 1
    rows = read_tsv(gp)
    trows = {r["frame.number"]: r for r in read_tsv(gt)} if os.path.exists(gt) else {}
    convs = read_tsv(gc) if os.path.exists(gc) else None

    # Nanosecond captures are compared to the nanosecond: a fraction with
    # digits past the sixth means the file has them.
    nano = any(len(r["frame.time_epoch"].split(".")[1].rstrip("0")) > 6
               for r in rows if "." in r["frame.time_epoch"])
    tol = NSEC if nano else USEC

    # The Protocol and Info columns are checked at the transport level, as
    # the .transport.tsv golden was made: tshark with --disable-protocol
    # http,dns, wirescope the same (the application dissectors have their
    # own golden tests under test/app, made with desegmentation off).
    pk, perr = run(wirescope, fixture, "--packets", ["--disable-protocol", "http,dns"])
    fl, ferr = run(wirescope, fixture, "--flows")
    res.test("run --packets --json", [] if pk is not None else [("exit", "0 and JSON Lines", perr)])
    res.test("run --flows --json", [] if fl is not None else [("exit", "0 and JSON Lines", ferr)])

    flows = {}
    if fl is not None:
        probs = []
        ids = [f.get("id") for f in fl]
        if ids != list(range(len(fl))):
            probs.append(("id", "0..%d in order" % (len(fl) - 1), ids))
        starts = [num(f.get("start")) for f in fl]
        if None not in starts and starts != sorted(starts):
            probs.append(("start", "ascending with id (first-packet order)", [show(s) for s in starts]))
        res.test("flows order", probs)
        flows = {f.get("id"): f for f in fl}

    if pk is not None:
        res.test("packets", [] if len(pk) == len(rows) else [("count", len(rows), len(pk))])
        by_no = {}
        for i, r in enumerate(pk):
            by_no[r.get("no", i + 1)] = r
        for row in rows:
            no = int(row["frame.number"])
            rec = by_no.get(no)
            if rec is None:
                res.test("packet %d" % no, [("record", "present", "missing")])
                continue
            probs, tp = packet_problems(row, trows.get(row["frame.number"]), rec, tol)
            # The packet's flow: a TCP/UDP packet's flow has its endpoints.
            if "flow" not in rec:
                probs.append(("flow", "present", "missing"))
            elif tp in ("tcp", "udp"):
                f = flows.get(rec["flow"]) if rec["flow"] is not None else None
                if rec["flow"] is None:
                    probs.append(("flow", "a flow id", None))
                elif fl is not None and f is None:
                    probs.append(("flow", "an id printed by --flows", rec["flow"]))
                elif f is not None:
                    mine = {(norm_addr(rec.get("src")), rec.get("sport")), (norm_addr(rec.get("dst")), rec.get("dport"))}
                    theirs = {(norm_addr(f.get("a_addr")), f.get("a_port")), (norm_addr(f.get("b_addr")), f.get("b_port"))}
                    if mine != theirs or f.get("proto") != tp:
                        probs.append(("flow", "flow with %s %s" % (tp, sorted(mine, key=str)),
                                      "flow %s: %s %s:%s <-> %s:%s" % (rec["flow"], f.get("proto"), f.get("a_addr"),
                                                                       f.get("a_port"), f.get("b_addr"), f.get("b_port"))))
            res.test("packet %d" % no, probs)

    if fl is not None and convs is not None:
        compare_flows(res, convs, fl, tol)

    print("%d passed, %d failed" % (res.passed, res.failed))
    return 1 if res.failed else 0


def compare_flows(res, convs, fl, tol):
    used = set()
    for c in convs:
        a = (norm_addr(c["a_addr"]), int(c["a_port"]))
        b = (norm_addr(c["b_addr"]), int(c["b_port"]))
        where = "flow %s %s:%s <-> %s:%s" % (c["proto"], c["a_addr"], c["a_port"], c["b_addr"], c["b_port"])
        cands = []
        for f in fl:
            if f.get("id") in used or f.get("proto") != c["proto"]:
                continue
            fa = (norm_addr(f.get("a_addr")), f.get("a_port"))
            fb = (norm_addr(f.get("b_addr")), f.get("b_port"))
            if {fa, fb} == {a, b}:
                cands.append(f)
        if not cands:
            res.test(where, [("flow", "present", "missing")])
            continue
        exp_start = Decimal(c["start_epoch"])
        f = min(cands, key=lambda x: abs((num(x.get("start")) or Decimal(0)) - exp_start))
        used.add(f.get("id"))
        probs = []
        same = (norm_addr(f.get("a_addr")), f.get("a_port")) == a
        if not same:
            probs.append(("a_addr:a_port (sender of the first packet)", "%s:%s" % a, "%s:%s" % (f.get("a_addr"), f.get("a_port"))))
        exp = {"pkts_a2b": int(c["pkts_a2b"]), "bytes_a2b": int(c["bytes_a2b"]),
               "pkts_b2a": int(c["pkts_b2a"]), "bytes_b2a": int(c["bytes_b2a"])}
        if not same:  # compare the counts in our orientation
            exp = {"pkts_a2b": exp["pkts_b2a"], "bytes_a2b": exp["bytes_b2a"],
                   "pkts_b2a": exp["pkts_a2b"], "bytes_b2a": exp["bytes_a2b"]}
        for k, v in exp.items():
            if f.get(k) != v:
                probs.append((k, v, f.get(k)))
        for k, v in (("start", exp_start), ("duration", Decimal(c["duration"]))):
            got = num(f.get(k))
            if got is None or abs(got - v) > tol:
                probs.append((k, v, f.get(k)))
        res.test(where, probs)
    # TCP/UDP flows tshark does not have.
    for f in fl:
        if f.get("id") not in used and f.get("proto") in ("tcp", "udp"):
            res.test("flow %s" % f.get("id"), [("flow", "none (tshark has no such conversation)",
                                                "%s %s:%s <-> %s:%s" % (f.get("proto"), f.get("a_addr"), f.get("a_port"),
                                                                        f.get("b_addr"), f.get("b_port")))])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
