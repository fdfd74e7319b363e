/**
 * Test support shared by the contract suite and the worker child process (no vitest import here):
 * a job whose effect is an idempotent write keyed by job id, and a log of every run.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Executor } from '../../storage/db.ts';
import { defineJob } from '../queue.port.ts';

export type EffectTables = {
  queue_test_effects: { job_id: string; label: string; pid: number };
  queue_test_runs: { job_id: string; attempt: number; pid: number };
};

export const effectJob = defineJob({
  name: 'test.effect',
  payload: z.object({ label: z.string(), ms: z.number().int().min(0).default(0) }),
  // No retries: a run interrupted by a dead worker must still run again.
  retries: 0,
  timeoutMs: 60_000,
});

export const effectDb = (db: Executor) => db.withTables<EffectTables>();

export async function createEffectTables(db: Executor): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS queue_test_effects (job_id text PRIMARY KEY, label text NOT NULL, pid integer NOT NULL)`.execute(
    db,
  );
  await sql`CREATE TABLE IF NOT EXISTS queue_test_runs (job_id text NOT NULL, attempt integer NOT NULL, pid integer NOT NULL)`.execute(
    db,
  );
}

/** Records the run, then applies the effect at most once per job id. */
export async function applyEffect(
  db: ReturnType<typeof effectDb>,
  jobId: string,
  attempt: number,
  label: string,
): Promise<void> {
  await db.insertInto('queue_test_runs').values({ job_id: jobId, attempt, pid: process.pid }).execute();
  await db
    .insertInto('queue_test_effects')
    .values({ job_id: jobId, label, pid: process.pid })
    .onConflict((oc) => oc.column('job_id').doNothing())
    .execute();
}
