/**
 * The step types a workflow may use and the parameters each takes. A step's parameters are its
 * `config` merged with its resolved `input` mapping (input wins), except `agent_run`, whose
 * resolved input is the agent's input. Schemas are checked twice: leniently when a definition is
 * saved (known keys, static values of the right type, required keys present in config or input)
 * and strictly on the resolved values before the step runs.
 */
import { z } from 'zod';
import { forecastMetrics } from '../oracle/oracle.forecast.ts';
import { entityTypes } from '../oracle/oracle.series.ts';

export const stepTypes = [
  'agent_run',
  'connector_sync',
  'oracle_job',
  'condition',
  'approval_wait',
  'notify',
  'ghl_action',
  'proposal',
] as const;
export type StepType = (typeof stepTypes)[number];

const id = z.string().min(1).max(64);

export const conditionOps = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'contains',
  'exists',
  'truthy',
] as const;

/** GoHighLevel actions go through proposals, with the kinds the proposals module defines for them. */
export const ghlKinds = ['crm_enroll_workflow', 'crm_send_message'] as const;

export const stepParams = {
  agent_run: z.strictObject({ agentId: id }),
  connector_sync: z.strictObject({
    connectionId: id,
    kind: z.enum(['incremental', 'backfill']).default('incremental'),
    days: z.number().int().min(1).max(730).optional(),
    /** How often the step checks on the sync it started; no worker waits in between. */
    pollIntervalMs: z.number().int().min(50).max(600_000).default(5_000),
  }),
  oracle_job: z.strictObject({
    job: z.enum(['forecast', 'fatigue', 'anomalies', 'nightly']),
    entityType: z.enum(entityTypes).optional(),
    entityId: z.string().min(1).max(64).optional(),
    metric: z.enum(forecastMetrics).optional(),
    horizon: z.number().int().min(1).max(90).optional(),
    campaignId: id.optional(),
    clientId: id.optional(),
  }),
  condition: z.strictObject({
    left: z.unknown(),
    op: z.enum(conditionOps),
    right: z.unknown().optional(),
  }),
  approval_wait: z.strictObject({
    message: z.string().min(1).max(2000).optional(),
    /** Distinct people who must approve (at least; `changePct` may raise it to 2). */
    approvals: z.number().int().min(1).max(2).default(1),
    /**
     * The budget change in percent the step gates, when the definition knows it (e.g.
     * `{{trigger.budgetChangePercent}}`): above the policy's twoApproversAbovePct, two approvers.
     */
    changePct: z.coerce.number().min(-100).max(10_000).optional(),
    /** The client whose guardrail policy (approverRole) applies; the organization's when absent. */
    clientId: id.optional(),
    /**
     * The campaign the step gates: without `clientId`, the policy of the client its ad account
     * belongs to applies.
     */
    campaignId: id.optional(),
  }),
  notify: z.strictObject({
    to: z.array(z.email()).min(1).max(50),
    subject: z.string().min(1).max(200),
    body: z.string().min(1).max(20_000),
  }),
  // The fields of the proposals module's CRM kinds: a synced contact (crm_contacts id) and a
  // GoHighLevel workflow to enrol it in, or a message with its channel.
  ghl_action: z.strictObject({
    kind: z.enum(ghlKinds),
    contactId: id,
    workflowId: z.string().min(1).max(100).optional(),
    type: z.enum(['SMS', 'Email']).optional(),
    message: z.string().min(1).max(5000).optional(),
    subject: z.string().min(1).max(200).optional(),
    reason: z.string().min(1).max(2000).optional(),
  }),
  proposal: z.strictObject({
    kind: z.enum(['budget_change', 'pause', 'enable']),
    campaignId: id.optional(),
    adGroupId: id.optional(),
    adId: id.optional(),
    percent: z.number().min(-100).max(10_000).optional(),
    amountMicros: z.number().int().min(-1e13).max(1e13).optional(),
    dailyBudgetMicros: z.number().int().min(0).max(1e13).optional(),
    reason: z.string().min(1).max(2000).optional(),
  }),
} satisfies Record<StepType, z.ZodObject>;

/** Keys a step's config or input must name (the schema's non-optional keys without defaults). */
export function requiredKeys(type: StepType): string[] {
  const shape = stepParams[type].shape as Record<string, z.ZodType>;
  return Object.entries(shape)
    .filter(([, s]) => !s.safeParse(undefined).success)
    .map(([k]) => k);
}

export const isStepType = (v: string): v is StepType => (stepTypes as readonly string[]).includes(v);
