// Live demo launcher: starts the dev origin and relay (when built) and a static server for build/wasm
// (the widget dist) and examples/, prints the URLs, and stops everything on Ctrl-C.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serveStatic } from '../tests/e2e/lib/static.mjs';
import { startProcess, BIN } from '../tests/e2e/lib/procs.mjs';
import { ROOT } from '../tests/e2e/lib/browser.mjs';

const { values: opts } = parseArgs({ options: {
  port: { type: 'string', default: '8080' },
  'origin-port': { type: 'string', default: '8081' },
  'relay-port': { type: 'string', default: '8082' },
  audience: { type: 'string', default: '0' },
} });

const procs = [];
async function startIfBuilt(name, args, ready) {
  const bin = join(BIN, name);
  if (!existsSync(bin)) { console.log(`(${name} not built yet; skipped)`); return null; }
  const p = await startProcess(bin, args, { ready, timeoutMs: 60000, tag: name });
  procs.push(p);
  return p;
}

const origin = await startIfBuilt('livescope-origin', ['--port', opts['origin-port']], /ready (http\S+)/);
const relay = await startIfBuilt('livescope-relay', ['--port', opts['relay-port']], /listening on (ws\S+)/);
const streamUrl = origin ? origin.output.map((l) => l.match(/ready (http\S+)/)).find(Boolean)[1] : '';
const relayUrl = relay ? relay.output.map((l) => l.match(/listening on (ws\S+)/)).find(Boolean)[1] : '';

const web = await serveStatic(join(ROOT, 'build', 'wasm'), {
  port: Number(opts.port), routes: { '/examples/': '../../examples' },
});
const q = new URLSearchParams();
if (streamUrl) q.set('src', streamUrl);
if (relayUrl) q.set('room', `${relayUrl}#demo`);
console.log('\nlivescope demo is running:');
console.log(`  player page   ${web.url}/livescope_page.html${q.size ? '?' + q : ''}`);
if (streamUrl) console.log(`  LL-HLS stream ${streamUrl}`);
if (relayUrl) console.log(`  relay         ${relayUrl}`);
console.log('Ctrl-C stops the demo.');

let stopping = false;
async function stop() {
  if (stopping) return; stopping = true;
  console.log('\nstopping…');
  await Promise.all(procs.map((p) => p.stop()));
  await web.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
