// e2e (Foundation): the standalone page from shell/ loads the page wasm module, Dear ImGui draws text
// over a WebGL2 clear colour, and the frame counter advances. Real pixels read back from the canvas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR, readCanvas, pixelAt as at } from './lib/canvas.mjs';

const CLEAR = [0x1a, 0x1f, 0x33]; // ClearColor in src/app/page/page_app.h

const near = (a, b, tol = 6) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

test('the shell page draws ImGui text over the WebGL clear colour and keeps rendering', async (t) => {
  assert.ok(existsSync(join(WASM_DIR, 'livescope_page.wasm')), 'build/wasm/livescope_page.wasm is missing: build the wasm preset');
  const srv = await serveStatic(WASM_DIR);
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await srv.close(); });
  const page = await browser.context.newPage();
  const logs = collectLogs(page);
  try {
    await page.goto(`${srv.url}/livescope_page.html?debug`);
    await page.waitForFunction(() => document.documentElement.dataset.livescope, null, { timeout: 30000 });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.livescope), 'ready',
      await page.evaluate(() => document.getElementById('livescope-status').textContent));

    const img = await readCanvas(page);
    assert.ok(img.w >= 400 && img.h >= 300, `canvas is ${img.w}x${img.h}`);
    // Clear colour away from the text (the bottom right corner and the centre).
    for (const [x, y] of [[img.w - 5, img.h - 5], [Math.floor(img.w / 2), Math.floor(img.h / 2)]]) {
      assert.ok(near(at(img, x, y), CLEAR), `pixel (${x},${y}) is ${at(img, x, y)}, want clear colour ${CLEAR}`);
    }
    // Text region: the status panel at (16,16) CSS px holds light text pixels; the rest is background.
    let bright = 0, off = 0;
    const x1 = Math.floor(120 * img.dpr), y1 = Math.floor(60 * img.dpr);
    for (let y = 0; y < y1; y++) for (let x = 0; x < x1; x++) {
      const p = at(img, x, y);
      if (p[0] > 180 && p[1] > 180 && p[2] > 180) bright++;
      else if (!near(p, CLEAR, 40)) off++;
    }
    assert.ok(bright > 40, `only ${bright} text pixels in the status region`);

    const f1 = await page.evaluate(() => window.livescopeWidgets[0].frameCount);
    await page.waitForTimeout(500);
    const f2 = await page.evaluate(() => window.livescopeWidgets[0].frameCount);
    assert.ok(f2 > f1, `frame counter did not advance (${f1} -> ${f2})`);
    await page.screenshot({ path: join(ARTIFACTS, 'foundation-overlay.png') });
    console.log(`foundation: canvas ${img.w}x${img.h}, ${bright} text pixels, frames ${f1} -> ${f2} in 0.5 s`);
  } catch (e) {
    console.log(logs.join('\n'));
    throw e;
  }
});
