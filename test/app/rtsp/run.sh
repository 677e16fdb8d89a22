#!/bin/sh
# Compares wirescope's batch output on the captures of this directory with
# the tshark goldens (regen-golden.sh): Protocol and Info of each RTSP
# message frame, method/URL/status/session/transport/CSeq (--packets
# --json), the interleaved frames' channels, lengths and RTP sequence
# numbers, and which UDP flows are RTP or RTCP, announced by the RTSP
# connection (--flows --json); every RTSP request in --transactions is
# answered. Needs python3; WIRESCOPE=path/to/binary (default: see
# ../lib.sh). Prints each mismatch and "N passed, M failed".
set -eu
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
app_python <<'PY'
import glob
from goldenlib import Result, golden_rows as golden

res = Result()
check = res.check

def text(v):
    return "" if v is None else str(v)

for pcap in sorted(glob.glob("*.pcap")):
    name = pcap[:-5]
    pkts, _ = res.golden_columns(name)
    for no, method, url, status, session, transport, cseq in golden(name + ".fields.golden", 7):
        r = pkts.get(int(no), {}).get("rtsp", {})
        got = (text(r.get("method")), text(r.get("uri")), text(r.get("status")),
               text(r.get("session")), text(r.get("transport")), text(r.get("cseq")))
        want = (method, url, status, session, transport, cseq)
        check(got == want, f"{name} #{no} fields: {got} != {want}")
    for no, chans, lens, seqs in golden(name + ".interleaved.golden", 4):
        frames = pkts.get(int(no), {}).get("rtsp", {}).get("interleaved", [])
        got_c = [f["channel"] for f in frames]
        got_l = [f["length"] for f in frames]
        want_c = [int(c, 16) for c in chans.split(",")]
        want_l = [int(x) for x in lens.split(",")]
        check((got_c, got_l) == (want_c, want_l),
              f"{name} #{no} interleaved: {got_c} {got_l} != {want_c} {want_l}")
        # tshark decodes RTP only in whole frames; each seq it has is ours too
        ours = [f["seq"] for f in frames if "seq" in f]
        for s in (int(x) for x in seqs.split(",") if x):
            check(s in ours, f"{name} #{no}: RTP seq {s} not in {ours}")
    flows = res.run_lines(pcap, "--flows", "--json")
    ends = {}
    for fl in flows:
        a, b = f"{fl['a_addr']}:{fl['a_port']}", f"{fl['b_addr']}:{fl['b_port']}"
        ends[fl["id"]] = min(a, b) + "-" + max(a, b)
    rtsp_ids = {fl["id"] for fl in flows if fl["app"] == "RTSP"}
    check(len(rtsp_ids) == 1, f"{name}: RTSP flows {rtsp_ids}")
    media = {ends[fl["id"]]: fl for fl in flows if fl["app"] in ("RTP", "RTCP")}
    want = golden(name + ".media.golden", 2)
    check(sorted(media) == sorted(w[0] for w in want),
          f"{name}: media flows {sorted(media)} != {sorted(w[0] for w in want)}")
    for conv, kind in want:
        fl = media.get(conv)
        if fl:
            check(fl["app"] == kind, f"{name}: {conv} is {fl['app']}, tshark says {kind}")
            check(fl["parent"] in rtsp_ids, f"{name}: {conv} parent {fl['parent']}")
    txns = [t for t in res.run_lines(pcap, "--transactions", "--json") if t["proto"] == "RTSP"]
    rows = golden(name + ".fields.golden", 7)
    requests = [r for r in rows if r[1]]
    check(len(txns) == len(requests), f"{name}: {len(txns)} transactions, {len(requests)} requests")
    for t, r in zip(txns, requests):
        # answered when a later reply carries the request's CSeq
        answered = any(x[3] and x[6] == r[6] and int(x[0]) > int(r[0]) for x in rows)
        check(t["what"] == f"{r[1]} {r[2]}" and t["done"] == answered,
              f"{name}: transaction {t['what']!r} done={t['done']} for {r[1]} {r[2]}")

res.finish()
PY
