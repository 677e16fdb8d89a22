#!/bin/bash
# run-manpage.sh: docs/wirescope.1 formats without a single warning and says
# what the binary does, so the man page and `wirescope --help` cannot drift
# apart:
#   - groff -man -Tutf8 -ww -z prints nothing; mandoc -Tlint (when installed)
#     prints nothing; man(1) (when installed) renders it;
#   - the sections the page must have are there;
#   - `wirescope --help` fits one 80x24 screen;
#   - every option `wirescope --help` prints (long and short) has an entry in
#     OPTIONS, and every default --help shows in parentheses is the one the
#     entry gives ("Default: ...");
#   - every option in OPTIONS is one the binary accepts;
#   - every JSON member the binary writes (--packets, --flows, --conns,
#     --follow, the analysis counts) is named in the page;
#   - the exit statuses the page documents are the binary's.
#   WIRESCOPE=path/to/wirescope (default ./wirescope, from the repo root)
# Each check prints "ok - NAME" or "FAIL - NAME: why"; the last line is
# `N passed, N failed`; exit 1 when anything failed. Needs bash, groff,
# python3; mandoc and man are used when present.
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope
PAGE=${MANPAGE:-docs/wirescope.1}   # MANPAGE: another page, to test this script
FIX=test/fixtures
tap_tmpdir ws-manpage
# show FILE: the first lines of a file, indented, after a FAIL.
show() { sed -n '1,12s/^/    | /p' "$1"; }

if [ ! -f "$PAGE" ] || [ ! -x "$WIRESCOPE" ] || ! command -v groff >/dev/null 2>&1; then
    echo "run-manpage: needs $PAGE, groff and an executable $WIRESCOPE" >&2
    tap_abort
fi

# ---------------------------------------------------------------- formatting
if groff -man -Tutf8 -ww -z "$PAGE" >"$T/groff" 2>&1 && [ ! -s "$T/groff" ]; then
    ok "groff -man -Tutf8 -ww -z: no warnings"
else
    bad "groff -man -Tutf8 -ww -z" "warnings"; show "$T/groff"
fi

if command -v mandoc >/dev/null 2>&1; then
    if mandoc -Tlint "$PAGE" >"$T/mandoc" 2>&1 && [ ! -s "$T/mandoc" ]; then
        ok "mandoc -Tlint: no messages"
    else
        bad "mandoc -Tlint" "messages"; show "$T/mandoc"
    fi
else
    echo "skip - mandoc -Tlint (mandoc not installed)"
fi

if command -v man >/dev/null 2>&1 && ! man man 2>&1 | grep -q 'has been minimized'; then
    if MANWIDTH=80 man -l "$PAGE" >"$T/man" 2>"$T/man.err" && grep -q '^NAME' "$T/man" &&
        [ "$(wc -l <"$T/man")" -gt 100 ]; then
        ok "man -l renders it"
    else
        bad "man -l" "did not render"; show "$T/man.err"
    fi
else
    echo "skip - man -l (man not installed, or a minimized system's stub)"
fi

# The text the checks below read: ASCII, one long line per paragraph, no
# hyphenation, so an option or a field name is never split.
groff -man -Tascii -rLL=400n -rHY=0 -P-c -P-b -P-u "$PAGE" 2>/dev/null >"$T/page.txt"
"$WIRESCOPE" --help >"$T/help" 2>&1
if [ ! -s "$T/help" ]; then
    bad "wirescope --help" "printed nothing"
fi
# --help fits one 80x24 terminal screen, with the shell prompt after it.
help_size=$(awk '{ if (length > w) w = length } END { print NR, w + 0 }' "$T/help")
if [ "${help_size% *}" -le 23 ] && [ "${help_size#* }" -le 80 ]; then
    ok "--help fits one 80x24 screen ($help_size: lines, widest)"
else
    bad "--help fits one 80x24 screen" "$help_size (lines, widest column)"
fi

# ---------------------------------------------------------------- contents
python3 - "$T/page.txt" "$T/help" "$WIRESCOPE" >"$T/checks" <<'EOF'
import re, subprocess, sys

page_path, help_path, wirescope = sys.argv[1:4]
page = open(page_path, encoding="utf-8").read().splitlines()
help_text = open(help_path, encoding="utf-8").read()
results = []
def check(name, ok, why=""):
    results.append(("ok - %s" % name) if ok else ("FAIL - %s: %s" % (name, why)))

# Sections, as headings at the left margin.
headings = [l.strip() for l in page if re.match(r"^[A-Z][A-Z ]+$", l)]
for sec in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "BATCH OUTPUT",
            "TCP ANALYSIS", "INTERACTIVE USE", "EXIT STATUS", "ENVIRONMENT",
            "FILES", "EXAMPLES", "SECURITY", "SEE ALSO"]:
    check("section %s" % sec, sec in headings, "missing")

def section(name):
    out, inside = [], False
    for l in page:
        if re.match(r"^[A-Z][A-Z ]+$", l):
            inside = l.strip() == name
            continue
        if inside:
            out.append(l)
    return out

# OPTIONS entries: a tag line at the entry indent (7 spaces), then its body.
entries = {}   # option -> body text
tag = None
for l in section("OPTIONS"):
    m = re.match(r"^ {7}(\S.*)$", l)
    if m and (m.group(1).startswith("-") or m.group(1) == "expression"):
        tag, rest = m.group(1), ""
        # A tag shorter than the indent shares its line with the body
        # ("-n     Accepted ...", "--json Write ..."): the body starts at 14.
        if len(l) > 14 and l[13] == " " and l[14] != " ":
            tag, rest = l[7:13].strip(), l[14:].strip()
        names = re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", tag)
        if tag == "expression":
            names = ["expression"]
        for n in names:
            entries[n] = tag + "\n" + (rest + "\n" if rest else "")
        cur = names
        continue
    if tag and l.strip():
        for n in cur:
            entries[n] += l.strip() + "\n"

# Options in --help: "-x", "--long", in the usage lines and the table.
help_opts = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", help_text))
help_opts.discard("-")
for o in sorted(help_opts):
    check("--help option %s has an OPTIONS entry" % o, o in entries, "not in OPTIONS")
check("the trailing BPF expression has an OPTIONS entry", "expression" in entries, "missing")

# What --help prints in parentheses after an option: a number is its
# default, which the entry's "Default:" must give; a word (the user of -Z,
# the format of -w) must be in the entry.
for line in help_text.splitlines():
    for m in re.finditer(r"(?<![\w-])(--?[A-Za-z][\w-]*)[^()]*?\(([\w.]+)\)", line):
        opt, val = m.group(1), m.group(2)
        body = entries.get(opt, "").replace("\n", " ")
        token = r"(?<![\w.])%s(?![\w])" % re.escape(val)
        if re.match(r"^\d+$", val):
            d = re.search(r"Default:\s*(.*)", body)
            ok = d is not None and re.search(token, d.group(1)) is not None
            check("default of %s is %s in the man page too" % (opt, val), ok,
                  "entry says %r" % (d.group(0)[:80] if d else "no Default:"))
        else:
            check("the man page's %s entry says %s, as --help does" % (opt, val),
                  re.search(token, body) is not None, "it does not")

# Every option the page documents is one the binary accepts: parsed with -i
# and -r together (a usage error that comes after parsing, so nothing runs).
for o in sorted(n for n in entries if n.startswith("-")):
    p = subprocess.run([wirescope, "-i", "x", "-r", "x", o], capture_output=True,
                       text=True, timeout=20, stdin=subprocess.DEVNULL)
    check("man page option %s is accepted by wirescope" % o,
          "unknown option" not in p.stderr and p.returncode in (0, 2),
          "exit %d: %s" % (p.returncode, p.stderr.strip()[:120]))

print("\n".join(results))
EOF
cat "$T/checks"
tap_count_lines "$T/checks"

# Every JSON member the binary writes is named in the page.
json_keys() { # ARGS...: the keys of every object wirescope --json prints, nested ones too
    "$WIRESCOPE" "$@" --json 2>/dev/null | python3 -c '
import json, sys
keys = set()
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            keys.add(k); walk(v)
for line in sys.stdin:
    walk(json.loads(line))
print("\n".join(sorted(keys)))'
}
for mode in "--packets" "--flows" "--conns" "--follow 0"; do
    read -r -a args <<<"$mode"
    json_keys -r "$FIX/http.pcap" "${args[@]}" >"$T/keys"
    json_keys -r "$FIX/netns.pcap" "${args[@]}" >>"$T/keys"
    sort -u -o "$T/keys" "$T/keys"
    if [ ! -s "$T/keys" ]; then
        bad "JSON members of $mode" "wirescope printed no JSON"
        continue
    fi
    missing=""
    while read -r k; do
        grep -Eq "(^|[^A-Za-z0-9_-])$k([^A-Za-z0-9_-]|\$)" "$T/page.txt" || missing="$missing $k"
    done <"$T/keys"
    if [ -z "$missing" ]; then
        ok "JSON members of $mode ($(wc -l <"$T/keys")) are in the man page"
    else
        bad "JSON members of $mode" "not in the man page:$missing"
    fi
done

# ---------------------------------------------------------------- exit status
# status WANT NAME ARGS...: the binary exits with WANT, as EXIT STATUS says.
status() {
    local want=$1 name=$2; shift 2
    timeout -k 2 20 "$WIRESCOPE" "$@" </dev/null >/dev/null 2>"$T/err"
    local rc=$?
    if [ "$rc" = "$want" ]; then
        ok "exit status $want: $name"
    else
        bad "exit status $want: $name" "got $rc"; show "$T/err"
    fi
}
head -c 700 "$FIX/http.pcap" >"$T/cut.pcap"
status 0 "--help" --help
status 0 "--version" --version
status 0 "a file cut short" -r "$T/cut.pcap"
if grep -q 'warning' "$T/err"; then ok "a file cut short prints a warning"; else bad "a file cut short" "no warning"; show "$T/err"; fi
status 1 "a file that does not exist" -r "$T/no-such-file.pcap"
status 1 "a file that is not a capture" -r "$PAGE"
status 1 "an unknown interface" -i wsnosuch0 -c 1
status 1 "a filter that does not compile" -r "$FIX/http.pcap" tcp port
status 1 "no such connection for --ladder" -r "$FIX/http.pcap" --ladder 999
status 1 "no such connection for --follow" -r "$FIX/http.pcap" --follow 999
if [ "$(id -u)" = 0 ]; then
    status 1 "a -Z user that does not exist (as root)" -r "$FIX/http.pcap" -Z wsnosuchuser
else
    echo "skip - -Z with a user that does not exist (not root)"
fi
status 2 "an unknown option" --no-such-option
status 2 "a missing value" -c
status 2 "a value out of range" --mem 1
status 2 "-i with -r" -i lo -r "$FIX/http.pcap"
status 2 "two modes" -r "$FIX/http.pcap" --flows --conns
status 2 "--ladder with --json" -r "$FIX/http.pcap" --ladder 0 --json

tap_done
