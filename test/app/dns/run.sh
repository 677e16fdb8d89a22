#!/bin/sh
# run.sh: compares wirescope with the tshark goldens of this directory.
#   WIRESCOPE=path/to/wirescope test/app/dns/run.sh
# For each capture: Protocol/Info per frame, the DNS JSON fields per message
# and the query/response transactions (compare.py). Prints each mismatch
# and a last line `N passed, M failed`; exits 1 on any failure. Needs
# python3 only (not tshark: the goldens are committed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
WIRESCOPE=${WIRESCOPE:-./wirescope}
case $WIRESCOPE in /*) ;; */*) WIRESCOPE=$(pwd)/$WIRESCOPE ;; *) WIRESCOPE=$(command -v "$WIRESCOPE" || echo "$WIRESCOPE") ;; esac
passed=0
failed=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for f in "$here"/*.pcap; do
    python3 "$here/compare.py" "$f" "$WIRESCOPE" >"$tmp" 2>&1
    rc=$?
    last=$(tail -n 1 "$tmp")
    p=$(echo "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1/p')
    q=$(echo "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2/p')
    if [ -z "$p" ]; then
        cat "$tmp" # the comparison itself broke
        p=0
        q=1
    else
        sed '$d' "$tmp"
    fi
    [ "$rc" -ne 0 ] && [ "$q" -eq 0 ] && q=1
    echo "dns $(basename "$f"): $p passed, $q failed"
    passed=$((passed + p))
    failed=$((failed + q))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
