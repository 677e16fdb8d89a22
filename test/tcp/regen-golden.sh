#!/bin/bash
# regen-golden.sh: regenerates test/tcp/golden/*.tsv from test/tcp/*.pcap with
# tshark, the oracle for wirescope's TCP connection tracker. Only this script
# needs tshark; the tests read the .tsv files.
#
#   usage: test/tcp/regen-golden.sh [NAME.pcap...]     (default: every pcap)
#
# For each capture F it writes
#   golden/NAME.packets.tsv  per-packet TCP analysis (PACKETS_CMD below)
#   golden/NAME.conv.tsv     the "-z conv,tcp" table, normalised, plus exact
#                            per-direction byte counts (CONV_CMD, EXACT_CMD)
# The first line(s) of every golden file start with "# " and give the exact
# tshark command line that produced it. Written for tshark 4.0 (Debian 12).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
command -v tshark >/dev/null || { echo "regen-golden: tshark is needed" >&2; exit 1; }
export LC_ALL=C.UTF-8   # tcp.flags.str and the Info column are UTF-8
mkdir -p golden

PREFS="-o tcp.relative_sequence_numbers:TRUE -o tcp.analyze_sequence_numbers:TRUE -o tcp.calculate_timestamps:TRUE"
FIELDS="-e frame.number -e frame.time_epoch -e tcp.stream -e ip.src -e ipv6.src -e tcp.srcport -e tcp.dstport -e tcp.flags.str -e tcp.seq -e tcp.ack -e tcp.len -e tcp.window_size -e tcp.analysis.bytes_in_flight -e tcp.analysis.retransmission -e tcp.analysis.fast_retransmission -e tcp.analysis.spurious_retransmission -e tcp.analysis.out_of_order -e tcp.analysis.lost_segment -e tcp.analysis.ack_lost_segment -e tcp.analysis.duplicate_ack -e tcp.analysis.duplicate_ack_num -e tcp.analysis.duplicate_ack_frame -e tcp.analysis.zero_window -e tcp.analysis.zero_window_probe -e tcp.analysis.zero_window_probe_ack -e tcp.analysis.window_full -e tcp.analysis.window_update -e tcp.analysis.keep_alive -e tcp.analysis.keep_alive_ack -e tcp.analysis.initial_rtt -e _ws.col.Info"
EXACT_FIELDS="-e tcp.stream -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e frame.len -e frame.time_relative"

# run "COMMAND LINE": runs a tshark command line given as one string (the
# same string is written into the golden header); fails on a tshark error.
run() {
    local err
    err=$(mktemp)
    if ! eval "$1" 2>"$err"; then
        grep -v 'Running as user' "$err" >&2; rm -f "$err"
        echo "regen-golden: failed: $1" >&2; exit 1
    fi
    grep -v 'Running as user' "$err" >&2 || true
    rm -f "$err"
}

if [ $# -gt 0 ]; then PCAPS=("$@"); else PCAPS=(*.pcap); fi

for pcap in "${PCAPS[@]}"; do
    F=$(basename "$pcap")
    name=${F%.pcap}
    PACKETS_CMD="tshark -n -r $F $PREFS -T fields -E header=y -E separator=/t $FIELDS"
    CONV_CMD="tshark -n -r $F -q -z conv,tcp"
    EXACT_CMD="tshark -n -r $F -T fields -E separator=/t $EXACT_FIELDS"

    { echo "# $PACKETS_CMD"; run "$PACKETS_CMD"; } >"golden/$name.packets.tsv.tmp"
    mv "golden/$name.packets.tsv.tmp" "golden/$name.packets.tsv"

    run "$CONV_CMD" >"golden/$name.conv.raw.tmp"
    run "$EXACT_CMD" >"golden/$name.exact.raw.tmp"
    python3 - "golden/$name.conv.raw.tmp" "golden/$name.exact.raw.tmp" "$CONV_CMD" "$EXACT_CMD" \
        >"golden/$name.conv.tsv.tmp" <<'PYEOF'
# Normalise the "-z conv,tcp" text table into one TSV row per conversation
# and add exact counts from the per-packet fields (tshark 4.0 prints bytes
# rounded to kB/MB once they pass 10000).
import re, sys
conv_raw, exact_raw, conv_cmd, exact_cmd = sys.argv[1:5]

def split_ep(s):
    addr, port = s.rsplit(":", 1)
    return addr, port

rows = []
pat = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+([\d,.]+ \S+)\s+(\d+)\s+([\d,.]+ \S+)"
                 r"\s+(\d+)\s+([\d,.]+ \S+)\s+(\S+)\s+(\S+)\s*$")
for line in open(conv_raw):
    m = pat.match(line.rstrip("\n"))
    if m:
        rows.append(m.groups())
    elif "<->" in line:
        sys.exit(f"regen-golden: cannot parse conv row: {line!r}")

# exact per-stream counts
streams = {}
for line in open(exact_raw):
    f = line.rstrip("\n").split("\t")
    if len(f) < 9 or f[0] == "":
        continue
    st, src4, src6, sport, dst4, dst6, dport, flen, trel = f
    src, dst = (src4 or src6), (dst4 or dst6)
    s = streams.setdefault(int(st), {"first": (src, sport, dst, dport), "start": trel,
                                     "end": trel, "fwd": [0, 0], "rev": [0, 0]})
    s["end"] = trel
    d = "fwd" if (src, sport) == s["first"][:2] else "rev"
    s[d][0] += 1
    s[d][1] += int(flen)

print(f"# {conv_cmd}")
print(f"# exact_* columns and stream: {exact_cmd}")
print("# a = the first endpoint tshark lists; a_to_b is its '->' column, b_to_a its '<-' column;"
      " *_tshark = tshark's own (rounded) text; bytes = frame.len (bytes on the wire)")
cols = ["stream", "addr_a", "port_a", "addr_b", "port_b",
        "frames_a_to_b", "bytes_a_to_b_tshark", "frames_b_to_a", "bytes_b_to_a_tshark",
        "frames_total", "bytes_total_tshark", "rel_start", "duration",
        "exact_bytes_a_to_b", "exact_bytes_b_to_a", "exact_bytes_total", "exact_duration"]
print("\t".join(cols))
out = []
used = set()
for (ea, eb, f_ba, b_ba, f_ab, b_ab, f_tot, b_tot, start, dur) in rows:
    a, pa = split_ep(ea)
    b, pb = split_ep(eb)
    match = None
    for sid, s in sorted(streams.items()):
        if sid in used:
            continue
        fa = s["first"]
        same = {(fa[0], fa[1]), (fa[2], fa[3])} == {(a, pa), (b, pb)}
        if same and abs(float(s["start"]) - float(start)) < 1e-6:
            match = sid
            break
    if match is None:
        sys.exit(f"regen-golden: no tcp.stream for conv row {ea} {eb} {start}")
    used.add(match)
    s = streams[match]
    ab, ba = (s["fwd"], s["rev"]) if s["first"][:2] == (a, pa) else (s["rev"], s["fwd"])
    if ab[0] != int(f_ab) or ba[0] != int(f_ba):
        sys.exit(f"regen-golden: frame counts disagree for stream {match}")
    exact_dur = f"{float(s['end']) - float(s['start']):.9f}"
    out.append((float(start), match, [str(match), a, pa, b, pb, f_ab, b_ab, f_ba, b_ba, f_tot, b_tot,
                                      start, dur, str(ab[1]), str(ba[1]), str(ab[1] + ba[1]), exact_dur]))
if len(used) != len(streams):
    sys.exit("regen-golden: some tcp.stream has no conv row")
for _, _, r in sorted(out, key=lambda x: (x[0], x[1])):
    print("\t".join(r))
PYEOF
    mv "golden/$name.conv.tsv.tmp" "golden/$name.conv.tsv"
    rm -f "golden/$name.conv.raw.tmp" "golden/$name.exact.raw.tmp"
    echo "golden/$name.packets.tsv ($(($(wc -l <"golden/$name.packets.tsv") - 2)) packets), golden/$name.conv.tsv ($(grep -vc '^#' "golden/$name.conv.tsv") lines)"
done

# Zeek-style conn_state/history expectations, derived from the packet
# goldens just written (no tshark needed for this step).
python3 "$here/derive-conn.py" "$here/golden" >"$here/expected-conn.tsv.tmp"
mv "$here/expected-conn.tsv.tmp" "$here/expected-conn.tsv"
echo "expected-conn.tsv ($(grep -vc '^#' "$here/expected-conn.tsv") lines)"
