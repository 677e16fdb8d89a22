# shellcheck shell=sh
# tap.sh: what the shell test scripts share. Sourced, never run:
#   . "$(dirname "$0")/tap.sh"            (from test/scripts/)
#   . "$(dirname "$0")/../scripts/tap.sh" (from test/hardening/)
# POSIX sh, since the /bin/sh scripts source it too.
#
# The lines it prints are the ones the scripts always printed, and are read:
#   ok - NAME
#   FAIL - NAME: WHY
#   N passed, M failed     the last line; the exit status is 1 when M > 0
# run-app.sh, test/app/lib.sh and test/hardening/run.sh take a script's
# counts from that last line, run-completion.sh and run-manpage.sh count
# "ok - " and "FAIL - " lines, and CI reads the last line as the result.

passed=0
failed=0

# tap_root: root = the repository (absolute), made the current directory.
# Every script that sources this file stands two levels below the root.
tap_root() {
    root=$(cd "$(dirname "$0")/../.." && pwd)
    cd "$root" || exit 2
}

# tap_wirescope [root]: WIRESCOPE (default ./wirescope) made absolute, so a
# later cd or a child process still finds it. A relative path is taken
# from the repository root; a bare name from PATH, or with "root" from the
# repository root too (the rule run-checksums, run-follow, run-install and
# run-live always had). Not exported: the scripts that want that say so.
# shellcheck disable=SC2120 # the argument is optional
tap_wirescope() {
    WIRESCOPE=${WIRESCOPE:-./wirescope}
    case $WIRESCOPE in
    /*) ;;
    */*) WIRESCOPE=$root/$WIRESCOPE ;;
    *)
        if [ "${1:-}" = root ]; then
            WIRESCOPE=$root/$WIRESCOPE
        else
            WIRESCOPE=$(command -v "$WIRESCOPE" || echo "$WIRESCOPE")
        fi
        ;;
    esac
}

# tap_tmpdir NAME [PARENT]: T = a new directory PARENT/NAME.XXXXXX (PARENT
# default /tmp), removed on exit. A script with more to undo on exit sets
# its own EXIT trap afterwards, and removes "$T" in it.
tap_tmpdir() {
    T=$(mktemp -d "${2:-/tmp}/$1.XXXXXX") ||
        tap_abort "${0##*/}: cannot make a temporary directory under ${2:-/tmp}"
    trap 'rm -rf "$T"' EXIT
}

# tap_ok NAME, tap_bad NAME [WHY]: count a check and print its line. Without
# WHY the line is "FAIL - NAME"; with an empty WHY it is "FAIL - NAME: ".
# ok and bad are the names the scripts call; a script that shows more after
# a failure redefines bad around tap_bad.
tap_ok() {
    passed=$((passed + 1))
    echo "ok - $1"
}
tap_bad() {
    failed=$((failed + 1))
    echo "FAIL - $1${2+: $2}"
}
ok() { tap_ok "$@"; }
bad() { tap_bad "$@"; }

# tap_count_lines FILE: adds the "ok - " and "FAIL - " lines of FILE (what
# another program printed) to the counts.
tap_count_lines() {
    passed=$((passed + $(grep -c '^ok - ' "$1")))
    failed=$((failed + $(grep -c '^FAIL - ' "$1")))
}

# tap_tally FILE: tap_p and tap_q = N and M of FILE's last line when it is
# "N passed, M failed"; both empty when it is not.
tap_tally() {
    # shellcheck disable=SC2046 # digits only: split into the two counts
    set -- $(tail -n 1 "$1" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p')
    tap_p=${1:-}
    tap_q=${2:-}
}

# tap_part LABEL COMMAND...: runs a comparison that ends with its own
# "N passed, M failed", shows the rest of what it printed, then
# "LABEL: ok (N checks)" or "LABEL: FAIL (M of N+M checks)", and adds its
# counts. One that broke (no such last line) shows all it printed and
# counts one failure; so does a non-zero exit with no failure counted.
# Needs tap_tmpdir first.
tap_part() {
    tap_label=$1
    shift
    "$@" >"$T/part" 2>&1
    tap_rc=$?
    tap_tally "$T/part"
    if [ -z "$tap_p" ]; then
        cat "$T/part"
        tap_p=0
        tap_q=1
    else
        sed '$d' "$T/part"
    fi
    [ "$tap_rc" -ne 0 ] && [ "$tap_q" -eq 0 ] && tap_q=1
    if [ "$tap_q" -eq 0 ]; then
        echo "$tap_label: ok ($tap_p checks)"
    else
        echo "$tap_label: FAIL ($tap_q of $((tap_p + tap_q)) checks)"
    fi
    passed=$((passed + tap_p))
    failed=$((failed + tap_q))
}

# tap_abort [MESSAGE]: the checks cannot run at all: MESSAGE, a last line
# that counts one failure, exit 1.
tap_abort() {
    if [ $# -gt 0 ]; then
        echo "$1"
    fi
    echo "0 passed, 1 failed"
    exit 1
}

# tap_done: the last line; its status (the script's, as its last command)
# is 1 when anything failed, else 0.
tap_done() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
