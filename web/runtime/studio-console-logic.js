// Studio console decisions (pure: no DOM, no network, no clock of its own): the console's settings from the URL
// fragment, the audience figures (peak), hearts per minute over the broadcast and the chart's bars, the recent
// comments and held lists, the moderation form's checks, the labels in EN/FR. The question board's order is not
// decided here: it comes from the room client (C++) through the widget's `board` event. studio-console.js is the DOM
// edge; tests/e2e/studio_console_logic.test.mjs runs this file under node. Limits: docs/studio.md (Console).

export const HEART_BUCKET_MS = 60000; // one bar per minute of broadcast
export const MAX_HEART_MINUTES = 24 * 60; // minutes kept; hearts after that land in the last minute
export const CHART_MAX_BARS = 60; // a longer broadcast is drawn with several minutes per bar (their average)
export const MAX_COMMENTS = 50; // recent comments kept in the console (oldest dropped)
export const MAX_HELD = 100; // held comments kept awaiting review (oldest dropped: the relay still holds them)
export const MUTE_SHORT_S = 600; // "Mute 10 min"; the other choice mutes for the rest of the broadcast
export const MAX_SLOW_S = 3600; // slow mode, seconds between comments per viewer (protocol v2 `modes`)
export const MAX_BLOCKED_WORDS = 100; // protocol v2: at most 100 blocked words of 1..40 code points
export const MAX_BLOCKED_WORD_CHARS = 40;

export const STRINGS = {
  en: {
    console: 'Console', audience: 'Audience', watching: 'Watching now', peak: 'Peak', total: 'Total',
    heartsPerMinute: 'Hearts per minute', heartsChart: 'Hearts per minute over the broadcast: {minutes} min, last minute {last}, best minute {best}.',
    heartsEmpty: 'Hearts per minute over the broadcast: none yet.',
    questions: 'Questions', noQuestions: 'No questions yet.', answering: 'Now answering', answered: 'Answered',
    vote1: '1 vote', votes: '{n} votes', answerNow: 'Answer now', markAnswered: 'Answered', dismiss: 'Dismiss',
    comments: 'Comments', noComments: 'No comments yet.', question: 'Question', moderate: 'Moderate', delete: 'Delete',
    muteShort: 'Mute 10 min', muteRest: 'Mute for the broadcast',
    held: 'Held for review', noHeld: 'Nothing awaits review.', approve: 'Approve', reject: 'Reject',
    moderation: 'Moderation', slow: 'Slow mode, seconds between comments (0: off)', hold: 'Hold guest comments for review',
    blocked: 'Blocked words, separated by commas', apply: 'Apply', endBroadcast: 'End broadcast',
    applied: 'Applied.', badSlow: 'Slow mode is a whole number of seconds from 0 to {max}.',
    tooManyWords: 'At most {max} blocked words.', longWord: 'A blocked word has at most {max} characters: “{word}”.',
    joined: 'In the room as the broadcaster.', notBroadcaster: 'This key is not the room’s broadcaster: moderation is refused.',
    noToken: 'No key in the address: the console shows the room but cannot moderate it.',
    moderator: 'In the room as a moderator: answering, slow mode, hold, blocked words and ending are the broadcaster’s.',
    refused: 'The room refused it: {message}', roomEnded: 'The broadcast has ended for the audience.',
    deleted: 'Deleted.', muted: '{name} is muted.', connecting: 'Joining the room…',
  },
  fr: {
    console: 'Console', audience: 'Audience', watching: 'Spectateurs', peak: 'Pic', total: 'Au total',
    heartsPerMinute: 'Cœurs par minute', heartsChart: 'Cœurs par minute pendant la diffusion : {minutes} min, dernière minute {last}, meilleure minute {best}.',
    heartsEmpty: 'Cœurs par minute pendant la diffusion : aucun pour l’instant.',
    questions: 'Questions', noQuestions: 'Pas encore de questions.', answering: 'Réponse en cours', answered: 'Répondues',
    vote1: '1 vote', votes: '{n} votes', answerNow: 'Répondre', markAnswered: 'Répondue', dismiss: 'Écarter',
    comments: 'Commentaires', noComments: 'Pas encore de commentaires.', question: 'Question', moderate: 'Modérer', delete: 'Supprimer',
    muteShort: 'Muet 10 min', muteRest: 'Muet pour la diffusion',
    held: 'En attente de validation', noHeld: 'Rien en attente.', approve: 'Accepter', reject: 'Refuser',
    moderation: 'Modération', slow: 'Mode lent, secondes entre deux commentaires (0 : désactivé)', hold: 'Valider les commentaires des invités',
    blocked: 'Mots interdits, séparés par des virgules', apply: 'Appliquer', endBroadcast: 'Terminer la diffusion',
    applied: 'Appliqué.', badSlow: 'Le mode lent est un nombre entier de secondes de 0 à {max}.',
    tooManyWords: 'Au plus {max} mots interdits.', longWord: 'Un mot interdit a au plus {max} caractères : « {word} ».',
    joined: 'Dans le salon en tant que diffuseur.', notBroadcaster: 'Cette clé n’est pas celle du diffuseur du salon : la modération est refusée.',
    noToken: 'Pas de clé dans l’adresse : la console montre le salon mais ne peut pas le modérer.',
    moderator: 'Dans le salon en tant que modérateur : répondre, le mode lent, la validation, les mots interdits et la fin reviennent au diffuseur.',
    refused: 'Le salon a refusé : {message}', roomEnded: 'La diffusion est terminée pour le public.',
    deleted: 'Supprimé.', muted: '{name} est rendu muet.', connecting: 'Connexion au salon…',
  },
};

export function ConsoleText(lang, id, values = {}) {
  const s = (STRINGS[lang] || STRINGS.en)[id] ?? STRINGS.en[id] ?? id;
  return s.replace(/\{(\w+)\}/g, (m, k) => (Object.hasOwn(values, k) ? String(values[k]) : m));
}

export const VotesLabel = (lang, n) => (n === 1 ? ConsoleText(lang, 'vote1') : ConsoleText(lang, 'votes', { n }));

// The console's settings from the studio's fragment: `room` (the relay's WebSocket URL and room, ws://host/ws#room;
// http(s) is accepted too) and `token` (the broadcaster's relay token; default: the stream key `key`, which is a
// relay broadcaster token). Returns { room, token }; room is '' when absent or not a ws/wss/http/https URL with a room.
export function ParseConsoleFragment(hash) {
  const p = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  const raw = p.get('room') || '';
  let room = '';
  try {
    const u = new URL(raw);
    if (['ws:', 'wss:', 'http:', 'https:'].includes(u.protocol) && (u.hash.length > 1 || u.searchParams.get('room'))) room = raw;
  } catch { /* stays '' */ }
  return { room, token: p.get('token') || p.get('key') || '' };
}

// [SECTION] Audience: { live, total, peak }; peak is the most live viewers seen since the console started.
export const NewAudience = () => ({ live: 0, total: 0, peak: 0 });
export function AudienceViewers(a, live, total) {
  const l = Math.max(0, Number(live) || 0), t = Math.max(0, Number(total) || 0);
  return { live: l, total: Math.max(t, a.total), peak: Math.max(a.peak, l) };
}

// [SECTION] Hearts per minute: { startMs, buckets: [count per minute] } from the page clock.
export const NewHearts = (startMs) => ({ startMs, buckets: [] });
function MinuteOf(h, nowMs) { return Math.min(MAX_HEART_MINUTES - 1, Math.max(0, Math.floor((nowMs - h.startMs) / HEART_BUCKET_MS))); }
// Extends the buckets to the current minute (minutes without hearts count 0). Returns a new value.
export function HeartsTick(h, nowMs) {
  const n = MinuteOf(h, nowMs) + 1;
  if (h.buckets.length >= n) return h;
  return { ...h, buckets: [...h.buckets, ...new Array(n - h.buckets.length).fill(0)] };
}
export function HeartsAdd(h, nowMs, count) {
  const c = Math.max(0, Math.floor(Number(count) || 0));
  const t = HeartsTick(h, nowMs);
  const buckets = t.buckets.slice();
  buckets[MinuteOf(h, nowMs)] += c;
  return { ...t, buckets };
}
// The chart's bars: at most maxBars, each the average hearts per minute of its minutes (the last bar may cover
// fewer). Returns { bars: [value], minutesPerBar, last (the current minute's count), best (the best minute) }.
export function HeartsBars(h, maxBars = CHART_MAX_BARS) {
  const b = h.buckets;
  const per = Math.max(1, Math.ceil(b.length / maxBars));
  const bars = [];
  for (let i = 0; i < b.length; i += per) {
    const slice = b.slice(i, i + per);
    bars.push(slice.reduce((s, x) => s + x, 0) / slice.length);
  }
  return { bars, minutesPerBar: per, last: b.length ? b[b.length - 1] : 0, best: b.length ? Math.max(...b) : 0 };
}
// Bar rectangles in a width x height box (SVG user units), tallest bar at full height; a zero bar is 0 high.
export function ChartRects(bars, width, height) {
  if (!bars.length) return [];
  const max = Math.max(...bars, 1);
  const w = width / Math.max(bars.length, 10); // a short broadcast keeps narrow bars, growing from the left
  return bars.map((v, i) => {
    const bh = (v / max) * height;
    return { x: i * w + w * 0.1, y: height - bh, w: w * 0.8, h: bh };
  });
}

// [SECTION] Lists (recent comments, held comments): arrays of { id, ... }, newest last, bounded.
export function ListAdd(list, item, max) {
  if (!item || !item.id || list.some((x) => x.id === item.id)) return list;
  const out = [...list, item];
  return out.length > max ? out.slice(out.length - max) : out;
}
export const ListRemove = (list, id) => list.filter((x) => x.id !== id);
export const ListRemoveUser = (list, userId) => list.filter((x) => x.userId !== userId);

// [SECTION] The moderation form: slow mode seconds and the blocked words, checked before sending `modes`.
// Returns { value } or { error, values } (a STRINGS id).
export function ParseSlow(text) {
  const s = String(text ?? '').trim();
  if (s === '') return { value: 0 };
  if (!/^\d+$/.test(s) || Number(s) > MAX_SLOW_S) return { error: 'badSlow', values: { max: MAX_SLOW_S } };
  return { value: Number(s) };
}
// Words separated by commas or new lines, trimmed, duplicates (case-insensitive) dropped. Returns { words } or { error, values }.
export function ParseBlockedWords(text) {
  const words = [];
  const seen = new Set();
  for (const raw of String(text ?? '').split(/[,\n]/)) {
    const w = raw.trim();
    if (!w) continue;
    const key = w.toLowerCase();
    if (seen.has(key)) continue;
    if ([...w].length > MAX_BLOCKED_WORD_CHARS) return { error: 'longWord', values: { max: MAX_BLOCKED_WORD_CHARS, word: w } };
    seen.add(key);
    words.push(w);
  }
  if (words.length > MAX_BLOCKED_WORDS) return { error: 'tooManyWords', values: { max: MAX_BLOCKED_WORDS } };
  return { words };
}

// The status line for the role the relay gave: { id, kind } (a STRINGS id; kind 'error' when moderation will be refused).
export function RoleStatus(role, hasToken) {
  if (role === 'broadcaster') return { id: 'joined', kind: '' };
  if (role === 'moderator') return { id: 'moderator', kind: '' };
  return { id: hasToken ? 'notBroadcaster' : 'noToken', kind: 'error' };
}

// End broadcast is offered while the studio sends (connecting or live: html[data-studio]).
export const CanEnd = (studioState, roomEnded) => !roomEnded && (studioState === 'live' || studioState === 'connecting');
