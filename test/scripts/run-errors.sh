#!/bin/bash
# run-errors.sh: the command-line contract of wirescope's batch modes: clear
# one-line errors, a warning for a cut capture, BPF filters, -c, stdin, -w,
# --version and --help.
#   WIRESCOPE=path/to/wirescope (default ./wirescope, from the repo root)
# Each check prints "ok - NAME" or "FAIL - NAME: why"; the last line is
# `N passed, N failed`; exit 1 when anything failed. Needs bash, python3
# (standard library), coreutils; no tshark (expected counts come from the
# tshark golden TSV and from reading pcap headers in python).
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope
FIX=$root/test/fixtures
GOLD=$root/test/golden
HTTP=$FIX/http.pcap
tap_tmpdir ws-errors

# bad also shows the first lines of the last run's stderr.
bad() {
    tap_bad "$@"
    if [ -s "$T/err" ]; then sed -n '1,6s/^/    stderr| /p' "$T/err"; fi
}

# ws ARGS... : runs wirescope (timeout 20 s), stdout -> $T/out, stderr ->
# $T/err, status -> $rc. Reads stdin from /dev/null unless WS_STDIN is set.
ws() {
    timeout -k 2 20 "$WIRESCOPE" "$@" >"$T/out" 2>"$T/err" <"${WS_STDIN:-/dev/null}"
    rc=$?
}
lines() { awk 'END { print NR }' "$1"; }        # counts a last line without \n too
json_lines() { grep -c '^[[:space:]]*{' "$1"; }   # packet records of --json

# pcap_count FILE: complete packet records in a pcap or pcapng file.
pcap_count() {
    python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
n = 0
if len(d) >= 24 and d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
    e = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off = 24
    while off + 16 <= len(d):
        incl = struct.unpack(e + "I", d[off + 8:off + 12])[0]
        if off + 16 + incl > len(d):
            break
        off += 16 + incl
        n += 1
elif d[:4] == b"\x0a\x0d\x0d\x0a":
    off, e = 0, "<"
    while off + 12 <= len(d):
        btype = struct.unpack(e + "I", d[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            e = "<" if d[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        blen = struct.unpack(e + "I", d[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(d):
            break
        if btype in (2, 3, 6):
            n += 1
        off += blen
else:
    sys.exit("not a pcap or pcapng file")
print(n)
EOF
}

# golden_rows FIXTURE-NAME [python expression over r (dict of TSV fields)]
golden_rows() {
    python3 - "$GOLD/$1.packets.tsv" "${2:-True}" <<'EOF'
import sys
path, expr = sys.argv[1], sys.argv[2]
rows, header = [], None
for line in open(path, encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    cols = line.split("\t")
    if header is None:
        header = cols
        continue
    rows.append(dict(zip(header, cols + [""] * (len(header) - len(cols)))))
def flags(r):
    return int(r["tcp.flags"].split(",")[0] or "0", 16)
def port(r, p):
    return str(p) in (r["tcp.srcport"].split(",")[0], r["tcp.dstport"].split(",")[0])
print(sum(1 for r in rows if eval(expr)))
EOF
}

[ -x "$WIRESCOPE" ] ||
    tap_abort "run-errors: $WIRESCOPE is not an executable (build it with make, or set WIRESCOPE)"
if [ ! -f "$HTTP" ] || [ ! -f "$GOLD/http.pcap.packets.tsv" ]; then
    tap_abort "run-errors: $HTTP or its golden is missing"
fi
N=$(golden_rows http.pcap)

# --- errors: non-zero exit, exactly one line on stderr ----------------------
one_line_error() { # NAME MUST-CONTAIN(fixed string, may be empty) ARGS...
    local name=$1 want=$2; shift 2
    ws "$@"
    local n
    n=$(lines "$T/err")
    if [ "$rc" -eq 0 ]; then
        bad "$name" "exit 0, expected non-zero"
    elif [ "$rc" -ge 124 ]; then
        bad "$name" "exit $rc (timeout or signal)"
    elif [ "$n" -ne 1 ]; then
        bad "$name" "$n lines on stderr, expected exactly 1"
    elif [ -n "$want" ] && ! grep -q -F -- "$want" "$T/err"; then
        bad "$name" "stderr does not mention \"$want\""
    else
        ok "$name (exit $rc: $(head -c 160 "$T/err"))"
    fi
}

one_line_error "missing file: -r /nonexistent/wirescope-missing.pcap" \
    /nonexistent/wirescope-missing.pcap -r /nonexistent/wirescope-missing.pcap --packets
if [ -f "$FIX/README.md" ]; then
    one_line_error "not a capture: -r test/fixtures/README.md" \
        "" -r "$FIX/README.md" --packets
else
    bad "not a capture" "$FIX/README.md is missing"
fi
printf 'this is a text file, not a capture\n' >"$T/text.pcap"
one_line_error "not a capture: a text file named .pcap" \
    "" -r "$T/text.pcap" --packets
one_line_error "invalid BPF: -r http.pcap 'tcp port'" \
    "syntax error" -r "$HTTP" --packets 'tcp port'
one_line_error "unknown option: --bogus" \
    "" --bogus
one_line_error "unknown interface: -i nosuchif0 -c 1 --packets" \
    nosuchif0 -i nosuchif0 -c 1 --packets

# --- a capture cut in the middle of its last record -------------------------
size=$(wc -c <"$HTTP")
head -c $((size - 20)) "$HTTP" >"$T/cut.pcap"
kept=$(pcap_count "$T/cut.pcap")
ws -r "$T/cut.pcap" --packets --json
got=$(json_lines "$T/out")
name="cut capture: exit 0, $kept packets printed, a warning that counts them"
if [ "$rc" -ne 0 ]; then
    bad "$name" "exit $rc"
elif [ "$got" -ne "$kept" ]; then
    bad "$name" "$got packets printed, expected the $kept before the cut"
elif [ ! -s "$T/err" ]; then
    bad "$name" "no warning on stderr"
elif ! grep -q -w -- "$kept" "$T/err"; then
    bad "$name" "the warning does not say how many packets were read ($kept)"
else
    ok "$name ($(head -n 1 "$T/err" | head -c 160))"
fi

# --- an empty capture (file header only) -------------------------------------
head -c 24 "$HTTP" >"$T/empty.pcap"
ws -r "$T/empty.pcap" --packets --json
got=$(json_lines "$T/out")
if [ "$rc" -eq 0 ] && [ "$got" -eq 0 ]; then
    ok "empty capture (header only): exit 0, no packets"
else
    bad "empty capture (header only)" "exit $rc, $got packets printed; expected exit 0 and none"
fi

# --- BPF on a file keeps what tshark keeps -----------------------------------
filter='tcp port 8080 and tcp[tcpflags] & tcp-syn != 0'
want=$(golden_rows http.pcap 'r["frame.protocols"].split(":").count("tcp") and port(r, 8080) and flags(r) & 0x02')
ws -r "$HTTP" --packets --json "$filter"
got=$(json_lines "$T/out")
if [ "$rc" -eq 0 ] && [ "$got" -eq "$want" ] && [ "$want" -gt 0 ]; then
    ok "BPF on a file: '$filter' keeps $want packets"
else
    bad "BPF on a file: '$filter'" "exit $rc, $got packets; expected exit 0 and $want (the SYN-flagged rows of the tshark golden)"
fi
# the same with a filter split over several arguments, as tcpdump takes it
ws -r "$HTTP" --packets --json tcp port 8080 and 'tcp[tcpflags] & tcp-syn != 0'
got=$(json_lines "$T/out")
if [ "$rc" -eq 0 ] && [ "$got" -eq "$want" ]; then
    ok "BPF over several arguments keeps $want packets"
else
    bad "BPF over several arguments" "exit $rc, $got packets; expected exit 0 and $want"
fi

# --- -c ----------------------------------------------------------------------
ws -r "$HTTP" --packets --json -c 3
got=$(json_lines "$T/out")
if [ "$rc" -eq 0 ] && [ "$got" -eq 3 ]; then ok "-c 3 prints 3 packets"; else bad "-c 3" "exit $rc, $got packets"; fi

# --- stdin -------------------------------------------------------------------
WS_STDIN=$HTTP ws -r - --packets --json
got=$(json_lines "$T/out")
if [ "$rc" -eq 0 ] && [ "$got" -eq "$N" ]; then
    ok "-r - reads stdin: $N packets"
else
    bad "-r - < http.pcap" "exit $rc, $got packets; expected exit 0 and $N"
fi

# --- -w ----------------------------------------------------------------------
ws -r "$HTTP" --packets -w "$T/copy.pcap"
if [ "$rc" -ne 0 ]; then
    bad "-w OUT" "exit $rc"
elif [ ! -s "$T/copy.pcap" ]; then
    bad "-w OUT" "no file written"
else
    got=$(pcap_count "$T/copy.pcap" 2>&1)
    if [ "$got" = "$N" ]; then ok "-w OUT writes all $N packets"; else bad "-w OUT" "the written file holds $got packets, expected $N"; fi
fi

# --- --version, --help -------------------------------------------------------
ws --version
if [ "$rc" -eq 0 ] && [ -s "$T/out" ]; then
    ok "--version: $(head -n 1 "$T/out")"
else
    bad "--version" "exit $rc, stdout $(wc -c <"$T/out") bytes"
fi
ws --help
if [ "$rc" -eq 0 ] && grep -q -- '--packets' "$T/out"; then
    ok "--help exits 0 and mentions --packets"
else
    bad "--help" "exit $rc; --packets $(grep -q -- '--packets' "$T/out" && echo mentioned || echo "not mentioned on stdout")"
fi

tap_done
