#!/usr/bin/env bash
# The whole corpus, third-party workloads included: median wall time of each
# app in each mode with the ratio to the direct ELF, then what the corpus
# shares (`uk-slt report`): pages, and pool + private bytes vs the ELFs.
#
#   bench/run-corpus.sh [--runs N] [--scale bench|demo] [APP...]
#
# Builds the tools and the corpus (UK_BUILD_DIR, default build/ beside this
# script), copies the build's pool to a fresh directory on tmpfs (/dev/shm,
# where a deployment keeps it) and runs scripts/corpus-table.sh against that
# copy, with the benchmark's inputs (zlib-perf 10 MiB, speedtest1 --size 50,
# matrix 512, a 1920x1080 image, ...) and 11 runs per app and mode by default.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${UK_BUILD_DIR:-$root/build}
runs=11
scale=bench
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done

if [[ ! -f $build/CMakeCache.txt ]]; then
  generator=()
  if command -v ninja >/dev/null; then generator=(-G Ninja); fi
  cmake -S "$root" -B "$build" "${generator[@]}" >&2
fi
cmake --build "$build" -j"$(nproc)" --target uk-slt uk-slt-run corpus >&2

pool=$(mktemp -d /dev/shm/uk-bench-pool-XXXXXX)
trap 'chmod -R u+w "$pool" 2>/dev/null; rm -rf "$pool"' EXIT
trap 'exit 130' INT TERM
cp -p "$build"/pool/[0-9a-f]* "$pool"/

echo "== bench/run-corpus.sh --runs $runs --scale $scale ${args[*]} ($(nproc) CPUs, $(uname -r))"
echo "== wall time per run, median of $runs, ratio to the direct ELF (pool on tmpfs: $pool)"
"$root/scripts/corpus-table.sh" --build "$build" --pool "$pool" --runs "$runs" --scale "$scale" "${args[@]}"

echo
echo "== uk-slt report: the whole corpus"
descs=()
for d in "$build"/unikernels/*/; do
  app=$(basename "$d")
  [ -f "$d/$app.desc" ] && descs+=("$d/$app.desc")
done
"$build/bin/uk-slt" --pool "$pool" report "${descs[@]}"
