#!/usr/bin/env bash
# bench.sh: offline throughput of wirescope against tcpdump, tshark, tcptrace
# and a bare libpcap read loop, all reading the same generated capture.
#
#   make bench                      (builds ./wirescope first, then runs this)
#   BENCH_PACKETS=500000 make bench  smaller file (default 2000000 packets)
#
# Environment:
#   BENCH_PACKETS  packets in the generated file (default 2000000)
#   BENCH_CONNS    gen-pcap -c: concurrently active sessions (default 20000)
#   BENCH_SEED     gen-pcap -s (default 1)
#   BENCH_RUNS     best-of-N for commands whose first run is under 10 s
#                  (default 3; slower commands are run once)
#   WIRESCOPE      binary to measure (default ./wirescope)
#
# The capture is build/bench.pcap, reused while its generation parameters and
# tools/gen-pcap.c are unchanged. Results are printed and written to
# build/bench-results.md (paste into docs/PERFORMANCE.md).
# Exits 0 whatever the figures; non-zero only when a needed command is missing.
set -u
cd "$(dirname "$0")/.." || exit 1

PACKETS=${BENCH_PACKETS:-2000000}
CONNS=${BENCH_CONNS:-20000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
WS=${WIRESCOPE:-./wirescope}
CC=${CC:-cc}
OUT=build
PCAP=$OUT/bench.pcap
RESULTS=$OUT/bench-results.md
TIME=/usr/bin/time
# With TZ unset, glibc re-stats /etc/localtime on every localtime() call,
# which costs tcpdump about 30% extra CPU per printed packet; a fixed zone
# keeps that environment artefact out of the comparison.
export TZ=${TZ:-UTC}

say() { printf 'bench: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

for v in "BENCH_PACKETS=$PACKETS" "BENCH_CONNS=$CONNS" "BENCH_SEED=$SEED" "BENCH_RUNS=$RUNS"; do
    case ${v#*=} in '' | *[!0-9]*) fail "${v%%=*} must be a number, got '${v#*=}'" ;; esac
done
[ "$PACKETS" -ge 1 ] || fail "BENCH_PACKETS must be >= 1"
[ "$RUNS" -ge 1 ] || RUNS=1

command -v "$CC" >/dev/null 2>&1 || fail "no C compiler ($CC) found"
command -v awk >/dev/null 2>&1 || fail "awk is required"
# shellcheck source=scripts/require-time.sh
. scripts/require-time.sh # (the script runs from the repository root)
require_gnu_time "$TIME"

mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/wirescope-bench.XXXXXX") || fail "mktemp failed"
trap 'rm -rf "$TMP"' EXIT

# ---------------------------------------------------------------- tools
build_tool() { # name, extra flags...
    local name=$1
    shift
    if [ ! -x "$OUT/$name" ] || [ "tools/$name.c" -nt "$OUT/$name" ]; then
        say "building $OUT/$name"
        "$CC" -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$OUT/$name" "tools/$name.c" "$@" ||
            fail "could not build $OUT/$name"
    fi
}
build_tool gen-pcap
PCAP_CFLAGS=$(pkg-config --cflags libpcap 2>/dev/null)
PCAP_LIBS=$(pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
# shellcheck disable=SC2086
build_tool pcap-loop $PCAP_CFLAGS $PCAP_LIBS

# ---------------------------------------------------------------- capture
PARAMS="gen-pcap -n $PACKETS -c $CONNS -s $SEED; source $(cksum <tools/gen-pcap.c | awk '{print $1 "-" $2}')"
if [ -f "$PCAP" ] && [ -f "$PCAP.params" ] && [ "$(cat "$PCAP.params")" = "$PARAMS" ]; then
    say "reusing $PCAP ($PACKETS packets)"
else
    say "generating $PCAP: $PACKETS packets, -c $CONNS, -s $SEED"
    rm -f "$PCAP" "$PCAP.params"
    "$OUT/gen-pcap" -o "$PCAP.tmp" -n "$PACKETS" -c "$CONNS" -s "$SEED" 2>"$TMP/gen.txt" ||
        { cat "$TMP/gen.txt" >&2; rm -f "$PCAP.tmp"; fail "gen-pcap failed"; }
    sed 's/^/  /' "$TMP/gen.txt" >&2
    mv "$PCAP.tmp" "$PCAP"
    cp "$TMP/gen.txt" "$PCAP.summary"
    printf '%s\n' "$PARAMS" >"$PCAP.params"
fi
SIZE=$(stat -c %s "$PCAP")
cat "$PCAP" >/dev/null # warm the page cache: every tool reads from memory
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)

# ---------------------------------------------------------------- runner
# Each case: a key, a label, then the command. Results go to $TMP/<key>.
NAMES=()
run_case() { # key label cmd...
    local key=$1 label=$2
    shift 2
    NAMES+=("$key")
    printf '%s\n' "$label" >"$TMP/$key.label"
    printf '%s\n' "$*" >"$TMP/$key.cmd"
    say "timing: $*"
    local best="" cpu="" rss=0 i=0 rc=0 t0 t1 wall m
    while [ "$i" -lt "$RUNS" ]; do
        i=$((i + 1))
        t0=$(date +%s%N)
        "$TIME" -f '%e %M %U %S' -o "$TMP/$key.time" "$@" </dev/null >/dev/null 2>"$TMP/$key.err"
        rc=$?
        t1=$(date +%s%N)
        if [ "$rc" != 0 ]; then
            printf 'failed (exit %s)\n' "$rc" >"$TMP/$key.status"
            say "  failed (exit $rc): $(grep -v '^Command exited' "$TMP/$key.err" | head -n 2 | tr '\n' ' ')"
            return 0
        fi
        wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
        m=$(awk 'END { print $2 }' "$TMP/$key.time")
        [ "${m:-0}" -gt "$rss" ] && rss=$m
        if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$wall
            cpu=$(awk 'END { printf "%.2f", $3 + $4 }' "$TMP/$key.time")
        fi
        say "  run $i: $wall s wall, $(awk 'END { printf "%.2f", $3 + $4 }' "$TMP/$key.time") s CPU, peak RSS $((m / 1024)) MB"
        awk -v a="$wall" 'BEGIN { exit !(a >= 10) }' && break
    done
    printf 'ok\n' >"$TMP/$key.status"
    printf '%s %s %s\n' "$best" "$rss" "$cpu" >"$TMP/$key.res"
}
skip_case() { # key label reason cmd...
    local key=$1
    NAMES+=("$key")
    printf '%s\n' "$2" >"$TMP/$key.label"
    printf '%s\n' "$3" >"$TMP/$key.status"
    shift 3
    printf '%s\n' "$*" >"$TMP/$key.cmd"
}

# The terminal UI opening the file, in a tmux pane (120x40), until its
# WIRESCOPE_TRACE log says the whole file is indexed (every view complete):
# the time from start, the CPU time and peak RSS so far, per run.
ui_open_once() { # prints "indexed_s first_screen_s vmhwm_kb cpu_s", or nothing
    local tr=$TMP/ui.trace pidf=$TMP/ui.pid sock=wsbench$$ ws pid i hwm cpu
    ws=$(realpath "$WS")
    rm -f "$tr" "$pidf"
    tmux -L "$sock" -f /dev/null new-session -d -s m -x 120 -y 40 \
        "sh -c 'echo \$\$ >$pidf; exec env LANG=C.UTF-8 TERM=screen WIRESCOPE_TRACE=$tr $ws -r $PCAP'; sleep 60" ||
        return 0
    for i in $(seq 200); do [ -s "$pidf" ] && break; sleep 0.05; done
    pid=$(cat "$pidf" 2>/dev/null)
    for i in $(seq 1200); do grep -q '^indexed' "$tr" 2>/dev/null && break; sleep 0.05; done
    hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    cpu=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$pid/stat" 2>/dev/null)
    tmux -L "$sock" send-keys -t m q 2>/dev/null
    sleep 0.3
    tmux -L "$sock" kill-server 2>/dev/null
    awk -v h="${hwm:-0}" -v c="${cpu:-0}" '$1 == "first-screen" { f = $3 / 1000 }
        $1 == "indexed" { x = $3 / 1000 }
        END { if (x) printf "%.3f %.3f %s %s\n", x, f, h, c }' "$tr"
}

ui_case() { # key label
    local key=$1 i line
    NAMES+=("$key")
    printf '%s\n' "$2" >"$TMP/$key.label"
    printf '%s\n' "$WS -r $PCAP (terminal UI in tmux, until indexed)" >"$TMP/$key.cmd"
    if ! command -v tmux >/dev/null 2>&1; then
        printf 'tmux not installed\n' >"$TMP/$key.status"
        return 0
    fi
    say "timing: the terminal UI on $PCAP until the whole file is indexed"
    : >"$TMP/$key.runs"
    for i in $(seq "$RUNS"); do
        line=$(ui_open_once)
        if [ -z "$line" ]; then
            say "  run $i: no 'indexed' line in the trace"
            continue
        fi
        printf '%s\n' "$line" >>"$TMP/$key.runs"
        say "  run $i: indexed after $(echo "$line" | awk '{ print $1 }') s, first screen $(echo "$line" | awk '{ print $2 }') s, peak RSS $(($(echo "$line" | awk '{ print $3 }') / 1024)) MB"
    done
    if [ ! -s "$TMP/$key.runs" ]; then
        printf 'failed: no run finished\n' >"$TMP/$key.status"
        return 0
    fi
    printf 'ok\n' >"$TMP/$key.status"
    sort -n "$TMP/$key.runs" | awk '{ w[NR] = $1; f[NR] = $2; if ($3 > r) r = $3; c[NR] = $4 }
        END { printf "%s %s %s\n", w[1], r, c[1] }' >"$TMP/$key.res"
    sort -n "$TMP/$key.runs" | awk '{ w[NR] = $1; if (!fmax || $2 > fmax) fmax = $2 }
        END { printf "%d runs: indexed after %.2f s best, %.2f s median, %.2f s worst; first screen within %.3f s\n",
              NR, w[1], w[int((NR + 1) / 2)], w[NR], fmax }' >"$TMP/$key.summary"
}

MISSING=0
if [ -x "$WS" ]; then
    HELP=$(timeout 10 "$WS" --help 2>&1 </dev/null)
    run_case ws_flows "wirescope --flows" "$WS" -r "$PCAP" --flows
    if printf '%s' "$HELP" | grep -q -- '--conns'; then
        run_case ws_conns "wirescope --conns" "$WS" -r "$PCAP" --conns
    else
        skip_case ws_conns "wirescope --conns" "not supported by this build" "$WS" -r "$PCAP" --conns
    fi
    run_case ws_packets "wirescope --packets" "$WS" -r "$PCAP" --packets
    ui_case ws_ui "wirescope UI, indexed"
else
    say "$WS not found: build it with 'make' (make bench does); timing the peers only"
    MISSING=1
    skip_case ws_flows "wirescope --flows" "not built" "$WS" -r "$PCAP" --flows
    skip_case ws_conns "wirescope --conns" "not built" "$WS" -r "$PCAP" --conns
    skip_case ws_packets "wirescope --packets" "not built" "$WS" -r "$PCAP" --packets
    skip_case ws_ui "wirescope UI, indexed" "not built" "$WS" -r "$PCAP"
fi
run_case loop "pcap-loop (bare libpcap)" "$OUT/pcap-loop" "$PCAP"
if command -v tcpdump >/dev/null 2>&1; then
    run_case tcpdump_n "tcpdump -n (text)" tcpdump -n -r "$PCAP"
    run_case tcpdump_w "tcpdump -w (copy)" tcpdump -r "$PCAP" -w /dev/null
else
    skip_case tcpdump_n "tcpdump -n (text)" "not installed" tcpdump -n -r "$PCAP"
    skip_case tcpdump_w "tcpdump -w (copy)" "not installed" tcpdump -r "$PCAP" -w /dev/null
fi
if command -v tshark >/dev/null 2>&1; then
    run_case tshark "tshark conv,tcp" tshark -n -r "$PCAP" -q -z conv,tcp
else
    skip_case tshark "tshark conv,tcp" "not installed" tshark -n -r "$PCAP" -q -z conv,tcp
fi
if command -v tcptrace >/dev/null 2>&1; then
    run_case tcptrace "tcptrace -n" tcptrace -n "$PCAP"
else
    skip_case tcptrace "tcptrace -n" "not installed" tcptrace -n "$PCAP"
fi

# ---------------------------------------------------------------- report
wall_of() { [ -f "$TMP/$1.res" ] && awk '{ print $1 }' "$TMP/$1.res"; }
cpu_of() { [ -f "$TMP/$1.res" ] && awk '{ print $3 }' "$TMP/$1.res"; }

ratio_line() { # ws_key peer_key text
    local a b
    a=$(wall_of "$1") b=$(wall_of "$2")
    if [ -z "$a" ] || [ -z "$b" ]; then
        printf -- '- %s: n/a (%s: %s; %s: %s)\n' "$3" "$(cat "$TMP/$1.label")" "$(cat "$TMP/$1.status")" \
            "$(cat "$TMP/$2.label")" "$(cat "$TMP/$2.status")"
        return
    fi
    awk -v a="$a" -v b="$b" -v ca="$(cpu_of "$1")" -v cb="$(cpu_of "$2")" -v t="$3" 'BEGIN {
        if (a <= 0) a = 0.001
        r = b / a
        if (r >= 1) v = sprintf("%.2fx faster", r); else v = sprintf("%.2fx slower, %.0f%% of its rate", 1 / r, 100 * r)
        printf "- %s: %s (wall %.2f s vs %.2f s; CPU %.2f s vs %.2f s)\n", t, v, a, b, ca, cb
    }'
}

CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
MEM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
ver() { "$@" 2>/dev/null | head -n 1 | sed 's/\.$//'; }
{
    printf '### Results: %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf -- '- Machine: %s, %s CPUs (nproc), %s RAM, Linux %s\n' "${CPU:-unknown CPU}" "$(nproc)" "${MEM:-?}" "$(uname -r)"
    printf -- '- Input: `%s`, %s packets, %s bytes (%s), generated by `gen-pcap -n %s -c %s -s %s`\n' \
        "$PCAP" "$PACKETS" "$SIZE" "$(awk -v s="$SIZE" 'BEGIN { printf "%.0f MB", s / 1e6 }')" "$PACKETS" "$CONNS" "$SEED"
    printf -- '- Best of up to %s runs by wall time (commands over 10 s run once); file in the page cache; output to /dev/null; TZ=%s; load average before the runs: %s\n' "$RUNS" "$TZ" "$LOAD"
    printf -- '- Peers: %s; %s; %s; libpcap %s\n\n' \
        "$(command -v tcpdump >/dev/null && ver tcpdump --version || echo 'tcpdump not installed')" \
        "$(command -v tshark >/dev/null && ver tshark --version || echo 'tshark not installed')" \
        "$(command -v tcptrace >/dev/null && tcptrace -v 2>&1 | sed -n 's/.*\(version [0-9.]*\).*/tcptrace \1/p' || echo 'tcptrace not installed')" \
        "$(dpkg-query -W -f='${Version}' libpcap0.8 2>/dev/null || echo '?')"
    printf '| Tool | Command | Wall s | CPU s | Packets/s | MB/s | Peak RSS MB |\n'
    printf '|---|---|--:|--:|--:|--:|--:|\n'
    for k in "${NAMES[@]}"; do
        label=$(cat "$TMP/$k.label")
        cmd=$(sed "s#$PCAP#F#g; s#^\\./##" "$TMP/$k.cmd")
        if [ -f "$TMP/$k.res" ]; then
            read -r wall rss cpu <"$TMP/$k.res"
            awk -v l="$label" -v c="$cmd" -v w="$wall" -v u="$cpu" -v r="$rss" -v p="$PACKETS" -v s="$SIZE" 'BEGIN {
                if (w <= 0) w = 0.001
                pps = p / w
                ps = pps >= 1e6 ? sprintf("%.2f M", pps / 1e6) : sprintf("%.0f k", pps / 1e3)
                printf "| %s | `%s` | %.2f | %.2f | %s | %.0f | %.0f |\n", l, c, w, u, ps, s / 1e6 / w, r / 1024
            }'
        else
            printf '| %s | `%s` | %s | | | | |\n' "$label" "$cmd" "$(cat "$TMP/$k.status")"
        fi
    done
    printf '\nRatios (speed of wirescope relative to the other tool, same file):\n\n'
    ratio_line ws_flows loop "wirescope --flows vs pcap-loop"
    ratio_line ws_conns loop "wirescope --conns vs pcap-loop"
    ratio_line ws_conns tcptrace "wirescope --conns vs tcptrace -n"
    ratio_line ws_conns tshark "wirescope --conns vs tshark -z conv,tcp"
    ratio_line ws_packets tcpdump_n "wirescope --packets vs tcpdump -n"
    ratio_line ws_ui loop "wirescope UI (whole file indexed) vs pcap-loop"
    if [ -f "$TMP/ws_ui.summary" ]; then
        printf '\nThe terminal UI (its row: best run; CPU time of the whole process until indexed): %s\n' "$(cat "$TMP/ws_ui.summary")"
    fi
} >"$RESULTS"

printf '\n'
cat "$RESULTS"
printf '\n(written to %s)\n' "$RESULTS"
if [ "$MISSING" = 1 ]; then
    say "$WS is missing: its rows are empty"
    exit 1
fi
exit 0
