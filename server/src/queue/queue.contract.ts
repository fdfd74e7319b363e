/**
 * The contract every queue adapter passes: `in-process.test.ts` and `bullmq.test.ts` run this same
 * suite, on whichever database dialect the test run uses (OMNIFY_TEST_DB).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { newId } from '../platform/ids.ts';
import { testDialect } from '../storage/testing.ts';
import { sleep } from './core.ts';
import { defineJob, handle, PermanentJobError } from './index.ts';
import { type QueueHarness, type StartEnv, startEnv, waitFor, waitForStatus } from './testing/harness.ts';
import { describeProcessContract } from './testing/process-contract.ts';

export type { QueueHarness, QueueTestEnv } from './testing/harness.ts';

const echoJob = defineJob({
  name: 'test.echo',
  payload: z.object({ n: z.number(), tag: z.string().default('none') }),
  retries: 0,
});
const flakyJob = defineJob({
  name: 'test.flaky',
  payload: z.object({ failures: z.number().int() }),
  retries: 3,
  backoff: { type: 'fixed', delayMs: 200 },
});
const failingJob = defineJob({
  name: 'test.failing',
  payload: z.object({}),
  retries: 2,
  backoff: { type: 'exponential', delayMs: 20 },
});
const permanentJob = defineJob({ name: 'test.permanent', payload: z.object({}), retries: 5 });
const timeoutJob = defineJob({
  name: 'test.timeout',
  payload: z.object({}),
  retries: 1,
  backoff: { type: 'fixed', delayMs: 10 },
  timeoutMs: 200,
});
const slowJob = defineJob({ name: 'test.slow', payload: z.object({ ms: z.number() }), retries: 2 });
const tickJob = defineJob({ name: 'test.tick', payload: z.object({ source: z.string() }), retries: 0 });

export function runQueueContract(harness: QueueHarness): void {
  describe(`queue contract: ${harness.kind} on ${testDialect()}`, () => {
    const start: StartEnv = (opts) => startEnv(harness, opts);

    it('rejects an invalid payload at enqueue with invalid_input and writes no row', async () => {
      const t = await start();
      const q = t.open();
      await expect(q.enqueue(echoJob, { n: 'not a number' } as never)).rejects.toMatchObject({
        code: 'invalid_input',
      });
      expect(await q.stats()).toEqual({ queued: 0, running: 0, failed: 0, completed: 0 });
    });

    it('runs a job with its parsed payload and stores result, progress and organization', async () => {
      const t = await start();
      const q = t.open();
      await q.process([
        handle(echoJob, async (p, ctx) => {
          await ctx.progress({ step: 'halfway' });
          return { doubled: p.n * 2, tag: p.tag, attempt: ctx.attempt, org: ctx.organizationId };
        }),
      ]);
      const { jobId, deduplicated } = await q.enqueue(echoJob, { n: 21 }, { organizationId: 'org_a' });
      expect(deduplicated).toBe(false);
      const job = await waitForStatus(q, jobId, 'completed');
      expect(job).toMatchObject({
        name: 'test.echo',
        payload: { n: 21, tag: 'none' },
        result: { doubled: 42, tag: 'none', attempt: 1, org: 'org_a' },
        progress: { step: 'halfway' },
        attempts: 1,
        maxAttempts: 1,
        lastError: null,
      });
      expect(job.finishedAt).not.toBeNull();
      expect(await q.getJob(jobId, { organizationId: 'org_b' })).toBeUndefined();
      expect(await q.getJob(jobId, { organizationId: 'org_a' })).toBeDefined();
    });

    it('an idempotency key returns the existing job, which runs once', async () => {
      const t = await start();
      const q = t.open();
      const a = await q.enqueue(echoJob, { n: 1 }, { idempotencyKey: 'k-1' });
      const b = await q.enqueue(echoJob, { n: 2 }, { idempotencyKey: 'k-1' });
      expect(b).toEqual({ jobId: a.jobId, deduplicated: true });
      let runs = 0;
      await q.process([
        handle(echoJob, async (p) => {
          runs++;
          return p.n;
        }),
      ]);
      expect((await waitForStatus(q, a.jobId, 'completed')).result).toBe(1);
      expect(await q.enqueue(echoJob, { n: 3 }, { idempotencyKey: 'k-1' })).toEqual({
        jobId: a.jobId,
        deduplicated: true,
      });
      await sleep(300);
      expect(runs).toBe(1);
      expect((await q.stats()).completed).toBe(1);
      await expect(q.enqueue(slowJob, { ms: 1 }, { idempotencyKey: 'k-1' })).rejects.toMatchObject({
        code: 'conflict',
      });
    });

    it('a job written in a transaction exists only if it commits, and runs only after the commit', async () => {
      const t = await start();
      const q = t.open();
      const ran: number[] = [];
      await q.process([
        handle(echoJob, async (p) => {
          ran.push(p.n);
          return null;
        }),
      ]);
      await expect(
        t.storage.transaction(async (trx) => {
          await q.enqueue(echoJob, { n: 1 }, { trx });
          throw new Error('domain change failed');
        }),
      ).rejects.toThrow('domain change failed');
      const { jobId } = await t.storage.transaction(async (trx) => {
        const r = await q.enqueue(echoJob, { n: 2 }, { trx });
        await sleep(400); // a worker that could see the row would run it now
        expect(ran).toEqual([]);
        return r;
      });
      await waitForStatus(q, jobId, 'completed');
      // A tenant transaction (PostgreSQL: the restricted role under row-level security) works too.
      const inTenant = await t.storage.withTenant('org_tenant', (trx) =>
        q.enqueue(echoJob, { n: 3 }, { trx, organizationId: 'org_tenant' }),
      );
      await waitForStatus(q, inTenant.jobId, 'completed');
      await sleep(200);
      expect(ran).toEqual([2, 3]);
      expect(await q.stats()).toEqual({ queued: 0, running: 0, failed: 0, completed: 2 });
    });

    it('a failing job is retried after its backoff and then succeeds', async () => {
      const t = await start();
      const q = t.open();
      const startedAt: number[] = [];
      await q.process([
        handle(flakyJob, async (p, ctx) => {
          startedAt.push(Date.now());
          if (ctx.attempt <= p.failures) throw new Error(`flaky failure ${ctx.attempt}`);
          return 'ok';
        }),
      ]);
      const { jobId } = await q.enqueue(flakyJob, { failures: 2 });
      const job = await waitForStatus(q, jobId, 'completed');
      expect(job).toMatchObject({ attempts: 3, maxAttempts: 4, result: 'ok' });
      expect(job.lastError).toContain('flaky failure 2');
      expect(startedAt).toHaveLength(3);
      for (let i = 1; i < startedAt.length; i++) {
        expect(startedAt[i]! - startedAt[i - 1]!).toBeGreaterThanOrEqual(180);
      }
    });

    it('a job that keeps failing ends failed with its last error once its attempts are used', async () => {
      const t = await start();
      const q = t.open();
      let runs = 0;
      await q.process([
        handle(failingJob, async (_p, ctx) => {
          runs++;
          throw new Error(`always fails (attempt ${ctx.attempt})`);
        }),
      ]);
      const { jobId } = await q.enqueue(failingJob, {});
      const job = await waitForStatus(q, jobId, 'failed');
      expect(job).toMatchObject({ attempts: 3, maxAttempts: 3 });
      expect(job.lastError).toContain('always fails (attempt 3)');
      expect(job.finishedAt).not.toBeNull();
      await sleep(200);
      expect(runs).toBe(3);
    });

    it('a PermanentJobError fails the job at once, whatever retries are left', async () => {
      const t = await start();
      const q = t.open();
      await q.process([
        handle(permanentJob, async () => {
          throw new PermanentJobError('account was deleted');
        }),
      ]);
      const { jobId } = await q.enqueue(permanentJob, {});
      const job = await waitForStatus(q, jobId, 'failed');
      expect(job).toMatchObject({ attempts: 1, maxAttempts: 6 });
      expect(job.lastError).toContain('account was deleted');
    });

    it('an attempt past its timeout is aborted through its signal and counts as a failure', async () => {
      const t = await start();
      const q = t.open();
      const abortReasons: string[] = [];
      await q.process([
        handle(timeoutJob, async (_p, ctx) => {
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
          abortReasons.push((ctx.signal.reason as Error).name);
          return 'too late';
        }),
      ]);
      const { jobId } = await q.enqueue(timeoutJob, {});
      const job = await waitForStatus(q, jobId, 'failed');
      expect(job.attempts).toBe(2);
      expect(job.lastError).toMatch(/timed out after 200 ms/);
      expect(abortReasons).toEqual(['JobTimeoutError', 'JobTimeoutError']);
    });

    it('a delayed job does not run before its time', async () => {
      const t = await start();
      const q = t.open();
      let ranAt = 0;
      await q.process([
        handle(echoJob, async () => {
          ranAt = Date.now();
          return null;
        }),
      ]);
      const enqueuedAt = Date.now();
      const { jobId } = await q.enqueue(echoJob, { n: 1 }, { delayMs: 800 });
      await sleep(400);
      expect((await q.getJob(jobId))?.status).toBe('queued');
      expect(ranAt).toBe(0);
      await waitForStatus(q, jobId, 'completed');
      expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(780);
    });

    it('a cron schedule fires one job per tick with two consumers running', async () => {
      const t = await start();
      const runs = new Map<string, number>();
      const consumers = [t.open(), t.open()];
      for (const [i, q] of consumers.entries()) {
        q.schedule(tickJob, '* * * * * *', { source: `consumer-${i}` });
        await q.process([
          handle(tickJob, async (_p, ctx) => {
            runs.set(ctx.jobId, (runs.get(ctx.jobId) ?? 0) + 1);
            return null;
          }),
        ]);
      }
      await sleep(3_300);
      await Promise.all(consumers.map((q) => q.close({ timeoutMs: 5_000 })));
      const rows = await t.storage.db
        .selectFrom('jobs')
        .select(['id', 'idempotency_key', 'run_at', 'status'])
        .where('name', '=', 'test.tick')
        .execute();
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.length).toBeLessThanOrEqual(5);
      const keys = rows.map((r) => r.idempotency_key);
      expect(new Set(keys).size).toBe(rows.length);
      for (const r of rows) {
        expect(r.idempotency_key).toBe(`cron:test.tick:${r.run_at}`);
        expect(r.run_at).toMatch(/\.000Z$/);
      }
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      const completed = rows.filter((r) => r.status === 'completed').map((r) => r.id);
      expect(completed.length).toBeGreaterThanOrEqual(2);
      for (const id of completed) expect(runs.get(id)).toBe(1);
    });

    it('close waits for a running job to finish', async () => {
      const t = await start();
      const q = t.open();
      let started = false;
      let finished = false;
      await q.process([
        handle(slowJob, async (p) => {
          started = true;
          await sleep(p.ms);
          finished = true;
          return 'done';
        }),
      ]);
      const { jobId } = await q.enqueue(slowJob, { ms: 700 });
      await waitFor('the job to start', async () => started);
      await q.close({ timeoutMs: 10_000 });
      expect(finished).toBe(true);
      expect(await q.getJob(jobId)).toMatchObject({ status: 'completed', result: 'done' });
    });

    it('close past its timeout interrupts the job and hands it back to run again', async () => {
      const t = await start();
      const first = t.open();
      let aborted = false;
      await first.process([
        handle(slowJob, async (_p, ctx) => {
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
          aborted = true;
          return 'interrupted';
        }),
      ]);
      const { jobId } = await first.enqueue(slowJob, { ms: 60_000 });
      await waitForStatus(first, jobId, 'running');
      await first.close({ timeoutMs: 200 });
      expect(aborted).toBe(true);
      expect((await first.getJob(jobId))?.status).toBe('queued');
      const second = t.open();
      await second.process([handle(slowJob, async () => 'second time')]);
      expect((await waitForStatus(second, jobId, 'completed')).result).toBe('second time');
    });

    it('a restarted queue runs the jobs enqueued before it started', async () => {
      const t = await start();
      const before = t.open();
      const ids = [
        (await before.enqueue(echoJob, { n: 1 })).jobId,
        (await before.enqueue(echoJob, { n: 2 })).jobId,
        (await before.enqueue(echoJob, { n: 3 }, { delayMs: 300 })).jobId,
      ];
      await before.close();
      const after = t.open();
      await after.process([handle(echoJob, async (p) => p.n * 10)]);
      for (const [i, id] of ids.entries()) {
        expect((await waitForStatus(after, id, 'completed')).result).toBe((i + 1) * 10);
      }
    });

    it('a stored payload that no longer fits the schema fails the job without running the handler', async () => {
      const t = await start();
      const q = t.open();
      const id = newId('job');
      const now = new Date().toISOString();
      await t.storage.db
        .insertInto('jobs')
        .values({
          id,
          name: 'test.echo',
          payload: JSON.stringify({ n: 'seven' }),
          organization_id: null,
          status: 'queued',
          attempts: 0,
          max_attempts: 3,
          run_at: now,
          locked_by: null,
          locked_until: null,
          idempotency_key: null,
          last_error: null,
          result: null,
          progress: null,
          created_at: now,
          updated_at: now,
          finished_at: null,
        })
        .execute();
      let runs = 0;
      await q.process([
        handle(echoJob, async () => {
          runs++;
          return null;
        }),
      ]);
      const job = await waitForStatus(q, id, 'failed');
      expect(job.attempts).toBe(1);
      expect(job.lastError).toMatch(/Stored payload is invalid/);
      expect(runs).toBe(0);
    });

    it('stats count jobs by status and ping answers', async () => {
      const t = await start();
      const q = t.open();
      await q.ping();
      await q.process([
        handle(echoJob, async () => null),
        handle(permanentJob, async () => {
          throw new PermanentJobError('no');
        }),
      ]);
      const a = await q.enqueue(echoJob, { n: 1 });
      const b = await q.enqueue(permanentJob, {});
      await q.enqueue(echoJob, { n: 2 }, { delayMs: 60_000 });
      await waitForStatus(q, a.jobId, 'completed');
      await waitForStatus(q, b.jobId, 'failed');
      expect(await q.stats()).toEqual({ queued: 1, running: 0, failed: 1, completed: 1 });
      expect(await q.stats({ name: 'test.echo' })).toEqual({
        queued: 1,
        running: 0,
        failed: 0,
        completed: 1,
      });
    });

    describeProcessContract(start);
  });
}

/** A unique namespace for a test (BullMQ prefix, file name). */
export const uniqueName = (base: string) => `${base}-${randomBytes(5).toString('hex')}`;
