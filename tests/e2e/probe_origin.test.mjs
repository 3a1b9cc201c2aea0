// e2e: livescope-probe --follow 30 against the dev LL-HLS origin: blocking reloads, preload hints, no errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, startProcess, runToExit } from './lib/procs.mjs';

const PROBE = join(BIN, 'livescope-probe');
const ORIGIN = join(BIN, 'livescope-origin');
const FOLLOW_S = 30;

const runProbe = (args, timeoutMs) => runToExit(PROBE, args, timeoutMs);

// One 30 s run shared by both tests below.
let runPromise = null;
function followOrigin() {
  runPromise ??= (async () => {
    let origin = null;
    try {
      origin = await startProcess(ORIGIN, ['--port', '0', '--part-ms', '200', '--segment-ms', '2000'],
        { ready: /livescope-origin ready (http:\/\/\S+)/, timeoutMs: 60000, tag: 'origin' });
      const url = origin.output.map((l) => l.match(/livescope-origin ready (http:\/\/\S+)/)).find(Boolean)[1];
      // One variant (the first listed): a variant switch would cancel the old rendition's blocking reload.
      const run = await runProbe(['--follow', String(FOLLOW_S), '--variant', '0', url], (FOLLOW_S + 30) * 1000);
      const lines = run.stdout.trim().split('\n');
      const summaryLine = lines.find((l) => l.startsWith('summary-json '));
      assert.ok(summaryLine, `no summary-json line\nstdout:\n${run.stdout.slice(-3000)}\nstderr:\n${run.stderr.slice(-3000)}`);
      return { run, lines, s: JSON.parse(summaryLine.slice('summary-json '.length)) };
    } finally {
      if (origin) await origin.stop();
    }
  })();
  return runPromise;
}

test('probe follows the dev origin: every blocking reload answered with its part, no 4xx/5xx, hints used', async (t) => {
  if (!existsSync(ORIGIN)) { t.skip(`${ORIGIN} missing: build livescope-origin (src/server/origin) first`); return; }
  assert.ok(existsSync(PROBE), `${PROBE} missing: build livescope-probe first`);
  const { run, lines, s } = await followOrigin();
  t.diagnostic(lines.filter((l) => l.startsWith('summary:')).join(' | '));
  assert.equal(run.code, 0, run.stderr.slice(-3000));
  // Every blocking playlist request came back with the part it asked for (one may be in flight at exit).
  const blocking = lines.filter((l) => l.includes(' blocking='));
  const notAnswered = blocking.filter((l) => !l.includes('answered=yes') && !l.includes('in-flight-at-exit'));
  assert.ok(blocking.length >= FOLLOW_S, `only ${blocking.length} blocking reloads`);
  assert.deepEqual(notAnswered, [], 'blocking reloads not answered with the asked part');
  assert.equal(s.blockingMisses, 0);
  // No HTTP errors at all.
  assert.deepEqual(lines.filter((l) => /status=[45]\d\d/.test(l)), [], 'requests answered 4xx/5xx');
  assert.equal(s.http4xx + s.http5xx, 0);
  assert.equal(s.errors, 0, run.stderr.slice(-3000));
  // Preload hints were requested with the blocking reloads and became the parts the playlist listed.
  assert.ok(s.hintsRequested > 0 && s.hintsUsed > 0, `hints requested ${s.hintsRequested}, used ${s.hintsUsed}`);
  assert.ok(s.partsLoaded > FOLLOW_S, `only ${s.partsLoaded} parts loaded`);
  assert.ok(s.mediaBytes > 0 && s.initBytes > 0);
});

// The lead (playlist listing time - first byte of the hinted part) is positive because the origin streams a
// hinted part's bytes while it is being encoded, and the probe requests the hint with the blocking reload.
test('probe follows the dev origin: hinted parts begin to arrive before the playlist lists them', async (t) => {
    if (!existsSync(ORIGIN)) { t.skip(`${ORIGIN} missing`); return; }
    const { s } = await followOrigin();
    t.diagnostic(`hinted part lead: ${(s.hintLeadAvg * 1000).toFixed(2)} ms average over ${s.hintLeadCount} parts`);
    // Behaviour, not speed: hinted parts were requested, their bytes arrived, and on average before the playlist
    // listed them (the size of the lead is a figure for the benches, printed above).
    assert.ok(s.hintsUsed > 0, 'no hinted part became a listed part');
    assert.ok(s.hintLeadCount > 0, 'no hinted part was both received and listed');
    assert.ok(s.hintLeadAvg > 0, `hinted parts arrived after the playlist listed them (lead ${(s.hintLeadAvg * 1000).toFixed(2)} ms over ${s.hintLeadCount} parts)`);
  });
