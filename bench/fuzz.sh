#!/usr/bin/env bash
# Long fuzzing run: every libFuzzer target for SECONDS each (default 600),
# seeded from the normal build's corpus. Same targets, regressions and output
# as the short run CI does in scripts/test.sh.
#   bench/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
exec scripts/fuzz.sh --seconds "$seconds" --build build "$@"
