// e2e (playback): the widget plays plain live HLS made by the ffmpeg CLI (fMP4 and MPEG-TS, no origin needed), and a
// SAMPLE-AES playlist ends in a clear fatal error (widget 'error' event, message on the canvas). AES-128: playback_aes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from './lib/browser.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR, hasFfmpeg, startFfmpegLive, openPlayer, withWasmServer, stats, readCanvas, checkBars } from '../bench/playback/lib.mjs';

const missing = !existsSync(join(WASM_DIR, 'livescope_worker.wasm')) ? `${WASM_DIR}/livescope_worker.wasm is missing (build the wasm preset)`
  : !hasFfmpeg() ? 'the ffmpeg CLI is missing' : null;
if (missing) console.log(`playback_ffmpeg: SKIPPED: ${missing}`);

for (const type of ['fmp4', 'ts']) {
  test(`plays ffmpeg live HLS (${type}): colour bars and advancing frames`, { skip: missing || false, timeout: 90000 }, async (t) => {
    const src = await startFfmpegLive(type);
    const srv = await withWasmServer();
    const browser = await launchBrowser();
    t.after(async () => { await browser.close(); await srv.close(); await src.stop(); });
    const page = await openPlayer(browser, srv.url, src.url);
    try {
      await page.waitForFunction(() => window.livescopeWidgets[0].stats && window.livescopeWidgets[0].stats.framesShown > 0, null, { timeout: 30000 });
      const bars = checkBars(await readCanvas(page));
      assert.ok(bars.every((b) => b.ok), `colour bars differ: ${JSON.stringify(bars)}`);
      const a = await stats(page);
      await page.waitForTimeout(3000);
      const b = await stats(page);
      assert.ok(b.framesShown > a.framesShown && b.shownPts > a.shownPts, `frames did not advance (${a.framesShown}/${a.shownPts} -> ${b.framesShown}/${b.shownPts})`);
      console.log(`playback (${type}): first frame ${b.firstFrameMs.toFixed(0)} ms, latency ${b.latency.toFixed(2)} s, ${b.framesShown - a.framesShown} frames in 3 s`);
    } catch (e) { console.log(page.logs.slice(-30).join('\n')); throw e; }
  });
}

test('a SAMPLE-AES playlist is a fatal unsupported-playlist error with a message', { skip: missing || false, timeout: 60000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'livescope-enc-'));
  writeFileSync(join(dir, 'enc.m3u8'), '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n' +
    '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="key.bin"\n#EXTINF:1.0,\nseg0.ts\n#EXTINF:1.0,\nseg1.ts\n');
  const media = await serveStatic(dir);
  const srv = await withWasmServer();
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await srv.close(); await media.close(); rmSync(dir, { recursive: true, force: true }); });
  const page = await openPlayer(browser, srv.url, `${media.url}/enc.m3u8`);
  await page.waitForFunction(() => window.livescopeWidgets[0].stats && window.livescopeWidgets[0].stats.fatal, null, { timeout: 20000 });
  const fatal = (await stats(page)).fatal;
  assert.equal(fatal.code, 'unsupported-playlist');
  assert.match(fatal.message, /^line 5: unsupported encryption: EXT-X-KEY METHOD=SAMPLE-AES/);
  // The message panel is drawn at the centre of the canvas on the next refresh: poll up to 3 s for its text.
  let bright = 0;
  for (let tries = 0; tries < 30 && bright <= 30; tries++) {
    if (tries) await page.waitForTimeout(100);
    const img = await readCanvas(page);
    bright = 0;
    for (let y = Math.floor(img.h * 0.4); y < img.h * 0.6; y++) for (let x = Math.floor(img.w * 0.15); x < img.w * 0.85; x += 2) {
      const i = (y * img.w + x) * 4;
      if (img.px[i] > 180) bright++;
    }
  }
  assert.ok(bright > 30, `no error text drawn at the canvas centre (${bright} bright pixels)`);
  console.log(`playback: fatal ${fatal.code}: ${fatal.message}`);
});

test('fallback: the ScriptProcessor audio output plays picture and a 440 Hz tone', { skip: missing || false, timeout: 90000 }, async (t) => {
  const src = await startFfmpegLive('fmp4');
  const srv = await withWasmServer();
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await srv.close(); await src.stop(); });
  // The shell page without src, then a second widget made by hand with the fallback audio output.
  const page = await openPlayer(browser, srv.url, '');
  try {
    await page.evaluate(async (url) => {
      const c = document.getElementById('livescope-canvas');
      window.livescopeWidgets[0].destroy();
      const w = new LivescopeWidget(c, { src: url, preserveDrawingBuffer: true, audioOutput: 'script' });
      window.livescopeWidgets[0] = w;
      await w.start();
      w.plugins.playback.setAudioTap(true);
    }, src.url);
    await page.waitForFunction(() => window.livescopeWidgets[0].stats && window.livescopeWidgets[0].stats.framesShown > 0, null, { timeout: 30000 });
    const bars = checkBars(await readCanvas(page));
    assert.ok(bars.every((b) => b.ok), `colour bars differ: ${JSON.stringify(bars)}`);
    const readings = [];
    let ok = false;
    for (let i = 0; i < 15 && !ok; i++) {
      await page.waitForTimeout(1000);
      const r = (await stats(page)).tap;
      if (!r) continue;
      readings.push(`${r.frequency} Hz @ ${r.rate.toFixed(3)}x`);
      ok = Math.abs(r.streamFrequency - 440) <= 12 && r.rms > 0.01;
    }
    console.log(`playback (ScriptProcessor): tap readings ${readings.join(', ')}`);
    assert.ok(ok, `no 440 Hz tone: ${readings.join(', ')}`);
    assert.ok(page.logs.some((l) => /LL-HLS engine: session/.test(l)), 'the HlsSession engine was not used');
  } catch (e) { console.log(page.logs.slice(-30).join('\n')); throw e; }
});
