// e2e (playback, issue 16): the light worker module demuxes with the pure fMP4/TS demuxers (no libavformat), so a codec
// they do not know (MPEG-4 Part 2 video here) is a clear fatal 'unsupported-codec' error on the WebCodecs path, at once,
// without loading the full module (whose FFmpeg decoders would refuse it anyway). docs/decode.md "The pure demuxers".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from './lib/browser.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR, hasFfmpeg, openPlayer, withWasmServer, stats } from '../bench/playback/lib.mjs';

const missing = !existsSync(join(WASM_DIR, 'livescope_worker_light.wasm')) ? `${WASM_DIR}/livescope_worker_light.wasm is missing (build the wasm preset)`
  : !hasFfmpeg() ? 'the ffmpeg CLI is missing' : null;
if (missing) console.log(`playback_pure_demux: SKIPPED: ${missing}`);

test('an MPEG-4 Part 2 stream is a fatal unsupported-codec error on the light module, without loading the full one', { skip: missing || false, timeout: 60000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'livescope-mpeg4-'));
  // 3 s of MPEG-4 Part 2 video + AAC as fMP4 HLS (an event playlist: the widget plays it as live).
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=3', '-f', 'lavfi',
    '-i', 'sine=frequency=440:sample_rate=48000:duration=3', '-c:v', 'mpeg4', '-g', '30', '-c:a', 'aac', '-b:a', '64k', '-f', 'hls',
    '-hls_time', '1', '-hls_list_size', '0', '-hls_playlist_type', 'event', '-hls_segment_type', 'fmp4',
    '-hls_fmp4_init_filename', 'init.mp4', join(dir, 'live.m3u8')]);
  const media = await serveStatic(dir);
  const srv = await withWasmServer();
  const browser = await launchBrowser();
  const modules = { light: 0, full: 0 };
  browser.context.on('request', (req) => {
    const name = new URL(req.url()).pathname.split('/').pop();
    if (name === 'livescope_worker_light.wasm') modules.light++;
    if (name === 'livescope_worker.wasm') modules.full++;
  });
  t.after(async () => { await browser.close(); await srv.close(); await media.close(); rmSync(dir, { recursive: true, force: true }); });
  const page = await openPlayer(browser, srv.url, `${media.url}/live.m3u8`);
  try {
    await page.waitForFunction(() => window.livescopeWidgets[0].stats && window.livescopeWidgets[0].stats.fatal, null, { timeout: 30000 });
    const s = await stats(page);
    assert.equal(s.fatal.code, 'unsupported-codec');
    assert.match(s.fatal.message, /video codec is not supported/);
    assert.equal(modules.light, 1, 'the light module plays the WebCodecs path');
    assert.equal(modules.full, 0, 'the full module is not loaded for a codec it cannot decode either');
    console.log(`playback: fatal ${s.fatal.code}: ${s.fatal.message}`);
  } catch (e) { console.log(page.logs.slice(-30).join('\n')); throw e; }
});
