# Third-party dependencies, all from Debian: -dev packages (nlohmann-json, doctest) and source packages
# fetched by scripts/bootstrap.sh into build/deps (imgui, ffmpeg). Nothing third-party is in git.

# [SECTION] header-only: nlohmann/json, doctest
# Under Emscripten /usr/include cannot be on the include path (glibc headers), so the two header
# directories are linked into a private include dir.
set(_sysinc ${CMAKE_BINARY_DIR}/sysinc)
file(MAKE_DIRECTORY ${_sysinc})
foreach(_d nlohmann doctest)
  if(NOT EXISTS /usr/include/${_d})
    message(FATAL_ERROR "/usr/include/${_d} missing: run scripts/bootstrap.sh")
  endif()
  if(NOT EXISTS ${_sysinc}/${_d})
    file(CREATE_LINK /usr/include/${_d} ${_sysinc}/${_d} SYMBOLIC)
  endif()
endforeach()
add_library(livescope_json INTERFACE)
add_library(livescope::json ALIAS livescope_json)
target_include_directories(livescope_json SYSTEM INTERFACE ${_sysinc})
add_library(livescope_doctest INTERFACE)
add_library(livescope::doctest ALIAS livescope_doctest)
target_include_directories(livescope_doctest SYSTEM INTERFACE ${_sysinc})

# [SECTION] Dear ImGui 1.86 (Debian source package), core only; backends are added by src/app
set(LIVESCOPE_IMGUI_DIR ${LIVESCOPE_DEPS_DIR}/imgui-src)
if(EXISTS ${LIVESCOPE_IMGUI_DIR}/imgui.cpp AND NOT LIVESCOPE_FUZZ)
  add_library(livescope_imgui STATIC
    ${LIVESCOPE_IMGUI_DIR}/imgui.cpp ${LIVESCOPE_IMGUI_DIR}/imgui_draw.cpp
    ${LIVESCOPE_IMGUI_DIR}/imgui_tables.cpp ${LIVESCOPE_IMGUI_DIR}/imgui_widgets.cpp)
  add_library(livescope::imgui ALIAS livescope_imgui)
  target_include_directories(livescope_imgui SYSTEM PUBLIC ${LIVESCOPE_IMGUI_DIR})
  target_compile_definitions(livescope_imgui PUBLIC IMGUI_DISABLE_OBSOLETE_FUNCTIONS)
  target_compile_options(livescope_imgui PRIVATE -w)
elseif(NOT LIVESCOPE_FUZZ)
  message(FATAL_ERROR "Dear ImGui source missing in ${LIVESCOPE_IMGUI_DIR}: run scripts/bootstrap.sh")
endif()

# [SECTION] FFmpeg static libraries for wasm (scripts/build-ffmpeg-wasm.sh)
if(EMSCRIPTEN)
  set(LIVESCOPE_FFMPEG_DIR ${LIVESCOPE_DEPS_DIR}/ffmpeg-wasm)
  if(NOT EXISTS ${LIVESCOPE_FFMPEG_DIR}/lib/libavcodec.a)
    message(FATAL_ERROR "FFmpeg for wasm missing in ${LIVESCOPE_FFMPEG_DIR}: run scripts/build-ffmpeg-wasm.sh")
  endif()
  add_library(livescope_ffmpeg INTERFACE)
  add_library(livescope::ffmpeg ALIAS livescope_ffmpeg)
  target_include_directories(livescope_ffmpeg SYSTEM INTERFACE ${LIVESCOPE_FFMPEG_DIR}/include)
  target_link_libraries(livescope_ffmpeg INTERFACE
    ${LIVESCOPE_FFMPEG_DIR}/lib/libavformat.a ${LIVESCOPE_FFMPEG_DIR}/lib/libavcodec.a
    ${LIVESCOPE_FFMPEG_DIR}/lib/libswresample.a ${LIVESCOPE_FFMPEG_DIR}/lib/libavutil.a)
endif()
