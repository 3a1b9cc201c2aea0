#!/usr/bin/env bash
# The bench command: builds, then prints figures from every benchmark (tests/bench/*.sh), each with its
# side-by-side reference run. Never pass/fail: a benchmark that cannot run says why and the rest go on.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export NODE_PATH=/usr/share/nodejs
export LIVESCOPE_DATA_DIR="${LIVESCOPE_DATA_DIR:-$ROOT/build/bench-data}" # recordings of the benches' broadcasts
bash scripts/bootstrap.sh || exit 1
bash scripts/build.sh native wasm fuzz || exit 1
echo; echo "=== bench: widget sizes (bytes)"; bash scripts/sizes.sh
for b in tests/bench/*.sh; do
  [ -f "$b" ] || continue
  echo; echo "=== bench: $(basename "$b" .sh)"
  bash "$b" || echo "(bench $(basename "$b" .sh) exited $?)"
done
