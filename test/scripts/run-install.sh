#!/bin/bash
# run-install.sh: `make install` / `make uninstall` / `make install-setcap`
# as a packager and a user run them, into a DESTDIR staging tree:
#   - install puts the binary (mode 755), the man page and the bash
#     completion (644) under DESTDIR/PREFIX, and the installed binary runs
#     and reports the VERSION file's version;
#   - the installed man page renders with man -l (when man is installed);
#   - install-setcap (as root, with setcap) grants exactly
#     cap_net_admin,cap_net_raw=eip, and with it the unprivileged user
#     `nobody` opens a live capture on lo and counts the packets ping sends
#     (needs ping; skipped, and said so, when it is missing);
#   - uninstall removes every installed file.
#   WIRESCOPE=path/to/wirescope (default ./wirescope): the binary installed.
# Each check prints "ok - NAME" or "FAIL - NAME: why" ("skip - NAME: why"
# when the machine cannot run it); the last line is `N passed, N failed`.
set -u
# shellcheck source=test/scripts/tap.sh
. "$(dirname "$0")/tap.sh"
tap_root
tap_wirescope root
skip() { echo "skip - $1: $2"; }

[ -x "$WIRESCOPE" ] || tap_abort "run-install: $WIRESCOPE not built"
# /tmp may be mounted nosuid (file capabilities ignored there): stage the
# tree under build/, on the repository's file system.
tap_tmpdir ws-install "$root/build"
chmod 755 "$T"
PREFIX=/usr/local
D=$T/stage
files="bin/wirescope share/man/man1/wirescope.1 share/bash-completion/completions/wirescope"
mk() { make --no-print-directory -s DESTDIR="$D" PREFIX="$PREFIX" INSTALL_BIN="$WIRESCOPE" "$@"; }

if mk install >"$T/log" 2>&1 && chmod -R go+rX "$T"; then
    ok "make install DESTDIR PREFIX=$PREFIX"
else
    bad "make install" "$(tail -3 "$T/log")"
fi
for f in $files; do
    want=644
    [ "$f" = bin/wirescope ] && want=755
    mode=$(stat -c %a "$D$PREFIX/$f" 2>/dev/null || echo missing)
    if [ "$mode" = "$want" ]; then ok "$f installed, mode $want"; else bad "$f installed, mode $want" "$mode"; fi
done
version=$(cat VERSION)
first=$("$D$PREFIX/bin/wirescope" --version 2>&1 | head -1)
if [ "$first" = "wirescope $version" ]; then
    ok "installed binary reports version $version"
else
    bad "installed binary reports version $version" "$first"
fi
if cmp -s docs/wirescope.1 "$D$PREFIX/share/man/man1/wirescope.1"; then
    ok "installed man page is docs/wirescope.1"
else
    bad "installed man page is docs/wirescope.1" "differs"
fi
if command -v man >/dev/null 2>&1; then
    if MANWIDTH=80 man -l "$D$PREFIX/share/man/man1/wirescope.1" 2>/dev/null | grep -q "wirescope - "; then
        ok "man -l renders the installed page"
    else
        bad "man -l renders the installed page" "no NAME line in its output"
    fi
else
    skip "man -l renders the installed page" "man is not installed"
fi

# --- install-setcap: a normal user captures with the installed binary
setcap_checks() {
    # first without the capabilities: one clear line, non-zero exit
    runuser -u nobody -- env ASAN_OPTIONS=detect_leaks=0 "$D$PREFIX/bin/wirescope" \
        -i lo -c 1 --packets >/dev/null 2>"$T/nocap.err"
    rc=$?
    if [ "$rc" != 0 ] && grep -qi "permi" "$T/nocap.err" && [ "$(wc -l <"$T/nocap.err")" -le 3 ]; then
        ok "without install-setcap, nobody is refused with a clear message (exit $rc)"
    else
        bad "without install-setcap, nobody is refused with a clear message" \
            "exit $rc: $(head -2 "$T/nocap.err")"
    fi
    if ! mk install-setcap >"$T/log" 2>&1; then
        bad "make install-setcap" "$(tail -2 "$T/log")"
        return
    fi
    caps=$(getcap "$D$PREFIX/bin/wirescope" 2>/dev/null | sed 's/.* //')
    if [ "$caps" = "cap_net_admin,cap_net_raw=eip" ]; then
        ok "install-setcap grants cap_net_admin,cap_net_raw=eip"
    else
        bad "install-setcap grants cap_net_admin,cap_net_raw=eip" "getcap: '${caps:-none}'"
        return
    fi
    if ! command -v ping >/dev/null 2>&1; then
        skip "nobody captures on lo with the installed binary" "ping is not installed"
        return
    fi
    runuser -u nobody -- env ASAN_OPTIONS=detect_leaks=0 "$D$PREFIX/bin/wirescope" \
        -i lo -c 4 --packets icmp >"$T/cap.out" 2>"$T/cap.err" &
    pid=$!
    sleep 1
    ping -c 6 -i 0.2 127.0.0.1 >/dev/null 2>&1
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    rows=$(grep -c "ICMP" "$T/cap.out")
    if [ "$rc" = 0 ] && [ "$rows" = 4 ]; then
        ok "nobody captures 4 ICMP packets on lo with the installed binary"
    else
        bad "nobody captures 4 ICMP packets on lo with the installed binary" \
            "exit $rc, $rows rows; $(head -2 "$T/cap.err")"
    fi
}
if [ "$(id -u)" != 0 ] || ! command -v setcap >/dev/null 2>&1 || ! command -v runuser >/dev/null 2>&1; then
    skip "make install-setcap" "needs root, setcap and runuser"
elif ! runuser -u nobody -- test -x "$D$PREFIX/bin/wirescope"; then
    skip "make install-setcap" "nobody cannot reach $T (a parent directory is private)"
else
    setcap_checks
fi

if mk uninstall >"$T/log" 2>&1; then
    ok "make uninstall"
else
    bad "make uninstall" "$(tail -3 "$T/log")"
fi
left=""
for f in $files; do [ -e "$D$PREFIX/$f" ] && left="$left $f"; done
if [ -z "$left" ]; then ok "uninstall removes every installed file"; else bad "uninstall removes every installed file" "left:$left"; fi

tap_done
