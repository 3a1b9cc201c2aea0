// e2e (relay, node only): the livescope-relay binary's CLI contract: ready line, /healthz, mint-token, a raw
// WebSocket join, and graceful SIGTERM/SIGINT (close frame 1001 to clients, exit 0). Loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, startProcess } from './lib/procs.mjs';
import { rawWebSocket } from './lib/raw_websocket.mjs';

const RELAY = join(BIN, 'livescope-relay');
const READY = /livescope-relay listening on ws:\/\/127\.0\.0\.1:(\d+)/;

// Resolves with {code, sig} once the process exits by itself, or null after timeoutMs.
function waitExit(proc, timeoutMs = 5000) {
  if (proc.exited) return Promise.resolve(proc.exited);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), timeoutMs);
    proc.child.once('exit', (code, sig) => { clearTimeout(t); resolve({ code, sig }); });
  });
}

test('relay: ready line, /healthz, a guest join, and SIGTERM closes clients with 1001 then exits 0', async (t) => {
  if (!existsSync(RELAY)) { t.skip(`livescope-relay not built (${RELAY})`); return; }
  const relay = await startProcess(RELAY, ['--port', '0'], { ready: READY, tag: 'relay', timeoutMs: 10000 });
  let ws;
  t.after(async () => { ws?.destroy(); await relay.stop(); });
  const port = Number(relay.output.map((l) => l.match(READY)).find(Boolean)[1]);

  const health = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
  assert.equal(health.status, 200);

  ws = await rawWebSocket(port);
  ws.send(JSON.stringify({ type: 'join', v: 1, room: 'e2e-relay', client_id: 'node-1' }));
  const welcome = await ws.nextJson();
  assert.equal(welcome.type, 'welcome');
  assert.match(welcome.you.name, /^Guest \d{4}$/);
  assert.match(welcome.you.color, /^#[0-9a-f]{6}$/);
  assert.deepEqual(welcome.viewers, { live: 1, total: 1 });

  ws.send('{"type":"dance","v":1}');
  const err = await ws.nextJson();
  assert.equal(err.type, 'error');
  assert.equal(err.code, 'unknown_type');

  relay.child.kill('SIGTERM');
  let frame;
  do { frame = await ws.next(); } while (frame.opcode === 1);
  assert.equal(frame.opcode, 8, 'a close frame, not a dropped socket');
  assert.equal(frame.payload.readUInt16BE(0), 1001);
  ws.destroy();
  const exited = await waitExit(relay);
  assert.deepEqual(exited, { code: 0, sig: null });
});

test('relay: SIGINT with no clients exits 0; mint-token prints a token the relay accepts', async (t) => {
  if (!existsSync(RELAY)) { t.skip(`livescope-relay not built (${RELAY})`); return; }
  const minted = spawnSync(RELAY, ['mint-token', '--secret', 's3', '--name', 'Ann', '--role', 'broadcaster', '--ttl', '60'],
    { encoding: 'utf8', timeout: 10000 });
  assert.equal(minted.status, 0, minted.stderr);
  const token = minted.stdout.trim();
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  const noSecret = spawnSync(RELAY, ['mint-token', '--name', 'Ann'], { encoding: 'utf8', timeout: 10000, env: { PATH: process.env.PATH } });
  assert.equal(noSecret.status, 2);

  const relay = await startProcess(RELAY, ['--port', '0'], { ready: READY, tag: 'relay', timeoutMs: 10000, env: { LIVESCOPE_RELAY_SECRET: 's3' } });
  let ws;
  t.after(async () => { ws?.destroy(); await relay.stop(); });
  const port = Number(relay.output.map((l) => l.match(READY)).find(Boolean)[1]);
  ws = await rawWebSocket(port);
  ws.send(JSON.stringify({ type: 'join', v: 1, room: 'e2e-relay', token }));
  const welcome = await ws.nextJson();
  assert.equal(welcome.you.name, 'Ann');
  assert.equal(welcome.you.role, 'broadcaster');
  ws.destroy();
  ws = undefined;
  relay.child.kill('SIGINT');
  const exited = await waitExit(relay);
  assert.deepEqual(exited, { code: 0, sig: null });
});
