// e2e (ABR): the widget starts on the lowest variant, steps up on a fast link, steps down when the origin paces every
// media body below the top variant's bandwidth (fault rate_kbps, a per-connection limit), keeps playing, and steps back
// up when the limit goes. Every switch is seamless (the origin's renditions share one timeline): no serial bump, so no
// decoder flush and no frame of the page's queue dropped (stats.abr.hard == 0, the serial unchanged). abr="off" stays on
// the first variant. Switch times, stalls and frames dropped around the switches are printed, not asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from './lib/browser.mjs';
import { WASM_DIR, ORIGIN_BIN, startOrigin, openPlayer, withWasmServer, stats } from '../bench/playback/lib.mjs';

const missing = !existsSync(ORIGIN_BIN) ? `${ORIGIN_BIN} is missing (build the native preset)`
  : !existsSync(join(WASM_DIR, 'livescope_worker.wasm')) ? `${WASM_DIR}/livescope_worker.wasm is missing (build the wasm preset)` : null;
if (missing) console.log(`playback_abr: SKIPPED: ${missing}`);

const CONTROL_TOKEN = randomBytes(24).toString('hex');
// 360p is 765,600 bit/s in the master playlist, 240p 435,600 (src/server/origin/encoder_args.cpp): 560 kbit/s
// affords only 240p, and still carries it.
const THROTTLE_KBPS = 560;

// The picture never goes back in time on one serial (a seamless switch keeps the serial): times it did, seen by `until`.
const shown = { serial: -1, pts: -Infinity, back: 0 };
function watchPts(s) {
  if (!Number.isFinite(s.shownPts)) return;
  if (s.serial === shown.serial && s.shownPts < shown.pts - 0.001) shown.back++;
  shown.serial = s.serial;
  shown.pts = s.shownPts;
}

// Polls the widget's stats until `pred` holds; resolves with { s, ms } or fails with the last stats after `ms`.
async function until(page, pred, ms, what) {
  const t0 = Date.now();
  let s = null;
  while (Date.now() - t0 < ms) {
    s = await stats(page);
    watchPts(s);
    if (process.env.ABR_TRACE) console.log(`abr trace: ${what} +${Date.now() - t0} ms ${s.height}p estimate ${(s.abr.estimate / 1000).toFixed(0)} kbit/s bitrate ${(s.bitrate / 1000).toFixed(0)}`);
    if (pred(s)) return { s, ms: Date.now() - t0 };
    await page.waitForTimeout(250);
  }
  assert.fail(`${what}: not within ${ms} ms (variant ${s && s.variant}, height ${s && s.height}, abr ${JSON.stringify(s && s.abr)})`);
}

test('ABR steps up on a fast link, down under a bandwidth limit without stopping, and back up after it', { skip: missing || false, timeout: 240000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'livescope-abr-'));
  writeFileSync(join(dir, 'control-token'), CONTROL_TOKEN);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const origin = await startOrigin(['--renditions', '360p,240p', '--control-token-file', join(dir, 'control-token')]);
  const srv = await withWasmServer();
  const browser = await launchBrowser();
  t.after(async () => { await browser.close(); await srv.close(); await origin.stop(); });
  const fault = async (q) => {
    const res = await fetch(new URL(`/control/faults?${q}`, origin.url), { method: 'POST', headers: { Authorization: `Bearer ${CONTROL_TOKEN}` } });
    assert.ok(res.ok, `fault ${q}: HTTP ${res.status}`);
    return res.json();
  };

  // ABR_DECODER=wasm runs the same switches through FFmpeg's decoder (reopened on the new parameters at the key frame).
  const page = await openPlayer(browser, srv.url, origin.url, process.env.ABR_DECODER ? `&decoder=${process.env.ABR_DECODER}` : '');
  const t0 = Date.now();
  if (process.env.ABR_TRACE) page.on('console', (m) => { if (/Variant|jump|stall|hls |fail|cancel/i.test(m.text())) console.log(`abr trace: ${Date.now() - t0} ms ${m.text()}`); });
  t.after(() => { if (t.failed !== false) console.log(page.logs.slice(-40).join('\n')); });
  await page.waitForFunction(() => window.livescopeWidgets[0].stats && window.livescopeWidgets[0].stats.framesShown > 0, null, { timeout: 30000 });
  const first = await stats(page);
  assert.equal(first.abr.on, true);
  assert.equal(first.abr.variants, 2);

  // Each switch is counted seamless or hard at the new variant's first part; none may be hard (a serial bump flushes the
  // decoders and drops the page's queue of frames).
  // (`switches` counts the session's switches, which a jump to the live edge restarts; `seamless` and `hard` never restart.)
  let counted = 0;
  const settled = async (what) => {
    const r = await until(page, (s) => s.abr.seamless + s.abr.hard > counted, 10000, `${what}: switch counted`);
    // A jump to the live edge (the latency controller, when a loaded machine falls far behind) restarts the session,
    // and a switch caught in it is counted hard with good reason: only those are allowed.
    const jumps = page.logs.filter((l) => /jumping to the live edge/.test(l)).length;
    assert.ok(r.s.abr.hard <= jumps, `${what}: a variant switch bumped the serial (abr ${JSON.stringify(r.s.abr)}, jumps ${jumps})`);
    counted = r.s.abr.seamless;
    return r.s;
  };

  // Up: loopback affords 360p.
  const up = await until(page, (s) => s.height === 360, 30000, 'step up to 360p');
  const upDone = await settled('step up');
  console.log(`abr: first frame on ${first.height}p; up to 360p ${up.ms} ms later; serial ${first.serial} -> ${upDone.serial}, ` +
    `frames dropped ${upDone.dropped - first.dropped}`);

  // Down: every media body paced at THROTTLE_KBPS.
  const limited = await fault(`rate_kbps=${THROTTLE_KBPS}`);
  if (process.env.ABR_TRACE) console.log(`abr trace: ${Date.now() - t0} ms limit on`);
  assert.equal(limited.rate_kbps, THROTTLE_KBPS);
  const before = await stats(page);
  const down = await until(page, (s) => s.height === 240, 30000, `step down to 240p under ${THROTTLE_KBPS} kbit/s`);
  // Playback goes on at 240p under the limit: frames keep coming.
  const a = await stats(page);
  const b = await until(page, (s) => s.framesShown > a.framesShown + 30, 20000, 'frames advance at 240p under the limit');
  assert.ok(b.s.abr.down >= 1, `abr.down ${b.s.abr.down}`);
  const downDone = await settled('step down');
  console.log(`abr: down to 240p ${down.ms} ms after the ${THROTTLE_KBPS} kbit/s limit; stalls during it ${b.s.stalls - before.stalls}; ` +
    `serial ${before.serial} -> ${downDone.serial}, frames dropped ${downDone.dropped - before.dropped}, probes ${downDone.abr.probes}`);

  // Back up once the limit goes (after the hold that follows a step down).
  await fault('rate_kbps=0');
  const back = await until(page, (s) => s.height === 360, 60000, 'step back up to 360p after the limit');
  const backDone = await settled('step back up');
  console.log(`abr: back up to 360p ${back.ms} ms after the limit was lifted; switches ${back.s.abr.switches} (seamless ` +
    `${backDone.abr.seamless}, hard ${backDone.abr.hard}), oscillations ${back.s.abr.oscillations}, stalls ${back.s.stalls}, ` +
    `probes ${backDone.abr.probes}, samples ${backDone.abr.samples}; serial ${b.s.serial} -> ${backDone.serial}, frames dropped ${backDone.dropped - b.s.dropped}`);
  assert.ok(back.s.framesShown > b.s.framesShown);
  assert.equal(back.s.abr.oscillations, 0, JSON.stringify(back.s.abr)); // the throttle after the start-up step is no oscillation
  assert.equal(shown.back, 0, 'the picture went back in time on one serial');

  // abr="off": the first variant throughout, however fast the link.
  const fixed = await openPlayer(browser, srv.url, origin.url, '&abr=off');
  await fixed.waitForFunction(() => window.livescopeWidgets[0].stats && window.livescopeWidgets[0].stats.framesShown > 30, null, { timeout: 30000 });
  await fixed.waitForTimeout(3000);
  const f = await stats(fixed);
  assert.equal(f.abr.on, false);
  assert.equal(f.abr.switches, 0);
  assert.equal(f.variant, 0); // the first listed (the origin lists its top rendition first)
});
