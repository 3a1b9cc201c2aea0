// e2e (origin, node only): input the origin must survive. One origin for the file (the demo test pattern is the
// control broadcast, followed by livescope-probe through every case); publishers push over the WebSocket ingest
// (tests/e2e/lib/ingest.mjs) clips made here with ffmpeg: garbage (random, and an MPEG-TS start then garbage), a 4K60
// input (scaled to the ladder at 30 fps), audio-only (black video added) and video-only (silence added) streams, a
// lossy publisher (bursts, a stall, bytes lost mid-stream), a publisher that vanishes with its TCP connection open
// (noticed, then the grace: EXT-X-DISCONTINUITY when it returns, EXT-X-ENDLIST when it does not), and two publishers
// on one key (the second refused with close code 4409, the first unaffected). Loopback only; every wait is bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startProcess, runToExit } from './lib/procs.mjs';
import { closeFrameOf, mintKey as mintKeyWith, openPublisher, pushRealTime, tryPublish } from './lib/ingest.mjs';
import { waitFor as waitUntil } from './lib/wait.mjs';

const ORIGIN = join(BIN, 'livescope-origin');
const PROBE = join(BIN, 'livescope-probe');
const SECRET = 'e2e-survival-secret-0123456789';
const GRACE_S = 4; // --grace for this file
const LADDER = [['360p', 640, 360], ['240p', 426, 240]]; // --renditions 360p,240p: light, and two sizes to check

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const key = (name) => mintKeyWith(name, SECRET);
const missing = !existsSync(ORIGIN) || !existsSync(PROBE);

let origin, base, port, dir;
const clips = {};
const publishers = [];

// The origin's last lines come with a timeout, to say what it was doing.
const waitFor = (what, check, timeoutMs = 30000) =>
  waitUntil(what, check, timeoutMs, 200).catch((e) => { throw new Error(`${e.message}\n${origin.output.slice(-15).join('\n')}`); });

const listed = async () => (await (await fetch(`${base}/live/index.json`)).json()).broadcasts;
const entry = async (name) => (await listed()).find((b) => b.name === name);
const playlist = async (name, rendition = '240p') => {
  const response = await fetch(`${base}/live/${name}/${rendition}/index.m3u8`);
  return response.status === 200 ? response.text() : '';
};
const partCount = (text) => (text.match(/#EXT-X-PART:/g) || []).length;

// livescope-probe --follow on a broadcast: its summary (requests, errors, parts loaded).
async function follow(name, seconds) {
  const run = await runToExit(PROBE, ['--follow', String(seconds), `${base}/live/${name}/master.m3u8`], (seconds + 30) * 1000);
  const line = run.stdout.split('\n').find((l) => l.startsWith('summary-json '));
  assert.ok(line, `probe on ${name}: no summary\n${run.stdout.slice(-1500)}\n${run.stderr.slice(-1500)}`);
  return { code: run.code, ...JSON.parse(line.slice('summary-json '.length)) };
}

// The control broadcast played through a case: no errors, media all along.
function assertPlayed(summary, seconds, what) {
  assert.equal(summary.errors, 0, `${what}: probe errors ${JSON.stringify(summary.events)}`);
  assert.equal(summary.http4xx + summary.http5xx, 0, `${what}: HTTP errors`);
  assert.ok(summary.partsLoaded >= seconds, `${what}: only ${summary.partsLoaded} parts in ${seconds} s`);
}

// The streams (codec type, size, frame rate) of a broadcast's rendition: its init segment and first listed parts.
async function renditionStreams(name, rendition) {
  const text = await playlist(name, rendition);
  const init = text.match(/#EXT-X-MAP:URI="([^"]+)"/)?.[1];
  const parts = [...text.matchAll(/#EXT-X-PART:[^\n]*URI="([^"]+)"/g)].map((m) => m[1]).slice(0, 3);
  assert.ok(init && parts.length > 0, `${name}/${rendition}: no init or parts\n${text}`);
  const bytes = [];
  for (const uri of [init, ...parts]) bytes.push(Buffer.from(await (await fetch(`${base}/live/${name}/${rendition}/${uri}`)).arrayBuffer()));
  const path = join(dir, `${name}-${rendition}.mp4`);
  writeFileSync(path, Buffer.concat(bytes));
  const probed = await runToExit('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,width,height,r_frame_rate', '-of', 'json', path], 30000);
  assert.equal(probed.code, 0, probed.stderr);
  return JSON.parse(probed.stdout).streams;
}

async function makeClip(name, args) {
  const path = join(dir, name);
  const made = await runToExit('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args, '-f', 'mpegts', path], 120000);
  assert.equal(made.code, 0, `${name}: ${made.stderr}`);
  clips[name] = readFileSync(path);
}

const lavfi = (graph) => ['-f', 'lavfi', '-i', graph];
const H264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-b:v', '300k'];
const AAC = ['-c:a', 'aac', '-b:a', '64k'];

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'livescope-survival-'));
  // Short, small clips (the 4K60 one is 2 s of a flat colour, cheap to make and to decode).
  await Promise.all([
    makeClip('av.ts', [...lavfi('testsrc2=size=320x180:rate=30:duration=12'), ...lavfi('sine=frequency=440:sample_rate=48000:duration=12'), ...H264, ...AAC]),
    makeClip('uhd60.ts', [...lavfi('color=c=0x3060a0:size=3840x2160:rate=60:duration=2'), ...lavfi('sine=frequency=440:sample_rate=48000:duration=2'),
      ...H264, '-g', '120', ...AAC]),
    makeClip('audio.ts', [...lavfi('sine=frequency=440:sample_rate=48000:duration=8'), ...AAC]),
    makeClip('video.ts', [...lavfi('testsrc2=size=320x180:rate=30:duration=8'), ...H264]),
  ]);
  origin = await startProcess(ORIGIN, ['--port', '0', '--renditions', LADDER.map((r) => r[0]).join(','), '--grace', String(GRACE_S),
    '--max-broadcasts', '16'], { ready: /livescope-origin ready (http:\/\/\S+)\/live\/master\.m3u8/, timeoutMs: 30000, tag: 'origin',
    env: { LIVESCOPE_SECRET: SECRET } });
  base = origin.output.map((l) => l.match(/livescope-origin ready (http:\/\/\S+)\/live\/master\.m3u8/)).find(Boolean)[1];
  port = Number(new URL(base).port);
});

after(async () => {
  for (const p of publishers) p.destroy?.();
  await origin?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// A publisher pushing `clip` at real-time pace; resolves once the broadcast is live with a few parts.
async function goLive(name, clip, seconds) {
  const publisher = await openPublisher(port, `/ingest/${name}?token=${key(name)}`);
  assert.equal(publisher.status, 101, publisher.body);
  publishers.push(publisher);
  const push = pushRealTime(publisher, clip, seconds);
  await waitFor(`${name} live with parts`, async () => (await entry(name))?.state === 'live' && partCount(await playlist(name)) >= 3);
  return { publisher, push };
}

test('garbage bytes: random bytes, and an MPEG-TS start followed by garbage, are closed with a reason', { skip: missing }, async () => {
  const demo = follow('demo', 8);
  // Both at once, at a publisher's pace (ffmpeg reads on and makes nothing: the origin closes them, docs/ingest.md).
  const garbage = async (name, head) => {
    const publisher = await openPublisher(port, `/ingest/${name}?token=${key(name)}`);
    assert.equal(publisher.status, 101, publisher.body);
    publishers.push(publisher);
    if (head) await publisher.send(head);
    for (let i = 0; i < 150 && !publisher.state.closed; i++) { if (!(await publisher.send(randomBytes(16 * 1024)))) break; await sleep(100); }
    await Promise.race([publisher.closed, sleep(5000)]);
    return publisher;
  };
  // The second: PAT, PMT and the first packets of a real stream, then garbage.
  const [random, ts] = await Promise.all([garbage('junk-random'), garbage('junk-ts', clips['av.ts'].subarray(0, 188 * 40))]);
  assert.ok(random.state.closed, 'a publisher sending random bytes was not closed');
  assert.match(closeFrameOf(random.state.received)?.reason ?? '', /could not read|no media/);
  assert.equal(await entry('junk-random'), undefined);
  // Closed with a reason and nothing published, or (a frame or two decoded) left to the grace like any dropped publisher.
  const listed = await entry('junk-ts');
  assert.ok((ts.state.closed && closeFrameOf(ts.state.received)?.reason) || listed, `junk-ts: neither closed with a reason nor listed`);
  ts.destroy();
  if (listed) await waitFor('junk-ts ended', async () => (await entry('junk-ts'))?.state === 'ended', (GRACE_S + 20) * 1000);
  else assert.equal((await fetch(`${base}/live/junk-ts/master.m3u8`)).status, 404);
  assertPlayed(await demo, 8, 'demo during garbage');
});

test('a 4K 60 fps input is scaled to the ladder at the ladder\'s frame rate', { skip: missing }, async () => {
  const demo = follow('demo', 4);
  // 2 s: more than ffmpeg's 1 s analysis of a publisher's stream (a publisher leaving before its first part leaves nothing).
  const { publisher, push } = await goLive('uhd', clips['uhd60.ts'], 2);
  const master = await (await fetch(`${base}/live/uhd/master.m3u8`)).text();
  for (const [rendition, width, height] of LADDER) {
    assert.match(master, new RegExp(`RESOLUTION=${width}x${height}`));
    const video = (await renditionStreams('uhd', rendition)).find((s) => s.codec_type === 'video');
    assert.deepEqual([video.width, video.height, video.r_frame_rate], [width, height, '30/1'], `uhd/${rendition}`);
  }
  await push.stop();
  publisher.close();
  assertPlayed(await demo, 4, 'demo during 4K60');
});

for (const [name, clip, lacks] of [['audio-only', 'audio.ts', 'video'], ['video-only', 'video.ts', 'audio']]) {
  test(`an ${name} input plays with ${lacks === 'video' ? 'black video' : 'silence'} added`, { skip: missing }, async () => {
    const demo = follow('demo', 4);
    const { publisher, push } = await goLive(name, clips[clip], 8);
    const watched = await follow(name, 3);
    assert.equal(watched.errors, 0, `${name}: ${JSON.stringify(watched.events)}`);
    assert.ok(watched.partsLoaded >= 3, `${name}: ${watched.partsLoaded} parts`);
    for (const [rendition, width, height] of LADDER) {
      const streams = await renditionStreams(name, rendition);
      const video = streams.find((s) => s.codec_type === 'video');
      assert.deepEqual([video?.width, video?.height], [width, height], `${name}/${rendition}: ${JSON.stringify(streams)}`);
      assert.ok(streams.some((s) => s.codec_type === 'audio'), `${name}/${rendition}: no audio track: ${JSON.stringify(streams)}`);
    }
    await push.stop();
    publisher.close();
    assertPlayed(await demo, 4, `demo during ${name}`);
  });
}

test('a publisher on a lossy link (bursts, a stall, lost bytes, odd message sizes) keeps its broadcast going', { skip: missing }, async () => {
  const demo = follow('demo', 7);
  const name = 'lossy';
  const publisher = await openPublisher(port, `/ingest/${name}?token=${key(name)}`);
  assert.equal(publisher.status, 101, publisher.body);
  publishers.push(publisher);
  const clip = clips['av.ts'];
  const rate = clip.length / 12; // bytes per second
  let sent = 0;
  const sendUpTo = async (seconds, { lose = 0 } = {}) => {
    const due = Math.min(clip.length, Math.floor(seconds * rate));
    while (sent < due && !publisher.state.closed) {
      const size = [1, 7, 188, 1000, 65536][sent % 5];
      let chunk = clip.subarray(sent, Math.min(due, sent + size));
      sent += chunk.length;
      if (lose && chunk.length > 100 && Math.random() < lose) chunk = chunk.subarray(0, chunk.length >> 1); // the rest is lost
      await publisher.send(chunk);
    }
  };
  await sendUpTo(2.5); // a burst: 2.5 s of media at once
  await waitFor(`${name} live`, async () => (await entry(name))?.state === 'live');
  const before = partCount(await playlist(name));
  await sleep(2000); // a stall (the broadcast stays, viewers wait)
  await sendUpTo(4.5); // the backlog in one burst
  for (let t = 4.5; t < 6.5; t += 0.25) { await sendUpTo(t, { lose: 0.3 }); await sleep(250); } // lossy stretch
  for (let t = 6.5; t <= 8.5; t += 0.25) { await sendUpTo(t); await sleep(250); }
  const watched = await follow(name, 2);
  assert.ok(!publisher.state.closed, `the lossy publisher was closed: ${closeFrameOf(publisher.state.received)?.reason}`);
  assert.equal((await entry(name))?.state, 'live');
  assert.ok(partCount(await playlist(name)) > before || watched.partsLoaded > 0, 'no media after the damage');
  publisher.close();
  assertPlayed(await demo, 7, 'demo during the lossy publisher');
});

test('a publisher that vanishes (TCP open, no data) is noticed, then the grace applies: discontinuity, or the end', { skip: missing }, async () => {
  const demo = follow('demo', 6);
  const name = 'vanish';
  const { publisher, push } = await goLive(name, clips['av.ts'], 12);
  await push.stop(); // no more data, and no answer to pings; the socket stays open
  await waitFor('the origin notices the silent publisher', async () => (await entry(name))?.publishing === false, 40000);
  assert.ok(!(await playlist(name)).includes('#EXT-X-ENDLIST'), 'ended before the grace');
  publisher.destroy();
  // Back within the grace: the stream continues after a discontinuity.
  const back = await openPublisher(port, `/ingest/${name}?token=${key(name)}`);
  assert.equal(back.status, 101, back.body);
  publishers.push(back);
  const again = pushRealTime(back, clips['av.ts'], 12);
  await waitFor(`${name} continues after a discontinuity`, async () => {
    const text = await playlist(name);
    return /#EXT-X-DISCONTINUITY\n/.test(text) && text.trimEnd().split('\n').slice(-8).some((l) => l.startsWith('#EXT-X-PART:'));
  });
  // Its connection drops this time and it stays away: EXT-X-ENDLIST after the grace.
  await again.stop();
  back.destroy();
  await waitFor(`${name} ended`, async () => (await entry(name))?.state === 'ended', (GRACE_S + 30) * 1000);
  assert.match(await playlist(name), /#EXT-X-ENDLIST\n/);
  assertPlayed(await demo, 6, 'demo while a publisher vanished');
});

test('two publishers on one key: the second is refused with 4409, the first plays on', { skip: missing }, async () => {
  const name = 'solo';
  const { publisher, push } = await goLive(name, clips['av.ts'], 12);
  const demo = follow('demo', 3);
  const watched = follow(name, 3);
  const second = await tryPublish(port, `/ingest/${name}?token=${key(name)}`);
  assert.equal(second.admitted, false);
  assert.equal(second.code, 4409);
  assert.match(second.reason, /already/);
  const third = await tryPublish(port, `/ingest/${name}`, { protocol: `livescope-ingest, ${key(name)}` });
  assert.equal(third.code, 4409);
  assert.match(third.publisher.head, /Sec-WebSocket-Protocol: livescope-ingest/i);
  assertPlayed(await watched, 3, 'the first publisher');
  assert.ok(!publisher.state.closed);
  await push.stop();
  publisher.close();
  assertPlayed(await demo, 3, 'demo during the second publisher');
});
