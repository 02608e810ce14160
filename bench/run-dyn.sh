#!/usr/bin/env bash
# Runs the dynamic-mode benchmark (uk-bench-dyn): builds the tools and both
# corpora, builds helloworld and mandelbrot from the same sources with
# musl-gcc as ordinary dynamic executables (musl's own dynamic linker, for
# reference), copies the build's pool to a fresh directory on tmpfs
# (/dev/shm, where a deployment keeps it), runs the benchmark and cleans up.
#
#   bench/run-dyn.sh [uk-bench-dyn options, e.g. --runs 500 --mandel-runs 21]
#
# UK_BUILD_DIR selects the build tree (default: build/ beside this script).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${UK_BUILD_DIR:-$root/build}

if [[ ! -f $build/CMakeCache.txt ]]; then
  generator=()
  if command -v ninja >/dev/null; then generator=(-G Ninja); fi
  cmake -S "$root" -B "$build" "${generator[@]}" >&2
fi
cmake --build "$build" --target uk-slt uk-slt-run uk-dyn-run corpus dyncorpus uk-bench-dyn >&2

musl_gcc=$(command -v x86_64-linux-musl-gcc || command -v musl-gcc || true)
[[ -n $musl_gcc ]] || { echo "run-dyn.sh: error: musl-gcc not found (Debian package musl-tools)" >&2; exit 1; }
[[ -e /lib/ld-musl-x86_64.so.1 ]] || { echo "run-dyn.sh: error: /lib/ld-musl-x86_64.so.1 missing (Debian package musl)" >&2; exit 1; }

work=$(mktemp -d /tmp/uk-bench-dyn-XXXXXX)
pool=$(mktemp -d /dev/shm/uk-bench-dyn-pool-XXXXXX)
trap 'rm -rf "$work" "$pool"' EXIT
trap 'exit 130' INT TERM

# The same sources and optimisation as the corpus, linked the ordinary way:
# a dynamic PIE whose interpreter is musl's libc.so.
cflags=(-O2 -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-stack-protector)
for app in helloworld mandelbrot; do
  "$musl_gcc" "${cflags[@]}" -o "$work/$app-musl-dyn" "$root/unikernels/apps/$app/$app.c"
done
interp=$(readelf -l "$work/helloworld-musl-dyn" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
[[ $interp == /lib/ld-musl-x86_64.so.1 ]] || { echo "run-dyn.sh: error: musl-gcc built for '$interp'" >&2; exit 1; }

cp -p "$build"/pool/* "$pool"/

# The benchmark prints its own exact command line in its output.
"$build/bin/uk-bench-dyn" --corpus "$build/unikernels" --pool "$pool" --slt-run "$build/bin/uk-slt-run" \
  --dyn-run "$build/bin/uk-dyn-run" --musl-hello "$work/helloworld-musl-dyn" \
  --musl-mandelbrot "$work/mandelbrot-musl-dyn" "$@"
