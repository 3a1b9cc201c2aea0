// Playback bench: livescope and hls.js + <video> (lowLatencyMode) on the same origin in one Chromium, sampled every
// second. By default each player runs alone, one after the other (livescope for BENCH_SECONDS, then hls.js for
// BENCH_SECONDS): the goal's condition is a machine otherwise idle. BENCH_TOGETHER=1 plays both at the same time (the
// old mode: each page is the other's load; BENCH_FRONT=livescope|hlsjs says which page is in front, default hlsjs, the
// last opened). Prints figures (never pass/fail), each beside its reference from the same invocation: time to first
// frame, latency p50/p95 (now - PROGRAM-DATE-TIME of the frame on screen), dropped fps (by cause) and stalls at steady
// state, decoded fps, the latency target (held, or backed off after stalls), both wasm heaps (flat?), the page frame
// cost (ms per page frame, split into ImGui, video upload and composition; docs/playback.md), rAF rates and load.
// BENCH_SECONDS (default 60, per player) and BENCH_WARMUP (default 10) set each run and the start-up left out of the
// steady-state figures; BENCH_VERBOSE=1 prints every second and every dropped frame; BENCH_DEBUG=1 shows the ImGui
// stats panel (?debug); BENCH_DECODER (webcodecs, wasm) forces the video decoder path; BENCH_UPLOAD (frame, planes)
// forces how WebCodecs frames reach WebGL (the videoUpload option; default auto: planes on a software GL renderer).
import { join } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { launchBrowser, ROOT } from '../../e2e/lib/browser.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';
import { WASM_DIR, ORIGIN_BIN, startOrigin, openPlayer, stats, watchDrops, takeDrops } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS || 60);
const WARMUP = Math.min(Number(process.env.BENCH_WARMUP || 10), Math.max(0, SECONDS - 5));
const VERBOSE = process.env.BENCH_VERBOSE === '1';
const TOGETHER = process.env.BENCH_TOGETHER === '1'; // both players at the same time (each is the other's load)
// With both at once, which page is in front (the last opened or brought to front): 'hlsjs' (the default, as before) or
// 'livescope'. Headless Chromium gives the page in front its refreshes (docs/playback.md, "The bench").
const FRONT = process.env.BENCH_FRONT || 'hlsjs';
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
const origin = await startOrigin();
const wasm = await serveStatic(WASM_DIR);
const root = await serveStatic(ROOT);
const browser = await launchBrowser();

async function openOurs() {
  const page = await openPlayer(browser, wasm.url, origin.url, (DECODER ? `&decoder=${encodeURIComponent(DECODER)}` : '') + (UPLOAD ? `&videoUpload=${encodeURIComponent(UPLOAD)}` : ''), { debug: DEBUG });
  // On our page too: rAF callbacks per second (an independent loop) and main-thread long tasks (> 50 ms), to tell a
  // busy main thread from a throttled frame production (the GPU process) when the page frame rate is low.
  await page.evaluate(() => {
    const b = window.pageBench = { rafs: 0, longMs: 0, longTasks: 0 };
    const tick = () => { b.rafs++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    try { new PerformanceObserver((l) => { for (const e of l.getEntries()) { b.longTasks++; b.longMs += e.duration; } }).observe({ entryTypes: ['longtask'] }); } catch (e) { /* no longtask */ }
  });
  await watchDrops(page);
  return page;
}
async function openRef() {
  const page = await browser.context.newPage();
  await page.goto(`${root.url}/tests/bench/playback/hlsjs.html?src=${encodeURIComponent(origin.url)}`);
  return page;
}
async function sampleOurs(page) {
  const s = await stats(page);
  s.page = await page.evaluate(() => { const w = window.livescopeWidgets[0]; return { ...window.pageBench, redraws: w.module._ls_page_redraw_count(w.app) }; });
  s.dropLog = await takeDrops(page);
  return s;
}

// Samples every second for SECONDS: { t, s (ours), r (hls.js) }, either page absent when it does not run.
async function run(ours, ref) {
  const samples = [], drops = [];
  const loadAtStart = load();
  const t0 = Date.now();
  for (let i = 1; i <= SECONDS; i++) {
    const wait = t0 + i * 1000 - Date.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    const s = ours ? await sampleOurs(ours) : null;
    const r = ref ? await ref.evaluate(() => window.benchSample()) : null;
    const t = (Date.now() - t0) / 1000;
    samples.push({ t, s, r });
    if (s) for (const d of s.dropLog.drops) drops.push({ ...d, at: t });
    if (VERBOSE) {
      const p = samples[samples.length - 2];
      const dt = p ? t - p.t : t;
      const d = (k) => (p ? (s[k] - p.s[k]) / dt : NaN);
      const parts = [`  t=${f(t, 0)}s`];
      if (s) parts.push(`latency ${f(s.latency)} (target ${f(s.targetBase)}+${f(s.backoff)}) buffer ${f(s.buffer)} rate ${f(s.rate)}`
        + ` decoded ${f(d('framesDecoded'), 1)} shown ${f(d('framesShown'), 1)} dropped ${f(d('dropped'), 1)} fps stalls ${s.stalls}`
        + ` | page ${f(s.frameCost && s.frameCost.ms)} ms/frame, longest refresh gap ${f(1000 * s.dropLog.maxGap, 0)} ms`
        + `, clock reports ${s.dropLog.clock.reports} off their extrapolation by ${f(s.dropLog.clock.rmsMs, 1)} ms rms, ${f(s.dropLog.clock.maxMs, 1)} max`);
      if (r) parts.push(`${s ? '| ' : ''}hls.js latency ${f(r.latency)} dropped ${p ? f((r.dropped - p.r.dropped) / dt, 1) : 'n/a'} fps waiting ${r.waiting} rAF ${f(r.rafPerSecond, 1)}/s`);
      console.log(parts.join(' '));
      if (s) for (const x of s.dropLog.drops) {
        console.log(`    drop (${x.cause}) pts ${f(x.pts, 3)} next ${f(x.laterPts, 3)} on screen ${f(x.shownPts, 3)}; clock ${f(x.clock, 3)} (report ${f(1000 * x.clockAge, 0)} ms old)`
          + ` -> video ${f(1000 * (x.pts - x.clock), 0)} ms vs clock; refresh gap ${f(1000 * x.gap, 0)} ms, queue ${x.q}, rate ${f(x.rate)}`);
      }
    }
  }
  return { samples, drops, loadAtStart, loadAtEnd: load() };
}

// Steady-state figures of one run: the samples from WARMUP on.
function steadyOf(res, key) {
  const samples = res.samples;
  const first = samples.find((x) => x.t >= WARMUP) || samples[0];
  const last = samples[samples.length - 1];
  const steady = samples.filter((x) => x.t >= first.t);
  const span = last.t - first.t;
  const rate = (a, b) => (span > 0 ? (b - a) / span : NaN);
  return { first: first[key], last: last[key], steady: steady.map((x) => x[key]), from: first.t, span, rate,
    drops: res.drops.filter((d) => d.at > first.t) };
}

let oursRun, refRun;
mkdirSync(join(ROOT, 'build', 'test-artifacts'), { recursive: true });
try {
  if (TOGETHER) {
    const ours = await openOurs();
    const ref = await openRef();
    if (FRONT === 'livescope') await ours.bringToFront();
    oursRun = refRun = await run(ours, ref);
    await ours.screenshot({ path: join(ROOT, 'build', 'test-artifacts', 'playback-bench.png') }).catch(() => {});
  } else {
    const ours = await openOurs();
    oursRun = await run(ours, null);
    await ours.screenshot({ path: join(ROOT, 'build', 'test-artifacts', 'playback-bench.png') });
    await ours.close();
    const ref = await openRef();
    refRun = await run(null, ref);
    await ref.close();
  }
} finally {
  await browser.close(); await wasm.close(); await root.close(); await origin.stop();
}

const O = steadyOf(oursRun, 's'), R = steadyOf(refRun, 'r');
const s0 = O.first, s1 = O.last, r0 = R.first, r1 = R.last;
// Seconds with at least one dropped frame, at steady state.
let dropSeconds = 0, maxDrop = 0;
for (let i = 1; i < O.steady.length; i++) {
  const n = O.steady[i].dropped - O.steady[i - 1].dropped;
  if (n > 0) dropSeconds++;
  maxDrop = Math.max(maxDrop, n);
}
const byCause = {};
for (const d of O.drops) byCause[d.cause] = (byCause[d.cause] || 0) + 1;
const causes = Object.entries(byCause).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
const atNormalRefresh = O.drops.filter((d) => d.gap < 0.025).length; // not explained by a late refresh
const lat = O.steady.map((x) => x.latency), refLat = R.steady.map((x) => x.latency);
const c0 = s0.frameCost || {}, c1 = s1.frameCost || {};
const frames = (c1.frames || 0) - (c0.frames || 0);
const per = (k) => (frames > 0 ? ((c1[k] || 0) - (c0[k] || 0)) / frames : NaN);
const imgui = per('imguiSumMs'), upload = per('uploadSumMs'), compose = per('composeSumMs');
const total = imgui + upload + compose;
const share = (x) => (total > 0 ? `${f(100 * x / total, 0)}%` : 'n/a');
const heldOrBacked = s1.backoff > 0
  ? `backed off by ${f(s1.backoff)} s after stalls (hold ${f(s1.backoffHold, 0)} s, relapses ${s1.relapses})`
  : (s1.stalls > s0.stalls ? `held (stalled ${s1.stalls - s0.stalls} times, given back since)` : 'held');
const gaps = O.steady.map((x) => x.dropLog.maxGap);
const over50 = O.steady.length > 1 ? O.steady[O.steady.length - 1].dropLog.gapsOver50 - O.steady[0].dropLog.gapsOver50 : 0;
let clockReports = 0, clockSq = 0, clockMax = 0;
for (const x of O.steady.slice(1)) {
  const c = x.dropLog.clock;
  if (c.reports) { clockReports += c.reports; clockSq += c.rmsMs * c.rmsMs * c.reports; clockMax = Math.max(clockMax, c.maxMs); }
}
const W = 26, C = 44;
console.log(`playback bench (${SECONDS} s per player, ${TOGETHER ? `both players at the same time (BENCH_TOGETHER=1), ${FRONT === 'livescope' ? 'livescope' : 'hls.js'} page in front` : 'each player alone, livescope then hls.js'},`
  + ` steady state from ${f(O.from, 0)} s, dev origin 360p, 200 ms parts, PART-HOLD-BACK ${f(s1.partHoldBack)} s)`);
console.log(`  ${pad('', W)}${pad('livescope', C)}hls.js + <video> (reference)`);
console.log(`  ${pad('load average', W)}${pad(`${oursRun.loadAtStart} -> ${oursRun.loadAtEnd}`, C)}${TOGETHER ? '(the same run)' : `${refRun.loadAtStart} -> ${refRun.loadAtEnd}`} (1, 5, 15 min; ${cpus().length} cores; the goal's condition is an idle machine)`);
console.log(`  ${pad('video decoder', W)}${s1.decoder || 'n/a'}${DECODER ? ` (BENCH_DECODER=${DECODER})` : ''}, upload ${s1.videoUpload || 'n/a'}${UPLOAD ? ` (BENCH_UPLOAD=${UPLOAD})` : ''}`);
console.log(`  ${pad('time to first frame', W)}${pad(`${f(s1.firstFrameMs, 0)} ms`, C)}${f(r1.firstFrameMs, 0)} ms   (ours: the dev page livescope_page.html in debug mode, page module first, no poster; the shipped start is tests/bench/embed.sh's)`);
console.log(`  ${pad('latency p50 / p95', W)}${pad(`${f(pct(lat, 0.5))} / ${f(pct(lat, 0.95))} s (goal p95 <= 0.9)`, C)}${f(pct(refLat, 0.5))} / ${f(pct(refLat, 0.95))} s${r1.error ? ` (hls.js error ${r1.error})` : ''}`);
console.log(`  ${pad('dropped fps (steady)', W)}${pad(`${f(O.rate(s0.dropped, s1.dropped))} (${dropSeconds} of ${O.steady.length - 1} s, max ${maxDrop}/s)`, C)}${f(R.rate(r0.dropped, r1.dropped))} (getVideoPlaybackQuality)`);
console.log(`  ${pad('  by cause', W)}${causes} (dropStale: an old serial; dropLateClock: behind the audio clock; dropMissed: its refresh slot missed);`
  + ` ${atNormalRefresh} at a refresh < 25 ms after the one before`);
console.log(`  ${pad('stalls (steady)', W)}${pad(`${s1.stalls - s0.stalls} (${s1.stalls} since start)`, C)}${r1.waiting - r0.waiting} 'waiting' (${r1.waiting} since start)`);
console.log(`  ${pad('decoded / shown fps', W)}${pad(`${f(O.rate(s0.framesDecoded, s1.framesDecoded), 1)} / ${f(O.rate(s0.framesShown, s1.framesShown), 1)}`, C)}${f(R.rate(r0.total, r1.total), 1)} frames/s presented`);
console.log(`  ${pad('latency target', W)}base ${f(s1.targetBase)} s, ${heldOrBacked}; jumps ${s1.jumps}; rate now ${f(s1.rate)}`);
console.log(`  ${pad('wasm heap, page', W)}${mib(s1.heapStartBytes)} -> ${mib(s0.heapBytes)} -> ${mib(s1.heapBytes)} MiB (start -> steady -> end: ${s1.heapBytes === s0.heapBytes ? 'flat' : `+${mib(s1.heapBytes - s0.heapBytes)} MiB`})`);
console.log(`  ${pad('wasm heap, worker', W)}${mib(s1.workerHeapStartBytes)} -> ${mib(s0.workerHeapBytes)} -> ${mib(s1.workerHeapBytes)} MiB (start -> steady -> end: ${s1.workerHeapBytes === s0.workerHeapBytes ? 'flat' : `+${mib(s1.workerHeapBytes - s0.workerHeapBytes)} MiB`})`);
console.log(`  ${pad('page frame cost', W)}${f(total)} ms/frame over ${frames} frames: ImGui ${f(imgui)} (${share(imgui)}), video upload ${f(upload)} (${share(upload)}), composition ${f(compose)} (${share(compose)}); costliest ${f(c1.maxMs)} ms`);
console.log(`  ${pad('page frames', W)}${pad(`${f(frames / O.span, 1)}/s, ${f(O.rate(s0.page.redraws, s1.page.redraws), 1)} redrawn (rAF ${f(O.rate(s0.page.rafs, s1.page.rafs), 1)}/s)`, C)}rAF ${f(R.rate(r0.rafs, r1.rafs), 1)}/s (hls.js page)`);
console.log(`  ${pad('refresh gaps (livescope)', W)}longest ${f(1000 * Math.max(0, ...gaps), 0)} ms; ${over50} gaps over 50 ms at steady state`);
console.log(`  ${pad('audio clock reports', W)}${f(clockReports / O.span, 1)}/s, off the previous one's extrapolation by ${f(Math.sqrt(clockSq / clockReports), 1)} ms rms, ${f(clockMax, 1)} ms at most`);
console.log(`  ${pad('main-thread long tasks', W)}${O.rate(s0.page.longTasks, s1.page.longTasks).toFixed(2)} per second, ${f(O.rate(s0.page.longMs, s1.page.longMs) / 10, 1)}% of the time (livescope page)`);
