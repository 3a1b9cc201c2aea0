#!/bin/sh
# Benchmark: livescope-origin CPU (origin + its ffmpeg) for the default and light modes, side by side with the same
# ffmpeg command run alone (the reference: encode cost without the origin), and hundreds of concurrent blocked requests.
# Prints figures; never pass/fail. Run from the repo root after build/native is built (LIVESCOPE_BIN overrides).
set -e
cd "$(dirname "$0")/../.."
exec node tests/bench/origin_bench.mjs "$@"
