#!/usr/bin/env bash
# Everything: toolchain, build (the fuzz configuration too, so no compiler competes with the tests for the CPU),
# the static checks (scripts/lint.sh; a problem stops here), then every suite (scripts/run-tests.mjs: the C++
# unit tests, the Worker, browser and script tests over HTTP in workerd, smoke, fuzz, the units under sanitizers).
# Ends with one line "N passed, N failed" summing them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/build.sh
bash scripts/fuzz.sh --build-only
bash scripts/unit-sanitized.sh --build-only
bash scripts/lint.sh
node scripts/run-tests.mjs
