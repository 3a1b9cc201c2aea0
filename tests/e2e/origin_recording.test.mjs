// e2e (origin only, no browser): recording, VOD, DVR window, retention and delete (docs/replay.md "Origin").
// One origin records a ~10 s WebSocket push ("show"): while live its media playlist lists the recorded segments older
// than the live window (served from disk) and _HLS_skip=YES delta updates skip them; once ended (grace 1 s) it is a VOD
// at /vod/show/<id>/master.m3u8 (VOD, ENDLIST, a PDT per segment, every segment fetchable, ffmpeg decodes it end to
// end with the pushed duration), listed in /live/index.json (id, replay) and /vod/index.json; DELETE refuses wrong
// keys. A second push ("talk") is cut by SIGKILL of the origin: the next origin on the same --data-dir ends it at its
// last segment and serves it; DELETE with talk's key removes it. A third origin with --retention 1 deletes "show".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startProcess, runToExit } from './lib/procs.mjs';
import { makeTsClip, mintKey, openPublisher, pushRealTime } from './lib/ingest.mjs';
import { waitFor } from './lib/wait.mjs';

const ORIGIN = join(BIN, 'livescope-origin');
const PROBE = join(BIN, 'livescope-probe');
const SECRET = 'e2e-recording-secret-0123456789';
const CLIP_S = 12; // seconds of media pushed for "show"
const READY = /livescope-origin ready (http:\/\/\S+)\/live\/index\.json/;
const missing = !existsSync(ORIGIN) ? `${ORIGIN} missing: build livescope-origin`
  : !existsSync(PROBE) ? `${PROBE} missing: build livescope-probe` : false;

async function startOrigin(dataDir, secretFile, extra = []) {
  // 1 s segments (CAN-SKIP-UNTIL 6 s), a live window of 3 segments: a 10 s broadcast has DVR segments to list.
  const origin = await startProcess(ORIGIN, ['--port', '0', '--no-demo', '--renditions', '360p', '--segment-ms', '1000', '--window', '3',
    '--grace', '1', '--secret-file', secretFile, '--data-dir', dataDir, ...extra], { ready: READY, timeoutMs: 20000, tag: 'origin' });
  origin.base = origin.output.map((l) => l.match(READY)).find(Boolean)[1];
  origin.port = Number(new URL(origin.base).port);
  return origin;
}

const get = async (url, init) => { const r = await fetch(url, init); return { status: r.status, text: await r.text() }; };
const count = (text, needle) => text.split(needle).length - 1;

test('broadcasts are recorded, listed in a DVR window while live, served as VOD, recovered, deleted and expired', { skip: missing, timeout: 150000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'livescope-recording-'));
  const dataDir = join(dir, 'data');
  const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
  t.after(async () => { for (const c of cleanups.reverse()) await c(); });
  const secretFile = join(dir, 'secret.txt');
  writeFileSync(secretFile, SECRET + '\n');
  const clip = await makeTsClip(dir, CLIP_S);

  let origin = await startOrigin(dataDir, secretFile);
  cleanups.push(() => origin.stop());

  // --- "show": live with a DVR window.
  const publisher = await openPublisher(origin.port, `/ingest/show?token=${mintKey('show', SECRET)}`);
  assert.equal(publisher.status, 101);
  const pusher = pushRealTime(publisher, clip, CLIP_S);
  const media = `${origin.base}/live/show/360p/index.m3u8`;
  // Wait until the live window (3 segments) slid past segment 0 and 7 s are listed: then the DVR part and a skip exist.
  const live = await waitFor('a live playlist with DVR segments', async () => {
    const r = await get(media);
    return r.status === 200 && count(r.text, '#EXTINF:') >= 7 ? r.text : null;
  }, 40000);
  assert.match(live, /#EXT-X-MEDIA-SEQUENCE:0\n/, 'the DVR window starts at the first segment');
  assert.doesNotMatch(live, /#EXT-X-PLAYLIST-TYPE/, 'a 7200 s window slides: not EVENT');
  assert.match(live, /CAN-SKIP-UNTIL=6\.000/);
  const firstPart = live.indexOf('#EXT-X-PART:');
  assert.ok(firstPart > live.indexOf('#EXTINF:') && count(live.slice(0, firstPart), '#EXTINF:') >= 4, 'old segments are listed without parts');
  const seg0 = live.match(/^seg-\S+-0\.m4s$/m)[0];
  const old = await fetch(`${origin.base}/live/show/360p/${seg0}`);
  assert.equal(old.status, 200, 'a segment older than the live window is served from the recording');
  assert.ok((await old.arrayBuffer()).byteLength > 1000);
  const delta = (await get(`${media}?_HLS_skip=YES`)).text;
  assert.match(delta, /#EXT-X-SKIP:SKIPPED-SEGMENTS=\d+\n/, 'delta updates skip the old segments');
  const fullAfter = (await get(media)).text; // fetched after the delta: lists at least what the delta stood for
  assert.ok(!delta.includes(seg0) && count(delta, '#EXTINF:') < count(fullAfter, '#EXTINF:'), 'the delta is smaller');
  // A player following the edge (delta updates merged over the DVR listing): no errors, every delta merged.
  const follow = await runToExit(PROBE, ['--follow', '3', `${origin.base}/live/show/master.m3u8`], 30000);
  const summary = JSON.parse(follow.stdout.split('\n').find((l) => l.startsWith('summary-json ')).slice(13));
  assert.equal(summary.errors, 0, follow.stdout.slice(-2000));
  assert.equal(summary.deltaMergeFailures, 0);
  assert.ok(summary.deltaUpdates > 0, 'the probe used delta updates');
  const liveIndex = JSON.parse((await get(`${origin.base}/live/index.json`)).text).broadcasts.find((b) => b.name === 'show');
  assert.match(liveIndex.id, /^[a-z0-9-]{1,64}$/);
  assert.equal(liveIndex.replay, undefined, 'no replay while live');

  // --- The end: VOD.
  await pusher.done;
  publisher.close();
  await Promise.race([publisher.closed, new Promise((r) => setTimeout(r, 3000))]);
  publisher.destroy();
  const ended = await waitFor('show listed as ended with its replay', async () => {
    const entry = JSON.parse((await get(`${origin.base}/live/index.json`)).text).broadcasts.find((b) => b.name === 'show');
    return entry && entry.state === 'ended' && entry.replay ? entry : null;
  }, 30000);
  assert.equal(ended.replay, `/vod/show/${liveIndex.id}/master.m3u8`);
  assert.ok(ended.started <= ended.ended);
  const master = await get(origin.base + ended.replay);
  assert.equal(master.status, 200);
  assert.match(master.text, /^360p\/index\.m3u8$/m);
  const vod = (await get(`${origin.base}/vod/show/${ended.id}/360p/index.m3u8`)).text;
  assert.match(vod, /#EXT-X-PLAYLIST-TYPE:VOD\n/);
  assert.match(vod, /#EXT-X-ENDLIST\n$/);
  assert.doesNotMatch(vod, /#EXT-X-PART/);
  const segments = vod.match(/^seg-\d+\.m4s$/gm);
  assert.ok(segments.length >= 8, `${segments.length} segments`);
  assert.equal(count(vod, '#EXT-X-PROGRAM-DATE-TIME:'), segments.length, 'a PDT on every segment');
  const pdts = [...vod.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/g)].map((m) => Date.parse(m[1]));
  assert.ok(pdts.every((p, i) => i === 0 || p > pdts[i - 1]), 'PDTs increase');
  for (const name of [...segments, vod.match(/init-\d+\.mp4/)[0]]) {
    const r = await fetch(`${origin.base}/vod/show/${ended.id}/360p/${name}`);
    assert.equal(r.status, 200, name);
    await r.arrayBuffer();
  }
  const probe = await runToExit('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', origin.base + ended.replay], 60000);
  const duration = Number(probe.stdout.trim());
  assert.ok(Math.abs(duration - CLIP_S) < 1.5, `VOD duration ${duration} s for a ${CLIP_S} s push`);
  const decode = await runToExit('ffmpeg', ['-v', 'error', '-i', origin.base + ended.replay, '-f', 'null', '-'], 60000);
  assert.equal(decode.code, 0, decode.stderr);
  const vodIndex = JSON.parse((await get(`${origin.base}/vod/index.json`)).text).recordings;
  const listed = vodIndex.find((r) => r.name === 'show' && r.id === ended.id);
  assert.ok(listed && listed.replay === ended.replay && listed.bytes > 10000 && listed.state === 'ended');

  // --- DELETE refuses wrong keys.
  const recordingUrl = `${origin.base}/vod/show/${ended.id}`;
  assert.equal((await get(recordingUrl, { method: 'DELETE' })).status, 401, 'no key');
  assert.equal((await get(recordingUrl, { method: 'DELETE', headers: { Authorization: 'Bearer nonsense' } })).status, 401, 'a bad key');
  assert.equal((await get(recordingUrl, { method: 'DELETE', headers: { Authorization: `Bearer ${mintKey('other', SECRET)}` } })).status, 403, "another broadcast's key");
  assert.equal((await get(`${origin.base}/vod/show/nope`, { method: 'DELETE', headers: { Authorization: `Bearer ${mintKey('show', SECRET)}` } })).status, 404);
  assert.equal((await get(origin.base + ended.replay)).status, 200, 'still there');

  // --- "talk": the origin dies while it is live; the next one ends the recording at its last segment.
  const talker = await openPublisher(origin.port, `/ingest/talk?token=${mintKey('talk', SECRET)}`);
  const talkPush = pushRealTime(talker, clip, CLIP_S);
  await waitFor('talk recorded a few segments', async () => count((await get(`${origin.base}/live/talk/360p/index.m3u8`)).text, '#EXTINF:') >= 3, 30000);
  origin.child.kill('SIGKILL');
  await waitFor('the origin died', () => origin.exited, 10000, 50);
  await talkPush.stop();
  talker.destroy();
  origin = await startOrigin(dataDir, secretFile);
  const talk = JSON.parse((await get(`${origin.base}/vod/index.json`)).text).recordings.find((r) => r.name === 'talk');
  assert.ok(talk && talk.state === 'ended' && talk.ended >= talk.started, 'the cut recording was ended at start-up');
  const talkVod = (await get(`${origin.base}/vod/talk/${talk.id}/360p/index.m3u8`)).text;
  assert.match(talkVod, /#EXT-X-ENDLIST\n$/);
  assert.ok(count(talkVod, '#EXTINF:') >= 3);
  const talkKey = { Authorization: `Bearer ${mintKey('talk', SECRET)}` };
  assert.equal((await get(`${origin.base}/vod/talk/${talk.id}`, { method: 'DELETE', headers: talkKey })).status, 204);
  assert.equal((await get(origin.base + talk.replay)).status, 404, 'deleted');
  assert.equal((await get(`${origin.base}/vod/talk/${talk.id}`, { method: 'DELETE', headers: talkKey })).status, 404);
  await origin.stop();

  // --- Retention: an origin with --retention 1 deletes the ended "show" (ended more than 1 s ago).
  origin = await startOrigin(dataDir, secretFile, ['--retention', '1']);
  await waitFor('retention deleted show', async () => JSON.parse((await get(`${origin.base}/vod/index.json`)).text).recordings.length === 0, 10000);
  assert.equal((await get(origin.base + ended.replay)).status, 404);
});
