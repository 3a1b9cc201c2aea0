// Go-live bench: for each way in, a broadcast on one origin watched by a livescope widget and by hls.js
// (lowLatencyMode) in the same Chromium; latency = now − PROGRAM-DATE-TIME of the frame on screen, sampled once a
// second. The studio stamps capture time, so for its legs that is glass to glass on this one machine; ffmpeg has no
// capture stamp (the origin's clock gives PDT), so RTMP/SRT legs are "ingest to glass". The WebCodecs studio runs twice
// on the ladder 720p,360p: on an origin that copies its H.264 into the top rendition, and on one with --top-copy off;
// each leg prints the origin's and its encoder's CPU. hls.js's latency is read at each sample (now − hls.playingDate,
// computed in the page at that moment), not kept from its last animation frame. Prints figures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync, spawnSync } from 'node:child_process';
import { launchBrowser, ROOT } from '../../e2e/lib/browser.mjs';
import { serveStatic } from '../../e2e/lib/static.mjs';
import { BIN, freePort } from '../../e2e/lib/procs.mjs';
import { WASM_DIR, ORIGIN_BIN, startOrigin, openPlayer, stats } from '../playback/lib.mjs';
import { pdtLeads } from './pdt.mjs';
import { spawnPublisher } from './publish.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS || 60);
// GOLIVE_LEGS: which legs, a comma list of copy, transcode, mediarecorder, rtmp, srt (default: all).
const LEGS = new Set((process.env.GOLIVE_LEGS || 'copy,transcode,mediarecorder,rtmp,srt').split(',').map((x) => x.trim()));
const WARMUP = 3; // seconds of each leg not counted (start-up)
const RELAY_BIN = join(BIN, 'livescope-relay');
const pct = (xs, p) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const loadAverage = () => { try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { return '?'; } };

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

const LADDER = ['--renditions', '720p,360p']; // the top rendition at the studio camera's 1280x720: copied when it fits
const origin = await startOrigin(['--no-demo', '--secret-file', secretFile, '--grace', '2', ...LADDER, ...extra]);
const transcoding = /--top-copy/.test(helpText) ? await startOrigin(['--no-demo', '--secret-file', secretFile, '--grace', '2', ...LADDER, '--top-copy', 'off']) : null;
const base = new URL(origin.url).origin;

// CPU time of a process so far, in seconds (utime + stime from /proc; the clock tick is 100 Hz on Linux).
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch { return NaN; }
}
// The pid of the broadcast's current ffmpeg child, from the origin's log.
function encoderPid(originProc, name) {
  const re = new RegExp(`${name}: ffmpeg started \\(pid (\\d+)`);
  const hits = originProc.output.map((l) => l.match(re)).filter(Boolean);
  return hits.length ? Number(hits[hits.length - 1][1]) : 0;
}
const wasm = await serveStatic(WASM_DIR);
const root = await serveStatic(ROOT);
const browser = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
const rows = [];

async function waitLive(name, timeoutMs = 40000, at = base) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const list = await (await fetch(`${at}/live/index.json`)).json().catch(() => ({ broadcasts: [] }));
    const found = list.broadcasts.find((b) => b.name === name && b.state === 'live');
    if (found) return found;
    await sleep(250);
  }
  return null;
}

// How far the newest listed part's PROGRAM-DATE-TIME (its end) is ahead of the wall clock when it appears in the
// playlist (polled every 50 ms for `seconds`): p50 and max in seconds. Above 0, PDT runs ahead of real time, and a
// player near the live edge reads now − PDT below 0 whatever its clock (the RTMP/SRT question in docs/ingest.md).
async function pdtLead(url, seconds) {
  const leads = await pdtLeads(url, seconds);
  return [pct(leads, 0.5), leads.length ? Math.max(...leads) : NaN];
}

// Watches `name` with both players for SECONDS; returns the row. `at` = { base, proc }: the origin serving it.
async function watch(label, kind, name, at = { base, proc: origin.proc }) {
  const src = `${at.base}/live/${name}/master.m3u8`;
  const ours = await openPlayer(browser, wasm.url, src);
  const ref = await browser.context.newPage();
  await ref.goto(`${root.url}/tests/bench/playback/hlsjs.html?src=${encodeURIComponent(src)}`);
  const a = [], b = [];
  let s = {}, r = {};
  const originPid = at.proc.child.pid, ffmpegPid = encoderPid(at.proc, name);
  let cpu0 = null;
  const lead = pdtLead(`${at.base}/live/${name}/720p/index.m3u8`, Math.min(10, SECONDS)); // the top rendition
  for (let i = 0; i < SECONDS + WARMUP; i++) {
    await sleep(1000);
    if (i === WARMUP - 1) cpu0 = { t: performance.now(), origin: cpuSeconds(originPid), ffmpeg: cpuSeconds(ffmpegPid) };
    s = await stats(ours).catch(() => ({}));
    // hls.js's PDT of the frame at currentTime, taken now (its hlsjs.html keeps the value of its last animation frame,
    // which a page that is not drawing stops updating).
    r = await ref.evaluate(() => ({ latency: hls.playingDate ? (Date.now() - hls.playingDate.getTime()) / 1000 : NaN, error: window.bench.error,
      time: document.getElementById('v').currentTime })).catch(() => ({}));
    if (i >= WARMUP) { a.push(s.latency); b.push(r.latency); }
  }
  const wall = (performance.now() - cpu0.t) / 1000;
  const cpu = { origin: (cpuSeconds(originPid) - cpu0.origin) / wall * 100, ffmpeg: (cpuSeconds(ffmpegPid) - cpu0.ffmpeg) / wall * 100 };
  await ours.close(); await ref.close();
  const leads = await lead;
  const row = { label, kind, ours: [pct(a, 0.5), pct(a, 0.95)], hls: [pct(b, 0.5), pct(b, 0.95)], samples: a.filter(Number.isFinite).length, cpu,
    note: `stalls ${s.stalls ?? 'n/a'}, errors ${s.errors ?? 'n/a'}${r.error ? `, hls.js error ${r.error}` : ''}` };
  rows.push(row);
  console.log(`  ${label.padEnd(30)} ${kind.padEnd(15)} livescope ${f(row.ours[0])} / ${f(row.ours[1])} s   hls.js ${f(row.hls[0])} / ${f(row.hls[1])} s   ` +
    `CPU origin ${f(cpu.origin, 1)} %, encoder ${f(cpu.ffmpeg, 1)} %   PDT ahead of the clock at listing ${f(leads[0])} / max ${f(leads[1])} s   (${row.note}; load ${loadAverage()})`);
}

async function studioLeg(encoder, at = { base, proc: origin.proc, label: '' }) {
  const name = `golive-${encoder === 'webcodecs' ? 'wc' : 'mr'}${at.label ? '-t' : ''}`;
  const page = await browser.context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  const fragment = new URLSearchParams({ origin: at.base, name, title: `bench ${encoder}`, key: mint(name) });
  await page.goto(`${wasm.url}/studio.html?encoder=${encoder}#${fragment}`);
  await page.waitForFunction(() => document.documentElement.dataset.studio === 'idle', null, { timeout: 15000 });
  await page.click('#studio-button');
  const ok = await page.waitForFunction(() => document.documentElement.dataset.studio === 'live', null, { timeout: 20000 }).then(() => true, () => false);
  const live = ok ? await waitLive(name, 40000, at.base) : null;
  if (!live) {
    console.log(`  studio ${encoder}: did not go live (${await page.evaluate(() => document.getElementById('studio-message').textContent).catch(() => '?')}) ${logs.slice(-5).join(' | ')}`);
    await page.close();
    return;
  }
  const mime = await page.evaluate(() => document.documentElement.dataset.studioMime);
  await watch(`studio ${encoder}, top ${live.top || '?'}`, 'glass-to-glass', name, at);
  console.log(`    (studio sent ${mime})`);
  await page.click('#studio-button').catch(() => {});
  await page.waitForFunction(() => document.documentElement.dataset.studio === 'ended', null, { timeout: 10000 }).catch(() => {});
  await page.close();
}

async function ffmpegLeg(protocol, port) {
  const name = `golive-${protocol}`;
  const key = mint(name);
  const publisher = spawnPublisher(protocol, port, key);
  try {
    if (!(await waitLive(name))) { console.log(`  ${protocol}: did not go live (${publisher.err().trim() || 'no ffmpeg output'})`); return; }
    await watch(`${protocol} (ffmpeg -re)`, 'ingest-to-glass', name);
  } finally {
    await publisher.stop();
  }
}

try {
  console.log(`golive bench (${SECONDS} s per leg after ${WARMUP} s, ladder 720p,360p, 200 ms parts; latency p50 / p95; CPU of one core):`);
  if (LEGS.has('copy')) await studioLeg('webcodecs');
  if (!LEGS.has('transcode')) { /* skipped */ } else if (transcoding) await studioLeg('webcodecs', { base: new URL(transcoding.url).origin, proc: transcoding.proc, label: 'top-copy off' });
  else console.log('  studio webcodecs on --top-copy off: skipped (no --top-copy in livescope-origin --help)');
  if (LEGS.has('mediarecorder')) await studioLeg('mediarecorder');
  if (!LEGS.has('rtmp')) { /* skipped */ } else if (rtmpPort) await ffmpegLeg('rtmp', rtmpPort); else console.log('  rtmp: skipped (no --rtmp-port in livescope-origin --help, or no ffmpeg)');
  if (!LEGS.has('srt')) { /* skipped */ } else if (srtPort) await ffmpegLeg('srt', srtPort); else console.log('  srt: skipped (no --srt-port in livescope-origin --help, or no ffmpeg)');
  console.log('  goal (issue 11): studio glass-to-glass p50 <= 1.00 s');
} finally {
  await browser.close(); await wasm.close(); await root.close(); await origin.stop();
  if (transcoding) await transcoding.stop();
  rmSync(dir, { recursive: true, force: true });
}
