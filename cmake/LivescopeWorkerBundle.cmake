# The dist's player-worker.js: the worker script with the light module's Emscripten glue (livescope_worker_light.js)
# appended, so that on the WebCodecs path the glue comes with the worker script instead of an importScripts request
# chained after it (docs/decode.md, "What the first frame no longer waits for"). player-worker.js's loadModule calls
# livescopeLightGlue() where it exists instead of importScripts; the full module and the HEVC decoder module are still loaded by name.
#   cmake -DWORKER=<player-worker.js> -DGLUE=<livescope_worker_light.js> -DOUT=<file> -P LivescopeWorkerBundle.cmake
file(READ ${WORKER} _worker)
file(READ ${GLUE} _glue)
# The glue is wrapped in a function, evaluated at the module's load (after 'prefetch' has sent the playlist's request and
# configured the decoder, as importScripts was), not while the script itself runs; only its parse comes with the script.
file(WRITE ${OUT} "${_worker}
// [SECTION] The light module's Emscripten glue (livescope_worker_light.js, appended by the build)
function livescopeLightGlue() {
${_glue}
return createLivescopeWorkerLight;
}
")
