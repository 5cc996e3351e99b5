#!/usr/bin/env bash
# Static checks, one line per tool ("lint: <tool> ok" or "lint: <tool> FAILED" after that tool's report), then
# one closing line. Exits non-zero when any tool found a problem. npm test runs it after the build.
#   C++:        lint_cpp below
#   JavaScript: ESLint (eslint.config.js) and tsc over JSDoc-typed JavaScript (jsconfig.json), over shim/,
#               scripts/, tests/ and bench/
#   secrets:    secretlint's recommended rules (.secretlintrc.json) over every file git tracks or would add
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

failed=()

# ---- C++: filled in by the core's lint (clang-format, clang-tidy) -----------------------------------------
# Report with `report NAME STATUS OUTPUT-FILE` like the JavaScript tools below, or append to `failed` directly.
lint_cpp() { :; }

# ---- helpers ---------------------------------------------------------------------------------------------
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# report NAME STATUS FILE: the tool's own output only when it failed, then its one line.
report() {
  local name=$1 status=$2 file=$3
  if [ "$status" -eq 0 ]; then
    echo "lint: $name ok"
  else
    cat "$file"
    echo "lint: $name FAILED (exit $status)"
    failed+=("$name")
  fi
}

lint_cpp

bin=node_modules/.bin
for tool in eslint tsc secretlint; do
  if [ ! -x "$bin/$tool" ]; then
    echo "lint: $bin/$tool is missing: install the npm packages first (npm ci, or npm run build)" >&2
    exit 1
  fi
done

# The files secretlint reads: tracked or new (not ignored), still present.
while IFS= read -r -d '' file; do
  if [ -f "$file" ]; then printf '%s\0' "$file"; fi
done < <(git ls-files -z --cached --others --exclude-standard) > "$out/files"

# The three tools run at once; each one's output is kept for its report.
"$bin/eslint" --max-warnings=0 --cache --cache-location node_modules/.cache/eslint/ \
  shim scripts tests bench eslint.config.js > "$out/eslint" 2>&1 &
eslint_pid=$!
"$bin/tsc" -p jsconfig.json --pretty false > "$out/tsc" 2>&1 &
tsc_pid=$!
xargs -0 -r -a "$out/files" "$bin/secretlint" --no-glob --no-color --secretlintrc .secretlintrc.json \
  > "$out/secretlint" 2>&1 &
secretlint_pid=$!

status=0; wait "$eslint_pid" || status=$?; report eslint "$status" "$out/eslint"
status=0; wait "$tsc_pid" || status=$?; report tsc "$status" "$out/tsc"
status=0; wait "$secretlint_pid" || status=$?; report secretlint "$status" "$out/secretlint"

if [ ${#failed[@]} -eq 0 ]; then
  echo "lint: clean"
else
  echo "lint: problems found by ${failed[*]}"
  exit 1
fi
