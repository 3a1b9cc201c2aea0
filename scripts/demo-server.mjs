// Demo web server: serves the widget dist (build/wasm), the example pages (examples/embed, templated with the
// stream and relay URLs and served under the documented strict CSP), the iframe player page with Twitter-card
// and Open Graph tags, and an oEmbed endpoint. Used by scripts/demo.mjs and by the embed e2e tests.
//
// [SECTION] CSP and templating
// [SECTION] oEmbed
// [SECTION] server
import { createServer } from 'node:http';
import { createReadStream, readFileSync, statSync, existsSync } from 'node:fs';
import { join, normalize, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const DIST = join(ROOT, 'build', 'wasm');
const EXAMPLES = join(ROOT, 'examples', 'embed');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm',
  '.json': 'application/json', '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.jpg': 'image/jpeg', '.svg': 'image/svg+xml',
};
const PLAYER_W = 360, PLAYER_H = 640; // CSS pixels, 9:16

//-----------------------------------------------------------------------------
// [SECTION] CSP and templating
//-----------------------------------------------------------------------------

// The strict CSP a publisher needs (README "Content Security Policy"): no inline script, no eval; wasm
// compile needs 'wasm-unsafe-eval'; connect-src names the stream and relay origins.
export function strictCsp({ streamUrl = '', relayUrl = '', widgetOrigin = '' } = {}) {
  const o = (u) => { try { const x = new URL(u); return `${x.protocol}//${x.host}`; } catch { return ''; } };
  const connect = ["'self'", widgetOrigin, o(streamUrl), o(relayUrl)].filter(Boolean);
  return [
    "default-src 'self'",
    `script-src 'self' ${widgetOrigin ? widgetOrigin + ' ' : ''}'wasm-unsafe-eval'`,
    `worker-src 'self' ${widgetOrigin ? widgetOrigin + ' ' : ''}blob:`,
    `connect-src ${[...new Set(connect)].join(' ')}`,
    "img-src 'self' data: blob:",
    "style-src 'self'",
    "media-src 'self' blob:",
    "frame-ancestors *",
    "report-uri /csp-report",
  ].join('; ');
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function playerPageUrl(base, { src, room, title }) {
  const q = new URLSearchParams();
  if (src) q.set('src', src);
  if (room) q.set('room', room);
  if (title) q.set('title', title);
  return `${base}/embed/player.html?${q}`;
}

// Meta tags for the iframe player page: Twitter player card, Open Graph video, oEmbed discovery.
function playerMeta(base, pageUrl, title) {
  const oembed = `${base}/oembed?format=json&url=${encodeURIComponent(pageUrl)}`;
  return [
    `<meta name="twitter:card" content="player">`,
    `<meta name="twitter:title" content="${esc(title)}">`,
    `<meta name="twitter:player" content="${esc(pageUrl)}">`,
    `<meta name="twitter:player:width" content="${PLAYER_W}">`,
    `<meta name="twitter:player:height" content="${PLAYER_H}">`,
    `<meta name="twitter:image" content="${esc(base)}/poster.jpg">`,
    `<meta property="og:type" content="video.other">`,
    `<meta property="og:title" content="${esc(title)}">`,
    `<meta property="og:url" content="${esc(pageUrl)}">`,
    `<meta property="og:image" content="${esc(base)}/poster.jpg">`,
    `<meta property="og:video" content="${esc(pageUrl)}">`,
    `<meta property="og:video:secure_url" content="${esc(pageUrl)}">`,
    `<meta property="og:video:type" content="text/html">`,
    `<meta property="og:video:width" content="${PLAYER_W}">`,
    `<meta property="og:video:height" content="${PLAYER_H}">`,
    `<link rel="alternate" type="application/json+oembed" href="${esc(oembed)}" title="${esc(title)}">`,
  ].join('\n');
}

//-----------------------------------------------------------------------------
// [SECTION] oEmbed (https://oembed.com, type "video")
//-----------------------------------------------------------------------------

// Pure: the oEmbed answer for a player or example page URL, honouring maxwidth/maxheight (keeps 9:16).
export function oembedFor(base, params, defaults) {
  const url = params.get('url');
  if (!url) return { status: 400, body: { error: 'url is required' } };
  let target;
  try { target = new URL(url); } catch { return { status: 404, body: { error: 'not a URL' } }; }
  if (target.origin !== new URL(base).origin) return { status: 404, body: { error: 'not a livescope page' } };
  const q = target.searchParams;
  const title = q.get('title') || defaults.title;
  const src = q.get('src') || defaults.streamUrl;
  const room = q.get('room') || defaults.room;
  let w = PLAYER_W, h = PLAYER_H;
  const mw = Number(params.get('maxwidth')) || Infinity, mh = Number(params.get('maxheight')) || Infinity;
  const scale = Math.min(1, mw / w, mh / h);
  w = Math.max(1, Math.floor(w * scale)); h = Math.max(1, Math.floor(h * scale));
  const player = playerPageUrl(base, { src, room, title });
  return { status: 200, body: {
    version: '1.0', type: 'video', provider_name: 'livescope', provider_url: base, title,
    width: w, height: h,
    html: `<iframe src="${esc(player)}" width="${w}" height="${h}" frameborder="0" allow="autoplay; fullscreen" allowfullscreen title="${esc(title)}"></iframe>`,
    thumbnail_url: `${base}/poster.jpg`, thumbnail_width: 360, thumbnail_height: 640,
  } };
}

//-----------------------------------------------------------------------------
// [SECTION] server
//-----------------------------------------------------------------------------

// A poster/thumbnail frame made once with Debian's ffmpeg (testsrc2, the demo stream's source).
function ensurePoster() {
  const out = join(DIST, 'poster.jpg');
  if (existsSync(out)) return;
  try {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=360x640:rate=1', '-frames:v', '1', out]);
  } catch { /* no poster: thumbnail_url 404s, pages still work */ }
}

// Starts the server. opts: { port, host, streamUrl, relayUrl, title }. Resolves to { url, port, close, reports }.
export function startDemoServer(opts = {}) {
  ensurePoster();
  const host = opts.host || '127.0.0.1';
  const reports = []; // CSP violation reports received at /csp-report
  const server = createServer((req, res) => {
    const base = `http://${req.headers.host}`;
    const url = new URL(req.url, base);
    const path = decodeURIComponent(url.pathname);
    const defaults = { title: opts.title || 'livescope live demo', streamUrl: opts.streamUrl || '', room: opts.relayUrl ? `${opts.relayUrl}#demo` : '' };
    const send = (status, type, body, headers = {}) => { res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-cache', ...headers }); res.end(body); };

    if (path === '/csp-report' && req.method === 'POST') {
      let b = ''; req.on('data', (d) => { b += d; }); req.on('end', () => { reports.push(b); send(204, 'text/plain', ''); });
      return;
    }
    if (path === '/oembed') {
      const r = oembedFor(base, url.searchParams, defaults);
      return send(r.status, 'application/json; charset=utf-8', JSON.stringify(r.body), { 'Access-Control-Allow-Origin': '*' });
    }
    if (path === '/embed/player.html' || path === '/embed/' || path === '/embed') {
      const title = url.searchParams.get('title') || defaults.title;
      const pageUrl = `${base}${url.pathname}${url.search}`;
      let html = readFileSync(join(DIST, 'livescope_page.html'), 'utf8');
      html = html.replace('</head>', `${playerMeta(base, pageUrl, title)}\n</head>`).replace('<title>livescope player</title>', `<title>${esc(title)}</title>`);
      return send(200, TYPES['.html'], html, { 'Content-Security-Policy': strictCsp({ streamUrl: opts.streamUrl, relayUrl: opts.relayUrl }) });
    }
    if (path.startsWith('/examples/')) {
      const file = normalize(join(EXAMPLES, path.slice('/examples/'.length) || 'index.html'));
      if (!file.startsWith(EXAMPLES) || !existsSync(file) || statSync(file).isDirectory()) return send(404, 'text/plain', 'not found');
      if (extname(file) === '.html') {
        const pageUrl = `${base}${url.pathname}`;
        const html = readFileSync(file, 'utf8')
          .replaceAll('{{SRC}}', esc(opts.streamUrl || ''))
          .replaceAll('{{RELAY}}', esc(opts.relayUrl || ''))
          .replaceAll('{{BASE}}', esc(base))
          .replaceAll('{{OEMBED}}', esc(`${base}/oembed?format=json&url=${encodeURIComponent(pageUrl)}`))
          .replaceAll('{{PLAYER}}', esc(playerPageUrl(base, { src: opts.streamUrl, room: defaults.room, title: defaults.title })));
        return send(200, TYPES['.html'], html, { 'Content-Security-Policy': strictCsp({ streamUrl: opts.streamUrl, relayUrl: opts.relayUrl }) });
      }
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache' });
      return createReadStream(file).pipe(res);
    }
    // The widget dist: the loader, runtime, wasm modules. CORS so a page on another origin can embed it.
    const rel = path === '/' ? '/index.html' : path.replace(/^\/embed\//, '/');
    const file = normalize(join(DIST, rel));
    if (path === '/' ) { res.writeHead(302, { Location: '/examples/' }); return res.end(); }
    if (!file.startsWith(DIST) || !existsSync(file) || statSync(file).isDirectory()) return send(404, 'text/plain', 'not found');
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache', 'Access-Control-Allow-Origin': '*' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(opts.port || 0, host, () => {
      const port = server.address().port;
      resolve({ server, port, url: `http://${host}:${port}`, reports, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) });
    });
  });
}
