// A livescope cluster on one machine (scripts/cluster.sh runs this): Redis (persistence on), three relay nodes on it
// behind the nginx relay front, the origin behind the nginx edge cache, and the demo pages pointing at the two
// fronts. Prints the URLs; SIGINT/SIGTERM/SIGHUP stop everything (every child also has a parent-death signal).
// State under build/cluster-data (or --data DIR). docs/scale-out.md, "A cluster on one machine".
import { existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startProcess, freePort, BIN, ROOT } from './procs.mjs';
import { clusterMissing, startRedis, startRelayNode, startRelayFront, RELAY } from './relay-cluster.mjs';
import { prepareEdge } from '../edge-conf.mjs';
import { startDemoServer } from '../demo-server.mjs';

const { values: opts } = parseArgs({ options: {
  port: { type: 'string', default: '8080' },        // the demo pages
  'edge-port': { type: 'string', default: '8081' }, // nginx edge cache in front of the origin
  'relay-port': { type: 'string', default: '8082' }, // nginx front of the relay nodes
  nodes: { type: 'string', default: '3' },
  data: { type: 'string', default: join(ROOT, 'build', 'cluster-data') },
  title: { type: 'string', default: 'livescope cluster' },
} });

const ORIGIN = join(BIN, 'livescope-origin');
const missing = clusterMissing() || (!existsSync(ORIGIN) && `${ORIGIN} is not built (build the native preset)`);
if (missing) { console.error(`cluster: ${missing}`); process.exit(2); }
const NODES = Math.max(1, Math.min(16, Number(opts.nodes) || 3));
const DATA = resolve(opts.data);
mkdirSync(DATA, { recursive: true });
const port = async (value) => (Number(value) > 0 ? Number(value) : freePort());

const procs = [];
let web = null;
// The per-run secret every relay node and the origin share (tokens minted here are good on every node; the
// origin takes broadcaster tokens as stream keys), in a mode-0600 file, never on a command line; removed on exit.
const secretFile = join(DATA, 'secret');
writeFileSync(secretFile, randomBytes(24).toString('hex'), { mode: 0o600 });
const removeSecret = () => rmSync(secretFile, { force: true });
process.on('exit', removeSecret);

let stopping = false;
async function stop(code = 0) {
  if (stopping) return; stopping = true;
  console.log('\ncluster: stopping…');
  // The fronts first (no new connections), then the relays, the origin, Redis last (it saves on SIGTERM).
  for (const group of [procs.filter((p) => p.role === 'front'), procs.filter((p) => p.role === 'server'), procs.filter((p) => p.role === 'redis')])
    await Promise.all(group.map((p) => p.stop()));
  if (web) await web.close().catch(() => {});
  removeSecret();
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => stop(0));
process.on('uncaughtException', (e) => { console.error(`cluster: ${e.stack || e}`); stop(1); });
process.on('unhandledRejection', (e) => { console.error(`cluster: ${e && e.stack || e}`); stop(1); });
const track = (p, role) => { p.role = role; procs.push(p); return p; };

try {
  const redis = track(await startRedis({ port: await freePort(), dir: join(DATA, 'redis'), persist: true }), 'redis');
  const nodes = [];
  for (let i = 0; i < NODES; i++) {
    // One room log shared by the nodes, in the same Redis (appendonly on): docs/scale-out.md, Shared room log.
    nodes.push(track(await startRelayNode({ bus: redis.url, args: ['--secret-file', secretFile, '--log', redis.url], tag: `relay-${i + 1}` }), 'server'));
  }
  const relayFront = track(await startRelayFront({ relays: nodes.map((n) => n.addr), port: await port(opts['relay-port']), dir: join(DATA, 'nginx-relays') }), 'front');

  const origin = track(await startProcess(ORIGIN, ['--port', '0', '--secret-file', secretFile, '--data-dir', join(DATA, 'origin'), '--retention', '86400'],
    { ready: /ready (http\S+)/, timeoutMs: 60000, tag: 'origin', dieWithParent: true }), 'server');
  const originUrl = new URL(origin.output.map((l) => l.match(/ready (http\S+)/)).find(Boolean)[1]);
  const edgePort = await port(opts['edge-port']);
  const edgeArgv = prepareEdge({ origin: originUrl.host, listen: `127.0.0.1:${edgePort}`, dir: join(DATA, 'nginx-edge'), single: true });
  const edge = track(await startProcess(edgeArgv[0], edgeArgv.slice(1), { tag: 'nginx-edge', dieWithParent: true }), 'front');
  const edgeUrl = `http://127.0.0.1:${edgePort}`;
  for (let i = 0; !(await fetch(`${edgeUrl}/healthz`).then((r) => r.ok, () => false)); i++) {
    if (edge.exited || i > 150) throw new Error(`the nginx edge does not answer on ${edgeUrl}\n${edge.output.slice(-10).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const streamUrl = `${edgeUrl}${originUrl.pathname}`;
  const relayUrl = relayFront.wsUrl;
  web = await startDemoServer({ port: await port(opts.port), streamUrl, relayUrl, title: opts.title });
  const q = new URLSearchParams({ src: streamUrl, room: `${relayUrl}#demo`, title: opts.title });
  console.log('\nlivescope cluster is running:');
  console.log(`  blog article   ${web.url}/examples/blog.html`);
  console.log(`  post cards     ${web.url}/examples/post-card.html`);
  console.log(`  player page    ${web.url}/embed/player.html?${q}`);
  console.log(`  LL-HLS (edge)  ${streamUrl}   nginx edge cache -> origin ${originUrl.origin}`);
  console.log(`  relay front    ${relayUrl}   nginx -> ${nodes.map((n) => n.addr).join(', ')}`);
  for (const [i, n] of nodes.entries()) console.log(`  relay-${i + 1} health http://${n.addr}/healthz`);
  console.log(`  redis          ${redis.url} (append-only file in ${join(DATA, 'redis')})`);
  console.log(`  room log       shared, in Redis (${redis.url})`);
  console.log(`  state          ${DATA}`);
  console.log('Ctrl-C stops the cluster.');
} catch (e) {
  console.error(`cluster failed to start: ${e.message}`);
  await stop(1);
}
