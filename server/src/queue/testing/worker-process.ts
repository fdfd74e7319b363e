/**
 * A worker process for the multi-process contract tests: `node --import tsx worker-process.ts`.
 * Configured by environment: QW_DATABASE (sqlite:<file> or postgres://…), QW_SEARCH_PATH,
 * QW_QUEUE (JSON of Config['queue']), QW_MODE (`hang`: never finish a job; otherwise finish after
 * the payload's `ms`), QW_LEASE_MS. Prints `ready` once consuming.
 */
import { createStorage } from '../../storage/db.ts';
import { createQueue, handle, runWorker } from '../index.ts';
import { applyEffect, effectDb, effectJob } from './effects.ts';

const env = (name: string) => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};

const url = env('QW_DATABASE');
const storage = url.startsWith('postgres')
  ? createStorage({ dialect: 'postgres', url, poolMax: 4 }, { searchPath: env('QW_SEARCH_PATH') })
  : createStorage({ dialect: 'sqlite', file: url.replace(/^sqlite:/, '') });
const hang = process.env.QW_MODE === 'hang';
const queue = createQueue({
  config: { queue: JSON.parse(env('QW_QUEUE')), worker: { concurrency: 4, runInApi: false } },
  storage,
  tuning: { leaseMs: Number(process.env.QW_LEASE_MS ?? 1000), pollIntervalMs: 100 },
});

const worker = await runWorker({
  queue,
  handlers: [
    handle(effectJob, async (payload, ctx) => {
      await applyEffect(effectDb(storage.db), ctx.jobId, ctx.attempt, payload.label);
      if (hang) await new Promise(() => {});
      if (payload.ms > 0) await new Promise((resolve) => setTimeout(resolve, payload.ms));
      return { pid: process.pid };
    }),
  ],
  shutdownTimeoutMs: 10_000,
});
process.stdout.write('ready\n');
await worker.stopped;
await storage.close();
process.stdout.write('stopped\n');
process.exit(0);
