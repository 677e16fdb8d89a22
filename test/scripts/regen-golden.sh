#!/bin/bash
# regen-golden.sh: rebuilds test/golden from test/fixtures with tshark, the
# oracle. Only this script needs tshark; the golden tests read its output.
#
#   usage: test/scripts/regen-golden.sh [FIXTURE...]    (default: every
#          test/fixtures/*.pcap and *.pcapng)
#
# For each fixture F it writes three files, each opening with '#' lines that
# name the tshark version and the exact command that produced it:
#   test/golden/F.packets.tsv    per-packet fields (the standard dissection)
#   test/golden/F.transport.tsv  Protocol and Info columns again with the
#                                application dissectors (http, dns) disabled,
#                                so every TCP/UDP packet has its transport-level
#                                Info ("39652 → 8080 [PSH, ACK] Seq=1 ...")
#   test/golden/F.conv.tsv       one row per TCP/UDP conversation of
#                                'tshark -z conv,tcp -z conv,udp', with exact
#                                frame/byte counts, start and duration computed
#                                from the per-packet fields of the same stream
#                                and checked against the conversation table.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v tshark >/dev/null 2>&1 || { echo "regen-golden: tshark is not installed (apt-get install tshark)" >&2; exit 1; }

GOLD=test/golden
mkdir -p "$GOLD"
version=$(tshark -v 2>/dev/null | head -1)

if [ $# -gt 0 ]; then
    fixtures=("$@")
else
    fixtures=()
    for f in test/fixtures/*.pcap test/fixtures/*.pcapng; do
        [ -e "$f" ] && fixtures+=("$f")
    done
fi

# The fields the golden comparison reads. The first 21 are the project's
# reference list; the last five tell the Source/Destination columns (outer
# addresses of an ICMP error, not the quoted ones), the protocol chain and the
# TCP/UDP stream index used for the conversation rows.
FIELDS="-e frame.number -e frame.time_relative -e frame.time_epoch -e frame.len -e frame.cap_len -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e eth.src -e eth.dst -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport -e tcp.seq -e tcp.ack -e tcp.len -e tcp.flags -e _ws.col.Protocol -e _ws.col.Info -e _ws.col.Source -e _ws.col.Destination -e frame.protocols -e tcp.stream -e udp.stream"
APP_OFF="--disable-protocol http --disable-protocol dns"

# run_cmd OUTFILE CMD... : runs CMD (stderr dropped: tshark's root warning),
# writes '# ' header lines and then its output.
run_cmd() {
    local out=$1; shift
    {
        echo "# golden made by test/scripts/regen-golden.sh from ${FIX} with ${version}"
        echo "# command: $*"
        "$@" 2>/dev/null
    } >"$out"
}

for FIX in "${fixtures[@]}"; do
    base=$(basename "$FIX")
    echo "regen-golden: $base"
    # shellcheck disable=SC2086
    run_cmd "$GOLD/$base.packets.tsv" tshark -n -r "$FIX" -o tcp.relative_sequence_numbers:TRUE \
        -T fields -E header=y -E separator=/t $FIELDS
    # shellcheck disable=SC2086
    run_cmd "$GOLD/$base.transport.tsv" tshark -n -r "$FIX" -o tcp.relative_sequence_numbers:TRUE $APP_OFF \
        -T fields -E header=y -E separator=/t -e frame.number -e _ws.col.Protocol -e _ws.col.Info
    conv_cmd="tshark -n -r $FIX -q -z conv,tcp -z conv,udp"
    # shellcheck disable=SC2086
    tshark -n -r "$FIX" -q -z conv,tcp -z conv,udp 2>/dev/null >"$GOLD/$base.conv.raw"
    python3 - "$GOLD/$base.conv.raw" "$GOLD/$base.packets.tsv" "$GOLD/$base.conv.tsv" \
        "$FIX" "$version" "$conv_cmd" <<'EOF'
import re, sys
from decimal import Decimal
raw, pkts, out, fix, version, conv_cmd = sys.argv[1:7]

def fmt(x):
    return format(x, "f") if isinstance(x, Decimal) else str(x)

def first(v):
    return v.split(",")[0] if v else ""

# Per-packet rows, grouped by the stream of the packet's own transport layer
# (an ICMP error that quotes a UDP header has udp.stream too: not counted).
rows = []
pcmd = ""
with open(pkts, encoding="utf-8") as fh:
    header = None
    for line in fh:
        line = line.rstrip("\n")
        if line.startswith("#"):
            if line.startswith("# command: "):
                pcmd = line[len("# command: "):]
            continue
        cols = line.split("\t")
        if header is None:
            header = cols
            continue
        rows.append(dict(zip(header, cols)))

streams = {}
for r in rows:
    chain = r["frame.protocols"].split(":")
    tp = next((p for p in chain if p in ("tcp", "udp", "icmp", "icmpv6")), None)
    if tp not in ("tcp", "udp"):
        continue
    sid = (tp, first(r[tp + ".stream"]))
    src = first(r["ip.src"]) or first(r["ipv6.src"])
    dst = first(r["ip.dst"]) or first(r["ipv6.dst"])
    ep_s = (src, int(first(r[tp + ".srcport"])))
    ep_d = (dst, int(first(r[tp + ".dstport"])))
    s = streams.get(sid)
    if s is None:
        s = streams[sid] = {"proto": tp, "a": ep_s, "b": ep_d, "n": [0, 0], "bytes": [0, 0],
                            "t0": Decimal(r["frame.time_relative"]), "t1": None,
                            "e0": r["frame.time_epoch"]}
    d = 0 if (ep_s, ep_d) == (s["a"], s["b"]) else 1
    s["n"][d] += 1
    s["bytes"][d] += int(r["frame.len"])
    s["t1"] = Decimal(r["frame.time_relative"])

def size(v, unit):
    # tshark prints "1290 bytes", or with a unit prefix for large ones.
    mult = {"bytes": 1, "kB": 1000, "MB": 1000**2, "GB": 1000**3}[unit]
    return Decimal(v) * mult, mult

conv_re = re.compile(r"^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+"
                     r"(\d+)\s+([\d.]+) (bytes|kB|MB|GB)\s+"
                     r"(\d+)\s+([\d.]+) (bytes|kB|MB|GB)\s+"
                     r"(\d+)\s+([\d.]+) (bytes|kB|MB|GB)\s+"
                     r"([\d.]+)\s+([\d.]+)\s*$")
proto = None
convs = []
with open(raw, encoding="utf-8") as fh:
    for line in fh:
        if line.startswith("TCP Conversations"):
            proto = "tcp"
        elif line.startswith("UDP Conversations"):
            proto = "udp"
        m = conv_re.match(line.rstrip("\n"))
        if m and proto:
            g = m.groups()
            convs.append({"proto": proto, "l": (g[0], int(g[1])), "r": (g[2], int(g[3])),
                          # "<-" columns first (right to left), then "->".
                          "r2l": (int(g[4]), size(g[5], g[6])), "l2r": (int(g[7]), size(g[8], g[9])),
                          "start": Decimal(g[13]), "dur": Decimal(g[14]), "line": line.strip()})

errors = []
used = set()
lines = []
for c in convs:
    cands = [(k, s) for k, s in streams.items() if k not in used and s["proto"] == c["proto"]
             and {s["a"], s["b"]} == {c["l"], c["r"]}]
    if not cands:
        errors.append("no packets for conversation: " + c["line"])
        continue
    k, s = min(cands, key=lambda ks: abs(ks[1]["t0"] - c["start"]))
    used.add(k)
    l2r, r2l = (0, 1) if s["a"] == c["l"] else (1, 0)
    for d, (frames, (b, mult)) in ((l2r, c["l2r"]), (r2l, c["r2l"])):
        if s["n"][d] != frames or abs(Decimal(s["bytes"][d]) - b) >= mult:
            errors.append("counts differ from the conversation table: %s (fields: %s)" % (c["line"], s))
    dur = s["t1"] - s["t0"]
    if abs(s["t0"] - c["start"]) > Decimal("0.000001") or abs(dur - c["dur"]) > Decimal("0.00005"):
        errors.append("times differ from the conversation table: %s (fields: %s)" % (c["line"], s))
    lines.append("\t".join(fmt(x) for x in (
        s["proto"], s["a"][0], s["a"][1], s["b"][0], s["b"][1],
        s["n"][0], s["bytes"][0], s["n"][1], s["bytes"][1],
        s["t0"], dur, s["e0"], c["start"], c["dur"])))
notes = []
for k, s in streams.items():
    if k not in used:
        # tshark's TCP tap runs after the options are parsed, so a stream whose
        # headers were all cut by the snaplen (truncated.pcap) has no row in
        # the table. Its row then comes from the fields alone.
        notes.append("# stream %s %s:%s <-> %s:%s is missing from the conversation table "
                     "(headers cut by the snaplen): its row comes from the fields only\n"
                     % (k[0], s["a"][0], s["a"][1], s["b"][0], s["b"][1]))
        lines.append("\t".join(fmt(x) for x in (
            s["proto"], s["a"][0], s["a"][1], s["b"][0], s["b"][1],
            s["n"][0], s["bytes"][0], s["n"][1], s["bytes"][1],
            s["t0"], s["t1"] - s["t0"], s["e0"], "-", "-")))
if errors:
    for e in errors:
        print("regen-golden: %s: %s" % (fix, e), file=sys.stderr)
    sys.exit(1)
with open(out, "w", encoding="utf-8") as fh:
    fh.write("# golden made by test/scripts/regen-golden.sh from %s with %s\n" % (fix, version))
    fh.write("# command: %s\n" % conv_cmd)
    fh.write("# exact counts, rel_start and duration from the per-packet fields of each stream: %s\n" % pcmd)
    fh.write("# a = the endpoint that sent the stream's first packet; conv_* = as the table prints them\n")
    for n in notes:
        fh.write(n)
    fh.write("proto\ta_addr\ta_port\tb_addr\tb_port\tpkts_a2b\tbytes_a2b\tpkts_b2a\tbytes_b2a\t"
             "rel_start\tduration\tstart_epoch\tconv_rel_start\tconv_duration\n")
    for l in lines:
        fh.write(l + "\n")
EOF
    rm -f "$GOLD/$base.conv.raw"
done
echo "regen-golden: wrote ${#fixtures[@]} fixtures' goldens to $GOLD"
