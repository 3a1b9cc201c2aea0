// Renders the shipped nginx configs and gives the argv that runs Debian's nginx on them without root:
//   edge (default): deploy/nginx/livescope-edge.conf.in, the LL-HLS edge cache in front of livescope-origin (docs/edge.md)
//   relays: deploy/nginx/livescope-relays.conf.in, the WebSocket front of several relay nodes (docs/scale-out.md)
// CLI:
//   node scripts/edge-conf.mjs --origin 127.0.0.1:8080 --listen 8081 --dir /var/cache/livescope-edge [--workers auto] [--lock on|off] > edge.conf
//   node scripts/edge-conf.mjs --mode relays --relay 127.0.0.1:8091 --relay 127.0.0.1:8092 --listen 8090 --dir /var/lib/livescope-relays > relays.conf
//   nginx -p DIR/ -e DIR/error.log -c edge.conf -g 'daemon off; pid DIR/nginx.pid;'
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const DEPLOY = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'nginx');
export const TEMPLATE = join(DEPLOY, 'livescope-edge.conf.in');
export const RELAYS_TEMPLATE = join(DEPLOY, 'livescope-relays.conf.in');
export const NGINX = '/usr/sbin/nginx';

// nginx.conf carries these values unquoted: refuse anything with spaces, quotes, braces or semicolons.
const SAFE = /^[A-Za-z0-9_.:\/\[\]-]+$/;

// Fills `template`'s @NAME@ parameters with `values` (each checked by SAFE unless listed in `raw`, which the caller
// built from checked parts); `dir` must be absolute.
function render(template, values, dir, raw = []) {
  for (const [k, v] of Object.entries(values))
    if (!raw.includes(k) && (!v || !SAFE.test(v))) throw new Error(`edge-conf: ${k} '${v}' is empty or has characters nginx.conf cannot carry unquoted`);
  if (!dir.startsWith('/')) throw new Error(`edge-conf: the dir must be absolute (${dir})`);
  return readFileSync(template, 'utf8').replace(/@([A-Z_]+)@/g, (m, k) => {
    if (!(k in values)) throw new Error(`edge-conf: unknown template parameter ${m}`);
    return values[k];
  });
}

// { origin: 'host:port', listen: 'port' or 'host:port', dir: absolute folder, workers: 1, lock: 'on' | 'off' } -> the
// config text. lock 'off' trades request collapsing for no lock wait (docs/edge.md).
export function renderEdgeConf({ origin, listen, dir, workers = 1, lock = 'on' }) {
  if (lock !== 'on' && lock !== 'off') throw new Error(`edge-conf: lock must be on or off, not '${lock}'`);
  return render(TEMPLATE, { ORIGIN: origin, LISTEN: String(listen), CACHE_DIR: dir, WORKERS: String(workers), LOCK: lock }, dir);
}

// { relays: ['host:port', ...] (1 to 64 nodes), listen, dir, workers } -> the relay front's config text.
export function renderRelaysConf({ relays, listen, dir, workers = 1 }) {
  if (!Array.isArray(relays) || relays.length < 1 || relays.length > 64) throw new Error('edge-conf: give 1 to 64 relay nodes (--relay HOST:PORT)');
  for (const r of relays) if (!SAFE.test(String(r)) || !/:\d+$/.test(r)) throw new Error(`edge-conf: relay '${r}' is not HOST:PORT`);
  const servers = relays.map((r) => `        server ${r} max_fails=1 fail_timeout=10s;`).join('\n');
  return render(RELAYS_TEMPLATE, { SERVERS: servers, LISTEN: String(listen), STATE_DIR: dir, WORKERS: String(workers) }, dir, ['SERVERS']);
}

// The argv of a foreground nginx on `conf` whose prefix, logs and pid live in `dir`. single: one process, no master
// (tests and benches: a parent-death signal then reaches all of nginx, and a root run keeps its own uid, so a private
// temp folder stays readable).
function nginxArgv(dir, conf, single) {
  return [NGINX, '-p', `${dir}/`, '-e', join(dir, 'error.log'), '-c', conf, '-g', `daemon off; pid ${join(dir, 'nginx.pid')};${single ? ' master_process off;' : ''}`];
}

// Writes DIR/edge.conf (and DIR/tmp) and returns the argv of a foreground nginx on it.
export function prepareEdge({ origin, listen, dir, workers = 1, lock = 'on', single = false }) {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'edge.conf');
  writeFileSync(conf, renderEdgeConf({ origin, listen, dir, workers, lock }));
  return nginxArgv(dir, conf, single);
}

// Writes DIR/relays.conf (and DIR/tmp) and returns the argv of a foreground nginx on it.
export function prepareRelays({ relays, listen, dir, workers = 1, single = false }) {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'relays.conf');
  writeFileSync(conf, renderRelaysConf({ relays, listen, dir, workers }));
  return nginxArgv(dir, conf, single);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values: o } = parseArgs({ options: { mode: { type: 'string', default: 'edge' }, origin: { type: 'string' }, relay: { type: 'string', multiple: true },
    listen: { type: 'string' }, dir: { type: 'string' }, workers: { type: 'string', default: 'auto' }, lock: { type: 'string', default: 'on' } } });
  const usage = 'usage: node scripts/edge-conf.mjs [--mode edge] --origin HOST:PORT --listen [HOST:]PORT --dir /ABSOLUTE/CACHE/DIR [--workers N|auto] [--lock on|off]\n' +
    '       node scripts/edge-conf.mjs --mode relays --relay HOST:PORT [--relay HOST:PORT ...] --listen [HOST:]PORT --dir /ABSOLUTE/STATE/DIR [--workers N|auto]';
  const ok = o.listen && o.dir && (o.mode === 'edge' ? o.origin : o.mode === 'relays' ? o.relay?.length : false);
  if (!ok) { console.error(usage); process.exit(2); }
  try {
    const dir = resolve(o.dir);
    process.stdout.write(o.mode === 'edge' ? renderEdgeConf({ origin: o.origin, listen: o.listen, dir, workers: o.workers, lock: o.lock })
      : renderRelaysConf({ relays: o.relay, listen: o.listen, dir, workers: o.workers }));
  } catch (e) { console.error(e.message); process.exit(2); }
}
