// Boot script of the standalone player page (shell/player.html): starts one widget on the page's canvas.
(function () {
  'use strict';
  const status = document.getElementById('livescope-status');
  const params = new URLSearchParams(location.search);
  async function boot() {
    const canvas = document.getElementById('livescope-canvas');
    const widget = new LivescopeWidget(canvas, {
      preserveDrawingBuffer: params.has('debug'),
      src: params.get('src') || '', room: params.get('room') || '', title: params.get('title') || '',
      latency: params.get('latency') ? Number(params.get('latency')) : undefined,
      debug: params.has('debug'), muted: params.get('muted') === '1' || params.get('muted') === 'true',
      audioOutput: params.get('audioOutput') || undefined, // LL-HLS is always src/player/hls's HlsSession (no engine choice)
      decoder: params.get('decoder') || undefined, // video decoder path: auto (default), webcodecs, wasm (docs/decode.md)
      lang: params.get('lang') || undefined, token: params.get('token') || undefined,
      abr: params.get('abr') || undefined, // 'off': the first variant throughout
      videoUpload: params.get('videoUpload') || undefined, // WebCodecs frames: auto (default), frame, planes (docs/playback.md)
    });
    (window.livescopeWidgets = window.livescopeWidgets || []).push(widget);
    try {
      await widget.start();
      status.textContent = 'ready';
      document.documentElement.dataset.livescope = 'ready';
    } catch (e) {
      status.textContent = String(e.message || e);
      document.documentElement.dataset.livescope = 'error';
    }
  }
  // The Emscripten module script loads async; every async script has run by 'load'.
  if (document.readyState === 'complete') boot(); else window.addEventListener('load', boot);
})();
