// e2e (studio): the browser studio goes live. The origin (--no-demo, a secret file, --grace 2, one 360p rendition) and
// the demo web server; Chromium with a fake camera and microphone opens /studio.html with a broadcaster key in the
// fragment and clicks Go live: it encodes with WebCodecs (livescope-frames); the player page plays /live/studio/
// (playing fires, the picture is not black and moves); the playlist's PROGRAM-DATE-TIME is the studio's capture stamp;
// End ends the broadcast (index.json says ended, the viewer gets ended). Then the MediaRecorder path, with the studio's
// clock set 5 s back: the broadcast's PDT follows the studio's clock, not the origin's. A key signed with another
// secret is refused and publishes nothing. Screenshots in build/test-artifacts/. The viewer's latency (glass to glass)
// is printed, not asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { canvasPicture } from './lib/canvas.mjs';
import { BIN } from './lib/procs.mjs';
import { startStack } from './lib/stack.mjs';
import { openPublisher } from './lib/ingest.mjs';
import { waitFor } from './lib/wait.mjs';

const ORIGIN = join(BIN, 'livescope-origin');
const RELAY = join(BIN, 'livescope-relay');
const DIST = join(import.meta.dirname, '..', '..', 'build', 'wasm', 'dist');
const missing = !existsSync(ORIGIN) || !existsSync(RELAY) ? 'livescope-origin or livescope-relay missing (build the native preset)'
  : !existsSync(join(DIST, 'studio.html')) ? 'build/wasm/dist/studio.html missing (build the wasm preset)' : null;
if (missing) console.log(`studio_golive: SKIPPED: ${missing}`);
const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
const LATENCY_SAMPLES = 8; // one a second while watching
const SKEW_MS = -5000; // the MediaRecorder studio's clock, against the machine's: PDT must follow it
const PDT_SLACK_MS = 100; // first PDT vs the capture stamp: a few frames (the encoder's first fragment may not start at 0)

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const broadcasts = async (origin) => (await (await fetch(`${origin}/live/index.json`)).json()).broadcasts;
// The first EXT-X-PROGRAM-DATE-TIME of a broadcast's rendition, in ms since the epoch (NaN when none yet).
async function firstPdt(origin, name) {
  const text = await (await fetch(`${origin}/live/${name}/360p/index.m3u8`)).text();
  const m = text.match(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/);
  return m ? Date.parse(m[1]) : NaN;
}
const mint = (secretFile, name) => execFileSync(RELAY, ['mint-token', '--secret-file', secretFile, '--name', name, '--role', 'broadcaster',
  '--ttl', '600'], { encoding: 'utf8' }).trim();

// The studio carries its own strict CSP (a meta tag: no inline script or style, sockets to ws/wss only); every
// violation is recorded, so a page that needed more would fail here.
async function recordCspViolations(page) {
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

// Every control is on screen, inside the page's width, and no two overlap (the studio's layout check).
async function checkStudioLayout(page) {
  const boxes = await page.evaluate(() => ['studio-preview', 'studio-title', 'studio-name', 'studio-button', 'studio-state'].map((id) => {
    const r = document.getElementById(id).getBoundingClientRect();
    return { id, x: r.left, y: r.top, w: r.width, h: r.height };
  }));
  const vw = await page.evaluate(() => document.documentElement.clientWidth);
  const vh = await page.evaluate(() => innerHeight);
  for (const b of boxes) {
    assert.ok(b.w > 0 && b.h > 0, `${b.id} has no size`);
    assert.ok(b.x >= 0 && b.x + b.w <= vw + 0.5 && b.y >= 0 && b.y + b.h <= vh + 0.5, `${b.id} is off screen: ${JSON.stringify(b)} in ${vw}x${vh}`);
  }
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    assert.ok(!overlap, `${a.id} overlaps ${b.id}`);
  }
}


test('the studio goes live from a fake camera, a viewer plays it, End ends it; a wrong key is refused', { skip: missing || false, timeout: 180000 }, async (t) => {
  const t0 = Date.now();
  const phase = (what) => console.log(`studio: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`); // where the wall time goes
  const dir = mkdtempSync(join(tmpdir(), 'livescope-studio-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, 'e2e-studio-secret-0123456789abcdef', { mode: 0o600 });
  const otherSecret = join(dir, 'other-secret');
  writeFileSync(otherSecret, 'another-secret-the-origin-does-not-know', { mode: 0o600 });
  const stack = await startStack({ relay: false, originArgs: ['--no-demo', '--secret-file', secretFile, '--grace', '2', '--renditions', '360p'] });
  t.after(() => stack.stop());
  const origin = new URL(stack.streamUrl).origin;
  const browser = await launchBrowser(FAKE_MEDIA);
  t.after(() => browser.close());

  // [1] The studio, signed in by its fragment; Go live.
  const studio = await browser.context.newPage();
  const studioLogs = collectLogs(studio, 'studio');
  const viewer = await browser.context.newPage();
  const viewerLogs = collectLogs(viewer, 'viewer');
  let passed = false;
  t.after(() => { if (!passed) console.log([...studioLogs, ...viewerLogs].slice(-60).join('\n')); });
  await recordCspViolations(studio);
  const fragment = new URLSearchParams({ origin, name: 'studio', title: 'Studio e2e', key: mint(secretFile, 'studio') });
  await studio.goto(`${stack.web.url}/studio.html#${fragment}`);
  await studio.waitForFunction(() => document.documentElement.dataset.studio === 'idle', null, { timeout: 10000 });
  assert.match(await studio.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]').content), /script-src 'self' 'wasm-unsafe-eval';/);
  await studio.waitForFunction(() => document.getElementById('studio-preview').videoWidth > 0, null, { timeout: 15000 });
  assert.equal(await studio.inputValue('#studio-name'), 'studio');
  await checkStudioLayout(studio);
  await studio.click('#studio-button');
  await studio.waitForFunction(() => document.documentElement.dataset.studio === 'live', null, { timeout: 15000 });
  phase('studio live');
  const mime = await studio.evaluate(() => document.documentElement.dataset.studioMime);
  console.log(`studio: recording ${mime}`);
  assert.equal(await studio.evaluate(() => document.documentElement.dataset.studioEncoder), 'webcodecs', 'WebCodecs is the first choice');
  const live = await waitFor('the studio broadcast live in index.json',
    async () => (await broadcasts(origin)).find((b) => b.name === 'studio' && b.state === 'live'), 30000);
  phase('broadcast live in index.json');
  assert.equal(live.title, 'Studio e2e');
  assert.equal(live.publishing, true);
  // PDT is the studio's capture stamp of the first keyframe (media time 0), and the origin says it took it from there.
  const captureMs = Number(await studio.evaluate(() => document.documentElement.dataset.studioCaptureMs));
  const pdt = await waitFor('a PROGRAM-DATE-TIME', () => firstPdt(origin, 'studio').then((x) => (Number.isFinite(x) ? x : 0)), 10000);
  console.log(`studio: first PDT ${new Date(pdt).toISOString()}, capture stamp ${new Date(captureMs).toISOString()}`);
  assert.ok(Math.abs(pdt - captureMs) <= PDT_SLACK_MS, `PDT ${pdt} is not the capture stamp ${captureMs}`);
  assert.ok(stack.procs[0].output.some((l) => /studio: PROGRAM-DATE-TIME from the publisher's capture clock/.test(l)), 'the origin did not use the capture clock');
  await studio.waitForFunction(() => /^0:0[1-9]|^0:[1-5]\d/.test(document.getElementById('studio-elapsed').textContent), null, { timeout: 10000 });
  await checkStudioLayout(studio);
  await studio.screenshot({ path: join(ARTIFACTS, 'studio-live.png') });
  assert.deepEqual(await studio.evaluate(() => window.__csp), [], 'CSP violations in the studio');

  // [2] A viewer plays it: 'playing', a picture that is not black and moves.
  await viewer.addInitScript(() => {
    window.__events = [];
    const widgets = [];
    widgets.push = function (w) {
      for (const type of ['playing', 'waiting', 'ended']) w.events.addEventListener(type, () => window.__events.push(type));
      return Array.prototype.push.call(this, w);
    };
    window.livescopeWidgets = widgets;
  });
  const q = new URLSearchParams({ src: `${origin}/live/studio/master.m3u8`, title: 'Studio e2e', muted: '1' });
  await viewer.goto(`${stack.web.url}/embed/player.html?debug&${q}`);
  await viewer.waitForFunction(() => window.__events.includes('playing'), null, { timeout: 30000 });
  phase('viewer playing');
  await viewer.waitForFunction(() => window.livescopeWidgets[0].stats.framesShown > 30, null, { timeout: 20000 });
  const a = await canvasPicture(viewer);
  await sleep(1000);
  const b = await canvasPicture(viewer);
  const moved = a.sig.filter((v, i) => Math.abs(v - b.sig[i]) > 20).length / a.sig.length;
  console.log(`studio: viewer picture ${(b.lit * 100).toFixed(0)}% lit, ${(b.green * 100).toFixed(0)}% green, ${(moved * 100).toFixed(1)}% of samples changed in 1 s`);
  assert.ok(b.lit > 0.05, `the viewer's picture is black (${b.lit})`);
  assert.ok(b.green > 0.5, `the viewer's picture is not the fake camera's green (${b.green})`);
  assert.ok(moved > 0, 'the viewer\'s picture does not move');
  const latencies = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    await sleep(1000);
    latencies.push(await viewer.evaluate(() => window.livescopeWidgets[0].stats.latency));
  }
  const s = await viewer.evaluate(() => window.livescopeWidgets[0].stats);
  console.log(`studio: viewer latency over ${LATENCY_SAMPLES} s: ${latencies.map((x) => x.toFixed(2)).join(' ')} s ` +
    `(target ${Math.max(s.target, s.partHoldBack).toFixed(2)} s; glass to glass: PDT is the studio's capture time)`);
  await viewer.screenshot({ path: join(ARTIFACTS, 'studio-viewer.png') });

  phase('latency sampled');
  // [3] End: the studio ends, the origin ends the broadcast after the grace, the viewer gets 'ended'.
  await studio.click('#studio-button');
  await studio.waitForFunction(() => document.documentElement.dataset.studio === 'ended', null, { timeout: 15000 });
  assert.equal(await studio.textContent('#studio-message'), '', 'a clean End shows no error');
  await waitFor('the studio broadcast ended in index.json',
    async () => (await broadcasts(origin)).find((x) => x.name === 'studio' && x.state === 'ended' && x.ended_at), 20000);
  phase('broadcast ended in index.json');
  await viewer.waitForFunction(() => window.__events.includes('ended'), null, { timeout: 30000 });
  phase('viewer ended');
  await viewer.close();

  // [3b] MediaRecorder, with the studio's clock 5 s behind the machine's: the broadcast's PDT follows the studio's
  // stamp (its text message), not the origin's receive clock, which reads the machine's time.
  const recorded = await browser.context.newPage();
  const recordedLogs = collectLogs(recorded, 'recorder');
  t.after(() => { if (!passed) console.log(recordedLogs.slice(-20).join('\n')); });
  await recorded.addInitScript((skew) => { const now = Date.now; Date.now = () => now() + skew; }, SKEW_MS);
  const mr = new URLSearchParams({ origin, name: 'studio-mr', key: mint(secretFile, 'studio-mr') });
  await recorded.goto(`${stack.web.url}/studio.html?encoder=mediarecorder#${mr}`);
  await recorded.waitForFunction(() => document.documentElement.dataset.studio === 'idle', null, { timeout: 10000 });
  const beforeMs = Date.now();
  await recorded.click('#studio-button');
  await recorded.waitForFunction(() => document.documentElement.dataset.studio === 'live', null, { timeout: 15000 });
  assert.equal(await recorded.evaluate(() => document.documentElement.dataset.studioEncoder), 'mediarecorder');
  await waitFor('the MediaRecorder broadcast live', async () => (await broadcasts(origin)).find((b) => b.name === 'studio-mr' && b.state === 'live'), 30000);
  const stamp = Number(await recorded.evaluate(() => document.documentElement.dataset.studioCaptureMs));
  const mrPdt = await waitFor('a PROGRAM-DATE-TIME', () => firstPdt(origin, 'studio-mr').then((x) => (Number.isFinite(x) ? x : 0)), 10000);
  console.log(`studio: MediaRecorder first PDT ${new Date(mrPdt).toISOString()}, stamp ${new Date(stamp).toISOString()} (studio clock ${SKEW_MS} ms)`);
  assert.ok(Math.abs(mrPdt - stamp) <= PDT_SLACK_MS, `PDT ${mrPdt} is not the studio's stamp ${stamp}`);
  assert.ok(mrPdt < beforeMs + SKEW_MS / 2, 'PDT came from the origin\'s clock, not the studio\'s');
  await recorded.click('#studio-button');
  await recorded.waitForFunction(() => document.documentElement.dataset.studio === 'ended', null, { timeout: 15000 });
  await recorded.close();
  phase('MediaRecorder path checked');

  // [4] A key signed with another secret: refused, nothing published.
  const wrong = await browser.context.newPage();
  collectLogs(wrong, 'wrong');
  await recordCspViolations(wrong);
  const bad = new URLSearchParams({ origin, name: 'studio-bad', key: mint(otherSecret, 'studio-bad') });
  await wrong.goto(`${stack.web.url}/studio.html?lang=fr#${bad}`);
  await wrong.waitForFunction(() => document.documentElement.dataset.studio === 'idle', null, { timeout: 10000 });
  // From the keyboard this time: Enter in the name field submits the form (Go live).
  await wrong.focus('#studio-name');
  await wrong.keyboard.press('Enter');
  await wrong.waitForFunction(() => document.documentElement.dataset.studio === 'refused', null, { timeout: 15000 });
  const message = await wrong.textContent('#studio-message');
  assert.match(message, /refusé la connexion/);
  assert.equal(await wrong.textContent('#studio-state'), 'Refusé');
  await checkStudioLayout(wrong);
  assert.deepEqual(await wrong.evaluate(() => window.__csp), [], 'CSP violations in the refused studio');
  await wrong.screenshot({ path: join(ARTIFACTS, 'studio-refused-fr.png') });
  await sleep(1000);
  assert.equal((await broadcasts(origin)).find((x) => x.name === 'studio-bad'), undefined, 'a refused key published something');
  phase('wrong key refused');

  // [5] The framing negotiated by the origin, and a malformed frame message: the connection is closed with the reason,
  // nothing is published, the origin goes on.
  const port = Number(new URL(origin).port);
  const framed = await openPublisher(port, '/ingest/studio-frames', { protocol: `livescope-ingest, ${mint(secretFile, 'studio-frames')}, livescope-frames` });
  assert.equal(framed.status, 101);
  assert.match(framed.head, /Sec-WebSocket-Protocol: livescope-frames/i);
  await framed.send(Buffer.from('Fgarbage that is not a frame message'));
  await Promise.race([framed.closed, sleep(5000)]);
  assert.ok(framed.state.closed, 'a malformed frame message did not close the connection');
  assert.match(framed.state.received.toString('latin1'), /bad frame message: a frame before the stream header/);
  assert.equal((await broadcasts(origin)).find((x) => x.name === 'studio-frames'), undefined, 'a malformed framed stream published something');
  phase('malformed frames refused');
  passed = true;
});
