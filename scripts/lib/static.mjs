// Demo and test helper: the one MIME table and static-file handler of the repo, used by the demo web server
// (scripts/demo-server.mjs), the e2e tests and the benches. Paths are decoded once (a malformed escape or a
// NUL is a 400), normalised and kept inside their folder; what is not a file there is a 404; there is no
// directory listing (a folder may serve its index.html, when asked). Node built-ins only: scripts/demo.mjs
// uses it, and must not pull in playwright.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { join, normalize, extname, resolve, sep } from 'node:path';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css; charset=utf-8',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.svg': 'image/svg+xml',
  '.m3u8': 'application/vnd.apple.mpegurl', '.mp4': 'video/mp4', '.m4s': 'video/iso.segment', '.ts': 'video/mp2t',
};

// The Content-Type for a file name; unknown extensions are application/octet-stream.
export const mimeType = (file) => MIME_TYPES[extname(file).toLowerCase()] || 'application/octet-stream';

// The request's URL and its decoded path, or null when the target cannot be parsed: a malformed
// percent-escape, or an escaped NUL (the caller answers 400 and keeps serving).
export function decodeRequestPath(reqUrl, base = 'http://x') {
  try {
    const url = new URL(reqUrl, base);
    const path = decodeURIComponent(url.pathname);
    return path.includes('\0') ? null : { url, path };
  } catch { return null; }
}

// The file that `rel` (a decoded URL path) names inside `dir`, or null: nothing outside `dir`, no folders
// (a folder gives its index.html when `index` is set), only what exists as a plain file.
export function resolveFile(dir, rel, { index = false } = {}) {
  const root = resolve(dir);
  let file = normalize(join(root, rel));
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    let st = statSync(file);
    if (st.isDirectory() && index) { file = join(file, 'index.html'); st = statSync(file); }
    return st.isFile() ? file : null;
  } catch { return null; }
}

// Answers a plain-text status (400, 404, 500...).
export function sendStatus(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
  res.end(text);
}

// Sends `rel` from `dir` (see resolveFile) with its MIME type and `headers`, or a 404.
export function sendFile(res, dir, rel, headers = {}, { index = false } = {}) {
  const file = resolveFile(dir, rel, { index });
  if (!file) { sendStatus(res, 404, 'not found'); return; }
  res.writeHead(200, { 'Content-Type': mimeType(file), 'Cache-Control': 'no-cache', ...headers });
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

// Serves `root` on 127.0.0.1:port (0 = any). `routes` maps URL prefixes to folders under root, e.g.
// {'/wasm/': 'build/wasm'}; a folder serves its index.html. `headers(urlPath)` may return extra headers
// (the CSP and key-fetch tests use it). Every answer allows any origin. Resolves to { server, port, url, close }; close() also drops the
// connections a browser keeps alive (without it, close waits for them to time out: ~110 s).
export function serveStatic(root, { port = 0, routes = {}, headers = () => ({}) } = {}) {
  const server = createServer((req, res) => {
    const target = decodeRequestPath(req.url);
    if (!target) { sendStatus(res, 400, 'bad request'); return; }
    let { path } = target, base = root;
    for (const [prefix, dir] of Object.entries(routes)) {
      if (path.startsWith(prefix)) { base = join(root, dir); path = path.slice(prefix.length - 1); break; }
    }
    sendFile(res, base, path, { 'Access-Control-Allow-Origin': '*', ...headers(target.url.pathname) }, { index: true });
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => {
    const p = server.address().port;
    ok({ server, port: p, url: `http://127.0.0.1:${p}`, close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }) });
  }));
}
