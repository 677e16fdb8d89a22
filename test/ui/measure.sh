#!/bin/bash
# measure.sh: how quickly the terminal UI answers keys on a big capture.
#
# Builds (once) build/ui-perf/1m.pcap: 877,600 packets of build/gen-pcap's
# traffic (TCP connections, DNS) merged in time with 61,200 two-packet UDP
# flows from test/ui/make-perf-capture.py: 1,000,000 packets, ~100,000 flows.
# Then runs `wirescope -r` on it inside tmux (120x40) with WIRESCOPE_TRACE,
# types a tour of every view (packets, detail, flows sorted by each key,
# connections, ladder, timeline zoom, follow, a display filter) while the
# file is still being indexed and after, and reports from the trace:
# keypress-to-frame latency (p50, p99, max), the first screen, the time
# until the whole file is indexed, and the peak RSS (VmHWM).
#
#   WIRESCOPE=build/release/wirescope test/ui/measure.sh
# Needs tmux, python3, mergecap (wireshark-common) and a C compiler.
#
# MEASURE_LIVE=1 (root, tcpreplay): the same tour on a live capture of lo
# while tcpreplay sends the same file onto lo three times at
# MEASURE_PPS packets/s (default 100000): the first tour while the first
# million packets arrive, the second once a million are stored, with more
# still arriving. Latencies are split at the moment the millionth packet
# was sent, and the status bar's captured and dropped counts are shown.
# The store gets --mem MEASURE_MEM (default 1024 MiB: a million packets
# of this file take ~760 MB of bytes, which live capture must keep).
#
# MEASURE_CAPTURE=file: tour that file instead of 1m.pcap (e.g. make bench's
# build/bench.pcap, 2 M packets and 1.7 GB, for the first-screen, indexing
# and memory targets on it).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
WIRESCOPE=${WIRESCOPE:-./wirescope}
out=build/ui-perf
mkdir -p "$out"
cap=${MEASURE_CAPTURE:-$out/1m.pcap}
if [ -z "${MEASURE_CAPTURE:-}" ] && [ ! -s "$cap" ]; then
    [ -x build/gen-pcap ] || cc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o build/gen-pcap tools/gen-pcap.c
    build/gen-pcap -o "$out/gen.pcap" -n 877600 -c 20000 2>/dev/null
    python3 test/ui/make-perf-capture.py "$out/small.pcap" 61200 1700000000 8
    mergecap -F pcap -w "$cap" "$out/gen.pcap" "$out/small.pcap"
    rm -f "$out/gen.pcap" "$out/small.pcap"
fi
trace=$out/trace.txt
pidf=$out/pid
sock=wirescope-measure-$$
rm -f "$trace" "$pidf"
t() { tmux -u -L "$sock" -f /dev/null "$@"; }
live=${MEASURE_LIVE:-}
pps=${MEASURE_PPS:-100000}
if [ -n "$live" ]; then
    [ "$(id -u)" = 0 ] || { echo "measure.sh: MEASURE_LIVE needs root (capture on lo)" >&2; exit 1; }
    command -v tcpreplay >/dev/null || { echo "measure.sh: MEASURE_LIVE needs tcpreplay" >&2; exit 1; }
    source_args="-i lo -B 65536 --mem ${MEASURE_MEM:-1024}"
else
    source_args="-r $cap"
fi
mono_ns() { python3 -c 'import time; print(time.monotonic_ns())'; }
t new-session -d -s m -x 120 -y 40 \
    "sh -c 'echo \$\$ > $pidf; exec env LANG=C.UTF-8 TERM=screen WIRESCOPE_TRACE=$trace $WIRESCOPE $source_args'; sleep 60"
replay=
trap 't kill-server 2>/dev/null || true; [ -z "$replay" ] || kill "$replay" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$pidf" ] && break; sleep 0.05; done
pid=$(cat "$pidf")
if [ -n "$live" ]; then
    sleep 1 # the capture is open
    tcpreplay -q -i lo --pps="$pps" --loop=3 "$cap" >"$out/replay.log" 2>&1 &
    replay=$!
    # when the millionth packet has been sent (the file holds 1,000,000)
    echo "million $(( $(mono_ns) + 1000000 * 1000000000 / pps ))" >"$out/mark"
fi

key() { t send-keys -t m "$@"; sleep 0.15; }
tour() {
    key Up; key Up; key PageUp; key Home; key End; key Enter; key Down; key Left; key Escape
    key 2; key s; key s; key s; key s; key r; key Down; key Down; key PageDown; key End; key Home
    key 3; key Down; key Down; key Enter; key t; key +; key +; key -; key f; key x; key l
    key Down; key Enter; key Escape; key Escape; key 1; key PageUp; key PageUp
    key /; t send-keys -t m -l "tcp port 80"; key Enter; key End; key Up; key 2; key 1
    key /; key C-u; key Enter; key Tab; key Tab; key Tab
}
tour    # while the file is being indexed (live: the first million arrive)
if [ -n "$live" ]; then
    million=$(awk '{print $2}' "$out/mark")
    while [ "$(mono_ns)" -lt "$million" ]; do sleep 0.2; done
    sleep 0.5
else
    for _ in $(seq 600); do grep -q '^indexed' "$trace" 2>/dev/null && break; sleep 0.1; done
fi
tour    # with everything indexed (live: a million stored, more arriving)
hwm=$(awk '/VmHWM/ {print $2, $3}' /proc/"$pid"/status)
status=$(t capture-pane -p -t m | head -1)
t send-keys -t m q
sleep 0.5
[ -z "$live" ] || { echo "status bar at the end: $status"; echo "tcpreplay still sending at the end: $(kill -0 "$replay" 2>/dev/null && echo yes || echo no)"; }
python3 - "$trace" "$hwm" "$out/mark" "$live" <<'PY'
import sys
lines = [l.split() for l in open(sys.argv[1])]
start = int(next(l[1] for l in lines if l[0] == "start"))
indexed = next((l for l in lines if l[0] == "indexed"), None)
first = next(l for l in lines if l[0] == "first-screen")
idx_ns = int(indexed[1]) if indexed else None
if sys.argv[4]:  # live: split at the millionth packet sent
    idx_ns = int(open(sys.argv[3]).read().split()[1])
lat_busy, lat_idle = [], []
for l in lines:
    if l[0] == "frame" and l[3] != "-":
        (lat_busy if idx_ns and int(l[1]) < idx_ns else lat_idle).append(float(l[3]))
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))] if v else float("nan")
every = lat_busy + lat_idle
keys = sum(1 for l in lines if l[0] == "key")
print("keys typed: %d; frames answering them: %d" % (keys, len(every)))
print("keypress-to-frame: p50 %.2f ms, p99 %.2f ms, max %.2f ms" % (pct(every, 50), pct(every, 99), max(every)))
print("  while indexing (live: before a million stored) (%d): p50 %.2f ms, p99 %.2f ms; after (%d): p50 %.2f ms, p99 %.2f ms" % (
    len(lat_busy), pct(lat_busy, 50), pct(lat_busy, 99), len(lat_idle), pct(lat_idle, 50), pct(lat_idle, 99)))
print("first screen: %.1f ms after start" % float(first[2]))
if indexed:
    print("whole file indexed: %.0f ms after start (%s packets)" % (float(indexed[2]), indexed[3]))
print("peak RSS (VmHWM): %s" % sys.argv[2])
PY
