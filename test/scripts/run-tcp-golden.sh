#!/bin/sh
# run-tcp-golden.sh: compares wirescope's TCP tracker with the tshark goldens
# for every capture test/tcp/*.pcap (test/tcp/golden/NAME.packets.tsv,
# NAME.conv.tsv, test/tcp/expected-conn.tsv; see test/tcp/README.md).
#   WIRESCOPE=path/to/wirescope (default ./wirescope, from the repo root)
# Prints each mismatch, a per-capture line, and the total
# `N passed, N failed`; exits 1 when anything failed. Needs python3 only.
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope
dir=test/tcp
n=0
tap_tmpdir ws-tcp-golden

[ -x "$WIRESCOPE" ] ||
    tap_abort "run-tcp-golden: $WIRESCOPE is not an executable (build it with make, or set WIRESCOPE)"

for f in "$dir"/*.pcap; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pcap)
    n=$((n + 1))
    tap_part "tcp-golden $name" python3 test/scripts/tcp_golden.py "$f" "$WIRESCOPE"
done

if [ "$n" -eq 0 ]; then
    echo "run-tcp-golden: no capture under $dir"
    failed=$((failed + 1))
fi
tap_done
