// e2e (playback, hostile sources): the widget against sources that flood, trickle, loop or vanish, each served by this
// file's own http server on loopback. Every case ends in a widget 'error' event with its code and a message drawn on
// the canvas, the worker's wasm heap stays under 256 MiB, and requests stay few (the caps, timeouts and backoff of
// docs/widget-limits.md); the dead host comes back and 'playing' fires again.
// One browser, one widget file server and one hostile server for the file; the cases run side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, ARTIFACTS } from './lib/browser.mjs';
import { freePort } from './lib/procs.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR, hasFfmpeg, openPlayer, withWasmServer, stats } from '../bench/playback/lib.mjs';

const MiB = 1 << 20;
const HEAP_LIMIT = 256 * MiB;
const missing = !existsSync(join(WASM_DIR, 'livescope_worker.wasm')) ? `${WASM_DIR}/livescope_worker.wasm is missing (build the wasm preset)` : null;
if (missing) console.log(`hostile_sources: SKIPPED: ${missing}`);
const noFfmpeg = hasFfmpeg() ? false : 'the ffmpeg CLI is missing (the corrupt-init and recovery cases need real media)';

// A 3 s VOD clip (fMP4, 320x180) the corrupt-init case and the recovered source serve.
function makeClip() {
  const dir = mkdtempSync(join(tmpdir(), 'livescope-hostile-'));
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30:duration=3',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-pix_fmt', 'yuv420p', '-f', 'hls', '-hls_time', '1',
    '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4', join(dir, 'vod.m3u8')]);
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return dir;
}

// Writes `total` bytes (Infinity: forever) made by `fill(offset, size)`, 64 KiB at a time, only as fast as the client
// reads (back-pressure), so nothing is allocated beyond one block. Returns when done or when the client went away.
async function streamLazily(req, res, total, fill) {
  const block = 64 * 1024;
  let sent = 0;
  let gone = false;
  let wake = null;
  res.on('close', () => { gone = true; if (wake) wake(); });
  res.on('drain', () => { if (wake) wake(); });
  while (!gone && sent < total) {
    const n = Math.min(block, total - sent);
    const ok = res.write(fill(sent, n));
    sent += n;
    req.stats.bytes += n;
    if (!ok && !gone) await new Promise((r) => { wake = r; });
    wake = null;
  }
  if (!gone) res.end();
}

// The hostile server: /<case>/... routes; per-case request counts and bytes written. Each case gets its own
// server (port): Chromium opens at most 6 connections per host and port, and the slow cases would hold them.
function hostileServer(clipDir) {
  const counts = {};
  const count = (name) => (counts[name] ||= { requests: 0, bytes: 0, maxBytes: 0 });
  const corruptInit = clipDir ? (() => {
    const init = readFileSync(join(clipDir, 'init.mp4'));
    const bad = Buffer.from(init);
    for (let i = 32; i < bad.length; i++) bad[i] = (i * 151) & 0xff; // ftyp intact, moov garbled
    return bad;
  })() : null;
  const started = Date.now();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const [, name, ...rest] = url.pathname.split('/');
    const file = rest.join('/');
    const c = count(name);
    c.requests++;
    const st = { bytes: 0 };
    req.stats = st;
    res.on('close', () => { c.bytes += st.bytes; c.maxBytes = Math.max(c.maxBytes, st.bytes); });
    const head = (type, extra = {}) => res.writeHead(200, { 'Content-Type': type, 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store', ...extra });
    if (name === 'endless') { // a playlist body that never ends
      head('application/vnd.apple.mpegurl');
      const line = Buffer.from('#EXT-X-HOSTILE:' + 'x'.repeat(100) + '\n');
      await streamLazily(req, res, Infinity, (o, n) => Buffer.alloc(n, line));
    } else if (name === 'big') { // a 50 MB playlist, well-formed up to where it is cut
      const total = 50 * 1000 * 1000;
      head('application/vnd.apple.mpegurl', { 'Content-Length': String(total) });
      const top = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n';
      const seg = '#EXTINF:2.0,\nsegment-with-a-long-name-0000000000.m4s\n';
      await streamLazily(req, res, total, (o, n) => {
        const b = Buffer.alloc(n, seg);
        if (o === 0) { b.fill('\n'); b.write(top); }
        return b;
      });
    } else if (name === 'part') { // a live LL playlist whose parts are 200 MB each
      if (file === 'master.m3u8') { head('application/vnd.apple.mpegurl'); res.end('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=320x180\nmedia.m3u8\n'); return; }
      if (file === 'media.m3u8') {
        const msn = Math.floor((Date.now() - started) / 2000);
        let pl = '#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=1\n' +
          `#EXT-X-MEDIA-SEQUENCE:${msn}\n#EXT-X-MAP:URI="init.mp4"\n`;
        for (let m = msn; m < msn + 3; m++) pl += `#EXT-X-PART:DURATION=1,URI="p${m}.0.m4s",INDEPENDENT=YES\n#EXT-X-PART:DURATION=1,URI="p${m}.1.m4s"\n#EXTINF:2.0,\ns${m}.m4s\n`;
        head('application/vnd.apple.mpegurl'); res.end(pl); return;
      }
      if (file === 'init.mp4') { head('video/mp4'); res.end(corruptInit || Buffer.alloc(64)); return; }
      const total = 200 * 1000 * 1000;
      head('video/iso.segment', { 'Content-Length': String(total) });
      await streamLazily(req, res, total, (o, n) => Buffer.alloc(n, 0x6d));
    } else if (name === 'trickle') { // 1 byte every 3 s
      head('application/vnd.apple.mpegurl');
      const text = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n';
      let i = 0, gone = false;
      res.on('close', () => { gone = true; });
      while (!gone) {
        res.write(text[i++ % text.length]);
        st.bytes++;
        await new Promise((r) => setTimeout(r, 3000));
      }
    } else if (name === 'loop') { // a redirect loop
      res.writeHead(302, { Location: `/loop/${file === 'a.m3u8' ? 'b' : 'a'}.m3u8`, 'Access-Control-Allow-Origin': '*' });
      res.end();
    } else if (name === 'corrupt' && clipDir) { // real media behind a garbled init segment
      if (file === 'init.mp4') { head('video/mp4'); res.end(corruptInit); return; }
      const path = join(clipDir, file);
      if (!file || file.includes('..') || !existsSync(path)) { res.writeHead(404).end(); return; }
      head(file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/iso.segment');
      res.end(readFileSync(path));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${server.address().port}`;
    resolve({ url, counts: (name) => count(name), close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); } });
  }));
}

// Opens a widget on `src` and records its events and the worker heap (sampled) until stopped.
async function watch(browser, web, src) {
  const page = await openPlayer(browser, web.url, src);
  await page.evaluate(() => {
    window.__events = [];
    for (const type of ['error', 'playing']) window.livescopeWidgets[0].events.addEventListener(type, (e) => window.__events.push({ type, ...e.detail }));
  });
  const heap = { start: 0, max: 0 };
  const sampler = setInterval(() => {
    stats(page).then((s) => {
      if (!heap.start && s.workerHeapStartBytes) heap.start = s.workerHeapStartBytes;
      heap.max = Math.max(heap.max, s.workerHeapBytes || 0);
    }).catch(() => {});
  }, 250);
  return {
    page, heap,
    events: () => page.evaluate(() => window.__events),
    waitFor: (type, ms) => page.waitForFunction((t) => window.__events.some((e) => e.type === t), type, { timeout: ms, polling: 200 }),
    stop: () => clearInterval(sampler),
  };
}

// Bright pixels of the error panel's text in the middle of the canvas, counted in the page (polls up to 3 s for the
// next refresh).
async function panelDrawn(page) {
  let bright = 0;
  for (let tries = 0; tries < 30 && bright <= 30; tries++) {
    if (tries) await page.waitForTimeout(100);
    bright = await page.evaluate(() => {
      const c = document.querySelector('#livescope-canvas');
      const o = document.createElement('canvas');
      o.width = c.width; o.height = c.height;
      const g = o.getContext('2d');
      g.drawImage(c, 0, 0);
      const y0 = Math.floor(o.height * 0.4), x0 = Math.floor(o.width * 0.15);
      const d = g.getImageData(x0, y0, Math.floor(o.width * 0.7), Math.floor(o.height * 0.2));
      let n = 0;
      for (let i = 0; i < d.data.length; i += 8) if (d.data[i] > 180) n++;
      return n;
    });
  }
  return bright > 30;
}

test('hostile sources: each ends in an error event with its code, a bounded heap and few requests', { skip: missing || false, timeout: 180000, concurrency: true }, async (t) => {
  const clipDir = noFfmpeg ? null : makeClip();
  const web = await withWasmServer();
  const servers = [];
  const serve = async () => { const s = await hostileServer(clipDir); servers.push(s); return s; };
  const browser = await launchBrowser();
  const deadPort = await freePort(); // nothing listens here until the recovery step
  let revived = null;
  t.after(async () => {
    await browser.close(); await web.close();
    for (const s of servers) await s.close();
    if (revived) await revived.close();
    if (clipDir) rmSync(clipDir, { recursive: true, force: true });
  });

  // name, src, expected code, request bound for the case's source, and the largest body the server may have written.
  const cases = [
    { name: 'endless playlist', key: 'endless', path: `/endless/live.m3u8`, code: 'source-too-large', maxRequests: 12, maxBody: 24 * MiB },
    { name: '50 MB playlist', key: 'big', path: `/big/live.m3u8`, code: 'source-too-large', maxRequests: 12, maxBody: 24 * MiB },
    { name: '200 MB parts', key: 'part', path: `/part/master.m3u8`, code: 'source-too-large', maxRequests: 40, maxBody: 32 * MiB },
    // The same without a multivariant playlist: no BANDWIDTH, so parts get the 16 MiB ceiling (the heap's worst case).
    { name: '200 MB parts, bitrate unknown', key: 'part', path: `/part/media.m3u8`, code: 'source-too-large', maxRequests: 40, maxBody: 48 * MiB },
    { name: '1 byte every 3 s', key: 'trickle', path: `/trickle/live.m3u8`, code: 'source-timeout', maxRequests: 4 },
    // The browser gives up after 20 redirects (a network error); on a loaded machine the chain can outlast the 6 s
    // playlist timeout first. Either way the source never answers, and each try is 21 requests.
    { name: 'redirect loop', key: 'loop', path: `/loop/a.m3u8`, code: ['source-unreachable', 'source-timeout'], maxRequests: 8 * 21 },
    { name: 'corrupt init segment', key: 'corrupt', path: `/corrupt/vod.m3u8`, code: 'media-undecodable', maxRequests: 30, skip: noFfmpeg },
    { name: 'dead host, then it comes back', key: 'dead', src: `http://127.0.0.1:${deadPort}/vod.m3u8`, code: 'source-unreachable', revive: true },
  ];
  const results = [];
  const only = process.env.HOSTILE_ONLY; // e.g. HOSTILE_ONLY=trickle,dead runs those cases only (debugging)
  await Promise.all(cases.filter((c) => !only || only.split(',').includes(c.key)).map((c) => t.test(c.name, { skip: c.skip || false }, async () => {
    const hostile = c.path ? await serve() : null;
    const w = await watch(browser, web, c.path ? hostile.url + c.path : c.src);
    try {
      await w.waitFor('error', 40000);
      const atError = hostile ? { ...hostile.counts(c.key) } : null; // the first 15 s: what the bounds are about
      const error = (await w.events()).find((e) => e.type === 'error');
      const codes = [c.code].flat();
      assert.ok(codes.includes(error.code), `error ${JSON.stringify(error)}, expected the code ${codes.join(' or ')}`);
      assert.ok(error.message.length > 10, `no message: ${JSON.stringify(error)}`);
      assert.ok(await panelDrawn(w.page), 'no error message drawn on the canvas');
      if (c.key === 'trickle') await w.page.screenshot({ path: join(ARTIFACTS, 'hostile-source-error.png') });
      const s = await stats(w.page);
      assert.equal(s.sourceError && s.sourceError.code, error.code);
      assert.equal(s.fatal, null, 'an unreachable source is not fatal: the widget keeps trying');
      if (c.revive) {
        if (noFfmpeg) { console.log('hostile: recovery step skipped: ' + noFfmpeg); return; }
        revived = await serveStatic(clipDir, { port: deadPort });
        await w.waitFor('playing', 30000);
        const after = await stats(w.page);
        assert.equal(after.sourceError, null, 'the error stays after media came back');
        assert.ok(after.framesShown > 0);
      }
      w.stop();
      const s2 = await stats(w.page);
      const heapMax = Math.max(w.heap.max, s2.workerHeapBytes);
      const served = hostile ? hostile.counts(c.key) : null;
      results.push(`${c.name}: ${error.code}; worker heap ${(w.heap.start / MiB).toFixed(0)} -> max ${(heapMax / MiB).toFixed(0)} MiB` +
        (served ? `; by the error ${atError.requests} requests, ${(atError.bytes / MiB).toFixed(1)} MiB served; by the end ` +
          `${served.requests} requests, ${(served.bytes / MiB).toFixed(1)} MiB, largest body ${(served.maxBytes / MiB).toFixed(1)} MiB` : ''));
      assert.ok(heapMax < HEAP_LIMIT, `worker heap reached ${heapMax} bytes`);
      if (served) {
        assert.ok(atError.requests <= c.maxRequests, `${atError.requests} requests before the error (at most ${c.maxRequests})`);
        if (c.maxBody) assert.ok(served.maxBytes <= c.maxBody, `a body of ${served.maxBytes} bytes was sent (at most ${c.maxBody})`);
      }
    } catch (e) {
      console.log(`--- ${c.name}\n` + w.page.logs.slice(-25).join('\n'));
      throw e;
    } finally { w.stop(); await w.page.close(); }
  })));
  console.log('hostile sources:\n  ' + results.join('\n  '));
});
