#!/bin/sh
# --verify-checksums finds exactly the TCP segments tshark calls bad
# (test/golden/checksums.tsv, from tshark's tcp.checksum.status).
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope root
while IFS='	' read -r file want; do
    case $file in '#'*|'') continue ;; esac
    got=$("$WIRESCOPE" -r "$root/$file" --flows --verify-checksums 2>&1 >/dev/null |
          sed -n 's/.* \([0-9]*\) bad TCP checksums.*/\1/p')
    if [ "$got" = "$want" ]; then
        passed=$((passed + 1)) # counted, not printed: only failures are shown
    else
        bad "$file" "$want bad TCP checksums expected, got ${got:-none}"
    fi
done <"$root/test/golden/checksums.tsv"
tap_done
