#!/usr/bin/env bash
# libFuzzer over the core's untrusted-input entry points (one fuzz/<target>.cpp per target).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   fuzz each target for SECONDS (default 30); `npm run fuzz -- 60`
#   scripts/fuzz.sh --short [TARGET...]     5 seconds per target (what CI runs)
#   scripts/fuzz.sh --build-only            build the fuzzers and stop
#
# Builds the CMake project's fuzz configuration (clang++-14, -fsanitize=fuzzer,address,undefined) into
# build/fuzz, incrementally. Installs nothing: clang-14, lld-14 and libclang-rt-14-dev come from
# scripts/bootstrap.sh, which also fetches Crypto++ into third_party/.
#
# Per target: first replays fuzz/regressions/<target>/* (crash inputs kept so fixed bugs stay fixed), then
# fuzzes from the seeds in fuzz/corpus/<target> plus the working corpus build/fuzz/corpus/<target> (where new
# inputs go; the seed folder is never written). A crash leaves its input in build/fuzz/artifacts/<target>/;
# copy it to fuzz/regressions/<target>/ to keep it. Prints one line per target (name, executions, seconds,
# crashes), then "N passed, N failed"; exits non-zero when any target crashed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

seconds=30
build_only=0
targets=()
for arg in "$@"; do
  case "$arg" in
    --short) seconds=5 ;;
    --build-only) build_only=1 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    ''|*[!0-9]*) targets+=("$arg") ;;
    *) seconds="$arg" ;;
  esac
done
if [ "$seconds" -lt 1 ]; then echo "fuzz: SECONDS must be at least 1" >&2; exit 2; fi

CXX=clang++-14
out=build/fuzz
log() { printf '[fuzz] %s\n' "$*" >&2; }

command -v "$CXX" >/dev/null || { log "$CXX not found: run scripts/bootstrap.sh"; exit 1; }
[ -f third_party/cryptopp/sha.cpp ] || { log "Crypto++ source missing in third_party/cryptopp: run scripts/bootstrap.sh"; exit 1; }
[ -d /usr/include/nlohmann ] || { log "nlohmann-json3-dev missing: run scripts/bootstrap.sh"; exit 1; }
[ -f "$("$CXX" -print-file-name=libclang_rt.fuzzer-x86_64.a)" ] ||
  { log "libFuzzer runtime missing (libclang-rt-14-dev): run scripts/bootstrap.sh"; exit 1; }

# Every fuzz/<name>.cpp is a target.
all_targets=()
for source in fuzz/*.cpp; do
  [ -e "$source" ] || continue
  name="$(basename "$source" .cpp)"
  all_targets+=("$name")
done
[ ${#all_targets[@]} -gt 0 ] || { log "no fuzz/*.cpp targets"; exit 1; }
if [ ${#targets[@]} -eq 0 ]; then
  targets=("${all_targets[@]}")
else
  for t in "${targets[@]}"; do
    [ -f "fuzz/$t.cpp" ] || { log "unknown target $t (have: ${all_targets[*]})"; exit 2; }
  done
fi

# ---- build: the fuzz configuration of the CMake project, incremental --------------------------------------
[ -f "$out/CMakeCache.txt" ] ||
  cmake -S . -B "$out" -DUPGATE_FUZZ=ON -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE=Release > /dev/null
# A target added since the last configure is unknown to the generated Makefile until CMake runs again.
for t in "${targets[@]}"; do
  grep -q "^$t:" "$out/Makefile" || { cmake "$out" > /dev/null; break; }
done
build_log="$out/build.log"
if ! cmake --build "$out" -j "$(nproc)" --target "${targets[@]}" > "$build_log" 2>&1; then
  grep -E 'error|Error' "$build_log" | head -n 40 >&2 || true
  log "build failed; full log in $build_log"
  exit 1
fi
grep -E 'warning:' "$build_log" >&2 || true
[ "$build_only" = 1 ] && { log "built: ${targets[*]} in $out"; exit 0; }

# Tokens the parsers compare against (fuzz/dictionaries), so mutations reach past the first checks sooner.
max_len_for() {
  case "$1" in
    jwt_verify) echo 9000 ;;       # past the 8 KiB token limit
    jwt_jwks|request_json|dispatch_http) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

# ---- run ----------------------------------------------------------------------------------------------------
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
passed=0
failed=0
for t in "${targets[@]}"; do
  bin="$out/$t"
  logs="$out/logs"
  artifacts="$out/artifacts/$t"
  work_corpus="$out/corpus/$t"
  mkdir -p "$logs" "$artifacts" "$work_corpus"
  crashes=0

  # Regressions: each kept crash input must now run clean.
  if [ -d "fuzz/regressions/$t" ]; then
    while IFS= read -r -d '' input; do
      if ! "$bin" -runs=1 "$input" > "$logs/$t.regression.log" 2>&1; then
        crashes=$((crashes + 1))
        log "$t: regression input $input crashes again (see $logs/$t.regression.log)"
        tail -n 30 "$logs/$t.regression.log" >&2
      fi
    done < <(find "fuzz/regressions/$t" -maxdepth 1 -type f ! -name '.*' -print0 | sort -z)
  fi

  seeds=()
  [ -d "fuzz/corpus/$t" ] && seeds+=("fuzz/corpus/$t")
  dict=()
  [ -f "fuzz/dictionaries/$t.dict" ] && dict+=("-dict=fuzz/dictionaries/$t.dict")
  stamp="$artifacts/.started"
  touch "$stamp"
  start_ns=$(date +%s%N)
  status=0
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len_for "$t")" \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" "$work_corpus" "${seeds[@]}" \
    > "$logs/$t.log" 2>&1 || status=$?
  end_ns=$(date +%s%N)
  elapsed=$(( (end_ns - start_ns) / 1000000000 ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$logs/$t.log" | tail -n 1)
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$logs/$t.log" | tail -n 1 | tr -d '#')
  [ -n "$execs" ] || execs=0
  new_artifacts=$(find "$artifacts" -maxdepth 1 -type f -newer "$stamp" ! -name '.*' | sort)
  if [ "$status" -ne 0 ]; then
    found=$(printf '%s' "$new_artifacts" | grep -c . || true)
    crashes=$((crashes + (found > 0 ? found : 1)))
    log "$t: fuzzer exited with status $status; log in $logs/$t.log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|invariant failed|.*runtime error)' "$logs/$t.log" | head -n 5 >&2 || true
    for a in $new_artifacts; do log "$t: crash input $a (keep it as fuzz/regressions/$t/$(basename "$a"))"; done
  fi
  printf '%-14s %12s executions %5s s %3s crashes\n' "$t" "$execs" "$elapsed" "$crashes"
  if [ "$crashes" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
