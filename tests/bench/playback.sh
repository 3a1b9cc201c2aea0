#!/usr/bin/env bash
# Playback bench (prints figures, never pass/fail): livescope, then hls.js + <video>, each alone on the dev origin in one
# headless Chromium (BENCH_TOGETHER=1: both at once): latency p50/p95, dropped fps (by cause) and stalls at steady state,
# decoded fps, the latency target, both heaps, page frame cost, rAF rates. Assumes build/native (livescope-origin) and
# build/wasm are built. BENCH_SECONDS (default 60, per player), LIVESCOPE_BIN and
# LIVESCOPE_WASM_DIR override the run length and the build folders; BENCH_WARMUP (default 10 s) is left out of the
# steady-state figures, BENCH_VERBOSE=1 prints every second and every drop, BENCH_DEBUG=1 shows the stats panel,
# BENCH_DECODER=wasm|webcodecs forces the decoder path, BENCH_UPLOAD=frame|planes the WebCodecs upload path. Say the load
# (uptime) with the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node tests/bench/playback/bench.mjs
