// e2e (layout): every page a person opens, as they see it. The blog, the post-card page and the standalone
// player page in an iframe on another origin at 360x640 and 1280x720: the canvas fills its frame or widget
// box, video shows in it, and no CSP violation is reported. A screenshot of each goes to build/test-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { startStack } from './lib/stack.mjs';
import { serveStatic } from './lib/static.mjs';

const TITLE = 'Layout $& check'; // a replacement pattern in the title must land as text
let stack, browser, hostDir, host, decoder;
before(async () => {
  stack = await startStack({ originArgs: ['--renditions', '360p'] });
  browser = await launchBrowser();
  decoder = await browser.context.newPage(); // about:blank, for decoding screenshots
  // The iframe host pages, on another origin (localhost, another port) than the player page (127.0.0.1).
  hostDir = mkdtempSync(join(tmpdir(), 'livescope-layout-'));
  const q = new URLSearchParams({ src: stack.streamUrl, room: `${stack.relayUrl}#layout`, title: TITLE });
  for (const [w, h] of [[360, 640], [1280, 720]]) {
    writeFileSync(join(hostDir, `frame-${w}x${h}.html`), '<!doctype html><html><head><title>host</title></head>'
      + `<body style="margin:8px;background:#ccc"><iframe id="player" src="${stack.web.url}/embed/player.html?${q.toString().replaceAll('&', '&amp;')}"`
      + ` width="${w}" height="${h}" frameborder="0" allow="autoplay; fullscreen" title="player"></iframe></body></html>`);
  }
  host = await serveStatic(hostDir);
});
after(async () => {
  if (browser) await browser.close();
  if (host) await host.close();
  if (stack) await stack.stop();
  if (hostDir) rmSync(hostDir, { recursive: true, force: true });
});

// Opens `url` at a viewport size, recording CSP violations in the page and its frames.
async function open(url, width, height) {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height });
  const logs = collectLogs(page);
  const violations = [];
  await page.exposeFunction('__cspViolation', (v) => violations.push(v));
  await page.addInitScript(() => document.addEventListener('securitypolicyviolation',
    (e) => window.__cspViolation(`${location.pathname}: ${e.violatedDirective} ${e.blockedURI}`)));
  await page.goto(url);
  return { page, logs, violations };
}

// Share of a PNG's pixels that are coloured (max - min channel > 48): video, not the dark frame or white text.
async function colouredShare(png) {
  return decoder.evaluate(async (b64) => {
    const bmp = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const g = c.getContext('2d');
    g.drawImage(bmp, 0, 0);
    const d = g.getImageData(0, 0, bmp.width, bmp.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 48) n++;
    return n / (d.length / 4);
  }, png.toString('base64'));
}

const near = (a, b, what) => assert.ok(Math.abs(a - b) <= 1, `${what}: ${a} vs ${b}`);
function assertBoxEqual(inner, outer, what) {
  for (const k of ['x', 'y', 'width', 'height']) near(inner[k], outer[k], `${what} ${k}`);
}

// Waits for the CSP reports the browser may still be sending, then asserts none came.
async function assertNoCsp(violations, what) {
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(violations, [], `CSP violations on ${what}`);
  assert.deepEqual(stack.web.reports, [], `CSP reports on ${what}`);
}

// One embedded widget (<live-scope> or div.livescope): plays, its canvas fills its box (backing store
// included), video shows in it. Returns the widget's element handle.
async function checkWidget(page, selector, what) {
  const el = page.locator(selector);
  await el.scrollIntoViewIfNeeded();
  await page.waitForFunction((s) => { const st = document.querySelector(s).stats; return st && st.framesShown > 0; }, selector, { timeout: 60000 });
  await page.waitForTimeout(1000);
  const geo = await el.evaluate((host) => {
    const r = (e) => { const b = e.getBoundingClientRect(); return { x: b.x, y: b.y, width: b.width, height: b.height }; };
    const box = host.shadowRoot.querySelector('.box'), canvas = host.shadowRoot.querySelector('canvas');
    return { host: r(host), box: r(box), canvas: r(canvas), backing: [canvas.width, canvas.height], dpr: devicePixelRatio };
  });
  assertBoxEqual(geo.canvas, geo.box, `${what}: canvas vs widget box`);
  assert.ok(geo.box.width > 200 && geo.box.width <= geo.host.width + 1, `${what}: widget box width ${geo.box.width} (host ${geo.host.width})`);
  assert.ok(Math.abs(geo.box.height - geo.box.width * 16 / 9) <= 2, `${what}: 9:16 box ${geo.box.width}x${geo.box.height}`);
  near(geo.backing[0], Math.round(geo.canvas.width * geo.dpr), `${what}: backing store width`);
  near(geo.backing[1], Math.round(geo.canvas.height * geo.dpr), `${what}: backing store height`);
  const share = await colouredShare(await el.screenshot());
  assert.ok(share > 0.2, `${what}: ${(share * 100).toFixed(1)} % coloured pixels (video expected)`);
  return geo;
}

for (const [w, h] of [[1280, 720], [360, 640]]) {
  test(`the blog page at ${w}x${h}: the widget's canvas fills its box in the article and shows video, under the CSP`, async () => {
    const { page, logs, violations } = await open(`${stack.web.url}/examples/blog.html`, w, h);
    try {
      const geo = await checkWidget(page, 'live-scope', `blog ${w}x${h}`);
      const article = await page.locator('article').boundingBox();
      assert.ok(geo.box.x >= article.x - 1 && geo.box.x + geo.box.width <= article.x + article.width + 1, 'the widget sits inside the article column');
      await page.screenshot({ path: join(ARTIFACTS, `pages-blog-${w}x${h}.png`) });
      await assertNoCsp(violations, `the blog page at ${w}x${h}`);
    } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
  });
}

test('the post-card page at 1280x720: both widgets fill their boxes in their cards and show video, under the CSP', async () => {
  const { page, logs, violations } = await open(`${stack.web.url}/examples/post-card.html`, 1280, 720);
  try {
    for (const [selector, card] of [['live-scope', '#card-a'], ['div.livescope', '#card-b']]) {
      const geo = await checkWidget(page, selector, `post card ${card}`);
      const c = await page.locator(card).boundingBox();
      assert.ok(geo.box.x > c.x && geo.box.x + geo.box.width < c.x + c.width, `the widget sits inside ${card}`);
    }
    await page.locator('#card-a').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'pages-post-card-1280x720.png'), fullPage: true });
    await assertNoCsp(violations, 'the post-card page');
  } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
});

for (const [w, h] of [[360, 640], [1280, 720]]) {
  test(`the player page in a ${w}x${h} iframe on another origin: the canvas fills the frame and shows video, under the CSP`, async () => {
    const { page, logs, violations } = await open(`${host.url.replace('127.0.0.1', 'localhost')}/frame-${w}x${h}.html`, w + 40, h + 40);
    try {
      const iframe = await page.waitForSelector('#player');
      const frame = await iframe.contentFrame();
      await frame.waitForFunction(() => {
        const p = window.livescopeWidgets && window.livescopeWidgets[0] && window.livescopeWidgets[0].plugins.playback;
        return p && p.stats && p.stats().framesShown > 0;
      }, null, { timeout: 60000 });
      await page.waitForTimeout(1000);
      const geo = await frame.evaluate(() => {
        const r = (e) => { const b = e.getBoundingClientRect(); return { x: b.x, y: b.y, width: b.width, height: b.height }; };
        const c = document.getElementById('livescope-canvas'), s = document.getElementById('livescope-status');
        return { canvas: r(c), status: r(s), statusText: s.textContent, backing: [c.width, c.height], dpr: devicePixelRatio,
          view: [innerWidth, innerHeight], scroll: [document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight], title: document.title };
      });
      assertBoxEqual(geo.canvas, { x: 0, y: 0, width: w, height: h }, `player ${w}x${h}: canvas vs frame`);
      assert.deepEqual(geo.view, [w, h], 'frame viewport');
      assert.deepEqual(geo.scroll, [w, h], 'nothing overflows the frame (no scroll bars)');
      near(geo.backing[0], Math.round(w * geo.dpr), 'backing store width');
      near(geo.backing[1], Math.round(h * geo.dpr), 'backing store height');
      assert.equal(geo.statusText, 'ready');
      assert.ok(geo.status.width <= 1 && geo.status.height <= 1, `the status output is visually hidden: ${JSON.stringify(geo.status)}`);
      assert.equal(geo.title, TITLE, 'the page title is the title asked for, as text');
      const share = await colouredShare(await iframe.screenshot());
      assert.ok(share > 0.2, `player ${w}x${h}: ${(share * 100).toFixed(1)} % coloured pixels (video expected)`);
      await page.screenshot({ path: join(ARTIFACTS, `pages-player-${w}x${h}.png`) });
      await assertNoCsp(violations, `the player page at ${w}x${h}`);
    } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
  });
}

// The studio with its console (a room in the fragment; no camera here): side by side at 1280x720, stacked at 360x640,
// nothing wider than the window, the overlay widget's canvas over the preview, under the studio's own CSP (meta tag).
for (const [w, h] of [[1280, 720], [360, 640]]) {
  test(`the studio with its console at ${w}x${h}: preview and console ${w > 900 ? 'side by side' : 'stacked'}, the overlay over the preview, under the CSP`, async () => {
    const fragment = new URLSearchParams({ origin: new URL(stack.streamUrl).origin, name: 'layout', title: TITLE, room: `${stack.relayUrl}#layout-studio` });
    const { page, logs, violations } = await open(`${stack.web.url}/studio.html#${fragment}`, w, h);
    try {
      await page.waitForFunction(() => { const c = document.querySelector('#studio-overlay')?.shadowRoot?.querySelector('canvas'); return c && c.width > 0; }, null, { timeout: 60000 });
      await page.waitForTimeout(500);
      const geo = await page.evaluate(() => {
        const r = (e) => { const b = e.getBoundingClientRect(); return { x: b.x, y: b.y, width: b.width, height: b.height }; };
        return { stage: r(document.getElementById('studio-stage')), console: r(document.getElementById('console')),
          canvas: r(document.getElementById('studio-overlay').shadowRoot.querySelector('canvas')),
          view: [document.documentElement.clientWidth, innerHeight], scroll: [document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight] };
      });
      assertBoxEqual(geo.canvas, geo.stage, `studio ${w}x${h}: overlay canvas vs preview`);
      assert.ok(geo.scroll[0] <= geo.view[0], `studio ${w}x${h}: wider than the window (${geo.scroll[0]})`);
      if (w > 900) {
        assert.ok(geo.console.x >= geo.stage.x + geo.stage.width, 'the console is beside the preview');
        assert.ok(geo.scroll[1] <= geo.view[1], `the studio fits the window (${geo.scroll[1]} > ${geo.view[1]})`);
      } else assert.ok(geo.console.y >= geo.stage.y + geo.stage.height, 'the console is below the preview');
      await page.screenshot({ path: join(ARTIFACTS, `pages-studio-${w}x${h}.png`), fullPage: true });
      await assertNoCsp(violations, `the studio at ${w}x${h}`);
    } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
  });
}
