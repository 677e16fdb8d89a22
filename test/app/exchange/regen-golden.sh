#!/bin/sh
# regen-golden.sh: tshark's view of the captures the exchange ladders and
# --transactions are checked on (the captures live in the sibling
# directories, made with real programs). Needs tshark; the test does not.
set -eu
cd "$(dirname "$0")"
version=$(tshark -v 2>/dev/null | head -1)
# name capture
set -- dns ../dns/dns-udp.pcap dhcp ../dhcp/dhcp.pcap ftp ../ftp/ftp-ftplib.pcap \
    rtsp ../rtsp/rtsp-play-udp.pcap
while [ $# -ge 2 ]; do
    name=$1 cap=$2
    shift 2
    [ -f "$cap" ] || continue
    cmd="tshark -n -r $cap -o tcp.desegment_tcp_streams:FALSE -T fields -E header=y -E separator=/t -E aggregator=| -e frame.number -e frame.time_relative -e ip.src -e udp.srcport -e tcp.srcport -e ip.dst -e udp.dstport -e tcp.dstport -e udp.stream -e tcp.stream -e dhcp.type -e dhcp.id -e dhcp.hw.mac_addr -e dns.id -e dns.flags.response -e dns.time -e frame.protocols -e tcp.len -e tcp.flags.syn -e tcp.flags.fin -e tcp.flags.reset -e udp.length -e _ws.col.Info"
    {
        echo "# golden made by test/app/exchange/regen-golden.sh with $version"
        echo "# command: $cmd"
        # shellcheck disable=SC2086
        $cmd 2>/dev/null
    } >"$name.tshark.tsv"
    echo "regen-golden: $name.tshark.tsv"
done
