/** Request and response schemas of the proposals and guardrails routes. */
import { z } from 'zod';
import { pageQuery } from '../../platform/pagination.ts';
import { proposalStatuses } from './proposals.model.ts';
import { policySchema, proposalKinds } from './proposals.policy.ts';

const entityId = z.string().min(1).max(64);

export const proposeBody = z
  .strictObject({
    kind: z.enum(proposalKinds),
    campaignId: entityId.optional(),
    adGroupId: entityId.optional(),
    adId: entityId.optional(),
    percent: z.number().min(-100).max(10_000).optional().describe('Budget change in percent, signed'),
    amountMicros: z
      .number()
      .int()
      .min(-1e13)
      .max(1e13)
      .optional()
      .describe('Budget change in micros, signed'),
    dailyBudgetMicros: z.number().int().min(0).max(1e13).optional().describe('The new daily budget'),
    contactId: entityId.optional().describe('CRM kinds: the synced contact (its Omnify id, ctc_…)'),
    workflowId: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[\w-]+$/)
      .optional()
      .describe('crm_enroll_workflow: the CRM workflow id'),
    type: z.enum(['SMS', 'Email']).optional().describe('crm_send_message: the channel'),
    message: z
      .string()
      .min(1)
      .max(10_000)
      .optional()
      .describe('crm_send_message: plain text (an email gets it as escaped HTML with line breaks)'),
    subject: z.string().min(1).max(300).optional().describe('crm_send_message: the subject of an email'),
    reason: z.string().min(1).max(2000).optional(),
    expectedImpact: z.string().min(1).max(2000).optional().describe("The proposer's own note on the impact"),
    idempotencyKey: z
      .string()
      .min(8)
      .max(200)
      .optional()
      .describe('A repeat with this key returns the first proposal'),
  })
  .describe(
    'A change to propose: a budget change, a pause or an enable of one campaign, ad group or ad; or a CRM workflow enrolment or message to one contact',
  );

const snapshot = z.object({ status: z.string(), dailyBudgetMicros: z.number().nullable() });

export const proposalSchema = z.object({
  id: z.string(),
  source: z.object({ type: z.string(), id: z.string().nullable() }),
  kind: z.enum(proposalKinds),
  level: z.enum(['campaign', 'ad_group', 'ad', 'contact']),
  entityId: z.string(),
  clientId: z.string().nullable(),
  action: z.record(z.string(), z.unknown()),
  before: snapshot,
  after: snapshot,
  expectedImpact: z.object({
    dailyBudgetDeltaMicros: z.number(),
    monthlyBudgetDeltaMicros: z.number(),
    avgDailySpendMicros7d: z.number(),
    currency: z.string(),
    summary: z.string(),
    note: z.string().nullable(),
  }),
  risk: z.enum(['low', 'medium', 'high']),
  reason: z.string().nullable(),
  checks: z.array(
    z.object({
      check: z.string(),
      outcome: z.enum(['pass', 'needs_approval', 'blocked']),
      message: z.string(),
    }),
  ),
  requiredApprovals: z.number(),
  approvals: z.array(
    z.object({
      by: z.string().nullable(),
      actorType: z.string(),
      role: z.string(),
      comment: z.string().nullable(),
      at: z.string(),
    }),
  ),
  status: z.enum(proposalStatuses),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionComment: z.string().nullable(),
  appliedActionId: z.string().nullable(),
  appliedAt: z.string().nullable(),
  revertActionId: z.string().nullable(),
  revertedBy: z.string().nullable(),
  revertedAt: z.string().nullable(),
  error: z.string().nullable(),
  expiresAt: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const listQuery = z.object({
  status: z.enum(proposalStatuses).optional(),
  kind: z.enum(proposalKinds).optional(),
  entityId: entityId.optional(),
  sourceType: z.enum(['user', 'agent', 'rule', 'workflow']).optional(),
  sourceId: entityId.optional().describe("The proposing rule's id, agent's kind or workflow's id"),
  ...pageQuery,
});

export const idParam = z.object({ id: z.string().min(1).max(64) });
export const decisionBody = z.strictObject({ comment: z.string().min(1).max(2000).optional() }).optional();
export const revertBody = z
  .strictObject({
    force: z.boolean().optional().describe('Revert even though a newer action changed the entity since'),
    comment: z
      .string()
      .min(1)
      .max(2000)
      .optional()
      .describe("Why it is reverted: kept in the audit entry's metadata (proposals.reverted)"),
  })
  .optional();

export const policyQuery = z.object({ clientId: entityId.optional() });
export const policyBody = z.strictObject({
  clientId: entityId.optional().describe("Store a client's overrides instead of the organization's policy"),
  settings: policySchema.partial().describe('The settings to store at this level; the rest fall back'),
});
export const policyView = z.object({
  clientId: z.string().nullable(),
  policy: policySchema,
  settings: policySchema.partial(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
