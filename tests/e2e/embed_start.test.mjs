// e2e (embed start-up): the widget's start-up path on a host that serves `.wasm` as application/octet-stream (the
// page module's streaming compile is refused and the widget compiles the whole file instead), with two widgets on
// one page: the one in view starts, the one far below stays lazy (no worker, no wasm) until it is scrolled to.
// Real origin and Chromium; the dist is served by the repo's static server with the wrong MIME type for wasm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { startStack } from './lib/stack.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR } from './lib/canvas.mjs';

const DIST = process.env.LIVESCOPE_DIST || join(WASM_DIR, 'dist');
let stack, browser, host;
before(async () => {
  stack = await startStack({ relay: false, originArgs: ['--renditions', '360p'] });
  host = await serveStatic(DIST, { headers: (p) => (p.endsWith('.wasm') ? { 'Content-Type': 'application/octet-stream' } : {}) });
  browser = await launchBrowser();
});
after(async () => { if (browser) await browser.close(); if (host) await host.close(); if (stack) await stack.stop(); });

const framesShown = (page, sel) => page.evaluate((s) => { const st = document.querySelector(s).stats; return st ? st.framesShown : 0; }, sel);

test('with .wasm served as application/octet-stream the widget in view plays, and the one below starts only when scrolled to', async () => {
  const page = await browser.context.newPage();
  const logs = collectLogs(page);
  const requests = [], wasmTypes = [];
  const onRequest = (r) => requests.push(new URL(r.url()).pathname);
  const onResponse = (r) => { if (r.url().endsWith('.wasm')) wasmTypes.push(r.headers()['content-type']); };
  browser.context.on('request', onRequest); // context-level: the workers' requests too
  browser.context.on('response', onResponse);
  const src = stack.streamUrl;
  await page.route(`${host.url}/start.html`, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html>
<html><head><title>start</title></head><body style="margin:0">
<live-scope id="a" src="${src}" muted></live-scope>
<div style="height:4000px"></div>
<live-scope id="b" src="${src}" muted></live-scope>
<script src="/livescope.js" async></script></body></html>` }));
  const workers = () => requests.filter((p) => p.endsWith('/player-worker.js')).length;
  try {
    await page.goto(`${host.url}/start.html`);
    await page.waitForFunction(() => { const st = document.querySelector('#a').stats; return st && st.framesShown > 0; }, null, { timeout: 60000 });
    assert.ok(wasmTypes.length > 0 && wasmTypes.every((t) => t === 'application/octet-stream'), `wasm served as ${wasmTypes.join(', ')}`);
    assert.ok(logs.some((l) => l.includes('streaming compile failed')), 'the page module took the whole-file compile path');
    await page.waitForTimeout(1000); // the widget below has had time to start, were it not lazy
    assert.equal(workers(), 1, `player-worker.js requested ${workers()} times before scrolling: the widget below is not lazy`);
    assert.equal(await framesShown(page, '#b'), 0);
    const box = await page.evaluate(() => { const r = document.querySelector('#a').getBoundingClientRect(); return { w: r.width, h: r.height }; });
    assert.ok(box.w > 100 && box.h > 100, `widget a is ${box.w}x${box.h}`);
    await page.screenshot({ path: join(ARTIFACTS, 'embed-start-octet-stream.png') });

    await page.locator('#b').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => { const st = document.querySelector('#b').stats; return st && st.framesShown > 0; }, null, { timeout: 60000 });
    assert.equal(workers(), 2, 'one worker per widget');
    // One compile per page: the page module's wasm is fetched once for both widgets (twice with the whole-file retry).
    assert.ok(requests.filter((p) => p.endsWith('/livescope_page.wasm')).length <= 3, `page wasm requests: ${requests.filter((p) => p.endsWith('/livescope_page.wasm')).length}`);
    assert.ok(await framesShown(page, '#a') > 0);
  } catch (e) { console.log(logs.join('\n')); throw e; } finally {
    browser.context.off('request', onRequest);
    browser.context.off('response', onResponse);
    await page.close();
  }
});
