#!/bin/sh
# `make run`: live capture on the default interface when this user may
# capture; otherwise the bundled sample capture, so there is always
# something to see.
set -u
cd "$(dirname "$0")/.."
sample=test/fixtures/http.pcap
[ -f docs/sample.pcap ] && sample=docs/sample.pcap
if ./wirescope -D >/dev/null 2>&1 && ./wirescope -c 1 --duration 1 --packets >/dev/null 2>&1; then
    exec ./wirescope "$@"
fi
echo "wirescope: no capture permission here; showing the sample capture $sample" >&2
exec ./wirescope -r "$sample" "$@"
