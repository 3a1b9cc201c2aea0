// Renders deploy/nginx/livescope-edge.conf.in (the LL-HLS edge cache in front of livescope-origin) and gives the argv
// that runs Debian's nginx on it without root. CLI:
//   node scripts/edge-conf.mjs --origin 127.0.0.1:8080 --listen 8081 --dir /var/cache/livescope-edge [--workers auto] [--lock on|off] > edge.conf
//   nginx -p DIR/ -e DIR/error.log -c edge.conf -g 'daemon off; pid DIR/nginx.pid;'
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'nginx', 'livescope-edge.conf.in');
export const NGINX = '/usr/sbin/nginx';

// nginx.conf carries these values unquoted: refuse anything with spaces, quotes, braces or semicolons.
const SAFE = /^[A-Za-z0-9_.:\/\[\]-]+$/;

// { origin: 'host:port', listen: 'port' or 'host:port', dir: absolute folder, workers: 1, lock: 'on' | 'off' } -> the
// config text. lock 'off' trades request collapsing for no lock wait (docs/edge.md).
export function renderEdgeConf({ origin, listen, dir, workers = 1, lock = 'on' }) {
  if (lock !== 'on' && lock !== 'off') throw new Error(`edge-conf: lock must be on or off, not '${lock}'`);
  const values = { ORIGIN: origin, LISTEN: String(listen), CACHE_DIR: dir, WORKERS: String(workers), LOCK: lock };
  for (const [k, v] of Object.entries(values))
    if (!v || !SAFE.test(v)) throw new Error(`edge-conf: ${k} '${v}' is empty or has characters nginx.conf cannot carry unquoted`);
  if (!dir.startsWith('/')) throw new Error(`edge-conf: the cache dir must be absolute (${dir})`);
  return readFileSync(TEMPLATE, 'utf8').replace(/@([A-Z_]+)@/g, (m, k) => {
    if (!(k in values)) throw new Error(`edge-conf: unknown template parameter ${m}`);
    return values[k];
  });
}

// Writes DIR/edge.conf (and DIR/tmp) and returns the argv of a foreground nginx on it. single: one process, no master
// (tests and benches: a parent-death signal then reaches all of nginx, and a root run keeps its own uid, so a private
// temp folder stays readable).
export function prepareEdge({ origin, listen, dir, workers = 1, lock = 'on', single = false }) {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'edge.conf');
  writeFileSync(conf, renderEdgeConf({ origin, listen, dir, workers, lock }));
  return [NGINX, '-p', `${dir}/`, '-e', join(dir, 'error.log'), '-c', conf, '-g', `daemon off; pid ${join(dir, 'nginx.pid')};${single ? ' master_process off;' : ''}`];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values: o } = parseArgs({ options: { origin: { type: 'string' }, listen: { type: 'string' }, dir: { type: 'string' }, workers: { type: 'string', default: 'auto' }, lock: { type: 'string', default: 'on' } } });
  if (!o.origin || !o.listen || !o.dir) {
    console.error('usage: node scripts/edge-conf.mjs --origin HOST:PORT --listen [HOST:]PORT --dir /ABSOLUTE/CACHE/DIR [--workers N|auto] [--lock on|off]');
    process.exit(2);
  }
  try { process.stdout.write(renderEdgeConf({ origin: o.origin, listen: o.listen, dir: resolve(o.dir), workers: o.workers, lock: o.lock })); }
  catch (e) { console.error(e.message); process.exit(2); }
}
