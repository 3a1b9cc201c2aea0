// Page script of tests/bench/bytes.sh: puts one <live-scope> (src and decoder from the query) in view and records when
// its first picture shows (window.bench.firstFrameAt, ms since time origin: the 'livescope:first frame shown' mark, the
// poster's or the page module's, docs/embed-dist.md) and when it plays (window.bench.playingAt: the element's 'playing').
'use strict';
window.bench = { firstFrameAt: NaN, playingAt: NaN };
const q = new URLSearchParams(location.search);
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.name === 'livescope:first frame shown' && isNaN(window.bench.firstFrameAt)) window.bench.firstFrameAt = e.startTime;
}).observe({ type: 'mark', buffered: true });
const el = document.createElement('live-scope');
el.setAttribute('src', q.get('src') || '');
el.setAttribute('decoder', q.get('decoder') || 'auto');
el.setAttribute('muted', '');
el.setAttribute('aspect', '9:16');
el.addEventListener('playing', () => { if (isNaN(window.bench.playingAt)) window.bench.playingAt = performance.now(); });
document.getElementById('slot').appendChild(el);
