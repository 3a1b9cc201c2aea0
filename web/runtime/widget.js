// livescope page runtime: one LivescopeWidget per widget element. Owns the canvas, the page wasm module
// instance (WebGL2 + ImGui), the frame loop and DOM input forwarding. No state outside the instance.
(function (global) {
  'use strict';

  // Folder this script was loaded from; wasm and worker files are found relative to it.
  const SCRIPT_BASE = (() => {
    const s = global.document && global.document.currentScript;
    return s && s.src ? s.src.replace(/[^/]*$/, '') : './';
  })();

  // Plugins extend every widget: web/runtime/playback.js (video/audio) and room.js (relay + overlay).
  // A plugin is a factory (widget) => { start?(), frame?(nowMs), destroy?() }; start() runs once the page
  // module and its app exist (widget.module, widget.app), frame() runs before each rendered frame.
  const PLUGINS = [];

  // One compile per wasm URL per page: every widget instantiates the same WebAssembly.Module. Compiled while it
  // downloads (compileStreaming); a server that sends .wasm without `application/wasm` makes compileStreaming reject
  // (TypeError), and then the bytes are fetched again (the HTTP cache usually has them) and compiled whole.
  const COMPILED = new Map();
  function compileOnce(url) {
    if (!COMPILED.has(url)) {
      const whole = () => fetch(url, { credentials: 'same-origin' }).then((r) => {
        if (!r.ok) throw new Error(`livescope: ${url}: HTTP ${r.status}`);
        return r.arrayBuffer();
      }).then((b) => WebAssembly.compile(b));
      const p = (WebAssembly.compileStreaming
        ? WebAssembly.compileStreaming(fetch(url, { credentials: 'same-origin' })).catch((e) => {
          console.warn(`[livescope] ${url}: streaming compile failed (${e && e.message}); compiling the whole file`);
          return whole();
        })
        : whole()).then((mod) => { mark('page wasm compiled'); return mod; });
      p.catch(() => COMPILED.delete(url));
      COMPILED.set(url, p);
    }
    return COMPILED.get(url);
  }
  // The start-up waterfall's page steps as performance marks (web/runtime/playback.js has the rest).
  function mark(name) { try { performance.mark('livescope:' + name); } catch (e) { /* no User Timing */ } }

  class LivescopeWidget {
    // prepare (optional): (widget) => instance, run before the page module loads; the factory may take it from widget.prepared.
    static registerPlugin(name, factory, prepare) { PLUGINS.push({ name, factory, prepare }); }

    // canvas: an HTMLCanvasElement the widget owns. options: { baseUrl, preserveDrawingBuffer, onError,
    // src, room, title, ... } (plugins read the options they need). events: an EventTarget for widget events.
    constructor(canvas, options = {}) {
      this.plugins = {};
      this.events = options.events || new EventTarget();
      this.canvas = canvas;
      this.options = options;
      this.baseUrl = options.baseUrl || SCRIPT_BASE;
      this.module = null;
      this.app = 0;
      this.running = false;
      this._raf = 0;
      this._listeners = [];
    }

    // Loads the page module and starts the frame loop. Resolves once the first frame is drawn (at once when the widget
    // was destroyed meanwhile). Rejects when the page module cannot load: the caller destroys the widget.
    async start() {
      mark('runtime scripts run');
      // Plugins that can start before the page module do (playback: its worker, so the stream loads while this compiles).
      this.prepared = {};
      for (const { name, prepare } of PLUGINS) {
        if (prepare) try { this.prepared[name] = prepare(this); } catch (e) { console.warn(`[livescope] plugin ${name} failed to prepare:`, e); }
      }
      // A plugin may hold the page module back (playback: until its first frame is on the poster, web/runtime/first-frame.js);
      // options.loadPage (the loader) then loads the page module's script and the room plugins.
      const gates = Object.values(this.prepared).map((p) => p && p.pageGate).filter(Boolean);
      if (gates.length) await Promise.all(gates);
      if (this.destroyed) return;
      if (this.options.loadPage) await this.options.loadPage();
      const factory = global.createLivescopePage;
      if (typeof factory !== 'function') throw new Error('livescope: livescope_page.js is not loaded');
      let compileFailed;
      const failed = new Promise((resolve, reject) => { compileFailed = reject; });
      this.module = await Promise.race([failed, factory({
        canvas: this.canvas,
        locateFile: (path) => this.baseUrl + path,
        instantiateWasm: (imports, receive) => {
          compileOnce(this.baseUrl + 'livescope_page.wasm')
            .then((mod) => WebAssembly.instantiate(mod, imports).then((inst) => receive(inst, mod)))
            .catch((e) => { console.error('[livescope] wasm', e); compileFailed(e); }); // start() rejects
          return {};
        },
        print: (t) => console.log('[livescope]', t),
        printErr: (t) => console.warn('[livescope]', t),
      })]);
      if (this.destroyed) return;
      mark('page module ready');
      const { w, h, dpr } = this._measure();
      // flags: 1 preserveDrawingBuffer, 2 transparent canvas (overlay-only: the page's own picture shows through).
      this.app = this.module._ls_page_create(w, h, dpr, (this.options.preserveDrawingBuffer ? 1 : 0) | (this.options.overlayOnly ? 2 : 0));
      if (!this.app) {
        const err = new Error('livescope: WebGL2 is not available in this browser');
        if (this.options.onError) this.options.onError(err);
        throw err;
      }
      this._bindInput();
      for (const { name, factory } of PLUGINS) {
        try { this.plugins[name] = factory(this) || {}; await (this.plugins[name].start && this.plugins[name].start()); }
        catch (e) { console.warn(`[livescope] plugin ${name} failed to start:`, e); }
      }
      this.running = true;
      return new Promise((resolve) => {
        const frame = (t) => {
          if (!this.running) return;
          this._resizeIfNeeded();
          for (const name in this.plugins) { const p = this.plugins[name]; if (p.frame) p.frame(t); }
          this.module._ls_page_frame(this.app, t);
          if (resolve) { resolve(); resolve = null; }
          this._raf = global.requestAnimationFrame(frame);
        };
        this._raf = global.requestAnimationFrame(frame);
      });
    }

    get frameCount() { return this.app ? this.module._ls_page_frame_count(this.app) : 0; }

    destroy() {
      this.running = false; this.destroyed = true;
      global.cancelAnimationFrame(this._raf);
      for (const [el, type, fn, opts] of this._listeners) el.removeEventListener(type, fn, opts);
      this._listeners = [];
      for (const name in this.prepared) { const p = this.prepared[name]; if (p && p.destroy && this.plugins[name] !== p) p.destroy(); }
      this.prepared = {};
      for (const name in this.plugins) { const p = this.plugins[name]; if (p.destroy) p.destroy(); }
      this.plugins = {};
      if (this.app) { this.module._ls_page_destroy(this.app); this.app = 0; }
    }

    _measure() {
      const rect = this.canvas.getBoundingClientRect();
      const dpr = global.devicePixelRatio || 1;
      return { w: Math.max(1, Math.round(rect.width)), h: Math.max(1, Math.round(rect.height)), dpr };
    }

    _resizeIfNeeded() {
      const { w, h, dpr } = this._measure();
      const fw = Math.round(w * dpr), fh = Math.round(h * dpr);
      if (this.canvas.width !== fw || this.canvas.height !== fh || this._dpr !== dpr) {
        this.canvas.width = fw; this.canvas.height = fh; this._dpr = dpr;
        this.module._ls_page_resize(this.app, w, h, dpr);
      }
    }

    // Dispatches a widget event (ready, playing, waiting, error, viewers, comment, heart, ended).
    emit(type, detail) { this.events.dispatchEvent(new CustomEvent(type, { detail })); }

    _on(el, type, fn, opts) { el.addEventListener(type, fn, opts); this._listeners.push([el, type, fn, opts]); }

    _bindInput() {
      const c = this.canvas, m = this.module;
      const pos = (e) => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
      this._on(c, 'pointermove', (e) => { const [x, y] = pos(e); m._ls_page_pointer_move(this.app, x, y); });
      this._on(c, 'pointerdown', (e) => { const [x, y] = pos(e); m._ls_page_pointer_move(this.app, x, y); m._ls_page_pointer_button(this.app, e.button, 1); });
      this._on(c, 'pointerup', (e) => { m._ls_page_pointer_button(this.app, e.button, 0); });
      this._on(c, 'pointerleave', () => m._ls_page_pointer_leave(this.app));
      // Keep the context restorable, and rebuild the overlay's GL objects when it comes back.
      this._on(c, 'webglcontextlost', (e) => e.preventDefault());
      this._on(c, 'webglcontextrestored', () => m._ls_page_gl_restored(this.app));
    }
  }

  global.LivescopeWidget = LivescopeWidget;
})(globalThis);
