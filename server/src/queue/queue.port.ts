/**
 * The queue port: a job catalog (`defineJob`), handler bindings (`handle`) and the `Queue` interface
 * that both adapters (in-process, BullMQ) implement and that `queue.contract.ts` checks.
 *
 * The `jobs` table row is the durable record of every job on both adapters: it is written (and, for
 * a caller's transaction, committed) before the job can run, and it carries the status, attempts,
 * last error, result and progress that the API shows.
 */
import type { z } from 'zod';
import { AppError } from '../platform/errors.ts';
import type { Executor } from '../storage/db.ts';

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface Backoff {
  type: 'exponential' | 'fixed';
  /** Fixed: every wait. Exponential: the first wait, doubled after each further failure. */
  delayMs: number;
}

/**
 * One entry of the job catalog. `P` is what a handler receives (the schema's output), `In` what
 * `enqueue` accepts (the schema's input: fields with defaults may be left out).
 */
export interface JobDefinition<P = unknown, In = P> {
  /** `area.verb`, e.g. `connectors.sync`. Unique across the catalog. */
  readonly name: string;
  readonly payload: z.ZodType<P, In>;
  /** Attempts after the first one. */
  readonly retries: number;
  readonly backoff: Backoff;
  /** Per attempt; the handler's signal aborts when it passes and the attempt fails. */
  readonly timeoutMs: number;
}

/** A job definition with its payload type erased, for registries. */
export type AnyJobDefinition = JobDefinition<unknown, unknown>;

export interface JobSpec<S extends z.ZodType> {
  name: string;
  payload: S;
  /** Default 3. */
  retries?: number;
  /** Default exponential from 1 s. */
  backoff?: Backoff;
  /** Default 60 s. */
  timeoutMs?: number;
}

const JOB_NAME = /^[a-z][a-zA-Z0-9]*(\.[a-z][a-zA-Z0-9]*)+$/;

/**
 * Declares a job: its name, payload schema, retries, backoff and timeout. Modules export their
 * definitions from `<domain>.jobs.ts`. Payloads are stored as JSON: keep schemas to plain JSON shapes
 * (defaults are fine, transforms are not), because the stored value is parsed again before handling.
 *
 * @example
 * export const syncAccount = defineJob({
 *   name: 'connectors.sync',
 *   payload: z.object({ connectionId: z.string() }),
 *   retries: 5,
 *   backoff: { type: 'exponential', delayMs: 5_000 },
 *   timeoutMs: 10 * 60_000,
 * });
 */
export function defineJob<S extends z.ZodType>(spec: JobSpec<S>): JobDefinition<z.output<S>, z.input<S>> {
  if (!JOB_NAME.test(spec.name)) throw new Error(`Job name "${spec.name}" must look like area.verb`);
  const retries = spec.retries ?? 3;
  const backoff = spec.backoff ?? { type: 'exponential', delayMs: 1_000 };
  const timeoutMs = spec.timeoutMs ?? 60_000;
  if (!Number.isInteger(retries) || retries < 0)
    throw new Error(`${spec.name}: retries must be an integer >= 0`);
  if (!(backoff.delayMs >= 0)) throw new Error(`${spec.name}: backoff.delayMs must be >= 0`);
  if (!(timeoutMs > 0)) throw new Error(`${spec.name}: timeoutMs must be > 0`);
  // S is exactly a ZodType<output<S>, input<S>>; TypeScript cannot see it through the generic.
  const payload = spec.payload as unknown as z.ZodType<z.output<S>, z.input<S>>;
  return Object.freeze({ name: spec.name, payload, retries, backoff: { ...backoff }, timeoutMs });
}

/** Wait before the attempt that follows failed attempt number `failedAttempt` (1-based). */
export function backoffDelayMs(backoff: Backoff, failedAttempt: number): number {
  if (backoff.type === 'fixed') return backoff.delayMs;
  return Math.round(backoff.delayMs * 2 ** Math.max(0, failedAttempt - 1));
}

/** Pino-compatible: a pino `Logger` can be passed wherever this is asked for. */
export interface QueueLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: QueueLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface JobContext {
  jobId: string;
  /** 1 on the first run; a run interrupted by a crash counts. */
  attempt: number;
  maxAttempts: number;
  organizationId: string | null;
  /** Aborts on timeout, on a lost lease and when a forced shutdown gives up waiting. */
  signal: AbortSignal;
  /** Stores JSON progress on the job row (shown by the API). */
  progress(progress: unknown): Promise<void>;
  log: QueueLogger;
}

export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<unknown>;

/** A job definition bound to its handler; `process` takes a list of these. */
export interface JobBinding {
  readonly def: AnyJobDefinition;
  readonly run: JobHandler<unknown>;
}

/** Binds a handler to a definition, keeping the payload type. */
export function handle<P, In>(def: JobDefinition<P, In>, run: JobHandler<P>): JobBinding {
  return { def: def as AnyJobDefinition, run: run as JobHandler<unknown> };
}

/**
 * Thrown by a handler (or by the queue for an invalid stored payload) to fail a job now, without
 * the remaining retries.
 */
export class PermanentJobError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'PermanentJobError';
  }
}

export interface EnqueueOptions {
  /** A second enqueue with the same key returns the first job (`deduplicated: true`). */
  idempotencyKey?: string;
  delayMs?: number;
  /** An absolute time instead of `delayMs`. */
  runAt?: Date;
  organizationId?: string;
  /**
   * Write the job row in this transaction, so that a domain change and its job commit together or
   * not at all. The job cannot run before the transaction commits.
   */
  trx?: Executor;
}

export interface EnqueueResult {
  jobId: string;
  deduplicated: boolean;
}

export interface JobInfo {
  id: string;
  name: string;
  status: JobStatus;
  organizationId: string | null;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  idempotencyKey: string | null;
  lastError: string | null;
  result: unknown;
  progress: unknown;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface QueueStats {
  queued: number;
  running: number;
  failed: number;
  completed: number;
  /** With `withLag`: the run time of the oldest queued job already due (null: none waiting). */
  oldestDueRunAt?: string | null;
}

export interface ScheduleOptions {
  /** IANA time zone for the cron expression; default UTC. */
  timezone?: string;
}

/** The queue port. JSDoc on each member states the guarantee both adapters give. */
export interface Queue {
  readonly kind: 'in-process' | 'bullmq';
  /**
   * Validates the payload (`invalid_input` otherwise), writes the job row (in `opts.trx` when given)
   * and makes it runnable once that row is committed.
   */
  enqueue<P, In>(def: JobDefinition<P, In>, payload: In, opts?: EnqueueOptions): Promise<EnqueueResult>;
  /** Starts consuming jobs of the given definitions (and firing this queue's schedules). */
  process(handlers: readonly JobBinding[], opts?: { concurrency?: number }): Promise<void>;
  /**
   * Registers a cron schedule (5 or 6 fields, seconds first when 6). Every consuming process fires
   * it, and the idempotency key `cron:<name>:<tick ISO>` makes that one job per tick. One schedule
   * per job name.
   */
  schedule<P, In>(def: JobDefinition<P, In>, cron: string, payload: In, opts?: ScheduleOptions): void;
  /** With `organizationId`, a job of another organization is not found. */
  getJob(jobId: string, opts?: { organizationId?: string }): Promise<JobInfo | undefined>;
  /** With `organizationId`, only that organization's jobs; `withLag` adds the oldest due job's run time. */
  stats(opts?: { name?: string; organizationId?: string; withLag?: boolean }): Promise<QueueStats>;
  ping(): Promise<void>;
  /**
   * Graceful: stops taking jobs and firing schedules, waits up to `timeoutMs` (default 30 s) for
   * running jobs, then aborts the rest and hands them back to the queue to run again.
   */
  close(opts?: { timeoutMs?: number }): Promise<void>;
}

/** Parses a payload with the job's schema; `invalid_input` with zod's issues otherwise. */
export function parsePayload<P, In>(def: JobDefinition<P, In>, payload: unknown): P {
  const parsed = def.payload.safeParse(payload);
  if (!parsed.success) {
    throw new AppError('invalid_input', `Invalid payload for job ${def.name}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}
