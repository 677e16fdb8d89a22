#!/bin/sh
# Makes rtmp.pcap with real programs on loopback inside a network namespace
# (root needed): nginx with Debian's libnginx-mod-rtmp, ffmpeg publishing a
# short test stream to rtmp://127.0.0.1/live/test (FLV: H.264-less flv1
# video and MP3-less nellymoser-free AAC audio kept tiny), then ffmpeg
# playing it back into -f null. The MTU of lo is lowered to 1500 so the
# handshake and media are split across segments as on a real network.
# Packages: nginx-light libnginx-mod-rtmp ffmpeg tcpdump iproute2.
set -eu
cd "$(dirname "$0")"
NS=hm-rtmp
TMP=$(mktemp -d)
cleanup() {
    ip netns pids $NS 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del $NS 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
ip netns del $NS 2>/dev/null || true
ip netns add $NS
ip -n $NS link set lo mtu 1500 up
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
ip netns exec $NS tcpdump -q -i lo -s 0 -U -w "$TMP/rtmp.pcap" tcp port 1935 2>/dev/null &
CAP=$!
sleep 1
ip netns exec $NS ffmpeg -nostdin -loglevel error -re -f lavfi \
    -i testsrc=size=64x48:rate=5:duration=4 -f lavfi -i sine=duration=4 \
    -c:v flv1 -b:v 20k -c:a aac -b:a 16k -ar 22050 -ac 1 \
    -f flv rtmp://127.0.0.1/live/test &
PUB=$!
sleep 1.5
ip netns exec $NS ffmpeg -nostdin -loglevel error -t 1 -i rtmp://127.0.0.1/live/test \
    -f null - || true
wait $PUB || true
sleep 1
kill $CAP
wait $CAP 2>/dev/null || true
cp "$TMP/rtmp.pcap" rtmp.pcap
ls -l rtmp.pcap
