#!/bin/sh
# Rebuilds the goldens of this directory from tshark 4.0 (the oracle):
#   NAME.cols.golden    frame, Protocol and Info of every FTP / FTP-DATA frame
#   NAME.fields.golden  frame, ftp.request.command, ftp.request.arg,
#                       ftp.response.code, ftp.response.arg, and the data
#                       address and port (ftp.passive.ip/port,
#                       ftp.active.cip/port, ftp.eprt.ip/port or
#                       ftp.epsv.ip/port, whichever the frame has)
#   NAME.flows.golden   each FTP-DATA conversation (client and server
#                       ends) and, when tshark knows the PORT/EPRT/PASV/EPSV
#                       that announced it (ftp-data.setup-frame is an FTP
#                       frame), the ends of that control connection; "-"
#                       when it found the data connection by port 20 only
# Two deliberate differences are applied to tshark's text, and only these:
#   - the argument of PASS is replaced by ******** (wirescope never shows a
#     password);
#   - tshark's FTP-DATA Info ends with the setup mode and the control
#     connection's last command, "FTP Data: 132 bytes (PASV) (LIST pub)";
#     wirescope decodes each segment alone and writes "FTP Data: 132 bytes"
#     (the command shows in --transactions), so the suffix is cut.
# Needs tshark; run after make-captures.sh.
set -eu
cd "$(dirname "$0")"
export LC_ALL=C
TS="tshark -n -o tcp.desegment_tcp_streams:FALSE"
ends=$(mktemp)
trap 'rm -f "$ends"' EXIT
for pcap in *.pcap; do
    name=${pcap%.pcap}
    $TS -r "$pcap" -Y 'ftp || ftp-data' -T fields -E separator=/t \
        -e frame.number -e _ws.col.Protocol -e _ws.col.Info 2>/dev/null |
        sed -E 's/^([0-9]+\tFTP\tRequest: PASS ).+$/\1********/' |
        sed -E 's/^([0-9]+\tFTP-DATA\tFTP Data: [0-9]+ bytes).*$/\1/' \
        >"$name.cols.golden"
    $TS -r "$pcap" -Y ftp -T fields -E separator=/t \
        -e frame.number -e ftp.request.command -e ftp.request.arg \
        -e ftp.response.code -e ftp.response.arg \
        -e ftp.passive.ip -e ftp.passive.port -e ftp.active.cip -e ftp.active.port \
        -e ftp.eprt.ip -e ftp.eprt.port -e ftp.epsv.ip -e ftp.epsv.port 2>/dev/null |
        awk -F'\t' 'BEGIN { OFS = "\t" } {
            arg = $3
            if (toupper($2) == "PASS" && arg != "") arg = "********"
            addr = $6 $8 $10 $12; port = $7 $9 $11 $13
            print $1, $2, arg, $4, $5, addr, port
        }' >"$name.fields.golden"
    # frame -> "addr:port-addr:port" of its TCP connection, for the lookup
    $TS -r "$pcap" -Y tcp -T fields -E separator=/t -e frame.number \
        -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e ftp.request \
        -e ftp.response 2>/dev/null >"$ends"
    $TS -r "$pcap" -Y ftp-data -T fields -E separator=/t -e frame.number \
        -e ftp-data.setup-frame 2>/dev/null |
        awk -F'\t' -v ends="$ends" 'BEGIN {
            OFS = "\t"
            while ((getline line < ends) > 0) {
                split(line, f, "\t")
                a = f[2] ":" f[3]; b = f[4] ":" f[5]
                conn[f[1]] = a < b ? a "-" b : b "-" a
                isftp[f[1]] = f[6] != "" || f[7] != ""
            }
        } {
            data = conn[$1]
            ctl = ($2 != "" && isftp[$2]) ? conn[$2] : "-"
            if (!(data in seen)) { seen[data] = 1; print data, ctl }
        }' | sort >"$name.flows.golden"
    echo "$name: $(wc -l <"$name.cols.golden") frames, $(wc -l <"$name.flows.golden") data connections"
done
