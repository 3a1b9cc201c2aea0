// e2e (demo server and launcher): a malformed request gets a 400 and the demo keeps serving; only the
// widget's shipped files are served; templated values holding `$&`-like sequences land as plain text; the
// relay secret never shows in a command line; the demo's children die with it, whatever signal kills it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, BIN } from '../../scripts/lib/procs.mjs';
import { startDemoServer } from '../../scripts/demo-server.mjs';

const WASM_BUILD = join(ROOT, 'build', 'wasm');
const DIST = join(WASM_BUILD, 'dist');
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

//-----------------------------------------------------------------------------
// One in-process demo server (no origin, no relay) for the templating and dist checks.
//-----------------------------------------------------------------------------
const STREAM = 'http://127.0.0.1:9/live$&a.m3u8'; // never fetched: only templated
const RELAY = "ws://127.0.0.1:9/ws$'";
let web;
before(async () => {
  assert.ok(existsSync(join(DIST, 'player.html')), `${DIST}/player.html is missing: build the wasm preset`);
  web = await startDemoServer({ streamUrl: STREAM, relayUrl: RELAY, title: 'Default $` title' });
});
after(async () => { if (web) await web.close(); });

test('a title holding $&, $` or $\' lands in the player page\'s title and meta tags exactly, escaped', async () => {
  for (const seq of ['$&', '$`', "$'", '$$', '$<x>']) {
    const title = `Live ${seq} <b>"now"</b> & then`;
    const html = await fetch(`${web.url}/embed/player.html?title=${encodeURIComponent(title)}`).then((r) => r.text());
    const titles = [...html.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    assert.deepEqual(titles, [esc(title)], `<title> for ${seq}`);
    assert.equal(html.split('</head>').length, 2, `one </head> for ${seq}`);
    for (const tag of ['name="twitter:title"', 'property="og:title"']) {
      const m = html.match(new RegExp(`<meta ${tag} content="([^"]*)">`));
      assert.ok(m, `${tag} for ${seq}`);
      assert.equal(m[1], esc(title), `${tag} for ${seq}`);
    }
  }
});

test('stream and relay URLs holding $& or $\' land in the example pages exactly, escaped', async () => {
  const blog = await fetch(`${web.url}/examples/blog.html`).then((r) => r.text());
  assert.ok(blog.includes(`src="${esc(STREAM)}"`), 'blog src');
  assert.ok(blog.includes(`room="${esc(RELAY)}#blog"`), 'blog room');
  assert.ok(!blog.includes('{{'), 'a placeholder left in the blog page');
  const index = await fetch(`${web.url}/examples/`).then((r) => r.text());
  const player = index.match(/<a href="([^"]*player\.html[^"]*)"/);
  assert.ok(player && !index.includes('{{'), 'index links the player page');
  const q = new URL(player[1].replaceAll('&amp;', '&')).searchParams;
  assert.equal(q.get('src'), STREAM);
  assert.equal(q.get('title'), 'Default $` title');
});

test('only the shipped widget files are served: build files answer 404, the widget files 200', async () => {
  assert.ok(existsSync(join(WASM_BUILD, 'CMakeCache.txt')), 'the wasm build folder has its CMakeCache.txt (test premise)');
  for (const path of ['/CMakeCache.txt', '/compile_commands.json', '/.ninja_log', '/build.ninja', '/package.json',
    '/embed/CMakeCache.txt', '/embed/.ninja_log', '/livescope_page.html', '/CMakeFiles/', '/dist/livescope.js', '/%2e%2e/CMakeCache.txt']) {
    const r = await fetch(`${web.url}${path}`);
    assert.equal(r.status, 404, `${path} answered ${r.status}`);
  }
  const expected = { '/livescope.js': 'text/javascript', '/widget.js': 'text/javascript', '/embed/player-page.js': 'text/javascript',
    '/player-worker.js': 'text/javascript', '/audio-worklet.js': 'text/javascript', '/livescope_page.js': 'text/javascript',
    '/livescope_page.wasm': 'application/wasm', '/livescope_worker.js': 'text/javascript', '/livescope_worker.wasm': 'application/wasm',
    '/livescope_worker_light.wasm': 'application/wasm', '/livescope_decoder_hevc.js': 'text/javascript', '/livescope_decoder_hevc.wasm': 'application/wasm',
    '/embed/player.css': 'text/css' };
  for (const [path, type] of Object.entries(expected)) {
    const r = await fetch(`${web.url}${path}`);
    await r.arrayBuffer();
    assert.equal(r.status, 200, `${path} answered ${r.status}`);
    assert.ok(r.headers.get('content-type').startsWith(type), `${path} is ${r.headers.get('content-type')}`);
  }
  // The dist holds nothing but files (no folders, no build leftovers).
  for (const name of readdirSync(DIST)) assert.ok(statSync(join(DIST, name)).isFile() && !/^(CMake|\.ninja|compile_)/.test(name), `dist holds ${name}`);
});

//-----------------------------------------------------------------------------
// The demo launcher as a user runs it: node scripts/demo.mjs, every port 0.
//-----------------------------------------------------------------------------

// Every live descendant of `pid` (children, grandchildren), from /proc. Zombies count as gone.
function descendants(pid) {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid ...
      if (fields[0] !== 'Z') parent.set(Number(name), Number(fields[1]));
    } catch { /* exited meanwhile */ }
  }
  const out = [];
  const walk = (p) => { for (const [c, pp] of parent) if (pp === p) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}
const alive = (pid) => { try { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); return s[s.lastIndexOf(')') + 2] !== 'Z'; } catch { return false; } };
const cmdline = (pid) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean); } catch { return []; } };
// After a failed test: ends the demo and those of its children still running the command they ran.
function cleanUp(demo, pids) {
  demo.child.kill('SIGKILL');
  for (const [pid, args] of pids) if (alive(pid) && cmdline(pid).join(' ') === args) process.kill(pid, 'SIGKILL');
}
const withArgs = (pids) => pids.map((p) => [p, cmdline(p).join(' ')]);

// Starts the demo with one audience bot per room; resolves once it printed its URLs.
function startDemo() {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'demo.mjs'), '--port', '0', '--origin-port', '0', '--relay-port', '0', '--srt-port', '0', '--rtmp-port', '0',
    '--audience', '1', '--title', 'Demo test', '--renditions', '240p'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const demo = { child, out: '', exited: new Promise((r) => child.on('exit', (code, sig) => r({ code, sig }))) };
  child.stdout.on('data', (d) => { demo.out += d; });
  child.stderr.on('data', (d) => { demo.out += d; });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`demo not ready in 120 s:\n${demo.out}`)); }, 120000);
    child.stdout.on('data', () => {
      if (!demo.out.includes('Ctrl-C stops the demo.')) return;
      clearTimeout(t);
      demo.url = demo.out.match(/blog article\s+(http:\/\/\S+?)\/examples/)[1];
      resolve(demo);
    });
    child.on('exit', () => { clearTimeout(t); reject(new Error(`demo exited before ready:\n${demo.out}`)); });
  });
}

// One raw HTTP/1.1 request; resolves with the status line (or '' when the connection closed without one).
function rawRequest(port, text) {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (d) => { got += d; });
    s.on('error', () => {});
    s.on('close', () => resolve(got.split('\r\n')[0]));
    s.setTimeout(10000, () => s.destroy());
  });
}

// Kills the demo with `signal` and waits (bounded) until none of `pids` is alive. Returns the survivors.
async function killAndWait(demo, signal, pids) {
  demo.child.kill(signal);
  await demo.exited;
  for (let i = 0; i < 150 && pids.some(alive); i++) await sleep(100);
  return pids.filter(alive).map((p) => `${p} ${cmdline(p).slice(0, 2).join(' ')}`);
}

const needServers = ['livescope-origin', 'livescope-relay'].filter((b) => !existsSync(join(BIN, b)));
const skip = needServers.length ? `${needServers.join(', ')} not built` : false;
// One demo per signal, started together (the origin's first segment is the slow part).
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'];
const demos = {};
before(async () => {
  if (skip) return;
  const started = await Promise.allSettled(SIGNALS.map(() => startDemo()));
  SIGNALS.forEach((sig, i) => { demos[sig] = started[i]; });
});
after(() => { for (const r of Object.values(demos)) if (r.status === 'fulfilled') r.value.child.kill('SIGKILL'); });
const demoFor = (sig) => { const r = demos[sig]; if (r.status === 'rejected') throw r.reason; return r.value; };

test('a malformed request gets a 400, the demo keeps serving, and the relay secret is in no command line', { skip }, async () => {
  const demo = demoFor('SIGINT');
  const pids = descendants(demo.child.pid), started = withArgs(pids);
  try {
    assert.ok(pids.length >= 6, `origin, relay and 4 audience bots expected, saw ${pids.length}`);
    assert.match(demo.out, /presenter\s+http\S+token=/, 'the presenter link carries a token');
    const port = Number(new URL(demo.url).port);
    for (const [what, req] of [
      ['truncated escape', 'GET /%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'],
      ['lone %', 'GET /% HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'],
      ['bad escape in examples', 'GET /examples/%ZZ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'],
      ['bad Host', 'GET / HTTP/1.1\r\nHost: [\r\nConnection: close\r\n\r\n'],
      ['NUL in path', 'GET /%00.js HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'],
    ]) assert.match(await rawRequest(port, req), /^HTTP\/1\.1 400/, what);
    const ok = await fetch(`${demo.url}/examples/blog.html`);
    assert.equal(ok.status, 200);
    assert.equal(demo.child.exitCode, null, 'the demo is still running');
    // The secret: from the relay's --secret-file, or its environment with a relay built before that flag.
    const relay = pids.find((p) => cmdline(p).some((a) => a.endsWith('livescope-relay')));
    const args = cmdline(relay);
    assert.ok(!args.includes('--secret'), `relay command line: ${args.join(' ')}`);
    let secret;
    const fileAt = args.indexOf('--secret-file');
    if (fileAt >= 0) {
      const file = args[fileAt + 1];
      assert.equal(statSync(file).mode & 0o777, 0o600, 'secret file mode');
      secret = readFileSync(file, 'utf8').trim();
    } else {
      secret = readFileSync(`/proc/${relay}/environ`, 'utf8').split('\0').find((e) => e.startsWith('LIVESCOPE_RELAY_SECRET='))?.split('=')[1];
    }
    assert.ok(secret && secret.length >= 32, 'the relay got a per-run secret');
    for (const p of [demo.child.pid, ...pids]) assert.ok(!cmdline(p).join(' ').includes(secret), `the secret shows in ${cmdline(p).join(' ')}`);
    const survivors = await killAndWait(demo, 'SIGINT', pids);
    assert.deepEqual(survivors, [], 'children alive after SIGINT');
    if (fileAt >= 0) assert.ok(!existsSync(args[fileAt + 1]), 'the secret file is removed on exit');
  } finally { cleanUp(demo, started); }
});

for (const signal of SIGNALS.slice(1)) {
  test(`the demo's children (origin, relay, audience bots) die when the demo dies by ${signal}`, { skip }, async () => {
    const demo = demoFor(signal);
    const pids = descendants(demo.child.pid), started = withArgs(pids);
    try {
      assert.ok(pids.length >= 6, `origin, relay and 4 audience bots expected, saw ${pids.length}`);
      assert.deepEqual(await killAndWait(demo, signal, pids), [], `children alive after ${signal}`);
    } finally { cleanUp(demo, started); }
  });
}
