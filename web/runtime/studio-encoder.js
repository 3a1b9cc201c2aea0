// Browser studio's WebCodecs edge: camera and microphone frames (MediaStreamTrackProcessor) into VideoEncoder (H.264
// Annex B, realtime) and AudioEncoder (Opus, else AAC), each encoded chunk sent as one livescope-frames message with
// its capture wall-clock time (docs/studio.md); a camera frame of another size than the origin's top rendition is
// drawn letterboxed into a canvas of that size first. Decisions (codecs, sizes, the letterbox, framing bytes, capture
// clock, keyframe schedule, queue limits) are in studio-logic.js; this file only moves frames and bytes.
import { AUDIO_CODECS, CODEC_IDS, VIDEO_BITRATE, AUDIO_BITRATE, MAX_ENCODE_QUEUE, FRAME_HEADER_BYTES,
  EncodeStreamHeader, WriteFrameHeader, CaptureOffsetUs, KeyFrameDue, EncodeSize, LetterboxRect, VideoCodecsFor } from './studio-logic.js';

const VIDEO_TRACK = 0, AUDIO_TRACK = 1; // the framing's track ids

export function WebCodecsPresent() {
  return typeof VideoEncoder === 'function' && typeof MediaStreamTrackProcessor === 'function';
}

// The encoder configurations this browser supports for `media`, or null: { video, audio (null without a microphone) }.
// `hello`: the origin's (ParseIngestHello), whose top rendition size the video is encoded at (the camera letterboxed
// into it, StartWebCodecs); null: the camera's own size.
export async function WebCodecsConfig(media, hello = null) {
  if (!WebCodecsPresent()) return null;
  const vt = media.getVideoTracks()[0];
  if (!vt) return null;
  const vs = vt.getSettings();
  const { width, height } = EncodeSize(vs, hello);
  let video = null;
  for (const codec of VideoCodecsFor(width, height)) {
    const config = { codec, width, height, bitrate: VIDEO_BITRATE, framerate: vs.frameRate || 30, latencyMode: 'realtime', avc: { format: 'annexb' } };
    try { if ((await VideoEncoder.isConfigSupported(config)).supported) { video = config; break; } } catch { /* next */ }
  }
  if (!video) return null;
  const at = media.getAudioTracks()[0];
  let audio = null;
  if (at) {
    if (typeof AudioEncoder !== 'function') return null;
    const as = at.getSettings();
    for (const codec of AUDIO_CODECS) {
      const config = { codec, sampleRate: as.sampleRate || 48000, numberOfChannels: Math.min(2, as.channelCount || 1), bitrate: AUDIO_BITRATE };
      if (codec === 'mp4a.40.2') config.aac = { format: 'aac' };
      try { if ((await AudioEncoder.isConfigSupported(config)).supported) { audio = config; break; } } catch { /* next */ }
    }
    if (!audio) return null;
  }
  return { video, audio };
}

// Starts encoding `media` with `config` (from WebCodecsConfig); `send(Uint8Array)` gets each message, `onError(reason)`
// a failure, `onStart(captureMs)` the capture wall time of the stream's first keyframe. `now` = { perf(), wall() } in
// ms; `plan` = StreamPlan(hello): the key frame cadence, the bitrate and the header version; `onGap(ms)` the longest
// gap so far between two video frames sent (a camera or encoder stall: a copied frame that long makes a part that long).
// Returns { stop(): Promise } which flushes both encoders (their last chunks are sent) and releases the tracks.
export function StartWebCodecs(media, config, { send, onError, onStart, now, plan, onGap = () => {} }) {
  let stopped = false, failed = false;
  const clones = [];
  const readers = [];
  const fail = (e) => { if (!failed && !stopped) { failed = true; onError(e && e.message ? e.message : String(e)); } };
  const tracks = [{ id: VIDEO_TRACK, codec: CODEC_IDS.h264, width: config.video.width, height: config.video.height }];
  if (config.audio) tracks.push({ id: AUDIO_TRACK, codec: config.audio.codec === 'opus' ? CODEC_IDS.opus : CODEC_IDS.aac,
    sampleRate: config.audio.sampleRate, channels: config.audio.numberOfChannels });
  send(EncodeStreamHeader(tracks, plan));

  // One chunk → one message: the header, then the chunk's bytes copied in place.
  let started = false, lastVideoUs = null, maxGapUs = 0;
  const emit = (track, offsetUs) => (chunk) => {
    if (offsetUs.value === null) return;
    const message = new Uint8Array(FRAME_HEADER_BYTES + chunk.byteLength);
    chunk.copyTo(message.subarray(FRAME_HEADER_BYTES));
    const captureUs = chunk.timestamp + offsetUs.value;
    WriteFrameHeader(message, track, chunk.type === 'key', captureUs, chunk.duration || 0);
    if (track === VIDEO_TRACK && chunk.type === 'key' && !started) { started = true; onStart(captureUs / 1000); }
    if (track === VIDEO_TRACK && started) {
      if (lastVideoUs !== null && captureUs - lastVideoUs > maxGapUs) { maxGapUs = captureUs - lastVideoUs; onGap(maxGapUs / 1000); }
      lastVideoUs = captureUs;
    }
    send(message);
  };
  const videoOffset = { value: null }, audioOffset = { value: null };
  const video = new VideoEncoder({ output: emit(VIDEO_TRACK, videoOffset), error: fail });
  video.configure({ ...config.video, bitrate: plan.bitrate });
  const audio = config.audio ? new AudioEncoder({ output: emit(AUDIO_TRACK, audioOffset), error: fail }) : null;
  if (audio) audio.configure(config.audio);

  // Readers on clones of the tracks, so stopping them leaves the preview running.
  const pump = async (track, onFrame) => {
    const clone = track.clone();
    clones.push(clone);
    const reader = new MediaStreamTrackProcessor({ track: clone }).readable.getReader();
    readers.push(reader);
    for (;;) {
      let result;
      try { result = await reader.read(); } catch (e) { if (!stopped) fail(e); return; }
      if (result.done) return;
      const frame = result.value;
      try { if (!stopped && !failed) onFrame(frame); } catch (e) { fail(e); } finally { frame.close(); }
    }
  };
  // A camera frame of another size than the encoded one is drawn letterboxed (LetterboxRect) into a canvas of the
  // encoded size, which is encoded with the camera frame's timestamp (so its capture time stays the camera's).
  const fit = letterbox(config.video.width, config.video.height);
  let firstVideoUs = null, lastKeyIndex = -1;
  pump(media.getVideoTracks()[0], (frame) => {
    if (videoOffset.value === null) videoOffset.value = CaptureOffsetUs(frame.timestamp, now.perf(), now.wall());
    if (video.encodeQueueSize >= MAX_ENCODE_QUEUE) return; // the encoder is behind: drop this frame (realtime)
    const captureUs = frame.timestamp + videoOffset.value;
    const due = KeyFrameDue(captureUs, firstVideoUs, lastKeyIndex, plan.keyframeMs);
    if (firstVideoUs === null) firstVideoUs = captureUs;
    lastKeyIndex = due.index;
    const fitted = fit(frame);
    try { video.encode(fitted, { keyFrame: due.key }); } finally { if (fitted !== frame) fitted.close(); }
  });
  if (audio) pump(media.getAudioTracks()[0], (data) => {
    if (audioOffset.value === null) audioOffset.value = CaptureOffsetUs(data.timestamp, now.perf(), now.wall());
    audio.encode(data);
  });

  return {
    async stop() {
      if (stopped) return;
      for (const r of readers) r.cancel().catch(() => {});
      stopped = true;
      for (const encoder of [video, audio]) {
        if (!encoder || encoder.state !== 'configured') continue;
        try { await encoder.flush(); } catch { /* closed by an error */ }
        try { encoder.close(); } catch { /* already closed */ }
      }
      for (const c of clones) c.stop();
    },
  };
}

// (width, height) → (frame) → the frame itself when it has that size, else a new VideoFrame of that size (the caller
// closes it) with the frame drawn letterboxed, black around it, and the frame's timestamp and duration.
function letterbox(width, height) {
  let canvas = null, g = null, rect = null, rectFor = '';
  return (frame) => {
    const sw = frame.displayWidth, sh = frame.displayHeight;
    if (sw === width && sh === height) return frame;
    if (rectFor !== `${sw}x${sh}`) {
      rect = LetterboxRect(sw, sh, width, height);
      rectFor = `${sw}x${sh}`;
      if (!canvas) { canvas = new OffscreenCanvas(width, height); g = canvas.getContext('2d', { alpha: false }); }
      g.fillStyle = '#000';
      g.fillRect(0, 0, width, height); // the bars (the picture's rectangle is redrawn each frame)
    }
    if (!rect) return frame;
    g.drawImage(frame, rect.x, rect.y, rect.width, rect.height);
    const init = { timestamp: frame.timestamp, alpha: 'discard' };
    if (frame.duration) init.duration = frame.duration;
    return new VideoFrame(canvas, init);
  };
}
