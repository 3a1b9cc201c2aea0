// e2e helper: a minimal WebSocket client over a raw socket (text frames, fragmented or not, and close frames; every
// wait bounded), for driving livescope-relay from node without a browser. `localAddress` binds the client end
// (any 127.x works on Linux loopback), so a test can play clients from several addresses.
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';

// Resolves with a client once the handshake got 101; rejects with the status line otherwise (e.g. 429).
export function rawWebSocket(port, { host = '127.0.0.1', localAddress, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const sock = connect({ port, host, localAddress });
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('handshake timeout')); }, 5000);
    let buf = Buffer.alloc(0);
    let open = false;
    const frames = [];
    const waiters = [];
    let partial = null; // {opcode, parts} while a fragmented message is arriving
    const deliver = () => { while (frames.length && waiters.length) waiters.shift()(frames.shift()); };
    sock.on('error', (e) => { clearTimeout(timer); if (!open) reject(e); });
    sock.on('close', () => { clearTimeout(timer); if (!open) reject(new Error('closed during handshake')); frames.push({ opcode: -1 }); deliver(); });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!open) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        buf = buf.subarray(end + 4);
        clearTimeout(timer);
        if (!/^HTTP\/1\.1 101/.test(head)) { sock.destroy(); reject(new Error(head.split('\r\n')[0])); return; }
        open = true;
        resolve(client);
      }
      for (;;) {
        if (buf.length < 2) break;
        const fin = (buf[0] & 0x80) !== 0;
        const opcode = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) { if (buf.length < 4) break; len = buf.readUInt16BE(2); off = 4; }
        else if (len === 127) { if (buf.length < 10) break; len = Number(buf.readBigUInt64BE(2)); off = 10; }
        if (buf.length < off + len) break;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 0 && partial) { // a continuation (the relay fragments messages over 4 KiB)
          partial.parts.push(payload);
          if (fin) { frames.push({ opcode: partial.opcode, payload: Buffer.concat(partial.parts) }); partial = null; }
        } else if (!fin && opcode !== 0) partial = { opcode, parts: [payload] };
        else frames.push({ opcode, payload });
      }
      deliver();
    });
    const client = {
      send(text) {
        const payload = Buffer.from(text);
        const mask = randomBytes(4);
        const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length])
          : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
        const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
        sock.write(Buffer.concat([head, mask, body]));
      },
      // A wait that times out leaves the queue (else it would swallow the next frame, or the close).
      next(timeoutMs = 5000) {
        return new Promise((res, rej) => {
          const waiter = (f) => { clearTimeout(t); res(f); };
          const t = setTimeout(() => { const i = waiters.indexOf(waiter); if (i >= 0) waiters.splice(i, 1); rej(new Error('no frame in time')); }, timeoutMs);
          waiters.push(waiter);
          deliver();
        });
      },
      // The next text frame as JSON; throws on close.
      async nextJson(timeoutMs = 5000) {
        for (;;) {
          const f = await client.next(timeoutMs);
          if (f.opcode === 1) return JSON.parse(f.payload.toString());
          if (f.opcode === 8 || f.opcode === -1) throw new Error('closed');
        }
      },
      // Reads messages (batches flattened) until `accept(message)` is true; calls seen(message) for each one read.
      async until(accept, seen = () => {}, timeoutMs = 10000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const left = deadline - Date.now();
          if (left <= 0) throw new Error('no matching message in time');
          const m = await client.nextJson(left);
          const items = m.type === 'batch' ? m.messages : [m];
          let found = null;
          for (const item of items) { seen(item); if (!found && accept(item)) found = item; }
          if (found) return found;
        }
      },
      destroy() { sock.destroy(); },
    };
    const key = randomBytes(16).toString('base64');
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    sock.write(`GET /ws HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
  });
}
