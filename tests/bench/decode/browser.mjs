// Decode benchmark in Chromium: the same clip decoded by livescope's wasm decoder (bench_decode_web) and by the browser's
// WebCodecs VideoDecoder (chunks demuxed by the same wasm module, as the worker does); prints fps and time to first output.
// Usage (repo root): node tests/bench/decode/browser.mjs <wasm-bin-dir> <clip.mp4> [repeats]
// Output: fps=<wasm> first_ms=<wasm> webcodecs_fps=<n|n/a> webcodecs_first_ms=<n|n/a> frames=<n> codec=<string>
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
  const r = await page.evaluate(async ({ name, repeats }) => {
    const text = await (await fetch('/wasm/bench_decode_web.js')).text();
    (0, eval)(text); // defines LivescopeBenchDecode (MODULARIZE)
    const mod = await globalThis.LivescopeBenchDecode({ locateFile: (f) => `/wasm/${f}` });
    const bytes = new Uint8Array(await (await fetch(`/media/${name}`)).arrayBuffer());
    const ptr = mod._malloc(bytes.length);
    mod.HEAPU8.set(bytes, ptr);
    const out = { wasm: 0, wasmFirst: Infinity, webcodecs: NaN, webcodecsFirst: NaN, frames: 0, codec: '' };
    for (let i = 0; i < repeats; ++i) {
      out.wasm = Math.max(out.wasm, mod._livescope_bench_decode(ptr, bytes.length));
      out.wasmFirst = Math.min(out.wasmFirst, mod._livescope_bench_first_frame_ms());
    }
    // WebCodecs: the chunks the worker would give VideoDecoder (avcC description, pts in microseconds).
    const jp = mod._livescope_bench_demux(ptr, bytes.length);
    let end = jp; while (mod.HEAPU8[end]) end++;
    const d = JSON.parse(new TextDecoder().decode(mod.HEAPU8.slice(jp, end)));
    mod._free(ptr);
    out.codec = d.codec || '';
    if (typeof VideoDecoder !== 'function' || !d.codec) return out;
    const base = mod._livescope_bench_demux_bytes();
    const config = { codec: d.codec, description: mod.HEAPU8.slice(base + d.description[0], base + d.description[0] + d.description[1]) };
    const chunks = d.packets.map(([o, s, ts, key]) => new EncodedVideoChunk({ type: key ? 'key' : 'delta', timestamp: ts, data: mod.HEAPU8.slice(base + o, base + o + s) }));
    if (!(await VideoDecoder.isConfigSupported(config)).supported) return out;
    const run = async (list) => {
      let frames = 0, first = NaN, error = null;
      const t0 = performance.now();
      const dec = new VideoDecoder({ output: (f) => { if (!frames) first = performance.now() - t0; frames++; f.close(); }, error: (e) => { error = e; } });
      dec.configure(config);
      for (const c of list) dec.decode(c);
      await dec.flush();
      const seconds = (performance.now() - t0) / 1000;
      dec.close();
      if (error) throw error;
      return { frames, seconds, first };
    };
    out.webcodecs = 0; out.webcodecsFirst = Infinity;
    for (let i = 0; i < repeats; ++i) {
      const all = await run(chunks); // throughput: every chunk queued at once, fps until the flush resolves
      out.frames = all.frames;
      out.webcodecs = Math.max(out.webcodecs, all.frames / all.seconds);
      const one = await run(chunks.slice(0, 1)); // first output: configure + one key frame, as at a stream's start
      out.webcodecsFirst = Math.min(out.webcodecsFirst, one.first);
    }
    return out;
  }, { name: basename(clip), repeats });
  if (!(r.wasm > 0)) console.error(logs.join('\n'));
  const f = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
  console.log(`fps=${f(r.wasm)} first_ms=${f(r.wasmFirst)} webcodecs_fps=${f(r.webcodecs)} webcodecs_first_ms=${f(r.webcodecsFirst)} frames=${r.frames} codec=${r.codec}`);
} finally {
  if (browser) await browser.close();
  await srv.close();
}
