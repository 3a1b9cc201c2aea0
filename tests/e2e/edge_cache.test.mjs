// e2e (origin + nginx edge + probe + Chromium): deploy/nginx/livescope-edge.conf.in rendered by scripts/edge-conf.mjs,
// run by Debian's nginx as a child on a free port. Concurrent blocking playlist requests collapse into one origin
// request, parts are cached, errors are not, livescope-probe follows through the edge without errors, and the widget
// plays through the edge and keeps playing through an edge restart. Origin requests are counted in nginx's access log
// ($upstream_addr is "-" when the origin was not asked): the origin keeps no request counter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, freePort, startProcess, runToExit } from './lib/procs.mjs';
import { launchBrowser, ARTIFACTS } from './lib/browser.mjs';
import { waitFor } from './lib/wait.mjs';
import { WASM_DIR, openPlayer, withWasmServer, stats, readCanvas, checkBars } from '../bench/playback/lib.mjs';
import { prepareEdge, NGINX } from '../../scripts/edge-conf.mjs';

const ORIGIN = join(BIN, 'livescope-origin');
const PROBE = join(BIN, 'livescope-probe');
const missing = !existsSync(ORIGIN) ? `${ORIGIN} is missing (build the native preset)`
  : !existsSync(NGINX) ? 'nginx is missing (scripts/bootstrap.sh)' : null;
if (missing) console.log(`edge_cache: SKIPPED: ${missing}`);

const FOLLOWERS = 20; // identical concurrent blocking requests
const FOLLOW_S = 15;  // probe run through the edge

let dir, origin, originUrl, edgePort, edge, edgeUrl;
const startEdge = async () => {
  const argv = prepareEdge({ origin: originUrl.replace('http://', ''), listen: `127.0.0.1:${edgePort}`, dir: join(dir, 'edge'), single: true });
  edge = await startProcess(argv[0], argv.slice(1), { tag: 'nginx', dieWithParent: true });
  await waitFor('the edge to answer /healthz', async () => (await fetch(`${edgeUrl}/healthz`).catch(() => null))?.ok, 15000, 100);
};
// Access log lines (see log_format edge) for requests whose request line contains `needle`.
const logLines = (needle) => readFileSync(join(dir, 'edge', 'access.log'), 'utf8').split('\n').filter((l) => l.includes(needle));
const toOrigin = (lines) => lines.filter((l) => !/ up=- /.test(l));
const mediaPlaylist = async (base) => (await fetch(`${base}/live/360p/index.m3u8`)).text();
// The playlist's last MSN and part: { msn, part } of the last listed part.
function lastPart(text) {
  const ms = Number(text.match(/#EXT-X-MEDIA-SEQUENCE:(\d+)/)[1]);
  const lines = text.split('\n');
  let msn = ms - 1, part = -1;
  for (const l of lines) {
    if (l.startsWith('#EXT-X-PART:')) part++;
    else if (l.startsWith('#EXTINF')) { msn++; part = -1; }
  }
  return { msn: msn + 1, part }; // the open segment (msn + 1) and its parts listed so far
}

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'livescope-edge-'));
  origin = await startProcess(ORIGIN, ['--port', '0', '--renditions', '360p'], { ready: /ready (http\S+)/, timeoutMs: 60000, tag: 'origin', dieWithParent: true });
  originUrl = origin.output.map((l) => l.match(/ready (http:\/\/[^/]+)/)).find(Boolean)[1];
  edgePort = await freePort();
  edgeUrl = `http://127.0.0.1:${edgePort}`;
  await startEdge();
  await waitFor('the origin\'s first parts', async () => /#EXT-X-PART:/.test(await mediaPlaylist(edgeUrl)), 30000, 200);
});

after(async () => {
  if (edge) await edge.stop();
  if (origin) await origin.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('identical concurrent blocking playlist requests through the edge cost the origin one request', { skip: missing || false, timeout: 60000 }, async () => {
  // Two parts ahead of the last listed one: held by the origin, so all requests arrive while the first is in flight.
  const { msn, part } = lastPart(await mediaPlaylist(originUrl));
  const query = `_HLS_msn=${msn}&_HLS_part=${part + 2}`;
  const url = `${edgeUrl}/live/360p/index.m3u8?${query}`;
  const answers = await Promise.all(Array.from({ length: FOLLOWERS }, async () => {
    const r = await fetch(url);
    return { status: r.status, cors: r.headers.get('access-control-allow-origin'), body: await r.text() };
  }));
  assert.deepEqual(answers.map((a) => a.status), Array(FOLLOWERS).fill(200));
  assert.equal(new Set(answers.map((a) => a.body)).size, 1, 'the followers got different playlists');
  assert.ok(answers.every((a) => a.cors === '*'), 'CORS header lost at the edge');
  const lines = logLines(`?${query} `);
  assert.equal(lines.length, FOLLOWERS, lines.join('\n'));
  assert.equal(toOrigin(lines).length, 1, `origin requests:\n${toOrigin(lines).join('\n')}`);
});

test('a part is a HIT the second time; a 404 of a future part is not cached', { skip: missing || false, timeout: 30000 }, async () => {
  const text = await mediaPlaylist(originUrl);
  const uri = [...text.matchAll(/#EXT-X-PART:[^\n]*URI="([^"]+)"/g)].at(-1)[1];
  const first = await fetch(`${edgeUrl}/live/360p/${uri}`);
  const a = Buffer.from(await first.arrayBuffer());
  const second = await fetch(`${edgeUrl}/live/360p/${uri}`);
  const b = Buffer.from(await second.arrayBuffer());
  assert.equal(second.status, 200);
  assert.equal(second.headers.get('x-cache-status'), 'HIT');
  assert.match(second.headers.get('cache-control'), /immutable/);
  assert.equal(second.headers.get('access-control-allow-origin'), '*');
  assert.ok(a.length > 0 && a.equals(b), 'the cached part differs from the first answer');
  assert.equal(toOrigin(logLines(`/${uri} `)).length, 1);

  // A part far past the live edge: 404, and asked of the origin again the second time.
  const n = Number(uri.match(/-(\d+)\.m4s$/)[1]) + 500;
  const future = uri.replace(/-\d+\.m4s$/, `-${n}.m4s`);
  for (let i = 0; i < 2; i++) assert.equal((await fetch(`${edgeUrl}/live/360p/${future}`)).status, 404);
  assert.equal(toOrigin(logLines(`/${future} `)).length, 2, 'a 404 was served from the cache');
});

test('livescope-probe --follow through the edge: blocking reloads answered, hints used, no errors', { skip: missing || false, timeout: (FOLLOW_S + 60) * 1000 }, async (t) => {
  assert.ok(existsSync(PROBE), `${PROBE} is missing: build livescope-probe`);
  const run = await runToExit(PROBE, ['--follow', String(FOLLOW_S), '--variant', '0', `${edgeUrl}/live/master.m3u8`], (FOLLOW_S + 30) * 1000);
  const lines = run.stdout.trim().split('\n');
  const summary = lines.find((l) => l.startsWith('summary-json '));
  assert.ok(summary, `no summary-json line\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
  const s = JSON.parse(summary.slice('summary-json '.length));
  t.diagnostic(lines.filter((l) => l.startsWith('summary:')).join(' | '));
  assert.equal(run.code, 0, run.stderr.slice(-2000));
  assert.equal(s.errors, 0);
  assert.equal(s.http4xx + s.http5xx, 0);
  assert.equal(s.blockingMisses, 0);
  assert.ok(s.hintsUsed > 0 && s.partsLoaded > FOLLOW_S, `hints used ${s.hintsUsed}, parts ${s.partsLoaded}`);
});

test('the widget plays through the edge and keeps playing through an edge restart', { skip: missing || (!existsSync(join(WASM_DIR, 'livescope_worker.wasm')) && `${WASM_DIR} has no widget (build the wasm preset)`) || false, timeout: 150000 }, async (t) => {
  const srv = await withWasmServer();
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await srv.close(); });
  const page = await openPlayer(browser, srv.url, `${edgeUrl}/live/master.m3u8`);
  try { await playsThroughRestart(t, page); }
  catch (e) { console.log(page.logs.slice(-40).join('\n')); throw e; }
});

async function playsThroughRestart(t, page) {
  await page.evaluate(() => {
    window.__events = [];
    for (const type of ['playing', 'waiting', 'statechange', 'error'])
      window.livescopeWidgets[0].events.addEventListener(type, (e) => window.__events.push({ type, ...(e.detail || {}) }));
  });
  await page.waitForFunction(() => window.livescopeWidgets[0].stats?.framesShown > 30, null, { timeout: 40000 });
  const bars = checkBars(await readCanvas(page));
  assert.ok(bars.every((b) => b.ok), `colour bars differ through the edge: ${JSON.stringify(bars)}`);
  await page.screenshot({ path: join(ARTIFACTS, 'edge-playing.png') });

  // The edge goes away for longer than the widget's buffer, then comes back on the same port (same cache folder).
  await edge.stop();
  await page.waitForTimeout(4000); // the outage, not a time assertion
  const during = await stats(page);
  await startEdge();
  await page.waitForFunction((n) => window.livescopeWidgets[0].stats.framesShown > n + 60, during.framesShown, { timeout: 45000, polling: 200 });
  const events = await page.evaluate(() => window.__events);
  const last = events.filter((e) => e.type === 'playing' || e.type === 'waiting').at(-1);
  t.diagnostic(`events: ${events.map((e) => e.type + (e.state ? `:${e.state}` : '')).join(' ')}`);
  assert.ok(!last || last.type === 'playing', `the widget is still waiting: ${JSON.stringify(events)}`);
  const state = await page.evaluate(() => window.livescopeWidgets[0].plugins.playback.broadcastState);
  assert.equal(state, 'live');
  assert.deepEqual(events.filter((e) => e.type === 'error'), [], 'an error event');
  const after = checkBars(await readCanvas(page));
  assert.ok(after.every((b) => b.ok), `colour bars differ after the restart: ${JSON.stringify(after)}`);
  await page.screenshot({ path: join(ARTIFACTS, 'edge-after-restart.png') });
}
