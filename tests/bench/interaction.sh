#!/usr/bin/env bash
# Benchmark (issue 5, interaction): the overlay's CPU time per frame inside headless Chromium (page wasm
# module, 1000 hearts + 50 comments), then the reference run beside it: tests/bench/overlay.sh (the same
# load natively and as wasm under node), then a heart's latency from one viewer to another through a real
# livescope-relay (reference: 500 ms, issue 5). Prints figures; never pass/fail. Run from the repo root after
# the lead's scripts/bench.sh built build/native and build/wasm (LIVESCOPE_WASM_DIR overrides the latter).
set -u
cd "$(dirname "$0")/../.."
WASM_DIR=${LIVESCOPE_WASM_DIR:-build/wasm}
FRAMES=${LIVESCOPE_BENCH_FRAMES:-600}

echo "=== interaction: overlay in the browser (${WASM_DIR}, ${FRAMES} frames, 1000 hearts, 50 comments)"
if [ -f "${WASM_DIR}/livescope_page.wasm" ]; then
  node tests/bench/interaction/browser_overlay.mjs --wasm "${WASM_DIR}" --frames "${FRAMES}" --hearts 1000 --comments 50 \
    || echo "interaction bench: the browser run failed"
else
  echo "interaction bench: ${WASM_DIR}/livescope_page.wasm missing (build the wasm preset)"
fi

echo "=== interaction: heart latency, viewer B's click -> viewer A (${WASM_DIR}, relay from build/native/bin; reference 500 ms)"
if [ -f "${WASM_DIR}/livescope_page.wasm" ]; then
  node tests/bench/interaction/heart_latency.mjs --wasm "${WASM_DIR}" --trials "${LIVESCOPE_BENCH_TRIALS:-8}" \
    || echo "interaction bench: the heart latency run failed"
else
  echo "interaction bench: ${WASM_DIR}/livescope_page.wasm missing (build the wasm preset)"
fi

echo "=== reference: tests/bench/overlay.sh (native and node wasm, same load)"
if [ -f tests/bench/overlay.sh ]; then
  bash tests/bench/overlay.sh || echo "interaction bench: the reference run failed"
else
  echo "interaction bench: tests/bench/overlay.sh not present yet"
fi
exit 0
