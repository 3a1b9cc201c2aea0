// e2e (origin + Chromium): the widget follows a broadcast's life. A widget opened on /live/<name>/master.m3u8 before
// anyone publishes shows "Starting soon" (statechange 'starting', and no 'error' even past the 15 s no-media
// watchdog); a publisher pushes a TS clip over the WebSocket ingest and the widget plays by itself ('live',
// 'playing'); the publisher stops: 'reconnecting'; after the origin's grace (3 s) ENDLIST arrives: 'ended', with the
// ended card drawn. Screenshots of each state go to build/test-artifacts/broadcast-*.png. Loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { WASM_DIR } from './lib/canvas.mjs';
import { BIN, startProcess } from './lib/procs.mjs';
import { serveStatic } from './lib/static.mjs';
import { makeTsClip, mintKey, openPublisher, pushRealTime } from './lib/ingest.mjs';

const ORIGIN = join(BIN, 'livescope-origin');
const SECRET = 'e2e-states-secret-0123456789';
const CLIP_S = 30;      // seconds of media in the clip (the publisher stops long before its end)
const GRACE_S = 3;      // --grace
const QUIET_S = 17;     // seconds the widget waits for the broadcast: past the 15 s no-media watchdog
const TITLE = 'Launch night';
const missing = !existsSync(ORIGIN) ? `${ORIGIN} missing: build livescope-origin`
  : !existsSync(join(WASM_DIR, 'livescope_page.html')) ? `${WASM_DIR} has no widget: build the wasm preset` : false;

// Bright pixels of the card's text in the middle of the canvas (the state card is drawn there).
async function middleBright(page) {
  return page.evaluate(() => {
    const c = document.querySelector('#livescope-canvas');
    const o = document.createElement('canvas');
    o.width = c.width; o.height = c.height;
    const g = o.getContext('2d');
    g.drawImage(c, 0, 0);
    const d = g.getImageData(Math.floor(o.width * 0.1), Math.floor(o.height * 0.35), Math.floor(o.width * 0.8), Math.floor(o.height * 0.3));
    let n = 0;
    for (let i = 0; i < d.data.length; i += 4) if (d.data[i] > 200 && d.data[i + 1] > 200 && d.data[i + 2] > 200) n++;
    return n;
  });
}

test('the widget follows a broadcast: starting, live by itself, reconnecting, ended', { skip: missing, timeout: 120000 }, async (t) => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'livescope-states-'));
  const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
  t.after(async () => { for (const c of cleanups.reverse()) await c(); });
  const secretFile = join(dir, 'secret.txt');
  writeFileSync(secretFile, SECRET + '\n');
  const clip = await makeTsClip(dir, CLIP_S);

  const origin = await startProcess(ORIGIN, ['--port', '0', '--no-demo', '--renditions', '360p', '--grace', String(GRACE_S),
    '--secret-file', secretFile], { ready: /livescope-origin ready (http:\/\/\S+)\/live\/index\.json/, timeoutMs: 20000, tag: 'origin' });
  cleanups.push(() => origin.stop());
  const base = origin.output.map((l) => l.match(/livescope-origin ready (http:\/\/\S+)\/live\/index\.json/)).find(Boolean)[1];
  const port = Number(new URL(base).port);
  const web = await serveStatic(WASM_DIR);
  cleanups.push(() => web.close());
  const browser = await launchBrowser();
  cleanups.push(() => browser.close());

  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 640, height: 360 });
  const logs = collectLogs(page);
  const src = `${base}/live/show/master.m3u8`;
  try {
    // debug keeps the drawing buffer readable; its stats panel is turned off below.
    await page.goto(`${web.url}/livescope_page.html?debug&src=${encodeURIComponent(src)}&title=${encodeURIComponent(TITLE)}`);
    await page.waitForFunction(() => window.livescopeWidgets && window.livescopeWidgets[0] && window.livescopeWidgets[0].app, null, { timeout: 30000 });
    await page.evaluate(() => {
      window.livescopeWidgets[0].plugins.playback.setDebug(false);
      window.__events = [];
      window.__shots = {};
      const t0 = performance.now();
      // Each state's canvas, captured two refreshes after the change (a short state may be gone before a screenshot).
      window.livescopeWidgets[0].events.addEventListener('statechange', (e) => {
        const state = e.detail.state;
        requestAnimationFrame(() => requestAnimationFrame(() => { window.__shots[state] = document.querySelector('#livescope-canvas').toDataURL('image/png'); }));
      });
      for (const type of ['statechange', 'playing', 'waiting', 'ended', 'error']) {
        window.livescopeWidgets[0].events.addEventListener(type, (e) => window.__events.push({ type, t: performance.now() - t0, ...(e.detail || {}) }));
      }
      // The first playlist 404 may already have set 'starting' before these listeners existed: record it as seen.
      const current = window.livescopeWidgets[0].plugins.playback.broadcastState;
      if (current) {
        window.__events.push({ type: 'statechange', t: 0, state: current, before: true });
        if (current === 'starting' || current === 'reconnecting') window.__events.push({ type: 'waiting', t: 0, state: current, before: true });
      }
    });
    const events = () => page.evaluate(() => window.__events);
    const waitFor = (pred, what, ms) => page.waitForFunction(pred, null, { timeout: ms, polling: 100 }).catch(async () => {
      throw new Error(`timed out waiting for ${what}; events ${JSON.stringify(await events())}`);
    });
    const state = (s) => `window.__events.some((e) => e.type === 'statechange' && e.state === '${s}')`;
    const shot = (name) => page.screenshot({ path: join(ARTIFACTS, `broadcast-${name}.png`) });

    // Before anyone publishes: starting, and no error past the watchdog's 15 s.
    await waitFor(state('starting'), 'starting', 15000);
    await page.waitForTimeout(QUIET_S * 1000);
    assert.deepEqual((await events()).filter((e) => e.type === 'error'), [], 'an error while the broadcast had not started');
    assert.ok(await middleBright(page) > 30, 'the starting card is not drawn');
    assert.ok((await events()).some((e) => e.type === 'waiting'), 'starting fires waiting');
    await shot('starting');

    // The publisher goes live: the widget plays by itself.
    const publisher = await openPublisher(port, `/ingest/show?token=${mintKey('show', SECRET)}`);
    assert.equal(publisher.status, 101, publisher.body);
    cleanups.push(() => publisher.destroy());
    const pusher = pushRealTime(publisher, clip, CLIP_S);
    cleanups.push(() => pusher.stop());
    await waitFor(`${state('live')} && window.__events.some((e) => e.type === 'playing')`, 'live and playing', 40000);
    await page.waitForTimeout(2000);
    await shot('live');

    // The publisher stops: reconnecting (the playlist stops growing), then ended after the grace.
    await pusher.stop();
    publisher.close();
    await waitFor(state('reconnecting'), 'reconnecting', 15000);
    await waitFor(`window.__shots.reconnecting`, 'the reconnecting capture', 5000);
    const capture = await page.evaluate(() => window.__shots.reconnecting);
    writeFileSync(join(ARTIFACTS, 'broadcast-reconnecting.png'), Buffer.from(capture.split(',')[1], 'base64'));
    await waitFor(`${state('ended')} && window.__events.some((e) => e.type === 'ended')`, 'ended', 30000);
    await page.waitForTimeout(500);
    assert.ok(await middleBright(page) > 30, 'the ended card is not drawn');
    await shot('ended');

    const all = await events();
    const changes = all.filter((e) => e.type === 'statechange').map((e) => e.state);
    console.log(`broadcast states: ${changes.join(' -> ')}`);
    const first = ['starting', 'live', 'reconnecting', 'ended'].map((s) => changes.indexOf(s));
    assert.ok(first.every((i, k) => i >= 0 && (k === 0 || i > first[k - 1])), `states out of order: ${JSON.stringify(all)}`);
    assert.equal(changes[0], 'starting');
    assert.equal(changes[changes.length - 1], 'ended');
    assert.deepEqual(all.filter((e) => e.type === 'error'), []);
    assert.equal(all.filter((e) => e.type === 'ended').length, 1);
  } catch (e) {
    console.log(logs.slice(-60).join('\n'));
    throw e;
  }
});
