// Export macro for the wasm modules' C API (ls_page_*, ls_playback_*, ls_room_*, ls_worker_*), which
// web/runtime/*.js calls. Natively it only gives C linkage.
#pragma once

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#define LS_EXPORT extern "C" EMSCRIPTEN_KEEPALIVE
#else
#define LS_EXPORT extern "C"
#endif
