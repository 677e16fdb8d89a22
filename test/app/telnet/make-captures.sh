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
cd "$(dirname "$0")"
S=hf-tn-s C=hf-tn-c
SADDR=10.79.1.1 CADDR=10.79.1.2
TMP=$(mktemp -d)
cleanup() {
    for ns in $S $C; do
        ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null || true
        ip netns del $ns 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
for ns in $S $C; do
    ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del $ns 2>/dev/null || true
done
for ns in $S $C; do
    ip netns add $ns
    ip -n $ns link set lo up
done
ip link add hf-ts type veth peer name hf-tc
ip link set hf-ts netns $S
ip link set hf-tc netns $C
ip -n $S addr add $SADDR/24 dev hf-ts
ip -n $C addr add $CADDR/24 dev hf-tc
ip -n $S link set hf-ts up
ip -n $C link set hf-tc up

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

ip netns exec $C tcpdump -q -i hf-tc -s 0 -U -w "$TMP/telnet.pcap" tcp port 23 2>/dev/null &
CAP=$!
sleep 1
(
    sleep 2; printf 'alice\r'
    sleep 1; printf 'not-a-real-secret\r'
    sleep 1; printf 'echo hello from telnet\r'
    sleep 1; printf 'uname -s\r'
    sleep 1; printf 'exit\r'
    sleep 2
) | ip netns exec $C env TERM=xterm-256color DISPLAY=:7 \
    script -qfc "stty cols 100 rows 30; telnet $SADDR" /dev/null >/dev/null 2>&1 || true
sleep 1
kill $CAP
wait $CAP 2>/dev/null || true
cp "$TMP/telnet.pcap" telnet.pcap
ls -l telnet.pcap
