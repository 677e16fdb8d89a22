#!/bin/sh
# run-app.sh: runs every application-protocol golden test, test/app/*/run.sh
# (each compares wirescope's output on captures made with real programs
# against goldens made by tshark), and sums their `N passed, M failed`.
#   WIRESCOPE=path/to/wirescope (default ./wirescope)
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope
export WIRESCOPE
tap_tmpdir ws-app
# Not tap_part: a failing app shows only its non-ok lines, and its label
# line gives both counts.
for t in test/app/*/run.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$(dirname "$t")")
    sh "$t" >"$T/out" 2>&1
    rc=$?
    tap_tally "$T/out"
    p=$tap_p
    q=$tap_q
    if [ -z "$p" ] || { [ "$rc" -ne 0 ] && [ "$q" = 0 ]; }; then
        cat "$T/out"
        p=${p:-0}
        q=$((${q:-0} + 1))
    elif [ "$q" -ne 0 ]; then
        grep -v '^ok' "$T/out" | head -40
    fi
    echo "app $name: $p passed, $q failed"
    passed=$((passed + p))
    failed=$((failed + q))
done
tap_done
