// Browser studio edge (shell/studio.html): camera and microphone (getUserMedia) into a muted preview, then to the
// origin's /ingest/<name> WebSocket (the key in Sec-WebSocket-Protocol): WebCodecs frames in the livescope-frames
// framing (studio-encoder.js) when the browser and the origin can, else MediaRecorder WebM chunks; both stamp the
// capture wall-clock time. Every decision (states, key check, encoder, formats, limits, labels) is in studio-logic.js;
// this file only moves bytes and events. ?encoder=webcodecs|mediarecorder forces one (tests).
import { Step, View, InitialState, ParseFragment, IngestUrl, CheckKey, PickMimeType, PickLanguage, Text, FormatElapsed,
  TooSlow, PickEncoder, IngestProtocols, FRAMES_SUBPROTOCOL, VIDEO_BITRATE, AUDIO_BITRATE, TIMESLICE_MS,
  END_TIMEOUT_MS, HELLO_WAIT_MS, ParseIngestHello, StreamPlan, DEFAULT_CAMERA } from './studio-logic.js';
import { WebCodecsConfig, StartWebCodecs } from './studio-encoder.js';

const $ = (id) => document.getElementById(id);
const ui = { preview: $('studio-preview'), form: $('studio-form'), title: $('studio-title'), name: $('studio-name'),
  button: $('studio-button'), state: $('studio-state'), elapsed: $('studio-elapsed'), message: $('studio-message') };
const lang = PickLanguage(new URLSearchParams(location.search).get('lang'), navigator.languages || []);
let settings = ParseFragment(location.hash, location.origin);
let state = InitialState();
const forcedEncoder = new URLSearchParams(location.search).get('encoder') || '';
let media = null, socket = null, recorder = null, coder = null, webcodecsConfig = null, endTimer = 0, tick = 0;
let hello = null, onHello = null; // the origin's hello on this socket (its segment cadence), and who waits for it

// Labels in the page's language.
document.documentElement.lang = lang;
for (const el of document.querySelectorAll('[data-text]')) el.textContent = Text(lang, el.dataset.text);
ui.preview.setAttribute('aria-label', Text(lang, 'preview'));
function fillFromFragment() {
  settings = ParseFragment(location.hash, location.origin);
  if (settings.name) ui.name.value = settings.name;
  if (settings.title) ui.title.value = settings.title;
}
fillFromFragment();
window.addEventListener('hashchange', () => { if (state.state !== 'live' && state.state !== 'connecting') fillFromFragment(); });

function render() {
  const v = View(state, lang);
  document.documentElement.dataset.studio = state.state; // for tests and styles
  ui.state.textContent = v.label;
  ui.message.textContent = v.message;
  ui.button.textContent = Text(lang, v.button);
  ui.button.disabled = v.buttonDisabled;
  ui.button.dataset.action = v.button;
  ui.title.disabled = ui.name.disabled = v.inputsDisabled;
  ui.elapsed.textContent = state.state === 'live' ? FormatElapsed(performance.now() - state.startedAt) : '';
}

function dispatch(event) {
  const { state: nextState, actions } = Step(state, event);
  state = nextState;
  for (const a of actions) run(a);
  render();
}

function run(action) {
  switch (action) {
    case 'connect': return connect();
    case 'record': return record();
    case 'stopRecorder':
      if (recorder && recorder.state !== 'inactive') recorder.stop();
      if (coder) {
        // The encoders' last chunks go out, then the close frame.
        const ws = socket, c = coder;
        coder = null;
        c.stop().then(() => { if (ws && ws.readyState === WebSocket.OPEN) ws.close(1000, 'end'); });
      }
      return;
    case 'closeSocket': if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'end'); return;
    case 'armEndTimer': clearTimeout(endTimer); endTimer = setTimeout(() => dispatch({ type: 'timeout' }), END_TIMEOUT_MS); return;
    case 'releaseSocket':
      clearTimeout(endTimer);
      if (socket) { socket.onopen = socket.onclose = socket.onerror = null; if (socket.readyState <= WebSocket.OPEN) socket.close(1000, 'end'); }
      if (coder) coder.stop();
      socket = null; recorder = null; coder = null;
      return;
  }
}

async function camera() {
  if (media) return media;
  media = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: DEFAULT_CAMERA.width }, height: { ideal: DEFAULT_CAMERA.height },
    frameRate: { ideal: 30 } }, audio: true });
  ui.preview.srcObject = media;
  return media;
}

async function connect() {
  const check = CheckKey(settings.key, ui.name.value, Date.now() / 1000);
  if (check.error) return dispatch({ type: 'fail', message: check.error, values: check.values });
  if (!settings.ingestBase) return dispatch({ type: 'fail', message: 'refusedGeneric', detail: 'no origin' });
  try { await camera(); } catch (e) { return dispatch({ type: 'fail', message: 'noCamera', values: { reason: e.message || e.name } }); }
  const recorderOk = typeof MediaRecorder !== 'undefined' && !!PickMimeType((m) => MediaRecorder.isTypeSupported(m));
  webcodecsConfig = forcedEncoder === 'mediarecorder' ? null : await WebCodecsConfig(media).catch(() => null);
  const encoder = PickEncoder(forcedEncoder, { webcodecs: !!webcodecsConfig, mediarecorder: recorderOk });
  if (!encoder) return dispatch({ type: 'fail', message: 'noRecorder' });
  if (state.state !== 'connecting') return; // End pressed meanwhile
  const frames = encoder === 'webcodecs';
  const ws = new WebSocket(IngestUrl(settings.ingestBase, ui.name.value, ui.title.value), IngestProtocols(settings.key, frames));
  ws.binaryType = 'arraybuffer';
  socket = ws;
  hello = null;
  ws.onmessage = (e) => {
    if (typeof e.data !== 'string' || hello) return;
    hello = ParseIngestHello(e.data);
    if (hello && onHello) onHello();
  };
  ws.onopen = () => dispatch({ type: 'open', at: performance.now() });
  ws.onclose = (e) => dispatch({ type: 'close', code: e.code, reason: e.reason });
}

function record() {
  // The origin chose the format: livescope-frames (WebCodecs) when it knows it, else the WebM byte stream.
  if (socket && socket.protocol === FRAMES_SUBPROTOCOL && webcodecsConfig) return encodeFrames();
  if (typeof MediaRecorder === 'undefined' || !PickMimeType((m) => MediaRecorder.isTypeSupported(m))) return dispatch({ type: 'encoderError', reason: 'no MediaRecorder format' });
  const mimeType = PickMimeType((m) => MediaRecorder.isTypeSupported(m));
  const ws = socket;
  const r = new MediaRecorder(media, { mimeType, videoBitsPerSecond: VIDEO_BITRATE, audioBitsPerSecond: AUDIO_BITRATE });
  recorder = r;
  r.ondataavailable = (e) => {
    if (!e.data || e.data.size === 0 || ws.readyState !== WebSocket.OPEN) return;
    ws.send(e.data);
    if (TooSlow(ws.bufferedAmount)) dispatch({ type: 'slow' });
  };
  // The recorder's last chunk was handed over just before 'stop': the socket closes after it (a clean close frame).
  r.onstop = () => { if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'end'); };
  r.onerror = (e) => dispatch({ type: 'encoderError', reason: (e.error && e.error.message) || 'MediaRecorder' });
  // The capture stamp: the recording's time 0 is (within a frame) now; the origin's PDT comes from it.
  const captureMs = Date.now();
  ws.send(JSON.stringify({ capture_ms: captureMs }));
  r.start(TIMESLICE_MS);
  document.documentElement.dataset.studioMime = mimeType;
  document.documentElement.dataset.studioEncoder = 'mediarecorder';
  document.documentElement.dataset.studioCaptureMs = String(captureMs);
}

function encodeFrames() {
  // The origin's hello (sent as the socket opens) says its segment cadence; an origin without one gets the defaults.
  const ws = socket;
  let timer = 0;
  let begun = false;
  const begin = async () => {
    clearTimeout(timer);
    onHello = null;
    if (begun) return;
    begun = true;
    // Encoded at the origin's top rendition size (the camera letterboxed into it), so the origin can copy it; where
    // the browser cannot encode that size, at the camera's.
    const config = hello ? await WebCodecsConfig(media, hello).catch(() => null) : null;
    if (socket !== ws || state.state !== 'live' || coder) return; // ended or replaced meanwhile
    startFrames(ws, StreamPlan(hello), config || webcodecsConfig);
  };
  if (hello) return begin();
  onHello = begin;
  timer = setTimeout(begin, HELLO_WAIT_MS);
}

function startFrames(ws, plan, config) {
  coder = StartWebCodecs(media, config, {
    send: (bytes) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(bytes);
      if (TooSlow(ws.bufferedAmount)) dispatch({ type: 'slow' });
    },
    onError: (reason) => dispatch({ type: 'encoderError', reason }),
    onStart: (captureMs) => { document.documentElement.dataset.studioCaptureMs = String(Math.round(captureMs)); },
    now: { perf: () => performance.now(), wall: () => Date.now() },
    plan,
    onGap: (ms) => { document.documentElement.dataset.studioMaxFrameGapMs = String(Math.round(ms)); },
  });
  document.documentElement.dataset.studioKeyframeMs = String(plan.keyframeMs);
  document.documentElement.dataset.studioMime = `${config.video.codec},${config.audio ? config.audio.codec : 'no audio'}`;
  const camera = media.getVideoTracks()[0].getSettings();
  document.documentElement.dataset.studioCameraSize = `${camera.width}x${camera.height}`;
  document.documentElement.dataset.studioEncodeSize = `${config.video.width}x${config.video.height}`;
  document.documentElement.dataset.studioEncoder = 'webcodecs';
}

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  dispatch({ type: ui.button.dataset.action === 'end' ? 'end' : 'golive' });
});
tick = setInterval(() => { if (state.state === 'live') ui.elapsed.textContent = FormatElapsed(performance.now() - state.startedAt); }, 500);
render();
// The preview starts at once where the camera is already allowed; otherwise at Go live (the permission prompt).
camera().catch(() => {});
