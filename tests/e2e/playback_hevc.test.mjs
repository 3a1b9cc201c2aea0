// e2e (playback, issue 16): HEVC's decoder is a module of its own (livescope_decoder_hevc, docs/decode.md "The module
// split"), fetched only when an HEVC stream needs the wasm decoder. An HEVC stream (an 8 s ENDLIST stream made by ffmpeg's
// libx265) plays in auto mode: in fMP4 (hvc1) where the browser's VideoDecoder refuses it, as headless Chromium does, and in
// MPEG-TS (no codec string for WebCodecs), the light module loads the HEVC module alone, not the full one; and with
// decoder=wasm, the full module (which no longer has HEVC's decoder) loads the HEVC module. An H.264 stream (the dev origin)
// never fetches it, on either path. Colour bars on the canvas each time; the worker modules' wasm requests counted. One
// browser, one origin, one pair of clips for the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, ARTIFACTS } from './lib/browser.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR, ORIGIN_BIN, startOrigin, openPlayer, withWasmServer, stats, readCanvas, checkBars, hasFfmpeg } from '../bench/playback/lib.mjs';

const missing = !existsSync(ORIGIN_BIN) ? `${ORIGIN_BIN} is missing (build the native preset)`
  : !existsSync(join(WASM_DIR, 'livescope_decoder_hevc.wasm')) ? `${WASM_DIR}/livescope_decoder_hevc.wasm is missing (build the wasm preset)` : null;
const hevcMissing = missing || (!hasFfmpeg() ? 'the ffmpeg CLI is missing'
  : !/libx265/.test(spawnSync('ffmpeg', ['-hide_banner', '-encoders']).stdout.toString()) ? 'ffmpeg has no libx265' : null);
if (missing) console.log(`playback_hevc: SKIPPED: ${missing}`);

let origin, srv, browser, clip, clipTs;
before(async () => {
  if (missing) return;
  origin = await startOrigin();
  srv = await withWasmServer();
  browser = await launchBrowser();
  if (hevcMissing) return;
  const dir = mkdtempSync(join(tmpdir(), 'livescope-hevc-'));
  // The same clip as fMP4 (hvc1) and as MPEG-TS (Annex B: no codec string for WebCodecs, so always the wasm decoder).
  for (const ts of [false, true]) {
    const enc = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=8',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=8', '-c:v', 'libx265', '-preset', 'ultrafast', '-tag:v', ts ? 'hev1' : 'hvc1',
      '-x265-params', 'log-level=error:keyint=30:min-keyint=30:scenecut=0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k',
      '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod',
      ...(ts ? [] : ['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4']), join(dir, ts ? 'ts.m3u8' : 'live.m3u8')]);
    assert.equal(enc.status, 0, `ffmpeg: ${enc.stderr}`);
  }
  const media = await serveStatic(dir);
  clip = { url: `${media.url}/live.m3u8`, close: async () => { await media.close(); rmSync(dir, { recursive: true, force: true }); } };
  clipTs = { url: `${media.url}/ts.m3u8` };
});
after(async () => {
  if (browser) await browser.close();
  if (clip) await clip.close();
  if (srv) await srv.close();
  if (origin) await origin.stop();
});

// Counts the worker modules' wasm requests (the worker's requests are the context's): { light, full, hevc }.
function countModules(t) {
  const n = { light: 0, full: 0, hevc: 0 };
  const names = { 'livescope_worker_light.wasm': 'light', 'livescope_worker.wasm': 'full', 'livescope_decoder_hevc.wasm': 'hevc' };
  const onRequest = (req) => { const k = names[new URL(req.url()).pathname.split('/').pop()]; if (k) n[k]++; };
  browser.context.on('request', onRequest);
  t.after(() => browser.context.off('request', onRequest));
  return n;
}

// Opens the player page on `src` and waits for 10 frames more than the first shown; returns the page and the stats.
async function play(t, src, decoder) {
  const page = await openPlayer(browser, srv.url, src, `&decoder=${decoder}`);
  t.after(async () => { if (t.failed !== false) console.log(page.logs.slice(-40).join('\n')); await page.close(); });
  await page.waitForFunction(() => window.livescopeWidgets[0].stats && window.livescopeWidgets[0].stats.framesShown > 0, null, { timeout: 60000 });
  await page.waitForFunction(() => ['webcodecs', 'wasm'].includes(window.livescopeWidgets[0].stats.decoder), null, { timeout: 5000 });
  const first = (await stats(page)).framesShown;
  await page.waitForFunction((c) => window.livescopeWidgets[0].stats.framesShown > c, first + 10, { timeout: 10000, polling: 100 });
  return { page, s: await stats(page) };
}

async function checkPicture(page, label) {
  const bars = checkBars(await readCanvas(page));
  assert.ok(bars.every((b) => b.ok), `${label}: colour bars differ: ${JSON.stringify(bars)}`);
}

const loadedLog = (page, name) => page.logs.find((l) => l.includes('decoder module: loaded in') && l.includes(`(${name})`));

test('HEVC in auto mode: where the browser refuses hvc1, the light module loads the HEVC module alone, which plays it', { skip: hevcMissing || false, timeout: 120000 }, async (t) => {
  const modules = countModules(t);
  const { page, s } = await play(t, clip.url, 'auto');
  console.log(`hevc auto: ${s.decoder} (${s.decoderReason}), audio ${s.audioDecoder}, first frame ${s.firstFrameMs.toFixed(0)} ms, modules ${JSON.stringify(modules)}`);
  await checkPicture(page, 'hevc auto');
  await page.screenshot({ path: join(ARTIFACTS, 'playback-hevc.png') });
  assert.equal(modules.light, 1, 'the light module was not the one started');
  // The full module comes only for FFmpeg's AAC decoder, where the browser's AudioDecoder does not take the audio.
  assert.equal(modules.full, s.audioDecoder === 'wasm' ? 1 : 0, `the full module was fetched for an HEVC stream (audio ${s.audioDecoder})`);
  if (s.decoder === 'wasm') {
    assert.match(s.decoderReason, /unsupported|codec/i, `why wasm: ${s.decoderReason}`);
    assert.equal(modules.hevc, 1, 'the refused codec did not load the HEVC module exactly once');
    const loaded = loadedLog(page, 'livescope_decoder_hevc');
    assert.ok(loaded, 'the HEVC module load was not logged');
    console.log(`hevc auto: ${loaded.replace(/^.*decoder module: /, 'decoder module ')}`);
  } else assert.equal(modules.hevc, 0, 'the browser decodes HEVC, yet the HEVC module was fetched');
});

test('HEVC with decoder=wasm: the full module has no HEVC decoder and loads the HEVC module for the video', { skip: hevcMissing || false, timeout: 120000 }, async (t) => {
  const modules = countModules(t);
  const { page, s } = await play(t, clip.url, 'wasm');
  console.log(`hevc wasm: first frame ${s.firstFrameMs.toFixed(0)} ms, modules ${JSON.stringify(modules)}, ${(loadedLog(page, 'livescope_decoder_hevc') || '').replace(/^.*decoder module: /, 'decoder module ')}`);
  assert.equal(s.decoder, 'wasm');
  assert.equal(s.decoderReason, 'forced');
  await checkPicture(page, 'hevc wasm');
  await page.screenshot({ path: join(ARTIFACTS, 'playback-hevc-wasm.png') });
  assert.deepEqual(modules, { light: 0, full: 1, hevc: 1 }, 'decoder=wasm on HEVC: the full module and the HEVC module, once each');
  assert.ok(loadedLog(page, 'livescope_decoder_hevc'), 'the HEVC module load was not logged');
  // Printed, not asserted: the 8 s clip arrives whole at once and decodes in a burst past the worker's picture pool.
  console.log(`hevc wasm: skipped ${s.skipped}, audio ${s.audioDecoder}`);
});

test('HEVC in MPEG-TS: the light module plays it through the HEVC module (no codec string for WebCodecs from Annex B)', { skip: hevcMissing || false, timeout: 120000 }, async (t) => {
  const modules = countModules(t);
  const { page, s } = await play(t, clipTs.url, 'auto');
  console.log(`hevc ts: ${s.decoder} (${s.decoderReason}), audio ${s.audioDecoder}, modules ${JSON.stringify(modules)}`);
  assert.equal(s.decoder, 'wasm');
  await checkPicture(page, 'hevc ts');
  assert.equal(modules.light, 1);
  assert.equal(modules.hevc, 1, 'HEVC in TS did not load the HEVC module exactly once');
  assert.equal(modules.full, s.audioDecoder === 'wasm' ? 1 : 0, `the full module was fetched for an HEVC stream (audio ${s.audioDecoder})`);
});

test('an H.264 stream never fetches the HEVC module, on the wasm path or the WebCodecs one', { skip: missing || false, timeout: 90000 }, async (t) => {
  for (const decoder of ['wasm', 'auto']) {
    const modules = countModules(t);
    const { page, s } = await play(t, origin.url, decoder);
    await checkPicture(page, `h264 ${decoder}`);
    console.log(`h264 ${decoder}: ${s.decoder}, modules ${JSON.stringify(modules)}`);
    assert.equal(modules.hevc, 0, `decoder=${decoder}: an H.264 stream fetched the HEVC module`);
    assert.equal(modules.full + modules.light, 1, `decoder=${decoder}: one worker module expected: ${JSON.stringify(modules)}`);
    await page.close();
  }
});
