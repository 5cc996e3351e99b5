#!/usr/bin/env bash
# Builds the core twice from the same sources: natively (unit tests) and as build/wasm/upgate.wasm, which
# shim/index.js imports. Afterwards `npx wrangler dev --env development` serves the Worker.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh

# Debian's em++ runs under the machine's Node and needs Debian's node modules (acorn) on the path.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
jobs=$(nproc)

[ -f build/wasm/CMakeCache.txt ] || emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/wasm -j "$jobs" -- --no-print-directory | grep -vE '^\[|^$' || true
test -s build/wasm/upgate.wasm

# A test fixture: a module whose every call traps, to prove the shim's own 500 path (tests/worker).
mkdir -p build/fixtures
[ build/fixtures/trap.wasm -nt tests/worker/fixtures/trap.wat ] ||
  wat2wasm tests/worker/fixtures/trap.wat -o build/fixtures/trap.wasm

if [ "${UPGATE_BUILD_NATIVE:-1}" = 1 ]; then
  [ -f build/native/CMakeCache.txt ] || cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/native -j "$jobs" -- --no-print-directory | grep -vE '^\[|^$' || true
  test -x build/native/unit_tests
fi
