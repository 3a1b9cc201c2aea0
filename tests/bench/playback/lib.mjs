// Shared helpers for the playback e2e tests and bench: stream sources (dev origin, ffmpeg live HLS), the player page, canvas reads.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../e2e/lib/browser.mjs';
import { BIN, startProcess } from '../../e2e/lib/procs.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';

import { WASM_DIR, readCanvas, pixelAt } from '../../e2e/lib/canvas.mjs';
export { WASM_DIR, readCanvas, pixelAt };
export const ORIGIN_BIN = join(BIN, 'livescope-origin');

// testsrc2's six vertical colour bars, left to right (RGB), as decoded with the ffmpeg CLI.
export const TESTSRC2_BARS = [[253, 0, 0], [0, 254, 0], [253, 253, 0], [0, 0, 254], [254, 0, 253], [0, 255, 255]];

export function hasFfmpeg() { return spawnSync('ffmpeg', ['-version']).status === 0; }

// The dev origin (light mode: one 360p rendition). Resolves { url, proc, stop }.
export async function startOrigin(extra = []) {
  const proc = await startProcess(ORIGIN_BIN, ['--port', '0', '--renditions', '360p', ...extra], { ready: /ready (http\S+)/, timeoutMs: 30000, tag: 'origin' });
  const line = proc.output.find((l) => /ready (http\S+)/.test(l));
  return { url: line.match(/ready (http\S+)/)[1], proc, stop: () => proc.stop() };
}

// A live HLS stream made by the ffmpeg CLI in real time (testsrc2 + 440 Hz sine, 640x360), served over loopback.
// type 'fmp4' or 'ts'. Resolves { url, stop }.
export async function startFfmpegLive(type = 'fmp4') {
  const dir = mkdtempSync(join(tmpdir(), 'livescope-hls-'));
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency',
    '-g', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-f', 'hls', '-hls_time', '1', '-hls_list_size', '6',
    '-hls_flags', 'delete_segments+program_date_time+independent_segments'];
  if (type === 'fmp4') args.push('-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4');
  args.push(join(dir, 'live.m3u8'));
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const srv = await serveStatic(dir);
  for (let i = 0; i < 100 && !(existsSync(join(dir, 'live.m3u8')) && readFileSync(join(dir, 'live.m3u8'), 'utf8').split('#EXTINF').length > 3); i++)
    await new Promise((r) => setTimeout(r, 100));
  return {
    url: `${srv.url}/live.m3u8`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => { if (child.exitCode !== null) r(); else child.on('exit', r); setTimeout(r, 3000); });
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Opens the standalone player page on `src` (with the ImGui stats panel unless `debug` is false). Returns the page once
// the widget started.
export async function openPlayer(browser, wasmUrl, src, extra = '', { debug = true } = {}) {
  const page = await browser.context.newPage();
  page.logs = [];
  page.on('console', (m) => page.logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => page.logs.push(`[pageerror] ${e.message}`));
  await page.goto(`${wasmUrl}/livescope_page.html?${debug ? 'debug&' : ''}src=${encodeURIComponent(src)}${extra}`);
  await page.waitForFunction(() => document.documentElement.dataset.livescope, null, { timeout: 30000 });
  return page;
}

export const stats = (page) => page.evaluate(() => window.livescopeWidgets[0].stats);


// Samples testsrc2's six bars in the letterboxed 16:9 picture: a bar matches when at least 3 of its 24 samples do.
export function checkBars(img, tol = 40) {
  let vw = img.w, vh = Math.round(img.w * 9 / 16);
  if (vh > img.h) { vh = img.h; vw = Math.round(img.h * 16 / 9); }
  const x0 = (img.w - vw) / 2, y0 = (img.h - vh) / 2;
  return TESTSRC2_BARS.map((want, i) => {
    // 8 heights x 3 positions across the bar: testsrc2's moving stripe and square, and the clock boxes, cover a
    // few samples at any time, never most of them.
    const got = [];
    for (const fy of [0.2, 0.3, 0.4, 0.5, 0.62, 0.72, 0.85, 0.93])
      for (const fx of [0.25, 0.5, 0.75]) got.push(pixelAt(img, x0 + vw * (i + fx) / 6, y0 + vh * fy));
    const hits = got.filter((g) => g.every((v, k) => Math.abs(v - want[k]) <= tol)).length;
    return { want, hits, got: got.filter((_, k) => k % 3 === 1), ok: hits >= 3 };
  });
}

export async function withWasmServer() {
  return serveStatic(WASM_DIR);
}

// Bench-only drop log on a player page (no product code involved): wraps the page module's ls_playback_step, and for
// each dropped frame records the refresh's host time, the gap since the previous refresh that stepped the queue, the
// queue length, the candidate's and the next frame's pts, the frame on screen, the extrapolated audio clock (and the
// age of its last report), the rate, and the scheduler's cause when the stats say it (dropStale, dropLateClock,
// dropMissed). Also the longest refresh gap, and each audio clock report against the extrapolation of the one before
// (the clock's jitter: rms and largest, since the last call). takeDrops(page) returns the drops since the last call.
export async function watchDrops(page) {
  await page.evaluate(() => {
    const w = window.livescopeWidgets[0], m = w.module, pb = w.plugins.playback;
    const step = m._ls_playback_step;
    const log = window.benchDrops = { drops: [], lastNow: NaN, prevNow: NaN, maxGap: 0, refreshes: 0, gapsOver50: 0 };
    // The audio clock's reports: each one against the extrapolation of the one before (the clock's jitter).
    const clockSet = m._ls_playback_clock_set;
    log.clock = { reports: 0, sumSq: 0, maxAbs: 0, last: null };
    m._ls_playback_clock_set = function (app, pts, now, serial) {
      const c = log.clock, p = c.last;
      if (p && p.serial === serial && now - p.now < 0.5) {
        const rate = m.abiRecord('playbackStats', m._ls_playback_stats(app, now)).rate;
        const e = pts - (p.pts + (now - p.now) * rate);
        c.reports++; c.sumSq += e * e; c.maxAbs = Math.max(c.maxAbs, Math.abs(e));
      }
      c.last = { pts, now, serial };
      return clockSet.apply(this, arguments);
    };
    m._ls_playback_step = function (app, now, pts, duration, serial, hasLater, laterPts) {
      if (now !== log.lastNow) {
        log.prevNow = log.lastNow; log.lastNow = now; log.refreshes++;
        const gap = now - log.prevNow;
        if (gap > log.maxGap) log.maxGap = gap;
        if (gap > 0.05) log.gapsOver50++;
      }
      const act = step.apply(this, arguments);
      if (act === 1 || act === 3) log.shownPts = pts;
      else if (act === 2) {
        const s = m.abiRecord('playbackStats', m._ls_playback_stats(app, now));
        const c = pb.audioClock, prev = log.causes || {};
        const cause = ['dropStale', 'dropLateClock', 'dropMissed'].find((k) => s[k] !== undefined && s[k] > (prev[k] || 0)) || '?';
        log.causes = { dropStale: s.dropStale, dropLateClock: s.dropLateClock, dropMissed: s.dropMissed };
        log.drops.push({ t: now, gap: now - log.prevNow, q: pb.queue.length, pts, laterPts: hasLater ? laterPts : NaN, shownPts: log.shownPts,
          clock: c ? c.pts + (now - c.at) * s.rate : NaN, clockAge: c ? now - c.at : NaN, rate: s.rate, cause });
        log.shownPts = pts;
      }
      return act;
    };
  });
}
export const takeDrops = (page) => page.evaluate(() => {
  const l = window.benchDrops; const d = l.drops; l.drops = [];
  const c = l.clock, clock = { reports: c.reports, rmsMs: c.reports ? 1000 * Math.sqrt(c.sumSq / c.reports) : NaN, maxMs: 1000 * c.maxAbs };
  c.reports = 0; c.sumSq = 0; c.maxAbs = 0;
  return { drops: d, maxGap: l.maxGap, refreshes: l.refreshes, gapsOver50: l.gapsOver50, clock };
});
