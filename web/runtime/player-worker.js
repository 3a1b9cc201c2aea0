// livescope playback Worker entry: LL-HLS loading with streaming fetch(), FFmpeg demux in wasm, video decoded by WebCodecs
// (VideoFrames transferred to the page) or by FFmpeg in wasm (pooled I420 frames), audio (AAC) by WebCodecs' AudioDecoder
// or by FFmpeg in wasm (PCM resampled in wasm either way).
//
// [SECTION] Messages (page <-> worker)
// [SECTION] Decode output (pooled, transferable frame buffers)
// [SECTION] WebCodecs edge (VideoDecoder: configure, decode, output, error; the decisions are C++'s DecodePathPolicy)
// [SECTION] AudioDecoder edge (AAC: configure, decode, AudioData into the wasm heap; decisions: a second DecodePathPolicy)
// [SECTION] Start (the module split: light module, full module loaded on demand as the wasm video decoder)
// [SECTION] HlsSession driver (fetch() edge)
// [SECTION] Demuxer switch (the light module's pure demuxer refused the stream: the full module takes over)
// [SECTION] Early start (the loader's 'prefetch' read from the worker's name as this script ends)
//
// Playlist parsing and scheduling (start point, parts, preload hints, blocking reloads, retries, ABR) all
// live in C++ (src/player/hls's HlsSession, through the ls_worker_hls_* C API in src/app/worker/worker_hls.cpp),
// and so do the limits (size caps, timeouts, backoff, the no-media error: docs/widget-limits.md), each event's
// severity (HlsEventSeverityOf), the fast-start cut (FastStartPdt, applied by ls_worker_video_count and
// ls_worker_audio_samples) and the stats' windows (ls_worker_stats). This file only performs the requests the
// session lists, with streaming fetch(), aborts the ones it cancels, and moves decoded output. Records come
// through mod.abiRecord (names from src/app/app_abi.h), strings go in through mod.withUtf8.
//
// Messages page -> worker:
//   (the worker's name 'livescope:' + JSON {src, baseUrl, decoder, latency, abr, wasm}, not a message: web/livescope.js;
//                              read as this script ends, "Early start": load the module, request the playlist at `src`,
//                              start the browser's video decoder and the session now; docs/decode.md, First frame)
//   {type:'start', src, baseUrl, sampleRate, channels, latency, decoder}  begin playing `src`; decoder: auto|webcodecs|wasm
//   {type:'release', buffer}   a frame buffer the page has uploaded, back into the pool
//   {type:'release', frame:true}  a VideoFrame the page has uploaded (or dropped) and closed
//   {type:'test-decoder-error'}  test hook: the WebCodecs decoder fails mid-GOP (after the 2nd delta chunk after a key
//                                frame), as if its error callback fired
//   {type:'test-decoder-error', audio:true}  test hook: the AudioDecoder fails after its next 5 chunks, as if its error
//                                callback fired
//   {type:'rate', rate}        playback rate from the latency controller (audio is resampled)
//   {type:'visible', visible}  tab visibility: hidden stops video decoding, visible resumes at the live edge
//   {type:'jump'}              go to the live edge now (latency controller)
//   {type:'seek', position, pdt}  replay / DVR: play from `position` (seconds from the playlist's start) or, when pdt > 0,
//                              from that PROGRAM-DATE-TIME (epoch seconds); answers {type:'seek', serial}
//   {type:'hold', hold}        a paused replay: no media is loaded while held (the page resumes with a seek)
//   {type:'playhead', pdt}     PDT (epoch seconds) of the frame on the page's screen: loading stays within
//                              HlsSessionConfig::MaxBufferAhead of it
//   {type:'stop'}
// Messages worker -> page:
//   {type:'frame', buffer, pts, duration, serial, pdt, width, height, matrix, fullRange, decodeMs}  (buffer transferred)
//   {type:'frame', frame, pts, duration, serial, pdt, width, height, decodeMs}  (a WebCodecs VideoFrame, transferred)
//   {type:'audio', samples, pts, rate, serial, channels}  (samples: Float32Array, transferred)
//   {type:'info', partTarget, partHoldBack, targetDuration, variant, bandwidth, width, height, lowLatency}
//   {type:'stats', bytes, bitrate, errors, decodedFrames, decodeMsAvg, skipped, serial, heapBytes, decoder, decoderReason,
//                  decoderSwitches, audioDecoder, audioDecoderReason, audioDecoderSwitches, audioGaps}  (decoder: the active
//                  video path, 'webcodecs', 'wasm' or 'probing'; audioDecoder: the same for the audio, 'webcodecs' =
//                  AudioDecoder; audioGaps: jumps forward of more than 15 ms in the decoded audio, on one serial)
//   {type:'log', level, message}   every recoverable problem, with its reason
//   {type:'fatal', code, message}  playback cannot continue: unsupported-codec, encrypted (CENC, scrambled TS),
//                                  unsupported-playlist (e.g. SAMPLE-AES), invalid-playlist (see docs/hls.md)
//   {type:'error', code, message}  no media for a while (the C++ watchdog says why); loading goes on
//   {type:'recovered'}             media again after an 'error'
//   {type:'timeline', replay, duration, startPdt, endPdt}  the media playlist's span (replay: ENDLIST or VOD; duration
//                                  seconds, a live playlist's DVR window; PDTs epoch seconds, 0 unknown), when it changes
//   {type:'seek', serial}          a seek was applied: frames and audio from `serial` on are from the target
//   {type:'state', state}          the broadcast's state changed (C++ BroadcastStateOf): starting, live, reconnecting,
//                                  ended, error (docs/states.md)
'use strict';

const state = {
  mod: null, app: 0, running: false, src: '', latency: 0, serial: 0,
  pool: [], poolSize: 0, poolMax: 32, frameBytes: 0,
  rate: 1, visible: true, jumpRequested: false,
  replay: false, playheadPdt: 0, timeline: '', held: false,
};

function post(msg, transfer) { self.postMessage(msg, transfer || []); }
function log(level, message) { post({ type: 'log', level, message }); }
// Start-up waterfall (docs/decode.md, First frame): each step once, as epoch ms; the page turns them into performance marks.
const marked = new Set();
function mark(name) { if (!marked.has(name)) { marked.add(name); post({ type: 'mark', name, at: performance.timeOrigin + performance.now() }); } }
mark('worker script run');

self.onmessage = (e) => {
  const m = e.data;
  switch (m.type) {
    case 'module': if (state.compiled) state.compiled.resolve(m.file === state.compiled.file ? m.module : null); break;
    case 'start': start(m).catch((err) => fatal('load-failed', String(err && err.message || err))); break;
    case 'release':
      if (m.frame) wc.outstanding = Math.max(0, wc.outstanding - 1);
      else if (m.buffer && m.buffer.byteLength === state.frameBytes) state.pool.push(m.buffer);
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
      // Live resumes at the edge; a replay (or a held DVR position) where it was.
      if (m.visible && !state.held && (state.replay || m.resumePdt > 0) && state.playheadPdt > 0) seekTo(0, m.resumePdt || state.playheadPdt);
      else if (m.visible && !state.held) requestJump();
      break;
    case 'seek': seekTo(m.position, m.pdt); break;
    case 'hold':
      state.held = !!m.hold;
      if (state.app && state.running) { state.mod._ls_worker_hls_hold(state.app, state.held ? 1 : 0, nowS()); sessionPump(); }
      break;
    case 'playhead':
      if (m.pdt > 0) state.playheadPdt = m.pdt;
      if (state.app && state.running && m.pdt > 0) { state.mod._ls_worker_hls_playhead(state.app, m.pdt, nowS()); sessionPump(); }
      break;
    case 'jump': requestJump(); break;
    case 'health': // the page's frames due and dropped over `window` seconds (ABR's health input)
      if (state.app) state.mod._ls_worker_hls_playback_health(state.app, m.frames, m.dropped, m.window, nowS());
      break;
    case 'test-decoder-error': if (m.audio) ad.failIn = 5; else wc.failArmed = true; break; // video: mid-GOP, after the 2nd delta chunk of the next GOP
    case 'stop':
      state.running = false; state.stopped = true;
      sessionAbortAll();
      wcClose();
      adClose();
      break;
  }
};

function fatal(code, message) {
  state.running = false;
  sessionAbortAll();
  wcClose();
  adClose();
  post({ type: 'fatal', code, message });
}

// Replay / DVR seek: the C++ session picks the segment, the pipeline restarts with a new serial and drops what comes
// before the target (ls_worker_hls_seek); a seek before the worker started is not possible (the page waits for 'timeline').
function seekTo(position, pdt) {
  if (!state.app || !state.running) return;
  state.held = false;
  if (pdt > 0) state.playheadPdt = pdt;
  const serial = state.mod._ls_worker_hls_seek(state.app, Number(position) || 0, Number(pdt) || 0, nowS());
  state.lastSeek = { position, pdt }; // a demuxer switch plays on from here
  wcClose(); // frames already in the browser's decoder belong to the old position
  state.serial = serial;
  post({ type: 'seek', serial });
  sessionPump();
}

function requestJump() {
  state.jumpRequested = true;
  state.lastSeek = null; // back to the live edge: a demuxer switch starts there
  if (state.running) sessionStart(); // a jump to the live edge is a session restart
}

// [SECTION] Decode output ----------------------------------------------------------------------

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
  if (code && demuxSwitchTo()) return; // the pure demuxer refused the stream: the full module takes over (section below)
  if (code) { fatal(mod.UTF8ToString(mod._ls_worker_fatal_name(app)), mod.UTF8ToString(mod._ls_worker_fatal_detail(app))); return; }
  wcDrain();
  while (mod._ls_worker_video_count(app)) {
    const v = mod.abiRecord('videoFrame', mod._ls_worker_video_info(app));
    const w = v.width, h = v.height, cw = (w + 1) >> 1, ch = (h + 1) >> 1;
    const buf = takeFrameBuffer(w * h + 2 * cw * ch);
    // Back-pressure: with every pooled buffer at the page, the frame stays queued in the decoder until one returns.
    if (!buf) break;
    {
      const dst = new Uint8Array(buf);
      const heap = mod.HEAPU8;
      const planes = [[v.yPtr, v.yStride, w, h, 0], [v.uPtr, v.uStride, cw, ch, w * h], [v.vPtr, v.vStride, cw, ch, w * h + cw * ch]];
      for (const [src, stride, pw, ph, off] of planes) {
        if (stride === pw) dst.set(heap.subarray(src, src + pw * ph), off);
        else for (let y = 0; y < ph; y++) dst.set(heap.subarray(src + y * stride, src + y * stride + pw), off + y * pw);
      }
      mark('first frame decoded'); // a live start's first is the still (FastStartCutVideo): it carries no PDT
      if (v.pdt > 0) mark('first frame at the cut');
      post({ type: 'frame', buffer: buf, pts: v.pts, duration: v.duration, serial: v.serial, pdt: v.pdt, width: w, height: h,
        matrix: v.matrix, fullRange: v.fullRange, decodeMs: v.decodeMs }, [buf]);
    }
    mod._ls_worker_video_pop(app);
  }
  adDrain();
  postAudio();
  const decodeError = mod.UTF8ToString(mod._ls_worker_take_decode_error(app));
  if (decodeError) log('warn', 'decode: ' + decodeError);
  const path = mod.UTF8ToString(mod._ls_worker_decode_path(app)), reason = mod.UTF8ToString(mod._ls_worker_decode_reason(app));
  if (path + reason !== wc.path && reason !== 'not configured') {
    wc.path = path + reason;
    log('info', `video path: ${path} (${reason})`);
    if (path !== 'probing') postStats();
  }
  const apath = mod.UTF8ToString(mod._ls_worker_audio_path(app)), areason = mod.UTF8ToString(mod._ls_worker_audio_reason(app));
  if (apath + areason !== ad.path && areason !== 'not configured') {
    ad.path = apath + areason;
    log('info', `audio path: ${apath} (${areason})`);
    if (apath !== 'probing') postStats();
  }
}

// Decoded audio (either path: resampled in wasm to the context's rate) to the page.
function postAudio() {
  const { mod, app } = state;
  const n = mod._ls_worker_audio_samples(app); // 0 while the audio is before the fast-start cut
  if (n > 0) {
    const p = mod._ls_worker_audio_data(app) >> 2;
    const samples = new Float32Array(mod.HEAPU8.buffer).slice(p, p + n);
    post({ type: 'audio', samples, pts: mod._ls_worker_audio_pts(app), rate: mod._ls_worker_audio_rate(app),
      serial: mod._ls_worker_audio_serial(app), channels: state.channels }, [samples.buffer]);
    mod._ls_worker_audio_clear(app);
  }
}

// [SECTION] WebCodecs edge -----------------------------------------------------------------------

const wc = { decoder: null, generation: -1, epoch: -1, path: '', outstanding: 0, ready: [], readyMax: 8, queueMax: 16,
  deltas: 0, failArmed: false };
const wcAvailable = () => typeof self.VideoDecoder === 'function' && typeof self.EncodedVideoChunk === 'function';

// A VideoDecoderConfig from the C++ configuration JSON (codec string, coded size, avcC/hvcC description bytes).
function wcConfigOf(c) {
  const { mod, app } = state;
  const config = { codec: c.codec, optimizeForLatency: true };
  if (c.codedWidth > 0 && c.codedHeight > 0) { config.codedWidth = c.codedWidth; config.codedHeight = c.codedHeight; }
  if (c.descriptionSize > 0) {
    const p = mod._ls_worker_wc_description(app);
    config.description = mod.HEAPU8.slice(p, p + c.descriptionSize);
  }
  return config;
}

// Asks the browser about a configuration (C++ holds its packets meanwhile) and hands the answer back.
function wcAsk(q) {
  const { mod, app } = state;
  const answer = (ok) => {
    if (state.app === app && state.running) { mod._ls_worker_wc_answer(app, q.generation, ok ? 1 : 0); drain(); }
    if (!ok) adRelease(); // no WebCodecs frame is coming: the audio held for it goes on (adHold, below)
  };
  let config;
  try { config = wcConfigOf(q); } catch (e) { answer(false); return; }
  mark('decoder question asked');
  self.VideoDecoder.isConfigSupported(config).then((r) => { mark('decoder question answered'); answer(!!(r && r.supported)); }, () => answer(false));
}

function wcClose() {
  if (wc.decoder && wc.decoder.state !== 'closed') { try { wc.decoder.close(); } catch (e) { /* closed already */ } }
  wc.decoder = null; wc.generation = -1; wc.epoch = -1;
  for (const r of wc.ready) r.frame.close();
  wc.ready = [];
}

// WebCodecs failed: C++ moves to the wasm decoder and replays the packets since the last key frame.
function wcFail(e) {
  const reason = `${(e && e.name) || 'Error'}: ${(e && e.message) || e}`;
  log('warn', `WebCodecs failed: ${reason}; the wasm decoder takes over`);
  wcClose();
  if (!state.app) return;
  state.mod.withUtf8(reason, (p) => state.mod._ls_worker_wc_error(state.app, p));
  drain();
}

// A configured decoder for the chunk's configuration and epoch (a new epoch: reset first; a new configuration in the same
// epoch, as a seamless variant switch: configure only, the browser outputs the old configuration's frames first). False
// when it failed; 'skip' for a chunk of an older configuration the decoder is no longer configured for.
function wcReadyFor(c) {
  if (wc.decoder && wc.decoder.state === 'configured' && wc.generation === c.generation && wc.epoch === c.epoch) return true;
  const { mod, app } = state;
  try {
    const config = JSON.parse(mod.UTF8ToString(mod._ls_worker_wc_config(app)));
    if (config.generation !== c.generation) return 'skip';
    if (!wc.decoder || wc.decoder.state === 'closed') {
      wc.decoder = new self.VideoDecoder({ output: wcOutput, error: (e) => { if (wc.decoder) wcFail(e); } });
      wc.decoder.addEventListener('dequeue', () => { if (state.running && state.app) wcDrain(); });
    } else if (wc.epoch !== c.epoch) wc.decoder.reset(); // frames of the old epoch are dropped by the decoder
    wc.decoder.configure(wcConfigOf(config));
    wc.generation = c.generation; wc.epoch = c.epoch;
    return true;
  } catch (e) {
    wcFail(e);
    return false;
  }
}

// Questions, chunks into the browser's decoder (up to queueMax in its queue: 'dequeue' resumes), frames out to the page.
function wcDrain() {
  const { mod, app } = state;
  const q = mod.UTF8ToString(mod._ls_worker_wc_question(app));
  if (q) wcAsk(JSON.parse(q));
  while (mod._ls_worker_wc_chunk_count(app)) {
    const c = mod.abiRecord('wcChunk', mod._ls_worker_wc_chunk_info(app));
    const ready = wcReadyFor(c);
    if (ready === 'skip') { mod._ls_worker_wc_chunk_pop(app); continue; }
    if (!ready) return;
    if (wc.decoder.decodeQueueSize >= wc.queueMax) break;
    // Back-pressure, as the wasm path's frame buffers: with the page's pool full and readyMax frames waiting here, the
    // next chunk waits in the worker (a release resumes). Dropping instead cost a replay ~1 s of every 2 s segment,
    // which comes in one burst.
    if (wc.ready.length >= wc.readyMax) break;
    try {
      wc.decoder.decode(new self.EncodedVideoChunk({ type: c.key ? 'key' : 'delta', timestamp: c.timestamp,
        duration: c.duration > 0 ? c.duration : undefined, data: mod.HEAPU8.subarray(c.ptr, c.ptr + c.size) }));
    } catch (e) { wcFail(e); return; }
    mod._ls_worker_wc_chunk_pop(app);
    mark('first chunk to the decoder');
    wc.deltas = c.key ? 0 : wc.deltas + 1;
    if (wc.failArmed && wc.deltas === 2) { wc.failArmed = false; wcFail(new Error('test hook: forced WebCodecs error')); return; }
  }
  wcSendReady();
}

function wcOutput(frame) {
  const { mod, app } = state;
  if (!app || !state.running) { frame.close(); adRelease(); return; }
  mark('first frame out of the decoder'); // shown or not: frames before the fast-start cut are dropped below (but the still)
  const v = mod.abiRecord('videoFrame', mod._ls_worker_wc_output(app, frame.timestamp, frame.displayWidth, frame.displayHeight));
  if (!v) { frame.close(); adRelease(); return; } // stale (a reset or a serial change), or before the fast-start cut
  wc.ready.push({ frame, v });
  // The page holds at most poolMax frames; beyond that up to readyMax wait here (wcDrain then stops feeding the decoder),
  // plus what was already in the decoder's queue; past that bound (a page that stopped returning frames) the oldest goes.
  while (wc.ready.length > wc.readyMax + wc.queueMax + 8) wc.ready.shift().frame.close();
  wcSendReady();
  adRelease(); // the audio held for the first frame (adHold, below)
}

function wcSendReady() {
  while (wc.ready.length && wc.outstanding < state.poolMax) {
    const { frame, v } = wc.ready.shift();
    wc.outstanding++;
    mark('first frame decoded'); // a live start's first is the still (FastStartCutVideo): it carries no PDT
    if (v.pdt > 0) mark('first frame at the cut');
    post({ type: 'frame', frame, pts: v.pts, duration: v.duration, serial: v.serial, pdt: v.pdt, width: v.width, height: v.height,
      matrix: v.matrix, fullRange: 0, decodeMs: v.decodeMs }, [frame]);
  }
}

// [SECTION] AudioDecoder edge ----------------------------------------------------------------------

// AAC chunks go to the browser's AudioDecoder; each AudioData is copied (planar float32) into the wasm heap, where the same
// resampler as FFmpeg's output's makes it the context's rate, rate factor included (ls_worker_ad_output). On an error C++
// hands the chunks still in flight to FFmpeg's AAC decoder.
const ad = { decoder: null, generation: -1, epoch: -1, path: '', queueMax: 32, failIn: 0 };
const adAvailable = () => typeof self.AudioDecoder === 'function' && typeof self.EncodedAudioChunk === 'function';

function adConfigOf(c) {
  const { mod, app } = state;
  const config = { codec: c.codec, sampleRate: c.sampleRate, numberOfChannels: c.numberOfChannels };
  if (c.descriptionSize > 0) { const p = mod._ls_worker_ad_description(app); config.description = mod.HEAPU8.slice(p, p + c.descriptionSize); }
  return config;
}

function adClose() {
  if (ad.decoder && ad.decoder.state !== 'closed') { try { ad.decoder.close(); } catch (e) { /* closed already */ } }
  ad.decoder = null; ad.generation = -1; ad.epoch = -1;
}

function adFail(e) {
  const reason = `${(e && e.name) || 'Error'}: ${(e && e.message) || e}`;
  log('warn', `AudioDecoder failed: ${reason}; FFmpeg's AAC decoder takes over`);
  adClose();
  if (!state.app) return;
  state.mod.withUtf8(reason, (p) => state.mod._ls_worker_ad_error(state.app, p));
  drain();
}

// Until the first video frame is out of the browser's decoder (from the question about the video's configuration on:
// the audio would otherwise be decoded while the video waits for the answer or for its first output), audio chunks wait
// in C++'s queue, unsent: the AudioDecoder's work on a live start's audio (up to a GOP of it, before the fast-start
// cut) and this thread's on each AudioData (copied into the heap, resampled; the first sets the resampler up: 11-56 ms)
// came before that frame. They go to the AudioDecoder right after it, after adHold.waitMs, or at once when no WebCodecs
// frame is coming (its configuration refused). Once per worker. docs/decode.md, First frame.
const adHold = { timer: 0, waitMs: 250, done: false };
function adRelease() {
  if (adHold.done) return;
  clearTimeout(adHold.timer); adHold.timer = 0; adHold.done = true;
  if (state.app && state.running) drain();
}
function adHolding() {
  if (adHold.done || !marked.has('decoder question asked') || marked.has('first frame out of the decoder')) return false;
  if (!adHold.timer) {
    mark('audio held for the first frame');
    adHold.timer = setTimeout(() => { mark('audio hold timed out'); adRelease(); }, adHold.waitMs);
  }
  return true;
}

function adOutput(data) {
  const { mod, app } = state;
  if (!app || !state.running || !mod._ls_worker_ad_active(app)) { data.close(); return; }
  try {
    const channels = data.numberOfChannels, frames = data.numberOfFrames;
    const ptr = mod._ls_worker_ad_pcm(app, channels, frames);
    if (!ptr) throw new Error(`AudioData of ${channels} channels x ${frames} frames`);
    for (let c = 0; c < channels; c++) {
      data.copyTo(new Float32Array(mod.HEAPU8.buffer, ptr + c * frames * 4, frames), { planeIndex: c, format: 'f32-planar' });
    }
    mark('first audio data');
    mod._ls_worker_ad_output(app, data.timestamp, channels, frames, data.sampleRate);
    mark('first audio data resampled'); // the first one sets the resampler up (docs/decode.md, First frame)
  } catch (e) { data.close(); adFail(e); return; }
  data.close();
  drain();
}

// A configured decoder for the chunk's configuration and epoch (a new epoch: reset first). False when it failed.
function adReadyFor(c) {
  if (ad.decoder && ad.decoder.state === 'configured' && ad.generation === c.generation && ad.epoch === c.epoch) return true;
  const { mod, app } = state;
  try {
    if (!ad.decoder || ad.decoder.state === 'closed') {
      const decoder = new self.AudioDecoder({ output: adOutput, error: (e) => { if (ad.decoder === decoder) adFail(e); } });
      decoder.addEventListener('dequeue', () => { if (state.running && state.app && ad.decoder === decoder) drain(); });
      ad.decoder = decoder;
    } else if (ad.epoch !== c.epoch) ad.decoder.reset(); // AudioData of the old epoch is dropped by the decoder
    ad.decoder.configure(adConfigOf(JSON.parse(mod.UTF8ToString(mod._ls_worker_ad_config(app)))));
    ad.generation = c.generation; ad.epoch = c.epoch;
    return true;
  } catch (e) {
    adFail(e);
    return false;
  }
}

function adDrain() {
  const { mod, app } = state;
  const q = mod.UTF8ToString(mod._ls_worker_ad_question(app));
  if (q) {
    const question = JSON.parse(q);
    const answer = (ok) => { if (state.app !== app || !state.running) return; mod._ls_worker_ad_answer(app, question.generation, ok ? 1 : 0); drain(); };
    try {
      self.AudioDecoder.isConfigSupported(adConfigOf(question)).then((r) => answer(!!(r && r.supported)), () => answer(false));
    } catch (e) { answer(false); }
  }
  if (ad.decoder && !mod._ls_worker_ad_active(app)) adClose(); // FFmpeg decodes the audio now
  while (mod._ls_worker_ad_chunk_count(app)) {
    if (adHolding()) return; // adRelease drains again
    const c = mod.abiRecord('wcChunk', mod._ls_worker_ad_chunk_info(app));
    if (!adReadyFor(c)) return;
    if (ad.decoder.decodeQueueSize >= ad.queueMax) break; // 'dequeue' resumes
    try {
      ad.decoder.decode(new self.EncodedAudioChunk({ type: 'key', timestamp: c.timestamp,
        duration: c.duration > 0 ? c.duration : undefined, data: mod.HEAPU8.subarray(c.ptr, c.ptr + c.size) }));
    } catch (e) { adFail(e); return; }
    mod._ls_worker_ad_chunk_pop(app);
    if (ad.failIn > 0 && --ad.failIn === 0) { adFail(new Error('test hook: forced AudioDecoder error')); return; }
  }
}

function postStats() {
  const { mod, app } = state;
  const s = mod.abiRecord('workerStats', mod._ls_worker_stats(app, nowS()));
  post({ type: 'stats', bytes: s.bytes, bitrate: s.bitrate, errors: s.errors, decodedFrames: s.decodedFrames,
    decodeMsAvg: s.decodeMsAvg, skipped: s.skipped, serial: state.serial, heapBytes: mod.HEAPU8.length,
    throughput: mod._ls_worker_hls_throughput(app),
    decoder: mod.UTF8ToString(mod._ls_worker_decode_path(app)), decoderReason: mod.UTF8ToString(mod._ls_worker_decode_reason(app)),
    decoderSwitches: mod._ls_worker_decode_switches(app),
    audioDecoder: mod.UTF8ToString(mod._ls_worker_audio_path(app)), audioDecoderReason: mod.UTF8ToString(mod._ls_worker_audio_reason(app)),
    audioDecoderSwitches: mod._ls_worker_audio_switches(app), audioGaps: mod._ls_worker_audio_gaps(app),
    demuxer: mod.UTF8ToString(mod._ls_worker_demuxer()), demuxSwitch: mod.UTF8ToString(mod._ls_worker_demux_switched(app)) });
  // The ABR counters also move between rendition events (a switch is counted seamless or not at the new variant's first part).
  const info = mod.UTF8ToString(mod._ls_worker_hls_info(app));
  if (info !== '{}' && info !== state.infoJson) { state.infoJson = info; const i = JSON.parse(info); post({ type: 'info', ...i, lowLatency: i.partTarget > 0 }); }
}

// [SECTION] Start ------------------------------------------------------------------------------

// The module split (docs/decode.md): where WebCodecs may decode, the light module (livescope_worker_light: demux, AAC, no
// FFmpeg video decoder); with decoder=wasm or without VideoDecoder, the full one (livescope_worker). `which`: true/false
// for those two, or a decoder module's file name; the factory is named after the file (livescope_decoder_hevc:
// createLivescopeDecoderHevc). `compiled`: the loader's compile of this module's wasm (below), or none.
function loadModule(baseUrl, which, compiled) {
  const name = typeof which === 'string' ? which : which ? 'livescope_worker_light' : 'livescope_worker';
  const factory = 'create' + name.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  // The dist's copy of this script ends with the light module's glue in livescopeLightGlue (cmake/LivescopeWorkerBundle.cmake):
  // no request chained after this script's. Elsewhere (build/wasm/player-worker.js) the glue is fetched.
  if (typeof self[factory] !== 'function' && name === 'livescope_worker_light' && typeof livescopeLightGlue === 'function') self[factory] = livescopeLightGlue();
  if (typeof self[factory] !== 'function') importScripts(baseUrl + name + '.js');
  const create = self[factory];
  const opts = { locateFile: (p) => baseUrl + p, print: (t) => log('info', t), printErr: (t) => log('warn', t) };
  return compiled ? createFromCompiled(create, opts, compiled, baseUrl) : create(opts);
}

// The loader's compile (web/livescope.js, workerWasm: started at the widget's start, beside this script's download):
// `compiled` = {file, promise of a WebAssembly.Module or null}; null (not compiled there) fetches the file here, streaming.
function createFromCompiled(create, opts, compiled, baseUrl) {
  return new Promise((resolve, reject) => {
    opts.instantiateWasm = (imports, receive) => {
      compiled.promise.then((module) => {
        if (module) return WebAssembly.instantiate(module, imports).then((instance) => receive(instance, module));
        const url = baseUrl + compiled.file, whole = () => fetch(url).then((r) => r.arrayBuffer()).then((b) => WebAssembly.instantiate(b, imports));
        return (WebAssembly.instantiateStreaming ? WebAssembly.instantiateStreaming(fetch(url), imports).catch(whole) : whole())
          .then((r) => receive(r.instance, r.module));
      }).catch(reject);
      return {}; // asynchronous
    };
    create(opts).then(resolve, reject);
  });
}

// The running module needs a decoder it does not have (C++ decides which, by the stream's codec: WasmDecoderModule in
// src/player/decode/webcodecs.h): the light module's video path became wasm (a codec the browser refuses, a WebCodecs error)
// or its audio path did (no AudioDecoder, a refusal, an error: the light module has no FFmpeg AAC decoder), or an HEVC
// stream needs the wasm decoder (HEVC's is only in livescope_decoder_hevc). It holds the packets (video: since the last key
// frame; audio: every one not yet decoded) and asks (Module.lsRequestDecoder(id, name)) for that module, loaded once per
// id, whose decoders it then drives through this bridge (src/app/worker/worker_decode_ext.h; ls_vdec_*, and ls_adec_* in
// the full module), replaying the held packets.
function loadDecoderModule(id, name) {
  const main = state.mod, app = state.app;
  const loads = state.decoderLoads || (state.decoderLoads = new Map());
  if (loads.has(id) || !main || !/^livescope_[a-z0-9_]+$/.test(name)) return;
  log('info', `decoder module: loading ${name}`);
  const t0 = performance.now();
  loads.set(id, Promise.resolve().then(() => loadModule(state.baseUrl, name)).then((mod) => {
    if (state.mod !== main) return;
    log('info', `decoder module: loaded in ${(performance.now() - t0).toFixed(0)} ms (${name})`);
    (main.lsDecoders || (main.lsDecoders = {}))[id] = decoderBridge(main, mod);
    if (state.app === app && state.running) { main._ls_worker_decoder_ready(app); drain(); }
  }).catch((e) => fatal('load-failed', `decoder module ${name}: ${(e && e.message) || e}`)));
}

// `light`: the running module (the light one, or the full one for HEVC); `full`: the decoder module it drives.
function decoderBridge(light, full) {
  const dec = full._ls_vdec_create();
  let scratch = 0, scratchSize = 0, rec = null;
  return {
    send(codecId, extra, extraSize, w, h, generation, serial, data, size, pts, dts, duration, key, tag) {
      if (extraSize + size > scratchSize) {
        if (scratch) full._free(scratch);
        scratchSize = Math.max(extraSize + size, 2 * scratchSize);
        scratch = full._malloc(scratchSize);
      }
      full.HEAPU8.set(light.HEAPU8.subarray(extra, extra + extraSize), scratch);
      full.HEAPU8.set(light.HEAPU8.subarray(data, data + size), scratch + extraSize);
      return full._ls_vdec_send(dec, codecId, scratch, extraSize, w, h, generation, serial, scratch + extraSize, size, pts, dts,
        duration, key, tag);
    },
    receive(info) { // the picture's record: 10 numbers into the light heap at `info`, the planes kept for copy()
      const code = full._ls_vdec_receive(dec);
      if (code !== 0) return code;
      const p = full._ls_vdec_info(dec) >> 3;
      rec = full.HEAPF64.slice(p, p + 16);
      light.HEAPF64.set(rec.subarray(0, 10), info >> 3);
      return 0;
    },
    copy(dst) { // tightly packed I420 into the light module's pool, then the full module's picture is released
      const w = rec[0], h = rec[1], cw = (w + 1) >> 1, ch = (h + 1) >> 1, src = full.HEAPU8, out = light.HEAPU8;
      for (const [p, stride, pw, ph, off] of [[rec[10], rec[11], w, h, 0], [rec[12], rec[13], cw, ch, w * h],
        [rec[14], rec[15], cw, ch, w * h + cw * ch]]) {
        if (stride === pw) out.set(src.subarray(p, p + pw * ph), dst + off);
        else for (let y = 0; y < ph; y++) out.set(src.subarray(p + y * stride, p + y * stride + pw), dst + off + y * pw);
      }
      full._ls_vdec_release(dec);
    },
    flush() { full._ls_vdec_flush(dec); },
    reason() { return full.UTF8ToString(full._ls_vdec_reason(dec)); },
    // FFmpeg's AAC decoder (ls_adec_*; the light module has none): packets in as above, resampled PCM copied back.
    aopen(rate, channels) { return full._ls_adec_create(rate, channels); },
    aclose(a) { full._ls_adec_destroy(a); },
    asend(a, codecId, extra, extraSize, sampleRate, channels, generation, serial, data, size, pts, dts, duration, tag, rate) {
      if (extraSize + size > scratchSize) {
        if (scratch) full._free(scratch);
        scratchSize = Math.max(extraSize + size, 2 * scratchSize);
        scratch = full._malloc(scratchSize);
      }
      full.HEAPU8.set(light.HEAPU8.subarray(extra, extra + extraSize), scratch);
      full.HEAPU8.set(light.HEAPU8.subarray(data, data + size), scratch + extraSize);
      return full._ls_adec_send(a, codecId, scratch, extraSize, sampleRate, channels, generation, serial, scratch + extraSize, size,
        pts, dts, duration, tag, rate);
    },
    areceive(a, info) { // the PCM's record: 6 numbers into the light heap at `info`
      const code = full._ls_adec_receive(a);
      if (code !== 0) return code;
      const p = full._ls_adec_info(a) >> 3;
      light.HEAPF64.set(full.HEAPF64.subarray(p, p + 6), info >> 3);
      return 0;
    },
    acopy(a, dst, count) { const p = full._ls_adec_samples(a); light.HEAPU8.set(full.HEAPU8.subarray(p, p + 4 * count), dst); },
    aflush(a) { full._ls_adec_flush(a); },
    areason(a) { return full.UTF8ToString(full._ls_adec_reason(a)); },
  };
}

// {type:'prefetch', src, baseUrl, decoder, latency, abr, wasm} (the loader's, from the worker's name, before the runtime
// loads; or 'start' itself): the module and the session's first request, the playlist at `src`, start loading now
// (sessionFetch takes the response).
function prefetch(m) {
  if (state.early) return;
  mark('prefetch received');
  const light = (m.decoder || 'auto') !== 'wasm' && wcAvailable();
  state.prefetch = { url: m.src, res: fetch(m.src, { cache: 'no-store' }) };
  state.prefetch.res.catch(() => {}); // a failure is the first request's, reported there
  // The browser's decoder starts up meanwhile (its first configure costs most): configured for a likely H.264 stream;
  // wcReadyFor configures it again for the real stream (reset + configure: its epoch is new).
  // An error before that (the guess refused) only closes it: wcReadyFor then makes a new one.
  if (light && !wc.decoder) {
    try {
      wc.decoder = new self.VideoDecoder({ output: wcOutput, error: (e) => { if (wc.decoder && wc.generation >= 0) wcFail(e); } });
      wc.decoder.addEventListener('dequeue', () => { if (state.running && state.app) wcDrain(); });
      wc.decoder.configure({ codec: 'avc1.64001f', optimizeForLatency: true });
      mark('decoder warmed');
    } catch (e) { wc.decoder = null; }
  }
  // The loader compiles the wasm and posts it ({type:'module'}) when m.wasm names the file this worker needs.
  let compiled = null;
  if (m.wasm && m.wasm === (light ? 'livescope_worker_light.wasm' : 'livescope_worker.wasm')) {
    let resolve; const promise = new Promise((r) => { resolve = r; });
    compiled = state.compiled = { file: m.wasm, promise, resolve };
  }
  const mod = Promise.resolve().then(() => loadModule(m.baseUrl, light, compiled));
  const early = state.early = { src: m.src, baseUrl: m.baseUrl, light, mod };
  mod.then((md) => {
    mark('worker module instantiated');
    // From the loader (m.latency: its options): the session starts now, before 'start'; its media waits in C++
    // (ls_worker_hls_feed_hold) until 'start' says the audio output.
    if (m.type === 'prefetch' && 'latency' in m && state.early === early && !state.app && !state.stopped) begin(md, m, true);
  }, () => {}); // a failure is reported by start()
}

// Creates the worker app and starts its session: at 'start', or before it from 'prefetch' (`held`: media held back in C++
// until start() gives the audio output; the default output, 48 kHz stereo, meanwhile).
function begin(mod, m, held) {
  state.mod = mod;
  state.baseUrl = m.baseUrl;
  mod.lsRequestDecoder = loadDecoderModule; // either module: the light one for every decoder, the full one for HEVC
  state.app = mod._ls_worker_create();
  state.channels = m.channels || 2;
  mod._ls_worker_set_audio(state.app, m.sampleRate || 48000, state.channels);
  state.src = m.src;
  state.latency = m.latency || 0;
  state.abr = m.abr !== false; // ABR (abr.h); false: the first variant throughout
  // The video path: C++ (DecodePathPolicy) decides from the option, VideoDecoder's presence and the browser's answers.
  const decoder = m.decoder || 'auto';
  if (!mod.withUtf8(decoder, (p) => mod._ls_worker_set_decoder(state.app, p, wcAvailable() ? 1 : 0)))
    log('warn', `decoder option "${decoder}" is not auto, webcodecs or wasm: auto is used`);
  mod.withUtf8(decoder, (p) => mod._ls_worker_set_audio_decoder(state.app, p, adAvailable() ? 1 : 0)); // same option, audio
  if (held) mod._ls_worker_hls_feed_hold(state.app, 1);
  state.options = m; // the demuxer switch starts the full module with them
  if (state.demuxSwitch) demuxCarryInto(mod, state.app);
  state.running = true;
  if (!state.statsTimer) state.statsTimer = setInterval(() => { if (state.running) postStats(); }, 500);
  log('info', 'LL-HLS engine: session' + (held ? ' (started before the page module)' : ''));
  sessionStart();
}

async function start(m) {
  state.baseUrl = m.baseUrl;
  const light = (m.decoder || 'auto') !== 'wasm' && wcAvailable();
  mark('start received');
  const e = state.early;
  if (!e || (e.src !== m.src && !state.app) || e.baseUrl !== m.baseUrl || e.light !== light) { state.early = null; prefetch(m); }
  const mod = await state.early.mod;
  if (state.stopped) return;
  if (!state.app) { begin(mod, m, false); return; }
  state.options = m;
  // Started at 'prefetch' with the loader's options: the page's audio output now, then the held media goes on.
  state.channels = m.channels || 2;
  mod._ls_worker_set_audio(state.app, m.sampleRate || 48000, state.channels);
  const restart = m.src !== state.src || (m.latency || 0) !== state.latency || (m.abr !== false) !== state.abr;
  state.src = m.src;
  state.latency = m.latency || 0;
  state.abr = m.abr !== false;
  mod._ls_worker_hls_feed_hold(state.app, 0);
  if (restart) sessionStart(); // options that differ from the loader's (not the case for a widget it started)
  else sessionPump();
}

// [SECTION] HlsSession driver: the wasm LL-HLS state machine decides, fetch() performs --------

const session = { inflight: new Map(), timer: 0, pumping: false };
const nowS = () => performance.now() / 1000;

function sessionAbortAll() {
  for (const [, req] of session.inflight) req.ctrl.abort();
  session.inflight.clear();
}

function sessionStart() {
  const { mod, app } = state;
  sessionAbortAll();
  state.jumpRequested = false;
  // The session's clock, the wall clock and the latency option set the fast-start cut (FastStartPdt).
  mod._ls_worker_hls_set_abr(app, state.abr ? 1 : 0);
  mod.withUtf8(state.src, (ptr) => mod._ls_worker_hls_start(app, ptr, nowS(), Date.now() / 1000, state.latency));
  mod._ls_worker_set_rate(app, state.rate);
  state.serial = mod._ls_worker_hls_serial(app);
  mark('session started');
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
    // Each event comes with its severity and whether the rendition may have changed (C++ decides both).
    for (const e of out.events) {
      if (e.type === 'EndOfStream') { log('info', 'hls EndOfStream: the playlist ended'); post({ type: 'ended' }); continue; }
      if (e.level === 'warn' || e.level === 'error') log('warn', `hls ${e.type}: ${e.detail}`);
      else if (e.level === 'info') log('info', `hls ${e.type}${e.detail ? ': ' + e.detail : ''}`);
      if (e.rendition) {
        const info = JSON.parse(mod.UTF8ToString(mod._ls_worker_hls_info(app)));
        post({ type: 'info', ...info, lowLatency: info.partTarget > 0 });
      }
    }
    if (out.events.some((e) => e.type === 'PlaylistLoaded' || e.type === 'PlaylistUpdated' || e.type === 'StartPointChosen')) {
      const timeline = mod.UTF8ToString(mod._ls_worker_hls_timeline(app));
      if (timeline && timeline !== state.timeline) {
        state.timeline = timeline;
        const t = JSON.parse(timeline);
        state.replay = t.replay;
        post({ type: 'timeline', ...t });
      }
    }
    const fatalJson = mod.UTF8ToString(mod._ls_worker_hls_fatal(app));
    if (fatalJson) { const f = JSON.parse(fatalJson); fatal(f.code, f.message); return; } // unsupported-playlist / invalid-playlist
    state.serial = mod._ls_worker_hls_serial(app);
    drain();
    const health = mod.UTF8ToString(mod._ls_worker_hls_health(app, nowS()));
    if (health) {
      const h = JSON.parse(health);
      if (h.failed) { log('warn', `${h.code}: ${h.message}`); post({ type: 'error', code: h.code, message: h.message }); }
      else { log('info', 'media again: recovered'); post({ type: 'recovered' }); }
    }
    const broadcastState = mod.UTF8ToString(mod._ls_worker_hls_state(app, nowS()));
    if (broadcastState) post({ type: 'state', state: broadcastState });
    for (const r of out.requests) sessionFetch(r);
    clearTimeout(session.timer);
    const wait = Math.min(1, Math.max(0.005, mod._ls_worker_hls_next_wakeup(app, nowS()) - nowS()));
    session.timer = setTimeout(() => { if (!state.running) return; mod._ls_worker_hls_tick(app, nowS()); sessionPump(); }, wait * 1000);
  } finally { session.pumping = false; }
}

async function sessionFetch(r) {
  const { mod, app } = state;
  const ctrl = new AbortController();
  const req = { ctrl };
  session.inflight.set(r.id, req);
  // The session times requests out and caps their size (Tick, OnData); it cancels them through poll's
  // 'cancel' list, which aborts `ctrl` and ends this function.
  const live = () => session.inflight.get(r.id) === req && state.running;
  const headers = {};
  if (r.offset >= 0) headers.Range = `bytes=${r.offset}-${r.length >= 0 ? r.offset + r.length - 1 : ''}`;
  const pre = state.prefetch; // the first playlist, requested at start (above); only for that exact request
  state.prefetch = null;
  if (pre && (pre.url !== r.url || r.offset >= 0)) pre.res.then((x) => x.body && x.body.cancel()).catch(() => {});
  try {
    const res = await (pre && pre.url === r.url && r.offset < 0 ? pre.res : fetch(r.url, { signal: ctrl.signal, cache: 'no-store', headers }));
    if (!live()) { if (res.body) res.body.cancel().catch(() => {}); return; }
    if (!res.ok) log('warn', `${r.kind} HTTP ${res.status}: ${r.url}`);
    mod._ls_worker_hls_response(app, r.id, res.status, nowS());
    sessionPump();
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (!live()) { reader.cancel().catch(() => {}); return; }
      if (done) break;
      const ptr = mod._ls_worker_input(app, value.byteLength);
      mod.HEAPU8.set(value, ptr);
      mod._ls_worker_hls_data(app, r.id, value.byteLength, nowS());
      sessionPump();
    }
    session.inflight.delete(r.id);
    mark(`first ${r.kind} loaded`);
    mod._ls_worker_hls_complete(app, r.id, nowS());
  } catch (e) {
    if (!live()) return;
    session.inflight.delete(r.id);
    const reason = `network error: ${e.message || e}`;
    log('warn', `${r.kind} ${reason}: ${r.url}`);
    mod.withUtf8(reason, (ptr) => mod._ls_worker_hls_error(app, r.id, ptr, nowS())); // counted in the stats' errors
  }
  sessionPump();
}

// [SECTION] Demuxer switch (docs/decode.md "The demuxer switch") -------------------------------------------------------

// C++ (DecideDemuxRefusal) asks for the full module when the light module's pure demuxer refuses a stream FFmpeg's demuxer
// may play: the session starts again on livescope_worker, once, same options and start point. True while under way; false:
// the caller reports the fatal (unsupported-codec, as before).
function demuxSwitchTo() {
  const { mod, app } = state;
  const d = state.demuxSwitch;
  if (d) return d.mod === mod && d.app === app; // the refusing module, until the full one runs: nothing more to do
  const reason = mod.UTF8ToString(mod._ls_worker_demux_switch(app));
  if (!reason || !state.options) return false;
  state.demuxSwitch = { reason, mod, app };
  log('info', `demuxer: the pure demuxer refused the stream (${reason}): switching to FFmpeg's, livescope_worker`);
  state.running = false;
  clearTimeout(session.timer);
  sessionAbortAll();
  wcClose();
  adClose();
  wc.path = ''; ad.path = '';
  state.decoderLoads = null; // decoder modules are asked for again by the new module
  const t0 = performance.now(), seek = state.lastSeek;
  const full = Promise.resolve().then(() => loadModule(state.baseUrl, false));
  if (state.early) state.early.mod = full; // a 'start' still to come continues on this module
  full.then((md) => {
    if (state.stopped) return;
    log('info', `demuxer: livescope_worker loaded in ${(performance.now() - t0).toFixed(0)} ms`);
    begin(md, state.options, false);
    state.demuxSwitch.mod = null; state.demuxSwitch.app = 0; // the light module is not used again
    if (seek) seekTo(seek.position, seek.pdt); // a replay's (or DVR) position: pending until the playlist is there
  }).catch((e) => fatal('load-failed', `livescope_worker: ${(e && e.message) || e}`));
  return true;
}

// begin() on the module switched to, before its session starts: the reason, the old session's serial and broadcast state.
function demuxCarryInto(mod, app) {
  const d = state.demuxSwitch;
  mod.withUtf8(d.reason, (p) => mod._ls_worker_set_demux_switched(app, p));
  // Read now, not at the refusal: the pump that saw it may still have posted a state after it.
  mod._ls_worker_hls_continue(app, d.mod._ls_worker_hls_serial(d.app), d.mod._ls_worker_hls_carry(d.app));
}

// [SECTION] Early start -------------------------------------------------------------------------------------------------

// The loader names this worker 'livescope:' + the JSON of its prefetch options (web/livescope.js, earlyWorker): the
// playlist's request, the decoder's warm-up and the module's load start as this script ends. A message would wait: a
// dedicated worker's first messages are relayed by its page's main thread, which is then often busy starting the widget
// (docs/decode.md, First frame).
if (typeof self.name === 'string' && self.name.startsWith('livescope:')) {
  let m = null;
  try { m = JSON.parse(self.name.slice('livescope:'.length)); } catch (e) { /* the message follows */ }
  if (m && typeof m.src === 'string' && typeof m.baseUrl === 'string') prefetch({ ...m, type: 'prefetch' });
}
