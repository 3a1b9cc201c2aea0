#!/usr/bin/env bash
# Prints the widget's shipped file sizes: raw, gzip -9 and brotli -q 11, for every file in build/wasm/dist/
# (exactly what a publisher hosts; assembled by the wasm build).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST=${LIVESCOPE_DIST:-$ROOT/build/wasm/dist}
[ -d "$DIST" ] || { echo "sizes: $DIST is missing: build the wasm preset" >&2; exit 1; }
cd "$DIST"
printf '%-28s %10s %10s %10s\n' file raw gzip brotli
total=(0 0 0)
for f in $(find . -maxdepth 1 -type f -printf '%f\n' | LC_ALL=C sort); do
  raw=$(stat -c %s "$f"); gz=$(gzip -9c "$f" | wc -c)
  br=$(if command -v brotli >/dev/null; then brotli -q 11 -c "$f" | wc -c; else echo 0; fi)
  printf '%-28s %10d %10d %10d\n' "$f" "$raw" "$gz" "$br"
  total=($((total[0]+raw)) $((total[1]+gz)) $((total[2]+br)))
done
printf '%-28s %10d %10d %10d\n' total "${total[0]}" "${total[1]}" "${total[2]}"
