# Shared build settings: the warnings target and the unit-test helper used by every area.

add_library(livescope_warnings INTERFACE)
add_library(livescope::warnings ALIAS livescope_warnings)
target_compile_options(livescope_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough)
if(LIVESCOPE_WERROR)
  target_compile_options(livescope_warnings INTERFACE -Werror)
endif()

# livescope_add_unit_test(<name> SOURCES <files...> LIBS <targets...> [CORE])
# One doctest executable per area. CORE tests are pure and also build for wasm, where ctest runs them
# under node (the wasm tier). Non-CORE tests (servers, tools) are native only.
function(livescope_add_unit_test name)
  cmake_parse_arguments(T "CORE" "" "SOURCES;LIBS" ${ARGN})
  if(EMSCRIPTEN AND NOT T_CORE)
    return()
  endif()
  foreach(_lib ${T_LIBS})
    if(_lib MATCHES "^livescope::" AND NOT TARGET ${_lib})
      message(STATUS "${name}: skipped (${_lib} is not part of this build)")
      return()
    endif()
  endforeach()
  add_executable(${name} ${T_SOURCES} ${CMAKE_SOURCE_DIR}/tests/unit/doctest_main.cpp)
  target_link_libraries(${name} PRIVATE ${T_LIBS} livescope::doctest livescope::warnings)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/unit)
  if(EMSCRIPTEN)
    target_link_options(${name} PRIVATE -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1 -sNODERAWFS=0 -sENVIRONMENT=node)
    add_test(NAME ${name} COMMAND node --no-experimental-fetch $<TARGET_FILE:${name}>)
  else()
    add_test(NAME ${name} COMMAND ${name})
  endif()
  set_tests_properties(${name} PROPERTIES WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} TIMEOUT 300)
endfunction()
