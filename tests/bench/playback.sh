#!/usr/bin/env bash
# Playback bench (prints figures, never pass/fail): livescope beside hls.js on the dev origin in headless Chromium.
# Assumes build/native (livescope-origin) and build/wasm are built. BENCH_SECONDS (default 60), LIVESCOPE_BIN and
# LIVESCOPE_WASM_DIR override the run length and the build folders.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node tests/bench/playback/bench.mjs
