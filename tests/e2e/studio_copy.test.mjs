// e2e (studio, copy path): the studio's WebCodecs H.264 is copied into the origin's top rendition. The origin (--no-demo,
// a secret file, the ladder 720p,360p) sends its hello (segment cadence, top rendition); Chromium's fake camera (1280x720)
// goes live; index.json says "top":"copy" and the origin logs why; the copied 720p playlist is valid LL-HLS with a
// variable frame rate (every part at most PART-TARGET, every segment starting with an INDEPENDENT part, EXTINF within
// TARGETDURATION); a viewer plays that rendition (the fake camera's green, moving) while livescope-probe --follow sees
// no errors on the broadcast. The viewer's latency (glass to glass) is printed, not asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { canvasPicture } from './lib/canvas.mjs';
import { BIN, runToExit } from './lib/procs.mjs';
import { startStack } from './lib/stack.mjs';
import { waitFor } from './lib/wait.mjs';

const ORIGIN = join(BIN, 'livescope-origin');
const RELAY = join(BIN, 'livescope-relay');
const PROBE = join(BIN, 'livescope-probe');
const DIST = join(import.meta.dirname, '..', '..', 'build', 'wasm', 'dist');
const missing = ![ORIGIN, RELAY, PROBE].every(existsSync) ? 'livescope-origin, -relay or -probe missing (build the native preset)'
  : !existsSync(join(DIST, 'studio.html')) ? 'build/wasm/dist/studio.html missing (build the wasm preset)' : null;
if (missing) console.log(`studio_copy: SKIPPED: ${missing}`);
const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
const FOLLOW_S = 6; // probe --follow seconds

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const broadcasts = async (origin) => (await (await fetch(`${origin}/live/index.json`)).json()).broadcasts;
const mint = (secretFile, name) => execFileSync(RELAY, ['mint-token', '--secret-file', secretFile, '--name', name, '--role', 'broadcaster',
  '--ttl', '600'], { encoding: 'utf8' }).trim();

// The rules a variable-frame-rate media playlist must keep (RFC 8216bis): returns a list of faults, and the part figures.
// `longestFrame` (s): a copied frame is never split, so a camera stall that long makes a part that long (a part longer
// than PART-TARGET is always a single frame: the builder closes a part before a frame that would overrun it).
function CheckLivePlaylist(text, longestFrame = 0) {
  const faults = [];
  const partTarget = Number((text.match(/#EXT-X-PART-INF:PART-TARGET=([\d.]+)/) || [])[1]);
  const targetDuration = Number((text.match(/#EXT-X-TARGETDURATION:(\d+)/) || [])[1]);
  if (!(partTarget > 0) || !(targetDuration > 0)) return { faults: ['no PART-TARGET or TARGETDURATION'], parts: 0, short: 0 };
  let parts = 0, short = 0, segmentStart = false, segments = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) { segmentStart = true; segments++; continue; }
    const part = line.match(/^#EXT-X-PART:DURATION=([\d.]+),URI="[^"]+"(,INDEPENDENT=YES)?/);
    if (part) {
      parts++;
      const d = Number(part[1]);
      if (d > Math.max(partTarget, longestFrame + 0.002) + 1e-5) faults.push(`part of ${d} s > PART-TARGET ${partTarget} (longest frame ${longestFrame} s)`);
      if (d < 0.85 * partTarget && !part[2]) short++; // below the 85 % floor (the last part of a segment is exempt)
      if (segmentStart && !part[2]) faults.push(`segment ${segments} starts with a part that is not INDEPENDENT`);
      segmentStart = false;
      continue;
    }
    const inf = line.match(/^#EXTINF:([\d.]+),/);
    if (inf) {
      if (Math.round(Number(inf[1])) > targetDuration) faults.push(`EXTINF ${inf[1]} > TARGETDURATION ${targetDuration}`);
      segmentStart = false;
    }
  }
  return { faults, parts, short };
}


test('the studio\'s H.264 is copied into the top rendition, whose playlist stays valid, and a viewer plays it', { skip: missing || false, timeout: 150000 }, async (t) => {
  const t0 = Date.now();
  const phase = (what) => console.log(`studio_copy: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const dir = mkdtempSync(join(tmpdir(), 'livescope-copy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, 'e2e-copy-secret-0123456789abcdef', { mode: 0o600 });
  const stack = await startStack({ relay: false, originArgs: ['--no-demo', '--secret-file', secretFile, '--grace', '2', '--renditions', '720p,360p'] });
  t.after(() => stack.stop());
  const origin = new URL(stack.streamUrl).origin;
  const originLog = () => stack.procs[0].output;
  const browser = await launchBrowser(FAKE_MEDIA);
  t.after(() => browser.close());

  const studio = await browser.context.newPage();
  const studioLogs = collectLogs(studio, 'studio');
  const viewer = await browser.context.newPage();
  const viewerLogs = collectLogs(viewer, 'viewer');
  let passed = false;
  t.after(() => { if (!passed) console.log([...studioLogs, ...viewerLogs, ...originLog()].slice(-80).join('\n')); });
  const fragment = new URLSearchParams({ origin, name: 'copy', title: 'Copy e2e', key: mint(secretFile, 'copy') });
  await studio.goto(`${stack.web.url}/studio.html#${fragment}`);
  await studio.waitForFunction(() => document.documentElement.dataset.studio === 'idle', null, { timeout: 10000 });
  await studio.waitForFunction(() => document.getElementById('studio-preview').videoWidth > 0, null, { timeout: 15000 });
  await studio.click('#studio-button');
  await studio.waitForFunction(() => document.documentElement.dataset.studio === 'live', null, { timeout: 15000 });
  phase('studio live');
  assert.equal(await studio.evaluate(() => document.documentElement.dataset.studioEncoder), 'webcodecs');
  // The studio learnt the origin's segment cadence from its hello.
  await studio.waitForFunction(() => document.documentElement.dataset.studioKeyframeMs === '2000', null, { timeout: 5000 });

  // [1] The origin copies the video into its top rendition, says so in index.json, and logs why.
  const live = await waitFor('the broadcast live in index.json', async () => (await broadcasts(origin)).find((b) => b.name === 'copy' && b.state === 'live'), 30000);
  const decision = originLog().find((l) => /copy: top rendition (copied|transcoded)/.test(l)) || '(no decision logged)';
  console.log(`studio_copy: ${decision.trim()}`);
  assert.equal(live.top, 'copy', `the top rendition is not copied: ${decision}`);
  assert.ok(originLog().some((l) => /copy: ffmpeg started .*top rendition copied/.test(l)), 'the encoder run does not say the top is copied');
  phase('copy decided');

  // [2] A viewer plays the copied rendition while the probe follows the broadcast.
  const q = new URLSearchParams({ src: `${origin}/live/copy/720p/index.m3u8`, title: 'Copy e2e', muted: '1' });
  const [probe] = await Promise.all([
    runToExit(PROBE, ['--follow', String(FOLLOW_S), `${origin}/live/copy/master.m3u8`], (FOLLOW_S + 30) * 1000),
    (async () => {
      await viewer.goto(`${stack.web.url}/embed/player.html?debug&${q}`);
      await viewer.waitForFunction(() => window.livescopeWidgets && window.livescopeWidgets[0] && window.livescopeWidgets[0].stats
        && window.livescopeWidgets[0].stats.framesShown > 30, null, { timeout: 40000 });
      phase('viewer playing');
      const a = await canvasPicture(viewer);
      await sleep(1000);
      const b = await canvasPicture(viewer);
      const moved = a.sig.filter((v, i) => Math.abs(v - b.sig[i]) > 20).length / a.sig.length;
      const s = await viewer.evaluate(() => window.livescopeWidgets[0].stats);
      console.log(`studio_copy: viewer ${(b.lit * 100).toFixed(0)}% lit, ${(b.green * 100).toFixed(0)}% green, ` +
        `${(moved * 100).toFixed(1)}% changed in 1 s, latency ${Number(s.latency).toFixed(2)} s (glass to glass)`);
      assert.ok(b.lit > 0.05, `the viewer's picture is black (${b.lit})`);
      assert.ok(b.green > 0.5, `the viewer's picture is not the fake camera's green (${b.green})`);
      assert.ok(moved > 0, 'the viewer\'s picture does not move');
      await viewer.screenshot({ path: join(ARTIFACTS, 'studio-copy-viewer.png') });
    })(),
  ]);
  const summary = probe.stdout.split('\n').find((l) => l.startsWith('summary-json '));
  assert.ok(summary, `no summary-json line\n${probe.stdout.slice(-2000)}\n${probe.stderr.slice(-2000)}`);
  const ps = JSON.parse(summary.slice('summary-json '.length));
  console.log(`studio_copy: probe ${ps.partsLoaded} parts, ${ps.errors} errors, ${ps.http4xx}/${ps.http5xx} 4xx/5xx, variant ${ps.variant}`);
  assert.equal(probe.code, 0, probe.stderr.slice(-2000));
  assert.equal(ps.errors, 0);
  phase('played and probed');

  // [3] The copied rendition's playlist keeps the LL-HLS rules with the camera's variable frame rate.
  const text = await (await fetch(`${origin}/live/copy/720p/index.m3u8`)).text();
  // The longest gap between two video frames the studio sent (a stall of the camera or the encoder on a loaded machine).
  const longestFrame = Number(await studio.evaluate(() => document.documentElement.dataset.studioMaxFrameGapMs || '0')) / 1000;
  const check = CheckLivePlaylist(text, longestFrame);
  console.log(`studio_copy: 720p playlist: ${check.parts} parts listed, ${check.short} below 85 % of PART-TARGET (not the last of a segment); ` +
    `longest frame the studio sent: ${longestFrame.toFixed(3)} s`);
  assert.deepEqual(check.faults, [], text);
  assert.ok(check.parts >= 10, `only ${check.parts} parts listed`);

  // [4] End.
  await studio.click('#studio-button');
  await studio.waitForFunction(() => document.documentElement.dataset.studio === 'ended', null, { timeout: 15000 });
  assert.equal(await studio.textContent('#studio-message'), '', 'a clean End shows no error');
  passed = true;
});
