// e2e (embed start-up, no chained round trips): the worker's session starts before the page runtime has run (widget.js is
// held until a media playlist is requested, 3 s at most), the widget requests the start point's part while its init
// segment is still unanswered (a proxy in front of the origin holds every init response until a listed part is asked for,
// 3 s at most), and two widgets on one page share one compile of the worker's wasm (the loader compiles it and posts the
// WebAssembly.Module to each worker: the file is fetched once), and no Emscripten glue is requested after the worker script
// (the dist's player-worker.js carries the light module's). Real origin and Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { startStack } from './lib/stack.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR } from './lib/canvas.mjs';

const DIST = process.env.LIVESCOPE_DIST || join(WASM_DIR, 'dist');
const HOLD_MS = 3000; // the longest an init response is held

// Forwards to `target` (the origin); learns the preload-hinted parts from the playlists it passes on, and holds each init
// segment's response until a part that is not a hint (a listed one: the start point's) is requested, or HOLD_MS.
function holdingProxy(target) {
  const t = new URL(target);
  const seen = { hints: new Set(), mediaPlaylists: 0, inits: 0, listedPartWhileInitHeld: 0, released: { byPart: 0, byTimeout: 0 } };
  let held = [];
  const listed = new Set(); // part names listed (EXT-X-PART) in the playlists served
  const release = (why) => { const h = held; held = []; for (const go of h) { seen.released[why]++; go(); } };
  const server = http.createServer((req, res) => {
    const name = (req.url.split('?')[0].split('/').pop()) || '';
    const forward = () => {
      const up = http.request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: { ...req.headers, host: t.host } }, (ur) => {
        res.writeHead(ur.statusCode, ur.headers);
        if (!name.endsWith('.m3u8')) { ur.pipe(res); return; }
        let text = '';
        ur.setEncoding('utf8');
        ur.on('data', (d) => { text += d; res.write(d); });
        ur.on('end', () => {
          for (const m of text.matchAll(/#EXT-X-PRELOAD-HINT:[^\n]*URI="([^"]+)"/g)) seen.hints.add(m[1].split('/').pop());
          for (const m of text.matchAll(/#EXT-X-PART:[^\n]*URI="([^"]+)"/g)) listed.add(m[1].split('/').pop());
          res.end();
        });
      });
      up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
      res.on('close', () => { if (!res.writableEnded) up.destroy(); }); // the browser gave up (an aborted request)
      req.pipe(up);
    };
    // A part a playlist served so far lists (not only hints): a part hinted in an earlier playlist and listed by the time
    // it is the start point counts (the hints alone made that a false failure, 1 run in 3 under load).
    if (/^part-/.test(name) && listed.has(name) && held.length) { seen.listedPartWhileInitHeld++; release('byPart'); }
    if (name.endsWith('.m3u8') && req.url.split('?')[0] !== t.pathname) seen.mediaPlaylists++; // not the multivariant
    if (/^init-/.test(name)) {
      seen.inits++;
      let done = false;
      const go = () => { if (!done) { done = true; clearTimeout(timer); forward(); } };
      const timer = setTimeout(() => { held = held.filter((g) => g !== go); seen.released.byTimeout++; go(); }, HOLD_MS);
      held.push(go);
      return;
    }
    forward();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`, seen,
    close: () => new Promise((r) => { release('byTimeout'); server.closeAllConnections(); server.close(() => r()); }),
  })));
}

let stack, browser, host, proxy;
before(async () => {
  stack = await startStack({ relay: false, originArgs: ['--renditions', '360p'] });
  proxy = await holdingProxy(stack.streamUrl);
  host = await serveStatic(DIST);
  browser = await launchBrowser();
});
after(async () => { if (browser) await browser.close(); if (host) await host.close(); if (proxy) await proxy.close(); if (stack) await stack.stop(); });

test('the start point\'s part is requested while its init segment is unanswered, and two widgets fetch the worker wasm once', async () => {
  const page = await browser.context.newPage();
  const logs = collectLogs(page);
  const requests = [];
  const onRequest = (r) => requests.push(new URL(r.url()).pathname);
  browser.context.on('request', onRequest); // context-level: the workers' requests too
  const u = new URL(stack.streamUrl);
  const src = proxy.url + u.pathname + u.search;
  await page.route(`${host.url}/parallel.html`, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html>
<html><head><title>parallel</title></head><body style="margin:0;display:flex">
<div style="width:300px"><live-scope id="a" src="${src}" muted></live-scope></div>
<div style="width:300px"><live-scope id="b" src="${src}" muted></live-scope></div>
<script src="/livescope.js" async></script></body></html>` }));
  // The page runtime's first script waits until the worker asked for a media playlist (the session runs before 'start').
  let runtimeHeldUntilPlaylist = null;
  await page.route(`${host.url}/widget.js`, async (route) => {
    for (let i = 0; i < 60 && !proxy.seen.mediaPlaylists; i++) await new Promise((r) => setTimeout(r, 50));
    if (runtimeHeldUntilPlaylist === null) runtimeHeldUntilPlaylist = proxy.seen.mediaPlaylists > 0;
    await route.continue();
  });
  try {
    await page.goto(`${host.url}/parallel.html`);
    await page.waitForFunction(() => ['#a', '#b'].every((s) => { const st = document.querySelector(s).stats; return st && st.framesShown > 0; }),
      null, { timeout: 60000 });
    const { seen } = proxy;
    assert.equal(runtimeHeldUntilPlaylist, true, 'no media playlist was requested before the page runtime ran (the session waits for \'start\')');
    assert.ok(seen.inits >= 2, `init segments requested: ${seen.inits}`);
    assert.ok(seen.listedPartWhileInitHeld >= 1 && seen.released.byTimeout === 0,
      `a listed part came while the init segment was held: ${JSON.stringify(seen)} (a worker waits for the init segment before the part)`);
    const wasm = requests.filter((p) => /livescope_worker(_light)?\.wasm$/.test(p));
    assert.equal(wasm.length, 1, `worker wasm requests: ${wasm.join(', ')} (each worker compiled its own)`);
    // The light module's glue comes inside the dist's player-worker.js: no request chained after the worker script's.
    const glue = requests.filter((p) => /livescope_worker(_light)?\.js$/.test(p));
    assert.ok(requests.includes('/player-worker.js'), `no worker script among ${requests.join(', ')}`);
    assert.equal(glue.length, 0, `worker glue requests: ${glue.join(', ')} (importScripts after the worker script)`);
    const marks = await page.evaluate(() => performance.getEntriesByType('mark').map((e) => e.name));
    assert.ok(marks.includes('livescope:worker wasm compiled'), 'the loader compiled the worker wasm');
    await page.screenshot({ path: join(ARTIFACTS, 'embed-parallel.png') });
  } catch (e) { console.log(logs.join('\n')); throw e; } finally {
    browser.context.off('request', onRequest);
    await page.close();
  }
});
