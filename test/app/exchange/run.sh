#!/bin/sh
# Exchange ladders (--ladder flow:ID) and --transactions against tshark.
cd "$(dirname "$0")" && exec python3 compare.py
