#!/usr/bin/env bash
# Builds FFmpeg's static libraries for wasm with Emscripten: the one place where its configure line lives.
# The result is cached in build/deps/ffmpeg-wasm-<hash>, keyed on the configure line and the source
# version; build/deps/ffmpeg-wasm points at the current one. A rebuild with the same line does nothing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPS="$ROOT/build/deps"
SRC="$DEPS/ffmpeg-src"
export NODE_PATH=/usr/share/nodejs
say() { printf '[ffmpeg-wasm] %s\n' "$*"; }
[ -x "$SRC/configure" ] || { echo "[ffmpeg-wasm] ERROR: $SRC missing; run scripts/bootstrap.sh" >&2; exit 1; }

# Decoders, parsers and demuxers the widget plays. HEVC is in: it costs under 600 KB of wasm
# (measured figure in README.md, "Sizes"). The light worker module (the WebCodecs path) links FFmpeg's codec list
# again with AAC only (src/app/CMakeLists.txt, docs/decode.md "The module split"): a video decoder added here is in
# the full module only, and an audio decoder must be added to that list too.
DECODERS=${LIVESCOPE_FFMPEG_DECODERS:-h264,hevc,aac}   # override only to measure a codec's cost
PARSERS=${LIVESCOPE_FFMPEG_PARSERS:-h264,hevc,aac}
CONFIGURE_FLAGS=(
  --target-os=none --arch=x86_32 --enable-cross-compile --disable-asm --disable-everything
  --cc=emcc --cxx=em++ --ar=emar --ranlib=emranlib --nm=emnm
  --enable-static --disable-shared --disable-programs --disable-doc --disable-debug
  --disable-autodetect --disable-network --disable-pthreads --disable-runtime-cpudetect
  --disable-avdevice --disable-avfilter --disable-swscale --disable-postproc
  --enable-avcodec --enable-avformat --enable-avutil --enable-swresample
  --enable-decoder=$DECODERS --enable-parser=$PARSERS
  --enable-demuxer=mov,mpegts
  --extra-cflags=-O3 --extra-cxxflags=-O3
)
[ "${LIVESCOPE_FFMPEG_SIMD:-0}" = 1 ] && CONFIGURE_FLAGS+=(--extra-cflags=-msimd128)

version=$(cat "$SRC/.version" 2>/dev/null || cat "$SRC/VERSION")
key=$(printf '%s\n' "$version" "${CONFIGURE_FLAGS[@]}" "$(emcc --version | head -1)" | sha256sum | cut -c1-12)
out="$DEPS/ffmpeg-wasm-$key"
if [ -f "$out/.done" ]; then
  say "cached: $out"
else
  say "configuring FFmpeg $version (key $key)"
  rm -rf "$out"; mkdir -p "$out/build"
  (cd "$out/build" && emconfigure "$SRC/configure" --prefix="$out" "${CONFIGURE_FLAGS[@]}" >configure.log 2>&1) \
    || { tail -30 "$out/build/configure.log"; say "ERROR: configure failed"; exit 1; }
  say "building with $(nproc) jobs"
  start=$(date +%s)
  (cd "$out/build" && emmake make -j"$(nproc)" >make.log 2>&1 && emmake make install >>make.log 2>&1) \
    || { tail -40 "$out/build/make.log"; say "ERROR: build failed"; exit 1; }
  printf '%s\n' "${CONFIGURE_FLAGS[@]}" >"$out/configure-line.txt"
  touch "$out/.done"
  say "built in $(( $(date +%s) - start )) s"
fi
if [ -z "${LIVESCOPE_FFMPEG_DECODERS:-}" ]; then ln -sfn "ffmpeg-wasm-$key" "$DEPS/ffmpeg-wasm"; else echo "$out"; fi
