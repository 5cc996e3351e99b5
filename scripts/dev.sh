#!/usr/bin/env bash
# Installs what is missing, builds, and serves the Worker on http://127.0.0.1:8787 with local R2 and KV,
# development secrets from .dev.vars, no Cloudflare account and no internet.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
UPGATE_BUILD_NATIVE=0 bash scripts/build.sh
bash scripts/dev-vars.sh
export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false
exec npx wrangler dev --env development --ip 127.0.0.1 --port "${PORT:-8787}" "$@"
