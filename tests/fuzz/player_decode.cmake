# Fuzz targets for src/player/decode: the pure container scanners (no FFmpeg in the fuzz build).
livescope_add_fuzzer(fuzz_container_scan ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_container_scan.cpp livescope::player_decode_scan)
livescope_add_fuzzer(fuzz_ts_demux ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_ts_demux.cpp livescope::player_decode_scan)
# The pure fMP4 demuxer and the pure demuxer facade, fed in pseudo-random splits.
livescope_add_fuzzer(fuzz_fmp4_demux ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_fmp4_demux.cpp livescope::player_decode_scan)
# Instrument the pure decode library itself: without it libFuzzer sees no coverage inside the parsers and ASan/UBSan
# check only the fuzz target's own code.
target_compile_options(livescope_player_decode_scan PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
