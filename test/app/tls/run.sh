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
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
exec python3 - "$here" <<'PY'
import glob, os, sys
from goldenlib import Result, known_diffs

here = sys.argv[1]
res = Result(known=known_diffs(os.path.join(here, "known-diffs.tsv")))
compare = res.same


def wirescope(pcap, mode):
    return res.run_lines(pcap, mode, "--json")


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
    golden = os.path.join(here, "golden", base + ".packets.tsv")
    for no, r, p in res.golden_packets(ours, golden, base):
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

res.finish()
PY
