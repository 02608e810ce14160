#!/usr/bin/env bash
# Boot-time bench (issue 9): helloworld boot-to-exit, wall time of the whole
# monitor process, medians of interleaved runs, side by side:
#   uk-kvm-run APP.kvm.desc, uk-kvm-run APP.kvm.elf, the floor (uk-kvm-floor
#   running kvm_floor_guest.bin: helloworld's 6 system calls and 4 exits,
#   nothing else), and QEMU microvm booting the same helloworld.kvm.elf
#   (PVH) with each accelerator that works here.
# Builds what it needs, copies the build's pool to a fresh tmpfs directory,
# runs uk-bench-kvm-boot and cleans up.
#
#   bench/run-kvm-boot.sh [uk-bench-kvm-boot options, e.g. --runs 200 --qemu-accel kvm --qemu-accel tcg]
#
# UK_BUILD_DIR selects the build tree (default: build/ beside this script).
# Exits 1 with one line if /dev/kvm or the KVM corpus is missing; without
# qemu-system-x86_64 the QEMU sides are left out (said on stdout).
set -euo pipefail

die() { echo "run-kvm-boot.sh: $*" >&2; exit 1; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${UK_BUILD_DIR:-$root/build}

if [[ ! -f $build/CMakeCache.txt ]]; then
  generator=()
  if command -v ninja >/dev/null; then generator=(-G Ninja); fi
  cmake -S "$root" -B "$build" "${generator[@]}" >&2
fi
cmake --build "$build" --target uk-bench-kvm-boot uk-kvm-floor kvm-floor-guest uk-kvm-run corpus-kvm >&2

[[ -r /dev/kvm && -w /dev/kvm ]] || die "/dev/kvm is missing or not accessible"
app=$build/unikernels/helloworld/helloworld
for f in "$app.kvm.desc" "$app.kvm.elf"; do
  [[ -f $f ]] || die "$f missing (uk-slt pack --platform kvm)"
done

pool=$(mktemp -d /dev/shm/uk-bench-kvm-boot-pool-XXXXXX)
trap 'rm -rf "$pool"' EXIT
trap 'exit 130' INT TERM
cp -p "$build"/pool/* "$pool"/

qemu=()
if command -v qemu-system-x86_64 >/dev/null; then
  qemu=(--qemu "$(command -v qemu-system-x86_64)")
else
  echo "qemu microvm: left out: qemu-system-x86_64 not found (Debian package qemu-system-x86)"
fi

"$build/bin/uk-bench-kvm-boot" --vmm "$build/bin/uk-kvm-run" --pool "$pool" \
  --desc "$app.kvm.desc" --elf "$app.kvm.elf" \
  --floor "$build/bin/uk-kvm-floor" --floor-guest "$build/bench/kvm_floor_guest.bin" "${qemu[@]}" "$@"
