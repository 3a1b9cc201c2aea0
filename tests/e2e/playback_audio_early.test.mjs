// e2e (playback, issue 16): where the browser's AudioDecoder refuses the stream's AAC, the light worker module needs the full
// module's FFmpeg AAC decoder; it asks about the audio configuration from the first init segment and starts loading that
// module at the refusal, before the first media part is even answered (docs/decode.md "The module split"), rather than at
// the first audio packet. The refusal is made in the worker (its script wrapped: AudioDecoder.isConfigSupported says no);
// every media part is held until the full module is requested (bounded: released after 15 s, and the test then fails).
// Then the tone plays through FFmpeg (the worklet's underruns printed). Dev origin, Chromium, the player page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from './lib/browser.mjs';
import { WASM_DIR, ORIGIN_BIN, startOrigin, withWasmServer, stats } from '../bench/playback/lib.mjs';

const missing = !existsSync(ORIGIN_BIN) ? `${ORIGIN_BIN} is missing (build the native preset)`
  : !existsSync(join(WASM_DIR, 'livescope_worker_light.wasm')) ? `${WASM_DIR}/livescope_worker_light.wasm is missing (build the wasm preset)` : null;
if (missing) console.log(`playback_audio_early: SKIPPED: ${missing}`);

let origin, srv, browser;
before(async () => {
  if (missing) return;
  origin = await startOrigin();
  srv = await withWasmServer();
  browser = await launchBrowser();
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.close();
  if (origin) await origin.stop();
});

// In the page: every Worker runs its script behind a prelude where AudioDecoder refuses every configuration.
function refuseAudioInWorkers() {
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(url, opts) {
      const script = new URL(url, location.href).href;
      const prelude = 'if (self.AudioDecoder) self.AudioDecoder.isConfigSupported = (c) => Promise.resolve({ supported: false, config: c });\n' +
        `importScripts(${JSON.stringify(script)});`;
      super(URL.createObjectURL(new Blob([prelude], { type: 'text/javascript' })), opts);
    }
  };
}

test('a refused AAC configuration loads the full module from the init segment, before any media part is answered', { skip: missing || false, timeout: 90000 }, async (t) => {
  let fullRequested = false, partsHeld = 0, release;
  const gate = new Promise((r) => { release = r; });
  const bound = setTimeout(release, 15000);
  const onRequest = (req) => {
    if (new URL(req.url()).pathname.endsWith('/livescope_worker.wasm')) { fullRequested = true; release(); }
  };
  browser.context.on('request', onRequest);
  await browser.context.route(/\.m4s(\?|$)/, async (route) => { partsHeld++; await gate; await route.continue().catch(() => {}); });
  t.after(async () => { clearTimeout(bound); release(); browser.context.off('request', onRequest); await browser.context.unroute(/\.m4s(\?|$)/); });

  const page = await browser.context.newPage();
  page.logs = [];
  page.on('console', (m) => page.logs.push(`[${m.type()}] ${m.text()}`));
  t.after(async () => { if (t.failed !== false) console.log(page.logs.slice(-40).join('\n')); await page.close(); });
  await page.addInitScript(refuseAudioInWorkers);
  await page.goto(`${srv.url}/livescope_page.html?debug&decoder=webcodecs&src=${encodeURIComponent(origin.url)}`);
  await gate;
  assert.ok(partsHeld > 0, 'no media part was requested (test premise)');
  assert.ok(fullRequested, 'the full module was not requested while every media part was held (it waited for an audio packet)');

  await page.waitForFunction(() => { const w = window.livescopeWidgets && window.livescopeWidgets[0]; return w && w.stats && w.stats.framesShown > 0; }, null, { timeout: 30000 });
  await page.waitForFunction(() => window.livescopeWidgets[0].stats.audioDecoder === 'wasm', null, { timeout: 5000 });
  const s0 = await stats(page);
  assert.match(s0.audioDecoderReason, /unsupported codec mp4a/);
  assert.equal(s0.decoder, 'webcodecs', 'the video path changed with the audio one');
  // The audio plays through FFmpeg's AAC decoder: the origin's 440 Hz tone in the worklet's tap (the played frequency over
  // the catch-up rate), within 10 one-second readings.
  await page.evaluate(() => window.livescopeWidgets[0].plugins.playback.setAudioTap(true));
  let tone = null;
  for (let i = 0; i < 10 && !tone; i++) {
    await page.waitForTimeout(1000);
    const r = (await stats(page)).tap;
    if (r && Math.abs(r.streamFrequency - 440) <= 12 && r.rms > 0.01) tone = r;
  }
  assert.ok(tone, `no 440 Hz tone through FFmpeg's AAC decoder: ${JSON.stringify((await stats(page)).tap)}`);
  const s1 = await stats(page);
  const loaded = page.logs.find((l) => /decoder module: loaded in .*livescope_worker\)/.test(l));
  console.log(`audio refused: ${loaded ? loaded.replace(/^.*decoder module: /, 'decoder module ') : 'load not logged'}; underruns ${s1.audio && s1.audio.underruns}, ` +
    `stalls ${s1.stalls}, audio gaps ${s1.audioGaps}, parts held ${partsHeld}`);
});
