#!/bin/sh
# Compares wirescope's batch output on the captures of this directory with
# the tshark goldens (regen-golden.sh): Protocol and Info of each Telnet
# frame, and per frame the commands in order (the JSON "commands" list,
# written with tshark's verbs before our option names) and whether it
# carries data. Needs python3; WIRESCOPE=path/to/binary (default: see
# ../lib.sh). Prints each mismatch and "N passed, M failed".
set -eu
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
app_python <<'PY'
import glob
from goldenlib import Result, golden_rows as golden

res = Result()
check = res.check

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
    pkts, cols = res.golden_columns(name)
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

res.finish()
PY
