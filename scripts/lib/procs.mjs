// Demo and test helper: free ports and child processes (servers from build/native/bin) started and stopped
// together. No browser imports here: scripts/demo.mjs uses it, and tests/e2e/lib/procs.mjs re-exports it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// LIVESCOPE_BIN overrides where server binaries are taken from (a developer's own build dir).
export const BIN = process.env.LIVESCOPE_BIN || join(ROOT, 'build', 'native', 'bin');
// util-linux's setpriv sets a parent-death signal and then execs the command (same pid), so a child dies
// with us even when we are killed by SIGKILL and cannot clean up. Linux only; elsewhere children rely on
// their own checks (scripts/lib/parent-watch.mjs for node children).
const SETPRIV = process.platform === 'linux' && existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null;

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Starts `cmd args`, resolves once a line of its output matches `ready` (regex), rejects after timeoutMs.
// The returned object has .output (all lines so far) and .stop() (SIGTERM, then SIGKILL after 5 s).
// dieWithParent: the child gets SIGKILL when this process dies, whatever kills it.
export function startProcess(cmd, args, { ready, timeoutMs = 30000, env = {}, tag = cmd, dieWithParent = false } = {}) {
  const [file, argv] = dieWithParent && SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { child, output: [], exited: null };
  const exited = new Promise((res) => child.on('exit', (code, sig) => { proc.exited = { code, sig }; res(); }));
  proc.stop = async () => {
    if (proc.exited) return proc.exited;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited; clearTimeout(t);
    return proc.exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.stop(); reject(new Error(`${tag}: not ready after ${timeoutMs} ms\n${proc.output.slice(-20).join('\n')}`)); }, timeoutMs);
    const onLine = (line) => {
      proc.output.push(line);
      if (process.env.LIVESCOPE_E2E_VERBOSE) console.log(`[${tag}] ${line}`);
      if (ready && ready.test(line)) { clearTimeout(timer); resolve(proc); }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.on('data', (d) => { buf += d; let i; while ((i = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1); } });
    }
    child.on('exit', (code) => { clearTimeout(timer); if (!ready || !proc.output.some((l) => ready.test(l))) reject(new Error(`${tag} exited (${code}) before ready\n${proc.output.slice(-20).join('\n')}`)); });
    if (!ready) { clearTimeout(timer); resolve(proc); }
  });
}

// Runs `cmd args` to completion without blocking this process (which may be serving what the command
// fetches); SIGKILL after timeoutMs. Resolves { code, stdout, stderr } (code is null when killed).
export function runToExit(cmd, args, timeoutMs, { env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); resolve({ code: null, stdout, stderr: stderr + String(e.message) }); });
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}
