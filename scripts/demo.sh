#!/usr/bin/env bash
# The README demo command: installs what is missing, builds, and starts the live demo on loopback
# (dev LL-HLS origin, interaction relay, static server for the widget and examples). Ctrl-C stops it all.
# Options are passed to scripts/demo.mjs (e.g. --port 8080, --audience 20).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/bootstrap.sh
bash scripts/build.sh native wasm
exec node scripts/demo.mjs "$@"
