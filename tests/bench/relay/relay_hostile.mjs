// Hostile-client figures for livescope-relay (node; prints figures, never fails on numbers). Two scenarios from
// issue 9, each against a fresh relay on loopback:
//   rooms: one client address tries to create 10,000 rooms (join a new room, leave) and the relay's resident
//          memory is read from /proc before, right after, and 5 s after;
//   flood: 1,000 sockets from 127.0.0.4 each post 1 comment/s (after a burst of 3) while one honest client on
//          127.0.0.1 posts 12 comments at 1/s; a watcher on 127.0.0.3 counts the honest ones delivered.
// usage: node tests/bench/relay/relay_hostile.mjs [rooms|flood|all] [--bin DIR]  (DIR: where livescope-relay is)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, startProcess } from '../../e2e/lib/procs.mjs';
import { rawWebSocket } from '../../e2e/lib/raw_websocket.mjs';

const args = process.argv.slice(2);
const mode = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--bin') || 'all';
const bin = args.includes('--bin') ? args[args.indexOf('--bin') + 1] : BIN;
const READY = /livescope-relay listening on ws:\/\/127\.0\.0\.1:(\d+)/;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;

async function startRelay() {
  const relay = await startProcess(join(bin, 'livescope-relay'), ['--port', '0'], { ready: READY, tag: 'relay', timeoutMs: 10000 });
  return { relay, port: Number(relay.output.map((l) => l.match(READY)).find(Boolean)[1]) };
}

async function rooms() {
  const { relay, port } = await startRelay();
  const before = rssMiB(relay.child.pid);
  let created = 0, refused = 0, failed = 0;
  const attempt = async (i) => {
    let ws;
    try {
      ws = await rawWebSocket(port, { localAddress: '127.0.0.2' });
      ws.send(JSON.stringify({ type: 'join', v: 1, room: `room-${i}` }));
      const m = await ws.nextJson();
      if (m.type === 'welcome') created++; else refused++;
    } catch { failed++; }
    ws?.destroy();
  };
  const started = Date.now();
  for (let i = 0; i < 10000; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => attempt(i + k)));
  const secs = (Date.now() - started) / 1000;
  const after = rssMiB(relay.child.pid);
  await sleep(5000);
  const later = rssMiB(relay.child.pid);
  console.log(`rooms: 10,000 attempts in ${secs.toFixed(1)} s: welcomed ${created}, refused ${refused}, failed ${failed}; ` +
    `relay RSS ${before.toFixed(1)} MiB before, ${after.toFixed(1)} MiB after (+${(after - before).toFixed(1)}), ${later.toFixed(1)} MiB 5 s later`);
  await relay.stop();
}

async function flood() {
  const { relay, port } = await startRelay();
  const join = async (ws) => { ws.send(JSON.stringify({ type: 'join', v: 1, room: 'flood' })); await ws.until((m) => m.type === 'welcome'); };
  const comment = (text) => JSON.stringify({ type: 'comment', v: 1, text });
  const watcher = await rawWebSocket(port, { localAddress: '127.0.0.3' });
  await join(watcher);
  const honest = await rawWebSocket(port, { localAddress: '127.0.0.1' });
  await join(honest);
  // 127.0.0.4, not .2: the rooms scenario leaves thousands of .2 ports in TIME_WAIT, and bind() will not reuse them.
  const opened = await Promise.allSettled(Array.from({ length: 1000 }, () => rawWebSocket(port, { localAddress: '127.0.0.4' })));
  const attackers = opened.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  const reasons = [...new Set(opened.filter((r) => r.status === 'rejected').map((r) => r.reason.message))];
  await Promise.all(attackers.map(join));
  const seen = new Set();
  const counting = watcher.until((m) => m.type === 'comment' && m.text.startsWith('honest') && (seen.add(m.text), seen.size === 12), () => {}, 20000)
    .catch(() => null);
  for (const ws of attackers) for (let k = 0; k < 3; k++) ws.send(comment('spam'));
  for (let s = 0; s < 12; s++) {
    honest.send(comment(`honest ${s}`));
    await sleep(1000);
    for (const ws of attackers) ws.send(comment('spam'));
  }
  await Promise.race([counting, sleep(3000)]);
  console.log(`flood: attacker sockets accepted ${attackers.length} of 1000; honest comments delivered ${seen.size}/12${reasons.length ? `; refusals: ${reasons.join(", ")}` : ""}`);
  for (const ws of [watcher, honest, ...attackers]) ws.destroy();
  await relay.stop();
}

if (mode === 'rooms' || mode === 'all') await rooms();
if (mode === 'flood' || mode === 'all') await flood();
