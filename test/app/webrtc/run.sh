#!/bin/sh
# Compares wirescope with the tshark goldens of this directory (made by
# regen-golden.sh from the captures of make-captures.sh).
#   WIRESCOPE=path/to/wirescope (default ./wirescope from the repo root)
# Prints each mismatch and a last line `N passed, M failed`; exits 1 on any
# failure. Needs python3 only. The per-SSRC statistics against tshark's
# -z rtp,streams (rtp-streams.txt) are checked by test/unit/check_rtp.c.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root" || exit 2
W=${WIRESCOPE:-./wirescope}
passed=0
failed=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
one() { # pcap kind golden [skip-file]
    skip=
    [ $# -ge 4 ] && skip="--skip $here/$4"
    # shellcheck disable=SC2086
    python3 "$root/test/app/webrtc/media_compare.py" $skip "$W" "$here/$1" "$2" \
        "$here/$3" >"$tmp" 2>&1
    last=$(tail -n 1 "$tmp")
    p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    q=$(echo "$last" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    if [ -z "$p" ]; then
        cat "$tmp"
        p=0
        q=1
    else
        grep -v 'passed,.*failed$' "$tmp"
    fi
    echo "  $1 $2: $p passed, $q failed"
    passed=$((passed + p))
    failed=$((failed + q))
}
one stun.pcap cols stun.cols
one stun.pcap stun stun.fields
one dtls.pcap cols dtls.cols
one dtls.pcap dtls dtls.fields
one rtp.pcap cols rtp.cols
one rtp.pcap rtp rtp.fields
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
