#!/usr/bin/env bash
# live-bench.sh: live capture on loopback, wirescope against tcpdump, under
# bounded iperf3 loads (issue #6).
#
#   sudo scripts/live-bench.sh
#
# For each load (iperf3 TCP with 4 parallel streams at a few rates, iperf3
# UDP with 64-byte payloads at a few packet rates) and each kernel buffer
# size, it runs one iperf3 test on lo while wirescope captures it, then the
# same test while tcpdump captures it, both with the filter "port $PORT", and
# reports for each tool the packets it got, how many of the offered packets
# it missed and the drops it counted.
#
# Offered packets: the rise of lo's tx_packets counter
# (/sys/class/net/lo/statistics) from just before iperf3 starts to the end of
# the drain pause. The capture tap sees exactly one copy per transmitted skb
# on lo (a 64 KB TCP segment is one packet: lo does not segment), so this is
# the count a lossless capture reaches; it also counts any other traffic on lo
# during the run, which the header reports as the background rate. For UDP,
# iperf3's own datagram count (--json) is shown as well.
#
# On lo the kernel hands the packet socket each packet twice (once sent, once
# received); libpcap discards the sent copy, but its kernel counters (tcpdump's
# "received by filter" and "dropped by kernel", wirescope's "dropped by
# kernel") count both. So compare "got" with "offered"; the kernel drop
# counts are shown as the tools report them (about twice the missing packets).
#
# Environment:
#   WIRESCOPE         binary to measure (default ./wirescope)
#   LIVE_SECONDS      iperf3 -t per run (default 3)
#   LIVE_PORT         iperf3 port and capture filter (default 5201)
#   LIVE_BUFFERS_KIB  -B values for both tools, in KiB; "default" passes no
#                     -B (default "2048 8192 32768 65536")
#   LIVE_TCP_RATES    iperf3 -b per TCP stream, 0 = unlimited
#                     (default "0 1G 100M"; 4 streams each)
#   LIVE_UDP_PPS      UDP packet rates, 0 = as fast as iperf3 can send
#                     (default "25000 50000 0")
#   LIVE_WS_ARGS      wirescope's batch mode (default "--flows"; its output
#                     goes to /dev/null)
#
# Needs root (packet capture). Installs iperf3, tcpdump and python3 with
# apt-get when they are missing; says what is missing when it cannot.
# Results are printed and written to build/live-results.md.
# Exits 0 whatever the figures; non-zero only when something needed is missing.
set -u
cd "$(dirname "$0")/.." || exit 1

WS=${WIRESCOPE:-./wirescope}
SECONDS_PER_RUN=${LIVE_SECONDS:-3}
PORT=${LIVE_PORT:-5201}
BUFFERS=${LIVE_BUFFERS_KIB:-2048 8192 32768 65536}
TCP_RATES=${LIVE_TCP_RATES:-0 1G 100M}
UDP_PPS=${LIVE_UDP_PPS:-25000 50000 0}
WS_ARGS=${LIVE_WS_ARGS:---flows}
UDP_PAYLOAD=64
TCP_STREAMS=4
OPEN_TIMEOUT=15 # seconds for a tool to open the capture (a big -B takes a while)
# tcpdump reads TPACKET_V3 blocks, which the kernel hands over when full or
# after tcpdump's 1 s timeout: wait past that so its last block is counted.
DRAIN_PAUSE=1.3
OUT=build
RESULTS=$OUT/live-results.md
LO_TX=/sys/class/net/lo/statistics/tx_packets

say() { printf 'live-bench: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

check_number() { # name value
    case $2 in '' | *[!0-9]*) fail "$1 must be a number, got '$2'" ;; esac
}
check_number LIVE_SECONDS "$SECONDS_PER_RUN"
check_number LIVE_PORT "$PORT"
for b in $BUFFERS; do [ "$b" = default ] || check_number LIVE_BUFFERS_KIB "$b"; done
for p in $UDP_PPS; do check_number LIVE_UDP_PPS "$p"; done

# ---------------------------------------------------------------- prerequisites
[ "$(id -u)" = 0 ] || fail "must run as root: live capture on lo needs CAP_NET_RAW (try: sudo $0)"
[ -r "$LO_TX" ] || fail "$LO_TX is missing: no loopback interface 'lo' to measure on"
[ -x "$WS" ] || fail "wirescope binary '$WS' not found (run make, or set WIRESCOPE=path)"
command -v awk >/dev/null 2>&1 || fail "awk is required"

# command -> Debian package that provides it
need_command() { # command package
    command -v "$1" >/dev/null 2>&1 && return 0
    if command -v apt-get >/dev/null 2>&1; then
        say "$1 is missing: installing the Debian package '$2'"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1; }
    fi
    command -v "$1" >/dev/null 2>&1 || fail "$1 is missing and could not be installed (apt-get install $2)"
}
need_command iperf3 iperf3
need_command tcpdump tcpdump
need_command python3 python3-minimal # to read iperf3 --json

mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/wirescope-live.XXXXXX") || fail "mktemp failed"
SERVER_PID=
CAPTURE_PID=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    [ -n "$CAPTURE_PID" ] && kill "$CAPTURE_PID" 2>/dev/null
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if command -v ss >/dev/null 2>&1 && ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q .; then
    fail "TCP port $PORT is already in use (another iperf3 server?); set LIVE_PORT"
fi
iperf3 -s -p "$PORT" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
sleep 0.5
kill -0 "$SERVER_PID" 2>/dev/null || fail "iperf3 server did not start: $(cat "$TMP/server.log")"

# ---------------------------------------------------------------- one run
lo_tx() { cat "$LO_TX"; }

# Start a capture tool in the background; its stderr goes to $TMP/cap.err.
start_capture() { # tool kib
    local tool=$1 kib=$2 bopt=()
    [ "$kib" = default ] || bopt=(-B "$kib")
    if [ "$tool" = wirescope ]; then
        # shellcheck disable=SC2086
        "$WS" -i lo $WS_ARGS "${bopt[@]}" port "$PORT" >/dev/null 2>"$TMP/cap.err" &
    else
        tcpdump -i lo -n -w /dev/null "${bopt[@]}" port "$PORT" >/dev/null 2>"$TMP/cap.err" &
    fi
    CAPTURE_PID=$!
    wait_until_open "$tool"
}

# Opening takes from 50 ms (-B 2 MiB) to over a second (-B 256 MiB: the
# kernel allocates and clears the whole ring), and packets sent before then
# would count as missed. wirescope drops root once the capture is open (its
# uid changes); tcpdump says "listening on" once it is.
capture_is_open() { # tool
    if [ "$1" = wirescope ]; then
        [ "$(awk '/^Uid:/ {print $2}' "/proc/$CAPTURE_PID/status" 2>/dev/null)" != 0 ]
    else
        grep -q 'listening on' "$TMP/cap.err"
    fi
}

wait_until_open() { # tool
    local tenths=0
    while kill -0 "$CAPTURE_PID" 2>/dev/null && ! capture_is_open "$1"; do
        if [ "$tenths" -ge $((OPEN_TIMEOUT * 10)) ]; then
            say "$1 did not show it was capturing within ${OPEN_TIMEOUT} s; measuring anyway"
            break
        fi
        sleep 0.1
        tenths=$((tenths + 1))
    done
    sleep 0.2 # the filter is set just before
}

# SIGINT, then wait up to 10 s for the summary before giving up on it.
stop_capture() {
    kill -INT "$CAPTURE_PID" 2>/dev/null
    local tenths=0
    while kill -0 "$CAPTURE_PID" 2>/dev/null && [ "$tenths" -lt 100 ]; do
        sleep 0.1
        tenths=$((tenths + 1))
    done
    if kill -0 "$CAPTURE_PID" 2>/dev/null; then
        say "capture pid $CAPTURE_PID did not stop on SIGINT; killed"
        kill -KILL "$CAPTURE_PID" 2>/dev/null
    fi
    wait "$CAPTURE_PID" 2>/dev/null
    CAPTURE_PID=
}

# iperf3 client, retried once if the server is still finishing the last test.
run_iperf() { # json-file iperf3-args...
    local json=$1
    shift
    iperf3 -c 127.0.0.1 -p "$PORT" -t "$SECONDS_PER_RUN" --json "$@" >"$json" 2>&1 && return 0
    sleep 1
    iperf3 -c 127.0.0.1 -p "$PORT" -t "$SECONDS_PER_RUN" --json "$@" >"$json" 2>&1 && return 0
    say "iperf3 $* failed: $(head -c 300 "$json")"
    return 1
}

# "got kernel ring" from the tool's end-of-run summary, "- - -" if absent.
parse_capture() { # tool
    if [ "$1" = wirescope ]; then
        # wirescope: N packets captured, D decoded, ... dropped K by kernel, R by ring, ...
        awk '/packets captured,/ {
                for (i = 1; i <= NF; i++) {
                    if ($(i+1) == "packets" && $(i+2) == "captured,") cap = $i
                    if ($(i+1) == "by" && $(i+2) == "kernel,") k = $i
                    if ($(i+1) == "by" && $(i+2) == "ring,") r = $i
                }
                found = 1
            }
            END { if (found) print cap - r, k, r; else print "- - -" }' "$TMP/cap.err"
    else
        awk '/packets captured$/ { c = $1 } /dropped by kernel$/ { k = $1; found = 1 }
            END { if (found) print c, k, "-"; else print "- - -" }' "$TMP/cap.err"
    fi
}

# "rate datagrams" from iperf3's JSON: Mbit/s sent, UDP datagrams sent ("-" for TCP).
parse_iperf() { # json-file
    python3 - "$1" <<'EOF'
import json, sys
try:
    end = json.load(open(sys.argv[1]))["end"]
except Exception:
    print("- -"); sys.exit(0)
if "sum_sent" in end and "packets" not in end.get("sum", {}):
    print("%.0f -" % (end["sum_sent"]["bits_per_second"] / 1e6))
else:
    s = end["sum"]
    print("%.0f %d" % (s["bits_per_second"] / 1e6, s["packets"]))
EOF
}

# One load, one buffer, one tool: appends a line to $TMP/runs.
measure() { # load-label tool kib iperf3-args...
    local label=$1 tool=$2 kib=$3
    shift 3
    start_capture "$tool" "$kib"
    if ! kill -0 "$CAPTURE_PID" 2>/dev/null; then
        say "$tool did not start: $(head -c 300 "$TMP/cap.err")"
        wait "$CAPTURE_PID" 2>/dev/null
        CAPTURE_PID=
        printf '%s\t%s\t%s\t-\t-\t-\t-\t-\t-\n' "$label" "$tool" "$kib" >>"$TMP/runs"
        return
    fi
    local before after
    before=$(lo_tx)
    run_iperf "$TMP/iperf.json" "$@"
    sleep "$DRAIN_PAUSE"
    after=$(lo_tx)
    stop_capture
    local got kernel ring rate dgrams
    read -r got kernel ring <<<"$(parse_capture "$tool")"
    read -r rate dgrams <<<"$(parse_iperf "$TMP/iperf.json")"
    [ "$got" = - ] && say "$tool printed no summary: $(tail -c 300 "$TMP/cap.err")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$tool" "$kib" \
        "$((after - before))" "$dgrams" "$rate" "$got" "$kernel" "$ring" >>"$TMP/runs"
    say "$(printf '%-22s %-9s -B %-7s offered %8d got %8s kernel drops %8s ring drops %s' \
        "$label" "$tool" "$kib" "$((after - before))" "$got" "$kernel" "$ring")"
}

measure_load() { # label iperf3-args...
    local label=$1 kib
    shift
    for kib in $BUFFERS; do
        measure "$label" wirescope "$kib" "$@"
        measure "$label" tcpdump "$kib" "$@"
    done
}

# ---------------------------------------------------------------- the loads
bg_before=$(lo_tx)
sleep 1
LO_BACKGROUND=$(($(lo_tx) - bg_before))
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date -u '+%Y-%m-%d %H:%M UTC')
: >"$TMP/runs"

for r in $TCP_RATES; do
    if [ "$r" = 0 ]; then label="TCP ${TCP_STREAMS}x unlimited"; else label="TCP ${TCP_STREAMS}x $r"; fi
    measure_load "$label" -P "$TCP_STREAMS" -b "$r"
done
for pps in $UDP_PPS; do
    if [ "$pps" = 0 ]; then label="UDP ${UDP_PAYLOAD} B, max rate"; else label="UDP ${UDP_PAYLOAD} B, $((pps / 1000))k pps"; fi
    measure_load "$label" -u -l "$UDP_PAYLOAD" -b "$((pps * UDP_PAYLOAD * 8))"
done

# ---------------------------------------------------------------- the report
report() {
    echo "### Live capture on lo: $START"
    echo
    printf -- '- Machine: %s, %s CPUs (nproc), %s, Linux %s\n' \
        "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" "$(nproc)" \
        "$(awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo)" "$(uname -r)"
    printf -- '- Tools: %s; %s; %s\n' "$("$WS" --version 2>/dev/null | head -1)" \
        "$(tcpdump --version 2>&1 | head -2 | paste -sd ' ')" "$(iperf3 --version 2>&1 | head -1)"
    printf -- '- Each run: `iperf3 -c 127.0.0.1 -t %s` on lo, captured by `%s -i lo %s -B KiB port %s` (output to /dev/null) or by `tcpdump -i lo -n -w /dev/null -B KiB port %s`, one tool at a time, stopped with SIGINT %s s after iperf3 ends\n' \
        "$SECONDS_PER_RUN" "wirescope" "$WS_ARGS" "$PORT" "$PORT" "$DRAIN_PAUSE"
    printf -- '- Load average before the runs: %s; lo background traffic: %s packets/s\n' \
        "$LOAD_BEFORE" "$LO_BACKGROUND"
    echo
    echo "Offered: packets sent on lo during the run (tx_packets counter; iperf3's UDP datagram count in brackets). Got: packets the tool received (wirescope: captured minus ring drops; tcpdump: packets captured). Missed = offered - got. Kernel drops are the tools' own counts, which on lo count both copies of each packet."
    echo
    echo "| Load | Mbit/s | -B | Offered | wirescope got | missed | kernel drops | ring drops | tcpdump got | missed | kernel drops |"
    echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    awk -F'\t' '
        function missed(off, got) {
            if (got == "-" || off <= 0) return "-"
            return sprintf("%d (%.1f%%)", off - got, 100 * (off - got) / off)
        }
        { key = $1 SUBSEP $3
          if (!(key in seen)) { seen[key] = 1; order[++n] = key; label[key] = $1; kib[key] = $3 }
          tool = $2
          off[key, tool] = $4; dg[key, tool] = $5; rate[key, tool] = $6
          got[key, tool] = $7; kern[key, tool] = $8; ring[key, tool] = $9 }
        END {
          for (i = 1; i <= n; i++) {
            k = order[i]
            b = kib[k] == "default" ? "default" : sprintf("%d MiB", kib[k] / 1024)
            w = off[k, "wirescope"]; if (dg[k, "wirescope"] != "-" && dg[k, "wirescope"] != "") w = w " [" dg[k, "wirescope"] "]"
            t = off[k, "tcpdump"]; if (dg[k, "tcpdump"] != "-" && dg[k, "tcpdump"] != "") t = t " [" dg[k, "tcpdump"] "]"
            printf "| %s | %s / %s | %s | %s / %s | %s | %s | %s | %s | %s | %s | %s |\n",
              label[k], rate[k, "wirescope"], rate[k, "tcpdump"], b, w, t,
              got[k, "wirescope"], missed(off[k, "wirescope"], got[k, "wirescope"]),
              kern[k, "wirescope"], ring[k, "wirescope"],
              got[k, "tcpdump"], missed(off[k, "tcpdump"], got[k, "tcpdump"]), kern[k, "tcpdump"]
          }
        }' "$TMP/runs"
    echo
    echo "Each load runs twice (once per tool), so its offered count and rate are given as wirescope's run / tcpdump's run."
}

report >"$RESULTS"
echo
cat "$RESULTS"
say "written to $RESULTS"
exit 0
