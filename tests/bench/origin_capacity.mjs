// Benchmark driver for tests/bench/origin_capacity.sh: how many published broadcasts one livescope-origin holds.
// Publishers push a 720p30 H.264 + AAC MPEG-TS clip over the WebSocket ingest at real-time pace (default ladder:
// 720p + 360p); each broadcast has one viewer (livescope-probe --follow). Per step of N broadcasts it prints the
// origin's CPU and each encoder's CPU (% of one core), each broadcast's encoder speed (media seconds produced per wall
// second, from the part durations of its 720p playlist) and the viewers' errors. N = 1, 2, 4 always, then up until a
// step does not hold: a step holds when every broadcast keeps real time (speed >= SPEED_MIN) and no viewer has an
// error. Prints figures beside the --max-broadcasts default; never pass/fail.
// CAPACITY_INPUT=studio: the publishers are studios instead (tests/bench/golive/studio_clip.mjs: 1280x720 30 fps H.264
// Baseline + AAC in the livescope-frames framing, from node), whose H.264 the origin copies into its 720p rendition;
// the encoder then makes only the 360p rendition and the audio, and each broadcast's speed is read from its 360p playlist.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, runToExit, BIN } from '../e2e/lib/procs.mjs';
import { mintKey, openPublisher, pushRealTime } from '../e2e/lib/ingest.mjs';
import { makeStudioClip, pushStudio } from './golive/studio_clip.mjs';

const WINDOW_S = Number(process.env.CAPACITY_SECONDS || 15); // measuring window per step
const WARMUP_S = 4;                                           // after every broadcast is live, before measuring
const MAX_N = Number(process.env.CAPACITY_MAX || 10);          // the search stops here
const SPEED_MIN = 0.98; // media s per wall s; below it a broadcast falls behind (0.98, not 1.0: one part of jitter per window)
const CLIP_S = WARMUP_S + WINDOW_S + 25; // never looped: long enough for the slowest step's startup
const ORIGIN = join(BIN, 'livescope-origin');
const PROBE = join(BIN, 'livescope-probe');
const TICK = 100; // clock ticks per second (getconf CLK_TCK on Linux)
const SECRET = randomBytes(16).toString('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const STUDIO = process.env.CAPACITY_INPUT === 'studio'; // copied studio publishers instead of MPEG-TS
const SPEED_RENDITION = STUDIO ? '360p' : '720p'; // the rendition the encoder makes (720p is copied for a studio)

function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch { return NaN; }
}

const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const loadAverage = () => { try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { return '?'; } };

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'livescope-capacity-'));
  const clipPath = join(dir, 'clip720.ts');
  const studioClip = STUDIO ? await makeStudioClip(dir, CLIP_S) : null;
  const made = STUDIO ? { code: 0 } : await runToExit('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${CLIP_S}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${CLIP_S}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60',
    '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k', '-c:a', 'aac', '-b:a', '128k', '-f', 'mpegts', clipPath], 600000);
  if (made.code !== 0) throw new Error(`ffmpeg could not make the clip: ${made.stderr}`);
  const clip = STUDIO ? null : readFileSync(clipPath);
  const help = (() => { try { return execFileSync(ORIGIN, ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }); } catch (e) { return `${e.stdout}${e.stderr}`; } })();
  const defaultMax = help.match(/--max-broadcasts N[^\n]*default (\d+)/)?.[1] ?? '?';

  const origin = await startProcess(ORIGIN, ['--port', '0', '--no-demo', '--max-broadcasts', '64', '--grace', '1'],
    { ready: /livescope-origin ready (http:\/\/\S+)\/live\/index\.json/, timeoutMs: 20000, tag: 'origin', env: { LIVESCOPE_SECRET: SECRET } });
  const base = origin.output.map((l) => l.match(/livescope-origin ready (http:\/\/\S+)\/live\/index\.json/)).find(Boolean)[1];
  const port = Number(new URL(base).port);
  console.log(`machine: ${cpus().length} CPUs, load average ${loadAverage()} at start; ` +
    (STUDIO ? 'studio publishers (livescope-frames, 720p30 H.264 Baseline 1.5 Mbit/s + AAC, top rendition copied)' : 'clip 720p30 H.264 2.5 Mbit/s + AAC') +
    `, ladder 720p + 360p; ` +
    `window ${WINDOW_S} s; a step holds when every encoder keeps speed >= ${SPEED_MIN} and no viewer errs`);

  let step = 0;
  const results = [];
  const runStep = (n) => runStepOnce(n).catch((e) => {
    console.log(`${String(n).padStart(2)} broadcast(s): does NOT hold (${e.message})`);
    results.push({ n, held: false });
    return false;
  });
  const runStepOnce = async (n) => {
    step++;
    const names = Array.from({ length: n }, (_, i) => `cap${step}-${i}`);
    const pushes = [];
    try {
      for (const name of names) {
        const publisher = STUDIO
          ? await openPublisher(port, `/ingest/${name}`, { protocol: `livescope-ingest, ${mintKey(name, SECRET)}, livescope-frames` })
          : await openPublisher(port, `/ingest/${name}?token=${mintKey(name, SECRET)}`);
        if (publisher.status !== 101) throw new Error(`${name} refused: ${publisher.body}`);
        pushes.push({ publisher, push: STUDIO ? pushStudio(publisher, studioClip) : pushRealTime(publisher, clip, CLIP_S) });
      }
      const deadline = Date.now() + 60000;
      for (;;) {
        const list = (await (await fetch(`${base}/live/index.json`)).json()).broadcasts;
        if (names.every((name) => list.some((b) => b.name === name && b.state === 'live'))) {
          const notCopied = STUDIO ? names.filter((name) => list.find((b) => b.name === name).top !== 'copy') : [];
          if (notCopied.length) throw new Error(`not copied: ${notCopied.join(', ')}`);
          break;
        }
        if (Date.now() > deadline) throw new Error(`not all ${n} broadcasts went live within 60 s`);
        await sleep(250);
      }
      const ffmpegPids = names.map((name) => {
        const line = [...origin.output].reverse().find((l) => l.includes(`: ${name}: ffmpeg started (pid `));
        return Number(line?.match(/pid (\d+)/)?.[1]);
      });
      await sleep(WARMUP_S * 1000);
      // Part durations seen in each broadcast's encoded playlist (SPEED_RENDITION) (polled every 500 ms: parts stay listed for ~6 s).
      const parts = names.map(() => new Map());
      const lastSeen = names.map(() => ({ part: -1, at: 0 })); // the newest part and when it was first seen
      const pollOnce = () => Promise.all(names.map(async (name, i) => {
        try {
          const text = await (await fetch(`${base}/live/${name}/${SPEED_RENDITION}/index.m3u8`)).text();
          const now = Date.now();
          for (const m of text.matchAll(/#EXT-X-PART:DURATION=([\d.]+),URI="part-[^"]*-(\d+)\.m4s"/g)) {
            const number = Number(m[2]);
            parts[i].set(number, Number(m[1]));
            if (number > lastSeen[i].part) lastSeen[i] = { part: number, at: now };
          }
        } catch { /* the next poll tries again */ }
      }));
      let polling = true;
      const poll = (async () => { while (polling) { await pollOnce(); await sleep(500); } })();
      const seenDeadline = Date.now() + 20000;
      while (lastSeen.some((l) => l.part < 0) && Date.now() < seenDeadline) await sleep(100);
      const first = lastSeen.map((l) => ({ ...l }));
      const pids = [origin.child.pid, ...ffmpegPids];
      const cpuBefore = pids.map(cpuSeconds);
      const t0 = Date.now();
      const viewers = names.map((name) => runToExit(PROBE, ['--follow', String(WINDOW_S), `${base}/live/${name}/master.m3u8`], (WINDOW_S + 30) * 1000));
      await sleep(WINDOW_S * 1000);
      const wall = (Date.now() - t0) / 1000;
      const cpu = pids.map((pid, i) => (cpuSeconds(pid) - cpuBefore[i]) / wall * 100);
      polling = false;
      await poll;
      // Media produced between the two sightings, over the wall time between them (a part never seen counts 0.2 s).
      const speeds = parts.map((m, i) => {
        if (first[i].part < 0 || lastSeen[i].at <= first[i].at) return 0;
        let media = 0;
        for (let p = first[i].part + 1; p <= lastSeen[i].part; p++) media += m.get(p) ?? 0.2;
        return media / ((lastSeen[i].at - first[i].at) / 1000);
      });
      const summaries = (await Promise.all(viewers)).map((run) => {
        const line = run.stdout.split('\n').find((l) => l.startsWith('summary-json '));
        return line ? JSON.parse(line.slice('summary-json '.length)) : { errors: NaN, partsLoaded: 0 };
      });
      const errors = summaries.reduce((a, s) => a + (Number.isFinite(s.errors) ? s.errors : 1), 0);
      const encoders = cpu.slice(1);
      const held = speeds.every((s) => s >= SPEED_MIN) && errors === 0;
      const result = { n, origin: cpu[0], encoderAvg: encoders.reduce((a, b) => a + b, 0) / n, speedMin: Math.min(...speeds), speedMax: Math.max(...speeds), errors, held };
      results.push(result);
      console.log(`${String(n).padStart(2)} broadcast(s): origin ${fmt(result.origin).padStart(5)} %, encoder ${fmt(result.encoderAvg).padStart(5)} % per broadcast ` +
        `(total ${fmt(result.origin + encoders.reduce((a, b) => a + b, 0)).padStart(6)} % of one core); speed ${fmt(result.speedMin, 2)}..${fmt(result.speedMax, 2)}; ` +
        `viewer errors ${errors}; ${held ? 'holds' : 'does NOT hold'} (load ${loadAverage()})`);
      if (!held) // why, from the origin's log: publishers closed, encoders that exited
        for (const line of origin.output.filter((l) => names.some((name) => l.includes(`${name}:`) || l.includes(`for ${name} `)) && /clos|exit|gone|kick|refus|no key/i.test(l)).slice(-8))
          console.log(`    ${line.trim()}`);
      return held;
    } finally {
      for (const { publisher, push } of pushes) { await push.stop(); publisher.close(); }
      // Let the encoders flush and exit before the next step.
      const quiet = Date.now() + 15000;
      while (Date.now() < quiet && origin.output.filter((l) => /ffmpeg started/.test(l)).length > origin.output.filter((l) => /ffmpeg exited/.test(l)).length) await sleep(250);
    }
  };

  try {
    for (const n of [1, 2, 4]) await runStep(n);
    const fourHeld = results[2].held;
    if (!fourHeld && results[1].held) await runStep(3);
    let n = fourHeld ? 5 : null;
    while (n !== null && n <= MAX_N && (await runStep(n))) n++;
    const heldSteps = results.filter((r) => r.held).map((r) => r.n);
    const most = heldSteps.length ? Math.max(...heldSteps) : 0;
    const capped = results.at(-1).held && results.at(-1).n >= MAX_N ? ` (or more: the search stops at ${MAX_N})` : '';
    const missed = results.filter((r) => !r.held && r.n < most).map((r) => r.n);
    const noisy = missed.length ? ` (noisy: ${missed.join(', ')} did not hold in this run; run it again on a quiet machine)` : '';
    console.log(`most broadcasts held at 1x speed with a viewer each: ${most}${capped}${noisy}   beside --max-broadcasts default: ${defaultMax}`);
  } finally {
    await origin.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(`origin_capacity: ${e.message}`); process.exit(1); });
