#!/usr/bin/env bash
# The README test command: installs what is missing, builds, and runs every test tier
# (unit: native doctest + bounded fuzzing via ctest; wasm: the core tests under node; e2e: headless Chromium).
# Each tier ends with "<tier>: N passed, N failed"; the last line totals them. Exits non-zero when any
# tier fails or runs no test. Benchmarks are separate: scripts/bench.sh.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export NODE_PATH=/usr/share/nodejs
LOGS="$ROOT/build/test-logs"
say() { printf '\n=== %s\n' "$*"; }

T0=$(date +%s)
TIMES=() # "<phase> <seconds>" in run order, printed at the end
phase_start=$T0
phase_done() { local now; now=$(date +%s); TIMES+=("$1 $((now - phase_start))"); printf '%s took %d s\n' "$1" "$((now - phase_start))"; phase_start=$now; }
bash scripts/bootstrap.sh || exit 1
phase_done bootstrap
bash scripts/build.sh native wasm fuzz || exit 1
phase_done build
mkdir -p "$LOGS"
bash scripts/sizes.sh

total_pass=0; total_fail=0; bad_tier=0
tier_result() { # name passed failed
  printf '%s: %d passed, %d failed\n' "$1" "$2" "$3"
  total_pass=$((total_pass + $2)); total_fail=$((total_fail + $3))
  if [ "$3" -gt 0 ] || [ "$(( $2 + $3 ))" -eq 0 ]; then bad_tier=1; [ "$(( $2 + $3 ))" -eq 0 ] && echo "$1: ran no test"; fi
}
# ctest over a build dir; counts doctest cases (and fuzz targets) from the per-test output.
ctest_tier() { # name build-dir...
  local name=$1; shift
  local pass=0 fail=0 log="$LOGS/$name.log"
  : >"$log"
  for dir in "$@"; do
    ctest --test-dir "$dir" --output-on-failure -V -j"${LIVESCOPE_JOBS:-2}" --timeout 600 >>"$log" 2>&1
    local p f
    p=$(grep -cE '^[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$log" || true)
    f=$(grep -cE '^[0-9]+/[0-9]+ Test +#[0-9]+: .*(Failed|Timeout|Exception|Not Run)' "$log" || true)
    pass=$p; fail=$f
  done
  grep -E '^[0-9]+/[0-9]+ Test +#|tests passed|^\s*[0-9]+: \[doctest\] test cases' "$log" | sed 's/^/  /'
  grep -E 'Test +#.*(Failed|Timeout|Exception)' -A0 "$log" >/dev/null && grep -B40 -E '^[0-9]+/[0-9]+ Test +#.*(Failed|Timeout|Exception)' "$log" | tail -80
  local cases_pass cases_fail
  sed -i 's/\x1b\[[0-9;]*m//g' "$log" # doctest colours its summary when run under node
  cases_pass=$(grep -oE '\[doctest\] test cases: +[0-9]+ \| +[0-9]+ passed' "$log" | awk '{s+=$(NF-1)} END{print s+0}')
  cases_fail=$(grep -oE '\| +[0-9]+ failed \| +[0-9]+ skipped' "$log" | awk '{s+=$2} END{print s+0}')
  printf '  (%d doctest cases passed, %d failed, in %d executables)\n' "$cases_pass" "$cases_fail" "$((pass + fail))"
  tier_result "$name" "$pass" "$fail"
}

say "tier unit (native doctest + bounded libFuzzer runs)"
ctest_tier unit build/native build/fuzz
phase_done "tier unit"

say "tier wasm (core tests compiled with Emscripten, run under node)"
ctest_tier wasm build/wasm
phase_done "tier wasm"

say "tier e2e (headless Chromium via playwright-core)"
e2e_log="$LOGS/e2e.log"
# Broadcasts the tests publish are recorded (docs/replay.md): into build/, emptied at each run, never the repo root.
export LIVESCOPE_DATA_DIR="$ROOT/build/test-data"
rm -rf "$LIVESCOPE_DATA_DIR"
shopt -s nullglob
e2e_files=(tests/e2e/*.test.mjs)
node --test --test-concurrency=1 --test-timeout=600000 "${e2e_files[@]}" 2>&1 | tee "$e2e_log" | grep -vE '^\s+(duration_ms|\.\.\.|---|type:)' 
pass=$(grep -E '^# pass ' "$e2e_log" | awk '{print $3}'); fail=$(grep -E '^# fail ' "$e2e_log" | awk '{print $3}')
tier_result e2e "${pass:-0}" "${fail:-1}"
phase_done "tier e2e"

say "summary"
for t in "${TIMES[@]}"; do printf '  time: %-10s %5d s\n' "${t% *}" "${t##* }"; done
printf '  time: %-10s %5d s\n' total "$(( $(date +%s) - T0 ))"
echo "artifacts (screenshots): build/test-artifacts/"
if [ $bad_tier -ne 0 ]; then echo "a tier failed or ran no test"; fi
echo "total: $total_pass passed, $total_fail failed"
exit $bad_tier
