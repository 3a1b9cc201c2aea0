// Live demo launcher: starts the dev origin and the relay (when built), the demo web server (widget dist,
// example pages, iframe player page, oEmbed) and optional audience bots; prints the URLs; Ctrl-C stops all.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startProcess, BIN } from '../tests/e2e/lib/procs.mjs';
import { startDemoServer } from './demo-server.mjs';

const { values: opts } = parseArgs({ options: {
  port: { type: 'string', default: '8080' },
  'origin-port': { type: 'string', default: '8081' },
  'relay-port': { type: 'string', default: '8082' },
  audience: { type: 'string', default: '0' },
  title: { type: 'string', default: 'livescope live demo' },
} });

const procs = [];
async function startIfBuilt(name, args, ready) {
  const bin = join(BIN, name);
  if (!existsSync(bin)) { console.log(`(${name} is not built; skipped)`); return null; }
  const p = await startProcess(bin, args, { ready, timeoutMs: 60000, tag: name });
  procs.push(p);
  return p.output.map((l) => l.match(ready)).find(Boolean)[1];
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return; stopping = true;
  console.log('\nstopping…');
  await Promise.all(procs.map((p) => p.stop()));
  if (web) await web.close();
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

let web = null;
try {
  const streamUrl = await startIfBuilt('livescope-origin', ['--port', opts['origin-port']], /ready (http\S+)/);
  // A per-run secret: the presenter's link carries a broadcaster token minted with it (real name, broadcaster role).
  const secret = randomBytes(24).toString('hex');
  const relayUrl = await startIfBuilt('livescope-relay', ['--port', opts['relay-port'], '--secret', secret], /listening on (ws\S+)/);
  const hostToken = relayUrl ? execFileSync(join(BIN, 'livescope-relay'), ['mint-token', '--secret', secret, '--name', 'Host',
    '--role', 'broadcaster', '--ttl', '86400'], { encoding: 'utf8' }).trim() : '';
  web = await startDemoServer({ port: Number(opts.port), streamUrl, relayUrl, title: opts.title });
  const audience = Number(opts.audience) || 0;
  if (audience > 0 && relayUrl) {
    const script = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'audience.mjs');
    for (const room of ['demo', 'blog', 'card-a', 'card-b']) {
      procs.push(await startProcess(process.execPath, ['--experimental-websocket', '--no-warnings', script,
        '--url', relayUrl, '--room', room, '--count', String(audience)], { ready: /audience:/, tag: `audience ${room}` }));
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
  if (streamUrl) console.log(`  LL-HLS        ${streamUrl}`);
  if (relayUrl) console.log(`  relay         ${relayUrl}`);
  console.log('Ctrl-C stops the demo.');
} catch (e) {
  console.error(`demo failed to start: ${e.message}`);
  await stop(1);
}
