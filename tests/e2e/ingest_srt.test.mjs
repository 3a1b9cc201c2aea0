// e2e (origin + Chromium): SRT ingest. ffmpeg pushes an MPEG-TS clip (testsrc2 bars) to
// srt://127.0.0.1:PORT?streamid=<stream key>; the broadcast goes live, the widget plays its bars in Chromium and
// `livescope-probe --follow` reports no errors. A wrong key and an expired key are refused at connect time (SRT reject
// 1401) with nothing published, and a second publisher for the live name (streamid=#!::r=<name>,s=<key>) is refused
// (1409) while the first keeps playing. One origin for the file, loopback only, every wait bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startProcess, runToExit } from './lib/procs.mjs';
import { mintKey as mintKeyWith, makeTsClip } from './lib/ingest.mjs';
import { waitFor } from './lib/wait.mjs';
import { launchBrowser, ARTIFACTS } from './lib/browser.mjs';
import { WASM_DIR, openPlayer, withWasmServer, stats, readCanvas, checkBars } from '../bench/playback/lib.mjs';

const ORIGIN = join(BIN, 'livescope-origin');
const PROBE = join(BIN, 'livescope-probe');
const SECRET = 'e2e-srt-secret-0123456789';
const CLIP_S = 40;  // seconds of media in the clip, pushed at real-time pace (-re); the test stops the push before its end
const FOLLOW_S = 6; // probe --follow seconds

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mintKey = (name, options = {}) => mintKeyWith(name, options.secret ?? SECRET, options);


const missing = !existsSync(ORIGIN) ? `${ORIGIN} is missing (build the native preset)`
  : !existsSync(join(WASM_DIR, 'livescope_worker.wasm')) ? `${WASM_DIR}/livescope_worker.wasm is missing (build the wasm preset)` : null;

test('SRT ingest: a keyed ffmpeg push plays in the widget; wrong, expired and second publishers are refused', { skip: missing || false, timeout: 120000 }, async (t) => {
  assert.ok(existsSync(PROBE), `${PROBE} missing: build livescope-probe first`);
  const dir = mkdtempSync(join(tmpdir(), 'livescope-srt-'));
  const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
  t.after(async () => { for (const c of cleanups.reverse()) await c(); });
  const clipPath = join(dir, 'clip.ts');
  writeFileSync(clipPath, await makeTsClip(dir, CLIP_S));

  const origin = await startProcess(ORIGIN, ['--port', '0', '--no-demo', '--renditions', '360p', '--srt-port', '0', '--grace', '2'],
    { ready: /livescope-origin ready (http:\/\/\S+)\/live\/index\.json/, timeoutMs: 20000, tag: 'origin', env: { LIVESCOPE_SECRET: SECRET }, dieWithParent: true });
  cleanups.push(() => origin.stop());
  const line = (re) => origin.output.map((l) => l.match(re)).find(Boolean);
  const base = line(/livescope-origin ready (http:\/\/\S+)\/live\/index\.json/)[1];
  const srtPort = Number(line(/livescope-origin srt listening on srt:\/\/127\.0\.0\.1:(\d+)/)?.[1]);
  assert.ok(srtPort > 0, `no SRT port in the origin's output:\n${origin.output.join('\n')}`);
  // Debian 12's ffmpeg (5.1) passes the streamid as written, without percent-decoding: keys are base64url, and the
  // access-control form's '#', ':', '=' and ',' go in as they are.
  const srtUrl = (streamId) => `srt://127.0.0.1:${srtPort}?streamid=${streamId}`;
  const push = (streamId, timeoutMs) => runToExit('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', clipPath, '-c', 'copy', '-f', 'mpegts', srtUrl(streamId)], timeoutMs);
  const listed = async () => (await (await fetch(`${base}/live/index.json`)).json()).broadcasts;
  const refusals = (code) => origin.output.filter((l) => l.includes(`refused (reject ${code})`));

  // A key signed with another secret and an expired key: refused before the connection is accepted, nothing published.
  const [wrong, expired] = await Promise.all([push(mintKey('alpha', { secret: 'not-the-secret' }), 20000), push(mintKey('alpha', { ttl: -10 }), 20000)]);
  // (code null: still pushing when killed, so not refused)
  assert.ok(wrong.code !== null && wrong.code !== 0, `ffmpeg with a wrong key was not refused (${wrong.code})`);
  assert.ok(expired.code !== null && expired.code !== 0, `ffmpeg with an expired key was not refused (${expired.code})`);
  await waitFor('two 1401 refusals in the origin log', () => refusals(1401).length >= 2, 5000);
  assert.ok(refusals(1401).some((l) => /bad token signature/.test(l)), refusals(1401).join('\n'));
  assert.ok(refusals(1401).some((l) => /expired/.test(l)), refusals(1401).join('\n'));
  assert.deepEqual(await listed(), []);
  assert.equal((await fetch(`${base}/live/alpha/master.m3u8`)).status, 404);

  // The publisher with its key, as docs/ingest.md says: ffmpeg -re -i clip -c copy -f mpegts 'srt://...?streamid=KEY'.
  const publisher = await startProcess('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', clipPath, '-c', 'copy', '-f', 'mpegts', srtUrl(mintKey('alpha'))],
    { tag: 'ffmpeg', dieWithParent: true });
  cleanups.push(() => publisher.stop());
  await waitFor('alpha live in index.json', async () => (await listed()).find((b) => b.name === 'alpha')?.state === 'live', 30000);

  // A second publisher for the live name (the access-control stream id form) is refused; the first one goes on.
  const second = await push(`#!::r=alpha,m=publish,s=${mintKey('alpha')}`, 20000);
  assert.ok(second.code !== null && second.code !== 0, `a second publisher for alpha was not refused (${second.code})`);
  await waitFor('a 1409 refusal in the origin log', () => refusals(1409).length >= 1, 5000).catch((e) => {
    throw new Error(`${e.message}\n${origin.output.slice(-10).join('\n')}`);
  });
  assert.equal(publisher.exited, null, `the first publisher stopped: ${publisher.output.join('\n')}`);

  // The probe follows the ladder while the widget plays it in Chromium.
  const master = `${base}/live/alpha/master.m3u8`;
  const probing = runToExit(PROBE, ['--follow', String(FOLLOW_S), master], (FOLLOW_S + 40) * 1000);
  const srv = await withWasmServer();
  cleanups.push(() => srv.close());
  const browser = await launchBrowser();
  cleanups.push(() => browser.close());
  const page = await openPlayer(browser, srv.url, master);
  let passed = false; // the page's logs are printed only when the test fails
  t.after(() => { if (!passed) console.log(page.logs.slice(-30).join('\n')); });
  await page.waitForFunction(() => window.livescopeWidgets[0].stats && window.livescopeWidgets[0].stats.framesShown > 0, null, { timeout: 30000 });
  const bars = checkBars(await readCanvas(page));
  await page.screenshot({ path: join(ARTIFACTS, 'ingest-srt.png') });
  assert.ok(bars.every((b) => b.ok), `the widget does not show the pushed testsrc2 bars: ${JSON.stringify(bars)}`);
  const s = await stats(page);
  t.diagnostic(`widget: ${s.framesShown} frames shown, latency ${Number(s.latency).toFixed(2)} s`);

  const probe = await probing;
  const summaryLine = probe.stdout.split('\n').find((l) => l.startsWith('summary-json '));
  assert.ok(summaryLine, `no summary-json line\n${probe.stdout.slice(-2000)}\n${probe.stderr.slice(-2000)}`);
  const summary = JSON.parse(summaryLine.slice('summary-json '.length));
  t.diagnostic(`probe on alpha: ${summary.partsLoaded} parts, ${summary.errors} errors, ${summary.http4xx}/${summary.http5xx} 4xx/5xx`);
  assert.equal(probe.code, 0, probe.stderr.slice(-2000));
  assert.equal(summary.errors, 0);
  assert.equal(summary.http4xx + summary.http5xx, 0);
  assert.ok(summary.partsLoaded > FOLLOW_S, `only ${summary.partsLoaded} parts`);

  // The publisher leaves: the origin sees its SRT connection go, and the broadcast waits for it (grace).
  await publisher.stop();
  await waitFor('alpha without a publisher', async () => (await listed()).find((b) => b.name === 'alpha')?.publishing === false, 15000);
  assert.ok(origin.output.some((l) => /srt publisher for alpha .* gone/.test(l)), origin.output.slice(-10).join('\n'));
  passed = true;
});
