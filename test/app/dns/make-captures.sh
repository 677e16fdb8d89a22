#!/bin/bash
# make-captures.sh: records the DNS captures of this directory with real
# programs: dnsmasq serves a small authoritative zone in one network
# namespace, dig asks it from another, tcpdump records the veth between them.
#
#   usage: test/app/dns/make-captures.sh [OUTDIR]    (default: this directory)
#
# Needs root, iproute2, ethtool, tcpdump, dnsmasq (dnsmasq-base) and dig (dnsutils).
# Ids, ports and timestamps differ between runs; the messages do not. After
# re-recording, run regen-golden.sh (needs tshark).
#
#   dns-udp.pcap  UDP: A, AAAA, a CNAME chain, MX, TXT, SRV, PTR, SOA, NS,
#                 two A records, NXDOMAIN (SOA in the authority section),
#                 with and without EDNS (OPT, a cookie option)
#   dns-udp-cut.pcap  the same exchanges recorded by a second tcpdump with
#                 -s 100: longer answers cut by the snaplen
#   dns-tcp.pcap  the same server over TCP (dig +tcp; dnsmasq answers one
#                 query per connection): A, MX, NXDOMAIN, and a TXT answer
#                 too large for one segment
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../capture-lib.sh
. "$here/../capture-lib.sh"
capture_need ip ss tcpdump ethtool dnsmasq dig
capture_outdir "${1:-$here}"

WORK=$(mktemp -d /tmp/wsdns.XXXXXX)
NSC=wsdns-c-$$   # client, 10.53.0.1
NSS=wsdns-s-$$   # server, 10.53.0.2
trap 'capture_cleanup "$NSC" "$NSS"' EXIT
trap 'exit 1' INT TERM

ns() { ip netns exec "$1" "${@:2}"; }

netns_quiet "$NSC" "$NSS"
veth_mac "$NSC" wsd0 02:00:5e:00:53:01 "$NSS" wsd1 02:00:5e:00:53:02
ip -n "$NSC" addr add 10.53.0.1/24 dev wsd0
ip -n "$NSS" addr add 10.53.0.2/24 dev wsd1
ip -n "$NSC" link set wsd0 up
ip -n "$NSS" link set wsd1 up
# No segmentation offload: tcpdump sees the segments the wire would carry.
ns "$NSC" ethtool -K wsd0 tso off gso off gro off >/dev/null 2>&1 || true
ns "$NSS" ethtool -K wsd1 tso off gso off gro off >/dev/null 2>&1 || true
# Static neighbours: no ARP in the captures.
ip -n "$NSC" neigh replace 10.53.0.2 lladdr 02:00:5e:00:53:02 dev wsd0 nud permanent
ip -n "$NSS" neigh replace 10.53.0.1 lladdr 02:00:5e:00:53:01 dev wsd1 nud permanent

# A TXT record of 40 strings of 60 bytes: ~2.4 KB, more than one segment.
big=""
for i in $(seq -w 1 40); do
    big="$big,\"chunk $i of a large TXT record that spans TCP segments....\""
done

# The zone: dnsmasq answers example.test authoritatively (SOA, NS, NXDOMAIN
# with the SOA in the authority section) from these records.
bg_start "$NSS" "$WORK/bg.log" dnsmasq --keep-in-foreground --no-daemon \
    --conf-file=/dev/null --no-resolv --no-hosts --user=root --group=root \
    --pid-file="$WORK/dnsmasq.pid" \
    --listen-address=10.53.0.2 --bind-interfaces --port=53 \
    --auth-server=ns1.example.test,wsd1 --auth-zone=example.test,10.53.0.0/24,fd00:53::/64 \
    --auth-soa=2024010101,hostmaster.example.test,1200,180,1209600,600 \
    --host-record=ns1.example.test,10.53.0.2 \
    --host-record=www.example.test,10.53.0.80,fd00:53::80 \
    --host-record=mail.example.test,10.53.0.25 \
    --host-record=multi.example.test,10.53.0.11 \
    --host-record=multi.example.test,10.53.0.12 \
    --cname=web.example.test,www.example.test \
    --cname=alias.example.test,web.example.test \
    --mx-host=example.test,mail.example.test,10 \
    --txt-record=example.test,"v=spf1 -all","second string" \
    --txt-record=big.example.test"$big" \
    --srv-host=_sip._udp.example.test,sip.example.test,5060,10,20
DNS_PID=$BG_PID
wait_listen "$NSS" udp 53
wait_listen "$NSS" tcp 53

q() { ns "$NSC" dig +tries=1 +time=2 @10.53.0.2 "$@" >/dev/null || true; }

echo "make-captures: dns-udp.pcap, dns-udp-cut.pcap"
start_dump "$NSC" wsd0 "$OUT/dns-udp.pcap" port 53; d=$DUMP_PID
start_dump "$NSC" wsd0 "$OUT/dns-udp-cut.pcap" -s 100 port 53; d2=$DUMP_PID
q +noedns www.example.test A
q +noedns www.example.test AAAA
q +nocookie alias.example.test A
q +noedns example.test MX
q +noedns example.test TXT
q +noedns _sip._udp.example.test SRV
q +noedns -x 10.53.0.80
q +noedns example.test SOA
q +noedns example.test NS
q +noedns multi.example.test A
q +noedns nx.example.test A
q www.example.test A
stop_dump "$d"
stop_dump "$d2"

echo "make-captures: dns-tcp.pcap"
start_dump "$NSC" wsd0 "$OUT/dns-tcp.pcap" port 53; d=$DUMP_PID
q +tcp +noedns www.example.test A
q +tcp +noedns example.test MX
q +tcp +noedns nx.example.test A
q +tcp +noedns big.example.test TXT
stop_dump "$d"

bg_stop "$DNS_PID"
ls -l "$OUT"/dns-*.pcap
