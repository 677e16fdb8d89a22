# capture-lib.sh: what the make-captures.sh scripts of test/app share: the
# network namespaces the programs run in (nothing gets in, nothing leaves
# the machine), the background processes, and tcpdump. A script sources it
# after `set -eu`:
#   . "$(dirname "$0")/../capture-lib.sh"
# POSIX sh (the scripts are sh or bash); its own variables start with cl_.
# Everything here needs root.
# shellcheck shell=sh disable=SC2034  # OUT, CAP, SRV_PID, DUMP_PID: for the script

# --- checks and output ---

# capture_need TOOL...: exits unless run as root with every TOOL on PATH.
capture_need() {
    for cl_t; do
        command -v "$cl_t" >/dev/null 2>&1 || { echo "make-captures: $cl_t is needed" >&2; exit 1; }
    done
    [ "$(id -u)" = 0 ] || { echo "make-captures: run as root (network namespaces)" >&2; exit 1; }
}

# capture_outdir DIR: sets OUT to DIR made absolute, creating it.
capture_outdir() {
    mkdir -p "$1"
    OUT=$(cd "$1" && pwd)
}

# --- namespaces ---

# netns_gone NS...: kills what still runs in each NS and deletes it (no
# error when it is not there).
netns_gone() {
    for cl_ns; do
        ip netns pids "$cl_ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
        ip netns del "$cl_ns" 2>/dev/null || true
    done
}

# netns_fresh NS...: each NS new (one an earlier run left is deleted
# first), its loopback up.
netns_fresh() {
    netns_gone "$@"
    for cl_ns; do
        ip netns add "$cl_ns"
        ip -n "$cl_ns" link set lo up
    done
}

# netns_quiet NS...: each NS new, its loopback up and IPv6 off (no router
# solicitations or MLD reports to vary).
netns_quiet() {
    for cl_ns; do
        ip netns add "$cl_ns"
        ip netns exec "$cl_ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1
        ip -n "$cl_ns" link set lo up
    done
}

# veth_mac NS1 DEV1 MAC1 NS2 DEV2 MAC2: a veth pair joining DEV1 in NS1 and
# DEV2 in NS2, with fixed MAC addresses; down (addresses first).
veth_mac() {
    ip -n "$1" link add "$2" type veth peer name "$5" netns "$4"
    ip -n "$1" link set "$2" address "$3"
    ip -n "$4" link set "$5" address "$6"
}

# veth_link NS1 DEV1 ADDR1 NS2 DEV2 ADDR2: a veth pair joining DEV1 in NS1
# (ADDR1/24) and DEV2 in NS2 (ADDR2/24), both up.
veth_link() {
    ip link add "$2" type veth peer name "$5"
    ip link set "$2" netns "$1"
    ip link set "$5" netns "$4"
    ip -n "$1" addr add "$3/24" dev "$2"
    ip -n "$4" addr add "$6/24" dev "$5"
    ip -n "$1" link set "$2" up
    ip -n "$4" link set "$5" up
}

# --- tcpdump into $TMP, then copied (the sh scripts) ---

# capture_start NS DEV FILE [FILTER...]: tcpdump on DEV in NS writing
# $TMP/FILE (CAP: its pid), given a second to start.
capture_start() {
    cl_ns=$1 cl_dev=$2 cl_file=$3
    shift 3
    ip netns exec "$cl_ns" tcpdump -q -i "$cl_dev" -s 0 -U -w "$TMP/$cl_file" "$@" 2>/dev/null &
    CAP=$!
    sleep 1
}

# capture_stop FILE: a second for the last packets, then stops tcpdump and
# copies $TMP/FILE to FILE.
capture_stop() {
    sleep 1
    kill "$CAP"
    wait "$CAP" 2>/dev/null || true
    cp "$TMP/$1" "$1"
}

# --- background processes in BGPIDS, logs in $WORK (the bash scripts) ---

BGPIDS=""

# bg_start NS LOG CMD...: runs CMD in NS in the background, output to LOG
# (BG_PID: its pid; ip netns exec itself, so that the pid is the process's).
bg_start() {
    cl_ns=$1 cl_log=$2
    shift 2
    ip netns exec "$cl_ns" "$@" >"$cl_log" 2>&1 </dev/null &
    BG_PID=$!
    BGPIDS="$BGPIDS $BG_PID"
}

# bg_stop PID [SIGNAL]: stops it (default TERM) and waits for it.
bg_stop() {
    kill "-${2:-TERM}" "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    BGPIDS=$(echo "$BGPIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

# bg_stop_all: stops every process bg_start started (for the EXIT trap).
bg_stop_all() {
    for cl_p in $BGPIDS; do kill "$cl_p" 2>/dev/null || true; done
    for cl_p in $BGPIDS; do wait "$cl_p" 2>/dev/null || true; done
}

# capture_cleanup NS...: for the EXIT trap: stops what bg_start started and
# what still runs in the namespaces, deletes them, and removes $WORK.
capture_cleanup() {
    bg_stop_all
    netns_gone "$@"
    rm -rf "$WORK"
}

# wait_listen NS tcp|udp PORT [LOG]: waits until something in NS listens
# on PORT (10 s at most, then shows LOG and exits).
wait_listen() {
    cl_i=0
    cl_opt=-ltn
    [ "$2" = udp ] && cl_opt=-lun
    until ip netns exec "$1" ss $cl_opt | awk '{print $4}' | grep -q ":$3\$"; do
        cl_i=$((cl_i + 1))
        if [ $cl_i -gt 100 ]; then
            [ $# -ge 4 ] && cat "$4" >&2
            echo "make-captures: nothing on $2/$3" >&2
            exit 1
        fi
        sleep 0.1
    done
}

# start_server NS PORT CMD...: CMD in NS in the background (SRV_PID), its
# output in $WORK/server.PORT.log, once it listens on TCP PORT.
start_server() {
    cl_ns=$1 cl_port=$2
    shift 2
    bg_start "$cl_ns" "$WORK/server.$cl_port.log" "$@"
    SRV_PID=$BG_PID
    wait_listen "$cl_ns" tcp "$cl_port" "$WORK/server.$cl_port.log"
}

# start_dump NS DEV OUTFILE [FILTER...]: tcpdump on DEV in NS writing
# OUTFILE (DUMP_PID), once it says it listens.
start_dump() {
    cl_ns=$1 cl_dev=$2 cl_file=$3
    shift 3
    cl_log="$WORK/dump.$(basename "$cl_file").log"
    bg_start "$cl_ns" "$cl_log" tcpdump -Z root -U --immediate-mode -n -i "$cl_dev" \
        -w "$cl_file" "$@"
    DUMP_PID=$BG_PID
    cl_i=0
    until grep -q 'listening on' "$cl_log" 2>/dev/null; do
        cl_i=$((cl_i + 1))
        if [ $cl_i -gt 100 ]; then
            cat "$cl_log" >&2
            echo "make-captures: tcpdump did not start" >&2
            exit 1
        fi
        sleep 0.1
    done
}

# stop_dump PID: a second for the last packets, then INT (tcpdump flushes
# its file on INT).
stop_dump() {
    sleep 1
    bg_stop "$1" INT
}
