// Live demo launcher: starts the dev origin and the relay (when built), the demo web server (widget dist,
// example pages, iframe player page, oEmbed, the browser studio) and optional audience bots; prints the URLs
// (a studio URL signed in as the broadcaster of `studio`); Ctrl-C stops all.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer } from 'node:net';
import { startProcess, freePort, BIN } from './lib/procs.mjs';
import { startDemoServer } from './demo-server.mjs';

const { values: opts } = parseArgs({ options: {
  port: { type: 'string', default: '8080' },
  'origin-port': { type: 'string', default: '8081' },
  'relay-port': { type: 'string', default: '8082' },
  audience: { type: 'string', default: '0' },
  title: { type: 'string', default: 'livescope live demo' },
  renditions: { type: 'string', default: '' }, // passed to the origin (its default: 720p,360p)
  'srt-port': { type: 'string', default: '8890' }, // the origin's SRT ingest (UDP; 0 = pick one)
  'rtmp-port': { type: 'string', default: '' }, // the origin's RTMP ingest (default 1935, or a free port when it is taken; 0 = pick one)
} });

const procs = [];
// Every child gets a parent-death signal (setpriv), so it dies with the demo whatever signal kills it.
async function startIfBuilt(name, args, ready, env = {}) {
  const bin = join(BIN, name);
  if (!existsSync(bin)) { console.log(`(${name} is not built; skipped)`); return null; }
  const p = await startProcess(bin, args, { ready, timeoutMs: 60000, tag: name, env, dieWithParent: true });
  procs.push(p);
  return p.output.map((l) => l.match(ready)).find(Boolean)[1];
}

// The per-run relay secret lives in a mode-0600 file in a private temp folder, removed on exit, and reaches
// the relay as --secret-file: it never shows in `ps`. A relay built before --secret-file answers with its
// usage (exit 2); then the secret goes through the environment (LIVESCOPE_RELAY_SECRET), still not in `ps`.
const secretDir = mkdtempSync(join(tmpdir(), 'livescope-demo-'));
const secretFile = join(secretDir, 'relay-secret');
const secret = randomBytes(24).toString('hex');
writeFileSync(secretFile, secret, { mode: 0o600 });
const removeSecret = () => rmSync(secretDir, { recursive: true, force: true });
process.on('exit', removeSecret);

// Mints a broadcaster token for `name` (the presenter's, or the studio's stream key: the origin takes the relay's
// broadcaster tokens as stream keys). Returns { token, secretArgs, secretEnv } (how to pass the secret).
function mintBroadcasterToken(relayBin, name = 'Host') {
  const mint = ['mint-token', '--name', name, '--role', 'broadcaster', '--ttl', '86400'];
  try {
    const token = execFileSync(relayBin, [...mint, '--secret-file', secretFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    return { token, secretArgs: ['--secret-file', secretFile], secretEnv: {} };
  } catch (e) {
    if (!/usage/.test(String(e.stderr))) throw new Error(`mint-token failed: ${e.stderr || e.message}`);
    const secretEnv = { LIVESCOPE_RELAY_SECRET: secret, LIVESCOPE_SECRET: secret };
    const token = execFileSync(relayBin, mint, { encoding: 'utf8', env: { ...process.env, ...secretEnv } }).trim();
    return { token, secretArgs: [], secretEnv };
  }
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return; stopping = true;
  console.log('\nstopping…');
  await Promise.all(procs.map((p) => p.stop()));
  if (web) await web.close().catch(() => {});
  removeSecret();
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => stop(0));
// A bug must not leave the servers running: stop them all, then exit with an error.
process.on('uncaughtException', (e) => { console.error(`demo: ${e.stack || e}`); stop(1); });
process.on('unhandledRejection', (e) => { console.error(`demo: ${e && e.stack || e}`); stop(1); });

let web = null;
try {
  // The origin shares the relay's secret file: the relay's broadcaster tokens are its stream keys (docs/ingest.md).
  // RTMP ingest (OBS, ffmpeg: docs/ingest.md) on 1935, or on a free port when 1935 is taken.
  const rtmpPort = opts['rtmp-port'] !== '' ? Number(opts['rtmp-port'])
    : await new Promise((res) => { const s = createServer().once('error', () => res(0)).listen(1935, '127.0.0.1', () => s.close(() => res(1935))); })
    || await freePort();
  const streamUrl = await startIfBuilt('livescope-origin', ['--port', opts['origin-port'], '--secret-file', secretFile,
    '--rtmp-port', String(rtmpPort), '--srt-port', opts['srt-port'], ...(opts.renditions ? ['--renditions', opts.renditions] : []),
    // Recordings (VOD, DVR: docs/replay.md) under build/demo-data, the test pattern's too; kept a day.
    '--data-dir', join(BIN, '..', '..', 'demo-data'), '--retention', '86400'], /ready (http\S+)/);
  // A per-run secret: the presenter's link carries a broadcaster token minted with it (real name, broadcaster role).
  const relayBin = join(BIN, 'livescope-relay');
  const host = existsSync(relayBin) ? mintBroadcasterToken(relayBin) : { token: '', secretArgs: [], secretEnv: {} };
  // The studio's stream key for the broadcast `studio` (a relay that cannot mint prints no studio URL).
  const studioKey = existsSync(relayBin) && streamUrl ? mintBroadcasterToken(relayBin, 'studio').token : '';
  const obsKey = existsSync(relayBin) && streamUrl ? mintBroadcasterToken(relayBin, 'obs').token : ''; // RTMP key of "obs"
  // The room log lives beside the recordings, so a demo's replays keep their conversation (docs/replay.md).
  mkdirSync(join(BIN, '..', '..', 'demo-data'), { recursive: true });
  const relayUrl = await startIfBuilt('livescope-relay', ['--port', opts['relay-port'], ...host.secretArgs,
    '--log-db', join(BIN, '..', '..', 'demo-data', 'rooms.sqlite')], /listening on (ws\S+)/, host.secretEnv);
  const hostToken = relayUrl ? host.token : '';
  web = await startDemoServer({ port: Number(opts.port), streamUrl, relayUrl, title: opts.title });
  const audience = Number(opts.audience) || 0;
  if (audience > 0 && relayUrl) {
    const script = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'audience.mjs');
    const watch = new URL('./lib/parent-watch.mjs', import.meta.url).href; // bots exit when the demo is gone
    for (const room of ['demo', 'blog', 'card-a', 'card-b']) {
      procs.push(await startProcess(process.execPath, ['--experimental-websocket', '--no-warnings', '--import', watch, script,
        '--url', relayUrl, '--room', room, '--count', String(audience)],
      { ready: /audience:/, tag: `audience ${room}`, dieWithParent: true, env: { LIVESCOPE_PARENT_PID: String(process.pid) } }));
    }
  } else if (audience > 0) console.log('(no relay: --audience ignored)');
  const q = new URLSearchParams();
  if (streamUrl) q.set('src', streamUrl);
  if (relayUrl) q.set('room', `${relayUrl}#demo`);
  q.set('title', opts.title);
  console.log('\nlivescope demo is running:');
  console.log(`  blog article  ${web.url}/examples/blog.html`);
  console.log(`  post cards    ${web.url}/examples/post-card.html`);
  console.log(`  player page   ${web.url}/embed/player.html?${q}`);
  if (hostToken) console.log(`  presenter     ${web.url}/embed/player.html?${q}&token=${encodeURIComponent(hostToken)}  (signed in as Host, broadcaster role)`);
  console.log(`  oEmbed        ${web.url}/oembed?format=json&url=${encodeURIComponent(`${web.url}/examples/blog.html`)}`);
  if (studioKey) {
    // The key rides in the fragment: the browser never sends it to the web server (docs/studio.md).
    const origin = new URL(streamUrl).origin;
    const studio = new URLSearchParams({ origin, name: 'studio', title: 'My studio', key: studioKey });
    const watch = new URLSearchParams({ src: `${origin}/live/studio/master.m3u8`, title: 'My studio' });
    if (relayUrl) watch.set('room', `${relayUrl}#studio`);
    if (relayUrl) studio.set('room', `${relayUrl}#studio`); // the console: the key is also the room's broadcaster token
    console.log(`  studio        ${web.url}/studio.html#${studio}  (go live as broadcaster of "studio")`);
    console.log(`  studio viewer ${web.url}/embed/player.html?${watch}`);
  }
  // SRT ingest: an ffmpeg push command with a stream key for the broadcast `srt` (docs/ingest.md, SRT).
  const srtUrl = procs.flatMap((p) => p.output).map((l) => l.match(/srt listening on (srt:\S+)/)).find(Boolean)?.[1];
  if (srtUrl && studioKey) {
    const srtKey = mintBroadcasterToken(join(BIN, 'livescope-relay'), 'srt').token;
    const watch = new URLSearchParams({ src: `${new URL(streamUrl).origin}/live/srt/master.m3u8`, title: 'SRT' });
    console.log(`  SRT ingest    ffmpeg -re -i clip.ts -c copy -f mpegts '${srtUrl}?streamid=${srtKey}'  (OBS: that URL as Server)`);
    console.log(`  SRT viewer    ${web.url}/embed/player.html?${watch}`);
  }
  if (obsKey) {
    const origin = new URL(streamUrl).origin;
    const rtmpUrl = procs.flatMap((p) => p.output).map((l) => l.match(/livescope-origin rtmp (rtmp:\S+)/)).find(Boolean)?.[1] || `rtmp://127.0.0.1:${rtmpPort}/live`;
    console.log(`  OBS / RTMP    server ${rtmpUrl}  stream key ${obsKey}`);
    console.log(`  OBS viewer    ${web.url}/embed/player.html?${new URLSearchParams({ src: `${origin}/live/obs/master.m3u8`, title: 'OBS' })}`);
  }
  if (streamUrl) console.log(`  LL-HLS        ${streamUrl}`);
  if (relayUrl) console.log(`  relay         ${relayUrl}`);
  console.log('Ctrl-C stops the demo.');
} catch (e) {
  console.error(`demo failed to start: ${e.message}`);
  await stop(1);
}
