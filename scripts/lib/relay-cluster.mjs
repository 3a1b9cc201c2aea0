// Scale-out helper (no browser imports): starts Debian's redis-server, N livescope-relay nodes sharing rooms through
// it (--bus redis://), and the nginx relay front (deploy/nginx/livescope-relays.conf.in) before them. Used by
// scripts/cluster.sh (scripts/lib/cluster.mjs) and tests/e2e/relay_failover.test.mjs. Loopback only.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, freePort, startProcess } from './procs.mjs';
import { prepareRelays, NGINX } from '../edge-conf.mjs';

export const RELAY = join(BIN, 'livescope-relay');
export const REDIS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p)) || null;
export { NGINX };
const RELAY_READY = /livescope-relay listening on ws:\/\/127\.0\.0\.1:(\d+)/;

// What is missing to run a cluster, or null.
export function clusterMissing() {
  if (!existsSync(RELAY)) return `${RELAY} is not built (build the native preset)`;
  if (!REDIS) return 'redis-server is not installed (scripts/bootstrap.sh installs Debian\'s redis-server)';
  if (!existsSync(NGINX)) return 'nginx is not installed (scripts/bootstrap.sh installs Debian\'s nginx)';
  return null;
}

// Redis on 127.0.0.1:port with its files in dir. persist: an append-only file, fsync every second, and an RDB
// snapshot a minute after a change (what a shared room log on Redis Streams needs); else a pure bus, nothing on disk.
export async function startRedis({ port, dir, persist = false, tag = 'redis' }) {
  mkdirSync(dir, { recursive: true });
  const keep = persist ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '60 1'] : ['--save', '', '--appendonly', 'no'];
  const p = await startProcess(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...keep],
    { ready: /Ready to accept connections/, tag, timeoutMs: 15000, dieWithParent: true });
  p.port = port;
  p.url = `redis://127.0.0.1:${port}`;
  return p;
}

// One relay node on `port` (0: any free one) on the bus; `args` are more flags (--log-db, --secret-file, ...).
// Resolves to the process with .port and .addr ('127.0.0.1:PORT', the front's name for it).
export async function startRelayNode({ bus, port = 0, args = [], env = {}, tag = 'relay' }) {
  // --trust-proxy 127.0.0.1: the nginx front on this machine; the relay then counts budgets per X-Forwarded-For.
  const p = await startProcess(RELAY, ['--port', String(port), '--bus', bus, '--trust-proxy', '127.0.0.1', ...args],
    { ready: RELAY_READY, tag, timeoutMs: 15000, env, dieWithParent: true });
  p.port = Number(p.output.map((l) => l.match(RELAY_READY)).find(Boolean)[1]);
  p.addr = `127.0.0.1:${p.port}`;
  return p;
}

// The nginx front of `relays` (['127.0.0.1:PORT', ...]) on 127.0.0.1:port, its config, logs and temp files in dir
// (absolute). single: one nginx process (tests; see scripts/edge-conf.mjs). Resolves once it answers.
export async function startRelayFront({ relays, port, dir, single = true, workers = 1, tag = 'nginx-relays' }) {
  const argv = prepareRelays({ relays, listen: `127.0.0.1:${port}`, dir, workers, single });
  const p = await startProcess(argv[0], argv.slice(1), { tag, dieWithParent: true });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (p.exited) throw new Error(`${tag} exited (${JSON.stringify(p.exited)})\n${p.output.slice(-10).join('\n')}`);
    const ok = await fetch(`${url}/nginx-healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (i >= 150) { await p.stop(); throw new Error(`${tag}: no answer on ${url} after 15 s\n${p.output.slice(-10).join('\n')}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  p.port = port;
  p.url = url;
  p.wsUrl = `ws://127.0.0.1:${port}/ws`;
  return p;
}

export { freePort };
