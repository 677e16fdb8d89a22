#!/bin/sh
# Makes rtmp.pcap with real programs on loopback inside a network namespace
# (root needed): nginx with Debian's libnginx-mod-rtmp, ffmpeg publishing a
# short test stream to rtmp://127.0.0.1/live/test (FLV: H.264-less flv1
# video and MP3-less nellymoser-free AAC audio kept tiny), then ffmpeg
# playing it back into -f null. The MTU of lo is lowered to 1500 so the
# handshake and media are split across segments as on a real network.
# Packages: nginx-light libnginx-mod-rtmp ffmpeg tcpdump iproute2.
set -eu
# shellcheck source=SCRIPTDIR/../capture-lib.sh
. "$(dirname "$0")/../capture-lib.sh"
cd "$(dirname "$0")"
NS=hm-rtmp
TMP=$(mktemp -d)
trap 'netns_gone $NS; rm -rf "$TMP"' EXIT
netns_fresh $NS
ip -n $NS link set lo mtu 1500
cat >"$TMP/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/error.log;
events { worker_connections 64; }
rtmp {
    server {
        listen 1935;
        chunk_size 4096;
        application live { live on; record off; }
    }
}
CONF
ip netns exec $NS nginx -c "$TMP/nginx.conf" -p "$TMP" &
sleep 1
capture_start $NS lo rtmp.pcap tcp port 1935
ip netns exec $NS ffmpeg -nostdin -loglevel error -re -f lavfi \
    -i testsrc=size=64x48:rate=5:duration=4 -f lavfi -i sine=duration=4 \
    -c:v flv1 -b:v 20k -c:a aac -b:a 16k -ar 22050 -ac 1 \
    -f flv rtmp://127.0.0.1/live/test &
PUB=$!
sleep 1.5
ip netns exec $NS ffmpeg -nostdin -loglevel error -t 1 -i rtmp://127.0.0.1/live/test \
    -f null - || true
wait $PUB || true
capture_stop rtmp.pcap
ls -l rtmp.pcap
