// e2e (scripts/cluster.sh as a person runs it): started in its own process group on free ports with its state in a
// temp folder, it prints its URLs; each answers (demo pages, LL-HLS through the nginx edge, a room joined through the
// nginx relay front, every relay node's /healthz, Redis with its append-only file); then SIGINT to the group (what
// Ctrl-C sends) stops it: the script exits, no process of its group is left, the secret file is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, BIN } from '../../scripts/lib/procs.mjs';
import { waitFor } from './lib/wait.mjs';
import { rawWebSocket } from './lib/raw_websocket.mjs';
import { clusterMissing } from '../../scripts/lib/relay-cluster.mjs';

const missing = clusterMissing() || (!existsSync(join(BIN, 'livescope-origin')) && 'livescope-origin is not built')
  || (!existsSync(join(ROOT, 'build', 'wasm', 'dist', 'player.html')) && 'build/wasm/dist has no widget (build the wasm preset)') || null;
if (missing) console.log(`cluster_script: SKIPPED: ${missing}`);

// Pids of the processes in session `sid` (the script leads its own session and group).
const inSession = (sid) => execFileSync('ps', ['-e', '-o', 'pid=,sid='], { encoding: 'utf8' }).split('\n')
  .map((l) => l.trim().split(/\s+/).map(Number)).filter(([pid, s]) => s === sid && pid).map(([pid]) => pid);

test('scripts/cluster.sh starts redis, 3 relays behind nginx, the origin behind the edge and the pages; Ctrl-C stops all', { skip: missing || false, timeout: 120000 }, async (t) => {
  const data = mkdtempSync(join(tmpdir(), 'livescope-cluster-'));
  const child = spawn('bash', [join(ROOT, 'scripts', 'cluster.sh'), '--port', '0', '--edge-port', '0', '--relay-port', '0', '--data', data],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((r) => child.on('exit', (code, sig) => r({ code, sig })));
  t.after(async () => {
    for (const pid of inSession(child.pid)) { try { process.kill(pid, 'SIGKILL'); } catch {} } // only after a failure
    rmSync(data, { recursive: true, force: true });
  });
  try {
    await waitFor('the cluster to print its URLs', () => /Ctrl-C stops the cluster/.test(out) || /failed to start/.test(out), 90000, 200);
    assert.match(out, /livescope cluster is running/, out);
    const url = (label) => out.match(new RegExp(`${label}\\s+(\\S+)`))?.[1];
    const pages = ['blog article', 'post cards', 'player page'].map(url);
    const hls = url('LL-HLS \\(edge\\)');
    const front = url('relay front');
    const health = [...out.matchAll(/relay-\d health (\S+)/g)].map((m) => m[1]);
    t.diagnostic(`pages ${pages.join(' ')} | hls ${hls} | front ${front} | nodes ${health.join(' ')}`);

    for (const p of pages) assert.equal((await fetch(p)).status, 200, p);
    const playlist = await fetch(hls);
    assert.equal(playlist.status, 200);
    assert.match(await playlist.text(), /^#EXTM3U/);
    assert.equal(health.length, 3);
    for (const h of health) assert.equal((await (await fetch(h)).text()).trim(), 'ok', h);
    // The pages point at the two fronts (the blog's widget attributes; the pages' CSP lets them connect there).
    const blog = await fetch(pages[0]);
    const blogHtml = await blog.text();
    const csp = blog.headers.get('content-security-policy') || '';
    for (const host of [new URL(hls).host, new URL(front).host]) {
      assert.ok(blogHtml.includes(host), `the blog page does not point at ${host}`);
      assert.ok(csp.includes(host), `the pages' CSP does not allow ${host}: ${csp}`);
    }
    // A room through the nginx relay front.
    const ws = await rawWebSocket(Number(new URL(front).port));
    ws.send(JSON.stringify({ type: 'join', v: 1, room: 'cluster-smoke' }));
    assert.equal((await ws.nextJson()).type, 'welcome');
    ws.destroy();
    assert.ok(readdirSync(join(data, 'redis')).some((f) => /appendonly/.test(f)), 'redis runs without its append-only file');
    assert.ok(existsSync(join(data, 'secret')));

    const pids = inSession(child.pid);
    assert.ok(pids.length >= 8, `expected redis, 3 relays, origin, 2 nginx and the launcher, got ${pids.length}`);
    process.kill(-child.pid, 'SIGINT'); // Ctrl-C: the terminal signals the whole foreground group
    let timer;
    const end = await Promise.race([exited, new Promise((r) => { timer = setTimeout(() => r(null), 30000); })]);
    clearTimeout(timer);
    assert.ok(end, `the script did not exit after SIGINT\n${out.slice(-2000)}`);
    await waitFor('every process of the cluster to be gone', () => inSession(child.pid).length === 0, 10000, 100)
      .catch(() => assert.fail(`left running: ${execFileSync('ps', ['-o', 'pid=,args=', '-p', inSession(child.pid).join(',')], { encoding: 'utf8' })}`));
    assert.ok(!existsSync(join(data, 'secret')), 'the secret file is left behind');
  } catch (e) {
    console.log(out.slice(-3000));
    throw e;
  }
});
