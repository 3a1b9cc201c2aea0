// e2e: livescope-probe FILE_OR_URL prints the playlist as camelCase JSON (exit 0), "line N: reason (invalid playlist)"
// (exit 2) for a playlist that breaks the spec, "line N: reason (unsupported by livescope)" (exit 3) for one that is
// valid but not played, and a clear message (exit 1) for anything else (docs/hls.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/browser.mjs';
import { BIN, freePort, runToExit } from './lib/procs.mjs';
import { serveStatic } from './lib/static.mjs';

const PROBE = join(BIN, 'livescope-probe');
const FIX = join(ROOT, 'tests', 'fixtures', 'hls');
const probe = (...args) => spawnSync(PROBE, args, { encoding: 'utf8', timeout: 30000 });
// Asynchronous variant, for when this process also serves the HTTP the probe fetches.
const probeAsync = (...args) => runToExit(PROBE, args, 30000).then((r) => ({ status: r.code, stdout: r.stdout, stderr: r.stderr }));

test('probe prints a media playlist with the agreed keys', () => {
  assert.ok(existsSync(PROBE), `${PROBE} missing: build livescope-probe first`);
  const r = probe(join(FIX, 'll_media.m3u8'));
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.type, 'media');
  for (const k of ['targetDuration', 'mediaSequence', 'discontinuitySequence', 'endList', 'partTarget']) assert.ok(k in j, k);
  assert.deepEqual(Object.keys(j.serverControl).sort(), ['canBlockReload', 'canSkipDateRanges', 'canSkipUntil', 'holdBack', 'partHoldBack']);
  assert.equal(j.partTarget, 0.2);
  assert.equal(j.mediaSequence, 100);
  for (const k of ['uri', 'duration', 'discontinuity', 'programDateTime', 'gap', 'byteRange', 'parts']) assert.ok(k in j.segments[0], k);
  for (const k of ['uri', 'duration', 'independent', 'gap', 'byteRange']) assert.ok(k in j.segments[1].parts[0], k);
  const tail = j.segments.at(-1);
  assert.ok(!('uri' in tail), 'trailing parts entry has no uri');
  assert.equal(tail.parts.length, 3);
  assert.equal(tail.discontinuity, true);
  assert.equal(tail.parts[2].gap, true);
  assert.deepEqual(Object.keys(j.preloadHints[0]).sort(), ['byteRangeLength', 'byteRangeStart', 'type', 'uri']);
  assert.deepEqual(j.renditionReports[0].lastMsn, 102);
  assert.deepEqual(j.renditionReports[0].lastPart, 2);
  assert.ok('skip' in j);
});

test('probe prints a multivariant playlist with variants and media', () => {
  const r = probe(join(FIX, 'multivariant.m3u8'));
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.type, 'multivariant');
  assert.equal(j.variants.length, 2);
  assert.deepEqual({ bw: j.variants[0].bandwidth, res: j.variants[0].resolution, fr: j.variants[0].frameRate },
    { bw: 2500000, res: '1280x720', fr: 30 });
  assert.equal(j.variants[0].codecs, 'avc1.64001f,mp4a.40.2');
  assert.ok(j.variants[0].uri.endsWith('/tests/fixtures/hls/720p/index.m3u8'));
  assert.deepEqual(Object.keys(j.media[0]).filter((k) => ['type', 'groupId', 'name', 'uri'].includes(k)).sort(), ['groupId', 'name', 'type', 'uri']);
  assert.equal(j.iFrameVariants.length, 1);
});

test('probe reports a skip (delta) update', () => {
  const j = JSON.parse(probe(join(FIX, 'delta_update.m3u8')).stdout);
  assert.equal(j.skip.skippedSegments, 5);
  assert.equal(j.segments[0].msn, 105);
  assert.deepEqual(j.segments[1].parts[1].byteRange, { offset: 1000, length: 800 });
});

test('probe exits 2 with "line N: reason (invalid playlist)" on playlists that break the spec', () => {
  for (const [file, re] of [['bad_duplicate_part_inf.m3u8', /^line 4: duplicate EXT-X-PART-INF \(invalid playlist\)$/m],
    ['bad_truncated.m3u8', /^line 3: .*truncated.* \(invalid playlist\)$/m],
    ['bad_mixed_session_data.m3u8', /^line 3: multivariant tag in a media playlist .* \(invalid playlist\)$/m]]) {
    const r = probe(join(FIX, file));
    assert.equal(r.status, 2, file);
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '');
  }
});

test('probe exits 3 with "line N: reason (unsupported by livescope)" on valid playlists it does not play', () => {
  const r = probe(join(FIX, 'unsupported_sample_aes.m3u8'));
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /^line 3: unsupported encryption: EXT-X-KEY METHOD=SAMPLE-AES .*\(unsupported by livescope\)$/m);
  assert.equal(r.stdout, '');
});

test('probe prints AES-128 keys with their IVs, and takes what real servers write', () => {
  let r = probe(join(FIX, 'aes128.m3u8'));
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.ok(j.segments[0].key.uri.endsWith('/tests/fixtures/hls/keys/a.key'));
  assert.equal(j.segments[0].key.iv, '0x0000000000000000000000000000000a'); // from the media sequence number
  assert.equal(j.segments[0].key.ivFromSequence, true);
  assert.equal(j.segments[1].key.iv, '0x00000000000000000000000000000abc');
  r = probe(join(FIX, 'll_byterange_tolerant.m3u8'));
  assert.equal(r.status, 0, r.stderr);
  const ll = JSON.parse(r.stdout);
  assert.equal(ll.mediaSequence, 20);
  assert.deepEqual(ll.segments[0].parts.map((p) => p.byteRange), [{ offset: 720, length: 10000 }, { offset: 10720, length: 9000 }]);
});

test('probe exits 1 with a clear message when the source cannot be read or reached', async () => {
  let r = probe(join(FIX, 'does-not-exist.m3u8'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot read/);
  const port = await freePort();
  r = probe(`http://127.0.0.1:${port}/live/master.m3u8`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot fetch .*Connection refused/i);
  const server = await serveStatic(FIX);
  try {
    const ok = await probeAsync(`${server.url}/ll_media.m3u8`);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).segments[0].uri, `${server.url}/seg100.m4s`);
    const missing = await probeAsync(`${server.url}/nope.m3u8`);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /HTTP 404/);
    // --follow stops on the session's fatal error and exits with the same codes.
    const unsupported = await probeAsync('--follow', '10', `${server.url}/unsupported_sample_aes.m3u8`);
    assert.equal(unsupported.status, 3, unsupported.stderr);
    assert.match(unsupported.stderr, /livescope-probe: unsupported-playlist: line 3: unsupported encryption: .*\(unsupported by livescope\)/);
    const invalid = await probeAsync('--follow', '10', `${server.url}/bad_duplicate_part_inf.m3u8`);
    assert.equal(invalid.status, 2, invalid.stderr);
    assert.match(invalid.stderr, /livescope-probe: invalid-playlist: line 4: duplicate EXT-X-PART-INF \(invalid playlist\)/);
  } finally {
    await server.close();
  }
});
