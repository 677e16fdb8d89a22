#!/bin/sh
# Rebuilds the goldens of this directory from tshark 4.0 (the oracle).
# RTP and RTCP have no well-known port: ffmpeg's ports are given with -d.
set -eu
cd "$(dirname "$0")"
RTP_PORTS="-d udp.port==5004,rtp -d udp.port==5005,rtcp -d udp.port==5006,rtp -d udp.port==5007,rtcp"
DTLS_PORTS="-d udp.port==4433,dtls"
cols() { # file [decode-as...] -> number, protocol, info
    f=$1; shift
    tshark -n -r "$f" "$@" -T fields -E separator=/t \
        -e frame.number -e _ws.col.Protocol -e _ws.col.Info
}
cols stun.pcap >stun.cols
cols dtls.pcap $DTLS_PORTS >dtls.cols
# shellcheck disable=SC2086
cols rtp.pcap $RTP_PORTS >rtp.cols
tshark -n -r stun.pcap -T fields -E separator=/t -E occurrence=f \
    -e frame.number -e stun.type -e stun.id -e stun.att.ipv4 -e stun.att.port \
    -e stun.att.error.class -e stun.att.error -Y stun >stun.fields
tshark -n -r dtls.pcap $DTLS_PORTS -T fields -E separator=/t -E aggregator=, \
    -e frame.number -e dtls.record.content_type -e dtls.record.epoch \
    -e dtls.record.length -Y dtls >dtls.fields
# shellcheck disable=SC2086
tshark -n -r rtp.pcap $RTP_PORTS -T fields -E separator=/t -E aggregator=, \
    -e frame.number -e rtp.p_type -e rtp.seq -e rtp.timestamp -e rtp.ssrc \
    -e rtp.marker -e rtcp.pt -Y "rtp || rtcp" >rtp.fields
# shellcheck disable=SC2086
tshark -n -r rtp.pcap $RTP_PORTS -q -z rtp,streams | grep '^ *[0-9]' >rtp-streams.txt
