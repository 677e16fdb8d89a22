#!/bin/bash
# make-captures.sh: records the TLS golden-test captures in this directory
# with openssl s_server / s_client and tcpdump, on the loopback of a network
# namespace this script creates and deletes (nothing else gets in, nothing
# leaves the machine). A throw-away self-signed certificate is made first.
#
#   usage: test/app/tls/make-captures.sh [OUTDIR]   (default: this directory)
#
# Needs root, iproute2, tcpdump, openssl. Keys, randoms, ports and
# timestamps differ between runs; the record sequences do not. After
# re-recording, run regen-golden.sh (needs tshark).
#
#   tls12.pcap  s_server -tls1_2 -alpn http/1.1 -www on 443; s_client -tls1_2
#               -servername example.test -alpn h2,http/1.1 sends
#               "GET / HTTP/1.0" and reads the status page
#   tls13.pcap  the same with TLS 1.3 on port 4433 (not a TLS port: content
#               detection), s_client -alpn h2,http/1.1
#   alert.pcap  s_client -tls1_2 against s_server -tls1_3 on 443: the server
#               answers the ClientHello with a protocol_version alert
set -eu

here=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$here}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

for t in ip ss tcpdump openssl; do
    command -v "$t" >/dev/null 2>&1 || { echo "make-captures: $t is needed" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "make-captures: run as root (network namespace)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/wstls.XXXXXX)
NS=wstls-$$
BGPIDS=""

cleanup() {
    for p in $BGPIDS; do kill "$p" 2>/dev/null || true; done
    for p in $BGPIDS; do wait "$p" 2>/dev/null || true; done
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=example.test \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

ns() { ip netns exec "$NS" "$@"; }

# start_dump OUTFILE filter...  (sets DUMP_PID once tcpdump listens; ip netns
# exec, not the ns function, so that $! is the process itself)
start_dump() {
    local f=$1; shift
    local log
    log="$WORK/dump.$(basename "$f").log"
    ip netns exec "$NS" tcpdump -Z root -U --immediate-mode -n -i lo -w "$f" "$@" 2>"$log" &
    DUMP_PID=$!
    BGPIDS="$BGPIDS $DUMP_PID"
    local i=0
    until grep -q 'listening on' "$log" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then cat "$log" >&2; exit 1; fi
        sleep 0.1
    done
}

# stop_pid PID [SIGNAL]  (tcpdump wants INT to flush its file; servers TERM)
stop_pid() {
    kill "-${2:-TERM}" "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    BGPIDS=$(echo "$BGPIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

stop_dump() {
    sleep 1 # the last FIN/ACKs reach tcpdump first
    stop_pid "$1" INT
}

# start_server PORT args...  (s_server; sets SRV_PID once the port listens)
start_server() {
    local port=$1; shift
    ip netns exec "$NS" openssl s_server -quiet -naccept 1 -accept "$port" \
        -cert "$WORK/cert.pem" -key "$WORK/key.pem" "$@" \
        >"$WORK/server.$port.log" 2>&1 </dev/null &
    SRV_PID=$!
    BGPIDS="$BGPIDS $SRV_PID"
    local i=0
    until ns ss -ltn | awk '{print $4}' | grep -q ":$port\$"; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then cat "$WORK/server.$port.log" >&2; exit 1; fi
        sleep 0.1
    done
}

# client PORT args...: sends a request, waits for the answer, closes
client() {
    local port=$1; shift
    { printf 'GET / HTTP/1.0\r\n\r\n'; sleep 1; } |
        ns openssl s_client -quiet -connect "127.0.0.1:$port" "$@" >/dev/null 2>&1 || true
}

ip netns add "$NS"
ip -n "$NS" link set lo up

echo "make-captures: tls12.pcap"
start_server 443 -tls1_2 -alpn http/1.1 -www
start_dump "$OUT/tls12.pcap" tcp port 443
client 443 -tls1_2 -servername example.test -alpn h2,http/1.1
stop_dump "$DUMP_PID"
stop_pid "$SRV_PID"

echo "make-captures: tls13.pcap"
start_server 4433 -tls1_3 -alpn http/1.1 -www
start_dump "$OUT/tls13.pcap" tcp port 4433
client 4433 -tls1_3 -servername example.test -alpn h2,http/1.1
stop_dump "$DUMP_PID"
stop_pid "$SRV_PID"

echo "make-captures: alert.pcap"
start_server 443 -tls1_3 -www
start_dump "$OUT/alert.pcap" tcp port 443
client 443 -tls1_2 -servername example.test
stop_dump "$DUMP_PID"
stop_pid "$SRV_PID"
echo "make-captures: done"
