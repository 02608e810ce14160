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

# --- nginx: ready-mode start-up -------------------------------------------
# nginx (unikernels/apps/nginx) serves until it is stopped, so its benchmark
# is its start-up, as the paper measured it: `-g 'uk_ready on;'` reads the
# configuration, creates the loopback listening socket (bind, listen), sets
# up the event loop and exits 0. A fresh prefix (the build's, on a port that
# is free now), runs alternating between the modes, median of $runs, ratio
# to the direct ELF; stdout (the "ready" line) must match the direct run.
nginx_dir=$build/unikernels/nginx
if [[ -f $nginx_dir/nginx.desc ]] && { [ ${#args[@]} -eq 0 ] || [[ " ${args[*]} " == *" nginx "* ]]; }; then
  cmake --build "$build" -j"$(nproc)" --target nginx-prefix >&2
  nginx_prefix=$(mktemp -d /tmp/uk-bench-nginx-XXXXXX)
  trap 'chmod -R u+w "$pool" 2>/dev/null; rm -rf "$pool" "$nginx_prefix"' EXIT
  cp -r "$nginx_dir/prefix/." "$nginx_prefix/"
  port=""
  for ((try = 0; try < 50; try++)); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
  done
  sed -i "s/listen 127\.0\.0\.1:8080;/listen 127.0.0.1:$port;/" "$nginx_prefix/conf/nginx.conf"
  median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  nginx_modes=(direct uk-slt-run)
  if [ -x "$build/bin/uk-dyn-run" ] && [ -f "$nginx_dir/nginx.so" ]; then nginx_modes+=(uk-dyn-run); fi
  nginx_cmd() { # mode -> cmd array
    case $1 in
      direct) cmd=("$nginx_dir/nginx.elf") ;;
      uk-slt-run) cmd=("$build/bin/uk-slt-run" --pool "$pool" "$nginx_dir/nginx.desc") ;;
      uk-dyn-run) cmd=("$build/bin/uk-dyn-run" "$nginx_dir/nginx.so") ;;
    esac
  }
  echo
  echo "== nginx ready-mode start-up (config, bind + listen on 127.0.0.1:$port, exit), median of $runs"
  printf '%-14s %-11s %11s %7s %5s  %s\n' app mode "median ms" ratio exit stdout
  declare -A ntimes=() nrcs=() nouts=()
  for ((r = 0; r < runs; r++)); do
    for mode in "${nginx_modes[@]}"; do
      nginx_cmd "$mode"
      t0=$EPOCHREALTIME
      set +e
      "${cmd[@]}" -p "$nginx_prefix/" -g 'uk_ready on;' </dev/null >"$nginx_prefix/out" 2>"$nginx_prefix/err"
      rc=$?
      set -e
      t1=$EPOCHREALTIME
      ntimes[$mode]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) * 1000 }') "
      nrcs[$mode]=$rc
      nouts[$mode]=$(cksum <"$nginx_prefix/out")
      if [ $rc -ne 0 ]; then sed 's/^/  /' "$nginx_prefix/err" >&2; fi
    done
  done
  base_ms=""
  for mode in "${nginx_modes[@]}"; do
    ms=$(printf '%s\n' ${ntimes[$mode]} | median)
    [ -n "$base_ms" ] || base_ms=$ms
    same=""
    if [ "$mode" != direct ]; then
      if [ "${nouts[$mode]}" = "${nouts[direct]}" ] && [ "${nrcs[$mode]}" = "${nrcs[direct]}" ]; then
        same="= direct"
      else
        same="DIFFERS from direct"
      fi
    fi
    printf '%-14s %-11s %11.3f %7.2f %5s  %s\n' nginx-ready "$mode" "$ms" \
      "$(awk -v a="$ms" -v b="$base_ms" 'BEGIN { print (b > 0 ? a / b : 0) }')" "${nrcs[$mode]}" "$same"
  done
fi
