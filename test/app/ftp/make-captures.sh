#!/bin/sh
# Makes the captures of this directory with real programs, between two
# network namespaces joined by a veth pair (root needed):
#   ftp-ftplib.pcap   vsftpd (anonymous) and Python's ftplib: greeting,
#                     USER/PASS, SYST, FEAT (multi-line reply), PWD, TYPE,
#                     PASV + LIST, EPSV + RETR, PORT + RETR, EPRT + NLST,
#                     a RETR of a missing file (550), QUIT
#   ftp-curl.pcap     curl downloading a file twice: passive (EPSV) and
#                     active (-P -: EPRT)
# Packages: vsftpd python3 curl tcpdump iproute2.
# The captures change with each run: regenerate the goldens after
# (regen-golden.sh).
set -eu
# shellcheck source=SCRIPTDIR/../capture-lib.sh
. "$(dirname "$0")/../capture-lib.sh"
cd "$(dirname "$0")"
S=hf-ftp-s C=hf-ftp-c
SADDR=10.79.0.1 CADDR=10.79.0.2
TMP=$(mktemp -d)
trap 'netns_gone $S $C; rm -rf "$TMP"' EXIT
netns_fresh $S $C
veth_link $S hf-fs $SADDR $C hf-fc $CADDR
# no TSO/GSO: segments on the wire as the peer receives them
ip netns exec $S ethtool -K hf-fs tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec $C ethtool -K hf-fc tso off gso off gro off >/dev/null 2>&1 || true

# anonymous FTP root with a text file and a small binary one
ROOT=$TMP/root
mkdir -p $ROOT/pub /var/run/vsftpd/empty
seq 1 300 | sed 's/^/line /' >$ROOT/pub/file.txt
head -c 3000 /dev/zero | tr '\0' 'x' >$ROOT/pub/blob.bin
chmod -R a+rX,go-w $ROOT
chown root:root $ROOT
cat >$TMP/vsftpd.conf <<EOF
listen=YES
listen_ipv6=NO
listen_address=$SADDR
anonymous_enable=YES
anon_root=$ROOT
no_anon_password=NO
local_enable=NO
write_enable=NO
connect_from_port_20=YES
ftp_data_port=20
port_enable=YES
pasv_enable=YES
pasv_min_port=40000
pasv_max_port=40100
secure_chroot_dir=/var/run/vsftpd/empty
seccomp_sandbox=NO
ftpd_banner=wirescope test FTP
xferlog_enable=NO
EOF
ip netns exec $S vsftpd $TMP/vsftpd.conf &
sleep 1

capture_start $C hf-fc ftp-ftplib.pcap tcp
ip netns exec $C python3 - $SADDR $CADDR <<'EOF'
import ftplib, socket, sys
srv, cli = sys.argv[1], sys.argv[2]
f = ftplib.FTP()
f.connect(srv, 21, timeout=10)
f.login("anonymous", "guest-secret@example.org")
f.sendcmd("SYST")
f.sendcmd("FEAT")
f.sendcmd("PWD")
f.sendcmd("TYPE A")
f.set_pasv(True)
f.retrlines("LIST pub", lambda l: None)  # PASV (227)

def drain(conn):
    while conn.recv(4096):
        pass
    conn.close()

# EPSV and EPRT by hand: ftplib uses them only on IPv6
port = int(f.sendcmd("EPSV").split("|")[3])
data = socket.create_connection((srv, port))
f.sendcmd("TYPE I")
f.sendcmd("RETR pub/blob.bin")  # 150
drain(data)
f.voidresp()  # 226
f.set_pasv(False)
f.sendcmd("TYPE A")
f.retrlines("RETR pub/file.txt", lambda l: None)  # PORT
lsock = socket.create_server((cli, 0))
f.sendcmd("EPRT |1|%s|%d|" % (cli, lsock.getsockname()[1]))
f.sendcmd("NLST pub")  # 150
conn, _ = lsock.accept()
drain(conn)
f.voidresp()  # 226
try:
    f.retrbinary("RETR pub/missing.txt", lambda b: None)
except ftplib.error_perm:
    pass
f.quit()
EOF
capture_stop ftp-ftplib.pcap

capture_start $C hf-fc ftp-curl.pcap tcp
ip netns exec $C curl -s -o /dev/null ftp://$SADDR/pub/file.txt
ip netns exec $C curl -s -o /dev/null -P - ftp://$SADDR/pub/blob.bin
capture_stop ftp-curl.pcap
ls -l *.pcap
