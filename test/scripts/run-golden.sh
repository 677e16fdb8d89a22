#!/bin/sh
# run-golden.sh: compares wirescope with the tshark goldens for every fixture
# in test/fixtures that has test/golden/<name>.packets.tsv.
#   WIRESCOPE=path/to/wirescope (default ./wirescope, from the repo root)
# Prints each mismatch, a per-fixture line, and the total
# `N passed, N failed`; exits 1 when anything failed. Needs python3 only.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
WIRESCOPE=${WIRESCOPE:-./wirescope}
case $WIRESCOPE in */*) ;; *) WIRESCOPE=$(command -v "$WIRESCOPE" || echo "$WIRESCOPE") ;; esac
fix=test/fixtures
gold=test/golden
passed=0
failed=0
nfix=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

if [ ! -x "$WIRESCOPE" ]; then
    echo "run-golden: $WIRESCOPE is not an executable (build it with make, or set WIRESCOPE)"
    echo "0 passed, 1 failed"
    exit 1
fi

for f in "$fix"/*.pcap "$fix"/*.pcapng; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    [ -f "$gold/$name.packets.tsv" ] || continue
    nfix=$((nfix + 1))
    python3 test/scripts/golden_compare.py "$f" "$gold" "$WIRESCOPE" >"$tmp" 2>&1
    rc=$?
    last=$(tail -n 1 "$tmp")
    p=$(echo "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1/p')
    q=$(echo "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2/p')
    if [ -z "$p" ]; then
        # The comparison itself broke: show why, count it as one failure.
        cat "$tmp"
        p=0
        q=1
    else
        sed '$d' "$tmp"
    fi
    [ "$rc" -ne 0 ] && [ "$q" -eq 0 ] && q=1
    if [ "$q" -eq 0 ]; then
        echo "golden $name: ok ($p checks)"
    else
        echo "golden $name: FAIL ($q of $((p + q)) checks)"
    fi
    passed=$((passed + p))
    failed=$((failed + q))
done

if [ "$nfix" -eq 0 ]; then
    echo "run-golden: no fixture with goldens under $fix"
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
