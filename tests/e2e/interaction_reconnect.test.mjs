// e2e (interaction): the widget's WebSocket client recovers. A dropped connection resyncs from the
// relay's `welcome` without showing any comment twice; a relay restarted on the same port is found
// again by the jittered backoff, and comments flow afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { launchBrowser, collectLogs, ROOT } from './lib/browser.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR } from './lib/canvas.mjs';
import { startProcess, BIN } from './lib/procs.mjs';

const RELAY = join(BIN, 'livescope-relay');
const READY = /listening on (ws\S+)/;

const logTexts = (page) => page.evaluate(() => Array.from(document.querySelectorAll('.livescope-comment-log .livescope-comment-text'), (e) => e.textContent));
const waitViewers = (page, live) => page.waitForFunction((n) => window.livescopeWidgets[0].plugins.room.state.viewers.live === n, live, { timeout: 30000 });

async function openViewer(context, url, tag) {
  const page = await context.newPage();
  const logs = collectLogs(page, tag);
  await page.addInitScript((id) => localStorage.setItem('livescope.clientId', id), `e2e-reconnect-${tag}-${process.pid}`);
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.livescope, null, { timeout: 60000 });
  return { page, logs, tag };
}

async function sendComment(page, text) {
  await page.locator('.livescope-compose-input').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

test('a dropped socket resyncs without repeats, and a restarted relay is found again', async (t) => {
  if (!existsSync(RELAY)) { t.skip(`livescope-relay not built (${RELAY}): build the native preset`); return; }
  if (!existsSync(join(WASM_DIR, 'livescope_page.wasm'))) { t.skip(`${WASM_DIR}/livescope_page.wasm missing: build the wasm preset`); return; }

  let relay = await startProcess(RELAY, ['--port', '0'], { ready: READY, tag: 'relay' });
  const wsUrl = relay.output.map((l) => l.match(READY)).find(Boolean)[1];
  const port = new URL(wsUrl).port;
  const srv = await serveStatic(WASM_DIR);
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await srv.close(); await relay.stop(); });

  const room = `ws://127.0.0.1:${port}/ws?room=e2e-reconnect`;
  const url = `${srv.url}/livescope_page.html?title=Reconnect&room=${encodeURIComponent(room)}`;
  const a = await openViewer(browser.context, url, 'A');
  const b = await openViewer(browser.context, url, 'B');
  try {
    await waitViewers(a.page, 2);
    await waitViewers(b.page, 2);
    await sendComment(a.page, 'first question');
    await b.page.waitForFunction(() => document.querySelectorAll('.livescope-comment-log p').length >= 1, null, { timeout: 10000 });
    await a.page.waitForTimeout(1100); // the relay's comment rate limit
    await sendComment(a.page, 'second question');
    await b.page.waitForFunction(() => document.querySelectorAll('.livescope-comment-log p').length >= 2, null, { timeout: 10000 });

    // 1. B's socket drops; the relay keeps the room's history and sends it again in `welcome`.
    const dropAt = Date.now();
    await b.page.evaluate(() => window.livescopeWidgets[0].plugins.room.debugDropConnection());
    await b.page.waitForFunction(() => window.livescopeWidgets[0].plugins.room.state.connects >= 2, null, { timeout: 30000 });
    await waitViewers(b.page, 2);
    await b.page.waitForTimeout(500);
    assert.deepEqual(await logTexts(b.page), ['first question', 'second question'], 'B shows a comment twice (or lost one) after the resync');
    console.log(`interaction reconnect: dropped socket rejoined in ${Date.now() - dropAt} ms, history deduped`);

    // 2. The relay restarts on the same port (history gone): both widgets find it again.
    const joinsBefore = [];
    for (const v of [a, b]) joinsBefore.push(await v.page.evaluate(() => window.livescopeWidgets[0].plugins.room.state.joins));
    await relay.stop();
    await b.page.waitForFunction(() => window.livescopeWidgets[0].plugins.room.state.connects >= 3, null, { timeout: 30000 });
    const restartAt = Date.now();
    relay = await startProcess(RELAY, ['--port', port], { ready: READY, tag: 'relay2' });
    for (const [i, v] of [a, b].entries()) {
      await v.page.waitForFunction((n) => window.livescopeWidgets[0].plugins.room.state.joins > n, joinsBefore[i], { timeout: 30000 });
    }
    await waitViewers(a.page, 2);
    await waitViewers(b.page, 2);
    console.log(`interaction reconnect: both viewers back ${Date.now() - restartAt} ms after the relay restarted` +
      ` (connect attempts: A ${(await a.page.evaluate(() => window.livescopeWidgets[0].plugins.room.state.connects))},` +
      ` B ${(await b.page.evaluate(() => window.livescopeWidgets[0].plugins.room.state.connects))})`);
    await sendComment(a.page, 'after the restart');
    await b.page.waitForFunction(() => Array.from(document.querySelectorAll('.livescope-comment-log .livescope-comment-text')).some((e) => e.textContent === 'after the restart'), null, { timeout: 10000 });
    assert.deepEqual(await logTexts(b.page), ['first question', 'second question', 'after the restart']);
  } catch (e) {
    for (const v of [a, b]) console.log(v.tag, JSON.stringify(await v.page.evaluate(() => window.livescopeWidgets[0].plugins.room.state).catch(() => null)), JSON.stringify(await logTexts(v.page).catch(() => null)));
    console.log([...a.logs, ...b.logs].join('\n'));
    console.log(relay.output.slice(-20).join('\n'));
    throw e;
  }
});
