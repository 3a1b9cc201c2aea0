// e2e (issue 13, the replay's look): a replay is read-only and its bar has a DOM mirror. An ffmpeg-made VOD with
// PROGRAM-DATE-TIME (testsrc2 over the top, flat grey under it, so a pixel check can tell "nothing drawn" from
// "something drawn") plays in a <live-scope> with a room whose log a small server here answers (REPLAY-SPEC.md).
// Checks: no compose box, heart button, question toggle or vote buttons (DOM, layout report, and the pixels of the
// bottom row where the compose row and the heart button were), every control has an accessible name, the bar's DOM
// mirror works by keyboard (slider ← → Home End: `seeked`; the play button Space / Enter: `paused` toggles), and the
// ended card with a very long title keeps "Watch the replay" clear of its text (bounding boxes), in English and
// French; and a live DVR window without a room (a growing playlist over the same segments): "–30 s", the slider and
// "Live" mirrored, named in French, and working by keyboard. Screenshots: the replay at the 280 px post card and at the
// blog size (420 px), both languages, the bar's focus ring, the DVR bar and the ended card.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS, ROOT } from './lib/browser.mjs';
import { mimeType } from './lib/static.mjs';
import { waitFor } from './lib/wait.mjs';

const DIST = join(ROOT, 'build', 'wasm', 'dist');
const missing = existsSync(join(DIST, 'room-replay.js')) ? false : `${DIST}/room-replay.js is missing: build the wasm preset`;
const CLIP_S = 60; // seconds (the DVR case needs a window of at least 45 s)
const LONG_TITLE = 'A very long title for a talk about live video, recordings, replays with their conversation, ' +
  'and everything else we did not have the time to cover in the first hour of this broadcast';
let server, base, browser, vodDir, start, segments, dvrStart;

// 320x568 (9:16): testsrc2 in the top 55 %, flat grey (Y 128) under it, a 440 Hz tone; 2 s fMP4 segments with PDTs.
function makeVod(out) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=320x568:rate=30:duration=${CLIP_S}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${CLIP_S}`,
    '-vf', 'drawbox=x=0:y=312:w=320:h=256:color=0x808080:t=fill', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30',
    '-keyint_min', '30', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-f', 'hls', '-hls_time', '2',
    '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4', '-hls_flags', 'program_date_time', '-hls_fmp4_init_filename', 'init.mp4',
    join(out, 'index.m3u8')]);
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  const lines = readFileSync(join(out, 'index.m3u8'), 'utf8').split('\n');
  segments = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('#EXTINF:')) continue;
    let j = i + 1;
    while (j < lines.length && lines[j].startsWith('#')) j++; // ffmpeg writes the PDT between EXTINF and the URI
    segments.push({ dur: parseFloat(lines[i].slice(8)), uri: lines[j].trim() });
  }
  return Date.parse(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(readFileSync(join(out, 'index.m3u8'), 'utf8'))[1]);
}

// The room's log: comments and questions from 20 s on (none before, so the bottom row is bare early on), no hearts.
function roomLog() {
  const a = (id, name, color) => ({ id, name, color });
  const ev = [
    { t: 20000, type: 'comment', id: 'c1', author: a('u1', 'Ann', '#4fc3f7'), text: 'Hello from the recording', question: false },
    { t: 21000, type: 'comment', id: 'q1', author: a('u2', 'Bob', '#ffd54a'), text: 'Is this the replay?', question: true },
    { t: 22000, type: 'vote', id: 'q1', votes: 3 },
    { t: 23000, type: 'comment', id: 'c2', author: a('u3', 'Cy', '#81c784'), text: 'Nice colours', question: false },
    { t: 1000, type: 'viewers', live: 12, total: 20 },
  ].map((e) => ({ ...e, t: start + e.t }));
  ev.sort((x, y) => x.t - y.t);
  return ev.map((e, k) => ({ seq: k + 1, at: e.t + 300, ...e }));
}

// A live playlist over the VOD's segments: 26 of them (52 s) out when the DVR test starts, one more every 2 s, no
// ENDLIST: a live DVR window ending now.
function dvrPlaylist() {
  const now = Date.now() / 1000, t0 = dvrStart - 26 * 2;
  let out = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-MAP:URI="init.mp4"\n';
  for (let i = 0; i < segments.length && t0 + (i + 1) * 2 <= now; i++)
    out += `#EXT-X-PROGRAM-DATE-TIME:${new Date((t0 + i * 2) * 1000).toISOString()}\n#EXTINF:${segments[i].dur.toFixed(3)},\n${segments[i].uri}\n`;
  return out;
}

function serve(req, res) {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/vod/talk/run1/dvr.m3u8') {
    res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store', 'Content-Type': 'application/vnd.apple.mpegurl' });
    res.end(dvrPlaylist());
    return;
  }
  const cors = { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' };
  const m = /^\/rooms\/([A-Za-z0-9._-]+)\/events$/.exec(url.pathname);
  if (m) {
    const from = Number(url.searchParams.get('from') ?? -Infinity), to = Number(url.searchParams.get('to') ?? Infinity);
    const events = roomLog().filter((e) => e.t >= from && e.t < to);
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ room: m[1], events, next: null }));
    return;
  }
  if (url.pathname === '/live/index.json') {
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ broadcasts: [{ name: 'talk', title: LONG_TITLE, state: 'ended', id: 'run1', replay: '/vod/talk/run1/index.m3u8' }] }));
    return;
  }
  const file = url.pathname.startsWith('/vod/talk/run1/') ? join(vodDir, url.pathname.slice(15).replace(/\.\./g, ''))
    : url.pathname.startsWith('/w/') ? join(DIST, url.pathname.slice(3).replace(/\.\./g, '')) : '';
  if (file && existsSync(file)) { res.writeHead(200, { ...cors, 'Content-Type': mimeType(file) }); createReadStream(file).pipe(res); return; }
  if (url.pathname === '/page.html') {
    const w = Number(url.searchParams.get('w') || 280);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>replay read-only</title>
<script src="/w/livescope.js" async></script></head><body style="margin:0;background:#e8ebef">
<div style="width:${w}px;padding:8px"><live-scope ${url.searchParams.get('attrs') || ''}></live-scope></div></body></html>`);
    return;
  }
  res.writeHead(404, cors); res.end('not found');
}

before(async () => {
  if (missing) return;
  vodDir = mkdtempSync(join(tmpdir(), 'livescope-readonly-'));
  start = makeVod(vodDir);
  server = createServer(serve);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchBrowser();
});
after(async () => {
  if (browser) await browser.close();
  if (server) await new Promise((r) => { server.closeAllConnections(); server.close(r); });
  if (vodDir) rmSync(vodDir, { recursive: true, force: true });
});

async function open(attrs, width, ready = () => document.querySelector('live-scope')?._ls?.widget?.plugins?.room?.log) {
  const page = await browser.context.newPage();
  const logs = collectLogs(page);
  await page.setViewportSize({ width: width + 16, height: Math.round(width * 16 / 9) + 16 });
  await page.goto(`${base}/page.html?w=${width}&attrs=${encodeURIComponent(attrs)}`);
  await page.waitForFunction(ready, null, { timeout: 60000 });
  await page.evaluate(() => {
    window.__ev = {};
    const el = document.querySelector('live-scope');
    for (const type of ['replay', 'seeking', 'seeked', 'ended', 'replayavailable', 'playing'])
      el.addEventListener(type, (e) => { (window.__ev[type] = window.__ev[type] || []).push(e.detail); });
  });
  return { page, logs };
}
const replayAttrs = (lang) => `src="${base}/vod/talk/run1/index.m3u8" room="ws://127.0.0.1:${server.address().port}/ws#show" title="A recorded talk" lang="${lang}" debug`;
const evalEl = (page, expr) => page.evaluate(`(() => { const el = document.querySelector('live-scope'); return ${expr}; })()`);

// Every element a user can reach in the widget's Shadow DOM (not hidden), with its accessible name (aria-label, else text).
const controls = (page) => page.evaluate(() => {
  const root = document.querySelector('live-scope').shadowRoot;
  const visible = (e) => !e.closest('[hidden]') && getComputedStyle(e).display !== 'none';
  return Array.from(root.querySelectorAll('button, input, [role=slider]')).filter(visible)
    .map((e) => ({ cls: e.className, tag: e.tagName, type: e.type || '', name: (e.getAttribute('aria-label') || e.textContent || '').trim() }));
});

// Canvas pixels in a CSS-px rect (the widget keeps its drawing buffer under `debug`): the share that is not flat grey.
const notGreyShare = (page, r) => page.evaluate((r) => {
  const c = document.querySelector('live-scope').shadowRoot.querySelector('canvas');
  const k = c.width / c.clientWidth;
  const o = document.createElement('canvas');
  o.width = c.width; o.height = c.height;
  const x = o.getContext('2d');
  x.drawImage(c, 0, 0);
  const d = x.getImageData(Math.round(r[0] * k), Math.round(r[1] * k), Math.max(1, Math.round(r[2] * k)), Math.max(1, Math.round(r[3] * k))).data;
  let bad = 0;
  for (let i = 0; i < d.length; i += 4) {
    const [R, G, B] = [d[i], d[i + 1], d[i + 2]];
    if (Math.abs(R - G) > 14 || Math.abs(G - B) > 14 || R < 100 || R > 160) bad++;
  }
  return bad / (d.length / 4);
}, r);

test('a replay is read-only: no compose box, heart button, question toggle or vote buttons; the bar mirrored in the DOM by keyboard', { skip: missing }, async () => {
  const { page, logs } = await open(replayAttrs('en'), 280);
  try {
    await page.waitForFunction(() => { const el = document.querySelector('live-scope'); return el.replay && el.stats.framesShown > 0 && el.currentTime > 1; }, null, { timeout: 60000 });
    await evalEl(page, 'el._ls.widget.plugins.playback.setDebug(false)');
    // Read-only at once; the questions tab once the replay's first log page has said the room had a board (under load
    // that page may come after the first frames).
    await page.waitForFunction(() => { const l = document.querySelector('live-scope')._ls.widget.plugins.room.layout(); return l.readOnly === true && l.questionsTab[2] > 0; }, null, { timeout: 20000 })
      .catch(() => {});
    const l = await evalEl(page, 'el._ls.widget.plugins.room.layout()');
    assert.equal(l.compose[2], 0, 'no compose box in the layout');
    assert.equal(l.heart[2], 0, 'no heart button in the layout');
    assert.equal(l.askToggle[2], 0, 'no question toggle');
    assert.ok(l.questionsTab[2] > 0, 'the questions board can still be opened');

    // DOM: only the bar's mirror and the questions tab (and the sound / fullscreen row) are reachable; all named.
    const list = await controls(page);
    const classes = list.map((c) => c.cls).join(' ');
    for (const gone of ['livescope-compose-input', 'livescope-heart-button', 'livescope-ask-toggle', 'livescope-vote'])
      assert.ok(!classes.includes(gone), `${gone} is not reachable in a replay: ${classes}`);
    for (const want of ['livescope-play', 'livescope-seek']) assert.ok(classes.includes(want), `${want} mirrors the bar: ${classes}`);
    for (const c of list) assert.ok(c.name, `${c.tag}.${c.cls} has an accessible name`);

    // Pixels: the compose row and the heart button's place (above the bar) show the flat grey picture, nothing drawn.
    const u = l.unit, pad = 0.75 * u, barTop = l.height - pad - 2 * u;
    const composeRow = [pad, barTop - pad - 2.2 * u, l.width - 2 * pad, 2.2 * u];
    const heartPlace = [l.width - pad - 2.6 * u, barTop - pad - 2.6 * u, 2.6 * u, 2.6 * u];
    assert.ok(await notGreyShare(page, composeRow) < 0.02, `the compose row is bare: ${await notGreyShare(page, composeRow)}`);
    assert.ok(await notGreyShare(page, heartPlace) < 0.02, `no heart button: ${await notGreyShare(page, heartPlace)}`);
    assert.ok(await notGreyShare(page, [pad, barTop, l.width - 2 * pad, 2 * u]) > 0.05, 'the bar is drawn at the bottom');

    // Taps on the picture send no heart (no `heart` event with own: true).
    await page.evaluate(() => { window.__hearts = 0; document.querySelector('live-scope').addEventListener('heart', (e) => { if (e.detail.own) window.__hearts++; }); });
    const box = await page.locator('live-scope').boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height * 0.4);
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__hearts), 0, 'a tap sends no heart in a replay');

    // The slider: named, "m:ss of m:ss", ← → Home End seek (seeked fires).
    const slider = page.locator('live-scope').locator('input.livescope-seek');
    assert.match(await slider.getAttribute('aria-valuetext'), /^\d+:\d\d of \d+:\d\d$/);
    await page.evaluate(() => document.querySelector('live-scope').pause());
    await slider.focus();
    await page.waitForTimeout(200);
    await page.locator('live-scope').screenshot({ path: join(ARTIFACTS, 'replay-readonly-focus-280-en.png') }); // the focus ring on the bar
    const seekedAfter = async (key, near) => {
      const n = await page.evaluate(() => (window.__ev.seeked || []).length);
      await page.keyboard.press(key);
      await waitFor(`seeked after ${key}`, () => page.evaluate((n) => (window.__ev.seeked || []).length > n, n), 20000);
      const t = await page.evaluate(() => window.__ev.seeked.at(-1).currentTime);
      assert.ok(Math.abs(t - near) < 1.2, `${key}: seeked to ${t}, want ~${near}`);
      return t;
    };
    const t0 = await evalEl(page, 'el.currentTime');
    await seekedAfter('ArrowRight', t0 + 5);
    await seekedAfter('ArrowLeft', t0);
    await seekedAfter('End', CLIP_S - 0.1);
    assert.match(await slider.getAttribute('aria-valuetext'), /of (0:59|1:00)$/);
    await seekedAfter('Home', 0); // from the start again: the play button's test below does not run into the end

    // The play button: Space / Enter toggle `paused` (its label follows: Play, Pause).
    await page.waitForFunction(() => document.querySelector('live-scope').paused === true, null, { timeout: 20000 });
    const play = page.locator('live-scope').locator('button.livescope-play');
    await play.focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('live-scope').paused === false, null, { timeout: 10000 });
    await waitFor('the label says Pause', async () => (await play.textContent()) === 'Pause', 5000);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('live-scope').paused === true, null, { timeout: 10000 });
    await waitFor('the label says Play', async () => (await play.textContent()) === 'Play', 5000);
    assert.ok(!logs.some((x) => x.includes('pageerror')), logs.join('\n'));
  } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
});

test('screenshots: the replay with its room at the 280 px post card and at the blog size, English and French', { skip: missing }, async () => {
  for (const [width, lang, play] of [[280, 'en', 'Pause'], [280, 'fr', 'Pause'], [420, 'en', 'Pause'], [420, 'fr', 'Pause']]) {
    const { page, logs } = await open(replayAttrs(lang), width);
    try {
      await page.waitForFunction(() => { const el = document.querySelector('live-scope'); return el.replay && el.stats.framesShown > 0; }, null, { timeout: 60000 });
      await evalEl(page, 'el._ls.widget.plugins.playback.setDebug(false)');
      await evalEl(page, 'el.seek(24)'); // after the comments and the question
      await waitFor('seeked', () => page.evaluate(() => (window.__ev.seeked || []).length > 0), 20000);
      await waitFor('the replayed comments', async () => (await evalEl(page, 'el._ls.widget.plugins.room.layout().commentBackings.length')) >= 2, 10000);
      const l = await evalEl(page, 'el._ls.widget.plugins.room.layout()');
      assert.equal(l.compose[2], 0);
      const barTop = l.height - 0.75 * l.unit - 2 * l.unit;
      for (const b of l.commentBackings) assert.ok(b.rect[1] + b.rect[3] <= barTop, `comment ${b.text} stays above the bar`);
      const names = (await controls(page)).map((c) => c.name);
      assert.ok(names.includes(lang === 'fr' ? 'Position' : 'Position'));
      if (lang === 'fr') assert.ok(names.includes('Pause') || names.includes('Lire'), names.join(', '));
      else assert.ok(names.includes(play) || names.includes('Play'), names.join(', '));
      // The replayed board: its question is in the role=list mirror, with its votes, but its Vote button is hidden.
      const votes = await page.evaluate(() => Array.from(document.querySelector('live-scope').shadowRoot.querySelectorAll('.livescope-vote'), (b) => b.hidden));
      assert.ok(votes.length >= 1 && votes.every((h) => h), `vote buttons exist and are hidden: ${JSON.stringify(votes)}`);
      if (width === 420) { // the board opened: rows with their counts, no vote button drawn
        await evalEl(page, 'el._ls.widget.plugins.room.setQuestionsOpen(true)');
        await waitFor('the board open', async () => (await evalEl(page, 'el._ls.widget.plugins.room.layout().questionRows.length')) >= 1, 5000);
        const rows = await evalEl(page, 'el._ls.widget.plugins.room.layout().questionRows');
        assert.ok(rows.every((r) => r.vote[2] === 0), 'no vote button on a replayed board');
        assert.ok(votes.length >= 1 && (await page.evaluate(() => Array.from(document.querySelector('live-scope').shadowRoot.querySelectorAll('.livescope-vote')).every((b) => b.hidden))), 'still hidden with the board open');
      }
      const group = await page.locator('live-scope').locator('.livescope-playback-controls').getAttribute('aria-label');
      assert.equal(group, lang === 'fr' ? 'Lecture' : 'Playback');
      await page.waitForTimeout(400);
      await page.locator('live-scope').screenshot({ path: join(ARTIFACTS, `replay-readonly-${width}-${lang}.png`) });
    } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
  }
});

test('the ended card with a very long title keeps "Watch the replay" clear of its text', { skip: missing }, async () => {
  for (const [lang, label] of [['en', 'Watch the replay'], ['fr', 'Voir le replay']]) {
    const { page, logs } = await open(`src="${base}/live/talk/master.m3u8" title="${LONG_TITLE}" lang="${lang}"`, 280);
    try {
      await page.waitForFunction(() => document.querySelector('live-scope')._ls.widget.plugins.playback, null, { timeout: 30000 });
      const offered = page.evaluate(() => new Promise((resolve) => document.querySelector('live-scope').addEventListener('replayavailable', (e) => resolve(e.detail), { once: true })));
      await page.evaluate(() => { const p = document.querySelector('live-scope')._ls.widget.plugins.playback; if (p.worker) p.worker.terminate(); p.worker = null; p.setState('ended'); });
      await offered;
      const btn = page.locator('live-scope').locator('button.livescope-watch-replay');
      assert.equal(await btn.textContent(), label);
      await page.waitForTimeout(500); // placed from the card's layout (at most every 200 ms)
      const l = await evalEl(page, 'el._ls.widget.plugins.room.layout()');
      assert.ok(l.card[3] > 0, 'the card is laid out');
      const canvas = await page.locator('live-scope').locator('canvas').boundingBox();
      const b = await btn.boundingBox();
      const cardBottom = canvas.y + l.card[1] + l.card[3];
      assert.ok(b.y >= cardBottom - 0.5, `the button (top ${b.y}) is below the card's text (bottom ${cardBottom})`);
      assert.ok(b.y + b.height <= canvas.y + canvas.height && b.x >= canvas.x && b.x + b.width <= canvas.x + canvas.width, 'inside the widget');
      await page.locator('live-scope').screenshot({ path: join(ARTIFACTS, `replay-readonly-ended-card-${lang}.png`) });
    } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
  }
});

test('live with a DVR window and no room: "–30 s", the slider and "Live" are mirrored and work by keyboard', { skip: missing }, async () => {
  dvrStart = Date.now() / 1000;
  const { page, logs } = await open(`src="${base}/vod/talk/run1/dvr.m3u8" lang="fr"`, 280, () => document.querySelector('live-scope')?._ls?.widget?.plugins?.playback);
  try {
    await page.waitForFunction(() => { const p = document.querySelector('live-scope')._ls.widget.plugins.playback; return p.dvr() && p.stats().framesShown > 0; }, null, { timeout: 60000 });
    await waitFor('the mirror', () => page.evaluate(() => { const g = document.querySelector('live-scope').shadowRoot.querySelector('.livescope-playback-controls'); return g && !g.hidden; }), 10000);
    const list = await controls(page);
    const classes = list.map((c) => c.cls).join(' ');
    for (const want of ['livescope-back30', 'livescope-seek', 'livescope-go-live']) assert.ok(classes.includes(want), `${want}: ${classes}`);
    assert.ok(!classes.includes('livescope-play'), 'no play button on a live window');
    for (const c of list) assert.ok(c.name, `${c.tag}.${c.cls} has an accessible name`);
    const names = list.map((c) => c.name);
    assert.ok(names.includes('Reculer de 30 secondes') && names.includes('Revenir au direct'), names.join(', '));
    const live = page.locator('live-scope').locator('button.livescope-go-live');
    assert.equal(await live.getAttribute('aria-pressed'), 'true', 'at the edge');
    await page.locator('live-scope').locator('button.livescope-back30').focus();
    await page.keyboard.press('Enter');
    await waitFor('seeking back', () => page.evaluate(() => (window.__ev.seeking || []).some((d) => typeof d.to === 'number')), 10000);
    await waitFor('behind the edge', async () => (await live.getAttribute('aria-pressed')) === 'false', 15000);
    await page.locator('live-scope').screenshot({ path: join(ARTIFACTS, 'replay-readonly-dvr-280-fr.png') });
    await live.focus();
    await page.keyboard.press('Space');
    await waitFor('"Live": a seek to the edge', () => page.evaluate(() => (window.__ev.seeking || []).some((d) => d.to === null)), 10000);
    await waitFor('at the edge again', async () => (await live.getAttribute('aria-pressed')) === 'true', 15000);
    assert.ok(!logs.some((x) => x.includes('pageerror')), logs.join('\n'));
  } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
});
