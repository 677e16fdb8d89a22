#!/bin/sh
# Compares wirescope's batch output on the captures of this directory with
# the tshark goldens (regen-golden.sh): Protocol and Info of each FTP and
# FTP-DATA frame, the command/reply fields and data addresses (--packets
# --json), which flows are FTP-DATA and which control connection announced
# them (--flows --json); and that no output (--packets, --json,
# --transactions) shows a password. Needs python3; WIRESCOPE=path/to/binary
# (default: see ../lib.sh). Prints each mismatch and "N passed, M failed".
set -eu
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
app_python <<'EOF'
import glob
from goldenlib import Result, golden_rows as golden

res = Result()
check = res.check

# the passwords the captures carry (make-captures.sh): never in any output
secrets = ["guest-secret@example.org", "ftp@example.com"]

for pcap in sorted(glob.glob("*.pcap")):
    name = pcap[:-5]
    pkts, cols = res.golden_columns(name)
    ours = sorted(n for n, p in pkts.items() if p["proto"] in ("FTP", "FTP-DATA"))
    check(ours == sorted(int(c[0]) for c in cols),
          f"{name}: FTP frames differ: {sorted(set(ours) ^ set(int(c[0]) for c in cols))}")
    for g in golden(name + ".fields.golden"):
        g += [""] * (7 - len(g))
        no, cmd, arg, code, text, addr, port = g
        f = pkts.get(int(no), {}).get("ftp", {})
        rc = f.get("reply_code")
        got = (f.get("command", ""), f.get("arg", ""), "" if rc is None else str(rc),
               f.get("reply_text", ""), f.get("data_addr", ""), str(f.get("data_port", "")))
        check(got == (cmd, arg, code, text, addr, port), f"{name} #{no} fields: {got} != {tuple(g)}")
    flows = res.run_lines(pcap, "--flows", "--json")
    ends = {}
    for fl in flows:
        a, b = f"{fl['a_addr']}:{fl['a_port']}", f"{fl['b_addr']}:{fl['b_port']}"
        ends[fl["id"]] = min(a, b) + "-" + max(a, b)
    data = {ends[fl["id"]]: fl for fl in flows if fl["app"] == "FTP-DATA"}
    want = golden(name + ".flows.golden")
    check(sorted(data) == sorted(w[0] for w in want),
          f"{name}: FTP-DATA flows {sorted(data)} != {sorted(w[0] for w in want)}")
    for conn, ctl in want:
        fl = data.get(conn)
        if fl and ctl != "-":
            got = ends.get(fl["parent"])
            check(got == ctl, f"{name}: {conn} announced by {got}, tshark says {ctl}")
    for args in (["--packets"], ["--packets", "--json"], ["--transactions"],
                 ["--transactions", "--json"]):
        out = res.run(pcap, *args)
        for s in secrets:
            check(s not in out, f"{name} {' '.join(args)}: password {s} shown")
    txns = res.run(pcap, "--transactions", "--json")
    check('"what":"PASS ********"' in txns, f"{name}: no masked PASS transaction")

res.finish()
EOF
