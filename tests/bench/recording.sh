#!/bin/sh
# Benchmark: disk bytes per hour of broadcast for the origin's recordings (docs/replay.md "Origin"), media only.
# Records the demo test pattern (default renditions 720p,360p) for RECORD_S seconds (default 30) into a temp
# --data-dir, then divides each rendition's bytes on disk (segments + init) by the media seconds its segments.log
# lists and multiplies by 3600: an extrapolation from a measured run, not an hour measured. Reference beside it: the
# rendition's nominal bitrate (video + audio kbit/s of the encoder settings) as bytes per hour. The test pattern is
# easy to encode, so real content lands nearer the reference. Prints figures; never pass/fail.
set -e
cd "$(dirname "$0")/../.."
BIN=${LIVESCOPE_BIN:-build/native/bin}
SECONDS_TO_RECORD=${RECORD_S:-30}
[ -x "$BIN/livescope-origin" ] || { echo "recording bench: $BIN/livescope-origin missing (build the native preset)"; exit 0; }
command -v ffmpeg >/dev/null || { echo "recording bench: ffmpeg missing"; exit 0; }
DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null; rm -rf "$DIR"' EXIT
"$BIN/livescope-origin" --port 0 --data-dir "$DIR/data" > "$DIR/origin.log" 2>&1 &
PID=$!
sleep "$SECONDS_TO_RECORD"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
echo "recorded the demo test pattern for ${SECONDS_TO_RECORD} s (wall); per rendition, extrapolated to one hour:"
for R in "$DIR"/data/demo/*/*/; do
  NAME=$(basename "$R")
  BYTES=$(cat "$R"/seg-*.m4s "$R"/init-*.mp4 2>/dev/null | wc -c)
  MEDIA=$(awk '{ s += $2 } END { printf "%.3f", s }' "$R/segments.log")
  NOMINAL=$(case "$NAME" in 1080p) echo 4596;; 720p) echo 2096;; 540p) echo 1296;; 360p) echo 696;; 240p) echo 396;; *) echo 0;; esac)
  awk -v n="$NAME" -v b="$BYTES" -v m="$MEDIA" -v k="$NOMINAL" 'BEGIN {
    if (m <= 0) { printf "  %-6s no segments recorded\n", n; exit }
    printf "  %-6s %9d bytes for %6.1f s of media = %7.1f MB/hour (%5.0f kbit/s)   reference: nominal %4d kbit/s = %7.1f MB/hour\n",
      n, b, m, b / m * 3600 / 1e6, b * 8 / m / 1000, k, k * 1000 / 8 * 3600 / 1e6 }'
done
TOTAL=$(du -sb "$DIR/data" | cut -f1)
echo "  all files (segment logs and recording.json included): $TOTAL bytes"
