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
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/../scripts/tap.sh"
tap_root
tap_wirescope
export WIRESCOPE
[ -x "$WIRESCOPE" ] || tap_abort "hardening: $WIRESCOPE not built (run make)"
for tool in /usr/bin/time timeout python3 cc; do
    command -v "$tool" >/dev/null ||
        tap_abort "hardening: $tool missing (apt-get install time coreutils python3 gcc)"
done
B=build/hardening
mkdir -p "$B"
cc -std=c11 -O2 -Wall -Wextra -Werror -o "$B/gen-attack" test/hardening/gen-attack.c || exit 2
cc -std=c11 -D_GNU_SOURCE -Iinclude -o "$B/sizes" test/hardening/sizes.c || exit 2

start=$(date +%s)
for step in "python3 test/hardening/bounds.py $WIRESCOPE $B" "test/hardening/faults.sh"; do
    echo "### $step"
    $step | tee "$B/step.log"
    tap_tally "$B/step.log"
    if [ -n "$tap_p" ]; then
        passed=$((passed + tap_p))
        failed=$((failed + tap_q))
    else
        bad "$step ended without a result line"
    fi
done
rm -f "$B/step.log"
echo "# hardening took $(($(date +%s) - start)) s"
tap_done
