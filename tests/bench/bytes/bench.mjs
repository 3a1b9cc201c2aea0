// Bytes bench (issue 16, prints figures, never pass/fail): every response the widget gets before its first picture (the
// poster on the WebCodecs path, docs/embed-dist.md "The first frame before the page module"; the page module on the wasm
// path), in order, with its bytes on the wire, raw and brotli -q 11 (node's zlib) as a CDN would serve it; per file and
// per video path (decoder=webcodecs, decoder=wasm), the total beside the goal (300 KB brotli on the WebCodecs path) and
// beside hls.js's own minified build (node_modules/hls.js/dist/hls.min.js, brotli) as the reference. The stream's own
// bytes (playlists, init, parts) are listed apart: the same for any player. One page with the widget in view
// (tests/bench/bytes/page.html), the dist a publisher hosts (build/wasm/dist), Chromium's network events (the
// worker's requests included). Also prints the requests in flight at the first picture and the dist's other modules.
import { brotliCompressSync, constants } from 'node:zlib';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, ROOT } from '../../e2e/lib/browser.mjs';
import { startStack } from '../../e2e/lib/stack.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';

const GOAL = 300 * 1000; // bytes, brotli, WebCodecs path (issue 16)
const DIST = join(ROOT, 'build', 'wasm', 'dist');
const br = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length;
const kb = (n) => (n / 1000).toFixed(1).padStart(8);
const isStream = (path, type) => /\.(m3u8|m4s|mp4|ts|aac)$/.test(path) || /mpegurl|video\/|audio\//i.test(type);

// Every request of the context (the page's and its worker's), as Chromium saw it: when it started and finished (epoch ms,
// from the request's own timing), its bytes on the wire (headers + body, Playwright's sizes()) and its body.
function recordRequests(context) {
  const started = [], done = [];
  const onRequest = (req) => started.push({ url: req.url(), at: Date.now() });
  const onFinished = async (req) => {
    const at = Date.now();
    try {
      const t = req.timing(), res = await req.response();
      const body = res ? await res.body().catch(() => null) : null;
      const sizes = await req.sizes().catch(() => null);
      done.push({ url: req.url(), start: t.startTime, end: t.responseEnd >= 0 ? t.startTime + t.responseEnd : at,
        status: res ? res.status() : 0, type: res ? res.headers()['content-type'] || '' : '', body,
        wire: sizes ? sizes.responseHeadersSize + sizes.responseBodySize : NaN });
    } catch { /* page closed */ }
  };
  context.on('request', onRequest);
  context.on('requestfinished', onFinished);
  return { started, done, stop: () => { context.off('request', onRequest); context.off('requestfinished', onFinished); } };
}

// Loads the bench page on `decoder` and returns what was fetched before the first picture (the 'first frame shown' mark:
// the poster's on the WebCodecs path, the page module's on the wasm path): every response in order ({ t ms after the
// page's start, name, stream, wire, raw, br }), the widget's files, the stream's bytes, and the requests still in flight.
async function measure(browser, base, streamUrl, decoder) {
  const page = await browser.context.newPage();
  const rec = recordRequests(browser.context);
  await page.goto(`${base}/tests/bench/bytes/page.html?decoder=${decoder}&src=${encodeURIComponent(streamUrl)}`);
  await page.waitForFunction(() => window.bench.firstFrameAt > 0, null, { timeout: 60000 });
  const t = await page.evaluate(() => ({ first: window.bench.firstFrameAt, origin: performance.timeOrigin }));
  const cutoff = t.origin + t.first;
  // The path the worker chose (stats every 500 ms and at each change), and when the page module played.
  await page.waitForFunction(() => { const w = document.querySelector('live-scope'); return w && w.stats && ['webcodecs', 'wasm'].includes(w.stats.decoder) && window.bench.playingAt > 0; },
    null, { timeout: 10000 }).catch(() => {});
  const after = await page.evaluate(() => { const w = document.querySelector('live-scope'); return { path: (w && w.stats && w.stats.decoder) || '?', by: (w && w.stats && w.stats.firstFrameBy) || '?', playing: window.bench.playingAt }; });
  rec.stop();
  await page.close();
  const log = [], files = new Map(), stream = { raw: 0, n: 0 };
  for (const r of rec.done.filter((d) => d.end <= cutoff && d.body).sort((a, b) => a.end - b.end)) {
    const p = new URL(r.url).pathname;
    const name = p.split('/').pop(), inStream = isStream(p, r.type);
    const e = { t: r.end - t.origin, name, stream: inStream, wire: r.wire, raw: r.body.length, br: inStream ? r.body.length : br(r.body), status: r.status };
    log.push(e);
    if (inStream) { stream.raw += r.body.length; stream.n++; continue; }
    if (p.startsWith('/tests/bench/bytes/')) continue; // the bench page itself: the publisher's
    if (!files.has(name)) files.set(name, e);
  }
  const finished = new Set(rec.done.filter((d) => d.end <= cutoff).map((d) => d.url));
  const inFlight = rec.started.filter((s) => s.at <= cutoff && !finished.has(s.url)).map((s) => new URL(s.url).pathname.split('/').pop());
  return { decoder, ...after, first: t.first, playingMs: after.playing, log, files: [...files.values()], stream, inFlight: [...new Set(inFlight)] };
}

if (!existsSync(join(DIST, 'livescope.js'))) {
  console.log(`bytes: SKIPPED: ${DIST} is missing (build the wasm preset)`);
  process.exit(0);
}
const hls = readFileSync(join(ROOT, 'node_modules', 'hls.js', 'dist', 'hls.min.js'));
const hlsBr = br(hls);
const stack = await startStack({ relay: false, originArgs: ['--renditions', '360p'] });
const repo = await serveStatic(ROOT);
const browser = await launchBrowser();
try {
  const runs = [];
  for (const decoder of ['webcodecs', 'wasm']) runs.push(await measure(browser, repo.url, stack.streamUrl, decoder));
  const fetched = new Set();
  for (const r of runs) {
    console.log(`decoder=${r.decoder} (path taken: ${r.path}; first picture by ${r.by} at ${r.first.toFixed(0)} ms, 'playing' at ${r.playingMs.toFixed(0)} ms after the page's start)`);
    console.log('  every response finished before the first picture (ms after the page\'s start; KB: on the wire, raw, brotli -q 11 for the widget\'s files):');
    for (const e of r.log) console.log(`  ${e.t.toFixed(0).padStart(6)}  ${e.name.slice(0, 40).padEnd(40)} ${e.stream ? 'stream' : 'widget'} ${kb(e.wire)} ${kb(e.raw)} ${e.stream ? '' : kb(e.br)}${e.status !== 200 ? ' HTTP ' + e.status : ''}`);
    console.log(`  requests still in flight at the first picture: ${r.inFlight.join(', ') || 'none'}`);
    console.log(`  the widget's files fetched before the first picture, KB (1000 bytes)`);
    console.log(`  ${'file'.padEnd(26)} ${'raw'.padStart(8)} ${'brotli'.padStart(8)}`);
    let raw = 0, sum = 0;
    for (const f of r.files.sort((a, b) => b.br - a.br)) {
      console.log(`  ${f.name.padEnd(26)} ${kb(f.raw)} ${kb(f.br)}`);
      raw += f.raw; sum += f.br; fetched.add(f.name);
    }
    console.log(`  ${'total'.padEnd(26)} ${kb(raw)} ${kb(sum)}   goal ${kb(GOAL).trim()} (${(sum / GOAL).toFixed(2)}x), ` +
      `hls.min.js ${kb(hlsBr).trim()} (${(sum / hlsBr).toFixed(2)}x)`);
    console.log(`  stream (playlists, init, parts: ${r.stream.n} responses)  ${kb(r.stream.raw).trim()} raw`);
  }
  const later = readdirSync(DIST).filter((f) => /\.(js|wasm)$/.test(f) && !fetched.has(f) && !/^studio/.test(f) && f !== 'player-page.js');
  if (later.length) {
    console.log('dist modules fetched on neither path before the first frame (brotli KB):');
    for (const f of later) console.log(`  ${f.padEnd(26)} ${kb(br(readFileSync(join(DIST, f))))}`);
  }
  console.log(`reference: hls.js ${JSON.parse(readFileSync(join(ROOT, 'node_modules', 'hls.js', 'package.json'), 'utf8')).version} ` +
    `hls.min.js ${kb(hls.length).trim()} raw, ${kb(hlsBr).trim()} brotli`);
} finally {
  await browser.close();
  await repo.close();
  await stack.stop();
}
