/**
 * The multi-process half of the queue contract: real worker processes (`worker-process.ts`) on a
 * database (and Redis namespace) shared with the test, killed and stopped with real signals.
 */
import { expect, it } from 'vitest';
import { createEffectTables, effectDb, effectJob } from './effects.ts';
import { type StartEnv, waitFor, waitForStatus } from './harness.ts';

export function describeProcessContract(start: StartEnv): void {
  it('a worker killed with SIGKILL mid-job: a new worker runs the job again and its effect happens once', async () => {
    const t = await start({ shared: true });
    await createEffectTables(t.storage.db);
    const q = t.open();
    const { jobId } = await q.enqueue(effectJob, { label: 'charge-once' });
    const db = effectDb(t.storage.db);
    const runsOf = () => db.selectFrom('queue_test_runs').selectAll().where('job_id', '=', jobId).execute();

    const doomed = t.spawn('hang');
    await doomed.ready;
    const effectsOf = () =>
      db.selectFrom('queue_test_effects').selectAll().where('job_id', '=', jobId).execute();
    await waitFor('the first run to start', async () => (await runsOf()).length === 1, 20_000);
    // The run row and the effect are two writes: kill only once the first run's effect is in, so the
    // second run meets an effect already applied (and must not apply it again).
    await waitFor('the first run to apply its effect', async () => (await effectsOf()).length === 1, 20_000);
    doomed.child.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    expect((await q.getJob(jobId))?.status).toBe('running');

    const next = t.spawn('normal');
    await next.ready;
    const job = await waitForStatus(q, jobId, 'completed', 20_000);
    expect(job.attempts).toBe(2);
    const runs = await runsOf();
    expect(runs).toHaveLength(2);
    expect(runs[0]?.pid).toBe(doomed.child.pid);
    expect(runs[1]?.pid).toBe(next.child.pid);
    const effects = await effectsOf();
    expect(effects).toEqual([{ job_id: jobId, label: 'charge-once', pid: doomed.child.pid }]);
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  });

  it('SIGTERM lets the running job finish before the worker exits', async () => {
    const t = await start({ shared: true });
    await createEffectTables(t.storage.db);
    const q = t.open();
    const { jobId } = await q.enqueue(effectJob, { label: 'slow', ms: 1_000 });
    const w = t.spawn('normal');
    await w.ready;
    await waitForStatus(q, jobId, 'running', 20_000);
    w.child.kill('SIGTERM');
    const exit = await w.exited;
    expect(exit.code, w.output()).toBe(0);
    expect(await q.getJob(jobId)).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('two worker processes share the jobs and each job runs once', async () => {
    const t = await start({ shared: true });
    await createEffectTables(t.storage.db);
    const q = t.open();
    const workers = [t.spawn('normal'), t.spawn('normal')];
    await Promise.all(workers.map((w) => w.ready));
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await q.enqueue(effectJob, { label: `n${i}`, ms: 20 })).jobId);
    await waitFor('all jobs to complete', async () => (await q.stats()).completed === ids.length, 30_000);
    const runs = await effectDb(t.storage.db)
      .selectFrom('queue_test_runs')
      .select(['job_id', 'pid', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy(['job_id', 'pid'])
      .execute();
    expect(runs).toHaveLength(ids.length);
    expect(runs.every((r) => Number(r.n) === 1)).toBe(true);
    const pids = new Set(runs.map((r) => r.pid));
    expect(pids.size).toBe(2);
    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) expect((await w.exited).code).toBe(0);
  });
}
