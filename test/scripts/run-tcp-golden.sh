#!/bin/sh
# run-tcp-golden.sh: compares wirescope's TCP tracker with the tshark goldens
# for every capture test/tcp/*.pcap (test/tcp/golden/NAME.packets.tsv,
# NAME.conv.tsv, test/tcp/expected-conn.tsv; see test/tcp/README.md).
#   WIRESCOPE=path/to/wirescope (default ./wirescope, from the repo root)
# Prints each mismatch, a per-capture line, and the total
# `N passed, N failed`; exits 1 when anything failed. Needs python3 only.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
WIRESCOPE=${WIRESCOPE:-./wirescope}
case $WIRESCOPE in */*) ;; *) WIRESCOPE=$(command -v "$WIRESCOPE" || echo "$WIRESCOPE") ;; esac
dir=test/tcp
passed=0
failed=0
n=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

if [ ! -x "$WIRESCOPE" ]; then
    echo "run-tcp-golden: $WIRESCOPE is not an executable (build it with make, or set WIRESCOPE)"
    echo "0 passed, 1 failed"
    exit 1
fi

for f in "$dir"/*.pcap; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pcap)
    n=$((n + 1))
    python3 test/scripts/tcp_golden.py "$f" "$WIRESCOPE" >"$tmp" 2>&1
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
        echo "tcp-golden $name: ok ($p checks)"
    else
        echo "tcp-golden $name: FAIL ($q of $((p + q)) checks)"
    fi
    passed=$((passed + p))
    failed=$((failed + q))
done

if [ "$n" -eq 0 ]; then
    echo "run-tcp-golden: no capture under $dir"
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
