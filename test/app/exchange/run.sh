#!/bin/sh
# Exchange ladders (--ladder flow:ID) and --transactions against tshark.
#   WIRESCOPE=path/to/wirescope (default ./wirescope at the repository root)
# shellcheck source=SCRIPTDIR/../lib.sh
. "$(dirname "$0")/../lib.sh"
cd "$here" && exec python3 compare.py
