#!/usr/bin/env bash
# Installs, from Debian packages only, whatever weft needs to build, test and
# benchmark. Idempotent: prints nothing and changes nothing when all is present.
set -euo pipefail

packages=(
  build-essential g++ clang-14 libclang-rt-14-dev cmake ninja-build
  libboost-context-dev libboost-dev libgtest-dev libgmock-dev libbenchmark-dev
  librapidcheck-dev relacy-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libconcurrentqueue-dev libatomic-queue-dev libtbb-dev chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "weft setup: missing packages: ${missing[*]}" >&2
  echo "weft setup: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi

echo "weft setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
