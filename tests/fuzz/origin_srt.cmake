# Fuzz target for the origin's SRT stream ids (src/server/origin/srt_streamid.cpp): fuzz_origin_srt_streamid.
# Uses livescope_origin_fuzzcore from origin.cmake (included first: the area files are globbed in name order).
livescope_add_fuzzer(fuzz_origin_srt_streamid ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_origin_srt_streamid.cpp livescope_origin_fuzzcore livescope::warnings)
target_sources(fuzz_origin_srt_streamid PRIVATE ${CMAKE_SOURCE_DIR}/src/server/origin/srt_streamid.cpp)
