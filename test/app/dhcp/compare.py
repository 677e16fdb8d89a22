#!/usr/bin/env python3
"""compare.py CAPTURE WIRESCOPE

Compares wirescope's batch output for CAPTURE with the tshark goldens next
to it (regen-golden.sh): CAPTURE.cols.tsv and CAPTURE.fields.tsv.

Tests, one per item; each mismatch prints one line:
  - per frame: the Protocol and Info columns (`--packets --json`);
  - per DHCP message: the "dhcp" JSON object against tshark's fields (op,
    xid, message type, ciaddr, yiaddr, siaddr, giaddr, chaddr, requested
    address, server identifier, lease time, host name);
  - per transaction id: one transaction of `--transactions --json` holding
    exactly the frames tshark shows with that id, in order, done when the
    last one is an ACK, NAK, DECLINE or RELEASE, with the result the ACK's
    address and lease time give.

The last line is `N passed, M failed`; the exit status is 1 on a failure.
Python 3 standard library only.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from goldenlib import compare_capture  # noqa: E402  (test/app/goldenlib.py)

# RFC 2132 9.6 / RFC 4388 / RFC 6926 / RFC 7724 message type names, as
# tshark names them (and the JSON writes them)
MSG_TYPES = {1: "Discover", 2: "Offer", 3: "Request", 4: "Decline", 5: "ACK", 6: "NAK",
             7: "Release", 8: "Inform"}
DONE = {4, 5, 6, 7}


def first(v):
    return v.split("|")[0] if v else None


def check_message(row, d):
    if d is None:
        return [("dhcp object", "present", None)]
    probs = []

    def same(what, exp, got):
        if exp != got:
            probs.append((what, exp, got))

    same("op", int(row["dhcp.type"]), d.get("op"))
    same("xid", row["dhcp.id"], d.get("xid"))
    t = first(row["dhcp.option.dhcp"])
    same("msg_type", MSG_TYPES.get(int(t)) if t else None, d.get("msg_type"))
    same("ciaddr", row["dhcp.ip.client"], d.get("ciaddr"))
    same("yiaddr", row["dhcp.ip.your"], d.get("yiaddr"))
    same("siaddr", row["dhcp.ip.server"], d.get("siaddr"))
    same("giaddr", row["dhcp.ip.relay"], d.get("giaddr"))
    same("chaddr", first(row["dhcp.hw.mac_addr"]), d.get("chaddr"))
    same("requested_ip", first(row["dhcp.option.requested_ip_address"]), d.get("requested_ip"))
    same("server_id", first(row["dhcp.option.dhcp_server_id"]), d.get("server_id"))
    lease = first(row["dhcp.option.ip_address_lease_time"])
    same("lease_time", int(lease) if lease else None, d.get("lease_time"))
    same("hostname", first(row["dhcp.option.hostname"]), d.get("hostname"))
    return probs


def expected_result(last):
    """The result of an exchange whose last message is `last`."""
    t = int(first(last["dhcp.option.dhcp"]))
    if t == 5:
        text = "ACK"
        if last["dhcp.ip.your"] != "0.0.0.0":
            text += " " + last["dhcp.ip.your"]
        lease = first(last["dhcp.option.ip_address_lease_time"])
        return text + (" lease %ss" % lease if lease else "")
    if t == 7:
        return "Release " + last["dhcp.ip.client"]
    return MSG_TYPES[t]


def check_transactions(res, rows, txns):
    groups = {}
    for row in rows:
        if row["dhcp.option.dhcp"]:
            groups.setdefault(row["dhcp.id"], []).append(row)
    ours = [x for x in txns if x.get("proto") == "DHCP"]
    res.test("transaction count", [] if len(ours) == len(groups)
             else [("DHCP transactions", len(groups), len(ours))])
    by_first = {x["msgs"][0]["packet"]: x for x in ours if x.get("msgs")}
    for xid, frames in groups.items():
        where = "transaction %s" % xid
        nos = [int(r["frame.number"]) for r in frames]
        x = by_first.get(nos[0])
        if x is None:
            res.test(where, [("transaction", "frames %s" % nos, None)])
            continue
        probs = []
        got = [m["packet"] for m in x["msgs"]]
        if got != nos:
            probs.append(("packets", nos, got))
        done = int(first(frames[-1]["dhcp.option.dhcp"])) in DONE
        if x.get("done") != done:
            probs.append(("done", done, x.get("done")))
        if done and x.get("result") != expected_result(frames[-1]):
            probs.append(("result", expected_result(frames[-1]), x.get("result")))
        res.test(where, probs)


if __name__ == "__main__":
    sys.exit(compare_capture(sys.argv, "dhcp",
                             lambda row, info, d: check_message(row, d),
                             lambda res, rows, txns, infos: check_transactions(res, rows, txns)))
