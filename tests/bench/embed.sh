#!/usr/bin/env bash
# Embed bench (prints figures, never pass/fail): bytes before the first frame and script tag -> first frame on
# the blog page, beside hls.js with a plain <video> on the same stream. Needs build/native and build/wasm.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node tests/bench/embed/bench.mjs
