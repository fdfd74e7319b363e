/**
 * What each step type does. A step never changes an ad platform or a CRM itself: budget changes,
 * pauses and GoHighLevel actions are proposals (guardrails, approvals, idempotency, audit), keyed
 * `wf:<execution id>:<step id>` so that a step run again after a crash or a retry finds the first
 * proposal instead of applying anything twice.
 */
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import { moneyText, numberText } from '../../platform/format.ts';
import { newId } from '../../platform/ids.ts';
import type { Mailer } from '../../platform/mailer.ts';
import type { Storage } from '../../storage/db.ts';
import { entityNames } from '../analytics/analytics.repo.ts';
import type { Ctx } from '../auth/context.ts';
import { type Oracle, runNightly } from '../oracle/index.ts';
import type { EntityRef } from '../oracle/oracle.series.ts';
import type { Proposal, Proposals, ProposeInput } from '../proposals/index.ts';
import { AlreadyInStateError } from '../proposals/proposals.draft.ts';
import { effectivePolicy } from '../proposals/proposals.policies.ts';
import type { Sync } from '../sync/sync.service.ts';
import type { StepType, stepParams } from './workflows.step-types.ts';

type Params<T extends StepType> = import('zod').output<(typeof stepParams)[T]>;

export type StepOutcome =
  | { kind: 'done'; output: unknown }
  /** The step's proposal waits for approval under the guardrails: ran, but nothing changed yet. */
  | { kind: 'proposed'; output: unknown }
  | { kind: 'wait_approval'; output: unknown }
  | { kind: 'poll'; state: unknown; delayMs: number };

/** A failure that retrying cannot fix (bad parameters, a refused proposal, a rejected approval). */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly permanent = true,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

/** The agent runtime's entry point (services.agentRuntime), as workflows call it. */
export interface AgentRunner {
  execute(
    ctx: Ctx,
    request: { agentId: string; input: unknown; trigger: 'workflow'; signal?: AbortSignal },
  ): Promise<{
    id: string;
    status: string;
    output: unknown;
    error: { code: string; message: string } | null;
  }>;
}

export interface StepEnv {
  ctx: Ctx;
  workflowId: string;
  executionId: string;
  stepId: string;
  signal: AbortSignal;
  /** What this step stored at its last poll (null on its first run). */
  state: unknown;
}

export interface StepDeps {
  storage: Storage;
  clock: Clock;
  mailer: Mailer;
  proposals: Pick<Proposals, 'propose'>;
  sync: Pick<Sync, 'startOrJoin' | 'get'>;
  oracle: Oracle;
  /** Read when a step runs: the agent runtime is built by another module. */
  agentRunner: () => AgentRunner | undefined;
}

export const stepKey = (executionId: string, stepId: string) => `wf:${executionId}:${stepId}`;

function compare(op: Params<'condition'>['op'], left: unknown, right: unknown): boolean {
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN);
  switch (op) {
    case 'eq':
      return JSON.stringify(left) === JSON.stringify(right);
    case 'ne':
      return JSON.stringify(left) !== JSON.stringify(right);
    case 'gt':
      return num(left) > num(right);
    case 'gte':
      return num(left) >= num(right);
    case 'lt':
      return num(left) < num(right);
    case 'lte':
      return num(left) <= num(right);
    case 'in':
      return Array.isArray(right) && right.some((r) => JSON.stringify(r) === JSON.stringify(left));
    case 'contains':
      return Array.isArray(left)
        ? left.some((l) => JSON.stringify(l) === JSON.stringify(right))
        : typeof left === 'string' && left.includes(String(right));
    case 'exists':
      return left !== null && left !== undefined;
    case 'truthy':
      return Boolean(left) && !(Array.isArray(left) && left.length === 0);
  }
}

const statusText: Record<string, string> = {
  applied: 'applied',
  approved: 'approved, being applied',
  pending_approval: 'waiting for approval under the guardrails',
};

/**
 * What happened to the entity, in words a subject line can end with ("Campaign "X" launched"): by
 * the proposal's status, not by its summary's text. An enable that is only proposed is not a launch.
 */
const outcomeWords: Record<string, Record<string, string>> = {
  enable: {
    applied: 'launched',
    approved: 'approved, being launched',
    pending_approval: 'waiting for approval',
    unchanged: 'already active',
  },
  pause: {
    applied: 'paused',
    approved: 'approved, being paused',
    pending_approval: 'waiting for approval',
    unchanged: 'already paused',
  },
};
export function outcomeOf(kind: string, status: string): string {
  return outcomeWords[kind]?.[status] ?? statusText[status] ?? status.replace(/_/g, ' ');
}

function summaryOf(p: { expectedImpact?: { summary?: string } | null; kind: string }) {
  return p.expectedImpact?.summary ?? p.kind.replace(/_/g, ' ');
}

/**
 * What a `proposal` or `ghl_action` step outputs of its proposal; also what it is updated to when
 * the proposal is decided later (`workflows.settle.ts`).
 */
export function proposalOutput(proposal: Proposal, replayed: boolean) {
  return {
    proposalId: proposal.id,
    status: proposal.status,
    // What happened, for a subject line: "launched", "waiting for approval", "applied" …
    outcome: outcomeOf(proposal.kind, proposal.status),
    // True only once the platform took the change (an enable waiting for approval launched nothing).
    applied: proposal.status === 'applied',
    replayed,
    // Approved but not recorded as applied: a process died while the write-back was in flight.
    // Its outcome is the actions module's to settle (the key is held, so it is never sent again).
    applyPending: proposal.status === 'approved',
    appliedActionId: proposal.appliedActionId,
    before: proposal.before,
    after: proposal.after,
    // For people (a notify step's body): what the change is, money in its currency, and where it is.
    summary: `${summaryOf(proposal)} (${statusText[proposal.status] ?? proposal.status.replace(/_/g, ' ')})`,
  };
}

/** A proposal waiting for approval is not done: the step is `proposed` (the steps after it go on). */
const proposed = (output: ReturnType<typeof proposalOutput>): StepOutcome =>
  output.status === 'pending_approval' ? { kind: 'proposed', output } : { kind: 'done', output };

export function createStepExecutors(deps: StepDeps) {
  const { storage, clock, mailer, proposals, sync, oracle } = deps;

  /** The name of an ORACLE entity in the organization (the platform's name for a platform). */
  async function entityName(org: string, entity: EntityRef): Promise<string | null> {
    if (entity.type === 'platform') return entity.id;
    return storage.withTenant(org, async (trx) => {
      if (entity.type === 'organization') {
        const row = await trx
          .selectFrom('organizations')
          .select('name')
          .where('id', '=', org)
          .executeTakeFirst();
        return row?.name ?? null;
      }
      // The analytics module's lookup, scoped to the organization like every other.
      const names = await entityNames(trx, org, { [entity.type]: new Set([entity.id]) });
      return names.get(entity.id) ?? null;
    });
  }

  /** A proposal through the guardrails; its outcome is the step's output. */
  async function propose(env: StepEnv, input: Record<string, unknown>) {
    const { proposal, replayed } = await proposals.propose(
      env.ctx,
      {
        ...(input as unknown as ProposeInput),
        reason: (input.reason as string | undefined) ?? `Workflow ${env.workflowId}, step ${env.stepId}`,
        idempotencyKey: stepKey(env.executionId, env.stepId),
      },
      // The proposal names the workflow and the run that made it (Approvals: "by workflow …").
      { type: 'workflow', workflowId: env.workflowId, executionId: env.executionId },
    );
    if (proposal.status === 'blocked' || proposal.status === 'failed' || proposal.status === 'unknown')
      throw new StepFailure(
        `Proposal ${proposal.id} ${proposal.status}: ${
          proposal.status === 'blocked'
            ? proposal.checks
                .filter((c) => c.outcome === 'blocked')
                .map((c) => c.message)
                .join('; ')
            : proposal.status === 'unknown'
              ? 'whether the platform took the change is not known; check it there'
              : (proposal.error ?? 'the platform refused it')
        }`,
      );
    return proposalOutput(proposal, replayed);
  }

  /**
   * An enable of an entity already active, or a pause of one already paused, has nothing to do: the
   * step is done (`unchanged`, `alreadyActive`/`alreadyPaused`) and the steps after it go on. Only
   * that conflict (the proposals module's `AlreadyInStateError`); any other fails.
   */
  function alreadyInState(params: { kind: string }, e: unknown) {
    if (params.kind !== 'enable' && params.kind !== 'pause') return null;
    if (!(e instanceof AlreadyInStateError)) return null;
    const what = `${e.level.replace('_', ' ')} "${e.entityName || e.entityId}"`;
    return {
      proposalId: null,
      status: 'unchanged',
      outcome: outcomeOf(params.kind, 'unchanged'),
      applied: false,
      replayed: false,
      applyPending: false,
      appliedActionId: null,
      ...(params.kind === 'enable' ? { alreadyActive: true } : { alreadyPaused: true }),
      entityId: e.entityId,
      summary: `${what.charAt(0).toUpperCase()}${what.slice(1)} was already ${e.entityStatus}: nothing to change`,
    };
  }

  const run: {
    [T in StepType]: (
      params: Params<T>,
      env: StepEnv,
      input: Record<string, unknown>,
    ) => Promise<StepOutcome>;
  } = {
    async agent_run(params, env, input) {
      const runner = deps.agentRunner();
      if (!runner) throw new StepFailure('The agent runtime is not available in this process');
      const run = await runner.execute(env.ctx, {
        agentId: params.agentId,
        input,
        trigger: 'workflow',
        signal: env.signal,
      });
      // The agent's run is recorded on its own; a run that did not succeed fails the step (the
      // agent's limits, not a retry, decide how much it may spend).
      if (run.status !== 'succeeded')
        throw new StepFailure(`Agent run ${run.id} ${run.status}: ${run.error?.message ?? ''}`.trim());
      return { kind: 'done', output: { agentExecutionId: run.id, output: run.output } };
    },

    async connector_sync(params, env) {
      const state = (env.state ?? null) as { syncRunId: string; polls: number; joined?: boolean } | null;
      if (!state) {
        // One run per connection at a time: a run already going (a write-back's refresh, the hourly
        // sync, a webhook) brings the same fresh data, so the step waits for it instead of failing.
        const { run, joined } = await sync.startOrJoin(env.ctx, params.connectionId, {
          kind: params.kind,
          ...(params.days ? { days: params.days } : {}),
        });
        return {
          kind: 'poll',
          state: { syncRunId: run.id, polls: 0, ...(joined ? { joined } : {}) },
          delayMs: params.pollIntervalMs,
        };
      }
      const current = await sync.get(env.ctx, state.syncRunId);
      if (current.status === 'failed')
        throw new StepFailure(
          `Sync ${current.id} failed: ${current.errors.at(-1)?.message ?? 'see the sync run'}`,
        );
      if (current.status !== 'succeeded')
        return {
          kind: 'poll',
          state: { ...state, polls: state.polls + 1 },
          delayMs: params.pollIntervalMs,
        };
      // The client the connection belongs to (null: none), so that later steps can keep to it.
      const org = env.ctx.organizationId;
      const connection = await storage.withTenant(org, (trx) =>
        trx
          .selectFrom('connections')
          .select('client_id')
          .where('organization_id', '=', org)
          .where('id', '=', params.connectionId)
          .executeTakeFirst(),
      );
      return {
        kind: 'done',
        output: {
          syncRunId: current.id,
          clientId: connection?.client_id ?? null,
          // True when the step waited for a run that was already going rather than starting one.
          joined: state.joined === true,
          status: current.status,
          rowsUpserted: current.rowsUpserted,
          callsMade: current.callsMade,
          finishedAt: current.finishedAt,
        },
      };
    },

    async oracle_job(params, env) {
      const org = env.ctx.organizationId;
      if (params.job === 'nightly') {
        const r = await runNightly({ storage, oracle }, org);
        return {
          kind: 'done',
          output: { stored: r.stored, unchanged: r.unchanged, anomalies: r.anomalies, fatigue: r.fatigue },
        };
      }
      if (params.job === 'fatigue') {
        const r = await oracle.listFatigue(env.ctx, {
          ...(params.campaignId ? { campaignId: params.campaignId } : {}),
          ...(params.clientId ? { clientId: params.clientId } : {}),
        });
        const byClass: Record<string, number> = {};
        for (const i of r.items) {
          const c = (i as { class?: string }).class ?? 'unknown';
          byClass[c] = (byClass[c] ?? 0) + 1;
        }
        return { kind: 'done', output: { asOf: r.asOf, stored: r.stored, ads: r.items.length, byClass } };
      }
      const entity: EntityRef = {
        type: params.entityType ?? 'organization',
        id: params.entityType && params.entityType !== 'organization' ? (params.entityId ?? '') : '',
      };
      if (entity.type !== 'organization' && !entity.id)
        throw new StepFailure(`oracle_job ${params.job} needs an entityId for entityType ${entity.type}`);
      if (params.job === 'anomalies') {
        const r = await oracle.scanAnomalies(env.ctx, { entity });
        return {
          kind: 'done',
          output: { stored: r.stored, flagged: r.items.length, latest: r.items[0]?.date ?? null },
        };
      }
      const f = await oracle.createForecast(env.ctx, {
        entity,
        metric: params.metric ?? 'spend',
        horizon: params.horizon ?? 14,
      });
      const sum = f.points.reduce((s, p) => s + p.mean, 0);
      return {
        kind: 'done',
        output: {
          forecastId: f.id,
          // What the forecast is of, as people know it (a message or a mail names it, not its id).
          entityName: await entityName(org, entity),
          metric: f.metric,
          unit: f.unit,
          // The expected total over the horizon, rounded (in micros for money), and as people read it.
          total: Math.round(sum * 100) / 100,
          // Money as every other text of Omnify writes it (`moneyText`: "£369.90", as proposal
          // summaries in the same notice do), not "369.90 GBP" beside "£28.00".
          totalText:
            f.unit === 'micros' ? moneyText(Math.round(sum), f.explanation.currency) : numberText(sum),
          days: f.points.length,
          model: f.model,
        },
      };
    },

    async condition(params) {
      const result = compare(params.op, params.left, params.right);
      return { kind: 'done', output: { result, left: params.left ?? null, right: params.right ?? null } };
    },

    async approval_wait(params, env) {
      const org = env.ctx.organizationId;
      // Whose policy applies: the named client, else the client of the gated campaign's account.
      const clientId = await storage.withTenant(org, async (trx) => {
        let campaignClient: string | null = null;
        if (params.campaignId) {
          const campaign = await trx
            .selectFrom('campaigns')
            .innerJoin('ad_accounts', 'ad_accounts.id', 'campaigns.ad_account_id')
            .select('ad_accounts.client_id')
            .where('campaigns.organization_id', '=', org)
            .where('ad_accounts.organization_id', '=', org)
            .where('campaigns.id', '=', params.campaignId)
            .executeTakeFirst();
          if (!campaign) throw new StepFailure(`Campaign ${params.campaignId} not found`);
          campaignClient = campaign.client_id;
        }
        if (!params.clientId) return campaignClient;
        const client = await trx
          .selectFrom('clients')
          .select('id')
          .where('organization_id', '=', org)
          .where('id', '=', params.clientId)
          .executeTakeFirst();
        if (!client) throw new StepFailure(`Client ${params.clientId} not found`);
        return client.id;
      });
      // As for a proposal, the policy in force when the step starts waiting sets how many approve.
      let required = params.approvals;
      if (params.changePct !== undefined) {
        const policy = await storage.withTenant(org, (trx) => effectivePolicy(trx, org, clientId));
        if (policy.twoApproversAbovePct !== null && Math.abs(params.changePct) > policy.twoApproversAbovePct)
          required = 2;
      }
      // What the decision reads: whose policy decides who may approve, and how many must.
      return {
        kind: 'wait_approval',
        output: {
          message: params.message ?? null,
          clientId,
          campaignId: params.campaignId ?? null,
          changePct: params.changePct ?? null,
          requiredApprovals: required,
          approvals: [],
        },
      };
    },

    async notify(params, env) {
      // Mail first, then the stored notification: a crash in between sends the mail again
      // (at least once) rather than never.
      for (const to of params.to) await mailer.send({ to, subject: params.subject, text: params.body });
      const id = newId('workflowNotification');
      await storage.withTenant(env.ctx.organizationId, (trx) =>
        trx
          .insertInto('workflow_notifications')
          .values({
            id,
            organization_id: env.ctx.organizationId,
            execution_id: env.executionId,
            step_id: env.stepId,
            recipients: JSON.stringify(params.to),
            subject: params.subject,
            body: params.body,
            created_at: clock.now().toISOString(),
          })
          .onConflict((oc) => oc.columns(['execution_id', 'step_id']).doNothing())
          .execute(),
      );
      return { kind: 'done', output: { sent: params.to.length, subject: params.subject } };
    },

    async ghl_action(params, env) {
      return proposed(await propose(env, params));
    },

    async proposal(params, env) {
      try {
        return proposed(await propose(env, params));
      } catch (e) {
        const unchanged = alreadyInState(params, e);
        if (unchanged) return { kind: 'done', output: unchanged };
        throw e;
      }
    },
  };

  return async function execute(
    type: StepType,
    params: unknown,
    env: StepEnv,
    input: Record<string, unknown>,
  ): Promise<StepOutcome> {
    try {
      return await (
        run[type] as (p: unknown, e: StepEnv, i: Record<string, unknown>) => Promise<StepOutcome>
      )(params, env, input);
    } catch (e) {
      // 4xx from a module (bad id, invalid input, conflict) will fail again: no retries.
      if (e instanceof AppError && e.status < 500 && e.code !== 'rate_limited')
        throw new StepFailure(`${e.code}: ${e.message}`);
      throw e;
    }
  };
}
