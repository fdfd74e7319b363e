/**
 * Guardrail policy and its evaluation. A policy is per organization with optional per-client
 * overrides; evaluating a proposal against the facts of its entity gives one result per check:
 * `pass`, `needs_approval` (a person must approve) or `blocked` (nobody can approve it; change the
 * policy or propose something smaller). Pure: the facts are gathered by proposals.facts.ts.
 */
import { z } from 'zod';
import { moneyText, numberText } from '../../platform/format.ts';
import { roles } from '../auth/permissions.ts';

export const proposalKinds = [
  'budget_change',
  'pause',
  'enable',
  'crm_enroll_workflow',
  'crm_send_message',
] as const;
export type ProposalKind = (typeof proposalKinds)[number];
/** Kinds that act on a CRM contact (GoHighLevel or the simulator's CRM) rather than on ads. */
export const crmKinds = ['crm_enroll_workflow', 'crm_send_message'] as const;
export type CrmKind = (typeof crmKinds)[number];
export const isCrmKind = (k: ProposalKind): k is CrmKind => (crmKinds as readonly string[]).includes(k);

const micros = z.number().int().min(0).max(1e13);

export const policySchema = z.strictObject({
  autoApproveBudgetChangePct: z
    .number()
    .min(0)
    .max(1000)
    .describe(
      'Largest budget change per entity per UTC day (cumulative, in percent) applied without approval',
    ),
  maxBudgetChangePct: z
    .number()
    .min(0)
    .max(10_000)
    .describe('Largest budget change of one proposal in percent; above it the proposal is blocked'),
  maxBudgetChangeMicros: micros
    .nullable()
    .describe('Largest absolute budget change of one proposal; above it the proposal is blocked'),
  maxDailyBudgetMicros: micros.nullable().describe('Largest daily budget any entity may get; blocked above'),
  minHoursBetweenChanges: z
    .number()
    .min(0)
    .max(720)
    .describe('A change to an entity changed less than this many hours ago needs approval'),
  maxPausesPerHour: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .describe('Pauses applied in the organization in the last hour beyond which a pause needs approval'),
  minLiveAdsPerAdGroup: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .describe('Pausing an ad that would leave fewer active ads in its ad group needs approval'),
  monthlySpendCeilingMicros: micros
    .nullable()
    .describe(
      'Projected spend of the month (of the client, or the organization) above which increases need approval',
    ),
  maxMessagesPerHour: z
    .number()
    .int()
    .min(0)
    .max(100_000)
    .describe('CRM messages sent in the organization in the last hour beyond which a message needs approval'),
  maxMessagesPerContactPerDay: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .describe('Messages to one contact in the last 24 hours beyond which another needs approval'),
  maxEnrollmentsPerHour: z
    .number()
    .int()
    .min(0)
    .max(100_000)
    .describe('CRM workflow enrolments in the organization in the last hour beyond which one needs approval'),
  lockedEntityIds: z
    .array(z.string().min(1).max(64))
    .max(1000)
    .describe('Protected campaigns, ad groups, ads and contacts: every proposal on them is blocked'),
  alwaysRequireApproval: z
    .array(z.enum(proposalKinds))
    .max(proposalKinds.length)
    .describe('Kinds that always need approval (by default crm_send_message: a message cannot be unsent)'),
  approverRole: z.enum(['owner', 'admin', 'manager']).describe('Lowest role that may approve'),
  twoApproversAbovePct: z
    .number()
    .min(0)
    .max(10_000)
    .nullable()
    .describe('Budget changes above this percent need two different approvers'),
  proposalTtlHours: z.number().int().min(1).max(720).describe('Hours a proposal waits for approval'),
  blackoutWindows: z
    .array(
      z
        .strictObject({
          start: z.iso.datetime(),
          end: z.iso.datetime(),
          label: z.string().max(200).optional(),
        })
        .refine((w) => w.start < w.end, 'start must be before end'),
    )
    .max(100)
    .describe(
      'Periods (UTC) in which nothing is applied without approval, e.g. a client launch or a holiday',
    ),
});
export type Policy = z.infer<typeof policySchema>;

/** The default: at most 20% budget change per entity per day without approval (issue 5). */
export const defaultPolicy: Policy = {
  autoApproveBudgetChangePct: 20,
  maxBudgetChangePct: 200,
  maxBudgetChangeMicros: null,
  maxDailyBudgetMicros: null,
  minHoursBetweenChanges: 1,
  maxPausesPerHour: 10,
  minLiveAdsPerAdGroup: 1,
  monthlySpendCeilingMicros: null,
  maxMessagesPerHour: 20,
  maxMessagesPerContactPerDay: 1,
  maxEnrollmentsPerHour: 100,
  lockedEntityIds: [],
  // A message reaches a client's customer and cannot be taken back: a person approves it unless the
  // organization drops this. Enrolments run within their hourly limit.
  alwaysRequireApproval: ['crm_send_message'],
  approverRole: 'manager',
  twoApproversAbovePct: 100,
  proposalTtlHours: 72,
  blackoutWindows: [],
};

export type CheckOutcome = 'pass' | 'needs_approval' | 'blocked';
export interface Check {
  check: string;
  outcome: CheckOutcome;
  message: string;
}
export type Risk = 'low' | 'medium' | 'high';

/** What the CRM checks need (CRM kinds only). */
export interface CrmFacts {
  messagesLastHour: number;
  messagesToContactLast24h: number;
  enrollmentsLastHour: number;
  /** Omnify already enrolled this contact in this workflow (applied write-back). */
  alreadyEnrolled: boolean;
}

/** What the evaluation needs to know about the proposal and its entity. */
export interface Facts {
  kind: ProposalKind;
  level: 'campaign' | 'ad_group' | 'ad' | 'contact';
  crm?: CrmFacts;
  entityId: string;
  /** Budget now and proposed (budget changes only). */
  budgetBefore: number | null;
  budgetAfter: number | null;
  /** Budget before the first change applied today (UTC) to this entity; the current one if none. */
  budgetAtStartOfDay: number | null;
  hoursSinceLastChange: number | null;
  pausesLastHour: number;
  /** Active ads left in the ad group if this ad is paused (pauses of ads only). */
  liveAdsAfterPause: number | null;
  /** Month-to-date spend plus the rest of the month at the proposed budgets, when a ceiling is set. */
  projectedMonthSpendMicros: number | null;
  /** The proposing agent's own limit (agents.limits.autoApproveBudgetChangePct), when an agent proposes. */
  agentAutoApprovePct: number | null;
  /** When the proposal is made (ISO UTC), for blackout windows. */
  at: string;
  /** The entity's account currency: the checks' messages state amounts in it. */
  currency?: string;
}

const pct = (from: number, to: number) =>
  from === 0 ? (to === 0 ? 0 : Infinity) : ((to - from) / from) * 100;
const fmt = (n: number) => (Number.isFinite(n) ? `${Math.round(n * 10) / 10}%` : 'an unbounded change');

export interface Evaluation {
  checks: Check[];
  status: 'auto_apply' | 'pending_approval' | 'blocked';
  requiredApprovals: number;
  risk: Risk;
}

export function evaluate(policy: Policy, f: Facts): Evaluation {
  const money = (m: number) => (f.currency ? moneyText(m, f.currency) : numberText(m / 1e6));
  const checks: Check[] = [];
  const add = (check: string, outcome: CheckOutcome, message: string) =>
    checks.push({ check, outcome, message });
  const locked = policy.lockedEntityIds.includes(f.entityId);
  add(
    'locked_entity',
    locked ? 'blocked' : 'pass',
    locked ? 'This entity is protected by policy' : 'Not protected',
  );

  let changePct = 0;
  if (f.kind === 'budget_change') {
    const before = f.budgetBefore ?? 0;
    const after = f.budgetAfter ?? 0;
    changePct = Math.abs(pct(before, after));
    add(
      'max_budget_change_pct',
      changePct > policy.maxBudgetChangePct ? 'blocked' : 'pass',
      `${fmt(changePct)} change; the limit per proposal is ${policy.maxBudgetChangePct}%`,
    );
    const delta = Math.abs(after - before);
    if (policy.maxBudgetChangeMicros !== null)
      add(
        'max_budget_change_amount',
        delta > policy.maxBudgetChangeMicros ? 'blocked' : 'pass',
        `Change of ${money(delta)}; the limit per proposal is ${money(policy.maxBudgetChangeMicros)}`,
      );
    if (policy.maxDailyBudgetMicros !== null)
      add(
        'max_daily_budget',
        after > policy.maxDailyBudgetMicros ? 'blocked' : 'pass',
        `Daily budget ${money(after)}; the ceiling is ${money(policy.maxDailyBudgetMicros)}`,
      );
    const allowed = Math.min(policy.autoApproveBudgetChangePct, f.agentAutoApprovePct ?? Infinity);
    const dayPct = Math.abs(pct(f.budgetAtStartOfDay ?? before, after));
    add(
      'budget_change_per_day',
      dayPct > allowed ? 'needs_approval' : 'pass',
      `${fmt(dayPct)} change today against ${allowed}% allowed without approval`,
    );
  }
  if (policy.minHoursBetweenChanges > 0 && f.hoursSinceLastChange !== null) {
    const recent = f.hoursSinceLastChange < policy.minHoursBetweenChanges;
    add(
      'min_hours_between_changes',
      recent ? 'needs_approval' : 'pass',
      `Last change ${f.hoursSinceLastChange.toFixed(1)} h ago; at least ${policy.minHoursBetweenChanges} h between changes`,
    );
  }
  if (f.kind === 'pause') {
    add(
      'max_pauses_per_hour',
      f.pausesLastHour >= policy.maxPausesPerHour ? 'needs_approval' : 'pass',
      `${f.pausesLastHour} pauses in the last hour; ${policy.maxPausesPerHour} allowed without approval`,
    );
    if (f.liveAdsAfterPause !== null)
      add(
        'min_live_ads_per_ad_group',
        f.liveAdsAfterPause < policy.minLiveAdsPerAdGroup ? 'needs_approval' : 'pass',
        `${f.liveAdsAfterPause} active ads would remain in the ad group; minimum ${policy.minLiveAdsPerAdGroup}`,
      );
  }
  if (f.crm && f.kind === 'crm_send_message') {
    add(
      'max_messages_per_hour',
      f.crm.messagesLastHour >= policy.maxMessagesPerHour ? 'needs_approval' : 'pass',
      `${f.crm.messagesLastHour} messages in the last hour; ${policy.maxMessagesPerHour} allowed without approval`,
    );
    add(
      'max_messages_per_contact_per_day',
      f.crm.messagesToContactLast24h >= policy.maxMessagesPerContactPerDay ? 'needs_approval' : 'pass',
      `${f.crm.messagesToContactLast24h} messages to this contact in the last 24 hours; ${policy.maxMessagesPerContactPerDay} allowed without approval`,
    );
  }
  if (f.crm && f.kind === 'crm_enroll_workflow') {
    add(
      'already_enrolled',
      f.crm.alreadyEnrolled ? 'blocked' : 'pass',
      f.crm.alreadyEnrolled
        ? 'Omnify already enrolled this contact in this workflow'
        : 'Not enrolled by Omnify yet',
    );
    add(
      'max_enrollments_per_hour',
      f.crm.enrollmentsLastHour >= policy.maxEnrollmentsPerHour ? 'needs_approval' : 'pass',
      `${f.crm.enrollmentsLastHour} enrolments in the last hour; ${policy.maxEnrollmentsPerHour} allowed without approval`,
    );
  }
  if (policy.monthlySpendCeilingMicros !== null && f.projectedMonthSpendMicros !== null)
    add(
      'monthly_spend_ceiling',
      f.projectedMonthSpendMicros > policy.monthlySpendCeilingMicros ? 'needs_approval' : 'pass',
      `Projected month spend ${money(f.projectedMonthSpendMicros)}; ceiling ${money(policy.monthlySpendCeilingMicros)}`,
    );
  const blackout = policy.blackoutWindows.find(
    (w) => Date.parse(w.start) <= Date.parse(f.at) && Date.parse(f.at) < Date.parse(w.end),
  );
  if (blackout)
    add(
      'blackout_window',
      'needs_approval',
      `Inside the blackout ${blackout.label ?? ''} ${blackout.start} to ${blackout.end}`.replace('  ', ' '),
    );
  if (policy.alwaysRequireApproval.includes(f.kind))
    add('always_require_approval', 'needs_approval', `Policy requires approval for every ${f.kind}`);

  const status = checks.some((c) => c.outcome === 'blocked')
    ? 'blocked'
    : checks.some((c) => c.outcome === 'needs_approval')
      ? 'pending_approval'
      : 'auto_apply';
  const twoApprovers =
    f.kind === 'budget_change' &&
    policy.twoApproversAbovePct !== null &&
    changePct > policy.twoApproversAbovePct;
  return { checks, status, requiredApprovals: twoApprovers ? 2 : 1, risk: riskOf(f, changePct, status) };
}

function riskOf(f: Facts, changePct: number, status: Evaluation['status']): Risk {
  if (status === 'blocked') return 'high';
  if (f.kind === 'budget_change') return changePct > 50 ? 'high' : changePct > 20 ? 'medium' : 'low';
  if (f.kind === 'crm_send_message') return 'medium';
  if (f.kind === 'crm_enroll_workflow') return 'low';
  if (f.kind === 'pause') return f.level === 'campaign' ? 'high' : f.level === 'ad_group' ? 'medium' : 'low';
  return f.level === 'ad' ? 'low' : 'medium';
}

/** Whether `role` is at least the policy's approver role. */
export function roleMayApprove(role: (typeof roles)[number], approverRole: Policy['approverRole']): boolean {
  return roles.indexOf(role) <= roles.indexOf(approverRole);
}
