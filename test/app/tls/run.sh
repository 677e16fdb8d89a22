#!/bin/bash
# run.sh: compares wirescope with the tshark goldens of regen-golden.sh for
# every capture in this directory.
#
#   WIRESCOPE=path/to/wirescope test/app/tls/run.sh
#
# Per segment (wirescope --packets --json against tshark with TCP
# desegmentation off): the Protocol and Info columns, and for TLS segments
# each record's version and length, the handshake message types, the server
# name, the ALPN list, and from a ServerHello the cipher suite and the
# negotiated version. A mismatch listed in known-diffs.tsv (with
# wirescope's value there) is an accepted difference; any other mismatch
# fails. Last line: N passed, M failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${WIRESCOPE:?set WIRESCOPE to the wirescope binary}"
exec python3 - "$here" "$WIRESCOPE" <<'PY'
import glob, json, os, subprocess, sys

here, ws = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)


def tsv(path):
    rows = []
    header = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if header is None:
                header = cols
                continue
            rows.append(dict(zip(header, cols + [""] * (len(header) - len(cols)))))
    return rows


known = {}
kd = os.path.join(here, "known-diffs.tsv")
if os.path.exists(kd):
    for r in tsv(kd):
        known[(r["file"], r["frame"], r["column"])] = (r["tshark"], r["wirescope"])


def compare(fname, frame, column, want, got):
    if want == got:
        check(True, "")
        return
    k = known.get((fname, str(frame), column))
    if k and k[0] == want and k[1] == got:
        check(True, "")
        return
    check(False, "%s frame %s %s: tshark %r, wirescope %r" % (fname, frame, column, want, got))


def wirescope(pcap, mode):
    out = subprocess.run([ws, "-r", pcap, mode, "--json"], capture_output=True,
                         text=True, check=False)
    check(out.returncode == 0, "%s %s: exit %d" % (pcap, mode, out.returncode))
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


VERSIONS = {"0x0300": "SSL 3.0", "0x0301": "TLS 1.0", "0x0302": "TLS 1.1",
            "0x0303": "TLS 1.2", "0x0304": "TLS 1.3"}
# Handshake types (RFC 8446 4, RFC 5246 7.4) as wirescope names them.
HANDSHAKES = {"1": "Client Hello", "2": "Server Hello", "4": "New Session Ticket",
              "8": "Encrypted Extensions", "11": "Certificate",
              "12": "Server Key Exchange", "13": "Certificate Request",
              "14": "Server Hello Done", "15": "Certificate Verify",
              "16": "Client Key Exchange", "20": "Finished"}


def split(v):
    return v.split(",") if v else []


def packets(pcap, base):
    ours = {p["no"]: p for p in wirescope(pcap, "--packets")}
    for r in tsv(os.path.join(here, "golden", base + ".packets.tsv")):
        no = int(r["frame.number"])
        p = ours.get(no)
        if p is None:
            check(False, "%s frame %d missing" % (base, no))
            continue
        compare(base, no, "protocol", r["_ws.col.Protocol"], p["proto"])
        compare(base, no, "info", r["_ws.col.Info"], p["info"])
        if "tls" not in p:
            continue
        t = p["tls"]
        compare(base, no, "record versions",
                [VERSIONS.get(v, v) for v in split(r["tls.record.version"])],
                [x["version"] for x in t["records"]])
        compare(base, no, "record lengths", split(r["tls.record.length"]),
                [str(x["len"]) for x in t["records"]])
        compare(base, no, "handshake types",
                [HANDSHAKES.get(v, v) for v in split(r["tls.handshake.type"])],
                t["handshake"])
        compare(base, no, "sni", r["tls.handshake.extensions_server_name"], t.get("sni", ""))
        compare(base, no, "alpn", split(r["tls.handshake.extensions_alpn_str"]),
                t.get("alpn", []))
        if "Server Hello" in t["handshake"]:
            compare(base, no, "cipher", r["tls.handshake.ciphersuite"], t.get("cipher_id", ""))
            sv = split(r["tls.handshake.extensions.supported_version"])
            want = VERSIONS.get(sv[0], sv[0]) if sv else "TLS 1.2"
            compare(base, no, "version", want, t.get("version", ""))


for pcap in sorted(glob.glob(os.path.join(here, "*.pcap"))):
    packets(pcap, os.path.basename(pcap)[:-5])

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
