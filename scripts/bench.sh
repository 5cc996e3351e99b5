#!/usr/bin/env bash
# `npm run bench`: builds the wasm core (not the native unit tests), then measures Upgate against a plain-JS
# reference Worker and a minimal floor, both doing Upgate's Durable Object and KV I/O, in workerd on 127.0.0.1
# (bench/run.mjs). Extra arguments go to bench/run.mjs, e.g. `npm run bench -- --duration 5 --only presign,size`. Tables: build/bench/results.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
UPGATE_BUILD_NATIVE=0 bash scripts/build.sh
exec node bench/run.mjs "$@"
