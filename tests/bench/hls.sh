#!/usr/bin/env bash
# Benchmark for the LL-HLS client engine (prints figures, never pass/fail). Run from the repo root after
# scripts/bench.sh built build/native (and, for the fuzz run, build/fuzz).
#  1. Parser throughput on generated playlists (small live window, long LL window, big VOD).
#  2. Side by side against the dev origin: livescope-probe with preload hints (ours) and without them
#     (what hls.js does: it parses EXT-X-PRELOAD-HINT but never requests it). Same engine otherwise.
#     Figure of merit: part edge delay = last byte of a part - arrival of the playlist that first lists it.
#  3. A longer fuzz run of fuzz_m3u8 when the fuzz preset is built.
set -u
BIN=${LIVESCOPE_BIN:-build/native/bin}
FUZZ_BIN=${LIVESCOPE_FUZZ_BIN:-build/fuzz/bin}
FOLLOW_S=${HLS_BENCH_FOLLOW_S:-20}
FUZZ_S=${HLS_BENCH_FUZZ_S:-60}
PROBE=$BIN/livescope-probe
TMP=$(mktemp -d /tmp/livescope-hls-bench.XXXXXX)
ORIGIN_PID=""
cleanup() { [ -n "$ORIGIN_PID" ] && kill "$ORIGIN_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

if [ ! -x "$PROBE" ]; then echo "hls bench: $PROBE missing (build the native preset first)"; exit 0; fi

echo "== hls: parser throughput"
python3 - "$TMP" <<'PY'
import sys
d = sys.argv[1]
def ll(nseg, parts=10):
    s = "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.6,CAN-SKIP-UNTIL=12\n"
    s += "#EXT-X-PART-INF:PART-TARGET=0.2\n#EXT-X-MEDIA-SEQUENCE:1000\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z\n"
    for m in range(1000, 1000 + nseg):
        for p in range(parts):
            s += f"#EXT-X-PART:DURATION=0.200,URI=\"seg{m}.{p}.m4s\"{',INDEPENDENT=YES' if p % 5 == 0 else ''}\n"
        s += f"#EXTINF:2.000,\nseg{m}.m4s\n"
    s += f"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"seg{1000 + nseg}.0.m4s\"\n#EXT-X-RENDITION-REPORT:URI=\"../360p/index.m3u8\",LAST-MSN={999 + nseg},LAST-PART=9\n"
    return s
open(f"{d}/live_window.m3u8", "w").write(ll(10))
open(f"{d}/long_ll.m3u8", "w").write(ll(300))
vod = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n" + "".join(f"#EXTINF:4.000,\nseg{i}.ts\n" for i in range(20000)) + "#EXT-X-ENDLIST\n"
open(f"{d}/vod_20000.m3u8", "w").write(vod)
PY
"$PROBE" --parse-bench 2000 "$TMP/live_window.m3u8"
"$PROBE" --parse-bench 50 "$TMP/long_ll.m3u8"
"$PROBE" --parse-bench 20 "$TMP/vod_20000.m3u8"

echo
echo "== hls: following the dev origin for ${FOLLOW_S} s each: preload hints (livescope) vs none (hls.js behaviour)"
if [ ! -x "$BIN/livescope-origin" ]; then
  echo "hls bench: $BIN/livescope-origin missing; skipping the side-by-side run"
else
  "$BIN/livescope-origin" --port 0 --part-ms 200 --segment-ms 2000 > "$TMP/origin.log" 2>&1 &
  ORIGIN_PID=$!
  URL=""
  for _ in $(seq 1 120); do
    URL=$(grep -o 'livescope-origin ready http://[^ ]*' "$TMP/origin.log" | head -1 | cut -d' ' -f3)
    [ -n "$URL" ] && break
    sleep 0.5
  done
  if [ -z "$URL" ]; then
    echo "hls bench: origin not ready"; tail -5 "$TMP/origin.log"
  else
    for mode in hints nohints; do
      flag=""; [ "$mode" = nohints ] && flag="--no-preload-hints"
      "$PROBE" --follow "$FOLLOW_S" $flag "$URL" > "$TMP/$mode.out" 2> "$TMP/$mode.err"
      grep '^summary-json ' "$TMP/$mode.out" | sed 's/^summary-json //' > "$TMP/$mode.json"
    done
    python3 - "$TMP" <<'PY'
import json, sys
d = sys.argv[1]
rows = [("part edge delay avg (ms)", "partEdgeDelayAvg", 1000), ("parts timed", "partEdgeDelayCount", 1),
        ("hinted part lead avg (ms)", "hintLeadAvg", 1000), ("hints requested / used", None, 1),
        ("requests", "requests", 1), ("errors", "errors", 1), ("blocking reloads / misses", None, 1),
        ("avg playlist age (ms)", "avgPlaylistAge", 1000), ("parts loaded", "partsLoaded", 1), ("media MB", "mediaBytes", 1e-6)]
res = {m: json.load(open(f"{d}/{m}.json")) for m in ("hints", "nohints")}
print(f"{'':28} {'livescope (hints)':>18} {'hls.js-like (none)':>19}")
for label, key, scale in rows:
    vals = []
    for m in ("hints", "nohints"):
        s = res[m]
        if label.startswith("hints requested"): vals.append(f"{s['hintsRequested']} / {s['hintsUsed']}")
        elif label.startswith("blocking"): vals.append(f"{s['blockingRequests']} / {s['blockingMisses']}")
        else:
            v = s[key] * scale
            vals.append(f"{v:.2f}" if isinstance(v, float) else str(v))
    print(f"{label:28} {vals[0]:>18} {vals[1]:>19}")
PY
  fi
fi

echo
echo "== hls: fuzz_m3u8 for ${FUZZ_S} s"
if [ -x "$FUZZ_BIN/fuzz_m3u8" ]; then
  mkdir -p "$TMP/corpus"
  "$FUZZ_BIN/fuzz_m3u8" -max_total_time="$FUZZ_S" -max_len=65536 -timeout=10 -print_final_stats=1 "$TMP/corpus" tests/fuzz/corpus/fuzz_m3u8 2>&1 \
    | grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|ERROR|SUMMARY|^#[0-9]+ +DONE' | tail -8
  echo "corpus grew to $(ls "$TMP/corpus" | wc -l) inputs"
else
  echo "hls bench: $FUZZ_BIN/fuzz_m3u8 missing (cmake --preset fuzz && cmake --build build/fuzz --target fuzz_m3u8); skipping"
fi
