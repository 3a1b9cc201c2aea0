// Benchmark (issue 13, the room in a replay): time from a seek to the first replayed frame with its overlay (the room
// rebuilt as it stood then), beside the time from the same seek to the first frame alone (the player's `seeked`).
// A 60 s ffmpeg VOD (fMP4, PROGRAM-DATE-TIME) and a relay log speaking the contract (GET /rooms/<room>/events: a
// comment every 2 s, hearts, viewers) are served from here on loopback; the widget from build/wasm/dist. Prints
// figures; never pass/fail. Usage: node tests/bench/replay_seek.mjs [--wasm build/wasm] [--trials 8]
import { createServer } from 'node:http';
import { spawnSync } from 'node:child_process';
import { existsSync, createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from '../e2e/lib/browser.mjs';
import { mimeType } from '../e2e/lib/static.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const DIST = join(arg('wasm', 'build/wasm'), 'dist');
const TRIALS = Number(arg('trials', 8));
const CLIP_S = 60;
if (!existsSync(join(DIST, 'room-replay.js'))) { console.log(`replay_seek: ${DIST}/room-replay.js missing (build the wasm preset)`); process.exit(0); }

const dir = mkdtempSync(join(tmpdir(), 'livescope-bench-replay-'));
const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=360x640:rate=30:duration=${CLIP_S}`,
  '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${CLIP_S}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30',
  '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4',
  '-hls_flags', 'program_date_time', '-hls_fmp4_init_filename', 'init.mp4', join(dir, 'index.m3u8')]);
if (r.status !== 0) { console.log(`replay_seek: ffmpeg failed: ${r.stderr}`); process.exit(0); }
const start = Date.parse(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(readFileSync(join(dir, 'index.m3u8'), 'utf8'))[1]);
const log = [];
for (let s = 1; s < CLIP_S; s += 2) log.push({ t: start + s * 1000, type: 'comment', id: `c${s}`, author: { id: 'u', name: 'Ann', color: '#4fc3f7' }, text: `at ${s} s`, question: false });
for (let s = 0.5; s < CLIP_S; s += 0.5) log.push({ t: start + s * 1000, type: 'hearts', counts: [{ color: '#ff3b5c', count: 1 + (s % 7) }] });
for (let s = 0; s < CLIP_S; s += 5) log.push({ t: start + s * 1000 + 10, type: 'viewers', live: 10 + s, total: 20 + s });
log.sort((a, b) => a.t - b.t).forEach((e, k) => { e.seq = k + 1; e.at = e.t; });

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const cors = { 'Access-Control-Allow-Origin': '*' };
  if (/^\/rooms\/[^/]+\/events$/.test(url.pathname)) {
    const from = Number(url.searchParams.get('from')), to = Number(url.searchParams.get('to')), after = Number(url.searchParams.get('after') || 0);
    const limit = Math.min(1000, Number(url.searchParams.get('limit') || 500));
    const all = log.filter((e) => e.t >= from && e.t < to && e.seq > after), events = all.slice(0, limit);
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ room: 'bench', events, next: all.length > limit ? events[events.length - 1].seq : null }));
    return;
  }
  let file = null;
  if (url.pathname.startsWith('/vod/')) file = join(dir, url.pathname.slice(5).replace(/\.\./g, ''));
  else if (url.pathname.startsWith('/w/')) file = join(DIST, url.pathname.slice(3).replace(/\.\./g, ''));
  if (file && existsSync(file)) { res.writeHead(200, { ...cors, 'Content-Type': mimeType(file) }); createReadStream(file).pipe(res); return; }
  if (url.pathname === '/page.html') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><meta charset="utf-8"><script src="/w/livescope.js" async></script><div style="width:360px">
<live-scope src="/vod/index.m3u8" room="ws://${req.headers.host}/ws#bench" title="Seek bench"></live-scope></div>`);
    return;
  }
  res.writeHead(404); res.end();
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const browser = await launchBrowser();
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
try {
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/page.html`);
  await page.waitForFunction(() => { const el = document.querySelector('live-scope'); return el && el.replay && el.stats && el.stats.framesShown > 0; }, null, { timeout: 90000 });
  await page.waitForTimeout(3000); // the log's first chunks are read (what a viewer has after a few seconds)
  const targets = [40, 10, 52, 24, 6, 34, 46, 18, 56, 2].slice(0, TRIALS);
  const frame = [], overlay = [];
  for (const s of targets) {
    // The overlay is ready when the role=log mirror's newest entry is the last comment at or before the target.
    const want = `c${s - 1}`; // targets are even: the comment 1 s before
    const t = await page.evaluate(({ s, want }) => new Promise((resolve) => {
      const el = document.querySelector('live-scope'), log = el._ls.widget.plugins.room.log;
      const t0 = performance.now(); let seeked = NaN;
      el.addEventListener('seeked', () => { seeked = performance.now() - t0; }, { once: true });
      const tick = () => {
        const last = log.lastElementChild;
        if (Number.isFinite(seeked) && last && last.dataset.id === want) resolve({ seeked, overlay: Math.max(seeked, performance.now() - t0) });
        else if (performance.now() - t0 > 20000) resolve({ seeked, overlay: NaN });
        else requestAnimationFrame(tick);
      };
      el.seek(s);
      requestAnimationFrame(tick);
    }), { s, want });
    frame.push(t.seeked); overlay.push(t.overlay);
    console.log(`  seek to ${String(s).padStart(2)} s: first frame ${t.seeked.toFixed(0)} ms, with its overlay ${t.overlay.toFixed(0)} ms`);
    await page.waitForTimeout(1500);
  }
  console.log(`replay_seek: seek -> first frame alone (reference): median ${median(frame).toFixed(0)} ms, max ${Math.max(...frame).toFixed(0)} ms (${frame.length} seeks)`);
  console.log(`replay_seek: seek -> first frame with its overlay:  median ${median(overlay).toFixed(0)} ms, max ${Math.max(...overlay).toFixed(0)} ms`);
} catch (e) {
  console.log(`replay_seek: the run failed: ${e.message}`);
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
