#!/usr/bin/env bash
# The C++ unit tests again, built in the fuzz configuration (clang-14, AddressSanitizer and
# UndefinedBehaviorSanitizer, its libraries shared with the fuzzers), so memory and undefined-behaviour bugs
# the plain native run would miss fail the run. Prints doctest's summary; exits non-zero on any failure.
#   scripts/unit-sanitized.sh --build-only   build them and stop (scripts/test.sh builds before any test runs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out=build/fuzz
# Configured every time (a second or two): a new test file or target must be seen.
cmake -S . -B "$out" -DUPGATE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Release >/dev/null
if ! cmake --build "$out" -j "$(nproc)" --target unit_tests >"$out/unit-build.log" 2>&1; then
  grep -E 'error|Error' "$out/unit-build.log" | head -n 40 >&2 || true
  echo "[unit-sanitized] build failed; full log in $out/unit-build.log" >&2
  exit 1
fi
[ "${1:-}" = "--build-only" ] && exit 0
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/unit_tests"
