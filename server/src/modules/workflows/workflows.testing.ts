/**
 * Test wiring for workflows on either queue adapter: the API over a fresh database, with the queue
 * the run asks for (OMNIFY_TEST_QUEUE=bullmq: BullMQ on Redis under a unique prefix, deleted
 * afterwards; otherwise the in-process adapter) and short leases, so that a killed worker's job is
 * taken over within seconds. `shared: true` puts SQLite in a file that child processes can open.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { type Config, loadConfig } from '../../config.ts';
import { buildApi } from '../../main/api.ts';
import { createServices, type Services } from '../../main/services.ts';
import { createMemoryMailer, type Mailer } from '../../platform/mailer.ts';
import { createQueue, type JobBinding, type Queue } from '../../queue/index.ts';
import { createTestStorage, type TestStorage } from '../../storage/testing.ts';
import { syncJobs } from '../sync/sync.handlers.ts';
import { workflowJobs } from './workflows.jobs.ts';

export const testQueueKind = (): 'in-process' | 'bullmq' =>
  process.env.OMNIFY_TEST_QUEUE === 'bullmq' ? 'bullmq' : 'in-process';
export const testRedisUrl = () => process.env.OMNIFY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_LEASE_MS = 1_000;

export interface WorkflowTestApp {
  app: FastifyInstance;
  services: Services;
  storage: TestStorage;
  mailer: ReturnType<typeof createMemoryMailer>;
  config: Config;
  /** Environment that reproduces this app's configuration in a child process. */
  env: Record<string, string>;
  queue: Queue;
  /** Starts consuming workflow and sync jobs in this process. */
  startWorker(): Promise<void>;
  close(): Promise<void>;
}

export function workflowHandlers(services: Services): JobBinding[] {
  return [
    ...workflowJobs(services.workflows),
    ...syncJobs({ sync: services.sync, storage: services.storage }),
  ];
}

export async function createWorkflowTestApp(
  opts: {
    shared?: boolean;
    mailer?: Mailer & { sent: Array<{ to: string; subject: string; text: string }> };
  } = {},
): Promise<WorkflowTestApp> {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnify-wf-'));
  const storage = await createTestStorage(opts.shared ? { file: path.join(dir, 'db.sqlite') } : {});
  const kind = testQueueKind();
  const prefix = `omnify-wf-${randomBytes(5).toString('hex')}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    OMNIFY_DATA_DIR: dir,
    OMNIFY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    OMNIFY_JWT_SECRET: randomBytes(32).toString('hex'),
    OMNIFY_RATE_LIMIT_PER_MINUTE: '100000',
    ...(kind === 'bullmq' ? { REDIS_URL: testRedisUrl(), OMNIFY_QUEUE_PREFIX: prefix } : {}),
  };
  const config = loadConfig(env);
  const queue = createQueue({ config, storage, tuning: { leaseMs: TEST_LEASE_MS, pollIntervalMs: 50 } });
  const mailer = opts.mailer ?? createMemoryMailer();
  const services = createServices(config, { storage, mailer, queue });
  const app = await buildApi(services);
  return {
    app,
    services,
    storage,
    mailer: mailer as ReturnType<typeof createMemoryMailer>,
    config,
    queue,
    env: {
      ...env,
      ...(storage.url.startsWith('sqlite:') ? { DATABASE_URL: storage.url } : {}),
      ...(storage.searchPath
        ? { OMNIFY_TEST_SEARCH_PATH: storage.searchPath, DATABASE_URL: storage.url }
        : {}),
    },
    startWorker: () => queue.process(workflowHandlers(services), { concurrency: 4 }),
    async close() {
      await app.close();
      await services.close();
      if (kind === 'bullmq') {
        const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
        await redis.quit();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `fn` gives a value (the queue works in the background; no timing is asserted). */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
