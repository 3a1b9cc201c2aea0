# Fuzz target for the shared room log's stream-entry codec (src/server/relay/room_log_redis_fields.cpp). src/server is
# not configured in fuzz mode, so the pure files are compiled here directly (no hiredis).
set(_relay_dir ${CMAKE_SOURCE_DIR}/src/server/relay)
add_library(livescope_relay_redis_log_fuzzcore STATIC ${_relay_dir}/room_log.cpp ${_relay_dir}/room_log_redis_fields.cpp)
target_include_directories(livescope_relay_redis_log_fuzzcore PUBLIC ${_relay_dir}/include)
target_compile_options(livescope_relay_redis_log_fuzzcore PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
target_link_libraries(livescope_relay_redis_log_fuzzcore PUBLIC livescope::protocol PRIVATE livescope::warnings)
livescope_add_fuzzer(fuzz_relay_room_log_redis ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_relay_room_log_redis.cpp livescope_relay_redis_log_fuzzcore livescope::warnings)
