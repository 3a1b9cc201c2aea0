# Fuzz target for the room protocol codec (both directions, with a re-encode round-trip check).
livescope_add_fuzzer(fuzz_protocol ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_protocol.cpp livescope::protocol livescope::json)
# Instrument the codec library itself (fuzz_protocol, fuzz_room_replay, the relay fuzzers link it): without it libFuzzer
# sees no coverage inside the codec and ASan/UBSan check only the fuzz targets' own code.
target_compile_options(livescope_protocol PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
