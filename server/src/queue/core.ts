/**
 * What both adapters share: validation and the job row on enqueue, cron schedules, job lookup and
 * stats, and the handler registry. An adapter adds how jobs reach a worker and run.
 */
import { type Clock, systemClock } from '../platform/clock.ts';
import type { Storage } from '../storage/db.ts';
import { createCronScheduler, cronKey } from './cron.ts';
import {
  type AnyJobDefinition,
  type EnqueueOptions,
  type EnqueueResult,
  type JobBinding,
  type JobDefinition,
  type JobInfo,
  parsePayload,
  type QueueLogger,
  type QueueStats,
  type ScheduleOptions,
  silentLogger,
} from './queue.port.ts';
import { countByStatus, findJob, insertJob } from './queue.repo.ts';

export interface AdapterDeps {
  storage: Storage;
  clock?: Clock;
  logger?: QueueLogger;
  /** Lease (in-process) or lock (BullMQ) duration: how long until a dead worker's job runs again. */
  leaseMs?: number;
  /** How often an idle in-process worker looks for due jobs, and the BullMQ outbox sweep period. */
  pollIntervalMs?: number;
  /** Default for `process()`. */
  concurrency?: number;
}

export interface EnqueuedJob {
  id: string;
  name: string;
  runAt: Date;
  maxAttempts: number;
  /** True when written in a caller's transaction: not visible to others until it commits. */
  inTransaction: boolean;
}

export function createCore(
  deps: AdapterDeps,
  onEnqueued: (job: EnqueuedJob, def: AnyJobDefinition) => Promise<void>,
) {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const storage = deps.storage;
  /** Every definition this queue has seen, by name (the BullMQ outbox needs backoff settings). */
  const defs = new Map<string, AnyJobDefinition>();
  const bindings = new Map<string, JobBinding>();

  const remember = (def: AnyJobDefinition) => {
    defs.set(def.name, def);
  };

  const enqueue = async <P, In>(
    def: JobDefinition<P, In>,
    payload: In,
    opts: EnqueueOptions = {},
  ): Promise<EnqueueResult> => {
    const anyDef = def as AnyJobDefinition;
    remember(anyDef);
    const parsed = parsePayload(def, payload);
    const { row, deduplicated } = await insertJob(opts.trx ?? storage.db, clock, anyDef, parsed, opts);
    if (!deduplicated) {
      await onEnqueued(
        {
          id: row.id,
          name: row.name,
          runAt: new Date(row.run_at),
          maxAttempts: row.max_attempts,
          inTransaction: opts.trx !== undefined,
        },
        anyDef,
      );
    }
    return { jobId: row.id, deduplicated };
  };

  const cron = createCronScheduler({
    clock,
    logger,
    fire: async (entry, tick) => {
      const { deduplicated } = await enqueue(entry.def, entry.payload, {
        idempotencyKey: cronKey(entry.def.name, tick),
        runAt: tick,
      });
      if (!deduplicated) logger.debug({ job: entry.def.name, tick }, 'cron tick enqueued');
    },
  });

  return {
    clock,
    logger,
    storage,
    defs,
    bindings,
    cron,
    enqueue,
    register(handlers: readonly JobBinding[]) {
      for (const b of handlers) {
        if (bindings.has(b.def.name)) throw new Error(`Two handlers for job ${b.def.name}`);
        bindings.set(b.def.name, b);
        remember(b.def);
      }
    },
    schedule<P, In>(def: JobDefinition<P, In>, expression: string, payload: In, opts: ScheduleOptions = {}) {
      const anyDef = def as AnyJobDefinition;
      remember(anyDef);
      cron.add({
        def: anyDef,
        expression,
        payload: parsePayload(def, payload),
        timezone: opts.timezone ?? 'UTC',
      });
    },
    getJob: (jobId: string, opts: { organizationId?: string } = {}): Promise<JobInfo | undefined> =>
      findJob(storage.db, jobId, opts.organizationId),
    stats: (opts: { name?: string; organizationId?: string; withLag?: boolean } = {}): Promise<QueueStats> =>
      countByStatus(storage.db, opts.name, opts.organizationId, opts.withLag ? clock.now() : undefined),
  };
}

export type QueueCore = ReturnType<typeof createCore>;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves true when `promise` settles within `ms`, false otherwise. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true as const,
        () => true as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `promise`, or a rejection with `message` once `ms` pass (the promise itself carries on). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  promise.catch(() => {}); // a late rejection after the timeout is not unhandled
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
