#!/bin/sh
# Runs the comparison from anywhere: benches/compare/run.sh [--instances N] [--samples N] [...]
exec python3 "$(dirname "$0")/compare.py" "$@"
