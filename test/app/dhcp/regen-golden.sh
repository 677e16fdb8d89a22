#!/bin/sh
# regen-golden.sh: rebuilds the goldens of this directory with tshark, the
# oracle (only this script needs it; run.sh reads the files it writes).
# Each golden opens with '#' lines naming the tshark version and command.
#
#   <capture>.cols.tsv    frame number, Protocol and Info columns
#   <capture>.fields.tsv  per DHCP/BOOTP message: transaction id, message
#                         type, addresses, client MAC, requested address,
#                         server identifier, lease time, host name
set -eu
cd "$(dirname "$0")"
command -v tshark >/dev/null 2>&1 || { echo "regen-golden: tshark is needed" >&2; exit 1; }
version=$(tshark -v 2>/dev/null | head -1)

FIELDS="-e frame.number -e dhcp.type -e dhcp.id -e dhcp.option.dhcp -e dhcp.ip.client \
 -e dhcp.ip.your -e dhcp.ip.server -e dhcp.ip.relay -e dhcp.hw.mac_addr \
 -e dhcp.option.requested_ip_address -e dhcp.option.dhcp_server_id \
 -e dhcp.option.ip_address_lease_time -e dhcp.option.hostname"

golden() { # OUT tshark-arguments...
    out=$1
    shift
    {
        echo "# golden made by test/app/dhcp/regen-golden.sh with $version"
        echo "# command: tshark $*"
        tshark "$@" 2>/dev/null
    } >"$out"
}

for f in *.pcap; do
    echo "regen-golden: $f"
    golden "$f.cols.tsv" -n -r "$f" -T fields -E separator=/t \
        -e frame.number -e _ws.col.Protocol -e _ws.col.Info
    # shellcheck disable=SC2086
    golden "$f.fields.tsv" -n -r "$f" -Y dhcp -T fields -E header=y -E separator=/t \
        -E aggregator='|' $FIELDS
done
