#!/usr/bin/env bash
# Everything: toolchain, build (the fuzz configuration too, so no compiler competes with the tests for the CPU),
# the static checks (scripts/lint.sh; a problem stops here), then every suite (scripts/run-tests.mjs: the C++
# unit tests, the Worker, browser and script tests over HTTP in workerd, smoke, fuzz, the units under sanitizers).
# Prints how long each phase before the suites took (where a cold run's time goes), and ends with one line
# "N passed, N failed" summing the suites.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Runs one phase and says how long it took.
phase() {
  local name=$1 started=$SECONDS
  shift
  "$@"
  printf '[test] %s: %d s\n' "$name" $((SECONDS - started))
}

phase "toolchain and core build" bash scripts/build.sh
phase "fuzz build" bash scripts/fuzz.sh --build-only
phase "sanitized unit build" bash scripts/unit-sanitized.sh --build-only
phase "lint" bash scripts/lint.sh
node scripts/run-tests.mjs  # last: its summary line ends the output
