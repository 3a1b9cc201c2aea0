// e2e (static files, no browser): scripts/lib/static.mjs, the one static-file handler and MIME table that the
// demo server, the e2e tests and the benches share. Types by extension, a folder's index.html, a 400 for a
// malformed or NUL escape (and the server keeps serving), a 404 for what is outside the folder, a folder
// without an index (no listing) or a missing file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { serveStatic, mimeType } from '../../scripts/lib/static.mjs';

let dir, srv;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'livescope-static-'));
  mkdirSync(join(dir, 'site', 'sub'), { recursive: true });
  mkdirSync(join(dir, 'site', 'bare'));
  writeFileSync(join(dir, 'secret.txt'), 'outside the served folder');
  writeFileSync(join(dir, 'site', 'index.html'), '<!doctype html><title>home</title>');
  writeFileSync(join(dir, 'site', 'sub', 'index.html'), '<!doctype html><title>sub</title>');
  for (const f of ['a.js', 'a.mjs', 'a.wasm', 'a.m3u8', 'a.m4s', 'a.ts', 'a.jpg', 'a.bin', 'é b.css']) writeFileSync(join(dir, 'site', 'bare', f), f);
  srv = await serveStatic(join(dir, 'site'));
});
after(async () => { if (srv) await srv.close(); rmSync(dir, { recursive: true, force: true }); });

// A raw request line, so that malformed targets reach the server as they are.
const raw = (target) => new Promise((resolve, reject) => {
  const s = connect(srv.port, '127.0.0.1', () => s.end(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
  let out = '';
  s.on('data', (d) => { out += d; }).on('end', () => resolve(out)).on('error', reject);
});

test('files are served with the shared MIME table, unknown extensions as octet-stream', async () => {
  const want = { 'a.js': 'text/javascript', 'a.mjs': 'text/javascript', 'a.wasm': 'application/wasm',
    'a.m3u8': 'application/vnd.apple.mpegurl', 'a.m4s': 'video/iso.segment', 'a.ts': 'video/mp2t', 'a.jpg': 'image/jpeg',
    'a.bin': 'application/octet-stream', 'é b.css': 'text/css' };
  for (const [name, type] of Object.entries(want)) {
    const r = await fetch(`${srv.url}/bare/${encodeURIComponent(name)}`);
    assert.equal(r.status, 200, name);
    assert.ok(r.headers.get('content-type').startsWith(type), `${name}: ${r.headers.get('content-type')}`);
    assert.equal(await r.text(), name);
  }
  assert.equal(mimeType('X.HTML'), 'text/html; charset=utf-8');
});

test("a folder serves its index.html; a folder without one is a 404, never a listing", async () => {
  for (const [path, title] of [['/', 'home'], ['/sub/', 'sub'], ['/sub', 'sub']]) {
    const r = await fetch(`${srv.url}${path}`);
    assert.equal(r.status, 200, path);
    assert.match(await r.text(), new RegExp(`<title>${title}</title>`), path);
  }
  const bare = await fetch(`${srv.url}/bare/`);
  assert.equal(bare.status, 404);
  assert.doesNotMatch(await bare.text(), /a\.js/);
});

test('malformed and NUL escapes are a 400 and the server keeps serving; escapes out of the folder are a 404', async () => {
  for (const target of ['/%E0%A4%A', '/%zz', '/bare/a.js%00.html']) {
    assert.match(await raw(target), /^HTTP\/1\.1 400/, target);
  }
  for (const target of ['/../secret.txt', '/%2e%2e/secret.txt', '/bare/..%2f..%2fsecret.txt', '/missing.js']) {
    const out = await raw(target);
    assert.match(out, /^HTTP\/1\.1 404/, target);
    assert.doesNotMatch(out, /outside the served folder/, target);
  }
  assert.equal((await fetch(`${srv.url}/bare/a.js`)).status, 200);
});
