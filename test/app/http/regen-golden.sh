#!/bin/bash
# regen-golden.sh: rebuilds golden/ from the captures in this directory with
# tshark (the oracle). run.sh compares wirescope against these files.
#
#   golden/F.packets.tsv  per segment, TCP desegmentation off (tshark's
#                         columns as wirescope writes them, one segment at a
#                         time): frame, Protocol, Info, and the first HTTP
#                         message's fields
#   golden/F.msgs-off.tsv every request and status line per segment
#                         (desegmentation off), all occurrences
#   golden/F.msgs-on.tsv  the same with desegmentation on and body
#                         desegmentation off: a header block split across
#                         segments shows in the segment that completes it
#
# run.sh pairs the requests and responses of F.msgs-*.tsv per TCP stream
# (first in, first out; 1xx responses interim) to get the expected
# --transactions, with latencies from the frames' times.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
command -v tshark >/dev/null || { echo "regen-golden: tshark is needed" >&2; exit 1; }
VER=$(tshark --version 2>/dev/null | head -1)

PKT_FIELDS="-e frame.number -e _ws.col.Protocol -e _ws.col.Info -e http.request.method -e http.request.uri -e http.request.version -e http.response.version -e http.response.code -e http.response.phrase -e http.host -e http.content_length_header"
MSG_FIELDS="-e frame.number -e frame.time_epoch -e tcp.stream -e http.request.method -e http.request.uri -e http.response.code -e http.response.phrase"

gen() { # OUT COMMAND...
    local out=$1; shift
    {
        echo "# golden made by regen-golden.sh with $VER"
        echo "# command: $*"
        "$@" 2>/dev/null
    } >"$out"
}

for f in *.pcap; do
    b=${f%.pcap}
    # shellcheck disable=SC2086
    gen "golden/$b.packets.tsv" tshark -n -r "$f" -o tcp.desegment_tcp_streams:FALSE \
        -T fields -E header=y -E separator=/t -E occurrence=f $PKT_FIELDS
    # shellcheck disable=SC2086
    gen "golden/$b.msgs-off.tsv" tshark -n -r "$f" -o tcp.desegment_tcp_streams:FALSE \
        -Y http -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=\| $MSG_FIELDS
    # shellcheck disable=SC2086
    gen "golden/$b.msgs-on.tsv" tshark -n -r "$f" -o tcp.desegment_tcp_streams:TRUE \
        -o http.desegment_body:FALSE \
        -Y http -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=\| $MSG_FIELDS
done
echo "regen-golden: $(find golden -name "*.tsv" | wc -l) files in $here/golden"
