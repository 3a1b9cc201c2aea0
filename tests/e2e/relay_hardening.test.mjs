// e2e (relay, node only): the relay against hostile clients and careless operators, as a process: a flood from
// one address (127.0.0.2) does not drown honest clients (127.0.0.1), X-Forwarded-For only from a trusted proxy,
// the secret from a file never shows in /proc/PID/cmdline, and the relay dies with its parent. Loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, startProcess } from './lib/procs.mjs';
import { rawWebSocket } from './lib/raw_websocket.mjs';

const RELAY = join(BIN, 'livescope-relay');
const READY = /livescope-relay listening on ws:\/\/127\.0\.0\.1:(\d+)/;
const portOf = (proc) => Number(proc.output.map((l) => l.match(READY)).find(Boolean)[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const comment = (text) => JSON.stringify({ type: 'comment', v: 1, text });
// The soft open-file limit this process (and the relay it starts) has: the flood stays 200 under it.
const fileLimit = () => Number(readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+(\d+)/)?.[1] || 1024);

test('relay: 1,000 sockets from one address each within 1 comment/s cannot drown a room; all 12 honest comments arrive', async (t) => {
  if (!existsSync(RELAY)) { t.skip(`livescope-relay not built (${RELAY})`); return; }
  const relay = await startProcess(RELAY, ['--port', '0'], { ready: READY, tag: 'relay', timeoutMs: 10000 });
  const sockets = [];
  t.after(async () => { for (const s of sockets) s.destroy(); await relay.stop(); });
  const port = portOf(relay);
  const join = async (ws) => { ws.send(JSON.stringify({ type: 'join', v: 1, room: 'flood' })); await ws.until((m) => m.type === 'welcome'); };

  const watcher = await rawWebSocket(port, { localAddress: '127.0.0.3' });
  sockets.push(watcher);
  await join(watcher);
  const honest = [];
  for (let i = 0; i < 4; i++) {
    const ws = await rawWebSocket(port, { localAddress: '127.0.0.1' });
    sockets.push(ws);
    await join(ws);
    honest.push(ws);
  }
  const attackers = [];
  let refused = 0;
  const flood = Math.min(1000, fileLimit() - 200); // over --max-conns-per-ip (400) either way
  const opened = await Promise.allSettled(Array.from({ length: flood }, () => rawWebSocket(port, { localAddress: '127.0.0.2' })));
  for (const r of opened) {
    if (r.status === 'fulfilled') { sockets.push(r.value); attackers.push(r.value); }
    // Refused: HTTP 429 at the upgrade, or closed at accept while 400 of its sockets were still in HTTP.
    else { assert.match(r.reason.message, /429|closed during handshake|ECONNRESET/); refused++; }
  }
  await Promise.all(attackers.map(join));

  // Every attacking socket sends its burst of 3, then 1 per second; the honest clients post 3 each meanwhile.
  for (const ws of attackers) for (let k = 0; k < 3; k++) ws.send(comment('spam'));
  honest.forEach((ws, i) => { for (let k = 0; k < 3; k++) ws.send(comment(`honest ${i}.${k}`)); });
  const seen = new Set();
  const counting = watcher.until((m) => m.type === 'comment' && m.text.startsWith('honest') && (seen.add(m.text), seen.size === 12), () => {}, 8000)
    .catch(() => null);
  for (let s = 0; s < 3 && seen.size < 12; s++) {
    await sleep(1000);
    for (const ws of attackers) ws.send(comment('spam'));
  }
  await counting;
  t.diagnostic(`attacker sockets accepted ${attackers.length} of ${flood}, refused ${refused}; honest comments delivered ${seen.size}/12`);
  assert.equal(seen.size, 12);
  assert.ok(attackers.length <= 400, 'at most --max-conns-per-ip sockets from one address');
});

test('relay: X-Forwarded-For counts only from a --trust-proxy peer', async (t) => {
  if (!existsSync(RELAY)) { t.skip(`livescope-relay not built (${RELAY})`); return; }
  const relay = await startProcess(RELAY, ['--port', '0', '--trust-proxy', '127.0.0.1', '--max-conns-per-ip', '1'],
    { ready: READY, tag: 'relay', timeoutMs: 10000 });
  const sockets = [];
  t.after(async () => { for (const s of sockets) s.destroy(); await relay.stop(); });
  const port = portOf(relay);
  const via = (xff, localAddress = '127.0.0.1') => rawWebSocket(port, { localAddress, headers: { 'X-Forwarded-For': xff } });
  sockets.push(await via('198.51.100.1'));
  sockets.push(await via('198.51.100.2'));
  await assert.rejects(via('6.6.6.6, 198.51.100.1'), /429/); // the client's own part of the header is not believed
  // From an untrusted peer the header is ignored: the peer address counts.
  sockets.push(await via('198.51.100.3', '127.0.0.4'));
  await assert.rejects(via('198.51.100.4', '127.0.0.4'), /429/);
});

test('relay: the secret from --secret-file signs and checks tokens and never shows in /proc/PID/cmdline', async (t) => {
  if (!existsSync(RELAY)) { t.skip(`livescope-relay not built (${RELAY})`); return; }
  const dir = mkdtempSync(join(tmpdir(), 'livescope-secret-'));
  const secret = 'file-secret-7f3a9c';
  writeFileSync(join(dir, 'secret'), `${secret}\n`, { mode: 0o600 });
  const minted = spawnSync(RELAY, ['mint-token', '--secret-file', join(dir, 'secret'), '--name', 'Host', '--role', 'broadcaster', '--ttl', '60'],
    { encoding: 'utf8', timeout: 10000 });
  assert.equal(minted.status, 0, minted.stderr);
  assert.doesNotMatch(minted.stderr, /warning/);
  const fromEnv = spawnSync(RELAY, ['mint-token', '--name', 'Host', '--role', 'broadcaster'],
    { encoding: 'utf8', timeout: 10000, env: { PATH: process.env.PATH, LIVESCOPE_SECRET: secret } });
  assert.equal(fromEnv.status, 0, fromEnv.stderr);
  const badFile = spawnSync(RELAY, ['--port', '0', '--secret-file', join(dir, 'missing')], { encoding: 'utf8', timeout: 10000 });
  assert.equal(badFile.status, 2);

  const relay = await startProcess(RELAY, ['--port', '0', '--secret-file', join(dir, 'secret')], { ready: READY, tag: 'relay', timeoutMs: 10000 });
  const visible = await startProcess(RELAY, ['--port', '0', '--secret', secret], { ready: READY, tag: 'relay-argv', timeoutMs: 10000 });
  let ws;
  t.after(async () => { ws?.destroy(); await relay.stop(); await visible.stop(); rmSync(dir, { recursive: true, force: true }); });
  for (const proc of [relay, visible]) {
    const cmdline = readFileSync(`/proc/${proc.child.pid}/cmdline`, 'latin1');
    assert.ok(cmdline.includes('livescope-relay'), cmdline);
    assert.ok(!cmdline.includes(secret), `the secret shows in ps: ${cmdline.replaceAll('\0', ' ')}`);
  }
  // stderr (the warning) and stdout (the ready line) are separate pipes: wait for the warning, bounded.
  for (let i = 0; i < 50 && !visible.output.some((l) => /warning: --secret/.test(l)); i++) await sleep(100);
  assert.ok(visible.output.some((l) => /warning: --secret/.test(l)), 'a --secret on the command line gets a warning');

  for (const token of [minted.stdout.trim(), fromEnv.stdout.trim()]) {
    ws = await rawWebSocket(portOf(relay));
    ws.send(JSON.stringify({ type: 'join', v: 1, room: 'secret-room', token }));
    const welcome = await ws.nextJson();
    assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
    assert.equal(welcome.you.role, 'broadcaster');
    ws.destroy();
  }
});

test('relay: a relay whose parent is SIGKILLed exits by itself', async (t) => {
  if (!existsSync(RELAY)) { t.skip(`livescope-relay not built (${RELAY})`); return; }
  const parent = spawn('bash', ['-c', '"$0" --port 0 & echo "relay-pid $!"; wait', RELAY], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  parent.stdout.on('data', (d) => { out += d; });
  let relayPid = 0;
  t.after(() => { try { if (relayPid) process.kill(relayPid, 'SIGKILL'); } catch { /* gone */ } parent.kill('SIGKILL'); });
  for (let i = 0; i < 100 && !(READY.test(out) && /relay-pid (\d+)/.test(out)); i++) await sleep(100);
  relayPid = Number(out.match(/relay-pid (\d+)/)?.[1] || 0);
  assert.ok(relayPid > 0 && READY.test(out), `relay did not start: ${out}`);
  parent.kill('SIGKILL');
  const alive = () => {
    try { return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${relayPid}/stat`, 'latin1')); } catch { return false; }
  };
  for (let i = 0; i < 100 && alive(); i++) await sleep(100);
  assert.equal(alive(), false, 'the relay outlived its SIGKILLed parent');
  relayPid = 0;
});
