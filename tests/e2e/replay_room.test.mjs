// e2e (issue 13, the room in a replay): the widget's room replayed in step with a recording, against the relay
// log's HTTP contract (REPLAY-SPEC.md: GET /rooms/<room>/events, paged). A small node server here answers that
// contract from a known log (comments, hearts, questions, votes, answers and one deleted comment, at known stream
// times) and the origin's /live/index.json; the player's replay JS API (`replay`, `seeked`, el.streamTime /
// currentTime / duration) is driven from the page by a clock, so the room side is tested whatever the player
// branch does. Checks: each comment fires `comment` within ±0.3 s of its stream time (the event's streamTime, the
// playhead's, against the comment's), the deleted one never shows, a seek to 40 s shows the state at 40 s and
// nothing later (the role=log mirror and the board), the heat strip, a dead relay (the replay goes on, a warning,
// retries with backoff) and "Watch the replay" on a live widget once its broadcast ended (both languages).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, createReadStream } from 'node:fs';
import { join, extname } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS, ROOT } from './lib/browser.mjs';
import { mimeType } from './lib/static.mjs';
import { waitFor } from './lib/wait.mjs';

const DIST = join(ROOT, 'build', 'wasm', 'dist');
const missing = existsSync(join(DIST, 'room-replay.js')) ? false : `${DIST}/room-replay.js is missing: build the wasm preset`;

const START = 1_800_000_000_000; // stream ms at position 0
const DURATION_S = 60;
const at = (s) => START + Math.round(s * 1000);
const author = (id, name, color) => ({ id, name, color });
const ANN = author('u1', 'Ann', '#4fc3f7'), BOB = author('u2', 'Bob', '#ffd54a'), CY = author('u3', 'Cy', '#81c784');
// The log as the relay answers it; c-del was deleted: absent from every answer, as the contract says.
const COMMENTS = [
  { id: 'c1', s: 4.0, a: ANN, text: 'Hello from the start' }, { id: 'q1', s: 8.0, a: BOB, text: 'What camera is this?', q: true },
  { id: 'c2', s: 12.5, a: CY, text: 'The colours are great' }, { id: 'c3', s: 19.0, a: ANN, text: 'Hearts for this part' },
  { id: 'q2', s: 24.0, a: CY, text: 'Will there be a replay?', q: true }, { id: 'c4', s: 31.0, a: BOB, text: 'Thirty-one seconds in' },
  { id: 'c5', s: 38.5, a: CY, text: 'Just before forty' }, { id: 'c6', s: 43.0, a: ANN, text: 'After forty: not at the seek' },
  { id: 'q3', s: 46.0, a: BOB, text: 'A late question?', q: true }, { id: 'c7', s: 52.0, a: CY, text: 'Almost the end' },
];
const DELETED = { id: 'c-del', s: 15.0, a: BOB, text: 'this one was deleted' };
function buildLog() {
  const ev = [];
  for (const c of COMMENTS) ev.push({ t: at(c.s), type: 'comment', id: c.id, author: c.a, text: c.text, question: !!c.q });
  ev.push({ t: at(1), type: 'viewers', live: 4, total: 4 }, { t: at(20), type: 'viewers', live: 9, total: 11 }, { t: at(44), type: 'viewers', live: 7, total: 12 });
  for (let s = 17; s <= 22; s += 0.5) ev.push({ t: at(s), type: 'hearts', counts: [{ color: '#ff3b5c', count: 12 }, { color: '#4fc3f7', count: 3 }] });
  ev.push({ t: at(6), type: 'hearts', counts: [{ color: '#ff3b5c', count: 2 }] });
  ev.push({ t: at(10), type: 'vote', id: 'q1', votes: 1 }, { t: at(26), type: 'vote', id: 'q2', votes: 3 }, { t: at(28), type: 'answering', id: 'q2' },
    { t: at(35), type: 'answered', id: 'q2' }, { t: at(36), type: 'answering', id: 'q1' }, { t: at(41), type: 'answered', id: 'q1' }, { t: at(47), type: 'vote', id: 'q3', votes: 1 });
  ev.sort((x, y) => x.t - y.t);
  return ev.map((e, k) => ({ seq: k + 1, at: e.t + 400, ...e }));
}
const LOG = buildLog();

// The fake relay log + origin index + widget files. `fail` > 0: that many /events requests answer 503.
const fake = { fail: 0, eventsRequests: 0, pageSizes: [], indexRequests: 0, replayAfter: 2 };
let server, base, browser;

function serve(req, res) {
  const url = new URL(req.url, 'http://x');
  const cors = { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' };
  const m = /^\/rooms\/([A-Za-z0-9._-]+)\/events$/.exec(url.pathname);
  if (m) {
    fake.eventsRequests++;
    if (fake.fail > 0) { fake.fail--; res.writeHead(503, cors); res.end('relay down'); return; }
    const from = Number(url.searchParams.get('from') ?? -Infinity), to = Number(url.searchParams.get('to') ?? Infinity);
    const limit = Math.min(1000, Number(url.searchParams.get('limit') || 500), 4); // small pages: `next` is followed
    const after = Number(url.searchParams.get('after') || 0);
    const all = LOG.filter((e) => e.t >= from && e.t < to && e.seq > after);
    const events = all.slice(0, limit);
    fake.pageSizes.push(events.length);
    const next = all.length > limit ? events[events.length - 1].seq : null;
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ room: m[1], events, next }));
    return;
  }
  if (url.pathname === '/live/index.json') {
    fake.indexRequests++;
    const entry = { name: 'talk', title: 'Talk', state: 'ended', id: 'run1' };
    if (fake.indexRequests >= fake.replayAfter) entry.replay = '/vod/talk/run1/master.m3u8'; // finalised a moment after the end
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ broadcasts: [{ name: 'other', state: 'live' }, entry] }));
    return;
  }
  if (url.pathname.startsWith('/w/')) {
    const file = join(DIST, url.pathname.slice(3).replace(/\.\./g, ''));
    if (existsSync(file)) { res.writeHead(200, { 'Content-Type': mimeType(file) }); createReadStream(file).pipe(res); return; }
  }
  if (url.pathname === '/page.html') {
    const attrs = url.searchParams.get('attrs') || '';
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>replay room</title>
<script src="/w/livescope.js" async></script></head><body style="margin:0;background:#222">
<div style="width:360px;padding:8px"><live-scope ${attrs}></live-scope></div></body></html>`);
    return;
  }
  res.writeHead(404, cors); res.end('not found');
}

before(async () => {
  if (missing) return;
  server = createServer(serve);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchBrowser();
});
after(async () => { if (browser) await browser.close(); if (server) await new Promise((r) => server.close(r)); });

// Opens a widget page; `sim` installs the player's replay API on the element (REPLAY-SPEC.md), driven by a clock.
async function open(attrs) {
  const page = await browser.context.newPage();
  const logs = collectLogs(page);
  await page.goto(`${base}/page.html?attrs=${encodeURIComponent(attrs)}`);
  await page.waitForFunction(() => document.querySelector('live-scope')?._ls?.widget?.plugins?.room?.log, null, { timeout: 60000 });
  return { page, logs };
}

// The simulated replay player: position advances at `rate` × real time from `from` seconds; seek(s) fires
// seeking/seeked as the player does. Every `comment` event is recorded with its detail.
const installPlayer = (page, rate) => page.evaluate(({ START, DURATION_S, rate }) => {
  const el = document.querySelector('live-scope');
  const p = window.__player = { pos: 0, at: performance.now(), rate, comments: [], paused: false };
  const pos = () => Math.min(DURATION_S, p.pos + (p.paused ? 0 : (performance.now() - p.at) / 1000 * p.rate));
  Object.defineProperty(el, 'currentTime', { configurable: true, get: pos });
  Object.defineProperty(el, 'duration', { configurable: true, get: () => DURATION_S });
  Object.defineProperty(el, 'streamTime', { configurable: true, get: () => START + Math.round(pos() * 1000) });
  Object.defineProperty(el, 'replay', { configurable: true, get: () => true });
  el.addEventListener('comment', (e) => p.comments.push(e.detail));
  p.seek = (s) => {
    el.dispatchEvent(new CustomEvent('seeking', { detail: { to: s } }));
    p.pos = s; p.at = performance.now();
    el.dispatchEvent(new CustomEvent('seeked', { detail: { currentTime: s, streamTime: START + Math.round(s * 1000) } }));
  };
  p.pause = () => { p.pos = pos(); p.paused = true; };
  setInterval(() => el.dispatchEvent(new CustomEvent('timeupdate', { detail: { currentTime: pos(), streamTime: el.streamTime } })), 250);
  el.dispatchEvent(new CustomEvent('replay', { detail: {} }));
}, { START, DURATION_S, rate });

test('the room replays in step: comment events on time, the deleted one never, a seek shows the state then, the heat strip', { skip: missing }, async () => {
  const { page, logs } = await open(`room="ws://127.0.0.1:${server.address().port}/ws#show" title="Replay with the room" lang="en"`);
  try {
    const RATE = 3; // 60 s of stream in 20 s: frames every ~16-50 ms wall are 50-150 ms of stream, inside the ±0.3 s bound
    await installPlayer(page, RATE);
    await page.waitForFunction(() => window.__player.comments.length >= 10 || document.querySelector('live-scope').currentTime >= 55, null, { timeout: 60000 });
    await page.evaluate(() => window.__player.pause());
    const seen = await page.evaluate(() => window.__player.comments);
    const byId = new Map(seen.map((c) => [c.id, c]));
    for (const c of COMMENTS.filter((x) => x.s <= 54)) {
      const d = byId.get(c.id);
      assert.ok(d, `comment ${c.id} (${c.s} s) fired no 'comment' event: ${JSON.stringify(seen.map((x) => x.id))}`);
      assert.equal(d.commentStreamTime, at(c.s), `${c.id}: the event carries the comment's stream time`);
      const diff = d.streamTime - at(c.s);
      assert.ok(Math.abs(diff) <= 300, `${c.id}: shown at stream ${d.streamTime}, ${diff} ms from its stream time ${at(c.s)}`);
      assert.equal(d.text, c.text);
      assert.equal(d.question, !!c.q);
    }
    console.log(`comment event streamTime − comment stream_time (ms): ${seen.map((c) => `${c.id} ${c.streamTime - c.commentStreamTime}`).join(', ')}`);
    assert.equal(seen.filter((c) => c.id === DELETED.id).length, 0, 'the deleted comment never shows');
    assert.equal(new Set(seen.map((c) => c.id)).size, seen.length, 'each comment fires once');
    const logText = await page.evaluate(() => document.querySelector('live-scope')._ls.widget.plugins.room.log.textContent);
    assert.ok(!logText.includes(DELETED.text), 'the deleted comment is not in the role=log mirror');
    assert.ok(Math.max(...fake.pageSizes) <= 4 && fake.eventsRequests >= 8, 'the log was read in small pages, following next');

    // The heat strip: hearts peak over 17-22 s, answers at 35 s and 41 s.
    const marks = JSON.parse(await page.evaluate(() => document.querySelector('live-scope')._ls.widget.plugins.room.replay.marks));
    const peak = marks.hearts.reduce((a, b) => (b[1] > a[1] ? b : a));
    assert.ok(peak[0] >= 16.5 && peak[0] <= 22.5 && peak[1] === 1, `heat peak ${JSON.stringify(peak)}`);
    assert.ok(marks.hearts.every(([t, w]) => t >= 0 && t <= DURATION_S && w > 0 && w <= 1));
    assert.deepEqual(marks.answers, [35, 41]);

    // Seek to 40 s: the state at 40 s, nothing later (role=log mirror, board, count).
    await page.evaluate(() => window.__player.seek(40));
    await page.waitForFunction(() => document.querySelector('live-scope')._ls.widget.plugins.room.log.textContent.includes('Just before forty'), null, { timeout: 10000 });
    await page.waitForTimeout(300);
    const st = await page.evaluate(() => {
      const room = document.querySelector('live-scope')._ls.widget.plugins.room;
      return { log: Array.from(room.log.children, (p) => ({ id: p.dataset.id, t: Number(p.dataset.streamTime) })), board: room.state.board, viewers: room.state.viewers };
    });
    console.log(`after the seek to 40 s: log ${JSON.stringify(st.log)} board ${JSON.stringify({ open: st.board.open.map((q) => q.id), answering: st.board.answering && st.board.answering.id, answered: st.board.answered.map((q) => q.id) })}`);
    const want = COMMENTS.filter((c) => c.s <= 40).slice(-8).map((c) => c.id);
    assert.deepEqual(st.log.map((x) => x.id), want, 'the log shows the last comments up to 40 s');
    assert.ok(st.log.every((x) => x.t <= at(40)), 'nothing from after 40 s');
    assert.equal(st.board.answering && st.board.answering.id, 'q1', 'q1 was being answered at 40 s');
    assert.deepEqual(st.board.answered.map((q) => q.id), ['q2']);
    assert.deepEqual(st.board.open.map((q) => q.id), []);
    assert.equal(st.viewers.live, 9);
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(ARTIFACTS, 'replay-room-seek40.png') });
    const layout = await page.evaluate(() => document.querySelector('live-scope')._ls.widget.plugins.room.layout());
    assert.ok(layout.commentBackings.length > 0 && layout.commentBackings.every((b) => !b.text.includes('After forty')), 'the overlay draws comments up to 40 s only');
  } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
});

test('a dead relay: the replay plays on without the room, warns once, and retries with backoff until it answers', { skip: missing }, async () => {
  fake.fail = 3;
  const before = fake.eventsRequests;
  const { page, logs } = await open(`room="ws://127.0.0.1:${server.address().port}/ws#show" title="Dead relay" lang="en"`);
  try {
    await installPlayer(page, 1);
    await waitFor('three failed log requests', () => fake.eventsRequests - before >= 3, 30000);
    const warned = logs.filter((l) => l.includes('room replay: the relay log did not answer'));
    assert.equal(warned.length, 1, `one console warning per run of failures:\n${logs.join('\n')}`);
    // Once it answers, the room is there (c1 at 4 s: shown as it comes, or rebuilt as history when it came late).
    await page.waitForFunction(() => document.querySelector('live-scope')._ls.widget.plugins.room.log.querySelector('[data-id="c1"]'), null, { timeout: 30000 });
    const feed = await page.evaluate(() => { const f = document.querySelector('live-scope')._ls.widget.plugins.room.replay; return { ...f.stats, started: f.started }; });
    assert.equal(feed.failures, 3);
    assert.ok(feed.pages > 0);
    assert.ok(!logs.some((l) => l.includes('pageerror')), logs.join('\n'));
  } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
});

test('"Watch the replay": a live widget whose broadcast ended offers its replay and switches src in place', { skip: missing }, async () => {
  for (const [lang, label] of [['en', 'Watch the replay'], ['fr', 'Voir le replay']]) {
    fake.indexRequests = 0;
    const { page, logs } = await open(`src="${base}/live/talk/master.m3u8" title="Talk" lang="${lang}"`);
    try {
      await page.waitForFunction(() => document.querySelector('live-scope')._ls.widget.plugins.playback, null, { timeout: 30000 });
      const offered = page.evaluate(() => new Promise((resolve) => document.querySelector('live-scope').addEventListener('replayavailable', (e) => resolve(e.detail), { once: true })));
      // The player's end of a live broadcast (its worker stopped first, so no later state overrides the card).
      await page.evaluate(() => { const p = document.querySelector('live-scope')._ls.widget.plugins.playback; if (p.worker) p.worker.terminate(); p.worker = null; p.setState('ended'); });
      const detail = await offered;
      assert.equal(detail.src, `${base}/vod/talk/run1/master.m3u8`);
      assert.ok(fake.indexRequests >= 2, 'the index was asked again until the replay was listed');
      const btn = page.locator('live-scope').locator('button.livescope-watch-replay');
      assert.equal(await btn.textContent(), label);
      const box = await btn.boundingBox();
      const host = await page.locator('live-scope').boundingBox();
      assert.ok(box && box.x >= host.x && box.x + box.width <= host.x + host.width && box.y + box.height <= host.y + host.height, 'the button lies inside the widget');
      assert.ok(box.height < 40, `the label fits on one line (height ${box.height})`);
      await page.screenshot({ path: join(ARTIFACTS, `replay-room-watch-${lang}.png`) });
      await btn.click();
      await page.waitForFunction((want) => document.querySelector('live-scope').getAttribute('src') === want
        && document.querySelector('live-scope')._ls.widget?.options.src === want, detail.src, { timeout: 10000 });
      assert.equal(await page.locator('live-scope').locator('button.livescope-watch-replay').count(), 0, 'the offer goes with the live widget');
    } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
  }
});
