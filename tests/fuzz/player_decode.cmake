# Fuzz targets for src/player/decode: the pure container scanners (no FFmpeg in the fuzz build).
livescope_add_fuzzer(fuzz_container_scan ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_container_scan.cpp livescope::player_decode_scan)
livescope_add_fuzzer(fuzz_ts_demux ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_ts_demux.cpp livescope::player_decode_scan)
