#!/bin/bash
# run.sh: compares wirescope with the tshark goldens of regen-golden.sh for
# every capture in this directory.
#
#   WIRESCOPE=path/to/wirescope test/app/http/run.sh
#
# Per segment (wirescope --packets --json against tshark with TCP
# desegmentation off): the Protocol and Info columns, and for HTTP segments
# the first message's method, URI, version, status, phrase, Host and
# Content-Length. Transactions (--transactions --json): the requests and
# responses tshark finds, paired first in first out per TCP stream (1xx
# interim), give each transaction's request, result, packets and latency.
# A mismatch listed in known-diffs.tsv (with wirescope's value there) is an
# accepted difference; any other mismatch fails. Last line: N passed, M failed.
set -u
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
exec python3 - "$here" <<'PY'
import glob, os, sys
from goldenlib import Result, known_diffs, read_tsv as tsv

here = sys.argv[1]
res = Result(known=known_diffs(os.path.join(here, "known-diffs.tsv")))
check, compare = res.check, res.same


def wirescope(pcap, mode):
    return res.run_lines(pcap, mode, "--json")


def packets(pcap, base):
    ours = {p["no"]: p for p in wirescope(pcap, "--packets")}
    golden = os.path.join(here, "golden", base + ".packets.tsv")
    for no, r, p in res.golden_packets(ours, golden, base):
        if r["_ws.col.Protocol"] != "HTTP" or "http" not in p:
            continue
        h = p["http"]
        version = r["http.request.version"] or r["http.response.version"]
        pairs = [("method", r["http.request.method"], h.get("method", "")),
                 ("uri", r["http.request.uri"], h.get("uri", "")),
                 ("version", version, h.get("version", "")),
                 ("status", r["http.response.code"], str(h.get("status", ""))),
                 ("reason", r["http.response.phrase"], h.get("reason", "")),
                 ("host", r["http.host"], h.get("host", "")),
                 ("content_length", r["http.content_length_header"],
                  str(h.get("content_length", "")))]
        for col, want, got in pairs:
            compare(base, no, col, want, got)


def messages(base):
    """tshark's requests and responses per frame: desegmentation on where it
    found them there, else off (for segments tshark names HTTP)."""
    proto = {r["frame.number"]: r["_ws.col.Protocol"]
             for r in tsv(os.path.join(here, "golden", base + ".packets.tsv"))}
    on = {r["frame.number"]: r for r in tsv(os.path.join(here, "golden", base + ".msgs-on.tsv"))}
    off = {r["frame.number"]: r for r in tsv(os.path.join(here, "golden", base + ".msgs-off.tsv"))}
    msgs = []
    for frame in sorted(set(on) | set(off), key=int):
        r = on.get(frame)
        if not r or not (r["http.request.method"] or r["http.response.code"]):
            r = off.get(frame)
            if not r or proto.get(frame) != "HTTP":
                continue
        t = float(r["frame.time_epoch"])
        split = lambda k: [x for x in r[k].split("|")] if r[k] else []
        for m, u in zip(split("http.request.method"), split("http.request.uri")):
            msgs.append((r["tcp.stream"], int(frame), t, "req", m + " " + u))
        for c, ph in zip(split("http.response.code"), split("http.response.phrase")):
            msgs.append((r["tcp.stream"], int(frame), t, "resp", c + " " + ph))
    return msgs


def expected_txns(base):
    pending = {}
    txns = []
    for stream, frame, t, kind, text in messages(base):
        q = pending.setdefault(stream, [])
        if kind == "req":
            x = {"what": text, "packets": [frame], "t0": t, "result": None, "latency": None}
            txns.append(x)
            q.append(x)
            continue
        if not q:
            continue
        x = q[0]
        x["packets"].append(frame)
        code = int(text.split(" ")[0])
        if code // 100 == 1 and code != 101:
            continue
        x["result"] = text
        x["latency"] = t - x["t0"]
        q.pop(0)
    return txns


def transactions(pcap, base):
    ours = wirescope(pcap, "--transactions")
    want = expected_txns(base)
    check(len(ours) == len(want), "%s: %d transactions, tshark's messages make %d"
          % (base, len(ours), len(want)))
    for w, o in zip(want, ours):
        tag = "%s txn %s" % (base, w["what"])
        compare(base, w["packets"][0], "txn what", w["what"], o["what"])
        compare(base, w["packets"][0], "txn packets", w["packets"],
                [m["packet"] for m in o["msgs"]])
        compare(base, w["packets"][0], "txn result", w["result"] or "",
                o["result"] if o["done"] else "")
        if w["latency"] is not None:
            check(o["latency"] is not None and abs(o["latency"] - w["latency"]) < 1.5e-6,
                  "%s latency: tshark %.6f, wirescope %s" % (tag, w["latency"], o["latency"]))


for pcap in sorted(glob.glob(os.path.join(here, "*.pcap"))):
    base = os.path.basename(pcap)[:-5]
    packets(pcap, base)
    transactions(pcap, base)

res.finish()
PY
