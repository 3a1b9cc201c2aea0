#!/usr/bin/env bash
# Go-live bench (prints figures, never pass/fail): glass-to-glass latency p50/p95 from the browser studio (WebCodecs and
# MediaRecorder paths, fake camera in headless Chromium) to a livescope widget and to hls.js on the same broadcast;
# RTMP and SRT legs (ffmpeg -re pushes, "ingest-to-glass") when the origin has --rtmp-port / --srt-port.
# Assumes build/native (livescope-origin, livescope-relay) and build/wasm are built. BENCH_SECONDS (default 60) per leg.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node tests/bench/golive/bench.mjs
