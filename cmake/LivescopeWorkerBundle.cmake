# The dist's player-worker.js: the worker script with the light module's Emscripten glue (livescope_worker_light.js)
# appended, so that on the WebCodecs path the glue comes with the worker script instead of an importScripts request
# chained after it (docs/decode.md, "What the first frame no longer waits for"). player-worker.js's loadModule skips
# importScripts for a factory already defined; the full module and the HEVC decoder module are still loaded by name.
#   cmake -DWORKER=<player-worker.js> -DGLUE=<livescope_worker_light.js> -DOUT=<file> -P LivescopeWorkerBundle.cmake
file(READ ${WORKER} _worker)
file(READ ${GLUE} _glue)
file(WRITE ${OUT} "${_worker}\n// [SECTION] The light module's Emscripten glue (livescope_worker_light.js, appended by the build)\n${_glue}")
