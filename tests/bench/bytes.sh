#!/usr/bin/env bash
# Bytes bench (issue 16; prints figures, never pass/fail): per file, brotli, everything the widget fetches before its
# first frame on the WebCodecs path and on the wasm path, beside the goal (300 KB) and hls.js's hls.min.js.
# Needs build/native (the dev origin) and build/wasm/dist.
set -euo pipefail
cd "$(dirname "$0")/../.."
node tests/bench/bytes/bench.mjs
# Where the worker and page wasm bytes come from, by origin (docs/decode.md "Where the bytes are"; relinks each module
# into a temporary directory, a minute or two): LIVESCOPE_BYTES_BREAKDOWN=1.
if [ "${LIVESCOPE_BYTES_BREAKDOWN:-0}" = 1 ]; then node tests/bench/bytes/breakdown.mjs; fi
