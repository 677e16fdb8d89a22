#!/bin/sh
# Rebuilds the goldens of this directory from tshark 4.0 (the oracle).
#  rtmp.cols    number, protocol, info of the packets where tshark shows an
#               RTMP control or command message or the client's handshake
#               (rows that are only "Audio Data"/"Video Data", and
#               "Handshake S0+S1+S2", which tshark names after reassembling
#               three segments, are left out)
#  rtmp.fields  for the same packets: message type ids (rtmpt.header.typeid)
#               and AMF strings (amf.string)
#  rtmp.stateful  packets of rtmp.cols whose first message is a control
#               message whose chunk header came alone in the previous
#               segment: tshark reassembles them; a stateless per-segment
#               dissector cannot know the type (run.sh skips these rows and
#               says how many)
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
tshark -n -r rtmp.pcap -Y rtmpt -T fields -E separator=/t \
    -e frame.number -e _ws.col.Protocol -e _ws.col.Info |
    awk -F'\t' '$3 !~ /^((Audio|Video) Data\|?)+$/ && $3 != "Handshake S0+S1+S2"' >rtmp.cols
filter=$(cut -f1 rtmp.cols | sed 's/^/frame.number==/' | paste -sd'|' | sed 's/|/ || /g')
tshark -n -r rtmp.pcap -Y "$filter" -T fields -E separator=/t -E aggregator=, \
    -e frame.number -e rtmpt.header.typeid -e amf.string >rtmp.fields
tshark -n -r rtmp.pcap -T fields -E separator=/t -E aggregator=, \
    -e frame.number -e tcp.srcport -e tcp.len -e _ws.col.Protocol \
    -e rtmpt.header.typeid >"$tmp"
awk -F'\t' '
    $3 > 0 {
        first = $5; sub(/,.*/, "", first)
        if (held[$2] && $4 == "RTMP" && first != "0x12" && first != "0x14")
            print $1
        held[$2] = ($4 == "TCP")
    }' "$tmp" >"$tmp.all"
cut -f1 rtmp.cols | grep -Fxf "$tmp.all" >rtmp.stateful || true
rm -f "$tmp.all"
