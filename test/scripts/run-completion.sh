#!/bin/bash
# run-completion.sh: the bash completion in share/bash-completion/wirescope.
# Sources it in a clean bash (no bash-completion package, so its own file
# completion is used) and, when the bash-completion package is installed,
# again on top of it (so _filedir is used); sets COMP_WORDS/COMP_CWORD, calls
# _wirescope and checks COMPREPLY: options, interfaces from `wirescope -D`,
# files, users, "--opt=value", nothing after numeric options, and that every
# long option of `wirescope --help` is offered.
#   WIRESCOPE=path/to/wirescope (default ./wirescope, from the repo root)
# Each check prints "ok - NAME" or "FAIL - NAME: why"; the last line is
# `N passed, N failed`; exit 1 when anything failed.
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope
COMPLETION=${WS_COMPLETION:-$root/share/bash-completion/wirescope}   # WS_COMPLETION: another file, to test this script
tap_tmpdir ws-completion

if [ ! -f "$COMPLETION" ] || [ ! -x "$WIRESCOPE" ]; then
    echo "run-completion: needs $COMPLETION and an executable $WIRESCOPE" >&2
    tap_abort
fi

# Interface names and long options, from the binary.
"$WIRESCOPE" -D 2>/dev/null </dev/null | sed -n 's/^[0-9][0-9]*\.\([^ ]*\).*/\1/p' >"$T/ifaces"
"$WIRESCOPE" --help 2>&1 | grep -oE '(^|[^A-Za-z0-9_-])--[A-Za-z][A-Za-z0-9-]*' |
    sed 's/^[^-]*//' | sort -u >"$T/longopts"
mkdir -p "$T/files/caps"
: >"$T/files/trace.pcap"
: >"$T/files/other.pcapng"

# The checks run inside one bash process per mode; it prints ok/FAIL lines.
# A clean bash, with only the completion (and bash-completion) loaded, so
# its ok and bad are its own rather than tap.sh's.
cat >"$T/checks.bash" <<'EOF'
mode=$1 completion=$2 ws=$3 dir=$4
passed=0 failed=0
source "$completion" || { echo "FAIL - $mode: sourcing the completion"; exit 1; }
complete -p wirescope >/dev/null 2>&1 || echo "FAIL - $mode: no 'complete' for wirescope"
complete -p wirescope 2>/dev/null | grep -q ' -F _wirescope ' || echo "FAIL - $mode: wirescope is not completed by _wirescope"
ok() { passed=$((passed + 1)); echo "ok - $mode: $1"; }
bad() { failed=$((failed + 1)); echo "FAIL - $mode: $1: $2"; }

# comp WORD...: completes the last word of "wirescope WORD..." (COMP_WORDS
# split at "=" as bash does) and leaves the candidates in COMPREPLY.
comp() {
    COMP_WORDS=("$ws" "$@")
    COMP_CWORD=$#
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _wirescope wirescope "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
}
has() { local w; for w in "${COMPREPLY[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }
got() { printf '%s' "${COMPREPLY[*]:0:12}"; [ ${#COMPREPLY[@]} -gt 12 ] && printf ' ...'; }

comp --fl
if [ ${#COMPREPLY[@]} = 1 ] && [ "${COMPREPLY[0]}" = --flows ]; then ok "--fl completes to --flows"; else bad "--fl" "got '$(got)'"; fi

# Each name offered after --disable-protocol must be one wirescope accepts.
comp --disable-protocol d
if has dns && has dhcp && has dtls && [ ${#COMPREPLY[@]} = 3 ]; then ok "--disable-protocol d offers dns, dhcp, dtls"; else bad "--disable-protocol d" "got '$(got)'"; fi
comp --disable-protocol ''
accepted=0
for p in "${COMPREPLY[@]}"; do "$ws" --disable-protocol "$p" --version >/dev/null 2>&1 && accepted=$((accepted + 1)); done
if [ ${#COMPREPLY[@]} -ge 13 ] && [ $accepted = ${#COMPREPLY[@]} ]; then ok "every protocol name offered ($accepted) is accepted by --disable-protocol"; else bad "--disable-protocol names" "$accepted of ${#COMPREPLY[@]} accepted"; fi

comp --max-
if has --max-flows && has --max-conns && has --max-transactions && [ ${#COMPREPLY[@]} = 3 ]; then ok "--max- offers --max-flows, --max-conns and --max-transactions"; else bad "--max-" "got '$(got)'"; fi

comp --
missing=""
while read -r o; do has "$o" || missing="$missing $o"; done <"$dir/../longopts"
if [ -z "$missing" ]; then ok "-- offers every long option of wirescope --help"; else bad "-- offers every long option of wirescope --help" "missing:$missing"; fi

comp -
if has -i && has -r && has -Z && has -D; then ok "- offers the short options"; else bad "- offers the short options" "got '$(got)'"; fi

if grep -qx lo "$dir/../ifaces"; then
    comp -i lo
    if has lo; then ok "-i lo: candidates include lo"; else bad "-i lo" "got '$(got)'"; fi
    comp --interface = l
    if has lo; then ok "--interface=l: candidates include lo"; else bad "--interface=l" "got '$(got)'"; fi
    comp -pi l
    if has lo; then ok "-pi l: candidates include lo"; else bad "-pi l" "got '$(got)'"; fi
else
    echo "skip - $mode: -i lo (wirescope -D does not list lo)"
fi
comp -i ""
all=1
while read -r i; do has "$i" || all=0; done <"$dir/../ifaces"
clean=1
for w in "${COMPREPLY[@]}"; do case $w in *" "* | *"("* | *"["* | [0-9]*.*) clean=0 ;; esac; done
if [ -s "$dir/../ifaces" ] && [ $all = 1 ] && [ $clean = 1 ] && [ ${#COMPREPLY[@]} = "$(wc -l <"$dir/../ifaces")" ]; then
    ok "-i: exactly the names wirescope -D lists, no number or description"
else
    bad "-i" "got '$(got)'"
fi

cd "$dir" || exit 1
comp -r tr
if has trace.pcap; then ok "-r tr: completes trace.pcap"; else bad "-r tr" "got '$(got)'"; fi
comp -r ""
if has -; then ok "-r: offers - (standard input)"; else bad "-r: -" "got '$(got)'"; fi
comp -r ca
if has caps || has caps/; then ok "-r ca: completes the directory caps"; else bad "-r ca" "got '$(got)'"; fi
comp --read = oth
if has other.pcapng; then ok "--read=oth: completes other.pcapng"; else bad "--read=oth" "got '$(got)'"; fi
comp -w tr
if has trace.pcap; then ok "-w tr: completes trace.pcap"; else bad "-w tr" "got '$(got)'"; fi

comp -Z ro
if has root; then ok "-Z ro: completes root"; else bad "-Z ro" "got '$(got)'"; fi
comp --relinquish-privileges nob
if has nobody; then ok "--relinquish-privileges nob: completes nobody"; else bad "--relinquish-privileges nob" "got '$(got)'"; fi

for o in -c -s -B --ladder --follow --duration --mem --ring --max-flows --max-conns --max-transactions; do
    comp "$o" ""
    if [ ${#COMPREPLY[@]} = 0 ]; then ok "$o: no candidates (a number)"; else bad "$o" "got '$(got)'"; fi
done

comp -r trace.pcap tcp po
if has port && has portrange; then ok "filter words after the options"; else bad "filter words" "got '$(got)'"; fi

echo "RESULT $passed $failed"
EOF

run_mode() { # MODE PRELUDE
    bash --norc --noprofile -c "$2"$'\n''source "$0" "$@"' "$T/checks.bash" "$1" "$COMPLETION" "$WIRESCOPE" "$T/files" \
        >"$T/out.$1" 2>&1
    grep -v '^RESULT ' "$T/out.$1"
    tap_count_lines "$T/out.$1"
    if ! grep -q '^RESULT ' "$T/out.$1"; then
        bad "$1" "the checks did not finish"
    fi
}

run_mode plain ':'
bc=""
for f in /usr/share/bash-completion/bash_completion /etc/bash_completion; do
    [ -f "$f" ] && { bc=$f; break; }
done
if [ -n "$bc" ]; then
    run_mode bash-completion "shopt -s extglob progcomp; source $bc"
else
    echo "skip - with the bash-completion package (not installed)"
fi

# Every long option the completion offers is one the binary accepts.
opts=$(bash --norc --noprofile -c 'source "$1"; echo $_wirescope_long_opts' _ "$COMPLETION")
bad_opts=""
for o in $opts; do
    "$WIRESCOPE" -i x -r x "$o" </dev/null >/dev/null 2>"$T/err"
    grep -q 'unknown option' "$T/err" && bad_opts="$bad_opts $o"
done
if [ -n "$opts" ] && [ -z "$bad_opts" ]; then
    ok "every long option the completion offers is accepted by wirescope"
else
    bad "options the completion offers" "not accepted by wirescope:${bad_opts:- (none found)}"
fi

tap_done
