# Fuzz target for the servers' shared token library (src/server/common): VerifyToken, MintToken and base64url.
# src/server is not configured in fuzz mode, so token.cpp is compiled here directly (with OpenSSL, as in src/server/common).
find_package(OpenSSL REQUIRED)
set(_server_common_dir ${CMAKE_SOURCE_DIR}/src/server/common)
add_library(livescope_server_common_fuzzcore STATIC ${_server_common_dir}/token.cpp)
target_include_directories(livescope_server_common_fuzzcore PUBLIC ${_server_common_dir}/include)
target_compile_options(livescope_server_common_fuzzcore PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
target_link_libraries(livescope_server_common_fuzzcore PUBLIC livescope::protocol livescope::json OpenSSL::Crypto PRIVATE livescope::warnings)
livescope_add_fuzzer(fuzz_token ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_token.cpp livescope_server_common_fuzzcore livescope::warnings)
