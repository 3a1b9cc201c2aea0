// e2e helper: poll a condition until it holds, with a bound (tests wait on state, never assert on time).

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Resolves with check()'s first truthy value; polls every pollMs; fails with "timed out waiting for <what>" after timeoutMs.
export async function waitFor(what, check, timeoutMs = 30000, pollMs = 250) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await sleep(pollMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}
