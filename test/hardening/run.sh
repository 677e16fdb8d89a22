#!/bin/bash
# make hardening: bounded memory under attack (bounds.py over captures from
# gen-attack.c, generated into build/hardening/ and reused), then capture
# faults (faults.sh: interface loss, signals, full disk need root; a cut
# stdin stream does not). About 1 minute when nothing is slow (plus ~10 s
# to generate the captures, 1.7 GB, the first time); a pathological slowdown
# is cut off by a time limit per run, so at worst about 5 minutes.
#   WIRESCOPE=path/to/wirescope (default ./wirescope, from the repo root;
#   a release build: sanitiser builds use far more memory)
#   HARDENING_MIN_PPS (100000), HARDENING_ONLY=name,... (see bounds.py)
# Last line: `N passed, N failed`; exit 1 when anything failed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
WIRESCOPE=${WIRESCOPE:-./wirescope}
case $WIRESCOPE in /*) ;; */*) WIRESCOPE=$root/$WIRESCOPE ;; *) WIRESCOPE=$(command -v "$WIRESCOPE" || echo "$WIRESCOPE") ;; esac
export WIRESCOPE
if [ ! -x "$WIRESCOPE" ]; then
    echo "hardening: $WIRESCOPE not built (run make)"
    echo "0 passed, 1 failed"
    exit 1
fi
for tool in /usr/bin/time timeout python3 cc; do
    if ! command -v "$tool" >/dev/null; then
        echo "hardening: $tool missing (apt-get install time coreutils python3 gcc)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done
B=build/hardening
mkdir -p "$B"
cc -std=c11 -O2 -Wall -Wextra -Werror -o "$B/gen-attack" test/hardening/gen-attack.c || exit 2
cc -std=c11 -D_GNU_SOURCE -Iinclude -o "$B/sizes" test/hardening/sizes.c || exit 2

start=$(date +%s)
total_pass=0
total_fail=0
for step in "python3 test/hardening/bounds.py $WIRESCOPE $B" "test/hardening/faults.sh"; do
    echo "### $step"
    $step | tee "$B/step.log"
    last=$(tail -1 "$B/step.log")
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        total_pass=$((total_pass + BASH_REMATCH[1]))
        total_fail=$((total_fail + BASH_REMATCH[2]))
    else
        echo "FAIL - $step ended without a result line"
        total_fail=$((total_fail + 1))
    fi
done
rm -f "$B/step.log"
echo "# hardening took $(($(date +%s) - start)) s"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
