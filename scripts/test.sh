#!/usr/bin/env bash
# Every test: installs what is missing (Debian packages), then builds and runs
#   1. the CI preset (g++, optimised with assertions, warnings are errors): every test suite,
#      and the benchmarks are compiled;
#   2. the asan preset (clang, AddressSanitizer + UndefinedBehaviorSanitizer): every suite;
#   3. the tsan preset (clang, ThreadSanitizer): every suite;
#   4. the relacy preset (g++): the Relacy platform adapter, litmus tests and the mailbox
#      under Relacy's relaxed memory model (these also run in the ci and asan presets);
#   5. the fuzz preset (clang, libFuzzer): the trace reader fuzzer for 200,000 inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CTEST_PARALLEL_LEVEL="${CTEST_PARALLEL_LEVEL:-2}"
for preset in ci asan tsan relacy fuzz; do
  echo "==> weft: workflow preset ${preset}"
  cmake --workflow --preset "${preset}"
done
echo "==> weft: all test presets passed"
