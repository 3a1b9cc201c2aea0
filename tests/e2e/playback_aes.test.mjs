// e2e (playback): AES-128 encrypted HLS made by the ffmpeg CLI (-hls_key_info_file) plays in the widget, with an
// explicit IV and with the IV taken from the media sequence number: testsrc2's colour bars are on the canvas (so
// the decryption is right), 'playing' fires, and each key is fetched once. An invalid playlist ends in the
// 'invalid-playlist' error (SAMPLE-AES's 'unsupported-playlist' is checked in playback_ffmpeg.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from './lib/browser.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR, hasFfmpeg, openPlayer, withWasmServer, stats, checkBars } from '../bench/playback/lib.mjs';

const missing = !existsSync(join(WASM_DIR, 'livescope_worker.wasm')) ? `${WASM_DIR}/livescope_worker.wasm is missing (build the wasm preset)`
  : !hasFfmpeg() ? 'the ffmpeg CLI is missing' : null;
if (missing) console.log(`playback_aes: SKIPPED: ${missing}`);

const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
let dir, media, web, browser;

// The canvas scaled down to 160 px wide (nearest pixel): the bars are large flat areas, and moving 800x600 RGBA
// values out of the page as JSON takes tens of seconds on a loaded CI machine.
const readSmallCanvas = (page) => page.evaluate(() => {
  const c = document.querySelector('#livescope-canvas');
  const o = document.createElement('canvas');
  o.width = 160; o.height = Math.round(160 * c.height / c.width);
  const g = o.getContext('2d');
  g.imageSmoothingEnabled = false;
  g.drawImage(c, 0, 0, o.width, o.height);
  const d = g.getImageData(0, 0, o.width, o.height);
  return { w: d.width, h: d.height, px: Array.from(d.data) };
});
const keyFetches = {};

// A 4 s VOD of 1 s MPEG-TS segments starting at media sequence 5, encrypted with KEY, with the IV `iv` (32 hex
// digits), or else each segment with its sequence number as IV (periodic_rekey), which ffmpeg also writes out as
// IV=0x...05, 06, ...: those attributes are then removed, so that the player has to derive each IV itself.
function makeEncrypted(name, iv) {
  const out = join(dir, name);
  mkdirSync(out);
  writeFileSync(join(out, 'enc.key'), KEY);
  writeFileSync(join(out, 'keyinfo'), `enc.key\n${join(out, 'enc.key')}\n${iv ? iv + '\n' : ''}`);
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=4',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30',
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod', '-start_number', '5',
    ...(iv ? [] : ['-hls_flags', 'periodic_rekey']), '-hls_key_info_file', join(out, 'keyinfo'), join(out, 'enc.m3u8')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `ffmpeg failed: ${r.stderr}`);
  if (!iv) {
    const pl = join(out, 'enc.m3u8');
    const text = readFileSync(pl, 'utf8');
    assert.equal((text.match(/IV=0x0+[5-8]\b/g) || []).length, 4, text); // one IV per segment: its sequence number
    writeFileSync(pl, text.replace(/,IV=0x[0-9a-f]+/gi, ''));
  }
}

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'livescope-aes-'));
  makeEncrypted('iv', 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
  makeEncrypted('seq', '');
  mkdirSync(join(dir, 'invalid'));
  writeFileSync(join(dir, 'invalid', 'bad.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nseg0.ts\n#EXT-X-ENDLIST\n#EXT-X-ENDLIST\n');
  media = await serveStatic(dir, { headers: (p) => { if (p.endsWith('.key')) keyFetches[p] = (keyFetches[p] || 0) + 1; return {}; } });
  web = await withWasmServer();
  browser = await launchBrowser();
  // Records every widget event from the first moment, so that an early 'playing' is not missed.
  await browser.context.addInitScript(() => {
    window.__events = [];
    const dispatch = EventTarget.prototype.dispatchEvent;
    EventTarget.prototype.dispatchEvent = function (e) { if (e instanceof CustomEvent) window.__events.push(e.type); return dispatch.call(this, e); };
  });
});

after(async () => {
  if (browser) await browser.close();
  if (web) await web.close();
  if (media) await media.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const [name, what] of [['iv', 'an explicit IV'], ['seq', 'the IV from the media sequence number']]) {
  test(`plays AES-128 HLS with ${what}: colour bars, 'playing', one key fetch`, { skip: missing || false, timeout: 60000 }, async () => {
    const playlist = readFileSync(join(dir, name, 'enc.m3u8'), 'utf8');
    assert.match(playlist, /#EXT-X-KEY:METHOD=AES-128,URI="enc.key"/);
    assert.equal(/IV=0x/i.test(playlist), name === 'iv', playlist);
    const page = await openPlayer(browser, web.url, `${media.url}/${name}/enc.m3u8`);
    try {
      await page.waitForFunction(() => window.livescopeWidgets[0].stats && window.livescopeWidgets[0].stats.framesShown > 0, null, { timeout: 30000 });
      const bars = checkBars(await readSmallCanvas(page));
      assert.ok(bars.every((b) => b.ok), `colour bars differ (wrong decryption?): ${JSON.stringify(bars)}`);
      const s = await stats(page);
      assert.equal(s.fatal, null);
      assert.ok((await page.evaluate(() => window.__events)).includes('playing'), "'playing' did not fire");
      assert.equal(keyFetches[`/${name}/enc.key`], 1, `key fetches: ${JSON.stringify(keyFetches)}`);
      console.log(`playback (AES-128, ${what}): first frame ${s.firstFrameMs.toFixed(0)} ms`);
    } catch (e) { console.log(page.logs.slice(-30).join('\n')); throw e; } finally { await page.close(); }
  });
}

test('an invalid playlist ends in the invalid-playlist error', { skip: missing || false, timeout: 60000 }, async () => {
  const page = await openPlayer(browser, web.url, `${media.url}/invalid/bad.m3u8`);
  try {
    await page.waitForFunction(() => window.livescopeWidgets[0].stats && window.livescopeWidgets[0].stats.fatal, null, { timeout: 20000 });
    const { fatal } = await stats(page);
    assert.equal(fatal.code, 'invalid-playlist');
    assert.match(fatal.message, /^line 6: duplicate EXT-X-ENDLIST$/);
    assert.ok((await page.evaluate(() => window.__events)).includes('error'), "'error' did not fire");
  } catch (e) { console.log(page.logs.slice(-30).join('\n')); throw e; } finally { await page.close(); }
});
