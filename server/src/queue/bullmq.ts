/**
 * The BullMQ adapter (scale-out: Redis, any number of `omnify worker` processes). One BullMQ queue
 * named `jobs` carries every job name; a BullMQ job's id is its row id.
 *
 * The row is the source of truth and BullMQ the delivery: a row is added to BullMQ only once it is
 * committed. Without a caller transaction, `enqueue` commits the row and then adds it; with one, the
 * row waits in the outbox (queued, `locked_by` null) until a relay (every consuming process, and a
 * few nudges from the enqueuing one) finds it committed and adds it. Adding twice is harmless:
 * BullMQ keeps one job per id, and a delivery of a finished row is skipped.
 *
 * Retries and backoff are BullMQ's, configured from the catalog; the processor mirrors each
 * attempt on the row. A worker killed mid-job loses its lock; BullMQ's stalled check (every
 * `leaseMs`) gives the job to another worker.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue as BullQueue, DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type AttemptOutcome, runAttempt } from './attempt.ts';
import { type AdapterDeps, createCore, type EnqueuedJob, settlesWithin, withTimeout } from './core.ts';
import { type AnyJobDefinition, backoffDelayMs, type Queue, silentLogger } from './queue.port.ts';
import {
  type AttemptFence,
  completeAttempt,
  DISPATCHED,
  failAttempt,
  failUnfinished,
  markDispatched,
  requeueAttempt,
  saveProgress,
  startAttempt,
  undispatchedJobs,
} from './queue.repo.ts';

export const BULL_QUEUE_NAME = 'jobs';
const RELAY_BATCH = 200;
const TRANSACTION_NUDGES_MS = [20, 200, 1_000, 3_000];
const DISPATCH_WAIT_MS = 2_000;

export interface BullmqDeps extends AdapterDeps {
  redisUrl: string;
  prefix: string;
}

interface Dispatchable {
  id: string;
  name: string;
  runAt: Date;
  maxAttempts: number;
}

export function createBullmqQueue(deps: BullmqDeps): Queue {
  const leaseMs = deps.leaseMs ?? 30_000;
  const relayIntervalMs = deps.pollIntervalMs ?? 1_000;
  const workerId = `bullmq:${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let concurrency = deps.concurrency ?? 4;
  const logger = deps.logger ?? silentLogger;
  // Enqueue must not hang while Redis is away: the row is committed and the relay delivers it later,
  // so the producer's commands fail fast. The worker's connection waits (BullMQ requires it).
  const producer = new Redis(deps.redisUrl, { maxRetriesPerRequest: 1 });
  const bull = new BullQueue(BULL_QUEUE_NAME, { connection: producer, prefix: deps.prefix });
  const onRedisError = (error: Error) => logger.warn({ err: error }, 'redis connection error');
  producer.on('error', onRedisError);
  bull.on('error', onRedisError);
  let workerConnection: Redis | undefined;
  let worker: Worker | undefined;
  let closing = false;
  let closed: Promise<void> | undefined;
  const timers = new Set<NodeJS.Timeout>();
  let relayTimer: NodeJS.Timeout | undefined;
  let relaying: Promise<void> | undefined;
  const interrupt = new AbortController();

  const core = createCore(deps, async (job: EnqueuedJob, def: AnyJobDefinition) => {
    if (job.inTransaction) {
      for (const ms of TRANSACTION_NUDGES_MS) later(() => void relay(), ms);
      return;
    }
    try {
      // BullMQ waits for a connection before adding: bound the wait, the row is safe either way.
      await withTimeout(dispatch([job], def), DISPATCH_WAIT_MS, 'Redis did not answer in time');
    } catch (error) {
      // The row is committed: the relay delivers it once Redis is back.
      logger.warn({ err: error, jobId: job.id }, 'job not handed to Redis yet; the relay will retry');
    }
  });
  const { storage, clock } = core;
  const db = storage.db;

  function later(fn: () => void, ms: number) {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  async function dispatch(
    jobs: Dispatchable[],
    defFor: AnyJobDefinition | ((name: string) => AnyJobDefinition),
  ) {
    const now = clock.now().getTime();
    await bull.addBulk(
      jobs.map((j) => {
        const def = typeof defFor === 'function' ? defFor(j.name) : defFor;
        return {
          name: j.name,
          data: {},
          opts: {
            jobId: j.id,
            attempts: j.maxAttempts,
            backoff: { type: def.backoff.type, delay: def.backoff.delayMs },
            delay: Math.max(0, j.runAt.getTime() - now),
            // The row keeps the history; Redis keeps a window, long enough to recognise re-adds.
            removeOnComplete: { age: 24 * 3600, count: 10_000 },
            removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
          },
        };
      }),
    );
    await markDispatched(
      db,
      jobs.map((j) => j.id),
    );
  }

  /** Hands committed, undelivered rows of known job names to BullMQ. Safe in many processes. */
  function relay(): Promise<void> {
    if (closing || relaying) return relaying ?? Promise.resolve();
    relaying = (async () => {
      try {
        for (;;) {
          const rows = await undispatchedJobs(db, [...core.defs.keys()], RELAY_BATCH);
          if (rows.length === 0) return;
          await dispatch(
            rows.map((r) => ({
              id: r.id,
              name: r.name,
              runAt: new Date(r.run_at),
              maxAttempts: r.max_attempts,
            })),
            (name) => core.defs.get(name) as AnyJobDefinition,
          );
          if (rows.length < RELAY_BATCH) return;
        }
      } catch (error) {
        logger.warn({ err: error }, 'job relay failed');
      } finally {
        relaying = undefined;
      }
    })();
    return relaying;
  }

  async function processJob(job: Job, _token?: string, signal?: AbortSignal): Promise<null> {
    const binding = core.bindings.get(job.name);
    if (!binding) throw new Error(`No handler for job ${job.name} in this worker`);
    const jobId = job.id as string;
    const row = await startAttempt(db, clock, jobId, workerId);
    if (!row) return null; // already finished: a duplicate delivery
    const fence: AttemptFence = { jobId, workerId, attempt: row.attempts };
    const stop = signal ? AbortSignal.any([signal, interrupt.signal]) : interrupt.signal;
    const outcome = await runAttempt({
      binding,
      jobId,
      payloadJson: row.payload,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
      organizationId: row.organization_id,
      interrupt: stop,
      progress: (p) => saveProgress(db, clock, jobId, p),
      logger,
    });
    return settle(job, binding.def, fence, outcome);
  }

  async function settle(job: Job, def: AnyJobDefinition, fence: AttemptFence, outcome: AttemptOutcome) {
    if (outcome.kind === 'completed') {
      await completeAttempt(db, clock, fence, outcome.result);
      return null;
    }
    if (outcome.kind === 'interrupted') {
      // Shutdown: back to waiting without using an attempt (BullMQ's documented way out of a
      // processor); the row shows it queued again.
      await requeueAttempt(db, clock, fence, { runAt: clock.now(), lockedBy: DISPATCHED });
      if (job.token) await job.moveToDelayed(clock.now().getTime(), job.token);
      throw new DelayedError(outcome.reason);
    }
    const final = !outcome.retryable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (final) {
      await failAttempt(db, clock, fence, outcome.error);
      logger.error({ jobId: fence.jobId, job: job.name, error: outcome.error }, 'job failed');
      throw new UnrecoverableError(outcome.error);
    }
    const runAt = new Date(clock.now().getTime() + backoffDelayMs(def.backoff, job.attemptsMade + 1));
    await requeueAttempt(db, clock, fence, { runAt, error: outcome.error, lockedBy: DISPATCHED });
    logger.warn({ jobId: fence.jobId, job: job.name, error: outcome.error }, 'job retry');
    throw new Error(outcome.error);
  }

  async function shutdown(timeoutMs: number) {
    closing = true;
    core.cron.stop();
    clearInterval(relayTimer);
    for (const t of timers) clearTimeout(t);
    timers.clear();
    if (relaying) await settlesWithin(relaying, DISPATCH_WAIT_MS);
    if (worker) {
      const closingWorker = worker.close();
      if (!(await settlesWithin(closingWorker, timeoutMs))) {
        logger.warn({}, 'shutdown timeout: interrupting running jobs');
        interrupt.abort(new Error('Worker is shutting down'));
        await closingWorker;
      }
    }
    await settlesWithin(bull.close(), 2_000);
    for (const c of [producer, workerConnection]) {
      if (c?.status === 'ready') await c.quit().catch(() => c.disconnect());
      else c?.disconnect();
    }
  }

  return {
    kind: 'bullmq',
    enqueue: core.enqueue,
    schedule: core.schedule,
    getJob: core.getJob,
    stats: core.stats,
    async process(handlers, opts = {}) {
      if (closing) throw new Error('Queue is closed');
      core.register(handlers);
      if (opts.concurrency) concurrency = opts.concurrency;
      if (worker) {
        worker.concurrency = concurrency;
        return;
      }
      workerConnection = new Redis(deps.redisUrl, { maxRetriesPerRequest: null });
      workerConnection.on('error', onRedisError);
      worker = new Worker(BULL_QUEUE_NAME, processJob, {
        connection: workerConnection,
        prefix: deps.prefix,
        concurrency,
        name: workerId,
        lockDuration: leaseMs,
        stalledInterval: leaseMs,
        maxStalledCount: 1,
      });
      worker.on('error', (error) => logger.error({ err: error }, 'bullmq worker error'));
      worker.on('failed', (job, error) => {
        // Our processor records every attempt it runs; this catches the ones it did not run
        // (a job stalled more often than allowed).
        if (job?.id && job.finishedOn) void failUnfinished(db, clock, job.id, error.message).catch(() => {});
      });
      await worker.waitUntilReady();
      relayTimer = setInterval(() => void relay(), relayIntervalMs);
      void relay();
      core.cron.start();
    },
    async ping() {
      await storage.ping();
      await producer.ping();
    },
    close(opts = {}) {
      closed ??= shutdown(opts.timeoutMs ?? 30_000);
      return closed;
    },
  };
}
