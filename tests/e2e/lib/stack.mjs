// e2e helper: the whole demo stack on loopback (dev origin, relay, demo web server), started and stopped
// together (and dying with the test process). Missing server binaries are an error: a test that needs the
// stack must be able to fail.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, BIN } from './procs.mjs';
import { startDemoServer } from '../../../scripts/demo-server.mjs';

const firstMatch = (proc, re) => proc.output.map((l) => l.match(re)).find(Boolean)?.[1];

// opts: { origin: true, relay: true, originArgs: [] }. Resolves to { streamUrl, relayUrl, web, stop }.
export async function startStack({ origin = true, relay = true, originArgs = [] } = {}) {
  const procs = [];
  const stop = async () => { await Promise.all(procs.map((p) => p.stop())); if (stack.web) await stack.web.close(); };
  const stack = { streamUrl: '', relayUrl: '', web: null, stop, procs };
  try {
    if (origin) {
      const bin = join(BIN, 'livescope-origin');
      if (!existsSync(bin)) throw new Error(`${bin} is missing: build the native preset`);
      const p = await startProcess(bin, ['--port', '0', ...originArgs], { ready: /ready (http\S+)/, timeoutMs: 60000, tag: 'origin', dieWithParent: true });
      procs.push(p); stack.streamUrl = firstMatch(p, /ready (http\S+)/);
    }
    if (relay) {
      const bin = join(BIN, 'livescope-relay');
      if (!existsSync(bin)) throw new Error(`${bin} is missing: build the native preset`);
      const p = await startProcess(bin, ['--port', '0'], { ready: /listening on (ws\S+)/, timeoutMs: 20000, tag: 'relay', dieWithParent: true });
      procs.push(p); stack.relayUrl = firstMatch(p, /listening on (ws\S+)/);
    }
    stack.web = await startDemoServer({ streamUrl: stack.streamUrl, relayUrl: stack.relayUrl });
    return stack;
  } catch (e) { await stop(); throw e; }
}
