#!/bin/sh
# Makes the captures of this directory with real programs, between two
# network namespaces joined through a third that routes (root needed):
#   stun.pcap  coturn's turnserver answering turnutils_stunclient (Binding)
#              and turnutils_uclient (Allocate with long-term credentials,
#              CreatePermission, ChannelBind, ChannelData, Refresh)
#   dtls.pcap  openssl s_server -dtls1_2 / s_client -dtls1_2, one line each way
#   rtp.pcap   ffmpeg sending PCMU audio (PT 0) and MPEG-4 video (PT 96) over
#              RTP with RTCP, 3 % of the datagrams dropped at random by the
#              router (iptables statistic; netem is not available everywhere)
# Packages: coturn openssl ffmpeg tcpdump iproute2 iptables.
# The captures change with each run: regenerate the goldens after (regen-golden.sh).
set -eu
# shellcheck source=SCRIPTDIR/../capture-lib.sh
. "$(dirname "$0")/../capture-lib.sh"
cd "$(dirname "$0")"
A=hm-a B=hm-b R=hm-r
trap 'netns_gone $A $B $R' EXIT
netns_fresh $A $B $R
veth_link $A hm-va 10.77.1.1 $R hm-ra 10.77.1.254
veth_link $B hm-vb 10.77.0.2 $R hm-rb 10.77.0.254
ip -n $A route add default via 10.77.1.254
ip -n $B route add default via 10.77.0.254
ip netns exec $R sysctl -q -w net.ipv4.ip_forward=1
TMP=$(mktemp -d)

# --- STUN / TURN ---
ip netns exec $B turnserver -n --listening-ip=10.77.0.2 --relay-ip=10.77.0.2 \
    --listening-port=3478 -a -u user:secret -r example.org --no-tls --no-dtls \
    --no-cli --log-file=stdout --simple-log >"$TMP/turn.log" 2>&1 &
sleep 1
capture_start $B hm-vb stun.pcap udp port 3478
ip netns exec $A turnutils_stunclient -p 3478 10.77.0.2 >/dev/null
ip netns exec $A turnutils_uclient -u user -w secret -r example.org -n 2 -m 1 \
    -l 64 -e 10.77.0.2 -g 10.77.0.2 >/dev/null 2>&1 || true
capture_stop stun.pcap
ip netns pids $B | xargs -r kill 2>/dev/null || true

# --- DTLS 1.2 ---
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/k.pem" -out "$TMP/c.pem" \
    -days 1 -subj /CN=wirescope-test 2>/dev/null
capture_start $B hm-vb dtls.pcap udp port 4433
(sleep 2; echo hello-from-server; sleep 2) | ip netns exec $B openssl s_server -dtls1_2 \
    -accept 4433 -key "$TMP/k.pem" -cert "$TMP/c.pem" -quiet >/dev/null 2>&1 &
SRV=$!
sleep 0.5
(echo hello-from-client; sleep 3) | ip netns exec $A openssl s_client -dtls1_2 \
    -connect 10.77.0.2:4433 -quiet >/dev/null 2>&1 || true
kill $SRV 2>/dev/null || true
capture_stop dtls.pcap

# --- RTP / RTCP with random loss on the sender's side ---
ip netns exec $R iptables -A FORWARD -p udp -m statistic --mode random \
    --probability 0.03 -j DROP
ip netns exec $B iptables -A INPUT -p udp -j DROP   # no ICMP port unreachable
capture_start $B hm-vb rtp.pcap udp portrange 5004-5007
ip netns exec $A ffmpeg -nostdin -loglevel error -re -f lavfi \
    -i sine=frequency=440:duration=4 -c:a pcm_mulaw -ar 8000 -ac 1 \
    -f rtp rtp://10.77.0.2:5004 &
AUD=$!
ip netns exec $A ffmpeg -nostdin -loglevel error -re -f lavfi \
    -i testsrc=size=96x72:rate=10:duration=4 -c:v mpeg4 -b:v 60k \
    -f rtp rtp://10.77.0.2:5006 >/dev/null
wait $AUD
capture_stop rtp.pcap
rm -rf "$TMP"
ls -l stun.pcap dtls.pcap rtp.pcap
