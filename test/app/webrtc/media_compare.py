#!/usr/bin/env python3
"""Compares wirescope's --packets --json output for one capture with the
tshark goldens of test/app/webrtc and test/app/rtmp (see regen-golden.sh).

usage: media_compare.py [--skip FILE] WIRESCOPE PCAP KIND GOLDEN...
  KIND cols   GOLDEN = number<TAB>protocol<TAB>info per packet
  KIND stun | dtls | rtp | rtmp  GOLDEN = the kind's field file
Prints each mismatch and a last line `N passed, M failed`."""
import json
import subprocess
import sys


def run_wirescope(binary, pcap):
    out = subprocess.run([binary, "-r", pcap, "--packets", "--json"],
                         capture_output=True, text=True, check=True).stdout
    return {p["no"]: p for p in map(json.loads, out.splitlines())}


def golden_rows(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def check(results, what, want, got):
    results.append((want == got, what, want, got))


def cols(pkts, rows, results):
    for no, proto, info in [(r + ["", ""])[:3] for r in rows]:
        p = pkts.get(int(no), {})
        check(results, f"packet {no} protocol", proto, p.get("proto"))
        check(results, f"packet {no} info", info, p.get("info"))


def stun_addr(attrs):
    for a in attrs:
        if a["type"].endswith("ADDRESS") or a["type"] == "RESPONSE-ORIGIN":
            ip, _, port = a["value"].rpartition(":")
            return (ip, port) if "." in ip else ("", "")
    return ("", "")


def stun(pkts, rows, results):
    for no, typ, txid, ip, port, ecls, enum in [(r + [""] * 7)[:7] for r in rows]:
        s = pkts.get(int(no), {}).get("stun", {})
        err = s.get("error_code")
        got_err = ("", "") if err is None else (str(err // 100), str(err % 100))
        check(results, f"packet {no} stun.type", typ, s.get("type"))
        check(results, f"packet {no} stun.id", txid, s.get("txid"))
        check(results, f"packet {no} stun.att.ipv4/port", (ip, port),
              stun_addr(s.get("attributes", [])))
        check(results, f"packet {no} stun.att.error", (ecls, enum), got_err)


def dtls(pkts, rows, results):
    for no, ctype, epoch, length in [(r + [""] * 4)[:4] for r in rows]:
        recs = pkts.get(int(no), {}).get("dtls", {}).get("records", [])
        got = (",".join(str(r["content_type"]) for r in recs),
               ",".join(str(r["epoch"]) for r in recs),
               ",".join(str(r["length"]) for r in recs))
        check(results, f"packet {no} dtls records", (ctype, epoch, length), got)


def rtp(pkts, rows, results):
    for no, pt, seq, ts, ssrc, mark, rtcp_pt in [(r + [""] * 7)[:7] for r in rows]:
        p = pkts.get(int(no), {})
        if pt:
            r = p.get("rtp", {})
            got = (str(r.get("pt")), str(r.get("seq")), str(r.get("ts")),
                   r.get("ssrc"), "1" if r.get("marker") else "0")
            check(results, f"packet {no} rtp", (pt, seq, ts, ssrc, mark), got)
        if rtcp_pt:
            got = ",".join(str(x["pt"]) for x in p.get("rtcp", {}).get("packets", []))
            check(results, f"packet {no} rtcp.pt", rtcp_pt, got)


def is_subsequence(items, seq):
    it = iter(seq)
    return all(any(x == y for y in it) for x in items)


def rtmp(pkts, rows, results):
    for no, typeids, strings in [(r + ["", ""])[:3] for r in rows]:
        msgs = pkts.get(int(no), {}).get("rtmp", {}).get("messages", [])
        whole = [m for m in msgs if not m.get("partial")]
        want_types = [int(t, 16) for t in typeids.split(",") if t]
        check(results, f"packet {no} rtmpt.header.typeid", want_types,
              [m["type"] for m in whole])
        names = [m["command"] for m in whole if m.get("command")]
        check(results, f"packet {no} AMF command names in amf.string",
              True, is_subsequence(names, strings.split(",")))
        amf = [t for t in want_types if t in (15, 17, 18, 20)]
        check(results, f"packet {no} AMF messages decoded", len(amf), len(names))


def skip_rows(rows, path):
    """Drops the rows whose packet numbers a skip file lists."""
    with open(path, encoding="utf-8") as f:
        skip = {line.strip() for line in f if line.strip()}
    kept = [r for r in rows if r[0] not in skip]
    print(f"skipped {len(rows) - len(kept)} packets listed in {path}")
    return kept


def main():
    args = sys.argv[1:]
    skip = None
    if args[0] == "--skip":
        skip, args = args[1], args[2:]
    binary, pcap, kind, goldens = args[0], args[1], args[2], args[3:]
    pkts = run_wirescope(binary, pcap)
    results = []
    fn = {"cols": cols, "stun": stun, "dtls": dtls, "rtp": rtp, "rtmp": rtmp}[kind]
    for g in goldens:
        rows = golden_rows(g)
        fn(pkts, skip_rows(rows, skip) if skip else rows, results)
    bad = [r for r in results if not r[0]]
    for _, what, want, got in bad:
        print(f"MISMATCH {pcap} {what}: tshark {want!r}, wirescope {got!r}")
    print(f"{len(results) - len(bad)} passed, {len(bad)} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
