#!/bin/bash
# Live capture on the loopback interface: -c, capture filters, -w after
# SIGINT/SIGTERM, --duration, and the privilege drop. Needs root (CI runs
# as root); elsewhere it says so and skips.
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope root
# ok and bad take one argument here: "FAIL - what happened", no colon.

if [ "$(id -u)" != 0 ]; then
    echo "run-live: SKIP (needs root to capture on lo)"
    tap_done
    exit
fi
tap_tmpdir ws-live
chmod 755 "$T"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT # the traffic senders too

# Sends UDP datagrams to 127.0.0.1 ports 9998 and 9999, 50 per second.
traffic() {
    python3 - "$1" <<'PY' &
import socket, sys, time
end = time.time() + float(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while time.time() < end:
    s.sendto(b"wirescope-live-test", ("127.0.0.1", 9999))
    s.sendto(b"wirescope-live-test", ("127.0.0.1", 9998))
    time.sleep(0.02)
PY
}

# -c stops after exactly COUNT packets
traffic 5
out=$(timeout 10 "$WIRESCOPE" -i lo -c 5 --packets --json 'udp' 2>"$T/err")
rc=$?
n=$(printf '%s\n' "$out" | grep -c '^{')
[ $rc = 0 ] && [ "$n" = 5 ] && ok "-i lo -c 5: 5 packets, exit 0" ||
    bad "-i lo -c 5: exit $rc, $n packets ($(tail -1 "$T/err"))"

# the capture filter keeps only port 9999
out=$(timeout 10 "$WIRESCOPE" -i lo -c 10 --packets --json 'udp dst port 9999' 2>/dev/null)
others=$(printf '%s\n' "$out" | grep '^{' | grep -vc '"dport":9999')
n=$(printf '%s\n' "$out" | grep -c '^{')
[ "$n" = 10 ] && [ "$others" = 0 ] && ok "capture filter 'udp dst port 9999': 10 packets, all to 9999" ||
    bad "capture filter: $n packets, $others to another port"
wait

# -w survives SIGINT and SIGTERM as a valid pcap holding every packet
for sig in INT TERM; do
    traffic 4
    "$WIRESCOPE" -i lo -w "$T/cap-$sig.pcap" --flows 'udp' >/dev/null 2>"$T/err-$sig" &
    pid=$!
    sleep 2
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    got=$(python3 "$root/test/scripts/pcapcount.py" "$T/cap-$sig.pcap" 2>&1)
    said=$(sed -n 's/.*: \([0-9]*\) packets captured.*/\1/p' "$T/err-$sig")
    if [ $rc = 0 ] && [ -n "$said" ] && [ "$got" = "$said" ] && [ "$got" -gt 0 ]; then
        ok "-w after SIG$sig: valid pcap with all $got captured packets"
    else
        bad "-w after SIG$sig: exit $rc, file: $got, summary says: ${said:-nothing}"
    fi
    wait
done

# --duration ends the capture on time
start=$(date +%s%N)
timeout 10 "$WIRESCOPE" -i lo --duration 1 --flows >/dev/null 2>&1
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ $rc = 0 ] && [ $ms -lt 2500 ] && ok "--duration 1 ended after ${ms} ms" ||
    bad "--duration 1: exit $rc after ${ms} ms"

# privilege drop: after activation the process runs as nobody, with no
# supplementary groups; the -w file was created (by root) before the drop
nobody_uid=$(id -u nobody)
"$WIRESCOPE" -i lo -w "$T/drop.pcap" --duration 3 --flows >/dev/null 2>&1 &
pid=$!
sleep 1
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
groups=$(awk '/^Groups:/ {print $2}' "/proc/$pid/status")
owner=$(stat -c %u "$T/drop.pcap" 2>/dev/null)
wait "$pid"
[ "$uids" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] && [ -z "$groups" ] &&
    [ "$owner" = 0 ] && ok "runs as nobody (uid $nobody_uid), no groups, -w file owned by root" ||
    bad "privilege drop: uids '$uids', groups '$groups', -w owner '$owner'"

"$WIRESCOPE" -i lo -Z root --duration 2 --flows >/dev/null 2>&1 &
pid=$!
sleep 1
uids=$(awk '/^Uid:/ {print $2, $3}' "/proc/$pid/status")
wait "$pid"
[ "$uids" = "0 0" ] && ok "-Z root keeps root" || bad "-Z root: uids '$uids'"

err=$("$WIRESCOPE" -i lo -Z no-such-user-here --duration 1 --flows 2>&1 >/dev/null)
rc=$?
[ $rc != 0 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && printf '%s' "$err" | grep -q no-such-user-here &&
    ok "-Z unknown user: one line, exit $rc" || bad "-Z unknown user: exit $rc: $err"

# a full disk under -w: one line saying so, exit 1, and the file a valid
# pcap of whole records
mkdir -p "$T/full"
if mount -t tmpfs -o size=256k wsfull "$T/full" 2>/dev/null; then
    ping -q -s 1000 -i 0.002 -c 1500 127.0.0.1 >/dev/null 2>&1 &
    "$WIRESCOPE" -i lo -w "$T/full/f.pcap" --duration 3 --flows icmp >/dev/null 2>"$T/err-full"
    rc=$?
    got=$(python3 "$root/test/scripts/pcapcount.py" "$T/full/f.pcap" 2>&1)
    said=$(grep -c 'No space left on device' "$T/err-full")
    umount "$T/full"
    if [ $rc = 1 ] && [ "$said" = 1 ] && [ "$got" -gt 0 ] 2>/dev/null; then
        ok "full disk under -w: one line, exit 1, valid pcap of $got packets"
    else
        bad "full disk under -w: exit $rc, $said messages, file: $got"
    fi
    wait
else
    echo "skip - full disk under -w (cannot mount a tmpfs here)"
fi

tap_done
