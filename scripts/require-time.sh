# Sourced by bench.sh and scaling.sh: require_gnu_time PATH makes sure GNU
# time (peak RSS, CPU seconds) is at PATH, installing Debian's `time`
# package when run as root; the caller defines say and fail.
require_gnu_time() {
    [ -x "$1" ] && return
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing the 'time' package for $1"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1; }
    fi
    [ -x "$1" ] || fail "$1 is missing (apt-get install time)"
}
