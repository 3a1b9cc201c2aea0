// Bytes bench (issue 16, prints figures, never pass/fail): every file the widget fetches before its first frame, per file
// and per video path (decoder=webcodecs, decoder=wasm), brotli -q 11 (node's zlib) as a CDN would serve it, with the
// total beside the goal (300 KB brotli on the WebCodecs path) and beside hls.js's own minified build
// (node_modules/hls.js/dist/hls.min.js, brotli) as the reference. The stream's own bytes (playlists, init, parts) are
// listed apart: they are the stream's, the same for any player. One page with the widget in view
// (tests/bench/bytes/page.html), the dist a publisher hosts (build/wasm/dist), Chromium's network events (the
// worker's requests included). Also prints the dist's other modules (fetched later or never on that path).
import { brotliCompressSync, constants } from 'node:zlib';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, ROOT } from '../../e2e/lib/browser.mjs';
import { startStack } from '../../e2e/lib/stack.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';
import { recordResponses } from '../lib/responses.mjs';

const GOAL = 300 * 1000; // bytes, brotli, WebCodecs path (issue 16)
const DIST = join(ROOT, 'build', 'wasm', 'dist');
const br = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length;
const kb = (n) => (n / 1000).toFixed(1).padStart(8);
const isStream = (path, type) => /\.(m3u8|m4s|mp4|ts|aac)$/.test(path) || /mpegurl|video\/|audio\//i.test(type);

// Loads the bench page on `decoder` and returns the files whose response finished before the first frame:
// [{ name, raw, br }] for the widget's files and { raw, n } for the stream's, with the path the worker reports.
async function measure(browser, base, streamUrl, decoder) {
  const page = await browser.context.newPage();
  const { done, stop } = recordResponses(browser.context); // the page's and its worker's responses
  await page.goto(`${base}/tests/bench/bytes/page.html?decoder=${decoder}&src=${encodeURIComponent(streamUrl)}`);
  await page.waitForFunction(() => window.bench.firstFrameAt > 0, null, { timeout: 60000 });
  const t = await page.evaluate(() => ({ first: window.bench.firstFrameAt, origin: performance.timeOrigin }));
  // The path the worker chose (stats every 500 ms and at each change).
  await page.waitForFunction(() => { const w = document.querySelector('live-scope'); return w && w.stats && ['webcodecs', 'wasm'].includes(w.stats.decoder); },
    null, { timeout: 5000 }).catch(() => {});
  const path = await page.evaluate(() => { const w = document.querySelector('live-scope'); return (w && w.stats && w.stats.decoder) || '?'; });
  stop();
  await page.close();
  const cutoff = t.origin + t.first + 50;
  const files = new Map(), stream = { raw: 0, n: 0 };
  for (const r of done.filter((d) => d.at <= cutoff && d.body)) {
    const p = new URL(r.url).pathname;
    if (isStream(p, r.type)) { stream.raw += r.body.length; stream.n++; continue; }
    if (p.startsWith('/tests/bench/bytes/')) continue; // the bench page itself: the publisher's
    const name = p.split('/').pop();
    if (!files.has(name)) files.set(name, { name, raw: r.body.length, br: br(r.body) });
  }
  return { decoder, path, files: [...files.values()], stream };
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
    console.log(`decoder=${r.decoder} (path taken: ${r.path}): the widget's files fetched before the first frame, KB (1000 bytes)`);
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
