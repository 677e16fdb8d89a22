#!/bin/sh
# Compares wirescope with the tshark goldens of this directory (made by
# regen-golden.sh from the captures of make-captures.sh).
#   WIRESCOPE=path/to/wirescope (default ./wirescope at the repository root)
# Prints each mismatch and a last line `N passed, M failed`; exits 1 on any
# failure. Needs python3 only. The per-SSRC statistics against tshark's
# -z rtp,streams (rtp-streams.txt) are checked by test/unit/check_rtp.c.
set -u
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
app_media stun.pcap cols stun.cols
app_media stun.pcap stun stun.fields
app_media dtls.pcap cols dtls.cols
app_media dtls.pcap dtls dtls.fields
app_media rtp.pcap cols rtp.cols
app_media rtp.pcap rtp rtp.fields
app_finish
