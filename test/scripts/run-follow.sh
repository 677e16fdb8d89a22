#!/bin/sh
# Compares --follow's reassembled streams with tshark's (test/golden/follow,
# made by regen-follow.sh): the same bytes, in order, for each side.
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope root
for g in "$root"/test/golden/follow/*.tsv; do
    src=$(sed -n '1s/.* -r \([^ ]*\) .*/\1/p' "$g")
    stream=$(sed -n '1s/.*follow,tcp,raw,\([0-9]*\).*/\1/p' "$g")
    got=$("$WIRESCOPE" -r "$root/$src" --follow "$stream" --json 2>/dev/null | python3 -c '
import json, sys
data = {"client": [], "server": []}
for line in sys.stdin:
    c = json.loads(line)
    if not c["gap"]:
        data[c["side"]].append(c["data"])
print("client\t" + "".join(data["client"]))
print("server\t" + "".join(data["server"]))')
    want=$(sed 1d "$g")
    if [ "$got" = "$want" ]; then
        ok "$src stream $stream"
    else
        bad "$src stream $stream" "reassembled bytes differ from tshark's"
        printf '%s\n' "$want" | cut -c1-120 | sed 's/^/    want /'
        printf '%s\n' "$got" | cut -c1-120 | sed 's/^/    got  /'
    fi
done
tap_done
