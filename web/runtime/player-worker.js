// livescope playback Worker entry: LL-HLS loading with streaming fetch(), FFmpeg demux/decode in wasm, pooled frames to the page.
//
// [SECTION] Messages (page <-> worker)
// [SECTION] Playlist parsing (a small LL-HLS adapter until src/player/hls's HlsSession is linkable)
// [SECTION] Streaming loads
// [SECTION] Decode output (pooled, transferable frame buffers)
// [SECTION] Loading loop (start point, parts, preload hints, blocking reloads, retries, jumps)
//
// Messages page -> worker:
//   {type:'start', src, baseUrl, sampleRate, channels, latency}  begin playing `src`
//   {type:'release', buffer}   a frame buffer the page has uploaded, back into the pool
//   {type:'rate', rate}        playback rate from the latency controller (audio is resampled)
//   {type:'visible', visible}  tab visibility: hidden stops video decoding, visible resumes at the live edge
//   {type:'jump'}              go to the live edge now (latency controller)
//   {type:'stop'}
// Messages worker -> page:
//   {type:'frame', buffer, pts, duration, serial, pdt, width, height, matrix, fullRange, decodeMs}  (buffer transferred)
//   {type:'audio', samples, pts, rate, serial, channels}  (samples: Float32Array, transferred)
//   {type:'info', partTarget, partHoldBack, targetDuration, variant, bandwidth, width, height, lowLatency}
//   {type:'stats', bytes, bitrate, errors, decodedFrames, decodeMsAvg, skipped, serial, heapBytes}
//   {type:'log', level, message}   every recoverable problem, with its reason
//   {type:'fatal', code, message}  playback cannot continue (unsupported codec, encryption)
'use strict';

const state = {
  mod: null, app: 0, running: false, src: '', latency: 0, serial: 0,
  pool: [], poolSize: 0, poolMax: 32, frameBytes: 0,
  rate: 1, visible: true, jumpRequested: false, abort: null,
  bytes: 0, bytesWindow: [], errors: 0, lastErrorCount: 0,
  media: null, variant: null,
  startPdt: 0, pdtOffset: NaN, // epoch seconds: media before startPdt is decoded but not sent (fast start); pdt - pts
};

function post(msg, transfer) { self.postMessage(msg, transfer || []); }
function log(level, message) { post({ type: 'log', level, message }); }

self.onmessage = (e) => {
  const m = e.data;
  switch (m.type) {
    case 'start': start(m).catch((err) => fatal('load-failed', String(err && err.message || err))); break;
    case 'release':
      if (m.buffer && m.buffer.byteLength === state.frameBytes) state.pool.push(m.buffer);
      else if (m.buffer) state.poolSize--;
      if (state.app && state.running) drain(); // frames held back for want of a buffer go out now
      break;
    case 'rate':
      state.rate = m.rate;
      if (state.app) state.mod._ls_worker_set_rate(state.app, m.rate);
      break;
    case 'visible':
      state.visible = m.visible;
      if (state.app) state.mod._ls_worker_set_video(state.app, m.visible ? 1 : 0);
      if (m.visible) requestJump();
      break;
    case 'jump': requestJump(); break;
    case 'stop':
      state.running = false;
      if (state.abort) state.abort.abort();
      break;
  }
};

function fatal(code, message) {
  state.running = false;
  if (state.abort) state.abort.abort();
  post({ type: 'fatal', code, message });
}

function requestJump() {
  state.jumpRequested = true;
  if (state.engine === 'session') { if (state.running) sessionStart(); return; }
  if (state.abort) state.abort.abort();
}

// [SECTION] Playlist parsing -------------------------------------------------------------------

function attrs(line) {
  const out = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  let m;
  while ((m = re.exec(line))) out[m[1]] = m[2].startsWith('"') ? m[2].slice(1, -1) : m[2];
  return out;
}

function parseMultivariant(text, base) {
  const lines = text.split(/\r?\n/);
  const variants = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('#EXT-X-STREAM-INF:')) continue;
    const a = attrs(lines[i].slice(18));
    let j = i + 1;
    while (j < lines.length && (lines[j].startsWith('#') || !lines[j].trim())) j++;
    if (j >= lines.length) break;
    const [w, h] = (a.RESOLUTION || '0x0').split('x').map(Number);
    variants.push({ url: new URL(lines[j].trim(), base).href, bandwidth: Number(a.BANDWIDTH || 0), width: w, height: h, codecs: a.CODECS || '' });
  }
  return variants;
}

// Media playlist -> { segments: [{msn, url, duration, pdt, disc, parts:[{url, duration, independent, gap, byterange}]}], ... }
function parseMedia(text, base) {
  const pl = { targetDuration: 0, mediaSequence: 0, discSequence: 0, partTarget: 0, partHoldBack: 0, holdBack: 0,
    canBlock: false, map: null, encrypted: false, segments: [], hint: null, ended: false };
  let pending = { parts: [], pdt: 0, disc: false, map: null, duration: 0 };
  let pdtNext = 0, msn = -1;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#EXT-X-TARGETDURATION:')) pl.targetDuration = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) pl.mediaSequence = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:')) pl.discSequence = Number(line.slice(30));
    else if (line.startsWith('#EXT-X-PART-INF:')) pl.partTarget = Number(attrs(line.slice(16))['PART-TARGET'] || 0);
    else if (line.startsWith('#EXT-X-SERVER-CONTROL:')) {
      const a = attrs(line.slice(22));
      pl.partHoldBack = Number(a['PART-HOLD-BACK'] || 0); pl.holdBack = Number(a['HOLD-BACK'] || 0);
      pl.canBlock = a['CAN-BLOCK-RELOAD'] === 'YES';
    } else if (line.startsWith('#EXT-X-MAP:')) { pl.map = new URL(attrs(line.slice(11)).URI, base).href; pending.map = pl.map; }
    else if (line.startsWith('#EXT-X-KEY:')) { if ((attrs(line.slice(11)).METHOD || 'NONE') !== 'NONE') pl.encrypted = true; }
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) { pending.pdt = Date.parse(line.slice(25)) / 1000; }
    else if (line === '#EXT-X-DISCONTINUITY') pending.disc = true;
    else if (line.startsWith('#EXTINF:')) pending.duration = parseFloat(line.slice(8));
    else if (line.startsWith('#EXT-X-PART:')) {
      const a = attrs(line.slice(12));
      pending.parts.push({ url: new URL(a.URI, base).href, duration: Number(a.DURATION || 0), independent: a.INDEPENDENT === 'YES', gap: a.GAP === 'YES', byterange: a.BYTERANGE });
    } else if (line.startsWith('#EXT-X-PRELOAD-HINT:')) {
      const a = attrs(line.slice(20));
      if (a.TYPE === 'PART' && !a['BYTERANGE-START']) pl.hint = new URL(a.URI, base).href;
    } else if (line === '#EXT-X-ENDLIST') pl.ended = true;
    else if (!line.startsWith('#')) {
      msn = msn < 0 ? pl.mediaSequence : msn + 1;
      const pdt = pending.pdt || pdtNext;
      pl.segments.push({ msn, url: new URL(line, base).href, duration: pending.duration, pdt, disc: pending.disc, parts: pending.parts, map: pending.map || pl.map, complete: true });
      pdtNext = pdt ? pdt + pending.duration : 0;
      pending = { parts: [], pdt: 0, disc: false, map: null, duration: 0 };
    }
  }
  if (pending.parts.length) {
    msn = msn < 0 ? pl.mediaSequence : msn + 1;
    const pdt = pending.pdt || pdtNext;
    pl.segments.push({ msn, url: null, duration: pending.parts.reduce((s, p) => s + p.duration, 0), pdt, disc: pending.disc, parts: pending.parts, map: pending.map || pl.map, complete: false });
  }
  return pl;
}

// [SECTION] Streaming loads --------------------------------------------------------------------

class LoadError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

// Fetches `url`, handing each body chunk to onChunk as it arrives. A connection that delivers no byte for
// `stallMs` is aborted as stalled. Resolves with the byte count.
async function streamLoad(url, onChunk, stallMs, signal) {
  const ctrl = new AbortController();
  const onOuterAbort = () => ctrl.abort();
  if (signal) { if (signal.aborted) ctrl.abort(); else signal.addEventListener('abort', onOuterAbort); }
  let timer = 0, stalled = false;
  const arm = () => { clearTimeout(timer); timer = setTimeout(() => { stalled = true; ctrl.abort(); }, stallMs); };
  try {
    arm();
    const res = await fetch(url, { signal: ctrl.signal, cache: 'no-store' });
    if (!res.ok) throw new LoadError(`HTTP ${res.status} for ${url}`, res.status);
    const reader = res.body.getReader();
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      total += value.byteLength;
      onChunk(value);
    }
    return total;
  } catch (e) {
    if (stalled) throw new LoadError(`stalled: no bytes for ${stallMs} ms from ${url}`, 0);
    if (e instanceof LoadError) throw e;
    if (signal && signal.aborted) throw new LoadError('aborted', -1);
    throw new LoadError(`network error for ${url}: ${e.message || e}`, 0);
  } finally {
    clearTimeout(timer);
    if (signal) signal.removeEventListener('abort', onOuterAbort);
  }
}

async function fetchText(url, signal, timeoutMs) {
  let text = '';
  const dec = new TextDecoder();
  await streamLoad(url, (c) => { text += dec.decode(c, { stream: true }); }, timeoutMs, signal);
  return text + dec.decode();
}

// [SECTION] Decode output ----------------------------------------------------------------------

function feed(bytes) {
  const { mod, app } = state;
  state.bytes += bytes.byteLength;
  state.bytesWindow.push([performance.now(), bytes.byteLength]);
  const ptr = mod._ls_worker_input(app, bytes.byteLength);
  mod.HEAPU8.set(bytes, ptr);
  mod._ls_worker_feed(app, bytes.byteLength);
  drain();
}

function takeFrameBuffer(size) {
  if (size !== state.frameBytes) { state.pool = []; state.poolSize = 0; state.frameBytes = size; }
  if (state.pool.length) return state.pool.pop();
  if (state.poolSize >= state.poolMax) return null;
  state.poolSize++;
  return new ArrayBuffer(size);
}

// Copies decoded frames into pooled buffers (tightly packed I420) and posts them and the audio to the page.
function drain() {
  const { mod, app } = state;
  const code = mod._ls_worker_fatal(app);
  if (code) { fatal(mod.UTF8ToString(mod._ls_worker_fatal_name(app)), mod.UTF8ToString(mod._ls_worker_fatal_detail(app))); return; }
  const heapF64 = () => new Float64Array(mod.HEAPU8.buffer);
  while (mod._ls_worker_video_count(app)) {
    const p = mod._ls_worker_video_info(app) >> 3;
    const v = heapF64().subarray(p, p + 15);
    const w = v[4], h = v[5], cw = (w + 1) >> 1, ch = (h + 1) >> 1;
    if (v[3]) state.pdtOffset = v[3] - v[0];
    if (v[3] && v[3] < state.startPdt) { mod._ls_worker_video_pop(app); continue; } // before the start point
    const buf = takeFrameBuffer(w * h + 2 * cw * ch);
    // Back-pressure: with every pooled buffer at the page, the frame stays queued in the decoder until one returns.
    if (!buf) break;
    {
      const dst = new Uint8Array(buf);
      const heap = mod.HEAPU8;
      const planes = [[v[9], v[10], w, h, 0], [v[11], v[12], cw, ch, w * h], [v[13], v[14], cw, ch, w * h + cw * ch]];
      for (const [src, stride, pw, ph, off] of planes) {
        if (stride === pw) dst.set(heap.subarray(src, src + pw * ph), off);
        else for (let y = 0; y < ph; y++) dst.set(heap.subarray(src + y * stride, src + y * stride + pw), off + y * pw);
      }
      post({ type: 'frame', buffer: buf, pts: v[0], duration: v[1], serial: v[2], pdt: v[3], width: w, height: h,
        matrix: v[6], fullRange: v[7], decodeMs: v[8] }, [buf]);
    }
    mod._ls_worker_video_pop(app);
  }
  const n = mod._ls_worker_audio_samples(app);
  const audioPdt = mod._ls_worker_audio_pts(app) + state.pdtOffset;
  if (n > 0 && state.startPdt && !(audioPdt >= state.startPdt)) {
    mod._ls_worker_audio_clear(app); // before the start point (or not yet placed in time)
  } else if (n > 0) {
    const p = mod._ls_worker_audio_data(app) >> 2;
    const samples = new Float32Array(mod.HEAPU8.buffer).slice(p, p + n);
    post({ type: 'audio', samples, pts: mod._ls_worker_audio_pts(app), rate: mod._ls_worker_audio_rate(app),
      serial: mod._ls_worker_audio_serial(app), channels: state.channels }, [samples.buffer]);
    mod._ls_worker_audio_clear(app);
  }
  const errors = mod._ls_worker_counters(app) >> 3;
  const errCount = heapF64()[errors + 3];
  if (errCount > state.lastErrorCount) {
    state.lastErrorCount = errCount;
    log('warn', 'decode: ' + mod.UTF8ToString(mod._ls_worker_last_error(app)));
  }
}

function postStats() {
  const { mod, app } = state;
  const now = performance.now();
  state.bytesWindow = state.bytesWindow.filter(([t]) => now - t < 2000);
  const recent = state.bytesWindow.reduce((s, [, n]) => s + n, 0);
  const c = new Float64Array(mod.HEAPU8.buffer, mod._ls_worker_counters(app), 8);
  post({ type: 'stats', bytes: state.bytes, bitrate: recent * 8 / 2, errors: state.errors + c[3], decodedFrames: c[0],
    decodeMsAvg: c[0] ? c[5] / c[0] : 0, skipped: c[4], serial: state.serial, heapBytes: mod.HEAPU8.length });
}

// [SECTION] Loading loop -----------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function start(m) {
  importScripts(m.baseUrl + 'livescope_worker.js');
  state.mod = await self.createLivescopeWorker({ locateFile: (p) => m.baseUrl + p, print: (t) => log('info', t), printErr: (t) => log('warn', t) });
  state.app = state.mod._ls_worker_create();
  state.channels = m.channels || 2;
  state.mod._ls_worker_set_audio(state.app, m.sampleRate || 48000, state.channels);
  state.src = m.src;
  state.latency = m.latency || 0;
  state.running = true;
  setInterval(() => { if (state.running) postStats(); }, 500);
  // The LL-HLS engine: src/player/hls's HlsSession (in wasm) when linked, else the JS adapter below.
  state.engine = m.engine || (state.mod._ls_worker_hls_start ? 'session' : 'js');
  log('info', `LL-HLS engine: ${state.engine}`);
  if (state.engine === 'session') { sessionStart(); return; }
  await resolveVariant();
  while (state.running) {
    try { await playFromLiveEdge(); }
    catch (e) {
      if (!state.running) break;
      state.errors++;
      log('warn', `playback loop: ${e.message || e}; restarting at the live edge`);
      await sleep(500);
    }
  }
}

async function resolveVariant() {
  for (let attempt = 0; ; attempt++) {
    try {
      const text = await fetchText(state.src, null, 10000);
      if (!text.startsWith('#EXTM3U')) throw new Error(`${state.src} is not an m3u8 playlist`);
      if (text.includes('#EXT-X-STREAM-INF')) {
        const variants = parseMultivariant(text, state.src);
        if (!variants.length) throw new Error('multivariant playlist lists no variant');
        // No ABR yet: the lowest-bandwidth variant (cheap to decode on small devices).
        variants.sort((a, b) => a.bandwidth - b.bandwidth);
        state.variant = { index: 0, ...variants[0] };
      } else {
        state.variant = { index: -1, url: state.src, bandwidth: 0, width: 0, height: 0 };
      }
      return;
    } catch (e) {
      state.errors++;
      log('warn', `multivariant load failed: ${e.message}; retrying`);
      if (attempt >= 20) throw e;
      await sleep(500);
    }
  }
}

async function loadPlaylist(msn, part, signal) {
  let url = state.variant.url;
  if (msn !== undefined && state.media && state.media.canBlock) {
    const u = new URL(url);
    u.searchParams.set('_HLS_msn', String(msn));
    if (part !== undefined && state.media.partTarget) u.searchParams.set('_HLS_part', String(part));
    url = u.href;
  }
  const text = await fetchText(url, signal, Math.max(3000, 3000 * ((state.media && state.media.targetDuration) || 2)));
  const pl = parseMedia(text, state.variant.url);
  if (pl.encrypted) { fatal('encrypted', 'the stream is encrypted (EXT-X-KEY), which livescope does not play'); throw new Error('encrypted'); }
  if (!state.media || pl.partTarget !== state.media.partTarget || pl.partHoldBack !== state.media.partHoldBack)
    post({ type: 'info', partTarget: pl.partTarget, partHoldBack: pl.partHoldBack, holdBack: pl.holdBack, targetDuration: pl.targetDuration,
      variant: state.variant.index, bandwidth: state.variant.bandwidth, width: state.variant.width, height: state.variant.height, lowLatency: pl.partTarget > 0 });
  state.media = pl;
  return pl;
}

// Flattened media units (parts when the playlist has them, else whole segments) with start times.
function units(pl) {
  const out = [];
  for (const s of pl.segments) {
    if (pl.partTarget && s.parts.length) {
      let t = s.pdt;
      s.parts.forEach((p, i) => { out.push({ msn: s.msn, part: i, url: p.url, duration: p.duration, independent: p.independent || (i === 0 && !s.parts.some((q) => q.independent)), gap: p.gap, pdt: t, disc: s.disc && i === 0, map: s.map, lastOfSegment: s.complete && i === s.parts.length - 1 }); if (t) t += p.duration; });
    } else if (s.url) {
      out.push({ msn: s.msn, part: -1, url: s.url, duration: s.duration, independent: true, pdt: s.pdt, disc: s.disc, map: s.map, lastOfSegment: true });
    }
  }
  return out;
}

const samePos = (u, msn, part) => u.msn === msn && u.part === part;

async function playFromLiveEdge() {
  state.jumpRequested = false;
  state.serial++;
  state.mod._ls_worker_reset(state.app);
  state.mod._ls_worker_set_rate(state.app, state.rate);
  let pl = await loadPlaylist();
  // Start point: the newest independent unit at least `target` behind the live edge (or the newest one).
  const list = units(pl);
  if (!list.length) throw new Error('playlist has no media yet');
  const edgeEnd = list[list.length - 1].pdt + list[list.length - 1].duration;
  const target = Math.max(state.latency || pl.partHoldBack || pl.holdBack || 3 * pl.targetDuration, pl.partTarget * 3);
  let startIdx = -1;
  for (let i = list.length - 1; i >= 0; i--) {
    if (!list[i].independent) continue;
    if (startIdx < 0) startIdx = i;
    if (edgeEnd - list[i].pdt >= target * 0.8) { startIdx = i; break; }
  }
  if (startIdx < 0) startIdx = 0;
  let next = { msn: list[startIdx].msn, part: list[startIdx].part };
  // Fast start: decode from the independent part, but show nothing older than `target` behind the edge.
  state.startPdt = list[startIdx].pdt ? edgeEnd - target : 0;
  state.pdtOffset = NaN;
  let mapUrl = null, skipToIndependent = false, pdt = list[startIdx].pdt;
  log('info', `start at msn ${next.msn} part ${next.part}, ${(edgeEnd - list[startIdx].pdt).toFixed(2)} s behind the edge (target ${target.toFixed(2)} s)`);

  while (state.running && !state.jumpRequested) {
    const all = units(pl);
    let idx = all.findIndex((u) => samePos(u, next.msn, next.part));
    if (idx < 0 && next.part > 0 && all.some((u) => u.msn === next.msn + 1)) {
      // The segment we are in completed with fewer parts than we expected: go on with the next segment.
      idx = all.findIndex((u) => u.msn === next.msn + 1);
    }
    if (idx < 0 && all.length && (next.msn < all[0].msn)) {
      log('warn', `fell behind the playlist (msn ${next.msn} < ${all[0].msn}): jumping to the live edge`);
      return;
    }
    let unit = idx >= 0 ? all[idx] : null;
    const signal = (state.abort = new AbortController()).signal;
    if (!unit) {
      // Not listed yet: load the preload-hinted part while a blocking reload waits for the playlist that lists it.
      const last = all[all.length - 1];
      const hintIsNext = pl.hint && last && ((last.lastOfSegment && next.msn === last.msn + 1 && next.part === 0) || (!last.lastOfSegment && next.msn === last.msn && next.part === last.part + 1));
      if (pl.ended) { log('info', 'end of stream'); state.running = false; return; }
      const reload = pl.canBlock ? loadPlaylist(next.msn, pl.partTarget ? Math.max(0, next.part) : undefined, signal)
        : sleep(Math.max(200, (pl.partTarget || pl.targetDuration / 2) * 1000)).then(() => loadPlaylist(undefined, undefined, signal));
      if (hintIsNext && !skipToIndependent && mapUrl) {
        const hinted = { msn: next.msn, part: next.part, url: pl.hint, duration: pl.partTarget, independent: false, pdt: pdt, disc: false, map: mapUrl, hinted: true };
        const ok = await loadUnit(hinted, signal, reload);
        try { pl = await reload; } catch (e) { if (state.jumpRequested || !state.running) return; state.errors++; log('warn', `playlist reload: ${e.message}`); await sleep(200); continue; }
        if (ok) {
          const listed = units(pl).find((u) => samePos(u, next.msn, next.part));
          pdt = (listed ? listed.pdt : pdt) + (listed ? listed.duration : pl.partTarget);
          next = listed && listed.lastOfSegment ? { msn: next.msn + 1, part: 0 } : { msn: next.msn, part: next.part + 1 };
        }
        continue;
      }
      try { pl = await reload; } catch (e) { if (state.jumpRequested || !state.running) return; state.errors++; log('warn', `playlist reload: ${e.message}`); await sleep(300); }
      continue;
    }
    if (skipToIndependent && !unit.independent) { advance(); continue; }
    if (unit.gap) { log('warn', `GAP part msn ${unit.msn}.${unit.part} skipped`); skipToIndependent = true; advance(); continue; }
    if (unit.disc) { state.serial++; log('info', `discontinuity at msn ${unit.msn}: serial ${state.serial}`); }
    if (unit.map && unit.map !== mapUrl) {
      const bytes = [];
      try { await streamLoad(unit.map, (c) => bytes.push(c), 5000, signal); }
      catch (e) { if (state.jumpRequested || !state.running) return; state.errors++; log('warn', `init segment: ${e.message}; retrying`); await sleep(300); continue; }
      const { mod, app } = state;
      mod._ls_worker_begin(app, 1, 0, state.serial, 0);
      for (const c of bytes) feed(c);
      mod._ls_worker_end(app, 1);
      mapUrl = unit.map;
    }
    let ok = await loadUnit(unit, signal, null);
    if (!ok && state.running && !state.jumpRequested) { await sleep(150); ok = await loadUnit(unit, (state.abort = new AbortController()).signal, null); }
    if (!ok) {
      if (state.jumpRequested || !state.running) return;
      log('warn', `msn ${unit.msn}.${unit.part} failed twice: skipping to the next independent part`);
      state.mod._ls_worker_reset(state.app);
      skipToIndependent = true;
    } else {
      skipToIndependent = false;
    }
    pdt = unit.pdt + unit.duration;
    advance();
    function advance() { next = unit.lastOfSegment ? { msn: unit.msn + 1, part: unit.part < 0 ? -1 : 0 } : { msn: unit.msn, part: unit.part + 1 }; }
  }
}

// Loads one part/segment into the decoder as its bytes arrive. Returns false on failure (reason logged).
async function loadUnit(unit, signal, pendingReload) {
  const { mod, app } = state;
  const isTs = /\.ts(\?|$)/i.test(unit.url);
  mod._ls_worker_begin(app, 0, isTs ? 1 : 0, state.serial, unit.pdt || 0);
  // A hinted part is held by the server until it exists: allow a part target plus slack before "stalled".
  const stallMs = Math.max(2500, ((unit.duration || 1) * 3 + 1) * 1000);
  try {
    await streamLoad(unit.url, feed, stallMs, signal);
    mod._ls_worker_end(app, 1);
    drain();
    return true;
  } catch (e) {
    mod._ls_worker_end(app, 0);
    drain();
    if (e.status === -1) return false;
    state.errors++;
    log('warn', `${unit.hinted ? 'hinted ' : ''}part msn ${unit.msn}.${unit.part}: ${e.message}`);
    return false;
  } finally {
    if (pendingReload) pendingReload.catch(() => {});
  }
}

// [SECTION] HlsSession engine: the wasm LL-HLS state machine decides, fetch() performs ---------

const session = { inflight: new Map(), timer: 0, pumping: false };
const nowS = () => performance.now() / 1000;

function sessionStart() {
  const { mod, app } = state;
  for (const [, req] of session.inflight) req.ctrl.abort();
  session.inflight.clear();
  const target = state.latency || state.lastPartHoldBack || 1;
  state.startPdt = Date.now() / 1000 - target - 0.1; // fast start: show nothing older than the target
  state.pdtOffset = NaN;
  state.jumpRequested = false;
  const len = mod.lengthBytesUTF8(state.src) + 1, ptr = mod._malloc(len);
  mod.stringToUTF8(state.src, ptr, len);
  mod._ls_worker_hls_start(app, ptr, nowS());
  mod._free(ptr);
  mod._ls_worker_set_rate(app, state.rate);
  state.serial = mod._ls_worker_hls_serial(app);
  sessionPump();
}

// Performs what the session asks for, forwards its events, sends decoded output and re-arms the tick timer.
function sessionPump() {
  const { mod, app } = state;
  if (!state.running || session.pumping) return;
  session.pumping = true;
  try {
    const out = JSON.parse(mod.UTF8ToString(mod._ls_worker_hls_poll(app)));
    for (const id of out.cancel) { const r = session.inflight.get(id); if (r) { r.ctrl.abort(); session.inflight.delete(id); } }
    for (const e of out.events) {
      if (/Failed|Skipped|FellBehind|Stale|Miss/.test(e.type)) { state.errors += /Failed/.test(e.type) ? 1 : 0; log('warn', `hls ${e.type}: ${e.detail}`); }
      else if (/Loaded$|Switch|StartPoint/.test(e.type) && e.type !== 'MediaLoaded') {
        log('info', `hls ${e.type}${e.detail ? ': ' + e.detail : ''}`);
        const info = JSON.parse(mod.UTF8ToString(mod._ls_worker_hls_info(app)));
        state.lastPartHoldBack = info.partHoldBack;
        post({ type: 'info', ...info, lowLatency: info.partTarget > 0 });
      }
    }
    state.serial = mod._ls_worker_hls_serial(app);
    drain();
    for (const r of out.requests) sessionFetch(r);
    clearTimeout(session.timer);
    const wait = Math.min(1, Math.max(0.005, mod._ls_worker_hls_next_wakeup(app) - nowS()));
    session.timer = setTimeout(() => { if (!state.running) return; mod._ls_worker_hls_tick(app, nowS()); sessionPump(); }, wait * 1000);
  } finally { session.pumping = false; }
}

async function sessionFetch(r) {
  const { mod, app } = state;
  const ctrl = new AbortController();
  const req = { ctrl };
  session.inflight.set(r.id, req);
  const live = () => session.inflight.get(r.id) === req && state.running;
  // Blocking playlist reloads and hinted parts are held by the server: allow for that before calling it stalled.
  const stallMs = /playlist|multivariant/i.test(r.kind) ? 6000 : 4000;
  let timer = 0, stalled = false;
  const arm = () => { clearTimeout(timer); timer = setTimeout(() => { stalled = true; ctrl.abort(); }, stallMs); };
  const headers = {};
  if (r.offset >= 0) headers.Range = `bytes=${r.offset}-${r.length >= 0 ? r.offset + r.length - 1 : ''}`;
  const isPlaylist = /playlist|multivariant/i.test(r.kind);
  let text = '';
  const dec = isPlaylist ? new TextDecoder() : null;
  try {
    arm();
    const res = await fetch(r.url, { signal: ctrl.signal, cache: 'no-store', headers });
    if (!live()) return;
    if (!res.ok) log('warn', `${r.kind} HTTP ${res.status}: ${r.url}`);
    mod._ls_worker_hls_response(app, r.id, res.status, nowS());
    sessionPump();
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (!live()) { reader.cancel().catch(() => {}); return; }
      if (done) break;
      arm();
      if (dec) text += dec.decode(value, { stream: true });
      state.bytes += value.byteLength;
      state.bytesWindow.push([performance.now(), value.byteLength]);
      const ptr = mod._ls_worker_input(app, value.byteLength);
      mod.HEAPU8.set(value, ptr);
      mod._ls_worker_hls_data(app, r.id, value.byteLength, nowS());
      sessionPump();
    }
    if (dec && /#EXT-X-KEY:METHOD=(?!NONE)/.test(text)) { fatal('encrypted', 'the stream is encrypted (EXT-X-KEY), which livescope does not play'); return; }
    session.inflight.delete(r.id);
    mod._ls_worker_hls_complete(app, r.id, nowS());
  } catch (e) {
    if (!live()) return;
    session.inflight.delete(r.id);
    const reason = stalled ? `stalled: no bytes for ${stallMs} ms` : `network error: ${e.message || e}`;
    log('warn', `${r.kind} ${reason}: ${r.url}`);
    state.errors++;
    const len = mod.lengthBytesUTF8(reason) + 1, ptr = mod._malloc(len);
    mod.stringToUTF8(reason, ptr, len);
    mod._ls_worker_hls_error(app, r.id, ptr, nowS());
    mod._free(ptr);
  } finally {
    clearTimeout(timer);
  }
  sessionPump();
}
