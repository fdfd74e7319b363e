/** The proposal as the API and other modules see it, mapped from its row. */
import type { ProposalsTable } from '../../storage/schema.ts';
import type { ActionInput } from '../actions/actions.service.ts';
import type { Check, Facts, Policy, ProposalKind, Risk } from './proposals.policy.ts';

export const proposalStatuses = [
  'pending_approval',
  'approved',
  'applied',
  'failed',
  'rejected',
  'blocked',
  'expired',
  'reverted',
  /** Its write-back was interrupted and the platform cannot tell whether it happened. */
  'unknown',
] as const;
export type ProposalStatus = (typeof proposalStatuses)[number];

/**
 * Who proposed: a person (through the API), an agent (its kind), an automation rule (its id) or a
 * workflow's step (the workflow's id; the run is in the audit entry and the idempotency key).
 */
export type ProposalSource =
  | { type: 'user' }
  | { type: 'agent'; agentId: string }
  | { type: 'rule'; ruleId: string }
  | { type: 'workflow'; workflowId: string; executionId: string };

export type ProposedWrite = DistributiveOmit<ActionInput, 'idempotencyKey'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface Snapshot {
  status: string;
  dailyBudgetMicros: number | null;
}

export interface ExpectedImpact {
  dailyBudgetDeltaMicros: number;
  monthlyBudgetDeltaMicros: number;
  avgDailySpendMicros7d: number;
  currency: string;
  summary: string;
  note: string | null;
}

/** What propose() needs from a kind's draft (ads in proposals.draft.ts, CRM in proposals.crm.ts). */
export interface Draft {
  clientId: string | null;
  write: ProposedWrite;
  before: Snapshot;
  after: Snapshot;
  impact: Omit<ExpectedImpact, 'note'>;
  policy: Policy;
  facts: Facts;
}

export interface Approval {
  by: string | null;
  actorType: string;
  role: string;
  comment: string | null;
  at: string;
}

export interface Proposal {
  id: string;
  source: { type: string; id: string | null };
  kind: ProposalKind;
  level: 'campaign' | 'ad_group' | 'ad' | 'contact';
  entityId: string;
  clientId: string | null;
  action: ProposedWrite;
  before: Snapshot;
  after: Snapshot;
  expectedImpact: ExpectedImpact;
  risk: Risk;
  reason: string | null;
  checks: Check[];
  requiredApprovals: number;
  approvals: Approval[];
  status: ProposalStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionComment: string | null;
  appliedActionId: string | null;
  appliedAt: string | null;
  revertActionId: string | null;
  revertedBy: string | null;
  revertedAt: string | null;
  error: string | null;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
}

/** A proposal still waiting past its expiry reads as expired, whether or not a write recorded it yet. */
export function isExpired(r: Pick<ProposalsTable, 'status' | 'expires_at'>, now: Date): boolean {
  return r.status === 'expired' || (r.status === 'pending_approval' && r.expires_at <= now.toISOString());
}

export const toProposal = (r: ProposalsTable, now: Date): Proposal => ({
  id: r.id,
  source: { type: r.source_type, id: r.source_id },
  kind: r.kind as ProposalKind,
  level: r.level as Proposal['level'],
  entityId: r.entity_id,
  clientId: r.client_id,
  action: JSON.parse(r.action),
  before: JSON.parse(r.before),
  after: JSON.parse(r.after),
  expectedImpact: JSON.parse(r.expected_impact),
  risk: r.risk as Risk,
  reason: r.reason,
  checks: JSON.parse(r.checks),
  requiredApprovals: r.required_approvals,
  approvals: JSON.parse(r.approvals),
  status: isExpired(r, now) ? 'expired' : (r.status as ProposalStatus),
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  decisionComment: r.decision_comment,
  appliedActionId: r.applied_action_id,
  appliedAt: r.applied_at,
  revertActionId: r.revert_action_id,
  revertedBy: r.reverted_by,
  revertedAt: r.reverted_at,
  error: r.error,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
