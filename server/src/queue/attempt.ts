/**
 * Runs one attempt of one job, the same way on both adapters: parse the stored payload again, call
 * the handler with a signal, enforce the timeout, and say what should happen to the row.
 */
import {
  type JobBinding,
  type JobContext,
  PermanentJobError,
  parsePayload,
  type QueueLogger,
} from './queue.port.ts';

export type AttemptOutcome =
  | { kind: 'completed'; result: unknown }
  /** `retryable: false`: fail now, whatever retries are left. */
  | { kind: 'failed'; error: string; retryable: boolean }
  /** Stopped from outside (shutdown, lost lease): not the job's fault, hand it back. */
  | { kind: 'interrupted'; reason: string };

export class JobTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Job timed out after ${timeoutMs} ms`);
    this.name = 'JobTimeoutError';
  }
}

export interface AttemptInput {
  binding: JobBinding;
  jobId: string;
  payloadJson: string;
  attempt: number;
  maxAttempts: number;
  organizationId: string | null;
  /** Aborted by the adapter to interrupt the attempt (shutdown, lost lease). */
  interrupt: AbortSignal;
  progress(progress: unknown): Promise<void>;
  logger: QueueLogger;
}

export async function runAttempt(input: AttemptInput): Promise<AttemptOutcome> {
  const { binding, jobId } = input;
  let payload: unknown;
  try {
    payload = parsePayload(binding.def, JSON.parse(input.payloadJson));
  } catch (e) {
    return { kind: 'failed', error: `Stored payload is invalid: ${describe(e)}`, retryable: false };
  }
  if (input.interrupt.aborted) return { kind: 'interrupted', reason: reasonOf(input.interrupt) };

  const controller = new AbortController();
  const timeoutMs = binding.def.timeoutMs;
  let settle: ((o: AttemptOutcome) => void) | undefined;
  const stopped = new Promise<AttemptOutcome>((resolve) => {
    settle = resolve;
  });
  const timer = setTimeout(() => {
    const err = new JobTimeoutError(timeoutMs);
    controller.abort(err);
    settle?.({ kind: 'failed', error: err.message, retryable: true });
  }, timeoutMs);
  const onInterrupt = () => {
    controller.abort(input.interrupt.reason);
    settle?.({ kind: 'interrupted', reason: reasonOf(input.interrupt) });
  };
  input.interrupt.addEventListener('abort', onInterrupt, { once: true });

  const log = withFields(input.logger, { jobId, job: binding.def.name, attempt: input.attempt });
  const ctx: JobContext = {
    jobId,
    attempt: input.attempt,
    maxAttempts: input.maxAttempts,
    organizationId: input.organizationId,
    signal: controller.signal,
    progress: input.progress,
    log,
  };
  // The handler's promise cannot be cancelled: on timeout or interruption we stop waiting for it
  // and its signal tells it to stop. Handlers are idempotent, so a late finish is harmless.
  const ran = Promise.resolve()
    .then(() => binding.run(payload, ctx))
    .then(
      (result): AttemptOutcome => ({ kind: 'completed', result }),
      (e: unknown): AttemptOutcome => ({
        kind: 'failed',
        error: describe(e),
        retryable: !(e instanceof PermanentJobError),
      }),
    );
  try {
    return await Promise.race([ran, stopped]);
  } finally {
    clearTimeout(timer);
    input.interrupt.removeEventListener('abort', onInterrupt);
  }
}

export function describe(e: unknown): string {
  if (e instanceof Error) return e.message ? `${e.name}: ${e.message}` : e.name;
  return String(e);
}

function reasonOf(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error ? r.message : String(r ?? 'interrupted');
}

/** A logger that adds `fields` to every entry. */
export function withFields(logger: QueueLogger, fields: object): QueueLogger {
  return {
    debug: (obj, msg) => logger.debug({ ...fields, ...obj }, msg),
    info: (obj, msg) => logger.info({ ...fields, ...obj }, msg),
    warn: (obj, msg) => logger.warn({ ...fields, ...obj }, msg),
    error: (obj, msg) => logger.error({ ...fields, ...obj }, msg),
  };
}
