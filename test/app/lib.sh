# lib.sh: what every test/app/*/run.sh shares. A run.sh sources it first,
# before any cd:
#   . "$(dirname "$0")/../lib.sh"
# It sets
#   here       the run.sh's directory (absolute);
#   root       the repository (absolute);
#   WIRESCOPE  the binary, exported: default the repository's ./wirescope;
#              a relative path is taken from the current directory, a bare
#              name from PATH;
#   PYTHONPATH test/app first, for goldenlib.py.
# A run.sh made of parts (one comparison per capture or golden) adds them
# up with app_part, app_each_capture or app_media and ends with app_finish:
# the last line `N passed, M failed`, and a non-zero exit status on any
# failure. A run.sh written in Python runs it with app_python.
# POSIX sh: test/scripts/run-app.sh runs each run.sh with sh.

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)

WIRESCOPE=${WIRESCOPE:-$root/wirescope}
case $WIRESCOPE in
/*) ;;
*/*) WIRESCOPE=$(pwd)/$WIRESCOPE ;;
*) WIRESCOPE=$(command -v "$WIRESCOPE" || echo "$WIRESCOPE") ;;
esac
export WIRESCOPE

PYTHONPATH=$root/test/app${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH

app_passed=0
app_failed=0
app_tmp=

# app_part LABEL COMMAND...: runs one comparison whose last line is
# `N passed, M failed`, shows its other lines, then `LABEL: N passed, M
# failed`, and adds its counts. A comparison that breaks (no such line)
# shows all it printed and counts one failure; so does a non-zero exit with
# no failure counted.
app_part() {
    app_label=$1
    shift
    if [ -z "$app_tmp" ]; then
        app_tmp=$(mktemp)
        trap 'rm -f "$app_tmp"' EXIT
    fi
    app_rc=0
    "$@" >"$app_tmp" 2>&1 || app_rc=$?
    app_last=$(tail -n 1 "$app_tmp")
    app_p=$(echo "$app_last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1/p')
    app_q=$(echo "$app_last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2/p')
    if [ -z "$app_p" ]; then
        cat "$app_tmp" # the comparison itself broke
        app_p=0
        app_q=1
    else
        sed '$d' "$app_tmp"
    fi
    if [ "$app_rc" -ne 0 ] && [ "$app_q" -eq 0 ]; then
        app_q=1
    fi
    echo "$app_label: $app_p passed, $app_q failed"
    app_passed=$((app_passed + app_p))
    app_failed=$((app_failed + app_q))
}

# app_each_capture NAME: one part per capture $here/*.pcap, compared by
# `$here/compare.py CAPTURE WIRESCOPE`, labelled `NAME CAPTURE`.
app_each_capture() {
    for app_f in "$here"/*.pcap; do
        app_part "$1 $(basename "$app_f")" python3 "$here/compare.py" "$app_f" "$WIRESCOPE"
    done
}

# app_media PCAP KIND GOLDEN [SKIP-FILE]: one part made by
# test/app/webrtc/media_compare.py, file names relative to $here.
app_media() {
    app_pcap=$1
    app_kind=$2
    app_golden=$3
    if [ $# -ge 4 ]; then
        set -- --skip "$here/$4"
    else
        set --
    fi
    app_part "  $app_pcap $app_kind" python3 "$root/test/app/webrtc/media_compare.py" "$@" \
        "$WIRESCOPE" "$here/$app_pcap" "$app_kind" "$here/$app_golden"
}

# app_python <<'EOF' ... EOF: runs the comparison written in Python on
# standard input in $here, in the C locale (its last line is its own
# `N passed, M failed`).
app_python() {
    cd "$here" || exit 2
    LC_ALL=C exec python3 -
}

# app_finish: the last line, and the exit status (0 when nothing failed).
app_finish() {
    echo "$app_passed passed, $app_failed failed"
    [ "$app_failed" -eq 0 ]
}
