#!/bin/sh
# Makes the captures of this directory with real programs, between two
# network namespaces joined by a veth pair (root needed):
#   rtsp-record-udp.pcap  ffmpeg as an RTSP server in listen mode; an ffmpeg
#                         client publishes a test pattern (OPTIONS, ANNOUNCE
#                         with an SDP body, SETUP, RECORD, TEARDOWN) with
#                         RTP/RTCP over UDP on the negotiated ports
#   rtsp-record-tcp.pcap  the same with -rtsp_transport tcp: RTP/RTCP in
#                         interleaved $ frames inside the RTSP connection
#   rtsp-play-udp.pcap    a GStreamer RTSP server (gst-rtsp-server through
#                         Python GObject) serving a test pattern; ffmpeg
#                         reads it (OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN)
#                         with RTP/RTCP over UDP
#   rtsp-play-tcp.pcap    the same read with -rtsp_transport tcp
# Packages: ffmpeg tcpdump iproute2, and for the play captures python3-gi
# gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base
# gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly.
# The captures change with each run: regenerate the goldens after
# (regen-golden.sh).
set -eu
# shellcheck source=SCRIPTDIR/../capture-lib.sh
. "$(dirname "$0")/../capture-lib.sh"
cd "$(dirname "$0")"
S=hf-rt-s C=hf-rt-c
SADDR=10.79.2.1 CADDR=10.79.2.2
TMP=$(mktemp -d)
trap 'netns_gone $S $C; rm -rf "$TMP"' EXIT
netns_fresh $S $C
veth_link $S hf-rs $SADDR $C hf-rc $CADDR

# A small, slow test pattern keeps the captures small.
SRC="-re -f lavfi -i testsrc=size=64x48:rate=5 -t 1.2 -c:v mpeg4 -b:v 20k"

record() { # file transport
    ip netns exec $S timeout 20 ffmpeg -hide_banner -loglevel error \
        -rtsp_flags listen -rtsp_transport $2 -i rtsp://$SADDR:8554/live \
        -f null - &
    SRV=$!
    sleep 1
    capture_start $C hf-rc $1
    ip netns exec $C ffmpeg -hide_banner -loglevel error $SRC \
        -f rtsp -rtsp_transport $2 rtsp://$SADDR:8554/live
    wait $SRV || true
    capture_stop $1
}
record rtsp-record-udp.pcap udp
record rtsp-record-tcp.pcap tcp

# --- play: a GStreamer RTSP server ---
cat >$TMP/server.py <<EOF
import gi, signal
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst, GstRtspServer, GLib
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("$SADDR")
server.set_service("554")
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch("( videotestsrc pattern=ball ! video/x-raw,format=I420,width=64,height=48,"
                   "framerate=5/1 ! jpegenc quality=20 ! rtpjpegpay name=pay0 pt=26 )")
factory.set_shared(True)
server.get_mount_points().add_factory("/test", factory)
server.attach(None)
loop = GLib.MainLoop()
signal.signal(signal.SIGTERM, lambda *a: loop.quit())
loop.run()
EOF
play() { # file transport
    capture_start $C hf-rc $1
    ip netns exec $C ffmpeg -hide_banner -loglevel error -rtsp_transport $2 \
        -i rtsp://$SADDR/test -t 1.2 -f null -
    capture_stop $1
}
if /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0")' 2>/dev/null; then
    ip netns exec $S /usr/bin/python3 $TMP/server.py &
    sleep 2
    play rtsp-play-udp.pcap udp
    play rtsp-play-tcp.pcap tcp
else
    echo "no gst-rtsp-server: the play captures are not made" >&2
fi
ls -l *.pcap
