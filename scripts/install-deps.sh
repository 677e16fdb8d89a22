#!/bin/sh
# Installs the Debian packages wirescope's build and tests need, only those
# missing. Safe to run repeatedly; does nothing when all are present.
set -eu
pkgs="build-essential pkg-config libpcap-dev libncurses-dev check tmux clang python3 tcpdump iproute2 groff-base mandoc bash-completion curl"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages:$missing (run as root, or install them)" >&2
    exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
