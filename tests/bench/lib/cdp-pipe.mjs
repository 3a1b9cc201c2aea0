// Bench helper: Debian's Chromium driven over --remote-debugging-pipe with a few DevTools protocol calls and nothing
// else: no Network domain (no event per request, no response body read), no auto-attach to workers (a new Worker is
// not held until a client resumes it), no client-side routing. Playwright does all three, which stretches a page's
// start by tens of ms, most of it in front of a Worker's script (tests/bench/embed.sh measures both ways).
// launchPipeBrowser() resolves to { send(method, params, sessionId), openPage(initScript), close() }.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS } from '../../e2e/lib/browser.mjs';

export async function launchPipeBrowser(extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), 'livescope-chromium-pipe-'));
  const proc = spawn('/usr/bin/chromium', [...CHROMIUM_ARGS, ...extraArgs, '--remote-debugging-pipe', `--user-data-dir=${dir}`,
    '--window-size=800,600', 'about:blank'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
  const toBrowser = proc.stdio[3], fromBrowser = proc.stdio[4];
  let lastId = 0, buffered = '';
  const pending = new Map();
  const fail = (err) => { for (const p of pending.values()) p.reject(err); pending.clear(); };
  proc.on('exit', () => fail(new Error('chromium exited')));
  fromBrowser.on('data', (chunk) => {
    buffered += chunk.toString('utf8');
    for (let end; (end = buffered.indexOf('\0')) >= 0;) {
      const msg = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      const p = msg.id && pending.get(msg.id);
      if (!p) continue; // an event: none is enabled that the bench reads
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`)); else p.resolve(msg.result);
    }
  });
  const send = (method, params = {}, sessionId = undefined) => new Promise((resolve, reject) => {
    const id = ++lastId;
    pending.set(id, { resolve, reject, method });
    toBrowser.write(JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params }) + '\0');
  });
  await send('Browser.getVersion'); // the pipe is up
  return {
    send,
    // A new tab with `initScript` (source text) run before each document's own scripts. Resolves to
    // { goto(url), evaluate(expression): value, close() }.
    async openPage(initScript) {
      const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      await send('Page.enable', {}, sessionId); // addScriptToEvaluateOnNewDocument acts only with it
      await send('Page.addScriptToEvaluateOnNewDocument', { source: initScript }, sessionId);
      return {
        goto: (url) => send('Page.navigate', { url }, sessionId),
        async evaluate(expression) {
          const r = await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId);
          if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.text}`);
          return r.result.value;
        },
        close: () => send('Target.closeTarget', { targetId }),
      };
    },
    async close() {
      proc.kill();
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      try { rmSync(dir, { recursive: true, force: true, maxRetries: 5 }); } catch { /* a helper process still writing */ }
    },
  };
}
