/**
 * Jobs per second through each queue adapter (enqueue N no-op jobs, process them all), each printed
 * as a ratio to a bare baseline doing the same in this process: an in-memory array queue for the
 * in-process adapter, a raw Redis LPUSH/RPOP loop for BullMQ (also compared to the array).
 *
 *   cd server && node --import tsx bench/queue.bench.ts
 *
 * BENCH_JOBS (default 2000), BENCH_CONCURRENCY (default 8), OMNIFY_TEST_DB=postgres for PostgreSQL,
 * OMNIFY_TEST_REDIS_URL (default redis://127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../src/config.ts';
import { createQueue, defineJob, handle } from '../src/queue/index.ts';
import { createTestStorage, testDialect } from '../src/storage/testing.ts';

const N = Number(process.env.BENCH_JOBS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const redisUrl = process.env.OMNIFY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const noopJob = defineJob({ name: 'bench.noop', payload: z.object({ i: z.number() }), retries: 0 });
const noop = async (_payload: { i: number }) => null;

interface Result {
  name: string;
  /** Jobs pushed through (a multiple of N for the repeated baselines). */
  jobs: number;
  seconds: number;
  enqueueSeconds?: number;
}
const perSecond = (r: Result) => r.jobs / r.seconds;

/** Runs `fn` (N jobs) repeatedly for at least `minMs`, so that fast baselines give a stable rate. */
async function repeated(name: string, minMs: number, fn: () => Promise<void>): Promise<Result> {
  await fn(); // warm-up
  let rounds = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs || rounds === 0) {
    await fn();
    rounds++;
  }
  return { name, jobs: rounds * N, seconds: (performance.now() - t0) / 1000 };
}

/** The same shape of work with no storage at all: push N, then `CONCURRENCY` consumers drain. */
function arrayBaseline(): Promise<Result> {
  return repeated('baseline: in-memory array', 300, async () => {
    const items: string[] = [];
    for (let i = 0; i < N; i++) items.push(JSON.stringify({ i }));
    const consume = async () => {
      for (let item = items.pop(); item !== undefined; item = items.pop()) {
        await noop(noopJob.payload.parse(JSON.parse(item)));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, consume));
  });
}

/** The same through Redis with nothing on top: LPUSH each, then consumers RPOP until empty. */
async function redisBaseline(): Promise<Result> {
  const key = `omnify-bench-${randomBytes(4).toString('hex')}:list`;
  const producer = new Redis(redisUrl);
  const consumers = Array.from({ length: CONCURRENCY }, () => new Redis(redisUrl));
  try {
    return await repeated('baseline: redis LPUSH/RPOP', 300, async () => {
      for (let i = 0; i < N; i++) await producer.lpush(key, JSON.stringify({ i }));
      await Promise.all(
        consumers.map(async (c) => {
          for (let item = await c.rpop(key); item !== null; item = await c.rpop(key)) {
            await noop(noopJob.payload.parse(JSON.parse(item)));
          }
        }),
      );
    });
  } finally {
    await producer.del(key);
    await Promise.all([producer, ...consumers].map((r) => r.quit()));
  }
}

async function adapter(name: string, queueConfig: Config['queue']): Promise<Result> {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnify-bench-'));
  // An on-disk SQLite file (WAL), as a one-box install runs; PostgreSQL with OMNIFY_TEST_DB=postgres.
  const storage = await createTestStorage({ file: path.join(dir, 'bench.sqlite') });
  const queue = createQueue({
    config: { queue: queueConfig, worker: { concurrency: CONCURRENCY, runInApi: true } },
    storage,
  });
  try {
    let done = 0;
    let allDone: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      allDone = resolve;
    });
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await queue.enqueue(noopJob, { i });
    const t1 = performance.now();
    await queue.process([
      handle(noopJob, async (p) => {
        await noop(p);
        if (++done === N) allDone();
        return null;
      }),
    ]);
    await finished;
    // The last job's row is written just after its handler returns.
    while ((await queue.stats()).completed < N) await new Promise((r) => setTimeout(r, 5));
    const t2 = performance.now();
    return { name, jobs: N, seconds: (t2 - t0) / 1000, enqueueSeconds: (t1 - t0) / 1000 };
  } finally {
    await queue.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function deleteKeys(prefix: string) {
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

const rows: string[][] = [];
const row = (r: Result, baseline: Result, baselineName: string) => {
  rows.push([
    r.name,
    String(r.jobs),
    r.seconds.toFixed(2),
    r.enqueueSeconds === undefined
      ? ''
      : `${r.enqueueSeconds.toFixed(2)} / ${(r.seconds - r.enqueueSeconds).toFixed(2)}`,
    Math.round(perSecond(r)).toLocaleString('en-US'),
    `${(perSecond(r) / perSecond(baseline)).toFixed(4)}x ${baselineName}`,
  ]);
};

const array = await arrayBaseline();
const redisRaw = await redisBaseline();
const inProcess = await adapter(`in-process (${testDialect()})`, { kind: 'in-process' });
const prefix = `omnify-bench-${randomBytes(4).toString('hex')}`;
let bull: Result;
try {
  bull = await adapter(`bullmq (${testDialect()} + redis)`, { kind: 'bullmq', redisUrl, prefix });
} finally {
  await deleteKeys(prefix);
}

row(array, array, 'array');
row(redisRaw, array, 'array');
row(inProcess, array, 'array');
row(bull, redisRaw, 'redis');
rows.push([bull.name, '', '', '', '', `${(perSecond(bull) / perSecond(array)).toFixed(4)}x array`]);

const header = ['run', 'jobs', 'seconds', 'enqueue / process', 'jobs/s', 'ratio to baseline'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(`queue benchmark: ${N} no-op jobs, concurrency ${CONCURRENCY}, node ${process.version}`);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
