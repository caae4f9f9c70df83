#!/usr/bin/env bash
# The main job: installs what is missing (Debian packages), builds weft optimised, and runs
# `weft explore` over the built-in catalogue of concurrency bugs and their fixed twins.
# Extra arguments go to `weft explore` (e.g. ./scripts/demo.sh lost-update --strategy pct).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --workflow --preset release >/dev/null
exec build/release/checker/weft explore "$@"
