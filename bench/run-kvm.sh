#!/usr/bin/env bash
# Runs the KVM benchmark (uk-bench-kvm): helloworld boot-to-exit under
# uk-kvm-run (desc and ELF), the cost of a memslot on this host, the VMM's
# --stats (set-up time, memslots, page faults), then the memory of 32
# concurrent helloworld and lua VMs (SLT vs Default vs Default+--ksm). Builds what it needs, copies the build's pool to
# a fresh directory on tmpfs (/dev/shm), runs the benchmark and cleans up.
#
#   bench/run-kvm.sh [uk-bench-kvm options, e.g. --runs 200 --instances 32 --ksm-mode quiet --probe-vms 20]
#
# UK_BUILD_DIR selects the build tree (default: build/ beside this script).
# The KVM corpus is read from $build/unikernels/<app>/<app>.kvm.{desc,elf}
# (uk-slt pack --platform kvm). Exits 1 with one line if uk-kvm-run, /dev/kvm
# or the KVM corpus is missing. The Default+--ksm group changes
# /sys/kernel/mm/ksm while it runs (root) and restores it.
set -euo pipefail

die() { echo "run-kvm.sh: $*" >&2; exit 1; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${UK_BUILD_DIR:-$root/build}

if [[ ! -f $build/CMakeCache.txt ]]; then
  generator=()
  if command -v ninja >/dev/null; then generator=(-G Ninja); fi
  cmake -S "$root" -B "$build" "${generator[@]}" >&2
fi
targets=(uk-bench-kvm corpus)
# uk-kvm-run is built where the tree has it (kvm-loader/).
if cmake --build "$build" --target help 2>/dev/null | grep -q 'uk-kvm-run'; then targets+=(uk-kvm-run); fi
cmake --build "$build" --target "${targets[@]}" >&2

vmm=$build/bin/uk-kvm-run
[[ -x $vmm ]] || die "uk-kvm-run not built"
[[ -r /dev/kvm && -w /dev/kvm ]] || die "/dev/kvm is missing or not accessible"
corpus=$build/unikernels
for app in helloworld lua; do
  for ext in desc elf; do
    [[ -f $corpus/$app/$app.kvm.$ext ]] || die "$corpus/$app/$app.kvm.$ext missing (uk-slt pack --platform kvm)"
  done
done

pool=$(mktemp -d /dev/shm/uk-bench-kvm-pool-XXXXXX)
trap 'rm -rf "$pool"' EXIT
trap 'exit 130' INT TERM
cp -p "$build"/pool/* "$pool"/

# QEMU is not a side here by default: its exit status for a guest that
# exited 0 through isa-debug-exit (1) is also its status when it cannot
# boot the image at all, so only pass --qemu where the image has its PVH
# note (bench/run-kvm-boot.sh compares boot times with QEMU).
qemu=()

# The benchmark prints its own exact command line in its output.
"$build/bin/uk-bench-kvm" --vmm "$vmm" --pool "$pool" \
  --hello-desc "$corpus/helloworld/helloworld.kvm.desc" --hello-elf "$corpus/helloworld/helloworld.kvm.elf" \
  --lua-desc "$corpus/lua/lua.kvm.desc" --lua-elf "$corpus/lua/lua.kvm.elf" "${qemu[@]}" "$@"
