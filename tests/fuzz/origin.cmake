# Fuzz targets for the origin's pure core: fuzz_origin_fmp4 (fMP4 splitter and box parsers, fault queries) and
# fuzz_origin_parsers (playlist query, media URIs, /live/ paths, stream keys, percent-decoding, webhook URLs),
# fuzz_origin_router (the pure router over a live rendition) and fuzz_origin_input_probe (a publisher's first bytes,
# refusal close reasons and subprotocols).
# src/server is not configured in fuzz mode, so the pure sources (no Boost) are compiled here directly.
set(_origin_dir ${CMAKE_SOURCE_DIR}/src/server/origin)
add_library(livescope_origin_fuzzcore STATIC ${_origin_dir}/fmp4.cpp ${_origin_dir}/live_playlist.cpp ${_origin_dir}/faults.cpp ${_origin_dir}/broadcasts.cpp ${_origin_dir}/router.cpp ${_origin_dir}/encoder_args.cpp
  ${_origin_dir}/ingest_frames.cpp ${_origin_dir}/capture_clock.cpp
  ${_origin_dir}/input_probe.cpp ${_origin_dir}/ingest_close.cpp
  ${_origin_dir}/recording.cpp ${_origin_dir}/control.cpp)
target_include_directories(livescope_origin_fuzzcore PUBLIC ${_origin_dir}/include)
target_compile_options(livescope_origin_fuzzcore PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
target_link_libraries(livescope_origin_fuzzcore PUBLIC livescope_server_common_fuzzcore livescope::base PRIVATE livescope::warnings livescope::json)
livescope_add_fuzzer(fuzz_origin_fmp4 ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_origin_fmp4.cpp livescope_origin_fuzzcore livescope::warnings)
livescope_add_fuzzer(fuzz_origin_parsers ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_origin_parsers.cpp livescope_origin_fuzzcore livescope::warnings)
livescope_add_fuzzer(fuzz_origin_router ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_origin_router.cpp livescope_origin_fuzzcore livescope::warnings)
# fuzz_origin_ingest_frames: the studio's WebCodecs framing (parser + Matroska muxer) and the publisher's text message.
livescope_add_fuzzer(fuzz_origin_ingest_frames ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_origin_ingest_frames.cpp livescope_origin_fuzzcore livescope::warnings)
livescope_add_fuzzer(fuzz_origin_input_probe ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_origin_input_probe.cpp livescope_origin_fuzzcore livescope::warnings)
# fuzz_origin_recording: the recordings' segment log, recording.json, /vod/ paths and the Authorization header (recording.h).
livescope_add_fuzzer(fuzz_origin_recording ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_origin_recording.cpp livescope_origin_fuzzcore livescope::warnings)
