// e2e helper: publishing a broadcast to livescope-origin's WebSocket ingest (/ingest/<name>?token=<stream key>)
// from node, with no browser: stream keys as the relay mints them, a raw WebSocket publisher, real-time pacing, and
// a small MPEG-TS test clip made with ffmpeg. Every wait is bounded. (Copied from ingest_websocket.test.mjs.)
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { runToExit } from './procs.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const b64url = (buf) => Buffer.from(buf).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

// A token as the relay's MintToken makes it: base64url(JSON claims) "." base64url(HMAC-SHA256(secret, first part)).
export function mintKey(name, secret, { role = 'broadcaster', ttl = 600 } = {}) {
  const payload = b64url(JSON.stringify({ name, role, exp: Math.floor(Date.now() / 1000) + ttl }));
  return `${payload}.${b64url(createHmac('sha256', secret).update(payload).digest())}`;
}

// An H.264 + AAC MPEG-TS clip of `seconds` (320x180, 2 s GOPs) in `dir`; resolves to its bytes.
export async function makeTsClip(dir, seconds) {
  const path = join(dir, 'clip.ts');
  const made = await runToExit('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60',
    '-b:v', '300k', '-c:a', 'aac', '-b:a', '64k', '-f', 'mpegts', path], 120000);
  if (made.code !== 0) throw new Error(`ffmpeg failed: ${made.stderr}`);
  return readFileSync(path);
}

// A minimal WebSocket publisher over a raw socket: handshake, masked binary frames, every wait bounded.
// Resolves { status, body } when the handshake is refused, or { status: 101, send, close, destroy, closed, state }.
// `protocol`: a Sec-WebSocket-Protocol header value (the key's other place, docs/ingest.md).
export function openPublisher(port, path, { protocol } = {}) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('handshake timed out')); }, 10000);
    let buffer = Buffer.alloc(0);
    const state = { closed: false, received: Buffer.alloc(0) };
    const closed = new Promise((res) => socket.on('close', () => { state.closed = true; res(); }));
    socket.on('error', () => {});
    socket.on('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
        (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '') + '\r\n');
    });
    const frame = (opcode, payload) => {
      const mask = randomBytes(4);
      const len = payload.length;
      const header = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len])
        : len < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 255])
          : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127, 0, 0, 0, 0]), (() => { const b = Buffer.alloc(4); b.writeUInt32BE(len); return b; })()]);
      const masked = Buffer.from(payload);
      for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i & 3];
      return Buffer.concat([header, mask, masked]);
    };
    const onData = (d) => {
      buffer = Buffer.concat([buffer, d]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString();
      const status = Number(head.split(' ')[1]);
      if (status !== 101) {
        closed.then(() => { clearTimeout(timer); resolve({ status, head, body: buffer.subarray(end + 4).toString() }); });
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      state.received = buffer.subarray(end + 4);
      // Server frames: pings (not answered; the publisher keeps sending) and a close, answered as a browser would.
      let answeredClose = false;
      const onFrames = () => {
        if (!answeredClose && state.received.includes(0x88)) { answeredClose = true; socket.write(frame(8, Buffer.from([0x03, 0xe8]))); }
      };
      socket.on('data', (more) => { state.received = Buffer.concat([state.received, more]); onFrames(); });
      onFrames();
      resolve({
        status, head, state, closed,
        send: (payload) => new Promise((res) => { if (state.closed) res(false); else socket.write(frame(2, payload), () => res(true)); }),
        close: () => { if (!state.closed) socket.write(frame(8, Buffer.from([0x03, 0xe8]))); },
        destroy: () => socket.destroy(),
      });
    };
    socket.on('data', onData);
  });
}

// Pushes `clip` (`seconds` of media) at real-time pace until stop() or the end of the clip.
export function pushRealTime(publisher, clip, seconds) {
  const rate = clip.length / seconds; // bytes per second
  const started = Date.now();
  let sent = 0, stopped = false;
  const done = (async () => {
    while (!stopped && sent < clip.length && !publisher.state.closed) {
      const due = Math.min(clip.length, Math.floor((Date.now() - started) / 1000 * rate) + 64 * 1024); // a little ahead
      if (due > sent) {
        const chunk = clip.subarray(sent, due);
        sent = due;
        if (!(await publisher.send(chunk))) break;
      }
      await sleep(100);
    }
  })();
  return { stop: async () => { stopped = true; await done; }, done };
}

// The server's close frame among the frames a publisher received (`publisher.state.received`): { code, reason }, or
// null when none came. Refusals are such a close right after the handshake (4xxx codes, docs/ingest.md).
export function closeFrameOf(received) {
  let at = 0;
  while (at + 2 <= received.length) {
    const opcode = received[at] & 0x0f;
    let length = received[at + 1] & 0x7f, header = 2;
    if (length === 126) { if (at + 4 > received.length) return null; length = received.readUInt16BE(at + 2); header = 4; }
    else if (length === 127) { if (at + 10 > received.length) return null; length = Number(received.readBigUInt64BE(at + 2)); header = 10; }
    if (at + header + length > received.length) return null;
    const payload = received.subarray(at + header, at + header + length);
    if (opcode === 8) return { code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005, reason: payload.subarray(2).toString('utf8') };
    at += header + length;
  }
  return null;
}

// Opens a publisher and waits (bounded) for the origin's verdict: { admitted: true, publisher } when it is still open
// after `settleMs`, else { admitted: false, code, reason } (a refusal: the upgrade, then a 4xxx close).
export async function tryPublish(port, path, { protocol, settleMs = 500 } = {}) {
  const publisher = await openPublisher(port, path, { protocol });
  if (publisher.status !== 101) return { admitted: false, code: 0, reason: publisher.body, publisher };
  await Promise.race([publisher.closed, sleep(settleMs)]);
  const close = closeFrameOf(publisher.state.received);
  if (!close) return { admitted: true, publisher };
  await Promise.race([publisher.closed, sleep(3000)]);
  publisher.destroy();
  return { admitted: false, ...close, publisher };
}
