#!/bin/sh
# The terminal UI's tests under tmux (test/ui/ui_test.py says what they
# check). WIRESCOPE=path/to/wirescope; prints "N passed, M failed".
exec python3 "$(dirname "$0")/ui_test.py" "$@"
