#!/bin/sh
# Rebuilds the goldens of this directory from tshark 4.0 (the oracle):
#   telnet.cols.golden  frame, Protocol and Info of every Telnet frame
#   telnet.cmds.golden  frame, whether it carries data (a telnet.data item),
#                       and its commands in order as tshark's detail tree
#                       names them ("Do Echo", "Suboption Terminal Type",
#                       "Suboption End", "Are You There?"), joined by "|"
# Needs tshark; run after make-captures.sh.
set -eu
cd "$(dirname "$0")"
export LC_ALL=C
TS="tshark -n -o tcp.desegment_tcp_streams:FALSE"
for pcap in *.pcap; do
    name=${pcap%.pcap}
    $TS -r "$pcap" -Y telnet -T fields -E separator=/t \
        -e frame.number -e _ws.col.Protocol -e _ws.col.Info 2>/dev/null \
        >"$name.cols.golden"
    # the items one level under "Telnet" in the detail tree
    $TS -r "$pcap" -Y telnet -V -O telnet 2>/dev/null | awk '
        function flush() {
            if (no != "") print no "\t" data "\t" cmds
        }
        /^Frame [0-9]+:/ { flush(); no = $2; sub(":", "", no); data = 0; cmds = ""; next }
        /^Telnet$/ { in_telnet = 1; next }
        /^[^ ]/ { in_telnet = 0; next }
        in_telnet && /^    [^ ]/ {
            item = substr($0, 5)
            if (item ~ /^Data: /) { data = 1; next }
            cmds = cmds == "" ? item : cmds "|" item
        }
        END { flush() }' >"$name.cmds.golden"
    echo "$name: $(wc -l <"$name.cols.golden") frames"
done
