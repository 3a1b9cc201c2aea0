// Unit (node, no browser): the browser studio's decisions in web/runtime/studio-logic.js: the state machine, the
// fragment, the key's first check, the encoder choice and recorder format, the livescope-frames framing, the capture
// clock and keyframe schedule, the title cut, the labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Step, View, InitialState, ParseFragment, IngestUrl, CheckKey, PickMimeType, PickLanguage, Text, FormatElapsed,
  TrimTitle, TooSlow, MAX_BUFFERED_BYTES, MAX_TITLE_BYTES, STRINGS, PickEncoder, IngestProtocols, EncodeStreamHeader,
  EncodeFrame, FRAME_HEADER_BYTES, CaptureOffsetUs, KeyFrameDue, CODEC_IDS, SEGMENT_MS, ParseIngestHello, StreamPlan,
  VIDEO_BITRATE, EncodeSize, LetterboxRect, VideoCodecsFor } from '../../web/runtime/studio-logic.js';

const b64url = (buf) => Buffer.from(buf).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
function key(claims) {
  const payload = b64url(JSON.stringify(claims));
  return `${payload}.${b64url(createHmac('sha256', 's').update(payload).digest())}`;
}
// Runs events from the initial state; returns the last state and every action in order.
function run(...events) {
  let s = InitialState();
  const actions = [];
  for (const e of events) { const r = Step(s, e); s = r.state; actions.push(...r.actions); }
  return { s, actions };
}

test('go live, open, end and close walk idle, connecting, live, ending, ended', () => {
  let r = run({ type: 'golive' });
  assert.equal(r.s.state, 'connecting');
  assert.deepEqual(r.actions, ['connect']);
  r = run({ type: 'golive' }, { type: 'open', at: 1234 });
  assert.equal(r.s.state, 'live');
  assert.equal(r.s.startedAt, 1234);
  assert.deepEqual(r.actions, ['connect', 'record']);
  r = run({ type: 'golive' }, { type: 'open', at: 1 }, { type: 'end' });
  assert.equal(r.s.state, 'ending');
  assert.deepEqual(r.actions.slice(2), ['stopRecorder', 'armEndTimer']);
  r = run({ type: 'golive' }, { type: 'open', at: 1 }, { type: 'end' }, { type: 'close', code: 1000, reason: '' });
  assert.equal(r.s.state, 'ended');
  assert.equal(r.s.message, '');
  assert.equal(r.actions.at(-1), 'releaseSocket');
});

test('a socket closed before it opened is refused, with the origin reason when there is one', () => {
  let r = run({ type: 'golive' }, { type: 'close', code: 1006, reason: '' });
  assert.equal(r.s.state, 'refused');
  assert.equal(r.s.message, 'refusedGeneric');
  assert.match(View(r.s, 'en').message, /refused the connection/);
  r = run({ type: 'golive' }, { type: 'close', code: 4401, reason: 'stream key refused: bad signature' });
  assert.equal(r.s.state, 'refused');
  assert.match(View(r.s, 'en').message, /stream key refused: bad signature/); // the origin's reason, after its code's message
});

test('a live socket closed by the origin ends the broadcast and says why', () => {
  let r = run({ type: 'golive' }, { type: 'open', at: 1 }, { type: 'close', code: 1011, reason: 'the encoder could not read this stream' });
  assert.equal(r.s.state, 'ended');
  assert.equal(View(r.s, 'en').message, 'the encoder could not read this stream');
  assert.ok(r.actions.includes('stopRecorder'));
  r = run({ type: 'golive' }, { type: 'open', at: 1 }, { type: 'close', code: 1006, reason: '' });
  assert.equal(View(r.s, 'en').message, STRINGS.en.lost);
});

test('End without an answer from the origin still ends, after the timer', () => {
  const r = run({ type: 'golive' }, { type: 'open', at: 1 }, { type: 'end' }, { type: 'timeout' });
  assert.equal(r.s.state, 'ended');
  // A timeout outside ending changes nothing.
  assert.equal(run({ type: 'golive' }, { type: 'open', at: 1 }, { type: 'timeout' }).s.state, 'live');
});

test('events that mean nothing in a state change nothing and ask for nothing', () => {
  const live = run({ type: 'golive' }, { type: 'open', at: 1 }).s;
  for (const e of [{ type: 'golive' }, { type: 'open', at: 9 }, { type: 'fail', message: 'noCamera' }, { type: 'bogus' }]) {
    const r = Step(live, e);
    assert.equal(r.state, live);
    assert.deepEqual(r.actions, []);
  }
  assert.deepEqual(Step(InitialState(), { type: 'end' }).actions, []);
  assert.deepEqual(Step(InitialState(), { type: 'close', code: 1000 }).actions, []);
});

test('End while connecting closes the socket and ends; Go live again from ended or refused', () => {
  let r = run({ type: 'golive' }, { type: 'end' });
  assert.equal(r.s.state, 'ended');
  assert.deepEqual(r.actions.slice(1), ['closeSocket', 'releaseSocket']);
  r = run({ type: 'golive' }, { type: 'close', code: 1006 }, { type: 'golive' });
  assert.equal(r.s.state, 'connecting');
  assert.equal(r.s.message, '');
});

test('a local failure is refused with its message; a too slow link ends the broadcast', () => {
  const r = run({ type: 'golive' }, { type: 'fail', message: 'noCamera', values: { reason: 'NotAllowedError' } });
  assert.equal(r.s.state, 'refused');
  assert.equal(View(r.s, 'en').message, 'No camera or microphone: NotAllowedError');
  const slow = run({ type: 'golive' }, { type: 'open', at: 1 }, { type: 'slow' });
  assert.equal(slow.s.state, 'ending');
  assert.deepEqual(slow.actions.slice(2), ['stopRecorder', 'closeSocket', 'armEndTimer']);
  assert.equal(TooSlow(MAX_BUFFERED_BYTES), false);
  assert.equal(TooSlow(MAX_BUFFERED_BYTES + 1), true);
});

test('the view shows End while active and disables the button while ending', () => {
  const states = ['idle', 'connecting', 'live', 'ending', 'ended', 'refused'];
  const views = states.map((state) => View({ ...InitialState(), state }, 'en'));
  assert.deepEqual(views.map((v) => v.button), ['golive', 'end', 'end', 'end', 'golive', 'golive']);
  assert.deepEqual(views.map((v) => v.buttonDisabled), [false, false, false, true, false, false]);
  assert.deepEqual(views.map((v) => v.inputsDisabled), [false, true, true, true, false, false]);
  assert.equal(View({ ...InitialState(), state: 'live' }, 'fr').label, 'En direct');
});

test('the fragment gives key, name, title and the ws origin; the key never goes into the URL', () => {
  const f = ParseFragment('#key=abc.def&name=studio&title=Hello%20there&origin=http://127.0.0.1:8081', 'http://127.0.0.1:8080');
  assert.deepEqual(f, { key: 'abc.def', name: 'studio', title: 'Hello there', ingestBase: 'ws://127.0.0.1:8081' });
  assert.equal(ParseFragment('#key=k', 'https://example.test').ingestBase, 'wss://example.test');
  assert.equal(ParseFragment('#origin=javascript:alert(1)', '').ingestBase, '');
  assert.equal(ParseFragment('', '').key, '');
  const url = IngestUrl('ws://127.0.0.1:8081', 'studio', 'Été & co');
  assert.equal(url, 'ws://127.0.0.1:8081/ingest/studio?title=%C3%89t%C3%A9%20%26%20co');
  assert.equal(IngestUrl('ws://h', 'x', ''), 'ws://h/ingest/x');
});

test('the key check catches malformed, expired, viewer and other-broadcast keys before connecting', () => {
  const now = 1_000_000;
  assert.equal(CheckKey('', 'studio', now).error, 'noKey');
  assert.equal(CheckKey('a.b', 'Bad Name', now).error, 'badName');
  assert.equal(CheckKey('a.b', 'x'.repeat(65), now).error, 'badName');
  assert.equal(CheckKey('nodot', 'studio', now).error, 'keyMalformed');
  assert.equal(CheckKey('!!.??', 'studio', now).error, 'keyMalformed');
  assert.equal(CheckKey(`${b64url('not json')}.abc`, 'studio', now).error, 'keyMalformed');
  assert.equal(CheckKey(key({ name: 'studio', role: 'broadcaster', exp: now - 1 }), 'studio', now).error, 'keyExpired');
  assert.equal(CheckKey(key({ name: 'studio', role: 'viewer', exp: now + 60 }), 'studio', now).error, 'keyRole');
  const other = CheckKey(key({ name: 'other', role: 'broadcaster', exp: now + 60 }), 'studio', now);
  assert.deepEqual(other, { error: 'keyName', values: { name: 'other' } });
  assert.equal(Text('en', other.error, other.values), 'This key is for the broadcast “other”.');
  assert.equal(CheckKey(key({ name: 'studio', role: 'broadcaster', exp: now + 60 }), 'studio', now).error, '');
  // A room claim names the broadcast when present (names longer than the relay's 32).
  assert.equal(CheckKey(key({ name: 'Host', room: 'studio', role: 'broadcaster', exp: now + 60 }), 'studio', now).error, '');
});

test('the recorder format prefers H.264 then VP8, and says none when nothing is supported', () => {
  assert.equal(PickMimeType(() => true), 'video/webm;codecs=h264,opus');
  assert.equal(PickMimeType((m) => m.includes('vp8')), 'video/webm;codecs=vp8,opus');
  assert.equal(PickMimeType(() => false), '');
  assert.equal(PickMimeType(() => { throw new Error('x'); }), '');
});

test('titles are cut at 200 bytes of UTF-8 without splitting a character; elapsed time reads m:ss or h:mm:ss', () => {
  assert.equal(TrimTitle('a'.repeat(300)).length, MAX_TITLE_BYTES);
  const cut = TrimTitle('é'.repeat(150)); // 2 bytes each
  assert.equal(Buffer.byteLength(cut), 200);
  assert.equal(TrimTitle('a' + '€'.repeat(100)), 'a' + '€'.repeat(66)); // 1 + 66 * 3 = 199 bytes
  assert.equal(FormatElapsed(0), '0:00');
  assert.equal(FormatElapsed(65_400), '1:05');
  assert.equal(FormatElapsed(3_723_000), '1:02:03');
  assert.equal(FormatElapsed(-5), '0:00');
});

test('labels exist in English and French for the same ids; the language follows ?lang= then the browser', () => {
  assert.deepEqual(Object.keys(STRINGS.fr).sort(), Object.keys(STRINGS.en).sort());
  assert.equal(PickLanguage('fr', ['en-US']), 'fr');
  assert.equal(PickLanguage(null, ['fr-CA', 'en']), 'fr');
  assert.equal(PickLanguage(null, ['de-DE', 'en-GB']), 'en');
  assert.equal(PickLanguage(null, []), 'en');
});

test('an encoder failure while live ends the broadcast with its reason; elsewhere it changes nothing', () => {
  const r = run({ type: 'golive' }, { type: 'open', at: 1 }, { type: 'encoderError', reason: 'boom' });
  assert.equal(r.s.state, 'ending');
  assert.deepEqual(r.actions.slice(2), ['stopRecorder', 'closeSocket', 'armEndTimer']);
  assert.match(View(r.s, 'en').message, /encoder failed: boom/);
  assert.equal(run({ type: 'encoderError', reason: 'x' }).s.state, 'idle');
});

test('WebCodecs is the first choice, MediaRecorder the fallback, and ?encoder= forces either when possible', () => {
  assert.equal(PickEncoder('', { webcodecs: true, mediarecorder: true }), 'webcodecs');
  assert.equal(PickEncoder('', { webcodecs: false, mediarecorder: true }), 'mediarecorder');
  assert.equal(PickEncoder('', { webcodecs: false, mediarecorder: false }), '');
  assert.equal(PickEncoder('mediarecorder', { webcodecs: true, mediarecorder: true }), 'mediarecorder');
  assert.equal(PickEncoder('webcodecs', { webcodecs: true, mediarecorder: true }), 'webcodecs');
  assert.equal(PickEncoder('webcodecs', { webcodecs: false, mediarecorder: true }), '');
  assert.equal(PickEncoder('bogus', { webcodecs: false, mediarecorder: true }), 'mediarecorder');
  // The framing is offered after the key, so an origin that does not know it still finds the key and answers livescope-ingest.
  assert.deepEqual(IngestProtocols('K.S', true), ['livescope-ingest', 'K.S', 'livescope-frames']);
  assert.deepEqual(IngestProtocols('K.S', false), ['livescope-ingest', 'K.S']);
});

test('the framing writes the bytes the origin parses (src/server/origin ingest_frames.h)', () => {
  const header = EncodeStreamHeader([{ id: 0, codec: CODEC_IDS.h264, width: 1280, height: 720 }, { id: 1, codec: CODEC_IDS.opus, sampleRate: 48000, channels: 1 }]);
  // The same bytes as EncodeIngestStreamHeader in the origin's unit tests.
  assert.deepEqual([...header], [0x53, 1, 2, 0, 1, 5, 0, 2, 0xd0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0xbb, 0x80, 1]);
  const frame = EncodeFrame(1, true, 1700000000123456, 20000, new Uint8Array([0xaa, 0xbb]));
  assert.equal(frame.length, FRAME_HEADER_BYTES + 2);
  assert.deepEqual([...frame.subarray(0, 3)], [0x46, 1, 1]);
  assert.equal(new DataView(frame.buffer).getBigInt64(3), 1700000000123456n);
  assert.equal(new DataView(frame.buffer).getUint32(11), 20000);
  assert.deepEqual([...frame.subarray(15)], [0xaa, 0xbb]);
  assert.equal(EncodeFrame(0, false, 1, 0, new Uint8Array([1]))[2], 0);
});

test('capture time: timestamps in the performance.now() timebase map exactly, others from the moment the first frame is read', () => {
  // Audio (Chromium): 95 ms old in performance.now()'s timebase → wall = timestamp + (Date.now() - performance.now()).
  assert.equal(CaptureOffsetUs(801099, 896.1, 1700000000000), (1700000000000 - 896.1) * 1000);
  // Camera frames (Chromium): another clock (hours of uptime) → the first frame counts as captured when read.
  assert.equal(CaptureOffsetUs(11571010100, 806.1, 1700000000000), 1700000000000 * 1000 - 11571010100);
  // A timestamp from the future of performance.now() is not its timebase.
  assert.equal(CaptureOffsetUs(900000, 800, 1700000000000), 1700000000000 * 1000 - 900000);
});

test('keyframes: the first frame, then the first frame of each segment window counted from it', () => {
  let first = null, last = -1;
  const keys = [];
  for (let ms = 0; ms <= 6100; ms += 50) {
    const us = 5e15 + ms * 1000;
    const due = KeyFrameDue(us, first, last);
    if (first === null) first = us;
    last = due.index;
    if (due.key) keys.push(ms);
  }
  assert.deepEqual(keys, [0, SEGMENT_MS, 2 * SEGMENT_MS, 3 * SEGMENT_MS]);
  // A frame dropped at the boundary: the next one is the key.
  assert.deepEqual(KeyFrameDue(5e15 + 2050000, 5e15, 0), { key: true, index: 1 });
  assert.deepEqual(KeyFrameDue(5e15 + 2100000, 5e15, 1), { key: false, index: 1 });
});

test('the origin\'s hello sets the key frame cadence, the bitrate and the header version (so the origin can copy the video)', () => {
  const hello = ParseIngestHello('{"segment_ms":4000,"part_ms":200,"width":1280,"height":720,"video_kbps":2000,"frame_rate":30}');
  assert.deepEqual(hello, { segmentMs: 4000, partMs: 200, width: 1280, height: 720, videoKbps: 2000, frameRate: 30 });
  for (const bad of ['', 'not json', '{}', '{"segment_ms":"2000","part_ms":200,"width":1,"height":1,"video_kbps":1,"frame_rate":30}',
    '{"segment_ms":10,"part_ms":200,"width":1,"height":1,"video_kbps":1,"frame_rate":30}', 'null', '[1]'])
    assert.equal(ParseIngestHello(bad), null, bad);
  assert.deepEqual(StreamPlan(hello), { keyframeMs: 4000, bitrate: 2000000, headerVersion: 2 });
  assert.deepEqual(StreamPlan({ ...hello, videoKbps: 4500 }), { keyframeMs: 4000, bitrate: VIDEO_BITRATE, headerVersion: 2 });
  assert.deepEqual(StreamPlan(null), { keyframeMs: SEGMENT_MS, bitrate: VIDEO_BITRATE, headerVersion: 1 });
  // Version 2: the same bytes as EncodeIngestStreamHeaderV2 (tracks, then u32 cadence and u32 bitrate).
  const tracks = [{ id: 0, codec: CODEC_IDS.h264, width: 1280, height: 720 }];
  const v2 = EncodeStreamHeader(tracks, StreamPlan(hello));
  assert.deepEqual([...v2], [0x53, 2, 1, 0, 1, 5, 0, 2, 0xd0, 0, 0, 0, 0, 0, 0, 0, 0x0f, 0xa0, 0, 0x1e, 0x84, 0x80]);
  assert.equal(EncodeStreamHeader(tracks, StreamPlan(null))[1], 1);
  // The cadence follows the plan: key frames at 0, 4 s, 8 s.
  let first = null, last = -1;
  const keys = [];
  for (let ms = 0; ms <= 9000; ms += 50) {
    const due = KeyFrameDue(ms * 1000, first, last, StreamPlan(hello).keyframeMs);
    if (first === null) first = ms * 1000;
    last = due.index;
    if (due.key) keys.push(ms);
  }
  assert.deepEqual(keys, [0, 4000, 8000]);
});

test('the studio encodes at the origin\'s top rendition size, the camera letterboxed into it, centred on even pixels', () => {
  const hello = ParseIngestHello('{"segment_ms":2000,"part_ms":200,"width":1280,"height":720,"video_kbps":2000,"frame_rate":30}');
  assert.deepEqual(EncodeSize({ width: 640, height: 480 }, hello), { width: 1280, height: 720 });
  assert.deepEqual(EncodeSize({ width: 641, height: 481 }, null), { width: 640, height: 480 }); // no hello: the camera's, even
  assert.deepEqual(EncodeSize({}, null), { width: 1280, height: 720 });
  assert.deepEqual(EncodeSize({ width: 640, height: 480 }, { ...hello, width: 0, height: 0 }), { width: 640, height: 480 });
  // 4:3 into 16:9: bars beside; 16:9 at another size: scaled to the whole frame; wider: bars above and below; portrait.
  assert.deepEqual(LetterboxRect(640, 480, 1280, 720), { x: 160, y: 0, width: 960, height: 720, full: false });
  assert.deepEqual(LetterboxRect(1920, 1080, 1280, 720), { x: 0, y: 0, width: 1280, height: 720, full: false });
  assert.deepEqual(LetterboxRect(1280, 720, 1280, 720), { x: 0, y: 0, width: 1280, height: 720, full: true });
  assert.deepEqual(LetterboxRect(2400, 1000, 1280, 720), { x: 0, y: 92, width: 1280, height: 534, full: false });
  assert.deepEqual(LetterboxRect(720, 1280, 1280, 720), { x: 436, y: 0, width: 406, height: 720, full: false });
  assert.deepEqual(LetterboxRect(640, 360, 640, 480), { x: 0, y: 60, width: 640, height: 360, full: false });
  for (const [sw, sh, dw, dh] of [[640, 480, 1280, 720], [1, 1000, 1280, 720], [1000, 1, 1280, 720], [333, 777, 854, 480], [1920, 1080, 640, 360]]) {
    const r = LetterboxRect(sw, sh, dw, dh);
    for (const v of [r.x, r.y, r.width, r.height]) assert.equal(v % 2, 0, `${sw}x${sh} in ${dw}x${dh}: ${JSON.stringify(r)}`);
    assert.ok(r.width >= 2 && r.height >= 2 && r.x + r.width <= dw && r.y + r.height <= dh, JSON.stringify(r));
    assert.ok(Math.abs((dw - r.width) - 2 * r.x) <= 2 && Math.abs((dh - r.height) - 2 * r.y) <= 2, `centred: ${JSON.stringify(r)}`);
    assert.ok(r.width === dw || r.height === dh, `as large as fits: ${JSON.stringify(r)}`);
    assert.ok(Math.abs(r.width / r.height - sw / sh) / (sw / sh) < 0.02 || r.width <= 2 || r.height <= 2, `aspect kept: ${JSON.stringify(r)}`);
  }
  assert.equal(LetterboxRect(0, 480, 1280, 720), null);
  // The H.264 level the size needs: 3.1 up to 720p, 4.0 for 1080p; Constrained Baseline first.
  assert.deepEqual(VideoCodecsFor(1280, 720), ['avc1.42e01f', 'avc1.4d401f']);
  assert.deepEqual(VideoCodecsFor(1920, 1080), ['avc1.42e028', 'avc1.4d4028']);
  assert.deepEqual(VideoCodecsFor(3840, 2160), ['avc1.42e033', 'avc1.4d4033']);
});
