// Demo web server: serves the widget dist (build/wasm/dist: only the shipped files), the example pages
// (examples/embed, templated with the stream and relay URLs and served under the documented strict CSP), the
// iframe player page with Twitter-card and Open Graph tags, and an oEmbed endpoint. Used by scripts/demo.mjs
// and by the embed e2e tests. Limits: docs/embed-dist.md.
//
// [SECTION] CSP and templating
// [SECTION] oEmbed
// [SECTION] server
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { MIME_TYPES, decodeRequestPath, resolveFile, sendFile, sendStatus } from './lib/static.mjs';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
// The widget's shipped files only (assembled by the wasm build, src/app/CMakeLists.txt), never the build folder
// around them (CMakeCache.txt, compile_commands.json, .ninja_log). LIVESCOPE_DIST points at another dist folder.
const DIST = process.env.LIVESCOPE_DIST || join(ROOT, 'build', 'wasm', 'dist');
const EXAMPLES = join(ROOT, 'examples', 'embed');
const PLAYER_W = 360, PLAYER_H = 640; // CSS pixels, 9:16
const MAX_REPORT_BYTES = 64 * 1024; // one CSP report body; longer ones are cut
const MAX_REPORTS = 1000; // CSP reports kept in memory; later ones are answered and dropped

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

// HTML-escapes a value for text or a quoted attribute.
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

// Fills {{NAME}} placeholders from `values` (already escaped). A replacer function, never a replacement
// string: a value holding `$&`, `$\`` or `$'` is inserted as it is, not expanded into the page's own markup.
export function fillTemplate(html, values) {
  return html.replace(/\{\{([A-Z]+)\}\}/g, (m, name) => (Object.hasOwn(values, name) ? values[name] : m));
}

// The standalone player page from the built template: page title and player meta tags (values escaped,
// inserted by replacer functions).
export function playerPage(template, base, pageUrl, title) {
  return template
    .replace(/<title>[^<]*<\/title>/, () => `<title>${esc(title)}</title>`)
    .replace('</head>', () => `${playerMeta(base, pageUrl, title)}\n</head>`);
}

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
// A request it cannot parse (bad percent-escape, bad Host) gets a 400; the server keeps serving.
// opts.dist: another widget dist folder than DIST (tests/bench/embed.sh's BENCH_BASELINE_DIST).
export function startDemoServer(opts = {}) {
  ensurePoster();
  const dist = opts.dist || DIST;
  const host = opts.host || '127.0.0.1';
  const reports = []; // CSP violation reports received at /csp-report (the first MAX_REPORTS)
  const csp = strictCsp({ streamUrl: opts.streamUrl, relayUrl: opts.relayUrl });
  const defaults = { title: opts.title || 'livescope live demo', streamUrl: opts.streamUrl || '', room: opts.relayUrl ? `${opts.relayUrl}#demo` : '' };
  const handle = (req, res) => {
    const send = (status, type, body, headers = {}) => { res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-cache', ...headers }); res.end(body); };
    let base;
    try { base = new URL(`http://${req.headers.host || `${host}:${server.address().port}`}`).origin; }
    catch { return sendStatus(res, 400, 'bad request'); }
    const target = decodeRequestPath(req.url, base);
    if (!target) return sendStatus(res, 400, 'bad request');
    const { url, path } = target;

    if (path === '/csp-report' && req.method === 'POST') {
      let b = '';
      req.on('data', (d) => { if (b.length < MAX_REPORT_BYTES) b += d.toString('utf8', 0, MAX_REPORT_BYTES - b.length); });
      req.on('end', () => { if (reports.length < MAX_REPORTS) reports.push(b); send(204, 'text/plain', ''); });
      return;
    }
    if (path === '/oembed') {
      const r = oembedFor(base, url.searchParams, defaults);
      return send(r.status, 'application/json; charset=utf-8', JSON.stringify(r.body), { 'Access-Control-Allow-Origin': '*' });
    }
    if (path === '/embed/player.html' || path === '/embed/' || path === '/embed') {
      const title = url.searchParams.get('title') || defaults.title;
      const html = playerPage(readFileSync(join(dist, 'player.html'), 'utf8'), base, `${base}${url.pathname}${url.search}`, title);
      return send(200, MIME_TYPES['.html'], html, { 'Content-Security-Policy': csp });
    }
    if (path === '/') { res.writeHead(302, { Location: '/examples/' }); return res.end(); }
    if (path.startsWith('/examples/')) {
      const rel = path.slice('/examples/'.length) || 'index.html';
      const file = resolveFile(EXAMPLES, rel);
      if (file && extname(file) === '.html') {
        const html = fillTemplate(readFileSync(file, 'utf8'), {
          SRC: esc(defaults.streamUrl), RELAY: esc(opts.relayUrl || ''), BASE: esc(base),
          OEMBED: esc(`${base}/oembed?format=json&url=${encodeURIComponent(`${base}${url.pathname}`)}`),
          PLAYER: esc(playerPageUrl(base, { src: opts.streamUrl, room: defaults.room, title: defaults.title })),
        });
        return send(200, MIME_TYPES['.html'], html, { 'Content-Security-Policy': csp });
      }
      return sendFile(res, EXAMPLES, rel);
    }
    // The widget dist: the loader, runtime, wasm modules. CORS so a page on another origin can embed it.
    return sendFile(res, dist, path.replace(/^\/embed\//, '/'), { 'Access-Control-Allow-Origin': '*' });
  };
  const server = createServer((req, res) => {
    try { handle(req, res); } catch (e) {
      // A bug or a file that vanished: answer this request, keep serving the others.
      if (!res.headersSent) { res.writeHead(500, { 'Content-Type': 'text/plain' }); res.end('internal error'); } else res.destroy();
    }
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(opts.port || 0, host, () => {
      const port = server.address().port;
      resolve({ server, port, url: `http://${host}:${port}`, reports, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) });
    });
  });
}
