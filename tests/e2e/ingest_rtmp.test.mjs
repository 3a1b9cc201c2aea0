// e2e (origin + nginx-rtmp + Chromium): RTMP ingest. The origin runs with --rtmp-port 0 (its nginx child on a free
// loopback port); ffmpeg pushes a testsrc2 clip to rtmp://HOST:PORT/live/<broadcaster token>?title=...; the widget
// plays /live/<name>/master.m3u8 (testsrc2's colour bars, frames advancing) while livescope-probe --follow shows no
// errors; a key signed with another secret, an expired key and a viewer's key are refused at connect time with nothing
// published; a second publisher for the live name is refused while the first goes on; a publisher back within the
// grace resumes the broadcast after a discontinuity; gone for longer, the broadcast ends. Screenshot:
// build/test-artifacts/ingest-rtmp.png. Loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, ARTIFACTS } from './lib/browser.mjs';
import { BIN, startProcess, runToExit } from './lib/procs.mjs';
import { makeTsClip, mintKey } from './lib/ingest.mjs';
import { waitFor as waitUntil } from './lib/wait.mjs';
import { WASM_DIR, TESTSRC2_BARS, openPlayer, withWasmServer, stats } from '../bench/playback/lib.mjs';

const ORIGIN = join(BIN, 'livescope-origin');
const PROBE = join(BIN, 'livescope-probe');
const SECRET = 'e2e-rtmp-secret-0123456789';
const CLIP_S = 60;  // seconds of media in the clip (the publisher is stopped long before its end)
const GRACE_S = 4;  // --grace: long enough for a new ffmpeg push to start within it
const FOLLOW_S = 6; // probe --follow seconds
const missing = !existsSync(ORIGIN) || !existsSync(PROBE) ? 'livescope-origin or livescope-probe missing (build the native preset)'
  : !existsSync('/usr/sbin/nginx') || !existsSync('/usr/lib/nginx/modules/ngx_rtmp_module.so') ? 'nginx or libnginx-mod-rtmp missing (scripts/bootstrap.sh)'
    : !existsSync(join(WASM_DIR, 'livescope_worker.wasm')) ? `${WASM_DIR}/livescope_worker.wasm missing (build the wasm preset)` : false;
if (missing) console.log(`ingest_rtmp: SKIPPED: ${missing}`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const waitFor = (what, check, timeoutMs = 20000) => waitUntil(what, check, timeoutMs, 200);

// testsrc2's six colour bars on the widget canvas, sampled in the page as checkBars (tests/bench/playback/lib.mjs) does:
// moving the whole canvas to node (readCanvas) takes tens of seconds on a loaded 2-core machine. Per bar: samples
// within `tol` of its colour (testsrc2's moving stripe, square and clock boxes cover a few, never most).
async function checkBarsInPage(page, tol = 40) {
  const samples = await page.evaluate(() => {
    const c = document.querySelector('#livescope-canvas');
    const o = document.createElement('canvas');
    o.width = c.width; o.height = c.height;
    const g = o.getContext('2d');
    g.drawImage(c, 0, 0);
    let vw = o.width, vh = Math.round(o.width * 9 / 16);
    if (vh > o.height) { vh = o.height; vw = Math.round(o.height * 16 / 9); }
    const x0 = (o.width - vw) / 2, y0 = (o.height - vh) / 2;
    const bars = [];
    for (let i = 0; i < 6; i++) {
      const got = [];
      for (const fy of [0.2, 0.3, 0.4, 0.5, 0.62, 0.72, 0.85, 0.93]) for (const fx of [0.25, 0.5, 0.75]) {
        got.push(Array.from(g.getImageData(Math.round(x0 + vw * (i + fx) / 6), Math.round(y0 + vh * fy), 1, 1).data.slice(0, 3)));
      }
      bars.push(got);
    }
    return bars;
  });
  return TESTSRC2_BARS.map((want, i) => {
    const hits = samples[i].filter((g) => g.every((v, k) => Math.abs(v - want[k]) <= tol)).length;
    return { want, hits, ok: hits >= 3 };
  });
}

// ffmpeg pushing `clip` at real-time pace to `url` (copied, FLV over RTMP), as OBS would.
const pushArgs = (clip, url, seconds) => ['-hide_banner', '-loglevel', 'error', '-re', '-i', clip, '-t', String(seconds), '-c', 'copy', '-f', 'flv', url];

test('RTMP ingest: a pushed clip plays in the widget, the probe sees no errors, wrong keys and a second publisher are refused, a return within the grace resumes',
  { skip: missing, timeout: 120000 }, async (t) => {
    const t0 = Date.now();
    const phase = (what) => console.log(`ingest_rtmp: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const dir = mkdtempSync(join(tmpdir(), 'livescope-rtmp-e2e-'));
    const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
    t.after(async () => { for (const c of cleanups.reverse()) await c(); });
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, SECRET, { mode: 0o600 });
    await makeTsClip(dir, CLIP_S);
    const clip = join(dir, 'clip.ts');

    const origin = await startProcess(ORIGIN, ['--port', '0', '--no-demo', '--renditions', '360p', '--grace', String(GRACE_S),
      '--secret-file', secretFile, '--rtmp-port', '0'], { ready: /livescope-origin ready (http:\/\/\S+)\/live\/index\.json/, timeoutMs: 20000, tag: 'origin' });
    cleanups.push(() => origin.stop());
    const line = (re) => origin.output.map((l) => l.match(re)).find(Boolean)?.[1];
    const base = line(/livescope-origin ready (http:\/\/\S+)\/live\/index\.json/);
    const rtmp = line(/livescope-origin rtmp (rtmp:\/\/\S+)/);
    assert.match(rtmp ?? '', /^rtmp:\/\/127\.0\.0\.1:\d+\/live$/, origin.output.join('\n'));
    const listed = async () => (await (await fetch(`${base}/live/index.json`)).json()).broadcasts;
    phase('origin and nginx up');
    let passed = false;
    t.after(() => { if (!passed) console.log(origin.output.slice(-40).join('\n')); });

    // The viewer opens before anyone publishes (the widget waits, "Starting soon", and starts by itself): Chromium and
    // the wasm load while the keys are tried.
    const src = `${base}/live/alpha/master.m3u8`;
    const srv = await withWasmServer();
    cleanups.push(() => srv.close());
    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    const opened = openPlayer(browser, srv.url, src, '&muted=1');
    opened.catch(() => {}); // awaited below

    // Wrong keys are refused at connect time: the push fails at once and nothing is published.
    const refused = await Promise.all([
      mintKey('gamma', 'not-the-secret-at-all-0123'),
      mintKey('gamma', SECRET, { ttl: -10 }),
      mintKey('gamma', SECRET, { role: 'viewer' }),
    ].map((key) => runToExit('ffmpeg', pushArgs(clip, `${rtmp}/${key}`, 3), 20000)));
    for (const r of refused) assert.notEqual(r.code, 0, `a wrong key was not refused: ${r.stderr}`);
    assert.deepEqual(await listed(), []);
    assert.equal((await fetch(`${base}/live/gamma/master.m3u8`)).status, 404);
    const refusals = origin.output.filter((l) => /publisher .*refused/.test(l));
    assert.ok(refusals.some((l) => /bad token signature/.test(l)), refusals.join('\n'));
    assert.ok(refusals.some((l) => /expired/.test(l)), refusals.join('\n'));
    assert.ok(refusals.some((l) => /not a broadcaster/.test(l)), refusals.join('\n'));
    phase('wrong keys refused');

    // The publisher: live, listed with the title it gave after the key.
    const key = mintKey('alpha', SECRET);
    const publisher = await startProcess('ffmpeg', pushArgs(clip, `${rtmp}/${key}?title=RTMP%20show`, CLIP_S), { tag: 'push' });
    cleanups.push(() => publisher.stop());
    const live = await waitFor('alpha live', async () => (await listed()).find((b) => b.name === 'alpha' && b.state === 'live'));
    assert.equal(live.title, 'RTMP show');
    assert.equal(live.publishing, true);
    phase('alpha live');

    // A second publisher for the live name (the same key, and another key for it) is refused; the first goes on.
    const seconds = await Promise.all([key, mintKey('alpha', SECRET)].map((k) => runToExit('ffmpeg', pushArgs(clip, `${rtmp}/${k}`, 3), 20000)));
    for (const r of seconds) assert.notEqual(r.code, 0, `a second publisher was not refused: ${r.stderr}`);
    assert.ok(origin.output.some((l) => /publisher for alpha refused: .*already has a publisher/.test(l)));
    assert.equal(publisher.exited, null, `the first publisher stopped: ${publisher.output.join('\n')}`);
    phase('second publisher refused');

    // The widget plays it (colour bars, frames advancing) while the probe follows the same broadcast.
    const [probe] = await Promise.all([
      runToExit(PROBE, ['--follow', String(FOLLOW_S), src], (FOLLOW_S + 30) * 1000).then((r) => { phase('probe done'); return r; }),
      (async () => {
        const page = await opened;
        t.after(() => { if (!passed) console.log(page.logs.slice(-40).join('\n')); });
        await page.waitForFunction(() => window.livescopeWidgets[0].stats && window.livescopeWidgets[0].stats.framesShown > 30, null, { timeout: 40000 });
        phase('widget playing');
        const a = await stats(page);
        const bars = await checkBarsInPage(page);
        assert.ok(bars.every((b) => b.ok), `colour bars differ: ${JSON.stringify(bars)}`);
        phase('colour bars checked');
        await page.waitForFunction((c) => window.livescopeWidgets[0].stats.framesShown > c, a.framesShown + 10, { timeout: 10000 });
        const b = await stats(page);
        assert.ok(b.shownPts > a.shownPts, `frames did not advance (${a.shownPts} -> ${b.shownPts})`);
        console.log(`ingest_rtmp: widget latency ${b.latency.toFixed(2)} s (origin PDT to screen), ${b.framesShown} frames shown`);
        await page.screenshot({ path: join(ARTIFACTS, 'ingest-rtmp.png') });
        phase('screenshot taken');
      })(),
    ]);
    const summary = probe.stdout.split('\n').find((l) => l.startsWith('summary-json '));
    assert.ok(summary, `no summary-json line\n${probe.stdout.slice(-2000)}\n${probe.stderr.slice(-2000)}`);
    const s = JSON.parse(summary.slice('summary-json '.length));
    console.log(`ingest_rtmp: probe ${s.partsLoaded} parts, ${s.errors} errors, ${s.http4xx}/${s.http5xx} 4xx/5xx`);
    assert.equal(probe.code, 0, probe.stderr.slice(-2000));
    assert.equal(s.errors, 0);
    assert.equal(s.http4xx + s.http5xx, 0);
    assert.ok(s.partsLoaded > FOLLOW_S, `only ${s.partsLoaded} parts`);
    phase('played and probed');

    // The publisher leaves (nginx's publish_done) and comes back within the grace, as OBS reconnects: the same
    // broadcast continues after a discontinuity.
    await publisher.stop();
    const again = await startProcess('ffmpeg', pushArgs(clip, `${rtmp}/${key}`, CLIP_S), { tag: 'push again' });
    cleanups.push(() => again.stop());
    await waitFor('a discontinuity in alpha\'s playlist', async () => {
      const text = await (await fetch(`${base}/live/alpha/360p/index.m3u8`)).text();
      return /#EXT-X-DISCONTINUITY\n/.test(text) && text.trimEnd().split('\n').slice(-12).some((l) => l.startsWith('#EXT-X-PART:'));
    });
    assert.ok(origin.output.some((l) => /publisher for alpha admitted \(resumed\)/.test(l)), 'the returning publisher did not resume alpha');
    assert.equal((await listed()).find((b) => b.name === 'alpha').state, 'live');
    phase('alpha resumed');

    // It leaves for longer than the grace: ended.
    await again.stop();
    const ended = await waitFor('alpha ended', async () => (await listed()).find((b) => b.name === 'alpha' && b.state === 'ended'), (GRACE_S + 15) * 1000);
    assert.ok(Date.parse(ended.ended_at) >= Date.parse(ended.started_at));
    assert.match(await (await fetch(`${base}/live/alpha/360p/index.m3u8`)).text(), /#EXT-X-ENDLIST\n$/);
    phase('alpha ended');
    passed = true;
  });
