// The go-live benches' reading of a live media playlist: its newest part and how far that part's
// PROGRAM-DATE-TIME (its end) is from the wall clock when it appears (docs/ingest.md, "PDT ahead at listing").
import { setTimeout as sleep } from 'node:timers/promises';

// The newest part of a media playlist's text: { uri, endMs } (endMs: its PDT plus the parts since that PDT, ms since
// the epoch; NaN without a PDT), or uri '' when the playlist lists no part.
export function newestPart(text) {
  let pdt = NaN, dur = 0, uri = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) { pdt = Date.parse(line.slice(25)); dur = 0; }
    const m = line.match(/^#EXT-X-PART:DURATION=([\d.]+),URI="([^"]+)"/);
    if (m) { dur += Number(m[1]); uri = m[2]; }
  }
  return { uri, endMs: pdt + dur * 1000 };
}

// Polls `url` every `every_ms` for `seconds`: for each newly listed part after the first seen, its PDT end minus now
// (seconds; above 0, PDT runs ahead of real time). Returns those leads.
export async function pdtLeads(url, seconds, every_ms = 50) {
  const leads = [];
  let last = '';
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const text = await (await fetch(url)).text().catch(() => '');
    const now = Date.now();
    const { uri, endMs } = newestPart(text);
    if (uri && uri !== last && Number.isFinite(endMs)) { if (last) leads.push((endMs - now) / 1000); last = uri; }
    await sleep(every_ms);
  }
  return leads;
}
