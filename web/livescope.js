// livescope embed loader: <script src=".../livescope.js" async> mounts every <live-scope> element and every
// <div class="livescope" data-src>, now and later. Each widget gets a Shadow DOM; the heavy runtime (wasm,
// worker) loads only when a widget scrolls near the viewport. Keep this file small: it is on every page.
//
// [SECTION] config and strings
// [SECTION] runtime loading
// [SECTION] Mount (one widget's shadow DOM, lazy start, controls)
// [SECTION] <live-scope> element and div.livescope
(function () {
  'use strict';
  if (!window.customElements || customElements.get('live-scope')) return; // old browser, or loaded twice

  //---------------------------------------------------------------------------
  // [SECTION] config and strings
  //---------------------------------------------------------------------------
  const SCRIPT = document.currentScript;
  const BASE = ((SCRIPT && SCRIPT.src) || location.href).replace(/[^/]*$/, '');
  const ATTRS = ['src', 'room', 'title', 'aspect', 'muted', 'autoplay', 'latency', 'lang', 'token', 'hearts', 'comments', 'poster', 'abr', 'decoder', 'overlay-only'];
  // Interface strings, per language: web/ui_strings.json, their one source, which the build writes in place of
  // the marker below (src/app/CMakeLists.txt; the overlay's C++ defaults come from the same file). Keys shared
  // with the overlay (src/app/page/interaction.cpp): live, send, placeholder, placeholderShort, joined, pinned,
  // total, sendHeart; the rest label the DOM controls. Short forms are used only when the full one does not
  // fit (docs/overlay.md); the sound button then shows its icon alone.
  const STRINGS = /*@LIVESCOPE_UI_STRINGS@*/ {};
  function pickLang(attr) {
    for (const l of [attr, ...(navigator.languages || [navigator.language])]) {
      const k = String(l || '').toLowerCase().split('-')[0];
      if (STRINGS[k]) return k;
    }
    return 'en';
  }
  // Intl's compact notation in the widget's language (the room's viewer count, room.js), made at its first use: building
  // it loads the locale's data, tens of ms before the worker could start (docs/decode.md, First frame).
  function compactFormat(lang) {
    let f = null;
    return { format(n) { return (f || (f = new Intl.NumberFormat(lang, { notation: 'compact', maximumFractionDigits: 1 }))).format(n); } };
  }
  function readOptions(host) {
    const o = {};
    for (const a of ATTRS) {
      const v = host.hasAttribute(a) ? host.getAttribute(a) : host.getAttribute('data-' + a);
      if (v !== null) o[a] = v;
    }
    const off = (v) => v === 'off' || v === 'false' || v === '0';
    o.lang = pickLang(o.lang);
    o.strings = STRINGS[o.lang];
    o.aspect = o.aspect === '16:9' ? '16:9' : '9:16';
    o.autoplay = !('autoplay' in o) || !off(o.autoplay);
    o.startMuted = 'muted' in o && !off(o.muted);
    o.hearts = !off(o.hearts); o.comments = !off(o.comments);
    o.latency = o.latency ? Number(o.latency) : undefined;
    // overlay-only: no video at all (src ignored), a transparent canvas with the overlay, to lay over the page's own <video>.
    o.overlayOnly = 'overlay-only' in o && !off(o['overlay-only']);
    if (o.overlayOnly) { delete o.src; delete o.poster; }
    o.numberFormat = compactFormat(o.lang);
    return o;
  }

  //---------------------------------------------------------------------------
  // [SECTION] runtime loading (once per page, in order)
  //---------------------------------------------------------------------------
  // The start-up waterfall as performance marks 'livescope:<step>' (docs/decode.md, First frame).
  const mark = (name) => { try { performance.mark('livescope:' + name); } catch (e) { /* no User Timing */ } };
  mark('loader run');
  function preload(file, as) {
    const l = document.createElement('link');
    l.rel = 'preload'; l.as = as; l.href = BASE + file; l.crossOrigin = 'anonymous';
    document.head.appendChild(l);
  }
  // The worker's wasm (livescope_worker_light.wasm where the browser decodes video, else livescope_worker.wasm: the
  // worker's own choice, loadModule in player-worker.js), compiled here once per page from the first widget's start, while
  // the worker script and the Emscripten glue download, and posted to each widget's worker ({type:'module'}: a
  // WebAssembly.Module is structured-cloneable), which instantiates it. Null when it cannot be compiled here (no
  // compileStreaming, a server that sends .wasm without application/wasm, an error): the worker then fetches its own.
  const compiled = new Map();
  // The WebCodecs path (the light worker module, the poster first): the browser has VideoDecoder and `decoder` is not wasm.
  const webCodecsPath = (o) => (o.decoder || 'auto') !== 'wasm' && typeof window.VideoDecoder === 'function';
  function workerWasm(file) {
    if (!compiled.has(file)) {
      let p = Promise.resolve(null);
      try {
        if (WebAssembly.compileStreaming) p = WebAssembly.compileStreaming(fetch(BASE + file, { credentials: 'same-origin' })).then((m) => { mark('worker wasm compiled'); return m; }, () => null);
      } catch (e) { /* no WebAssembly */ }
      compiled.set(file, p);
    }
    return compiled.get(file);
  }
  // The playback worker, started before the runtime with its 'prefetch' options in its name (web/runtime/player-worker.js,
  // "Early start"); what it says before web/runtime/playback.js takes it over waits in worker.held. Null where the browser refuses the script
  // (cross-origin: playback.js then starts it from a Blob URL).
  function earlyWorker(o) {
    try {
      const file = webCodecsPath(o) ? 'livescope_worker_light.wasm' : 'livescope_worker.wasm';
      const prefetch = { src: new URL(o.src, location.href).href, baseUrl: new URL(BASE, location.href).href, decoder: o.decoder || 'auto',
        latency: Number(o.latency) || 0, abr: o.abr !== 'off', wasm: file };
      // In the worker's name, read as its script ends: a message would reach it only once this page's main thread relays it.
      const w = new Worker(BASE + 'player-worker.js', { name: 'livescope:' + JSON.stringify(prefetch) }), held = w.held = [];
      mark('worker created');
      w.onmessage = (e) => held.push(e.data);
      w.onerror = (e) => held.push({ type: 'fatal', code: 'worker-failed', message: 'the playback worker failed: ' + (e.message || 'error') });
      workerWasm(file).then((module) => { try { w.postMessage({ type: 'module', file, module }); } catch (e) { w.postMessage({ type: 'module', file, module: null }); } });
      return w;
    } catch (e) { return null; }
  }
  // Two parts: what the first frame needs, and the page module with the room (docs/embed-dist.md, "The first frame before the
  // page module"). On the WebCodecs path the second loads when widget.js asks (options.loadPage: the first frame is on the
  // poster); on the wasm path (decoder=wasm, no VideoDecoder) or without a src, with the first, as one.
  const RUNTIME = ['widget.js', 'playback.js', 'first-frame.js'];
  const PAGE_RUNTIME = ['room-replay.js', 'room.js', 'livescope_page.js']; // room-replay.js: before room.js, which uses it
  const posterFirst = (o) => !!o.src && webCodecsPath(o);
  // Inserted at once: fetched in parallel (no round trip chained on the previous one), run in order (async=false).
  function scripts(files) {
    return Promise.all(files.map((file) => new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = BASE + file; s.async = false;
      s.onload = resolve; s.onerror = () => reject(new Error('livescope: cannot load ' + BASE + file));
      document.head.appendChild(s);
    })));
  }
  let runtime = null, pageRuntime = null;
  function loadRuntime() {
    if (!runtime) {
      mark('runtime requested');
      runtime = scripts(RUNTIME);
      runtime.catch(() => { runtime = null; });
    }
    return runtime;
  }
  function loadPageRuntime() {
    if (!pageRuntime) {
      mark('page runtime requested');
      // The page module's wasm downloads beside the scripts (widget.js compiles it from this response).
      preload('livescope_page.wasm', 'fetch');
      pageRuntime = scripts(PAGE_RUNTIME);
      pageRuntime.catch(() => { pageRuntime = null; });
    }
    return pageRuntime;
  }

  const CSS = `
:host{display:block;position:relative;width:100%;contain:content}
.box{position:relative;width:100%;margin:0 auto;background:#0b0d14;border-radius:12px;overflow:hidden;color:#fff;font:14px/1.3 system-ui,sans-serif}
.box.portrait{aspect-ratio:9/16;max-width:calc(85vh * 9 / 16)}
.box.landscape{aspect-ratio:16/9}
.box:fullscreen{max-width:none;border-radius:0}
canvas,img.poster{position:absolute;inset:0;width:100%;height:100%;display:block}
canvas{touch-action:manipulation;outline:none}
canvas:focus-visible{box-shadow:inset 0 0 0 3px #7cf}
img.poster{object-fit:cover}
.controls{position:absolute;top:60px;right:8px;display:flex;gap:6px;align-items:center;width:max-content}
.controls.compact .label{display:none}
button.sound{display:flex;gap:5px;align-items:center}
button{font:inherit;font-size:13px;color:#fff;background:rgba(0,0,0,.72);border:1px solid rgba(255,255,255,.35);border-radius:16px;padding:5px 10px;cursor:pointer;line-height:16px}
button svg{display:block;width:16px;height:16px}
button:focus-visible{outline:3px solid #7cf;outline-offset:1px}
button[hidden]{display:none}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.msg{position:absolute;left:0;right:0;top:45%;text-align:center;padding:0 16px;text-shadow:0 1px 3px #000}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.box.overlay-only{background:transparent}
.livescope-questions-tab:focus-visible,.livescope-ask-toggle:focus-visible,.livescope-vote:focus-visible{opacity:1!important;outline:3px solid #7cf!important;border-radius:6px}`;
  let sheet = null;
  function adoptStyles(shadow) {
    // Constructable stylesheets need no 'unsafe-inline' under a strict CSP; <style> is the fallback.
    try {
      if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
      shadow.adoptedStyleSheets = [sheet];
    } catch (e) {
      const st = document.createElement('style'); st.textContent = CSS; shadow.appendChild(st);
    }
  }

  //---------------------------------------------------------------------------
  // [SECTION] Mount: one widget's shadow DOM, lazy start, controls
  //---------------------------------------------------------------------------
  // A 20x20 stroked SVG icon (DOM-built: no innerHTML, CSP-safe).
  function icon(d) {
    const NS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 20 20'); svg.setAttribute('aria-hidden', 'true');
    const path = document.createElementNS(NS, 'path');
    path.setAttribute('d', d); path.setAttribute('fill', 'none'); path.setAttribute('stroke', 'currentColor'); path.setAttribute('stroke-width', '2');
    svg.appendChild(path);
    return svg;
  }
  const el = (tag, props, parent) => { const e = Object.assign(document.createElement(tag), props); if (parent) parent.appendChild(e); return e; };

  class Mount {
    constructor(host) {
      this.host = host;
      this.opts = readOptions(host);
      this.widget = null;
      this.state = { paused: !this.opts.autoplay, muted: true, volume: 1 }; // autoplay is always muted
      this.room = { viewers: NaN, total: NaN, hearts: 0 };
      host.addEventListener('viewers', (e) => { if (e.detail) { this.room.viewers = e.detail.live; this.room.total = e.detail.total; } });
      host.addEventListener('heart', (e) => { if (e.detail && !e.detail.own) this.room.hearts += e.detail.count || 0; });
      const shadow = host.shadowRoot || host.attachShadow({ mode: 'open' });
      adoptStyles(shadow);
      const S = this.opts.strings;
      const box = this.box = el('div', { className: 'box ' + (this.opts.aspect === '16:9' ? 'landscape' : 'portrait') + (this.opts.overlayOnly ? ' overlay-only' : '') }, shadow);
      box.setAttribute('part', 'box');
      box.setAttribute('lang', this.opts.lang);
      if (this.opts.poster) el('img', { className: 'poster', src: this.opts.poster, alt: '' }, box);
      this.canvas = el('canvas', { tabIndex: 0 }, box);
      this.canvas.setAttribute('role', 'img');
      this.canvas.setAttribute('aria-label', (this.opts.title ? this.opts.title + '. ' : '') + S.video);
      const controls = el('div', { className: 'controls' }, box);
      this.soundBtn = el('button', { type: 'button', className: 'sound' }, controls);
      this.soundBtn.appendChild(icon('M3 8h3l4-4v12l-4-4H3zM13 7l4 6M17 7l-4 6'));
      el('span', { className: 'label', textContent: S.sound }, this.soundBtn);
      this.soundBtn.setAttribute('aria-label', S.sound);
      this.controls = controls;
      this.fsBtn = el('button', { type: 'button', className: 'fullscreen' }, controls);
      this.fsBtn.appendChild(icon('M3 7V3h4M13 3h4v4M17 13v4h-4M7 17H3v-4'));
      this.fsBtn.setAttribute('aria-label', S.fullscreen);
      this.msg = el('div', { className: 'msg', textContent: S.loading }, box);
      this.msg.setAttribute('role', 'status');
      // The broadcast state's message, drawn on the canvas by the overlay, mirrored here for screen readers.
      this.stateMsg = el('div', { className: 'sr' }, box);
      this.stateMsg.setAttribute('role', 'status');
      this.soundBtn.addEventListener('click', () => this.setMuted(!this.state.muted));
      this.fsBtn.addEventListener('click', () => this.toggleFullscreen());
      this._onFs = () => this.fsBtn.setAttribute('aria-label', document.fullscreenElement === box ? S.exitFullscreen : S.fullscreen);
      document.addEventListener('fullscreenchange', this._onFs);
      // The first gesture inside the widget unlocks audio, unless the publisher asked for muted.
      this._unlock = () => { if (!this.opts.startMuted && this.state.muted) this.setMuted(false); };
      box.addEventListener('pointerdown', this._unlock, { once: true });
      // Lazy: load the runtime when the widget comes within 300px of the viewport.
      // One already within reach starts now (the observer's first report comes a frame later); one out of view waits.
      const r = host.getBoundingClientRect();
      if ((r.width || r.height) && r.bottom > -300 && r.top < innerHeight + 300 && r.right > -300 && r.left < innerWidth + 300) this.start();
      else if ('IntersectionObserver' in window) {
        this.io = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) { this.io.disconnect(); this.start(); } }, { rootMargin: '300px' });
        this.io.observe(host);
      } else this.start();
    }

    async start() {
      if (this.widget || this.destroyed) return;
      // The playback worker starts beside the runtime scripts: its module and the playlist load meanwhile (docs/decode.md, First frame).
      const worker = this.opts.src ? earlyWorker(this.opts) : null;
      let w = null;
      try {
        const ready = loadRuntime(); // first: the page runtime's scripts run after these (async=false runs in insertion order)
        if (!posterFirst(this.opts)) loadPageRuntime().catch(() => {}); // today's order (a failure is loadPage's, below)
        await ready;
        if (this.destroyed) { if (worker) worker.terminate(); return; }
        w = this.widget = new window.LivescopeWidget(this.canvas, Object.assign({}, this.opts, {
          worker, baseUrl: BASE, events: this.host, muted: this.opts.startMuted, paused: this.state.paused,
          loadPage: loadPageRuntime, onFirstFrame: () => this.firstFrame(), // the poster (first-frame.js) or the page module
          container: this.box, controls: this.controls, debug: this.host.hasAttribute('debug'), preserveDrawingBuffer: this.host.hasAttribute('debug'),
          onError: (e) => this.fail(e),
          swapSrc: (url) => this.swapSrc(url), // "Watch the replay" (room-replay.js): the same element plays the recording
        }));
        this.host.addEventListener('playing', () => this.firstFrame());
        this.host.addEventListener('statechange', (e) => {
          const st = e.detail && e.detail.state;
          if (st !== 'error') this.msg.textContent = ''; // the canvas shows the state
          this.stateMsg.textContent = st === 'starting' || st === 'reconnecting' || st === 'ended'
            ? (this.opts.title && st !== 'reconnecting' ? this.opts.title + '. ' : '') + this.opts.strings[st] : '';
        });
        this.host.addEventListener('error', (e) => { if (e.detail) this.msg.textContent = (e.detail.message || this.opts.strings.error); });
        await w.start();
        if (this.widget !== w) return; // destroyed or swapped meanwhile
        this.applyState();
        if (!this.opts.src) this.msg.textContent = '';
        w.emit('ready', {});
      } catch (e) {
        // Nothing left running: the widget (its worker, audio, poster) and the early worker if it was never handed over.
        const stale = w && this.widget !== w; // destroyed or swapped meanwhile: not this start's error to show
        if (w) { w.destroy(); if (this.widget === w) this.widget = null; }
        if (worker) worker.terminate();
        if (!stale && !this.destroyed) this.fail(e);
      }
    }

    // The first picture (the poster or the page module's): the loading message and the publisher's poster image go.
    firstFrame() { this.msg.textContent = ''; const p = this.box.querySelector('.poster'); if (p) p.remove(); }

    // Swaps `src` in place (the attribute follows) and starts the widget again on it.
    swapSrc(url) {
      if (this.destroyed || typeof url !== 'string' || !url) return;
      this.opts.src = url;
      this.host.setAttribute(this.host.hasAttribute('data-src') && !this.host.hasAttribute('src') ? 'data-src' : 'src', url);
      if (this.widget) { this.widget.destroy(); this.widget = null; }
      this.msg.textContent = this.opts.strings.loading;
      this.start();
    }

    fail(e) {
      this.msg.textContent = this.opts.strings.error + ': ' + (e && e.message ? e.message : e);
      this.host.dispatchEvent(new CustomEvent('error', { detail: { code: 'load', message: String(e && e.message || e) } }));
    }

    get playback() { return this.widget && this.widget.plugins.playback; }
    get qa() { const r = this.widget && this.widget.plugins.room; return r && r.ask ? r : null; }

    applyState() {
      const p = this.playback;
      this.soundBtn.hidden = !this.state.muted || this.opts.overlayOnly; // overlay-only: no sound, the page owns its picture
      this.fsBtn.hidden = this.opts.overlayOnly;
      if (!p) return;
      if (p.setMuted) p.setMuted(this.state.muted);
      if (p.setVolume) p.setVolume(this.state.volume);
      if (this.state.paused) { if (p.pause) p.pause(); } else if (p.play) p.play();
    }

    setMuted(m) { this.state.muted = !!m; this.applyState(); }
    setVolume(v) { this.state.volume = Math.min(1, Math.max(0, Number(v) || 0)); this.applyState(); }
    play() { this.state.paused = false; this.applyState(); if (!this.widget) this.start(); return Promise.resolve(); }
    pause() { this.state.paused = true; this.applyState(); }

    // latency, buffer (s); fps, droppedFrames; bitrate (bit/s); variant, height, abr; decoder, demuxer, demuxSwitch, videoUpload; viewers (live); hearts (received);
    // firstFrameMs (from start) and firstFrameBy (poster: first-frame.js before the page module, or page).
    stats() {
      const pb = this.playback || (this.widget && this.widget.prepared && this.widget.prepared.playback); // before the page module: the poster's
      const p = pb && typeof pb.stats === 'function' ? pb.stats() : null;
      return {
        latency: p ? p.latency : NaN, buffer: p ? p.buffer : NaN, fps: p ? p.decodedFps : NaN,
        droppedFrames: p ? p.dropped : 0, bitrate: p ? p.bitrate : NaN, variant: p ? p.variant : -1,
        height: p ? p.height : 0, abr: p ? p.abr : null, decoder: p ? p.decoder : '', demuxer: p ? p.demuxer || '' : '', demuxSwitch: p ? p.demuxSwitch || '' : '', videoUpload: p ? p.videoUpload || '' : '',
        viewers: this.room.viewers, totalViewers: this.room.total, hearts: this.room.hearts,
        framesShown: p ? p.framesShown : 0, firstFrameMs: p ? p.firstFrameMs : NaN, firstFrameBy: p ? p.firstFrameBy : '', detail: p,
      };
    }

    toggleFullscreen() {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (this.box.requestFullscreen) this.box.requestFullscreen().catch(() => {});
    }

    destroy() {
      this.destroyed = true;
      if (this.io) this.io.disconnect();
      document.removeEventListener('fullscreenchange', this._onFs);
      if (this.widget) this.widget.destroy();
      this.widget = null;
    }
  }

  //---------------------------------------------------------------------------
  // [SECTION] <live-scope> element and div.livescope (same API, shaped like HTMLMediaElement)
  //---------------------------------------------------------------------------
  const API = {
    play: { value() { return this._ls ? this._ls.play() : Promise.resolve(); } },
    pause: { value() { if (this._ls) this._ls.pause(); } },
    paused: { get() { const p = this._ls && this._ls.playback; return p && p.replay ? p.paused : (this._ls ? this._ls.state.paused : true); } },
    muted: { get() { return this._ls ? this._ls.state.muted : true; }, set(v) { if (this._ls) this._ls.setMuted(v); } },
    volume: { get() { return this._ls ? this._ls.state.volume : 1; }, set(v) { if (this._ls) this._ls.setVolume(v); } },
    stats: { get() { return this._ls ? this._ls.stats() : null; } },
    // Replay and DVR (docs/replay.md): position in seconds from the start (of the recording, or of the live DVR window),
    // the recording's duration (NaN live), the PDT of the frame on screen (epoch ms), whether it plays a recording.
    currentTime: { get() { const p = this._ls && this._ls.playback; return p && p.currentTime ? p.currentTime() : NaN; }, set(v) { this.seek(v); } },
    duration: { get() { const p = this._ls && this._ls.playback; return p && p.duration ? p.duration() : NaN; } },
    streamTime: { get() { const p = this._ls && this._ls.playback; return p && p.streamTime ? p.streamTime() : NaN; } },
    replay: { get() { const p = this._ls && this._ls.playback; return !!(p && p.replay); } },
    seek: { value(seconds) { const p = this._ls && this._ls.playback; return p && p.seek ? p.seek(seconds) : false; } },
    goLive: { value() { const p = this._ls && this._ls.playback; if (p && p.goLive) p.goLive(); } },
    // Live Q&A (QA-SPEC.md): ask(text), vote(id, on), moderate(action, {id, userId, durationS, slowS, hold, blockedWords}).
    // Each returns true when something was queued for the relay (false before the room is up or for bad arguments).
    ask: { value(text) { const r = this._ls && this._ls.qa; return r ? r.ask(text) : false; } },
    vote: { value(id, on = true) { const r = this._ls && this._ls.qa; return r ? r.vote(id, on) : false; } },
    moderate: { value(action, args) { const r = this._ls && this._ls.qa; return r ? r.moderate(action, args) : false; } },
  };

  class LiveScopeElement extends HTMLElement {
    connectedCallback() { if (!this._ls) this._ls = new Mount(this); }
    disconnectedCallback() { if (this._ls) { this._ls.destroy(); this._ls = null; } }
  }
  Object.defineProperties(LiveScopeElement.prototype, API);
  customElements.define('live-scope', LiveScopeElement);

  // CMSs strip unknown tags: <div class="livescope" data-src="..."> mounts the same widget.
  function mountDivs(root) {
    const list = root.matches && root.matches('div.livescope[data-src]') ? [root] : [];
    if (root.querySelectorAll) list.push(...root.querySelectorAll('div.livescope[data-src]'));
    for (const d of list) if (!d._ls) { Object.defineProperties(d, API); d._ls = new Mount(d); }
  }
  function unmountDivs(root) {
    const list = root._ls && !(root instanceof LiveScopeElement) ? [root] : [];
    if (root.querySelectorAll) for (const d of root.querySelectorAll('div.livescope')) if (d._ls) list.push(d);
    for (const d of list) { d._ls.destroy(); d._ls = null; }
  }
  const boot = () => {
    mountDivs(document);
    new MutationObserver((records) => {
      for (const r of records) {
        r.addedNodes.forEach((n) => n.nodeType === 1 && mountDivs(n));
        r.removedNodes.forEach((n) => n.nodeType === 1 && !n.isConnected && unmountDivs(n));
      }
    }).observe(document.documentElement, { childList: true, subtree: true });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot); else boot();
})();
