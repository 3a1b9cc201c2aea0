#!/usr/bin/env bash
# Overlay benchmark: CPU ms/frame (mean, p50, p95 over 600 frames) with 1000 hearts and 50 comments,
# native next to wasm under node. Prints figures; never pass/fail. Run from the repo root after
# scripts/bench.sh built build/native and build/wasm (or set NATIVE_BUILD / WASM_BUILD).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NATIVE_BUILD=${NATIVE_BUILD:-$ROOT/build/native}
WASM_BUILD=${WASM_BUILD:-$ROOT/build/wasm}
FRAMES=${FRAMES:-600}
HEARTS=${HEARTS:-1000}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

find_bin() { # build-dir name
  for f in "$1/bin/$2" "$1/tests/bench/overlay/$2"; do [ -f "$f" ] && { echo "$f"; return 0; }; done
  return 1
}
ensure() { # build-dir target
  find_bin "$1" "$2" >/dev/null && return 0
  [ -f "$1/build.ninja" ] && cmake --build "$1" --target "$2" -j2 >/dev/null 2>&1
  find_bin "$1" "$2" >/dev/null
}

echo "== overlay: ${HEARTS} hearts, 50 comments, ${FRAMES} frames, 1280x720, headless ImGui (budget: 2 ms/frame)"
native_out="(not built: $NATIVE_BUILD)"
if ensure "$NATIVE_BUILD" bench_overlay; then
  native_out=$("$(find_bin "$NATIVE_BUILD" bench_overlay)" "$FRAMES" "$HEARTS" 2>&1)
fi
wasm_out="(not built: $WASM_BUILD)"
if ensure "$WASM_BUILD" bench_overlay.js; then
  # package.json says "type": "module" but Emscripten's output is CommonJS: run a .cjs copy, with
  # the .wasm beside it.
  js=$(find_bin "$WASM_BUILD" bench_overlay.js)
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cp -f "$js" "$tmp/bench_overlay.cjs"
  cp -f "${js%.js}.wasm" "$tmp/"
  wasm_out=$(node --no-experimental-fetch "$tmp/bench_overlay.cjs" "$FRAMES" "$HEARTS" 2>&1)
fi
echo "-- native ($(uname -m), $(basename "$NATIVE_BUILD"))"
echo "$native_out"
echo "-- wasm under node $(node --version 2>/dev/null) ($(basename "$WASM_BUILD"))"
echo "$wasm_out"
echo "-- side by side (overlay ms/frame: mean / p50 / p95)"
row() { echo "$2" | awk -v n="$1" '/^overlay /{printf "%-8s %8s %8s %8s\n", n, $4, $6, $8; f=1} END{if(!f) printf "%-8s %8s\n", n, "n/a"}'; }
printf '%-8s %8s %8s %8s\n' target mean p50 p95
row native "$native_out"
row wasm "$wasm_out"
exit 0
