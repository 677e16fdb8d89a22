#!/bin/sh
# Regenerates test/golden/follow/*.tsv: each TCP connection's byte streams
# as tshark reassembles them, one line per side ("client"/"server", then
# the hex), from
#   tshark -n -r FILE -q -z follow,tcp,raw,STREAM
# (lines without a leading tab are node 0, the sender of the stream's first
# packet; tab-indented lines are node 1). Needs tshark; the tests do not.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/test/golden/follow
mkdir -p "$out"
for f in test/fixtures/http.pcap test/fixtures/ipv6.pcap test/tcp/close-client.pcap \
         test/tcp/close-server.pcap test/tcp/half-close.pcap test/tcp/ipv6.pcap \
         test/tcp/zero-window.pcap test/tcp/keepalive.pcap test/tcp/three-way-close.pcap \
         test/tcp/simultaneous-close.pcap test/tcp/abort-linger.pcap test/tcp/port-reuse.pcap; do
    name=$(basename "$f" .pcap)
    streams=$(tshark -n -r "$root/$f" -T fields -e tcp.stream 2>/dev/null | sort -un)
    for s in $streams; do
        dest=$out/$name.$s.tsv
        echo "# tshark -n -r $f -q -z follow,tcp,raw,$s" >"$dest"
        tshark -n -r "$root/$f" -q -z "follow,tcp,raw,$s" 2>/dev/null | awk '
            /^(=+|Follow:|Filter:|Node [01]:)/ || NF == 0 { next }
            /^\t/ { sub(/^\t/, ""); server = server $0; next }
            { client = client $0 }
            END { print "client\t" client; print "server\t" server }' >>"$dest"
    done
done
echo "regen-follow: wrote $(ls "$out" | wc -l) files to $out"
