// Bench driver for tests/bench/interaction.sh: loads the standalone player page (title only, no relay)
// in headless Chromium, holds the overlay at N hearts + M comments, and records per frame the overlay's
// own CPU time (ls_room_overlay_ms: OverlayNewFrame + OverlayDraw) and the whole ls_page_frame call
// (ImGui render and WebGL submission included). Prints p50/p95; exits 0 unless the page fails to load.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser, collectLogs, ROOT } from '../../e2e/lib/browser.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';

const { values } = parseArgs({ options: {
  wasm: { type: 'string', default: join(ROOT, 'build', 'wasm') },
  frames: { type: 'string', default: '600' },
  hearts: { type: 'string', default: '1000' },
  comments: { type: 'string', default: '50' },
} });
const frames = Number(values.frames), hearts = Number(values.hearts), comments = Number(values.comments);

const srv = await serveStatic(resolve(values.wasm));
const browser = await launchBrowser();
const page = await browser.context.newPage();
const logs = collectLogs(page, 'bench');
try {
  await page.goto(`${srv.url}/livescope_page.html?title=${encodeURIComponent('Overlay bench')}`);
  await page.waitForFunction(() => document.documentElement.dataset.livescope, null, { timeout: 60000 });
  const r = await page.evaluate(({ frames, hearts, comments }) => new Promise((done) => {
    const w = window.livescopeWidgets[0], m = w.module;
    const orig = m._ls_page_frame;
    const idle = [], loaded = [], overlay = [], lives = [];
    const warmup = 200; // frames to reach a steady heart age mix
    let n = 0;
    m._ls_page_frame = (app, t) => {
      const phase = n < 60 ? 'idle' : n < 60 + warmup ? 'warm' : 'load';
      const live = phase !== 'idle' ? m._ls_room_debug_fill(app, hearts, comments, t) : 0;
      const t0 = performance.now();
      orig(app, t);
      const dt = performance.now() - t0;
      if (phase === 'idle') idle.push(dt);
      if (phase === 'load') { loaded.push(dt); overlay.push(m._ls_room_overlay_ms(app)); lives.push(live); }
      n++;
      if (loaded.length >= frames) { m._ls_page_frame = orig; done({ idle, loaded, overlay, lives }); }
    };
  }), { frames, hearts, comments });
  const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  const f = (x) => x.toFixed(3);
  console.log(`browser overlay (OverlayNewFrame+OverlayDraw, wasm in Chromium): p50 ${f(q(r.overlay, 0.5))} ms, p95 ${f(q(r.overlay, 0.95))} ms, mean ${f(mean(r.overlay))} ms/frame over ${r.overlay.length} frames, ${mean(r.lives).toFixed(0)} live hearts (mean)`);
  console.log(`browser ls_page_frame with load (ImGui render + WebGL submit): p50 ${f(q(r.loaded, 0.5))} ms, p95 ${f(q(r.loaded, 0.95))} ms`);
  console.log(`browser ls_page_frame idle (title only, no hearts): p50 ${f(q(r.idle, 0.5))} ms, p95 ${f(q(r.idle, 0.95))} ms`);
  console.log('note: Chromium coarsens performance.now() to 0.1 ms without cross-origin isolation; SwiftShader renders on the CPU.');
} catch (e) {
  console.log(logs.join('\n'));
  console.log(`browser overlay bench failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  await srv.close();
}
