// e2e (interaction, no relay needed): the widget's controls for keyboards, IME and screen readers.
// Labels and the role="log" region, Tab to the heart button and Enter/Space, the compose box's 280
// code-point cap, an IME composition committed through Chromium's input pipeline, a click on the video,
// and prefers-reduced-motion reaching the overlay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { launchBrowser, collectLogs, ROOT } from './lib/browser.mjs';
import { serveStatic } from './lib/static.mjs';
import { WASM_DIR } from './lib/canvas.mjs';


test('heart button, compose box, IME and reduced motion work from the keyboard and the DOM', async (t) => {
  if (!existsSync(join(WASM_DIR, 'livescope_page.wasm'))) { t.skip(`${WASM_DIR}/livescope_page.wasm missing: build the wasm preset`); return; }
  const srv = await serveStatic(WASM_DIR);
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await srv.close(); });
  const page = await browser.context.newPage();
  const logs = collectLogs(page);
  try {
    await page.addInitScript(() => {
      window.__lsHearts = [];
      // A host-page field before the widget, so Tab order is: host field, heart button, compose box.
      document.addEventListener('DOMContentLoaded', () => {
        const f = document.createElement('input');
        f.id = 'host-field';
        f.style.cssText = 'position:fixed;left:300px;top:200px;z-index:10;';
        document.body.prepend(f);
      });
    });
    await page.goto(`${srv.url}/livescope_page.html?debug&title=${encodeURIComponent('Input test')}`);
    await page.waitForFunction(() => document.documentElement.dataset.livescope, null, { timeout: 60000 });
    await page.evaluate(() => window.livescopeWidgets[0].events.addEventListener('heart', (e) => window.__lsHearts.push(e.detail)));
    await page.waitForFunction(() => window.livescopeWidgets[0].plugins.room.state.rects, null, { timeout: 10000 });

    // Accessible names and the log region.
    assert.equal(await page.getAttribute('.livescope-heart-button', 'aria-label'), 'Send a heart');
    assert.equal(await page.getAttribute('.livescope-compose-input', 'aria-label'), 'Ask a question\u2026');
    assert.equal(await page.getAttribute('.livescope-comment-log', 'role'), 'log');
    assert.equal(await page.getAttribute('.livescope-comment-log', 'aria-live'), 'polite');

    // Tab from the host field reaches the heart button; Enter and Space send hearts.
    await page.click('#host-field');
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.activeElement.classList.contains('livescope-heart-button')), 'Tab did not reach the heart button');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => window.__lsHearts.filter((h) => h.own).length >= 2, null, { timeout: 5000 });

    // Tab again: the compose box. 300 characters are cut to 280 code points (é is one).
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.activeElement.classList.contains('livescope-compose-input')), 'Tab did not reach the compose box');
    await page.keyboard.insertText('é'.repeat(300));
    const value = await page.inputValue('.livescope-compose-input');
    assert.equal([...value].length, 280, `compose box holds ${[...value].length} code points`);
    const model = await page.evaluate(() => { const w = window.livescopeWidgets[0]; return w.module.UTF8ToString(w.module._ls_room_compose_text(w.app)); });
    assert.equal(model, value, 'the overlay model and the <input> disagree');
    await page.keyboard.press('Enter');
    assert.equal(await page.inputValue('.livescope-compose-input'), '', 'Enter did not submit and clear');

    // An IME composition (as a Spanish dead key or a CJK IME would produce), committed with insertText.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Input.imeSetComposition', { text: 'n', selectionStart: 1, selectionEnd: 1 });
    await cdp.send('Input.imeSetComposition', { text: 'ñ', selectionStart: 1, selectionEnd: 1 });
    await cdp.send('Input.insertText', { text: 'ñ' });
    await page.keyboard.type(' @home');
    const composed = await page.evaluate(() => { const w = window.livescopeWidgets[0]; return w.module.UTF8ToString(w.module._ls_room_compose_text(w.app)); });
    assert.equal(composed, 'ñ @home');

    // A tap on the overlay's Send button (under the input) submits too.
    const sendRect = await page.evaluate(() => window.livescopeWidgets[0].plugins.room.state.rects.sendButton);
    const cv = await page.locator('#livescope-canvas').boundingBox();
    await page.mouse.click(cv.x + sendRect[0] + sendRect[2] / 2, cv.y + sendRect[1] + sendRect[3] / 2);
    assert.equal(await page.inputValue('.livescope-compose-input'), '', 'a tap on Send did not submit');
    await page.keyboard.type('ñ @home');

    // Escape leaves the box; the host field still types.
    await page.keyboard.press('Escape');
    assert.ok(await page.evaluate(() => !document.activeElement.classList.contains('livescope-compose-input')), 'Escape did not leave the compose box');
    await page.click('#host-field');
    await page.keyboard.type('ok');
    assert.equal(await page.inputValue('#host-field'), 'ok');

    // A click on the video sends a heart.
    const before = await page.evaluate(() => window.__lsHearts.length);
    const c = await page.locator('#livescope-canvas').boundingBox();
    await page.mouse.click(c.x + c.width / 2, c.y + c.height / 2); // clear of the host field
    await page.waitForFunction((n) => window.__lsHearts.length > n, before, { timeout: 5000 });

    // prefers-reduced-motion reaches the overlay, and follows changes.
    assert.equal(await page.evaluate(() => window.livescopeWidgets[0].plugins.room.state.reducedMotion), false);
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.waitForFunction(() => window.livescopeWidgets[0].plugins.room.state.reducedMotion === true, null, { timeout: 5000 });
    console.log(`interaction input: ${await page.evaluate(() => window.__lsHearts.length)} heart events, compose capped at 280, IME text "${composed}"`);
  } catch (e) {
    console.log(logs.join('\n'));
    throw e;
  }
});
