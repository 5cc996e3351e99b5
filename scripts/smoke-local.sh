#!/usr/bin/env bash
# The smoke suite (scripts/smoke.mjs) against a local `wrangler dev --env development`, as `npm test` runs it:
# starts wrangler on a free loopback port with a throwaway persistence dir (build/smoke-state, wiped first),
# waits for /healthz, runs the suite with the secrets from .dev.vars, always stops wrangler and its workerd
# children, and exits with the suite's status. Assumes build/wasm/upgate.wasm is built (npm test builds first).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ ! -f build/wasm/upgate.wasm ]; then
  echo "[smoke] build/wasm/upgate.wasm is missing: run npm run build first" >&2
  exit 1
fi
bash scripts/dev-vars.sh # writes .dev.vars only when it is missing

free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}
port="$(free_port)"
inspector_port="$(free_port)"
while [ "$inspector_port" = "$port" ]; do inspector_port="$(free_port)"; done
base="http://127.0.0.1:$port"
state="build/smoke-state"
log="build/smoke-wrangler.log"
healthz_timeout="${SMOKE_HEALTHZ_TIMEOUT:-60}"

rm -rf "$state"
mkdir -p build
: > "$log"

export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false
# Its own session and process group, so it and everything it spawns (npx -> wrangler -> workerd) can be stopped
# together by process group id; stdin from /dev/null keeps wrangler out of its interactive mode.
setsid npx wrangler dev --env development --ip 127.0.0.1 --port "$port" --inspector-port "$inspector_port" \
  --persist-to "$state" --show-interactive-dev-session=false </dev/null >"$log" 2>&1 &
wrangler_pid=$!

# Every descendant of a pid, read from /proc (no procps needed).
descendants() {
  local -A parent_of=()
  local stat_file stat rest pid queue next
  for stat_file in /proc/[0-9]*/stat; do
    # A process can end between the glob and the read; the group keeps the shell's own error quiet too.
    { read -r stat <"$stat_file"; } 2>/dev/null || continue
    pid="${stat%% *}"
    rest="${stat##*) }" # after the command name, which may contain spaces
    read -r _ next _ <<<"$rest"
    parent_of[$pid]="$next"
  done
  queue=" $1 "
  while [ -n "${queue// /}" ]; do
    next=""
    for pid in "${!parent_of[@]}"; do
      if [[ "$queue" == *" ${parent_of[$pid]} "* ]]; then
        echo "$pid"
        next+=" $pid "
      fi
    done
    queue="$next"
  done
}

stop_wrangler() {
  local pids pid waited=0
  [ -n "${wrangler_pid:-}" ] || return 0
  # Remember the whole tree first: a child that leaves the group is still ours to stop.
  pids="$wrangler_pid $(descendants "$wrangler_pid" | tr '\n' ' ')"
  kill -TERM -- "-$wrangler_pid" 2>/dev/null || true
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
  while [ "$waited" -lt 50 ]; do
    local alive=0
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
    waited=$((waited + 1))
  done
  for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
  kill -KILL -- "-$wrangler_pid" 2>/dev/null || true
  wait "$wrangler_pid" 2>/dev/null || true
  wrangler_pid=""
}

on_exit() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "${poll_pid:-}" ]; then kill -TERM "$poll_pid" 2>/dev/null || true; fi
  stop_wrangler
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "[smoke] wrangler dev --env development on $base (log: $log, state: $state)"
started=$SECONDS
# Polls /healthz with node's fetch (curl is not on every fresh machine); gives up early if wrangler exits.
# Run in the background and waited for, so a TERM/INT to this script is handled at once, not after the poll.
node --input-type=module - "$base/healthz" "$wrangler_pid" "$healthz_timeout" <<'POLL' &
const [url, pid, seconds] = process.argv.slice(2);
const deadline = Date.now() + Number(seconds) * 1000;
const alive = () => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
for (;;) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    if (response.ok) process.exit(0);
  } catch {}
  if (!alive()) { console.error("[smoke] wrangler dev exited before serving /healthz"); process.exit(1); }
  if (Date.now() >= deadline) { console.error(`[smoke] /healthz did not answer within ${seconds} s`); process.exit(1); }
  await new Promise((resolve) => setTimeout(resolve, 250));
}
POLL
poll_pid=$!
poll_status=0
wait "$poll_pid" || poll_status=$?
poll_pid=""
if [ "$poll_status" -ne 0 ]; then
  echo "[smoke] the wrangler log:" >&2
  tail -n 60 "$log" >&2
  exit 1
fi
echo "[smoke] /healthz answered after $((SECONDS - started)) s"

status=0
node scripts/smoke.mjs "$base" --dev-secret-from .dev.vars || status=$?
if [ "$status" -ne 0 ]; then
  echo "[smoke] the suite failed; the last lines of the wrangler log:" >&2
  tail -n 40 "$log" >&2
fi
exit "$status"
