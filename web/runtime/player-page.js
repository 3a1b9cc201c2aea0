// Boot script of the standalone player page (shell/player.html): starts one widget on the page's canvas, on the same
// early path as the embed loader (web/livescope.js): the playback worker starts first (its module, the playlist), the
// first frame goes on the poster (web/runtime/first-frame.js), and the page module (livescope_page.js and its wasm) and
// the room load after it (docs/embed-dist.md, "The first frame before the page module"). Runs before the runtime
// scripts (player.html lists it first), so the worker starts while they load.
(function () {
  'use strict';
  const BASE = ((document.currentScript && document.currentScript.src) || location.href).replace(/[^/]*$/, '');
  const params = new URLSearchParams(location.search);
  const src = params.get('src') || '';
  const decoder = params.get('decoder') || undefined; // video decoder path: auto (default), webcodecs, wasm (docs/decode.md)
  const mark = (name) => { try { performance.mark('livescope:' + name); } catch (e) { /* no User Timing */ } };
  mark('loader run');

  // The playback worker with its 'prefetch' (as the loader's earlyWorker): web/runtime/playback.js takes it over, with
  // what it said meanwhile (worker.held). Null where the browser refuses it: playback.js then starts its own.
  function earlyWorker() {
    try {
      const w = new Worker(BASE + 'player-worker.js'), held = w.held = [];
      mark('worker created');
      w.onmessage = (e) => held.push(e.data);
      w.onerror = (e) => held.push({ type: 'fatal', code: 'worker-failed', message: 'the playback worker failed: ' + (e.message || 'error') });
      w.postMessage({ type: 'prefetch', src: new URL(src, location.href).href, baseUrl: new URL(BASE, location.href).href, decoder: decoder || 'auto' });
      return w;
    } catch (e) { return null; }
  }
  const worker = src ? earlyWorker() : null;

  // The page module and the room: after the first frame on the WebCodecs path (widget.js calls options.loadPage when
  // playback's gate opens), at once on the wasm path (decoder=wasm, no VideoDecoder) or without a src. Inserted at once,
  // fetched in parallel, run in order; the page module's wasm downloads beside them (widget.js compiles this response).
  let pageRuntime = null;
  function loadPage() {
    if (!pageRuntime) {
      mark('page runtime requested');
      const l = document.createElement('link');
      l.rel = 'preload'; l.as = 'fetch'; l.href = BASE + 'livescope_page.wasm'; l.crossOrigin = 'anonymous';
      document.head.appendChild(l);
      pageRuntime = Promise.all(['room.js', 'livescope_page.js'].map((file) => new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = BASE + file; s.async = false;
        s.onload = resolve; s.onerror = () => reject(new Error('livescope: cannot load ' + BASE + file));
        document.head.appendChild(s);
      })));
      pageRuntime.catch(() => { pageRuntime = null; });
    }
    return pageRuntime;
  }
  const posterFirst = !!src && decoder !== 'wasm' && typeof window.VideoDecoder === 'function';
  if (!posterFirst) loadPage().catch(() => {}); // a failure is widget.start's, below

  const status = document.getElementById('livescope-status');
  async function boot() {
    const canvas = document.getElementById('livescope-canvas');
    const widget = new LivescopeWidget(canvas, {
      worker, baseUrl: BASE, loadPage,
      preserveDrawingBuffer: params.has('debug'),
      src, room: params.get('room') || '', title: params.get('title') || '',
      latency: params.get('latency') ? Number(params.get('latency')) : undefined,
      debug: params.has('debug'), muted: params.get('muted') === '1' || params.get('muted') === 'true',
      audioOutput: params.get('audioOutput') || undefined, // LL-HLS is always src/player/hls's HlsSession (no engine choice)
      decoder,
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
      // Nothing left running behind the message: the widget (its worker, audio, poster), and the early worker if it was
      // never handed over.
      widget.destroy();
      if (worker) worker.terminate();
      status.textContent = String(e.message || e);
      document.documentElement.dataset.livescope = 'error';
    }
  }
  // The runtime scripts after this one (widget.js, playback.js, first-frame.js) have all run by DOMContentLoaded.
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot); else boot();
})();
