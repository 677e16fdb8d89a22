#!/bin/sh
# run-app.sh: runs every application-protocol golden test, test/app/*/run.sh
# (each compares wirescope's output on captures made with real programs
# against goldens made by tshark), and sums their `N passed, M failed`.
#   WIRESCOPE=path/to/wirescope (default ./wirescope)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
WIRESCOPE=${WIRESCOPE:-./wirescope}
case $WIRESCOPE in /*) ;; */*) WIRESCOPE=$root/$WIRESCOPE ;; *) WIRESCOPE=$(command -v "$WIRESCOPE" || echo "$WIRESCOPE") ;; esac
export WIRESCOPE
passed=0
failed=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for t in test/app/*/run.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$(dirname "$t")")
    sh "$t" >"$tmp" 2>&1
    rc=$?
    last=$(tail -n 1 "$tmp")
    p=$(echo "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1/p')
    q=$(echo "$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2/p')
    if [ -z "$p" ] || { [ "$rc" -ne 0 ] && [ "$q" = 0 ]; }; then
        cat "$tmp"
        p=${p:-0}
        q=$((${q:-0} + 1))
    elif [ "$q" -ne 0 ]; then
        grep -v '^ok' "$tmp" | head -40
    fi
    echo "app $name: $p passed, $q failed"
    passed=$((passed + p))
    failed=$((failed + q))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
