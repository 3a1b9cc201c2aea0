// livescope playback plugin (page side): starts the Worker, queues its frames, plays its audio through an AudioWorklet,
// and each refresh lets the page module pick the frame to show against the audio clock (A/V sync) and the latency controller.
//
// [SECTION] Plugin and options
// [SECTION] Audio output (AudioWorklet, ScriptProcessor fallback, mute/unmute)
// [SECTION] Worker messages
// [SECTION] Per-refresh: A/V sync, latency control, stats, events
//
// Options read from widget.options: src (playlist URL), latency (target seconds; 0 = PART-HOLD-BACK, never
// below 3 parts), muted (true keeps sound off even after a gesture), debug (the ImGui stats panel),
// audioOutput ('script' forces the ScriptProcessor fallback), abr ('off' keeps the first variant; else ABR, abr.h),
// decoder ('auto' default, 'webcodecs' or 'wasm': the video
// decoder path, docs/decode.md; stats.decoder says which is active), videoUpload ('auto' default, 'frame' or 'planes':
// how a WebCodecs VideoFrame reaches WebGL, docs/playback.md; stats.videoUpload says which was last used).
// LL-HLS loading is always src/player/hls's HlsSession in the worker (there is no JS engine and no engine option).
// Frames come as pooled I420 buffers (wasm decoder) or as WebCodecs VideoFrames, uploaded straight into WebGL2
// (texImage2D from the frame) and closed, or, where C++ says so (a software GL renderer: VideoUploadPathOf), copied out
// as I420 planes on arrival (copyTo), closed at once and uploaded as the wasm decoder's frames are.
// Every decision is C++ (src/app/page/playback.cpp over src/player/av): which frame to show, 'playing' and 'waiting'
// (the stall rule), latency (PDT of the frame on screen), buffer, rate and jumps, the fps windows. This file moves
// frames and audio, schedules the calls and reads the results (mod.abiRecord('playbackStats'), src/app/app_abi.h).
// Widget events: 'playing' (first frame shown, and again after a stall or an error), 'waiting' (stall),
// 'error' ({code, message}: fatal, or no media for a while while loading goes on; docs/widget-limits.md lists the
// codes), 'ended' (an ENDLIST playlist has played out), 'statechange' ({state}: the broadcast's life as the Worker's
// C++ decides it, BroadcastStateOf: 'starting', 'live', 'reconnecting', 'ended', 'error'; docs/states.md). 'starting'
// and 'reconnecting' also fire 'waiting'; 'ended' fires with 'ended'. The overlay draws the state's card.
// Replay and DVR (docs/replay.md): a media playlist with ENDLIST or PLAYLIST-TYPE VOD plays as a replay from 0 ('replay'
// fires once with {duration}); pause() holds loading and play() resumes with a seek to the paused frame; seek(seconds)
// fires 'seeking' ({to}) then 'seeked' ({currentTime, streamTime}) at the first frame from the target; 'timeupdate'
// ({currentTime, streamTime}) at most 4 times a second; a replay that played out fires 'ended' and keeps its last frame
// (the bar offers "play again"; no ended card, no statechange). A live playlist with a window of 45 s or more (DVR)
// gets "−30 s" and "Live" (goLive()); behind the edge the latency controller is off.
(function (global) {
  'use strict';
  if (!global.LivescopeWidget) return;

  // [SECTION] Plugin and options ---------------------------------------------------------------

  // The start-up waterfall as performance marks 'livescope:<step>' (tests/bench/embed.sh prints it; docs/decode.md).
  // startTime: a time on this page's clock (ms), for steps the worker timed.
  function mark(name, startTime) {
    try { performance.mark('livescope:' + name, startTime >= 0 ? { startTime } : undefined); } catch (e) { /* no User Timing */ }
  }

  // The first frame before the page module (docs/embed-dist.md): on the WebCodecs path the page module loads once the worker's
  // first frame is on the poster (web/runtime/first-frame.js), or the worker decodes in wasm, or something must be drawn
  // (an error, a state card), or after POSTER_WAIT_MS without a frame.
  const POSTER_WAIT_MS = 3000;
  // Spare I420 buffers kept for VideoFrame copies (copyPlanes); more are allocated while the queue is deeper.
  const PLANE_POOL_MAX = 8;

  // Browsers refuse new Worker() on a cross-origin script (widget files on a CDN): then start it from a
  // same-origin Blob URL that imports the script (the page's CSP needs worker-src blob:).
  function createWorker(url) {
    try {
      return new Worker(url);
    } catch (e) {
      const blob = new Blob([`importScripts(${JSON.stringify(url)});`], { type: 'text/javascript' });
      return new Worker(URL.createObjectURL(blob));
    }
  }

  class Playback {
    constructor(widget) {
      this.w = widget; this.m = null; this.app = 0;
      this.worker = null; this.queue = []; this.serial = 0;
      this.info = { partTarget: 0, partHoldBack: 0, variant: -1, height: 0 };
      this.wstats = { bitrate: 0, decodeMsAvg: 0, decodedFrames: 0, errors: 0 };
      this.audio = null; this.audioClock = null; this.muted = true; this.tap = null;
      this.shown = null;
      this.firstFrameMs = NaN; this.firstFrameBy = ''; this.startMs = performance.now(); this.logs = [];
      this.lastControl = 0; this.fatal = null; this.sourceError = null; this.heapStart = 0;
      this.listeners = [];
      this.paused = !!widget.options.paused; this.videoActive = true; this.volume = 1;
      this.replay = false; this.timeline = null; this.minSerial = 0; this.seekPending = null; this.behindLive = false;
      this.lastPlayhead = 0;
      this.planePool = []; this.uploadPath = ''; // VideoFrames copied to I420 planes (copyPlanes): spare buffers, last path
    }

    // Before the page module (widget.js calls it first): the worker starts, and with it the playlist, init and first
    // part, while the page module compiles and the audio worklet loads. Its messages wait in `pending` until start().
    prestart() {
      const o = this.w.options;
      if (!o.src || this.worker) return;
      this.pending = [];
      const base = new URL(this.w.baseUrl, global.location.href).href;
      const ctx = this.newAudioContext(); // synchronous: its sample rate goes with 'start'; its worklet loads meanwhile
      const early = o.worker && o.worker.held ? o.worker : null; // started by the loader (web/livescope.js, earlyWorker)
      this.worker = early || createWorker(base + 'player-worker.js');
      if (!early) mark('worker created');
      this.worker.onmessage = (e) => this.onWorker(e.data);
      this.worker.onerror = (e) => this.onWorker({ type: 'fatal', code: 'worker-failed', message: `the playback worker failed: ${e.message || 'error'}` });
      this.startPoster(o);
      if (early) { const held = early.held; early.held = null; for (const m of held) this.onWorker(m); }
      this.worker.postMessage({ type: 'start', src: new URL(o.src, global.location.href).href, baseUrl: base,
        sampleRate: ctx ? ctx.sampleRate : 48000, channels: 2, latency: Number(o.latency) || 0,
        decoder: o.decoder || 'auto', abr: o.abr !== 'off' });
      this.audioReady = ctx ? this.startAudio(base, ctx).then(() => mark('audio worklet loaded'))
        .catch((e) => { ctx.close().catch(() => {}); this.audio = null; this.log('warn', `audio unavailable: ${e.message || e}`); }) : Promise.resolve();
    }

    // pageGate (read by widget.js): resolves when the page module may load; none on the wasm path (today's order).
    startPoster(o) {
      if (!global.LivescopeFirstFrame || (o.decoder || 'auto') === 'wasm' || typeof global.VideoDecoder !== 'function') return;
      this.poster = new global.LivescopeFirstFrame(this.w.canvas);
      let open;
      this.pageGate = new Promise((resolve) => { open = resolve; });
      this.openGate = (why) => {
        if (!open) return;
        clearTimeout(this.gateTimer);
        this.pageGateReason = why; mark('page module requested');
        open(); open = null;
      };
      this.gateTimer = setTimeout(() => this.openGate('no frame yet'), POSTER_WAIT_MS);
    }

    // A worker message before the page module: the first VideoFrame goes on the poster (and stays queued for the page
    // module, which closes it); what only the page module can show opens its gate.
    posterSee(m) {
      if (m.type === 'frame' && this.poster && !this.poster.painted && !Number.isFinite(this.firstFrameMs)) {
        if (m.frame && this.poster.paint(m.frame)) this.firstFrame('poster');
        this.openGate(m.frame ? 'first frame' : 'wasm frame');
      } else if (m.type === 'fatal' || m.type === 'error' || (m.type === 'state' && m.state !== 'starting' && m.state !== 'live')) this.openGate(m.type);
      else if (m.type === 'stats' && m.decoder === 'wasm') this.openGate('wasm decoder');
    }

    firstFrame(by) {
      this.firstFrameMs = performance.now() - this.startMs; this.firstFrameBy = by;
      mark('first frame shown');
      if (this.w.options.onFirstFrame) this.w.options.onFirstFrame(by);
    }

    endPoster() { if (this.poster) { this.poster.remove(); this.poster = null; } }

    async start() {
      const o = this.w.options;
      if (!o.src) return;
      this.prestart(); // no-op when widget.js already called it
      this.m = this.w.module; this.app = this.w.app;
      this.m._ls_page_show_status(this.app, 0);
      // The state card's strings in the widget's language (the room plugin sends them too, when it draws).
      if (o.strings) this.m.withUtf8(JSON.stringify(o.strings), (p) => this.m._ls_room_set_strings(this.app, p));
      if (o.strings) this.m.withUtf8(JSON.stringify(o.strings), (p) => this.m._ls_playback_set_strings(this.app, p));
      this.setDebug(!!o.debug);
      this.setVideoUpload(String(o.videoUpload || 'auto'));
      this.heapStart = this.m.HEAPU8.length;
      Object.defineProperty(this.w, 'stats', { get: () => this.stats(), configurable: true });
      await this.audioReady;
      if (!this.worker) return; // destroyed meanwhile
      const pending = this.pending; this.pending = null;
      for (const m of pending) this.onWorker(m); // in order: what the worker sent while the page module compiled
      const on = (el, type, fn) => { el.addEventListener(type, fn); this.listeners.push([el, type, fn]); };
      on(global.document, 'visibilitychange', () => this.updateVideoActive());
      this.updateVideoActive();
      const canvas = this.w.canvas;
      on(canvas, 'webglcontextlost', (e) => { e.preventDefault(); this.m._ls_playback_gl_lost(this.app); this.log('warn', 'WebGL context lost'); });
      on(canvas, 'webglcontextrestored', () => { const ok = this.m._ls_playback_gl_restored(this.app); this.log('info', `WebGL context restored (video ${ok ? 'rebuilt' : 'failed'})`); });
      for (const type of ['pointerdown', 'keydown', 'touchend']) on(canvas, type, () => this.onGesture());
      on(canvas, 'keydown', (e) => this.onKey(e));
    }

    destroy() {
      for (const [el, type, fn] of this.listeners) el.removeEventListener(type, fn);
      this.listeners = [];
      this.dropQueue(); // closes queued VideoFrames now rather than at garbage collection
      clearTimeout(this.gateTimer); this.endPoster();
      if (this.pending) for (const m of this.pending) if (m.frame) m.frame.close();
      this.pending = null;
      if (this.worker) { this.worker.postMessage({ type: 'stop' }); this.worker.terminate(); this.worker = null; }
      if (this.audio) { this.audio.ctx.close().catch(() => {}); this.audio = null; }
      if (this.scriptTag) this.scriptTag.remove();
    }

    // Video decodes only while the tab is visible and the widget is not paused; on return it resumes at the
    // live edge (the worker jumps), as a live player should.
    updateVideoActive() {
      const keepsPosition = this.replay || this.behindLive; // a replay or a DVR position is held, not left for the edge
      const active = global.document.visibilityState !== 'hidden' && !(this.paused && !keepsPosition);
      if (!this.worker || active === this.videoActive) return;
      this.videoActive = active;
      const resumePdt = keepsPosition ? this.streamTimeS() : 0;
      if (active && keepsPosition && !this.paused) this.beginSeek(this.currentTime());
      this.worker.postMessage({ type: 'visible', visible: active, resumePdt: keepsPosition && !this.paused ? resumePdt : 0 });
      if (active) this.dropQueue();
    }

    // Element API (web/livescope.js). Live: pause stops video decoding and suspends sound; play resumes at the edge.
    // Replay and DVR behind the edge: pause holds loading with the picture on screen; play resumes with a seek there.
    play() {
      const keeps = this.replay || this.behindLive;
      const wasPaused = this.paused, ended = this.endedFired;
      this.paused = false;
      if (keeps && this.m) {
        this.m._ls_playback_set_paused(this.app, 0, 0);
        if (ended) { this.endedFired = false; this.endPending = false; this.seek(0); }
        else if (wasPaused) this.seek(this.currentTime());
      }
      this.updateVideoActive();
      if (this.audio) this.audio.ctx.resume().catch(() => {});
    }
    pause() {
      this.paused = true;
      if ((this.replay || this.behindLive) && this.worker) {
        this.m._ls_playback_set_paused(this.app, 1, this.endedFired ? 1 : 0);
        this.worker.postMessage({ type: 'hold', hold: true });
      }
      this.updateVideoActive();
      if (this.audio) this.audio.ctx.suspend().catch(() => {});
    }

    // [SECTION] Replay and DVR (element API: currentTime, duration, streamTime, paused, play, pause, seek, replay)

    currentTime() {
      const p = this.m ? this.m._ls_playback_position(this.app) : NaN;
      if (this.seekPending) return this.seekPending.to; // between 'seeking' and 'seeked': the target
      return Number.isFinite(p) ? p : (this.replay ? 0 : NaN);
    }
    duration() { return this.replay && this.timeline ? this.timeline.duration : NaN; }
    streamTime() {
      if (this.seekPending && this.seekPending.pdt > 0) return Math.round(this.seekPending.pdt * 1000);
      return this.m ? this.m._ls_playback_stream_time(this.app) : NaN;
    }
    streamTimeS() { const t = this.m ? this.m._ls_playback_stream_time(this.app) : NaN; return Number.isFinite(t) ? t / 1000 : 0; }
    dvr() { return !!(this.m && this.m._ls_playback_has_dvr(this.app)); }

    // Seconds from the start of the replay (or of a live DVR window). The C++ clamps the target and names its PDT; the
    // worker's session picks the segment; frames before the target are decoded, never shown.
    seek(seconds) {
      if (!this.worker || !this.timeline || !(this.replay || this.dvr())) return false;
      const t = JSON.parse(this.m.UTF8ToString(this.m._ls_playback_seek_target(this.app, Number(seconds))));
      if (!this.replay) {
        // DVR: behind the edge until "Live"; the latency controller stays off meanwhile.
        this.behindLive = t.position < this.timeline.duration - 2 * Math.max(this.info.partHoldBack || 0, 1);
        if (!this.behindLive) { this.goLive(); return true; }
        this.m._ls_playback_set_behind_live(this.app, 1);
      }
      if (this.endedFired) { this.endedFired = false; this.endPending = false; this.m._ls_playback_set_paused(this.app, this.paused ? 1 : 0, 0); }
      this.beginSeek(t.position, t.pdt);
      this.worker.postMessage({ type: 'seek', position: t.position, pdt: t.pdt });
      return true;
    }

    // Frames and audio from before the seek are dropped from here on; 'seeked' fires at the first frame after it.
    beginSeek(to, pdt) {
      this.endPending = false; // the worker says 'ended' again when the new position plays out
      this.minSerial = this.serial + 1;
      this.dropQueue();
      this.audioPost({ type: 'serial', serial: this.minSerial });
      this.seekPending = { to, pdt: pdt || 0, serial: this.minSerial };
      this.m._ls_playback_seek_started(this.app);
      this.w.emit('seeking', { to });
    }

    // DVR: "−30 s" from the frame on screen (from the edge when at the edge).
    // At the edge the frame on screen is ahead of the playlist's last complete segment (the open one plays as parts), so
    // the frame's own position is the reference whenever it is known.
    back30() {
      const shown = this.currentTime();
      const at = Number.isFinite(shown) ? shown : (this.timeline ? this.timeline.duration : 0);
      return this.seek((Number.isFinite(at) ? at : 0) - 30);
    }

    // DVR: back to the live edge (a jump: the session restarts at the edge with the fast-start cut); the latency
    // controller takes over again.
    goLive() {
      if (!this.worker) return;
      this.behindLive = false;
      this.m._ls_playback_set_behind_live(this.app, 0);
      if (this.paused) { this.paused = false; this.m._ls_playback_set_paused(this.app, 0, 0); if (this.audio) this.audio.ctx.resume().catch(() => {}); }
      this.beginSeek(null, 0);
      this.worker.postMessage({ type: 'jump' });
    }

    onKey(e) {
      if (!(this.replay || this.dvr()) || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
      const now = this.currentTime();
      if (!Number.isFinite(now)) return;
      e.preventDefault();
      this.seek(now + (e.key === 'ArrowLeft' ? -5 : 5));
    }

    // The bar's clicks (C++ hit-tests them in the ImGui frame).
    takeBarAction() {
      const a = this.m.UTF8ToString(this.m._ls_playback_take_action(this.app));
      if (!a) return;
      const act = JSON.parse(a);
      const host = this.w.options.events; // the element: its play()/pause() keep its own state in step
      if (act.type === 'play') { if (host && typeof host.play === 'function') host.play(); else this.play(); }
      else if (act.type === 'pause') { if (host && typeof host.pause === 'function') host.pause(); else this.pause(); }
      else if (act.type === 'seek') this.seek(act.to);
      else if (act.type === 'back') this.back30();
      else if (act.type === 'live') this.goLive();
    }

    setSeekMarks(json) { if (this.m) this.m.withUtf8(typeof json === 'string' ? json : JSON.stringify(json), (p) => this.m._ls_set_seek_marks(this.app, p)); }

    onTimeline(t) {
      this.timeline = t;
      this.m._ls_playback_set_timeline(this.app, t.replay ? 1 : 0, t.duration, t.startPdt, t.endPdt);
      if (t.replay && !this.replay) {
        this.replay = true;
        if (this.broadcastState === 'starting' && !this.fatal) this.setState('live'); // a recording: its card goes
        if (this.paused) { this.m._ls_playback_set_paused(this.app, 1, 0); }
        this.w.emit('replay', { duration: t.duration });
      }
    }
    setVolume(v) { this.volume = Math.min(1, Math.max(0, Number(v))); this.setMuted(this.muted); }

    setDebug(on) { if (this.m) this.m._ls_playback_set_debug(this.app, on ? 1 : 0); }
    setAudioTap(on) { this.audioPost({ type: 'tap', on: !!on }); }
    setMuted(muted) {
      this.muted = !!muted;
      if (this.audio) {
        this.audio.gain.gain.value = this.muted ? 0 : this.volume;
        if (!this.muted && !this.paused) this.audio.ctx.resume().catch(() => {});
      }
    }

    log(level, message) {
      this.logs.push(`${level}: ${message}`);
      if (this.logs.length > 100) this.logs.shift();
      (level === 'info' ? console.log : console.warn)('[livescope playback]', message);
    }

    fail(code, message) {
      if (this.fatal) return;
      this.fatal = { code, message };
      this.endPoster(); // the canvas shows the message
      this.log('error', `${code}: ${message}`);
      this.setErrorText(message);
      this.w.emit('error', { code, message });
      this.setState('error');
    }

    // Not fatal: the worker found no media for a while and keeps trying. The message stays on the canvas
    // until a frame is shown again.
    sourceFailed(code, message) {
      this.sourceError = { code, message };
      this.endPoster();
      this.log('warn', `${code}: ${message}`);
      this.setErrorText(message);
      this.w.emit('error', { code, message });
    }

    // Forwards the broadcast state to the overlay (its card) and the element (statechange, waiting), once per change.
    setState(state) {
      if (state === this.broadcastState) return;
      this.broadcastState = state;
      if (state !== 'starting' && state !== 'live') this.endPoster(); // the canvas shows the card
      if (this.m) this.m.withUtf8(state, (ptr) => this.m._ls_page_set_broadcast_state(this.app, ptr));
      this.w.emit('statechange', { state });
      if (state === 'starting' || state === 'reconnecting') this.w.emit('waiting', { state });
    }

    setErrorText(message) { this.m.withUtf8(message, (ptr) => this.m._ls_playback_set_error(this.app, ptr)); }

    // [SECTION] Audio output ---------------------------------------------------------------------

    newAudioContext() {
      const Ctx = global.AudioContext || global.webkitAudioContext;
      if (!Ctx) { this.log('warn', 'audio unavailable: no WebAudio'); return null; }
      try { return new Ctx({ latencyHint: 'interactive' }); } catch (e) { this.log('warn', `audio unavailable: ${e.message || e}`); return null; }
    }

    async startAudio(base, ctx) {
      const gain = ctx.createGain();
      gain.gain.value = 0; // starts muted (autoplay rules); a user gesture unmutes
      gain.connect(ctx.destination);
      const onMsg = (m) => this.onAudio(m);
      let node, post;
      if (ctx.audioWorklet && global.AudioWorkletNode && this.w.options.audioOutput !== 'script') {
        await ctx.audioWorklet.addModule(base + 'audio-worklet.js');
        node = new global.AudioWorkletNode(ctx, 'livescope-audio', { numberOfInputs: 0, outputChannelCount: [2] });
        node.port.onmessage = (e) => onMsg(e.data);
        post = (m, t) => node.port.postMessage(m, t || []);
      } else {
        if (!global.LivescopeAudioQueue) await new Promise((res, rej) => {
          const s = global.document.createElement('script');
          s.src = base + 'audio-worklet.js'; s.onload = res; s.onerror = () => rej(new Error('audio-worklet.js did not load'));
          global.document.head.appendChild(s); this.scriptTag = s;
        });
        const queue = new global.LivescopeAudioQueue(ctx.sampleRate, onMsg);
        node = ctx.createScriptProcessor(2048, 0, 2);
        node.onaudioprocess = (e) => queue.render([e.outputBuffer.getChannelData(0), e.outputBuffer.getChannelData(1)]);
        post = (m) => queue.onMessage(m);
      }
      node.connect(gain);
      this.audio = { ctx, gain, node, post, buffered: 0, underruns: 0, starved: true };
      if (ctx.state !== 'running') ctx.resume().catch(() => {});
    }

    audioPost(m, transfer) { if (this.audio) this.audio.post(m, transfer); }

    onGesture() {
      if (!this.audio) return;
      this.audio.ctx.resume().catch(() => {});
      if (this.w.options.muted !== true) this.setMuted(false);
    }

    onAudio(m) {
      if (!this.audio) return; // a message queued before destroy()
      if (m.type === 'clock') {
        this.audio.buffered = m.buffered; this.audio.underruns = m.underruns; this.audio.starved = m.starved;
        if (this.m && m.serial === this.serial && Number.isFinite(m.pts) && !m.starved && this.audio.ctx.state === 'running') {
          this.audioClock = { pts: m.pts, at: performance.now() / 1000 };
          this.m._ls_playback_clock_set(this.app, m.pts, this.audioClock.at, m.serial);
        }
      } else if (m.type === 'tap') {
        this.tap = { frequency: m.frequency, rate: m.rate, streamFrequency: m.frequency / m.rate, rms: m.rms };
      }
    }

    // [SECTION] Worker messages ------------------------------------------------------------------

    onWorker(m) {
      if (m.type === 'mark') {
        mark(m.name, m.at - performance.timeOrigin);
        // The poster's canvas is made now, not at prestart: the worker has its module (its first messages, relayed by this
        // thread, went through), and its first frame is still tens of ms away.
        if (m.name === 'worker module instantiated' && this.poster) this.poster.warm();
        return;
      }
      if (m.type === 'frame' && !this.firstFrameQueued) { this.firstFrameQueued = true; mark('first frame at the page'); }
      if (this.pending) { this.pending.push(m); if (this.poster) this.posterSee(m); return; } // before start(): replayed in order there
      switch (m.type) {
        case 'frame':
          if (m.serial < this.minSerial) { this.release(m); return; } // from before a seek
          if (m.serial > this.serial) this.newSerial(m.serial);
          if (m.serial < this.serial) { this.release(m); return; }
          this.queue.push(m);
          if (m.frame) this.copyPlanes(m);
          this.m._ls_playback_frame_queued(this.app, performance.now() / 1000, m.serial, m.pts, m.pdt, m.decodeMs, m.width, m.height);
          break;
        case 'audio':
          if (m.serial < this.minSerial) return;
          if (m.serial > this.serial) this.newSerial(m.serial);
          if (m.serial === this.serial) this.audioPost(m, [m.samples.buffer]);
          break;
        case 'info': this.info = m; this.sourceStats(); break;
        case 'timeline': this.onTimeline(m); break;
        case 'seek': // the worker's serial for the seek: anything older is from before it
          this.minSerial = Math.max(this.minSerial, m.serial);
          if (this.seekPending && m.serial > this.seekPending.serial) this.seekPending.serial = m.serial;
          break;
        case 'stats': this.wstats = m; if (!this.workerHeapStart) this.workerHeapStart = m.heapBytes; this.sourceStats(); break;
        case 'log': this.log(m.level, m.message); break;
        case 'fatal': this.fail(m.code, m.message); break;
        case 'error': if (!this.fatal) this.sourceFailed(m.code, m.message); break;
        case 'recovered': this.log('info', 'the source is back'); break;
        case 'ended': this.endPending = true; break; // ENDLIST: 'ended' fires once the queue has played out
        case 'state': // the Worker's C++ decision; 'ended' waits for the queue to play out (below)
          if (m.state === 'ended') this.endPending = true;
          else if (this.replay && (m.state === 'starting' || m.state === 'reconnecting')) break; // no "starting soon" card on a recording
          else if (!this.fatal) this.setState(m.state);
          break;
      }
    }

    sourceStats() {
      this.m._ls_playback_set_source_stats(this.app, this.wstats.bitrate || 0, this.wstats.decodeMsAvg || 0, this.info.variant, this.info.height || 0);
    }

    newSerial(serial) {
      this.serial = serial;
      this.dropQueue();
      this.audioPost({ type: 'serial', serial });
    }

    dropQueue() {
      for (const f of this.queue) this.release(f);
      this.queue = [];
    }

    // A frame message is done with: its pooled buffer goes back to the worker, or its VideoFrame is closed (and counted back).
    release(f) {
      f.released = true;
      if (f.planes) { if (this.planePool.length < PLANE_POOL_MAX) this.planePool.push(f.planes); f.planes = null; }
      if (f.frame || f.frameClosed) {
        if (f.frame) f.frame.close();
        f.frame = null;
        if (this.worker) this.worker.postMessage({ type: 'release', frame: true });
      } else if (this.worker && f.buffer) this.worker.postMessage({ type: 'release', buffer: f.buffer }, [f.buffer]);
    }

    // The upload path (src/player/av/upload.h): the widget's videoUpload option and the WebGL renderer's name (software
    // rasterizers get planes). getContext returns the page module's context (created on this canvas before start()).
    setVideoUpload(mode) {
      let renderer = '';
      try {
        const gl = this.w.canvas.getContext('webgl2'), ext = gl && gl.getExtension('WEBGL_debug_renderer_info');
        renderer = (ext && gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) || '';
      } catch (e) { /* no WebGL2: nothing is uploaded anyway */ }
      this.m.withUtf8(mode, (a) => this.m.withUtf8(String(renderer), (b) => this.m._ls_playback_set_video_upload(this.app, a, b)));
    }

    // A WebCodecs frame just queued: where C++ picks the planes, copy it out now (copyTo packs I420 tightly at its
    // visible rectangle) and close it, so the decoder has its buffer back; the page then uploads the planes as the wasm
    // decoder's (three texSubImage2D). The worker still counts the frame as the page's until release() (back-pressure).
    // Until the copy lands, or if it fails, the frame itself is uploaded.
    copyPlanes(m) {
      const f = m.frame, r = f.visibleRect;
      if (!r || typeof f.copyTo !== 'function') return;
      if (!this.m._ls_playback_video_upload(this.app, f.format === 'I420' ? 1 : 0, r.x, r.y, r.width, r.height, f.displayWidth, f.displayHeight)) return;
      let bytes = 0;
      try { bytes = f.allocationSize(); } catch (e) { return; }
      let buf = this.planePool.pop();
      if (!buf || buf.byteLength !== bytes) buf = new ArrayBuffer(bytes);
      const done = (ok) => {
        if (!ok || m.released || m.frame !== f) { if (this.planePool.length < PLANE_POOL_MAX) this.planePool.push(buf); return; }
        m.planes = buf; m.planeWidth = r.width; m.planeHeight = r.height;
        // As the wasm decoder's frames (worker_decode.cpp): BT.709 where the stream says so, else BT.601.
        const cs = f.colorSpace || {};
        m.planeMatrix = cs.matrix === 'bt709' ? 709 : 601; m.planeFull = cs.fullRange ? 1 : 0;
        f.close(); m.frame = null; m.frameClosed = true;
      };
      try { f.copyTo(buf).then(() => done(true), () => done(false)); } catch (e) { done(false); }
    }

    // Tightly packed I420 (a pooled buffer from the wasm decoder, or a VideoFrame's copy) into the page module's staging
    // memory, then uploaded as three planes.
    uploadI420(bytes, width, height, matrix, fullRange) {
      const ptr = this.m._ls_playback_staging(this.app, bytes.byteLength);
      this.m.HEAPU8.set(new Uint8Array(bytes), ptr);
      this.m._ls_playback_upload(this.app, width, height, matrix, fullRange);
    }

    // Test hook (tests/e2e/playback_webcodecs.test.mjs): the worker's WebCodecs decoder fails mid-GOP, as on a mid-stream error.
    testDecoderError() { if (this.worker) this.worker.postMessage({ type: 'test-decoder-error' }); }
    // Test hook: the worker's AudioDecoder fails after its next 5 chunks; FFmpeg's AAC decoder takes over (docs/decode.md).
    testAudioDecoderError() { if (this.worker) this.worker.postMessage({ type: 'test-decoder-error', audio: true }); }

    // [SECTION] Per-refresh ------------------------------------------------------------------------

    frame(tMs) {
      if (this.m && this.worker) this.takeBarAction();
      if (!this.worker || this.fatal || this.endedFired) return;
      const m = this.m, app = this.app, now = performance.now() / 1000; // same clock as the audio clock updates
      if (this.endPending && !this.seekPending && this.queue.length === 0 && m._ls_playback_played_out(app) && m.abiRecord('playbackStats', m._ls_playback_stats(app, now)).framesShown > 0) {
        this.endedFired = true;
        this.w.emit('ended', {});
        if (this.replay) { // the last frame stays, with "play again" on the bar
          this.paused = true;
          m._ls_playback_set_paused(app, 1, 1);
          if (this.audio) this.audio.ctx.suspend().catch(() => {});
        } else this.setState('ended');
        return;
      }
      for (let guard = 0; guard < 64 && this.queue.length; guard++) {
        const c = this.queue[0], l = this.queue[1];
        const act = m._ls_playback_step(app, now, c.pts, c.duration, c.serial, l ? 1 : 0, l ? l.pts : 0, l ? l.duration : 0, l ? l.serial : 0,
          this.serial, this.sourceError ? 1 : 0);
        if (act === 0) break;
        this.queue.shift();
        if (act === 1 || act === 3) {
          if (c.planes) { // a VideoFrame copied to I420 planes (copyPlanes)
            this.uploadI420(c.planes, c.planeWidth, c.planeHeight, c.planeMatrix, c.planeFull);
            this.uploadPath = 'planes';
          } else if (c.frame) {
            m['lsVideoFrame'] = c.frame; // read by web/emlib/library_livescope_webgl.js (texImage2D from the VideoFrame)
            m._ls_playback_upload_frame(app, c.width, c.height);
            m['lsVideoFrame'] = null;
            this.uploadPath = 'frame';
          } else {
            this.uploadI420(c.buffer, c.width, c.height, c.matrix, c.fullRange);
            this.uploadPath = 'buffer';
          }
          this.shown = c;
        }
        if ((act === 1 || act === 3) && this.seekPending && c.serial >= this.seekPending.serial) {
          this.seekPending = null;
          this.w.emit('seeked', { currentTime: this.currentTime(), streamTime: this.streamTime() });
          if (this.paused) this.worker.postMessage({ type: 'hold', hold: true }); // paused seek: its frame shown, hold again
        }
        if (act === 3) { // first frame, or first after a stall or a source error
          if (!Number.isFinite(this.firstFrameMs)) this.firstFrame('page');
          if (this.poster) { if (this.poster.painted) mark('page module took over'); this.endPoster(); }
          if (this.sourceError) { this.sourceError = null; this.setErrorText(''); }
          this.w.emit('playing', { firstFrameMs: this.firstFrameMs });
        }
        this.release(c);
      }
      if (m._ls_playback_tick(app, now, global.document.visibilityState !== 'hidden' ? 1 : 0)) this.w.emit('waiting', {});
      if (!this.seekPending && (this.replay || this.behindLive) && m._ls_playback_timeupdate_due(app, now))
        this.w.emit('timeupdate', { currentTime: this.currentTime(), streamTime: this.streamTime() });
      if (tMs - this.lastControl >= 250) { this.lastControl = tMs; this.control(now); }
    }

    control(now) {
      const m = this.m, app = this.app;
      const last = this.queue.length ? this.queue[this.queue.length - 1] : this.shown;
      const act = m._ls_playback_control(app, now, Date.now() / 1000, last ? 1 : 0, last ? last.pts : 0, this.audio && this.audioClock ? 1 : 0,
        this.audio ? this.audio.buffered : 0, this.info.partHoldBack || 0, this.info.partTarget || 0, Number(this.w.options.latency) || 0);
      const s = m.abiRecord('playbackStats', m._ls_playback_stats(app, now));
      // While a seek or "Live" is pending, the frame on screen is the old one: its latency says nothing (no second jump).
      // After ENDLIST (endPending) there is no live edge: a jump would reopen the ended broadcast as a replay from its start.
      if ((act & 2) && !this.seekPending && !this.endPending) {
        this.log('info', `latency ${s.latency.toFixed(2)} s is far above target: jumping to the live edge`);
        this.worker.postMessage({ type: 'jump' });
      }
      if (act & 1) this.worker.postMessage({ type: 'rate', rate: s.rate });
      // Replay / DVR: the playhead bounds how far ahead the worker loads (HlsSessionConfig::MaxBufferAhead).
      const pdt = this.streamTimeS();
      if (pdt > 0 && pdt !== this.lastPlayhead && !this.seekPending) { this.lastPlayhead = pdt; this.worker.postMessage({ type: 'playhead', pdt }); }
      // ABR's health input every 2 s: frames due on screen and dropped since the last report (the worker decides).
      if (!this.healthMark) this.healthMark = { t: now, shown: s.framesShown, dropped: s.dropped };
      else if (now - this.healthMark.t >= 2) {
        const dropped = s.dropped - this.healthMark.dropped, due = s.framesShown - this.healthMark.shown + dropped;
        this.worker.postMessage({ type: 'health', frames: due, dropped, window: now - this.healthMark.t });
        this.healthMark = { t: now, shown: s.framesShown, dropped: s.dropped };
      }
    }

    // Stats for JS (widget.stats): seconds, frames per second, bits per second, milliseconds.
    stats() {
      const p = this.m ? this.m.abiRecord('playbackStats', this.m._ls_playback_stats(this.app, performance.now() / 1000)) : null;
      return {
        latency: p ? p.latency : NaN, target: p ? p.target : 0, buffer: p ? p.buffer : 0,
        decodedFps: p ? p.decodedFps : 0, droppedFps: p ? p.droppedFps : 0, dropped: p ? p.dropped : 0,
        bitrate: this.wstats.bitrate || 0, variant: this.info.variant, height: this.info.height || 0,
        abr: { on: this.info.abr !== 0, estimate: this.wstats.throughput || 0, variants: this.info.variants || 1, switches: this.info.switches || 0, up: this.info.abrUp || 0,
          down: this.info.abrDown || 0, health: this.info.abrHealth || 0, oscillations: this.info.abrOscillations || 0,
          seamless: this.info.abrSeamless || 0, hard: this.info.abrHard || 0, probes: this.info.abrProbes || 0, samples: this.info.abrSamples || 0 },
        decodeMs: this.wstats.decodeMsAvg || 0, rate: p ? p.rate : 1, playing: !!(p && p.playing) && !this.endedFired,
        waiting: !!(p && p.waiting), framesShown: p ? p.framesShown : 0, shownPts: p ? p.shownPts : NaN,
        firstFrameMs: this.firstFrameMs, firstFrameBy: this.firstFrameBy, errors: this.wstats.errors || 0, serial: this.serial,
        audio: this.audio ? { state: this.audio.ctx.state, buffered: this.audio.buffered, underruns: this.audio.underruns, muted: this.muted, sampleRate: this.audio.ctx.sampleRate } : null,
        tap: this.tap, partTarget: this.info.partTarget, partHoldBack: this.info.partHoldBack,
        stalls: p ? p.stalls : 0,
        // The latency controller's target split (docs/playback.md): base + backoff after stalls; relapses doubled the hold.
        targetBase: p ? p.targetBase : 0, backoff: p ? p.backoff : 0, backoffHold: p ? p.backoffHold : 0, relapses: p ? p.relapses : 0,
        jumps: p ? p.jumps : 0, framesDecoded: p ? p.framesDecoded : 0,
        // Dropped frames by the scheduler's rule (docs/playback.md): stale serial, behind the audio clock, refresh slot missed.
        droppedBy: { stale: p ? p.dropStale : 0, lateClock: p ? p.dropLateClock : 0, missed: p ? p.dropMissed : 0 },
        // Page frame cost, main-thread ms per page frame over the last 2 s, and sums since start (tests/bench/playback.sh).
        frameCost: p ? { ms: p.costMs, imguiMs: p.costImguiMs, uploadMs: p.costUploadMs, composeMs: p.costComposeMs, maxMs: p.costMaxMs,
          frames: p.costFrames, imguiSumMs: p.costImguiSumMs, uploadSumMs: p.costUploadSumMs, composeSumMs: p.costComposeSumMs } : null,
        heapBytes: this.m ? this.m.HEAPU8.length : 0, heapStartBytes: this.heapStart, workerHeapBytes: this.wstats.heapBytes || 0, workerHeapStartBytes: this.workerHeapStart || 0, fatal: this.fatal,
        sourceError: this.sourceError,
        videoUpload: this.uploadPath, // 'frame' (texImage2D from the VideoFrame), 'planes' (its copy), 'buffer' (wasm)
        skipped: this.wstats.skipped || 0, decoder: this.wstats.decoder || '', decoderReason: this.wstats.decoderReason || '', decoderSwitches: this.wstats.decoderSwitches || 0,
        audioDecoder: this.wstats.audioDecoder || '', audioDecoderReason: this.wstats.audioDecoderReason || '', audioDecoderSwitches: this.wstats.audioDecoderSwitches || 0, audioGaps: this.wstats.audioGaps || 0, demuxer: this.wstats.demuxer || '', demuxSwitch: this.wstats.demuxSwitch || '',
      };
    }
  }

  // prepare runs before the page module loads (widget.js): the worker and the audio start then; the factory takes that instance.
  global.LivescopeWidget.registerPlugin('playback', (widget) => (widget.prepared && widget.prepared.playback) || new Playback(widget),
    (widget) => { const p = new Playback(widget); p.prestart(); return p; });
})(globalThis);
