/**
 * The `jobs` table, shared by both adapters. Every write made on behalf of a running attempt is
 * fenced on (`locked_by`, `attempts`), so a worker that lost its lease (or was presumed dead) cannot
 * overwrite the outcome of the attempt that replaced it.
 */
import { sql } from 'kysely';
import { addMs, type Clock, iso } from '../platform/clock.ts';
import { AppError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { Executor, Storage } from '../storage/db.ts';
import type { JobsTable } from '../storage/schema.ts';
import type { AnyJobDefinition, EnqueueOptions, JobInfo, JobStatus, QueueStats } from './queue.port.ts';

export type JobRow = JobsTable;

/** `locked_by` of a queued row that has been handed to BullMQ (see bullmq.ts). */
export const DISPATCHED = 'bullmq';

const MAX_ERROR_LENGTH = 4_000;

export async function insertJob(
  ex: Executor,
  clock: Clock,
  def: AnyJobDefinition,
  payload: unknown,
  opts: EnqueueOptions,
): Promise<{ row: Pick<JobRow, 'id' | 'name' | 'run_at' | 'max_attempts'>; deduplicated: boolean }> {
  const now = clock.now();
  const runAt = opts.runAt ?? addMs(now, Math.max(0, opts.delayMs ?? 0));
  const row = {
    id: newId('job'),
    name: def.name,
    payload: JSON.stringify(payload ?? null),
    organization_id: opts.organizationId ?? null,
    status: 'queued' as JobStatus,
    attempts: 0,
    max_attempts: def.retries + 1,
    run_at: iso(runAt),
    locked_by: null,
    locked_until: null,
    idempotency_key: opts.idempotencyKey ?? null,
    last_error: null,
    result: null,
    progress: null,
    created_at: iso(now),
    updated_at: iso(now),
    finished_at: null,
  };
  if (!opts.idempotencyKey) {
    await ex.insertInto('jobs').values(row).execute();
    return { row, deduplicated: false };
  }
  // ON CONFLICT DO NOTHING rather than catching the violation: on PostgreSQL a failed statement
  // would abort the caller's transaction.
  const inserted = await ex
    .insertInto('jobs')
    .values(row)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { row, deduplicated: false };
  const existing = await ex
    .selectFrom('jobs')
    .select(['id', 'name', 'run_at', 'max_attempts'])
    .where('idempotency_key', '=', opts.idempotencyKey)
    .executeTakeFirst();
  if (!existing) throw new AppError('conflict', 'Idempotency key is in use by a job being written; retry');
  if (existing.name !== def.name) {
    throw new AppError('conflict', `Idempotency key already used by a ${existing.name} job`, {
      jobId: existing.id,
    });
  }
  return { row: existing, deduplicated: true };
}

export async function findJob(ex: Executor, jobId: string, organizationId?: string) {
  let q = ex.selectFrom('jobs').selectAll().where('id', '=', jobId);
  if (organizationId !== undefined) q = q.where('organization_id', '=', organizationId);
  const row = await q.executeTakeFirst();
  return row ? toJobInfo(row) : undefined;
}

export async function countByStatus(
  ex: Executor,
  name?: string,
  organizationId?: string,
  lagAt?: Date,
): Promise<QueueStats> {
  let q = ex
    .selectFrom('jobs')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status');
  if (name) q = q.where('name', '=', name);
  if (organizationId) q = q.where('organization_id', '=', organizationId);
  const out: QueueStats = { queued: 0, running: 0, failed: 0, completed: 0 };
  for (const r of await q.execute()) {
    if (r.status in out) out[r.status as JobStatus] = Number(r.n);
  }
  if (lagAt) {
    // The oldest job that could run now but has not started: how far behind the workers are.
    let due = ex
      .selectFrom('jobs')
      .select((eb) => eb.fn.min('run_at').as('oldest'))
      .where('status', '=', 'queued')
      .where('run_at', '<=', iso(lagAt));
    if (name) due = due.where('name', '=', name);
    if (organizationId) due = due.where('organization_id', '=', organizationId);
    out.oldestDueRunAt = ((await due.executeTakeFirst())?.oldest as string | null | undefined) ?? null;
  }
  return out;
}

/**
 * Claims up to `limit` runnable jobs of the given names for `workerId`: queued and due, or running
 * with an expired lease (their worker died). One statement, so it is atomic on SQLite (writers are
 * serialised); on PostgreSQL `FOR UPDATE SKIP LOCKED` lets concurrent claimers take different rows.
 */
export async function claimJobs(
  storage: Storage,
  clock: Clock,
  opts: { workerId: string; names: string[]; limit: number; leaseMs: number },
): Promise<JobRow[]> {
  if (opts.limit <= 0 || opts.names.length === 0) return [];
  const now = clock.now();
  const nowIso = iso(now);
  const db = storage.db;
  const due = db
    .selectFrom('jobs')
    .select('id')
    .where('name', 'in', opts.names)
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', nowIso)]),
        eb.and([eb('status', '=', 'running'), eb('locked_until', '<', nowIso)]),
      ]),
    )
    .orderBy('run_at')
    .limit(opts.limit)
    // The one dialect difference of the queue (SQLite has no row locks, and needs none here).
    .$if(storage.dialect === 'postgres', (q) => q.forUpdate().skipLocked());
  return db
    .updateTable('jobs')
    .set({
      status: 'running',
      attempts: sql`attempts + 1`,
      locked_by: opts.workerId,
      locked_until: iso(addMs(now, opts.leaseMs)),
      updated_at: nowIso,
    })
    .where('id', 'in', due)
    .returningAll()
    .execute();
}

/**
 * BullMQ: marks the row running for this attempt. Returns undefined when the job has already
 * finished (a duplicate delivery) or does not exist.
 */
export async function startAttempt(
  ex: Executor,
  clock: Clock,
  jobId: string,
  workerId: string,
): Promise<JobRow | undefined> {
  const now = iso(clock.now());
  return ex
    .updateTable('jobs')
    .set({
      status: 'running',
      attempts: sql`attempts + 1`,
      locked_by: workerId,
      locked_until: null,
      updated_at: now,
    })
    .where('id', '=', jobId)
    .where('status', 'in', ['queued', 'running'])
    .returningAll()
    .executeTakeFirst();
}

/** The attempt a write is made for: only the holder of the current attempt may write its outcome. */
export interface AttemptFence {
  jobId: string;
  workerId: string;
  attempt: number;
}

const fenced = (ex: Executor, f: AttemptFence) =>
  ex
    .updateTable('jobs')
    .where('id', '=', f.jobId)
    .where('locked_by', '=', f.workerId)
    .where('attempts', '=', f.attempt)
    .where('status', '=', 'running');

export async function completeAttempt(ex: Executor, clock: Clock, f: AttemptFence, result: unknown) {
  const now = iso(clock.now());
  const r = await fenced(ex, f)
    .set({
      status: 'completed',
      result: result === undefined ? null : JSON.stringify(result),
      locked_by: null,
      locked_until: null,
      finished_at: now,
      updated_at: now,
    })
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function failAttempt(ex: Executor, clock: Clock, f: AttemptFence, error: string) {
  const now = iso(clock.now());
  const r = await fenced(ex, f)
    .set({
      status: 'failed',
      last_error: error.slice(0, MAX_ERROR_LENGTH),
      locked_by: null,
      locked_until: null,
      finished_at: now,
      updated_at: now,
    })
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/**
 * Back to queued for a later attempt (`error` set) or for another worker now (`error` undefined: an
 * interrupted attempt). `lockedBy` is null for the in-process adapter, DISPATCHED for BullMQ, whose
 * job stays in Redis.
 */
export async function requeueAttempt(
  ex: Executor,
  clock: Clock,
  f: AttemptFence,
  opts: { runAt: Date; error?: string; lockedBy: string | null },
) {
  const now = iso(clock.now());
  const r = await fenced(ex, f)
    .set({
      status: 'queued',
      run_at: iso(opts.runAt),
      ...(opts.error === undefined ? {} : { last_error: opts.error.slice(0, MAX_ERROR_LENGTH) }),
      locked_by: opts.lockedBy,
      locked_until: null,
      updated_at: now,
    })
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Extends the leases of this worker's running jobs; returns the ids it still holds. */
export async function renewLeases(
  ex: Executor,
  clock: Clock,
  opts: { workerId: string; jobIds: string[]; leaseMs: number },
): Promise<Set<string>> {
  if (opts.jobIds.length === 0) return new Set();
  const now = clock.now();
  const rows = await ex
    .updateTable('jobs')
    .set({ locked_until: iso(addMs(now, opts.leaseMs)), updated_at: iso(now) })
    .where('id', 'in', opts.jobIds)
    .where('locked_by', '=', opts.workerId)
    .where('status', '=', 'running')
    .returning('id')
    .execute();
  return new Set(rows.map((r) => r.id));
}

export async function saveProgress(ex: Executor, clock: Clock, jobId: string, progress: unknown) {
  await ex
    .updateTable('jobs')
    .set({ progress: JSON.stringify(progress ?? null), updated_at: iso(clock.now()) })
    .where('id', '=', jobId)
    .where('status', '=', 'running')
    .execute();
}

/** BullMQ outbox: committed, queued rows not yet handed to Redis. */
export async function undispatchedJobs(ex: Executor, names: string[], limit: number) {
  if (names.length === 0) return [];
  return ex
    .selectFrom('jobs')
    .select(['id', 'name', 'run_at', 'max_attempts'])
    .where('status', '=', 'queued')
    .where('locked_by', 'is', null)
    .where('name', 'in', names)
    .orderBy('run_at')
    .limit(limit)
    .execute();
}

export async function markDispatched(ex: Executor, jobIds: string[]) {
  if (jobIds.length === 0) return;
  await ex
    .updateTable('jobs')
    .set({ locked_by: DISPATCHED })
    .where('id', 'in', jobIds)
    .where('status', '=', 'queued')
    .where('locked_by', 'is', null)
    .execute();
}

/** Backstop for a job BullMQ failed without running our processor (e.g. stalled too often). */
export async function failUnfinished(ex: Executor, clock: Clock, jobId: string, error: string) {
  const now = iso(clock.now());
  await ex
    .updateTable('jobs')
    .set({
      status: 'failed',
      last_error: error.slice(0, MAX_ERROR_LENGTH),
      locked_by: null,
      locked_until: null,
      finished_at: now,
      updated_at: now,
    })
    .where('id', '=', jobId)
    .where('status', 'in', ['queued', 'running'])
    .execute();
}

const parseJson = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export function toJobInfo(row: JobRow): JobInfo {
  return {
    id: row.id,
    name: row.name,
    status: row.status as JobStatus,
    organizationId: row.organization_id,
    payload: parseJson(row.payload),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    idempotencyKey: row.idempotency_key,
    lastError: row.last_error,
    result: parseJson(row.result),
    progress: parseJson(row.progress),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}
