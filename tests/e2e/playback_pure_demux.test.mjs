// e2e (playback, issue 16): the light worker module demuxes with the pure fMP4/TS demuxers (no libavformat), so a codec
// they do not know (MPEG-4 Part 2 video here) is a clear fatal 'unsupported-codec' error on the WebCodecs path, at once,
// without loading the full module (whose FFmpeg decoders would refuse it anyway). docs/decode.md "The pure demuxers".
// The full module (decoder=wasm) demuxes with FFmpeg's demuxer (docs/decode.md "The module split"): stats.demuxer says
// 'ffmpeg', and it plays what the pure demuxers refuse: AAC in MPEG-TS with channel configuration 0 (a PCE in each ADTS
// frame), picture and a 440 Hz tone. In auto mode the light module's refusal of that stream switches the worker to the full
// module by itself (docs/decode.md "The demuxer switch"): livescope_worker.wasm is fetched then, once, no fatal, stats
// say demuxer 'ffmpeg' and demuxSwitch 'aac channel configuration 0', the video stays on WebCodecs where the browser has it.
// (An ordinary H.264/AAC stream never fetches livescope_worker.wasm in auto mode: tests/e2e/playback_hevc.test.mjs.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, launchBrowser } from './lib/browser.mjs';
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

// 4 s of H.264 + AAC (-aac_pce: channel configuration 0 in every ADTS header) as MPEG-TS HLS, an event playlist; made once,
// served once and played by one browser for both tests below.
let pce = null;
async function pceStack() {
  if (!pce) {
    const dir = mkdtempSync(join(tmpdir(), 'livescope-pce-'));
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=4', '-f', 'lavfi',
      '-i', 'sine=frequency=440:sample_rate=48000:duration=4', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-aac_pce', '1', '-b:a', '64k', '-ac', '2', '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0',
      '-hls_playlist_type', 'event', join(dir, 'live.m3u8')]);
    // The same media as a live playlist (no ENDLIST): the widget starts at its live start, not at 0.
    writeFileSync(join(dir, 'live-open.m3u8'), readFileSync(join(dir, 'live.m3u8'), 'utf8').replace('#EXT-X-ENDLIST\n', ''));
    // Two programs, the video in the first, the AAC in the second (ffmpeg's HLS muxer writes one program, so the mpegts
    // muxer makes one 4 s segment and the playlist is written here).
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=4', '-f', 'lavfi',
      '-i', 'sine=frequency=440:sample_rate=48000:duration=4', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k', '-ac', '2', '-program', 'title=video:st=0', '-program', 'title=audio:st=1', '-f', 'mpegts',
      join(dir, 'two0.ts')]);
    writeFileSync(join(dir, 'two.m3u8'), '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n' +
      '#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:4.0,\ntwo0.ts\n#EXT-X-ENDLIST\n');
    pce = { dir, media: await serveStatic(dir), srv: await withWasmServer(), browser: await launchBrowser(), modules: { light: 0, full: 0 } };
    pce.browser.context.on('request', (req) => {
      const name = new URL(req.url()).pathname.split('/').pop();
      if (name === 'livescope_worker_light.wasm') pce.modules.light++;
      if (name === 'livescope_worker.wasm') pce.modules.full++;
    });
  }
  return pce;
}

after(async () => { if (!pce) return; await pce.browser.close(); await pce.srv.close(); await pce.media.close(); rmSync(pce.dir, { recursive: true, force: true }); });

// Plays the PCE stream with `options` until a frame or a fatal; then checks the 440 Hz tone through the audio tap (FFmpeg's
// AAC decoder: the ADTS frames whole, their PCE read in band).
async function playPce(t, options, check, { playlist = 'live.m3u8', audioDecoder = 'wasm' } = {}) {
  const { srv, media, browser } = await pceStack();
  const page = await openPlayer(browser, srv.url, `${media.url}/${playlist}`, options);
  try {
    await page.waitForFunction(() => { const s = window.livescopeWidgets[0].stats; return s && (s.fatal || (s.framesShown > 0 && s.demuxer === 'ffmpeg')); },
      null, { timeout: 30000 });
    let s = await stats(page);
    assert.equal(s.fatal, null, `fatal: ${JSON.stringify(s.fatal)}`);
    assert.equal(s.demuxer, 'ffmpeg', 'the full module demuxes with FFmpeg');
    await check(page, s);
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
    if (audioDecoder) assert.equal(s.audioDecoder, audioDecoder);
    console.log(`playback${options}: demuxer ${s.demuxer} (switch: '${s.demuxSwitch}'), video ${s.decoder}, frames ${s.framesShown}, ` +
      `tone ${readings.at(-1)}, audio ${s.audioDecoder} (${s.audioDecoderReason})`);
    return { page, s };
  } catch (e) { console.log(page.logs.slice(-30).join('\n')); throw e; }
}

test('decoder=wasm demuxes with FFmpeg on the full module: AAC in TS with channel configuration 0 plays, picture and tone', { skip: missing || false, timeout: 60000 }, async (t) => {
  const { page } = await playPce(t, '&decoder=wasm', async (_page, s) => {
    assert.equal(s.decoder, 'wasm');
    assert.equal(s.demuxSwitch, '', 'the full module from the start: no switch');
  });
  await page.close();
});

test("auto mode: the light module's refusal of channel configuration 0 switches to the full module once, which plays it", { skip: missing || false, timeout: 60000 }, async (t) => {
  const before = { ...(await pceStack()).modules };
  // The broadcast states the widget fires, from its creation: the switch carries the state over, so none repeats.
  await pce.browser.context.addInitScript(() => {
    window.__states = [];
    const hook = () => {
      const w = window.livescopeWidgets && window.livescopeWidgets[0];
      if (w && w.events) w.events.addEventListener('statechange', (e) => window.__states.push(e.detail.state));
      else setTimeout(hook, 2);
    };
    hook();
  });
  const { page } = await playPce(t, '', async (p, s) => {
    assert.match(s.demuxSwitch, /aac channel configuration 0/, 'stats say why the worker switched');
    assert.equal(pce.modules.light - before.light, 1, 'auto mode starts on the light module');
    assert.equal(pce.modules.full - before.full, 1, 'the full module is fetched once, for the switch');
    // FFmpeg demuxes, the best decoder decodes: the video stays on WebCodecs where the browser decodes H.264.
    const h264 = await p.evaluate(() => typeof VideoDecoder === 'function' &&
      VideoDecoder.isConfigSupported({ codec: 'avc1.64000d' }).then((r) => r.supported, () => false));
    assert.equal(s.decoder, h264 ? 'webcodecs' : 'wasm');
    const logs = p.logs.filter((l) => /demuxer: /.test(l));
    assert.equal(logs.filter((l) => /switching to FFmpeg's/.test(l)).length, 1, `one switch: ${logs.join(' | ')}`);
    console.log(`playback: ${logs.join(' | ')}`);
  });
  // Several seconds on: still one module of each, and no fatal came later.
  const s = await stats(page);
  assert.equal(s.fatal, null);
  assert.equal(pce.modules.full - before.full, 1, 'no second load of the full module');
  const states = await page.evaluate(() => window.__states);
  console.log(`playback: states ${states.join(' -> ')}`);
  assert.ok(states.length > 0, 'no statechange seen');
  assert.ok(states.every((x, i) => i === 0 || x !== states[i - 1]), `a state fired twice: ${states.join(' -> ')}`);
  assert.ok(!states.includes('starting') || states.indexOf('starting') === 0, `'starting' again after the switch: ${states.join(' -> ')}`);
  await page.screenshot({ path: join(ARTIFACTS, 'playback_pure_demux_switch.png') });
});

test('auto mode on a live playlist: the switch restarts at the live start, and the full module plays on', { skip: missing || false, timeout: 60000 }, async () => {
  const { srv, media, browser, modules } = await pceStack();
  const before = { ...modules };
  const page = await openPlayer(browser, srv.url, `${media.url}/live-open.m3u8`);
  try {
    await page.waitForFunction(() => { const s = window.livescopeWidgets[0].stats; return s && (s.fatal || (s.framesShown > 0 && s.demuxer === 'ffmpeg')); },
      null, { timeout: 30000 });
    const s = await stats(page);
    assert.equal(s.fatal, null, `fatal: ${JSON.stringify(s.fatal)}`);
    assert.equal(s.demuxSwitch, 'aac channel configuration 0');
    assert.equal(await page.evaluate(() => window.livescopeWidgets[0].plugins.playback.replay), false, 'played as live');
    assert.equal(modules.full - before.full, 1, 'the full module is fetched once, for the switch');
    console.log(`playback live: demuxer ${s.demuxer} (switch: '${s.demuxSwitch}'), video ${s.decoder}, frames ${s.framesShown}`);
  } catch (e) { console.log(page.logs.slice(-30).join('\n')); throw e; }
  await page.close();
});

test("auto mode: MPEG-TS whose audio is in a second program switches to the full module, which plays picture and tone", { skip: missing || false, timeout: 60000 }, async (t) => {
  // The light module's pure demuxer plays the first program (the video alone); it refuses instead, naming the AAC of the
  // second, and FFmpeg's demuxer (first video and first audio stream of any program) plays both.
  const before = { ...(await pceStack()).modules };
  const { page } = await playPce(t, '', async (p, s) => {
    assert.match(s.demuxSwitch, /mpeg-ts audio in program 2/, 'stats say why the worker switched');
    assert.equal(pce.modules.full - before.full, 1, 'the full module is fetched once, for the switch');
  }, { playlist: 'two.m3u8', audioDecoder: null }); // the AAC has its AudioSpecificConfig: AudioDecoder where the browser has it
  await page.screenshot({ path: join(ARTIFACTS, 'playback_pure_demux_programs.png') });
  await page.close();
});
