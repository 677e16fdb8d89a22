#!/bin/sh
# Makes the capture of this directory with real programs, between two
# network namespaces joined by a veth pair (root needed):
#   telnet.pcap  inetutils telnetd (started by inetutils-inetd) and the
#                inetutils telnet client on a pseudo-terminal (script(1)),
#                so it negotiates terminal type, window size (NAWS),
#                terminal speed, X display location and environment; a
#                login-like script stands in for /bin/login and runs a few
#                shell commands the client types.
# Packages: inetutils-inetd inetutils-telnetd inetutils-telnet tcpdump
# iproute2 util-linux (script).
# The capture changes with each run: regenerate the goldens after
# (regen-golden.sh).
set -eu
# shellcheck source=SCRIPTDIR/../capture-lib.sh
. "$(dirname "$0")/../capture-lib.sh"
cd "$(dirname "$0")"
S=hf-tn-s C=hf-tn-c
SADDR=10.79.1.1 CADDR=10.79.1.2
TMP=$(mktemp -d)
trap 'netns_gone $S $C; rm -rf "$TMP"' EXIT
netns_fresh $S $C
veth_link $S hf-ts $SADDR $C hf-tc $CADDR

# stands in for /bin/login: a prompt, a password prompt, then a shell
cat >$TMP/login.sh <<'EOF'
#!/bin/sh
printf 'wirescope test login: '
read user
printf 'Password: '
stty -echo 2>/dev/null
read pass
stty echo 2>/dev/null
printf '\nWelcome, %s\n' "$user"
PS1='$ ' exec /bin/sh -i
EOF
chmod 755 $TMP/login.sh
echo "telnet stream tcp nowait root /usr/sbin/telnetd telnetd -h -E $TMP/login.sh" \
    >$TMP/inetd.conf
ip netns exec $S inetutils-inetd -d -p $TMP/inetd.pid $TMP/inetd.conf >/dev/null 2>&1 &
sleep 1

capture_start $C hf-tc telnet.pcap tcp port 23
(
    sleep 2; printf 'alice\r'
    sleep 1; printf 'not-a-real-secret\r'
    sleep 1; printf 'echo hello from telnet\r'
    sleep 1; printf 'uname -s\r'
    sleep 1; printf 'exit\r'
    sleep 2
) | ip netns exec $C env TERM=xterm-256color DISPLAY=:7 \
    script -qfc "stty cols 100 rows 30; telnet $SADDR" /dev/null >/dev/null 2>&1 || true
capture_stop telnet.pcap
ls -l telnet.pcap
