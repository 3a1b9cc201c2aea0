// livescope audio output: a queue of decoded PCM chunks played by an AudioWorkletProcessor (or, as the fallback,
// by a ScriptProcessor on the page). It reports the stream time it has played: that is the master clock.
//
// Messages in:  {type:'audio', samples (interleaved Float32Array), pts, rate, serial, channels}
//               {type:'serial', serial}  drop queued audio of other serials (jump, discontinuity)
//               {type:'tap', on}         test-only: measure the dominant frequency of what is played
// Messages out: {type:'clock', pts, serial, buffered, underruns, frame}  every ~50 ms while playing
//               {type:'tap', frequency, rate, rms}  about once a second when the tap is on; frequency is what is played
//                                                   (Hz), rate the catch-up rate it was played at (pitch rises with it)
(function (scope) {
  'use strict';

  class LivescopeAudioQueue {
    constructor(sampleRate, post) {
      this.sampleRate = sampleRate; this.post = post;
      this.chunks = []; this.offset = 0; this.serial = 0;
      this.pts = NaN; this.underruns = 0; this.starved = true; this.lastReport = 0; this.frame = 0;
      this.tap = null;
    }
    onMessage(m) {
      if (m.type === 'audio') {
        if (m.serial > this.serial) { this.serial = m.serial; this.chunks = []; this.offset = 0; }
        if (m.serial === this.serial) this.chunks.push(m);
      } else if (m.type === 'serial') { this.serial = m.serial; this.chunks = this.chunks.filter((c) => c.serial === m.serial); this.offset = 0; }
      else if (m.type === 'tap') this.tap = m.on ? { buf: new Float32Array(8192), n: 0, last: 0 } : null;
    }
    buffered() {
      let frames = -this.offset;
      for (const c of this.chunks) frames += c.samples.length / c.channels;
      return frames / this.sampleRate;
    }
    // Fills `outs` (one Float32Array per output channel) and advances the clock.
    render(outs) {
      const n = outs[0].length;
      let i = 0, rateAcc = 0;
      while (i < n && this.chunks.length) {
        const c = this.chunks[0], ch = c.channels, frames = c.samples.length / ch;
        const take = Math.min(n - i, frames - this.offset);
        for (let k = 0; k < take; k++) {
          const base = (this.offset + k) * ch;
          for (let o = 0; o < outs.length; o++) outs[o][i + k] = c.samples[base + Math.min(o, ch - 1)];
        }
        this.offset += take; i += take; rateAcc += take * c.rate;
        this.pts = c.pts + this.offset * c.rate / this.sampleRate;
        if (this.offset >= frames) { this.chunks.shift(); this.offset = 0; }
      }
      if (i < n) {
        for (const out of outs) out.fill(0, i);
        if (!this.starved && i === 0) { this.underruns++; this.starved = true; }
      } else this.starved = false;
      this.frame += n;
      if (this.tap && i > 0) this.measure(outs[0], i, rateAcc / i);
      if (this.frame - this.lastReport >= this.sampleRate / 20) {
        this.lastReport = this.frame;
        this.post({ type: 'clock', pts: this.pts, serial: this.serial, buffered: this.buffered(), underruns: this.underruns, starved: this.starved });
      }
    }
    // Dominant frequency by a Goertzel scan (20 Hz steps, then 1 Hz around the peak).
    measure(x, n, rate) {
      const t = this.tap;
      const take = Math.min(n, t.buf.length - t.n);
      for (let k = 0; k < take; k++) t.buf[t.n++] = x[k];
      t.rateSum = (t.rateSum || 0) + take * rate; // sample-weighted playback rate over the window
      if (t.n < t.buf.length || this.frame - t.last < this.sampleRate) return;
      t.last = this.frame;
      const power = (f) => {
        const w = 2 * Math.PI * f / this.sampleRate, cw = 2 * Math.cos(w);
        let s1 = 0, s2 = 0;
        for (let k = 0; k < t.buf.length; k++) { const s = t.buf[k] + cw * s1 - s2; s2 = s1; s1 = s; }
        return s1 * s1 + s2 * s2 - cw * s1 * s2;
      };
      let best = 0, bestP = -1;
      for (let f = 40; f < 4000; f += 20) { const p = power(f); if (p > bestP) { bestP = p; best = f; } }
      for (let f = best - 20; f <= best + 20; f += 1) { const p = power(f); if (p > bestP) { bestP = p; best = f; } }
      let rms = 0;
      for (let k = 0; k < t.buf.length; k++) rms += t.buf[k] * t.buf[k];
      this.post({ type: 'tap', frequency: best, rate: t.rateSum / t.buf.length, rms: Math.sqrt(rms / t.buf.length) });
      t.n = 0; t.rateSum = 0;
    }
  }

  if (typeof scope.registerProcessor === 'function') {
    class LivescopeAudioProcessor extends scope.AudioWorkletProcessor {
      constructor() {
        super();
        this.queue = new LivescopeAudioQueue(scope.sampleRate, (m) => this.port.postMessage(m));
        this.port.onmessage = (e) => this.queue.onMessage(e.data);
      }
      process(inputs, outputs) { this.queue.render(outputs[0]); return true; }
    }
    scope.registerProcessor('livescope-audio', LivescopeAudioProcessor);
  } else {
    scope.LivescopeAudioQueue = LivescopeAudioQueue;
  }
})(globalThis);
