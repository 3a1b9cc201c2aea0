// Emscripten JS library: the WebGL edge. Creates this module instance's WebGL2 context on Module.canvas
// (an element the widget owns, possibly inside a Shadow DOM, so no selector lookup) and makes it current, and
// uploads a WebCodecs VideoFrame straight into the bound texture (web/runtime/playback.js sets Module.lsVideoFrame).
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
  // texImage2D from the VideoFrame in Module.lsVideoFrame into the texture bound to TEXTURE_2D (the browser converts
  // to RGB; no I420 copy through the heap). Returns 1 when uploaded, 0 when there is none or the upload threw.
  ls_glue_upload_video_frame__deps: ['$GL'],
  ls_glue_upload_video_frame: function () {
    var frame = Module['lsVideoFrame'];
    if (!frame || !GLctx) return 0;
    try {
      GLctx.texImage2D(GLctx.TEXTURE_2D, 0, GLctx.RGBA, GLctx.RGBA, GLctx.UNSIGNED_BYTE, frame);
    } catch (e) {
      return 0;
    }
    return 1;
  },
});
