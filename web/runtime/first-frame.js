// livescope first-frame edge (2D canvas): paints the worker's first VideoFrame on a plain canvas laid over the widget's
// canvas while the page module still loads (docs/embed-dist.md, "The first frame before the page module"); removed when the
// page module draws its own first video frame. Only moves pixels: web/runtime/playback.js decides when.
(function (global) {
  'use strict';

  class LivescopeFirstFrame {
    // canvas: the widget's canvas; the poster goes right after it (same box, under the controls and messages).
    constructor(canvas) { this.canvas = canvas; this.el = null; }

    get painted() { return !!this.el; }

    // Copies `frame` (a VideoFrame, not closed here: its owner hands it on) onto a canvas of the frame's display size,
    // letterboxed over the widget by CSS (object-fit: contain). True when it was painted.
    paint(frame) {
      if (this.el || !this.canvas || !this.canvas.parentNode) return false;
      try {
        const c = global.document.createElement('canvas');
        c.width = frame.displayWidth; c.height = frame.displayHeight;
        const g = c.getContext('2d');
        if (!g || !c.width || !c.height) return false;
        g.drawImage(frame, 0, 0, c.width, c.height);
        // CSSOM properties, not a style attribute: allowed under a strict CSP (style-src 'self').
        Object.assign(c.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: '100%', display: 'block',
          objectFit: 'contain', pointerEvents: 'none', background: '#000' }); // black bars, as the page module's
        c.className = 'livescope-first-frame';
        c.setAttribute('aria-hidden', 'true');
        this.canvas.insertAdjacentElement('afterend', c);
        this.el = c;
        return true;
      } catch (e) { return false; }
    }

    remove() {
      if (this.el) { this.el.remove(); this.el = null; }
    }
  }

  global.LivescopeFirstFrame = LivescopeFirstFrame;
})(globalThis);
