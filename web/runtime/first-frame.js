// livescope first-frame edge (2D canvas): paints the worker's first VideoFrame on a plain canvas laid over the widget's
// canvas while the page module still loads (docs/embed-dist.md, "The first frame before the page module"); removed when the
// page module draws its own first video frame. Only moves pixels: web/runtime/playback.js decides when.
(function (global) {
  'use strict';

  class LivescopeFirstFrame {
    // canvas: the widget's canvas; the poster goes right after it (same box, under the controls and messages).
    constructor(canvas) {
      this.canvas = canvas; this.el = null; this.c = null; this.g = null; this.warmed = false;
    }

    // Makes the poster's canvas and its 2D context, and draws a 2x2 VideoFrame on it once: the first context and the first
    // VideoFrame drawn cost tens of ms, which the first frame then does not wait for (docs/decode.md, First frame). The
    // caller picks the moment (playback.js: once the worker has its module, so that this page's main thread is free while
    // the worker starts); paint() warms up itself when it comes first.
    warm() {
      if (this.warmed) return;
      this.warmed = true;
      try {
        const c = global.document.createElement('canvas');
        c.width = 2; c.height = 2;
        const g = c.getContext('2d');
        if (!g) return;
        // CSSOM properties, not a style attribute: allowed under a strict CSP (style-src 'self').
        Object.assign(c.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: '100%', display: 'block',
          objectFit: 'contain', pointerEvents: 'none', background: '#000' }); // black bars, as the page module's
        c.className = 'livescope-first-frame';
        c.setAttribute('aria-hidden', 'true');
        if (typeof global.VideoFrame === 'function') {
          const warm = new global.VideoFrame(new Uint8Array(6), { format: 'I420', codedWidth: 2, codedHeight: 2, timestamp: 0 });
          try { g.drawImage(warm, 0, 0); } finally { warm.close(); }
        }
        this.c = c; this.g = g;
      } catch (e) { this.c = null; this.g = null; }
    }

    get painted() { return !!this.el; }

    // Copies `frame` (a VideoFrame, not closed here: its owner hands it on) onto the canvas, sized to the frame's display
    // size and letterboxed over the widget by CSS (object-fit: contain). True when it was painted.
    paint(frame) {
      this.warm();
      if (this.el || !this.c || !this.canvas || !this.canvas.parentNode) return false;
      try {
        const c = this.c;
        c.width = frame.displayWidth; c.height = frame.displayHeight;
        if (!c.width || !c.height) return false;
        this.g.drawImage(frame, 0, 0, c.width, c.height);
        this.canvas.insertAdjacentElement('afterend', c);
        this.el = c;
        return true;
      } catch (e) { return false; }
    }

    remove() {
      if (this.el) { this.el.remove(); this.el = null; }
      this.c = null; this.g = null; this.warmed = true;
    }
  }

  global.LivescopeFirstFrame = LivescopeFirstFrame;
})(globalThis);
