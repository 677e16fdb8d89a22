#!/bin/bash
# regen-golden.sh: rebuilds golden/ from the captures in this directory with
# tshark (the oracle). run.sh compares wirescope against these files.
#
#   golden/F.packets.tsv  per segment, TCP desegmentation off: frame,
#                         Protocol, Info, and the TLS fields (all
#                         occurrences, comma-separated): record versions and
#                         lengths, handshake types, server name, ALPN,
#                         cipher suites, supported versions
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
command -v tshark >/dev/null || { echo "regen-golden: tshark is needed" >&2; exit 1; }
VER=$(tshark --version 2>/dev/null | head -1)

FIELDS="-e frame.number -e _ws.col.Protocol -e _ws.col.Info -e tls.record.version -e tls.record.length -e tls.handshake.type -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str -e tls.handshake.ciphersuite -e tls.handshake.extensions.supported_version"

for f in *.pcap; do
    b=${f%.pcap}
    {
        echo "# golden made by regen-golden.sh with $VER"
        echo "# command: tshark -n -r $f -o tcp.desegment_tcp_streams:FALSE -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, $FIELDS"
        # shellcheck disable=SC2086
        tshark -n -r "$f" -o tcp.desegment_tcp_streams:FALSE -T fields -E header=y \
            -E separator=/t -E occurrence=a -E aggregator=, $FIELDS 2>/dev/null
    } >"golden/$b.packets.tsv"
done
echo "regen-golden: $(find golden -name "*.tsv" | wc -l) files in $here/golden"
