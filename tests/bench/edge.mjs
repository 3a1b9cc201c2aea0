// Benchmark: livescope-origin behind the nginx edge (deploy/nginx/livescope-edge.conf.in) against direct, in one run.
// Simulated LL-HLS followers (plain HTTP clients doing what hls.js and livescope-probe do: a blocking reload for the
// next part together with the preload-hinted part), 1, 100 and 1,000 of them, direct and through the edge. Prints:
// time to first/last byte of hinted parts, end-to-end part latency (last byte received - PROGRAM-DATE-TIME end of the
// part's media, same clock), and origin requests per second (direct: every request; edge: nginx access log lines
// with an upstream address), over the whole phase and over its steady part (after the first WARM_S seconds, when the
// followers, started over the first second, have all made their first requests). Followers run in worker threads
// (FOLLOWERS_PER_THREAD each) so one event loop does not cap them; the client's CPU is printed to show when it does.
// Never pass/fail. Env: EDGE_BENCH_S (seconds per phase, 12), EDGE_BENCH_VIEWERS (follower counts, "1,100,1000"),
// EDGE_BENCH_LOCK_OFF_MAX (the lock-off edge runs up to this many followers, 100), EDGE_BENCH_PART_MS (the origin's
// part duration, 200).
import http from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BIN, freePort, startProcess } from '../../scripts/lib/procs.mjs';
import { prepareEdge, NGINX } from '../../scripts/edge-conf.mjs';

const PHASE_S = Number(process.env.EDGE_BENCH_S || 12);
const COUNTS = (process.env.EDGE_BENCH_VIEWERS || '1,100,1000').split(',').map(Number).filter((n) => n > 0);
const LOCK_OFF_MAX = Number(process.env.EDGE_BENCH_LOCK_OFF_MAX || 100);
const PART_MS = Number(process.env.EDGE_BENCH_PART_MS || 200); // the origin's --part-ms
const WARM_S = 2; // the start of a phase left out of the steady figure
const FOLLOWERS_PER_THREAD = 250;
const ORIGIN = join(BIN, 'livescope-origin');
if (isMainThread && !existsSync(ORIGIN)) { console.log(`edge bench: skipped: ${ORIGIN} is missing (build the native preset)`); process.exit(0); }
if (isMainThread && !existsSync(NGINX)) { console.log('edge bench: skipped: nginx is missing (scripts/bootstrap.sh)'); process.exit(0); }

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// GET with timings: { status, body (string unless binary), ttfb, ttlb } in ms since the call.
function get(url, binary = false) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let first = null; const chunks = [];
    const req = http.get(url, { agent }, (r) => {
      r.on('data', (d) => { if (first === null) first = performance.now(); chunks.push(d); });
      r.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: r.statusCode, body: binary ? body : body.toString(), ttfb: (first ?? performance.now()) - t0, ttlb: performance.now() - t0, end: Date.now() });
      });
      r.on('error', () => resolve({ status: 0, body: '', ttfb: NaN, ttlb: NaN, end: Date.now() }));
    });
    req.setTimeout(20000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '', ttfb: NaN, ttlb: NaN, end: Date.now() }));
  });
}

// A media playlist's parts and hinted part, with the wall-clock end of each one's media (from PROGRAM-DATE-TIME):
// { parts: [{ uri, n, endMs }], hint: { uri, n, msn, part, endMs } or null }.
function partsOf(text) {
  let msn = Number((text.match(/#EXT-X-MEDIA-SEQUENCE:(\d+)/) || [])[1]) - 1, part = -1, t = NaN, segStart = NaN;
  const target = Number((text.match(/PART-TARGET=([\d.]+)/) || [])[1] || 0.2) * 1000;
  const parts = [];
  const num = (uri) => Number(uri.match(/-(\d+)\.m4s$/)[1]);
  for (const l of text.split('\n')) {
    if (l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) { t = Date.parse(l.slice(25)); segStart = t; }
    else if (l.startsWith('#EXT-X-PART:')) {
      if (part === -1 && !Number.isNaN(segStart)) t = segStart;
      part++; t += Number(l.match(/DURATION=([\d.]+)/)[1]) * 1000;
      const uri = l.match(/URI="([^"]+)"/)[1];
      parts.push({ uri, n: num(uri), endMs: t });
    } else if (l.startsWith('#EXTINF:')) { msn++; part = -1; segStart += Number(l.slice(8).split(',')[0]) * 1000; t = segStart; }
  }
  const uri = (text.match(/#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/) || [])[1];
  return { parts, hint: uri ? { uri, n: num(uri), msn: msn + 1, part: part + 1, endMs: t + target } : null };
}

// One follower for `ms`, as hls.js and livescope-probe follow: a blocking reload for the hinted part's position
// together with the hinted part itself; listed parts it has not got yet (it fell behind) are fetched in order.
async function follow(base, ms, out, steadyFrom) {
  const until = Date.now() + ms;
  const count = () => { out.requests++; if (Date.now() >= steadyFrom) out.steady++; };
  const media = async (uri, endMs) => {
    const r = await get(`${base}/live/360p/${uri}`, true); count();
    if (r.status !== 200) { out.errors++; return false; }
    out.ttfb.push(r.ttfb); out.ttlb.push(r.ttlb); out.latency.push(r.end - endMs); out.bytes += r.body.length;
    return true;
  };
  let text = (await get(`${base}/live/360p/index.m3u8`)).body; count();
  let got = partsOf(text).parts.at(-1)?.n ?? -1; // start at the live edge
  while (Date.now() < until) {
    const { parts, hint } = partsOf(text);
    for (const p of parts) if (p.n > got && Date.now() < until) { await media(p.uri, p.endMs); got = p.n; }
    if (!hint) { await sleep(100); text = (await get(`${base}/live/360p/index.m3u8`)).body; count(); continue; }
    const [pl, ok] = await Promise.all([get(`${base}/live/360p/index.m3u8?_HLS_msn=${hint.msn}&_HLS_part=${hint.part}`), media(hint.uri, hint.endMs)]);
    count();
    if (ok) got = Math.max(got, hint.n);
    if (pl.status === 200) text = pl.body; else { out.errors++; await sleep(100); text = (await get(`${base}/live/360p/index.m3u8`)).body; count(); }
  }
}

// `n` followers of `base` for `ms`, each starting at a random moment of the first second; requests from `steadyFrom`
// (epoch ms) on are also counted in .steady.
const newOut = () => ({ requests: 0, steady: 0, errors: 0, bytes: 0, ttfb: [], ttlb: [], latency: [] });
async function followers(base, n, ms, steadyFrom) {
  const out = newOut();
  await Promise.all(Array.from({ length: n }, async () => { const d = Math.random() * 1000; await sleep(d); await follow(base, ms - d, out, steadyFrom); }));
  return out;
}
// The same over worker threads of FOLLOWERS_PER_THREAD followers each (one thread: this one).
async function followersThreaded(base, n, ms, steadyFrom) {
  if (n <= FOLLOWERS_PER_THREAD) return followers(base, n, ms, steadyFrom);
  const parts = [];
  for (let left = n; left > 0; left -= FOLLOWERS_PER_THREAD) parts.push(Math.min(FOLLOWERS_PER_THREAD, left));
  const outs = await Promise.all(parts.map((k) => new Promise((resolve, reject) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { base, n: k, ms, steadyFrom } });
    w.once('message', resolve); w.once('error', reject);
  })));
  const out = newOut();
  for (const o of outs) {
    out.requests += o.requests; out.steady += o.steady; out.errors += o.errors; out.bytes += o.bytes;
    for (const k of ['ttfb', 'ttlb', 'latency']) for (const v of o[k]) out[k].push(v);
  }
  return out;
}

// CPU seconds (user + system) of process `pid` so far (NaN when unknown); clock ticks of 1/100 s (CLK_TCK on Linux).
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14 and 15)
  } catch { return NaN; }
}

const pct = (a, p) => { const s = a.filter(Number.isFinite).sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const fmt = (a) => `p50 ${pct(a, 0.5).toFixed(0)} / p90 ${pct(a, 0.9).toFixed(0)} ms`;

if (!isMainThread) {
  const { base, n, ms, steadyFrom } = workerData;
  parentPort.postMessage(await followers(base, n, ms, steadyFrom));
  agent.destroy();
} else {
const dir = mkdtempSync(join(tmpdir(), 'livescope-edge-bench-'));
const procs = [];
try {
  const origin = await startProcess(ORIGIN, ['--port', '0', '--renditions', '360p', '--part-ms', String(PART_MS)], { ready: /ready (http\S+)/, timeoutMs: 60000, tag: 'origin', dieWithParent: true });
  procs.push(origin);
  const originUrl = origin.output.map((l) => l.match(/ready (http:\/\/[^/]+)/)).find(Boolean)[1];
  // Two edges on the same origin: the shipped config (lock on: collapsing) and the same with proxy_cache_lock off.
  const edges = [];
  for (const lock of ['on', 'off']) {
    const port = await freePort();
    const argv = prepareEdge({ origin: originUrl.slice(7), listen: `127.0.0.1:${port}`, dir: join(dir, `edge-${lock}`), lock, single: true });
    const nginx = await startProcess(argv[0], argv.slice(1), { tag: `nginx-${lock}`, dieWithParent: true });
    procs.push(nginx);
    edges.push({ name: `edge lock ${lock}`, base: `http://127.0.0.1:${port}`, log: join(dir, `edge-${lock}`, 'access.log'), pid: nginx.child.pid });
  }
  for (let i = 0; i < 100 && !/#EXT-X-PRELOAD-HINT/.test((await get(`${edges[0].base}/live/360p/index.m3u8`)).body); i++) await sleep(200);

  console.log(`edge bench: ${new Date().toISOString()}; origin ${originUrl} (360p, ${PART_MS} ms parts), nginx edges ` +
    `${edges.map((e) => `${e.name} ${e.base}`).join(', ')}; ${PHASE_S} s per phase; followers ${COUNTS.join(', ')} (lock off up to ${LOCK_OFF_MAX})`);
  const rows = [];
  for (const viewers of COUNTS) {
    for (const { name, base, log, pid } of [{ name: 'direct', base: originUrl, log: null, pid: null }, ...edges]) {
      if (name === 'edge lock off' && viewers > LOCK_OFF_MAX) continue;
      const readLog = () => (log ? readFileSync(log, 'utf8') : '').split('\n');
      const before = readLog().length;
      const t0 = Date.now();
      const steadyFrom = t0 + WARM_S * 1000;
      const cpu0 = process.cpuUsage();
      const originCpu0 = cpuSeconds(origin.child.pid), edgeCpu0 = pid ? cpuSeconds(pid) : NaN;
      const out = await followersThreaded(base, viewers, PHASE_S * 1000, steadyFrom);
      const cpu = process.cpuUsage(cpu0);
      const secs = (Date.now() - t0) / 1000;
      const originCpu = (cpuSeconds(origin.child.pid) - originCpu0) * 100 / secs, edgeCpu = (cpuSeconds(pid) - edgeCpu0) * 100 / secs; // % of one core
      const steadySecs = secs - WARM_S;
      const lines = readLog().slice(before - 1).filter((l) => l.trim());
      const upstream = lines.filter((l) => !/ up=- /.test(l));
      const originRequests = name === 'direct' ? out.requests : upstream.length;
      // nginx's $msec (seconds, the line's first field) is when the request ended: a held request ends after it began.
      const originSteady = name === 'direct' ? out.steady : upstream.filter((l) => Number(l.split(' ')[0]) * 1000 >= steadyFrom).length;
      const hits = lines.filter((l) => / cache=HIT /.test(l)).length;
      const clientCpu = (cpu.user + cpu.system) / 1e4 / secs; // % of one core
      rows.push({ name, viewers, secs, steadySecs, out, originRequests, originSteady, hits });
      console.log(`edge bench: ${String(viewers).padStart(4)} viewer(s) ${name.padEnd(13)}: hinted part first byte ${fmt(out.ttfb)}, last byte ${fmt(out.ttlb)}; ` +
        `part latency (last byte - media end) ${fmt(out.latency)} over ${out.latency.length} parts (${(out.latency.length / secs / viewers).toFixed(1)} per viewer-s, ` +
        `${(out.bytes * 8 / 1000 / secs / viewers).toFixed(0)} kbit/s per viewer); ` +
        `origin ${(originRequests / secs).toFixed(1)} req/s (${originRequests} in ${secs.toFixed(1)} s), steady ${(originSteady / steadySecs).toFixed(1)} req/s = ` +
        `${(originSteady / (steadySecs * 1000 / PART_MS)).toFixed(1)} per part; clients made ${out.requests}${log ? `, ${hits} cache HITs` : ''}; ${out.errors} errors; ` +
        `CPU (% of one core): origin ${originCpu.toFixed(0)}%${pid ? `, nginx ${edgeCpu.toFixed(0)}% (${(out.requests / secs / Math.max(edgeCpu, 1) * 100).toFixed(0)} requests per core-second)` : ''}, ` +
        `clients ${clientCpu.toFixed(0)}%; load ${loadavg()[0].toFixed(1)}`);
    }
  }
  console.log('edge bench: origin requests per part in the steady part of each phase (1 part = ' + PART_MS + ' ms; "keeping up" = ' +
    `${(1000 / PART_MS).toFixed(1)} parts per viewer-s):`);
  for (const viewers of COUNTS) {
    const rs = rows.filter((r) => r.viewers === viewers);
    console.log(`edge bench:   ${String(viewers).padStart(4)} follower(s): ` + rs.map((r) => `${r.name} ${(r.originSteady / (r.steadySecs * 1000 / PART_MS)).toFixed(1)} ` +
      `(${(r.originSteady / r.steadySecs).toFixed(1)} req/s; ${(r.out.latency.length / r.secs / viewers).toFixed(1)} parts per viewer-s)`).join(', '));
  }
} catch (e) {
  console.log(`edge bench: failed: ${e.message}`);
} finally {
  for (const p of procs.reverse()) await p.stop();
  rmSync(dir, { recursive: true, force: true });
  agent.destroy();
}
}
