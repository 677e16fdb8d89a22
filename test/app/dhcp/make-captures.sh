#!/bin/bash
# make-captures.sh: records the DHCP captures of this directory with real
# programs: dnsmasq is the DHCP server in one network namespace, ISC
# dhclient the client in another, tcpdump records the veth between them.
#
#   usage: test/app/dhcp/make-captures.sh [OUTDIR]    (default: this directory)
#
# Needs root, iproute2, tcpdump, dnsmasq (dnsmasq-base) and dhclient
# (isc-dhcp-client). dhclient runs with its own configuration, lease file
# and a small script that only sets the address on the client's veth, so
# nothing outside the namespaces changes. Transaction ids and timestamps
# differ between runs; the exchanges do not. After re-recording, run
# regen-golden.sh (needs tshark).
#
#   dhcp.pcap  a full DORA (DISCOVER, OFFER, REQUEST, ACK) with host name,
#              vendor class, client identifier and a parameter request
#              list, then a RELEASE;
#              then a client rebooting with a lease the server does not
#              know (REQUEST, NAK) that starts over with a new DORA
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../capture-lib.sh
. "$here/../capture-lib.sh"
capture_need ip tcpdump dnsmasq dhclient
capture_outdir "${1:-$here}"

WORK=$(mktemp -d /tmp/wsdhcp.XXXXXX)
NSC=wsdhcp-c-$$  # client, no address until the lease
NSS=wsdhcp-s-$$  # server, 10.67.0.1

cleanup() {
    [ -f "$WORK/dhclient.pid" ] && kill "$(cat "$WORK/dhclient.pid")" 2>/dev/null || true
    capture_cleanup "$NSC" "$NSS"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ns() { ip netns exec "$1" "${@:2}"; }

netns_quiet "$NSC" "$NSS"
veth_mac "$NSC" wsh0 02:00:5e:00:67:01 "$NSS" wsh1 02:00:5e:00:67:02
ip -n "$NSS" addr add 10.67.0.1/24 dev wsh1
ip -n "$NSC" link set wsh0 up
ip -n "$NSS" link set wsh1 up

# The server: addresses .50-.99 for an hour, router, DNS server and domain;
# authoritative, so a REQUEST for an address it never gave out gets a NAK.
# No DNS service (port 0) and no ARP ping before an OFFER (--no-ping).
bg_start "$NSS" "$WORK/dnsmasq.log" dnsmasq --keep-in-foreground --no-daemon \
    --conf-file=/dev/null --no-resolv --no-hosts --user=root --group=root \
    --pid-file="$WORK/dnsmasq.pid" \
    --port=0 --interface=wsh1 --bind-interfaces --dhcp-authoritative --no-ping \
    --dhcp-leasefile="$WORK/dnsmasq.leases" \
    --dhcp-range=10.67.0.50,10.67.0.99,255.255.255.0,1h \
    --dhcp-option=option:router,10.67.0.1 \
    --dhcp-option=option:dns-server,10.67.0.1 \
    --dhcp-option=option:domain-name,example.test
i=0
until grep -q 'DHCP, IP range' "$WORK/dnsmasq.log" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 100 ] && { cat "$WORK/dnsmasq.log" >&2; echo "make-captures: dnsmasq did not start" >&2; exit 1; }
    sleep 0.1
done

# The client's configuration and script: it sends a host name, a vendor
# class, a client identifier and a parameter request list; the script only
# sets or removes the leased address on wsh0.
cat >"$WORK/dhclient.conf" <<'EOF'
send host-name "wsclient";
send vendor-class-identifier "wirescope-test";
send dhcp-client-identifier 1:02:00:5e:00:67:01;
request subnet-mask, broadcast-address, routers, domain-name,
        domain-name-servers, host-name, dhcp-lease-time,
        dhcp-renewal-time, dhcp-rebinding-time;
EOF
cat >"$WORK/dhclient-script" <<'EOF'
#!/bin/sh
case "$reason" in
BOUND|RENEW|REBIND|REBOOT)
    ip addr flush dev "$interface"
    ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
RELEASE|EXPIRE|FAIL|STOP)
    ip addr flush dev "$interface" ;;
esac
exit 0
EOF
chmod +x "$WORK/dhclient-script"

dhc() { # dhclient in the client namespace with our files
    ns "$NSC" dhclient -4 -v -cf "$WORK/dhclient.conf" -sf "$WORK/dhclient-script" \
        -lf "$WORK/dhclient.leases" -pf "$WORK/dhclient.pid" "$@" >>"$WORK/dhclient.log" 2>&1
}

echo "make-captures: dhcp.pcap"
start_dump "$NSC" wsh0 "$OUT/dhcp.pcap" udp port 67 or udp port 68; d=$DUMP_PID
# DORA, then RELEASE.
dhc -1 wsh0
dhc -r wsh0
# A reboot with a lease for an address outside the server's range: the
# client asks for it (REQUEST), the server says NAK, the client starts over.
rm -f "$WORK/dhclient.leases"
cat >"$WORK/dhclient.leases" <<'EOF'
lease {
  interface "wsh0";
  fixed-address 10.67.0.200;
  option subnet-mask 255.255.255.0;
  option dhcp-server-identifier 10.67.0.1;
  option dhcp-lease-time 3600;
  renew 4 2037/01/01 00:00:00;
  rebind 4 2037/01/01 00:00:00;
  expire 4 2037/01/01 00:00:00;
}
EOF
dhc -1 wsh0
dhc -r wsh0
stop_dump "$d"
ls -l "$OUT/dhcp.pcap"
