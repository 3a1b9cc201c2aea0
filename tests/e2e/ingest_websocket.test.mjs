// e2e (origin, node only): WebSocket ingest. A publisher pushes an MPEG-TS clip (made with ffmpeg) at real-time pace
// to /ingest/<name>?token=<stream key>; the probe follows /live/<name>/master.m3u8 with no errors; wrong keys, a
// second publisher and one broadcast too many are refused with nothing published; a publisher sending junk is closed
// with a reason; two broadcasts are live at once; a publisher back within the grace continues after
// EXT-X-DISCONTINUITY; one gone longer ends (EXT-X-ENDLIST, "ended" in /live/index.json); a WebM stream goes live
// too; signed broadcast.started / broadcast.ended webhooks reach a node HTTP server. Loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startProcess, runToExit } from './lib/procs.mjs';
import { mintKey as mintKeyWith, openPublisher, pushRealTime as pushClip, tryPublish } from './lib/ingest.mjs';
import { waitFor } from './lib/wait.mjs';

const ORIGIN = join(BIN, 'livescope-origin');
const PROBE = join(BIN, 'livescope-probe');
const SECRET = 'e2e-ingest-secret-0123456789';
const CLIP_S = 40;   // seconds of media in the clip (never looped: each connection starts it again)
const GRACE_S = 3;   // --grace for this file
const FOLLOW_S = 8;  // probe --follow seconds
const WEBM_S = 12;   // seconds of media in the WebM clip

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// The shared ingest helpers (tests/e2e/lib/ingest.mjs), with this file's secret and clip length as defaults.
const mintKey = (name, { secret = SECRET, ...options } = {}) => mintKeyWith(name, secret, options);
const pushRealTime = (publisher, clip, seconds = CLIP_S) => pushClip(publisher, clip, seconds);

async function getJson(url) {
  const response = await fetch(url);
  return { status: response.status, json: response.status === 200 ? await response.json() : null };
}


test('ingest over WebSocket: keys, two live broadcasts, probe without errors, grace, end, webhooks', async (t) => {
  if (!existsSync(ORIGIN)) { t.skip(`${ORIGIN} missing: build livescope-origin first`); return; }
  assert.ok(existsSync(PROBE), `${PROBE} missing: build livescope-probe first`);
  const dir = mkdtempSync(join(tmpdir(), 'livescope-ingest-'));
  const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
  t.after(async () => { for (const c of cleanups.reverse()) await c(); });

  // The clip: MPEG-TS, H.264 + AAC, 2 s GOPs, small so that making it is quick.
  const clipPath = join(dir, 'clip.ts');
  const made = await runToExit('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=30:duration=${CLIP_S}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${CLIP_S}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60',
    '-b:v', '300k', '-c:a', 'aac', '-b:a', '64k', '-f', 'mpegts', clipPath], 120000);
  assert.equal(made.code, 0, made.stderr);
  const clip = readFileSync(clipPath);
  // A WebM clip as MediaRecorder makes (VP8 + Opus in Matroska).
  const webmPath = join(dir, 'clip.webm');
  const madeWebm = await runToExit('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=30:duration=${WEBM_S}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${WEBM_S}`, '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8',
    '-b:v', '300k', '-g', '60', '-c:a', 'libopus', '-b:a', '64k', '-f', 'webm', webmPath], 120000);
  assert.equal(madeWebm.code, 0, madeWebm.stderr);
  const webm = readFileSync(webmPath);

  // The webhook receiver: keeps events whose signature verifies, counts those that do not.
  const events = [];
  let badSignatures = 0;
  const hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const expected = 'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex');
      if (req.headers['x-livescope-signature'] === expected) events.push(JSON.parse(body)); else badSignatures++;
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => hooks.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => hooks.close(r)));

  const origin = await startProcess(ORIGIN, ['--port', '0', '--no-demo', '--renditions', '360p', '--grace', String(GRACE_S),
    '--max-broadcasts', '2', '--webhook', `http://127.0.0.1:${hooks.address().port}/hooks`],
  { ready: /livescope-origin ready (http:\/\/\S+)\/live\/index\.json/, timeoutMs: 20000, tag: 'origin', env: { LIVESCOPE_SECRET: SECRET } });
  cleanups.push(() => origin.stop());
  const base = origin.output.map((l) => l.match(/livescope-origin ready (http:\/\/\S+)\/live\/index\.json/)).find(Boolean)[1];
  const port = Number(new URL(base).port);
  const publishers = [];
  cleanups.push(async () => { for (const p of publishers) p.destroy?.(); });
  const listed = async () => (await getJson(`${base}/live/index.json`)).json.broadcasts;
  const find = async (name) => (await listed()).find((b) => b.name === name);

  // Wrong keys are refused at connect time (the upgrade, then a 4xxx close with the reason), and nothing is published.
  const refusals = [
    ['/ingest/gamma?token=' + mintKey('gamma', { secret: 'not-the-secret' }), 4401],
    ['/ingest/gamma?token=' + mintKey('gamma', { ttl: -10 }), 4410],
    ['/ingest/gamma?token=' + mintKey('gamma', { role: 'viewer' }), 4403],
    ['/ingest/gamma?token=' + mintKey('alpha'), 4403],
    ['/ingest/gamma', 4401],
    ['/ingest/Bad_Name?token=' + mintKey('Bad_Name'), 4400],
  ];
  for (const [path, code] of refusals) {
    const refused = await tryPublish(port, path);
    assert.equal(refused.code, code, `${path}: ${refused.publisher.head}\n${refused.reason}`);
    assert.ok(refused.reason.trim().length > 0, 'a refusal says why');
  }
  assert.deepEqual(await listed(), []);
  assert.equal((await fetch(`${base}/live/gamma/master.m3u8`)).status, 404);

  // Bytes ffmpeg cannot read: the origin closes the publisher with a reason, and nothing is listed.
  const junk = await openPublisher(port, `/ingest/junk?token=${mintKey('junk')}`);
  assert.equal(junk.status, 101, junk.body);
  publishers.push(junk);
  for (let i = 0; i < 100; i++) if (!(await junk.send(randomBytes(64 * 1024)))) break;
  await Promise.race([junk.closed, sleep(30000)]);
  assert.ok(junk.state.closed, 'the origin did not close a publisher sending junk');
  assert.match(junk.state.received.toString('latin1'), /could not read this stream/);
  assert.deepEqual(await listed(), []);

  // Two broadcasts: alpha with the key in the query, beta with the key in Sec-WebSocket-Protocol.
  const alpha = await openPublisher(port, `/ingest/alpha?title=Alpha%20show&token=${mintKey('alpha')}`);
  assert.equal(alpha.status, 101, alpha.body);
  publishers.push(alpha);
  const beta = await openPublisher(port, '/ingest/beta', { protocol: `livescope-ingest, ${mintKey('beta')}` });
  assert.equal(beta.status, 101, beta.body);
  assert.match(beta.head, /Sec-WebSocket-Protocol: livescope-ingest/i);
  publishers.push(beta);
  let alphaPush = pushRealTime(alpha, clip);
  let betaPush = pushRealTime(beta, clip);

  // A second publisher for a live name, and a third broadcast past --max-broadcasts 2, are refused.
  const second = await tryPublish(port, `/ingest/alpha?token=${mintKey('alpha')}`);
  assert.equal(second.code, 4409, second.reason);
  const third = await tryPublish(port, `/ingest/gamma?token=${mintKey('gamma')}`);
  assert.equal(third.code, 4429, third.reason);
  assert.match(third.reason, /max-broadcasts/);

  await waitFor('alpha and beta live in index.json', async () => {
    const list = await listed();
    return list.length === 2 && list.every((b) => b.state === 'live');
  });
  const alphaEntry = await find('alpha');
  assert.equal(alphaEntry.title, 'Alpha show');
  assert.equal(alphaEntry.master, '/live/alpha/master.m3u8');
  assert.ok(!Number.isNaN(Date.parse(alphaEntry.started_at)));

  // The probe follows alpha's ladder with no errors while beta is live too.
  const probe = await runToExit(PROBE, ['--follow', String(FOLLOW_S), `${base}/live/alpha/master.m3u8`], (FOLLOW_S + 40) * 1000);
  const summaryLine = probe.stdout.split('\n').find((l) => l.startsWith('summary-json '));
  assert.ok(summaryLine, `no summary-json line\n${probe.stdout.slice(-2000)}\n${probe.stderr.slice(-2000)}`);
  const s = JSON.parse(summaryLine.slice('summary-json '.length));
  t.diagnostic(`probe on alpha: ${s.partsLoaded} parts, ${s.errors} errors, ${s.http4xx}/${s.http5xx} 4xx/5xx`);
  assert.equal(probe.code, 0, probe.stderr.slice(-2000));
  assert.equal(s.errors, 0);
  assert.equal(s.http4xx + s.http5xx, 0);
  assert.ok(s.partsLoaded > FOLLOW_S, `only ${s.partsLoaded} parts`);
  const betaPlaylist = await (await fetch(`${base}/live/beta/360p/index.m3u8`)).text();
  assert.match(betaPlaylist, /#EXT-X-PART:/);

  // Alpha's publisher drops and comes back within the grace: still listed as live, and the stream continues after
  // a discontinuity.
  await alphaPush.stop();
  alpha.destroy();
  await alpha.closed;
  await sleep(1000);
  assert.equal((await find('alpha')).state, 'live');
  const alphaAgain = await waitFor('alpha admitted again', async () => {
    const p = await tryPublish(port, `/ingest/alpha?token=${mintKey('alpha')}`);
    return p.admitted ? p.publisher : null; // 4409 until the origin has seen the drop
  }, 5000);
  publishers.push(alphaAgain);
  alphaPush = pushRealTime(alphaAgain, clip);
  await waitFor('a discontinuity in alpha\'s playlist', async () => {
    const text = await (await fetch(`${base}/live/alpha/360p/index.m3u8`)).text();
    return /#EXT-X-DISCONTINUITY\n/.test(text) && text.trimEnd().split('\n').slice(-12).some((l) => l.startsWith('#EXT-X-PART:'));
  });

  // Beta's publisher drops and stays away past the grace: its playlist ends and index.json says ended.
  await betaPush.stop();
  beta.destroy();
  await waitFor('beta ended', async () => (await find('beta'))?.state === 'ended', (GRACE_S + 15) * 1000);
  const ended = await find('beta');
  assert.ok(Date.parse(ended.ended_at) >= Date.parse(ended.started_at));
  const endedPlaylist = await (await fetch(`${base}/live/beta/360p/index.m3u8`)).text();
  assert.match(endedPlaylist, /#EXT-X-ENDLIST\n$/);
  assert.doesNotMatch(endedPlaylist, /PRELOAD-HINT/);
  assert.equal((await find('alpha')).state, 'live');

  // Matroska/WebM (what MediaRecorder sends) goes live too; beta's end freed its place under --max-broadcasts 2.
  const delta = await openPublisher(port, `/ingest/delta?token=${mintKey('delta')}`);
  assert.equal(delta.status, 101, delta.body);
  publishers.push(delta);
  const deltaPush = pushRealTime(delta, webm, WEBM_S);
  await waitFor('delta (WebM) live with parts', async () => {
    if ((await find('delta'))?.state !== 'live') return false;
    const text = await (await fetch(`${base}/live/delta/360p/index.m3u8`)).text();
    return (text.match(/#EXT-X-PART:/g) || []).length >= 3;
  });
  await deltaPush.stop();
  delta.close();

  // Webhooks: started for each, ended for beta only, every signature valid.
  await waitFor('the broadcast.ended webhook', async () => events.some((e) => e.event === 'broadcast.ended'), 10000);
  assert.equal(badSignatures, 0);
  const names = (event) => events.filter((e) => e.event === event).map((e) => e.name).sort();
  assert.deepEqual(names('broadcast.started'), ['alpha', 'beta', 'delta']);
  assert.deepEqual(names('broadcast.ended'), ['beta']);
  assert.equal(events.find((e) => e.event === 'broadcast.ended').state, 'ended');
  await alphaPush.stop();
});
