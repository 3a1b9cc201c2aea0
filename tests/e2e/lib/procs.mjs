// e2e helpers: free ports and child processes (servers from build/native/bin) that tests start and stop.
// They live in scripts/lib/procs.mjs (shared with scripts/demo.mjs, which must not pull in playwright).
export { BIN, freePort, startProcess, runToExit } from '../../../scripts/lib/procs.mjs';
