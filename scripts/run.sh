#!/bin/sh
# `make run`: the terminal UI, live on the default interface when this user
# may capture; otherwise how to get that permission, and the UI on the
# bundled sample capture, with a notice on its message line.
set -u
cd "$(dirname "$0")/.."
sample=test/fixtures/http.pcap
[ -f docs/sample.pcap ] && sample=docs/sample.pcap
if ./wirescope -D >/dev/null 2>&1 && ./wirescope -c 1 --duration 1 --packets >/dev/null 2>&1; then
    exec ./wirescope "$@"
fi
cat >&2 <<MSG
wirescope: no permission to capture here. To capture live, either
    sudo make run
or give the binary the capture capabilities once:
    sudo setcap cap_net_raw,cap_net_admin=eip ./wirescope   (or: sudo make install-setcap)
Showing the bundled sample capture $sample instead.
MSG
sleep 2
WIRESCOPE_NOTICE="no capture permission: showing $sample (sudo make run, or setcap cap_net_raw,cap_net_admin=eip ./wirescope)" \
    exec ./wirescope -r "$sample" "$@"
