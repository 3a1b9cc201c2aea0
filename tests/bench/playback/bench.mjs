// Playback bench: livescope beside hls.js + <video> (lowLatencyMode) in the same Chromium on the same origin, sampled
// every second. Prints figures (never pass/fail), each beside its reference from the same run: time to first frame,
// latency p50/p95 (now - PROGRAM-DATE-TIME of the frame on screen), dropped fps and stalls at steady state, decoded
// fps, the latency target (held, or backed off after stalls), both wasm heaps (flat?), and the page frame cost (ms per
// page frame, split into ImGui, video upload and composition; docs/playback.md).
// BENCH_SECONDS (default 60) and BENCH_WARMUP (default 10) set the run and the start-up left out of the steady-state
// figures; BENCH_VERBOSE=1 prints every second; BENCH_DEBUG=1 shows the ImGui stats panel (?debug); BENCH_DECODER
// (webcodecs, wasm) forces the video decoder path; BENCH_UPLOAD (frame, planes) forces how WebCodecs frames reach WebGL
// (the videoUpload option; default auto: planes on a software GL renderer).
import { join } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { launchBrowser, ROOT } from '../../e2e/lib/browser.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';
import { WASM_DIR, ORIGIN_BIN, startOrigin, openPlayer, stats } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS || 60);
const WARMUP = Math.min(Number(process.env.BENCH_WARMUP || 10), Math.max(0, SECONDS - 5));
const VERBOSE = process.env.BENCH_VERBOSE === '1';
const DECODER = process.env.BENCH_DECODER || ''; // 'webcodecs' or 'wasm' forces the video decoder path (default: auto)
const UPLOAD = process.env.BENCH_UPLOAD || ''; // 'frame' or 'planes' (the videoUpload option; default: auto)
const DEBUG = process.env.BENCH_DEBUG === '1'; // the ImGui stats panel (its text changes every frame: no redraw is skipped)
const pct = (xs, p) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const mib = (b) => (b / 1048576).toFixed(1);
const load = () => loadavg().map((x) => x.toFixed(2)).join(', ');
const pad = (s, n) => String(s).padEnd(n);

if (!existsSync(ORIGIN_BIN) || !existsSync(join(WASM_DIR, 'livescope_worker.wasm'))) {
  console.log(`playback bench: skipped (needs ${ORIGIN_BIN} and ${WASM_DIR}/livescope_worker.wasm)`);
  process.exit(0);
}
const loadStart = load();
const origin = await startOrigin();
const wasm = await serveStatic(WASM_DIR);
const root = await serveStatic(ROOT);
const browser = await launchBrowser();
try {
  const ours = await openPlayer(browser, wasm.url, origin.url, (DECODER ? `&decoder=${encodeURIComponent(DECODER)}` : '') + (UPLOAD ? `&videoUpload=${encodeURIComponent(UPLOAD)}` : ''), { debug: DEBUG });
  // On our page too: rAF callbacks per second (an independent loop) and main-thread long tasks (> 50 ms), to tell a
  // busy main thread from a throttled frame production (the GPU process) when the page frame rate is low.
  await ours.evaluate(() => {
    const b = window.pageBench = { rafs: 0, longMs: 0, longTasks: 0 };
    const tick = () => { b.rafs++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    try { new PerformanceObserver((l) => { for (const e of l.getEntries()) { b.longTasks++; b.longMs += e.duration; } }).observe({ entryTypes: ['longtask'] }); } catch (e) { /* no longtask */ }
  });
  const ref = await browser.context.newPage();
  await ref.goto(`${root.url}/tests/bench/playback/hlsjs.html?src=${encodeURIComponent(origin.url)}`);
  const samples = []; // { t, s (ours), r (hls.js) }
  const t0 = Date.now();
  for (let i = 1; i <= SECONDS; i++) {
    const wait = t0 + i * 1000 - Date.now();
    if (wait > 0) await ours.waitForTimeout(wait);
    const s = await stats(ours);
    s.page = await ours.evaluate(() => { const w = window.livescopeWidgets[0]; return { ...window.pageBench, redraws: w.module._ls_page_redraw_count(w.app) }; });
    const r = await ref.evaluate(() => window.benchSample());
    const t = (Date.now() - t0) / 1000;
    samples.push({ t, s, r });
    if (VERBOSE) {
      const p = samples[samples.length - 2];
      const dt = p ? t - p.t : t;
      const d = (k) => (p ? (s[k] - p.s[k]) / dt : NaN);
      console.log(`  t=${f(t, 0)}s latency ${f(s.latency)} (target ${f(s.targetBase)}+${f(s.backoff)}) buffer ${f(s.buffer)} rate ${f(s.rate)}`
        + ` decoded ${f(d('framesDecoded'), 1)} shown ${f(d('framesShown'), 1)} dropped ${f(d('dropped'), 1)} fps stalls ${s.stalls}`
        + ` | hls.js latency ${f(r.latency)} dropped ${p ? f((r.dropped - p.r.dropped) / dt, 1) : 'n/a'} fps waiting ${r.waiting}`
        + ` | page ${f(s.frameCost && s.frameCost.ms)} ms/frame`);
    }
  }
  const first = samples.find((x) => x.t >= WARMUP) || samples[0];
  const last = samples[samples.length - 1];
  const steady = samples.filter((x) => x.t >= first.t);
  const span = last.t - first.t;
  const s0 = first.s, s1 = last.s, r0 = first.r, r1 = last.r;
  const rate = (a, b) => (span > 0 ? (b - a) / span : NaN);
  // Seconds with at least one dropped frame, at steady state.
  let dropSeconds = 0, maxDrop = 0;
  for (let i = 1; i < steady.length; i++) {
    const n = steady[i].s.dropped - steady[i - 1].s.dropped;
    if (n > 0) dropSeconds++;
    maxDrop = Math.max(maxDrop, n);
  }
  const lat = steady.map((x) => x.s.latency), refLat = steady.map((x) => x.r.latency);
  const c0 = s0.frameCost || {}, c1 = s1.frameCost || {};
  const frames = (c1.frames || 0) - (c0.frames || 0);
  const per = (k) => (frames > 0 ? ((c1[k] || 0) - (c0[k] || 0)) / frames : NaN);
  const imgui = per('imguiSumMs'), upload = per('uploadSumMs'), compose = per('composeSumMs');
  const total = imgui + upload + compose;
  const share = (x) => (total > 0 ? `${f(100 * x / total, 0)}%` : 'n/a');
  const heldOrBacked = s1.backoff > 0
    ? `backed off by ${f(s1.backoff)} s after stalls (hold ${f(s1.backoffHold, 0)} s, relapses ${s1.relapses})`
    : (s1.stalls > s0.stalls ? `held (stalled ${s1.stalls - s0.stalls} times, given back since)` : 'held');
  const W = 26, C = 34;
  console.log(`playback bench (${SECONDS} s, steady state from ${f(first.t, 0)} s, dev origin 360p, 200 ms parts, PART-HOLD-BACK ${f(s1.partHoldBack)} s)`);
  console.log(`  load average at start ${loadStart}, at end ${load()} (${cpus().length} cores); an idle machine is the goal's condition`);
  console.log(`  ${pad('', W)}${pad('livescope', C)}hls.js + <video> (reference)`);
  console.log(`  ${pad('video decoder', W)}${s1.decoder || 'n/a'}${DECODER ? ` (BENCH_DECODER=${DECODER})` : ''}, upload ${s1.videoUpload || 'n/a'}${UPLOAD ? ` (BENCH_UPLOAD=${UPLOAD})` : ''}`);
  console.log(`  ${pad('time to first frame', W)}${pad(`${f(s1.firstFrameMs, 0)} ms`, C)}${f(r1.firstFrameMs, 0)} ms`);
  console.log(`  ${pad('latency p50 / p95', W)}${pad(`${f(pct(lat, 0.5))} / ${f(pct(lat, 0.95))} s (goal p95 <= 0.9)`, C)}${f(pct(refLat, 0.5))} / ${f(pct(refLat, 0.95))} s${r1.error ? ` (hls.js error ${r1.error})` : ''}`);
  console.log(`  ${pad('dropped fps (steady)', W)}${pad(`${f(rate(s0.dropped, s1.dropped))} (${dropSeconds} of ${steady.length - 1} s, max ${maxDrop}/s)`, C)}${f(rate(r0.dropped, r1.dropped))} (getVideoPlaybackQuality)`);
  console.log(`  ${pad('stalls (steady)', W)}${pad(`${s1.stalls - s0.stalls} (${s1.stalls} since start)`, C)}${r1.waiting - r0.waiting} 'waiting' (${r1.waiting} since start)`);
  console.log(`  ${pad('decoded / shown fps', W)}${pad(`${f(rate(s0.framesDecoded, s1.framesDecoded), 1)} / ${f(rate(s0.framesShown, s1.framesShown), 1)}`, C)}${f(rate(r0.total, r1.total), 1)} frames/s presented`);
  console.log(`  ${pad('latency target', W)}base ${f(s1.targetBase)} s, ${heldOrBacked}; jumps ${s1.jumps}; rate now ${f(s1.rate)}`);
  console.log(`  ${pad('wasm heap, page', W)}${mib(s1.heapStartBytes)} -> ${mib(s0.heapBytes)} -> ${mib(s1.heapBytes)} MiB (start -> steady -> end: ${s1.heapBytes === s0.heapBytes ? 'flat' : `+${mib(s1.heapBytes - s0.heapBytes)} MiB`})`);
  console.log(`  ${pad('wasm heap, worker', W)}${mib(s1.workerHeapStartBytes)} -> ${mib(s0.workerHeapBytes)} -> ${mib(s1.workerHeapBytes)} MiB (start -> steady -> end: ${s1.workerHeapBytes === s0.workerHeapBytes ? 'flat' : `+${mib(s1.workerHeapBytes - s0.workerHeapBytes)} MiB`})`);
  console.log(`  ${pad('page frame cost', W)}${f(total)} ms/frame over ${frames} frames: ImGui ${f(imgui)} (${share(imgui)}), video upload ${f(upload)} (${share(upload)}), composition ${f(compose)} (${share(compose)}); costliest ${f(c1.maxMs)} ms`);
  console.log(`  ${pad('page frames', W)}${pad(`${f(frames / span, 1)}/s, ${f(rate(s0.page.redraws, s1.page.redraws), 1)} redrawn (rAF ${f(rate(s0.page.rafs, s1.page.rafs), 1)}/s)`, C)}${f(r1.rafPerSecond, 1)} rAF per second (hls.js page)`);
  console.log(`  ${pad('main-thread long tasks', W)}${rate(s0.page.longTasks, s1.page.longTasks).toFixed(2)} per second, ${f(rate(s0.page.longMs, s1.page.longMs) / 10, 1)}% of the time (livescope page)`);
  mkdirSync(join(ROOT, 'build', 'test-artifacts'), { recursive: true });
  await ours.screenshot({ path: join(ROOT, 'build', 'test-artifacts', 'playback-bench.png') });
} finally {
  await browser.close(); await wasm.close(); await root.close(); await origin.stop();
}
