#!/usr/bin/env bash
# Benchmark (issue 13, the room in a replay): time from a seek to the first replayed frame with its overlay, beside
# the time from the same seek to the first frame alone (tests/bench/replay_seek.mjs: a 60 s ffmpeg VOD and a relay log
# speaking the contract, served on loopback; the widget in headless Chromium). Prints figures; never pass/fail. Run
# from the repo root once build/wasm is built (LIVESCOPE_WASM_DIR overrides it).
set -u
cd "$(dirname "$0")/../.."
WASM_DIR=${LIVESCOPE_WASM_DIR:-build/wasm}
echo "=== replay_seek: seek -> first frame with the room's overlay, beside seek -> first frame (${WASM_DIR})"
node tests/bench/replay_seek.mjs --wasm "${WASM_DIR}" --trials "${LIVESCOPE_BENCH_TRIALS:-8}" || echo "replay_seek bench: the run failed"
exit 0
