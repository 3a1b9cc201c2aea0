// Bench helper: every response a browser context finishes (the page's and its Web Workers': worker wasm, playlists,
// media), with the wall time it finished and its body, for the benches that sum the bytes before the first frame.
// Returns { done, stop }: done fills with { url, at (ms since the epoch), type, body (Buffer or null) }; stop() detaches.
export function recordResponses(context) {
  const done = [];
  const onFinished = async (req) => {
    const at = Date.now(); // before any await: when the response finished
    try {
      const res = await req.response();
      const body = res ? await res.body().catch(() => null) : null;
      done.push({ url: req.url(), at, type: res ? res.headers()['content-type'] || '' : '', body });
    } catch { /* page closed */ }
  };
  context.on('requestfinished', onFinished);
  return { done, stop: () => context.off('requestfinished', onFinished) };
}
