# Fuzz target for the room replay's page reader and model (src/room/room_replay.cpp). The fuzz preset builds no
# src/room target, so its sources are compiled in here.
livescope_add_fuzzer(fuzz_room_replay ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_room_replay.cpp livescope::protocol livescope::json)
target_sources(fuzz_room_replay PRIVATE ${CMAKE_SOURCE_DIR}/src/room/room_replay.cpp ${CMAKE_SOURCE_DIR}/src/room/room_client.cpp
  ${CMAKE_SOURCE_DIR}/src/room/room_policy.cpp)
target_include_directories(fuzz_room_replay PRIVATE ${CMAKE_SOURCE_DIR}/src/room/include)
