// e2e: a playlist with EXT-X-ENDLIST plays to its end and the widget fires 'ended' exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, collectLogs } from './lib/browser.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR } from '../bench/playback/lib.mjs';

test('an ENDLIST stream plays out and the widget fires ended once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'livescope-vod-'));
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=3',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=3', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30',
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod',
    '-hls_segment_type', 'fmp4', join(dir, 'vod.m3u8')]);
  assert.equal(r.status, 0, `ffmpeg failed: ${r.stderr}`);
  const media = await serveStatic(dir);
  const web = await serveStatic(WASM_DIR);
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await web.close(); await media.close(); });
  const page = await browser.context.newPage();
  const logs = collectLogs(page);
  try {
    await page.goto(`${web.url}/livescope_page.html?src=${encodeURIComponent(media.url + '/vod.m3u8')}`);
    await page.waitForFunction(() => window.livescopeWidgets && window.livescopeWidgets[0] && window.livescopeWidgets[0].app, null, { timeout: 30000 });
    await page.evaluate(() => { window.__ended = 0; window.livescopeWidgets[0].events.addEventListener('ended', () => { window.__ended++; }); });
    await page.waitForFunction(() => window.__ended > 0, null, { timeout: 45000 });
    await page.waitForTimeout(1000);
    const { ended, shown } = await page.evaluate(() => ({ ended: window.__ended, shown: window.livescopeWidgets[0].plugins.playback.stats().framesShown }));
    assert.equal(ended, 1);
    assert.ok(shown > 0, 'no frame was shown before ended');
  } catch (e) { console.log(logs.join('\n')); throw e; }
});
