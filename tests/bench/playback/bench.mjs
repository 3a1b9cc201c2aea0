// Playback bench: time to first frame, latency p50/p95 (now - PROGRAM-DATE-TIME of the frame on screen) over a run,
// livescope beside hls.js (lowLatencyMode) in the same Chromium on the same origin, decode fps, wasm heap. Prints figures.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { launchBrowser, ROOT } from '../../e2e/lib/browser.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';
import { WASM_DIR, ORIGIN_BIN, startOrigin, openPlayer, stats } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS || 60);
const pct = (xs, p) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

if (!existsSync(ORIGIN_BIN) || !existsSync(join(WASM_DIR, 'livescope_worker.wasm'))) {
  console.log(`playback bench: skipped (needs ${ORIGIN_BIN} and ${WASM_DIR}/livescope_worker.wasm)`);
  process.exit(0);
}
const origin = await startOrigin();
const wasm = await serveStatic(WASM_DIR);
const root = await serveStatic(ROOT);
const browser = await launchBrowser();
try {
  const ours = await openPlayer(browser, wasm.url, origin.url);
  const ref = await browser.context.newPage();
  await ref.goto(`${root.url}/tests/bench/playback/hlsjs.html?src=${encodeURIComponent(origin.url)}`);
  const a = [], b = [];
  let first = null;
  for (let i = 0; i < SECONDS; i++) {
    await ours.waitForTimeout(1000);
    const s = await stats(ours);
    const r = await ref.evaluate(() => window.bench);
    if (!first && s.framesShown > 0) first = s;
    if (i >= 3) { a.push(s.latency); b.push(r.latency); } // after start-up
    if (i === SECONDS - 1) {
      console.log(`playback bench (${SECONDS} s, dev origin 360p, 200 ms parts, PART-HOLD-BACK ${f(s.partHoldBack)} s):`);
      console.log(`  time to first frame   livescope ${f(s.firstFrameMs, 0)} ms   hls.js ${f(r.firstFrameMs, 0)} ms`);
      console.log(`  latency p50 / p95     livescope ${f(pct(a, 0.5))} / ${f(pct(a, 0.95))} s   hls.js ${f(pct(b, 0.5))} / ${f(pct(b, 0.95))} s${r.error ? ` (hls.js error ${r.error})` : ''}`);
      console.log(`  livescope decode      ${f(s.decodedFps, 1)} fps decoded, ${f(s.droppedFps, 1)} fps dropped, ${f(s.decodeMs)} ms/frame, ${f(s.bitrate / 1000, 0)} kbit/s, stalls ${s.stalls}, errors ${s.errors}`);
      console.log(`  wasm heap             page ${(s.heapStartBytes / 1048576).toFixed(1)} -> ${(s.heapBytes / 1048576).toFixed(1)} MiB, worker ${(s.workerHeapStartBytes / 1048576).toFixed(1)} -> ${(s.workerHeapBytes / 1048576).toFixed(1)} MiB (start -> end)`);
    }
  }
} finally {
  await browser.close(); await wasm.close(); await root.close(); await origin.stop();
}
