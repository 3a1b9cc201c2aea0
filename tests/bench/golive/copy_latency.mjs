// Copy vs transcode bench without a browser (prints figures, never pass/fail): a node publisher sends a 1280x720 30 fps
// H.264 Baseline clip (made with ffmpeg, a key frame every 2 s) in the studio's livescope-frames framing, version 2
// header, stamped with the wall clock as it sends each frame; once to an origin that copies it into its top rendition
// and once to one with --top-copy off (ladder 720p,360p both). For each: how long after a frame is "captured" the top
// rendition lists the part that ends with it (the newest part's PROGRAM-DATE-TIME end against the clock, polled every
// 20 ms), and the encoder's and origin's CPU. Run: node tests/bench/golive/copy_latency.mjs (COPY_SECONDS, default 15).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startProcess } from '../../e2e/lib/procs.mjs';
import { openPublisher } from '../../e2e/lib/ingest.mjs';
import { newestPart } from './pdt.mjs';
import { EncodeStreamHeader, EncodeFrame, CODEC_IDS } from '../../../web/runtime/studio-logic.js';

const SECONDS = Number(process.env.COPY_SECONDS || 15);
const WARMUP_S = 3;
const ORIGIN = join(BIN, 'livescope-origin');
const RELAY = join(BIN, 'livescope-relay');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
if (!existsSync(ORIGIN) || !existsSync(RELAY)) { console.log('copy_latency bench: skipped (build the native preset)'); process.exit(0); }

const dir = mkdtempSync(join(tmpdir(), 'livescope-copylat-'));
const secretFile = join(dir, 'secret');
writeFileSync(secretFile, 'copy-latency-bench-secret-0123456789', { mode: 0o600 });
const clipPath = join(dir, 'clip.h264');
execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${SECONDS + WARMUP_S + 5}`,
  '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-b:v', '1500k',
  '-x264-params', 'keyint=60:min-keyint=60:scenecut=0:aud=1', '-f', 'h264', clipPath]);
// Access units: split at each access unit delimiter (NAL type 9).
const clip = readFileSync(clipPath);
const starts = [];
for (let i = 0; i + 3 < clip.length; i++) // a 3-byte start code (or the end of a 4-byte one) before an AUD
  if (clip[i] === 0 && clip[i + 1] === 0 && clip[i + 2] === 1 && (clip[i + 3] & 0x1f) === 9) starts.push(i > 0 && clip[i - 1] === 0 ? i - 1 : i);
const units = starts.map((s, k) => clip.subarray(s, k + 1 < starts.length ? starts[k + 1] : clip.length));
const isKey = (au) => { for (let i = 0; i + 3 < au.length; i++) if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1 && (au[i + 3] & 0x1f) === 5) return true; return false; };

function cpuSeconds(pid) {
  try { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); const x = s.slice(s.lastIndexOf(')') + 2).split(' '); return (Number(x[11]) + Number(x[12])) / 100; } catch { return NaN; }
}

async function leg(label, extra) {
  const origin = await startProcess(ORIGIN, ['--port', '0', '--no-demo', '--secret-file', secretFile, '--renditions', '720p,360p', ...extra],
    { ready: /ready (http\S+)/, timeoutMs: 30000, tag: 'origin' });
  const base = origin.output.map((l) => l.match(/ready (http:\/\/[^/\s]+)/)).find(Boolean)[1];
  const key = execFileSync(RELAY, ['mint-token', '--secret-file', secretFile, '--name', 'lat', '--role', 'broadcaster', '--ttl', '600'], { encoding: 'utf8' }).trim();
  const pub = await openPublisher(Number(new URL(base).port), '/ingest/lat', { protocol: `livescope-ingest, ${key}, livescope-frames` });
  await pub.send(Buffer.from(EncodeStreamHeader([{ id: 0, codec: CODEC_IDS.h264, width: 1280, height: 720 }], { headerVersion: 2, keyframeMs: 2000, bitrate: 1500000 })));
  const t0 = performance.now();
  let stop = false;
  const sender = (async () => {
    for (let i = 0; i < units.length && !stop; i++) {
      const due = t0 + i * 1000 / 30;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (!(await pub.send(Buffer.from(EncodeFrame(0, isKey(units[i]), Date.now() * 1000, 33333, units[i]))))) break;
    }
  })();
  const url = `${base}/live/lat/720p/index.m3u8`;
  const leads = [];
  let last = '', cpu0 = null, top = '?';
  const end = performance.now() + (SECONDS + WARMUP_S) * 1000;
  while (performance.now() < end) {
    const text = await (await fetch(url)).text().catch(() => '');
    const now = Date.now();
    const { uri, endMs } = newestPart(text);
    const warm = performance.now() - t0 > WARMUP_S * 1000;
    if (warm && !cpu0) {
      const pid = Number((origin.output.map((l) => l.match(/lat: ffmpeg started \(pid (\d+)/)).filter(Boolean).pop() || [])[1]);
      cpu0 = { t: performance.now(), pid, ffmpeg: cpuSeconds(pid), origin: cpuSeconds(origin.child.pid) };
      top = ((await (await fetch(`${base}/live/index.json`)).json()).broadcasts.find((b) => b.name === 'lat') || {}).top;
    }
    if (uri && uri !== last && Number.isFinite(endMs)) { if (last && warm) leads.push((now - endMs) / 1000); last = uri; }
    await sleep(20);
  }
  const wall = (performance.now() - cpu0.t) / 1000;
  const cpu = { ffmpeg: (cpuSeconds(cpu0.pid) - cpu0.ffmpeg) / wall * 100, origin: (cpuSeconds(origin.child.pid) - cpu0.origin) / wall * 100 };
  stop = true;
  await sender;
  pub.destroy();
  await origin.stop();
  console.log(`  ${label.padEnd(28)} top ${String(top).padEnd(9)} capture to part listed p50 ${f(pct(leads, 0.5))} s, p95 ${f(pct(leads, 0.95))} s ` +
    `(${leads.length} parts)   CPU encoder ${f(cpu.ffmpeg, 1)} %, origin ${f(cpu.origin, 1)} %`);
}

try {
  console.log(`copy_latency bench (${SECONDS} s per leg after ${WARMUP_S} s; 1280x720 30 fps H.264 Baseline from node, ladder 720p,360p; CPU of one core):`);
  await leg('copying origin', []);
  if (!process.env.COPY_ONLY) await leg('--top-copy off', ['--top-copy', 'off']);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
