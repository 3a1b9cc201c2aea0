#!/usr/bin/env bash
# Builds everything: FFmpeg for wasm (cached), the native preset, the wasm preset and the fuzz preset.
# Quick when nothing changed. Usage: scripts/build.sh [native|wasm|fuzz ...] (default: all three).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export NODE_PATH=/usr/share/nodejs
JOBS=${LIVESCOPE_JOBS:-$(nproc)}
presets=("$@"); [ ${#presets[@]} -gt 0 ] || presets=(native wasm fuzz)
say() { printf '[build] %s\n' "$*"; }
for p in "${presets[@]}"; do
  start=$(date +%s)
  if [ "$p" = wasm ]; then bash scripts/build-ffmpeg-wasm.sh; fi
  if [ ! -f "build/$p/CMakeCache.txt" ]; then
    say "configuring preset $p"
    cmake --preset "$p" -DLIVESCOPE_WERROR="${LIVESCOPE_WERROR:-ON}" >"build/configure-$p.log" 2>&1 \
      || { cat "build/configure-$p.log"; say "ERROR: configure of preset $p failed"; exit 1; }
  fi
  say "building preset $p ($JOBS jobs)"
  cmake --build "build/$p" -j"$JOBS" || { say "ERROR: build of preset $p failed"; exit 1; }
  say "preset $p built in $(( $(date +%s) - start )) s"
done
