#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan; fuzz/CMakeLists.txt)
# and runs each one: first every input in fuzz/regressions/<target>/ (the
# inputs that once crashed it), then fuzzing for a fixed time, seeded from the
# real corpus of a normal build (globs in fuzz/<target>.seeds).
#   scripts/fuzz.sh [--seconds N | --runs N [--seed S]] [--build DIR] [--fuzz-build DIR] [TARGET...]
# Defaults: 20 s per target, build/ as the normal build, build-fuzz/.
# --runs N --seed S: N inputs per target from seed S instead of a time budget,
# the same inputs on every run from the same build (what CI runs: a result
# that does not depend on the machine's speed).
# Prints executions per target; exits 1 if a target crashed (the input is
# kept under the fuzz build's artifacts/ and named in the output).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=20 runs="" seed=1 build=build fuzz_build=build-fuzz targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --fuzz-build) fuzz_build=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
command -v clang++-14 >/dev/null || { echo "fuzz.sh: clang++-14 not installed (scripts/setup.sh installs it)" >&2; exit 1; }
[ -d "$build/unikernels" ] || { echo "fuzz.sh: $build has no corpus: build it first (scripts/build.sh $build)" >&2; exit 1; }

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
if [ ! -f "$fuzz_build/CMakeCache.txt" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$fuzz_build" "${generator[@]}" -DUK_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
if ! cmake --build "$fuzz_build" -j"$(nproc)" >"$fuzz_build/build.log" 2>&1; then
  tail -20 "$fuzz_build/build.log" >&2
  echo "fuzz.sh: the fuzz build failed (log: $fuzz_build/build.log)" >&2
  exit 1
fi

if [ ${#targets[@]} -eq 0 ]; then
  for s in fuzz/*.seeds; do targets+=("$(basename "$s" .seeds)"); done
fi

export UK_FUZZ_REGISTRY="$build/pool/layout-registry.json" # fuzz-elf plans against the corpus' slots
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
printf '%-14s %12s %10s %8s  %s\n' target executions budget corpus result
for t in "${targets[@]}"; do
  bin="$fuzz_build/bin/fuzz-$t"
  [ -x "$bin" ] || { echo "fuzz.sh: no fuzz target '$t' ($bin)" >&2; exit 2; }
  work="$fuzz_build/corpus/$t" seeds="$fuzz_build/seeds/$t" art="$fuzz_build/artifacts/$t/"
  mkdir -p "$work" "$seeds" "$art"
  if [ -f "fuzz/$t.seeds" ]; then
    while read -r glob; do
      case "$glob" in ''|'#'*) continue ;; esac
      for f in $build/$glob; do [ -f "$f" ] && cp -f "$f" "$seeds/$(echo "$f" | tr / _)"; done
    done < "fuzz/$t.seeds"
  fi
  dict=()
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  log="$fuzz_build/$t.log"
  regress=(fuzz/regressions/"$t"/*)
  if [ -e "${regress[0]}" ]; then
    if ! "$bin" "${regress[@]}" >"$log" 2>&1; then
      printf '%-14s %12s %10s %8s  %s\n' "$t" - - - "REGRESSION CRASHED (see $log)"
      failed=1; continue
    fi
  fi
  budget=(-max_total_time="$seconds")
  [ -n "$runs" ] && budget=(-runs="$runs" -seed="$seed")
  if "$bin" "${budget[@]}" -print_final_stats=1 -artifact_prefix="$art" -timeout=10 \
      -rss_limit_mb=2048 "${dict[@]}" "$work" "$seeds" >"$log" 2>&1; then
    result=ok
  else
    result="CRASHED: $(ls -t "$art" | head -1 | sed "s|^|$art|") (see $log; add the input to fuzz/regressions/$t/)"
    failed=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ -n "$runs" ]; then shown="$runs runs"; else shown="$seconds s"; fi
  printf '%-14s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "$shown" "$(ls "$work" | wc -l)" "$result"
done
exit $failed
