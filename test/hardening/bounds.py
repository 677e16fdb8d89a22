#!/usr/bin/env python3
"""Bounded memory under attack: runs wirescope over generated hostile
captures and checks, per run, the exit status, the peak RSS against a bound
derived from the budgets (printed with its arithmetic), the throughput, the
eviction counters of the summary line and that what is kept is complete.

Usage: bounds.py WIRESCOPE BUILD_DIR   (run.sh builds gen-attack and sizes
into BUILD_DIR first). Environment:
  HARDENING_MIN_PPS   throughput floor in packets/s (default 100000)
  HARDENING_ONLY      comma-separated run names (or prefixes) to run
Prints one line per check ("ok - ..." / "FAIL - ...") and per run a figures
line, then `N passed, N failed`; exit status 1 when anything failed.

The bound of a run is the sum of (MiB = 2^20 bytes):
  base    peak RSS of the same binary on a 5-packet capture (code, libc,
          libpcap, stdio and thread stacks), measured at start
  slack   8 MiB (allocator fragmentation, libpcap's read buffer, page
          rounding)
  ring    --ring, 8 MiB for file and stdin input (main.c's default)
  flows   live flows n = min(distinct flows, --max-flows): records in
          chunks of 16384 x sizeof(struct flow) (2 MiB each, allocated
          whole), LRU links 8 B per record (doubling, capped at
          --max-flows), the hash index 8 B x round_pow2(2 x --max-flows),
          and for --flows the n-pointer array that sorts the output
  conns   every mode but --flows: live connections
          <= max(--max-conns, --max-flows) + 1 (a connection attached to
          a live flow is never freed; the flow limit bounds those), each a
          malloc'd struct conn plus its malloc'd struct tcp_seq_state
          (sizes from test/hardening/sizes.c, +8 B malloc header, rounded
          to 16), plus the id-ordered slot array (16 B each, doubling: 32 B)
  store   --ladder/--follow only (other modes keep no packets): --mem,
          plus one 64 Ki-entry index chunk (40 B x 65536 = 2.5 MiB) that is
          allocated before eviction, plus the 512 KiB chunk-pointer table
  view    --follow: 2 x 64 MiB (FOLLOW_MAX_BYTES per side) + 2 x 32 B
          chunk records per kept packet + 1 MiB reassembly state;
          --ladder: an allowance of 64 MiB (a view of one connection should
          not cost more than that whatever its length)
and for the application floods (app_parts; app.h, rtp_stats.h and sizes.c
give the limits and sizes):
  tracker its fixed tables: the 64 Ki-slot open-transaction index (8 B
          each) and APP_EXPECT_MAX (256) expectations (< 64 B each)
  txns    kept k = min(made, --max-transactions): records in chunks of
          1024 x sizeof(struct txn), plus per record its texts at their
          limits (TXN_WHAT, TXN_LABEL per message, TXN_RESULT when
          answered; the 6-message array past 2 messages) in a pool of
          64 KiB chunks, 2 of them partly evicted
  state   per-flow state of n live flows: min(n x chunk(size),
          APP_STATE_BUDGET + n x malloc overhead), size APP_STATE_MAX
          unless the protocol's is known; its slot table (40 B a slot)
          stays under 4 x n slots, x 1.5 while rehashing
  rtp     the stream table: min(streams, RTP_MAX_STREAMS) rounded up to
          its doubling capacity x sizeof(struct rtp_stream), x 1.5 while
          realloc copies it; its index (rtp_stats.c): an entry per stream
          and per flow with a stream (<= 2 x streams), 16 B a slot, at most
          half full (>= 64 slots), x 1.5 while doubling
"""
import json
import os
import re
import subprocess
import sys
import time

MIB = 1 << 20
WS = os.path.abspath(sys.argv[1])
BUILD = os.path.abspath(sys.argv[2])
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(BUILD, "gen-attack")
GEN_SRC = os.path.join(ROOT, "test", "hardening", "gen-attack.c")
OUT = os.path.join(BUILD, "out")
MIN_PPS = float(os.environ.get("HARDENING_MIN_PPS", "100000"))
ONLY = [s for s in os.environ.get("HARDENING_ONLY", "").split(",") if s]
os.makedirs(OUT, exist_ok=True)

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok - %s%s" % (name, " (%s)" % detail if detail else ""))
    else:
        failed += 1
        print("FAIL - %s%s" % (name, ": %s" % detail if detail else ""))
    sys.stdout.flush()
    return ok


# ------------------------------------------------------------ sizes, files

SIZES = {}
for line in subprocess.run([os.path.join(BUILD, "sizes")], stdout=subprocess.PIPE,
                           check=True, text=True).stdout.splitlines():
    k, v = line.split()
    SIZES[k] = int(v)


def chunk(n):  # glibc malloc: 8-byte header, 16-byte granularity
    return (n + 8 + 15) & ~15


def round_pow2(n):
    s = 1
    while s < n:
        s <<= 1
    return s


def generate(kind, n=None):
    """Generates BUILD/KIND.pcap unless the same generator source and
    arguments made it already; returns (path, facts from the generator)."""
    path = os.path.join(BUILD, kind + ".pcap")
    stamp = path + ".params"
    want = "%s %s %d" % (kind, n or "default", int(os.path.getmtime(GEN_SRC)))
    if os.path.exists(path) and os.path.exists(stamp):
        with open(stamp) as f:
            lines = f.read().splitlines()
        if len(lines) == 2 and lines[0] == want:
            return path, facts(lines[1])
    t0 = time.monotonic()
    args = [GEN, kind, path] + ([str(n)] if n else [])
    line = subprocess.run(args, stdout=subprocess.PIPE, check=True, text=True).stdout.strip()
    print("# generated %s in %.1f s: %s" % (os.path.relpath(path, ROOT),
                                            time.monotonic() - t0, line))
    with open(stamp, "w") as f:
        f.write(want + "\n" + line + "\n")
    return path, facts(line)


def facts(line):
    return {k: int(v) for k, v in (w.split("=") for w in line.split()[1:])}


# ------------------------------------------------------------ running

SUMMARY = re.compile(
    r"wirescope: (\d+) packets captured, (\d+) decoded, (\d+) malformed, .*?"
    r"(\d+) store evictions, (\d+) flows \((\d+) evicted\)"
    r"(?:, (\d+) TCP connections \((\d+) evicted\))?"
    r"(?:, (\d+) transactions \((\d+) evicted\), (\d+) announced flows replaced, "
    r"(\d+) RTP packets of streams not kept, (\d+) flow states reclaimed)?")


class Run:
    pass


def run(name, pcap, args, keep_output=False, stdin=False, packets=0):
    """Runs wirescope under /usr/bin/time (and timeout: SIGINT after the
    time the throughput floor allows, SIGKILL 15 s later)."""
    r = Run()
    r.name = name
    limit = max(30, int(packets / MIN_PPS) + 15)
    out_path = os.path.join(OUT, name.replace(" ", "_").replace("/", "_") + ".out")
    err_path = out_path[:-4] + ".err"
    time_path = out_path[:-4] + ".time"
    cmd = ["/usr/bin/time", "-o", time_path, "-f", "%M %e",
           "timeout", "-s", "INT", "-k", "15", str(limit), WS,
           "-r", "-" if stdin else pcap] + args
    with open(out_path if keep_output else os.devnull, "wb") as out, \
            open(err_path, "wb") as err, \
            open(pcap if stdin else os.devnull, "rb") as inp:
        p = subprocess.run(cmd, stdin=inp, stdout=out, stderr=err)
    r.rc = p.returncode
    r.timed_out = r.rc == 124 or r.rc == 137
    with open(time_path) as f:
        last = f.read().split("\n")
    fig = [l for l in last if re.match(r"^\d+ [\d.]+$", l)]
    r.rss_kib, r.wall = (int(fig[-1].split()[0]), float(fig[-1].split()[1])) if fig else (0, 0.0)
    with open(err_path, "rb") as f:
        r.stderr = f.read().decode("utf-8", "replace")
    m = None
    for line in r.stderr.splitlines():
        m = SUMMARY.match(line) or m
    r.summary = m is not None
    g = [int(x) if x is not None else None for x in m.groups()] if m else [None] * 13
    (r.captured, r.decoded, r.malformed, r.store_evictions, r.flows, r.flows_evicted,
     r.conns, r.conns_evicted, r.txns, r.txns_evicted, r.expect_replaced,
     r.rtp_not_kept, r.states_reclaimed) = g
    r.out_path = out_path
    r.pps = (r.captured or 0) / r.wall if r.wall > 0 else 0
    return r


def bound(r, mode, distinct_flows, max_flows, max_conns, conns_created=None,
          ring_mib=8, mem_mib=None, kept_packets=0, app=()):
    """The RSS bound of a run in bytes, and its arithmetic as text; app:
    the application tracker's parts (app_parts)."""
    parts = [("base", BASE_KIB * 1024), ("slack", 8 * MIB), ("ring", ring_mib * MIB)]
    n = min(distinct_flows, max_flows)
    flows = -(-n // 16384) * 16384 * SIZES["flow"] if n else 0
    flows += min(round_pow2(max(n, 1)) * 2, max_flows) * 8   # LRU links
    flows += max(round_pow2(2 * max_flows), 8) * 8            # hash index
    if mode == "--flows":
        flows += n * 8
    parts.append(("flows %d" % n, flows))
    if mode != "--flows":
        live = max(max_conns, max_flows) + 1
        if conns_created is not None:
            live = min(live, conns_created)
        per = chunk(SIZES["conn"]) + chunk(SIZES["tcp_seq_state"]) + 32
        parts.append(("conns %d x %d B" % (live, per), live * per))
    if mode in ("--ladder", "--follow"):
        parts.append(("store", mem_mib * MIB + 2621440 + 524288))
    if mode == "--follow":
        parts.append(("follow view", 128 * MIB + 64 * kept_packets + MIB))
    if mode == "--ladder":
        parts.append(("ladder view allowance", 64 * MIB))
    parts.extend(app)
    total = sum(v for _, v in parts)
    text = " + ".join("%s %.1f" % (k, v / MIB) for k, v in parts)
    return total, "%s = %.1f MiB" % (text, total / MIB)


FLOW_SLOT = 40      # app_track.c's struct flow_slot: id, parent, announced, state, size
RTP_SLOT = 16       # rtp_stats.c's struct rtp_slot: flow id, SSRC, kind and value (asserted)
TRACKER_FIXED = 8 * 65536 + 256 * 64   # its open-transaction index, expectations
POOL_CHUNK = 64 * 1024                 # app_track.c's text pool chunk
TXN_CHUNK = 1024                       # records per chunk of the ring


def app_parts(txns=0, max_txns=100000, txn_msgs=1, answered=False, state_flows=0,
              state_size=None, rtp_streams=0):
    """The application tracker's parts of a bound (see the docstring):
    txns transactions made, each with txn_msgs messages (answered: with a
    result); state_flows live flows holding per-flow state of at most
    state_size bytes (APP_STATE_MAX when not known); rtp_streams streams."""
    parts = [("tracker", TRACKER_FIXED)]
    kept = min(txns, max_txns)
    if kept:
        if "txn_what" in SIZES:   # records in chunks, texts in a pool
            text = SIZES["txn_what"] + txn_msgs * SIZES["txn_label"]
            text += SIZES["txn_result"] if answered else 0
            if txn_msgs > SIZES["txn_msgs_inline"]:
                text += SIZES["txn_msgs"] * SIZES["txn_msg"] + 8
            records = -(-kept // TXN_CHUNK) * TXN_CHUNK * SIZES["txn"]
            parts.append(("txns %d x (%d B + text %d B)" % (kept, SIZES["txn"], text),
                          records + kept * text + 2 * (POOL_CHUNK + 64)))
        else:                     # one array, grown by realloc (old + new)
            cap = min(round_pow2(max(kept, 64)), max_txns)
            parts.append(("txns %d x %d B x 1.5" % (cap, SIZES["txn"]),
                          cap * SIZES["txn"] * 3 // 2))
    if state_flows:
        size = state_size or SIZES["app_state_max"]
        each = chunk(size)
        budget = SIZES["app_state_budget"] + state_flows * (each - size)
        parts.append(("state %d x %d B (budget %d MiB)" % (state_flows, each,
                                                           SIZES["app_state_budget"] >> 20),
                      min(state_flows * each, budget)))
        # the slot table doubles only while more than half its slots are
        # live, so it stays under 4 x live (>= 1024); a rehash holds the
        # old table (half the size) too
        cap = 1024
        while cap * 2 < 4 * (state_flows + 1):
            cap *= 2
        parts.append(("slots %d x %d B x 1.5" % (cap, FLOW_SLOT), cap * FLOW_SLOT * 3 // 2))
    if rtp_streams:
        n = min(rtp_streams, SIZES["rtp_max_streams"])
        cap = max(round_pow2(n), 16)
        parts.append(("rtp streams %d x %d B x 1.5" % (cap, SIZES["rtp_stream"]),
                      cap * SIZES["rtp_stream"] * 3 // 2))
        slots = max(round_pow2(2 * (2 * n)), 64)
        parts.append(("rtp index %d x %d B x 1.5" % (slots, RTP_SLOT),
                      slots * RTP_SLOT * 3 // 2))
    return parts


def report(r, bound_bytes, arith, expect_rc=(0,)):
    """The checks every run gets: exit, summary, RSS bound, throughput."""
    print("# %-34s rc %-3s peak RSS %7.1f MiB (bound %7.1f)  %6.1f s  %9.0f pkt/s  "
          "flows evicted %s  conns evicted %s  store evictions %s" % (
              r.name, r.rc, r.rss_kib / 1024, bound_bytes / MIB, r.wall, r.pps,
              r.flows_evicted, r.conns_evicted, r.store_evictions))
    check("%s: exit status %s" % (r.name, "/".join(map(str, expect_rc))),
          r.rc in expect_rc and not r.timed_out,
          "timed out (SIGINT after the time %d pkt/s allows)" % MIN_PPS if r.timed_out
          else "exit %d" % r.rc if r.rc not in expect_rc else "")
    check("%s: summary line on stderr" % r.name, r.summary,
          "" if r.summary else "stderr: %r" % r.stderr[-300:])
    if r.rc == 137:
        check("%s: peak RSS <= bound" % r.name, False,
              "unknown: killed 15 s after SIGINT had not stopped it")
    else:
        check("%s: peak RSS %.1f MiB <= bound" % (r.name, r.rss_kib / 1024),
              0 < r.rss_kib * 1024 <= bound_bytes, arith)
    if " --ladder" in r.name or " --follow" in r.name:
        return  # the view's rendering is part of the time: figures only
    check("%s: throughput %.0f pkt/s >= %d" % (r.name, r.pps, MIN_PPS),
          r.summary and (r.pps >= MIN_PPS or r.captured < 100000),
          "" if r.summary else "no summary line")


def wanted(name):
    return not ONLY or any(name.startswith(p) for p in ONLY)


def json_rows(path):
    with open(path, "rb") as f:
        return [json.loads(l) for l in f if l.strip()]


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


LIM = ["--max-flows", "100000", "--max-conns", "100000", "--mem", "64"]

# ------------------------------------------------------------ base

COUNTS = ("txn_msgs", "txn_msgs_inline", "app_expect_max", "rtp_max_streams",
          "rtp_max_ssrc_per_flow")  # limits, not sizes
print("# sizes: " + ", ".join("%s %d%s" % (k, v, "" if k in COUNTS else " B")
                              for k, v in SIZES.items()))
tiny = os.path.join(BUILD, "tiny.pcap")
subprocess.run([GEN, "synflood", tiny, "5"], stdout=subprocess.DEVNULL, check=True)
BASE_KIB = 0
for mode in ("--packets", "--flows", "--conns"):
    b = run("base " + mode, tiny, [mode])
    BASE_KIB = max(BASE_KIB, b.rss_kib)
print("# base RSS (5-packet capture): %.1f MiB" % (BASE_KIB / 1024))

# ------------------------------------------------------------ (a) SYN flood

if wanted("synflood"):
    path, fx = generate("synflood")
    N = fx["packets"]
    r = run("synflood --conns", path, ["--conns", "--json"] + LIM, keep_output=True, packets=N)
    report(r, *bound(r, "--conns", N, 100000, 100000, N))
    if r.summary:
        check("synflood --conns: every SYN made a flow and a connection",
              r.flows == N and r.conns == N, "flows %s, conns %s" % (r.flows, r.conns))
        check("synflood --conns: flows evicted == %d" % (N - 100000),
              r.flows_evicted == N - 100000, "got %s" % r.flows_evicted)
        check("synflood --conns: connections evicted > 0", (r.conns_evicted or 0) > 0)
    rows = json_rows(r.out_path) if r.rc == 0 else []
    check("synflood --conns: rows == min(conns, max-conns) == 100000", len(rows) == 100000,
          "got %d" % len(rows))
    if rows:
        ids = [o["id"] for o in rows]
        check("synflood --conns: the newest connections are kept (ids %d..%d)" % (N - 100000, N - 1),
              ids == list(range(N - 100000, N)), "ids %d..%d" % (min(ids), max(ids)))
        check("synflood --conns: each kept connection is complete (1 SYN, S0, SYN_SENT)",
              all(o["pkts_c2s"] == 1 and o["pkts_s2c"] == 0 and o["conn_state"] == "S0"
                  and o["client_state"] == "SYN_SENT" and o["server_port"] == 80 for o in rows))

    r = run("synflood --flows", path, ["--flows", "--json"] + LIM, keep_output=True, packets=N)
    report(r, *bound(r, "--flows", N, 100000, 100000))
    check("synflood --flows: flows evicted == %d" % (N - 100000),
          r.flows_evicted == N - 100000, "got %s" % r.flows_evicted)
    rows = json_rows(r.out_path) if r.rc == 0 else []
    check("synflood --flows: rows == min(flows, max-flows) == 100000", len(rows) == 100000,
          "got %d" % len(rows))
    if rows:
        ids = [o["id"] for o in rows]
        check("synflood --flows: the most recent flows are kept, 1 packet each",
              ids == list(range(N - 100000, N)) and all(o["pkts_a2b"] == 1 for o in rows),
              "ids %d..%d" % (min(ids), max(ids)))

    # A limit on connections below the limit on flows: live connections
    # then outnumber --max-conns, and the table must not rescan them all
    # for every new connection.
    M = 300000
    r = run("synflood --max-conns < --max-flows", path,
            ["-c", str(M), "--conns", "--json", "--max-flows", "100000", "--max-conns", "10000"],
            keep_output=True, packets=M)
    report(r, *bound(r, "--conns", M, 100000, 10000, M))
    rows = json_rows(r.out_path) if r.rc == 0 else []
    check("synflood --max-conns < --max-flows: rows == conns kept per the summary",
          r.summary and r.conns is not None and len(rows) == r.conns - r.conns_evicted,
          "rows %d, summary %s - %s" % (len(rows), r.conns, r.conns_evicted))

# ------------------------------------------------------------ (b) UDP flows

if wanted("udpflows"):
    path, fx = generate("udpflows")
    N = fx["packets"]
    r = run("udpflows --flows", path, ["--flows", "--json"] + LIM, keep_output=True, packets=N)
    report(r, *bound(r, "--flows", N, 100000, 100000))
    check("udpflows --flows: flows evicted == %d" % (N - 100000),
          r.flows_evicted == N - 100000, "got %s" % r.flows_evicted)
    rows = json_rows(r.out_path) if r.rc == 0 else []
    check("udpflows --flows: rows == 100000, the newest, 1 packet and 58 bytes each",
          len(rows) == 100000 and [o["id"] for o in rows] == list(range(N - 100000, N))
          and all(o["pkts_a2b"] == 1 and o["bytes_a2b"] == 58 and o["proto"] == "udp"
                  for o in rows), "rows %d" % len(rows))
    r = run("udpflows --conns", path, ["--conns"] + LIM, packets=N)
    report(r, *bound(r, "--conns", N, 100000, 100000, 0))
    check("udpflows --conns: no TCP connections", r.conns == 0, "got %s" % r.conns)
    r = run("udpflows --packets", path, ["--packets"] + LIM, packets=N)
    report(r, *bound(r, "--packets", N, 100000, 100000, 0))
    check("udpflows --packets: every packet decoded", r.decoded == N, "got %s" % r.decoded)

# ------------------------------------------------------------ (c) fragments

if wanted("frags"):
    path, fx = generate("frags")
    N = fx["packets"]
    distinct = fx["flows"]
    r = run("frags --flows", path, ["--flows", "--json"] + LIM, keep_output=True, packets=N)
    report(r, *bound(r, "--flows", distinct, 100000, 100000))
    check("frags --flows: first fragments are not malformed", r.malformed == 0,
          "%s malformed" % r.malformed)
    check("frags --flows: flows evicted > 0 (%d distinct > 100000)" % distinct,
          (r.flows_evicted or 0) > 0, "got %s" % r.flows_evicted)
    rows = json_rows(r.out_path) if r.rc == 0 else []
    check("frags --flows: rows == flows kept per the summary == 100000",
          len(rows) == 100000 and r.flows - r.flows_evicted == 100000, "rows %d" % len(rows))
    r = run("frags --conns", path, ["--conns"] + LIM, packets=N)
    report(r, *bound(r, "--conns", distinct, 100000, 100000, 0))
    r = run("frags --packets --json", path, ["--packets", "--json"] + LIM, keep_output=True,
            packets=N)
    report(r, *bound(r, "--packets", distinct, 100000, 100000, 0))
    n = count_lines(r.out_path)
    check("frags --packets --json: one line per packet", n == N, "%d lines" % n)
    with open(r.out_path, "rb") as f:
        head = [json.loads(next(f)) for _ in range(4)] if n >= 4 else []
    check("frags --packets --json: first fragments carry ports and no malformation event",
          head and all(o["sport"] == 5000 and o["dport"] == 7000 and
                       o["event"] in (None, "fragment") for o in head),
          "first lines: %s" % [(o["proto"], o["event"]) for o in head])

# ------------------------------------------------------------ (d) 1 GiB hole

if wanted("ooo"):
    path, fx = generate("ooo")
    N = fx["packets"]
    c2s = 103 + fx["after"] // 1000  # SYN, ACK, 100 + after/1000 segments, FIN
    r = run("ooo --conns", path, ["--conns", "--json"] + LIM, keep_output=True, packets=N)
    report(r, *bound(r, "--conns", 1, 100000, 100000, 1))
    rows = json_rows(r.out_path) if r.rc == 0 else []
    ok = len(rows) == 1
    o = rows[0] if ok else {}
    check("ooo --conns: one connection, all its payload counted",
          ok and o["payload_c2s"] == 100 * 1000 + fx["after"] and o["pkts_c2s"] == c2s,
          "payload_c2s %s pkts_c2s %s (want %d, %d)" % (o.get("payload_c2s"), o.get("pkts_c2s"),
                                                      100 * 1000 + fx["after"], c2s))
    a = o.get("analysis", {})
    check("ooo --conns: the hole is one lost segment; every later server ACK a dup ACK",
          a.get("lost_segment") == 1 and a.get("duplicate_ack") == 25001,
          "lost_segment %s duplicate_ack %s" % (a.get("lost_segment"), a.get("duplicate_ack")))

    r = run("ooo --follow 0", path, ["--follow", "0", "--json"] + LIM, keep_output=True, packets=N)
    report(r, *bound(r, "--follow", 1, 100000, 100000, 1, mem_mib=64, kept_packets=N))
    rows = json_rows(r.out_path) if r.rc == 0 else []
    gap = sum(o["len"] for o in rows if o["gap"])
    data = sum(o["len"] for o in rows if not o["gap"])
    check("ooo --follow 0: the 1 GiB hole is reported as a gap", gap == fx["gap"],
          "gap bytes %d" % gap)
    check("ooo --follow 0: data kept up to the 64 MiB limit", data == min(64 * MIB, 100000 + fx["after"]),
          "data bytes %d" % data)

    r = run("ooo --ladder 0", path, ["--ladder", "0"] + LIM, keep_output=True, packets=N)
    report(r, *bound(r, "--ladder", 1, 100000, 100000, 1, mem_mib=64, kept_packets=N))
    n = count_lines(r.out_path)
    check("ooo --ladder 0: one line per segment", n >= N, "%d lines for %d segments" % (n, N))

    r = run("ooo --packets", path, ["--packets"] + LIM, packets=N)
    report(r, *bound(r, "--packets", 1, 100000, 100000, 1))

# ------------------------------------------------------------ (e) DNS loops

if wanted("dnsloop"):
    path, fx = generate("dnsloop")
    N = fx["packets"]
    r = run("dnsloop --packets --json", path, ["--packets", "--json"] + LIM, keep_output=True,
            packets=N)
    report(r, *bound(r, "--packets", 30000, 100000, 100000, 1))
    bad = 0
    n = 0
    with open(r.out_path, "rb") as f:
        for line in f:
            n += 1
            try:
                json.loads(line)
            except ValueError:
                bad += 1
    check("dnsloop --packets --json: one valid JSON line per packet", n == N and bad == 0,
          "%d lines, %d invalid" % (n, bad))
    r = run("dnsloop --flows", path, ["--flows"] + LIM, packets=N)
    report(r, *bound(r, "--flows", 30000, 100000, 100000))
    r = run("dnsloop --conns", path, ["--conns", "--json"] + LIM, keep_output=True, packets=N)
    report(r, *bound(r, "--conns", 30000, 100000, 100000, 1))
    r = run("dnsloop --follow 0", path, ["--follow", "0", "--json"] + LIM, keep_output=True,
            packets=N)
    report(r, *bound(r, "--follow", 30000, 100000, 100000, 1, mem_mib=64, kept_packets=N))
    rows = json_rows(r.out_path) if r.rc == 0 else []
    check("dnsloop --follow 0: the DNS-over-TCP stream reassembles without gaps",
          rows and not any(o["gap"] for o in rows)
          and sum(o["len"] for o in rows if o["side"] == "server") > 0)

# ------------------------------------------------------------ (f) pinned

if wanted("pinned"):
    # One connection stays live (a segment every 100 packets) while a SYN
    # flood goes by: with --max-conns 1000 memory must stay that of ~1000
    # connections, however many come and go behind the live one.
    path, fx = generate("pinned")
    N = fx["packets"]
    small = ["--max-flows", "1000", "--max-conns", "1000", "--mem", "64"]
    r = run("pinned --conns", path, ["--conns", "--json"] + small, keep_output=True, packets=N)
    report(r, *bound(r, "--conns", fx["flows"], 1000, 1000, fx["conns"]))
    rows = json_rows(r.out_path) if r.rc == 0 else []
    check("pinned --conns: the live connection 0 is kept, established, with every segment",
          rows and rows[0]["id"] == 0 and rows[0]["client_state"] == "ESTABLISHED"
          and rows[0]["pkts_c2s"] + rows[0]["pkts_s2c"] == 3 + (N - 3) // 101,
          "first row %s" % ({k: rows[0][k] for k in ("id", "client_state", "pkts_c2s",
                                                      "pkts_s2c")} if rows else None))
    check("pinned --conns: rows == connections kept per the summary",
          r.summary and len(rows) == r.conns - r.conns_evicted,
          "rows %d, summary %s - %s" % (len(rows), r.conns, r.conns_evicted))
    syn, _ = generate("synflood")
    r = run("pinned control (flood alone)", syn, ["-c", str(N), "--conns"] + small, packets=N)
    report(r, *bound(r, "--conns", N, 1000, 1000, N))

    # The store under --mem: classic pcap (bytes stay in the file, index
    # only) and stdin (bytes copied into 4 MiB chunks).
    for stdin in (False, True):
        name = "pinned --follow 0%s" % (" (stdin)" if stdin else "")
        r = run(name, path, ["--follow", "0", "--json"] + small, keep_output=True, stdin=stdin,
                packets=N)
        kept = (64 * MIB) // 40
        report(r, *bound(r, "--follow", fx["flows"], 1000, 1000, fx["conns"], mem_mib=64,
                         kept_packets=kept))
        check("%s: store evictions > 0" % name, (r.store_evictions or 0) > 0,
              "got %s" % r.store_evictions)
        rows = json_rows(r.out_path) if r.rc == 0 else []
        data = [o for o in rows if not o["gap"]]
        # the connection's data segments are packets 3 + 101 k (k >= 1)
        first = min((o["packet"] for o in data), default=0)
        k_first = max(1, -(-(first - 3) // 101))
        want = 100 * ((N - 3) // 101 - k_first + 1)
        got = sum(o["len"] for o in data)
        check("%s: every kept segment of connection 0 is in the stream" % name,
              data and got == want and first > 104,
              "data %d bytes from packet %d, want %d" % (got, first, want))

# ------------------------------------------------------------ (g) DNS flood

if wanted("dnsflood"):
    # Queries never answered, each on a flow of its own: the ring keeps the
    # newest --max-transactions, each complete; the older are evicted.
    path, fx = generate("dnsflood")
    N = fx["packets"]
    Q = fx["queries"]
    r = run("dnsflood --transactions", path, ["--transactions", "--json"] + LIM,
            keep_output=True, packets=N)
    report(r, *bound(r, "--transactions", fx["flows"], 100000, 100000, 0,
                     app=app_parts(txns=Q)))
    check("dnsflood --transactions: every query decoded, flows evicted == %d" % (N - 100000),
          r.decoded == N and r.malformed == 0 and r.flows_evicted == N - 100000,
          "decoded %s malformed %s flows evicted %s" % (r.decoded, r.malformed, r.flows_evicted))
    rows = json_rows(r.out_path) if r.rc == 0 else []
    kept = min(Q, 100000)
    ids = [o["id"] for o in rows]
    check("dnsflood --transactions: rows == min(queries, max-transactions) == %d, the newest "
          "(ids %d..%d)" % (kept, Q - kept, Q - 1), ids == list(range(Q - kept, Q)),
          "%d rows, ids %s..%s" % (len(rows), ids[0] if ids else None, ids[-1] if ids else None))
    check("dnsflood --transactions: each kept query complete (its name, id, packet, unanswered)",
          rows and all(o["what"] == "A q%d.example.com" % o["id"] and not o["done"]
                       and o["result"] == "" and len(o["msgs"]) == 1
                       and o["msgs"][0]["packet"] == o["id"] + 1
                       and o["msgs"][0]["label"] == "Query 0x%04x" % (o["id"] * 40503 & 0xffff)
                       for o in rows))
    check("dnsflood --transactions: the summary counts %d transactions, %d evicted"
          % (Q, Q - kept), (r.txns, r.txns_evicted) == (Q, Q - kept),
          "summary: %s transactions, %s evicted" % (r.txns, r.txns_evicted))

# ------------------------------------------------------------ (h) slow HTTP headers

if wanted("httphdr"):
    # Header blocks that never end: each connection's state grows to
    # APP_STATE_MAX, and all of them together to the 64 MiB budget.
    path, fx = generate("httphdr")
    N = fx["packets"]
    flows = fx["flows"]
    late = "GET /after-the-flood"
    r = run("httphdr --transactions", path, ["--transactions", "--json"] + LIM,
            keep_output=True, packets=N)
    report(r, *bound(r, "--transactions", flows, 100000, 100000, fx["conns"],
                     app=app_parts(txns=1, txn_msgs=2, answered=True, state_flows=flows)))
    rows = json_rows(r.out_path) if r.rc == 0 else []
    check("httphdr --transactions: no transaction from an unfinished header block",
          r.rc == 0 and all(o["what"] == late for o in rows),
          "rows: %s" % [o["what"] for o in rows[:3]])
    # The budget being full, the flow of the late request gets state by
    # reclaiming that of idle slow connections: it is tracked whole.
    check("httphdr --transactions: the request after the flood is one complete transaction",
          len(rows) == 1 and rows[0]["what"] == late and rows[0]["done"]
          and rows[0]["result"] == "200 OK" and len(rows[0]["msgs"]) == 2,
          "rows: %s" % [(o["what"], o["done"], o["result"]) for o in rows[:3]])
    # Each slow connection's first segment grows its state to at least
    # APP_STATE_MAX - 1 (http.c: two equal header buffers and the flow's
    # record fill the limit); held state never passes the budget, and a
    # reclaim frees at most APP_STATE_MAX, so the first round alone needs
    # ceil((slow x (max - 1) - budget) / max) reclaims.
    smax, budget = SIZES["app_state_max"], SIZES["app_state_budget"]
    least = -(-(fx["slow"] * (smax - 1) - budget) // smax)
    check("httphdr --transactions: the summary counts >= %d flow states reclaimed" % least,
          r.states_reclaimed is not None and r.states_reclaimed >= least > 0,
          "summary: %s reclaimed" % r.states_reclaimed)
    print("# httphdr: %d slow connections x %d B of headers; %s flow states reclaimed "
          "(peak RSS - base %.1f MiB; the state budget is %d MiB)" % (
              fx["slow"], fx["header_bytes"] // fx["slow"], r.states_reclaimed,
              (r.rss_kib - BASE_KIB) / 1024, budget >> 20))
    # With fewer live flows than the budget holds at APP_STATE_MAX each, the
    # state leaves with the evicted flows and a request after the flood is
    # tracked whole.
    M = SIZES["app_state_budget"] // SIZES["app_state_max"] // 2
    small = ["--max-flows", str(M), "--max-conns", str(M), "--mem", "64"]
    name = "httphdr --max-flows %d" % M
    r = run(name, path, ["--transactions", "--json"] + small, keep_output=True, packets=N)
    report(r, *bound(r, "--transactions", flows, M, M, fx["conns"],
                     app=app_parts(txns=1, txn_msgs=2, answered=True, state_flows=M)))
    # round-robin over more connections than --max-flows is the LRU's worst
    # case: every header segment finds its flow evicted and makes a new one
    made = fx["slow"] * (1 + fx["rounds"]) + 1
    check("%s: flows made == %d (each segment of a round a new flow), evicted == %d"
          % (name, made, made - M), r.flows == made and r.flows_evicted == made - M,
          "made %s, evicted %s" % (r.flows, r.flows_evicted))
    rows = json_rows(r.out_path) if r.rc == 0 else []
    check("%s: the request after the flood is one complete transaction" % name,
          len(rows) == 1 and rows[0]["what"] == late and rows[0]["done"]
          and rows[0]["result"] == "200 OK" and len(rows[0]["msgs"]) == 2,
          "rows: %s" % [(o["what"], o["done"], o["result"]) for o in rows[:3]])

# ------------------------------------------------------------ (i) FTP announcements

if wanted("ftpexpect"):
    # PORT, EPRT and 227 replies announcing data connections that never
    # come: APP_EXPECT_MAX are kept, the oldest replaced; every command is
    # a transaction, the ring keeps the newest.
    path, fx = generate("ftpexpect")
    N = fx["packets"]
    K = fx["commands"]
    r = run("ftpexpect --transactions", path, ["--transactions", "--json"] + LIM,
            keep_output=True, packets=N)
    report(r, *bound(r, "--transactions", fx["flows"], 100000, 100000, fx["conns"],
                     app=app_parts(txns=K, txn_msgs=2, answered=True,
                                   state_flows=fx["controls"])))
    rows = json_rows(r.out_path) if r.rc == 0 else []
    kept = min(K, 100000)
    ids = [o["id"] for o in rows]
    check("ftpexpect --transactions: rows == min(commands, max-transactions) == %d, the "
          "newest" % kept, ids == list(range(K - kept, K)),
          "%d rows, ids %s..%s" % (len(rows), ids[0] if ids else None, ids[-1] if ids else None))
    verbs = ("PORT 10,", "EPRT |2|2001:db8:f::", "PASV")
    replies = ("200 PORT command successful.", "200 EPRT command successful.",
               "227 Entering Passive Mode (192,0,2,21,")
    bad = [o["id"] for o in rows if not (o["what"].startswith(verbs[o["id"] % 3]) and o["done"]
                                         and o["result"].startswith(replies[o["id"] % 3])
                                         and len(o["msgs"]) == 2)]
    check("ftpexpect --transactions: each kept command answered by its own reply",
          rows and not bad, "first wrong ids %s" % bad[:5])
    emax = SIZES["app_expect_max"]
    check("ftpexpect --transactions: the summary counts %d announced flows replaced "
          "(announced - APP_EXPECT_MAX) and %d transactions evicted"
          % (fx["announced"] - emax, K - kept),
          (r.expect_replaced, r.txns_evicted) == (fx["announced"] - emax, K - kept),
          "summary: %s replaced, %s evicted" % (r.expect_replaced, r.txns_evicted))
    if r.wall > 0:
        print("# ftpexpect: %.0f commands/s, %d announcements for %d expectation slots" % (
            K / r.wall, fx["announced"], SIZES["app_expect_max"]))
    # The last APP_EXPECT_MAX announcements are still waiting: a connection
    # to the 256th-last is named FTP-DATA and linked to its control
    # connection, one to the 257th-last is not (flow ids: the 16 control
    # connections, then the three probes in that order).
    r = run("ftpexpect --flows", path, ["--flows", "--json"] + LIM, keep_output=True, packets=N)
    report(r, *bound(r, "--flows", fx["flows"], 100000, 100000,
                     app=app_parts(txns=K, txn_msgs=2, answered=True,
                                   state_flows=fx["controls"])))
    rows = {o["id"]: o for o in json_rows(r.out_path)} if r.rc == 0 else {}
    c = fx["controls"]
    emax = SIZES["app_expect_max"]
    for fid, age, parent in ((c, 257, fx["probe_old_parent"]), (c + 1, 256, fx["probe_kept_parent"]),
                             (c + 2, 1, fx["probe_new_parent"])):
        o = rows.get(fid, {})
        want = ("FTP-DATA", parent) if age <= emax else (None, None)
        check("ftpexpect --flows: the data connection to the %s announcement is %s" % (
            {1: "last", 256: "256th-last", 257: "257th-last"}[age],
            "FTP-DATA of control flow %d" % parent if want[0] else "not matched (replaced)"),
            (o.get("app"), o.get("parent")) == want,
            "flow %d: app %s parent %s" % (fid, o.get("app"), o.get("parent")))
    check("ftpexpect --flows: the summary has no tracker counts (--flows keeps no "
          "transactions)", r.expect_replaced is None and r.txns is None,
          "summary: %s replaced, %s transactions" % (r.expect_replaced, r.txns))

# ------------------------------------------------------------ (j) SSRC flood

def distinct_ssrc(i):  # gen-attack.c's formula
    return ((i * 0x5bd1e995) & 0x7fffffff) ^ 0x9E3779B9


if wanted("ssrcflood"):
    # A new SSRC in every packet: RTP_MAX_SSRC_PER_FLOW streams kept per
    # flow, RTP_MAX_STREAMS in all (the first ones), the rest counted.
    path, fx = generate("ssrcflood")
    N = fx["packets"]
    one = fx["one_flow"]
    per = SIZES["rtp_max_ssrc_per_flow"]
    cap = SIZES["rtp_max_streams"]
    # rtp_stats.c finds streams in its own index, with no per-flow state
    r = run("ssrcflood --rtp-streams", path, ["--rtp-streams", "--json"] + LIM,
            keep_output=True, packets=N)
    report(r, *bound(r, "--rtp-streams", fx["flows"], 100000, 100000, 0,
                     app=app_parts(rtp_streams=fx["ssrcs"])))
    check("ssrcflood --rtp-streams: every packet decoded, flows evicted == %d"
          % (fx["flows"] - 100000),
          r.decoded == N and r.malformed == 0 and r.flows_evicted == fx["flows"] - 100000,
          "decoded %s malformed %s flows evicted %s" % (r.decoded, r.malformed, r.flows_evicted))
    rows = json_rows(r.out_path) if r.rc == 0 else []
    want = [(0, distinct_ssrc(i)) for i in range(min(per, one))]
    want += [(1 + j, distinct_ssrc(one + j)) for j in range(min(N - one, cap - len(want)))]
    got = [(o["flow"], int(o["ssrc"], 16)) for o in rows]
    check("ssrcflood --rtp-streams: rows == %d: the first %d SSRCs of the shared flow, then "
          "the first of each new flow up to RTP_MAX_STREAMS" % (len(want), min(per, one)),
          got == want, "" if got == want else "%d rows, first difference at row %d" % (
              len(rows), next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                              min(len(got), len(want)))))
    check("ssrcflood --rtp-streams: each kept stream counts its one packet",
          rows and all(o["packets"] == 1 and o["expected"] == 1 and o["lost"] == 0 for o in rows))
    check("ssrcflood --rtp-streams: the summary counts %d RTP packets of streams not kept "
          "(SSRCs - rows: one packet each)"
          % (fx["ssrcs"] - len(want)), r.rtp_not_kept == fx["ssrcs"] - len(want),
          "summary: %s not kept" % r.rtp_not_kept)

# Large outputs are not worth keeping (frags --packets --json is 0.5 GB).
for f in os.listdir(OUT):
    path = os.path.join(OUT, f)
    if f.endswith(".out") and os.path.getsize(path) > 16 * MIB:
        os.remove(path)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
