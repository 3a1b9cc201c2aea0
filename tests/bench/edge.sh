#!/bin/sh
# Benchmark: livescope-origin behind the nginx edge cache against direct, in one run (tests/bench/edge.mjs): hinted part
# time to first/last byte, end-to-end part latency, origin requests per second and per part for 1, 100 and 1,000
# simulated followers. Prints figures; never pass/fail. Run from anywhere after build/native is built (LIVESCOPE_BIN
# overrides). About 2 minutes (8 phases of EDGE_BENCH_S=12 s).
set -e
cd "$(dirname "$0")/../.."
# 1,000 followers hold about 2,000 sockets on each side: raise the soft open-file limit as far as the hard one allows.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec node tests/bench/edge.mjs "$@"
