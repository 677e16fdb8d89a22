#!/bin/bash
# run-fuzz-regress.sh: every input the fuzzer ever crashed on, kept in
# test/fuzz/regress/ (make fuzz also replays them), turned back into the
# pcap file the harness decoded (test/fuzz/to-pcap.py) and read by the
# wirescope binary in every batch mode, the ladder of the first flow
# included. Each run must decode every packet of the file and exit 0, or 1
# with one "no such connection" line before the summary (--ladder and
# --follow of a connection the file does not have), and leave no sanitizer
# report on stderr.
#   WIRESCOPE=path/to/wirescope (an ASan+UBSan build in make check)
# Last line: `N passed, N failed`; exit 1 when anything failed.
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope
tap_tmpdir ws-fuzzreg

modes=("--packets" "--packets --json" "--flows" "--conns --json" "--transactions"
       "--rtp-streams" "--ladder 0" "--ladder flow:0" "--follow 0")
for input in test/fuzz/regress/*; do
    [ -f "$input" ] || continue
    name=$(basename "$input")
    pcap=$T/$name.pcap
    if ! python3 test/fuzz/to-pcap.py "$input" "$pcap"; then
        bad "$name" "cannot convert"
        continue
    fi
    want=$(python3 test/scripts/pcapcount.py "$pcap")
    for mode in "${modes[@]}"; do
        # shellcheck disable=SC2086 # the mode is several words
        timeout 30 "$WIRESCOPE" -r "$pcap" $mode >"$T/out" 2>"$T/err"
        rc=$?
        summary=$(grep -c "^wirescope: $want packets captured, $want decoded" "$T/err")
        if grep -q "Sanitizer\|runtime error" "$T/err"; then
            bad "$name $mode" "sanitizer: $(grep -m1 "Sanitizer\|runtime error" "$T/err")"
        elif [ "$rc" = 1 ] && [ "$summary" = 1 ] && [ "$(wc -l <"$T/err")" = 2 ] &&
            head -1 "$T/err" | grep -q "^wirescope: no "; then
            ok "$name $mode: exit 1, $(head -1 "$T/err")"
        elif [ "$rc" = 0 ] && [ "$summary" = 1 ]; then
            ok "$name $mode: $want packets decoded, no report"
        else
            bad "$name $mode" "exit $rc; $(tail -1 "$T/err")"
        fi
    done
done
tap_done
