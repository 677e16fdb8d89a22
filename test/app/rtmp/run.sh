#!/bin/sh
# Compares wirescope with the tshark goldens of this directory (made by
# regen-golden.sh from the captures of make-captures.sh).
#   WIRESCOPE=path/to/wirescope (default ./wirescope at the repository root)
# Prints each mismatch and a last line `N passed, M failed`; exits 1 on any
# failure. Needs python3 only. The packets listed in rtmp.stateful are
# skipped (see regen-golden.sh): their type needs the previous segment.
set -u
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
app_media rtmp.pcap cols rtmp.cols rtmp.stateful
app_media rtmp.pcap rtmp rtmp.fields rtmp.stateful
app_finish
