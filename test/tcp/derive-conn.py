#!/usr/bin/env python3
"""derive-conn.py: Zeek-style conn_state / history expectations for test/tcp.

Reads the tshark per-packet goldens (golden/NAME.packets.tsv) and writes
expected-conn.tsv: one row per connection (one per tshark tcp.stream), with
Zeek's conn.log conn_state, history, packet counts and payload byte counts,
derived from the packet sequence alone by the published definitions:

  conn_state and history letters: Zeek's conn.log documentation
  (base/protocols/conn/main.zeek, Conn::Info), and for the exact rules
  behind them the conn_state() function of that script and
  update_history(), update_window() and update_last_seq() of Zeek's
  TCPSessionAdapter.cc, summarised here:

  * the originator is the sender of the first SYN without ACK;
    upper case = originator, lower case = responder
  * a packet with exactly one of SYN/FIN/RST gives S (SYN), H (SYN+ACK),
    F or R; again only if its sequence number (for F: seq+len) differs from
    the last one recorded for that letter; two or more of them: Q, FIN+RST: I
  * a packet with none of them gives D if it has payload, else A if it has
    ACK; D and A at most once per direction
  * W: advertised window 0, not on a RST, not once the peer has sent a FIN,
    not after this side's RST
  * T: payload whose end (seq+len, +1 for SYN/FIN) does not pass the
    highest end seen so far from that side (so a late segment filling a
    hole counts too); not after this side's RST
  * W, T, G are logarithmic: a letter at the 1st, 10th, 100th... instance
  * within one packet: the flag letter first, then W, then T
  * G (content gap) needs an ACK above data never seen; it cannot occur in
    these captures, made at the client: every byte either side
    acknowledges passed the capture point first
  * conn_state: from the final endpoint states (INACTIVE, SYN_SENT,
    ESTABLISHED, CLOSED after a FIN, RESET after a RST) per conn_state()
  * orig_bytes/resp_bytes: as Zeek's TCP_Endpoint::Size(): the highest
    sequence end sent or acknowledged, minus the SYN and FIN octets

It uses only the golden TSVs (tshark's output), never wirescope's.

  usage: derive-conn.py [GOLDEN_DIR] > expected-conn.tsv
"""
import glob
import os
import sys

NOTES = {
    "close-client": "client closes first; the server's kernel ACKs that FIN alone and the server's FIN follows 0.5 s later (four-way close)",
    "close-server": "HTTP/1.0: the server's FIN rides on its last data segment (so f, not d, for that packet); curl answers with FIN,ACK",
    "half-close": "client shutdown(SHUT_WR) right after its request (F early), the server keeps sending 6 x 1500 bytes, then FIN",
    "abort-linger": "client SO_LINGER {1,0} close: RST,ACK mid-stream; the server's next segment gets a bare RST with the same seq (no second R)",
    "refused": "SYN to a closed port answered by RST,ACK",
    "ipv6": "as close-client, over IPv6",
    "lossy": "1 MB down / 256 KB up through 3% drop, 2% reorder, 1% delayed duplicates; T/t from late and repeated segments",
    "zero-window": "the receiver (server) advertises window 0 again and again (w, ww at the 10th); Linux's window probes are zero-length (A)",
    "keepalive": "keep-alive probes are zero-length (seq = next-1), so they add no letter; keep-alive ACKs neither",
    "three-way-close": "the server closes at once on EOF: its FIN carries the ACK of the client's FIN (three-way close)",
    "simultaneous-close": "both FINs cross in flight (each FIN's ack does not cover the other FIN), then each side ACKs the other",
    "port-reuse": "same 5-tuple twice (client port 40000); the server closes first each time; a new SYN after the close starts a new connection",
}


class Endpoint:
    def __init__(self):
        self.state = "INACTIVE"
        self.prev_state = "INACTIVE"
        self.last_seq = None  # relative, one past the highest segment end
        self.ack_seq = 0      # highest ack the peer sent for our data
        self.fin_cnt = 0
        self.seen = set()
        self.hist_last = {}
        self.cnt = {"W": 0, "T": 0}
        self.thresh = {"W": 1, "T": 1}
        self.pkts = 0

    def set_state(self, s):
        self.prev_state, self.state = self.state, s


def derive(rows):
    """rows: packets of one tcp.stream, in order. Returns a result dict."""
    orig_key = None
    for r in rows:
        if "S" in r["flags"] and "A" not in r["flags"]:
            orig_key = r["src"]
            break
    if orig_key is None:
        orig_key = rows[0]["src"]
    ep = {True: Endpoint(), False: Endpoint()}
    hist = []
    where = []

    def add(is_orig, code, frame):
        c = code if is_orig else code.lower()
        hist.append(c)
        where.append(f"{c}@{frame}")

    def check(e, is_orig, key, code, frame):
        """Zeek's CheckHistory: add once; True if already seen."""
        if key in e.seen:
            return True
        e.seen.add(key)
        add(is_orig, code, frame)
        return False

    def scaled(e, is_orig, code, frame):
        e.cnt[code] += 1
        if e.cnt[code] == e.thresh[code]:
            add(is_orig, code, frame)
            e.thresh[code] *= 10

    for r in rows:
        is_orig = r["src"] == orig_key
        e, p = ep[is_orig], ep[not is_orig]
        e.pkts += 1
        fl = r["flags"]
        syn, fin, rst, ack = "S" in fl, "F" in fl, "R" in fl, "A" in fl
        seq, plen, frame = r["seq"], r["len"], r["frame"]
        seg_len = plen + (1 if syn else 0) + (1 if fin else 0) - (plen if rst else 0)
        end = seq + seg_len
        if e.last_seq is None:  # init_endpoint
            e.last_seq = end if syn else seq

        # update_history
        bits = syn + fin + rst
        if bits > 1:
            check(e, is_orig, "I" if (fin and rst) else "Q", "I" if (fin and rst) else "Q", frame)
        elif bits == 1:
            if syn:
                code = "H" if ack else "S"
                if check(e, is_orig, "SYN", code, frame) and seq != e.hist_last.get("SYN"):
                    add(is_orig, code, frame)
                e.hist_last["SYN"] = seq
            if fin:
                if check(e, is_orig, "FIN", "F", frame) and seq + plen != e.hist_last.get("FIN"):
                    add(is_orig, "F", frame)
                e.hist_last["FIN"] = seq + plen
            if rst:
                if check(e, is_orig, "RST", "R", frame) and seq != e.hist_last.get("RST"):
                    add(is_orig, "R", frame)
                e.hist_last["RST"] = seq
        else:
            if plen:
                check(e, is_orig, "D", "D", frame)
            elif ack:
                check(e, is_orig, "A", "A", frame)

        # update_window: zero windows
        if r["win"] == 0 and not rst and p.state != "CLOSED" and e.state != "RESET":
            scaled(e, is_orig, "W", frame)

        # the ACK: Zeek's AckSeq of the peer
        if ack and not rst:
            p.ack_seq = max(p.ack_seq, r["ack"])

        # update_last_seq: retransmissions
        delta = end - e.last_seq
        if fin and e.last_seq == 1:
            e.last_seq = end
        elif e.state == "RESET":
            pass
        elif delta > 0:
            e.last_seq = end
        elif plen > 0:
            scaled(e, is_orig, "T", frame)

        # state machine (the parts conn_state depends on)
        if e.state == "INACTIVE":
            if syn:
                if is_orig:
                    e.set_state("SYN_SENT")
                else:
                    if p.state == "SYN_SENT":
                        p.set_state("ESTABLISHED")
                    e.set_state("ESTABLISHED")
            if fin:
                e.set_state("CLOSED")
            if rst:
                e.set_state("RESET")
        elif e.state in ("SYN_SENT", "ESTABLISHED"):
            if fin and not rst:
                e.set_state("CLOSED")
            if rst:
                e.set_state("RESET")
        elif e.state == "CLOSED":
            if rst and p.state != "CLOSED":
                e.set_state("RESET")
        if fin:
            e.fin_cnt += 1

    o, rsp = ep[True], ep[False]
    os_, rs = o.state, rsp.state

    def size(e):
        if e.last_seq is None:
            return 0
        s = max(e.last_seq, e.ack_seq)
        if s > 0:
            s -= 1
        if e.fin_cnt > 0 and s > 0:
            s -= 1
        return s

    o_inactive = os_ in ("INACTIVE", "PARTIAL")
    r_inactive = rs in ("INACTIVE", "PARTIAL")
    h = "".join(hist)
    if rs == "RESET":
        if os_ in ("SYN_SENT", "SYN_ACK_SENT") or (os_ == "RESET" and size(o) == 0 and size(rsp) == 0):
            state = "REJ"
        elif o_inactive:
            state = "RSTRH"
        else:
            state = "RSTR"
    elif os_ == "RESET":
        if r_inactive:
            import re
            state = "RSTOS0" if re.fullmatch(r"\^?S[^HAFGIQ]*R.*", h) else "OTH"
        else:
            state = "RSTO"
    elif rs == "CLOSED" and os_ == "CLOSED":
        state = "SF"
    elif os_ == "CLOSED":
        state = "SH" if r_inactive else "S2"
    elif rs == "CLOSED":
        state = "SHR" if o_inactive else "S3"
    elif os_ == "SYN_SENT" and rs == "INACTIVE":
        state = "S0"
    elif os_ == "ESTABLISHED" and rs == "ESTABLISHED":
        state = "S1"
    else:
        state = "OTH"
    return {
        "orig": orig_key, "state": state, "history": h, "where": " ".join(where),
        "orig_pkts": o.pkts, "resp_pkts": rsp.pkts,
        "orig_bytes": size(o), "resp_bytes": size(rsp),
        "final": f"orig {os_}, resp {rs}",
    }


def load(path):
    rows = []
    header = None
    for line in open(path, encoding="utf-8"):
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if header is None:
            header = f
            continue
        d = dict(zip(header, f))
        flags = d["tcp.flags.str"]
        # tcp.flags.str: 12 positions, "·" for clear; letters as Wireshark
        # prints them (R = RST, S = SYN, F = FIN, A = ACK, P = PSH ...)
        rows.append({
            "frame": int(d["frame.number"]),
            "stream": int(d["tcp.stream"]),
            "src": (d["ip.src"] or d["ipv6.src"], d["tcp.srcport"]),
            "flags": flags[-5:],  # A P R S F (urgent and ECN bits ignored)
            "seq": int(d["tcp.seq"]),
            "ack": int(d["tcp.ack"] or 0),
            "len": int(d["tcp.len"]),
            "win": int(d["tcp.window_size"]),
        })
    return rows


def main():
    gdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
    out = sys.stdout
    out.write("# Zeek conn.log expectations derived from golden/*.packets.tsv (tshark's packet list) by\n")
    out.write("# test/tcp/derive-conn.py, applying Zeek's published conn_state/history definitions (see its\n")
    out.write("# docstring and README.md); never from wirescope. letters_at: frame that added each history letter.\n")
    cols = ["capture", "stream", "orig_h", "orig_p", "conn_state", "history", "orig_pkts", "resp_pkts",
            "orig_bytes", "resp_bytes", "letters_at", "comment"]
    out.write("\t".join(cols) + "\n")
    for path in sorted(glob.glob(os.path.join(gdir, "*.packets.tsv"))):
        name = os.path.basename(path)[: -len(".packets.tsv")]
        rows = load(path)
        streams = {}
        for r in rows:
            streams.setdefault(r["stream"], []).append(r)
        for sid in sorted(streams):
            d = derive(streams[sid])
            note = NOTES.get(name, "")
            out.write("\t".join([name, str(sid), d["orig"][0], d["orig"][1], d["state"], d["history"],
                                 str(d["orig_pkts"]), str(d["resp_pkts"]), str(d["orig_bytes"]),
                                 str(d["resp_bytes"]), d["where"],
                                 f"{note}; final endpoint states: {d['final']}"]) + "\n")


if __name__ == "__main__":
    main()
