// e2e (replay and DVR, issue 13): a VOD made by ffmpeg (fMP4, PLAYLIST-TYPE VOD, PROGRAM-DATE-TIME) whose picture
// tells the time (a grey box whose level grows with the second), played in a <live-scope>: it plays from 0 (real pixels
// change, the 440 Hz tone plays), seeks to 40 s (the picture shows ~40 s, 'seeked' with currentTime ~40), pauses (the
// picture freezes) and plays again, and fires 'ended' at the end. Then a DVR case: a generated live playlist over the
// same segments (no ENDLIST, growing, dated to end now) → "−30 s" plays from 30 s back, "Live" returns to the edge.
// The replay bar (play, seek bar with a heat strip fed through _ls_set_seek_marks, time) is screenshotted and checked
// against the overlay's compose box. One browser, one host page, static servers only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { WASM_DIR } from './lib/canvas.mjs';
import { waitFor } from './lib/wait.mjs';
import { decodeRequestPath, sendFile, sendStatus } from '../../scripts/lib/static.mjs';

const CLIP_S = 75; // seconds
const SEG_S = 2;   // seconds per segment
let dir, server, browser, page, logs, segments, dvrStart;

// The clip: testsrc2 with a 160x180 box at the right whose luma is 16 + 2.5 x floor(t), and a 440 Hz tone.
function makeVod(out) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=30:duration=${CLIP_S}`,
    '-f', 'lavfi', '-i', `color=c=gray:size=160x180:rate=30:duration=${CLIP_S},format=yuv420p,geq=lum='16+2.5*floor(T)':cb=128:cr=128`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${CLIP_S}`,
    '-filter_complex', '[0:v][1:v]overlay=160:0,format=yuv420p[v]', '-map', '[v]', '-map', '2:a',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-c:a', 'aac', '-b:a', '64k',
    '-f', 'hls', '-hls_time', String(SEG_S), '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4', '-hls_flags', 'program_date_time',
    '-hls_fmp4_init_filename', 'init.mp4', join(out, 'vod.m3u8')]);
  assert.equal(r.status, 0, `ffmpeg failed: ${r.stderr}`);
  const text = readFileSync(join(out, 'vod.m3u8'), 'utf8');
  assert.match(text, /#EXT-X-PLAYLIST-TYPE:VOD/);
  assert.match(text, /#EXT-X-PROGRAM-DATE-TIME/);
  const segs = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('#EXTINF:')) continue;
    let j = i + 1;
    while (j < lines.length && lines[j].startsWith('#')) j++; // ffmpeg writes the PDT between EXTINF and the URI
    segs.push({ dur: parseFloat(lines[i].slice(8)), uri: lines[j].trim() });
  }
  return segs;
}

// A live playlist over the VOD's segments: dated so that segment i ends at dvrStart + (i + 1 - 30) x 2 s (30 segments,
// 60 s, are out when the test starts, one more every 2 s), no ENDLIST: a 60 s+ DVR window ending now.
function dvrPlaylist() {
  const now = Date.now() / 1000;
  const t0 = dvrStart - 30 * SEG_S; // epoch seconds of segment 0
  let out = `#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:${SEG_S}\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-MAP:URI="init.mp4"\n`;
  for (let i = 0; i < segments.length; i++) {
    if (t0 + (i + 1) * SEG_S > now) break;
    out += `#EXT-X-PROGRAM-DATE-TIME:${new Date((t0 + i * SEG_S) * 1000).toISOString()}\n#EXTINF:${segments[i].dur.toFixed(3)},\n${segments[i].uri}\n`;
  }
  return out;
}

// One origin: the host page (/), the widget (/w/), the VOD files (/v/) and the DVR playlist (/v/dvr.m3u8).
function serve() {
  const srv = createServer((req, res) => {
    const path = decodeRequestPath(req.url)?.path;
    if (path === undefined) { sendStatus(res, 400, 'bad request'); return; }
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><head><meta charset="utf-8"><title>replay</title><script src="/w/livescope.js"></script></head>' +
        '<body style="margin:0;background:#e8ebef"><div id="slot" style="padding:8px"></div></body></html>');
    } else if (path === '/v/dvr.m3u8') {
      res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'no-store' });
      res.end(dvrPlaylist());
    } else if (path.startsWith('/v/')) sendFile(res, dir, path.slice(2));
    else if (path.startsWith('/w/')) sendFile(res, WASM_DIR, path.slice(2));
    else sendStatus(res, 404, 'not found');
  });
  return new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok({
    url: `http://127.0.0.1:${srv.address().port}`, close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }),
  })));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'livescope-replay-'));
  segments = makeVod(dir);
  server = await serve();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  logs = collectLogs(page);
  await page.setViewportSize({ width: 700, height: 460 });
  await page.goto(`${server.url}/`);
});
after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Mounts a 640x360 (16:9) <live-scope> on `src`; events are counted in window.__ev (name -> list of details).
async function mount(src, extra = {}) {
  await page.evaluate(({ src, extra }) => {
    window.__ev = {};
    const slot = document.getElementById('slot');
    slot.replaceChildren();
    const box = document.createElement('div');
    box.style.width = '640px';
    const el = document.createElement('live-scope');
    for (const [k, v] of Object.entries({ src, aspect: '16:9', debug: '', ...extra })) el.setAttribute(k, v);
    for (const type of ['replay', 'seeking', 'seeked', 'timeupdate', 'ended', 'playing', 'statechange'])
      el.addEventListener(type, (e) => { (window.__ev[type] = window.__ev[type] || []).push(e.detail); });
    box.appendChild(el);
    slot.appendChild(box);
  }, { src, extra });
  await page.waitForFunction(() => { const s = document.querySelector('live-scope').stats; return s && s.framesShown > 0; }, null, { timeout: 60000 });
  await page.evaluate(() => document.querySelector('live-scope')._ls.widget.plugins.playback.setDebug(false));
}

const el = (expr) => page.evaluate(`(() => { const el = document.querySelector('live-scope'); return ${expr}; })()`);

// The second the picture shows: the grey box's level (canvas pixel at 3/4 width, 1/3 height), undoing BT.601 limited
// range (Y = 16 + 2.5 s). Canvas pixels (the widget keeps its drawing buffer under `debug`).
async function pictureSecond() {
  const g = await page.evaluate(() => {
    const c = document.querySelector('live-scope').shadowRoot.querySelector('canvas');
    const o = document.createElement('canvas');
    o.width = c.width; o.height = c.height;
    const x = o.getContext('2d');
    x.drawImage(c, 0, 0);
    const d = x.getImageData(Math.round(c.width * 0.75), Math.round(c.height / 3), 1, 1).data;
    return (d[0] + d[1] + d[2]) / 3;
  });
  return g / 1.164 / 2.5;
}

test('a VOD plays as a replay from 0, seeks to 40 s, pauses, plays and ends', async () => {
  try {
    await mount(`${server.url}/v/vod.m3u8`);
    await waitFor('the replay flag', () => el('el.replay'), 10000);
    const ev = await page.evaluate(() => window.__ev);
    assert.equal(ev.replay.length, 1, 'replay fires once');
    assert.ok(Math.abs(ev.replay[0].duration - CLIP_S) < 2.5, `duration ${ev.replay[0].duration}`);
    assert.ok(Math.abs((await el('el.duration')) - CLIP_S) < 2.5);

    // From 0: the first seconds show the first grey levels, and they change (real pixels).
    const t0 = await el('el.currentTime');
    assert.ok(t0 < 3, `starts at ${t0} s, not from 0`);
    const s0 = await pictureSecond();
    assert.ok(s0 < 4, `picture second ${s0.toFixed(1)} at the start`);
    await waitFor('the picture moves on', async () => (await pictureSecond()) > s0 + 1.5, 15000);
    const st = await el('el.stats.detail');
    assert.equal(st.rate, 1, 'a replay plays at 1x');
    const streamTime = await el('el.streamTime');
    assert.ok(streamTime > 1.6e12, `streamTime ${streamTime} is epoch ms`);

    // Audio: the 440 Hz tone through the worklet tap.
    await page.evaluate(() => document.querySelector('live-scope')._ls.widget.plugins.playback.setAudioTap(true));
    await waitFor('a 440 Hz tone', async () => { const t = (await el('el.stats.detail')).tap; return t && Math.abs(t.streamFrequency - 440) <= 12 && t.rms > 0.01; }, 10000);

    // Seek to 40 s.
    assert.equal(await el('el.seek(40)'), true);
    await waitFor('seeked', () => page.evaluate(() => (window.__ev.seeked || []).length > 0), 15000);
    const seeked = await page.evaluate(() => window.__ev.seeked[0]);
    assert.equal((await page.evaluate(() => window.__ev.seeking))[0].to, 40);
    assert.ok(Math.abs(seeked.currentTime - 40) < 0.6, `seeked at ${seeked.currentTime}`);
    const s40 = await pictureSecond();
    assert.ok(Math.abs(s40 - 40) <= 1.6, `the picture shows second ${s40.toFixed(1)} after the seek to 40`);
    await waitFor('playback after the seek', async () => (await el('el.currentTime')) > 41, 10000);
    const tu = await page.evaluate(() => window.__ev.timeupdate.at(-1));
    assert.ok(tu.currentTime > 40 && tu.streamTime > 1.6e12, `timeupdate ${JSON.stringify(tu)}`);

    // The bar with a heat strip (fed as the room replay will), its room kept under the compose box: screenshot.
    await page.evaluate(() => {
      const w = document.querySelector('live-scope')._ls.widget;
      const hearts = [];
      for (let t = 0; t < 75; t += 1) hearts.push([t, Math.max(0, Math.sin(t / 6)) ** 2]);
      w.module.withUtf8(JSON.stringify({ hearts, answers: [12, 47.5] }), (p) => w.module._ls_set_seek_marks(w.app, p));
    });

    // Pause: the picture stays; play: it moves on from there.
    await page.evaluate(() => document.querySelector('live-scope').pause());
    assert.equal(await el('el.paused'), true);
    await page.waitForTimeout(600);
    const p1 = await el('el.currentTime'), g1 = await pictureSecond();
    await page.waitForTimeout(1500);
    const p2 = await el('el.currentTime'), g2 = await pictureSecond();
    assert.equal(p2, p1, 'currentTime is frozen while paused');
    assert.ok(Math.abs(g2 - g1) < 0.5, 'the picture is frozen while paused');
    await page.screenshot({ path: join(ARTIFACTS, 'replay-bar-paused.png') });
    await page.evaluate(() => document.querySelector('live-scope').play());
    await waitFor('playback after play()', async () => (await el('el.currentTime')) > p1 + 1, 10000);
    assert.ok((await el('el.currentTime')) < p1 + 6, 'play() resumes where it paused');

    // To the end: 'ended' once, the last frame stays.
    await el('el.seek(70)');
    await waitFor('ended', () => page.evaluate(() => (window.__ev.ended || []).length > 0), 20000);
    await page.waitForTimeout(500);
    assert.equal((await page.evaluate(() => window.__ev.ended)).length, 1);
    assert.ok((await pictureSecond()) > 70, 'the last frame stays on screen');
    assert.ok(!(await page.evaluate(() => (window.__ev.statechange || []).some((s) => s.state === 'ended'))), 'no ended card for a replay');
    await page.screenshot({ path: join(ARTIFACTS, 'replay-bar-ended.png') });
  } catch (e) { console.log(logs.slice(-80).join('\n')); throw e; }
});

test('the replay bar fits a 280 px post card without covering the compose box', async () => {
  try {
    await page.setViewportSize({ width: 320, height: 560 });
    await page.evaluate(() => { document.getElementById('slot').replaceChildren(); });
    await mount(`${server.url}/v/vod.m3u8`, { title: 'Replay: soldering the new board', aspect: '9:16' });
    await page.evaluate(() => { document.querySelector('live-scope').parentElement.style.width = '280px'; });
    await waitFor('the replay flag', () => el('el.replay'), 10000);
    await page.waitForTimeout(500);
    const lay = await el('el._ls.widget.plugins.room && el._ls.widget.plugins.room.layout()');
    const box = await page.evaluate(() => { const r = document.querySelector('live-scope').getBoundingClientRect(); return { w: r.width, h: r.height }; });
    if (lay && lay.compose && lay.compose[3] > 0) {
      // The bar is the bottom 2u + margin (16 px font): the compose box ends above it.
      const barTop = box.h - 12 - 32;
      assert.ok(lay.compose[1] + lay.compose[3] <= barTop + 0.5, `compose ${JSON.stringify(lay.compose)} reaches into the bar at ${barTop}`);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'replay-bar-post-card.png') });
  } catch (e) { console.log(logs.slice(-80).join('\n')); throw e; }
});

test('live DVR: −30 s plays from 30 s back, Live returns to the edge', async () => {
  try {
    await page.setViewportSize({ width: 700, height: 460 });
    dvrStart = Date.now() / 1000;
    await mount(`${server.url}/v/dvr.m3u8`);
    assert.equal(await el('el.replay'), false);
    assert.ok(Number.isNaN(await el('el.duration')));
    await waitFor('the DVR window', () => el('el._ls.playback.dvr()'), 10000);
    const edgeLag = async () => Date.now() - (await el('el.streamTime'));
    await waitFor('playback near the edge', async () => (await edgeLag()) < 12000, 15000);
    await page.screenshot({ path: join(ARTIFACTS, 'dvr-bar-live.png') });
    await el('el._ls.playback.back30()');
    await waitFor('seeked after -30 s', () => page.evaluate(() => (window.__ev.seeked || []).length > 0), 15000);
    await page.waitForTimeout(1500);
    const back = await edgeLag();
    assert.ok(back > 28000 && back < 48000, `after -30 s the frame on screen is ${back} ms behind now`);
    assert.equal((await el('el.stats.detail')).rate, 1, 'no catch-up rate behind the edge');
    await page.screenshot({ path: join(ARTIFACTS, 'dvr-bar-behind.png') });
    await el('el.goLive()');
    await waitFor('back at the edge after Live', async () => (await edgeLag()) < 10000, 15000);
  } catch (e) { console.log(logs.slice(-80).join('\n')); throw e; }
});
