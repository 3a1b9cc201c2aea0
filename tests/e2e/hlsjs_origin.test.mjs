// e2e: hls.js (lowLatencyMode) plays livescope-origin's LL-HLS in headless Chromium; plus the origin's blocking-request
// contract over plain HTTP and a clean process tree after SIGTERM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS, ROOT } from './lib/browser.mjs';
import { startProcess, BIN } from './lib/procs.mjs';
import { serveStatic } from './lib/static.mjs';

let origin = null;   // the livescope-origin process
let masterUrl = '';  // http://127.0.0.1:PORT/live/master.m3u8
let baseUrl = '';
// The origin's control endpoint (status, restart-encoder) is on with a token file and called from node only.
const CONTROL_TOKEN = randomBytes(24).toString('hex');
let tokenDir = '';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  tokenDir = mkdtempSync(join(tmpdir(), 'livescope-hlsjs-'));
  writeFileSync(join(tokenDir, 'control-token'), CONTROL_TOKEN);
  origin = await startProcess(join(BIN, 'livescope-origin'), ['--port', '0', '--control-token-file', join(tokenDir, 'control-token')], {
    ready: /^livescope-origin ready (http:\/\/\S+)$/, timeoutMs: 90000, tag: 'origin',
  });
  masterUrl = origin.output.map((l) => l.match(/^livescope-origin ready (http:\/\/\S+)$/)).find(Boolean)[1];
  baseUrl = masterUrl.replace(/\/live\/master\.m3u8$/, '');
});

after(async () => { if (origin) await origin.stop(); if (tokenDir) rmSync(tokenDir, { recursive: true, force: true }); });

const control = (path) => fetch(`${baseUrl}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${CONTROL_TOKEN}` } });
async function status() { return (await control('/control/status')).json(); }

test('origin: blocking playlist requests hold until the part exists; too far ahead is 400', async () => {
  const st = await status();
  const r = st.renditions[0];
  const url = `${baseUrl}/live/${r.name}/index.m3u8`;
  // Next part of the last segment: held, then the playlist lists it.
  const wantPart = r.last_part + 1;
  const held = await fetch(`${url}?_HLS_msn=${r.last_msn}&_HLS_part=${wantPart}`);
  assert.equal(held.status, 200);
  const text = await held.text();
  const after = (await status()).renditions[0];
  assert.ok(after.last_msn > r.last_msn || after.last_part >= wantPart, 'the playlist advanced to the requested part');
  assert.match(text, /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-/);
  assert.match(text, /#EXT-X-RENDITION-REPORT:URI="\.\.\/[0-9]+p\/index\.m3u8",LAST-MSN=\d+,LAST-PART=\d+/);
  assert.equal(held.headers.get('access-control-allow-origin'), '*');
  // Past the live edge + 2 segments.
  const far = await fetch(`${url}?_HLS_msn=${after.last_msn + 3}`);
  assert.equal(far.status, 400);
  await far.text();
  // Delta update.
  const delta = await (await fetch(`${url}?_HLS_skip=YES`)).text();
  assert.match(delta, /CAN-SKIP-UNTIL=12\.000/);
  // The hinted part: held until it starts, then streamed (chunked) while it is encoded. A slow test machine may ask
  // only after the part is complete (then it comes whole), so try a few fresh hints.
  let chunked = 0;
  for (let i = 0; i < 3; i++) {
    const fresh = await (await fetch(`${url}?_HLS_msn=${after.last_msn}&_HLS_part=${after.last_part + 1 + i}`)).text();
    const hint = fresh.match(/#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/)[1];
    const part = await fetch(`${baseUrl}/live/${r.name}/${hint}`);
    assert.equal(part.status, 200);
    if (part.headers.get('transfer-encoding') === 'chunked') chunked++;
    const bytes = new Uint8Array(await part.arrayBuffer());
    assert.equal(String.fromCharCode(...bytes.slice(4, 8)), 'moof');
    assert.match(part.headers.get('cache-control'), /immutable/);
  }
  assert.ok(chunked > 0, 'a hinted part was streamed while being built');
});

test('hls.js in lowLatencyMode plays the origin in Chromium, loading parts, across an encoder restart', { timeout: 240000 }, async () => {
  const dir = join(ARTIFACTS, 'hlsjs_origin');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>hls.js x livescope-origin</title>
<body style="margin:0;background:#000"><video id="v" muted playsinline style="width:800px;height:450px"></video>
<script src="/hlsjs/hls.min.js"></script>
<script>
  window.stats = { parts: 0, frags: 0, errors: [], partUrls: 0,
    mse: MediaSource.isTypeSupported('video/mp4; codecs="avc1.64001f,mp4a.40.2"'),
    mseBaseline: MediaSource.isTypeSupported('video/mp4; codecs="avc1.42c01f,mp4a.40.2"') };
  const video = document.getElementById('v');
  const hls = new Hls({ lowLatencyMode: true });
  window.hls = hls;
  hls.on(Hls.Events.FRAG_LOADED, (e, d) => { if (d.part) stats.parts++; else stats.frags++; });
  hls.on(Hls.Events.ERROR, (e, d) => stats.errors.push(d.type + ':' + d.details + (d.fatal ? ':fatal' : '')));
  hls.loadSource(new URLSearchParams(location.search).get('src'));
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch((e) => stats.errors.push('play:' + e.message)));
</script>`);
  const web = await serveStatic(ROOT, { routes: { '/hlsjs/': 'node_modules/hls.js/dist', '/page/': 'build/test-artifacts/hlsjs_origin' } });
  const browser = await launchBrowser();
  let logs = [];
  try {
    const page = await browser.context.newPage();
    logs = collectLogs(page, 'hlsjs');
    await page.goto(`${web.url}/page/index.html?src=${encodeURIComponent(masterUrl)}`);
    const mse = await page.evaluate(() => [stats.mse, stats.mseBaseline]);
    console.log(`# MediaSource.isTypeSupported avc1.64001f,mp4a.40.2 = ${mse[0]}; avc1.42c01f,mp4a.40.2 = ${mse[1]}`);
    assert.ok(mse[1], 'Chromium supports H.264 + AAC in MSE');

    // Wait for playback, then check that currentTime keeps advancing.
    const deadline = Date.now() + 90000;
    let t1 = 0;
    while (Date.now() < deadline) {
      t1 = await page.evaluate(() => document.getElementById('v').currentTime);
      if (t1 > 1) break;
      await sleep(500);
    }
    assert.ok(t1 > 1, `video.currentTime reached ${t1}; logs:\n${logs.slice(-20).join('\n')}`);
    await sleep(4000);
    const s = await page.evaluate(() => {
      const v = document.getElementById('v');
      const partUrls = performance.getEntriesByType('resource').filter((e) => /\/part-[^/]+\.m4s$/.test(e.name)).length;
      return { t: v.currentTime, paused: v.paused, parts: stats.parts, frags: stats.frags, partUrls, errors: stats.errors,
        playingDate: hls.playingDate ? hls.playingDate.getTime() : null, hlsLatency: hls.latency, now: Date.now(),
        w: v.videoWidth, h: v.videoHeight, level: hls.currentLevel };
    });
    assert.ok(s.t > t1 + 1, `currentTime advanced from ${t1} to ${s.t}`);
    assert.ok(s.parts > 0, `hls.js loaded parts (FRAG_LOADED with part): ${s.parts}`);
    assert.ok(s.partUrls > 0, `part URLs were requested: ${s.partUrls}`);
    const latency = s.playingDate ? (s.now - s.playingDate) / 1000 : NaN;
    console.log(`# hls.js: currentTime ${s.t.toFixed(2)} s, ${s.parts} part loads, ${s.frags} segment loads, ${s.partUrls} part requests, ` +
      `level ${s.level} (${s.w}x${s.h}), latency now - playingDate = ${latency.toFixed(2)} s, hls.latency = ${Number(s.hlsLatency).toFixed(2)} s`);
    if (s.errors.length) console.log(`# hls.js non-fatal errors: ${s.errors.join(', ')}`);
    assert.ok(!s.errors.some((e) => e.endsWith(':fatal')), `no fatal hls.js error: ${s.errors.join(', ')}`);
    await page.screenshot({ path: join(ARTIFACTS, 'hlsjs_origin.png') });

    // Encoder restart: the stream goes on after EXT-X-DISCONTINUITY and hls.js keeps playing across it.
    const runs = (await status()).encoder_runs;
    const restart = await control('/control/restart-encoder');
    assert.equal(restart.status, 200);
    assert.deepEqual(await restart.json(), { restarting: true });
    const restartDeadline = Date.now() + 30000;
    const discontinuity = /#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-[0-9a-f]+-2\.mp4"/;
    let playlist = '';
    while (Date.now() < restartDeadline) {
      playlist = await (await fetch(`${baseUrl}/live/360p/index.m3u8`)).text();
      if (discontinuity.test(playlist)) break;
      await sleep(250);
    }
    assert.ok((await status()).encoder_runs > runs, 'the encoder was restarted');
    assert.match(playlist, discontinuity);
    const tRestart = await page.evaluate(() => document.getElementById('v').currentTime);
    let tAfter = tRestart;
    while (Date.now() < restartDeadline + 30000 && tAfter < tRestart + 5) {
      await sleep(500);
      tAfter = await page.evaluate(() => document.getElementById('v').currentTime);
    }
    const errs = await page.evaluate(() => stats.errors);
    assert.ok(tAfter >= tRestart + 5, `playback continued across the discontinuity: ${tRestart} -> ${tAfter}; errors: ${errs.join(', ')}`);
    assert.ok(!errs.some((e) => e.endsWith(':fatal')), `no fatal hls.js error after the restart: ${errs.join(', ')}`);
    console.log(`# hls.js across an encoder restart: currentTime ${tRestart.toFixed(2)} -> ${tAfter.toFixed(2)} s`);
  } catch (e) {
    console.log(logs.slice(-40).join('\n'));
    throw e;
  } finally {
    await browser.close();
    await web.close();
  }
});

test('origin: SIGTERM stops it and its ffmpeg child', async () => {
  const line = origin.output.filter((l) => /ffmpeg started \(pid \d+/.test(l)).pop();
  const pid = Number(line.match(/pid (\d+)/)[1]);
  assert.doesNotThrow(() => process.kill(pid, 0), 'ffmpeg runs while the origin runs');
  const exited = await origin.stop();
  assert.equal(exited.code, 0, `origin exit ${JSON.stringify(exited)}`);
  let alive = true;
  for (let i = 0; i < 20 && alive; i++) {
    try { process.kill(pid, 0); await sleep(100); } catch { alive = false; }
  }
  assert.equal(alive, false, `ffmpeg pid ${pid} is gone`);
  origin = null;
});
