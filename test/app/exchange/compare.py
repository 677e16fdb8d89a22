#!/usr/bin/env python3
"""Checks `--ladder flow:ID` and `--transactions` against tshark's view of
the same captures (NAME.tshark.tsv, made by regen-golden.sh).

Ladder: the arrows, in order, are exactly the packets tshark puts in that
UDP stream (for DHCP: every message of the transactions that have a packet
in the flow), each pointing away from its sender (for DHCP: requests from
the client, op 1, point right), labelled with tshark's Info column.
Transactions: a DNS query/response pair's latency is tshark's dns.time; a
DHCP transaction holds exactly the frames tshark gives its xid, and its
latency is the time between its first and last frame.
Prints ok/FAIL lines and `N passed, M failed`."""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WS = os.environ.get("WIRESCOPE", "./wirescope")
passed = failed = 0
ROW = re.compile(r"^\s*\d+\.\d+\s+\|(?:(-+) (.*?) -*>|<-+ (.*?) -+)\|\s+#(\d+)")


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok - " + name)
    else:
        failed += 1
        print("FAIL - %s%s" % (name, (": " + detail) if detail else ""))


def load(name):
    rows = []
    with open(os.path.join(HERE, name + ".tshark.tsv")) as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    head = lines[0].split("\t")
    for l in lines[1:]:
        rows.append(dict(zip(head, l.split("\t"))))
    return rows


def run(cap, *args):
    p = subprocess.run([WS, "-r", cap] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout


def ladder_rows(text):
    rows = []
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            right = m.group(1) is not None
            label = m.group(2) if right else m.group(3)
            rows.append((int(m.group(4)), right, label.strip()))
    return rows, text.splitlines()[0] if text else ""


def same_label(ours, info):
    # the arrow cuts labels longer than the ladder's inner width
    info = info.strip()
    return ours == info or (len(ours) >= 60 and info.startswith(ours))


def compare_ladder(name, cap, flow, expected, header_words=()):
    rc, out = run(cap, "--ladder", "flow:%d" % flow)
    got, header = ladder_rows(out)
    check("%s flow %d: exit status 0" % (name, flow), rc == 0, "rc %d" % rc)
    check("%s flow %d: %d arrows, one per packet tshark gives" % (name, flow, len(expected)),
          [g[0] for g in got] == [e[0] for e in expected],
          "ours %s, tshark %s" % ([g[0] for g in got], [e[0] for e in expected]))
    for g, e in zip(got, expected):
        check("%s flow %d packet %d points %s" % (name, flow, e[0], "right" if e[1] else "left"),
              g[1] == e[1])
        check("%s flow %d packet %d label is tshark's Info" % (name, flow, e[0]),
              same_label(g[2], e[2]), "ours %r, tshark %r" % (g[2], e[2]))
    for w in header_words:
        check("%s flow %d: header names %s" % (name, flow, w), w in header, header)


def dns(cap):
    rows = load("dns")
    streams = sorted({int(r["udp.stream"]) for r in rows if r["udp.stream"]})
    # wirescope numbers flows in order of first packet, as udp.stream here
    for s in streams:
        mine = [r for r in rows if r["udp.stream"] == str(s)]
        first = mine[0]
        exp = [(int(r["frame.number"]),
                r["ip.src"] == first["ip.src"] and r["udp.srcport"] == first["udp.srcport"],
                r["_ws.col.Info"]) for r in mine]
        compare_ladder("dns", cap, s, exp)
    rc, out = run(cap, "--transactions", "--json")
    txns = [json.loads(l) for l in out.splitlines() if l.strip()]
    by_resp = {}
    for t in txns:
        if t["proto"] == "DNS" and len(t["msgs"]) == 2 and t["done"]:
            by_resp[t["msgs"][1]["packet"]] = t
    n = 0
    for r in rows:
        if r["dns.flags.response"] in ("True", "1") and r["dns.time"]:
            f = int(r["frame.number"])
            t = by_resp.get(f)
            ok = t is not None and abs(t["latency"] - float(r["dns.time"])) < 1e-6
            check("dns transactions: response %d answers in %s s as tshark's dns.time" % (f, r["dns.time"]),
                  ok, "ours %s" % (t and t["latency"]))
            n += 1
    check("dns transactions: responses with dns.time checked (%d)" % n, n > 0)


def dhcp(cap):
    rows = [r for r in load("dhcp") if r["dhcp.id"]]
    ids0 = {r["dhcp.id"] for r in rows if r["udp.stream"] == "0"}
    exp = [(int(r["frame.number"]), r["dhcp.type"] == "1", r["_ws.col.Info"])
           for r in rows if r["dhcp.id"] in ids0]
    mac = next(r["dhcp.hw.mac_addr"].split("|")[0] for r in rows if r["udp.stream"] == "0")
    server = next(r["ip.src"] for r in rows if r["dhcp.type"] == "2")
    compare_ladder("dhcp", cap, 0, exp, ("client " + mac, "server " + server))
    rc, out = run(cap, "--transactions", "--json")
    txns = [json.loads(l) for l in out.splitlines() if l.strip() and '"DHCP"' in l]
    xids = []
    for r in rows:
        if r["dhcp.id"] not in xids:
            xids.append(r["dhcp.id"])
    check("dhcp transactions: one per xid (%d)" % len(xids), len(txns) == len(xids),
          "ours %d" % len(txns))
    for t, x in zip(txns, xids):
        frames = [r for r in rows if r["dhcp.id"] == x]
        pk = [m["packet"] for m in t["msgs"]]
        check("dhcp transaction %s: packets %s" % (x, [int(r["frame.number"]) for r in frames]),
              pk == [int(r["frame.number"]) for r in frames], "ours %s" % pk)
        if len(frames) > 1:
            lat = float(frames[-1]["frame.time_relative"]) - float(frames[0]["frame.time_relative"])
            check("dhcp transaction %s: latency %.6f s" % (x, lat),
                  t["latency"] is not None and abs(t["latency"] - lat) < 1e-6,
                  "ours %s" % t["latency"])


def tuple_of(r):
    proto = "tcp" if r["tcp.srcport"] else "udp"
    a = (r["ip.src"], r[proto + ".srcport"])
    b = (r["ip.dst"], r[proto + ".dstport"])
    return (proto,) + tuple(sorted([a, b]))


def control(name, cap, app, children):
    """The control connection (tcp.stream 0) of an FTP or RTSP capture: its
    messages and SYN/FIN/RST as arrows, and one summary arrow per flow it
    announced, where tshark (which follows PORT/PASV and SETUP too) puts
    ftp-data or rtp/rtcp."""
    rows = load(name)
    ctl = [r for r in rows if r["tcp.stream"] == "0"]
    first = ctl[0]
    exp = []
    for r in ctl:
        flags = r["tcp.flags.syn"] == "1" or r["tcp.flags.fin"] == "1" or r["tcp.flags.reset"] == "1"
        if not (app in r["frame.protocols"].split(":") or flags):
            continue
        info = r["_ws.col.Info"]
        if info.startswith("Request: PASS "):
            info = "Request: PASS ********"  # wirescope masks passwords
        right = r["ip.src"] == first["ip.src"] and r["tcp.srcport"] == first["tcp.srcport"]
        exp.append((int(r["frame.number"]), right, info if app in r["frame.protocols"] else None))
    kids = {}
    for r in rows:
        protos = r["frame.protocols"].split(":")
        hit = [c for c in children if c in protos]
        if hit and r["tcp.stream"] != "0":
            kids.setdefault(tuple_of(r), hit[0])
    kid_rows = []
    for t, proto in kids.items():
        frames = [r for r in rows if tuple_of(r) == t]
        nbytes = sum(int(r["tcp.len"]) if r["tcp.len"] else int(r["udp.length"]) - 8 for r in frames)
        kid_rows.append((min(int(r["frame.number"]) for r in frames), proto.upper(), nbytes, len(frames)))
    rc, out = run(cap, "--ladder", "flow:0")
    got, _ = ladder_rows(out)
    check("%s control ladder: exit status 0" % name, rc == 0)
    summary = re.compile(r"^flow \d+ (\S+): (\d+) bytes in (\d+) packets")
    ours_kids = []
    ours_msgs = []
    for g in got:
        m = summary.match(g[2])
        if m:
            ours_kids.append((g[0], m.group(1), int(m.group(2)), int(m.group(3))))
        else:
            ours_msgs.append(g)
    check("%s control ladder: arrows for packets %s" % (name, [e[0] for e in exp]),
          [g[0] for g in ours_msgs] == [e[0] for e in exp],
          "ours %s" % [g[0] for g in ours_msgs])
    for g, e in zip(ours_msgs, exp):
        check("%s control packet %d points %s" % (name, e[0], "right" if e[1] else "left"),
              g[1] == e[1])
        if e[2] is not None:
            check("%s control packet %d label is tshark's Info" % (name, e[0]),
                  same_label(g[2], e[2]), "ours %r, tshark %r" % (g[2], e[2]))
    check("%s announced flows %s" % (name, sorted(kid_rows)), sorted(ours_kids) == sorted(kid_rows),
          "ours %s" % sorted(ours_kids))


def main():
    dns(os.path.join(HERE, "../dns/dns-udp.pcap"))
    dhcp(os.path.join(HERE, "../dhcp/dhcp.pcap"))
    control("ftp", os.path.join(HERE, "../ftp/ftp-ftplib.pcap"), "ftp", ["ftp-data"])
    control("rtsp", os.path.join(HERE, "../rtsp/rtsp-play-udp.pcap"), "rtsp", ["rtcp", "rtp"])
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
