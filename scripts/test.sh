#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite twice: a normal build with
# warnings as errors, and an AddressSanitizer + UBSan build of the tools and
# tests, then every fuzzer for a short fixed budget (scripts/fuzz.sh). This
# is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== build (warnings as errors) =="
scripts/build.sh build -DUK_WERROR=ON
echo "== test =="
ctest --test-dir build -j"$(nproc)" --timeout 120 --output-on-failure

echo "== build with ASan + UBSan =="
scripts/build.sh build-asan -DUK_WERROR=ON -DUK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
echo "== test with ASan + UBSan =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j"$(nproc)" --timeout 300 --output-on-failure

echo "== fuzzers (their regression inputs, then ${UK_FUZZ_RUNS:-2000} inputs each from a fixed seed; bench/fuzz.sh runs them longer) =="
scripts/fuzz.sh --runs "${UK_FUZZ_RUNS:-2000}" --seed 1 --build build
