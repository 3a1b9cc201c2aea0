#!/usr/bin/env bash
# Bytes bench (issue 16; prints figures, never pass/fail): per file, brotli, everything the widget fetches before its
# first frame on the WebCodecs path and on the wasm path, beside the goal (300 KB) and hls.js's hls.min.js.
# Needs build/native (the dev origin) and build/wasm/dist.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node tests/bench/bytes/bench.mjs
