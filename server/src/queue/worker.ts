/**
 * The body of a worker process (`omnify worker`, or the API process in one-box mode): consume jobs
 * until SIGTERM/SIGINT, then close the queue gracefully. Closing storage and exiting stay with the
 * composition root, after `stopped` resolves.
 */
import type { JobBinding, Queue, QueueLogger } from './queue.port.ts';
import { silentLogger } from './queue.port.ts';

export interface RunningWorker {
  /** Resolves once the queue has closed (after a signal or `stop()`). */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

export interface RunWorkerOptions {
  queue: Queue;
  handlers: readonly JobBinding[];
  concurrency?: number;
  /** How long running jobs get to finish after a signal. Default 30 s. */
  shutdownTimeoutMs?: number;
  signals?: NodeJS.Signals[];
  logger?: QueueLogger;
}

export async function runWorker(opts: RunWorkerOptions): Promise<RunningWorker> {
  const logger = opts.logger ?? silentLogger;
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping: Promise<void> | undefined;
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });

  const stop = () => {
    stopping ??= (async () => {
      for (const s of signals) process.off(s, onSignal);
      try {
        await opts.queue.close({ timeoutMs: opts.shutdownTimeoutMs ?? 30_000 });
      } finally {
        resolveStopped();
      }
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'worker stopping: finishing running jobs');
    void stop().catch((error: unknown) => logger.error({ err: error }, 'worker did not stop cleanly'));
  };
  for (const s of signals) process.on(s, onSignal);

  await opts.queue.process(opts.handlers, opts.concurrency ? { concurrency: opts.concurrency } : {});
  logger.info({ kind: opts.queue.kind, jobs: opts.handlers.map((h) => h.def.name) }, 'worker started');
  return { stopped, stop };
}
