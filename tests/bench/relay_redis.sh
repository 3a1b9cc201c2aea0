#!/usr/bin/env bash
# Relay scale-out bench: comment latency p50/p99 across two relay nodes through Redis (--bus redis://...) beside
# one in-process relay, same load, same run (tests/bench/relay/relay_redis.mjs). Prints figures; never fails on numbers.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NODE_PATH=${NODE_PATH:-/usr/share/nodejs} exec node "$ROOT/tests/bench/relay/relay_redis.mjs"
