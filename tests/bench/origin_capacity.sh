#!/bin/sh
# Benchmark: how many published broadcasts livescope-origin holds on this machine. Publishers push a 720p30 clip over
# the WebSocket ingest, one livescope-probe viewer per broadcast; prints origin and encoder CPU per broadcast for 1, 2
# and 4 broadcasts, then the most broadcasts that keep real time with no viewer error, beside the --max-broadcasts
# default. Figures only, never pass/fail. Run from the repo root after build/native is built (LIVESCOPE_BIN overrides);
# CAPACITY_SECONDS (window, default 15) and CAPACITY_MAX (search limit, default 10) tune it.
set -e
cd "$(dirname "$0")/../.."
exec node tests/bench/origin_capacity.mjs "$@"
