// e2e helpers: where the widget dist is, and reading a widget canvas's pixels inside the page.
import { join } from 'node:path';
import { ROOT } from './browser.mjs';

// The wasm dist folder; LIVESCOPE_WASM_DIR points the tests at a developer's own build (build/devwasm-<you>).
export const WASM_DIR = process.env.LIVESCOPE_WASM_DIR || join(ROOT, 'build', 'wasm');

// Reads a canvas into RGBA bytes inside the page (the WebGL context keeps its drawing buffer under ?debug).
// `selector` defaults to the standalone page's canvas. Returns { w, h, dpr, px }.
export async function readCanvas(page, selector = '#livescope-canvas') {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    const o = document.createElement('canvas');
    o.width = c.width; o.height = c.height;
    const g = o.getContext('2d');
    g.drawImage(c, 0, 0);
    const d = g.getImageData(0, 0, o.width, o.height);
    return { w: d.width, h: d.height, dpr: devicePixelRatio, px: Array.from(d.data) };
  }, selector);
}

// RGB at (x, y) in canvas pixels.
export const pixelAt = (img, x, y) => { const i = (Math.round(y) * img.w + Math.round(x)) * 4; return img.px.slice(i, i + 3); };
