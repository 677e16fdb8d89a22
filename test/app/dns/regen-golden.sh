#!/bin/sh
# regen-golden.sh: rebuilds the goldens of this directory with tshark, the
# oracle (only this script needs it; run.sh reads the files it writes).
# Each golden opens with '#' lines naming the tshark version and command.
#
#   <capture>.cols.tsv    frame number, Protocol and Info columns
#   <capture>.fields.tsv  per DNS message: id, flags, questions, records
#                         (name, type, TTL), data fields, and the response's
#                         link to its query (dns.response_to, dns.time)
#
# wirescope decodes one TCP segment at a time, so the TCP capture is
# dissected with tshark's reassembly off (tcp.desegment_tcp_streams:FALSE):
# a message that goes on in the next segment is then decoded as far as the
# segment goes, as wirescope does. Lists inside a field are joined with '|'.
set -eu
cd "$(dirname "$0")"
command -v tshark >/dev/null 2>&1 || { echo "regen-golden: tshark is needed" >&2; exit 1; }
version=$(tshark -v 2>/dev/null | head -1)

FIELDS="-e frame.number -e dns.id -e dns.flags.response -e dns.flags.opcode \
 -e dns.flags.rcode -e dns.flags.truncated -e dns.count.queries -e dns.count.answers \
 -e dns.count.auth_rr -e dns.count.add_rr -e dns.qry.name -e dns.qry.type \
 -e dns.resp.name -e dns.resp.type -e dns.resp.ttl -e dns.a -e dns.aaaa -e dns.cname \
 -e dns.ns -e dns.ptr.domain_name -e dns.mx.preference -e dns.mx.mail_exchange \
 -e dns.srv.priority -e dns.srv.weight -e dns.srv.port -e dns.srv.target -e dns.txt \
 -e dns.soa.mname -e dns.soa.rname -e dns.soa.serial_number -e dns.response_to -e dns.time"

golden() { # OUT tshark-arguments...
    out=$1
    shift
    {
        echo "# golden made by test/app/dns/regen-golden.sh with $version"
        echo "# command: tshark $*"
        tshark "$@" 2>/dev/null
    } >"$out"
}

for f in *.pcap; do
    echo "regen-golden: $f"
    # shellcheck disable=SC2086
    golden "$f.cols.tsv" -n -r "$f" -o tcp.desegment_tcp_streams:FALSE -T fields \
        -E separator=/t -e frame.number -e _ws.col.Protocol -e _ws.col.Info
    # shellcheck disable=SC2086
    golden "$f.fields.tsv" -n -r "$f" -o tcp.desegment_tcp_streams:FALSE -Y dns -T fields \
        -E header=y -E separator=/t -E aggregator='|' $FIELDS
done
