// Bench helper: a studio publisher without a browser. makeStudioClip encodes a 1280x720 30 fps H.264 Constrained
// Baseline clip (a key frame every 2 s, what the WebCodecs studio sends for the default origin) and 48 kHz mono AAC-LC
// with ffmpeg, split into access units; pushStudio sends it to an open /ingest socket in the livescope-frames framing
// (version 2 header, so a copying origin copies it) at real-time pace, each frame stamped with the wall-clock time it
// is due (as a camera stamps its capture time). Used by tests/bench/origin_capacity.mjs (CAPACITY_INPUT=studio).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runToExit } from '../../e2e/lib/procs.mjs';
import { EncodeStreamHeader, EncodeFrame, CODEC_IDS } from '../../../web/runtime/studio-logic.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const FPS = 30;
const AAC_FRAME_MS = 1024 / 48; // one AAC-LC frame at 48 kHz

// Resolves { video: [{ key, bytes }], audio: [bytes], seconds }.
export async function makeStudioClip(dir, seconds, { kbps = 1500 } = {}) {
  const h264 = join(dir, 'studio.h264'), adts = join(dir, 'studio.aac');
  const made = await runToExit('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${FPS}:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-map', '0:v', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
    '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`, '-x264-params', `keyint=${2 * FPS}:min-keyint=${2 * FPS}:scenecut=0:aud=1`,
    '-f', 'h264', '-y', h264, '-map', '1:a', '-c:a', 'aac', '-ac', '1', '-b:a', '96k', '-f', 'adts', '-y', adts], 600000);
  if (made.code !== 0) throw new Error(`ffmpeg could not make the studio clip: ${made.stderr}`);
  const clip = readFileSync(h264);
  const starts = [];
  for (let i = 0; i + 3 < clip.length; i++) // a start code before an access unit delimiter (NAL type 9)
    if (clip[i] === 0 && clip[i + 1] === 0 && clip[i + 2] === 1 && (clip[i + 3] & 0x1f) === 9) starts.push(i > 0 && clip[i - 1] === 0 ? i - 1 : i);
  const isKey = (au) => { for (let i = 0; i + 3 < au.length; i++) if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1 && (au[i + 3] & 0x1f) === 5) return true; return false; };
  const video = starts.map((s, k) => clip.subarray(s, k + 1 < starts.length ? starts[k + 1] : clip.length)).map((bytes) => ({ key: isKey(bytes), bytes }));
  const a = readFileSync(adts);
  const audio = [];
  for (let at = 0; at + 7 <= a.length;) { // ADTS frames: the raw AAC payload after a 7-byte (9 with CRC) header
    if (a[at] !== 0xff || (a[at + 1] & 0xf0) !== 0xf0) break;
    const length = ((a[at + 3] & 3) << 11) | (a[at + 4] << 3) | (a[at + 5] >> 5);
    const header = a[at + 1] & 1 ? 7 : 9;
    if (length <= header || at + length > a.length) break;
    audio.push(a.subarray(at + header, at + length));
    at += length;
  }
  return { video, audio, seconds };
}

// Sends `clip` on `publisher` (openPublisher from tests/e2e/lib/ingest.mjs, opened with the livescope-frames
// subprotocol) at real-time pace until stop() or its end. Returns { stop(), done }.
export function pushStudio(publisher, clip, { kbps = 1500 } = {}) {
  const tracks = [{ id: 0, codec: CODEC_IDS.h264, width: 1280, height: 720 }, { id: 1, codec: CODEC_IDS.aac, sampleRate: 48000, channels: 1 }];
  let stopped = false;
  const done = (async () => {
    if (!(await publisher.send(Buffer.from(EncodeStreamHeader(tracks, { headerVersion: 2, keyframeMs: 2000, bitrate: kbps * 1000 }))))) return;
    const t0 = performance.now(), wall0 = Date.now();
    let v = 0, s = 0;
    while (!stopped && !publisher.state.closed && (v < clip.video.length || s < clip.audio.length)) {
      const vDue = v < clip.video.length ? v * 1000 / FPS : Infinity, aDue = s < clip.audio.length ? s * AAC_FRAME_MS : Infinity;
      const due = Math.min(vDue, aDue);
      const wait = t0 + due - performance.now();
      if (wait > 0) await sleep(wait);
      // Stamped with when it was due (a camera's capture time), not when this busy process got to send it.
      const message = vDue <= aDue ? EncodeFrame(0, clip.video[v].key, (wall0 + due) * 1000, Math.round(1e6 / FPS), clip.video[v++].bytes)
        : EncodeFrame(1, true, (wall0 + due) * 1000, Math.round(AAC_FRAME_MS * 1000), clip.audio[s++]);
      if (!(await publisher.send(Buffer.from(message)))) break;
    }
  })();
  return { stop: async () => { stopped = true; await done; }, done };
}
