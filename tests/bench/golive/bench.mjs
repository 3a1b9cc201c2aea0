// Go-live bench: for each way in, a broadcast on one origin watched by a livescope widget and by hls.js
// (lowLatencyMode) in the same Chromium; latency = now − PROGRAM-DATE-TIME of the frame on screen, sampled once a
// second. The studio stamps capture time, so for its legs that is glass to glass on this one machine; ffmpeg has no
// capture stamp (the origin's clock gives PDT), so RTMP/SRT legs are "ingest to glass". Prints figures.
import { join } from 'node:path';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { launchBrowser, ROOT } from '../../e2e/lib/browser.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';
import { BIN, freePort } from '../../e2e/lib/procs.mjs';
import { WASM_DIR, ORIGIN_BIN, startOrigin, openPlayer, stats } from '../playback/lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS || 60);
const WARMUP = 3; // seconds of each leg not counted (start-up)
const RELAY_BIN = join(BIN, 'livescope-relay');
const pct = (xs, p) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (!existsSync(ORIGIN_BIN) || !existsSync(RELAY_BIN) || !existsSync(join(WASM_DIR, 'studio.html'))) {
  console.log(`golive bench: skipped (needs ${ORIGIN_BIN}, ${RELAY_BIN} and ${WASM_DIR}/studio.html)`);
  process.exit(0);
}
const help = spawnSync(ORIGIN_BIN, ['--help'], { encoding: 'utf8' });
const helpText = `${help.stdout}${help.stderr}`;
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'livescope-golive-'));
const secretFile = join(dir, 'secret');
writeFileSync(secretFile, 'golive-bench-secret-0123456789abcdef', { mode: 0o600 });
const mint = (name) => execFileSync(RELAY_BIN, ['mint-token', '--secret-file', secretFile, '--name', name, '--role', 'broadcaster', '--ttl', '3600'], { encoding: 'utf8' }).trim();
const extra = [];
const rtmpPort = /--rtmp-port/.test(helpText) && hasFfmpeg ? await freePort() : 0;
const srtPort = /--srt-port/.test(helpText) && hasFfmpeg ? await freePort() : 0;
if (rtmpPort) extra.push('--rtmp-port', String(rtmpPort));
if (srtPort) extra.push('--srt-port', String(srtPort));

const origin = await startOrigin(['--no-demo', '--secret-file', secretFile, '--grace', '2', ...extra]).catch(async () =>
  // An origin that prints its ready line only with the demo: keep the demo.
  startOrigin(['--secret-file', secretFile, '--grace', '2', ...extra]));
const base = new URL(origin.url).origin;
const wasm = await serveStatic(WASM_DIR);
const root = await serveStatic(ROOT);
const browser = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
const rows = [];

async function waitLive(name, timeoutMs = 40000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const list = await (await fetch(`${base}/live/index.json`)).json().catch(() => ({ broadcasts: [] }));
    if (list.broadcasts.some((b) => b.name === name && b.state === 'live')) return true;
    await sleep(250);
  }
  return false;
}

// Watches `name` with both players for SECONDS; returns the row.
async function watch(label, kind, name) {
  const src = `${base}/live/${name}/master.m3u8`;
  const ours = await openPlayer(browser, wasm.url, src);
  const ref = await browser.context.newPage();
  await ref.goto(`${root.url}/tests/bench/playback/hlsjs.html?src=${encodeURIComponent(src)}`);
  const a = [], b = [];
  let s = {}, r = {};
  for (let i = 0; i < SECONDS + WARMUP; i++) {
    await sleep(1000);
    s = await stats(ours).catch(() => ({}));
    r = await ref.evaluate(() => window.bench).catch(() => ({}));
    if (i >= WARMUP) { a.push(s.latency); b.push(r.latency); }
  }
  await ours.close(); await ref.close();
  const row = { label, kind, ours: [pct(a, 0.5), pct(a, 0.95)], hls: [pct(b, 0.5), pct(b, 0.95)], samples: a.filter(Number.isFinite).length,
    note: `stalls ${s.stalls ?? 'n/a'}, errors ${s.errors ?? 'n/a'}${r.error ? `, hls.js error ${r.error}` : ''}` };
  rows.push(row);
  console.log(`  ${label.padEnd(22)} ${kind.padEnd(15)} livescope ${f(row.ours[0])} / ${f(row.ours[1])} s   hls.js ${f(row.hls[0])} / ${f(row.hls[1])} s   (${row.note})`);
}

async function studioLeg(encoder) {
  const name = `golive-${encoder === 'webcodecs' ? 'wc' : 'mr'}`;
  const page = await browser.context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  const fragment = new URLSearchParams({ origin: base, name, title: `bench ${encoder}`, key: mint(name) });
  await page.goto(`${wasm.url}/studio.html?encoder=${encoder}#${fragment}`);
  await page.waitForFunction(() => document.documentElement.dataset.studio === 'idle', null, { timeout: 15000 });
  await page.click('#studio-button');
  const ok = await page.waitForFunction(() => document.documentElement.dataset.studio === 'live', null, { timeout: 20000 }).then(() => true, () => false);
  if (!ok || !(await waitLive(name))) {
    console.log(`  studio ${encoder}: did not go live (${await page.evaluate(() => document.getElementById('studio-message').textContent).catch(() => '?')}) ${logs.slice(-5).join(' | ')}`);
    await page.close();
    return;
  }
  const mime = await page.evaluate(() => document.documentElement.dataset.studioMime);
  await watch(`studio ${encoder}`, 'glass-to-glass', name);
  console.log(`    (studio sent ${mime})`);
  await page.click('#studio-button').catch(() => {});
  await page.waitForFunction(() => document.documentElement.dataset.studio === 'ended', null, { timeout: 10000 }).catch(() => {});
  await page.close();
}

async function ffmpegLeg(protocol, port) {
  const name = `golive-${protocol}`;
  const key = mint(name);
  const input = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-re', '-f', 'lavfi',
    '-i', 'sine=frequency=440:sample_rate=48000', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '60',
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k'];
  const out = protocol === 'rtmp' ? ['-f', 'flv', `rtmp://127.0.0.1:${port}/live/${key}`]
    : ['-f', 'mpegts', `srt://127.0.0.1:${port}?streamid=${encodeURIComponent(key)}&latency=120000`];
  const child = spawn('ffmpeg', [...input, ...out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err = (err + d).slice(-500); });
  try {
    if (!(await waitLive(name))) { console.log(`  ${protocol}: did not go live (${err.trim() || 'no ffmpeg output'})`); return; }
    await watch(`${protocol} (ffmpeg -re)`, 'ingest-to-glass', name);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => { if (child.exitCode !== null) r(); else child.on('exit', r); setTimeout(r, 3000); });
  }
}

try {
  console.log(`golive bench (${SECONDS} s per leg after ${WARMUP} s, origin light ladder 360p, 200 ms parts; latency p50 / p95):`);
  await studioLeg('webcodecs');
  await studioLeg('mediarecorder');
  if (rtmpPort) await ffmpegLeg('rtmp', rtmpPort); else console.log('  rtmp: skipped (no --rtmp-port in livescope-origin --help, or no ffmpeg)');
  if (srtPort) await ffmpegLeg('srt', srtPort); else console.log('  srt: skipped (no --srt-port in livescope-origin --help, or no ffmpeg)');
  console.log('  goal (issue 11): studio glass-to-glass p50 <= 1.00 s');
} finally {
  await browser.close(); await wasm.close(); await root.close(); await origin.stop();
  rmSync(dir, { recursive: true, force: true });
}
