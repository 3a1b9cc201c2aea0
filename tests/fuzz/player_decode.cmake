# Fuzz targets for src/player/decode: the pure container scanners (no FFmpeg in the fuzz build).
livescope_add_fuzzer(fuzz_container_scan ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_container_scan.cpp livescope::player_decode_scan)
livescope_add_fuzzer(fuzz_ts_demux ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_ts_demux.cpp livescope::player_decode_scan)
# The fuzz build does not instrument the libraries: the demuxer's source goes into the target itself, so that libFuzzer
# sees its coverage and ASan/UBSan check it (the archive's copy is then not linked).
target_sources(fuzz_ts_demux PRIVATE ${CMAKE_SOURCE_DIR}/src/player/decode/ts_demux.cpp)
