#!/usr/bin/env bash
# The main job: set up, build the corpus, pack it into the pool, run
# helloworld and mandelbrot directly, through uk-slt-run (Spacer-SLT and SLT
# [ASLR]) and uk-dyn-run, then every app every way, and print the sharing
# report for the whole corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build

bin=build/bin
corpus=build/unikernels
pool=build/pool

run() { # label, command...
  local label=$1
  shift
  local t0 t1 status
  t0=$(date +%s%N)
  set +e
  "$@" >/tmp/uk-demo.out 2>&1
  status=$?
  set -e
  t1=$(date +%s%N)
  printf '%-34s exit %-3s %8.2f ms | %s\n' "$label" "$status" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')" \
    "$(head -c 200 /tmp/uk-demo.out | tr '\n' ' ')"
}

echo
echo "== helloworld and mandelbrot, every way (output must match) =="
run "helloworld.elf (direct)" "$corpus/helloworld/helloworld.elf" from the demo
run "uk-slt-run helloworld.desc" "$bin/uk-slt-run" --pool "$pool" "$corpus/helloworld/helloworld.desc" from the demo
run "uk-slt-run helloworld.aslr.desc" "$bin/uk-slt-run" --pool "$pool" "$corpus/helloworld/helloworld.aslr.desc" from the demo
run "uk-dyn-run helloworld.so" "$bin/uk-dyn-run" "$corpus/helloworld/helloworld.so" from the demo
run "mandelbrot.elf (direct)" "$corpus/mandelbrot/mandelbrot.elf" 640 480 256 /tmp/uk-demo-direct.ppm
run "uk-slt-run mandelbrot.desc" "$bin/uk-slt-run" --pool "$pool" "$corpus/mandelbrot/mandelbrot.desc" 640 480 256 /tmp/uk-demo-pool.ppm
run "uk-slt-run mandelbrot.aslr.desc" "$bin/uk-slt-run" --pool "$pool" "$corpus/mandelbrot/mandelbrot.aslr.desc" 640 480 256 /tmp/uk-demo-aslr.ppm
run "uk-dyn-run mandelbrot.so" "$bin/uk-dyn-run" "$corpus/mandelbrot/mandelbrot.so" 640 480 256 /tmp/uk-demo-dyn.ppm
if cmp -s /tmp/uk-demo-direct.ppm /tmp/uk-demo-pool.ppm && cmp -s /tmp/uk-demo-direct.ppm /tmp/uk-demo-aslr.ppm &&
  cmp -s /tmp/uk-demo-direct.ppm /tmp/uk-demo-dyn.ppm; then
  echo "mandelbrot images: identical"
else
  echo "mandelbrot images: DIFFER"
  exit 1
fi

echo
echo "== uk-slt-run --stats (Spacer-SLT, SLT [ASLR]) and uk-dyn-run --stats, helloworld =="
"$bin/uk-slt-run" --pool "$pool" --stats "$corpus/helloworld/helloworld.desc" >/dev/null
"$bin/uk-slt-run" --pool "$pool" --stats "$corpus/helloworld/helloworld.aslr.desc" >/dev/null
"$bin/uk-dyn-run" --stats "$corpus/helloworld/helloworld.so" >/dev/null

echo
echo "== every app of the corpus, every mode: direct, Spacer-SLT, SLT [ASLR], Dynamic (median of 5 runs, small inputs) =="
scripts/corpus-table.sh --build build

echo
echo "== uk-slt report: what the whole corpus shares =="
"$bin/uk-slt" --pool "$pool" report "$corpus"/*/*.desc
rm -f /tmp/uk-demo.out /tmp/uk-demo-direct.ppm /tmp/uk-demo-pool.ppm /tmp/uk-demo-aslr.ppm /tmp/uk-demo-dyn.ppm
