// e2e (relay, node only): two relay nodes sharing one room log in Redis Streams (--log redis://..., with --bus on the
// same Redis, appendonly yes). Comments, a question, a vote, hearts and a deletion on both nodes; /events and
// /transcript answer the same on either node, each event once, the deleted comment absent; a node killed with -9 and
// restarted, and a third node started later, show the room's history from the shared log; Redis killed (degraded,
// still serving) and restarted from its append-only file (the log intact). Loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, freePort, startProcess } from './lib/procs.mjs';
import { enterRoom, getJson, allEvents as allEventsOf, healthUntil } from './lib/relay_http.mjs';
import { waitFor } from './lib/wait.mjs';

const RELAY = join(BIN, 'livescope-relay');
const REDIS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
const READY = /livescope-relay listening on ws:\/\/127\.0\.0\.1:(\d+)/;
const ROOM = 'e2e-shared-log';
const SECRET = 's3';

async function startRelay(redisPort, tag) {
  const url = `redis://127.0.0.1:${redisPort}`;
  const relay = await startProcess(RELAY, ['--port', '0', '--bus', url, '--log', url],
    { ready: READY, tag, timeoutMs: 10000, env: { LIVESCOPE_RELAY_SECRET: SECRET } });
  relay.port = Number(relay.output.map((l) => l.match(READY)).find(Boolean)[1]);
  return relay;
}

const enter = (port, extra) => enterRoom(port, ROOM, extra);
// Every event of the room on one node (limit 3 per page, so paging crosses records of both nodes).
const allEvents = (port) => allEventsOf(port, ROOM, 3);
const withoutViewers = (events) => events.filter((e) => e.type !== 'viewers');

test('shared room log: two nodes write each event once, either node reads it all, kill -9 and a late node restore it', async (t) => {
  if (!existsSync(RELAY)) { t.skip(`livescope-relay not built (${RELAY})`); return; }
  if (!REDIS) { t.skip('redis-server is not installed (scripts/bootstrap.sh installs Debian\'s redis-server)'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'livescope-sharedlog-'));
  const redisPort = await freePort();
  // Persistence on, as docs/scale-out.md asks of the log's Redis.
  const startRedis = () => startProcess(REDIS, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes',
    '--appendfsync', 'everysec', '--dir', dir], { ready: /Ready to accept connections/, tag: 'redis', timeoutMs: 10000, dieWithParent: true });
  let redis = await startRedis();
  const relays = [await startRelay(redisPort, 'relay-a'), await startRelay(redisPort, 'relay-b')];
  const sockets = [];
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all([...relays.map((r) => r.stop()), redis.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const [a, b] = relays;
  for (const r of relays) assert.equal(await healthUntil(r.port, (x) => x === 'ok'), 'ok');

  const token = spawnSync(RELAY, ['mint-token', '--name', 'Host', '--role', 'broadcaster', '--ttl', '600'],
    { encoding: 'utf8', timeout: 10000, env: { PATH: process.env.PATH, LIVESCOPE_RELAY_SECRET: SECRET } }).stdout.trim();
  const host = await enter(a.port, { token });      // on node A
  const ann = await enter(a.port, { client_id: 'ann-1' });
  const bob = await enter(b.port, { client_id: 'bob-1' }); // on node B
  sockets.push(host.ws, ann.ws, bob.ws);

  const ids = {};
  let tick = 0;
  const streamTime = () => Date.now() - 20000 + tick++; // strictly increasing
  // Posted on one node, seen by the host on A (so through the bus when posted on B).
  const post = async (who, text, question = false) => {
    who.ws.send(JSON.stringify({ type: 'comment', v: 2, text, stream_time: streamTime(), question }));
    ids[text] = (await host.ws.until((m) => m.type === 'comment' && m.text === text)).id;
  };
  await post(ann, 'from A');
  await post(bob, 'from B');
  await post(bob, 'a question from B?', true);
  await post(bob, 'B says something to delete');
  ann.ws.send(JSON.stringify({ type: 'vote', v: 2, id: ids['a question from B?'], on: true, stream_time: streamTime() })); // A votes on B's
  ann.ws.send(JSON.stringify({ type: 'hearts', v: 2, count: 4, stream_time: streamTime() }));
  bob.ws.send(JSON.stringify({ type: 'hearts', v: 2, count: 3, stream_time: streamTime() }));
  host.ws.send(JSON.stringify({ type: 'delete', v: 2, comment_id: ids['B says something to delete'] })); // A deletes B's
  host.ws.send(JSON.stringify({ type: 'answered', v: 2, id: ids['a question from B?'] }));
  // The vote cast on node A reaches the asker's board on node B.
  const qid = ids['a question from B?'];
  await bob.ws.until((m) => m.type === 'board' && [...m.open, ...(m.answering ? [m.answering] : []), ...m.answered].some((q) => q.id === qid && q.votes === 1));

  const hearts = (events) => events.filter((e) => e.type === 'hearts').flatMap((e) => e.counts).reduce((n, h) => n + h.count, 0);
  const settled = (events) => events.some((e) => e.type === 'answered') && events.some((e) => e.type === 'vote') && hearts(events) >= 7;
  const onA = await waitFor('the whole room in the log', async () => { const e = await allEvents(a.port); return settled(e) ? e : null; }, 10000);
  const onB = await allEvents(b.port);
  assert.deepEqual(withoutViewers(onB), withoutViewers(onA), 'both nodes read the same log');

  const events = withoutViewers(onA);
  const texts = events.filter((e) => e.type === 'comment').map((e) => e.text);
  assert.deepEqual(texts, ['from A', 'from B', 'a question from B?'], 'each comment once, the deleted one absent');
  assert.ok(!JSON.stringify(onA).includes('B says something to delete'), 'the deleted comment never replays');
  assert.equal(events.filter((e) => e.type === 'vote').length, 1, 'the vote once');
  assert.equal(events.filter((e) => e.type === 'answered').length, 1, 'the answer once');
  assert.equal(hearts(events), 7, 'each node wrote its own taps, nobody the other\'s');
  assert.equal(new Set(onA.map((e) => e.seq)).size, onA.length, 'no seq twice');
  const seconds = onA.filter((e) => e.type === 'viewers').map((e) => Math.floor(e.at / 1000));
  assert.equal(new Set(seconds).size, seconds.length, 'at most one viewers record per second (one writer)');

  const transcript = async (port) => (await getJson(port, `/rooms/${ROOM}/transcript?from=0`)).body.questions;
  const questions = await transcript(a.port);
  assert.deepEqual(questions.map((q) => [q.text, q.votes, q.answered_t !== null]), [['a question from B?', 1, true]]);
  assert.deepEqual(await transcript(b.port), questions);

  // Node B killed with -9 and started again: a viewer joining it gets the room's history from the shared log.
  b.child.kill('SIGKILL');
  await waitFor('node B to die', () => b.exited, 5000, 50);
  bob.ws.destroy();
  relays[1] = await startRelay(redisPort, 'relay-b2');
  const back = await enter(relays[1].port, { client_id: 'carl-1' });
  sockets.push(back.ws);
  assert.deepEqual(back.welcome.comments.map((c) => c.text), ['from A', 'from B', 'a question from B?']);

  // A third node started later shows the same history and the same log.
  relays.push(await startRelay(redisPort, 'relay-c'));
  const late = await enter(relays[2].port, { client_id: 'dana-1' });
  sockets.push(late.ws);
  assert.deepEqual(late.welcome.comments.map((c) => c.text), ['from A', 'from B', 'a question from B?']);
  assert.deepEqual(withoutViewers(await allEvents(relays[2].port)), events, 'the late node reads the same log');

  // A comment on the late node gets an id no other node handed out, and is written once.
  late.ws.send(JSON.stringify({ type: 'comment', v: 2, text: 'from C', stream_time: streamTime() }));
  const fresh = await host.ws.until((m) => m.type === 'comment' && m.text === 'from C');
  assert.ok(!Object.values(ids).includes(fresh.id), `a new id (${fresh.id})`);
  const final = await waitFor('the late comment in the log', async () => {
    const e = await allEvents(a.port);
    return e.some((x) => x.text === 'from C') ? e : null;
  }, 10000);
  assert.equal(final.filter((e) => e.text === 'from C').length, 1);

  // Redis killed: node A says degraded (the log too) and keeps serving; Redis restarted from its append-only file:
  // the log is all there, and /healthz is ok again.
  redis.child.kill('SIGKILL');
  await redis.stop();
  assert.match(await healthUntil(a.port, (x) => x.includes('room log')), /^degraded: .*room log redis:\/\/127\.0\.0\.1:\d+: /);
  host.ws.send(JSON.stringify({ type: 'comment', v: 2, text: 'while redis is down', stream_time: streamTime() }));
  await host.ws.until((m) => m.type === 'comment' && m.text === 'while redis is down');
  redis = await startRedis();
  assert.equal(await healthUntil(a.port, (x) => x === 'ok'), 'ok');
  assert.deepEqual(withoutViewers(await allEvents(a.port)).filter((e) => e.text !== 'from C'), events, 'the log survived the Redis restart');
});
