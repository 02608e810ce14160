#!/usr/bin/env bash
# SLT [ASLR] vs Spacer-SLT, side by side in one run (uk-bench-aslr): exec
# time of mandelbrot, zlib-perf, sqlite-speed and lua (and the direct ELF for
# reference), helloworld start-up, entropy of every block over 1000 starts of
# `uk-slt-run --stats`, memory of 20 ASLR vs 20 SLT instances (Σ Pss + pool
# once), pool bytes; then the targets, met or not met.
#
#   bench/run-aslr.sh [--quick | --long] [uk-bench-aslr options...]
#
# Default: short inputs, 5 exec runs per side, 200 start-up runs, 1000
# starts per app for the entropy, 3 memory repetitions. --quick: 3 exec
# runs, 100 start-up runs, 1 memory repetition (the entropy keeps its 1000
# starts). --long: the long inputs
# (mandelbrot 1280x960x1000, zlib 32M, speedtest1 --size 50, lua fib(30)),
# 11 exec runs, 1000 start-up runs, 5 memory repetitions. Options after it
# go to uk-bench-aslr (later ones win), e.g. --exec-runs 21, --only
# entropy,pool, --entropy-starts 5000; `uk-bench-aslr --help` lists them.
#
# Builds the tools and the corpus (UK_BUILD_DIR, default build/ beside this
# script), copies the build's pool (both modes' objects) to a fresh
# directory on tmpfs, prints `uptime` before and after, and removes the copy.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${UK_BUILD_DIR:-$root/build}

preset=()
case ${1-} in
  --quick) preset=(--exec-runs 3 --startup-runs 100 --mem-reps 1); shift ;;
  --long) preset=(--long --exec-runs 11 --startup-runs 1000 --mem-reps 5); shift ;;
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac

if [[ ! -f $build/CMakeCache.txt ]]; then
  generator=()
  if command -v ninja >/dev/null; then generator=(-G Ninja); fi
  cmake -S "$root" -B "$build" "${generator[@]}" >&2
fi
cmake --build "$build" -j"$(nproc)" --target uk-slt uk-slt-run corpus uk-bench-aslr >&2

pool=$(mktemp -d /dev/shm/uk-bench-pool-XXXXXX)
scratch=$(mktemp -d /tmp/uk-bench-aslr-XXXXXX)
trap 'chmod -R u+w "$pool" 2>/dev/null; rm -rf "$pool" "$scratch"' EXIT
trap 'exit 130' INT TERM
cp -p "$build"/pool/[0-9a-f]* "$pool"/

echo "== bench/run-aslr.sh${preset[*]:+ ${preset[*]}}${*:+ $*} ($(nproc) CPUs, $(uname -r))"
echo "uptime before: $(uptime)"
status=0
"$build/bin/uk-bench-aslr" --corpus "$build/unikernels" --pool "$pool" --loader "$build/bin/uk-slt-run" \
  --tmp-dir "$scratch" "${preset[@]}" "$@" || status=$?
echo "uptime after: $(uptime)"
exit $status
