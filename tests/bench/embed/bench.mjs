// Embed bench (prints figures, never pass/fail): on the blog example page, the bytes transferred before the
// first frame (loader, runtime JS, wasm, playlists, media; raw and as gzip/brotli for the static files) and the
// time from the script tag's request to the first picture (the poster's on the WebCodecs path; 'playing' beside it), beside hls.js with a plain <video> on the same stream
// in the same Chromium run. BENCH_RUNS (default 9: single runs spread by tens of percent, and each harness's first run is
// a cold browser) repeats each side. Timed twice: in an uninstrumented Chromium (tests/bench/lib/cdp-pipe.mjs), then
// through Playwright; the bytes come from one more, untimed run of each. BENCH_PLAYWRIGHT=0 skips the second timing,
// BENCH_BYTES_TIMED=1 reads the bodies in it (the bench before stop 24), BENCH_BASELINE_DIST=<dist> times another dist in
// turn with the two others (docs/decode.md, First frame).
import { loadavg } from 'node:os';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { launchBrowser, ROOT } from '../../e2e/lib/browser.mjs';
import { startStack } from '../../e2e/lib/stack.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';
import { recordResponses } from '../lib/responses.mjs';
import { startDemoServer } from '../../../scripts/demo-server.mjs';
import { launchPipeBrowser } from '../lib/cdp-pipe.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 9);
const kind = (url, type) => {
  const p = new URL(url).pathname;
  if (p.endsWith('/livescope.js')) return 'loader';
  if (p.endsWith('.wasm')) return 'wasm';
  if (p.endsWith('.m3u8') || /mpegurl/i.test(type)) return 'playlists';
  if (/\.(m4s|mp4|ts)$/.test(p) || /video|audio|mp4/i.test(type)) return 'media';
  if (p.endsWith('.js')) return 'runtime js';
  return 'other';
};

// livescope's first picture: the 'livescope:first frame shown' mark (the poster's on the WebCodecs path, before the page
// module; docs/embed-dist.md); 'playing' (the page module's first frame) is kept beside it. Source text: both harnesses
// inject it before the page's own scripts.
const INIT_SCRIPT = `(() => {
  window.__firstFrameAt = NaN; window.__playingAt = NaN;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === 'livescope:first frame shown' && isNaN(window.__firstFrameAt)) window.__firstFrameAt = e.startTime;
  }).observe({ type: 'mark', buffered: true });
  document.addEventListener('DOMContentLoaded', () => {
    const el = document.querySelector('live-scope');
    if (el) el.addEventListener('playing', () => { if (isNaN(window.__playingAt)) window.__playingAt = performance.now(); });
  });
})();`;
// In the page: null until the first frame (and livescope's 'playing', or 20 s more) is there, then the times. The pages
// run under a strict CSP (no eval): the first frame's time is read by property path. livescope's start-up waterfall:
// performance marks 'livescope:<step>', the first of each name.
const collect = (suffix, path, waitedMs) => `(() => {
  const first = ${JSON.stringify(path)}.split('.').reduce((o, k) => (o == null ? o : o[k]), window);
  if (!(first > 0)) return null;
  if (document.querySelector('live-scope') && !(window.__playingAt > 0) && ${waitedMs} < 20000) return null;
  const script = performance.getEntriesByType('resource').find((e) => e.name.endsWith(${JSON.stringify(suffix)}));
  const marks = {};
  for (const e of performance.getEntriesByType('mark')) if (e.name.startsWith('livescope:') && !(e.name.slice(10) in marks)) marks[e.name.slice(10)] = e.startTime;
  return { first, playing: window.__playingAt, by: (document.querySelector('live-scope') || {}).stats?.firstFrameBy || '',
    scriptStart: script ? script.startTime : 0, origin: performance.timeOrigin, marks };
})()`;
const relative = (t) => {
  const marks = {};
  for (const [k, v] of Object.entries(t.marks)) marks[k] = v - t.scriptStart;
  return { ttff: t.first - t.scriptStart, playing: t.playing - t.scriptStart, by: t.by, marks };
};

// Polls `page` (either harness's: evaluate(source text)) until collect() has the times; 60 s at most.
async function firstFrameOf(page, url, scriptSuffix, firstFramePath) {
  const t0 = Date.now();
  for (;;) {
    const t = await page.evaluate(collect(scriptSuffix, firstFramePath, Date.now() - t0));
    if (t) return t;
    if (Date.now() - t0 > 60000) throw new Error(`no first frame in 60 s: ${url}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Through Playwright (tests/e2e/lib/browser.mjs, as the e2e tests): loads `url`, waits for the first frame and, with
// `withBytes`, sums the responses that finished before it (their bodies are read over the DevTools protocol while the page
// starts, so those runs are not timed). Returns { ttff, playing, by, marks, bytes: {kind: {raw, gzip, br, n}} }.
async function measure(browser, url, scriptSuffix, firstFramePath, withBytes) {
  const page = await browser.context.newPage();
  const { done, stop } = withBytes ? recordResponses(browser.context) : { done: [], stop: () => {} };
  await page.addInitScript(INIT_SCRIPT);
  await page.goto(url);
  const t = await firstFrameOf(page, url, scriptSuffix, firstFramePath);
  const cutoff = t.origin + t.first + 50;
  const bytes = {};
  for (const r of done.filter((d) => d.at <= cutoff && d.body)) {
    const k = kind(r.url, r.type);
    const b = bytes[k] || (bytes[k] = { raw: 0, gzip: 0, br: 0, n: 0 });
    b.n++; b.raw += r.body.length;
    const compressible = k !== 'media' && k !== 'other';
    b.gzip += compressible ? gzipSync(r.body, { level: 9 }).length : r.body.length;
    b.br += compressible ? brotliCompressSync(r.body).length : r.body.length;
  }
  stop();
  await page.close();
  return { ...relative(t), bytes };
}

// Without Playwright (tests/bench/lib/cdp-pipe.mjs): the same page and the same reading, in a Chromium that no client
// instruments. Returns { ttff, playing, by, marks }.
async function measurePlain(browser, url, scriptSuffix, firstFramePath) {
  const page = await browser.openPage(INIT_SCRIPT);
  await page.goto(url);
  const t = await firstFrameOf(page, url, scriptSuffix, firstFramePath);
  await page.close();
  return relative(t);
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const kb = (n) => (n / 1024).toFixed(1).padStart(8);

// One harness's runs: each run loads livescope's blog page, then the baseline dist's (BENCH_BASELINE_DIST), then
// hls.js's page, in turn, in the same browser.
async function rounds(load, urls) {
  const ours = [], base = [], ref = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(await load(urls.ours, '/livescope.js', '__firstFrameAt'));
    if (urls.base) base.push(await load(urls.base, '/livescope.js', '__firstFrameAt'));
    ref.push(await load(urls.ref, '/hls.min.js', 'bench.firstFrameAt'));
  }
  return { ours, base, ref };
}
const ratio = (a, b) => median(a.map((r) => r.ttff)) / median(b.map((r) => r.ttff));
const row = (label, runs) => `  ${label.padEnd(24)} ${median(runs.map((r) => r.ttff)).toFixed(0).padStart(6)}   [${runs.map((r) => r.ttff.toFixed(0)).join(', ')}]`;
function report(title, { ours, base, ref }) {
  console.log(`${title}:`);
  console.log(row('livescope <live-scope>', ours));
  console.log(`  livescope 'playing'      ${median(ours.map((r) => r.playing)).toFixed(0).padStart(6)}   [${ours.map((r) => r.playing.toFixed(0)).join(', ')}]   (the page module's first frame; first picture by ${[...new Set(ours.map((r) => r.by))].join(', ')})`);
  console.log(row('hls.js + <video>', ref));
  if (base.length) console.log(row('baseline dist', base) + `   (${process.env.BENCH_BASELINE_DIST}; per run this/baseline: ${ours.map((r, i) => (r.ttff / base[i].ttff).toFixed(2)).join(', ')})`);
  console.log(`  ratio to hls.js: ${ratio(ours, ref).toFixed(2)}x${base.length ? `, baseline ${ratio(base, ref).toFixed(2)}x` : ''} (goal <= 0.8x; load average ${loadavg()[0].toFixed(1)})`);
}
function waterfall(title, { ours, ref }) {
  // Each step's median time after the script tag's request, in the order of those medians.
  const steps = new Map();
  for (const r of ours) for (const [k, v] of Object.entries(r.marks)) (steps.get(k) || steps.set(k, []).get(k)).push(v);
  console.log(`${title} (median of ${RUNS}; 'first frame shown' = the first picture, the poster's or the page module's):`);
  for (const [k, v] of [...steps].sort((a, b) => median(a[1]) - median(b[1])))
    console.log(`  ${k.padEnd(30)} ${median(v).toFixed(0).padStart(6)}   [${v.map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`  ${'hls.js: first frame'.padEnd(30)} ${median(ref.map((r) => r.ttff)).toFixed(0).padStart(6)}`);
}

const stack = await startStack({ relay: true, originArgs: ['--renditions', '360p'] });
const repo = await serveStatic(ROOT);
// BENCH_BASELINE_DIST: another widget dist (e.g. main's, before a change) on a second web server, on the same stream.
const baseWeb = process.env.BENCH_BASELINE_DIST
  ? await startDemoServer({ streamUrl: stack.streamUrl, relayUrl: stack.relayUrl, dist: process.env.BENCH_BASELINE_DIST }) : null;
const urls = {
  ours: `${stack.web.url}/examples/blog.html`,
  base: baseWeb ? `${baseWeb.url}/examples/blog.html` : '',
  ref: `${repo.url}/tests/bench/embed/hlsjs-video.html?src=${encodeURIComponent(stack.streamUrl)}`,
};
let plainBrowser = null, browser = null;
try {
  // 1. The figure: a Chromium no client instruments (tests/bench/lib/cdp-pipe.mjs).
  plainBrowser = await launchPipeBrowser();
  const plain = await rounds((url, suffix, path) => measurePlain(plainBrowser, url, suffix, path), urls);
  await plainBrowser.close(); plainBrowser = null;
  // 2. The same through Playwright, as the e2e tests drive Chromium (and as this bench measured before stop 24): its
  // network events and its attach to each new Worker (held until Playwright resumes it) stretch both pages' starts.
  // BENCH_BYTES_TIMED=1 also reads every response body in these runs (the bench before stop 24).
  browser = await launchBrowser();
  const timed = process.env.BENCH_BYTES_TIMED === '1';
  const pw = Number(process.env.BENCH_PLAYWRIGHT ?? 1) ? await rounds((url, suffix, path) => measure(browser, url, suffix, path, timed), urls) : null;
  // 3. The bytes: one more run of each, with the bodies recorded (not timed).
  const bytesOurs = await measure(browser, urls.ours, '/livescope.js', '__firstFrameAt', true);
  const bytesRef = await measure(browser, urls.ref, '/hls.min.js', 'bench.firstFrameAt', true);

  report(`script tag -> first frame on the blog page, ms, uninstrumented Chromium (median of ${RUNS}; all runs)`, plain);
  if (pw) report(`the same through Playwright${timed ? ', response bodies read during the runs' : ''} (median of ${RUNS}; all runs)`, pw);
  waterfall('livescope start-up waterfall, ms after the script tag\'s request, uninstrumented', plain);
  if (pw) waterfall('the same through Playwright', pw);
  for (const [name, r] of [['livescope', bytesOurs], ['hls.js + <video>', bytesRef]]) {
    console.log(`bytes transferred before the first frame, ${name} (KiB; gzip/brotli as a CDN would serve the static files):`);
    console.log(`  ${'kind'.padEnd(12)} ${'files'.padStart(5)} ${'raw'.padStart(8)} ${'gzip'.padStart(8)} ${'brotli'.padStart(8)}`);
    const tot = { raw: 0, gzip: 0, br: 0, n: 0 };
    for (const [k, b] of Object.entries(r.bytes)) {
      console.log(`  ${k.padEnd(12)} ${String(b.n).padStart(5)} ${kb(b.raw)} ${kb(b.gzip)} ${kb(b.br)}`);
      for (const f of ['raw', 'gzip', 'br', 'n']) tot[f] += b[f];
    }
    console.log(`  ${'total'.padEnd(12)} ${String(tot.n).padStart(5)} ${kb(tot.raw)} ${kb(tot.gzip)} ${kb(tot.br)}`);
  }
} finally {
  if (plainBrowser) await plainBrowser.close();
  if (browser) await browser.close();
  if (baseWeb) await baseWeb.close();
  await repo.close();
  await stack.stop();
}
