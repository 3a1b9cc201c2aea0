// e2e (studio, copy path): the studio's WebCodecs H.264 is copied into the origin's top rendition. The origin (--no-demo,
// a secret file, the ladder 720p,360p) sends its hello (segment cadence, top rendition); Chromium's fake camera (1280x720)
// goes live; index.json says "top":"copy" and the origin logs why; the copied 720p playlist is valid LL-HLS with a
// variable frame rate (every part at most PART-TARGET, every segment starting with an INDEPENDENT part, EXTINF within
// TARGETDURATION); a viewer plays that rendition (the fake camera's green, moving) while livescope-probe --follow sees
// no errors on the broadcast. The viewer's latency (glass to glass) is printed, not asserted. Then a 640x480 camera (4:3)
// goes live: the studio letterboxes it into the top rendition's 1280x720, which is copied; the copied rendition's
// pixels have black bars beside the picture, and a viewer shows a 4:3 picture, centred.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  phase('ended');

  // [5] A camera of another size (640x480, 4:3) is letterboxed into the top rendition's 1280x720 and copied: black
  // bars beside the picture, in the rendition's own pixels and in a viewer.
  const vga = await browser.context.newPage();
  studioLogs.push(...collectLogs(vga, 'studio-vga'));
  await vga.addInitScript(() => {
    const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (c) => gum({ ...c, video: { width: { exact: 640 }, height: { exact: 480 } } });
  });
  const vgaFragment = new URLSearchParams({ origin, name: 'copy-vga', title: 'VGA camera', key: mint(secretFile, 'copy-vga') });
  await vga.goto(`${stack.web.url}/studio.html#${vgaFragment}`);
  await vga.waitForFunction(() => document.getElementById('studio-preview').videoWidth > 0, null, { timeout: 15000 });
  await vga.click('#studio-button');
  await vga.waitForFunction(() => document.documentElement.dataset.studioEncodeSize, null, { timeout: 15000 });
  const sizes = await vga.evaluate(() => [document.documentElement.dataset.studioCameraSize, document.documentElement.dataset.studioEncodeSize]);
  console.log(`studio_copy: camera ${sizes[0]} encoded at ${sizes[1]}`);
  assert.deepEqual(sizes, ['640x480', '1280x720']);
  const vgaLive = await waitFor('the VGA broadcast live', async () => (await broadcasts(origin)).find((b) => b.name === 'copy-vga' && b.state === 'live'), 30000);
  assert.equal(vgaLive.top, 'copy', originLog().filter((l) => /copy-vga/.test(l)).join('\n'));
  phase('VGA camera live, copied');
  // The copied rendition's pixels: one decoded 1280x720 frame, black beside the 960x720 picture at x 160..1120.
  const rgb = join(dir, 'frame.rgb');
  const grab = await runToExit('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-live_start_index', '0', '-i', `${origin}/live/copy-vga/720p/index.m3u8`,
    '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-y', rgb], 30000);
  assert.equal(grab.code, 0, grab.stderr);
  const frame = readFileSync(rgb);
  assert.equal(frame.length, 1280 * 720 * 3, 'the copied rendition is not 1280x720');
  const columns = (x0, x1) => { // shares of dark and green pixels in the columns x0..x1 (every 4th row)
    let dark = 0, green = 0, n = 0;
    for (let y = 0; y < 720; y += 4) for (let x = x0; x < x1; x += 2) {
      const i = (y * 1280 + x) * 3, [r, g, b] = [frame[i], frame[i + 1], frame[i + 2]];
      if (r + g + b < 60) dark++;
      if (g > r + 40 && g > b + 40) green++;
      n++;
    }
    return { dark: dark / n, green: green / n };
  };
  const [left, middle, right] = [columns(0, 150), columns(180, 1100), columns(1130, 1280)];
  console.log(`studio_copy: copied 720p frame: bars ${(left.dark * 100).toFixed(0)}% / ${(right.dark * 100).toFixed(0)}% black, ` +
    `picture ${(middle.green * 100).toFixed(0)}% green`);
  assert.ok(left.dark > 0.95 && right.dark > 0.95, `no black bars beside the picture: ${JSON.stringify({ left, right })}`);
  assert.ok(middle.green > 0.5, `the picture is not the fake camera's green: ${JSON.stringify(middle)}`);
  // A viewer: the green picture is 4:3 (not stretched to 16:9) and centred.
  const vgaViewer = await browser.context.newPage();
  viewerLogs.push(...collectLogs(vgaViewer, 'viewer-vga'));
  const vq = new URLSearchParams({ src: `${origin}/live/copy-vga/720p/index.m3u8`, title: 'VGA camera', muted: '1' });
  await vgaViewer.goto(`${stack.web.url}/embed/player.html?debug&${vq}`);
  await vgaViewer.waitForFunction(() => window.livescopeWidgets && window.livescopeWidgets[0] && window.livescopeWidgets[0].stats
    && window.livescopeWidgets[0].stats.framesShown > 10, null, { timeout: 40000 });
  const box = await greenBox(vgaViewer);
  console.log(`studio_copy: viewer's green picture ${box.width}x${box.height} at x ${box.x0}..${box.x1} of ${box.canvasWidth} (aspect ${(box.width / box.height).toFixed(2)})`);
  await vgaViewer.screenshot({ path: join(ARTIFACTS, 'studio-copy-vga-viewer.png') });
  assert.ok(box.width / box.height > 1.2 && box.width / box.height < 1.45, `the picture is not 4:3: ${JSON.stringify(box)}`);
  assert.ok(Math.abs((box.x0 + box.x1) / 2 - box.canvasWidth / 2) < box.canvasWidth * 0.03, `the picture is not centred: ${JSON.stringify(box)}`);
  await vga.click('#studio-button');
  await vga.waitForFunction(() => document.documentElement.dataset.studio === 'ended', null, { timeout: 15000 });
  passed = true;
});

// The bounding box of the widget canvas's green pixels (the fake camera's picture; its columns and rows that are at
// least 30 % green), with the canvas width.
function greenBox(page) {
  return page.evaluate(() => {
    const c = document.getElementById('livescope-canvas');
    const o = document.createElement('canvas');
    o.width = c.width; o.height = c.height;
    const g = o.getContext('2d');
    g.drawImage(c, 0, 0);
    const px = g.getImageData(0, 0, o.width, o.height).data;
    const isGreen = (x, y) => { const i = (y * o.width + x) * 4; return px[i + 1] > px[i] + 40 && px[i + 1] > px[i + 2] + 40; };
    const cols = [], rows = [];
    for (let x = 0; x < o.width; x++) { let n = 0; for (let y = 0; y < o.height; y += 2) n += isGreen(x, y); if (n > 0.3 * o.height / 2) cols.push(x); }
    for (let y = 0; y < o.height; y++) { let n = 0; for (let x = 0; x < o.width; x += 2) n += isGreen(x, y); if (n > 0.3 * o.width / 2) rows.push(y); }
    const x0 = cols[0] ?? 0, x1 = cols.at(-1) ?? 0, y0 = rows[0] ?? 0, y1 = rows.at(-1) ?? 0;
    return { x0, x1, y0, y1, width: x1 - x0 + 1, height: y1 - y0 + 1, canvasWidth: o.width };
  });
}
