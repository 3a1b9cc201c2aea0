// The go-live benches' publisher: ffmpeg pushing a live 720p30 test pattern (H.264, and a 440 Hz AAC tone unless
// audio is false) at real-time pace to the origin over RTMP (FLV) or SRT (MPEG-TS, 120 ms latency).
import { spawn } from 'node:child_process';

// protocol 'rtmp' or 'srt'; port: the origin's for that protocol; key: the stream key. Returns { err(), stop() }: err()
// is the last 500 characters ffmpeg wrote to stderr; stop() ends ffmpeg (SIGTERM, waited for 3 s at most).
export function spawnPublisher(protocol, port, key, { audio = true } = {}) {
  const input = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-re', '-f', 'lavfi',
    '-i', 'sine=frequency=440:sample_rate=48000', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '60',
    '-pix_fmt', 'yuv420p', ...(audio ? ['-c:a', 'aac', '-b:a', '96k'] : ['-an'])];
  const out = protocol === 'rtmp' ? ['-f', 'flv', `rtmp://127.0.0.1:${port}/live/${key}`]
    : ['-f', 'mpegts', `srt://127.0.0.1:${port}?streamid=${encodeURIComponent(key)}&latency=120000`];
  const child = spawn('ffmpeg', [...input, ...out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr.on('data', (d) => { tail = (tail + d).slice(-500); });
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => { if (child.exitCode !== null) r(); else child.on('exit', r); setTimeout(r, 3000); });
  };
  return { err: () => tail, stop };
}
