import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Test files share their worker's module graph instead of loading it afresh: every file imports
    // most of the server (Fastify, kysely, the modules), and isolation spent more time importing than
    // testing (PostgreSQL pass: 415 s of imports for 124 files). No test relies on module state:
    // each builds its own app, storage (a schema of its own on PostgreSQL) and queue, and stubbed
    // environment variables are restored. Measured on this 2-core machine, other work running:
    // SQLite pass 10.5 → 5.7 min, PostgreSQL pass 14 → 6.3 min.
    isolate: false,
    // Vitest's default is one worker less than the CPUs: a single worker on the 2-core CI machines,
    // where most test time is spent waiting on databases, Redis and child processes, not computing.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    env: { LOG_LEVEL: 'silent' },
  },
});
