#!/bin/sh
# Rebuilds the goldens of this directory from tshark 4.0 (the oracle), with
# TCP desegmentation off: wirescope decodes each segment alone, and so does
# tshark then (a body in the next segment is "Continuation" for both).
#   NAME.cols.golden         frame, Protocol and Info of every RTSP message
#                            frame (interleaved frames: see below)
#   NAME.fields.golden       frame, rtsp.method, rtsp.url, rtsp.status,
#                            rtsp.session, rtsp.transport, and the CSeq
#                            header's value (tshark 4.0 has no CSeq field:
#                            taken from the "CSeq: N" line of its detail tree)
#   NAME.interleaved.golden  frame, rtsp.channel and rtsp.length of its
#                            interleaved frames, and rtp.seq of those tshark
#                            decoded as RTP ("," between frames)
#   NAME.media.golden        each UDP conversation tshark decodes as RTP or
#                            RTCP (it learns the ports from the SETUP as
#                            wirescope does) and which of the two
# Interleaved frames' Protocol/Info are not compared: tshark hands the frame
# to RTP/RTCP and their payload dissectors and names the packet after the
# innermost one ("JPEG", "RTP"), where wirescope writes "RTSP" and
# "Interleaved channel 0x00, 364 bytes (RTP PT=26, ...)".
# Needs tshark; run after make-captures.sh.
set -eu
cd "$(dirname "$0")"
export LC_ALL=C
TS="tshark -n -o tcp.desegment_tcp_streams:FALSE"
for pcap in *.pcap; do
    name=${pcap%.pcap}
    $TS -r "$pcap" -Y 'rtsp && !rtsp.channel' -T fields -E separator=/t \
        -e frame.number -e _ws.col.Protocol -e _ws.col.Info 2>/dev/null \
        >"$name.cols.golden"
    cseq=$(mktemp)
    $TS -r "$pcap" -Y 'rtsp && !rtsp.channel' -V -O rtsp 2>/dev/null | awk '
        /^Frame [0-9]+:/ { no = $2; sub(":", "", no) }
        /^    CSeq: / { v = $2; sub(/\\r\\n$/, "", v); print no "\t" v }' >"$cseq"
    $TS -r "$pcap" -Y 'rtsp && !rtsp.channel' -T fields -E separator=/t \
        -e frame.number -e rtsp.method -e rtsp.url -e rtsp.status \
        -e rtsp.session -e rtsp.transport 2>/dev/null |
        awk -F'\t' -v cseq="$cseq" 'BEGIN {
            OFS = "\t"
            while ((getline line < cseq) > 0) { split(line, f, "\t"); c[f[1]] = f[2] }
        } { print $1, $2, $3, $4, $5, $6, c[$1] }' >"$name.fields.golden"
    rm -f "$cseq"
    $TS -r "$pcap" -Y 'rtsp.channel' -T fields -E separator=/t -E aggregator=, \
        -e frame.number -e rtsp.channel -e rtsp.length -e rtp.seq 2>/dev/null \
        >"$name.interleaved.golden"
    $TS -r "$pcap" -Y 'udp && (rtp || rtcp)' -T fields -E separator=/t \
        -e ip.src -e udp.srcport -e ip.dst -e udp.dstport -e rtp.version \
        -e rtcp.version 2>/dev/null |
        awk -F'\t' 'BEGIN { OFS = "\t" } {
            a = $1 ":" $2; b = $3 ":" $4
            conv = a < b ? a "-" b : b "-" a
            print conv, ($5 != "" ? "RTP" : "RTCP")
        }' | sort -u >"$name.media.golden"
    echo "$name: $(wc -l <"$name.cols.golden") messages," \
        "$(wc -l <"$name.interleaved.golden") interleaved, $(wc -l <"$name.media.golden") media flows"
done
