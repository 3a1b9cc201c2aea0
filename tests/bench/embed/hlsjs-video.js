// Boot of hlsjs-video.html: plays ?src with hls.js and records when the first video frame is presented.
(function () {
  const src = new URLSearchParams(location.search).get('src');
  const video = document.getElementById('v');
  window.bench = { firstFrameAt: NaN, error: null };
  const hls = new Hls({ lowLatencyMode: true, enableWorker: true });
  hls.on(Hls.Events.ERROR, (e, d) => { if (d.fatal) window.bench.error = d.details; });
  hls.loadSource(src);
  hls.attachMedia(video);
  video.play().catch(() => {});
  const mark = () => { if (isNaN(window.bench.firstFrameAt)) window.bench.firstFrameAt = performance.now(); };
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(mark); else video.addEventListener('playing', mark, { once: true });
})();
