#!/bin/sh
# Runs each Check unit-test binary given; fails when any fails.
set -u
fail=0
for t in "$@"; do
    echo "== $t"
    CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120} "$t" || fail=1
done
exit $fail
