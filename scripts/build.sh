#!/usr/bin/env bash
# Builds the core twice from the same sources: natively (unit tests) and for wasm: build/wasm/upgate.wasm,
# which shim/index.js imports, and build/wasm/upgate-probe.wasm, the same module with the probe ops the Worker
# tests and the bench use. Afterwards `npx wrangler dev --env development` serves the Worker.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh

# Debian's em++ runs under the machine's Node and needs Debian's node modules (acorn) on the path.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
jobs=$(nproc)

# Builds one configuration, showing only what is not progress; fails when the build fails.
build() {
  local status
  set +e
  cmake --build "$1" -j "$jobs" -- --no-print-directory 2>&1 | grep -vE '^\[|^$'
  status=${PIPESTATUS[0]}
  set -e
  return "$status"
}

[ -f build/wasm/CMakeCache.txt ] || emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
build build/wasm
test -s build/wasm/upgate.wasm
test -s build/wasm/upgate-probe.wasm

# A test fixture: a module whose every call traps, to prove the shim's own 500 path (tests/worker).
mkdir -p build/fixtures
[ build/fixtures/trap.wasm -nt tests/worker/fixtures/trap.wat ] ||
  wat2wasm tests/worker/fixtures/trap.wat -o build/fixtures/trap.wasm

if [ "${UPGATE_BUILD_NATIVE:-1}" = 1 ]; then
  [ -f build/native/CMakeCache.txt ] || cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
  build build/native
  test -x build/native/unit_tests
fi
