/**
 * Three-step workflow executions per second on each queue adapter, with full audit (every
 * execution writes its start, each step's success and its end to the hash-chained audit log), next
 * to n8n's published figure and to a baseline measured in this same run on the same adapter: three
 * chained no-op jobs per execution (job 1 enqueues job 2, which enqueues job 3) with no workflow
 * state and no audit, i.e. what the queue alone costs for the same hops.
 *
 *   cd server && node --import tsx bench/workflow.bench.ts
 *
 * BENCH_EXECUTIONS (default 300), BENCH_CONCURRENCY (default 8), OMNIFY_TEST_DB=postgres for
 * PostgreSQL (default: an on-disk SQLite file), OMNIFY_TEST_REDIS_URL (default redis://127.0.0.1:6379).
 *
 * n8n: "n8n can handle up to 220 workflow executions per second on a single instance" (webhook
 * workflows, c5a.large: 2 vCPU, 4 GB), https://docs.n8n.io/deploy/host-n8n/configure-n8n/scaling/measure-performance
 * — a different workload on different hardware, printed for orientation, not as a like-for-like race.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { loadConfig } from '../src/config.ts';
import { buildApi } from '../src/main/api.ts';
import { createServices } from '../src/main/services.ts';
import type { Ctx } from '../src/modules/auth/context.ts';
import { workflowJobs } from '../src/modules/workflows/index.ts';
import { createMemoryMailer } from '../src/platform/mailer.ts';
import { createQueue, defineJob, handle, type Queue } from '../src/queue/index.ts';
import { createTestStorage, testDialect } from '../src/storage/testing.ts';

const N = Number(process.env.BENCH_EXECUTIONS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const redisUrl = process.env.OMNIFY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const N8N_PUBLISHED = 220;

const hop = defineJob({
  name: 'bench.hop',
  payload: z.object({ i: z.number(), n: z.number() }),
  retries: 0,
});

type Kind = 'in-process' | 'bullmq';
interface Result {
  name: string;
  executions: number;
  seconds: number;
}
const perSecond = (r: Result) => r.executions / r.seconds;

async function environment(kind: Kind) {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnify-wf-bench-'));
  const storage = await createTestStorage({ file: path.join(dir, 'bench.sqlite') });
  const prefix = `omnify-wf-bench-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    OMNIFY_DATA_DIR: dir,
    OMNIFY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    OMNIFY_JWT_SECRET: randomBytes(32).toString('hex'),
    OMNIFY_WORKER_CONCURRENCY: String(CONCURRENCY),
    ...(kind === 'bullmq' ? { REDIS_URL: redisUrl, OMNIFY_QUEUE_PREFIX: prefix } : {}),
  });
  const queue: Queue = createQueue({ config, storage, tuning: { pollIntervalMs: 20 } });
  const cleanup = async () => {
    await storage.close();
    if (kind === 'bullmq') {
      const redis = new Redis(redisUrl);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { storage, config, queue, cleanup };
}

/** Baseline: N chains of three no-op jobs through the same adapter, no workflow rows, no audit. */
async function baseline(kind: Kind): Promise<Result> {
  const env = await environment(kind);
  try {
    let done = 0;
    let finish: () => void = () => {};
    const finished = new Promise<void>((r) => {
      finish = r;
    });
    await env.queue.process(
      [
        handle(hop, async (p) => {
          if (p.n < 3) await env.queue.enqueue(hop, { i: p.i, n: p.n + 1 });
          else if (++done === N) finish();
          return null;
        }),
      ],
      { concurrency: CONCURRENCY },
    );
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await env.queue.enqueue(hop, { i, n: 1 });
    await finished;
    return {
      name: `baseline: 3 chained no-op jobs (${kind})`,
      executions: N,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await env.queue.close({ timeoutMs: 5_000 });
    await env.cleanup();
  }
}

/** N runs of a three-step workflow (condition → condition → condition, each mapping the last one's output). */
async function workflows(kind: Kind): Promise<Result> {
  const env = await environment(kind);
  const services = createServices(env.config, {
    storage: env.storage,
    queue: env.queue,
    mailer: createMemoryMailer(),
  });
  const app = await buildApi(services);
  try {
    const reg = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        email: 'bench@example.test',
        password: 'correct horse battery',
        name: 'Bench',
        organizationName: 'Bench',
      },
    });
    const { user, tokens } = reg.json();
    const ctx: Ctx = {
      organizationId: tokens.organizationId,
      actor: { type: 'user', id: user.id },
      userId: user.id,
      role: 'owner',
    };
    const { workflow } = await services.workflows.create(ctx, {
      name: 'Three steps',
      steps: [
        { id: 'a', type: 'condition', config: { op: 'gte', right: 0 }, input: { left: '{{trigger.i}}' } },
        {
          id: 'b',
          type: 'condition',
          dependsOn: ['a'],
          config: { op: 'eq', right: true },
          input: { left: '{{steps.a.output.result}}' },
        },
        {
          id: 'c',
          type: 'condition',
          dependsOn: ['b'],
          config: { op: 'truthy' },
          input: { left: '{{steps.b.output.result}}' },
        },
      ],
    });
    await env.queue.process(workflowJobs(services.workflows), { concurrency: CONCURRENCY });
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await services.workflows.run(ctx, workflow.id, { input: { i } });
    for (;;) {
      const rows = await env.storage.db
        .selectFrom('workflow_executions')
        .select((eb) => [eb.fn.countAll<number>().as('n'), 'status'])
        .groupBy('status')
        .execute();
      const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      if ((by.failed ?? 0) > 0) throw new Error(`${by.failed} executions failed`);
      if ((by.succeeded ?? 0) === N) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const seconds = (performance.now() - t0) / 1000;
    const audited = await env.storage.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('action', 'like', 'workflows.%')
      .executeTakeFirstOrThrow();
    // start + 3 steps + end per execution, plus the workflow's creation.
    if (Number(audited.n) !== N * 5 + 1)
      throw new Error(`expected ${N * 5 + 1} audit entries, found ${audited.n}`);
    return { name: `workflows: 3-step executions, audited (${kind})`, executions: N, seconds };
  } finally {
    await app.close();
    await env.queue.close({ timeoutMs: 5_000 });
    await env.cleanup();
  }
}

const rows: string[][] = [];
const add = (r: Result, base?: Result) =>
  rows.push([
    r.name,
    String(r.executions),
    r.seconds.toFixed(2),
    perSecond(r).toFixed(1),
    base ? `${(perSecond(r) / perSecond(base)).toFixed(3)}x baseline` : '',
    `${(perSecond(r) / N8N_PUBLISHED).toFixed(3)}x n8n 220/s`,
  ]);

for (const kind of ['in-process', 'bullmq'] as const) {
  const base = await baseline(kind);
  const wf = await workflows(kind);
  add(base);
  add(wf, base);
}
rows.push([
  'n8n published (single instance, c5a.large 2 vCPU)',
  '',
  '',
  String(N8N_PUBLISHED),
  '',
  '1.000x n8n 220/s',
]);

const header = ['run', 'executions', 'seconds', 'executions/s', 'ratio to baseline', 'ratio to n8n'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(
  `workflow benchmark: ${N} executions of 3 steps, concurrency ${CONCURRENCY}, ${testDialect()}, ${cpus().length} CPUs, node ${process.version}`,
);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
