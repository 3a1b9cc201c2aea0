# Fuzz target for the room replay's page reader and model (src/room/room_replay.cpp).
livescope_add_fuzzer(fuzz_room_replay ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_room_replay.cpp livescope::room livescope::json)
