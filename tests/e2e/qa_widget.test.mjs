// e2e (live Q&A in the viewer widget, issue 12): a relay with a secret, two viewers and a broadcaster's
// `overlay-only` widget in headless Chromium (no video: the overlay and the room are what is tested, so no origin).
// Viewers ask (the compose box's question toggle, and el.ask), vote with one tap on the DOM "Vote" button and take it
// back, and the votes reorder the list everywhere; the broadcaster answers and the "Now answering" banner shows on the
// viewers; a delete from the broadcaster's comment context menu removes the comment everywhere (canvas and role=log);
// a viewer's moderation attempt is refused; slow mode refuses a viewer with the wait in seconds and puts the text back
// into the box. The DOM mirror's roles and names are checked, and screenshots of a viewer with the questions view open
// at 360x640 and 1280x720 go to build/test-artifacts/. One relay, one browser, one host server for the whole file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, collectLogs, ARTIFACTS } from './lib/browser.mjs';
import { WASM_DIR } from './lib/canvas.mjs';
import { startProcess, BIN } from './lib/procs.mjs';
import { mintKey } from './lib/ingest.mjs';
import { decodeRequestPath, sendFile, sendStatus } from '../../scripts/lib/static.mjs';

const RELAY = join(BIN, 'livescope-relay');
const SECRET = 'qa-widget-e2e-secret-0123456789';
const ROOM = 'e2e-qa-widget';
const PAGE_BG = [40, 160, 90]; // the host page's colour under the overlay-only widget (rgb)
const missing = !existsSync(RELAY) ? `${RELAY} missing: build the native preset`
  : !existsSync(join(WASM_DIR, 'livescope_page.wasm')) ? `${WASM_DIR}/livescope_page.wasm missing: build the wasm preset` : '';

let relay, host, browser, dir;
const pages = {}; // tag -> { page, logs }

// The host page (one <live-scope> mounted by mount()) and the widget files on one origin.
function serveHost() {
  const server = createServer((req, res) => {
    const path = decodeRequestPath(req.url)?.path;
    if (path === undefined) { sendStatus(res, 400, 'bad request'); return; }
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><head><meta charset="utf-8"><title>qa widget</title><script src="/w/livescope.js"></script></head>' +
        `<body style="margin:0;background:rgb(${PAGE_BG.join(',')})"><div id="slot" style="padding:8px"></div></body></html>`);
      return;
    }
    if (!path.startsWith('/w/')) { sendStatus(res, 404, 'not found'); return; }
    sendFile(res, WASM_DIR, path.slice('/w'.length));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  })));
}

// Mounts one widget of width `w` in `tag`'s page, recording its Q&A events in window.__ev.
async function mount(tag, { w = 360, aspect = '9:16', token = '', overlayOnly = false } = {}) {
  const { page } = pages[tag];
  await page.setViewportSize(aspect === '16:9' ? { width: w + 16, height: Math.ceil(w * 9 / 16) + 40 } : { width: Math.max(400, w + 16), height: Math.ceil(w * 16 / 9 / 0.85) + 16 });
  await page.evaluate(({ w, aspect, room, token, overlayOnly, id }) => {
    window.__ev = {};
    // Each page its own viewer identity: the pages share one profile's storage, read when the widget starts.
    localStorage.setItem('livescope.clientId', id);
    const slot = document.getElementById('slot');
    slot.replaceChildren();
    const box = document.createElement('div');
    box.style.width = `${w}px`;
    const el = document.createElement('live-scope');
    for (const [k, v] of Object.entries({ room, title: 'Ask me anything', lang: 'en', aspect })) el.setAttribute(k, v);
    if (token) el.setAttribute('token', token);
    if (overlayOnly) el.setAttribute('overlay-only', '');
    for (const type of ['board', 'comment', 'refused', 'held', 'modes', 'role', 'roomended']) {
      el.addEventListener(type, (e) => (window.__ev[type] = window.__ev[type] || []).push(e.detail));
    }
    box.appendChild(el);
    slot.appendChild(box);
  }, { w, aspect, room: `${relay.url}#${ROOM}`, token, overlayOnly, id: `qa-${tag}-${process.pid}` });
  await page.waitForFunction(() => { const r = document.querySelector('live-scope')?._ls?.widget?.plugins?.room; return r && r.state && r.state.joins > 0; }, null, { timeout: 60000 });
}

const el = (tag) => pages[tag].page.locator('live-scope');
const events = (tag, type) => pages[tag].page.evaluate((t) => window.__ev[t] || [], type);
const layout = (tag) => pages[tag].page.evaluate(() => document.querySelector('live-scope')._ls.widget.plugins.room.layout());
const lastBoard = (tag) => pages[tag].page.evaluate(() => { const b = window.__ev.board || []; return b[b.length - 1] || null; });
// Waits until `tag`'s latest board satisfies `pred` (a function source evaluated in the page on the board).
const waitBoard = (tag, pred, arg) => pages[tag].page.waitForFunction(({ pred, arg }) => {
  const b = (window.__ev.board || []).at(-1);
  return b && new Function('b', 'arg', `return (${pred})(b, arg);`)(b, arg);
}, { pred: pred.toString(), arg }, { timeout: 10000 });
const logTexts = (tag) => pages[tag].page.evaluate(() => Array.from(document.querySelector('live-scope').shadowRoot
  .querySelectorAll('[role=log] .livescope-comment-text'), (e) => e.textContent));

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'livescope-qa-'));
  writeFileSync(join(dir, 'secret'), SECRET);
  const p = await startProcess(RELAY, ['--port', '0', '--secret-file', join(dir, 'secret')], { ready: /listening on (ws\S+)/, timeoutMs: 20000, tag: 'relay', dieWithParent: true });
  relay = { proc: p, url: p.output.map((l) => l.match(/listening on (ws\S+)/)).find(Boolean)[1] };
  host = await serveHost();
  browser = await launchBrowser();
  for (const tag of ['A', 'B', 'H']) {
    const page = await browser.context.newPage();
    pages[tag] = { page, logs: collectLogs(page, tag) };
    await page.goto(`${host.url}/`);
  }
});

after(async () => {
  if (browser) await browser.close();
  if (host) await host.close();
  if (relay) await relay.proc.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('live Q&A in the widget: ask, vote, answer, delete, refusals, DOM mirror, screenshots', { skip: missing || false }, async () => {
  try {
    // The broadcaster's widget is overlay-only (the studio lays it over its camera preview): transparent, no video.
    await mount('H', { token: mintKey('Host', SECRET, { role: 'broadcaster' }), overlayOnly: true });
    await mount('A');
    await mount('B');
    assert.deepEqual(await events('H', 'role'), [{ role: 'broadcaster' }], 'the broadcaster token gives the broadcaster role');
    assert.deepEqual(await events('A', 'role'), [{ role: 'viewer' }], 'a guest is a viewer');
    const H = pages.H.page, A = pages.A.page, B = pages.B.page;
    const hState = await H.evaluate(() => ({ frames: document.querySelector('live-scope').stats.framesShown, hasWorker: !!document.querySelector('live-scope')._ls.widget.plugins.playback.worker }));
    assert.equal(hState.frames, 0, 'overlay-only loads no video');
    assert.equal(hState.hasWorker, false, 'overlay-only starts no decoder worker');

    // 1. A asks through the compose box: the text ends in "?", so the toggle is on by default.
    const inputA = A.locator('live-scope .livescope-compose-input');
    await inputA.click();
    const q1 = 'How do the votes work here?';
    await A.keyboard.type(q1);
    await A.waitForFunction(() => document.querySelector('live-scope').shadowRoot.querySelector('.livescope-ask-toggle')?.getAttribute('aria-pressed') === 'true', null, { timeout: 5000 });
    await A.keyboard.press('Enter');
    // B asks through the JS API.
    const q2 = 'Will the slides be online afterwards?';
    assert.equal(await el('B').evaluate((e, t) => e.ask(t), q2), true);
    for (const tag of ['A', 'B', 'H']) await waitBoard(tag, (b) => b.open.length === 2);
    const board = await lastBoard('H');
    const [first, second] = board.open;
    assert.deepEqual([first.text, second.text], [q1, q2], 'equal votes: older first');
    assert.notEqual(first.userId, second.userId, 'two viewers, two identities');
    for (const q of board.open) {
      assert.match(q.color, /^#[0-9a-f]{6}$/);
      assert.ok(q.id && q.userId && q.author && q.askedAt > 0, `question fields: ${JSON.stringify(q)}`);
      assert.equal(q.votes, 0);
    }
    const commentsH = await events('H', 'comment');
    assert.ok(commentsH.some((c) => c.text === q1 && c.question === true && c.userId), 'the comment event says question and userId');

    // 2. DOM mirror: role=list "Questions", each item with a "Vote" button (aria-pressed), a tab that opens the view.
    const listA = A.getByRole('list', { name: 'Questions' });
    assert.equal(await listA.getByRole('listitem').count(), 2);
    assert.equal(await listA.getByRole('button', { name: 'Vote' }).count(), 2);
    const tabA = A.getByRole('button', { name: 'Questions' });
    assert.equal(await tabA.getAttribute('aria-expanded'), 'false');
    await tabA.click();
    assert.equal(await tabA.getAttribute('aria-expanded'), 'true');
    await A.waitForFunction(() => document.querySelector('live-scope')._ls.widget.plugins.room.layout().questionRows.length === 2, null, { timeout: 5000 });

    // 3. One tap on the second question's Vote votes; the list reorders on every widget; a second tap takes it back.
    const voteFor = (page, text) => page.getByRole('list', { name: 'Questions' }).getByRole('listitem').filter({ hasText: text }).getByRole('button', { name: 'Vote' });
    await voteFor(A, q2).click();
    assert.equal(await voteFor(A, q2).getAttribute('aria-pressed'), 'true');
    for (const tag of ['A', 'B', 'H']) await waitBoard(tag, (b, t) => b.open[0].text === t && b.open[0].votes === 1, q2);
    const orderB = await B.getByRole('list', { name: 'Questions' }).getByRole('listitem').allTextContents();
    assert.ok(orderB[0].includes(q2) && orderB[1].includes(q1), `B's DOM list is in vote order: ${JSON.stringify(orderB)}`);
    assert.equal((await lastBoard('A')).open[0].voted, true);
    assert.equal((await lastBoard('B')).open[0].voted, false, 'a vote is per viewer');
    await voteFor(A, q2).click(); // take it back
    for (const tag of ['A', 'H']) await waitBoard(tag, (b, t) => b.open[0].text === t && b.open.every((q) => q.votes === 0), q1);
    assert.equal(await voteFor(A, q2).getAttribute('aria-pressed'), 'false');
    await voteFor(A, q2).click(); // and again, so it leads when answered
    await waitBoard('H', (b, t) => b.open[0].text === t && b.open[0].votes === 1, q2);

    // 4. The broadcaster answers it: "Now answering" under the header on both viewers (canvas layout and role=status).
    const q2id = (await lastBoard('H')).open[0].id;
    assert.equal(await el('H').evaluate((e, id) => e.moderate('answer', { id }), q2id), true);
    for (const page of [A, B]) {
      await page.waitForFunction(() => document.querySelector('live-scope')._ls.widget.plugins.room.layout().banner[2] > 0, null, { timeout: 10000 });
    }
    for (const tag of ['A', 'B']) {
      const L = await layout(tag);
      assert.ok(L.bannerLines.join(' ').includes('slides'), `${tag}: the banner shows the question: ${JSON.stringify(L.bannerLines)}`);
      assert.ok(L.banner[1] >= L.viewers[1] + L.viewers[3], `${tag}: the banner is under the header`);
      assert.equal((await lastBoard(tag)).answering?.id, q2id);
      const status = await pages[tag].page.evaluate(() => document.querySelector('live-scope').shadowRoot.querySelector('.livescope-now-answering').textContent);
      assert.match(status, /^Now answering: .*slides/);
    }

    // 5. A viewer's moderation attempt is refused (forbidden), and nothing changes.
    await A.waitForTimeout(1100); // the relay's comment burst: A commented once, B once
    await inputA.click();
    const doomed = 'this comment will be deleted';
    await A.keyboard.type(doomed);
    await A.keyboard.press('Enter');
    for (const tag of ['A', 'B', 'H']) await pages[tag].page.waitForFunction((t) => Array.from(document.querySelector('live-scope').shadowRoot.querySelectorAll('[role=log] .livescope-comment-text')).some((e) => e.textContent === t), doomed, { timeout: 10000 });
    const doomedId = (await events('B', 'comment')).find((c) => c.text === doomed).id;
    assert.equal((await events('B', 'comment')).find((c) => c.text === doomed).question, false, 'no "?": a plain comment');
    await el('B').evaluate((e, id) => e.moderate('delete', { id }), doomedId);
    await B.waitForFunction(() => (window.__ev.refused || []).some((r) => r.code === 'forbidden'), null, { timeout: 10000 });
    assert.ok((await logTexts('A')).includes(doomed), 'the refused delete removed nothing');

    // 6. The broadcaster deletes it from the comment itself: a right click on it in the canvas opens the menu.
    await H.bringToFront(); // headless Chromium runs animation frames in the front tab only
    await H.waitForTimeout(150);
    const hL = await layout('H');
    const backing = hL.commentBackings.find((b) => b.text.includes(doomed));
    assert.ok(backing, `H draws the comment: ${JSON.stringify(hL.commentBackings.map((b) => b.text))}`);
    const canvasH = await H.locator('live-scope').evaluate((e) => { const r = e.shadowRoot.querySelector('canvas').getBoundingClientRect(); return [r.left, r.top]; });
    await H.mouse.click(canvasH[0] + backing.rect[0] + backing.rect[2] / 2, canvasH[1] + backing.rect[1] + backing.rect[3] / 2, { button: 'right' });
    const menu = H.getByRole('menu');
    await menu.waitFor({ timeout: 5000 });
    const items = await menu.getByRole('menuitem').allTextContents();
    assert.deepEqual(items, ['Pin', 'Delete', 'Mute for 10 minutes', 'Mute for the broadcast'], 'the broadcaster\'s menu on a comment');
    await H.screenshot({ path: join(ARTIFACTS, 'qa-widget-broadcaster-menu.png') });
    await menu.getByRole('menuitem', { name: 'Delete' }).click();
    // The keyboard equivalent: for moderators each comment in role=log is a menu target (one tab stop); not for viewers.
    const logEntry = (page) => page.evaluate((t) => { const p = Array.from(document.querySelector('live-scope').shadowRoot.querySelectorAll('[role=log] p')).find((e) => e.dataset.text === t); return p ? [p.getAttribute('tabindex'), p.getAttribute('aria-haspopup')] : null; }, q1);
    assert.deepEqual(await logEntry(H), ['0', 'menu'], 'the broadcaster reaches the comments with Tab (one tab stop)');
    assert.deepEqual(await logEntry(A), [null, null], 'a viewer has no moderation targets');
    for (const tag of ['A', 'B', 'H']) {
      await pages[tag].page.waitForFunction((t) => !Array.from(document.querySelector('live-scope').shadowRoot.querySelectorAll('[role=log] .livescope-comment-text')).some((e) => e.textContent === t), doomed, { timeout: 10000 });
    }
    await B.bringToFront();
    await B.waitForTimeout(100);
    assert.ok(!(await layout('B')).commentBackings.some((b) => b.text.includes(doomed)), 'gone from B\'s canvas too');

    // 7. Slow mode: a viewer's comment inside the wait is refused with the seconds to wait, and goes back into the box.
    await el('H').evaluate((e) => e.moderate('modes', { slowS: 30 }));
    await A.waitForFunction(() => (window.__ev.modes || []).some((m) => m.slowS === 30), null, { timeout: 10000 });
    await A.bringToFront();
    let tooSoon = '';
    for (const attempt of [1, 2]) { // the first comment after slow mode starts may pass; the next one inside 30 s may not
      tooSoon = `one more thing before the end, take ${attempt}`;
      await inputA.click();
      await A.keyboard.type(tooSoon);
      await A.keyboard.press('Enter');
      const outcome = await A.waitForFunction((t) => ((window.__ev.refused || []).some((r) => r.code === 'slow_mode') && 'refused') ||
        ((window.__ev.comment || []).some((c) => c.text === t) && 'sent'), tooSoon, { timeout: 10000 });
      if (await outcome.jsonValue() === 'refused') break;
      assert.equal(attempt, 1, 'the second comment inside the slow-mode wait was not refused');
    }
    const refusal = (await events('A', 'refused')).find((r) => r.code === 'slow_mode');
    assert.ok(refusal.retryAfterMs > 0, `the wait is given: ${JSON.stringify(refusal)}`);
    assert.equal(refusal.text, tooSoon);
    await A.waitForFunction((t) => document.querySelector('live-scope').shadowRoot.querySelector('.livescope-compose-input').value === t, tooSoon, { timeout: 5000 });
    const notice = await A.evaluate(() => document.querySelector('live-scope').shadowRoot.querySelector('.livescope-notice').textContent);
    assert.match(notice, /^Slow mode: wait \d+ s$/, 'the reason, with the wait in seconds');
    assert.ok((await layout('A')).notice[2] > 0, 'the reason is drawn over the compose box');
    await A.screenshot({ path: join(ARTIFACTS, 'qa-widget-viewer-360x640.png') });

    // 8. The overlay-only widget is transparent: the page's colour shows through where the overlay draws nothing.
    await H.bringToFront();
    const shot = await H.locator('live-scope').screenshot();
    const px = await H.evaluate(async (b64) => { // decoded in the page: a pixel in the middle, where the overlay draws nothing
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      return Array.from(g.getImageData(Math.floor(img.width * 0.6), Math.floor(img.height * 0.55), 1, 1).data.slice(0, 3));
    }, shot.toString('base64'));
    assert.ok(px.every((v, k) => Math.abs(v - PAGE_BG[k]) < 40), `overlay-only canvas is transparent: ${px} vs ${PAGE_BG}`);
    await H.screenshot({ path: join(ARTIFACTS, 'qa-widget-overlay-only.png') });

    // 9. A late joiner gets the board in its welcome: B comes back as a 1280x720 widget and opens the questions view.
    await mount('B', { w: 1280, aspect: '16:9' });
    await waitBoard('B', (b) => b.answering && b.open.length === 1);
    await B.bringToFront();
    await B.getByRole('button', { name: 'Questions' }).click();
    await B.waitForFunction(() => document.querySelector('live-scope')._ls.widget.plugins.room.layout().questionRows.length === 1, null, { timeout: 5000 });
    const wide = await layout('B');
    assert.equal(wide.questionsBeside, true, '1280x720: the questions view sits beside the chat');
    await B.waitForTimeout(200);
    await B.screenshot({ path: join(ARTIFACTS, 'qa-widget-viewer-1280x720.png') });
  } catch (e) {
    for (const tag of Object.keys(pages)) console.log(pages[tag].logs.slice(-30).join('\n'));
    if (relay) console.log(relay.proc.output.slice(-20).join('\n'));
    throw e;
  }
});
