// Unit (node, no browser): the studio reads the origin's refusals. The origin accepts the socket, then closes it with a
// 4xxx code and a reason (docs/ingest.md), so a browser sees 'open' and then the close: RefusalMessage maps the code to
// a message, and Step turns such a close into 'refused' (web/runtime/studio-logic.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Step, View, InitialState, RefusalMessage, STRINGS } from '../../web/runtime/studio-logic.js';

function run(...events) {
  let s = InitialState();
  const actions = [];
  for (const e of events) { const r = Step(s, e); s = r.state; actions.push(...r.actions); }
  return { s, actions };
}

test('each refusal close code of the origin maps to a message in both languages', () => {
  const expected = { 4400: 'badName', 4401: 'keyRefused', 4403: 'keyRefused', 4409: 'busy', 4410: 'keyExpired', 4429: 'full', 4503: 'refusedGeneric' };
  for (const [code, id] of Object.entries(expected)) {
    assert.equal(RefusalMessage(Number(code)), id, `code ${code}`);
    assert.ok(STRINGS.en[id] && STRINGS.fr[id], `${id} in en and fr`);
  }
  for (const code of [1000, 1001, 1006, 1011, 4000, 4999]) assert.equal(RefusalMessage(code), '', `code ${code}`);
});

test('a refusal that arrives after the socket opened is refused, not ended, with the origin reason', () => {
  const r = run({ type: 'golive' }, { type: 'open', at: 1 }, { type: 'close', code: 4409, reason: 'broadcast solo already has a publisher' });
  assert.equal(r.s.state, 'refused');
  assert.equal(r.s.message, 'busy');
  assert.deepEqual(r.actions.slice(-2), ['stopRecorder', 'releaseSocket']);
  const view = View(r.s, 'fr');
  assert.match(view.message, /déjà en direct/);
  assert.match(view.message, /already has a publisher/);
  assert.equal(view.button, 'golive');
  // Before the open (a browser that reports the close first): refused too, nothing to stop.
  const early = run({ type: 'golive' }, { type: 'close', code: 4410, reason: 'stream key refused: token expired' });
  assert.equal(early.s.state, 'refused');
  assert.match(View(early.s, 'en').message, /expired/);
  assert.deepEqual(early.actions.slice(-1), ['releaseSocket']);
});

test('a close that is no refusal still ends a live broadcast', () => {
  const r = run({ type: 'golive' }, { type: 'open', at: 1 }, { type: 'close', code: 1001, reason: 'no media from this stream for 10 s' });
  assert.equal(r.s.state, 'ended');
  assert.equal(View(r.s, 'en').message, 'no media from this stream for 10 s');
});
