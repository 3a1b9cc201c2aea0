// Preloaded into the demo's node children (node --import): exit when the parent process is gone, so an
// audience bot never outlives a demo that was killed (even by SIGKILL, where setpriv is not available).
// The parent names itself in LIVESCOPE_PARENT_PID (it may die before this child has started).
const parent = Number(process.env.LIVESCOPE_PARENT_PID) || process.ppid;
const check = () => {
  // A child whose parent died is re-parented (to init or a subreaper): its ppid changes.
  if (process.ppid !== parent) process.exit(0);
};
check();
setInterval(check, 500).unref();
process.on('disconnect', () => process.exit(0)); // when started with an IPC channel
