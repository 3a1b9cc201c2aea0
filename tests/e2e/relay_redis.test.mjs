// e2e (relay, node only): two relay nodes sharing rooms through Debian's redis-server (--bus redis://...): a comment
// on node A reaches node B exactly once, hearts cross, counts are summed (and a dead node's expire), Redis killed (each node serves its own, /healthz
// degraded), Redis restarted (delivery resumes, nothing twice),
// Redis hung (SIGSTOP: degraded, then ok again). Loopback only, a throwaway Redis (no persistence).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, freePort, startProcess } from './lib/procs.mjs';
import { rawWebSocket } from './lib/raw_websocket.mjs';
import { healthUntil } from './lib/relay_http.mjs';

const RELAY = join(BIN, 'livescope-relay');
const REDIS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
const READY = /livescope-relay listening on ws:\/\/127\.0\.0\.1:(\d+)/;
const ROOM = 'e2e-redis';

function startRedis(port, dir) {
  return startProcess(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { ready: /Ready to accept connections/, tag: 'redis', timeoutMs: 10000, dieWithParent: true });
}

// A client joined to ROOM whose every message (batches flattened) lands in .seen.
async function client(port, id) {
  const ws = await rawWebSocket(port);
  const seen = [];
  ws.send(JSON.stringify({ type: 'join', v: 1, room: ROOM, client_id: id }));
  const welcome = await ws.nextJson();
  assert.equal(welcome.type, 'welcome');
  return {
    ws, seen, welcome,
    until: (accept, timeoutMs = 8000) => ws.until(accept, (m) => seen.push(m), timeoutMs),
    // Reads whatever arrives during ms (for "nothing more came").
    drain: (ms) => ws.until(() => false, (m) => seen.push(m), ms).catch(() => {}),
    comments: (text) => seen.filter((m) => m.type === 'comment' && m.text === text),
  };
}

test('relay on redis: cross-node comments once, summed counts, redis down (degraded, local service) and back', async (t) => {
  if (!existsSync(RELAY)) { t.skip(`livescope-relay not built (${RELAY})`); return; }
  if (!REDIS) { t.skip('redis-server is not installed (scripts/bootstrap.sh installs Debian\'s redis-server)'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'livescope-redis-'));
  const redisPort = await freePort();
  let redis = await startRedis(redisPort, dir);
  const bus = ['--bus', `redis://127.0.0.1:${redisPort}`];
  const nodeA = await startProcess(RELAY, ['--port', '0', ...bus], { ready: READY, tag: 'relay-a', timeoutMs: 10000 });
  const nodeB = await startProcess(RELAY, ['--port', '0', ...bus], { ready: READY, tag: 'relay-b', timeoutMs: 10000 });
  const clients = [];
  t.after(async () => {
    for (const c of clients) c.ws.destroy();
    await Promise.all([nodeA.stop(), nodeB.stop(), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const portOf = (p) => Number(p.output.map((l) => l.match(READY)).find(Boolean)[1]);
  const [portA, portB] = [portOf(nodeA), portOf(nodeB)];
  assert.equal(await healthUntil(portA, (b) => b === 'ok'), 'ok');
  assert.equal(await healthUntil(portB, (b) => b === 'ok'), 'ok');

  const a = await client(portA, 'viewer-a');
  clients.push(a);
  const b = await client(portB, 'viewer-b');
  clients.push(b);

  // Counts: each node shows the sum over both nodes.
  await a.until((m) => m.type === 'viewers' && m.live === 2);
  await b.until((m) => m.type === 'viewers' && m.live === 2);

  // A comment on A reaches B (and A) exactly once.
  a.ws.send(JSON.stringify({ type: 'comment', v: 1, text: 'hello from A' }));
  const got = await b.until((m) => m.type === 'comment' && m.text === 'hello from A');
  assert.equal(got.author.id, a.welcome.you.id);
  await a.until((m) => m.type === 'comment' && m.text === 'hello from A');

  // Hearts tapped on B show on A in B's colour.
  b.ws.send(JSON.stringify({ type: 'hearts', v: 1, count: 3 }));
  await a.until((m) => m.type === 'hearts' && m.counts.some((h) => h.color === b.welcome.you.color && h.count === 3));

  // Redis killed: both nodes say degraded and keep serving their own clients.
  redis.child.kill('SIGKILL');
  await redis.stop();
  assert.match(await healthUntil(portA, (s) => s.startsWith('degraded')), /^degraded: redis /);
  assert.match(await healthUntil(portB, (s) => s.startsWith('degraded')), /^degraded: redis /);
  a.ws.send(JSON.stringify({ type: 'comment', v: 1, text: 'A while redis is down' }));
  await a.until((m) => m.type === 'comment' && m.text === 'A while redis is down');
  b.ws.send(JSON.stringify({ type: 'comment', v: 1, text: 'B while redis is down' }));
  await b.until((m) => m.type === 'comment' && m.text === 'B while redis is down');

  // Redis back on the same port: both nodes reconnect (backoff), say ok, and cross-node delivery resumes.
  redis = await startRedis(redisPort, dir);
  assert.equal(await healthUntil(portA, (s) => s === 'ok'), 'ok');
  assert.equal(await healthUntil(portB, (s) => s === 'ok'), 'ok');
  a.ws.send(JSON.stringify({ type: 'comment', v: 1, text: 'after the restart' }));
  await b.until((m) => m.type === 'comment' && m.text === 'after the restart');
  await a.until((m) => m.type === 'comment' && m.text === 'after the restart');
  await b.until((m) => m.type === 'viewers' && m.live === 2, 5000).catch(() => {}); // counts republished
  await Promise.all([a.drain(1500), b.drain(100)]);

  // Nothing twice, anywhere; the comment ids of the two nodes never collide.
  for (const c of [a, b]) {
    const comments = c.seen.filter((m) => m.type === 'comment');
    assert.equal(new Set(comments.map((m) => m.id)).size, comments.length, 'a comment id shown twice');
    for (const text of ['hello from A', 'after the restart']) assert.equal(c.comments(text).length, 1, `"${text}" once`);
  }
  assert.equal(b.comments('A while redis is down').length, 0, 'events while redis is down stay on their node');
  assert.equal(a.comments('B while redis is down').length, 0);
  assert.notEqual(a.comments('hello from A')[0].id, b.comments('B while redis is down')[0].id);
  const lastViewers = b.seen.filter((m) => m.type === 'viewers').at(-1);
  assert.equal(lastViewers.live, 2, 'counts summed again after the restart');

  // Redis hangs without closing its connections (SIGSTOP): the publishers' PING goes unanswered, degraded; then back.
  redis.child.kill('SIGSTOP');
  assert.match(await healthUntil(portA, (x) => x.startsWith('degraded')), /^degraded: redis .*no reply/);
  redis.child.kill('SIGCONT');
  assert.equal(await healthUntil(portA, (x) => x === 'ok'), 'ok');

  // Node B dies without a word: its count expires from A's sum (TTL 2 s).
  nodeB.child.kill('SIGKILL');
  await nodeB.stop();
  // (a's socket had a timed read: a fresh client on A reads the counts from its welcome: a + itself once B expired.)
  let live = 0, probeId = '';
  for (let i = 0; i < 40 && live !== 2; i++) {
    await new Promise((r) => setTimeout(r, 250));
    probeId = `probe-${i}`;
    const probe = await client(portA, probeId);
    live = probe.welcome.viewers.live;
    probe.ws.destroy();
  }
  assert.equal(live, 2, "B's viewer left A's sum");
  // ...but not the unique total: it is Redis' count over all nodes (a HyperLogLog), so B's viewer stays in it. After two
  // counts refreshes, the last probe again (the same id: no new viewer): a, b and the probes, each once.
  const probes = Number(probeId.slice('probe-'.length)) + 1;
  await new Promise((r) => setTimeout(r, 1500));
  const again = await client(portA, probeId);
  again.ws.destroy();
  assert.equal(again.welcome.viewers.total, 2 + probes, `total after B died: ${JSON.stringify(again.welcome.viewers)}`);
});
