// Upload/decoder path bench (prints figures, never pass/fail): the widget's page on the dev origin with each video path in
// turn, in one Chromium, interleaved (round 1: A, B, C; round 2: B, C, A; ...) so that a load that changes during the run
// weighs on every path alike. Each page: 4 s settling, then 8 s measured: requestAnimationFrame callbacks per second,
// frames shown and dropped per second (with the scheduler's cause, the drops at a normal refresh, under 25 ms after the
// one before, which a loaded machine does not explain, and the refresh gaps over 50 ms). BENCH_PATHS (default
// 'webcodecs,wasm,webcodecs:frame': decoder[:videoUpload]; a 'base/' prefix plays it from the build in BENCH_BASELINE, a
// wasm folder such as a copy of another branch's build/wasm, for a before/after comparison under the same load),
// BENCH_ROUNDS (default 3), BENCH_SETTLE and BENCH_MEASURE (seconds, default 4 and 8), BENCH_BESIDE=1 (the hls.js
// reference page plays beside each page, as in the playback bench's BENCH_TOGETHER=1: its rAF rate is printed). Run: node
// tests/bench/playback/paths.mjs (after build/native and build/wasm). docs/playback.md.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg, cpus } from 'node:os';
import { launchBrowser, ROOT } from '../../e2e/lib/browser.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';
import { WASM_DIR, ORIGIN_BIN, startOrigin, openPlayer, watchDrops, takeDrops } from './lib.mjs';

if (!existsSync(ORIGIN_BIN) || !existsSync(join(WASM_DIR, 'livescope_worker.wasm'))) {
  console.log(`playback paths bench: skipped (needs ${ORIGIN_BIN} and ${WASM_DIR}/livescope_worker.wasm)`);
  process.exit(0);
}
const PATHS = (process.env.BENCH_PATHS || 'webcodecs,wasm,webcodecs:frame').split(',');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const SETTLE = Number(process.env.BENCH_SETTLE || 4), MEASURE = Number(process.env.BENCH_MEASURE || 8);
const BASELINE = process.env.BENCH_BASELINE || '';
const BESIDE = process.env.BENCH_BESIDE === '1';
const load = () => loadavg()[0].toFixed(1);
const f2 = (x) => x.toFixed(2);
const origin = await startOrigin();
const wasm = await serveStatic(WASM_DIR);
const base = BASELINE ? await serveStatic(BASELINE) : null;
const root = BESIDE ? await serveStatic(ROOT) : null;
const browser = await launchBrowser();
const all = {};
console.log(`playback paths bench (${ROUNDS} rounds, ${MEASURE} s a page after ${SETTLE} s; load average at start ${load()}, ${cpus().length} cores)`
  + (BASELINE ? `; base/ = ${BASELINE}` : ''));
try {
  for (let round = 0; round < ROUNDS; round++) {
    const k = round % PATHS.length; // each round starts one path later: no path always comes first after a page closed
    for (const path of PATHS.slice(k).concat(PATHS.slice(0, k))) {
      const isBase = path.startsWith('base/');
      if (isBase && !base) throw new Error(`${path}: set BENCH_BASELINE to a wasm folder`);
      const [decoder, upload] = path.replace(/^base\//, '').split(':');
      let ref = null;
      if (BESIDE) {
        ref = await browser.context.newPage();
        await ref.goto(`${root.url}/tests/bench/playback/hlsjs.html?src=${encodeURIComponent(origin.url)}`);
      }
      const page = await openPlayer(browser, (isBase ? base : wasm).url, origin.url, `&decoder=${decoder}${upload ? `&videoUpload=${upload}` : ''}`, { debug: false });
      await page.evaluate(() => { const s = window.pathsBench = { rafs: 0 }; const t = () => { s.rafs++; requestAnimationFrame(t); }; requestAnimationFrame(t); });
      await watchDrops(page);
      await page.waitForTimeout(SETTLE * 1000);
      const sample = () => page.evaluate(() => ({ rafs: window.pathsBench.rafs, s: window.livescopeWidgets[0].stats }));
      const a = await sample();
      const d0 = await takeDrops(page);
      const ra = ref ? await ref.evaluate(() => window.benchSample()) : null;
      await page.waitForTimeout(MEASURE * 1000);
      const z = await sample();
      const d1 = await takeDrops(page);
      const rz = ref ? await ref.evaluate(() => window.benchSample()) : null;
      const r = { raf: (z.rafs - a.rafs) / MEASURE, shown: (z.s.framesShown - a.s.framesShown) / MEASURE, dropped: (z.s.dropped - a.s.dropped) / MEASURE,
        gaps: d1.gapsOver50 - d0.gapsOver50, normal: d1.drops.filter((x) => x.gap < 0.025).length / MEASURE,
        refRaf: ref ? (rz.rafs - ra.rafs) / MEASURE : NaN };
      const causes = {};
      for (const x of d1.drops) causes[x.cause] = (causes[x.cause] || 0) + 1;
      (all[path] = all[path] || []).push(r);
      console.log(`  ${path.padEnd(21)} rAF ${r.raf.toFixed(1)}/s, shown ${r.shown.toFixed(1)}, dropped ${r.dropped.toFixed(2)} fps`
        + ` [${Object.entries(causes).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}; ${f2(r.normal)} fps at a refresh < 25 ms after the last; ${r.gaps} refresh gaps > 50 ms]`
        + ` (${z.s.decoder || 'n/a'}, upload ${z.s.videoUpload || 'n/a'}; load ${load()})${ref ? `; hls.js page beside: rAF ${r.refRaf.toFixed(1)}/s` : ''}`);
      await page.close();
      if (ref) await ref.close();
    }
  }
  for (const [path, rs] of Object.entries(all)) {
    const mean = (k, d = 1) => (rs.reduce((x, r) => x + r[k], 0) / rs.length).toFixed(d);
    console.log(`  mean ${path.padEnd(21)} rAF ${mean('raf')}/s, shown ${mean('shown')}, dropped ${mean('dropped', 2)} fps (${mean('normal', 2)} at a refresh < 25 ms after the last), ${mean('gaps')} refresh gaps > 50 ms per ${MEASURE} s${BESIDE ? `; hls.js page beside: rAF ${mean('refRaf')}/s` : ''}`);
  }
  console.log(`  load average at end ${load()}; an idle machine is the smoothness goal's condition`);
} finally {
  await browser.close(); await wasm.close(); if (base) await base.close(); if (root) await root.close(); await origin.stop();
}
