#!/usr/bin/env bash
# Installs every build and test dependency from Debian's packages.
# Idempotent: packages already installed are skipped; apt is only called
# when something is missing. Needs root (or sudo) for the install step.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config binutils util-linux
  libzydis-dev libffi-dev libcli11-dev googletest libgtest-dev libbenchmark-dev
  musl-dev musl-tools nlohmann-json3-dev libfmt-dev libssl-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} dependencies present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
