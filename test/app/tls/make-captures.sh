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
# shellcheck source=SCRIPTDIR/../capture-lib.sh
. "$here/../capture-lib.sh"
capture_need ip ss tcpdump openssl
capture_outdir "${1:-$here}"

WORK=$(mktemp -d /tmp/wstls.XXXXXX)
NS=wstls-$$
trap 'capture_cleanup "$NS"' EXIT
trap 'exit 1' INT TERM

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=example.test \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

ns() { ip netns exec "$NS" "$@"; }

# tls_server PORT args...: openssl s_server for one connection (SRV_PID)
tls_server() {
    local port=$1; shift
    start_server "$NS" "$port" openssl s_server -quiet -naccept 1 -accept "$port" \
        -cert "$WORK/cert.pem" -key "$WORK/key.pem" "$@"
}

# client PORT args...: sends a request, waits for the answer, closes
client() {
    local port=$1; shift
    { printf 'GET / HTTP/1.0\r\n\r\n'; sleep 1; } |
        ns openssl s_client -quiet -connect "127.0.0.1:$port" "$@" >/dev/null 2>&1 || true
}

netns_fresh "$NS"

echo "make-captures: tls12.pcap"
tls_server 443 -tls1_2 -alpn http/1.1 -www
start_dump "$NS" lo "$OUT/tls12.pcap" tcp port 443
client 443 -tls1_2 -servername example.test -alpn h2,http/1.1
stop_dump "$DUMP_PID"
bg_stop "$SRV_PID"

echo "make-captures: tls13.pcap"
tls_server 4433 -tls1_3 -alpn http/1.1 -www
start_dump "$NS" lo "$OUT/tls13.pcap" tcp port 4433
client 4433 -tls1_3 -servername example.test -alpn h2,http/1.1
stop_dump "$DUMP_PID"
bg_stop "$SRV_PID"

echo "make-captures: alert.pcap"
tls_server 443 -tls1_3 -www
start_dump "$NS" lo "$OUT/alert.pcap" tcp port 443
client 443 -tls1_2 -servername example.test
stop_dump "$DUMP_PID"
bg_stop "$SRV_PID"
echo "make-captures: done"
