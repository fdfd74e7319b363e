import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker less than the CPUs: a single worker on the 2-core CI machines,
    // where most test time is spent waiting on databases, Redis and child processes, not computing.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    env: { LOG_LEVEL: 'silent' },
  },
});
