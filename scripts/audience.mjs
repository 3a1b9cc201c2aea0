// Audience simulation for the demo: N bots join a relay room, comment with realistic text and timing, and
// send hearts, so a lone visitor sees a living broadcast. Run by scripts/demo.mjs --audience N.
// Needs node's WebSocket (node 20: --experimental-websocket). Usage:
//   node --experimental-websocket scripts/audience.mjs --url ws://127.0.0.1:8082/ws --room demo --count 20
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({ options: {
  url: { type: 'string' }, room: { type: 'string', default: 'demo' },
  count: { type: 'string', default: '10' }, seed: { type: 'string', default: '1' },
} });
if (!opts.url || typeof WebSocket !== 'function') {
  console.error('usage: node --experimental-websocket scripts/audience.mjs --url ws://HOST:PORT/ws [--room R] [--count N]');
  process.exit(2);
}

// Small deterministic PRNG (mulberry32) so a demo run is reproducible.
let state = Number(opts.seed) >>> 0;
const rand = () => { state = (state + 0x6D2B79F5) >>> 0; let t = state; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const pick = (a) => a[Math.floor(rand() * a.length)];
// Exponential waits: comments arrive as a Poisson process, like people typing.
const wait = (meanMs) => -Math.log(1 - rand()) * meanMs;

const LINES = [
  'Hello from Lyon!', 'What camera are you using?', 'How do you keep latency this low?', 'This is so smooth 👏',
  'Can you show the board again?', '¿Se puede ver en el móvil?', 'Grüße aus München!', 'Pozdrowienia z Krakowa!',
  'First time here, love it', 'Is this open source?', 'Which soldering iron is that?', 'Ça marche très bien ici',
  'Can you zoom in a bit?', 'How long have you been streaming?', 'The hearts are cute ❤', 'Greetings from Porto',
  'What resolution is this?', 'Will there be a replay?', 'Thanks for answering!', 'Olá do Brasil!',
];

const bots = [];
let stopping = false;
function startBot(i) {
  const ws = new WebSocket(opts.url);
  const bot = { ws, timers: [] };
  const later = (ms, fn) => bot.timers.push(setTimeout(fn, ms));
  const send = (m) => { if (ws.readyState === 1) ws.send(JSON.stringify({ v: 1, ...m })); };
  ws.onopen = () => {
    send({ type: 'join', room: opts.room, clientId: `bot-${opts.room}-${i}` });
    const comment = () => { send({ type: 'comment', text: pick(LINES) }); later(wait(45000), comment); };
    const hearts = () => { send({ type: 'hearts', count: 1 + Math.floor(rand() * 4) }); later(wait(2500), hearts); };
    later(wait(8000), comment);
    later(wait(1500), hearts);
  };
  ws.onmessage = (e) => { try { if (JSON.parse(e.data).type === 'ping') send({ type: 'pong' }); } catch { /* ignore */ } };
  ws.onclose = () => { bot.timers.forEach(clearTimeout); if (!stopping) setTimeout(() => { bots[i] = startBot(i); }, 2000 + rand() * 3000); };
  ws.onerror = () => {};
  return bot;
}

const n = Math.max(1, Math.min(1000, Number(opts.count) || 10));
for (let i = 0; i < n; i++) setTimeout(() => { bots[i] = startBot(i); }, i * 150); // stagger joins
console.log(`audience: ${n} bots joining room '${opts.room}' on ${opts.url}`);
const stop = () => { stopping = true; for (const b of bots) if (b) { b.timers.forEach(clearTimeout); try { b.ws.close(); } catch { /* closed */ } } setTimeout(() => process.exit(0), 200); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
