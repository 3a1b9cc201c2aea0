// Studio console edge (shell/studio.html, docs/studio.md "Console"): when the fragment names a room, lays a
// <live-scope overlay-only> over the camera preview (the overlay viewers see, signed in with the broadcaster's token)
// and fills the console beside it from that widget's events (viewers, heart, comment, board, held, modes, role,
// refused, roomended); its buttons call the widget's moderate(). The board's order comes from the room client (C++);
// the little console logic (peak, hearts per minute, lists, form checks, labels) is studio-console-logic.js.
import { PickLanguage } from './studio-logic.js';
import { ConsoleText, VotesLabel, ParseConsoleFragment, NewAudience, AudienceViewers, NewHearts, HeartsAdd, HeartsTick,
  HeartsBars, ChartRects, ListAdd, ListRemove, ListRemoveUser, ParseSlow, ParseBlockedWords, CanEnd, RoleStatus, MAX_COMMENTS, MAX_HELD,
  MUTE_SHORT_S } from './studio-console-logic.js';

const $ = (id) => document.getElementById(id);
const html = document.documentElement;
const lang = PickLanguage(new URLSearchParams(location.search).get('lang'), navigator.languages || []);
const T = (id, values) => ConsoleText(lang, id, values);
const settings = ParseConsoleFragment(location.hash);
const SVG_NS = 'http://www.w3.org/2000/svg';
const CHART_W = 240, CHART_H = 48; // the chart's viewBox (studio.html)
const TICK_MS = 5000; // the chart grows by its empty minutes this often

const ui = {
  console: $('console'), stage: $('studio-stage'), status: $('console-status'), end: $('console-end'),
  live: $('console-live'), peak: $('console-peak'), total: $('console-total'), hearts: $('console-hearts'),
  questions: $('console-questions'), noQuestions: $('console-no-questions'), answering: $('console-answering'),
  answeringItem: $('console-answering-item'), answered: $('console-answered'), answeredHeading: $('console-answered-h'), held: $('console-held'), noHeld: $('console-no-held'),
  comments: $('console-comments'), noComments: $('console-no-comments'), modes: $('console-modes'), slow: $('console-slow'),
  hold: $('console-hold'), words: $('console-words'), studioForm: $('studio-form'), studioButton: $('studio-button'),
};

let widget = null;
let audience = NewAudience();
let hearts = NewHearts(performance.now());
let wentLive = false, roomEnded = false;
let comments = [], held = [];
let textIds = 0;

function setStatus(id, values, kind = '') {
  ui.status.textContent = id ? T(id, values) : '';
  ui.status.dataset.kind = kind;
}

// [SECTION] Rendering
function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
function button(act, label, describedBy) {
  const b = el('button', '', T(label));
  b.type = 'button';
  b.dataset.act = act;
  if (describedBy) b.setAttribute('aria-describedby', describedBy);
  return b;
}
// The item's text and its meta line (author in their colour, votes for a question); the text's id describes the buttons.
function body(item, votes) {
  const p = el('p', 'console-text', item.text);
  p.id = `console-text-${++textIds}`;
  const meta = el('div', 'console-meta');
  if (votes !== undefined) meta.append(el('span', 'console-votes', VotesLabel(lang, votes)));
  const who = el('span', 'console-author', item.author || '');
  if (/^#[0-9a-f]{6}$/i.test(item.color || '')) who.style.color = item.color;
  meta.append(who);
  if (item.question && votes === undefined) meta.append(el('span', 'console-kind', T('question')));
  return { p, meta };
}
// The author of an item, for its Mute buttons, kept on the item itself (nothing outlives the list).
function setWho(li, item) { li.dataset.userId = item.userId || ''; li.dataset.author = item.author || ''; }
// Delete / mute 10 min / mute for the broadcast, behind a disclosure so each item keeps one row of buttons.
function moderateMenu(describedBy) {
  const d = el('details');
  const s = el('summary', '', T('moderate'));
  s.setAttribute('aria-describedby', describedBy);
  const box = el('div');
  box.append(button('delete', 'delete', describedBy), button('mute-short', 'muteShort', describedBy), button('mute-rest', 'muteRest', describedBy));
  d.append(s, box);
  return d;
}
function questionItem(q, actions) {
  const li = el('li');
  li.dataset.id = q.id;
  const { p, meta } = body(q, Number(q.votes) || 0);
  const row = el('div', 'console-actions');
  for (const [act, label] of actions) row.append(button(act, label, p.id));
  row.append(moderateMenu(p.id));
  li.append(p, meta, row);
  setWho(li, q);
  return li;
}
// Updates an item in place (its buttons keep focus) when its text or votes changed.
function refreshQuestion(li, q) {
  li.querySelector('.console-text').textContent = q.text;
  li.querySelector('.console-votes').textContent = VotesLabel(lang, Number(q.votes) || 0);
  setWho(li, q);
}

// Puts `items` in `ul` in this order, reusing the <li> of each id so focus stays on its button (moveBefore where the
// browser has it: a state-preserving move). make(item) builds a new one, update(li, item) refreshes a kept one.
function syncList(ul, items, make, update) {
  const active = document.activeElement;
  const old = new Map(Array.from(ul.children, (li) => [li.dataset.id, li]));
  items.forEach((item, i) => {
    let li = old.get(item.id);
    if (li) { old.delete(item.id); if (update) update(li, item); } else li = make(item);
    const at = ul.children[i] || null;
    if (at === li) return;
    if (li.isConnected && ul.moveBefore) { try { ul.moveBefore(li, at); return; } catch { /* falls back */ } }
    ul.insertBefore(li, at);
  });
  const focusLost = [...old.values()].some((li) => li.contains(active));
  for (const li of old.values()) li.remove();
  if (active && active.isConnected && document.activeElement !== active) active.focus();
  else if (focusLost) { const next = ul.querySelector('button, summary'); if (next) next.focus(); else ul.focus(); }
}

function renderBoard(b) {
  const open = Array.isArray(b.open) ? b.open : [];
  const answered = Array.isArray(b.answered) ? b.answered : [];
  syncList(ui.questions, open, (q) => questionItem(q, [['answer', 'answerNow'], ['answered', 'markAnswered'], ['dismiss', 'dismiss']]), refreshQuestion);
  ui.noQuestions.hidden = open.length > 0 || !!b.answering;
  ui.answering.hidden = !b.answering;
  if (b.answering) syncList(ui.answeringItem, [b.answering], (q) => questionItem(q, [['answered', 'markAnswered']]), refreshQuestion);
  else ui.answeringItem.replaceChildren();
  ui.answeredHeading.hidden = answered.length === 0;
  syncList(ui.answered, answered, (q) => { const li = el('li'); li.dataset.id = q.id; const { p, meta } = body(q, Number(q.votes) || 0); li.append(p, meta); return li; },
    (li, q) => { li.querySelector('.console-votes').textContent = VotesLabel(lang, Number(q.votes) || 0); });
}

function commentItem(c) {
  const li = el('li');
  li.dataset.id = c.id;
  const { p, meta } = body(c);
  const row = el('div', 'console-actions');
  row.append(moderateMenu(p.id));
  li.append(p, meta, row);
  setWho(li, c);
  return li;
}
function renderComments() {
  syncList(ui.comments, [...comments].reverse(), commentItem); // newest first
  ui.noComments.hidden = comments.length > 0;
}
function heldItem(c) {
  const li = el('li');
  li.dataset.id = c.id;
  const { p, meta } = body(c);
  const row = el('div', 'console-actions');
  row.append(button('approve', 'approve', p.id), button('reject', 'reject', p.id), moderateMenu(p.id));
  li.append(p, meta, row);
  setWho(li, c);
  return li;
}
function renderHeld() {
  syncList(ui.held, held, heldItem);
  ui.noHeld.hidden = held.length > 0;
}

function renderAudience() {
  ui.live.textContent = String(audience.live);
  ui.peak.textContent = String(audience.peak);
  ui.total.textContent = String(audience.total);
}
function renderChart() {
  const c = HeartsBars(hearts);
  ui.hearts.replaceChildren(...ChartRects(c.bars, CHART_W, CHART_H).map((r) => {
    const rect = document.createElementNS(SVG_NS, 'rect');
    for (const [k, v] of Object.entries({ x: r.x, y: r.y, width: r.w, height: r.h })) rect.setAttribute(k, v.toFixed(2));
    return rect;
  }));
  ui.hearts.setAttribute('aria-label', c.best > 0 ? T('heartsChart', { minutes: hearts.buckets.length, last: c.last, best: c.best }) : T('heartsEmpty'));
  ui.hearts.dataset.minutes = String(hearts.buckets.length);
  ui.hearts.dataset.total = String(hearts.buckets.reduce((s, x) => s + x, 0));
}
function renderEnd() { ui.end.disabled = !CanEnd(html.dataset.studio, roomEnded); }

// [SECTION] Actions: every button goes through the widget's moderate() (the relay checks the role).
function moderate(action, args) {
  if (widget && typeof widget.moderate === 'function') widget.moderate(action, args);
}
function act(name, li) {
  const id = li.dataset.id, who = { userId: li.dataset.userId || '', author: li.dataset.author || '' };
  switch (name) {
    case 'answer': case 'answered': case 'dismiss': return moderate(name, { id });
    case 'delete':
      moderate('delete', { id });
      comments = ListRemove(comments, id); held = ListRemove(held, id);
      renderComments(); renderHeld();
      return setStatus('deleted');
    case 'mute-short': case 'mute-rest':
      moderate('mute', name === 'mute-short' ? { userId: who.userId, durationS: MUTE_SHORT_S } : { userId: who.userId });
      // The relay takes a muted author's comments off every viewer's overlay: the console's list follows.
      comments = ListRemoveUser(comments, who.userId); held = ListRemoveUser(held, who.userId);
      renderComments(); renderHeld();
      return setStatus('muted', { name: who.author || who.userId });
    case 'approve': case 'reject':
      moderate(name, { id });
      held = ListRemove(held, id); renderHeld();
      return undefined;
    default: return undefined;
  }
}

function start() {
  html.dataset.console = 'on';
  ui.console.hidden = false;
  for (const e of ui.console.querySelectorAll('[data-console-text]')) e.textContent = T(e.dataset.consoleText);
  ui.questions.setAttribute('aria-label', T('questions'));
  ui.questions.tabIndex = -1; ui.comments.tabIndex = -1; ui.held.tabIndex = -1; // focus lands on the list when its last item goes
  setStatus('connecting');

  const w = document.createElement('live-scope');
  w.id = 'studio-overlay';
  w.setAttribute('overlay-only', '');
  w.setAttribute('room', settings.room);
  if (settings.token) w.setAttribute('token', settings.token);
  const title = new URLSearchParams(location.hash.replace(/^#/, '')).get('title');
  if (title) w.setAttribute('title', title);
  w.setAttribute('aspect', '16:9');
  w.setAttribute('lang', lang);
  w.setAttribute('muted', '');
  const on = (type, fn) => w.addEventListener(type, (e) => fn(e.detail || {}));
  on('viewers', (d) => { audience = AudienceViewers(audience, d.live, d.total); renderAudience(); });
  on('heart', (d) => { hearts = HeartsAdd(hearts, performance.now(), d.count); renderChart(); });
  on('comment', (d) => { comments = ListAdd(comments, { id: d.id, userId: d.userId, author: d.author, text: d.text, question: !!d.question }, MAX_COMMENTS); renderComments(); });
  on('board', renderBoard);
  // Deleted or muted by any moderator (this console's own acts were applied already: ListRemove is then a no-op).
  on('commentremoved', (d) => { comments = ListRemove(comments, d.id); held = ListRemove(held, d.id); renderComments(); renderHeld(); });
  on('held', (d) => { held = ListAdd(held, { id: d.id, userId: d.userId, author: d.author, text: d.text }, MAX_HELD); renderHeld(); });
  on('modes', (d) => {
    if (document.activeElement !== ui.slow && typeof d.slowS === 'number') ui.slow.value = String(d.slowS);
    if (typeof d.hold === 'boolean') ui.hold.checked = d.hold;
    if (Array.isArray(d.blockedWords) && document.activeElement !== ui.words) ui.words.value = d.blockedWords.join(', ');
  });
  on('role', (d) => {
    ui.console.dataset.role = d.role || '';
    const st = RoleStatus(d.role, !!settings.token);
    setStatus(st.id, {}, st.kind);
  });
  on('refused', (d) => setStatus('refused', { message: d.message || d.code || '' }, 'error'));
  on('roomended', () => { roomEnded = true; ui.console.dataset.roomEnded = 'true'; setStatus('roomEnded'); renderEnd(); });
  ui.stage.appendChild(w);
  widget = w;

  ui.console.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-act]');
    const li = b && b.closest('li');
    if (!li) return;
    const d = b.closest('details');
    if (d) d.open = false;
    act(b.dataset.act, li);
  });
  ui.modes.addEventListener('submit', (e) => {
    e.preventDefault();
    const slow = ParseSlow(ui.slow.value);
    if (slow.error) return setStatus(slow.error, slow.values, 'error');
    const words = ParseBlockedWords(ui.words.value);
    if (words.error) return setStatus(words.error, words.values, 'error');
    ui.words.value = words.words.join(', ');
    moderate('modes', { slowS: slow.value, hold: ui.hold.checked, blockedWords: words.words });
    return setStatus('applied');
  });
  // End broadcast: the room first (everyone gets `ended`), then the studio's own End stops the ingest.
  ui.end.addEventListener('click', () => {
    if (ui.end.disabled) return;
    moderate('end', {});
    if (ui.studioButton.dataset.action === 'end' && !ui.studioButton.disabled) ui.studioForm.requestSubmit();
  });
  // The chart counts from the first Go live (it starts over then: hearts before it are not counted); End follows the studio state.
  new MutationObserver(() => {
    if (html.dataset.studio === 'live' && !wentLive) { wentLive = true; hearts = NewHearts(performance.now()); renderChart(); }
    renderEnd();
  }).observe(html, { attributes: true, attributeFilter: ['data-studio'] });
  setInterval(() => { const next = HeartsTick(hearts, performance.now()); if (next !== hearts) { hearts = next; renderChart(); } }, TICK_MS);
  renderAudience(); renderChart(); renderComments(); renderHeld(); renderBoard({ open: [], answering: null, answered: [] }); renderEnd();
}

if (settings.room) start(); else html.dataset.console = 'off';
