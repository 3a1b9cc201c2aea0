// Browser studio decisions (pure: no DOM, no network, no clock of its own): the studio's state machine
// (idle → connecting → live → ending → ended, or refused), reading the URL fragment, a first look at the stream
// key's claims, the encoder choice (WebCodecs, else MediaRecorder) and its formats, the livescope-frames framing and
// the capture clock, the keyframe schedule, the send-queue limit, the labels in EN/FR. studio.js is the edge that moves
// camera bytes and socket events; tests/e2e/studio_logic.test.mjs runs this file under node. Limits: docs/studio.md.

export const TIMESLICE_MS = 200; // MediaRecorder chunk period (each chunk is one binary WebSocket message)
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024; // bytes queued in the socket before the studio gives up (link too slow)
export const END_TIMEOUT_MS = 5000; // End: wait this long for the origin's close frame, then call it ended anyway
export const NAME_RE = /^[a-z0-9-]{1,64}$/; // the origin's broadcast names (docs/ingest.md)
export const MAX_TITLE_BYTES = 200; // the origin keeps at most this many bytes of a title

export const SEGMENT_MS = 2000; // the origin's default segment (--segment-ms), used when the origin sends no hello
export const HELLO_WAIT_MS = 1000; // how long the studio waits for the origin's hello (its segment cadence) before encoding
export const VIDEO_BITRATE = 2500000; // bit/s asked of either encoder
export const AUDIO_BITRATE = 96000; // bit/s
export const MAX_ENCODE_QUEUE = 3; // video frames waiting in the VideoEncoder past which a captured frame is dropped
export const INGEST_SUBPROTOCOL = 'livescope-ingest';
export const FRAMES_SUBPROTOCOL = 'livescope-frames'; // the origin takes framed WebCodecs frames (docs/studio.md)

// Audio codecs, best first: Opus (every Chromium), AAC-LC where the browser has an encoder. The origin re-encodes
// audio to AAC for HLS either way.
export const AUDIO_CODECS = ['opus', 'mp4a.40.2'];
export const CODEC_IDS = { h264: 1, opus: 2, aac: 3 }; // the framing's codec bytes (src/server/origin/.../ingest_frames.h)

// Which encoder: 'webcodecs' when the browser can (VideoEncoder H.264 + MediaStreamTrackProcessor, and an
// AudioEncoder when there is a microphone), else 'mediarecorder'. `forced` is the page's ?encoder= (tests):
// 'webcodecs' or 'mediarecorder' wins when possible; '' when nothing can encode.
export function PickEncoder(forced, { webcodecs, mediarecorder }) {
  if (forced === 'mediarecorder') return mediarecorder ? 'mediarecorder' : '';
  if (forced === 'webcodecs') return webcodecs ? 'webcodecs' : '';
  return webcodecs ? 'webcodecs' : mediarecorder ? 'mediarecorder' : '';
}

// The Sec-WebSocket-Protocol offer: the key after livescope-ingest, and livescope-frames last when the studio can
// send framed frames. An origin that does not know livescope-frames answers livescope-ingest (then: MediaRecorder).
export function IngestProtocols(key, frames) {
  return frames ? [INGEST_SUBPROTOCOL, key, FRAMES_SUBPROTOCOL] : [INGEST_SUBPROTOCOL, key];
}

// [SECTION] The origin's hello and the stream plan
// The origin's first text message on a livescope-frames socket: its segment cadence and top rendition
// ({"segment_ms","part_ms","width","height","video_kbps","frame_rate"}). Returns { segmentMs, partMs, width, height,
// videoKbps, frameRate }, or null when `text` is not such a message.
export function ParseIngestHello(text) {
  let j;
  try { j = JSON.parse(String(text)); } catch { return null; }
  if (!j || typeof j !== 'object') return null;
  const int = (v, lo, hi) => (Number.isInteger(v) && v >= lo && v <= hi ? v : null);
  const hello = { segmentMs: int(j.segment_ms, 50, 60000), partMs: int(j.part_ms, 50, 60000), width: int(j.width, 0, 7680),
    height: int(j.height, 0, 4320), videoKbps: int(j.video_kbps, 0, 1000000), frameRate: int(j.frame_rate, 1, 240) };
  return Object.values(hello).some((v) => v === null) ? null : hello;
}

// How the studio encodes for this origin. With a hello: a key frame at each of the origin's segment boundaries, the
// cadence and bitrate declared in a version 2 stream header, the bitrate within the top rendition's (so the origin can
// copy the video into its top rendition, docs/ingest.md). Without one (an older origin): SEGMENT_MS, version 1.
// Returns { keyframeMs, bitrate (bit/s), headerVersion }.
export function StreamPlan(hello) {
  if (!hello) return { keyframeMs: SEGMENT_MS, bitrate: VIDEO_BITRATE, headerVersion: 1 };
  const top = hello.videoKbps > 0 ? hello.videoKbps * 1000 : VIDEO_BITRATE;
  return { keyframeMs: hello.segmentMs, bitrate: Math.min(VIDEO_BITRATE, top), headerVersion: 2 };
}

// [SECTION] The encoded size: the origin's top rendition, the camera letterboxed into it
// The size the studio encodes at: the origin's top rendition (its hello) when it says one, so its H.264 can be copied
// into that rendition whatever the camera's size (docs/ingest.md); else the camera's own size (even, as H.264 4:2:0
// wants). `camera` = { width, height } (the track's settings; 0 or missing when unknown). Returns { width, height }.
export const DEFAULT_CAMERA = { width: 1280, height: 720 }; // the size asked of the camera, and assumed when it says none
export function EncodeSize(camera, hello) {
  if (hello && hello.width > 0 && hello.height > 0) return { width: hello.width & ~1, height: hello.height & ~1 };
  const width = (camera && camera.width) || DEFAULT_CAMERA.width, height = (camera && camera.height) || DEFAULT_CAMERA.height;
  return { width: width & ~1, height: height & ~1 };
}

// Where a camera frame of srcW × srcH goes in an encoded frame of dstW × dstH: the largest rectangle of the camera's
// aspect that fits, centred (the rest black: bars above and below a wider camera, beside a narrower one), its edges on
// even pixels (4:2:0 chroma) and at least 2 × 2. Returns { x, y, width, height, full } (full: it covers the frame,
// the frame needs no drawing: the same size), or null when a size is not positive.
export function LetterboxRect(srcW, srcH, dstW, dstH) {
  if (!(srcW > 0 && srcH > 0 && dstW > 0 && dstH > 0)) return null;
  const even = (v) => Math.max(2, 2 * Math.round(v / 2));
  let width = dstW, height = dstH;
  if (srcW * dstH > dstW * srcH) height = Math.min(dstH, even(dstW * srcH / srcW)); // wider than the frame: bars above and below
  else if (srcW * dstH < dstW * srcH) width = Math.min(dstW, even(dstH * srcW / srcH)); // narrower: bars beside
  const x = Math.max(0, 2 * Math.floor((dstW - width) / 4)), y = Math.max(0, 2 * Math.floor((dstH - height) / 4));
  return { x, y, width, height, full: srcW === dstW && srcH === dstH };
}

// The H.264 codec strings to ask the VideoEncoder for at width × height, best first: Constrained Baseline (the profile
// the origin copies), then Main; the level the size needs (3.1 up to 1280×720, 4.0 up to 2048×1088, 5.1 beyond).
export function VideoCodecsFor(width, height) {
  const macroblocks = Math.ceil(width / 16) * Math.ceil(height / 16);
  const level = macroblocks <= 3600 ? '1f' : macroblocks <= 8704 ? '28' : '33';
  return [`avc1.42e0${level}`, `avc1.4d40${level}`];
}

// [SECTION] Framing (livescope-frames; big-endian; one binary WebSocket message each)
// 'S' version, count, then per track: id, codec, u16 width, u16 height, u32 sample rate, u8 channels; version 2 (when
// `plan` says so) then u32 key frame interval ms and u32 video bitrate bit/s.
export function EncodeStreamHeader(tracks, plan = null) {
  const v2 = !!plan && plan.headerVersion === 2;
  const out = new Uint8Array(3 + 11 * tracks.length + (v2 ? 8 : 0));
  const view = new DataView(out.buffer);
  out[0] = 0x53; out[1] = v2 ? 2 : 1; out[2] = tracks.length;
  if (v2) {
    view.setUint32(3 + 11 * tracks.length, plan.keyframeMs);
    view.setUint32(7 + 11 * tracks.length, Math.round(plan.bitrate));
  }
  tracks.forEach((t, i) => {
    const at = 3 + 11 * i;
    out[at] = t.id; out[at + 1] = t.codec;
    view.setUint16(at + 2, t.width || 0); view.setUint16(at + 4, t.height || 0);
    view.setUint32(at + 6, t.sampleRate || 0); out[at + 10] = t.channels || 0;
  });
  return out;
}

// 'F' track, flags (1: key), i64 capture µs since the epoch, u32 duration µs, then `payload` (a Uint8Array). The
// header is written in front of a buffer the caller fills: `FrameBuffer(size)` then `WriteFrameHeader`.
export const FRAME_HEADER_BYTES = 15;
export function WriteFrameHeader(out, track, key, captureUs, durationUs) {
  const view = new DataView(out.buffer, out.byteOffset, FRAME_HEADER_BYTES);
  out[0] = 0x46; out[1] = track; out[2] = key ? 1 : 0;
  view.setBigInt64(3, BigInt(Math.round(captureUs)));
  view.setUint32(11, Math.max(0, Math.min(0xffffffff, Math.round(durationUs || 0))));
  return out;
}
export function EncodeFrame(track, key, captureUs, durationUs, payload) {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  out.set(payload, FRAME_HEADER_BYTES);
  return WriteFrameHeader(out, track, key, captureUs, durationUs);
}

// [SECTION] Capture clock
// A track's frame timestamps (µs) → capture wall-clock time (µs since the epoch). Chromium stamps audio in the
// performance.now() timebase and camera frames in another (the system's monotonic clock), so each track gets its own
// mapping, fixed at its first frame: when the timestamp reads as performance.now() (not after it and at most
// PERF_TIMEBASE_WINDOW_MS before it), wall = timestamp + (Date.now() - performance.now()); otherwise the first frame
// is taken as captured when it was read (which ignores the capture-to-read delay, a few ms). Returns the offset to add.
export const PERF_TIMEBASE_WINDOW_MS = 5000;
export function CaptureOffsetUs(firstTimestampUs, perfNowMs, wallNowMs) {
  const ageMs = perfNowMs - firstTimestampUs / 1000;
  if (ageMs >= -1 && ageMs <= PERF_TIMEBASE_WINDOW_MS) return (wallNowMs - perfNowMs) * 1000;
  return wallNowMs * 1000 - firstTimestampUs;
}

// Whether the frame captured at `captureUs` must be a keyframe: the first frame, and the first frame in each new
// SEGMENT_MS window counted from the first frame (so keyframes fall on the origin's segment boundaries: the origin's
// media time 0 is the first keyframe's capture time). Returns { key, index } (index: the window of the last key).
export function KeyFrameDue(captureUs, firstUs, lastIndex, segmentMs = SEGMENT_MS) {
  if (firstUs === null || firstUs === undefined) return { key: true, index: 0 };
  const index = Math.floor((captureUs - firstUs) / (segmentMs * 1000));
  return index > lastIndex ? { key: true, index } : { key: false, index: lastIndex };
}

// Formats the recorder may use, best first: H.264 (the origin's ladder codec) then VP8/VP9; all WebM + Opus.
export const MIME_CANDIDATES = ['video/webm;codecs=h264,opus', 'video/webm;codecs=avc1,opus', 'video/webm;codecs=vp8,opus',
  'video/webm;codecs=vp9,opus', 'video/webm'];

// The first candidate `isSupported` (MediaRecorder.isTypeSupported) accepts, or '' when none is.
export function PickMimeType(isSupported) {
  for (const m of MIME_CANDIDATES) { try { if (isSupported(m)) return m; } catch { /* a throwing probe is a no */ } }
  return '';
}

export const STRINGS = {
  en: {
    heading: 'Studio', preview: 'Camera preview', title: 'Title', name: 'Broadcast name', golive: 'Go live', end: 'End',
    idle: 'Ready', connecting: 'Connecting…', live: 'Live', ending: 'Ending…', ended: 'Ended', refused: 'Refused',
    noKey: 'No stream key: open this page with #key=<stream key>&name=<broadcast> in its address.',
    badName: 'A broadcast name is 1 to 64 of a-z, 0-9 and -.',
    keyMalformed: 'This stream key is malformed.', keyExpired: 'This stream key has expired.',
    keyRole: 'This key is not a broadcaster key.', keyName: 'This key is for the broadcast “{name}”.',
    refusedGeneric: 'The origin refused the connection (wrong or expired key, the broadcast already live, or the origin full).',
    keyRefused: 'The origin refused the connection: this stream key is wrong.', busy: 'This broadcast is already live from another connection.',
    full: 'The origin carries all the broadcasts it can: try again later.',
    lost: 'The connection to the origin was lost.', slow: 'The link is too slow for this stream: the broadcast was stopped.',
    noCamera: 'No camera or microphone: {reason}', noRecorder: 'This browser cannot record the camera (no MediaRecorder format).',
    encoderFailed: 'The encoder failed: {reason}',
  },
  fr: {
    heading: 'Studio', preview: 'Aperçu de la caméra', title: 'Titre', name: 'Nom de la diffusion', golive: 'Passer en direct', end: 'Terminer',
    idle: 'Prêt', connecting: 'Connexion…', live: 'En direct', ending: 'Fin en cours…', ended: 'Terminé', refused: 'Refusé',
    noKey: 'Pas de clé de diffusion : ouvrez cette page avec #key=<clé>&name=<diffusion> dans son adresse.',
    badName: 'Un nom de diffusion compte 1 à 64 caractères parmi a-z, 0-9 et -.',
    keyMalformed: 'Cette clé de diffusion est mal formée.', keyExpired: 'Cette clé de diffusion a expiré.',
    keyRole: 'Cette clé n’est pas une clé de diffuseur.', keyName: 'Cette clé est celle de la diffusion « {name} ».',
    refusedGeneric: 'L’origine a refusé la connexion (clé fausse ou expirée, diffusion déjà en direct, ou origine pleine).',
    keyRefused: 'L’origine a refusé la connexion : cette clé de diffusion est fausse.', busy: 'Cette diffusion est déjà en direct depuis une autre connexion.',
    full: 'L’origine porte déjà toutes les diffusions qu’elle peut : réessayez plus tard.',
    lost: 'La connexion à l’origine a été perdue.', slow: 'Le lien est trop lent pour ce flux : la diffusion a été arrêtée.',
    noCamera: 'Pas de caméra ni de micro : {reason}', noRecorder: 'Ce navigateur ne sait pas enregistrer la caméra (aucun format MediaRecorder).',
    encoderFailed: 'L’encodeur a échoué : {reason}',
  },
};

// 'fr' when the page's ?lang= or the browser's language starts with fr, else 'en'.
export function PickLanguage(requested, browserLanguages = []) {
  for (const l of [requested, ...browserLanguages]) {
    const s = String(l || '').toLowerCase();
    if (s.startsWith('fr')) return 'fr';
    if (s.startsWith('en')) return 'en';
  }
  return 'en';
}

export function Text(lang, id, values = {}) {
  const s = (STRINGS[lang] || STRINGS.en)[id] ?? STRINGS.en[id] ?? id;
  return s.replace(/\{(\w+)\}/g, (m, k) => (Object.hasOwn(values, k) ? String(values[k]) : m));
}

// The studio's settings from the URL fragment (`#key=...&name=...&origin=...&title=...`): a fragment never reaches
// the server, so the key stays out of access logs. `origin` defaults to `pageOrigin`. Returns { key, name, title, ingestBase }
// where ingestBase is the ws:// or wss:// origin, or '' when `origin` is not an http(s)/ws(s) URL.
export function ParseFragment(hash, pageOrigin = '') {
  const p = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  const origin = p.get('origin') || pageOrigin;
  let ingestBase = '';
  try {
    const u = new URL(origin);
    const scheme = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[u.protocol];
    if (scheme) ingestBase = `${scheme}//${u.host}`;
  } catch { /* stays '' */ }
  return { key: p.get('key') || '', name: p.get('name') || '', title: p.get('title') || '', ingestBase };
}

// The WebSocket URL for a broadcast (the key travels in Sec-WebSocket-Protocol, not in this URL).
export function IngestUrl(ingestBase, name, title) {
  const q = title ? `?title=${encodeURIComponent(TrimTitle(title))}` : '';
  return `${ingestBase}/ingest/${name}${q}`;
}

// The title cut to MAX_TITLE_BYTES of UTF-8 without splitting a character.
export function TrimTitle(title) {
  let out = '', bytes = 0;
  for (const ch of String(title)) {
    const n = new TextEncoder().encode(ch).length;
    if (bytes + n > MAX_TITLE_BYTES) break;
    out += ch; bytes += n;
  }
  return out;
}

function DecodeBase64Url(s) {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
  const bin = atob(b64);
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

// A first look at the key's claims before connecting, so the common mistakes get a clear reason (a browser never
// sees the origin's HTTP refusal body). The signature is the origin's to check. Returns '' or a string id of STRINGS
// (with `values`): { error, values }.
export function CheckKey(key, name, nowSeconds) {
  if (!key) return { error: 'noKey', values: {} };
  if (!NAME_RE.test(name)) return { error: 'badName', values: {} };
  const parts = key.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]) || !/^[A-Za-z0-9_-]+$/.test(parts[1])) return { error: 'keyMalformed', values: {} };
  let claims;
  try { claims = JSON.parse(DecodeBase64Url(parts[0])); } catch { return { error: 'keyMalformed', values: {} }; }
  if (!claims || typeof claims !== 'object') return { error: 'keyMalformed', values: {} };
  if (typeof claims.exp === 'number' && claims.exp <= nowSeconds) return { error: 'keyExpired', values: {} };
  if (claims.role !== 'broadcaster') return { error: 'keyRole', values: {} };
  const forName = typeof claims.room === 'string' && claims.room ? claims.room : claims.name;
  if (forName !== name) return { error: 'keyName', values: { name: String(forName) } };
  return { error: '', values: {} };
}

// The STRINGS id for an origin's refusal: it accepts the socket, then closes it with a 4xxx code (docs/ingest.md);
// '' for any other close code.
export function RefusalMessage(code) {
  const known = { 4400: 'badName', 4401: 'keyRefused', 4403: 'keyRefused', 4409: 'busy', 4410: 'keyExpired', 4429: 'full' };
  return known[code] || (code >= 4400 && code <= 4599 ? 'refusedGeneric' : '');
}

// [SECTION] State machine
// A state: { state, startedAt (ms, the page clock when live began), message (a STRINGS id or ''), values, detail }.
// Events: golive, open {at}, end, close {code, reason}, timeout, slow, encoderError {reason}, fail {message, values, detail}.
// Step returns the next state and the actions for the edge: 'connect', 'record', 'stopRecorder', 'closeSocket',
// 'armEndTimer', 'releaseSocket'. An event that means nothing in a state leaves it as it is, with no action.
export function InitialState() { return { state: 'idle', startedAt: 0, message: '', values: {}, detail: '' }; }

export function Step(s, event) {
  const next = (state, extra = {}, actions = []) => ({ state: { ...s, state, ...extra }, actions });
  const same = { state: s, actions: [] };
  switch (event.type) {
    case 'golive':
      if (s.state !== 'idle' && s.state !== 'ended' && s.state !== 'refused') return same;
      return next('connecting', { startedAt: 0, message: '', values: {}, detail: '' }, ['connect']);
    case 'open':
      if (s.state !== 'connecting') return same;
      return next('live', { startedAt: event.at }, ['record']);
    case 'end':
      if (s.state === 'connecting') return next('ended', {}, ['closeSocket', 'releaseSocket']);
      if (s.state !== 'live') return same;
      return next('ending', {}, ['stopRecorder', 'armEndTimer']); // the recorder's last chunk goes out, then the close
    case 'close': {
      const reason = event.reason ? String(event.reason) : '';
      const refusal = RefusalMessage(event.code); // a refusal opens the socket first: 'live' is still a refusal
      if (refusal && (s.state === 'connecting' || s.state === 'live'))
        return next('refused', { message: refusal, values: {}, detail: reason }, s.state === 'live' ? ['stopRecorder', 'releaseSocket'] : ['releaseSocket']);
      if (s.state === 'connecting') return next('refused', { message: reason ? '' : 'refusedGeneric', detail: reason }, ['releaseSocket']);
      if (s.state === 'ending') return next('ended', {}, ['releaseSocket']);
      if (s.state === 'live') return next('ended', { message: reason ? '' : 'lost', detail: reason }, ['stopRecorder', 'releaseSocket']);
      return same;
    }
    case 'timeout': // the origin did not answer End's close frame in time
      if (s.state !== 'ending') return same;
      return next('ended', {}, ['releaseSocket']);
    case 'slow':
      if (s.state !== 'live') return same;
      return next('ending', { message: 'slow' }, ['stopRecorder', 'closeSocket', 'armEndTimer']);
    case 'encoderError': // the live encoder failed (WebCodecs error callback, recorder error): stop and close
      if (s.state !== 'live') return same;
      return next('ending', { message: 'encoderFailed', values: { reason: String(event.reason || '') } }, ['stopRecorder', 'closeSocket', 'armEndTimer']);
    case 'fail': // a local failure (no camera, no recorder format, a bad key or name) before or while connecting
      if (s.state === 'live' || s.state === 'ending') return same;
      return next('refused', { message: event.message || '', values: event.values || {}, detail: event.detail || '' }, ['releaseSocket']);
    default:
      return same;
  }
}

// What the page shows for a state: { label, message, button ('golive' or 'end'), buttonDisabled, inputsDisabled }.
export function View(s, lang) {
  const label = Text(lang, s.state);
  const message = s.message ? Text(lang, s.message, s.values) + (s.detail ? ` (${s.detail})` : '') : s.detail;
  const active = s.state === 'connecting' || s.state === 'live' || s.state === 'ending';
  return { label, message, button: active ? 'end' : 'golive', buttonDisabled: s.state === 'ending', inputsDisabled: active };
}

// "m:ss" or "h:mm:ss" for an elapsed time in milliseconds.
export function FormatElapsed(ms) {
  const t = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  const two = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

// True when the socket's queue says the link cannot carry the stream (the edge then sends 'slow').
export const TooSlow = (bufferedAmount) => bufferedAmount > MAX_BUFFERED_BYTES;
