#!/bin/sh
# Compares wirescope's batch output on the captures of this directory with
# the tshark goldens (regen-golden.sh): Protocol and Info of each Telnet
# frame, and per frame the commands in order (the JSON "commands" list,
# written with tshark's verbs before our option names) and whether it
# carries data. Needs WIRESCOPE=path/to/binary and python3; prints each
# mismatch and "N passed, M failed".
set -eu
: "${WIRESCOPE:?set WIRESCOPE to the wirescope binary}"
case $WIRESCOPE in /*) ;; *) WIRESCOPE=$PWD/$WIRESCOPE ;; esac
cd "$(dirname "$0")"
export LC_ALL=C
exec python3 - "$WIRESCOPE" <<'PY'
import glob, json, subprocess, sys

ws = sys.argv[1]
passed = failed = 0

def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)

def golden(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]

# tshark's words for the commands (its detail tree, packet-telnet.c names)
verbs = {"WILL": "Will", "WONT": "Won't", "DO": "Do", "DONT": "Don't",
         "SB": "Suboption", "SE": "Suboption End", "NOP": "No Operation",
         "DM": "Data Mark", "BRK": "Break", "IP": "Interrupt Process",
         "AO": "Abort Output", "AYT": "Are You There?", "EC": "Escape Character",
         "EL": "Erase Line", "GA": "Go Ahead", "EOR": "End of Record",
         "ABORT": "Abort Process", "SUSP": "Suspend Current Process",
         "EOF": "End of File", "UNKNOWN": "<unknown option>"}

def tshark_text(c):
    v = verbs.get(c["cmd"], c["cmd"])
    return v + " " + c["option"] if "option" in c else v

for pcap in sorted(glob.glob("*.pcap")):
    name = pcap[:-5]
    r = subprocess.run([ws, "-r", pcap, "--packets", "--json"], capture_output=True, text=True)
    check(r.returncode == 0, f"{name}: exit {r.returncode}")
    pkts = {p["no"]: p for p in map(json.loads, r.stdout.splitlines())}
    cols = golden(name + ".cols.golden")
    for no, proto, info in cols:
        p = pkts.get(int(no), {})
        got = (p.get("proto"), p.get("info"))
        check(got == (proto, info), f"{name} #{no}: {got} != {(proto, info)}")
    ours = sorted(n for n, p in pkts.items() if p["proto"] == "TELNET")
    check(ours == sorted(int(c[0]) for c in cols), f"{name}: Telnet frames differ")
    for g in golden(name + ".cmds.golden"):
        g += [""] * (3 - len(g))
        no, data, cmds = g
        t = pkts.get(int(no), {}).get("telnet", {})
        got = "|".join(tshark_text(c) for c in t.get("commands", []))
        check(got == cmds, f"{name} #{no} commands:\n  ours   {got}\n  tshark {cmds}")
        check((t.get("data_len", 0) > 0) == (data == "1"),
              f"{name} #{no}: data_len {t.get('data_len')} but tshark data={data}")
        check(t.get("ncommands") == len(t.get("commands", [])), f"{name} #{no}: commands cut")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
