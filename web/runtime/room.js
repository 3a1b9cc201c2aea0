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
// [SECTION] RoomQA: questions tab, vote buttons and the role=list mirror, question toggle, banner and notices, moderation menu
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

    add(id, author, text, userId) {
      const p = doc.createElement('p');
      p.dataset.id = id || '';
      p.dataset.userId = userId || '';
      p.dataset.author = author || '';
      p.dataset.text = text || '';
      const who = doc.createElement('span');
      who.className = 'livescope-comment-author';
      who.textContent = author;
      const body = doc.createElement('span');
      body.className = 'livescope-comment-text';
      body.textContent = text;
      p.append(who, doc.createTextNode(': '), body);
      this.el.appendChild(p);
      while (this.el.childElementCount > this.max) this.el.firstElementChild.remove();
      return p;
    }

    remove(id) {
      for (const p of Array.from(this.el.children)) if (id && p.dataset.id === id) p.remove();
    }

    // A replay's rebuild after a seek: the log then holds only what was on screen at that time.
    clear() { this.el.replaceChildren(); }

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
  // [SECTION] RoomQA: the live Q&A's DOM side. The overlay draws the questions tab, the questions view, the banner and
  // the compose box's question toggle; real buttons lie over them (keyboards, screen readers, clicks), a role=list
  // named "Questions" mirrors the board (each item with a "Vote" button, aria-pressed), role=status mirrors the banner
  // and refusal notices, and moderators get a menu on a comment or question (context menu, long press, or the
  // keyboard: Tab to the comment log's entries, then Enter, Shift+F10 or the Menu key).
  //---------------------------------------------------------------------------

  const LONG_PRESS_MS = 500; // a press held this long (moving < 10 px) opens the moderation menu

  class RoomQA {
    // api: { vote(id, on), setOpen(open), toggleAsk(), hit(x, y) -> {kind, id, userId, author, text} | {}, moderate(action, args), flush() }
    constructor(canvas, layer, log, api, strings) {
      this.canvas = canvas; this.layer = layer; this.logEl = log; this.api = api; this.S = strings;
      this.role = 'viewer'; this.open = false; this.board = { open: [], answering: null, answered: [] };
      this.items = new Map(); // question id -> { li, text, btn }
      this.listeners = [];
      this.menu = null;
      const place = 'position:absolute;left:0;top:0;width:0;height:0;margin:0;padding:0;border:0;opacity:0;' +
        'pointer-events:auto;background:transparent;cursor:pointer;';
      this.place0 = place;
      const uid = `ls-q-${Math.random().toString(36).slice(2, 9)}`;

      this.tab = doc.createElement('button');
      this.tab.type = 'button';
      this.tab.className = 'livescope-questions-tab';
      this.tab.setAttribute('aria-expanded', 'false');
      this.tab.setAttribute('aria-controls', uid);
      this.tab.setAttribute('aria-label', strings.questions);
      this.tab.style.cssText = place;
      this.tab.hidden = true;
      layer.appendChild(this.tab);

      this.ask = doc.createElement('button');
      this.ask.type = 'button';
      this.ask.className = 'livescope-ask-toggle';
      this.ask.setAttribute('aria-pressed', 'false');
      this.ask.setAttribute('aria-label', strings.askAsQuestion);
      this.ask.style.cssText = place;
      this.ask.hidden = true;
      layer.appendChild(this.ask);

      this.list = doc.createElement('div');
      this.list.id = uid;
      this.list.setAttribute('role', 'list');
      this.list.setAttribute('aria-label', strings.questions);
      this.list.className = 'livescope-questions';
      this.list.style.cssText = VISUALLY_HIDDEN;
      layer.appendChild(this.list);

      this.banner = doc.createElement('p');
      this.banner.className = 'livescope-now-answering';
      this.banner.setAttribute('role', 'status');
      this.banner.style.cssText = VISUALLY_HIDDEN;
      layer.appendChild(this.banner);
      this.notice = doc.createElement('p');
      this.notice.className = 'livescope-notice';
      this.notice.setAttribute('role', 'status');
      this.notice.style.cssText = VISUALLY_HIDDEN;
      layer.appendChild(this.notice);

      const on = (el, type, fn, opts) => { el.addEventListener(type, fn, opts); this.listeners.push([el, type, fn, opts]); };
      this.on = on;
      on(this.tab, 'click', () => { this.setOpen(!this.open); api.setOpen(this.open); api.flush(); });
      on(this.ask, 'click', () => { api.toggleAsk(); api.flush(); });
      // Moderation menu from the canvas: the context menu, or a long press.
      on(canvas, 'contextmenu', (e) => { if (this.canModerate() && this.openMenuAt(e.clientX, e.clientY)) e.preventDefault(); });
      let press = null;
      on(canvas, 'pointerdown', (e) => {
        if (!this.canModerate() || !e.isPrimary) return;
        const p = { x: e.clientX, y: e.clientY, t: global.setTimeout(() => { press = null; this.openMenuAt(p.x, p.y); }, LONG_PRESS_MS) };
        press = p;
      });
      const cancel = (e) => {
        if (!press) return;
        if (e.type === 'pointermove' && Math.hypot(e.clientX - press.x, e.clientY - press.y) < 10) return;
        global.clearTimeout(press.t); press = null;
      };
      for (const t of ['pointerup', 'pointercancel', 'pointerleave', 'pointermove']) on(canvas, t, cancel);
      // Keyboard: the log's entries are focusable for moderators (one tab stop, arrows move).
      on(log, 'keydown', (e) => this.logKey(e));
      on(log, 'focusin', (e) => this.showFocused(e.target));
      on(log, 'focusout', (e) => this.hideFocused(e.target));
    }

    canModerate() { return !this.readOnly && (this.role === 'moderator' || this.role === 'broadcaster'); }

    // A replay (the overlay's ReadOnly, from the poll): no vote buttons, no moderation menu, no focusable log entries;
    // the list mirror keeps each question with its votes.
    setReadOnly(on) {
      on = !!on;
      if (on === !!this.readOnly) return;
      this.readOnly = on;
      if (on) this.closeMenu();
      for (const it of this.items.values()) { it.btn.hidden = on; it.btn._lsRect = ''; }
      for (const p of this.logEl.children) this.decorate(p);
      if (!on) this.rove();
    }

    setRole(role) {
      if (role === this.role) return;
      this.role = role;
      for (const p of this.logEl.children) this.decorate(p);
      this.rove();
    }

    // A log entry becomes a keyboard target for moderators (only comments: entries with an id).
    decorate(p) {
      if (this.canModerate() && p.dataset.id) {
        p.tabIndex = -1;
        p.setAttribute('aria-haspopup', 'menu');
      } else {
        p.removeAttribute('tabindex');
        p.removeAttribute('aria-haspopup');
      }
    }

    // Roving tab stop: one entry holds it (the first one given it, else the newest); arrows move it.
    rove() {
      const entries = Array.from(this.logEl.children).filter((p) => p.hasAttribute('tabindex'));
      if (!entries.length) return;
      if (!entries.some((p) => p.tabIndex === 0)) entries[entries.length - 1].tabIndex = 0;
    }

    added(p) { this.decorate(p); this.rove(); }

    logKey(e) {
      const p = e.target;
      if (!p || p.parentElement !== this.logEl || !p.hasAttribute('tabindex')) return;
      const entries = Array.from(this.logEl.children).filter((x) => x.hasAttribute('tabindex'));
      const i = entries.indexOf(p);
      const go = (k) => { const n = entries[Math.max(0, Math.min(entries.length - 1, k))]; if (n && n !== p) { p.tabIndex = -1; n.tabIndex = 0; n.focus(); } };
      if (e.key === 'ArrowUp') { e.preventDefault(); go(i - 1); }
      else if (e.key === 'ArrowDown') { e.preventDefault(); go(i + 1); }
      else if (e.key === 'Enter' || e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
        e.preventDefault();
        const r = this.layer.getBoundingClientRect();
        this.openMenu({ kind: 'comment', id: p.dataset.id, userId: p.dataset.userId || '', author: p.dataset.author || '', text: p.dataset.text || '' },
          r.left + 12, r.top + r.height * 0.4, p);
      }
    }

    // A focused log entry shows itself (the log is otherwise visually hidden), so sighted keyboard users see it.
    showFocused(p) {
      if (!p || p.parentElement !== this.logEl) return;
      this.logEl.style.cssText = 'position:absolute;left:8px;right:8px;top:40%;max-height:0;overflow:visible;';
      p.style.cssText = 'position:absolute;left:0;right:0;margin:0;padding:6px 10px;background:rgba(0,0,0,.85);color:#fff;' +
        'font:14px/1.3 system-ui,sans-serif;border-radius:8px;outline:3px solid #7cf;white-space:normal;';
    }
    hideFocused(p) {
      if (!p || p.parentElement !== this.logEl) return;
      p.style.cssText = '';
      this.logEl.style.cssText = VISUALLY_HIDDEN;
    }

    setOpen(open) {
      this.open = !!open;
      this.tab.setAttribute('aria-expanded', String(this.open));
      this.list.style.cssText = this.open ? 'position:absolute;left:0;top:0;width:0;height:0;overflow:visible;' : VISUALLY_HIDDEN;
      for (const it of this.items.values()) it.btn.tabIndex = this.open ? 0 : -1;
      if (!this.open) for (const it of this.items.values()) { it.btn._lsRect = ''; it.btn.style.cssText = this.place0; }
    }

    // The board event: rebuilds the list in the board's order, keeping each item's element (focus stays put).
    setBoard(board) {
      this.board = board;
      const keep = new Set();
      let prev = null;
      for (const q of board.open) {
        keep.add(q.id);
        let it = this.items.get(q.id);
        if (!it) {
          const li = doc.createElement('div');
          li.setAttribute('role', 'listitem');
          li.dataset.id = q.id;
          const text = doc.createElement('span');
          text.id = `${this.list.id}-${Math.random().toString(36).slice(2, 10)}`;
          text.style.cssText = VISUALLY_HIDDEN;
          const btn = doc.createElement('button');
          btn.type = 'button';
          btn.className = 'livescope-vote';
          btn.setAttribute('aria-label', this.S.vote);
          btn.setAttribute('aria-describedby', text.id);
          btn.style.cssText = this.place0;
          btn.tabIndex = this.open ? 0 : -1;
          btn.hidden = !!this.readOnly;
          this.on(btn, 'click', () => { const cur = this.items.get(q.id); const voted = cur && cur.btn.getAttribute('aria-pressed') === 'true'; this.api.vote(q.id, !voted); this.api.flush(); });
          this.on(btn, 'contextmenu', (e) => { if (this.canModerate()) { e.preventDefault(); const cur = this.board.open.find((x) => x.id === q.id); if (cur) this.openMenu({ kind: 'question', ...cur }, e.clientX, e.clientY, btn); } });
          this.on(btn, 'keydown', (e) => {
            if (!this.canModerate() || !(e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey))) return;
            e.preventDefault();
            const cur = this.board.open.find((x) => x.id === q.id), r = btn.getBoundingClientRect();
            if (cur) this.openMenu({ kind: 'question', ...cur }, r.right, r.top, btn);
          });
          li.append(text, btn);
          it = { li, text, btn };
          this.items.set(q.id, it);
        }
        it.text.textContent = `${q.author}: ${q.text} (${q.votes} ${this.S.votes})`;
        it.btn.setAttribute('aria-pressed', q.voted ? 'true' : 'false');
        it.li.dataset.votes = String(q.votes);
        const want = prev ? prev.nextSibling : this.list.firstChild;
        if (want !== it.li) this.list.insertBefore(it.li, want);
        prev = it.li;
      }
      for (const [id, it] of this.items) if (!keep.has(id)) { it.li.remove(); this.items.delete(id); }
      const a = board.answering;
      this.banner.textContent = a ? `${this.S.nowAnswering}: ${a.author}: ${a.text}` : '';
    }

    setNotice(text) { if (this.notice.textContent !== text) this.notice.textContent = text || ''; }

    // Places the DOM buttons over what the overlay drew (poll result).
    layout(r, placeFn) {
      const hasTab = r.questionsTab && r.questionsTab[2] > 0;
      this.tab.hidden = !hasTab;
      if (hasTab) placeFn(this.tab, r.questionsTab);
      if (typeof r.questionsOpen === 'boolean' && r.questionsOpen !== this.open) this.setOpen(r.questionsOpen);
      const hasAsk = r.askToggle && r.askToggle[2] > 0;
      this.ask.hidden = !hasAsk;
      if (hasAsk) placeFn(this.ask, r.askToggle);
      if (typeof r.askOn === 'boolean') this.ask.setAttribute('aria-pressed', String(r.askOn));
      if (typeof r.readOnly === 'boolean') this.setReadOnly(r.readOnly);
      if (this.open && Array.isArray(r.questionRows) && !this.readOnly) {
        const shown = new Set();
        for (const row of r.questionRows) {
          const it = this.items.get(row.id);
          if (!it) continue;
          shown.add(row.id);
          placeFn(it.btn, row.vote);
        }
        for (const [id, it] of this.items) if (!shown.has(id)) { placeFn(it.btn, null); it.btn.hidden = false; it.btn.style.width = '1px'; it.btn.style.height = '1px'; }
      }
      if (typeof r.notice === 'string') this.setNotice(r.notice);
    }

    openMenuAt(clientX, clientY) {
      const c = this.canvas.getBoundingClientRect();
      const hit = this.api.hit(clientX - c.left, clientY - c.top);
      if (!hit || !hit.kind) return false;
      this.openMenu(hit, clientX, clientY, this.canvas);
      return true;
    }

    // The moderation menu (role=menu) for a comment or question: what the role may do. Escape or a choice closes it.
    openMenu(target, clientX, clientY, returnFocus) {
      this.closeMenu();
      const S = this.S, broadcaster = this.role === 'broadcaster';
      const items = [];
      if (target.kind === 'question') {
        if (broadcaster) items.push([S.modAnswer, 'answer', { id: target.id }], [S.modAnswered, 'answered', { id: target.id }]);
        items.push([S.modDismiss, 'dismiss', { id: target.id }]);
      } else if (broadcaster) items.push([S.modPin, 'pin', { id: target.id }]);
      items.push([S.modDelete, 'delete', { id: target.id }]);
      if (target.userId) items.push([S.modMute10, 'mute', { userId: target.userId, durationS: 600 }], [S.modMuteAll, 'mute', { userId: target.userId }]);
      const menu = doc.createElement('div');
      menu.setAttribute('role', 'menu');
      menu.setAttribute('aria-label', `${S.moderate}: ${target.author || ''}`);
      menu.className = 'livescope-mod-menu';
      const L = this.layer.getBoundingClientRect();
      const x = Math.max(4, Math.min(clientX - L.left, L.width - 200)), y = Math.max(4, Math.min(clientY - L.top, L.height - items.length * 34 - 8));
      menu.style.cssText = `position:absolute;left:${Math.round(x)}px;top:${Math.round(y)}px;min-width:160px;max-width:${Math.max(120, Math.round(L.width - 8))}px;` +
        'pointer-events:auto;background:#14161f;border:1px solid rgba(255,255,255,.35);border-radius:8px;padding:4px;z-index:5;' +
        'box-shadow:0 4px 16px rgba(0,0,0,.6);font:14px/1.3 system-ui,sans-serif;';
      const buttons = items.map(([label, action, args]) => {
        const b = doc.createElement('button');
        b.type = 'button';
        b.setAttribute('role', 'menuitem');
        b.tabIndex = -1;
        b.textContent = label;
        b.dataset.action = action;
        b.style.cssText = 'display:block;width:100%;text-align:left;padding:6px 10px;margin:0;border:0;border-radius:6px;background:transparent;color:#fff;font:inherit;cursor:pointer;';
        b.addEventListener('focus', () => { b.style.background = '#2b3350'; });
        b.addEventListener('blur', () => { b.style.background = 'transparent'; });
        b.addEventListener('click', () => { this.closeMenu(); this.api.moderate(action, args); this.api.flush(); if (returnFocus && returnFocus.focus) returnFocus.focus({ preventScroll: true }); });
        menu.appendChild(b);
        return b;
      });
      menu.addEventListener('keydown', (e) => {
        const i = buttons.indexOf(e.target);
        if (e.key === 'Escape') { e.preventDefault(); this.closeMenu(); if (returnFocus && returnFocus.focus) returnFocus.focus({ preventScroll: true }); }
        else if (e.key === 'ArrowDown') { e.preventDefault(); buttons[(i + 1) % buttons.length].focus(); }
        else if (e.key === 'ArrowUp') { e.preventDefault(); buttons[(i - 1 + buttons.length) % buttons.length].focus(); }
        else if (e.key === 'Tab') this.closeMenu();
      });
      this.layer.appendChild(menu);
      this.menu = menu;
      this.menuTarget = target;
      buttons[0].focus({ preventScroll: true });
      // A press anywhere else closes it.
      this.outside = (e) => { if (this.menu && !e.composedPath().includes(this.menu)) this.closeMenu(); };
      global.setTimeout(() => { if (this.menu === menu) doc.addEventListener('pointerdown', this.outside, true); }, 0);
      return menu;
    }

    closeMenu() {
      if (this.outside) { doc.removeEventListener('pointerdown', this.outside, true); this.outside = null; }
      if (this.menu) { this.menu.remove(); this.menu = null; }
    }

    destroy() {
      this.closeMenu();
      for (const [el, type, fn, opts] of this.listeners) el.removeEventListener(type, fn, opts);
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
    const state = { viewers: { live: 0, total: 0 }, joined: null, lastError: null, rects: null, reducedMotion: false, connects: 0, joins: 0,
      role: 'viewer', board: { open: [], answering: null, answered: [] }, modes: { slowS: 0, hold: false }, ended: false, refusals: 0 };
    let socket = null, layer = null, log = null, input = null, qa = null, motion = null, onMotion = null, destroyed = false, wakeTimer = 0;
    let feed = null, onReplay = null; // the room replayed with a recording (room-replay.js), from the `replay` event

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
        case 'comment': {
          const p = log.add(ev.id, ev.author, ev.text, ev.userId);
          qa.added(p);
          // A replay's comment carries its stream time, and the playhead's when it showed (room-replay.js); one
          // rebuilt after a seek (history) is put back in the log without the event.
          if (typeof ev.streamTime === 'number') p.dataset.streamTime = String(ev.streamTime);
          if (ev.history) break;
          const detail = { id: ev.id, userId: ev.userId || '', author: ev.author, text: ev.text, question: !!ev.question };
          if (typeof ev.streamTime === 'number') {
            detail.commentStreamTime = ev.streamTime;
            const st = widget.events && widget.events.streamTime;
            detail.streamTime = typeof st === 'number' && Number.isFinite(st) ? st : ev.streamTime;
          }
          widget.emit('comment', detail);
          break;
        }
        case 'replay-reset':
          log.clear();
          break;
        case 'board':
          state.board = { open: ev.open || [], answering: ev.answering || null, answered: ev.answered || [] };
          qa.setBoard(state.board);
          widget.emit('board', state.board);
          break;
        case 'refused':
          state.refusals++;
          widget.emit('refused', { code: ev.code, message: ev.message || '', retryAfterMs: ev.retryAfterMs || 0, text: ev.text || '' });
          break;
        case 'held':
          widget.emit('held', { id: ev.id, userId: ev.userId, author: ev.author, text: ev.text });
          break;
        case 'modes':
          state.modes = { slowS: ev.slowS, hold: !!ev.hold };
          // A moderator's welcome also has the blocked words (the console fills its field again after a reload).
          widget.emit('modes', Array.isArray(ev.blockedWords) ? { ...state.modes, blockedWords: ev.blockedWords } : state.modes);
          break;
        case 'roomended':
          state.ended = true;
          widget.emit('roomended', {});
          break;
        case 'questions-open':
          qa.setOpen(ev.open);
          break;
        case 'comment-removed': // a delete or a mute, by any moderator (the console follows it: studio-console.js)
          log.remove(ev.id);
          widget.emit('commentremoved', { id: ev.id });
          break;
        case 'heart':
          widget.emit('heart', { count: ev.count, own: !!ev.own });
          break;
        case 'joined':
          state.joined = { id: ev.id, name: ev.name, broadcaster: !!ev.broadcaster, role: ev.role || (ev.broadcaster ? 'broadcaster' : 'viewer') };
          state.joins++;
          if (state.joins === 1 || state.role !== state.joined.role) { // the first join, then each change
            state.role = state.joined.role;
            qa.setRole(state.role);
            widget.emit('role', { role: state.role });
          }
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
      if (r.compose) qa.layout(r, (el, rect) => input.place(el, rect));
      // A replay: the compose box and heart button are gone from the layout, so the empty rects above hide their DOM
      // twins (hidden: out of the tab order and the accessibility tree).
      if (typeof r.readOnly === 'boolean') state.readOnly = r.readOnly;
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

    // The JS API's methods: each returns true when something was queued for the relay.
    const ACTIONS = ['pin', 'unpin', 'delete', 'mute', 'answer', 'answered', 'dismiss', 'approve', 'reject', 'modes', 'end'];
    const api = {
      ask(text) {
        if (destroyed || typeof text !== 'string' || !text.trim()) return false;
        withUtf8(m, text, (p) => m._ls_room_ask(app, p));
        flush();
        return true;
      },
      vote(id, on = true) {
        if (destroyed || typeof id !== 'string' || !id) return false;
        withUtf8(m, id, (p) => m._ls_room_vote(app, p, on === false ? 0 : 1));
        flush();
        return true;
      },
      moderate(action, args = {}) {
        if (destroyed || !ACTIONS.includes(action)) return false;
        const a = args && typeof args === 'object' ? args : {};
        const body = { action };
        for (const k of ['id', 'userId']) if (typeof a[k] === 'string') body[k] = a[k];
        for (const k of ['durationS', 'slowS']) if (Number.isFinite(a[k])) body[k] = Math.max(0, Math.floor(a[k]));
        if (typeof a.hold === 'boolean') body.hold = a.hold;
        if (Array.isArray(a.blockedWords)) body.blockedWords = a.blockedWords.filter((w) => typeof w === 'string');
        const ok = withUtf8(m, JSON.stringify(body), (p) => m._ls_room_moderate(app, p)) !== 0;
        flush();
        return ok;
      },
    };

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
        qa = new RoomQA(canvas, layer, log.el, {
          vote: (id, on) => withUtf8(m, id, (p) => m._ls_room_vote(app, p, on ? 1 : 0)),
          setOpen: (open) => m._ls_room_set_questions_open(app, open ? 1 : 0),
          toggleAsk: () => m._ls_room_toggle_question(app),
          hit: (x, y) => { try { return JSON.parse(m.UTF8ToString(m._ls_room_hit(app, x, y))); } catch (e) { return {}; } },
          moderate: (action, args) => api.moderate(action, args),
          flush,
        }, strings);
        canvas.addEventListener('pointerdown', onPointerDown);
        placeLayer();

        // A replay (REPLAY-SPEC.md): once the widget fires `replay`, the room comes from the relay's log over HTTP and
        // no socket is open. A src under /vod/ is a recording: no socket is ever opened for it.
        const recording = typeof options.src === 'string' && /\/vod\//.test(options.src);
        if (target && global.LivescopeRoomReplay) {
          feed = new global.LivescopeRoomReplay.RoomReplayFeed({ widget, module: m, app, url: target.url, room: target.room, flush });
          onReplay = () => { if (socket) { socket.close(); socket = null; } feed.start(); flush(); };
          widget.events.addEventListener('replay', onReplay);
          // The playback may have said `replay` before this plugin started (its worker starts first): start it now.
          const playback = widget.plugins && widget.plugins.playback;
          if (playback && playback.replay) onReplay();
        }
        if (target && !recording) {
          socket = new RoomSocket(target.url, {
            open: () => { m._ls_room_socket_open(app); flush(); },
            message: (text) => { withUtf8(m, text, (p) => m._ls_room_socket_frame(app, p, now())); flush(); },
            close: () => { m._ls_room_socket_close(app, now()); },
          });
        }
        flush();
      },
      frame() { if (!destroyed) { placeLayer(); measureControls(); if (feed) feed.frame(); flush(); } },
      destroy() {
        destroyed = true;
        if (wakeTimer) global.clearTimeout(wakeTimer);
        canvas.removeEventListener('pointerdown', onPointerDown);
        if (motion && onMotion && motion.removeEventListener) motion.removeEventListener('change', onMotion);
        if (socket) socket.close();
        if (feed) { feed.destroy(); widget.events.removeEventListener('replay', onReplay); }
        if (input) input.destroy();
        if (qa) qa.destroy();
        if (layer) layer.remove();
      },
      // The widget's JS API (QA-SPEC.md; web/livescope.js puts these on the element).
      ask: (text) => api.ask(text),
      vote: (id, on) => api.vote(id, on),
      moderate: (action, args) => api.moderate(action, args),
      setQuestionsOpen(open) { if (destroyed || !qa) return; qa.setOpen(open); m._ls_room_set_questions_open(app, open ? 1 : 0); },
      get qa() { return qa; },
      get state() { return state; },
      // Closes the live socket as a network drop would (tests): the C++ side schedules the reconnect.
      debugDropConnection() {
        const ws = socket && socket.ws;
        if (ws) { socket.ws = null; ws.onopen = ws.onmessage = ws.onclose = null; ws.close(); m._ls_room_socket_close(app, now()); }
      },
      get log() { return log && log.el; },
      // The room replay's feed (tests): started, stats {pages, failures, bytes}, marks (the heat strip JSON), span.
      get replay() { return feed; },
      // What the overlay laid out in its last frame (tests, debugging; docs/overlay.md).
      layout() { return destroyed ? null : JSON.parse(m.UTF8ToString(m._ls_room_layout(app))); },
    };
  });

  //---------------------------------------------------------------------------
  // [SECTION] The replay / DVR bar's DOM mirror (docs/replay.md, "Keyboard and screen readers"). The bar is drawn in
  // the canvas (src/overlay/playback_bar.h, hit-tested by ImGui); these real controls in the widget's Shadow DOM give
  // it names, focus and keys, and drive the same element API (play, pause, seek, goLive). They lie transparent over
  // the bar's strip and take no pointer (the canvas keeps the clicks); the strip gets a focus ring while one of them
  // has the keyboard focus. A plugin of its own: a replay without a room or title has a bar too.
  //---------------------------------------------------------------------------

  const SEEK_KEY_STEP_S = 5;   // ← / →, as the canvas' keys (kSeekKeyStep)
  const SEEK_PAGE_STEP_S = 30; // Page Up / Page Down
  const BAR_UNIT_PX = 16;      // the overlay's font size: the bar is 2 units high, 0.75 unit from the edges (PlaybackBarHeight)

  // OverlayFormatPlaybackTime's rule: m:ss below an hour, h:mm:ss from an hour.
  function formatPlaybackTime(seconds) {
    const t = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
    const two = (n) => String(n).padStart(2, '0');
    return t >= 3600 ? `${Math.floor(t / 3600)}:${two(Math.floor(t / 60) % 60)}:${two(t % 60)}` : `${Math.floor(t / 60)}:${two(t % 60)}`;
  }

  global.LivescopeWidget.registerPlugin('playback-a11y', (widget) => {
    const options = widget.options || {};
    if (options.overlayOnly || !widget.canvas) return {};
    const canvas = widget.canvas;
    const S = Object.assign({}, UI_STRINGS.en, options.strings || {});
    let group = null, play = null, back = null, slider = null, live = null, shown = null, destroyed = false;
    const listeners = [];
    const on = (el, type, fn) => { el.addEventListener(type, fn); listeners.push([el, type, fn]); };
    const pb = () => (widget.plugins && widget.plugins.playback) || null;
    // The element's API when the widget is a <live-scope> (its play()/pause() keep its own state in step), else the player's.
    function call(name, ...args) {
      const h = widget.events;
      if (h && typeof h[name] === 'function') return h[name](...args);
      const p = pb();
      return p && typeof p[name] === 'function' ? p[name](...args) : undefined;
    }

    // What the bar shows now, or null when there is no bar (live without a rewind window, nothing loaded yet).
    function read() {
      const p = pb();
      if (!p || !p.timeline || !p.m) return null;
      const replay = !!p.replay, dvr = !replay && typeof p.dvr === 'function' && p.dvr();
      if (!replay && !dvr) return null;
      const dur = Number(p.timeline.duration) || 0;
      let pos = typeof p.currentTime === 'function' ? p.currentTime() : NaN;
      if (dvr && !p.behindLive) pos = dur;
      if (!Number.isFinite(pos)) pos = 0;
      return { replay, dvr, dur, pos: Math.max(0, Math.min(dur, pos)), paused: replay && !!p.paused, ended: !!p.endedFired, edge: !p.behindLive };
    }

    function seekTo(seconds) {
      const b = read();
      if (!b) return;
      if (b.dvr && seconds >= b.dur) { call('goLive'); return; } // the end of a live window is the edge
      call('seek', Math.max(0, Math.min(b.dur, seconds)));
    }

    function build() {
      group = doc.createElement('div');
      group.className = 'livescope-playback-controls';
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', S.playbackControls);
      if (options.lang) group.lang = String(options.lang);
      group.style.cssText = 'position:absolute;left:0;top:0;width:0;height:0;display:flex;align-items:stretch;gap:4px;pointer-events:none;' +
        'border-radius:6px;z-index:3;box-sizing:border-box;';
      const ctl = 'flex:0 0 auto;min-width:24px;margin:0;padding:0;border:0;opacity:0;background:transparent;pointer-events:none;font-size:12px;';
      const button = (cls, text, label) => {
        const b = doc.createElement('button');
        b.type = 'button';
        b.className = cls;
        b.textContent = text;
        if (label) b.setAttribute('aria-label', label);
        b.style.cssText = ctl;
        group.appendChild(b);
        return b;
      };
      play = button('livescope-play', S.play);
      back = button('livescope-back30', S.dvrBack30, S.back30Label);
      slider = doc.createElement('input');
      slider.type = 'range';
      slider.className = 'livescope-seek';
      slider.min = '0';
      slider.step = 'any';
      slider.setAttribute('aria-label', S.seekBar);
      slider.style.cssText = ctl + 'flex:1 1 auto;';
      group.appendChild(slider);
      live = button('livescope-go-live', S.dvrLive, S.goLiveLabel);
      on(play, 'click', () => { const b = read(); if (b && (b.paused || b.ended)) call('play'); else call('pause'); });
      on(back, 'click', () => { const p = pb(); if (p && typeof p.back30 === 'function') p.back30(); });
      on(live, 'click', () => call('goLive'));
      on(slider, 'keydown', (e) => {
        const b = read();
        if (!b) return;
        const steps = { ArrowLeft: -SEEK_KEY_STEP_S, ArrowDown: -SEEK_KEY_STEP_S, ArrowRight: SEEK_KEY_STEP_S, ArrowUp: SEEK_KEY_STEP_S,
          PageDown: -SEEK_PAGE_STEP_S, PageUp: SEEK_PAGE_STEP_S };
        let to = null;
        if (e.key in steps) to = b.pos + steps[e.key];
        else if (e.key === 'Home') to = 0;
        else if (e.key === 'End') to = b.dur;
        if (to === null) return;
        e.preventDefault();
        e.stopPropagation();
        seekTo(to);
      });
      // A value set another way (a screen reader's increment, a pointer on the slider): seek there.
      on(slider, 'change', () => seekTo(slider.valueAsNumber));
      on(group, 'focusin', () => { group.style.outline = '3px solid #7cf'; });
      on(group, 'focusout', () => { group.style.outline = 'none'; });
      canvas.insertAdjacentElement('afterend', group);
    }

    function place() {
      const u = BAR_UNIT_PX, pad = 0.75 * u;
      const x = canvas.offsetLeft + canvas.clientLeft + pad, w = Math.max(0, canvas.clientWidth - 2 * pad);
      const y = canvas.offsetTop + canvas.clientTop + canvas.clientHeight - pad - 2 * u;
      const key = `${x},${y},${w}`;
      if (group._lsRect === key) return;
      group._lsRect = key;
      Object.assign(group.style, { left: `${Math.round(x)}px`, top: `${Math.round(y)}px`, width: `${Math.round(w)}px`, height: `${2 * u}px` });
    }

    return {
      frame() {
        if (destroyed) return;
        const b = read();
        if (!b) { if (group && !group.hidden) group.hidden = true; return; }
        if (!group) build();
        group.hidden = false;
        place();
        const label = b.replay ? (b.ended ? S.playAgain : b.paused ? S.play : S.pause) : '';
        const key = `${b.replay}|${b.dvr}|${label}|${b.dur.toFixed(1)}|${Math.floor(b.pos)}|${b.edge}`;
        if (key === shown) return;
        shown = key;
        play.hidden = !b.replay;
        back.hidden = live.hidden = !b.dvr;
        if (play.textContent !== label && b.replay) play.textContent = label;
        live.setAttribute('aria-pressed', b.edge ? 'true' : 'false');
        slider.max = String(b.dur);
        if (canvas.getRootNode().activeElement !== slider || Math.abs(slider.valueAsNumber - b.pos) > 0.5) slider.value = String(b.pos);
        slider.setAttribute('aria-valuetext', (S.seekValue || '{t} / {d}').replace('{t}', formatPlaybackTime(b.pos)).replace('{d}', formatPlaybackTime(b.dur)));
      },
      get element() { return group; },
      destroy() {
        destroyed = true;
        for (const [el, type, fn] of listeners) el.removeEventListener(type, fn);
        if (group) group.remove();
      },
    };
  });
})(globalThis);
