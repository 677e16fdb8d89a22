#!/bin/bash
# sample-capture.sh: records docs/sample.pcap, the small capture bundled with
# wirescope so that a newcomer sees every view filled (`make run` shows it
# when the user may not capture). Real programs talk across a veth pair
# between two network namespaces that this script creates and deletes, so
# nothing else on the machine gets in and no packet leaves the machine:
#
#   client namespace  veth wsc0  (DHCP client; 02:00:5e:00:00:02)
#   server namespace  veth wss0  192.0.2.1/24 (02:00:5e:00:00:01): dnsmasq as
#                     DHCP server (pool 192.0.2.100-150) and DNS server for
#                     web.wirescope.test, python3 -m http.server on port 80
#
# tcpdump captures on the client-side veth, from before the client has an
# address, while the client:
#   1. gets its address with dhclient (DISCOVER, OFFER, REQUEST, ACK),
#   2. looks up web.wirescope.test with dig (DNS query and response),
#   3. fetches http://web.wirescope.test/ with curl at the address dig
#      returned (handshake, GET, 200 OK, teardown),
#   4. connects to closed port 8081 (SYN answered by RST/ACK: refused),
#   5. pings the server twice (ARP and ICMP echo fill in the rest).
# Timestamps, ports, DNS ids and DHCP transaction ids differ on every run;
# the packet sequence does not.
#
#   usage: docs/sample-capture.sh [OUTFILE]        (default: docs/sample.pcap)
#
# Needs root, iproute2, tcpdump, python3, curl, dig (bind9-dnsutils),
# dnsmasq (or dnsmasq-base), dhclient (isc-dhcp-client), ping (iputils-ping);
# tshark is optional: when present the capture is checked and counted.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$here/sample.pcap}

for t in ip ss tcpdump python3 curl dig dnsmasq dhclient ping; do
    command -v "$t" >/dev/null 2>&1 || { echo "sample-capture: $t is needed" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "sample-capture: run as root (network namespaces)" >&2; exit 1; }

IP=$(command -v ip)
PY=$(command -v python3)
WORK=$(mktemp -d /tmp/wssample.XXXXXX)
chmod 755 "$WORK"
NSC=wssample-c-$$   # client
NSS=wssample-s-$$   # server
SRV=192.0.2.1
NAME=web.wirescope.test
BGPIDS=""

cleanup() {
    for p in $BGPIDS; do kill "$p" 2>/dev/null || true; done
    for p in $BGPIDS; do wait "$p" 2>/dev/null || true; done
    for n in "$NSC" "$NSS"; do ip netns del "$n" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Foreground commands only: a background job must be started with
# `ip netns exec ... &` itself (which execs the program), so that $! is the
# program's own pid and not that of a subshell running this function.
ns() { ip netns exec "$1" "${@:2}"; }
drop_pid() { BGPIDS=$(echo "$BGPIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' '); }
stop_bg() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; drop_pid "$1"; }

# wait_for WHAT SECONDS CMD...: polls CMD every 0.1 s.
wait_for() {
    local what=$1 limit=$(($2 * 10)) i=0; shift 2
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -gt $limit ]; then echo "sample-capture: timed out waiting for $what" >&2; exit 1; fi
        sleep 0.1
    done
}
listening() { ns "$1" ss "$2" | awk '{print $4}' | grep -q ":$3\$"; }

# ------------------------------------------------------------ the network
ip netns add "$NSC"
ip netns add "$NSS"
ip link add wsc0 netns "$NSC" address 02:00:5e:00:00:02 type veth \
    peer name wss0 netns "$NSS" address 02:00:5e:00:00:01
for n in "$NSC" "$NSS"; do
    # IPv4 only: no router solicitations or MLD reports in the sample.
    ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$n" link set lo up
done
ns "$NSC" sysctl -qw net.ipv6.conf.wsc0.disable_ipv6=1
ns "$NSS" sysctl -qw net.ipv6.conf.wss0.disable_ipv6=1
ip -n "$NSS" addr add "$SRV/24" dev wss0
ip -n "$NSS" link set wss0 up
ip -n "$NSC" link set wsc0 up

# ------------------------------------------------------------ the servers
mkdir -p "$WORK/www"
cat >"$WORK/www/index.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>wirescope sample</title></head>
<body><h1>Hello from the wirescope sample capture</h1>
<p>This page was fetched by curl from python3 -m http.server.</p></body></html>
EOF

ip netns exec "$NSS" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --user=root --group=root --pid-file="$WORK/dnsmasq.pid" \
    --interface=wss0 --bind-interfaces --port=53 \
    --address="/$NAME/$SRV" \
    --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h \
    --dhcp-leasefile="$WORK/dnsmasq.leases" --dhcp-authoritative --no-ping \
    >"$WORK/dnsmasq.log" 2>&1 &
DNSMASQ_PID=$!
BGPIDS="$BGPIDS $DNSMASQ_PID"
wait_for "dnsmasq (DNS)" 10 listening "$NSS" -lun 53
wait_for "dnsmasq (DHCP)" 10 listening "$NSS" -lun 67

ip netns exec "$NSS" "$PY" -m http.server 80 --bind "$SRV" --directory "$WORK/www" >"$WORK/http.log" 2>&1 &
HTTP_PID=$!
BGPIDS="$BGPIDS $HTTP_PID"
wait_for "http.server" 10 listening "$NSS" -ltn 80

# ------------------------------------------------------------ the capture
tmp_out="$WORK/sample.pcap"
ip netns exec "$NSC" tcpdump -Z root -U --immediate-mode -n -i wsc0 -w "$tmp_out" 2>"$WORK/tcpdump.log" &
DUMP_PID=$!
BGPIDS="$BGPIDS $DUMP_PID"
wait_for "tcpdump" 10 grep -q 'listening on' "$WORK/tcpdump.log"

# 1. DHCP. A minimal client configuration (no host name is sent) and a
# script that only sets the address, so nothing on the host is touched.
cat >"$WORK/dhclient.conf" <<'EOF'
request subnet-mask, broadcast-address, routers, domain-name-servers;
EOF
cat >"$WORK/dhclient-script" <<EOF
#!/bin/sh
case "\$reason" in
PREINIT) $IP link set "\$interface" up ;;
BOUND|RENEW|REBIND|REBOOT)
    $IP addr replace "\$new_ip_address/\$new_subnet_mask" dev "\$interface" ;;
esac
exit 0
EOF
chmod 755 "$WORK/dhclient-script"
ip netns exec "$NSC" dhclient -4 -d -1 -v -cf "$WORK/dhclient.conf" -sf "$WORK/dhclient-script" \
    -lf "$WORK/dhclient.leases" -pf "$WORK/dhclient.pid" wsc0 >"$WORK/dhclient.log" 2>&1 &
DHCLIENT_PID=$!
BGPIDS="$BGPIDS $DHCLIENT_PID"
wait_for "a DHCP lease" 30 sh -c "ip -n $NSC -4 addr show dev wsc0 | grep -q 'inet '"
stop_bg "$DHCLIENT_PID"   # SIGTERM: no DHCPRELEASE is sent
client=$(ip -n "$NSC" -4 addr show dev wsc0 | awk '$1 == "inet" { sub("/.*", "", $2); print $2; exit }')
echo "sample-capture: client got $client by DHCP"
sleep 0.3

# 2. DNS.
addr=$(ns "$NSC" dig +short +tries=1 +time=2 @"$SRV" "$NAME" A)
[ "$addr" = "$SRV" ] || { echo "sample-capture: dig returned '$addr'" >&2; exit 1; }
sleep 0.3

# 3. HTTP, to the address the lookup returned (curl resolves nothing itself).
ns "$NSC" curl -sS -o /dev/null --resolve "$NAME:80:$addr" "http://$NAME/"
sleep 0.3

# 4. A refused connection.
if ns "$NSC" curl -sS -o /dev/null --max-time 3 "http://$SRV:8081/" 2>/dev/null; then
    echo "sample-capture: port 8081 unexpectedly open" >&2; exit 1
fi
sleep 0.3

# 5. ICMP echo.
ns "$NSC" ping -n -c 2 -i 0.2 "$SRV" >/dev/null

# --immediate-mode hands each packet over at once; the pause lets the last
# ones arrive before tcpdump is stopped.
sleep 1
kill -INT "$DUMP_PID"
wait "$DUMP_PID" 2>/dev/null || true
drop_pid "$DUMP_PID"
mv "$tmp_out" "$OUT"
chmod 644 "$OUT"
echo "sample-capture: wrote $OUT ($(wc -c <"$OUT") bytes)"

# ------------------------------------------------------------ the check
if command -v tshark >/dev/null 2>&1; then
    count() { tshark -r "$OUT" -Y "$1" 2>/dev/null | wc -l; }
    status=0
    check() { # LABEL FILTER MIN
        local n
        n=$(count "$2")
        printf '  %-28s %3d   (%s)\n' "$1" "$n" "$2"
        [ "$n" -ge "$3" ] || { echo "sample-capture: expected at least $3" >&2; status=1; }
    }
    echo "sample-capture: tshark counts"
    check "packets" "frame" 1
    check "DHCP DISCOVER" "dhcp.option.dhcp == 1" 1
    check "DHCP OFFER" "dhcp.option.dhcp == 2" 1
    check "DHCP REQUEST" "dhcp.option.dhcp == 3" 1
    check "DHCP ACK" "dhcp.option.dhcp == 5" 1
    check "DNS queries" "dns.flags.response == 0" 1
    check "DNS responses with answer" "dns.flags.response == 1 && dns.a == $SRV" 1
    check "HTTP GET" "http.request.method == \"GET\"" 1
    check "HTTP 200 responses" "http.response.code == 200" 1
    check "TCP SYN (no ACK)" "tcp.flags.syn == 1 && tcp.flags.ack == 0" 2
    check "TCP RST (refused)" "tcp.flags.reset == 1 && tcp.srcport == 8081" 1
    check "TCP FIN" "tcp.flags.fin == 1" 2
    check "ARP" "arp" 2
    check "ICMP echo request/reply" "icmp.type == 8 || icmp.type == 0" 4
    exit $status
fi
