// e2e (origin + Chromium): a browser's WebSocket reads the origin's ingest refusals. The origin accepts the upgrade
// and closes at once with a 4xxx code and a reason (docs/ingest.md), so `close` carries both: a bad key (4401), an
// expired key (4410), a bad name (4400), a second publisher (4409) and one broadcast too many (4429). The key travels
// in Sec-WebSocket-Protocol as the studio sends it. No page is shown to a person (no screenshot): the page is blank.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, collectLogs } from './lib/browser.mjs';
import { BIN, startProcess } from './lib/procs.mjs';
import { mintKey, openPublisher } from './lib/ingest.mjs';

const ORIGIN = join(BIN, 'livescope-origin');
const SECRET = 'e2e-refusals-secret-0123456789';
const missing = !existsSync(ORIGIN) ? `${ORIGIN} missing: build livescope-origin first` : false;

test('a browser reads each ingest refusal as a 4xxx close code with its reason', { skip: missing, timeout: 90000 }, async (t) => {
  const origin = await startProcess(ORIGIN, ['--port', '0', '--no-demo', '--renditions', '240p', '--max-broadcasts', '1'],
    { ready: /livescope-origin ready (http:\/\/\S+)\/live\/index\.json/, timeoutMs: 20000, tag: 'origin', env: { LIVESCOPE_SECRET: SECRET } });
  t.after(() => origin.stop());
  const base = origin.output.map((l) => l.match(/livescope-origin ready (http:\/\/\S+)\/live\/index\.json/)).find(Boolean)[1];
  const port = Number(new URL(base).port);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  const logs = collectLogs(page, 'page');
  // One admitted publisher (node, raw socket) holds "taken" and the only place under --max-broadcasts 1 (opened after
  // the browser's start: a publisher that sends nothing is closed after 10 s).
  const holder = await openPublisher(port, `/ingest/taken?token=${mintKey('taken', SECRET)}`);
  assert.equal(holder.status, 101, holder.body);
  t.after(() => holder.destroy());
  const attempt = (name, key) => page.evaluate(([url, k]) => new Promise((resolve) => {
    const ws = new WebSocket(url, ['livescope-ingest', k]);
    let opened = false;
    ws.onopen = () => { opened = true; };
    ws.onclose = (e) => resolve({ opened, code: e.code, reason: e.reason, protocol: ws.protocol });
    setTimeout(() => resolve({ opened, code: -1, reason: 'no close within 10 s' }), 10000);
  }), [`ws://127.0.0.1:${port}/ingest/${name}`, key]);

  const cases = [
    ['show', mintKey('show', 'another-secret'), 4401, /signature/],
    ['show', mintKey('show', SECRET, { ttl: -60 }), 4410, /expired/],
    ['Bad_Name', mintKey('Bad_Name', SECRET), 4400, /name/],
    ['taken', mintKey('taken', SECRET), 4409, /already/],
    ['show', mintKey('show', SECRET), 4429, /max-broadcasts/],
  ];
  for (const [name, key, code, reason] of cases) {
    const seen = await attempt(name, key);
    assert.equal(seen.code, code, `${name}: ${JSON.stringify(seen)}\n${logs.join('\n')}`);
    assert.match(seen.reason, reason);
    assert.equal(seen.protocol, 'livescope-ingest');
  }
  assert.ok(!holder.state.closed, 'the admitted publisher was disturbed');
  assert.deepEqual((await (await fetch(`${base}/live/index.json`)).json()).broadcasts, [], 'a refused publisher published something');
});
