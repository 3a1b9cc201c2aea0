// Page script of tests/bench/bytes.sh: puts one <live-scope> (src and decoder from the query) in view and records when
// its first frame shows (window.bench.firstFrameAt, ms since time origin; the element's 'playing' event).
'use strict';
window.bench = { firstFrameAt: NaN };
const q = new URLSearchParams(location.search);
const el = document.createElement('live-scope');
el.setAttribute('src', q.get('src') || '');
el.setAttribute('decoder', q.get('decoder') || 'auto');
el.setAttribute('muted', '');
el.setAttribute('aspect', '9:16');
el.addEventListener('playing', () => { if (isNaN(window.bench.firstFrameAt)) window.bench.firstFrameAt = performance.now(); });
document.getElementById('slot').appendChild(el);
