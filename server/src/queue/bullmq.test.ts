import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { createTestStorage, testDialect } from '../storage/testing.ts';
import { sleep } from './core.ts';
import { createQueue, defineJob, handle } from './index.ts';
import { runQueueContract, uniqueName } from './queue.contract.ts';

const redisUrl = process.env.OMNIFY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const worker = { concurrency: 4, runInApi: false };

/** Fails loudly (never skips) when Redis is not there: CI has it, and so must a developer. */
async function connectRedis(): Promise<Redis> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `The BullMQ queue contract needs Redis at ${redisUrl} (set OMNIFY_TEST_REDIS_URL): ${String(error)}`,
    );
  }
}

async function deleteKeys(redis: Redis, prefix: string) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

runQueueContract({
  kind: 'bullmq',
  async setup({ shared }) {
    const redis = await connectRedis();
    const prefix = uniqueName('omnify-test');
    const dir = shared ? mkdtempSync(path.join(tmpdir(), 'omnify-queue-')) : undefined;
    const storage = await createTestStorage(dir ? { file: path.join(dir, 'db.sqlite') } : {});
    return {
      storage,
      queueConfig: { kind: 'bullmq', redisUrl, prefix },
      async cleanup() {
        await storage.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
        await deleteKeys(redis, prefix);
        await redis.quit();
      },
    };
  },
});

describe(`bullmq adapter on ${testDialect()}`, () => {
  it('an enqueue while Redis is unreachable keeps the committed row, and a worker relays it later', async () => {
    const redis = await connectRedis();
    const prefix = uniqueName('omnify-test');
    const storage = await createTestStorage();
    onTestFinished(async () => {
      await storage.close();
      await deleteKeys(redis, prefix);
      await redis.quit();
    });
    const job = defineJob({ name: 'test.relayed', payload: z.object({ n: z.number() }), retries: 0 });
    // Port 1: nothing listens there.
    const offline = createQueue({
      config: { queue: { kind: 'bullmq', redisUrl: 'redis://127.0.0.1:1', prefix }, worker },
      storage,
    });
    const started = Date.now();
    const { jobId } = await offline.enqueue(job, { n: 7 });
    expect(Date.now() - started).toBeLessThan(5_000);
    const row = await storage.db
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', jobId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'queued', locked_by: null });
    await offline.close({ timeoutMs: 500 });

    const online = createQueue({
      config: { queue: { kind: 'bullmq', redisUrl, prefix }, worker },
      storage,
      tuning: { pollIntervalMs: 100 },
    });
    onTestFinished(() => online.close({ timeoutMs: 1_000 }));
    await online.process([handle(job, async (p) => p.n * 6)]);
    for (let i = 0; i < 200 && (await online.getJob(jobId))?.status !== 'completed'; i++) await sleep(25);
    expect(await online.getJob(jobId)).toMatchObject({ status: 'completed', result: 42 });
  });
});
