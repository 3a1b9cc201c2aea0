// e2e helpers: where the widget dist is, and reading a widget canvas's pixels inside the page.
import { join } from 'node:path';
import { ROOT } from './browser.mjs';

// The wasm dist folder; LIVESCOPE_WASM_DIR points the tests at a developer's own build (build/devwasm-<you>).
export const WASM_DIR = process.env.LIVESCOPE_WASM_DIR || join(ROOT, 'build', 'wasm');

// Reads a canvas into RGBA bytes inside the page (the WebGL context keeps its drawing buffer under ?debug).
// `selector` defaults to the standalone page's canvas. Returns { w, h, dpr, px } (px: a Uint8Array of RGBA).
export async function readCanvas(page, selector = '#livescope-canvas') {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    const o = document.createElement('canvas');
    o.width = c.width; o.height = c.height;
    const g = o.getContext('2d');
    g.drawImage(c, 0, 0);
    const d = g.getImageData(0, 0, o.width, o.height);
    // Base64, not an array of numbers: a 960x540 canvas as JSON numbers took seconds to move and parse on a loaded CI
    // machine, and the media server of the test lives in this same node process (a playlist request timed out meanwhile).
    let bin = '';
    for (let i = 0; i < d.data.length; i += 0x8000) bin += String.fromCharCode.apply(null, d.data.subarray(i, i + 0x8000));
    return { w: d.width, h: d.height, dpr: devicePixelRatio, b64: btoa(bin) };
  }, selector).then(({ w, h, dpr, b64 }) => ({ w, h, dpr, px: new Uint8Array(Buffer.from(b64, 'base64')) }));
}

// RGB at (x, y) in canvas pixels.
export const pixelAt = (img, x, y) => { const i = (Math.round(y) * img.w + Math.round(x)) * 4; return Array.from(img.px.slice(i, i + 3)); }; // px: a Uint8Array or an array

// Shares of the widget canvas's central region that are not near-black and that are green, and a coarse fingerprint of
// it to tell a moving picture (computed in the page: moving the whole canvas's bytes to node takes seconds).
// Resolves { lit, green, sig } (shares 0..1; sig: luma samples). Used by the studio tests.
export function canvasPicture(page) {
  return page.evaluate(() => {
    const c = document.getElementById('livescope-canvas');
    const o = document.createElement('canvas');
    o.width = c.width; o.height = c.height;
    const g = o.getContext('2d');
    g.drawImage(c, 0, 0);
    const px = g.getImageData(0, 0, o.width, o.height).data;
    let lit = 0, green = 0, n = 0;
    const sig = [];
    for (let y = Math.floor(o.height * 0.2); y < o.height * 0.8; y += 4) for (let x = Math.floor(o.width * 0.2); x < o.width * 0.8; x += 4) {
      const i = (y * o.width + x) * 4;
      const l = (px[i] + px[i + 1] + px[i + 2]) / 3;
      if (l > 40) lit++;
      if (px[i + 1] > px[i] + 40 && px[i + 1] > px[i + 2] + 40) green++; // Chromium's fake camera is green
      n++;
      sig.push(Math.round(l));
    }
    return { lit: lit / n, green: green / n, sig };
  });
}
