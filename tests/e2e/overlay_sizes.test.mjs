// e2e (overlay sizes): the widget at the sizes publishers use (post cards, phone, blog, fullscreen 16:9), in
// English and French, over the dev origin's bright testsrc2 with comments posted through the relay. At each
// size, from the overlay's own layout report (ls_room_layout) and real canvas pixels: the title is drawn whole,
// the comment backings hold 4.5:1 against the frame, nothing overlaps the compose box or the viewer counter,
// and the DOM controls fit. One stack, one browser, one host page served by this file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { startStack } from './lib/stack.mjs';
import { WASM_DIR } from './lib/canvas.mjs';
import { decodeRequestPath, sendFile, sendStatus } from '../../scripts/lib/static.mjs';

const SIZES = [[280, 498], [300, 533], [360, 640], [420, 747], [1280, 720]]; // CSS px
// Long enough to need two lines in a post card, one in fullscreen.
const TITLES = { en: 'Soldering the new board, live from the bench', fr: 'La tarte aux pommes, pas à pas, en direct' };
const LONG_TITLE = 'Soldering the new board live from the bench: flux, paste, hot air, the reflow profile and all your questions';
const COMMENTS = { // two connections, two each (the relay allows a burst of 3 per connection)
  en: ['Which tip do you use for the small pads?', 'Is that leaded solder or lead-free?', 'How hot is the iron right now?', 'Great work, thanks for streaming!'],
  fr: ['Quelle pâte utilisez-vous pour le fond ?', 'Combien de pommes pour une tarte ?', 'Beurre doux ou demi-sel, chef ?', 'Merci pour ce direct, bravo !'],
};
const MIN_CONTRAST = 4.5; // WCAG AA

let stack, browser, host, page, logs;

// The host page and the widget dist on one origin (no CSP: embed.test.mjs covers that).
function serveHost() {
  const server = createServer((req, res) => {
    const path = decodeRequestPath(req.url)?.path;
    if (path === undefined) { sendStatus(res, 400, 'bad request'); return; }
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><head><meta charset="utf-8"><title>overlay sizes</title>' +
        '<script src="/w/livescope.js"></script></head><body style="margin:0;background:#e8ebef"><div id="slot" style="padding:8px"></div></body></html>');
      return;
    }
    if (!path.startsWith('/w/')) { sendStatus(res, 404, 'not found'); return; }
    sendFile(res, WASM_DIR, path.slice('/w'.length));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  })));
}

before(async () => {
  stack = await startStack({ originArgs: ['--renditions', '360p'] });
  host = await serveHost();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  logs = collectLogs(page);
  await page.goto(`${host.url}/`);
});
after(async () => { if (browser) await browser.close(); if (host) await host.close(); if (stack) await stack.stop(); });

// Mounts one <live-scope> of `w` x `h` (debug keeps the drawing buffer readable; its stats panel is turned off).
async function mount(w, h, lang, room, title = TITLES[lang]) {
  await page.setViewportSize({ width: Math.max(800, w + 16), height: Math.max(760, Math.ceil(h / 0.85) + 16) });
  await page.evaluate(({ w, lang, room, src, title, landscape }) => {
    const slot = document.getElementById('slot');
    slot.replaceChildren();
    const box = document.createElement('div');
    box.style.width = `${w}px`;
    const el = document.createElement('live-scope');
    for (const [k, v] of Object.entries({ src, room, title, lang, aspect: landscape ? '16:9' : '9:16', debug: '' })) el.setAttribute(k, v);
    box.appendChild(el);
    slot.appendChild(box);
  }, { w, lang, room: `${stack.relayUrl}#${room}`, src: stack.streamUrl, title, landscape: w > h });
  await page.waitForFunction(() => { const s = document.querySelector('live-scope').stats; return s && s.framesShown > 0; }, null, { timeout: 60000 });
  await page.evaluate(() => document.querySelector('live-scope')._ls.widget.plugins.playback.setDebug(false));
  await page.waitForFunction(() => { const l = document.querySelector('live-scope')._ls.widget.plugins.room.layout(); return l && l.picture[2] > 0; }, null, { timeout: 10000 });
}

// Posts comments into `room` from two fresh relay connections opened in the page (as other viewers).
function postComments(room, texts) {
  return page.evaluate(({ url, room, texts }) => {
    const one = (batch) => new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const t = setTimeout(() => reject(new Error('poster: no welcome')), 10000);
      ws.onopen = () => ws.send(JSON.stringify({ type: 'join', v: 1, room }));
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        const msgs = m.type === 'batch' ? m.messages : [m];
        if (!msgs.some((x) => x.type === 'welcome')) return;
        clearTimeout(t);
        for (const text of batch) ws.send(JSON.stringify({ type: 'comment', v: 1, text }));
        setTimeout(() => { ws.close(); resolve(); }, 600); // one relay tick delivers them first
      };
    });
    return Promise.all([one(texts.slice(0, 2)), one(texts.slice(2))]);
  }, { url: stack.relayUrl, room, texts });
}

// In the page: the layout report, DOM checks, and contrast measured on the canvas pixels behind each
// comment backing that lies over the picture.
function measure() {
  return page.evaluate(() => {
    const el = document.querySelector('live-scope');
    const root = el.shadowRoot;
    const canvas = root.querySelector('canvas');
    const layout = el._ls.widget.plugins.room.layout();
    const d = devicePixelRatio;
    const o = document.createElement('canvas');
    o.width = canvas.width; o.height = canvas.height;
    const g = o.getContext('2d', { willReadFrequently: true });
    g.drawImage(canvas, 0, 0);
    const px = g.getImageData(0, 0, o.width, o.height).data;
    const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    const lum = (r, gg, b) => 0.2126 * lin(r) + 0.7152 * lin(gg) + 0.0722 * lin(b);
    const lumAt = (x, y) => { const i = (Math.round(y * d) * o.width + Math.round(x * d)) * 4; return lum(px[i], px[i + 1], px[i + 2]); };
    const hexLum = (h) => lum(parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16));
    const ratio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const [px0, py0, pw, ph] = layout.picture;
    const inPicture = (x, y) => x >= px0 + 1 && y >= py0 + 1 && x < px0 + pw - 1 && y < py0 + ph - 1;
    const u = layout.unit;
    const backings = [];
    for (const b of layout.commentBackings) {
      if (b.alpha < 0.99) continue;
      const [x, y, w, h] = b.rect;
      // Backing-only pixels: the left and right padding strips, clear of the rounded corners.
      const samples = [], frame = [];
      for (let yy = y + 0.4 * u; yy <= y + h - 0.4 * u; yy += 1) {
        for (const xx of [x + 1.5, x + 2.5, x + 0.2 * u + 1, x + w - 1.5, x + w - 2.5]) if (inPicture(xx, yy)) samples.push(lumAt(xx, yy));
        for (const xx of [x + w + 3, x + w + 5]) if (inPicture(xx, yy)) frame.push(lumAt(xx, yy)); // the bare picture beside it
      }
      if (samples.length < 8) continue;
      const textLum = Math.min(...b.colours.map(hexLum));
      const bgMax = Math.max(...samples);
      backings.push({ text: b.text, contrast: ratio(textLum, bgMax), bgMax, frameMax: frame.length ? Math.max(...frame) : NaN,
        whiteOnFrame: frame.length ? ratio(1, Math.max(...frame)) : NaN, samples: samples.length });
    }
    const rel = (r) => { const c = canvas.getBoundingClientRect(); return [r.left - c.left, r.top - c.top, r.width, r.height]; };
    const controls = root.querySelector('.controls');
    const sound = root.querySelector('button.sound');
    return {
      layout, backings, ariaLabel: canvas.getAttribute('aria-label'), canvas: rel(canvas.getBoundingClientRect()),
      controls: rel(controls.getBoundingClientRect()), controlsCompact: controls.classList.contains('compact'),
      soundOverflows: !sound.hidden && sound.scrollWidth > sound.clientWidth + 1,
      composeInput: rel(root.querySelector('.livescope-compose-input').getBoundingClientRect()),
    };
  });
}

const overlap = (a, b) => a && b && a[2] > 0 && a[3] > 0 && b[2] > 0 && b[3] > 0 &&
  a[0] < b[0] + b[2] - 0.5 && b[0] < a[0] + a[2] - 0.5 && a[1] < b[1] + b[3] - 0.5 && b[1] < a[1] + a[3] - 0.5;

test('the overlay reads well at every publisher size, in English and French', async () => {
  assert.ok(existsSync(join(WASM_DIR, 'livescope_page.wasm')), `${WASM_DIR}/livescope_page.wasm is missing: build the wasm preset`);
  const figures = [];
  try {
    for (const [w, h] of SIZES) {
      for (const lang of ['en', 'fr']) {
        const tag = `${w}x${h}-${lang}`;
        const room = `overlay-${tag}`;
        await mount(w, h, lang, room);
        await postComments(room, COMMENTS[lang]);
        await page.waitForFunction(() => document.querySelector('live-scope')._ls.widget.plugins.room.layout().commentBackings
          .filter((b) => b.alpha > 0.99).length >= 3, null, { timeout: 10000 });
        await page.waitForTimeout(300); // fully opaque, a few frames drawn
        const m = await measure();
        await page.locator('live-scope').screenshot({ path: join(ARTIFACTS, `overlay-sizes-${tag}.png`) });
        const L = m.layout;

        // The title: drawn whole (no cut, no scroll) on at most two lines, and whole for screen readers.
        assert.equal(Math.round(L.width), w, `${tag}: the overlay is ${L.width} px wide`);
        assert.ok(L.title.fits && !L.title.truncated && !L.title.marquee, `${tag}: title ${JSON.stringify(L.title)}`);
        assert.ok(L.title.lines.length >= 1 && L.title.lines.length <= 2, `${tag}: ${L.title.lines.length} title lines`);
        assert.equal(L.title.lines.join(' '), TITLES[lang], `${tag}: title lines ${JSON.stringify(L.title.lines)}`);
        assert.ok(m.ariaLabel.includes(TITLES[lang]), `${tag}: aria-label "${m.ariaLabel}"`);

        // Labels: the placeholder is never cut (a short form is allowed), the sound button's label fits.
        assert.notEqual(L.placeholder.form, 'ellipsized', `${tag}: placeholder "${L.placeholder.text}"`);
        assert.ok(!m.soundOverflows, `${tag}: the sound button's label overflows`);

        // Nothing overlaps the compose box or the viewer counter; the DOM controls are where the layout put them.
        const named = { title: L.title.rect, controls: L.controls, domControls: m.controls, comments: L.comments, heart: L.heart, viewers: L.viewers, compose: L.compose };
        for (const [a, b] of [['compose', 'title'], ['compose', 'controls'], ['compose', 'domControls'], ['compose', 'comments'], ['compose', 'heart'],
          ['compose', 'viewers'], ['viewers', 'title'], ['viewers', 'controls'], ['viewers', 'domControls'], ['viewers', 'comments'],
          ['title', 'domControls'], ['comments', 'domControls']]) {
          assert.ok(!overlap(named[a], named[b]), `${tag}: ${a} ${JSON.stringify(named[a])} overlaps ${b} ${JSON.stringify(named[b])}`);
        }
        for (const b of L.commentBackings) {
          for (const k of ['compose', 'viewers', 'domControls']) assert.ok(!overlap(b.rect, named[k]), `${tag}: a comment backing overlaps ${k}`);
        }
        assert.ok(Math.abs(m.controls[0] - L.controls[0]) <= 1 && Math.abs(m.controls[1] - L.controls[1]) <= 1,
          `${tag}: DOM controls at ${m.controls}, layout says ${L.controls}`);
        assert.ok(m.controls[0] >= 0 && m.controls[0] + m.controls[2] <= w + 0.5, `${tag}: controls ${m.controls} leave the widget`);

        // Contrast on real pixels: every backing over the picture holds 4.5:1 for its darkest text colour.
        assert.ok(m.backings.length >= 1, `${tag}: no comment backing over the picture (${L.commentBackings.length} backings, picture ${L.picture})`);
        const worst = Math.min(...m.backings.map((b) => b.contrast));
        const bare = Math.min(...m.backings.map((b) => b.whiteOnFrame).filter(Number.isFinite));
        const frameMax = Math.max(...m.backings.map((b) => b.frameMax).filter(Number.isFinite));
        assert.ok(worst >= MIN_CONTRAST, `${tag}: comment contrast ${worst.toFixed(2)}:1 < ${MIN_CONTRAST}:1 ${JSON.stringify(m.backings)}`);
        figures.push(`${tag}: title ${L.title.placement} ${L.title.lines.length} line(s); placeholder ${L.placeholder.form} "${L.placeholder.text}"` +
          `${L.sendIcon ? ' + arrow' : ''}; controls${m.controlsCompact ? ' icon-only' : ''}; ${m.backings.length} backing(s) over the picture: ` +
          `text contrast >= ${worst.toFixed(2)}:1 on the backing (frame beside it up to L=${frameMax.toFixed(2)}: bare white text ${bare.toFixed(2)}:1)`);
      }
    }
  } catch (e) { console.log(logs.slice(-40).join('\n')); throw e; } finally {
    for (const f of figures) console.log(`overlay sizes: ${f}`);
  }
});

test('a title too long for two lines scrolls, except under reduced motion, and stays whole for screen readers', async () => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  try {
    await mount(280, 498, 'en', 'overlay-long-title', LONG_TITLE);
    const layout = () => page.evaluate(() => document.querySelector('live-scope')._ls.widget.plugins.room.layout());
    const reduced = await layout();
    assert.equal(reduced.title.lines.length, 2, JSON.stringify(reduced.title));
    assert.ok(reduced.title.truncated && !reduced.title.marquee, `reduced motion: ${JSON.stringify(reduced.title)}`);
    assert.ok(reduced.title.lines[1].endsWith('…'));
    const label = await page.evaluate(() => document.querySelector('live-scope').shadowRoot.querySelector('canvas').getAttribute('aria-label'));
    assert.ok(label.includes(LONG_TITLE), `aria-label "${label}"`);
    await page.locator('live-scope').screenshot({ path: join(ARTIFACTS, 'overlay-sizes-long-title-reduced-motion.png') });
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    await page.waitForFunction(() => document.querySelector('live-scope')._ls.widget.plugins.room.layout().title.marquee, null, { timeout: 5000 });
    const moving = await layout();
    assert.equal(moving.title.lines.join(' '), LONG_TITLE, 'the scrolling line holds the rest of the title');
    console.log(`overlay sizes: long title at 280x498: reduced motion ${JSON.stringify(reduced.title.lines)}; otherwise line 2 scrolls`);
  } catch (e) { console.log(logs.slice(-40).join('\n')); throw e; } finally {
    await page.emulateMedia({ reducedMotion: 'no-preference' });
  }
});
