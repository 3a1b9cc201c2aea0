#!/usr/bin/env bash
# Decode benchmark (issues 4, 16): H.264 decode fps of a 720p30 and a 1080p30 clip for FFmpeg's CLI (-threads 1),
# livescope's decoder natively, livescope's decoder compiled to wasm under node, the same wasm in headless Chromium, and
# Chromium's WebCodecs VideoDecoder on the same demuxed chunks (tests/bench/decode/browser.mjs; skipped without
# bench_decode_web), with ratios to the CLI and the time to first output of both browser paths, all in one run.
# Prints figures; never pass/fail. Run from the repo root after build/native and build/wasm are built
# (override with LIVESCOPE_NATIVE_BUILD / LIVESCOPE_WASM_BUILD).
set -uo pipefail
ROOT=$(pwd)
NATIVE=${LIVESCOPE_NATIVE_BUILD:-$ROOT/build/native}
WASM=${LIVESCOPE_WASM_BUILD:-$ROOT/build/wasm}
MEDIA=$ROOT/build/bench-media
REPEATS=${LIVESCOPE_BENCH_REPEATS:-3}
export NODE_PATH=/usr/share/nodejs
mkdir -p "$MEDIA"

# Clips: testsrc2 with temporal noise so the bitrate is that of real video (about 4 and 8 Mbit/s),
# H.264 High, 2 s GOPs with B-frames, fragmented MP4 as the live stream serves it.
make_clip() { # name size bitrate
  local out=$MEDIA/$1.mp4
  [ -s "$out" ] && return 0
  echo "[bench decode] generating $out"
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=$2:rate=30:duration=10,noise=alls=10:allf=t" \
    -c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p -g 60 -b:v "$3" -maxrate "$3" -bufsize "$3" \
    -an -movflags frag_keyframe+empty_moov+default_base_moof "$out"
}
make_clip clip720p 1280x720 4M
make_clip clip1080p 1920x1080 8M

# ffmpeg -benchmark prints "bench: utime=...s stime=...s rtime=...s"; the frame count comes from -stats.
ffmpeg_fps() { # clip
  local best=0 i out frames rtime fps
  for i in $(seq "$REPEATS"); do
    out=$(ffmpeg -hide_banner -nostdin -benchmark -threads 1 -i "$1" -an -f null - 2>&1)
    frames=$(printf '%s\n' "$out" | tr '\r' '\n' | grep -o 'frame= *[0-9]*' | tail -1 | tr -dc '0-9')
    rtime=$(printf '%s\n' "$out" | grep -o 'rtime=[0-9.]*' | tail -1 | cut -d= -f2)
    fps=$(awk -v f="${frames:-0}" -v t="${rtime:-0}" 'BEGIN{ if (t > 0) printf "%.1f", f / t; else print 0 }')
    best=$(awk -v a="$best" -v b="$fps" 'BEGIN{ print (b > a) ? b : a }')
  done
  echo "$best"
}

ours_fps() { # runner... clip -> fps from "fps=N"
  "$@" 1 "$REPEATS" 2>/dev/null | grep -o 'fps=[0-9.]*' | cut -d= -f2
}

# CPU-time fps, steadier than wall time on a loaded machine: frames * 2 / (cpu(3 runs) - cpu(1 run)),
# so start-up (node, wasm compile, file read) cancels out. For ffmpeg: frames / (utime + stime).
cpu_seconds() { # cmd... -> user+sys seconds of the command and its children
  local TIMEFORMAT='%U %S' t
  t=$( { time "$@" >/dev/null 2>&1; } 2>&1 | tail -1)
  awk -v u="${t% *}" -v s="${t#* }" 'BEGIN{ printf "%.3f", u + s }'
}
ours_cpu_fps() { # runner... clip
  local one three frames
  frames=$("$@" 1 1 2>/dev/null | grep -o 'frames=[0-9]*' | cut -d= -f2)
  one=$(cpu_seconds "$@" 1 1)
  three=$(cpu_seconds "$@" 1 3)
  awk -v f="${frames:-0}" -v a="$one" -v b="$three" 'BEGIN{ if (b > a) printf "%.1f", 2 * f / (b - a); else print "n/a" }'
}
ffmpeg_cpu_fps() { # clip
  local out frames ut st
  out=$(ffmpeg -hide_banner -nostdin -benchmark -threads 1 -i "$1" -an -f null - 2>&1)
  frames=$(printf '%s\n' "$out" | tr '\r' '\n' | grep -o 'frame= *[0-9]*' | tail -1 | tr -dc '0-9')
  ut=$(printf '%s\n' "$out" | grep -o 'utime=[0-9.]*' | tail -1 | cut -d= -f2)
  st=$(printf '%s\n' "$out" | grep -o 'stime=[0-9.]*' | tail -1 | cut -d= -f2)
  awk -v f="${frames:-0}" -v u="${ut:-0}" -v s="${st:-0}" 'BEGIN{ if (u + s > 0) printf "%.1f", f / (u + s); else print "n/a" }'
}

wasm_runner=""
if [ -f "$WASM/bin/bench_decode.js" ]; then
  # package.json says "type": "module"; the Emscripten output is CommonJS, so run a .cjs copy.
  cp -f "$WASM/bin/bench_decode.js" "$MEDIA/bench_decode.cjs"
  cp -f "$WASM/bin/bench_decode.wasm" "$MEDIA/bench_decode.wasm"
  wasm_runner="node --no-experimental-fetch $MEDIA/bench_decode.cjs"
fi

chromium_line() { # clip -> "fps=.. first_ms=.. webcodecs_fps=.. webcodecs_first_ms=.. frames=.. codec=.."
  [ -f "$WASM/bin/bench_decode_web.js" ] && [ -x /usr/bin/chromium ] || return 0
  timeout 600 node "$ROOT/tests/bench/decode/browser.mjs" "$WASM/bin" "$1" "$REPEATS" 2>/dev/null | grep '^fps='
}
field() { printf '%s\n' "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; } # line key
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a+0 > 0 && b+0 > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo "== decode benchmark: H.264, best of $REPEATS, $(nproc) cores, $(uptime | sed 's/.*load average/load average/')"
printf '%-10s %11s %12s %10s %12s %12s %10s %10s %10s %10s\n' clip ffmpeg-cli ours-native ours-wasm wasm-chromium webcodecs wasm/cli webcodecs/cli wasm-1st webcodecs-1st
for c in clip720p clip1080p; do
  clip=$MEDIA/$c.mp4
  f=$(ffmpeg_fps "$clip")
  n="n/a"; w="n/a"
  [ -x "$NATIVE/bin/bench_decode" ] && n=$(ours_fps "$NATIVE/bin/bench_decode" "$clip")
  [ -n "$wasm_runner" ] && w=$(ours_fps $wasm_runner "$clip")
  line=$(chromium_line "$clip")
  b=$(field "$line" fps); wc=$(field "$line" webcodecs_fps)
  b1=$(field "$line" first_ms); wc1=$(field "$line" webcodecs_first_ms)
  printf '%-10s %11s %12s %10s %12s %12s %10s %10s %10s %10s\n' "$c" "${f:-n/a}" "${n:-n/a}" "${w:-n/a}" "${b:-n/a}" "${wc:-n/a}" \
    "$(ratio "$b" "$f")" "$(ratio "$wc" "$f")" "${b1:-n/a}" "${wc1:-n/a}"
done
echo "(wasm-chromium and webcodecs: the same clip in one headless Chromium page, fps until the last frame; wasm/cli and"
echo " webcodecs/cli: ratios to ffmpeg -threads 1; *-1st: ms from the start to the first decoded picture (wasm: demux"
echo " included; webcodecs: configure + one key frame). Chromium's WebCodecs software decoder may use several threads.)"
echo
echo "== same, as fps per CPU-second (user+sys; steadier than wall time when other jobs share the cores)"
printf '%-10s %11s %12s %10s %12s %12s\n' clip ffmpeg-cli ours-native ours-wasm wasm/native wasm/ffmpeg
for c in clip720p clip1080p; do
  clip=$MEDIA/$c.mp4
  f=$(ffmpeg_cpu_fps "$clip")
  n="n/a"; w="n/a"
  [ -x "$NATIVE/bin/bench_decode" ] && n=$(ours_cpu_fps "$NATIVE/bin/bench_decode" "$clip")
  [ -n "$wasm_runner" ] && w=$(ours_cpu_fps $wasm_runner "$clip")
  printf '%-10s %11s %12s %10s %12s %12s\n' "$c" "${f:-n/a}" "${n:-n/a}" "${w:-n/a}" "$(ratio "$w" "$n")" "$(ratio "$w" "$f")"
done
echo "(fps, best of $REPEATS; ffmpeg-cli: ffmpeg -threads 1 -i clip -an -f null -, native x86 asm; ours-native links"
echo " Debian's FFmpeg 5.1 (asm too); wasm: build/deps/ffmpeg-wasm, --disable-asm, no SIMD, under node --no-experimental-fetch."
echo " Reference point: a plain wasm FFmpeg 5.1 build decoded 720p at about 0.45-0.55x native on this 2-core machine.)"
