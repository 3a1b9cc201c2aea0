// Bench: comment latency (send → shown) across two relay nodes through Redis, beside one in-process relay, in the
// same run and with the same load: SENDERS clients each post 1 comment/s (the per-connection rate) for DURATION_S
// seconds; RECEIVERS clients measure when each comment arrives. Two nodes: senders on A, receivers on B.
// Prints figures; never fails on numbers. Env: RELAY_REDIS_BENCH_SENDERS, _RECEIVERS, _DURATION_S.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, freePort, startProcess } from '../../e2e/lib/procs.mjs';
import { rawWebSocket } from '../../e2e/lib/raw_websocket.mjs';

const SENDERS = Number(process.env.RELAY_REDIS_BENCH_SENDERS || 10);
const RECEIVERS = Number(process.env.RELAY_REDIS_BENCH_RECEIVERS || 50);
const DURATION_S = Number(process.env.RELAY_REDIS_BENCH_DURATION_S || 10);
const RELAY = join(BIN, 'livescope-relay');
const REDIS = '/usr/bin/redis-server';
const READY = /livescope-relay listening on ws:\/\/127\.0\.0\.1:(\d+)/;
const UNBUDGETED = ['--max-conns-per-ip', '1000000', '--ip-comment-rate', '1e6', '--ip-comment-burst', '1e6', '--ip-join-rate', '1e6',
  '--ip-join-burst', '1e6', '--no-log'];
const say = (s) => console.log(`[bench relay_redis] ${s}`);

const relay = async (extra, tag) => {
  const p = await startProcess(RELAY, ['--port', '0', ...UNBUDGETED, ...extra], { ready: READY, tag, timeoutMs: 10000, dieWithParent: true });
  p.port = Number(p.output.map((l) => l.match(READY)).find(Boolean)[1]);
  return p;
};

async function join_(port, room, id) {
  const ws = await rawWebSocket(port);
  ws.send(JSON.stringify({ type: 'join', v: 1, room, client_id: id }));
  await ws.nextJson();
  return ws;
}

const pct = (xs, p) => xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN;

// One measured run: senders on sendPort, receivers on recvPort, in `room`. Returns sorted latencies (ms).
async function measure(sendPort, recvPort, room) {
  const receivers = [];
  for (let i = 0; i < RECEIVERS; i++) receivers.push(await join_(recvPort, room, `r-${room}-${i}`));
  const senders = [];
  for (let i = 0; i < SENDERS; i++) senders.push(await join_(sendPort, room, `s-${room}-${i}`));
  await new Promise((r) => setTimeout(r, 1500)); // subscriptions and counts settle
  const latencies = [];
  const expected = SENDERS * DURATION_S;
  // One pending read per socket for the whole run (a read that timed out would keep its place in the queue and
  // swallow a frame); closing the sockets ends the readers.
  const readers = receivers.map(async (ws) => {
    for (;;) {
      let m;
      try { m = await ws.nextJson(600000); } catch { return; }
      for (const item of m.type === 'batch' ? m.messages : [m])
        if (item.type === 'comment' && item.text.startsWith('t=')) latencies.push(Date.now() - Number(item.text.slice(2)));
    }
  });
  // Each sender at its own random phase in the second (in step, they would all meet the tick at one phase).
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  await Promise.all(senders.map(async (ws) => {
    await sleep(Math.random() * 1000);
    for (let s = 0; s < DURATION_S; s++) {
      ws.send(JSON.stringify({ type: 'comment', v: 1, text: `t=${Date.now()}` }));
      await sleep(1000 + 10); // the per-connection budget is 1/s: a hair slower never meets its limit
    }
  }));
  await new Promise((r) => setTimeout(r, 1500));
  for (const ws of [...receivers, ...senders]) ws.destroy();
  await Promise.all(readers);
  latencies.sort((a, b) => a - b);
  return { latencies, delivered: latencies.length, expected: expected * RECEIVERS };
}

if (!existsSync(RELAY)) { say(`missing ${RELAY}`); process.exit(0); }
if (!existsSync(REDIS)) { say('redis-server not installed (scripts/bootstrap.sh installs it)'); process.exit(0); }
say(`${SENDERS} senders x 1 comment/s for ${DURATION_S} s, ${RECEIVERS} receivers; tick 200 ms; load ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const dir = mkdtempSync(join(tmpdir(), 'livescope-redis-bench-'));
const redisPort = await freePort();
const redis = await startProcess(REDIS, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
  { ready: /Ready to accept connections/, tag: 'redis', timeoutMs: 10000, dieWithParent: true });
try {
  const single = await relay([], 'relay');
  const one = await measure(single.port, single.port, 'bench-one');
  await single.stop();
  const bus = ['--bus', `redis://127.0.0.1:${redisPort}`];
  const a = await relay(bus, 'relay-a');
  const b = await relay(bus, 'relay-b');
  const two = await measure(a.port, b.port, 'bench-two');
  await Promise.all([a.stop(), b.stop()]);
  const line = (name, r) => say(`${name}: comment latency p50 ${pct(r.latencies, 50)} ms, p99 ${pct(r.latencies, 99)} ms, ` +
    `max ${r.latencies.at(-1)} ms (${r.delivered} of ${r.expected} deliveries)`);
  line('one node, in-process bus        ', one);
  line('two nodes through redis (A -> B)', two);
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
