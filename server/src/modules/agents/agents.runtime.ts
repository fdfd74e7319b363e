/**
 * The agent runtime: admits a run (agent enabled, definition present, engine available, input valid,
 * the agent's concurrency and daily limits, the plan's monthly runs), stores it, executes it on the
 * chosen engine inside its budgets, and records the outcome. Other modules call `execute` (inline, to
 * completion); the API also starts runs that finish in the background or on the queue.
 */
import { performance } from 'node:perf_hooks';
import type { AgentsConfig } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, conflict, invalidInput, notFound, zodInvalidInput } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Queue } from '../../queue/index.ts';
import type { Storage, Trx } from '../../storage/db.ts';
import type { AgentsTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import type { Limits } from '../billing/index.ts';
import { admitRun, RUNNING_GRACE_MS } from './agents.admission.ts';
import { createRunControl } from './agents.control.ts';
import { type AgentKind, type AgentLimits, agentKinds } from './agents.defaults.ts';
import type { AgentDefinition, AgentServices } from './agents.definition.ts';
import { createLlmEngine } from './agents.engine.llm.ts';
import { builtinEngine, type Engine } from './agents.engine.ts';
import {
  type EngineName,
  type Execution,
  findExecution,
  type RunError,
  type Step,
  type Trigger,
  toExecution,
} from './agents.executions.repo.ts';
import { createOpenAiModel } from './agents.llm.openai.ts';
import type { LanguageModel } from './agents.llm.port.ts';
import { costMicros } from './agents.pricing.ts';
import {
  BudgetExhausted,
  errorOf,
  openSession,
  RunCancelled,
  RunFailed,
  type Session,
} from './agents.session.ts';

export interface ExecuteOptions {
  /** An agent id, or its kind (`analytics`): each organization has one agent per kind. */
  agentId: string;
  input: unknown;
  engine?: EngineName;
  trigger: Trigger;
  signal?: AbortSignal;
  /** Where `input` sits in the caller's request, for the locations of a 400: `input` by default. */
  inputAt?: { part: string; path: Array<string | number> };
}

export interface ExecutionDetail extends Execution {
  steps: Step[];
}

export interface AgentRuntime {
  /** Runs inline to completion; the outcome (even failed or budget_exhausted) is the returned execution. */
  execute(ctx: Ctx, opts: ExecuteOptions): Promise<Execution>;
  /** Admits and starts a run: inline in this process (`wait`), or as an `agents.run` job. */
  start(
    ctx: Ctx,
    opts: ExecuteOptions & { mode: 'inline' | 'queued' },
  ): Promise<{ execution: Execution; done: Promise<Execution> | null }>;
  /** The `agents.run` job: runs a queued execution (a finished or live one is left alone). */
  runQueued(
    organizationId: string,
    executionId: string,
    jobId: string,
    signal?: AbortSignal,
  ): Promise<Execution | null>;
  get(ctx: Ctx, executionId: string): Promise<ExecutionDetail>;
  cancel(ctx: Ctx, executionId: string): Promise<Execution>;
  /** Resolves an agent id or kind to the organization's agent row (404 otherwise). */
  resolveAgent(ctx: Ctx, idOrKind: string): Promise<AgentsTable>;
  definitionOf(kind: AgentKind): AgentDefinition | undefined;
  engines(): EngineName[];
}

export interface AgentRuntimeDeps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  queue: Queue;
  limits: Pick<Limits, 'assertCanRunAgent' | 'recordAgentRun'>;
  config: AgentsConfig;
  logger: Logger;
  definitions: Partial<Record<AgentKind, AgentDefinition>>;
  /** Late-bound: the services tools use include this runtime. */
  services: () => AgentServices;
  /** Replaces the OpenAI adapter (tests use the real adapter against a fake server instead). */
  languageModel?: LanguageModel;
}

/** The context a run's tools act with: the agent is the actor, so audits and proposals name it. */
export const agentCtx = (organizationId: string, agentId: string, requestId: string | null = null): Ctx => ({
  organizationId,
  actor: { type: 'agent', id: agentId },
  userId: null,
  role: 'manager',
  requestId,
});

const isKind = (v: string): v is AgentKind => (agentKinds as readonly string[]).includes(v);

export function createAgentRuntime(d: AgentRuntimeDeps): AgentRuntime {
  const { storage, audit, clock } = d;
  const model =
    d.languageModel ??
    (d.config.openai
      ? createOpenAiModel({ apiKey: d.config.openai.apiKey, baseUrl: d.config.openai.baseUrl })
      : null);
  const llm: Engine | null = model ? createLlmEngine(model, d.config.openai?.model ?? 'unknown') : null;
  /** Sessions running in this process, for cancel requests that arrive here. */
  const live = new Map<string, Session>();
  const { finishWith, get, cancel } = createRunControl({ storage, audit, clock, live });

  async function findAgent(trx: Trx, organizationId: string, idOrKind: string) {
    return trx
      .selectFrom('agents')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where(isKind(idOrKind) ? 'kind' : 'id', '=', idOrKind)
      .executeTakeFirst();
  }

  const resolveAgent = (ctx: Ctx, idOrKind: string) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await findAgent(trx, ctx.organizationId, idOrKind);
      if (!row) throw notFound('Agent', idOrKind);
      return row;
    });

  function engineFor(name: EngineName | undefined): { name: EngineName; engine: Engine } {
    const chosen = name ?? d.config.defaultEngine;
    if (chosen === 'builtin') return { name: chosen, engine: builtinEngine };
    if (!llm)
      throw invalidInput(
        'The language-model engine is not configured: set OMNIFY_OPENAI_API_KEY (and OMNIFY_OPENAI_BASE_URL for a compatible server)',
        { engine: 'llm' },
      );
    return { name: chosen, engine: llm };
  }

  async function start(
    ctx: Ctx,
    opts: ExecuteOptions & { mode: 'inline' | 'queued' },
  ): Promise<{ execution: Execution; done: Promise<Execution> | null }> {
    const agent = await resolveAgent(ctx, opts.agentId);
    const kind = agent.kind as AgentKind;
    if (agent.enabled !== 1) throw conflict(`The ${kind} agent is disabled`, { agentId: agent.id });
    const definition = d.definitions[kind];
    if (!definition) throw conflict(`The ${kind} agent has no definition in this version`, { kind });
    const { name: engineName } = engineFor(opts.engine);
    const parsed = definition.input.safeParse(opts.input ?? {});
    const problems = parsed.success ? (definition.checkInput?.(parsed.data, clock.now()) ?? []) : [];
    if (!parsed.success || problems.length)
      throw zodInvalidInput(
        parsed.success ? { issues: problems.map((p) => ({ code: 'custom', ...p })) } : parsed.error,
        opts.inputAt?.part ?? 'input',
        opts.inputAt?.path ?? [],
        `the input of the ${kind} agent`,
      );
    await d.limits.assertCanRunAgent(ctx.organizationId);

    const row = await admitRun(d, ctx, {
      agent,
      kind,
      engine: engineName,
      input: parsed.data,
      rawInput: opts.input,
      trigger: opts.trigger,
      mode: opts.mode,
    });
    const execution = toExecution(row);
    if (opts.mode === 'queued') return { execution, done: null };
    const done = run(ctx.organizationId, execution, agent, definition, ctx.requestId ?? null, opts.signal);
    return { execution, done };
  }

  /** Executes a stored (running) execution to its end and records the outcome. Never throws for run outcomes. */
  async function run(
    organizationId: string,
    execution: Execution,
    agent: AgentsTable,
    definition: AgentDefinition,
    requestId: string | null,
    signal?: AbortSignal,
  ): Promise<Execution> {
    const limits = JSON.parse(agent.limits) as AgentLimits;
    const ctx = agentCtx(organizationId, agent.id, requestId);
    const t0 = performance.now();
    const session = await openSession({
      storage,
      clock,
      services: d.services(),
      organizationId,
      agentId: agent.id,
      executionId: execution.id,
      ctx,
      limits,
      definition,
      ...(signal ? { signal } : {}),
    });
    live.set(execution.id, session);
    let status: Execution['status'];
    let output: unknown = null;
    let error: RunError | null = null;
    try {
      const engine = engineFor(execution.engine).engine;
      const raw = await engine.run(execution.input, session);
      const checked = definition.output.safeParse(raw);
      if (checked.success) {
        status = 'succeeded';
        output = checked.data;
      } else {
        status = 'failed';
        error = {
          code: 'invalid_output',
          message: 'The output does not match the agent’s output schema',
          details: {
            issues: checked.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
          },
        };
      }
    } catch (e) {
      if (e instanceof BudgetExhausted) {
        status = 'budget_exhausted';
        error = { code: e.code, message: e.message };
      } else if (e instanceof RunCancelled) {
        status = 'cancelled';
        error = { code: 'cancelled', message: e.message };
      } else if (e instanceof RunFailed) {
        status = 'failed';
        error = e.error;
      } else {
        status = 'failed';
        const err = errorOf(e);
        error = { code: e instanceof AppError ? err.code : 'internal', message: err.message };
        d.logger.warn({ err: e, executionId: execution.id }, 'agent run failed');
      }
    } finally {
      session.close();
      live.delete(execution.id);
    }
    await session.drain();
    const { totals } = session;
    const cost = costMicros(totals.model, totals.inputTokens, totals.outputTokens);
    const now = clock.now().toISOString();
    return storage.withTenant(organizationId, async (trx) => {
      const updated = await trx
        .updateTable('agent_executions')
        .set({
          status,
          output: output === null ? null : JSON.stringify(output),
          error: error ? JSON.stringify(error) : null,
          steps: totals.steps,
          input_tokens: totals.inputTokens,
          output_tokens: totals.outputTokens,
          cost_micros: cost.costMicros,
          ...(totals.model ? { model: totals.model } : {}),
          finished_at: now,
          duration_ms: Math.round(performance.now() - t0),
          updated_at: now,
        })
        .where('organization_id', '=', organizationId)
        .where('id', '=', execution.id)
        .where('status', '=', 'running')
        .returningAll()
        .executeTakeFirst();
      const final = updated ?? (await findExecution(trx, organizationId, execution.id));
      if (!final) throw notFound('Execution', execution.id);
      if (updated)
        await audit.recordFor(trx, ctx, {
          action: 'agents.run_finished',
          target: { type: 'agent_execution', id: execution.id },
          metadata: {
            kind: agent.kind,
            engine: execution.engine,
            status,
            error: error?.code ?? null,
            steps: totals.steps,
            inputTokens: totals.inputTokens,
            outputTokens: totals.outputTokens,
            costMicros: cost.costMicros,
            ...(cost.known || execution.engine === 'builtin' ? {} : { costUnknownModel: totals.model }),
          },
        });
      return toExecution(final);
    });
  }

  async function runQueued(organizationId: string, executionId: string, jobId: string, signal?: AbortSignal) {
    const claimed = await storage.withTenant(organizationId, async (trx) => {
      const row = await findExecution(trx, organizationId, executionId);
      if (!row) return null;
      const now = clock.now();
      // A queued run, or this job's own run left behind by a crashed worker: run it (again).
      const rerun = row.status === 'running' && row.job_id === jobId && row.expires_at <= now.toISOString();
      if (row.status !== 'queued' && !rerun) return null;
      const agent = await trx
        .selectFrom('agents')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('id', '=', row.agent_id)
        .executeTakeFirst();
      if (!agent) return null;
      const limits = JSON.parse(agent.limits) as AgentLimits;
      const updated = await trx
        .updateTable('agent_executions')
        .set({
          status: 'running',
          started_at: now.toISOString(),
          expires_at: new Date(now.getTime() + limits.maxRunSeconds * 1000 + RUNNING_GRACE_MS).toISOString(),
          updated_at: now.toISOString(),
        })
        .where('organization_id', '=', organizationId)
        .where('id', '=', executionId)
        .where('status', '=', row.status)
        .returningAll()
        .executeTakeFirst();
      return updated ? { row: updated, agent } : null;
    });
    if (!claimed) return null;
    const definition = d.definitions[claimed.agent.kind as AgentKind];
    const execution = toExecution(claimed.row);
    if (!definition) {
      const ctx = agentCtx(organizationId, claimed.agent.id);
      return finishWith(ctx, execution, 'failed', {
        code: 'internal',
        message: 'The agent has no definition',
      });
    }
    return run(organizationId, execution, claimed.agent, definition, null, signal);
  }

  return {
    async execute(ctx, opts) {
      const { done } = await start(ctx, { ...opts, mode: 'inline' });
      return done as Promise<Execution>;
    },
    start,
    runQueued,
    get,
    cancel,
    resolveAgent,
    definitionOf: (kind) => d.definitions[kind],
    engines: () => (llm ? ['builtin', 'llm'] : ['builtin']),
  };
}
