// Emscripten JS library: the WebGL edge. Creates this module instance's WebGL2 context on Module.canvas
// (an element the widget owns, possibly inside a Shadow DOM, so no selector lookup) and makes it current.
mergeInto(LibraryManager.library, {
  ls_glue_webgl2_create__deps: ['$GL'],
  // flags: 1 preserveDrawingBuffer, 2 a transparent canvas (alpha: the `overlay-only` widget). Returns a context
  // handle (> 0), or 0 when WebGL2 is unavailable.
  ls_glue_webgl2_create: function (flags) {
    var canvas = Module['canvas'];
    if (!canvas) return 0;
    var attrs = {
      majorVersion: 2, minorVersion: 0, alpha: !!(flags & 2), depth: false, stencil: false, antialias: false,
      premultipliedAlpha: true, preserveDrawingBuffer: !!(flags & 1),
      powerPreference: 'default', failIfMajorPerformanceCaveat: false, enableExtensionsByDefault: true,
    };
    var handle = GL.createContext(canvas, attrs);
    if (handle) GL.makeContextCurrent(handle);
    return handle;
  },
});
