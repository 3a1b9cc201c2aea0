// Bench: relay scale-out on Redis beside one node, same run. (1) Connections held: CONNECTIONS clients in one room on
// one relay node (in-process bus), then spread over NODES nodes on Redis: joined, still open after the hold, open
// descriptors and RSS of each node idle and held (KiB per connection). (2) Fan-out: RATE comments/s from SENDERS
// senders to RECEIVERS receivers, one node, then senders and receivers spread over the NODES nodes: latency p50/p99 and
// the CPU of each relay, of Redis (from /proc/<pid>/stat over the window) and of the load client. Load clients are
// livescope-relay-bench processes of at most PER_PROCESS connections each (one descriptor per connection: the
// open-file limit). Prints figures; never fails on numbers. Env: SCALE_CONNECTIONS (30000), SCALE_RECEIVERS (3000),
// SCALE_SENDERS (100), SCALE_RATE (100), SCALE_DURATION_S (10), SCALE_NODES (3), SCALE_PER_PROCESS (9000),
// SCALE_HOLD_S (5), SCALE_ONLY (connections|fanout: one part alone).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, freePort, startProcess } from '../../../scripts/lib/procs.mjs';

const env = (k, d) => Number(process.env[k] || d);
const CONNECTIONS = env('SCALE_CONNECTIONS', 30000);
const RECEIVERS = env('SCALE_RECEIVERS', 3000);
const SENDERS = env('SCALE_SENDERS', 100);
const RATE = env('SCALE_RATE', 100); // comments per second, all senders together
const DURATION_S = env('SCALE_DURATION_S', 10);
const NODES = env('SCALE_NODES', 3);
const PER_PROCESS = env('SCALE_PER_PROCESS', 9000); // connections per load-client process (below the 20,000 open-file limit seen here)
const HOLD_S = env('SCALE_HOLD_S', 5);
const ONLY = process.env.SCALE_ONLY || '';
const RELAY = join(BIN, 'livescope-relay');
const CLIENT = join(BIN, 'livescope-relay-bench');
const REDIS = '/usr/bin/redis-server';
const READY = /livescope-relay listening on ws:\/\/127\.0\.0\.1:(\d+)/;
// Every bench client comes from 127.0.0.1: lift the per-address budgets (docs/relay.md), as tests/bench/relay.sh does.
const UNBUDGETED = ['--max-conns-per-ip', '1000000', '--ip-comment-rate', '1e6', '--ip-comment-burst', '1e6', '--ip-heart-rate', '1e7',
  '--ip-heart-burst', '1e7', '--ip-join-rate', '1e6', '--ip-join-burst', '1e6', '--max-queued-kib-per-ip', '4194304', '--no-log'];
const say = (s) => console.log(`[bench relay_scale] ${s}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const fmt = (n) => Math.round(n).toLocaleString('en-US');

const rssKiB = (pid) => { try { return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]); } catch { return NaN; } };
const fds = (pid) => { try { return readdirSync(`/proc/${pid}/fd`).length; } catch { return NaN; } };
const slabKiB = () => Number(readFileSync('/proc/meminfo', 'utf8').match(/Slab:\s+(\d+)/)[1]); // kernel objects (sockets), machine-wide
const fdLimit = (pid) => { try { return Number(readFileSync(`/proc/${pid}/limits`, 'utf8').match(/Max open files\s+(\d+)/)[1]); } catch { return NaN; } };

async function relay(extra, tag) {
  const p = await startProcess(RELAY, ['--port', '0', ...UNBUDGETED, ...extra], { ready: READY, tag, timeoutMs: 10000, dieWithParent: true });
  p.port = Number(p.output.map((l) => l.match(READY)).find(Boolean)[1]);
  p.pid = p.child.pid;
  return p;
}

// A load client process; resolves when `until` matches a line of its output (or it exits). .lines has all output.
function client(args, until) {
  const child = spawn(CLIENT, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const c = { child, lines: [], exited: null };
  c.done = new Promise((res) => child.on('exit', (code, sig) => { c.exited = { code, sig }; res(); }));
  c.matched = new Promise((res) => {
    let buf = '';
    const onData = (d) => {
      buf += d; let i;
      while ((i = buf.indexOf('\n')) >= 0) { const l = buf.slice(0, i); buf = buf.slice(i + 1); c.lines.push(l); if (until && until.test(l)) res(); }
    };
    child.stdout.on('data', onData); child.stderr.on('data', onData);
    c.done.then(res);
  });
  return c;
}

// Part 1: CONNECTIONS clients in one room over `nodes`, held together until every client process has joined all it
// could, then HOLD_S seconds more; figures per node.
async function connections(name, nodes, redisPid) {
  await sleep(1000);
  const idle = nodes.map((n) => ({ rss: rssKiB(n.pid), fds: fds(n.pid) }));
  const redisIdle = redisPid ? rssKiB(redisPid) : NaN;
  const slabIdle = slabKiB();
  const procs = [];
  const t0 = Date.now();
  for (let left = CONNECTIONS; left > 0; left -= PER_PROCESS) {
    const n = Math.min(PER_PROCESS, left);
    procs.push(client(['connections', '--ports', nodes.map((x) => x.port).join(','), '--clients', String(n), '--concurrency', '128',
      '--timeout-s', '90', '--hold-until-eof', '--label', `${name} p${procs.length + 1}`], /joined in/));
  }
  await Promise.all(procs.map((c) => c.matched));
  const joinS = (Date.now() - t0) / 1000;
  const joined = procs.reduce((s, c) => s + Number((c.lines.find((l) => /joined in/.test(l)) || '').match(/: (\d+) of/)?.[1] || 0), 0);
  await sleep(HOLD_S * 1000);
  const held = nodes.map((n) => ({ rss: rssKiB(n.pid), fds: fds(n.pid) }));
  const redisHeld = redisPid ? rssKiB(redisPid) : NaN;
  const clientRss = procs.reduce((s, c) => s + rssKiB(c.child.pid), 0);
  const slabHeld = slabKiB();
  const loadNow = load();
  for (const c of procs) c.child.stdin.end();
  await Promise.race([Promise.all(procs.map((c) => c.done)), sleep(30000)]);
  for (const c of procs) if (!c.exited) c.child.kill('SIGKILL');
  const open = procs.reduce((s, c) => s + Number((c.lines.find((l) => /still open/.test(l)) || '').match(/: (\d+) still open/)?.[1] || 0), 0);
  const conns = held.map((h, i) => h.fds - idle[i].fds);
  const total = conns.reduce((s, x) => s + x, 0);
  say(`${name}: ${fmt(joined)} of ${fmt(CONNECTIONS)} joined in ${joinS.toFixed(1)} s (${procs.length} client processes), ${fmt(open)} still open after holding; ` +
    `nodes hold ${fmt(total)} connections (open descriptors over idle); load ${loadNow}`);
  nodes.forEach((n, i) => {
    const per = conns[i] > 0 ? (held[i].rss - idle[i].rss) / conns[i] : NaN;
    say(`${name}:   node ${i + 1}: ${fmt(conns[i])} connections (open-file limit ${fmt(fdLimit(n.pid))}), RSS ${(idle[i].rss / 1024).toFixed(1)} MiB idle -> ` +
      `${(held[i].rss / 1024).toFixed(1)} MiB held: ${per.toFixed(1)} KiB per connection, ${(per * 1000 / 1024).toFixed(1)} MiB per 1,000`);
  });
  const limited = nodes.filter((n, i) => conns[i] >= fdLimit(n.pid) - 50);
  if (total < CONNECTIONS && limited.length)
    say(`${name}:   short of ${fmt(CONNECTIONS)}: ${limited.length} node(s) at their open-file limit (one descriptor per connection; the relay's open-file limit is ${fmt(fdLimit(nodes[0].pid))}, its hard limit here)`);
  if (redisPid) say(`${name}:   redis RSS ${(redisIdle / 1024).toFixed(1)} -> ${(redisHeld / 1024).toFixed(1)} MiB`);
  say(`${name}:   kernel slab ${((slabHeld - slabIdle) / 1024).toFixed(0)} MiB more while held, machine-wide, both ends of each loopback connection ` +
    `(~${((slabHeld - slabIdle) / 2 / Math.max(1, total)).toFixed(1)} KiB per connection per end; other processes move it too)`);
  say(`${name}:   load clients RSS ${(clientRss / 1024).toFixed(0)} MiB in all`);
  const failedLines = procs.flatMap((c) => c.lines.filter((l) => !/joined in|still open/.test(l)));
  for (const l of failedLines.slice(0, 5)) say(`${name}:   client said: ${l}`);
}

// Redis's own count of PUBLISH calls and the microseconds it spent in them (delivery to subscribers included).
function publishStats(port) {
  try {
    const m = execFileSync('/usr/bin/redis-cli', ['-p', String(port), 'INFO', 'commandstats'], { encoding: 'utf8' }).match(/cmdstat_publish:calls=(\d+),usec=(\d+)/);
    return m ? { calls: Number(m[1]), usec: Number(m[2]) } : { calls: 0, usec: 0 };
  } catch { return null; }
}

// Part 2: fan-out through one load client (one process: one clock for send and receive times).
async function fanout(name, nodes, watched, redisPort) {
  await sleep(1000);
  const pub0 = redisPort ? publishStats(redisPort) : null;
  const c = client(['fanout', '--ports', nodes.map((x) => x.port).join(','), '--clients', String(RECEIVERS), '--senders', String(SENDERS),
    '--rate', String(RATE), '--duration-s', String(DURATION_S), '--timeout-s', '60', '--concurrency', '128', '--label', name,
    ...watched.flatMap(([k, pid]) => ['--watch', `${k}:${pid}`])], null);
  const killer = setTimeout(() => c.child.kill('SIGKILL'), (DURATION_S + 120) * 1000);
  await c.done;
  clearTimeout(killer);
  for (const l of c.lines) say(l);
  const pub1 = redisPort ? publishStats(redisPort) : null;
  if (pub0 && pub1) {
    const calls = pub1.calls - pub0.calls, usec = pub1.usec - pub0.usec;
    say(`${name}: redis PUBLISH ${fmt(calls)} calls over the run (comments, presence and each node's counts every 500 ms), ` +
      `${(usec / Math.max(1, calls)).toFixed(1)} us each inside Redis, delivery to ${nodes.length} subscribed nodes included`);
  }
  say(`${name}: load ${load()}`);
}

if (!existsSync(RELAY) || !existsSync(CLIENT)) { say(`missing ${RELAY} or ${CLIENT} (build the native preset)`); process.exit(0); }
if (!existsSync(REDIS)) { say('redis-server not installed (scripts/bootstrap.sh installs it)'); process.exit(0); }
say(`${new Date().toISOString()}; ${NODES} nodes on Redis beside one node; ${fmt(CONNECTIONS)} connections; fan-out ${RATE} comments/s from ` +
  `${SENDERS} senders to ${fmt(RECEIVERS)} receivers for ${DURATION_S} s; 200 ms tick; load ${load()}`);
const dir = mkdtempSync(join(tmpdir(), 'livescope-scale-bench-'));
const redisPort = await freePort();
const redis = await startProcess(REDIS, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
  { ready: /Ready to accept connections/, tag: 'redis', timeoutMs: 10000, dieWithParent: true });
const bus = ['--bus', `redis://127.0.0.1:${redisPort}`];
const running = [];
const start = async (n, extra) => { const ps = []; for (let i = 0; i < n; i++) ps.push(await relay(extra, `relay-${i + 1}`)); running.push(...ps); return ps; };
const stopAll = async () => { await Promise.all(running.splice(0).map((p) => p.stop())); };
try {
  if (ONLY !== 'fanout') {
    say(`1/2 connections held: ${fmt(CONNECTIONS)} clients in one room`);
    await connections('one node', await start(1, []), null);
    await stopAll();
    await connections(`${NODES} nodes on redis`, await start(NODES, bus), redis.child.pid);
    await stopAll();
  }
  if (ONLY !== 'connections') {
    say(`2/2 fan-out: ${RATE} comments/s from ${SENDERS} senders to ${fmt(RECEIVERS)} receivers, ${DURATION_S} s`);
    const one = await start(1, []);
    await fanout('one node', one, [['relay', one[0].pid]]);
    await stopAll();
    const many = await start(NODES, bus);
    await fanout(`${NODES} nodes on redis`, many, [['redis', redis.child.pid], ...many.map((p, i) => [`node ${i + 1}`, p.pid])], redisPort);
    await stopAll();
  }
} catch (e) {
  say(`failed: ${e.message}`);
} finally {
  await stopAll();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
