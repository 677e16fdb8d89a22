#!/usr/bin/env python3
"""compare.py CAPTURE WIRESCOPE

Compares wirescope's batch output for CAPTURE with the tshark goldens next
to it (regen-golden.sh): CAPTURE.cols.tsv and CAPTURE.fields.tsv.

Tests, one per item; each mismatch prints one line:
  - per frame: the Protocol and Info columns (`--packets --json`);
  - per DNS message: the "dns" JSON object against tshark's fields (id,
    response, opcode, rcode, truncated, questions, record names, types,
    TTLs and data; records only when tshark decoded the whole message);
  - per response tshark links to a query (dns.response_to): a done
    transaction of `--transactions --json` with exactly that query and
    response, and its latency equal to dns.time; a transaction tshark does
    not link must pair a query with a response tshark could decode only in
    part, cut by the snaplen or going on in the next TCP segment (same id
    and question).

Accepted differences (see README.md): tshark's "[Continuation to #N] "
prefix on TCP segments that carry the rest of a message (it comes from
tshark's TCP stream state; wirescope decodes each segment alone).

The last line is `N passed, M failed`; the exit status is 1 on a failure.
Python 3 standard library only.
"""
import os
import re
import sys
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from goldenlib import compare_capture  # noqa: E402  (test/app/goldenlib.py)

CONTINUATION = re.compile(r"^\[Continuation to #\d+\] ")
# IANA RR type numbers of the records in these captures -> mnemonics
TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT",
         28: "AAAA", 33: "SRV", 41: "OPT"}
# RFC 1035 / 2136 / 6895 RCODE names, as the JSON writes them
RCODES = {0: "No error", 1: "Format error", 2: "Server failure", 3: "No such name",
          4: "Not implemented", 5: "Refused"}


def split(v):
    return v.split("|") if v else []


def txt_strings(data):
    """'"a" "b c"' -> ['a', 'b c'] (the JSON data of a TXT record)."""
    return [s.replace('\\"', '"') for s in re.findall(r'"((?:[^"\\]|\\.)*)"', data)]


def records(dns):
    return dns.get("answers", []) + dns.get("authority", []) + dns.get("additional", [])


def data_of(recs, rtype):
    return [r["data"] for r in recs if r["type"] == rtype]


def check_data(row, recs, probs):
    """The data of each type against tshark's own field for it."""
    simple = (("dns.a", "A"), ("dns.aaaa", "AAAA"), ("dns.cname", "CNAME"),
              ("dns.ns", "NS"), ("dns.ptr.domain_name", "PTR"))
    for col, rtype in simple:
        exp, got = split(row[col]), data_of(recs, rtype)
        if exp != got:
            probs.append((rtype + " data", exp, got))
    exp = ["%s %s" % p for p in zip(split(row["dns.mx.preference"]), split(row["dns.mx.mail_exchange"]))]
    if exp != data_of(recs, "MX"):
        probs.append(("MX data", exp, data_of(recs, "MX")))
    exp = ["%s %s %s %s" % p for p in zip(split(row["dns.srv.priority"]), split(row["dns.srv.weight"]),
                                           split(row["dns.srv.port"]), split(row["dns.srv.target"]))]
    if exp != data_of(recs, "SRV"):
        probs.append(("SRV data", exp, data_of(recs, "SRV")))
    got = [s for d in data_of(recs, "TXT") for s in txt_strings(d)]
    if split(row["dns.txt"]) != got:
        probs.append(("TXT strings", split(row["dns.txt"]), got))
    exp = ["%s %s %s" % p for p in zip(split(row["dns.soa.mname"]), split(row["dns.soa.rname"]),
                                       split(row["dns.soa.serial_number"]))]
    got = [" ".join(d.split()[:3]) for d in data_of(recs, "SOA")]
    if exp != got:
        probs.append(("SOA data", exp, got))


def check_message(row, info, dns):
    probs = []
    if dns is None:
        return [("dns object", "present", None)]

    def same(what, exp, got):
        if exp != got:
            probs.append((what, exp, got))

    same("id", int(row["dns.id"], 16), dns.get("id"))
    same("response", row["dns.flags.response"] == "1", dns.get("response"))
    same("opcode", int(row["dns.flags.opcode"]), dns.get("opcode"))
    same("truncated", row["dns.flags.truncated"] == "1", dns.get("truncated"))
    if row["dns.flags.rcode"]:
        same("rcode", RCODES.get(int(row["dns.flags.rcode"])), dns.get("rcode"))
    qs = dns.get("questions", [])
    same("question names", split(row["dns.qry.name"]), [q["name"] for q in qs])
    same("question types", [TYPES.get(int(t), t) for t in split(row["dns.qry.type"])],
         [q["type"] for q in qs])
    whole = not re.search(r"Unreassembled|Malformed|Packet size limited", info)
    if whole:
        recs = records(dns)
        same("answer count", int(row["dns.count.answers"]), len(dns.get("answers", [])))
        # tshark files an SRV record's owner under dns.srv.name, not dns.resp.name
        same("record names (SRV aside)", split(row["dns.resp.name"]),
             [r["name"] for r in recs if r["type"] != "SRV"])
        same("record types", [TYPES.get(int(t), t) for t in split(row["dns.resp.type"])],
             [r["type"] for r in recs])
        same("record TTLs (OPT has none)", [int(t) for t in split(row["dns.resp.ttl"])],
             [r["ttl"] for r in recs if r["type"] != "OPT"])
        check_data(row, recs, probs)
    return probs


def check_transactions(res, rows, txns, infos):
    """Every response tshark links to its query is a done transaction with
    that query and latency; any other done DNS transaction pairs a query
    with a response tshark decoded only in part (the capture cut it, or it
    goes on in the next TCP segment), with the same id and question."""
    by_no = {r["frame.number"]: r for r in rows}
    by_pair = {}
    for x in txns:
        if x.get("proto") == "DNS":
            pkts = [m["packet"] for m in x["msgs"]]
            by_pair[(pkts[0], pkts[-1])] = x
    linked = set()
    for row in rows:
        if not row["dns.response_to"]:
            continue
        q, r = int(row["dns.response_to"]), int(row["frame.number"])
        linked.add((q, r))
        x = by_pair.get((q, r))
        where = "transaction %d->%d" % (q, r)
        if x is None:
            res.test(where, [("transaction", "query %d answered by %d" % (q, r), None)])
            continue
        probs = []
        if not x.get("done"):
            probs.append(("done", True, x.get("done")))
        lat = x.get("latency")
        if lat is None or abs(Decimal(str(lat)) - Decimal(row["dns.time"])) > Decimal("0.000001"):
            probs.append(("latency", row["dns.time"], lat))
        rcode = RCODES.get(int(row["dns.flags.rcode"] or 0))
        if not x.get("result", "").startswith(rcode):
            probs.append(("result", rcode + "...", x.get("result")))
        res.test(where, probs)
    for (q, r), x in sorted(by_pair.items()):
        if (q, r) in linked:
            continue
        qr, rr = by_no.get(str(q)), by_no.get(str(r))
        ok = (qr and rr and qr["dns.flags.response"] == "0" and rr["dns.flags.response"] == "1"
              and qr["dns.id"] == rr["dns.id"] and qr["dns.qry.name"] == rr["dns.qry.name"]
              and re.search(r"Unreassembled|Packet size limited", infos.get(str(r), "")))
        res.test("transaction %d->%d (tshark: response not finished)" % (q, r),
                 [] if ok else [("transaction", "none", [q, r])])


if __name__ == "__main__":
    sys.exit(compare_capture(sys.argv, "dns", check_message, check_transactions,
                             info_of=lambda info: CONTINUATION.sub("", info)))
