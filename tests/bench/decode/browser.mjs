// Decode benchmark in Chromium: loads bench_decode_web (wasm) in a page and decodes a clip with it; prints fps.
// Usage (repo root): node tests/bench/decode/browser.mjs <wasm-bin-dir> <clip.mp4> [repeats]
import { launchBrowser, collectLogs, ROOT } from '../../e2e/lib/browser.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';
import { relative, dirname, basename, resolve } from 'node:path';

const [wasmDir, clip, repeatsArg] = process.argv.slice(2);
if (!wasmDir || !clip) {
  console.error('usage: node tests/bench/decode/browser.mjs <wasm-bin-dir> <clip.mp4> [repeats]');
  process.exit(2);
}
const repeats = Number(repeatsArg || 3);
const srv = await serveStatic(ROOT, {
  routes: {
    '/wasm/': relative(ROOT, resolve(wasmDir)),
    '/media/': relative(ROOT, dirname(resolve(clip))),
  },
});
let browser;
try {
  browser = await launchBrowser();
  const page = await browser.context.newPage();
  const logs = collectLogs(page, 'bench');
  await page.goto(`${srv.url}/wasm/bench_decode_web.js`); // same origin for the fetches below
  const fps = await page.evaluate(async ({ name, repeats }) => {
    const text = await (await fetch('/wasm/bench_decode_web.js')).text();
    (0, eval)(text); // defines LivescopeBenchDecode (MODULARIZE)
    const mod = await globalThis.LivescopeBenchDecode({ locateFile: (f) => `/wasm/${f}` });
    const bytes = new Uint8Array(await (await fetch(`/media/${name}`)).arrayBuffer());
    const ptr = mod._malloc(bytes.length);
    mod.HEAPU8.set(bytes, ptr);
    let best = 0;
    for (let i = 0; i < repeats; ++i) best = Math.max(best, mod._livescope_bench_decode(ptr, bytes.length));
    mod._free(ptr);
    return best;
  }, { name: basename(clip), repeats });
  if (!(fps > 0)) console.error(logs.join('\n'));
  console.log(`fps=${fps.toFixed(1)}`);
} finally {
  if (browser) await browser.close();
  await srv.close();
}
