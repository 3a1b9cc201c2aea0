// Embed bench (prints figures, never pass/fail): on the blog example page, the bytes transferred before the
// first frame (loader, runtime JS, wasm, playlists, media; raw and as gzip/brotli for the static files) and the
// time from the script tag's request to the first picture (the poster's on the WebCodecs path; 'playing' beside it), beside hls.js with a plain <video> on the same stream
// in the same Chromium run. BENCH_RUNS (default 3) repeats each side.
import { loadavg } from 'node:os';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { launchBrowser, ROOT } from '../../e2e/lib/browser.mjs';
import { startStack } from '../../e2e/lib/stack.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';
import { recordResponses } from '../lib/responses.mjs';

const RUNS = Number(process.env.BENCH_RUNS || 3);
const kind = (url, type) => {
  const p = new URL(url).pathname;
  if (p.endsWith('/livescope.js')) return 'loader';
  if (p.endsWith('.wasm')) return 'wasm';
  if (p.endsWith('.m3u8') || /mpegurl/i.test(type)) return 'playlists';
  if (/\.(m4s|mp4|ts)$/.test(p) || /video|audio|mp4/i.test(type)) return 'media';
  if (p.endsWith('.js')) return 'runtime js';
  return 'other';
};

// Loads `url`, waits for the first frame (`firstFrameAt()` in the page, ms since time origin) and sums the
// responses that finished before it. Returns { ttff, bytes: {kind: {raw, gzip, br, n}} }.
async function measure(browser, url, scriptSuffix, firstFramePath) {
  const page = await browser.context.newPage();
  const { done, stop } = recordResponses(browser.context); // the page's and its worker's responses
  // livescope's first picture: the 'livescope:first frame shown' mark (the poster's on the WebCodecs path, before the page
  // module; docs/embed-dist.md); 'playing' (the page module's first frame) is kept beside it.
  await page.addInitScript(() => {
    window.__firstFrameAt = NaN; window.__playingAt = NaN;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name === 'livescope:first frame shown' && isNaN(window.__firstFrameAt)) window.__firstFrameAt = e.startTime;
    }).observe({ type: 'mark', buffered: true });
    document.addEventListener('DOMContentLoaded', () => {
      const el = document.querySelector('live-scope');
      if (el) el.addEventListener('playing', () => { if (isNaN(window.__playingAt)) window.__playingAt = performance.now(); });
    });
  });
  await page.goto(url);
  // The pages run under a strict CSP (no eval): the mark is read by property path.
  await page.waitForFunction((p) => p.split('.').reduce((o, k) => (o == null ? o : o[k]), window) > 0, firstFramePath, { timeout: 60000 });
  await page.waitForFunction(() => !document.querySelector('live-scope') || window.__playingAt > 0, null, { timeout: 20000 }).catch(() => {});
  const t = await page.evaluate(({ suffix, path }) => {
    const first = path.split('.').reduce((o, k) => (o == null ? o : o[k]), window);
    const script = performance.getEntriesByType('resource').find((e) => e.name.endsWith(suffix));
    // livescope's start-up waterfall (performance marks 'livescope:<step>', first of each name) and when the
    // first playlist and media requests went out (resource timing sees the worker's requests too in Chromium).
    const marks = {};
    for (const e of performance.getEntriesByType('mark')) if (e.name.startsWith('livescope:') && !(e.name.slice(10) in marks)) marks[e.name.slice(10)] = e.startTime;
    return { first, playing: window.__playingAt, by: (document.querySelector('live-scope') || {}).stats?.firstFrameBy || '',
      scriptStart: script ? script.startTime : 0, origin: performance.timeOrigin, marks };
  }, { suffix: scriptSuffix, path: firstFramePath });
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
  const marks = {};
  for (const [k, v] of Object.entries(t.marks)) marks[k] = v - t.scriptStart;
  return { ttff: t.first - t.scriptStart, playing: t.playing - t.scriptStart, by: t.by, bytes, marks };
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const kb = (n) => (n / 1024).toFixed(1).padStart(8);

const stack = await startStack({ relay: true, originArgs: ['--renditions', '360p'] });
const repo = await serveStatic(ROOT);
const browser = await launchBrowser();
try {
  const ours = [], ref = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(await measure(browser, `${stack.web.url}/examples/blog.html`, '/livescope.js', '__firstFrameAt'));
    ref.push(await measure(browser, `${repo.url}/tests/bench/embed/hlsjs-video.html?src=${encodeURIComponent(stack.streamUrl)}`,
      '/hls.min.js', 'bench.firstFrameAt'));
  }
  console.log(`script tag -> first frame on the blog page, ms (median of ${RUNS}; all runs):`);
  console.log(`  livescope <live-scope>   ${median(ours.map((r) => r.ttff)).toFixed(0).padStart(6)}   [${ours.map((r) => r.ttff.toFixed(0)).join(', ')}]`);
  console.log(`  livescope 'playing'      ${median(ours.map((r) => r.playing)).toFixed(0).padStart(6)}   [${ours.map((r) => r.playing.toFixed(0)).join(', ')}]   (the page module's first frame; first picture by ${ours.map((r) => r.by).join(', ')})`);
  console.log(`  hls.js + <video>         ${median(ref.map((r) => r.ttff)).toFixed(0).padStart(6)}   [${ref.map((r) => r.ttff.toFixed(0)).join(', ')}]`);
  // The waterfall: each step's median time after the script tag's request, in the order of those medians.
  const steps = new Map();
  for (const r of ours) for (const [k, v] of Object.entries(r.marks)) (steps.get(k) || steps.set(k, []).get(k)).push(v);
  console.log(`livescope start-up waterfall, ms after the script tag's request (median of ${RUNS}; 'first frame shown' = the first picture, the poster's or the page module's):`);
  for (const [k, v] of [...steps].sort((a, b) => median(a[1]) - median(b[1])))
    console.log(`  ${k.padEnd(30)} ${median(v).toFixed(0).padStart(6)}   [${v.map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`  ${'hls.js: first frame'.padEnd(30)} ${median(ref.map((r) => r.ttff)).toFixed(0).padStart(6)}   (ratio ${(median(ours.map((r) => r.ttff)) / median(ref.map((r) => r.ttff))).toFixed(2)}x, goal <= 0.8x; load average ${loadavg()[0].toFixed(1)})`);
  for (const [name, r] of [['livescope', ours[ours.length - 1]], ['hls.js + <video>', ref[ref.length - 1]]]) {
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
  await browser.close();
  await repo.close();
  await stack.stop();
}
