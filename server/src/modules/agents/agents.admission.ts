/**
 * Admission of a run, in one transaction: the agent's concurrency and daily limits, the plan's
 * monthly runs, the execution row, its job (queued runs) and the `agents.run_started` audit entry.
 * Rows of this agent left queued or running past their expiry (their process died) are closed as
 * `failed` / `interrupted` first, so they neither hold a slot nor read as running forever.
 */
import type { AgentsConfig } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Queue } from '../../queue/index.ts';
import type { Storage, Trx } from '../../storage/db.ts';
import { missingOwned } from '../../storage/owned.ts';
import type { AgentsTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import { type Ctx, systemCtx } from '../auth/context.ts';
import type { Limits } from '../billing/index.ts';
import type { AgentKind, AgentLimits } from './agents.defaults.ts';
import { countInFlight, countSince, type EngineName, type Trigger } from './agents.executions.repo.ts';
import { agentRunJob } from './agents.jobs.ts';

/** How long past maxRunSeconds a running row still counts as alive, and how long a queued row waits. */
export const RUNNING_GRACE_MS = 60_000;
export const QUEUED_TTL_MS = 60 * 60_000;

export interface AdmissionDeps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  queue: Queue;
  limits: Pick<Limits, 'recordAgentRun'>;
  config: AgentsConfig;
}

export interface RunRequest {
  agent: AgentsTable;
  kind: AgentKind;
  engine: EngineName;
  /** The validated input (after the definition's defaults). */
  input: unknown;
  /** What the caller sent (its hash goes to the audit entry). */
  rawInput: unknown;
  trigger: Trigger;
  mode: 'inline' | 'queued';
}

/** The input fields that name entities of the organization (one id, or a list), by convention across the agents. */
const references = [
  { field: 'clientId', kind: 'client', what: 'Client' },
  { field: 'campaignId', kind: 'campaign', what: 'Campaign' },
  { field: 'adIds', kind: 'ad', what: 'Ad' },
] as const;

/**
 * A run about a client, campaign or ad that does not exist in this organization (a typo, another
 * organization's id) is a 404 before anything is stored or counted against the plan, not a run that
 * fails in its first tool. The message names every unknown id of the field.
 */
async function assertReferencesExist(trx: Trx, organizationId: string, input: unknown) {
  if (!input || typeof input !== 'object') return;
  for (const ref of references) {
    const value = (input as Record<string, unknown>)[ref.field];
    const ids = [...new Set((Array.isArray(value) ? value : [value]).filter((v) => typeof v === 'string'))];
    if (!ids.length) continue;
    const missing = await missingOwned(trx, organizationId, ref.kind, ids);
    if (missing.length)
      throw new AppError(
        'not_found',
        missing.length === 1
          ? `${ref.what} ${missing[0]} was not found`
          : `${ref.what}s ${missing.join(', ')} were not found`,
        { field: ref.field, ids: missing },
      );
  }
}

export async function admitRun(d: AdmissionDeps, ctx: Ctx, r: RunRequest) {
  const id = newId('agentExecution');
  return d.storage.withTenant(ctx.organizationId, async (trx) => {
    // One admission at a time per agent (PostgreSQL; SQLite has one writer), so counts hold.
    if (d.storage.dialect === 'postgres')
      await trx.selectFrom('agents').select('id').where('id', '=', r.agent.id).forNoKeyUpdate().execute();
    await assertReferencesExist(trx, ctx.organizationId, r.input);
    const limits = JSON.parse(r.agent.limits) as AgentLimits;
    const now = d.clock.now();
    const nowIso = now.toISOString();
    await closeInterrupted(d, trx, ctx.organizationId, r.agent.id, nowIso);
    const inFlight = await countInFlight(trx, ctx.organizationId, r.agent.id, nowIso);
    if (inFlight >= limits.maxConcurrentRuns)
      throw new AppError(
        'rate_limited',
        `The ${r.kind} agent already has ${inFlight} runs in progress (maxConcurrentRuns ${limits.maxConcurrentRuns})`,
        { limit: 'maxConcurrentRuns', allowed: limits.maxConcurrentRuns },
        { retryAfterSeconds: 5 },
      );
    const dayStart = `${nowIso.slice(0, 10)}T00:00:00.000Z`;
    const today = await countSince(trx, ctx.organizationId, r.agent.id, dayStart);
    if (today >= limits.maxRunsPerDay) {
      const tomorrow = Date.parse(dayStart) + 86_400_000;
      throw new AppError(
        'rate_limited',
        `The ${r.kind} agent used its ${limits.maxRunsPerDay} runs for today (maxRunsPerDay)`,
        { limit: 'maxRunsPerDay', allowed: limits.maxRunsPerDay },
        { retryAfterSeconds: Math.ceil((tomorrow - now.getTime()) / 1000) },
      );
    }
    await d.limits.recordAgentRun(trx, ctx.organizationId);
    const inline = r.mode === 'inline';
    const values = {
      id,
      organization_id: ctx.organizationId,
      agent_id: r.agent.id,
      kind: r.kind,
      engine: r.engine,
      status: inline ? 'running' : 'queued',
      trigger: r.trigger,
      input: JSON.stringify(r.input ?? null),
      output: null,
      error: null,
      steps: 0,
      input_tokens: 0,
      output_tokens: 0,
      cost_micros: 0,
      model: r.engine === 'llm' ? (d.config.openai?.model ?? null) : null,
      job_id: null as string | null,
      cancel_requested_at: null,
      expires_at: new Date(
        now.getTime() + (inline ? limits.maxRunSeconds * 1000 + RUNNING_GRACE_MS : QUEUED_TTL_MS),
      ).toISOString(),
      started_at: inline ? nowIso : null,
      finished_at: null,
      duration_ms: null,
      created_by_type: ctx.actor.type,
      created_by_id: ctx.actor.id,
      created_at: nowIso,
      updated_at: nowIso,
    };
    if (!inline) {
      const job = await d.queue.enqueue(
        agentRunJob,
        { executionId: id },
        { trx, organizationId: ctx.organizationId, idempotencyKey: `agents.run:${id}` },
      );
      values.job_id = job.jobId;
    }
    await trx.insertInto('agent_executions').values(values).execute();
    await d.audit.recordFor(trx, ctx, {
      action: 'agents.run_started',
      target: { type: 'agent_execution', id },
      input: r.rawInput,
      metadata: { agentId: r.agent.id, kind: r.kind, engine: r.engine, trigger: r.trigger, mode: r.mode },
    });
    return values;
  });
}

/** Closes this agent's rows still queued or running past their expiry, each with its audit entry. */
async function closeInterrupted(
  d: AdmissionDeps,
  trx: Trx,
  organizationId: string,
  agentId: string,
  nowIso: string,
) {
  const stale = await trx
    .selectFrom('agent_executions')
    .select(['id', 'kind', 'engine', 'status'])
    .where('organization_id', '=', organizationId)
    .where('agent_id', '=', agentId)
    .where('status', 'in', ['queued', 'running'])
    .where('expires_at', '<=', nowIso)
    .execute();
  for (const row of stale) {
    const error = {
      code: 'interrupted',
      message: `The run was ${row.status} past its expiry: its process stopped`,
    };
    await trx
      .updateTable('agent_executions')
      .set({ status: 'failed', error: JSON.stringify(error), finished_at: nowIso, updated_at: nowIso })
      .where('organization_id', '=', organizationId)
      .where('id', '=', row.id)
      .execute();
    await d.audit.recordFor(trx, systemCtx(organizationId), {
      action: 'agents.run_finished',
      target: { type: 'agent_execution', id: row.id },
      metadata: { kind: row.kind, engine: row.engine, status: 'failed', error: 'interrupted' },
    });
  }
}
