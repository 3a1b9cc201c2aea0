#!/bin/sh
# Benchmark: livescope-origin behind the nginx edge cache against direct, in one run (tests/bench/edge.mjs): hinted part
# time to first/last byte, end-to-end part latency, origin requests per second for 1 and 100 simulated followers.
# Prints figures; never pass/fail. Run from anywhere after build/native is built (LIVESCOPE_BIN overrides).
set -e
cd "$(dirname "$0")/../.."
exec node tests/bench/edge.mjs "$@"
