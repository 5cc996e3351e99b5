#!/usr/bin/env bash
# Everything: toolchain, build, the static checks (scripts/lint.sh; a problem stops here), the C++ unit tests
# (ctest), then the Worker tests over HTTP in workerd.
# Ends with one line "N passed, N failed" summing both.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/build.sh
bash scripts/lint.sh
node scripts/run-tests.mjs
