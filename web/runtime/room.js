// livescope room plugin (page side): the thin web edge of the interaction layer. The policy (join,
// resync, dedupe, reconnect backoff, what to send) is C++ in the page module (src/app/page/interaction.cpp,
// room_client.cpp); this file only moves bytes and DOM events across.
//
// [SECTION] Options: `room` is "ws://host:port/ws#roomname" or "ws://host:port/ws?room=roomname"
//           (http(s) URLs are mapped to ws(s)); also `title`, `token`, `hearts`, `comments`, `strings`,
//           `controls` (the DOM row of sound/fullscreen buttons the overlay's layout places).
// [SECTION] RoomSocket: the WebSocket edge (text frames only)
// [SECTION] RoomLog: the visually hidden comment log (role="log", textContent only) and viewer count
// [SECTION] RoomInput: heart button and compose <input> laid over the canvas (keyboard, IME, focus)
// [SECTION] The plugin
(function (global) {
  'use strict';
  if (!global.LivescopeWidget) return;
  // The widget's UI strings, per language: web/ui_strings.json (their one source), written here by the build.
  const UI_STRINGS = /*@LIVESCOPE_UI_STRINGS@*/ {};
  const doc = global.document;

  //---------------------------------------------------------------------------
  // [SECTION] Options
  //---------------------------------------------------------------------------

  // Returns { url, room } or null. The room name travels in the fragment or the `room` query field;
  // the URL sent to the WebSocket has no fragment.
  function parseRoomOption(value) {
    if (!value || typeof value !== 'string') return null;
    let url;
    try { url = new URL(value, global.location && global.location.href); } catch (e) { return null; }
    if (url.protocol === 'http:') url.protocol = 'ws:';
    else if (url.protocol === 'https:') url.protocol = 'wss:';
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return null;
    let room = '';
    if (url.hash.length > 1) { try { room = decodeURIComponent(url.hash.slice(1)); } catch (e) { room = ''; } }
    if (!room) room = url.searchParams.get('room') || '';
    url.hash = '';
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(room)) return null;
    return { url: url.href, room };
  }

  // A stable id per browser (unique-viewer counts); none where storage is blocked.
  function clientId() {
    try {
      const store = global.localStorage;
      let id = store.getItem('livescope.clientId');
      if (!id) {
        const b = new Uint8Array(12);
        global.crypto.getRandomValues(b);
        id = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
        store.setItem('livescope.clientId', id);
      }
      return id;
    } catch (e) { return ''; }
  }

  // Calls fn(ptr) with `text` as a NUL-terminated UTF-8 copy in the module's heap.
  function withUtf8(m, text, fn) {
    const s = String(text == null ? '' : text);
    const n = m.lengthBytesUTF8(s) + 1;
    const p = m._malloc(n);
    try { m.stringToUTF8(s, p, n); return fn(p); } finally { m._free(p); }
  }

  const VISUALLY_HIDDEN = 'position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;' +
    'clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap;';

  //---------------------------------------------------------------------------
  // [SECTION] RoomSocket: one WebSocket at a time; reconnect timing is decided in C++.
  //---------------------------------------------------------------------------

  class RoomSocket {
    // handlers: { open(), message(text), close() }
    constructor(url, handlers) { this.url = url; this.h = handlers; this.ws = null; }

    open() {
      this.close();
      let ws;
      try { ws = new global.WebSocket(this.url); } catch (e) { queueMicrotask(() => this.h.close()); return; }
      this.ws = ws;
      ws.onopen = () => { if (this.ws === ws) this.h.open(); };
      ws.onmessage = (e) => { if (this.ws === ws && typeof e.data === 'string') this.h.message(e.data); };
      ws.onclose = () => { if (this.ws === ws) { this.ws = null; this.h.close(); } };
    }

    send(text) {
      const ws = this.ws;
      if (ws && ws.readyState === 1) { try { ws.send(text); } catch (e) { /* closing; onclose follows */ } }
    }

    close() {
      const ws = this.ws;
      this.ws = null;
      if (!ws) return;
      ws.onopen = ws.onmessage = ws.onclose = null;
      try { ws.close(1000); } catch (e) { /* already closed */ }
    }
  }

  //---------------------------------------------------------------------------
  // [SECTION] RoomLog: mirrors each comment as text for assistive technology. Never innerHTML.
  //---------------------------------------------------------------------------

  class RoomLog {
    constructor(parent, label, maxEntries = 50) {
      this.max = maxEntries;
      this.el = doc.createElement('div');
      this.el.setAttribute('role', 'log');
      this.el.setAttribute('aria-live', 'polite');
      this.el.setAttribute('aria-label', label);
      this.el.className = 'livescope-comment-log';
      this.el.style.cssText = VISUALLY_HIDDEN;
      this.viewers = doc.createElement('p');
      this.viewers.className = 'livescope-viewers';
      this.viewers.style.cssText = VISUALLY_HIDDEN;
      parent.appendChild(this.viewers);
      parent.appendChild(this.el);
    }

    add(id, author, text) {
      const p = doc.createElement('p');
      p.dataset.id = id || '';
      const who = doc.createElement('span');
      who.className = 'livescope-comment-author';
      who.textContent = author;
      const body = doc.createElement('span');
      body.className = 'livescope-comment-text';
      body.textContent = text;
      p.append(who, doc.createTextNode(': '), body);
      this.el.appendChild(p);
      while (this.el.childElementCount > this.max) this.el.firstElementChild.remove();
    }

    remove(id) {
      for (const p of Array.from(this.el.children)) if (id && p.dataset.id === id) p.remove();
    }

    setViewers(live, total) {
      this.viewers.dataset.live = String(live);
      this.viewers.dataset.total = String(total);
      this.viewers.textContent = `${live} watching, ${total} total`;
    }
  }

  //---------------------------------------------------------------------------
  // [SECTION] RoomInput: real DOM controls placed over the overlay's heart button and compose box, so
  // keyboards (physical, on-screen, IME) and screen readers work. Only their own events are handled;
  // nothing listens on the document, so the host page's fields keep every key.
  //---------------------------------------------------------------------------

  class RoomInput {
    // api: { heart(), focus(which), setText(value) -> bool changed, text(), submit(), flush() }
    constructor(canvas, layer, api, labels) {
      this.canvas = canvas; this.layer = layer; this.api = api; this.composing = false;
      this.sendRect = null; // [x, y, w, h], CSS px from the canvas' top-left
      this.listeners = [];
      const place = 'position:absolute;left:0;top:0;width:0;height:0;margin:0;padding:0;border:0;opacity:0;' +
        'pointer-events:auto;background:transparent;outline:none;';

      this.heart = doc.createElement('button');
      this.heart.type = 'button';
      this.heart.className = 'livescope-heart-button';
      this.heart.setAttribute('aria-label', labels.sendHeart);
      this.heart.style.cssText = place + 'cursor:pointer;';
      layer.appendChild(this.heart);

      this.input = doc.createElement('input');
      this.input.type = 'text';
      this.input.className = 'livescope-compose-input';
      this.input.setAttribute('aria-label', labels.placeholder);
      this.input.setAttribute('enterkeyhint', 'send');
      this.input.setAttribute('autocomplete', 'off');
      this.input.spellcheck = true;
      // 16px keeps mobile browsers from zooming on focus; the text itself is drawn by the overlay.
      this.input.style.cssText = place + 'font-size:16px;color:transparent;caret-color:transparent;';
      layer.appendChild(this.input);

      const on = (el, type, fn) => { el.addEventListener(type, fn); this.listeners.push([el, type, fn]); };
      on(this.heart, 'click', () => { api.heart(); api.flush(); });
      on(this.heart, 'focus', () => api.focus(1));
      on(this.heart, 'blur', () => api.focus(0));
      on(this.input, 'focus', () => api.focus(2));
      on(this.input, 'blur', () => api.focus(0));
      on(this.input, 'compositionstart', () => { this.composing = true; });
      on(this.input, 'compositionend', () => { this.composing = false; this.sync(); });
      on(this.input, 'input', (e) => { if (e.isComposing || this.composing) api.setText(this.input.value); else this.sync(); });
      // The overlay draws its Send button inside the compose box, under this input: a tap there sends.
      on(this.input, 'click', (e) => {
        const r = this.sendRect, c = this.canvas.getBoundingClientRect();
        const x = e.clientX - c.left, y = e.clientY - c.top;
        if (r && x >= r[0] && y >= r[1] && x < r[0] + r[2] && y < r[1] + r[3]) { this.sync(); api.submit(); api.flush(); }
      });
      on(this.input, 'keydown', (e) => {
        if (e.isComposing || e.keyCode === 229) return; // the IME owns this key
        if (e.key === 'Enter') { e.preventDefault(); this.sync(); api.submit(); api.flush(); }
        else if (e.key === 'Escape') this.input.blur();
      });
    }

    // Pushes the input's value into the compose model; writes the model back when it differs (cut at
    // 280 code points, control characters dropped).
    sync() { if (this.api.setText(this.input.value)) this.input.value = this.api.text(); }

    setText(text) { if (!this.composing && this.input.value !== text) this.input.value = text; }

    setFocus(focused) {
      if (focused && doc.activeElement !== this.input) this.input.focus({ preventScroll: true });
      else if (!focused && doc.activeElement === this.input) this.input.blur();
    }

    // Rects are [x, y, w, h] in CSS pixels from the canvas' top-left.
    place(el, r) {
      const s = el.style;
      const v = r && r[2] > 0 && r[3] > 0 ? r : [0, 0, 0, 0];
      const key = v.map((x) => Math.round(x)).join(',');
      if (el._lsRect === key) return;
      el._lsRect = key;
      s.left = `${Math.round(v[0])}px`; s.top = `${Math.round(v[1])}px`;
      s.width = `${Math.round(v[2])}px`; s.height = `${Math.round(v[3])}px`;
      el.hidden = !(v[2] > 0);
    }

    destroy() {
      for (const [el, type, fn] of this.listeners) el.removeEventListener(type, fn);
      this.listeners = [];
    }
  }

  //---------------------------------------------------------------------------
  // [SECTION] The plugin: polls the page module once per frame and after input that sends.
  //---------------------------------------------------------------------------

  global.LivescopeWidget.registerPlugin('room', (widget) => {
    const options = widget.options || {};
    const target = parseRoomOption(options.room);
    const title = typeof options.title === 'string' ? options.title : '';
    if (!target && options.room) console.warn('[livescope] room option not understood (want ws://host:port/ws#room):', options.room);
    if (!target && !title) return {}; // nothing to draw: the canvas stays as the app leaves it

    const m = widget.module, app = widget.app, canvas = widget.canvas;
    const strings = Object.assign({}, UI_STRINGS.en, options.strings || {}); // English for what the loader left out
    const state = { viewers: { live: 0, total: 0 }, joined: null, lastError: null, rects: null, reducedMotion: false, connects: 0, joins: 0 };
    let socket = null, layer = null, log = null, input = null, motion = null, onMotion = null, destroyed = false, wakeTimer = 0;

    const now = () => global.performance.now();

    function handleEvent(ev) {
      switch (ev.type) {
        case 'viewers':
          state.viewers = { live: ev.live, total: ev.total };
          log.setViewers(ev.live, ev.total);
          if (options.numberFormat) { // Intl compact notation in the widget's language ("1,2 k" in French)
            withUtf8(m, options.numberFormat.format(ev.live), (pl) => withUtf8(m, options.numberFormat.format(ev.total),
              (pt) => m._ls_room_set_viewer_labels(app, pl, pt)));
          }
          widget.emit('viewers', { live: ev.live, total: ev.total });
          break;
        case 'comment':
          log.add(ev.id, ev.author, ev.text);
          widget.emit('comment', { id: ev.id, author: ev.author, text: ev.text });
          break;
        case 'comment-removed':
          log.remove(ev.id);
          break;
        case 'heart':
          widget.emit('heart', { count: ev.count, own: !!ev.own });
          break;
        case 'joined':
          state.joined = { id: ev.id, name: ev.name, broadcaster: !!ev.broadcaster };
          state.joins++;
          break;
        case 'room-error':
          state.lastError = { code: ev.code, message: ev.message };
          console.warn('[livescope] relay error:', ev.code, ev.message);
          break;
        default:
          break;
      }
    }

    // Moves everything the C++ side queued: sockets to open, frames to send, events, DOM state.
    function flush() {
      if (destroyed || !widget.app) return;
      let r;
      try { r = JSON.parse(m.UTF8ToString(m._ls_room_poll(app, now()))); } catch (e) { return; }
      if (r.connect && socket) { state.connects++; socket.open(); }
      // Timers, not only animation frames, drive reconnects: hidden tabs get no frames.
      if (typeof r.wakeMs === 'number' && !wakeTimer) wakeTimer = global.setTimeout(() => { wakeTimer = 0; flush(); }, r.wakeMs + 5);
      if (socket) for (const frame of r.send || []) socket.send(frame);
      for (const ev of r.events || []) handleEvent(ev);
      if (typeof r.text === 'string') input.setText(r.text);
      if (typeof r.focus === 'boolean') input.setFocus(r.focus);
      if (r.sendButton) input.sendRect = r.sendButton;
      if (r.compose) { input.place(input.input, r.compose); state.rects = { compose: r.compose, sendButton: r.sendButton, heart: r.heart, comments: r.comments }; }
      if (r.heart) input.place(input.heart, r.heart);
      if (r.controls) placeControls(r.controls, r.controlsCompact);
    }

    // The DOM controls row: measured (full and icon-only widths) when its buttons change, placed where
    // the layout puts it, icon-only when the layout says the full labels do not fit.
    const controls = options.controls || null;
    let controlsKey = '';
    function measureControls() {
      if (!controls) return;
      const key = Array.from(controls.children, (c) => (c.hidden ? 0 : 1)).join('');
      if (key === controlsKey) return;
      controlsKey = key;
      const compact = controls.classList.contains('compact');
      controls.classList.remove('compact');
      const full = controls.offsetWidth, height = controls.offsetHeight;
      controls.classList.add('compact');
      const short = controls.offsetWidth;
      controls.classList.toggle('compact', compact);
      if (!full) { controlsKey = ''; return; } // not laid out (hidden container): measure again next frame
      m._ls_room_set_controls(app, full, short, height);
    }
    function placeControls(r, compact) {
      if (!controls || !r || !(r[2] > 0)) return;
      const key = `${Math.round(r[0])},${Math.round(r[1])},${compact ? 1 : 0}`;
      if (controls._lsRect === key) return;
      controls._lsRect = key;
      controls.style.left = `${Math.round(r[0])}px`; controls.style.top = `${Math.round(r[1])}px`; controls.style.right = 'auto';
      controls.classList.toggle('compact', !!compact);
    }

    // Keeps the control layer exactly over the canvas (same offset parent, as its next sibling).
    function placeLayer() {
      const s = layer.style;
      const key = `${canvas.offsetLeft + canvas.clientLeft},${canvas.offsetTop + canvas.clientTop},${canvas.clientWidth},${canvas.clientHeight}`;
      if (layer._lsRect === key) return;
      layer._lsRect = key;
      s.left = `${canvas.offsetLeft + canvas.clientLeft}px`; s.top = `${canvas.offsetTop + canvas.clientTop}px`;
      s.width = `${canvas.clientWidth}px`; s.height = `${canvas.clientHeight}px`;
    }

    function onPointerDown(e) {
      if (e.button !== 0 || !e.isPrimary) return;
      const r = canvas.getBoundingClientRect();
      if (m._ls_room_pointer_down(app, e.clientX - r.left, e.clientY - r.top)) flush();
    }

    return {
      start() {
        withUtf8(m, target ? target.room : '', (room) => withUtf8(m, options.token || '', (token) =>
          withUtf8(m, target ? clientId() : '', (cid) => withUtf8(m, title, (t) =>
            m._ls_room_configure(app, room, token, cid, t, options.hearts === false ? 0 : 1,
              options.comments === false ? 0 : 1, Math.floor(Math.random() * 2 ** 52) + 1)))));
        if (options.strings) withUtf8(m, JSON.stringify(options.strings), (p) => m._ls_room_set_strings(app, p));

        motion = global.matchMedia ? global.matchMedia('(prefers-reduced-motion: reduce)') : null;
        if (motion) {
          onMotion = () => { state.reducedMotion = motion.matches; m._ls_room_set_reduced_motion(app, motion.matches ? 1 : 0); };
          onMotion();
          if (motion.addEventListener) motion.addEventListener('change', onMotion);
        }

        layer = doc.createElement('div');
        layer.className = 'livescope-room-layer';
        if (options.lang) layer.lang = String(options.lang); // screen readers read the log in this language
        layer.style.cssText = 'position:absolute;left:0;top:0;width:0;height:0;pointer-events:none;overflow:hidden;';
        canvas.insertAdjacentElement('afterend', layer);
        log = new RoomLog(layer, strings.comments);
        input = new RoomInput(canvas, layer, {
          heart: () => m._ls_room_heart(app),
          focus: (which) => m._ls_room_focus(app, which),
          setText: (value) => withUtf8(m, value, (p) => m._ls_room_compose_set_text(app, p)) !== 0,
          text: () => m.UTF8ToString(m._ls_room_compose_text(app)),
          submit: () => m._ls_room_compose_submit(app),
          flush,
        }, strings);
        canvas.addEventListener('pointerdown', onPointerDown);
        placeLayer();

        if (target) {
          socket = new RoomSocket(target.url, {
            open: () => { m._ls_room_socket_open(app); flush(); },
            message: (text) => { withUtf8(m, text, (p) => m._ls_room_socket_frame(app, p, now())); flush(); },
            close: () => { m._ls_room_socket_close(app, now()); },
          });
        }
        flush();
      },
      frame() { if (!destroyed) { placeLayer(); measureControls(); flush(); } },
      destroy() {
        destroyed = true;
        if (wakeTimer) global.clearTimeout(wakeTimer);
        canvas.removeEventListener('pointerdown', onPointerDown);
        if (motion && onMotion && motion.removeEventListener) motion.removeEventListener('change', onMotion);
        if (socket) socket.close();
        if (input) input.destroy();
        if (layer) layer.remove();
      },
      get state() { return state; },
      // Closes the live socket as a network drop would (tests): the C++ side schedules the reconnect.
      debugDropConnection() {
        const ws = socket && socket.ws;
        if (ws) { socket.ws = null; ws.onopen = ws.onmessage = ws.onclose = null; ws.close(); m._ls_room_socket_close(app, now()); }
      },
      get log() { return log && log.el; },
      // What the overlay laid out in its last frame (tests, debugging; docs/overlay.md).
      layout() { return destroyed ? null : JSON.parse(m.UTF8ToString(m._ls_room_layout(app))); },
    };
  });
})(globalThis);
