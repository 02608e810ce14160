#!/usr/bin/env bash
# Installs every build and test dependency from Debian's packages, then
# fetches the third-party sources (scripts/fetch-sources.sh).
# Idempotent: packages already installed are skipped; apt is only called
# when something is missing. Needs root (or sudo) for the install step.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

packages=(
  build-essential cmake ninja-build pkg-config binutils util-linux
  libzydis-dev libffi-dev libcli11-dev googletest libgtest-dev libbenchmark-dev
  musl-dev musl-tools nlohmann-json3-dev libfmt-dev libssl-dev
  # third-party workloads: apt-get source (dpkg-source), SQLite's amalgamation
  # (tclsh); the host references of their tests
  dpkg-dev tcl sqlite3 libsqlite3-dev lua5.4 zlib1g-dev
  # examples/bzip2: the host reference of its test (tests/install)
  bzip2
  # nginx: its configure and make (make is in build-essential); the HTTP
  # client of its tests
  curl
  # real Unikraft builds (unikraft-patches/build.sh): kconfig needs flex and
  # bison, Unikraft's support scripts python3
  flex bison python3
  # fuzzers (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
  clang-14 libclang-rt-14-dev
  # the KVM image booted by a standard monitor (tests/qemu, bench/run-kvm-boot.sh):
  # qemu-system-x86_64 -M microvm -kernel APP.kvm.elf
  qemu-system-x86
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} dependencies present"
else
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: done"
fi

# Upstream sources of zlib, SQLite, Lua and nginx (cached: offline once fetched).
"$here/fetch-sources.sh"
