/**
 * The queue module: the port, the catalog helpers and `createQueue`, which picks the adapter from
 * configuration (BullMQ when REDIS_URL is set, the in-process adapter otherwise).
 */
import type { Config } from '../config.ts';
import type { Clock } from '../platform/clock.ts';
import type { Storage } from '../storage/db.ts';
import { createBullmqQueue } from './bullmq.ts';
import { createInProcessQueue } from './in-process.ts';
import type { Queue, QueueLogger } from './queue.port.ts';

export { nextTick } from './cron.ts';
export {
  type AnyJobDefinition,
  type Backoff,
  backoffDelayMs,
  defineJob,
  type EnqueueOptions,
  type EnqueueResult,
  handle,
  type JobBinding,
  type JobContext,
  type JobDefinition,
  type JobHandler,
  type JobInfo,
  type JobSpec,
  type JobStatus,
  PermanentJobError,
  type Queue,
  type QueueLogger,
  type QueueStats,
  type ScheduleOptions,
} from './queue.port.ts';
export { type RunningWorker, runWorker } from './worker.ts';

export interface QueueTuning {
  /** How long until a dead worker's job is taken over. Default 30 s. */
  leaseMs?: number;
  /** Idle poll (in-process) and outbox sweep (BullMQ) period. Defaults 500 ms and 1 s. */
  pollIntervalMs?: number;
}

export interface CreateQueueDeps {
  config: Pick<Config, 'queue' | 'worker'>;
  storage: Storage;
  clock?: Clock;
  logger?: QueueLogger;
  tuning?: QueueTuning;
}

export function createQueue({ config, storage, clock, logger, tuning = {} }: CreateQueueDeps): Queue {
  const deps = {
    storage,
    ...(clock ? { clock } : {}),
    ...(logger ? { logger } : {}),
    ...tuning,
    concurrency: config.worker.concurrency,
  };
  if (config.queue.kind === 'bullmq') {
    return createBullmqQueue({ ...deps, redisUrl: config.queue.redisUrl, prefix: config.queue.prefix });
  }
  return createInProcessQueue(deps);
}
