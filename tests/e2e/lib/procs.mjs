// e2e helpers: free ports and child processes (servers from build/native/bin) that tests start and stop.
// They live in scripts/lib/procs.mjs (shared with scripts/demo.mjs, which must not pull in playwright).
export { BIN, freePort, startProcess, runToExit } from '../../../scripts/lib/procs.mjs';
// The relay's room log defaults to ./livescope-rooms.sqlite; relays the e2e tests start keep it in memory unless a
// test names a file (--log-db), so runs never share rooms.
process.env.LIVESCOPE_RELAY_LOG_DB ??= ':memory:';
