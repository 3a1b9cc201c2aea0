// e2e (embed start-up, what the first frame no longer waits for; docs/decode.md, First frame): on the blog page the loader
// creates the widget's worker before building any Intl.NumberFormat (the room's compact viewer count: made at its first use,
// and still used once the room is up), and the poster's 2D context exists before the worker's first frame reaches the page
// (first-frame.js makes it, and draws a 2x2 VideoFrame on it, at the widget's start), and the worker processes no AudioData
// before the decoder's first frame. Orders of events, never durations.
// Real origin, relay and Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { startStack } from './lib/stack.mjs';

let stack, browser;
before(async () => {
  stack = await startStack({ relay: true, originArgs: ['--renditions', '360p'] });
  browser = await launchBrowser();
});
after(async () => { if (browser) await browser.close(); if (stack) await stack.stop(); });

test('the worker starts before any NumberFormat is built, and the poster\'s 2D context is ready before the first frame comes', async () => {
  const page = await browser.context.newPage();
  const logs = collectLogs(page);
  await page.addInitScript(() => {
    const seen = window.__seen = { numberFormat: NaN, numberFormats: 0, context2d: NaN, viewers: NaN };
    const NF = Intl.NumberFormat;
    const count = () => { seen.numberFormats++; if (isNaN(seen.numberFormat)) seen.numberFormat = performance.now(); };
    Intl.NumberFormat = new Proxy(NF, {
      construct(t, args, nt) { count(); return Reflect.construct(t, args, nt); },
      apply(t, self, args) { count(); return Reflect.apply(t, self, args); },
    });
    const getContext = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
      if (type === '2d' && isNaN(seen.context2d)) seen.context2d = performance.now();
      return getContext.call(this, type, ...rest);
    };
    document.addEventListener('DOMContentLoaded', () => {
      const el = document.querySelector('live-scope');
      if (el) el.addEventListener('viewers', () => { if (isNaN(seen.viewers)) seen.viewers = performance.now(); });
    });
  });
  try {
    await page.goto(`${stack.web.url}/examples/blog.html`);
    await page.waitForFunction(() => { const st = document.querySelector('live-scope').stats; return st && st.firstFrameBy !== ''; }, null, { timeout: 60000 });
    const at = await page.evaluate(() => {
      const first = (n) => { const e = performance.getEntriesByName('livescope:' + n, 'mark')[0]; return e ? e.startTime : NaN; };
      const poster = document.querySelector('live-scope').shadowRoot.querySelector('canvas.livescope-first-frame');
      return { ...window.__seen, workerCreated: first('worker created'), frameAtPage: first('first frame at the page'),
        by: document.querySelector('live-scope').stats.firstFrameBy, posterWidth: poster ? poster.width : 0,
        frameOut: first('first frame out of the decoder'), audioData: first('first audio data'), holdTimedOut: first('audio hold timed out') };
    });
    assert.ok(at.workerCreated > 0, 'the loader created the worker');
    assert.ok(!(at.numberFormat <= at.workerCreated), `an Intl.NumberFormat was built before the worker (at ${at.numberFormat}, worker ${at.workerCreated})`);
    assert.equal(at.by, 'poster');
    assert.ok(at.frameAtPage > 0 && at.context2d < at.frameAtPage, `the poster's 2D context (${at.context2d}) came after the first frame (${at.frameAtPage})`);
    // The worker's thread is left to the decoder's first frame: no AudioData is processed (the resampler's set-up) before
    // it, unless the hold's bound ran out first (a slow decoder). The tone is checked by playback_webcodecs.
    await page.waitForFunction(() => performance.getEntriesByName('livescope:first audio data', 'mark').length > 0, null, { timeout: 10000 });
    const audioData = await page.evaluate(() => performance.getEntriesByName('livescope:first audio data', 'mark')[0].startTime);
    assert.ok(audioData >= at.frameOut || at.holdTimedOut > 0,
      `the first AudioData was processed (${audioData}) before the decoder's first frame (${at.frameOut})`);
    // The poster canvas took the frame's size (the 2x2 warm-up is not what is shown).
    if (at.posterWidth) assert.ok(at.posterWidth > 2, `poster ${at.posterWidth} px wide`);
    await page.screenshot({ path: join(ARTIFACTS, 'embed-firstframe-blog.png') });
    const box = await page.evaluate(() => { const r = document.querySelector('live-scope').getBoundingClientRect(); return { w: r.width, h: r.height }; });
    assert.ok(box.w > 100 && box.h > 100, `the widget is ${box.w}x${box.h}`);
    // The room comes up with the page module: its viewer count is formatted, the NumberFormat made then.
    await page.waitForFunction(() => window.__seen.viewers > 0, null, { timeout: 30000 });
    await page.waitForFunction(() => window.__seen.numberFormats > 0, null, { timeout: 10000 });
  } catch (e) { console.log(logs.join('\n')); throw e; } finally {
    await page.close();
  }
});

// The worker takes its start from its name (web/livescope.js earlyWorker, player-worker.js "Early start"): its first
// request, the multivariant playlist, does not wait for this page's main thread to relay a message. When the
// worker's first message (its 'worker script run' mark, posted as its script starts) reaches the page, the page keeps
// its main thread busy for 1.5 s: the playlist's request must go out within that time. (Relayed, it went out only after
// it: a dedicated worker's first messages pass through its page's main thread once its script has run.)
test('the worker requests the playlist while the page\'s main thread is busy as the worker\'s script runs', async () => {
  const page = await browser.context.newPage();
  const logs = collectLogs(page);
  const playlists = [];
  const onRequest = (r) => { if (new URL(r.url()).pathname.endsWith('.m3u8')) playlists.push(Date.now()); };
  browser.context.on('request', onRequest); // context-level: the worker's requests too
  await page.addInitScript(() => {
    window.__busy = { from: NaN, to: NaN };
    const Native = window.Worker;
    window.Worker = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (e) => {
          if (e.data && e.data.type === 'mark' && e.data.name === 'worker script run' && !(window.__busy.from > 0)) {
            window.__busy.from = Date.now();
            while (Date.now() - window.__busy.from < 1500) { /* the page's main thread is busy */ }
            window.__busy.to = Date.now();
          }
        });
      }
    };
  });
  try {
    await page.goto(`${stack.web.url}/examples/blog.html`);
    await page.waitForFunction(() => window.__busy.to > 0, null, { timeout: 60000 });
    const busy = await page.evaluate(() => window.__busy);
    await page.waitForFunction(() => { const st = document.querySelector('live-scope').stats; return st && st.framesShown > 0; }, null, { timeout: 60000 });
    assert.ok(playlists.length > 0, 'no playlist was requested');
    // Date.now() on both sides (one machine); Node sees the request event after the browser sent it.
    assert.ok(playlists[0] < busy.to, `the first playlist request (${playlists[0] - busy.from} ms after the busy time began) waited for the page's main thread (busy for ${busy.to - busy.from} ms)`);
  } catch (e) { console.log(logs.join('\n')); throw e; } finally {
    browser.context.off('request', onRequest);
    await page.close();
  }
});
