// e2e (playback, issue 16): the light worker module demuxes with the pure fMP4/TS demuxers (no libavformat), so a codec
// they do not know (MPEG-4 Part 2 video here) is a clear fatal 'unsupported-codec' error on the WebCodecs path, at once,
// without loading the full module (whose FFmpeg decoders would refuse it anyway). docs/decode.md "The pure demuxers".
// The full module (decoder=wasm) demuxes with FFmpeg's demuxer (docs/decode.md "The module split"): stats.demuxer says
// 'ffmpeg', and it plays what the pure demuxers refuse: AAC in MPEG-TS with channel configuration 0 (a PCE in each ADTS
// frame), picture and a 440 Hz tone.
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
    assert.equal(s.demuxer, 'pure', 'the light module demuxes with the pure demuxers');
    console.log(`playback: fatal ${s.fatal.code}: ${s.fatal.message}`);
  } catch (e) { console.log(page.logs.slice(-30).join('\n')); throw e; }
});

test('decoder=wasm demuxes with FFmpeg on the full module: AAC in TS with channel configuration 0 plays, picture and tone', { skip: missing || false, timeout: 60000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'livescope-pce-'));
  // 4 s of H.264 + AAC (-aac_pce: channel configuration 0 in every ADTS header) as MPEG-TS HLS, an event playlist.
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=4', '-f', 'lavfi',
    '-i', 'sine=frequency=440:sample_rate=48000:duration=4', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-aac_pce', '1', '-b:a', '64k', '-ac', '2', '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0',
    '-hls_playlist_type', 'event', join(dir, 'live.m3u8')]);
  const media = await serveStatic(dir);
  const srv = await withWasmServer();
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await srv.close(); await media.close(); rmSync(dir, { recursive: true, force: true }); });
  const page = await openPlayer(browser, srv.url, `${media.url}/live.m3u8`, '&decoder=wasm');
  try {
    await page.waitForFunction(() => { const s = window.livescopeWidgets[0].stats; return s && (s.fatal || (s.framesShown > 0 && s.demuxer)); },
      null, { timeout: 30000 });
    let s = await stats(page);
    assert.equal(s.fatal, null, `fatal: ${JSON.stringify(s.fatal)}`);
    assert.equal(s.demuxer, 'ffmpeg', 'the full module demuxes with FFmpeg');
    assert.equal(s.decoder, 'wasm');
    // The tone from FFmpeg's AAC decoder (the ADTS frames whole, their PCE read in band), through the audio tap.
    await page.evaluate(() => window.livescopeWidgets[0].plugins.playback.setAudioTap(true));
    const readings = [];
    let tone = null;
    for (let i = 0; i < 10 && !tone; i++) {
      await page.waitForTimeout(500);
      const r = (await stats(page)).tap;
      if (!r) continue;
      readings.push(`${r.frequency} Hz rms ${r.rms.toFixed(3)}`);
      if (Math.abs(r.streamFrequency - 440) <= 12 && r.rms > 0.01) tone = r;
    }
    assert.ok(tone, `no 440 Hz tone in the audio output: ${readings.join(', ')}`);
    s = await stats(page);
    assert.equal(s.audioDecoder, 'wasm');
    console.log(`playback: demuxer ${s.demuxer}, frames ${s.framesShown}, tone ${readings.at(-1)}, audio ${s.audioDecoder} (${s.audioDecoderReason})`);
  } catch (e) { console.log(page.logs.slice(-30).join('\n')); throw e; }
});
