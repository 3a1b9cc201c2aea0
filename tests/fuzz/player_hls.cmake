# Fuzzers for src/player/hls: the M3U8 parser, the delta-update merge, the playlist logic and HlsSession.
# The engine sources are compiled into the fuzzer itself so that they get coverage and sanitizers.
livescope_add_fuzzer(fuzz_m3u8 ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_m3u8.cpp)
target_sources(fuzz_m3u8 PRIVATE
  ${CMAKE_SOURCE_DIR}/src/player/hls/m3u8.cpp
  ${CMAKE_SOURCE_DIR}/src/player/hls/hls_url.cpp
  ${CMAKE_SOURCE_DIR}/src/player/hls/hls_date.cpp
  ${CMAKE_SOURCE_DIR}/src/player/hls/playlist_logic.cpp
  ${CMAKE_SOURCE_DIR}/src/player/hls/abr.cpp
  ${CMAKE_SOURCE_DIR}/src/player/hls/hls_session.cpp)
target_include_directories(fuzz_m3u8 PRIVATE ${CMAKE_SOURCE_DIR}/src/player/hls/include)
target_link_libraries(fuzz_m3u8 PRIVATE livescope::warnings)
