// Unit (node, no browser): the studio console's decisions in web/runtime/studio-console-logic.js: the fragment, the
// audience peak, hearts per minute and the chart's bars, the bounded lists, the moderation form's checks, the labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParseConsoleFragment, NewAudience, AudienceViewers, NewHearts, HeartsAdd, HeartsTick, HeartsBars, ChartRects,
  ListAdd, ListRemove, ListRemoveUser, ParseSlow, ParseBlockedWords, CanEnd, RoleStatus, ConsoleText, VotesLabel, STRINGS,
  MAX_HEART_MINUTES, CHART_MAX_BARS, MAX_BLOCKED_WORDS } from '../../web/runtime/studio-console-logic.js';

test('the fragment gives the room URL and the broadcaster token, the stream key by default', () => {
  const room = 'ws://127.0.0.1:8082/ws#studio';
  assert.deepEqual(ParseConsoleFragment(`#${new URLSearchParams({ room, key: 'k.s' })}`), { room, token: 'k.s' });
  assert.deepEqual(ParseConsoleFragment(`#${new URLSearchParams({ room, key: 'k.s', token: 't.s' })}`), { room, token: 't.s' });
  assert.equal(ParseConsoleFragment('#key=k.s').room, '', 'no room: no console');
  assert.equal(ParseConsoleFragment(`#${new URLSearchParams({ room: 'ws://127.0.0.1:8082/ws' })}`).room, '', 'a URL without a room');
  assert.equal(ParseConsoleFragment(`#${new URLSearchParams({ room: 'javascript:alert(1)#x' })}`).room, '');
  assert.equal(ParseConsoleFragment(`#${new URLSearchParams({ room: 'not a url' })}`).room, '');
  assert.equal(ParseConsoleFragment('#room=https%3A%2F%2Frelay.example%2Fws%3Froom%3Dshow').room, 'https://relay.example/ws?room=show');
});

test('the peak is the most live viewers seen, the total never goes down', () => {
  let a = NewAudience();
  a = AudienceViewers(a, 3, 5);
  a = AudienceViewers(a, 7, 9);
  a = AudienceViewers(a, 2, 9);
  assert.deepEqual(a, { live: 2, total: 9, peak: 7 });
  a = AudienceViewers(a, 'x', 4);
  assert.deepEqual(a, { live: 0, total: 9, peak: 7 }, 'bad values count as 0');
});

test('hearts land in the minute of the broadcast they arrive in; quiet minutes count zero', () => {
  let h = NewHearts(1000);
  h = HeartsAdd(h, 1000, 3);
  h = HeartsAdd(h, 60999, 2); // still the first minute
  h = HeartsAdd(h, 61000 + 2 * 60000, 4); // the fourth minute
  assert.deepEqual(h.buckets, [5, 0, 0, 4]);
  h = HeartsTick(h, 1000 + 5 * 60000);
  assert.deepEqual(h.buckets, [5, 0, 0, 4, 0, 0]);
  assert.equal(HeartsTick(h, 1000), h, 'a tick in a minute already there changes nothing');
  h = HeartsAdd(h, 0, 1); // before the start: the first minute
  assert.equal(h.buckets[0], 6);
  h = HeartsAdd(h, 1000, -5);
  assert.equal(h.buckets[0], 6, 'a negative count adds nothing');
  const far = HeartsAdd(NewHearts(0), 1e12, 1);
  assert.equal(far.buckets.length, MAX_HEART_MINUTES, 'the minutes are bounded');
  assert.equal(far.buckets.at(-1), 1);
});

test('the chart has one bar per minute up to its limit, then averages several minutes per bar', () => {
  let h = NewHearts(0);
  for (let m = 0; m < 10; m++) h = HeartsAdd(h, m * 60000, m);
  let c = HeartsBars(h);
  assert.deepEqual(c.bars, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(c.minutesPerBar, 1);
  assert.equal(c.last, 9);
  assert.equal(c.best, 9);
  h = NewHearts(0);
  for (let m = 0; m < CHART_MAX_BARS * 2 + 1; m++) h = HeartsAdd(h, m * 60000, 10);
  c = HeartsBars(h);
  assert.equal(c.minutesPerBar, 3);
  assert.ok(c.bars.length <= CHART_MAX_BARS);
  assert.ok(c.bars.every((v) => v === 10), 'bars are averages per minute, not sums');
  assert.deepEqual(HeartsBars(NewHearts(0)), { bars: [], minutesPerBar: 1, last: 0, best: 0 });
});

test('chart rectangles fit the box, the tallest bar at full height', () => {
  const r = ChartRects([0, 5, 10], 200, 40);
  assert.equal(r.length, 3);
  assert.equal(r[2].h, 40);
  assert.equal(r[2].y, 0);
  assert.equal(r[1].h, 20);
  assert.equal(r[0].h, 0);
  for (const x of r) assert.ok(x.x >= 0 && x.x + x.w <= 200 && x.y >= 0 && x.y + x.h <= 40);
  const many = ChartRects(new Array(60).fill(1), 200, 40);
  assert.ok(many.at(-1).x + many.at(-1).w <= 200);
  assert.deepEqual(ChartRects([], 200, 40), []);
  assert.ok(ChartRects([0, 0], 200, 40).every((x) => x.h === 0), 'no hearts: flat, no division by zero');
});

test('the lists keep the newest items, once each, and drop by id or author', () => {
  let l = [];
  for (let i = 0; i < 5; i++) l = ListAdd(l, { id: `c${i}`, userId: i % 2 ? 'u-a' : 'u-b' }, 3);
  assert.deepEqual(l.map((x) => x.id), ['c2', 'c3', 'c4']);
  assert.equal(ListAdd(l, { id: 'c4' }, 3), l, 'a repeated id is not added twice');
  assert.equal(ListAdd(l, { text: 'no id' }, 3), l);
  assert.deepEqual(ListRemove(l, 'c3').map((x) => x.id), ['c2', 'c4']);
  assert.deepEqual(ListRemoveUser(l, 'u-b').map((x) => x.id), ['c3']);
});

test('slow mode takes 0 to 3600 whole seconds; empty is off', () => {
  assert.deepEqual(ParseSlow('30'), { value: 30 });
  assert.deepEqual(ParseSlow(' '), { value: 0 });
  assert.deepEqual(ParseSlow('3600'), { value: 3600 });
  for (const bad of ['3601', '-1', '1.5', 'ten', '1e3']) assert.equal(ParseSlow(bad).error, 'badSlow', bad);
});

test('blocked words are split on commas and lines, trimmed, deduplicated, bounded', () => {
  assert.deepEqual(ParseBlockedWords('spam, Spam,\n eggs ,,'), { words: ['spam', 'eggs'] });
  assert.deepEqual(ParseBlockedWords(''), { words: [] });
  assert.equal(ParseBlockedWords('x'.repeat(41)).error, 'longWord');
  assert.deepEqual(ParseBlockedWords('é'.repeat(40)), { words: ['é'.repeat(40)] }, 'code points, not bytes');
  const many = Array.from({ length: MAX_BLOCKED_WORDS + 1 }, (_, i) => `w${i}`).join(',');
  assert.equal(ParseBlockedWords(many).error, 'tooManyWords');
});

test('End broadcast is offered while the studio sends and the room has not ended', () => {
  assert.equal(CanEnd('live', false), true);
  assert.equal(CanEnd('connecting', false), true);
  assert.equal(CanEnd('live', true), false);
  for (const s of ['idle', 'ending', 'ended', 'refused']) assert.equal(CanEnd(s, false), false, s);
});

test('the status says whether moderation will work: a broadcaster, a moderator, another key, or none', () => {
  assert.deepEqual(RoleStatus('broadcaster', true), { id: 'joined', kind: '' });
  assert.deepEqual(RoleStatus('viewer', true), { id: 'notBroadcaster', kind: 'error' });
  assert.deepEqual(RoleStatus('moderator', true), { id: 'moderator', kind: '' });
  assert.deepEqual(RoleStatus('viewer', false), { id: 'noToken', kind: 'error' });
});

test('every label exists in both languages and fills its values', () => {
  assert.deepEqual(Object.keys(STRINGS.fr).sort(), Object.keys(STRINGS.en).sort());
  assert.equal(VotesLabel('en', 1), '1 vote');
  assert.equal(VotesLabel('en', 3), '3 votes');
  assert.equal(VotesLabel('fr', 0), '0 votes');
  assert.equal(ConsoleText('fr', 'answerNow'), 'Répondre');
  assert.equal(ConsoleText('de', 'questions'), 'Questions', 'an unknown language falls back to English');
  assert.equal(ConsoleText('en', 'badSlow', { max: 3600 }), 'Slow mode is a whole number of seconds from 0 to 3600.');
});
