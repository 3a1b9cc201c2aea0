# Fuzz target for the relay's room log HTTP parsing (src/server/relay/room_log_http.cpp). src/server is not configured
# in fuzz mode, so the two pure files are compiled here directly.
set(_relay_dir ${CMAKE_SOURCE_DIR}/src/server/relay)
add_library(livescope_relay_room_log_fuzzcore STATIC ${_relay_dir}/room_log.cpp ${_relay_dir}/room_log_http.cpp)
target_include_directories(livescope_relay_room_log_fuzzcore PUBLIC ${_relay_dir}/include)
target_compile_options(livescope_relay_room_log_fuzzcore PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
target_link_libraries(livescope_relay_room_log_fuzzcore PUBLIC livescope::protocol livescope::json PRIVATE livescope::warnings)
livescope_add_fuzzer(fuzz_relay_room_log_query ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_relay_room_log_query.cpp livescope_relay_room_log_fuzzcore livescope::warnings)
