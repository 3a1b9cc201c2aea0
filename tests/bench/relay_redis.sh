#!/usr/bin/env bash
# Relay scale-out benches on Redis, each beside one node in the same run (docs/relay.md, docs/scale.md):
# 1. comment latency p50/p99 across two relay nodes through Redis (--bus redis://...) beside one in-process relay,
#    same load (tests/bench/relay/relay_redis.mjs);
# 2. connections held over 3 nodes (goal 30,000) with RSS per connection per node, and fan-out p50/p99 at 100
#    comments/s to 3,000 receivers over the 3 nodes with the CPU of Redis and of each node
#    (tests/bench/relay/relay_scale.mjs; sizes from SCALE_* in its header; a few minutes at full size).
# Prints figures; never fails on numbers. RELAY_REDIS_BENCH_ONLY=latency|scale runs one of the two.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
# One descriptor per connection on both sides: raise the soft limit as far as the hard limit allows (children inherit).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
ONLY=${RELAY_REDIS_BENCH_ONLY:-}
[ "$ONLY" = scale ] || node "$ROOT/tests/bench/relay/relay_redis.mjs"
[ "$ONLY" = latency ] || timeout 900 node "$ROOT/tests/bench/relay/relay_scale.mjs"
