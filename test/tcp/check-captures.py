#!/usr/bin/env python3
"""check-captures.py: checks with tshark that each capture in test/tcp shows
what its name says, and prints tshark's analysis-flag counts per capture.
Run after make-captures.sh (it needs tshark; the tests do not).

  usage: test/tcp/check-captures.py [DIR | FILE.pcap...]
         (default DIR: test/tcp; exit status 1 if a check fails)
"""
import os
import subprocess
import sys

FLAGS = ["retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order",
         "lost_segment", "ack_lost_segment", "duplicate_ack", "zero_window", "zero_window_probe",
         "zero_window_probe_ack", "window_full", "window_update", "keep_alive", "keep_alive_ack",
         "reused_ports"]
FIELDS = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "tcp.dstport",
          "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset", "tcp.seq", "tcp.ack",
          "tcp.len"] + [f"tcp.analysis.{f}" for f in FLAGS]


def packets(path):
    cmd = ["tshark", "-n", "-r", path, "-o", "tcp.relative_sequence_numbers:TRUE",
           "-o", "tcp.analyze_sequence_numbers:TRUE", "-T", "fields", "-E", "separator=/t"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    pk = []
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        pk.append({
            "n": int(v["frame.number"]), "stream": int(v["tcp.stream"]),
            "src": v["ip.src"] or v["ipv6.src"], "v6": bool(v["ipv6.src"]),
            "sport": int(v["tcp.srcport"]), "dport": int(v["tcp.dstport"]),
            "syn": v["tcp.flags.syn"] in ("1", "True"), "ack_f": v["tcp.flags.ack"] in ("1", "True"),
            "fin": v["tcp.flags.fin"] in ("1", "True"), "rst": v["tcp.flags.reset"] in ("1", "True"),
            "seq": int(v["tcp.seq"]), "ack": int(v["tcp.ack"] or 0), "len": int(v["tcp.len"]),
            "flags": {f for f in FLAGS if v[f"tcp.analysis.{f}"]},
        })
    return pk


def check(name, pk):
    """Returns a list of failed expectations."""
    bad = []

    def need(cond, what):
        if not cond:
            bad.append(what)

    cli = [p for p in pk if p["src"] in ("10.201.0.2", "fd00:201::2")]
    srv = [p for p in pk if p not in cli]
    fins = [p for p in pk if p["fin"]]
    rsts = [p for p in pk if p["rst"]]
    streams = {p["stream"] for p in pk}
    count = {f: sum(f in p["flags"] for p in pk) for f in FLAGS}
    first_fin_from_client = bool(fins) and fins[0] in cli

    if name != "port-reuse":
        need(len(streams) == 1, "one connection")
    if name in ("close-client", "ipv6", "three-way-close", "keepalive"):
        need(first_fin_from_client and len(fins) >= 2, "client FIN first, then server FIN")
    if name in ("close-client", "ipv6"):
        cfin = fins[0]
        sfin = next(p for p in srv if p["fin"])
        need(any(p["ack"] == cfin["seq"] + 1 and not p["fin"] and p["n"] < sfin["n"] for p in srv),
             "server ACKs the client FIN on its own before its FIN (four-way)")
    if name == "ipv6":
        need(all(p["v6"] for p in pk), "all IPv6")
    if name == "three-way-close":
        cfin = fins[0]
        sfin = next(p for p in srv if p["fin"])
        need(sfin["ack"] == cfin["seq"] + 1 and not any(
            p["ack"] == cfin["seq"] + 1 and not p["fin"] and p["n"] < sfin["n"] for p in srv),
            "server FIN carries the ACK of the client FIN (three-way)")
    if name in ("close-server", "port-reuse"):
        for s in streams:
            f = [p for p in fins if p["stream"] == s]
            need(f and f[0] in srv, f"stream {s}: server FIN first")
    if name == "simultaneous-close":
        cfin = next(p for p in cli if p["fin"])
        sfin = next(p for p in srv if p["fin"])
        need(sfin["ack"] == cfin["seq"], "server FIN sent before the client FIN arrived")
        need(cfin["ack"] == sfin["seq"], "client FIN sent before the server FIN arrived")
    if name == "half-close":
        cfin = fins[0]
        need(cfin in cli, "client FIN (shutdown) first")
        need(sum(p["len"] for p in srv if p["n"] > cfin["n"]) >= 9000, "server sends 9000 bytes after it")
    if name == "abort-linger":
        need(any(p["rst"] for p in cli) and not any(p["fin"] for p in cli), "client aborts with RST, no FIN")
    if name == "refused":
        need(len(pk) == 2 and pk[0]["syn"] and pk[1]["rst"] and pk[1]["ack_f"], "SYN answered by RST,ACK")
    if name not in ("abort-linger", "refused", "zero-window", "lossy"):
        need(not rsts, "no RST")
    if name == "lossy":
        for f in ("retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order",
                  "lost_segment", "duplicate_ack"):
            need(count[f] > 0, f)
    if name == "zero-window":
        for f in ("zero_window", "window_full", "keep_alive"):
            need(count[f] > 0, f)
    if name == "keepalive":
        need(count["keep_alive"] >= 3 and count["keep_alive_ack"] >= 3, "3+ keep-alives and ACKs")
    if name == "port-reuse":
        need(len(streams) == 2, "two tcp.stream values")
        tuples = {(p["src"], p["sport"], p["dport"]) for p in cli}
        need(len(tuples) == 1, "one 5-tuple")
        need(count["reused_ports"] >= 1, "reused_ports")
    return count, streams, bad


def main():
    args = sys.argv[1:] or [os.path.dirname(os.path.abspath(__file__))]
    paths = []
    for a in args:
        if os.path.isdir(a):
            paths += [os.path.join(a, f) for f in sorted(os.listdir(a)) if f.endswith(".pcap")]
        else:
            paths.append(a)
    failed = 0
    for path in paths:
        f = os.path.basename(path)
        name = f[:-5]
        pk = packets(path)
        count, streams, bad = check(name, pk)
        flags = " ".join(f"{k}={v}" for k, v in count.items() if v)
        size = os.path.getsize(path)
        print(f"{f}: {len(pk)} packets, {len(streams)} connection(s), {size} bytes; {flags or 'no analysis flags'}")
        for b in bad:
            print(f"  FAILED: {b}")
        failed += bool(bad)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
