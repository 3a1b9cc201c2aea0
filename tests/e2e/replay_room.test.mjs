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
import { existsSync, createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS, ROOT } from './lib/browser.mjs';
import { mimeType } from './lib/static.mjs';
import { waitFor } from './lib/wait.mjs';
import { BIN, startProcess } from './lib/procs.mjs';
import { rawWebSocket } from './lib/raw_websocket.mjs';

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

// The real-player case: a 30 s ffmpeg VOD (fMP4, PROGRAM-DATE-TIME), its log relative to its first PDT.
const CLIP_S = 30;
const REAL_COMMENTS = [{ id: 'r1', s: 3.0, text: 'three' }, { id: 'r2', s: 6.0, text: 'six' }, { id: 'r3', s: 9.5, text: 'nine and a half' },
  { id: 'r4', s: 13.0, text: 'thirteen', q: true }, { id: 'r5', s: 21.0, text: 'twenty-one' }, { id: 'r6', s: 26.0, text: 'twenty-six: after the seek' }];
function buildRealLog(start) {
  const ev = REAL_COMMENTS.map((c) => ({ t: start + c.s * 1000, type: 'comment', id: c.id, author: ANN, text: c.text, question: !!c.q }));
  for (let s = 10; s <= 12; s += 0.5) ev.push({ t: start + s * 1000, type: 'hearts', counts: [{ color: '#ff3b5c', count: 20 }] });
  ev.push({ t: start + 2000, type: 'hearts', counts: [{ color: '#ffd54a', count: 4 }] });
  ev.push({ t: start + 1000, type: 'viewers', live: 5, total: 5 }, { t: start + 15000, type: 'answering', id: 'r4' }, { t: start + 18000, type: 'answered', id: 'r4' });
  ev.sort((x, y) => x.t - y.t);
  return ev.map((e, k) => ({ seq: k + 1, at: e.t + 300, ...e }));
}
function makeVod(out) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=320x568:rate=30:duration=${CLIP_S}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${CLIP_S}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30',
    '-keyint_min', '30', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-f', 'hls', '-hls_time', '2',
    '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4', '-hls_flags', 'program_date_time', '-hls_fmp4_init_filename', 'init.mp4',
    join(out, 'index.m3u8')]);
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  const m = /#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(readFileSync(join(out, 'index.m3u8'), 'utf8'));
  return Date.parse(m[1]);
}

// The fake relay log + origin index + widget files. `fail` > 0: that many /events requests answer 503.
const fake = { fail: 0, eventsRequests: 0, pageSizes: [], indexRequests: 0, replayAfter: 2, log: LOG, vodDir: '' };
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
    const all = fake.log.filter((e) => e.t >= from && e.t < to && e.seq > after);
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
  if (fake.vodDir && url.pathname.startsWith('/vod/talk/run2/')) {
    const file = join(fake.vodDir, url.pathname.slice('/vod/talk/run2/'.length).replace(/\.\./g, ''));
    if (existsSync(file)) { res.writeHead(200, { ...cors, 'Content-Type': mimeType(file) }); createReadStream(file).pipe(res); return; }
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
after(async () => {
  if (browser) await browser.close();
  if (server) await new Promise((r) => server.close(r));
  if (fake.vodDir) rmSync(fake.vodDir, { recursive: true, force: true });
});

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
const installPlayer = (page, rate, START_MS = START, DURATION = DURATION_S) => page.evaluate(({ START, DURATION_S, rate }) => {
  const el = document.querySelector('live-scope');
  // Frame-locked, as a player's picture: the position moves once per animation frame, by the frame's time × rate
  // (at most 50 ms of wall time per frame, so a stalled page does not jump the picture).
  const p = window.__player = { pos: 0, at: performance.now(), rate, comments: [], paused: false };
  const pos = () => Math.min(DURATION_S, p.pos);
  const step = (t) => { if (!p.paused) p.pos = Math.min(DURATION_S, p.pos + Math.min(50, t - p.at) / 1000 * p.rate); p.at = t; requestAnimationFrame(step); };
  requestAnimationFrame(step);
  Object.defineProperty(el, 'currentTime', { configurable: true, get: pos });
  Object.defineProperty(el, 'duration', { configurable: true, get: () => DURATION_S });
  Object.defineProperty(el, 'streamTime', { configurable: true, get: () => START + Math.round(pos() * 1000) });
  Object.defineProperty(el, 'replay', { configurable: true, get: () => true });
  el.addEventListener('comment', (e) => p.comments.push(e.detail));
  p.seek = (s) => {
    el.dispatchEvent(new CustomEvent('seeking', { detail: { to: s } }));
    p.pos = s;
    el.dispatchEvent(new CustomEvent('seeked', { detail: { currentTime: s, streamTime: START + Math.round(s * 1000) } }));
  };
  p.pause = () => { p.paused = true; };
  setInterval(() => el.dispatchEvent(new CustomEvent('timeupdate', { detail: { currentTime: pos(), streamTime: el.streamTime } })), 250);
  el.dispatchEvent(new CustomEvent('replay', { detail: {} }));
}, { START: START_MS, DURATION_S: DURATION, rate });

// Records, for each replay `comment` event, the stream time of the frame on screen before it (sampled every animation frame):
// a comment is in step when it fires at the first frame at or past its stream time.
const recordComments = (page) => page.evaluate(() => {
  const el = document.querySelector('live-scope');
  const rec = window.__rec = { comments: [], last: NaN, frames: 0, samples: [] };
  const sample = () => {
    const t = el.streamTime;
    if (Number.isFinite(t)) { rec.last = t; rec.frames++; if (rec.samples.length < 20000 && t !== rec.samples[rec.samples.length - 1]) rec.samples.push(t); }
    requestAnimationFrame(sample);
  };
  requestAnimationFrame(sample);
  // Only the replay's comments (they carry commentStreamTime): the live room's history, which its welcome may still be
  // delivering when this starts (the widget joins the room live before the player turns it into a replay), has none.
  el.addEventListener('comment', (e) => { if (e.detail.commentStreamTime !== undefined) rec.comments.push({ ...e.detail, before: rec.last }); });
});

// Each comment of `want` ([{id, t}]) fired once, never before its time, at the first frame past it, and within
// ±0.3 s of its stream time unless the picture itself jumped further at that frame (a stalled decoder drops frames).
function checkInStep(seen, want, tag, samples = []) {
  console.log(`${tag}: comment event streamTime − stream_time (ms) [picture step]: ${seen.map((c) => `${c.id} ${c.streamTime - c.commentStreamTime} [${c.streamTime - c.before}]`).join(', ')}`);
  for (const w of want) {
    const d = seen.find((c) => c.id === w.id);
    // A picture that jumped over a comment by more than 5 s is a seek (RoomReplayConfig::JumpMs): the comment is then
    // rebuilt into the log as history, without the event. Only a badly starved decoder does that.
    const k = samples.findIndex((t) => t >= w.t);
    if (!d && k > 0 && samples[k] - samples[k - 1] > 5000) { console.log(`${tag}: ${w.id} jumped over (${samples[k - 1]} -> ${samples[k]})`); continue; }
    assert.ok(d, `${tag}: comment ${w.id} fired no 'comment' event: ${JSON.stringify(seen.map((x) => x.id))}`);
    assert.equal(d.commentStreamTime, w.t, `${w.id}: the event carries the comment's stream time`);
    assert.ok(d.streamTime >= w.t, `${w.id}: shown before its time (${d.streamTime} < ${w.t})`);
    assert.ok(!(d.before >= w.t), `${w.id}: not shown at the first frame past its time (the frame before was at ${d.before})`);
    const diff = d.streamTime - w.t, jump = d.streamTime - d.before;
    assert.ok(diff <= 300 || jump > 300, `${w.id}: shown ${diff} ms after its stream time (picture step ${jump} ms)`);
  }
  assert.equal(new Set(seen.map((c) => c.id)).size, seen.length, `${tag}: each comment fires once`);
}

test('the room replays in step: comment events on time, the deleted one never, a seek shows the state then, the heat strip', { skip: missing }, async () => {
  const { page, logs } = await open(`room="ws://127.0.0.1:${server.address().port}/ws#show" title="Replay with the room" lang="en"`);
  try {
    const RATE = 3; // 60 s of stream in 20 s: frames every ~16-50 ms wall are 50-150 ms of stream, inside the ±0.3 s bound
    await recordComments(page);
    await installPlayer(page, RATE);
    await page.waitForFunction(() => window.__rec.comments.length >= 10 || document.querySelector('live-scope').currentTime >= 55, null, { timeout: 60000 });
    await page.evaluate(() => window.__player.pause());
    const seen = await page.evaluate(() => window.__rec.comments);
    checkInStep(seen, COMMENTS.filter((x) => x.s <= 54).map((c) => ({ id: c.id, t: at(c.s) })), 'simulated player');
    for (const c of COMMENTS.filter((x) => x.s <= 54)) {
      const d = seen.find((x) => x.id === c.id);
      assert.equal(d.text, c.text);
      assert.equal(d.question, !!c.q);
    }
    assert.equal(seen.filter((c) => c.id === DELETED.id).length, 0, 'the deleted comment never shows');
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

test('with the replay player: a recording plays, its room in step (comment events on time), a seek shows the state then, the heat strip on the bar', { skip: missing }, async () => {
  fake.vodDir = mkdtempSync(join(tmpdir(), 'livescope-replay-room-'));
  const start = makeVod(fake.vodDir);
  fake.log = buildRealLog(start);
  const { page, logs } = await open(`src="${base}/vod/talk/run2/index.m3u8" room="ws://127.0.0.1:${server.address().port}/ws#show" title="A recorded talk" lang="en"`);
  try {
    await recordComments(page);
    await page.waitForFunction(() => document.querySelector('live-scope').replay && document.querySelector('live-scope').stats.framesShown > 0, null, { timeout: 60000 });
    // Played from 0 up to ~14 s: r1..r4 fire in step with the picture.
    await page.waitForFunction(() => document.querySelector('live-scope').currentTime >= 14, null, { timeout: 60000 });
    const seen = await page.evaluate(() => window.__rec.comments);
    const stats = await page.evaluate(() => { const s = document.querySelector('live-scope').stats; return { fps: s.fps, dropped: s.droppedFrames, frames: window.__rec.frames }; });
    console.log(`real player: ${JSON.stringify(stats)}`);
    const samples = await page.evaluate(() => window.__rec.samples);
    checkInStep(seen, REAL_COMMENTS.filter((x) => x.s <= 13).map((c) => ({ id: c.id, t: start + c.s * 1000 })), 'real player', samples);
    const marks = JSON.parse(await page.evaluate(() => document.querySelector('live-scope')._ls.widget.plugins.room.replay.marks));
    assert.deepEqual(marks.answers, [18]);
    // Seek to 24 s: the state at 24 s (r5 at 21 s shown, r6 at 26 s not), the answered question on the board.
    await page.evaluate(() => new Promise((resolve) => {
      window.__rec.comments = [];
      const el = document.querySelector('live-scope');
      el.addEventListener('seeked', () => { el.pause(); resolve(); }, { once: true }); // r6 (26 s) is 2 s away
      el.seek(24);
    }));
    await page.waitForFunction(() => document.querySelector('live-scope')._ls.widget.plugins.room.log.querySelector('[data-id="r5"]'), null, { timeout: 20000 });
    const st = await page.evaluate(() => {
      const room = document.querySelector('live-scope')._ls.widget.plugins.room;
      return { ids: Array.from(room.log.children, (p) => p.dataset.id), board: room.state.board, st: document.querySelector('live-scope').streamTime };
    });
    console.log(`real player after the seek to 24 s: log ${JSON.stringify(st.ids)}, answered ${JSON.stringify(st.board.answered.map((q) => q.id))}`);
    assert.deepEqual(st.ids, ['r1', 'r2', 'r3', 'r4', 'r5']);
    assert.deepEqual(st.board.answered.map((q) => q.id), ['r4']);
    assert.ok(Math.abs(st.st - (start + 24000)) < 2500, `the picture is near 24 s (${(st.st - start) / 1000} s)`);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, 'replay-room-player.png') });
    assert.ok(!logs.some((l) => /WebSocket/.test(l)), `no WebSocket for a replay:\n${logs.join('\n')}`);
  } catch (e) { console.log(logs.join('\n')); throw e; } finally { await page.close(); }
});

const RELAY = join(BIN, 'livescope-relay');
const relayMissing = missing || (existsSync(RELAY) ? false : `${RELAY} is missing: build the native preset`);

test('against the real relay log: seeded over WebSocket with stream times, replayed in step, the deleted comment never, the transcript in order', { skip: relayMissing }, async () => {
  const READY = /livescope-relay listening on ws:\/\/127\.0\.0\.1:(\d+)/;
  const relay = await startProcess(RELAY, ['--port', '0', '--log-db', ':memory:'], { ready: READY, tag: 'relay', timeoutMs: 20000, env: { LIVESCOPE_RELAY_SECRET: 'replay-room' } });
  const port = Number(relay.output.map((l) => l.match(READY)).find(Boolean)[1]);
  const sockets = [];
  let page, logs = [];
  try {
    const ROOM = 'replay-e2e';
    const token = spawnSync(RELAY, ['mint-token', '--name', 'Host', '--role', 'broadcaster', '--ttl', '600'],
      { encoding: 'utf8', timeout: 10000, env: { PATH: process.env.PATH, LIVESCOPE_RELAY_SECRET: 'replay-room' } }).stdout.trim();
    const enter = async (extra) => {
      const ws = await rawWebSocket(port);
      sockets.push(ws);
      ws.send(JSON.stringify({ type: 'join', v: 2, room: ROOM, ...extra }));
      await ws.until((m) => m.type === 'welcome');
      return ws;
    };
    const host = await enter({ token }), ann = await enter({ client_id: 'ann-e2e' }), bob = await enter({ client_id: 'bob-e2e' });
    // A third viewer: each one stays within the relay's burst of 3 comments (echoes come at once on the adaptive tick).
    const cat = await enter({ client_id: 'cat-e2e' });
    // The broadcast: 30 s of stream time; the viewers act "while watching" these moments (sent at once).
    const S0 = Date.now() - 60000, T = (s) => S0 + Math.round(s * 1000), ids = {};
    const post = async (ws, s, text, question = false) => {
      ws.send(JSON.stringify({ type: 'comment', v: 2, text, stream_time: T(s), question }));
      ids[text] = (await host.until((m) => m.type === 'comment' && m.text === text)).id;
    };
    const plan = [[ann, 3, 'hi at three'], [bob, 5, 'who asks first?', true], [ann, 7.5, 'seven and a half'], [bob, 9, 'this one gets deleted'],
      [ann, 12, 'twelve'], [bob, 16, 'a second question?', true], [cat, 22, 'twenty-two: after the seek'], [cat, 26, 'twenty-six']];
    for (const [ws, sec, text, q] of plan) await post(ws, sec, text, !!q);
    ann.send(JSON.stringify({ type: 'hearts', v: 2, count: 9, stream_time: T(10.5) }));
    ann.send(JSON.stringify({ type: 'vote', v: 2, id: ids['a second question?'], on: true, stream_time: T(17) }));
    host.send(JSON.stringify({ type: 'delete', v: 2, comment_id: ids['this one gets deleted'] }));
    host.send(JSON.stringify({ type: 'answer', v: 2, id: ids['who asks first?'] }));
    host.send(JSON.stringify({ type: 'answered', v: 2, id: ids['who asks first?'] }));
    const events = await waitFor('the answered event in the relay log', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/rooms/${ROOM}/events?from=${S0}&to=${T(31)}&limit=1000`).then((x) => x.json());
      return r.events.some((e) => e.type === 'answered') ? r.events : null;
    }, 15000);
    const answeredT = events.find((e) => e.type === 'answered').t;

    ({ page, logs } = await open(`room="ws://127.0.0.1:${port}/ws#${ROOM}" title="Replay from the relay log" lang="en"`));
    await recordComments(page);
    await installPlayer(page, 3, S0, 30);
    await page.waitForFunction(() => document.querySelector('live-scope').currentTime >= 19, null, { timeout: 60000 });
    await page.evaluate(() => window.__player.pause());
    const seen = await page.evaluate(() => window.__rec.comments);
    const want = plan.filter(([, sec, text]) => sec <= 18 && text !== 'this one gets deleted').map(([, sec, text]) => ({ id: ids[text], t: T(sec) }));
    checkInStep(seen, want, 'relay log');
    assert.ok(!seen.some((c) => c.id === ids['this one gets deleted']), 'the deleted comment never shows');
    // Seek to 20 s: the state at 20 s.
    await page.evaluate(() => window.__player.seek(20));
    await page.waitForTimeout(500);
    const st = await page.evaluate(() => {
      const room = document.querySelector('live-scope')._ls.widget.plugins.room;
      return { texts: Array.from(room.log.children, (p) => p.dataset.text), open: room.state.board.open.map((q) => q.text) };
    });
    assert.deepEqual(st.texts, ['hi at three', 'who asks first?', 'seven and a half', 'twelve', 'a second question?']);
    assert.ok(st.open.includes('a second question?'));
    // The transcript: the questions in asked order, with their answered times (the log's).
    const tr = await fetch(`http://127.0.0.1:${port}/rooms/${ROOM}/transcript?from=${S0}`).then((x) => x.json());
    assert.deepEqual(tr.questions.map((q) => q.text), ['who asks first?', 'a second question?']);
    assert.equal(tr.questions[0].answered_t, answeredT);
    assert.equal(tr.questions[1].answered_t, null);
    assert.ok(!logs.some((l) => l.includes('pageerror')), logs.join('\n'));
  } catch (e) { console.log(logs.join('\n')); throw e; } finally {
    if (page) await page.close();
    for (const s of sockets) s.destroy();
    await relay.stop();
  }
});
