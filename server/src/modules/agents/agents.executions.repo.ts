/** SQL of agent executions and steps. Every function takes the organization id and filters on it. */
import { sql } from 'kysely';
import type { Executor } from '../../storage/db.ts';
import type { AgentExecutionsTable, AgentStepsTable } from '../../storage/schema.ts';
import type { AgentKind } from './agents.defaults.ts';
import { priceOf } from './agents.pricing.ts';

export const executionStatuses = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'budget_exhausted',
] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];
export const finalStatuses: readonly ExecutionStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
  'budget_exhausted',
];
export const engines = ['builtin', 'llm'] as const;
export type EngineName = (typeof engines)[number];
export const triggers = ['manual', 'workflow', 'schedule', 'api'] as const;
export type Trigger = (typeof triggers)[number];

export interface RunError {
  /** invalid_output, max_steps, max_tokens, max_run_seconds, cancelled, tool_failed, model_failed, interrupted, internal */
  code: string;
  message: string;
  details?: unknown;
}

export interface Execution {
  id: string;
  agentId: string;
  kind: AgentKind;
  engine: EngineName;
  status: ExecutionStatus;
  trigger: Trigger;
  input: unknown;
  output: unknown;
  error: RunError | null;
  stepCount: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  /** False when the model has no entry in the price table (cost shown as 0). */
  costKnown: boolean;
  model: string | null;
  jobId: string | null;
  cancelRequested: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  createdBy: { type: string; id: string | null };
  createdAt: string;
}

export interface Step {
  seq: number;
  type: 'model_turn' | 'tool_call';
  toolName: string | null;
  callId: string | null;
  input: unknown;
  output: unknown;
  error: unknown;
  inputTokens: number;
  outputTokens: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

const json = (v: string | null): unknown => (v === null ? null : JSON.parse(v));

export const toExecution = (r: AgentExecutionsTable): Execution => ({
  id: r.id,
  agentId: r.agent_id,
  kind: r.kind as AgentKind,
  engine: r.engine as EngineName,
  status: r.status as ExecutionStatus,
  trigger: r.trigger as Trigger,
  input: json(r.input),
  output: json(r.output),
  error: json(r.error) as RunError | null,
  stepCount: Number(r.steps),
  inputTokens: Number(r.input_tokens),
  outputTokens: Number(r.output_tokens),
  costMicros: Number(r.cost_micros),
  costKnown: r.engine === 'builtin' || priceOf(r.model) !== undefined,
  model: r.model,
  jobId: r.job_id,
  cancelRequested: r.cancel_requested_at !== null,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
  createdBy: { type: r.created_by_type, id: r.created_by_id },
  createdAt: r.created_at,
});

export const toStep = (r: AgentStepsTable): Step => ({
  seq: Number(r.seq),
  type: r.type as Step['type'],
  toolName: r.tool_name,
  callId: r.call_id,
  input: json(r.input),
  output: json(r.output),
  error: json(r.error),
  inputTokens: Number(r.input_tokens),
  outputTokens: Number(r.output_tokens),
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  durationMs: Number(r.duration_ms),
});

export async function findExecution(trx: Executor, organizationId: string, id: string) {
  return trx
    .selectFrom('agent_executions')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Runs of the agent that hold a slot: queued or running and not past their expiry (a dead process). */
export async function countInFlight(trx: Executor, organizationId: string, agentId: string, nowIso: string) {
  const r = await trx
    .selectFrom('agent_executions')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('agent_id', '=', agentId)
    .where('status', 'in', ['queued', 'running'])
    .where('expires_at', '>', nowIso)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function countSince(trx: Executor, organizationId: string, agentId: string, sinceIso: string) {
  const r = await trx
    .selectFrom('agent_executions')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('agent_id', '=', agentId)
    .where('created_at', '>=', sinceIso)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function listSteps(trx: Executor, organizationId: string, executionId: string) {
  return (
    await trx
      .selectFrom('agent_steps')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('execution_id', '=', executionId)
      .orderBy('seq')
      .execute()
  ).map(toStep);
}

export async function nextSeq(trx: Executor, organizationId: string, executionId: string) {
  const r = await trx
    .selectFrom('agent_steps')
    .select((eb) => eb.fn.max<number | null>('seq').as('m'))
    .where('organization_id', '=', organizationId)
    .where('execution_id', '=', executionId)
    .executeTakeFirst();
  return Number(r?.m ?? 0) + 1;
}

export interface DayMetrics {
  day: string;
  runs: number;
  succeeded: number;
  failed: number;
  budgetExhausted: number;
  cancelled: number;
  totalDurationMs: number;
  finished: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

/** Per-day totals of an agent's runs created since `sinceIso` (ISO text: the day is its first 10 characters). */
export async function metricsByDay(
  trx: Executor,
  organizationId: string,
  agentId: string,
  sinceIso: string,
): Promise<DayMetrics[]> {
  const day = sql<string>`substr(created_at, 1, 10)`;
  const count = (status: string) => sql<string | number>`sum(case when status = ${status} then 1 else 0 end)`;
  const rows = await trx
    .selectFrom('agent_executions')
    .select([
      day.as('day'),
      (eb) => eb.fn.countAll<string | number>().as('runs'),
      count('succeeded').as('succeeded'),
      count('failed').as('failed'),
      count('budget_exhausted').as('budget_exhausted'),
      count('cancelled').as('cancelled'),
      sql<string | number | null>`sum(duration_ms)`.as('duration'),
      sql<string | number>`sum(case when duration_ms is null then 0 else 1 end)`.as('finished'),
      sql<string | number | null>`sum(input_tokens)`.as('input_tokens'),
      sql<string | number | null>`sum(output_tokens)`.as('output_tokens'),
      sql<string | number | null>`sum(cost_micros)`.as('cost'),
    ])
    .where('organization_id', '=', organizationId)
    .where('agent_id', '=', agentId)
    .where('created_at', '>=', sinceIso)
    .groupBy(day)
    .orderBy(day)
    .execute();
  return rows.map((r) => ({
    day: r.day,
    runs: Number(r.runs),
    succeeded: Number(r.succeeded),
    failed: Number(r.failed),
    budgetExhausted: Number(r.budget_exhausted),
    cancelled: Number(r.cancelled),
    totalDurationMs: Number(r.duration ?? 0),
    finished: Number(r.finished),
    inputTokens: Number(r.input_tokens ?? 0),
    outputTokens: Number(r.output_tokens ?? 0),
    costMicros: Number(r.cost ?? 0),
  }));
}
