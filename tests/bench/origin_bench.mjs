// Benchmark driver for tests/bench/origin.sh: CPU of origin + ffmpeg vs ffmpeg alone, and concurrent blocking requests.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { startProcess, BIN } from '../e2e/lib/procs.mjs';

const SECONDS = Number(process.env.ORIGIN_BENCH_SECONDS || 20); // measuring window per run
const CLIENTS = Number(process.env.ORIGIN_BENCH_CLIENTS || 500); // concurrent blocked playlist requests
const ORIGIN = join(BIN, 'livescope-origin');
const TICK = 100; // clock ticks per second (getconf CLK_TCK on Linux)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// /control/status (POST with the bearer token) is on only for this run's origins, through the environment.
const CONTROL_TOKEN = randomBytes(24).toString('hex');

// utime + stime of one pid, in seconds.
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch { return NaN; }
}

async function measure(pids, seconds) {
  const before = pids.map(cpuSeconds);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const wall = (Date.now() - t0) / 1000;
  return pids.map((pid, i) => (cpuSeconds(pid) - before[i]) / wall * 100); // % of one core
}

async function runOrigin(label, args) {
  const proc = await startProcess(ORIGIN, ['--port', '0', ...args], {
    ready: /^livescope-origin ready /, timeoutMs: 120000, tag: 'origin', env: { LIVESCOPE_CONTROL_TOKEN: CONTROL_TOKEN },
  });
  try {
    const ffpid = Number(proc.output.find((l) => /ffmpeg started \(pid/.test(l)).match(/pid (\d+)/)[1]);
    await sleep(3000);
    const [o, f] = await measure([proc.child.pid, ffpid], SECONDS);
    console.log(`${label.padEnd(34)} origin ${o.toFixed(1).padStart(5)} %  ffmpeg ${f.toFixed(1).padStart(5)} %  total ${(o + f).toFixed(1).padStart(5)} % of one core`);
    return proc;
  } catch (e) { await proc.stop(); throw e; }
}

async function runReference(label, args) {
  const argv = execFileSync(ORIGIN, [...args, '--print-ffmpeg-args'], { encoding: 'utf8' }).trim().split('\n');
  const outputs = argv.filter((a) => /^pipe:\d+$/.test(a)).length;
  const stdio = ['ignore', 'ignore', 'inherit', ...Array(outputs).fill('pipe')];
  const child = spawn(argv[0], argv.slice(1), { stdio });
  for (let i = 3; i < 3 + outputs; i++) child.stdio[i].on('data', () => {});
  try {
    await sleep(3000);
    const [f] = await measure([child.pid], SECONDS);
    console.log(`${label.padEnd(34)} ffmpeg alone (reference)       ${f.toFixed(1).padStart(5)} % of one core`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }
}

function get(url, agent) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    http.get(url, { agent }, (res) => { res.resume(); res.on('end', () => resolve({ status: res.statusCode, ms: Date.now() - t0, end: Date.now() })); })
      .on('error', (e) => resolve({ status: 0, ms: Date.now() - t0, error: e.message, end: Date.now() }));
  });
}

async function blockedClients(proc) {
  const line = proc.output.find((l) => /^livescope-origin ready /.test(l));
  const base = line.split(' ')[2].replace(/\/live\/master\.m3u8$/, '');
  const control = await fetch(`${base}/control/status`, { method: 'POST', headers: { Authorization: `Bearer ${CONTROL_TOKEN}` } });
  const status = JSON.parse(await control.text());
  const r = status.renditions[0];
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const cpu0 = cpuSeconds(proc.child.pid);
  const t0 = Date.now();
  const url = `${base}/live/${r.name}/index.m3u8?_HLS_msn=${r.last_msn + 1}`; // held until the next segment completes
  const results = await Promise.all(Array.from({ length: CLIENTS }, () => get(url, agent)));
  const wall = (Date.now() - t0) / 1000;
  const ok = results.filter((x) => x.status === 200).length;
  const ends = results.map((x) => x.end).sort((a, b) => a - b);
  console.log(`${CLIENTS} concurrent blocked requests (_HLS_msn=last+1): ${ok} x 200, held ${(results[0].ms / 1000).toFixed(2)}..` +
    `${(Math.max(...results.map((x) => x.ms)) / 1000).toFixed(2)} s, all answered within ${ends[ends.length - 1] - ends[0]} ms of each other, ` +
    `origin CPU ${((cpuSeconds(proc.child.pid) - cpu0) * 1000).toFixed(0)} ms over ${wall.toFixed(1)} s`);
  agent.destroy();
}

console.log(`# livescope-origin benchmark (${SECONDS} s windows, ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores)`);
const modes = [['default: 720p + 360p', []], ['light: --renditions 360p', ['--renditions', '360p']]];
for (const [label, args] of modes) {
  const proc = await runOrigin(label, args);
  try { if (args.length === 0) await blockedClients(proc); } finally { await proc.stop(); }
  await runReference(label, args);
}
