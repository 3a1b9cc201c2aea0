// RTMP PROGRAM-DATE-TIME bench (prints figures, never pass/fail), no browser: one origin with --rtmp-port and
// --srt-port; ffmpeg -re pushes testsrc2 + sine (as golive's RTMP/SRT legs) over RTMP, then over SRT as the reference
// from the same run; for each, how far the 720p rendition's newest part's PDT (its end) is ahead of the wall clock when
// it is listed (polled every 50 ms; below 0: listed that long after its media was pushed), and what the origin logged
// about the stream's tracks. RTMP_PDT_SECONDS (default 15) per leg after a 3 s warm-up; RTMP_PDT_VIDEO_ONLY=1 adds an
// RTMP leg without audio. Assumes build/native. Run: node tests/bench/golive/rtmp_pdt.mjs
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { freePort } from '../../e2e/lib/procs.mjs';
import { mintKey } from '../../e2e/lib/ingest.mjs';
import { ORIGIN_BIN, startOrigin } from '../playback/lib.mjs';
import { pdtLeads } from './pdt.mjs';
import { spawnPublisher } from './publish.mjs';

const SECONDS = Number(process.env.RTMP_PDT_SECONDS || 15);
const WARMUP = 3; // seconds of each leg not counted
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const f = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}` : 'n/a');
const loadAverage = () => { try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { return '?'; } };

if (!existsSync(ORIGIN_BIN) || spawnSync('ffmpeg', ['-version']).status !== 0) {
  console.log(`rtmp pdt bench: skipped (needs ${ORIGIN_BIN} and ffmpeg)`);
  process.exit(0);
}
const secret = 'rtmp-pdt-bench-secret-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'livescope-rtmp-pdt-'));
const secretFile = join(dir, 'secret');
writeFileSync(secretFile, secret, { mode: 0o600 });
const rtmpPort = await freePort();
const srtPort = await freePort();
const origin = await startOrigin(['--no-demo', '--secret-file', secretFile, '--grace', '2', '--renditions', '720p,360p',
  '--rtmp-port', String(rtmpPort), '--srt-port', String(srtPort)]);
const base = new URL(origin.url).origin;

async function leg(protocol, { audio = true } = {}) {
  const name = `pdt-${protocol}${audio ? '' : '-video-only'}`;
  const key = mintKey(name, secret);
  const publisher = spawnPublisher(protocol, protocol === 'rtmp' ? rtmpPort : srtPort, key, { audio });
  try {
    const url = `${base}/live/${name}/720p/index.m3u8`;
    let live = false;
    for (let i = 0; i < 150 && !live; i++) {
      const text = await (await fetch(url)).text().catch(() => '');
      live = text.includes('#EXT-X-PART:');
      if (!live) await sleep(100);
    }
    if (!live) { console.log(`  ${protocol}: did not go live (${publisher.err().trim() || 'no ffmpeg output'})`); return; }
    await sleep(WARMUP * 1000);
    const leads = await pdtLeads(url, SECONDS);
    const logged = origin.proc.output.filter((l) => l.includes(`${name}:`) && /carries|PROGRAM-DATE-TIME/.test(l)).map((l) => l.replace(/^.*?livescope-origin: /, ''));
    console.log(`  ${`${protocol}${audio ? '' : ' video only'}`.padEnd(4)} PDT ahead of the clock at listing p50 ${f(pct(leads, 0.5))} s, min ${f(Math.min(...leads))}, max ${f(Math.max(...leads))} s ` +
      `(${leads.length} parts; load ${loadAverage()})`);
    for (const line of logged) console.log(`       origin: ${line}`);
  } finally {
    await publisher.stop();
  }
}

try {
  console.log(`rtmp pdt bench (${SECONDS} s per leg after ${WARMUP} s, ladder 720p,360p; SRT is the reference):`);
  await leg('rtmp');
  await leg('srt');
  if (process.env.RTMP_PDT_VIDEO_ONLY === '1') await leg('rtmp', { audio: false });
} finally {
  await origin.stop();
  rmSync(dir, { recursive: true, force: true });
}
