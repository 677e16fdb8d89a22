"""goldenlib: what the comparisons of test/app/*/ with tshark's goldens share.

- Result: counts checks, prints `FAIL ...` for each failed one, and ends a
  comparison with the line `N passed, M failed` and its exit status; it
  also runs wirescope ($WIRESCOPE unless given; a run that exits non-zero
  is a failed check) and, given known-diffs.tsv, accepts the differences
  listed there.
- read_tsv / golden_rows: the goldens (tab-separated, `#` comments in the
  files regen-golden.sh writes with a header line).
- run_json and compare_capture: the whole of a CAPTURE WIRESCOPE comparison
  (test/app/dhcp and test/app/dns), given the protocol's own checks.

Python 3 standard library only. test/app/lib.sh puts this directory on
PYTHONPATH; a script elsewhere adds it to sys.path itself.
"""
import json
import os
import subprocess
import sys

TIMEOUT = 60


class Result:
    """Passed and failed checks of one comparison."""

    def __init__(self, name="", known=None, wirescope=None):
        self.name, self.passed, self.failed = name, 0, 0
        self.known = known or {}
        self.wirescope = wirescope or os.environ.get("WIRESCOPE", "wirescope")

    def check(self, ok, what):
        """One check: ok, or a failure described by what."""
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL " + what)

    def test(self, where, problems):
        """One check that fails when problems, a list of (what, expected,
        got), is not empty; each problem prints a line."""
        if problems:
            self.failed += 1
            for what, exp, got in problems:
                print("FAIL %s %s %s: expected %s got %s" % (self.name, where, what,
                                                           json.dumps(exp), json.dumps(got)))
        else:
            self.passed += 1

    def same(self, fname, frame, column, want, got):
        """want == got, or the (want, got) that known-diffs.tsv accepts for
        that file, frame and column."""
        if want == got:
            self.check(True, "")
            return
        k = self.known.get((fname, str(frame), column))
        if k and k[0] == want and k[1] == got:
            self.check(True, "")
            return
        self.check(False, "%s frame %s %s: tshark %r, wirescope %r" % (fname, frame, column,
                                                                       want, got))

    def golden_packets(self, ours, path, base):
        """For each row of a per-frame golden (path, with tshark's
        frame.number, _ws.col.Protocol and _ws.col.Info) whose frame is in
        ours ({number: packet}): checks the Protocol and Info columns (see
        same), then yields (number, row, packet). A frame missing from ours
        is a failed check."""
        for r in read_tsv(path):
            no = int(r["frame.number"])
            p = ours.get(no)
            if p is None:
                self.check(False, "%s frame %d missing" % (base, no))
                continue
            self.same(base, no, "protocol", r["_ws.col.Protocol"], p["proto"])
            self.same(base, no, "info", r["_ws.col.Info"], p["info"])
            yield no, r, p

    def golden_columns(self, name):
        """NAME.pcap's packets ({number: packet}, from --packets --json) and
        the rows of NAME.cols.golden (number, Protocol, Info), each row's
        Protocol and Info checked against the packet of that number."""
        pkts = {p["no"]: p for p in self.run_lines(name + ".pcap", "--packets", "--json")}
        cols = golden_rows(name + ".cols.golden", 3)
        for no, proto, info in cols:
            p = pkts.get(int(no), {})
            got = (p.get("proto"), p.get("info"))
            self.check(got == (proto, info), f"{name} #{no}: {got} != {(proto, info)}")
        return pkts, cols

    def run(self, pcap, *args):
        """wirescope -r pcap args...: its standard output; a non-zero exit
        is a failed check."""
        r = subprocess.run([self.wirescope, "-r", pcap, *args], capture_output=True, text=True,
                           check=False)
        self.check(r.returncode == 0, f"{pcap} {' '.join(args)}: exit {r.returncode}")
        return r.stdout

    def run_lines(self, pcap, *args):
        """The JSON Lines of wirescope -r pcap args... (see run)."""
        return [json.loads(l) for l in self.run(pcap, *args).splitlines()]

    def summary(self):
        return "%d passed, %d failed" % (self.passed, self.failed)

    def finish(self):
        """Prints the last line and exits 1 on any failure."""
        print(self.summary())
        sys.exit(1 if self.failed else 0)


def read_tsv(path, header=True):
    """The rows of a tab-separated file, skipping blank and `#` lines: with
    header, dicts keyed by the first row (short rows padded with "")."""
    rows, head = [], None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if header and head is None:
                head = cols
                continue
            if header:
                cols += [""] * (len(head) - len(cols))
                rows.append(dict(zip(head, cols)))
            else:
                rows.append(cols)
    return rows


def known_diffs(path):
    """known-diffs.tsv (file, frame, column, tshark, wirescope), if there,
    as {(file, frame, column): (tshark, wirescope)} for Result.same."""
    if not os.path.exists(path):
        return {}
    return {(r["file"], r["frame"], r["column"]): (r["tshark"], r["wirescope"])
            for r in read_tsv(path)}


def golden_rows(path, width=0):
    """The tab-separated rows of a headerless golden, blank lines skipped,
    each padded with "" to width columns."""
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    return [r + [""] * (width - len(r)) for r in rows]


def run_json(wirescope, capture, mode):
    """(records, "") from wirescope -r capture mode --json, or (None, why)."""
    cmd = [wirescope, "-r", capture, mode, "--json"]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    if p.returncode != 0:
        return None, "%s exited %d: %s" % (" ".join(cmd), p.returncode,
                                           p.stderr.decode("utf-8", "replace")[-400:])
    try:
        return [json.loads(l) for l in p.stdout.decode("utf-8").splitlines() if l.strip()], ""
    except ValueError as e:
        return None, "%s: not JSON Lines (%s)" % (" ".join(cmd), e)


def compare_capture(argv, app, check_message, check_transactions, info_of=lambda info: info):
    """The main of `compare.py CAPTURE WIRESCOPE` against CAPTURE.cols.tsv
    (number, Protocol, Info) and CAPTURE.fields.tsv (the protocol's fields
    per message): both runs exit 0, the packet count, per frame the
    Protocol and info_of(Info), per message check_message(row, info, the
    packet's `app` JSON object) (a list of problems), then
    check_transactions(res, rows, transactions, {number: Info}). Returns
    the exit status."""
    if len(argv) != 3:
        print("usage: compare.py CAPTURE WIRESCOPE", file=sys.stderr)
        return 2
    capture, wirescope = argv[1:]
    res = Result(os.path.basename(capture))
    cols = read_tsv(capture + ".cols.tsv", header=False)
    fields = {r["frame.number"]: r for r in read_tsv(capture + ".fields.tsv")}
    pk, err = run_json(wirescope, capture, "--packets")
    res.test("run --packets", [] if pk is not None else [("exit", "0 and JSON Lines", err)])
    tx, err = run_json(wirescope, capture, "--transactions")
    res.test("run --transactions", [] if tx is not None else [("exit", "0 and JSON Lines", err)])
    if pk is None:
        print(res.summary())
        return 1
    by_no = {r.get("no"): r for r in pk}
    res.test("packet count", [] if len(pk) == len(cols) else [("packets", len(cols), len(pk))])
    for no, proto, info in cols:
        rec = by_no.get(int(no), {})
        exp_info = info_of(info)
        probs = []
        if rec.get("proto") != proto:
            probs.append(("protocol", proto, rec.get("proto")))
        if rec.get("info") != exp_info:
            probs.append(("info", exp_info, rec.get("info")))
        res.test("frame %s" % no, probs)
        if no in fields:
            res.test("frame %s %s" % (no, app), check_message(fields[no], info, rec.get(app)))
    if tx is not None:
        check_transactions(res, list(fields.values()), tx, {c[0]: c[2] for c in cols})
    print(res.summary())
    return 1 if res.failed else 0
