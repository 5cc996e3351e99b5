#!/usr/bin/env bash
# The gated deploy of one environment: npm run deploy -- production [--dry-run]
# scripts/deploy.mjs builds (UPGATE_BUILD_NATIVE=0 bash scripts/build.sh), uploads a new version, runs the smoke
# suite against its preview URL and deploys it only when the suite passes; --dry-run prints those steps and
# runs none (not even the build). The smoke token comes from UPGATE_SMOKE_TOKEN.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
exec node scripts/deploy.mjs "$@"
