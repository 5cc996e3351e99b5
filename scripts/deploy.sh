#!/usr/bin/env bash
# Builds and deploys one environment: npm run deploy -- production   (extra arguments go to wrangler deploy,
# e.g. --dry-run --outdir dist).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
environment="${1:-}"
case "$environment" in
  development|production) shift ;;
  *) echo "usage: npm run deploy -- <development|production> [wrangler deploy options]" >&2; exit 2 ;;
esac
UPGATE_BUILD_NATIVE=0 bash scripts/build.sh
exec npx wrangler deploy --env "$environment" "$@"
