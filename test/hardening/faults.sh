#!/bin/bash
# faults.sh: capture faults. Needs root for (a)-(c) (network namespaces, a
# veth pair, a tmpfs); (d) runs as anyone.
#  (a) the interface goes down, then disappears, during a live capture with
#      -w and --flows while ping runs across the veth pair
#  (b) SIGINT, SIGTERM and SIGHUP during a live capture with -w
#  (c) -w onto a full disk (tmpfs of 256 KiB) with traffic until it fills
#  (d) a pcap (and a pcapng) stream on stdin cut mid-record
# For each: exit status, the lines on stderr, and the -w file checked with
# test/scripts/pcapcount.py (whole, valid pcap) against the packets
# captured. Lines starting with "# " describe what wirescope did.
#   WIRESCOPE=path/to/wirescope (default ./wirescope, from the repo root)
# Prints "ok - ..." / "FAIL - ...", then `N passed, N failed`; exit 1 when
# anything failed. About 25 s.
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/../scripts/tap.sh"
tap_root
tap_wirescope
PCAPCOUNT=$root/test/scripts/pcapcount.py
BUILD=$root/build/hardening
tap_tmpdir ws-faults
chmod 755 "$T"
NSA=wsh-a-$$
NSB=wsh-b-$$
VA=wsh$$a
VB=wsh$$b
MNT=$T/full
bg_pids=()

cleanup() {
    for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
    if [ "$(id -u)" = 0 ]; then
        mountpoint -q "$MNT" 2>/dev/null && umount "$MNT"
        ip netns del "$NSA" 2>/dev/null
        ip netns del "$NSB" 2>/dev/null
    fi
    rm -rf "$T"
}
trap cleanup EXIT

# check NAME FLAG [WHY]: ok when FLAG is 1; the FAIL line has no ": " when WHY
# is empty
check() { if [ "$2" = 1 ]; then ok "$1"; else bad "$1" ${3:+"$3"}; fi; }
note() { echo "# $*"; }
show_err() { sed 's/^/#   stderr| /' "$1"; }

summary_re='^wirescope: [0-9]+ packets captured'
# captured FILE: the "packets captured" figure of the summary line in FILE
captured() { sed -n 's/^wirescope: \([0-9]*\) packets captured.*/\1/p' "$1" | tail -1; }
# other_lines FILE: stderr lines that are not the summary
other_lines() { grep -Ev "$summary_re" "$1"; }
# pcap_check NAME FILE CAPTURED: the -w file is a whole pcap holding every
# captured packet
pcap_check() {
    local n
    if n=$(python3 "$PCAPCOUNT" "$2" 2>"$T/pc.err"); then
        ok "$1: -w file is a valid pcap ($n packets)"
        check "$1: -w file holds all $3 captured packets" "$([ "$n" = "$3" ] && echo 1)" \
            "file has $n"
    else
        bad "$1: -w file is a valid pcap" "$(cat "$T/pc.err"); $(describe_tail "$2")"
    fi
}
# describe_tail FILE: where a pcap's last whole record ends, and what follows
describe_tail() {
    python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, n = 24, 0
while off + 16 <= len(d):
    caplen = struct.unpack("<I", d[off + 8:off + 12])[0]
    if off + 16 + caplen > len(d):
        break
    off += 16 + caplen
    n += 1
rest = len(d) - off
if rest:
    hdr = ""
    if rest >= 16:
        caplen = struct.unpack("<I", d[off + 8:off + 12])[0]
        hdr = " (record header whole, %d of its %d data bytes written)" % (rest - 16, caplen)
    else:
        hdr = " (%d of the 16 record-header bytes written)" % rest
    print("file is %d bytes: %d whole records end at offset %d, then a torn record of %d bytes%s"
          % (len(d), n, off, rest, hdr))
else:
    print("file is %d bytes, %d whole records" % (len(d), n))
PY
}
# wait_exit PID SECONDS: waits for PID to end; sets $rc (or 999 if it did not)
wait_exit() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        if ! kill -0 "$1" 2>/dev/null; then
            wait "$1"
            rc=$?
            return
        fi
        sleep 0.1
    done
    rc=999
}
alive() { kill -0 "$1" 2>/dev/null && echo yes || echo no; }

# ------------------------------------------------------------------ netns

setup_veth() {
    ip netns add "$NSA" 2>/dev/null
    ip netns add "$NSB" 2>/dev/null
    ip link add "$VA" type veth peer name "$VB" || return 1
    ip link set "$VA" netns "$NSA"
    ip link set "$VB" netns "$NSB"
    ip -n "$NSA" addr add 10.251.0.1/24 dev "$VA"
    ip -n "$NSB" addr add 10.251.0.2/24 dev "$VB"
    ip -n "$NSA" link set "$VA" up
    ip -n "$NSB" link set "$VB" up
    # the veth carrier comes up asynchronously
    for _ in $(seq 50); do
        ip netns exec "$NSA" ping -c 1 -W 1 10.251.0.2 >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# ping_start [ARGS]: ping across the pair in the background; sets $ping_pid
ping_start() {
    ip netns exec "$NSA" ping -q "$@" 10.251.0.2 >/dev/null 2>&1 &
    ping_pid=$!
    bg_pids+=("$ping_pid")
}
ping_stop() { kill "$ping_pid" 2>/dev/null; wait "$ping_pid" 2>/dev/null; }

# ws_start NAME ARGS...: wirescope in namespace A; sets $ws_pid
ws_start() {
    local name=$1
    shift
    ip netns exec "$NSA" "$WIRESCOPE" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
    ws_pid=$!
    bg_pids+=("$ws_pid")
}

if [ "$(id -u)" != 0 ]; then
    note "not root: skipping (a) interface loss, (b) signals, (c) full disk"
else
    # ---------------------------------------------------- (a) iface loss
    if ! setup_veth; then
        bad "set up a veth pair in network namespaces" "ip failed"
    else
        ping_start -i 0.02
        ws_start down -i "$VA" -w "$T/down.pcap" --flows
        sleep 1.5
        check "iface: capturing on $VA" "$([ "$(alive "$ws_pid")" = yes ] && echo 1)" \
            "exited early: $(cat "$T/down.err")"
        ip -n "$NSA" link set dev "$VA" down
        sleep 1.5
        note "iface: 1.5 s after 'ip link set dev $VA down': running=$(alive "$ws_pid"), stderr so far:"
        show_err "$T/down.err"
        check "iface: link down is reported in one line on stderr" \
            "$([ "$(other_lines "$T/down.err" | grep -ci 'down')" = 1 ] && echo 1)" \
            "nothing said while the interface is down (libpcap keeps waiting on ENETDOWN)"
        ip -n "$NSA" link del "$VA"
        wait_exit "$ws_pid" 5
        ping_stop
        note "iface: after 'ip link del $VA': exit status $rc; stderr:"
        show_err "$T/down.err"
        check "iface: wirescope exits non-zero when the interface disappears" \
            "$([ "$rc" != 999 ] && [ "$rc" != 0 ] && echo 1)" "exit $rc"
        others=$(other_lines "$T/down.err" | wc -l)
        check "iface: one line says the interface disappeared" \
            "$([ "$others" -ge 1 ] && [ "$others" -le 2 ] &&
                other_lines "$T/down.err" | grep "$VA" | grep -qi 'disappeared\|no such device\|removed' && echo 1)" \
            "$(other_lines "$T/down.err" | tr '\n' '|')"
        check "iface: summary line printed" "$(grep -Eq "$summary_re" "$T/down.err" && echo 1)"
        check "iface: --flows table printed" "$([ -s "$T/down.out" ] && echo 1)"
        pcap_check "iface" "$T/down.pcap" "$(captured "$T/down.err")"
        [ "$rc" = 999 ] && kill -9 "$ws_pid" 2>/dev/null
    fi

    # ---------------------------------------------------- (b) signals
    if setup_veth; then
        for sig in INT TERM HUP; do
            ping_start -i 0.01
            ws_start "sig$sig" -i "$VA" -w "$T/sig$sig.pcap" --flows
            sleep 1.5
            kill -"$sig" "$ws_pid"
            wait_exit "$ws_pid" 5
            ping_stop
            check "SIG$sig: clean exit (status 0) within 5 s" "$([ "$rc" = 0 ] && echo 1)" "exit $rc"
            check "SIG$sig: summary line, nothing else on stderr" \
                "$(grep -Eq "$summary_re" "$T/sig$sig.err" && [ -z "$(other_lines "$T/sig$sig.err")" ] && echo 1)" \
                "$(tr '\n' '|' <"$T/sig$sig.err")"
            check "SIG$sig: --flows table printed" "$([ "$(wc -l <"$T/sig$sig.out")" -ge 2 ] && echo 1)"
            pcap_check "SIG$sig" "$T/sig$sig.pcap" "$(captured "$T/sig$sig.err")"
            [ "$rc" = 999 ] && kill -9 "$ws_pid" 2>/dev/null
        done
    else
        bad "signals: set up a veth pair" "ip failed"
    fi

    # ---------------------------------------------------- (c) full disk
    mkdir -p "$MNT"
    if mount -t tmpfs -o size=256k wsh-full "$MNT"; then
        ping_start -i 0.002 -s 1000
        ws_start full -i "$VA" -w "$MNT/full.pcap" --flows
        sleep 3
        running=$(alive "$ws_pid")
        note "full: 3 s into a capture that fills 256 KiB in well under a second: running=$running," \
            "file $(stat -c %s "$MNT/full.pcap") bytes, stderr so far:"
        show_err "$T/full.err"
        check "full: the write error is reported (one line) while capturing" \
            "$([ "$(other_lines "$T/full.err" | grep -ci 'writ\|space')" = 1 ] && echo 1)" \
            "nothing on stderr"
        kill -INT "$ws_pid"
        wait_exit "$ws_pid" 5
        ping_stop
        note "full: after SIGINT: exit status $rc; stderr:"
        show_err "$T/full.err"
        check "full: exit status non-zero after a write error" \
            "$([ "$rc" != 0 ] && [ "$rc" != 999 ] && echo 1)" "exit $rc"
        check "full: an error line names the -w file and the cause" \
            "$(other_lines "$T/full.err" | grep -q 'full.pcap.*[Ss]pace\|[Ss]pace.*full.pcap' && echo 1)" \
            "$(other_lines "$T/full.err" | tr '\n' '|')"
        if n=$(python3 "$PCAPCOUNT" "$MNT/full.pcap" 2>"$T/pc.err"); then
            ok "full: -w file is a valid pcap up to the last whole packet ($n packets)"
        else
            bad "full: -w file is a valid pcap up to the last whole packet" \
                "$(cat "$T/pc.err"): $(describe_tail "$MNT/full.pcap")"
        fi
        note "full: $(captured "$T/full.err") packets captured, $(describe_tail "$MNT/full.pcap")"
        [ "$rc" = 999 ] && kill -9 "$ws_pid" 2>/dev/null
        umount "$MNT"
    else
        bad "full: mount a 256 KiB tmpfs" "mount failed"
    fi
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
fi

# ------------------------------------------------------------ (d) stdin cut

# A 20000-packet capture from the generator, and the HTTP fixtures.
if [ ! -x "$BUILD/gen-attack" ]; then
    mkdir -p "$BUILD"
    cc -std=c11 -O2 -o "$BUILD/gen-attack" test/hardening/gen-attack.c
fi
"$BUILD/gen-attack" udpflows "$T/udp.pcap" 20000 >/dev/null
# cuts FILE: "offset whole-records-before kind" lines: at record boundaries,
# inside record headers and inside packet data
python3 - "$T/udp.pcap" >"$T/cuts" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
bounds = []
off = 24
while off < len(d):
    bounds.append(off)
    off += 16 + struct.unpack("<I", d[off + 8:off + 12])[0]
for i in (0, 1, 7, 5000, 19999):
    b = bounds[i]
    caplen = struct.unpack("<I", d[b + 8:b + 12])[0]
    print(b, i, "boundary")
    print(b + 7, i, "record-header")
    print(b + 16 + caplen // 2, i, "packet-data")
print(20, 0, "file-header")
PY
while read -r cut whole kind; do
    head -c "$cut" "$T/udp.pcap" | "$WIRESCOPE" -r - --packets >"$T/cut.out" 2>"$T/cut.err"
    rc=$?
    lines=$(wc -l <"$T/cut.out")
    warn=$(grep -c 'warning: .*truncated' "$T/cut.err")
    name="stdin cut at byte $cut ($kind, after $whole whole records)"
    if [ "$kind" = file-header ]; then
        check "$name: one error line, non-zero exit" \
            "$([ "$rc" != 0 ] && [ "$(wc -l <"$T/cut.err")" = 1 ] && echo 1)" \
            "exit $rc, stderr: $(tr '\n' '|' <"$T/cut.err")"
        continue
    fi
    if [ "$kind" = boundary ]; then
        want_warn=0
    else
        want_warn=1
    fi
    check "$name: exit 0, $whole packets printed, warning $([ $want_warn = 1 ] && echo yes || echo no)" \
        "$([ "$rc" = 0 ] && [ "$lines" = "$whole" ] && [ "$warn" = "$want_warn" ] &&
            grep -Eq "$summary_re" "$T/cut.err" && echo 1)" \
        "exit $rc, $lines lines, stderr: $(tr '\n' '|' <"$T/cut.err")"
done <"$T/cuts"
for cut in 500 1000 1500; do
    head -c $cut test/fixtures/http.pcapng | "$WIRESCOPE" -r - --packets >"$T/cut.out" 2>"$T/cut.err"
    rc=$?
    check "stdin pcapng cut at byte $cut: exit 0, warning, packets before the cut printed" \
        "$([ "$rc" = 0 ] && [ "$(wc -l <"$T/cut.out")" -ge 1 ] &&
            grep -q 'warning: .*truncated' "$T/cut.err" && echo 1)" \
        "exit $rc, stderr: $(tr '\n' '|' <"$T/cut.err")"
done

tap_done
