/**
 * One run in progress: its budgets (steps, tokens, time), its abort signal (timeout, cancel, the
 * caller's signal) and the step recorder both engines use. Every step is written when it finishes,
 * in its own small transaction, so whatever ends the run, the steps so far are kept.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import type { Storage } from '../../storage/db.ts';
import type { Ctx } from '../auth/context.ts';
import type { AgentLimits } from './agents.defaults.ts';
import type { AgentDefinition, AgentServices, ToolContext } from './agents.definition.ts';
import { nextSeq, type RunError } from './agents.executions.repo.ts';

/** Ends a run with status `budget_exhausted`: `max_steps`, `max_tokens` or `max_run_seconds`. */
export class BudgetExhausted extends Error {
  constructor(
    readonly code: 'max_steps' | 'max_tokens' | 'max_run_seconds',
    message: string,
  ) {
    super(message);
    this.name = 'BudgetExhausted';
  }
}

/** Ends a run with status `cancelled`. */
export class RunCancelled extends Error {
  constructor(message = 'The run was cancelled') {
    super(message);
    this.name = 'RunCancelled';
  }
}

/** Ends a run with status `failed` and this error. */
export class RunFailed extends Error {
  constructor(readonly error: RunError) {
    super(error.message);
    this.name = 'RunFailed';
  }
}

/** Rejects when the signal aborts, even if the work ignores the signal (a tool that never checks it). */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Plain JSON of a tool's output (what the model would see), or the error's code and message. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v ?? null)) as unknown;
export const errorOf = (e: unknown) =>
  e instanceof AppError
    ? { code: e.code, message: e.message, ...(e.details !== undefined ? { details: plain(e.details) } : {}) }
    : { code: 'error', message: (e as Error)?.message ?? String(e) };

export type ToolResult =
  | { ok: true; output: unknown }
  | { ok: false; error: ReturnType<typeof errorOf>; cause: unknown };

export interface SessionDeps {
  storage: Storage;
  clock: Clock;
  services: AgentServices;
  organizationId: string;
  agentId: string;
  executionId: string;
  ctx: Ctx;
  limits: AgentLimits;
  definition: AgentDefinition;
  /** The caller's signal (a job's shutdown, a workflow's cancel). */
  signal?: AbortSignal;
}

export async function openSession(d: SessionDeps) {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new BudgetExhausted(
          'max_run_seconds',
          `The run took longer than maxRunSeconds (${d.limits.maxRunSeconds} s)`,
        ),
      ),
    d.limits.maxRunSeconds * 1000,
  );
  const onCallerAbort = () => controller.abort(new RunCancelled('The run was stopped by its caller'));
  if (d.signal?.aborted) onCallerAbort();
  else d.signal?.addEventListener('abort', onCallerAbort, { once: true });

  const now = d.clock.now();
  const toolContext: ToolContext = {
    ctx: d.ctx,
    agentId: d.agentId,
    executionId: d.executionId,
    services: d.services,
    signal: controller.signal,
    now,
  };
  let seq = await d.storage.withTenant(d.organizationId, (trx) =>
    nextSeq(trx, d.organizationId, d.executionId),
  );
  const totals = { steps: 0, inputTokens: 0, outputTokens: 0, model: null as string | null };

  function checkAlive() {
    if (controller.signal.aborted) throw controller.signal.reason;
  }

  /** Reserves a step, or ends the run when maxSteps are used. */
  function beginStep() {
    checkAlive();
    if (totals.steps >= d.limits.maxSteps)
      throw new BudgetExhausted('max_steps', `The run used its maxSteps (${d.limits.maxSteps})`);
    totals.steps++;
    return { startedAt: d.clock.now().toISOString(), t0: performance.now(), seq: seq++ };
  }

  /** Step writes under way: a run ended by an abort must not record its end before its last step. */
  const inflight = new Set<Promise<void>>();
  function writeStep(
    s: { startedAt: string; t0: number; seq: number },
    row: Parameters<typeof writeStepNow>[1],
  ): Promise<void> {
    const p = writeStepNow(s, row);
    inflight.add(p);
    const done = () => {
      inflight.delete(p);
    };
    p.then(done, done);
    return p;
  }

  async function writeStepNow(
    s: { startedAt: string; t0: number; seq: number },
    row: {
      type: 'model_turn' | 'tool_call';
      toolName?: string | null;
      callId?: string | null;
      input: unknown;
      output?: unknown;
      error?: unknown;
      inputTokens?: number;
      outputTokens?: number;
    },
  ) {
    const cancelRequested = await d.storage.withTenant(d.organizationId, async (trx) => {
      await trx
        .insertInto('agent_steps')
        .values({
          organization_id: d.organizationId,
          execution_id: d.executionId,
          seq: s.seq,
          type: row.type,
          tool_name: row.toolName ?? null,
          call_id: row.callId ?? null,
          input: JSON.stringify(row.input ?? null),
          output: row.output === undefined ? null : JSON.stringify(row.output),
          error: row.error === undefined ? null : JSON.stringify(row.error),
          input_tokens: row.inputTokens ?? 0,
          output_tokens: row.outputTokens ?? 0,
          started_at: s.startedAt,
          finished_at: d.clock.now().toISOString(),
          duration_ms: Math.round(performance.now() - s.t0),
        })
        .execute();
      // Counters move with each step, so a poll of a running execution shows its progress.
      const r = await trx
        .updateTable('agent_executions')
        .set({
          steps: totals.steps,
          input_tokens: totals.inputTokens,
          output_tokens: totals.outputTokens,
          model: totals.model,
          updated_at: d.clock.now().toISOString(),
        })
        .where('organization_id', '=', d.organizationId)
        .where('id', '=', d.executionId)
        .returning('cancel_requested_at')
        .executeTakeFirst();
      return Boolean(r?.cancel_requested_at);
    });
    // A cancel may come from another process: it is seen here, between steps.
    if (cancelRequested && !controller.signal.aborted) controller.abort(new RunCancelled());
  }

  /** Runs one tool call as a recorded step; a failing tool is a recorded error, not a thrown one. */
  async function callTool(
    name: string,
    rawInput: unknown,
    callId: string | null = null,
  ): Promise<ToolResult> {
    const s = beginStep();
    const tool = d.definition.tools.find((t) => t.name === name);
    let result: ToolResult;
    if (!tool) {
      const error = { code: 'unknown_tool', message: `There is no tool named ${name}` };
      result = { ok: false, error, cause: new Error(error.message) };
    } else {
      const parsed = tool.input.safeParse(rawInput);
      if (!parsed.success) {
        const error = {
          code: 'invalid_input',
          message: `Invalid arguments for ${name}`,
          details: {
            issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
          },
        };
        result = { ok: false, error, cause: new AppError('invalid_input', error.message, error.details) };
      } else {
        try {
          result = {
            ok: true,
            output: plain(await raceAbort(tool.run(parsed.data, toolContext), controller.signal)),
          };
        } catch (e) {
          // A run ended by its budget, a cancel or the clock is not the tool's failure.
          if (controller.signal.aborted && e === controller.signal.reason) {
            await writeStep(s, {
              type: 'tool_call',
              toolName: name,
              callId,
              input: rawInput,
              error: errorOf(e),
            });
            throw e;
          }
          result = { ok: false, error: errorOf(e), cause: e };
        }
      }
    }
    await writeStep(s, {
      type: 'tool_call',
      toolName: name,
      callId,
      input: rawInput,
      ...(result.ok ? { output: result.output } : { error: result.error }),
    });
    checkAlive();
    return result;
  }

  return {
    signal: controller.signal,
    ctx: d.ctx,
    now,
    limits: d.limits,
    definition: d.definition,
    totals,
    beginStep,
    writeStep,
    callTool,
    checkAlive,
    /** Adds a model turn's tokens; the run ends when they pass maxTokensPerRun. */
    addTokens(model: string, inputTokens: number, outputTokens: number) {
      totals.model = model;
      totals.inputTokens += inputTokens;
      totals.outputTokens += outputTokens;
    },
    tokensLeft: () => d.limits.maxTokensPerRun - totals.inputTokens - totals.outputTokens,
    cancel: () => controller.abort(new RunCancelled()),
    close() {
      clearTimeout(timer);
      d.signal?.removeEventListener('abort', onCallerAbort);
    },
    /**
     * Waits for step writes still under way. The built-in engine rejects as soon as the run is
     * aborted, while the aborted tool call is still recording its step: the runtime drains before it
     * writes the run's final state, so a finished execution never lists fewer steps than it counts.
     */
    async drain() {
      // The aborted call's catch starts its write in a microtask after the abort: let it begin.
      await new Promise((r) => setImmediate(r));
      await Promise.allSettled([...inflight]);
    },
  };
}

export type Session = Awaited<ReturnType<typeof openSession>>;
