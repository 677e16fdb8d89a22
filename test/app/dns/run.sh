#!/bin/sh
# run.sh: compares wirescope with the tshark goldens of this directory.
#   WIRESCOPE=path/to/wirescope test/app/dns/run.sh
# For each capture: Protocol/Info per frame, the DNS JSON fields per message
# and the query/response transactions (compare.py). Prints each mismatch
# and a last line `N passed, M failed`; exits 1 on any failure. Needs
# python3 only (not tshark: the goldens are committed).
set -u
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
app_each_capture dns
app_finish
