// e2e (relay, node only): limits across relay nodes on Debian's redis-server (--bus redis://...): one user connected
// to node A and node B shares one comment budget (the burst spent on A is refused on B), a mute set on A refuses the
// user's comment on B, slow mode holds for a user commenting on both nodes, and node C, serving the room only after
// all that, learns the mute and the slow mode. Loopback only, a throwaway Redis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, freePort, startProcess } from './lib/procs.mjs';
import { rawWebSocket } from './lib/raw_websocket.mjs';

const RELAY = join(BIN, 'livescope-relay');
const REDIS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
const READY = /livescope-relay listening on ws:\/\/127\.0\.0\.1:(\d+)/;
const ROOM = 'e2e-limits';

// A v2 client joined to ROOM with `token`; every message it reads (batches flattened) lands in .seen.
async function client(port, token) {
  const ws = await rawWebSocket(port);
  const seen = [];
  ws.send(JSON.stringify({ type: 'join', v: 2, room: ROOM, token }));
  const welcome = await ws.nextJson();
  assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
  const c = {
    ws, seen, welcome,
    until: (accept, timeoutMs = 8000) => {
      const found = seen.find(accept); // read already (a batch can carry what a later wait looks for)
      return found ? Promise.resolve(found) : ws.until(accept, (m) => seen.push(m), timeoutMs);
    },
    send: (m) => ws.send(JSON.stringify({ v: 2, ...m })),
    // Sends a comment and waits for its fate: 'shown' (it came back) or the error code that refused it.
    async say(text) {
      c.send({ type: 'comment', text, nonce: text });
      const m = await c.until((x) => (x.type === 'comment' && x.text === text) || (x.type === 'error' && x.nonce === text));
      return m.type === 'comment' ? 'shown' : m.code;
    },
  };
  return c;
}

test('relay nodes on redis share a user\'s comment budget, mutes and slow mode', async (t) => {
  if (!existsSync(RELAY)) { t.skip(`livescope-relay not built (${RELAY})`); return; }
  if (!REDIS) { t.skip('redis-server is not installed (scripts/bootstrap.sh installs Debian\'s redis-server)'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'livescope-limits-'));
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, 'e2e-limits-secret', { mode: 0o600 });
  const redisPort = await freePort();
  const redis = await startProcess(REDIS, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { ready: /Ready to accept connections/, tag: 'redis', timeoutMs: 10000, dieWithParent: true });
  const args = ['--port', '0', '--no-log', '--secret-file', secretFile, '--bus', `redis://127.0.0.1:${redisPort}`];
  const nodeA = await startProcess(RELAY, args, { ready: READY, tag: 'relay-a', timeoutMs: 10000 });
  const nodeB = await startProcess(RELAY, args, { ready: READY, tag: 'relay-b', timeoutMs: 10000 });
  const nodeC = await startProcess(RELAY, args, { ready: READY, tag: 'relay-c', timeoutMs: 10000 });
  const clients = [];
  t.after(async () => {
    for (const c of clients) c.ws.destroy();
    await Promise.all([nodeA.stop(), nodeB.stop(), nodeC.stop(), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const portOf = (p) => Number(p.output.map((l) => l.match(READY)).find(Boolean)[1]);
  const [portA, portB, portC] = [portOf(nodeA), portOf(nodeB), portOf(nodeC)];
  const mint = (sub, role) => execFileSync(RELAY, ['mint-token', '--secret-file', secretFile, '--name', sub, '--sub', sub, '--role', role, '--ttl', '600'],
    { encoding: 'utf8' }).trim();
  const join2 = async (port, sub, role = 'viewer') => { const c = await client(port, mint(sub, role)); clients.push(c); return c; };

  const host = await join2(portA, 'host', 'broadcaster');
  const aliceA = await join2(portA, 'alice');
  const aliceB = await join2(portB, 'alice');
  const bobA = await join2(portA, 'bob');
  const bobB = await join2(portB, 'bob');
  // Both nodes share the room (counts summed: the bus is up both ways).
  await host.until((m) => m.type === 'viewers' && m.live === 5, 10000);
  await aliceB.until((m) => m.type === 'viewers' && m.live === 5, 10000);

  // 1. Alice spends her burst (3 comments) on A. Her echo on A comes from the tick that also sent A's usage report;
  // a heart she taps after it follows the report on the bus, so once B shows that heart, B knows the report.
  for (const text of ['a1', 'a2', 'a3']) assert.equal(await aliceA.say(text), 'shown');
  aliceA.send({ type: 'hearts', count: 1 });
  await aliceB.until((m) => m.type === 'hearts' && m.counts.some((h) => h.color === aliceA.welcome.you.color));
  const onB = [];
  for (const text of ['b1', 'b2', 'b3']) onB.push(await aliceB.say(text));
  // Each node alone would show all three (burst 3 per node); shared, the budget is spent (a second of refill at most).
  assert.ok(onB.filter((r) => r === 'shown').length <= 1, `alice on B: ${onB.join(', ')}`);
  assert.ok(onB.includes('rate_limited'), `alice on B: ${onB.join(', ')}`);

  // 2. The broadcaster mutes alice on A: once B has applied it, her comment on B is refused.
  host.send({ type: 'mute', user_id: aliceA.welcome.you.id });
  await aliceB.until((m) => m.type === 'mute' && m.user_id === aliceA.welcome.you.id);
  assert.equal(await aliceB.say('muted on B?'), 'muted');

  // 3. Slow mode (30 s) set on A: bob's comment on A counts on B as well.
  host.send({ type: 'modes', slow_s: 30 });
  await bobB.until((m) => m.type === 'modes' && m.slow_s === 30);
  await bobA.until((m) => m.type === 'modes' && m.slow_s === 30);
  assert.equal(await bobA.say('bob on A'), 'shown');
  await bobB.until((m) => m.type === 'comment' && m.text === 'bob on A');
  assert.equal(await bobB.say('bob on B'), 'slow_mode');

  // 4. Node C starts serving the room now: it asks the others, and applies the mute and the slow mode they tell it.
  const carolC = await join2(portC, 'carol');
  const aliceC = await join2(portC, 'alice');
  await carolC.until((m) => m.type === 'modes' && m.slow_s === 30);
  assert.equal(await aliceC.say('muted on C?'), 'muted');
  assert.equal(await carolC.say('carol 1'), 'shown');
  assert.equal(await carolC.say('carol 2'), 'slow_mode');
});
