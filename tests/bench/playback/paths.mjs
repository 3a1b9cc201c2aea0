// Upload/decoder path bench (prints figures, never pass/fail): the widget's page on the dev origin with each video path in
// turn, in one Chromium, interleaved (round 1: A, B, C; round 2: A, B, C; ...) so that a load that changes during the run
// weighs on every path alike. Each page: 4 s settling, then 8 s measured: requestAnimationFrame callbacks per second,
// frames shown and dropped per second. BENCH_PATHS (default 'webcodecs,wasm,webcodecs:frame': decoder[:videoUpload]),
// BENCH_ROUNDS (default 3). Run: node tests/bench/playback/paths.mjs (after build/native and build/wasm). docs/playback.md.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg, cpus } from 'node:os';
import { launchBrowser } from '../../e2e/lib/browser.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';
import { WASM_DIR, ORIGIN_BIN, startOrigin, openPlayer } from './lib.mjs';

if (!existsSync(ORIGIN_BIN) || !existsSync(join(WASM_DIR, 'livescope_worker.wasm'))) {
  console.log(`playback paths bench: skipped (needs ${ORIGIN_BIN} and ${WASM_DIR}/livescope_worker.wasm)`);
  process.exit(0);
}
const PATHS = (process.env.BENCH_PATHS || 'webcodecs,wasm,webcodecs:frame').split(',');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const load = () => loadavg()[0].toFixed(1);
const origin = await startOrigin();
const wasm = await serveStatic(WASM_DIR);
const browser = await launchBrowser();
const all = {};
console.log(`playback paths bench (${ROUNDS} rounds, 8 s a page; load average at start ${load()}, ${cpus().length} cores)`);
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const path of PATHS) {
      const [decoder, upload] = path.split(':');
      const page = await openPlayer(browser, wasm.url, origin.url, `&decoder=${decoder}${upload ? `&videoUpload=${upload}` : ''}`, { debug: false });
      await page.evaluate(() => { const s = window.pathsBench = { rafs: 0 }; const t = () => { s.rafs++; requestAnimationFrame(t); }; requestAnimationFrame(t); });
      await page.waitForTimeout(4000);
      const sample = () => page.evaluate(() => ({ rafs: window.pathsBench.rafs, s: window.livescopeWidgets[0].stats }));
      const a = await sample();
      await page.waitForTimeout(8000);
      const z = await sample();
      const r = { raf: (z.rafs - a.rafs) / 8, shown: (z.s.framesShown - a.s.framesShown) / 8, dropped: (z.s.dropped - a.s.dropped) / 8 };
      (all[path] = all[path] || []).push(r);
      console.log(`  ${path.padEnd(16)} rAF ${r.raf.toFixed(1)}/s, shown ${r.shown.toFixed(1)}, dropped ${r.dropped.toFixed(1)} fps`
        + ` (${z.s.decoder || 'n/a'}, upload ${z.s.videoUpload || 'n/a'}; load ${load()})`);
      await page.close();
    }
  }
  for (const [path, rs] of Object.entries(all)) {
    const mean = (k) => (rs.reduce((x, r) => x + r[k], 0) / rs.length).toFixed(1);
    console.log(`  mean ${path.padEnd(16)} rAF ${mean('raf')}/s, shown ${mean('shown')}, dropped ${mean('dropped')} fps`);
  }
  console.log(`  load average at end ${load()}; an idle machine is the smoothness goal's condition`);
} finally {
  await browser.close(); await wasm.close(); await origin.stop();
}
