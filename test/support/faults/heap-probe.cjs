// Loaded into a daemon under test with `--expose-gc --require` (test/support/faults/daemon-process.ts):
// on SIGUSR2 it runs a full collection and prints the heap still in use as one line on stderr.
// What survives a forced collection is what the process holds on to, whenever V8 would have
// collected on its own: the soak compares it across waves to find a leak.
'use strict';
process.on('SIGUSR2', () => {
  globalThis.gc();
  process.stderr.write(`\napexsync-test-heap-used ${process.memoryUsage().heapUsed}\n`);
});
