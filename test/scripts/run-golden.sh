#!/bin/sh
# run-golden.sh: compares wirescope with the tshark goldens for every fixture
# in test/fixtures that has test/golden/<name>.packets.tsv.
#   WIRESCOPE=path/to/wirescope (default ./wirescope, from the repo root)
# Prints each mismatch, a per-fixture line, and the total
# `N passed, N failed`; exits 1 when anything failed. Needs python3 only.
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope
fix=test/fixtures
gold=test/golden
nfix=0
tap_tmpdir ws-golden

[ -x "$WIRESCOPE" ] ||
    tap_abort "run-golden: $WIRESCOPE is not an executable (build it with make, or set WIRESCOPE)"

for f in "$fix"/*.pcap "$fix"/*.pcapng; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    [ -f "$gold/$name.packets.tsv" ] || continue
    nfix=$((nfix + 1))
    tap_part "golden $name" python3 test/scripts/golden_compare.py "$f" "$gold" "$WIRESCOPE"
done

if [ "$nfix" -eq 0 ]; then
    echo "run-golden: no fixture with goldens under $fix"
    failed=$((failed + 1))
fi
tap_done
