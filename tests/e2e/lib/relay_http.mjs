// e2e helper: talking to a relay node from node: join a room over WebSocket, GET its JSON endpoints, read a room's
// whole log page by page, and poll /healthz. Shared by the relay log, Redis bus and shared-log tests.
import assert from 'node:assert/strict';
import { rawWebSocket } from './raw_websocket.mjs';

// A v2 join of `room` (extra: client_id, token, ...); resolves to { ws, welcome } once the welcome came.
export async function enterRoom(port, room, extra = {}) {
  const ws = await rawWebSocket(port);
  ws.send(JSON.stringify({ type: 'join', v: 2, room, ...extra }));
  const welcome = await ws.until((m) => m.type === 'welcome');
  return { ws, welcome };
}

// GET http://127.0.0.1:port/path as JSON (5 s at most); every relay answer allows any origin.
export async function getJson(port, path) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  return { status: res.status, body: await res.json() };
}

// Every event of `room`, following `next` with `limit` per page (small, so paging is exercised); at most 200 pages.
export async function allEvents(port, room, limit) {
  const events = [];
  let after = null;
  for (let page = 0; page < 200; page++) {
    const { status, body } = await getJson(port, `/rooms/${room}/events?limit=${limit}${after ? `&after=${after}` : ''}`);
    assert.equal(status, 200);
    events.push(...body.events);
    if (body.next === null) return events;
    after = body.next;
  }
  throw new Error('more than 200 pages');
}

// Polls /healthz until `want(body)` (bounded: 100 tries, 100 ms apart); returns the last body.
export async function healthUntil(port, want) {
  let body = '';
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) });
    body = (await res.text()).trim();
    if (want(body)) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  return body;
}
