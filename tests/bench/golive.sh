#!/usr/bin/env bash
# Go-live bench (prints figures, never pass/fail): glass-to-glass latency p50/p95 from the browser studio (WebCodecs and
# MediaRecorder paths, fake camera in headless Chromium) to a livescope widget and to hls.js on the same broadcast;
# RTMP and SRT legs (ffmpeg -re pushes, "ingest-to-glass") when the origin has --rtmp-port / --srt-port.
# The WebCodecs studio runs on a ladder whose top rendition it fits (720p,360p): once copied, once with --top-copy off.
# Then copy_latency.mjs compares the two paths without a browser (capture to part listed, encoder CPU).
# Assumes build/native (livescope-origin, livescope-relay) and build/wasm are built. BENCH_SECONDS (default 60) per leg;
# GOLIVE_LEGS (copy,transcode,mediarecorder,rtmp,srt) picks legs; COPY_SECONDS (default 15) for copy_latency.
set -euo pipefail
cd "$(dirname "$0")/../.."
node tests/bench/golive/bench.mjs
exec node tests/bench/golive/copy_latency.mjs
