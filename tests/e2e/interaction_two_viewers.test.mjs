// e2e (interaction): two viewers of one room in headless Chromium against a real livescope-relay.
// Viewer counts, a comment typed on page A reaching page B (accessible log and canvas), hearts from a
// click on B reaching A's canvas exactly once (the latency is printed, never asserted: the figure is
// tests/bench/interaction/heart_latency.mjs's), hostile comment text staying text, and a host-page <input>
// that keeps its keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { launchBrowser, collectLogs, ROOT, ARTIFACTS } from './lib/browser.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR } from './lib/canvas.mjs';
import { startProcess, BIN } from './lib/procs.mjs';

// LIVESCOPE_WASM_DIR overrides the widget build (a developer's own build dir), as LIVESCOPE_BIN does for servers.
const RELAY = join(BIN, 'livescope-relay');
const ROOM = 'e2e-two-viewers';
const HEART_CLICKS = 3; // taps on B; A must count exactly this many hearts from others

// In-page helpers: read a region of the widget canvas (CSS px), keep baselines, count changed pixels,
// and watch for a change frame by frame (so the time is taken in the page, not across the CDP link).
function installHelpers() {
  const region = (x, y, w, h) => {
    const c = document.getElementById('livescope-canvas');
    const d = devicePixelRatio;
    const o = document.createElement('canvas');
    o.width = Math.max(1, Math.round(w * d)); o.height = Math.max(1, Math.round(h * d));
    const g = o.getContext('2d', { willReadFrequently: true });
    g.drawImage(c, x * d, y * d, w * d, h * d, 0, 0, o.width, o.height);
    return g.getImageData(0, 0, o.width, o.height).data;
  };
  const snaps = {};
  window.__lsSnap = (name, rect) => { snaps[name] = { rect, px: region(...rect) }; };
  window.__lsDiff = (name) => {
    const { rect, px } = snaps[name];
    const now = region(...rect);
    let n = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (Math.abs(px[i] - now[i]) + Math.abs(px[i + 1] - now[i + 1]) + Math.abs(px[i + 2] - now[i + 2]) > 60) n++;
    }
    return n;
  };
  window.__lsWatch = (name, minChanged, timeoutMs) => new Promise((resolve) => {
    const t0 = performance.now();
    const step = () => {
      const n = window.__lsDiff(name);
      if (n >= minChanged) resolve({ changed: n, at: performance.timeOrigin + performance.now() });
      else if (performance.now() - t0 > timeoutMs) resolve({ changed: n, at: null });
      else requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  window.__lsHeartEvents = [];
  window.__lsDialogs = [];
}

const roomState = (page) => page.evaluate(() => window.livescopeWidgets[0].plugins.room.state);

async function openViewer(context, url, tag) {
  const page = await context.newPage();
  const logs = collectLogs(page, tag);
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.addInitScript(installHelpers);
  // Two tabs of one browser would be one viewer (one stored client id): give each page its own.
  await page.addInitScript((id) => localStorage.setItem('livescope.clientId', id), `e2e-viewer-${tag}-${process.pid}`);
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.livescope, null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => document.documentElement.dataset.livescope), 'ready', `${tag}: widget did not start`);
  await page.evaluate(() => {
    const w = window.livescopeWidgets[0];
    w.events.addEventListener('heart', (e) => window.__lsHeartEvents.push({ ...e.detail, at: performance.timeOrigin + performance.now() }));
  });
  return { page, logs, dialogs, tag };
}

test('two viewers share a room: counts, comments, hearts, safe text, host keys', async (t) => {
  if (!existsSync(RELAY)) { t.skip(`livescope-relay not built (${RELAY}): build the native preset`); return; }
  if (!existsSync(join(WASM_DIR, 'livescope_page.wasm'))) { t.skip(`${WASM_DIR}/livescope_page.wasm missing: build the wasm preset`); return; }

  const relay = await startProcess(RELAY, ['--port', '0'], { ready: /listening on (ws\S+)/, tag: 'relay' });
  const wsUrl = relay.output.map((l) => l.match(/listening on (ws\S+)/)).find(Boolean)[1];
  const srv = await serveStatic(WASM_DIR);
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await srv.close(); await relay.stop(); });

  const room = `${wsUrl.replace(/\/?$/, '').replace(/\/ws$/, '')}/ws#${ROOM}`;
  const url = `${srv.url}/livescope_page.html?debug&title=${encodeURIComponent('Two viewers')}&room=${encodeURIComponent(room)}`;
  const a = await openViewer(browser.context, url, 'A');
  const b = await openViewer(browser.context, url, 'B');
  try {
    // 1. Both see two viewers (DOM mirror and the widget's state from `viewers` events).
    for (const v of [a, b]) {
      await v.page.waitForFunction(() => document.querySelector('.livescope-viewers')?.dataset.live === '2', null, { timeout: 20000 });
      await v.page.waitForFunction(() => document.querySelector('.livescope-viewers')?.dataset.total === '2', null, { timeout: 10000 });
      assert.deepEqual((await roomState(v.page)).viewers, { live: 2, total: 2 }, `${v.tag}: viewers event`);
    }
    const rectsA = (await roomState(a.page)).rects;
    const rectsB = (await roomState(b.page)).rects;
    assert.ok(rectsA && rectsA.compose[2] > 0 && rectsA.heart[2] > 0, `A has no overlay layout: ${JSON.stringify(rectsA)}`);

    // 2. A comment typed into A's compose box with the keyboard reaches B (log and canvas).
    const commentRegion = [0, rectsB.comments[1], Math.min(rectsB.comments[0] + rectsB.comments[2], 800), rectsB.comments[3]];
    await b.page.evaluate((r) => window.__lsSnap('comments', r), commentRegion);
    const box = await a.page.locator('.livescope-compose-input').boundingBox();
    await a.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    assert.ok(await a.page.evaluate(() => document.activeElement?.classList.contains('livescope-compose-input')), 'compose input not focused by the click');
    const text = 'Hola desde A: ¿qué tal? é ñ @livescope';
    await a.page.keyboard.type(text);
    await a.page.keyboard.press('Enter');
    assert.equal(await a.page.locator('.livescope-compose-input').inputValue(), '', 'compose box not cleared after Enter');
    await b.page.waitForFunction((s) => Array.from(document.querySelectorAll('.livescope-comment-log .livescope-comment-text')).some((e) => e.textContent === s), text, { timeout: 10000 });
    await a.page.waitForFunction((s) => Array.from(document.querySelectorAll('.livescope-comment-log .livescope-comment-text')).some((e) => e.textContent === s), text, { timeout: 10000 });
    await b.page.bringToFront(); // headless Chromium paces only the front tab at full rate
    await b.page.waitForTimeout(300); // a frame or two to draw it
    const commentPixels = await b.page.evaluate(() => window.__lsDiff('comments'));
    assert.ok(commentPixels > 150, `B's comment region changed by only ${commentPixels} pixels`);

    // 3. Clicks on B's video spawn hearts on A's canvas, each counted once (timed inside the pages, same
    // clock, and printed; the 500 ms target of issue 5 is checked by tests/bench/interaction.sh).
    await a.page.bringToFront(); // A's frames are the ones timed now
    await a.page.waitForTimeout(300);
    const heartRegion = [Math.max(0, rectsA.heart[0] - 140), Math.max(0, rectsA.heart[1] - 260), 220, 250];
    await a.page.evaluate((r) => window.__lsSnap('hearts', r), heartRegion);
    await b.page.evaluate(() => document.getElementById('livescope-canvas').addEventListener('pointerdown',
      (e) => { window.__lsClickAt = window.__lsClickAt || performance.timeOrigin + e.timeStamp; }, { capture: true }));
    const watch = a.page.evaluate(() => window.__lsWatch('hearts', 25, 8000));
    const canvasB = await b.page.locator('#livescope-canvas').boundingBox();
    for (let i = 0; i < HEART_CLICKS; i++) await b.page.mouse.click(canvasB.x + canvasB.width / 2, canvasB.y + canvasB.height / 2 + i * 4);
    const seen = await watch;
    await a.page.screenshot({ path: join(ARTIFACTS, 'interaction-viewer-a-hearts.png') });
    const clickAt = await b.page.evaluate(() => window.__lsClickAt);
    const eventAt = await a.page.evaluate(() => (window.__lsHeartEvents.find((e) => !e.own) || {}).at);
    assert.ok(seen.at !== null, `no hearts appeared on A's canvas within 8 s (${seen.changed} pixels changed)`);
    const latency = seen.at - clickAt;
    console.log(`interaction: heart click on B -> pixels on A: ${latency.toFixed(0)} ms (relay message on A after ${(eventAt - clickAt).toFixed(0)} ms, ${seen.changed} px changed)`);
    const othersHearts = () => a.page.evaluate(() => window.__lsHeartEvents.filter((e) => !e.own).reduce((n, e) => n + (e.count || 0), 0));
    await a.page.waitForFunction((n) => window.__lsHeartEvents.filter((e) => !e.own).reduce((s, e) => s + (e.count || 0), 0) >= n, HEART_CLICKS, { timeout: 10000 });
    await a.page.waitForTimeout(1500); // later hearts windows: a duplicate would arrive in one of them
    assert.equal(await othersHearts(), HEART_CLICKS, `A counted other viewers' hearts ${await othersHearts()} times for ${HEART_CLICKS} clicks on B`);

    // 4. Hostile text arrives as text: no <img>, no dialog.
    const hostile = '<img src=x onerror=alert(1)>';
    await a.page.waitForTimeout(1100); // the relay allows 1 comment/s after a burst of 3
    const inputA = a.page.locator('.livescope-compose-input');
    await inputA.click();
    await a.page.keyboard.type(hostile);
    await a.page.keyboard.press('Enter');
    await b.page.waitForFunction((s) => Array.from(document.querySelectorAll('.livescope-comment-log .livescope-comment-text')).some((e) => e.textContent === s), hostile, { timeout: 10000 });
    await b.page.waitForTimeout(500);
    for (const v of [a, b]) {
      assert.equal(await v.page.evaluate(() => document.querySelectorAll('img').length), 0, `${v.tag}: an <img> element appeared`);
      assert.deepEqual(v.dialogs, [], `${v.tag}: a dialog opened`);
    }

    // 5. A host-page field keeps its keys while the widget is on the page (and after it had focus).
    await a.page.evaluate(() => {
      const f = document.createElement('input');
      f.id = 'host-field';
      f.style.cssText = 'position:fixed;left:300px;top:200px;width:200px;height:24px;z-index:10;';
      document.body.appendChild(f);
    });
    await inputA.click();
    await a.page.click('#host-field');
    await a.page.keyboard.type('host typing works');
    await a.page.keyboard.press('Enter');
    assert.equal(await a.page.inputValue('#host-field'), 'host typing works');
    assert.equal(await inputA.inputValue(), '', 'widget compose box took host keys');

    await a.page.screenshot({ path: join(ARTIFACTS, 'interaction-viewer-a.png') });
    await b.page.screenshot({ path: join(ARTIFACTS, 'interaction-viewer-b.png') });
    console.log(`interaction: comment region on B changed by ${commentPixels} px; screenshots in ${ARTIFACTS}`);
  } catch (e) {
    console.log([...a.logs, ...b.logs].join('\n'));
    console.log(relay.output.slice(-20).join('\n'));
    throw e;
  }
});
