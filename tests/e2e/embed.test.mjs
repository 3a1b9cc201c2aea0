// e2e (embed): the one-script-tag embed on the example pages, under the strict CSP, in an iframe on another
// origin, with oEmbed, languages, keyboard access and host-page input. Real origin, relay and Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { startStack } from './lib/stack.mjs';
import { serveStatic } from './lib/static.mjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

let stack, browser;
before(async () => {
  stack = await startStack({ originArgs: ['--renditions', '360p'] });
  browser = await launchBrowser();
});
after(async () => { if (browser) await browser.close(); if (stack) await stack.stop(); });

// Opens a page, records CSP violations and page errors. Returns { page, logs, violations }.
async function open(path) {
  const page = await browser.context.newPage();
  const logs = collectLogs(page);
  const violations = [];
  await page.exposeFunction('__cspViolation', (v) => violations.push(v));
  await page.addInitScript(() => document.addEventListener('securitypolicyviolation',
    (e) => window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`)));
  // The widgets' 'playing' events from the first one on: a widget in view starts at mount and may play before a test
  // listens (element events do not bubble, so they are caught on the way down).
  await page.addInitScript(() => {
    window.__lsPlaying = new Set();
    document.addEventListener('playing', (e) => { if (e.target instanceof Element && e.target.matches('live-scope, div.livescope')) window.__lsPlaying.add(e.target); }, true);
  });
  await page.goto(`${stack.web.url}${path}`);
  return { page, logs, violations };
}

// Scrolls the widget into view (it starts lazily) and waits until it has shown a frame.
async function waitPlaying(page, selector, timeout = 60000) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  await page.waitForFunction((s) => { const st = document.querySelector(s).stats; return st && st.framesShown > 0; }, selector, { timeout });
}

// Waits for an element event (fired on <live-scope> or div.livescope) and resolves with its detail.
const widgetEvent = (page, selector, type, timeout = 45000) => page.evaluate(({ selector, type, timeout }) => new Promise((resolve, reject) => {
  const el = document.querySelector(selector);
  if (!el) return reject(new Error(`no ${selector}`));
  const t = setTimeout(() => reject(new Error(`no '${type}' event on ${selector} within ${timeout} ms`)), timeout);
  el.addEventListener(type, (e) => { clearTimeout(t); resolve(e.detail ?? null); }, { once: true });
}), { selector, type, timeout });

test('the blog page mounts the widget from the script tag, plays, and reports a finite latency', async () => {
  const { page, logs, violations } = await open('/examples/blog.html');
  try {
    await waitPlaying(page, 'live-scope');
    // The element fired 'playing' (already, or within the wait).
    await page.waitForFunction(() => window.__lsPlaying.has(document.querySelector('live-scope')), null, { timeout: 60000 });
    await page.waitForTimeout(1500);
    const stats = await page.evaluate(() => document.querySelector('live-scope').stats);
    console.log(`blog: stats ${JSON.stringify(stats)}`);
    assert.ok(Number.isFinite(stats.latency) && stats.latency > 0, `stats.latency is ${stats.latency}`);
    await page.screenshot({ path: join(ARTIFACTS, 'embed-blog.png'), fullPage: true });
    assert.deepEqual(violations, [], 'CSP violations on the blog page');
    assert.equal(stack.web.reports.length, 0, `CSP reports: ${stack.web.reports.join('\n')}`);
  } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
});

test('a host-page input keeps receiving typed text while a widget is on the page', async () => {
  const { page } = await open('/examples/blog.html');
  try {
    await page.locator('live-scope').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelector('live-scope').shadowRoot?.querySelector('canvas'));
    await page.locator('live-scope').click({ position: { x: 40, y: 40 } }); // interact with the widget first
    await page.locator('#newsletter').click();
    await page.keyboard.type('host@example.com');
    assert.equal(await page.inputValue('#newsletter'), 'host@example.com');
  } finally { await page.close(); }
});

test('the post-card page plays two widgets in two rooms, French labels on the second', async () => {
  const a = await open('/examples/post-card.html');
  const b = await open('/examples/post-card.html'); // a second viewer of both rooms
  try {
    await a.page.locator('div.livescope').scrollIntoViewIfNeeded();
    await a.page.waitForFunction(() => document.querySelector('div.livescope').shadowRoot?.querySelector('.livescope-heart-button'), null, { timeout: 45000 });
    const labels = await a.page.evaluate(() => {
      const root = document.querySelector('div.livescope').shadowRoot;
      return { sound: root.querySelector('button.sound').getAttribute('aria-label'), video: root.querySelector('canvas').getAttribute('aria-label'),
        fullscreen: root.querySelector('button.fullscreen').getAttribute('aria-label'),
        heart: root.querySelector('.livescope-heart-button').getAttribute('aria-label'),
        compose: root.querySelector('.livescope-compose-input').getAttribute('aria-label') };
    });
    assert.equal(labels.heart, 'Envoyer un cœur');
    assert.equal(labels.compose, 'Posez une question…');
    assert.equal(labels.sound, 'Touchez pour le son');
    assert.equal(labels.fullscreen, 'Plein écran');
    assert.match(labels.video, /Vidéo en direct/);
    for (const { page } of [a, b]) {
      await waitPlaying(page, 'div.livescope');
      await waitPlaying(page, 'live-scope');
    }
    // Each widget shows its own room's viewers: 2 in each room (pages a and b).
    const viewers = await a.page.waitForFunction(() => {
      const s = [document.querySelector('live-scope').stats, document.querySelector('div.livescope').stats];
      return s.every((x) => x && x.viewers === 2) ? s.map((x) => x.viewers) : null;
    }, null, { timeout: 20000 }).then((h) => h.jsonValue());
    assert.deepEqual(viewers, [2, 2]);
    // A comment in room card-a reaches the other viewer's card-a widget and never its card-b widget.
    const text = `only in card-a ${Date.now()}`;
    await a.page.locator('live-scope').evaluate((el) => el.shadowRoot.querySelector('.livescope-compose-input').focus());
    await a.page.keyboard.type(text);
    await a.page.keyboard.press('Enter');
    const logText = (sel) => (page) => page.evaluate((s) => document.querySelector(s).shadowRoot.querySelector('[role="log"]')?.textContent || '', sel);
    await b.page.waitForFunction((t) => (document.querySelector('live-scope').shadowRoot.querySelector('[role="log"]')?.textContent || '').includes(t), text, { timeout: 15000 });
    await b.page.waitForTimeout(1000);
    assert.ok(!(await logText('div.livescope')(b.page)).includes(text), 'a card-a comment appeared in card-b');
    assert.ok(!(await logText('div.livescope')(a.page)).includes(text), 'a card-a comment appeared in card-b');
    await a.page.screenshot({ path: join(ARTIFACTS, 'embed-post-card.png'), fullPage: true });
    assert.deepEqual(a.violations, [], 'CSP violations on the post-card page');
  } catch (e) { console.log(a.logs.join('\n')); throw e; } finally { await a.page.close(); await b.page.close(); }
});

test('the iframe player page plays inside an iframe on another origin, and oEmbed embeds it', async () => {
  const base = stack.web.url;
  const oe = await fetch(`${base}/oembed?format=json&maxwidth=300&url=${encodeURIComponent(`${base}/examples/blog.html`)}`).then((r) => r.json());
  assert.equal(oe.type, 'video');
  assert.equal(oe.version, '1.0');
  assert.ok(oe.width <= 300 && oe.height > oe.width, `oEmbed size ${oe.width}x${oe.height}`);
  assert.ok(oe.title && oe.provider_name && oe.thumbnail_url, 'oEmbed title/provider_name/thumbnail_url');
  const iframeSrc = oe.html.match(/<iframe src="([^"]+)"/)[1].replaceAll('&amp;', '&');
  assert.ok(iframeSrc.startsWith(`${base}/embed/player.html?`), `oEmbed html embeds ${iframeSrc}`);
  const playerHtml = await fetch(iframeSrc).then((r) => r.text());
  assert.match(playerHtml, /<meta name="twitter:card" content="player">/);
  assert.match(playerHtml, /<meta property="og:video:type" content="text\/html">/);
  assert.match(playerHtml, /application\/json\+oembed/);

  // Host the iframe on a different origin (localhost vs 127.0.0.1).
  const dir = mkdtempSync(join(tmpdir(), 'livescope-iframe-'));
  writeFileSync(join(dir, 'index.html'), `<!doctype html><title>host</title>${oe.html}`);
  const host = await serveStatic(dir);
  const page = await browser.context.newPage();
  try {
    await page.goto(host.url.replace('127.0.0.1', 'localhost') + '/');
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    await frame.waitForFunction(() => {
      const w = window.livescopeWidgets && window.livescopeWidgets[0];
      return w && w.plugins.playback && w.plugins.playback.stats && w.plugins.playback.stats().framesShown > 0;
    }, null, { timeout: 45000 });
    await page.screenshot({ path: join(ARTIFACTS, 'embed-iframe.png') });
  } finally { await page.close(); await host.close(); }
});

test('Tab reaches the heart button and Enter on it sends a heart to the other viewer', async () => {
  const a = await open('/examples/blog.html');
  const b = await open('/examples/blog.html');
  try {
    for (const { page } of [a, b]) await page.locator('live-scope').scrollIntoViewIfNeeded();
    await widgetEvent(b.page, 'live-scope', 'ready').catch(() => {});
    const got = widgetEvent(b.page, 'live-scope', 'heart', 20000);
    await a.page.waitForFunction(() => document.querySelector('live-scope').shadowRoot?.querySelector('.livescope-heart-button'), null, { timeout: 30000 });
    let focused = '';
    for (let i = 0; i < 12 && focused !== 'heart'; i++) {
      await a.page.keyboard.press('Tab');
      focused = await a.page.evaluate(() => {
        const el = document.querySelector('live-scope').shadowRoot.activeElement;
        return el && el.classList.contains('livescope-heart-button') ? 'heart' : (el ? el.className || el.tagName : '');
      });
    }
    assert.equal(focused, 'heart', 'Tab never reached the heart button');
    const label = await a.page.evaluate(() => document.querySelector('live-scope').shadowRoot.querySelector('.livescope-heart-button').getAttribute('aria-label'));
    assert.equal(label, 'Send a heart');
    await a.page.keyboard.press('Enter');
    const detail = await got;
    assert.ok(detail && detail.count >= 1, `heart event detail ${JSON.stringify(detail)}`);
  } finally { await a.page.close(); await b.page.close(); }
});
