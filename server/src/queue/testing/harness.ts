/** The contract suite's harness: one fresh environment per test, closed when the test finishes. */
import { onTestFinished } from 'vitest';
import type { Config } from '../../config.ts';
import type { TestStorage } from '../../storage/testing.ts';
import { sleep } from '../core.ts';
import { createQueue, type JobInfo, type Queue, type QueueTuning } from '../index.ts';
import { type ChildWorker, spawnWorker } from './processes.ts';

export interface QueueTestEnv {
  storage: TestStorage;
  queueConfig: Config['queue'];
  cleanup(): Promise<void>;
}

export interface QueueHarness {
  kind: Queue['kind'];
  /** A fresh database (and Redis namespace). `shared`: reachable from child processes. */
  setup(opts: { shared: boolean }): Promise<QueueTestEnv>;
}

/** Short leases so that a killed worker's job is taken over within a couple of seconds. */
export const TEST_LEASE_MS = 1_000;

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(25);
  }
}

export const waitForStatus = (q: Queue, jobId: string, status: JobInfo['status'], timeoutMs?: number) =>
  waitFor(
    `job ${jobId} to be ${status}`,
    async () => {
      const job = await q.getJob(jobId);
      return job?.status === status ? job : undefined;
    },
    timeoutMs,
  );

/** Sets up an environment for the current test: `open()` queues on it, `spawn()` worker processes. */
export async function startEnv(harness: QueueHarness, opts: { shared?: boolean } = {}) {
  const env = await harness.setup({ shared: opts.shared ?? false });
  const queues: Queue[] = [];
  const children: ChildWorker[] = [];
  onTestFinished(async () => {
    for (const c of children)
      if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await Promise.all(queues.map((q) => q.close({ timeoutMs: 1_000 })));
    await env.cleanup();
  });
  const open = (tuning: QueueTuning = {}) => {
    const q = createQueue({
      config: { queue: env.queueConfig, worker: { concurrency: 4, runInApi: true } },
      storage: env.storage,
      tuning: { leaseMs: TEST_LEASE_MS, pollIntervalMs: 100, ...tuning },
    });
    queues.push(q);
    return q;
  };
  const spawn = (mode: 'hang' | 'normal') => {
    const c = spawnWorker({
      QW_DATABASE: env.storage.url,
      QW_SEARCH_PATH: env.storage.searchPath ?? '',
      QW_QUEUE: JSON.stringify(env.queueConfig),
      QW_MODE: mode,
      QW_LEASE_MS: String(TEST_LEASE_MS),
    });
    children.push(c);
    return c;
  };
  return { ...env, open, spawn };
}

export type StartEnv = (opts?: { shared?: boolean }) => ReturnType<typeof startEnv>;
