# Checks whether a worker wasm module holds libavformat (issue 16, docs/decode.md "The module split"): the light module
# must not (it demuxes with the pure demuxers), the full module must (it demuxes with FFmpeg's: -DEXPECT=1). libavformat
# always brings its format context's class name and the demuxers' names (its options and demuxer tables are data the
# linker keeps whenever libavformat's demuxing is reached).
# Usage: cmake -DWASM=<file.wasm> [-DEXPECT=1] -P check_no_libavformat.cmake
if(NOT EXISTS "${WASM}")
  message(FATAL_ERROR "${WASM} is missing: build its module first (cmake --build build/wasm --target livescope_worker_light livescope_worker)")
endif()
file(STRINGS "${WASM}" _hits REGEX "AVFormatContext|mov,mp4,m4a,3gp,3g2,mj2|MPEG-2 Transport Stream")
if(EXPECT)
  foreach(_want "AVFormatContext" "mov,mp4,m4a,3gp,3g2,mj2" "MPEG-2 Transport Stream")
    string(FIND "${_hits}" "${_want}" _at)
    if(_at LESS 0)
      message(FATAL_ERROR "${WASM} lacks libavformat's '${_want}': the full module no longer demuxes with FFmpeg's demuxers?")
    endif()
  endforeach()
  message(STATUS "${WASM}: libavformat (mov and mpegts demuxers) linked")
  return()
endif()
if(_hits)
  list(JOIN _hits "\n  " _shown)
  message(FATAL_ERROR "${WASM} links libavformat (its demuxers demux again?): strings found:\n  ${_shown}")
endif()
message(STATUS "${WASM}: no libavformat")
