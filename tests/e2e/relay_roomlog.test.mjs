// e2e (relay, node only): the room log with real processes. Comments, a question, hearts, a vote, answer-now/answered
// and a deletion over WebSocket; read back over HTTP in stream-time order, the deleted one absent; kill -9 and a
// restart on the same SQLite file lose nothing (history to a new joiner, the events endpoint) and repeat no id;
// the transcript (JSON and Markdown) lists the questions in order with their answered times. Loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, startProcess } from './lib/procs.mjs';
import { enterRoom, getJson, allEvents as allEventsOf } from './lib/relay_http.mjs';
import { waitFor } from './lib/wait.mjs';

const RELAY = join(BIN, 'livescope-relay');
const READY = /livescope-relay listening on ws:\/\/127\.0\.0\.1:(\d+)/;
const ROOM = 'e2e-roomlog';

async function startRelay(db) {
  const relay = await startProcess(RELAY, ['--port', '0', '--log-db', db], { ready: READY, tag: 'relay', timeoutMs: 10000, env: { LIVESCOPE_RELAY_SECRET: 's3' } });
  relay.port = Number(relay.output.map((l) => l.match(READY)).find(Boolean)[1]);
  return relay;
}

const enter = (port, extra) => enterRoom(port, ROOM, extra);
// Every event of the room (limit 2 per page, so paging is exercised).
const allEvents = (port) => allEventsOf(port, ROOM, 2);

test('room log: events and transcript over HTTP, a deletion never replays, kill -9 and restart lose nothing', async (t) => {
  if (!existsSync(RELAY)) { t.skip(`livescope-relay not built (${RELAY})`); return; }
  const dir = mkdtempSync(join(tmpdir(), 'livescope-roomlog-'));
  const db = join(dir, 'rooms.sqlite');
  let relay = await startRelay(db);
  const sockets = [];
  t.after(async () => { for (const s of sockets) s.destroy(); await relay.stop(); rmSync(dir, { recursive: true, force: true }); });

  const token = spawnSync(RELAY, ['mint-token', '--name', 'Host', '--role', 'broadcaster', '--ttl', '600'],
    { encoding: 'utf8', timeout: 10000, env: { PATH: process.env.PATH, LIVESCOPE_RELAY_SECRET: 's3' } }).stdout.trim();
  assert.ok(token.length > 10, 'a broadcaster token');
  const host = await enter(relay.port, { token });
  const ann = await enter(relay.port, { client_id: 'ann-1' });
  const bob = await enter(relay.port, { client_id: 'bob-1' });
  sockets.push(host.ws, ann.ws, bob.ws);

  // The viewers watch 20 s behind the relay's clock; each action carries the PDT of "their" frame.
  const S = Date.now() - 20000; // ms, the broadcast's start for the transcript's offsets
  const at = {}; // text -> stream time sent
  let tick = 0;
  const streamTime = () => Date.now() - 20000 + tick++; // strictly increasing
  const ids = {};
  const post = async (who, text, question = false) => {
    at[text] = streamTime();
    who.ws.send(JSON.stringify({ type: 'comment', v: 2, text, stream_time: at[text], question }));
    const c = await host.ws.until((m) => m.type === 'comment' && m.text === text);
    ids[text] = c.id;
  };
  await post(ann, 'first comment');
  await post(ann, 'what codec is this?', true);
  await post(bob, 'a comment to delete');
  at.hearts = streamTime();
  ann.ws.send(JSON.stringify({ type: 'hearts', v: 2, count: 5, stream_time: at.hearts }));
  await post(bob, 'when is the next talk?', true);
  at.vote = streamTime();
  ann.ws.send(JSON.stringify({ type: 'vote', v: 2, id: ids['when is the next talk?'], on: true, stream_time: at.vote }));
  host.ws.send(JSON.stringify({ type: 'delete', v: 2, comment_id: ids['a comment to delete'] }));
  host.ws.send(JSON.stringify({ type: 'answer', v: 2, id: ids['when is the next talk?'] }));
  host.ws.send(JSON.stringify({ type: 'answered', v: 2, id: ids['when is the next talk?'] }));

  const before = await waitFor('the answered event in the log', async () => {
    const events = await allEvents(relay.port);
    return events.some((e) => e.type === 'answered') ? events : null;
  }, 10000);
  const comments = before.filter((e) => e.type === 'comment');
  assert.deepEqual(comments.map((c) => [c.text, c.t, c.question]), [
    ['first comment', at['first comment'], false], ['what codec is this?', at['what codec is this?'], true],
    ['when is the next talk?', at['when is the next talk?'], true]]);
  assert.ok(!JSON.stringify(before).includes('a comment to delete'), 'the deleted comment is absent');
  const hearts = before.filter((e) => e.type === 'hearts');
  assert.equal(hearts.length, 1);
  assert.equal(hearts[0].t, at.hearts);
  assert.deepEqual(hearts[0].counts.map((h) => h.count), [5]);
  const vote = before.find((e) => e.type === 'vote');
  assert.deepEqual([vote.id, vote.votes, vote.t], [ids['when is the next talk?'], 1, at.vote]);
  assert.ok(before.some((e) => e.type === 'answering' && e.id === ids['when is the next talk?']));
  for (let i = 1; i < before.length; i++)
    assert.ok(before[i - 1].t < before[i].t || (before[i - 1].t === before[i].t && before[i - 1].seq < before[i].seq), 'sorted by (t, seq)');

  // kill -9: no shutdown path runs. What the ticks committed survives.
  relay.child.kill('SIGKILL');
  await waitFor('the relay to die', () => relay.exited, 5000, 50);
  for (const s of sockets.splice(0)) s.destroy();
  relay = await startRelay(db);

  const late = await enter(relay.port, { client_id: 'late-1' });
  sockets.push(late.ws);
  assert.deepEqual(late.welcome.comments.map((c) => c.text), ['first comment', 'what codec is this?', 'when is the next talk?']);
  assert.deepEqual(late.welcome.comments.map((c) => c.stream_time), ['first comment', 'what codec is this?', 'when is the next talk?'].map((k) => at[k]));
  const after = await allEvents(relay.port);
  assert.deepEqual(after.filter((e) => e.type !== 'viewers'), before.filter((e) => e.type !== 'viewers'), 'the log lost nothing and repeats nothing');

  late.ws.send(JSON.stringify({ type: 'comment', v: 2, text: 'after the restart', stream_time: streamTime() }));
  const fresh = await late.ws.until((m) => m.type === 'comment' && m.text === 'after the restart');
  assert.ok(!Object.values(ids).includes(fresh.id), `a new id after the restart (${fresh.id})`);

  const { body: transcript } = await getJson(relay.port, `/rooms/${ROOM}/transcript?from=${S}&replay=${encodeURIComponent('https://blog.example/replay')}`);
  assert.deepEqual(transcript.questions.map((q) => q.text), ['what codec is this?', 'when is the next talk?']);
  assert.equal(transcript.questions[0].answered_t, null);
  const answered = transcript.questions[1];
  assert.equal(answered.votes, 1);
  assert.equal(answered.asked_t, at['when is the next talk?']);
  assert.ok(answered.answered_t > answered.asked_t, 'answered after it was asked');
  assert.equal(answered.replay_offset_s, (answered.answered_t - S) / 1000);
  const md = await fetch(`http://127.0.0.1:${relay.port}/rooms/${ROOM}/transcript?from=${S}`, { headers: { accept: 'text/markdown' }, signal: AbortSignal.timeout(5000) });
  assert.match(md.headers.get('content-type'), /^text\/markdown/);
  const text = await md.text();
  assert.ok(text.indexOf('what codec is this?') < text.indexOf('when is the next talk?'), text);
  assert.match(text, /when is the next talk\?\*\* \(Guest \d+, 1 vote\): answered at \d+:\d\d/);

  const bad = await getJson(relay.port, `/rooms/${ROOM}/events?limit=5000`);
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /limit/);
});
