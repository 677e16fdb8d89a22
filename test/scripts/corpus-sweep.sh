#!/bin/bash
# corpus-sweep.sh: reads every capture of the shared corpus with wirescope in
# every batch mode, under sanitizers, and fails on a crash, a hang or a
# sanitizer report.
#   WIRESCOPE=path/to/wirescope   (default ./wirescope, from the repo root)
#   WS_CORPUS=dir                 (default <repo>/../shared/corpus/tcpdump-tests)
#   WS_SWEEP_JOBS=N               parallel runs (default 2)
# Modes: --packets, --packets --json, --flows, --flows --json, and --conns,
# --conns --json when `wirescope --help` mentions --conns. Each run: timeout
# 10 s, stdout to /dev/null. A run fails when it exits 86 (ASan/LSan), 87
# (UBSan), 124 (timeout), by a signal (>= 128) or with any status other than
# 0, 1, 2, or prints "runtime error", "AddressSanitizer" or "LeakSanitizer"
# on stderr. Exit 1 or 2 is accepted (some files are not valid captures) and
# counted. Ends with `N passed, N failed`; exit 1 when anything failed. A
# missing corpus is a SKIP (exit 0).
set -u

ASAN_OPTIONS=detect_leaks=1:exitcode=86:abort_on_error=0
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87
export ASAN_OPTIONS UBSAN_OPTIONS

# Worker: one run. $1 = "--one", $2 = "SEQ<TAB>MODEIDX<TAB>FILE". Writes one
# result file, $SWEEP_OUT/r.SEQ.
if [ "${1:-}" = "--one" ]; then
    exec 2>/dev/null   # no "Segmentation fault" job notices from this shell
    job=$2
    seq=${job%%	*}
    job=${job#*	}
    idx=${job%%	*}
    file=${job#*	}
    # Modes are passed through the environment as MODE_0, MODE_1, ...
    eval "mode=\${SWEEP_MODE_$idx}"
    # shellcheck disable=SC2154,SC2086
    set -- $mode
    res="$SWEEP_OUT/r.$seq"
    show=${file#"$SWEEP_CORPUS"/}
    err="$res.err"
    # A small ring: the sweep runs thousands of short processes and a
    # 64 MiB buffer under ASan costs more than decoding these files.
    timeout -k 2 10 "$WIRESCOPE" --ring 4 -r "$file" "$@" >/dev/null 2>"$err" </dev/null
    rc=$?
    why=""
    case $rc in
        0 | 1 | 2) ;;
        86) why="sanitizer exit 86 (ASan/LSan)" ;;
        87) why="sanitizer exit 87 (UBSan)" ;;
        124) why="timeout (10 s)" ;;
        *) if [ "$rc" -ge 128 ]; then why="killed by signal $((rc - 128))"; else why="unexpected exit status $rc"; fi ;;
    esac
    if [ -z "$why" ] && grep -q -E 'runtime error|AddressSanitizer|LeakSanitizer' "$err"; then
        why="sanitizer report on stderr (exit $rc)"
    fi
    if [ -n "$why" ]; then
        {
            printf 'FAIL\t%s\t%s\t%s\t%s\n' "$rc" "$show" "$mode" "$why"
            tail -n 8 "$err" | sed 's/^/    | /'
        } >"$res"
    else
        printf 'PASS\t%s\t%s\t%s\n' "$rc" "$show" "$mode" >"$res"
    fi
    rm -f "$err"
    exit 0
fi

# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope
corpus=${WS_CORPUS:-$root/../shared/corpus/tcpdump-tests}
jobs=${WS_SWEEP_JOBS:-2}

if [ ! -d "$corpus" ]; then
    echo "corpus-sweep: SKIP: no corpus directory at $corpus"
    exit 0
fi
[ -x "$WIRESCOPE" ] ||
    tap_abort "corpus-sweep: $WIRESCOPE is not an executable (build it with make, or set WIRESCOPE)"

modes=("--packets" "--packets --json" "--flows" "--flows --json")
if "$WIRESCOPE" --help 2>&1 | grep -q -- '--conns'; then
    modes+=("--conns" "--conns --json")
fi
if "$WIRESCOPE" --help 2>&1 | grep -q -- '--ladder'; then
    # connection 0 where the file has one; exit 1 otherwise (accepted)
    modes+=("--ladder 0")
fi
if "$WIRESCOPE" --help 2>&1 | grep -q -- '--follow'; then
    modes+=("--follow 0")
fi
for i in "${!modes[@]}"; do
    export "SWEEP_MODE_$i=${modes[$i]}"
done

tap_tmpdir ws-sweep
SWEEP_OUT=$T
SWEEP_CORPUS=$corpus
export SWEEP_OUT SWEEP_CORPUS WIRESCOPE

nfiles=0
joblist="$SWEEP_OUT/jobs"
: >"$joblist"
while IFS= read -r -d '' f; do
    nfiles=$((nfiles + 1))
    for i in "${!modes[@]}"; do
        printf '%06d\t%s\t%s\n' "$((nfiles * 10 + i))" "$i" "$f" >>"$joblist"
    done
done < <(find "$corpus" -type f ! -name '*.md' ! -name '*.txt' -print0 | sort -z)

if [ "$nfiles" -eq 0 ]; then
    echo "corpus-sweep: SKIP: no files in $corpus"
    exit 0
fi

echo "corpus-sweep: $nfiles files x ${#modes[@]} modes (${modes[*]}), $jobs at a time, with $WIRESCOPE"
start=$(date +%s)
xargs -d '\n' -n 1 -P "$jobs" "$0" --one <"$joblist"
secs=$(($(date +%s) - start))

rm -f "$joblist"
all=$(cat "$SWEEP_OUT"/r.* 2>/dev/null)
passed=$(printf '%s\n' "$all" | grep -c '^PASS')
failed=$(printf '%s\n' "$all" | grep -c '^FAIL')
runs=$((nfiles * ${#modes[@]}))
missing=$((runs - passed - failed))

# Failures, with the stderr tails, in file order.
for r in "$SWEEP_OUT"/r.*; do
    [ -e "$r" ] || continue
    head -n 1 "$r" | grep -q '^FAIL' || continue
    cat "$r"
done | awk -F'\t' '/^FAIL/ { printf "FAIL %s [%s]: %s\n", $3, $4, $5; next } { print }'

# Files that exited 1 or 2 (accepted), per mode and overall.
printf '%s\n' "$all" | awk -F'\t' '
    /^PASS/ && $2 != 0 { nz[$3] = 1; per[$4]++ }
    END {
        n = 0; for (f in nz) n++
        printf "corpus-sweep: %d files exited non-zero (1 or 2, accepted) in at least one mode", n
        sep = " ("; for (m in per) { printf "%s%s: %d", sep, m, per[m]; sep = ", " }
        if (sep == ", ") printf ")"
        printf "\n"
    }'
echo "corpus-sweep: $runs runs in ${secs}s"
if [ "$missing" -gt 0 ]; then
    echo "corpus-sweep: $missing runs left no result"
    failed=$((failed + missing))
fi
tap_done
