// livescope room replay (page side): the thin edges of the room replayed with a recording, and of
// "Watch the replay". Every decision is C++ (src/room/room_replay.cpp, through ls_room_replay_* in
// src/app/page/interaction.cpp): what to fetch, when to retry, what is due at the playhead, the heat strip.
// This file only moves bytes and events across.
//
// [SECTION] Helpers: the relay's HTTP base from the room's ws URL, the live index URL from a live src
// [SECTION] RoomReplayFeed: used by room.js once the widget fires `replay` (no WebSocket): fetches the relay
//           log's pages (GET /rooms/<room>/events), passes the playhead's stream time each frame, feeds the
//           seek bar's heat strip (_ls_set_seek_marks)
// [SECTION] The "Watch the replay" plugin: once a live broadcast ended, /live/index.json (origin of `src`) says
//           whether it has a replay; a button on the ended card swaps `src` to it in place
(function (global) {
  'use strict';
  if (!global.LivescopeWidget) return;
  const doc = global.document;

  //---------------------------------------------------------------------------
  // [SECTION] Helpers
  //---------------------------------------------------------------------------

  // ws://host:port/ws -> http://host:port (wss -> https), or '' when not a ws URL (REPLAY-SPEC.md).
  function relayHttpBase(wsUrl) {
    let u;
    try { u = new URL(wsUrl); } catch (e) { return ''; }
    if (u.protocol === 'ws:') return `http://${u.host}`;
    if (u.protocol === 'wss:') return `https://${u.host}`;
    return '';
  }

  // A live src (".../live/<name>/master.m3u8", or the demo's ".../live/master.m3u8") -> { name, index } where
  // index is that origin's /live/index.json; null for anything else (a replay already, or another layout).
  function liveIndexOf(src) {
    let u;
    try { u = new URL(src, global.location.href); } catch (e) { return null; }
    const m = /^(.*)\/live\/(?:([A-Za-z0-9._-]{1,64})\/)?master\.m3u8$/.exec(u.pathname);
    if (!m) return null;
    return { name: m[2] || 'demo', index: `${u.origin}${m[1]}/live/index.json` };
  }

  const FETCH_TIMEOUT_MS = 10000; // one page of the log; a relay slower than this counts as a failure

  //---------------------------------------------------------------------------
  // [SECTION] RoomReplayFeed
  //---------------------------------------------------------------------------

  class RoomReplayFeed {
    // ctx: { widget, module, app, url (the room's ws URL), room, flush() (room.js: moves queued events to the DOM) }
    constructor(ctx) {
      this.c = ctx; this.m = ctx.module; this.app = ctx.app;
      this.base = relayHttpBase(ctx.url);
      this.started = false; this.destroyed = false; this.seeking = false;
      this.inflight = null; this.wakeTimer = 0; this.lastT = NaN; this.span = null; this.warned = false;
      this.stats = { pages: 0, failures: 0, bytes: 0 };
      this.last = { currentTime: NaN, streamTime: NaN };
      const ev = ctx.widget.events, on = (type, fn) => { ev.addEventListener(type, fn); (this.listeners || (this.listeners = [])).push([type, fn]); };
      on('timeupdate', (e) => this.onTime(e.detail, false));
      on('seeking', () => { this.seeking = true; });
      on('seeked', (e) => { this.seeking = false; this.onTime(e.detail, true); });
    }

    // The widget plays a recording: from now on the room comes from the log (room.js has closed its socket).
    start() {
      if (this.started || this.destroyed || !this.base) return;
      this.started = true;
      this.m._ls_room_replay_start(this.app);
      this.frame();
    }

    // The element's JS API (replayplayer): currentTime (s), duration (s), streamTime (epoch ms of the frame on screen).
    read() {
      const host = this.c.widget.events;
      const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);
      let st = num(host && host.streamTime), ct = num(host && host.currentTime);
      if (!Number.isFinite(st)) { st = this.last.streamTime; ct = this.last.currentTime; }
      return { streamTime: st, currentTime: ct, duration: num(host && host.duration) };
    }

    onTime(d, seeked) {
      if (!d) return;
      if (Number.isFinite(d.streamTime)) this.last = { streamTime: d.streamTime, currentTime: Number(d.currentTime) };
      if (!this.started) return;
      if (seeked && Number.isFinite(d.streamTime)) {
        this.updateSpan(d.streamTime, Number(d.currentTime), this.read().duration);
        this.lastT = d.streamTime;
        this.m._ls_room_replay_time(this.app, d.streamTime, 1, global.performance.now());
        this.c.flush();
        this.pump();
      }
    }

    updateSpan(st, ct, dur) {
      if (!Number.isFinite(st) || !Number.isFinite(ct) || !(dur > 0)) return;
      const start = Math.round(st - ct * 1000), end = Math.round(start + dur * 1000);
      // The map from position to stream time is fixed for a recording: set once (again only if it moved > 1 s).
      if (this.span && Math.abs(this.span.start - start) < 1000 && Math.abs(this.span.end - end) < 1000) return;
      this.span = { start, end };
      this.m._ls_room_replay_span(this.app, start, end);
    }

    // Each frame (room.js' frame): the playhead's stream time in, what came due out.
    frame() {
      if (!this.started || this.destroyed || this.seeking) return;
      const r = this.read();
      this.updateSpan(r.streamTime, r.currentTime, r.duration);
      if (Number.isFinite(r.streamTime) && r.streamTime !== this.lastT) {
        this.lastT = r.streamTime;
        this.m._ls_room_replay_time(this.app, r.streamTime, 0, global.performance.now());
      }
      this.pump();
    }

    // Asks the model what to fetch; one request at a time, never awaited by the video.
    pump() {
      if (!this.started || this.destroyed || this.inflight) return;
      let r;
      try { r = JSON.parse(this.m.UTF8ToString(this.m._ls_room_replay_poll(this.app, global.performance.now()))); } catch (e) { return; }
      if (typeof r.marks === 'string' && typeof this.m._ls_set_seek_marks === 'function') {
        this.m.withUtf8(r.marks, (p) => this.m._ls_set_seek_marks(this.app, p));
      }
      if (typeof r.marks === 'string') this.marks = r.marks;
      if (r.fetch) this.fetch(r.fetch);
      else if (typeof r.wakeMs === 'number' && !this.wakeTimer) this.wakeTimer = global.setTimeout(() => { this.wakeTimer = 0; this.pump(); }, r.wakeMs + 5);
    }

    async fetch(f) {
      const q = new URLSearchParams({ from: String(f.from), to: String(f.to), limit: '500' });
      if (f.after) q.set('after', f.after);
      const url = `${this.base}/rooms/${encodeURIComponent(this.c.room)}/events?${q}`;
      const abort = new AbortController();
      const timer = global.setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
      this.inflight = abort;
      let body = null, why = '';
      try {
        const res = await global.fetch(url, { mode: 'cors', credentials: 'omit', signal: abort.signal });
        if (res.ok) body = await res.text(); else why = `HTTP ${res.status}`;
      } catch (e) { why = e && e.message ? e.message : String(e); }
      global.clearTimeout(timer);
      if (this.destroyed) return;
      this.inflight = null;
      const ok = body !== null && this.m.withUtf8(body, (p) => this.m._ls_room_replay_page(this.app, p, 1, global.performance.now())) === 1;
      if (body === null) this.m._ls_room_replay_page(this.app, 0, 0, global.performance.now());
      if (ok) { this.stats.pages++; this.stats.bytes += body.length; this.warned = false; }
      else {
        this.stats.failures++;
        if (!this.warned) { // once per run of failures: the replay plays on without the room, retries back off
          this.warned = true;
          console.warn(`[livescope] room replay: the relay log did not answer (${why || 'not a page of events'}); the replay plays without the room and retries`);
        }
      }
      this.c.flush();
      this.pump();
    }

    destroy() {
      this.destroyed = true;
      if (this.inflight) this.inflight.abort();
      if (this.wakeTimer) global.clearTimeout(this.wakeTimer);
      const ev = this.c.widget.events;
      for (const [type, fn] of this.listeners || []) ev.removeEventListener(type, fn);
    }
  }

  //---------------------------------------------------------------------------
  // [SECTION] The "Watch the replay" plugin
  //---------------------------------------------------------------------------

  const INDEX_RETRIES_MS = [0, 1000, 2000, 4000, 8000]; // the recording may be finalised a moment after the end

  global.LivescopeWidget.registerPlugin('replay-offer', (widget) => {
    const o = widget.options || {};
    const live = o.src && !o.overlayOnly ? liveIndexOf(o.src) : null;
    if (!live || !o.container) return {};
    const strings = o.strings || {};
    let button = null, timer = 0, destroyed = false, asked = false;
    const state = { replay: null, tries: 0 };

    function offer(url) {
      if (destroyed || button) return;
      state.replay = url;
      button = doc.createElement('button');
      button.type = 'button';
      button.className = 'livescope-watch-replay';
      button.textContent = strings.watchReplay || 'Watch the replay';
      button.style.cssText = 'position:absolute;left:50%;top:58%;transform:translateX(-50%);z-index:2;font-size:15px;padding:8px 16px;' +
        'border-radius:20px;background:rgba(0,0,0,.78);border:1px solid rgba(255,255,255,.6);color:#fff;cursor:pointer;' +
        'white-space:nowrap;max-width:calc(100% - 24px);overflow:hidden;text-overflow:ellipsis;';
      place();
      button.addEventListener('click', () => {
        widget.emit('replayswitch', { src: url });
        if (typeof o.swapSrc === 'function') o.swapSrc(url);
      });
      o.container.appendChild(button);
      widget.emit('replayavailable', { src: url });
    }

    // The button goes in the slot the overlay's card layout keeps under the card's text (OverlayBroadcastCardLayout:
    // `cardAction` in the layout report, CSS px from the canvas' top-left), so a long wrapped title never reaches it.
    // Without a report (no card drawn yet) it stays at the old place, 58 % of the height.
    let placedKey = '', lastPlace = 0;
    function place() {
      const m = widget.module, canvas = widget.canvas;
      if (!button || !m || !widget.app || !canvas || typeof m._ls_room_layout !== 'function') return;
      let slot = null;
      try { slot = JSON.parse(m.UTF8ToString(m._ls_room_layout(widget.app))).cardAction; } catch (e) { slot = null; }
      if (!Array.isArray(slot) || !(slot[2] > 0) || !(slot[3] > 0)) return;
      const c = canvas.getBoundingClientRect(), box = o.container.getBoundingClientRect();
      const x = c.left - box.left + slot[0] + slot[2] / 2, y = c.top - box.top + slot[1];
      const key = `${Math.round(x)},${Math.round(y)},${Math.round(slot[2])},${Math.round(slot[3])}`;
      if (key === placedKey) return;
      placedKey = key;
      Object.assign(button.style, { left: `${Math.round(x)}px`, top: `${Math.round(y)}px`, maxWidth: `${Math.floor(slot[2])}px`,
        maxHeight: `${Math.floor(slot[3])}px` });
    }

    async function look(k) {
      timer = 0;
      if (destroyed) return;
      state.tries++;
      let entry = null;
      try {
        const res = await global.fetch(live.index, { mode: 'cors', credentials: 'omit', cache: 'no-store' });
        const j = res.ok ? await res.json() : null;
        const list = Array.isArray(j) ? j : (j && Array.isArray(j.broadcasts) ? j.broadcasts : []);
        entry = list.find((b) => b && b.name === live.name) || null;
      } catch (e) { entry = null; }
      if (destroyed) return;
      if (entry && typeof entry.replay === 'string' && entry.replay) { offer(new URL(entry.replay, live.index).href); return; }
      if (k + 1 < INDEX_RETRIES_MS.length) timer = global.setTimeout(() => look(k + 1), INDEX_RETRIES_MS[k + 1]);
    }

    const onState = (e) => {
      if (!e.detail || e.detail.state !== 'ended' || asked) return;
      asked = true;
      look(0);
    };
    widget.events.addEventListener('statechange', onState);
    return {
      get state() { return state; },
      get button() { return button; },
      // Follows the card (the widget resized, the title or language changed), at most every 200 ms.
      frame(t) { if (button && !(t - lastPlace < 200)) { lastPlace = t; place(); } },
      destroy() {
        destroyed = true;
        widget.events.removeEventListener('statechange', onState);
        if (timer) global.clearTimeout(timer);
        if (button) button.remove();
      },
    };
  });

  global.LivescopeRoomReplay = { RoomReplayFeed, relayHttpBase, liveIndexOf };
})(globalThis);
