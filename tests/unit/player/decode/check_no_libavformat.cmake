# Fails when a worker wasm module holds libavformat (issue 16: neither worker module demuxes with FFmpeg any more,
# docs/decode.md "The pure demuxers"). libavformat always brings its format context's class name and the demuxers'
# names (its options and demuxer tables are data the linker keeps whenever libavformat's demuxing is reached).
# Usage: cmake -DWASM=<file.wasm> -P check_no_libavformat.cmake
if(NOT EXISTS "${WASM}")
  message(FATAL_ERROR "${WASM} is missing: build its module first (cmake --build build/wasm --target livescope_worker_light livescope_worker)")
endif()
file(STRINGS "${WASM}" _hits REGEX "AVFormatContext|mov,mp4,m4a,3gp,3g2,mj2|MPEG-2 Transport Stream")
if(_hits)
  list(JOIN _hits "\n  " _shown)
  message(FATAL_ERROR "${WASM} links libavformat (its demuxers demux again?): strings found:\n  ${_shown}")
endif()
message(STATUS "${WASM}: no libavformat")
