// e2e (the first frame before the page module, issue 16): on the WebCodecs path the worker's first frame is painted on
// the poster canvas (web/runtime/first-frame.js) before the page module's wasm is even answered, the page module takes
// over when it comes, no VideoFrame is left open for the garbage collector, and a widget whose page module cannot load ends
// its playback worker; on the wasm path the page module still loads with the runtime, and a stream that shows no frame
// gets its state card once the wait for a first frame is over. Two widgets in view share one page (one page-module
// compile). The standalone player page (player.html, player-page.js) takes the same early path, under its strict CSP.
// Real origin (testsrc2 bars) and Chromium; the dist a publisher hosts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { startStack } from './lib/stack.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR } from './lib/canvas.mjs';
import { checkBars } from '../bench/playback/lib.mjs';
import { strictCsp } from '../../scripts/demo-server.mjs';

const DIST = process.env.LIVESCOPE_DIST || join(WASM_DIR, 'dist');
let stack, browser, host;
before(async () => {
  stack = await startStack({ relay: false, originArgs: ['--renditions', '360p'] });
  host = await serveStatic(DIST);
  browser = await launchBrowser();
});
after(async () => { if (browser) await browser.close(); if (host) await host.close(); if (stack) await stack.stop(); });

const LEAK = 'garbage collected without being closed'; // Chromium's warning for a VideoFrame nobody closed

// In the page, before the loader: every VideoFrame a worker sends to the page is tracked, and one that the garbage
// collector takes while still open is counted (window.__frames: { seen, closed, leaked }). Chromium's own warning for
// those comes up to 10 s later, in the worker that made the frame.
function trackFrames() {
  const stats = window.__frames = { seen: 0, closed: 0, leaked: 0 };
  const open = new WeakMap();
  const gone = new FinalizationRegistry((token) => { if (!token.closed) stats.leaked++; });
  const close = VideoFrame.prototype.close;
  VideoFrame.prototype.close = function () { const t = open.get(this); if (t && !t.closed) { t.closed = true; stats.closed++; } return close.call(this); };
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const f = e.data && e.data.frame;
        if (f instanceof VideoFrame && !open.has(f)) { const t = { closed: false }; open.set(f, t); gone.register(f, t); stats.seen++; }
      });
    }
  };
}

// A page of widgets side by side (each 300 px wide, 9:16) and the loader; `ids` lists their ids, or [id, attributes].
// window.states collects each widget's 'statechange' as 'id:state'.
async function openPage(ids, prepare) {
  const page = await browser.context.newPage();
  const logs = collectLogs(page);
  // The workers' console too: a VideoFrame transferred from the worker and left open is reported in the worker.
  page.on('worker', (w) => w.on('console', (m) => logs.push(`[worker:${m.type()}] ${m.text()}`)));
  const widgets = ids.map((w) => [].concat(w)).map(([id, attrs]) =>
    `<div style="width:300px"><live-scope id="${id}" muted ${/\bsrc=/.test(attrs || '') ? attrs : `src="${stack.streamUrl}" ${attrs || ''}`}></live-scope></div>`).join('');
  await page.route(`${host.url}/poster.html`, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html>
<html><head><title>poster</title></head><body style="margin:0;background:#fff">
<div style="display:flex;gap:8px">${widgets}</div>
<script src="/states.js"></script><script src="/livescope.js" async></script></body></html>` }));
  await page.route(`${host.url}/states.js`, (route) => route.fulfill({ contentType: 'text/javascript',
    body: "window.states = []; document.addEventListener('statechange', (e) => window.states.push(e.target.id + ':' + e.detail.state), true);" }));
  await page.addInitScript(trackFrames);
  if (prepare) await prepare(page);
  await page.goto(`${host.url}/poster.html`);
  return { page, logs };
}

const plugins = (page, id) => page.evaluate((i) => Object.keys(document.getElementById(i)._ls.widget.plugins).sort(), id); // the room's too
const hasPoster = (page, id) => page.evaluate((i) => !!document.getElementById(i).shadowRoot.querySelector('canvas.livescope-first-frame'), id);
const stats = (page, id) => page.evaluate((i) => { const s = document.getElementById(i).stats; return s && { framesShown: s.framesShown, firstFrameMs: s.firstFrameMs, firstFrameBy: s.firstFrameBy }; }, id);

// The poster canvas's own pixels, as { w, h, px } (RGBA).
function posterPixels(page, id) {
  return page.evaluate((i) => {
    const c = document.getElementById(i).shadowRoot.querySelector('canvas.livescope-first-frame');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let bin = '';
    for (let k = 0; k < d.data.length; k += 0x8000) bin += String.fromCharCode.apply(null, d.data.subarray(k, k + 0x8000));
    return { w: d.width, h: d.height, b64: btoa(bin) };
  }, id).then(({ w, h, b64 }) => ({ w, h, px: new Uint8Array(Buffer.from(b64, 'base64')) }));
}

// What is on screen over the widget: an element screenshot (saved to `file`), decoded in the page, as { w, h, px }.
async function screenPixels(page, id, file) {
  const png = await page.locator(`#${id}`).screenshot({ path: join(ARTIFACTS, file) });
  const { w, h, b64 } = await page.evaluate(async (b) => {
    const bytes = Uint8Array.from(atob(b), (ch) => ch.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const o = new OffscreenCanvas(bmp.width, bmp.height), g = o.getContext('2d');
    g.drawImage(bmp, 0, 0);
    const d = g.getImageData(0, 0, bmp.width, bmp.height);
    let bin = '';
    for (let k = 0; k < d.data.length; k += 0x8000) bin += String.fromCharCode.apply(null, d.data.subarray(k, k + 0x8000));
    return { w: d.width, h: d.height, b64: btoa(bin) };
  }, png.toString('base64'));
  return { w, h, px: new Uint8Array(Buffer.from(b64, 'base64')) };
}

const barsOk = (img) => checkBars(img).every((b) => b.ok);
const barsText = (img) => JSON.stringify(checkBars(img).map((b) => ({ want: b.want, hits: b.hits, got: b.got.slice(0, 2) })));

test('the first frame is on the poster before the page module is answered, then the page module takes over', async () => {
  let wasmRequests = 0, answered = false, release;
  const held = new Promise((r) => { release = r; });
  const { page, logs } = await openPage(['a', 'b'], (p) => p.route('**/livescope_page.wasm', async (route) => {
    wasmRequests++;
    await held; // the test says when: after the poster was checked
    answered = true;
    await route.continue();
  }));
  try {
    for (const id of ['a', 'b']) await page.waitForFunction((i) => { const r = document.getElementById(i).shadowRoot; return r && r.querySelector('canvas.livescope-first-frame'); }, id, { timeout: 60000 });
    assert.equal(answered, false);
    // The picture: on the poster canvas, and on screen over the widget (letterboxed, the loading message gone).
    for (const id of ['a', 'b']) {
      const own = await posterPixels(page, id);
      assert.ok(barsOk(own), `${id}: the poster canvas (${own.w}x${own.h}) shows no testsrc2 bars: ${barsText(own)}`);
      const shot = await screenPixels(page, id, `poster-first-frame-${id}.png`);
      assert.ok(barsOk(shot), `${id}: the screen shows no testsrc2 bars over the widget: ${barsText(shot)}`);
      const s = await stats(page, id);
      assert.equal(s.firstFrameBy, 'poster');
      assert.ok(s.firstFrameMs > 0, `firstFrameMs ${s.firstFrameMs}`);
      assert.equal(s.framesShown, 0, 'the page module is not up yet');
      assert.equal(await page.evaluate((i) => document.getElementById(i).shadowRoot.querySelector('.msg').textContent, id), '');
    }
    const marks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => m.name));
    assert.ok(marks.includes('livescope:first frame shown'), marks.join(', '));
    assert.ok(!marks.includes('livescope:page module ready'), 'the page module came before its wasm was answered');
    await page.screenshot({ path: join(ARTIFACTS, 'poster-first-frame.png') });
    assert.equal(answered, false, 'the page wasm was answered before the poster was checked');

    release();
    for (const id of ['a', 'b']) await page.waitForFunction((i) => { const s = document.getElementById(i).stats; return s && s.framesShown > 0; }, id, { timeout: 60000 });
    for (const id of ['a', 'b']) {
      const first = (await stats(page, id)).framesShown;
      await page.waitForFunction(([i, n]) => document.getElementById(i).stats.framesShown >= n + 10, [id, first], { timeout: 30000 });
      assert.equal(await hasPoster(page, id), false, `${id}: the poster is still over the page module's picture`);
      assert.equal((await stats(page, id)).firstFrameBy, 'poster');
      assert.deepEqual(await plugins(page, id), ['playback', 'playback-a11y', 'replay-offer', 'room']);
    }
    assert.ok(wasmRequests >= 1 && wasmRequests <= 2, `page wasm requested ${wasmRequests} times for two widgets`);
    const shot = await screenPixels(page, 'a', 'poster-page-module.png');
    assert.ok(barsOk(shot), `the page module's picture shows no testsrc2 bars: ${barsText(shot)}`);
    // Every VideoFrame the page got (the poster's first one included) was closed: none is collected open.
    const cdp = await browser.context.newCDPSession(page);
    for (let i = 0; i < 3; i++) { await cdp.send('HeapProfiler.collectGarbage'); await page.waitForTimeout(200); }
    await cdp.detach();
    const frames = await page.evaluate(() => window.__frames);
    assert.ok(frames.seen > 10 && frames.closed > 0, `frames tracked: ${JSON.stringify(frames)}`);
    assert.equal(frames.leaked, 0, `VideoFrames collected without close(): ${JSON.stringify(frames)}`);
    assert.deepEqual(logs.filter((l) => l.includes(LEAK)), []);
  } catch (e) { console.log(logs.join('\n')); throw e; } finally {
    release();
    await page.close();
  }
});

test('a widget whose page module cannot load ends its playback worker', async () => {
  for (const file of ['livescope_page.js', 'livescope_page.wasm']) {
    const workers = [];
    const { page, logs } = await openPage(['a'], async (p) => {
      p.on('worker', (w) => { const rec = { url: w.url(), closed: false }; workers.push(rec); w.on('close', () => { rec.closed = true; }); });
      await p.route(`**/${file}`, (route) => route.fulfill({ status: 404, body: 'gone' }));
    });
    try {
      // The load error (its message names the file) is on the widget.
      await page.waitForFunction((f) => document.getElementById('a').shadowRoot.querySelector('.msg').textContent.includes(f), file, { timeout: 60000 });
      for (let i = 0; i < 50 && !(workers.length && workers.every((w) => w.closed)); i++) await page.waitForTimeout(100);
      assert.ok(workers.some((w) => w.url.endsWith('/player-worker.js')), `workers: ${JSON.stringify(workers)}`);
      assert.ok(workers.every((w) => w.closed), `${file} 404: a worker is still running: ${JSON.stringify(workers)}`);
      assert.equal(await hasPoster(page, 'a'), false, 'the poster stays over the error');
    } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
  }
});

test('on the wasm path the page module loads with the runtime, and a stream without frames gets its card after the wait', async () => {
  const missing = new URL('/live/no-such-broadcast/index.m3u8', stack.streamUrl).href;
  const { page, logs } = await openPage([['w', 'decoder="wasm"'], ['s', `src="${missing}"`]]);
  try {
    await page.waitForFunction(() => { const s = document.getElementById('w').stats; return s && s.framesShown > 0; }, null, { timeout: 60000 });
    assert.equal((await stats(page, 'w')).firstFrameBy, 'page');
    assert.deepEqual(await plugins(page, 'w'), ['playback', 'playback-a11y', 'replay-offer', 'room']);
    // The page module's wasm was requested before the first frame (today's order), not after it.
    const order = await page.evaluate(() => {
      const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/livescope_page.wasm'));
      const first = performance.getEntriesByName('livescope:first frame shown')[0];
      return { wasm: wasm ? wasm.startTime : NaN, first: first ? first.startTime : NaN };
    });
    assert.ok(order.wasm < order.first, `page wasm requested at ${order.wasm} ms, first frame at ${order.first} ms`);
    // The widget whose stream never starts holds its gate until the wait is over; then the page module draws its card.
    await page.waitForFunction(() => window.states.includes('s:starting'), null, { timeout: 30000 });
    assert.equal(await hasPoster(page, 's'), false);
    assert.equal((await stats(page, 's')).framesShown, 0);
    await page.screenshot({ path: join(ARTIFACTS, 'poster-wasm-path-and-starting.png') });
  } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
});

test('the standalone player page paints the first frame on the poster before the page wasm is answered, under its CSP', async () => {
  let answered = false, release;
  const held = new Promise((r) => { release = r; });
  const page = await browser.context.newPage();
  const logs = collectLogs(page);
  await page.setViewportSize({ width: 360, height: 640 });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  // Served as the demo server serves /embed/player.html: with the strict CSP (no inline script or style).
  const csp = strictCsp({ streamUrl: stack.streamUrl });
  await page.route(/\/player\.html(\?|$)/, async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, headers: { ...res.headers(), 'content-security-policy': csp } });
  });
  await page.route('**/livescope_page.wasm', async (route) => { await held; answered = true; await route.continue(); });
  const first = () => page.evaluate(() => { const p = window.livescopeWidgets[0].prepared.playback; return { by: p.firstFrameBy, ms: p.firstFrameMs }; });
  try {
    await page.goto(`${host.url}/player.html?muted=1&src=${encodeURIComponent(stack.streamUrl)}`);
    await page.waitForSelector('canvas.livescope-first-frame', { timeout: 60000 });
    assert.equal(answered, false);
    const own = await page.evaluate(() => {
      const c = document.querySelector('canvas.livescope-first-frame'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      let bin = '';
      for (let k = 0; k < d.data.length; k += 0x8000) bin += String.fromCharCode.apply(null, d.data.subarray(k, k + 0x8000));
      return { w: d.width, h: d.height, b64: btoa(bin) };
    }).then(({ w, h, b64 }) => ({ w, h, px: new Uint8Array(Buffer.from(b64, 'base64')) }));
    assert.ok(barsOk(own), `the player page's poster canvas (${own.w}x${own.h}) shows no testsrc2 bars: ${barsText(own)}`);
    const shot = await page.screenshot({ path: join(ARTIFACTS, 'poster-player-page.png') });
    const img = await page.evaluate(async (b) => {
      const bmp = await createImageBitmap(new Blob([Uint8Array.from(atob(b), (ch) => ch.charCodeAt(0))], { type: 'image/png' }));
      const o = new OffscreenCanvas(bmp.width, bmp.height), g = o.getContext('2d');
      g.drawImage(bmp, 0, 0);
      const d = g.getImageData(0, 0, bmp.width, bmp.height);
      let bin = '';
      for (let k = 0; k < d.data.length; k += 0x8000) bin += String.fromCharCode.apply(null, d.data.subarray(k, k + 0x8000));
      return { w: d.width, h: d.height, b64: btoa(bin) };
    }, shot.toString('base64')).then(({ w, h, b64 }) => ({ w, h, px: new Uint8Array(Buffer.from(b64, 'base64')) }));
    assert.ok(barsOk(img), `the player page shows no testsrc2 bars on screen: ${barsText(img)}`);
    assert.equal((await first()).by, 'poster');
    const marks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => m.name));
    assert.ok(marks.includes('livescope:first frame shown'), marks.join(', '));
    assert.ok(!marks.includes('livescope:page module ready'), 'the page module came before its wasm was answered');
    assert.equal(answered, false, 'the page wasm was answered before the poster was checked');

    release();
    await page.waitForFunction(() => document.documentElement.dataset.livescope === 'ready' && window.livescopeWidgets[0].stats.framesShown > 10, null, { timeout: 60000 });
    assert.equal(await page.evaluate(() => !!document.querySelector('canvas.livescope-first-frame')), false, 'the poster is still over the page module\'s picture');
    assert.equal((await first()).by, 'poster');
    await page.screenshot({ path: join(ARTIFACTS, 'poster-player-page-module.png') });
    await page.waitForTimeout(300);
    assert.deepEqual(await page.evaluate(() => window.__csp), [], 'CSP violations on the player page');
  } catch (e) { console.log(logs.join('\n')); throw e; } finally {
    release();
    await page.close();
  }
});
