#!/bin/bash
# make-captures.sh: records the HTTP golden-test captures in this directory
# with real programs (curl, python3 -m http.server, server.py and
# split-client.py beside this script) and tcpdump, on the loopback of a
# network namespace this script creates and deletes (nothing else gets in,
# nothing leaves the machine).
#
#   usage: test/app/http/make-captures.sh [OUTDIR]   (default: this directory)
#
# Needs root, iproute2, tcpdump, curl, python3. Ports, timestamps and TCP
# timestamps differ between runs; the packet sequences do not (segment
# boundaries come from TCP_NODELAY writes with pauses between them). After
# re-recording, run regen-golden.sh (needs tshark).
#
#   keepalive.pcap  python3 -m http.server -p HTTP/1.1 on 8080: curl fetching
#                   /index.html twice and /missing (404, the server closes)
#                   on one connection, then curl -I (HEAD) on a second one
#   custom.pcap     server.py on 80: one curl connection (--next) with a
#                   chunked response one chunk per segment, a chunked
#                   response in one segment, a 3000-byte body in three
#                   segments, 204, 304, a POST with Expect: 100-continue,
#                   a small POST
#   split.pcap      server.py on 8080, split-client.py: request headers cut
#                   across segments, pipelined requests, a POST body in
#                   segments of its own, Connection: close
#   ports.pcap      python3 -m http.server (HTTP/1.0) on 8000 and on 5123,
#                   one curl each: HTTP found by content on ports that are
#                   not HTTP's
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../capture-lib.sh
. "$here/../capture-lib.sh"
capture_need ip ss tcpdump curl python3
capture_outdir "${1:-$here}"

PY=$(command -v python3)
WORK=$(mktemp -d /tmp/wshttp.XXXXXX)
NS=wshttp-$$
trap 'capture_cleanup "$NS"' EXIT
trap 'exit 1' INT TERM

mkdir -p "$WORK/www"
{
    echo '<!DOCTYPE html>'
    echo '<html><head><title>wirescope http test</title></head>'
    echo '<body><p>Hello from the wirescope HTTP capture.</p></body></html>'
} >"$WORK/www/index.html"
head -c 2000 /dev/zero | tr '\0' 'x' >"$WORK/upload.txt"

ns() { ip netns exec "$NS" "$@"; }

netns_fresh "$NS"

echo "make-captures: keepalive.pcap"
start_server "$NS" 8080 "$PY" -m http.server -p HTTP/1.1 --bind 127.0.0.1 -d "$WORK/www" 8080
start_dump "$NS" lo "$OUT/keepalive.pcap" tcp port 8080
U=http://127.0.0.1:8080
ns curl -sS -o /dev/null -o /dev/null -o /dev/null "$U/index.html" "$U/index.html" "$U/missing" || true
ns curl -sS -o /dev/null -I "$U/index.html"
stop_dump "$DUMP_PID"
bg_stop "$SRV_PID"

echo "make-captures: custom.pcap"
start_server "$NS" 80 "$PY" "$here/server.py" 80
start_dump "$NS" lo "$OUT/custom.pcap" tcp port 80
U=http://127.0.0.1
ns curl -sS -o /dev/null "$U/chunked" \
    --next -sS -o /dev/null "$U/chunked-one" \
    --next -sS -o /dev/null "$U/big" \
    --next -sS -o /dev/null "$U/empty" \
    --next -sS -o /dev/null -H 'If-None-Match: "v1"' "$U/cached" \
    --next -sS -o /dev/null -H 'Expect: 100-continue' --data-binary "@$WORK/upload.txt" "$U/upload" \
    --next -sS -o /dev/null -d 'name=value' "$U/upload"
stop_dump "$DUMP_PID"
bg_stop "$SRV_PID"

echo "make-captures: split.pcap"
start_server "$NS" 8080 "$PY" "$here/server.py" 8080
start_dump "$NS" lo "$OUT/split.pcap" tcp port 8080
ns "$PY" "$here/split-client.py" 8080
stop_dump "$DUMP_PID"
bg_stop "$SRV_PID"

echo "make-captures: ports.pcap"
start_server "$NS" 8000 "$PY" -m http.server --bind 127.0.0.1 -d "$WORK/www" 8000
s1=$SRV_PID
start_server "$NS" 5123 "$PY" -m http.server --bind 127.0.0.1 -d "$WORK/www" 5123
s2=$SRV_PID
start_dump "$NS" lo "$OUT/ports.pcap" tcp port 8000 or tcp port 5123
ns curl -sS -o /dev/null http://127.0.0.1:8000/index.html
ns curl -sS -o /dev/null http://127.0.0.1:5123/index.html
stop_dump "$DUMP_PID"
bg_stop "$s1"
bg_stop "$s2"
echo "make-captures: done"
