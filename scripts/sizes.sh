#!/usr/bin/env bash
# Prints the widget's shipped file sizes: raw, gzip -9 and brotli -q 11, for build/wasm's wasm and js.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT/build/wasm"
printf '%-28s %10s %10s %10s\n' file raw gzip brotli
total=(0 0 0)
for f in livescope.js widget.js playback.js room.js player-worker.js audio-worklet.js livescope_page.js livescope_page.wasm livescope_worker.js livescope_worker.wasm; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f"); gz=$(gzip -9c "$f" | wc -c); br=$(brotli -q 11 -c "$f" | wc -c)
  printf '%-28s %10d %10d %10d\n' "$f" "$raw" "$gz" "$br"
  total=($((total[0]+raw)) $((total[1]+gz)) $((total[2]+br)))
done
printf '%-28s %10d %10d %10d\n' total "${total[0]}" "${total[1]}" "${total[2]}"
