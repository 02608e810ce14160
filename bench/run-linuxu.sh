#!/usr/bin/env bash
# Runs the linuxu benchmark: builds uk-slt, uk-slt-run, the corpus objects and
# uk-bench-linuxu, packs the corpus into a fresh pool on tmpfs (/dev/shm) with
# its own output directory under /tmp, runs the benchmark and removes both.
#
#   bench/run-linuxu.sh [uk-bench-linuxu options, e.g. --json --runs 500]
#
# UK_BUILD_DIR selects the build tree (default: build/ beside this script).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${UK_BUILD_DIR:-$root/build}

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -G Ninja >&2
fi
cmake --build "$build" --target uk-slt uk-slt-run corpus uk-bench-linuxu >&2

libs=$build/unikernels/libs
for lib in boot musl gccrt helloworld mandelbrot cat exitcode; do
  [[ -f $libs/$lib.o ]] || { echo "run-linuxu.sh: error: $libs/$lib.o missing (did the corpus build?)" >&2; exit 1; }
done

pool=$(mktemp -d /dev/shm/uk-bench-pool-XXXXXX)
out=$(mktemp -d /tmp/uk-bench-corpus-XXXXXX)
trap 'rm -rf "$pool" "$out"' EXIT
trap 'exit 130' INT TERM

base=$libs/boot.o,$libs/musl.o,$libs/gccrt.o
specs=()
for app in helloworld mandelbrot cat exitcode; do
  specs+=("$app=$base,$libs/$app.o")
done
"$build/bin/uk-slt" --pool "$pool" pack --out-dir "$out" "${specs[@]}" >&2

# The benchmark prints its own exact command line in its output.
"$build/bin/uk-bench-linuxu" --corpus "$out" --pool "$pool" --loader "$build/bin/uk-slt-run" "$@"
