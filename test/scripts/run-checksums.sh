#!/bin/sh
# --verify-checksums finds exactly the TCP segments tshark calls bad
# (test/golden/checksums.tsv, from tshark's tcp.checksum.status).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
WIRESCOPE=${WIRESCOPE:-$root/wirescope}
case $WIRESCOPE in /*) ;; *) WIRESCOPE=$root/$WIRESCOPE ;; esac
pass=0
fail=0
while IFS='	' read -r file want; do
    case $file in '#'*|'') continue ;; esac
    got=$("$WIRESCOPE" -r "$root/$file" --flows --verify-checksums 2>&1 >/dev/null |
          sed -n 's/.* \([0-9]*\) bad TCP checksums.*/\1/p')
    if [ "$got" = "$want" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL - $file: $want bad TCP checksums expected, got ${got:-none}"
    fi
done <"$root/test/golden/checksums.tsv"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
