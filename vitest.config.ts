import os from 'node:os';
import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/support/slow-first-sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'providers/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker per core minus one: a single worker on 2 cores, so every file
    // ran after the other. One per core (docs/design/test-gate.md).
    maxWorkers: Math.max(2, os.availableParallelism()),
    sequence: { sequencer: SlowFirstSequencer },
    // Makes the reliability suite's run directory and prints its summary after the last file.
    globalSetup: ['test/support/faults/reliability-summary.ts'],
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
