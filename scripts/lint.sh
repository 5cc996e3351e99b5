#!/usr/bin/env bash
# Static checks, one line per tool ("lint: <tool> ok" or "lint: <tool> FAILED" after that tool's report), then
# one closing line. Exits non-zero when any tool found a problem. npm test runs it after the build.
#   C++:        clang-format (.clang-format) and clang-tidy (.clang-tidy, warnings as errors) over the core
#   JavaScript: ESLint (eslint.config.js) and tsc over JSDoc-typed JavaScript (jsconfig.json), over shim/,
#               scripts/, tests/, bench/ and client/
#   secrets:    secretlint's recommended rules (.secretlintrc.json) over every file git tracks or would add
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

failed=()

# ---- C++: clang-format over the core, its unit tests and fuzzers; clang-tidy over the core -----------------
cpp_sources() {
  git ls-files --cached --others --exclude-standard -- 'wasm/*.cpp' 'wasm/*.h' 'tests/unit/*.cpp' 'tests/unit/*.h' \
    'fuzz/*.cpp' 'fuzz/*.h'
}

# One unity batch through clang-tidy (warnings are errors, .clang-tidy); on success its stamp is written.
# suspicious-include is off here only because a batch is a file that includes .cpp files; tidy_core checks the
# core's own sources for that with grep instead.
tidy_one() {
  local source=$1 stamp=$2
  clang-tidy -p build/lint/database --quiet --checks=-bugprone-suspicious-include \
    --extra-arg=-Wno-unknown-warning-option "$source" >"$stamp.log" 2>&1 && mv "$stamp.log" "$stamp"
}
export -f tidy_one

# clang-tidy reads the core as the native build compiles it: in unity batches of up to 8 sources
# (CMakeLists.txt), so the headers every source includes (nlohmann above all) are parsed and matched once per
# batch instead of once per source: on two cores a fresh clone's run takes about a third of the time it took
# source by source. Diagnostics in a batched source are reported at that source's line (HeaderFilterRegex).
# A batch is checked again only when one of its sources, any core header or .clang-tidy changed since it last
# passed (stamps in build/lint/tidy), so a warm run costs seconds.
tidy_core() {
  local stamps=build/lint/tidy
  # The native configuration, configured only (a second or two, every time, so a new source is listed in a
  # batch): configuring writes the batches' sources, and the compile database lists one command for each.
  if ! cmake -S . -B build/lint/database -DCMAKE_BUILD_TYPE=Release -DUPGATE_UNITY_BUILD=ON >"$out/clang-tidy" 2>&1; then
    report clang-tidy 1 "$out/clang-tidy"
    return
  fi
  if git grep -n -E '#include "[^"]*\.cpp"' -- 'wasm/*' >"$out/clang-tidy"; then
    echo "a core source includes a .cpp file (bugprone-suspicious-include)" >>"$out/clang-tidy"
    report clang-tidy 1 "$out/clang-tidy"
    return
  fi
  mkdir -p "$stamps"
  local context batch stamp status=0
  context=$(git ls-files --cached --others --exclude-standard -- 'wasm/*.h' .clang-tidy | xargs cat | sha256sum | cut -c1-16)
  local batches pairs=()
  mapfile -t batches < <(find build/lint/database/wasm/CMakeFiles -path '*/Unity/unity_*_cxx.cxx' | sort)
  if [ ${#batches[@]} -eq 0 ]; then
    echo "no unity batches in build/lint/database" >"$out/clang-tidy"
    report clang-tidy 1 "$out/clang-tidy"
    return
  fi
  for batch in "${batches[@]}"; do
    # The batch's name and what it includes: its sources' paths and contents.
    stamp="$stamps/$(basename "$(dirname "$(dirname "$batch")")")_$(basename "$batch").$(
      { cat "$batch"; sed -n 's/^#include "\(.*\)"$/\1/p' "$batch" | xargs -d '\n' cat; } | sha256sum | cut -c1-16).$context"
    [ -f "$stamp" ] || pairs+=("$batch" "$stamp")
  done
  if [ ${#pairs[@]} -gt 0 ]; then
    printf '%s\0' "${pairs[@]}" | xargs -0 -n 2 -P "$(nproc)" bash -c 'tidy_one "$0" "$1"' || status=$?
    cat "$stamps"/*.log >"$out/clang-tidy" 2>/dev/null || true
    rm -f "$stamps"/*.log
  fi
  report clang-tidy "$status" "$out/clang-tidy"
}

lint_cpp() {
  local status=0
  cpp_sources | xargs clang-format --dry-run -Werror >"$out/clang-format" 2>&1 || status=$?
  report clang-format "$status" "$out/clang-format"
  tidy_core
}

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
  shim scripts tests bench client eslint.config.js > "$out/eslint" 2>&1 &
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
