/**
 * The in-process adapter (the one-box default): jobs live in the `jobs` table and workers poll it.
 *
 * - A worker claims due rows with one atomic UPDATE … RETURNING, taking a lease (`locked_until`)
 *   that it renews while the job runs. Several processes can share one database.
 * - A worker that dies (SIGKILL, power cut) stops renewing; once its lease expires another worker
 *   claims the job again. The interrupted run counts as an attempt, and one extra attempt is granted
 *   so that a job whose last attempt was interrupted still runs once more.
 * - An enqueue in this process wakes the poller at once; other processes see the row on their next
 *   poll (`pollIntervalMs`).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type AttemptOutcome, runAttempt } from './attempt.ts';
import { type AdapterDeps, createCore, type EnqueuedJob, settlesWithin } from './core.ts';
import { backoffDelayMs, type Queue } from './queue.port.ts';
import {
  type AttemptFence,
  claimJobs,
  completeAttempt,
  failAttempt,
  type JobRow,
  renewLeases,
  requeueAttempt,
  saveProgress,
} from './queue.repo.ts';

/** Extra runs allowed to a job whose final attempt was interrupted by a dead worker. */
const INTERRUPTION_ALLOWANCE = 1;
const FORCED_STOP_GRACE_MS = 5_000;

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export function createInProcessQueue(deps: AdapterDeps): Queue {
  const leaseMs = deps.leaseMs ?? 30_000;
  const pollIntervalMs = deps.pollIntervalMs ?? 500;
  const workerId = `inproc:${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let concurrency = deps.concurrency ?? 4;
  let consuming = false;
  let closing = false;
  let closed: Promise<void> | undefined;
  const running = new Map<string, Running>();
  const timers = new Set<NodeJS.Timeout>();
  let pollTimer: NodeJS.Timeout | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let pollAgain = false;

  const core = createCore(deps, async (job: EnqueuedJob) => {
    if (!consuming || closing) return;
    if (job.inTransaction) {
      // Not visible to a poll until the caller commits (PostgreSQL; SQLite's single connection
      // makes the poll wait for the commit): look again shortly after.
      later(wake, 25);
      later(wake, 250);
      return;
    }
    const delay = job.runAt.getTime() - core.clock.now().getTime();
    if (delay <= 0) wake();
    else if (delay < pollIntervalMs) later(wake, delay);
  });
  const { storage, clock, logger } = core;
  const db = storage.db;

  function later(fn: () => void, ms: number) {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  function wake() {
    if (!consuming || closing) return;
    if (polling) {
      pollAgain = true;
      return;
    }
    clearTimeout(pollTimer);
    polling = poll().finally(() => {
      polling = undefined;
      if (consuming && !closing) pollTimer = setTimeout(wake, pollAgain ? 0 : pollIntervalMs);
      pollAgain = false;
    });
  }

  async function poll() {
    try {
      do {
        pollAgain = false;
        const free = concurrency - running.size;
        if (free <= 0) return;
        const rows = await claimJobs(storage, clock, {
          workerId,
          names: [...core.bindings.keys()],
          limit: free,
          leaseMs,
        });
        for (const row of rows) {
          if (closing) await handBack(row);
          else start(row);
        }
      } while (pollAgain && !closing);
    } catch (error) {
      logger.error({ err: error }, 'job poll failed');
    }
  }

  async function handBack(row: JobRow) {
    const fence = { jobId: row.id, workerId, attempt: row.attempts };
    await requeueAttempt(db, clock, fence, { runAt: clock.now(), lockedBy: null });
  }

  function start(row: JobRow) {
    const binding = core.bindings.get(row.name);
    if (!binding) return; // claimJobs only returns handled names
    const fence: AttemptFence = { jobId: row.id, workerId, attempt: row.attempts };
    const controller = new AbortController();
    const done = (async () => {
      if (row.attempts > row.max_attempts + INTERRUPTION_ALLOWANCE) {
        await failAttempt(db, clock, fence, 'Job was interrupted too many times (its worker kept dying)');
        return;
      }
      const outcome = await runAttempt({
        binding,
        jobId: row.id,
        payloadJson: row.payload,
        attempt: row.attempts,
        maxAttempts: row.max_attempts,
        organizationId: row.organization_id,
        interrupt: controller.signal,
        progress: (p) => saveProgress(db, clock, row.id, p),
        logger,
      });
      await settle(row, fence, outcome);
    })()
      .catch((error: unknown) => logger.error({ err: error, jobId: row.id }, 'job outcome not saved'))
      .finally(() => {
        running.delete(row.id);
        wake();
      });
    running.set(row.id, { controller, done });
  }

  async function settle(row: JobRow, fence: AttemptFence, outcome: AttemptOutcome) {
    if (outcome.kind === 'completed') {
      await completeAttempt(db, clock, fence, outcome.result);
      return;
    }
    if (outcome.kind === 'interrupted') {
      // Shutdown: hand the job back to run again now. Lost lease: the fence makes this a no-op.
      await requeueAttempt(db, clock, fence, { runAt: clock.now(), lockedBy: null });
      return;
    }
    const def = core.bindings.get(row.name)?.def;
    if (outcome.retryable && def && row.attempts < row.max_attempts) {
      const runAt = new Date(clock.now().getTime() + backoffDelayMs(def.backoff, row.attempts));
      await requeueAttempt(db, clock, fence, { runAt, error: outcome.error, lockedBy: null });
      logger.warn({ jobId: row.id, job: row.name, attempt: row.attempts, error: outcome.error }, 'job retry');
    } else {
      await failAttempt(db, clock, fence, outcome.error);
      logger.error(
        { jobId: row.id, job: row.name, attempt: row.attempts, error: outcome.error },
        'job failed',
      );
    }
  }

  async function renew() {
    const ids = [...running.keys()];
    if (ids.length === 0) return;
    try {
      const held = await renewLeases(db, clock, { workerId, jobIds: ids, leaseMs });
      for (const id of ids) {
        if (!held.has(id) && running.has(id)) {
          running.get(id)?.controller.abort(new Error('Lease lost: another worker took the job over'));
        }
      }
    } catch (error) {
      logger.warn({ err: error }, 'lease renewal failed');
    }
  }

  async function shutdown(timeoutMs: number) {
    closing = true;
    core.cron.stop();
    clearTimeout(pollTimer);
    for (const t of timers) clearTimeout(t);
    timers.clear();
    if (polling) await polling;
    const all = () => Promise.all([...running.values()].map((r) => r.done));
    if (!(await settlesWithin(all(), timeoutMs))) {
      logger.warn({ jobs: [...running.keys()] }, 'shutdown timeout: interrupting running jobs');
      for (const r of running.values()) r.controller.abort(new Error('Worker is shutting down'));
      await settlesWithin(all(), FORCED_STOP_GRACE_MS);
    }
    clearInterval(renewTimer);
    consuming = false;
  }

  return {
    kind: 'in-process',
    enqueue: core.enqueue,
    schedule: core.schedule,
    getJob: core.getJob,
    stats: core.stats,
    async process(handlers, opts = {}) {
      if (closing) throw new Error('Queue is closed');
      core.register(handlers);
      if (opts.concurrency) concurrency = opts.concurrency;
      if (!consuming) {
        consuming = true;
        renewTimer = setInterval(() => void renew(), Math.max(50, Math.floor(leaseMs / 3)));
        core.cron.start();
      }
      wake();
    },
    ping: () => storage.ping(),
    close(opts = {}) {
      closed ??= shutdown(opts.timeoutMs ?? 30_000);
      return closed;
    },
  };
}
