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
here=$(cd "$(dirname "$0")" && pwd)
: "${WIRESCOPE:?set WIRESCOPE to the wirescope binary}"
exec python3 - "$here" "$WIRESCOPE" <<'PY'
import glob, json, os, subprocess, sys

here, ws = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)


def tsv(path):
    rows = []
    header = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if header is None:
                header = cols
                continue
            rows.append(dict(zip(header, cols + [""] * (len(header) - len(cols)))))
    return rows


known = {}
kd = os.path.join(here, "known-diffs.tsv")
if os.path.exists(kd):
    for r in tsv(kd):
        known[(r["file"], r["frame"], r["column"])] = (r["tshark"], r["wirescope"])


def compare(fname, frame, column, want, got):
    if want == got:
        check(True, "")
        return
    k = known.get((fname, str(frame), column))
    if k and k[0] == want and k[1] == got:
        check(True, "")
        return
    check(False, "%s frame %s %s: tshark %r, wirescope %r" % (fname, frame, column, want, got))


def wirescope(pcap, mode):
    out = subprocess.run([ws, "-r", pcap, mode, "--json"], capture_output=True,
                         text=True, check=False)
    check(out.returncode == 0, "%s %s: exit %d" % (pcap, mode, out.returncode))
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


def packets(pcap, base):
    ours = {p["no"]: p for p in wirescope(pcap, "--packets")}
    for r in tsv(os.path.join(here, "golden", base + ".packets.tsv")):
        no = int(r["frame.number"])
        p = ours.get(no)
        if p is None:
            check(False, "%s frame %d missing" % (base, no))
            continue
        compare(base, no, "protocol", r["_ws.col.Protocol"], p["proto"])
        compare(base, no, "info", r["_ws.col.Info"], p["info"])
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

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
