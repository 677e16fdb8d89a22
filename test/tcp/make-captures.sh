#!/bin/bash
# make-captures.sh: records the TCP connection-tracker captures in test/tcp
# with real kernel TCP stacks, real programs (test/tcp/peers.py, curl,
# python3 -m http.server) and tcpdump, through a user-space relay
# (test/tcp/relay.py) that delays, drops, reorders and duplicates frames.
#
#   usage: test/tcp/make-captures.sh [-o OUTDIR] [NAME...]
#          (default OUTDIR: test/tcp; default NAMEs: all captures)
#
# Topology (namespaces created here and always deleted on exit):
#
#   wstcp-client            wstcp-relay                      wstcp-server
#   veth-c 10.201.0.2/24 -- veth-rc   [relay.py]   veth-rs -- veth-s 10.202.0.2/24
#          fd00:201::2/64                                           fd00:202::2/64
#
# The relay namespace has no IP addresses, IPv6 disabled and
# net.ipv4.ip_forward=0: only relay.py moves frames, over AF_PACKET sockets.
# Client and server route the other /24 and /64 via a gateway address
# (10.201.0.1 / fd00:201::1, 10.202.0.1 / fd00:202::1) that nobody owns,
# with a permanent neighbour entry pointing at the relay port's MAC.
# Offloads (TSO/GSO/GRO/checksum) are off on every veth so that frames on
# the wire are real MTU-sized segments with real checksums.
#
# tcpdump captures in the client namespace on veth-c (filter "tcp"; snaplen
# 0, except 96 for lossy). Each capture is checked with check-captures.py
# (tshark) and kept only if it shows what its name says (3 attempts).
# Needs root, iproute2 (ip, ss), ethtool, tcpdump, curl, python3; tshark for
# the check (skipped with a warning without it).
# After re-running, run test/tcp/regen-golden.sh. See test/tcp/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
OUT=$here
if [ "${1:-}" = "-o" ]; then OUT=$2; shift 2; fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

ALL="close-client close-server half-close abort-linger refused ipv6 lossy
zero-window keepalive three-way-close simultaneous-close port-reuse"
NAMES=${*:-$ALL}

for t in ip ss ethtool tcpdump curl python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "make-captures: $t is needed" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "make-captures: run as root (network namespaces)" >&2; exit 1; }

PY=$(command -v python3)
WORK=$(mktemp -d /tmp/wstcp.XXXXXX)
NSC=wstcp-client
NSR=wstcp-relay
NSS=wstcp-server
MAC_C=02:00:00:c1:00:02   # client veth-c
MAC_RC=02:00:00:c1:00:01  # relay port facing the client
MAC_RS=02:00:00:c2:00:01  # relay port facing the server
MAC_S=02:00:00:c2:00:02   # server veth-s
BGPIDS=""
declare -A RELAY_ARGS_OF

cleanup() {
    for p in $BGPIDS; do kill "$p" 2>/dev/null || true; done
    for p in $BGPIDS; do wait "$p" 2>/dev/null || true; done
    for n in "$NSC" "$NSR" "$NSS"; do ip netns del "$n" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ns() { ip netns exec "$1" "${@:2}"; }
# Background jobs are started with "ip netns exec" itself (not through ns,
# a function, which would leave a subshell in between): ip execs the
# command, so $! is the program and signals reach it.

untrack() { BGPIDS=$(echo "$BGPIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ' || true); }

setup() {
    # Remove what an earlier, killed run may have left (the names are fixed
    # so that this script is idempotent).
    for n in "$NSC" "$NSR" "$NSS"; do ip netns del "$n" 2>/dev/null || true; done
    for n in "$NSC" "$NSR" "$NSS"; do ip netns add "$n"; done
    ip link add veth-c netns "$NSC" address $MAC_C type veth peer name veth-rc netns "$NSR" address $MAC_RC
    ip link add veth-s netns "$NSS" address $MAC_S type veth peer name veth-rs netns "$NSR" address $MAC_RS

    ns "$NSR" sysctl -qw net.ipv4.ip_forward=0
    ns "$NSR" sysctl -qw net.ipv6.conf.all.forwarding=0
    for i in veth-rc veth-rs; do
        ns "$NSR" sysctl -qw net.ipv6.conf.$i.disable_ipv6=1
    done
    for pair in "$NSC veth-c" "$NSR veth-rc" "$NSR veth-rs" "$NSS veth-s"; do
        set -- $pair
        ns "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null
        ns "$1" ip link set "$2" up
        ns "$1" ip link set lo up
    done

    # client
    ns "$NSC" sysctl -qw net.ipv4.ip_local_port_range="41000 41999"
    ns "$NSC" ip addr add 10.201.0.2/24 dev veth-c
    ns "$NSC" ip -6 addr add fd00:201::2/64 dev veth-c nodad
    ns "$NSC" ip neigh replace 10.201.0.1 lladdr $MAC_RC dev veth-c nud permanent
    ns "$NSC" ip -6 neigh replace fd00:201::1 lladdr $MAC_RC dev veth-c nud permanent
    ns "$NSC" ip route add 10.202.0.0/24 via 10.201.0.1 dev veth-c
    ns "$NSC" ip -6 route add fd00:202::/64 via fd00:201::1 dev veth-c
    # server
    ns "$NSS" ip addr add 10.202.0.2/24 dev veth-s
    ns "$NSS" ip -6 addr add fd00:202::2/64 dev veth-s nodad
    ns "$NSS" ip neigh replace 10.202.0.1 lladdr $MAC_RS dev veth-s nud permanent
    ns "$NSS" ip -6 neigh replace fd00:202::1 lladdr $MAC_RS dev veth-s nud permanent
    ns "$NSS" ip route add 10.201.0.0/24 via 10.202.0.1 dev veth-s
    ns "$NSS" ip -6 route add fd00:201::/64 via fd00:202::1 dev veth-s

    [ "$(ns "$NSR" sysctl -n net.ipv4.ip_forward)" = 0 ] || { echo "make-captures: relay forwards" >&2; exit 1; }
}

# start_relay NAME relay-options...  (sets RELAY_PID)
start_relay() {
    local name=$1; shift
    RELAY_ARGS="$*"
    rm -f "$WORK/relay.ready"
    ip netns exec "$NSR" "$PY" "$here/relay.py" --if-a veth-rc --peer-a $MAC_C --if-b veth-rs --peer-b $MAC_S \
        --ready "$WORK/relay.ready" --log "$WORK/relay.$name.log" "$@" &
    RELAY_PID=$!
    BGPIDS="$BGPIDS $RELAY_PID"
    local i=0
    until [ -e "$WORK/relay.ready" ]; do
        i=$((i + 1)); [ $i -le 100 ] || { echo "make-captures: relay did not start" >&2; exit 1; }
        sleep 0.05
    done
}

stop_relay() {
    kill -TERM "$RELAY_PID" 2>/dev/null || true
    wait "$RELAY_PID" 2>/dev/null || true
    untrack "$RELAY_PID"
}

# start_server PORT cmd...  (sets SERVER_PID; waits until PORT listens)
start_server() {
    local port=$1; shift
    ip netns exec "$NSS" "$@" &
    SERVER_PID=$!
    BGPIDS="$BGPIDS $SERVER_PID"
    local i=0
    until ns "$NSS" ss -Hltn "sport = :$port" | grep -q LISTEN; do
        i=$((i + 1)); [ $i -le 100 ] || { echo "make-captures: server on $port did not start" >&2; exit 1; }
        sleep 0.05
    done
}

# start_dump FILE SNAPLEN  (sets DUMP_PID)
start_dump() {
    local log="$WORK/dump.log"
    : >"$log"
    ip netns exec "$NSC" tcpdump -Z root -U --immediate-mode -n -i veth-c -s "$2" -w "$1" tcp 2>"$log" &
    DUMP_PID=$!
    BGPIDS="$BGPIDS $DUMP_PID"
    local i=0
    until grep -q 'listening on' "$log" 2>/dev/null; do
        i=$((i + 1)); [ $i -le 100 ] || { cat "$log" >&2; echo "make-captures: tcpdump did not start" >&2; exit 1; }
        sleep 0.1
    done
    sleep 0.3
}

stop_dump() {
    sleep 1  # the last ACKs and any late retransmission
    kill -INT "$DUMP_PID"
    wait "$DUMP_PID" 2>/dev/null || true
    untrack "$DUMP_PID"
    if ! grep -q '^0 packets dropped by kernel' "$WORK/dump.log"; then
        cat "$WORK/dump.log" >&2
        echo "make-captures: tcpdump lost packets" >&2; exit 1
    fi
}

# run_client cmd...: runs the client in the client namespace and waits for
# it (in the background, so that a signal to this script is handled at once).
run_client() {
    ip netns exec "$NSC" "$@" &
    local pid=$! rc=0
    BGPIDS="$BGPIDS $pid"
    wait "$pid" || rc=$?
    untrack "$pid"
    [ $rc = 0 ] || { echo "make-captures: client $* exited with $rc" >&2; exit 1; }
}

wait_server() {
    local rc=0
    wait "$SERVER_PID" || rc=$?
    untrack "$SERVER_PID"
    [ $rc = 0 ] || { echo "make-captures: server exited with $rc" >&2; exit 1; }
}

# Relay policies. Every capture goes through the relay; the seeds are fixed.
NORMAL="--seed 201 --delay-ms 5"

peers() { echo "$PY $here/peers.py $*"; }

capture() {
    local name=$1 f="$WORK/$1.pcap" snap=0
    case $name in
    close-client | three-way-close | ipv6 | half-close | abort-linger | zero-window | keepalive | port-reuse | simultaneous-close | refused | lossy)
        local addr=10.202.0.2 port
        # Server ports 23001-23012 and client ports 41000-41999 have no
        # dissector registered in tshark 4.0, so its Info column stays TCP.
        case $name in
        close-client) port=23001 ;; half-close) port=23003 ;; abort-linger) port=23004 ;;
        refused) port=23005 ;; ipv6) port=23006; addr=fd00:202::2 ;; lossy) port=23007 ;;
        zero-window) port=23008 ;; keepalive) port=23009 ;; three-way-close) port=23010 ;;
        simultaneous-close) port=23011 ;; port-reuse) port=23012 ;;
        esac
        case $name in
        lossy) start_relay "$name" --seed 7 --delay-ms 10 --drop 0.03 --reorder 0.02 --dup 0.01 --dup-delay-ms 25 --spare-syn \
                   --stall-after 300 --stall-ms 400 --stall-dir c2s
               snap=96 ;;
        simultaneous-close) start_relay "$name" --seed 201 --delay-ms 30 ;;
        *) start_relay "$name" $NORMAL ;;
        esac
        [ "$name" = refused ] || start_server $port $(peers server "$name" "$addr" $port)
        start_dump "$f" $snap
        run_client $(peers client "$name" "$addr" $port)
        [ "$name" = refused ] || wait_server
        stop_dump
        stop_relay
        ;;
    close-server)
        # HTTP/1.0: python3 -m http.server closes the connection after the
        # response; curl closes its end when it has read to EOF.
        mkdir -p "$WORK/www"
        "$PY" -c 'import sys; sys.stdout.write(("<p>wirescope close-server fixture</p>\n" * 300))' >"$WORK/www/page.html"
        start_relay "$name" $NORMAL
        start_server 23002 sh -c "exec '$PY' -m http.server 23002 --bind 10.202.0.2 --directory '$WORK/www' >'$WORK/http.log' 2>&1"
        start_dump "$f" 0
        run_client curl -sS --http1.0 -o /dev/null http://10.202.0.2:23002/page.html
        stop_dump
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        untrack "$SERVER_PID"
        stop_relay
        ;;
    *) echo "make-captures: unknown capture $name" >&2; exit 1 ;;
    esac
    echo "== $name.pcap: $(tcpdump -r "$f" 2>/dev/null | wc -l) packets"
    sed -n 's/^ *[0-9.]* \(summary\|socket\)/   relay \1/p' "$WORK/relay.$name.log"
    RELAY_ARGS_OF[$name]=$RELAY_ARGS
}

# write_summary NAME: what the relay did, one line per capture, kept beside
# the pcaps in relay-summary.tsv.
write_summary() {
    local name=$1 sum="$OUT/relay-summary.tsv" c2s s2c
    c2s=$(sed -n 's/^ *[0-9.]* summary c2s: //p' "$WORK/relay.$name.log")
    s2c=$(sed -n 's/^ *[0-9.]* summary s2c: //p' "$WORK/relay.$name.log")
    {
        printf '# capture\trelay options\tclient-to-server frames\tserver-to-client frames\n'
        grep -v '^#' "$sum" 2>/dev/null | grep -v "^$name	" || true
        printf '%s\t%s\t%s\t%s\n' "$name" "${RELAY_ARGS_OF[$name]}" "$c2s" "$s2c"
    } >"$WORK/summary.tmp"
    { head -1 "$WORK/summary.tmp"; tail -n +2 "$WORK/summary.tmp" | sort; } >"$sum"
}

# A capture goes into OUT only once check-captures.py (tshark) agrees that
# it shows what its name says; timing-dependent ones get three attempts.
HAVE_TSHARK=0
if command -v tshark >/dev/null 2>&1; then HAVE_TSHARK=1; else
    echo "make-captures: tshark not found: captures are not checked" >&2
fi
setup
for name in $NAMES; do
    ok=0
    for attempt in 1 2 3; do
        capture "$name"
        if [ $HAVE_TSHARK = 0 ] || "$PY" "$here/check-captures.py" "$WORK/$name.pcap"; then ok=1; break; fi
        echo "make-captures: $name.pcap attempt $attempt does not show what it should" >&2
    done
    [ $ok = 1 ] || { echo "make-captures: giving up on $name" >&2; exit 1; }
    mv "$WORK/$name.pcap" "$OUT/$name.pcap"
    write_summary "$name"
done
echo "make-captures: done; now run test/tcp/regen-golden.sh"
