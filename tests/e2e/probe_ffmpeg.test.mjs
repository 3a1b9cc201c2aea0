// e2e: livescope-probe --follow keeps up with FFmpeg's own live `hls` muxer output (MPEG-TS and fMP4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startProcess, runToExit } from './lib/procs.mjs';
import { serveStatic } from './lib/static.mjs';

const PROBE = join(BIN, 'livescope-probe');
const FOLLOW_S = 10;

const runProbe = (args, timeoutMs) => runToExit(PROBE, args, timeoutMs);

async function waitForSegments(file, count, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (existsSync(file) && (readFileSync(file, 'utf8').match(/#EXTINF/g) || []).length >= count) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no live playlist with ${count} segments in ${file} after ${timeoutMs} ms`);
}

async function followFfmpeg(t, segmentType) {
  assert.ok(existsSync(PROBE), `${PROBE} missing: build the native preset first (cmake --build build/native --target livescope-probe)`);
  const dir = mkdtempSync(join(tmpdir(), `livescope-ffhls-${segmentType}-`));
  let ffmpeg = null, server = null;
  try {
    ffmpeg = await startProcess('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-c:a', 'aac', '-b:a', '64k',
      '-f', 'hls', '-hls_time', '1', '-hls_list_size', '6', '-hls_flags', 'delete_segments',
      '-hls_segment_type', segmentType, join(dir, 'index.m3u8'),
    ], { tag: `ffmpeg-${segmentType}` });
    await waitForSegments(join(dir, 'index.m3u8'), 2, 20000);
    server = await serveStatic(dir);
    const url = `${server.url}/index.m3u8`;
    const run = await runProbe(['--follow', String(FOLLOW_S), url], (FOLLOW_S + 20) * 1000);
    const lines = run.stdout.trim().split('\n');
    const last = lines.find((l) => l.startsWith('summary-json '));
    assert.ok(last, `no summary-json line\nstdout:\n${run.stdout.slice(-3000)}\nstderr:\n${run.stderr.slice(-3000)}`);
    const s = JSON.parse(last.slice('summary-json '.length));
    t.diagnostic(`${segmentType}: ${lines.filter((l) => l.startsWith('summary:')).join(' | ')}`);
    assert.equal(run.code, 0, run.stderr);
    // --follow N: it kept following the live playlist until N s and then stopped by itself (runToExit's
    // timeout bounds the run; how close to N it stops is a figure, printed, not asserted).
    t.diagnostic(`${segmentType}: followed for ${s.duration} s (asked ${FOLLOW_S} s)`);
    assert.ok(s.duration >= FOLLOW_S - 0.5, `stopped following after ${s.duration} s of ${FOLLOW_S} s`);
    assert.equal(s.errors, 0, `errors:\n${run.stderr.slice(-3000)}`);
    assert.equal(s.http4xx + s.http5xx + s.transportErrors, 0);
    assert.ok(s.playlistLoads >= 5, `only ${s.playlistLoads} playlist loads`);
    assert.ok(s.segmentsLoaded >= 5, `only ${s.segmentsLoaded} segments loaded`);
    assert.ok(s.mediaBytes > 50000, `only ${s.mediaBytes} media bytes`);
    if (segmentType === 'fmp4') assert.ok(s.initBytes > 0, 'no init segment (EXT-X-MAP) fetched');
    assert.equal(s.events.FellBehind ?? 0, 0, 'fell off the live playlist');
  } finally {
    if (ffmpeg) await ffmpeg.stop();
    if (server) await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('probe follows a live FFmpeg HLS stream with MPEG-TS segments', async (t) => { await followFfmpeg(t, 'mpegts'); });
test('probe follows a live FFmpeg HLS stream with fMP4 segments', async (t) => { await followFfmpeg(t, 'fmp4'); });
