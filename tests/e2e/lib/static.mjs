// e2e and demo helper: a small static file server for the repo (web/, shell/, examples/, build/wasm/).
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { join, normalize, extname } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.m3u8': 'application/vnd.apple.mpegurl', '.mp4': 'video/mp4', '.m4s': 'video/iso.segment',
};

// Serves `root` on 127.0.0.1:port (0 = any). `routes` maps URL prefixes to directories, e.g. {'/wasm/': 'build/wasm'}.
// `headers(urlPath)` may return extra headers (used for CSP tests). Resolves to { server, port, url }.
export function serveStatic(root, { port = 0, routes = {}, headers = () => ({}) } = {}) {
  const server = createServer((req, res) => {
    let url, path;
    try { url = new URL(req.url, 'http://x'); path = decodeURIComponent(url.pathname); } // a bad escape: 400, keep serving
    catch { res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad request'); return; }
    let base = root;
    for (const [prefix, dir] of Object.entries(routes)) {
      if (path.startsWith(prefix)) { base = join(root, dir); path = path.slice(prefix.length - 1); break; }
    }
    const file = normalize(join(base, path));
    if (!file.startsWith(normalize(base))) { res.writeHead(403).end(); return; }
    let target = file;
    try { if (statSync(target).isDirectory()) target = join(target, 'index.html'); statSync(target); }
    catch { res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found'); return; }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(target)] || 'application/octet-stream',
      'Cache-Control': 'no-cache', 'Access-Control-Allow-Origin': '*', ...headers(url.pathname),
    });
    createReadStream(target).on('error', () => res.destroy()).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => {
    const p = server.address().port;
    resolve({ server, port: p, url: `http://127.0.0.1:${p}`, close: () => new Promise((r) => server.close(r)) });
  }));
}
