#!/usr/bin/env python3
"""relay.py: a user-space Ethernet forwarder between two interfaces.

It runs inside the relay network namespace of test/tcp/make-captures.sh, whose
kernel does not forward (net.ipv4.ip_forward=0, IPv6 off on both ports).
It reads every frame on both interfaces with AF_PACKET raw sockets, keeps only
unicast IPv4/IPv6 frames addressed to the receiving port's own MAC, rewrites the
Ethernet header (source = the other port's MAC, destination = the host behind
it) and sends the frame out of the other port, after applying a policy drawn
from a seeded random generator:

  --delay-ms D     every forwarded frame leaves D ms after it arrived
  --drop P         drop a frame with probability P
  --reorder P      hold a frame with probability P and send it right after
                   the next frame in the same direction (or after --hold-ms)
  --dup P          send a frame twice with probability P; the copy leaves
                   --dup-delay-ms after the original (so the receiver has
                   usually acknowledged it by then)
  --stall-after N --stall-ms MS --stall-dir c2s|s2c
                   once, at the first frame of direction stall-dir that
                   arrives after N frames have gone the other way, hold it
                   and every later frame of stall-dir until MS ms have
                   passed, then let them go in order (a link stall: stall
                   the ACK direction and the data sender's timers fire for
                   data that did arrive, so its retransmissions are spurious)
  --dirs c2s|s2c|both   which direction the drop/reorder/dup policy applies to
  --spare-syn      never drop, hold or duplicate SYN, FIN or RST segments
                   (keeps connection set-up and tear-down from waiting on
                   a 1 s SYN retransmission timer); data and ACKs are fair game

The same seed gives the same sequence of decisions for the same sequence of
arriving frames (timing of the real kernels may still differ between runs).
On SIGTERM/SIGINT it writes a summary to --log and exits.

Usage: relay.py --if-a NAME --peer-a MAC --if-b NAME --peer-b MAC [policy]
Interface a faces the client, b faces the server; "c2s" is a -> b.
"""
import argparse
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_STATISTICS = 6


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def if_mac(name):
    with open(f"/sys/class/net/{name}/address") as f:
        return mac_bytes(f.read().strip())


def tcp_info(frame):
    """Return (tcp flags, payload length, short description) or None."""
    et = struct.unpack_from("!H", frame, 12)[0]
    off = 14
    if et == 0x0800:
        if len(frame) < off + 20:
            return None
        ihl = (frame[off] & 0x0F) * 4
        tot = struct.unpack_from("!H", frame, off + 2)[0]
        if frame[off + 9] != 6:
            return None
        t = off + ihl
        iplen = tot - ihl
    elif et == 0x86DD:
        if len(frame) < off + 40 or frame[off + 6] != 6:
            return None
        t = off + 40
        iplen = struct.unpack_from("!H", frame, off + 4)[0]
    else:
        return None
    if len(frame) < t + 20:
        return None
    sport, dport, seq = struct.unpack_from("!HHI", frame, t)
    doff = (frame[t + 12] >> 4) * 4
    flags = frame[t + 13]
    plen = iplen - doff
    return flags, plen, f"{sport}>{dport} seq={seq} len={plen} flags=0x{flags:02x}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--if-a", required=True)
    ap.add_argument("--peer-a", required=True)
    ap.add_argument("--if-b", required=True)
    ap.add_argument("--peer-b", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--delay-ms", type=float, default=0.0)
    ap.add_argument("--drop", type=float, default=0.0)
    ap.add_argument("--reorder", type=float, default=0.0)
    ap.add_argument("--dup", type=float, default=0.0)
    ap.add_argument("--dup-delay-ms", type=float, default=0.0)
    ap.add_argument("--hold-ms", type=float, default=30.0)
    ap.add_argument("--stall-after", type=int, default=0)
    ap.add_argument("--stall-ms", type=float, default=0.0)
    ap.add_argument("--stall-dir", choices=["c2s", "s2c"], default="c2s")
    ap.add_argument("--dirs", choices=["c2s", "s2c", "both"], default="both")
    ap.add_argument("--spare-syn", action="store_true")
    ap.add_argument("--ready", help="file to create once both sockets are bound")
    ap.add_argument("--log", help="file for the action log and summary")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    logf = open(a.log, "w") if a.log else sys.stderr

    ports = {}
    for side, ifn, peer in (("a", a.if_a, a.peer_a), ("b", a.if_b, a.peer_b)):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.bind((ifn, 0))
        s.setblocking(False)
        ports[side] = {"sock": s, "if": ifn, "mac": if_mac(ifn), "peer": mac_bytes(peer)}
    other = {"a": "b", "b": "a"}
    dname = {"a": "c2s", "b": "s2c"}  # keyed by the side a frame arrives on

    stats = {d: {"in": 0, "out": 0, "drop": 0, "reorder": 0, "dup": 0} for d in ("c2s", "s2c")}
    held = {"a": None, "b": None}  # (frame, deadline) per arriving side
    stall_until = {"c2s": 0.0, "s2c": 0.0}
    stalled = False
    queue = []  # heap of (due, n, out_side, frame)
    counter = [0]
    t0 = time.monotonic()

    def log(msg):
        logf.write(f"{time.monotonic() - t0:9.4f} {msg}\n")

    def schedule(out_side, frame, due):
        counter[0] += 1
        heapq.heappush(queue, (due, counter[0], out_side, frame))

    stop = [False]

    def on_sig(*_):
        stop[0] = True

    signal.signal(signal.SIGTERM, on_sig)
    signal.signal(signal.SIGINT, on_sig)

    if a.ready:
        with open(a.ready, "w") as f:
            f.write(f"{os.getpid()}\n")

    delay = a.delay_ms / 1000.0
    hold = a.hold_ms / 1000.0
    socks = {ports[s]["sock"].fileno(): s for s in ports}

    while not stop[0]:
        now = time.monotonic()
        # due frames go out
        while queue and queue[0][0] <= now:
            _, _, out_side, frame = heapq.heappop(queue)
            try:
                ports[out_side]["sock"].send(frame)
            except OSError as e:
                log(f"send error on {ports[out_side]['if']}: {e}")
        # held frames whose hold time ran out
        for side in held:
            if held[side] and held[side][1] <= now:
                schedule(other[side], held[side][0], now)
                log(f"{dname[side]} release-timeout")
                held[side] = None
        deadlines = [q[0] for q in queue[:1]] + [h[1] for h in held.values() if h]
        timeout = max(0.0, min(deadlines) - now) if deadlines else 0.2
        try:
            r, _, _ = select.select(list(socks), [], [], min(timeout, 0.2))
        except InterruptedError:
            continue
        for fd in r:
            side = socks[fd]
            p = ports[side]
            while True:
                try:
                    frame, addr = p["sock"].recvfrom(65536)
                except BlockingIOError:
                    break
                except OSError as e:  # e.g. the namespace is being torn down
                    log(f"recv error on {p['if']}: {e}")
                    stop[0] = True
                    break
                if addr[2] == PACKET_OUTGOING or len(frame) < 14:
                    continue
                if frame[0:6] != p["mac"]:
                    continue
                if frame[12:14] not in (b"\x08\x00", b"\x86\xdd"):
                    continue
                d = dname[side]
                st = stats[d]
                st["in"] += 1
                out = other[side]
                frame = ports[out]["peer"] + ports[out]["mac"] + frame[12:]
                info = tcp_info(frame)
                desc = info[2] if info else "non-tcp"
                now = time.monotonic()
                opposite = "s2c" if d == "c2s" else "c2s"
                if (a.stall_after and not stalled and d == a.stall_dir
                        and stats[opposite]["in"] >= a.stall_after):
                    stalled = True
                    stall_until[d] = now + a.stall_ms / 1000.0
                    log(f"{d} stall {a.stall_ms} ms from {desc}")
                due = max(now, stall_until[d]) + delay
                apply = a.dirs == "both" or a.dirs == d
                if info and a.spare_syn and info[0] & 0x07:  # FIN, SYN, RST
                    apply = False
                # one draw per decision, always in the same order, so the
                # decision stream depends only on the sequence of frames
                r_drop, r_reo, r_dup = rng.random(), rng.random(), rng.random()
                if apply and r_drop < a.drop:
                    st["drop"] += 1
                    log(f"{d} drop {desc}")
                    continue
                if apply and r_reo < a.reorder and held[side] is None:
                    st["reorder"] += 1
                    held[side] = (frame, now + hold)
                    log(f"{d} hold {desc}")
                    continue
                schedule(out, frame, due)
                st["out"] += 1
                if apply and r_dup < a.dup:
                    st["dup"] += 1
                    schedule(out, frame, due + a.dup_delay_ms / 1000.0)
                    st["out"] += 1
                    log(f"{d} dup {desc}")
                if held[side]:
                    schedule(out, held[side][0], due)
                    st["out"] += 1
                    log(f"{d} release-after {desc}")
                    held[side] = None

    # flush what is still queued or held
    for side in held:
        if held[side]:
            schedule(other[side], held[side][0], time.monotonic())
    while queue:
        _, _, out_side, frame = heapq.heappop(queue)
        try:
            ports[out_side]["sock"].send(frame)
        except OSError:
            pass
    for side, p in ports.items():
        try:
            raw = p["sock"].getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
            tp_packets, tp_drops = struct.unpack("II", raw)
            log(f"socket {p['if']}: kernel delivered {tp_packets}, kernel dropped {tp_drops}")
        except OSError:
            pass
    for d, st in stats.items():
        log(f"summary {d}: " + " ".join(f"{k}={v}" for k, v in st.items()))
    logf.close()


if __name__ == "__main__":
    main()
