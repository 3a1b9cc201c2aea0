# Fuzz target for the room protocol codec (both directions, with a re-encode round-trip check).
livescope_add_fuzzer(fuzz_protocol ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_protocol.cpp livescope::protocol livescope::json)
