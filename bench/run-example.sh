#!/usr/bin/env bash
# A new user's path, timed: install the toolchain into a fresh prefix, fetch
# bzip2's Debian source package, build examples/bzip2 against the prefix,
# then run it the three ways (direct ELF, uk-slt-run, uk-dyn-run), checking
# every output against the host's bzip2 and timing them side by side
# (interleaved runs, medians, ratios to the direct ELF):
#   start-up: compress an empty input; run time: compress and decompress 2 MiB of base64 text.
#
#   bench/run-example.sh [--runs N]        (default 21)
#
# Needs a built tree (scripts/build.sh build) and the host's bzip2.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${UK_BUILD_DIR:-$root/build}
runs=21
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-example.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$build/bin/uk-slt" ] || { echo "run-example.sh: no build in $build (scripts/build.sh build)" >&2; exit 1; }
command -v bzip2 >/dev/null || { echo "run-example.sh: the host's bzip2 is not installed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

echo "== a new user's commands, timed (prefix $work/prefix)"
t=$(date +%s%N); cmake --install "$build" --prefix "$work/prefix" >/dev/null; echo "  cmake --install                 $(ms "$t") ms"
t=$(date +%s%N); "$root/scripts/fetch-sources.sh" bzip2 >/dev/null; echo "  scripts/fetch-sources.sh bzip2  $(ms "$t") ms (cached after the first time)"
t=$(date +%s%N)
cmake -S "$root/examples/bzip2" -B "$work/ex" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
echo "  cmake -S examples/bzip2 ...     $(ms "$t") ms"
t=$(date +%s%N); cmake --build "$work/ex" -j"$(nproc)" >/dev/null; echo "  cmake --build                   $(ms "$t") ms"

app=$work/ex/unikernels/bzip2/bzip2
names=(direct uk-slt-run uk-dyn-run)
cmds=("$app.elf" "$work/prefix/bin/uk-slt-run --pool $work/ex/pool $app.desc"
      "$work/prefix/bin/uk-dyn-run $app.so")
head -c 2097152 /dev/urandom | base64 > "$work/in"
bzip2 -9 -c < "$work/in" > "$work/host.bz2"
for i in 0 1 2; do
  ${cmds[$i]} -9 -c < "$work/in" | cmp -s - "$work/host.bz2" || { echo "${names[$i]}: output differs from the host's bzip2" >&2; exit 1; }
done
echo "  outputs: all three ways byte-identical to the host's bzip2 -9"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bench() { # label, then the per-run command suffix
  local label=$1; shift
  declare -A samples
  for ((r = 0; r < runs; r++)); do
    for i in 0 1 2; do
      t=$(date +%s%N); eval "${cmds[$i]} $*" >/dev/null 2>&1; samples[$i]+="$(( $(date +%s%N) - t )) "
    done
  done
  local base=""
  for i in 0 1 2; do
    m=$(echo ${samples[$i]} | tr ' ' '\n' | median)
    [ -z "$base" ] && base=$m
    printf '  %-12s %-10s %10.3f ms  %5.2fx\n' "$label" "${names[$i]}" "$(echo "$m / 1000000" | bc -l)" "$(echo "$m / $base" | bc -l)"
  done
}
echo "== medians of $runs interleaved runs (fork + exec included), ratio to the direct ELF"
bench start-up "-c < /dev/null"
bench compress "-9 -c < $work/in"
bench decompress "-d -c < $work/host.bz2"
