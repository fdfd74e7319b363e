import { describe, expect, it } from 'vitest';
import {
  defaultPolicy,
  evaluate,
  type Facts,
  type Policy,
  policySchema,
  roleMayApprove,
} from './proposals.policy.ts';

const budget = (before: number, after: number, extra: Partial<Facts> = {}): Facts => ({
  kind: 'budget_change',
  level: 'campaign',
  entityId: 'cmp_1',
  budgetBefore: before,
  budgetAfter: after,
  budgetAtStartOfDay: before,
  hoursSinceLastChange: null,
  pausesLastHour: 0,
  liveAdsAfterPause: null,
  projectedMonthSpendMicros: null,
  agentAutoApprovePct: null,
  at: '2026-11-20T12:00:00.000Z',
  ...extra,
});
const pause = (extra: Partial<Facts> = {}): Facts => ({
  ...budget(0, 0),
  kind: 'pause',
  level: 'ad',
  budgetBefore: null,
  budgetAfter: null,
  budgetAtStartOfDay: null,
  ...extra,
});
const outcome = (policy: Policy, f: Facts, check: string) =>
  evaluate(policy, f).checks.find((c) => c.check === check)?.outcome;

describe('guardrail evaluation', () => {
  it('lets at most 20% budget change per entity per day through without approval by default', () => {
    expect(evaluate(defaultPolicy, budget(100e6, 120e6)).status).toBe('auto_apply');
    expect(evaluate(defaultPolicy, budget(100e6, 121e6)).status).toBe('pending_approval');
    expect(evaluate(defaultPolicy, budget(100e6, 79e6)).status).toBe('pending_approval');
  });

  it('counts the change against the budget at the start of the day, so small steps cannot add up unseen', () => {
    // Already +15% today; another +10% is 26.5% over the day.
    const f = budget(115e6, 126.5e6, { budgetAtStartOfDay: 100e6 });
    expect(evaluate(defaultPolicy, f).status).toBe('pending_approval');
  });

  it("uses the proposing agent's own limit when it is stricter than the organization's", () => {
    expect(evaluate(defaultPolicy, budget(100e6, 115e6, { agentAutoApprovePct: 10 })).status).toBe(
      'pending_approval',
    );
    expect(evaluate(defaultPolicy, budget(100e6, 115e6, { agentAutoApprovePct: 50 })).status).toBe(
      'auto_apply',
    );
  });

  it('blocks protected entities and changes above the hard limits, which approval cannot override', () => {
    expect(evaluate({ ...defaultPolicy, lockedEntityIds: ['cmp_1'] }, budget(100e6, 101e6)).status).toBe(
      'blocked',
    );
    expect(evaluate(defaultPolicy, budget(100e6, 301e6)).status).toBe('blocked');
    const p = { ...defaultPolicy, maxBudgetChangeMicros: 50e6, maxDailyBudgetMicros: 500e6 };
    expect(outcome(p, budget(100e6, 160e6), 'max_budget_change_amount')).toBe('blocked');
    expect(outcome(p, budget(400e6, 520e6), 'max_daily_budget')).toBe('blocked');
    expect(evaluate(p, budget(100e6, 110e6)).status).toBe('auto_apply');
  });

  it('asks for approval when the entity changed too recently', () => {
    expect(
      outcome(
        defaultPolicy,
        budget(100e6, 105e6, { hoursSinceLastChange: 0.5 }),
        'min_hours_between_changes',
      ),
    ).toBe('needs_approval');
    expect(
      outcome(defaultPolicy, budget(100e6, 105e6, { hoursSinceLastChange: 2 }), 'min_hours_between_changes'),
    ).toBe('pass');
  });

  it('asks for approval past the pauses per hour and below the minimum of live ads per ad set', () => {
    expect(evaluate(defaultPolicy, pause({ pausesLastHour: 9, liveAdsAfterPause: 2 })).status).toBe(
      'auto_apply',
    );
    expect(
      outcome(defaultPolicy, pause({ pausesLastHour: 10, liveAdsAfterPause: 2 }), 'max_pauses_per_hour'),
    ).toBe('needs_approval');
    expect(outcome(defaultPolicy, pause({ liveAdsAfterPause: 0 }), 'min_live_ads_per_ad_group')).toBe(
      'needs_approval',
    );
  });

  it('asks for approval when the projected spend of the month passes the ceiling', () => {
    const p = { ...defaultPolicy, monthlySpendCeilingMicros: 10_000e6 };
    expect(
      outcome(p, budget(100e6, 110e6, { projectedMonthSpendMicros: 10_001e6 }), 'monthly_spend_ceiling'),
    ).toBe('needs_approval');
    expect(
      outcome(p, budget(100e6, 110e6, { projectedMonthSpendMicros: 9_000e6 }), 'monthly_spend_ceiling'),
    ).toBe('pass');
  });

  it('needs two approvers above the threshold and rates risk by size and level', () => {
    expect(evaluate(defaultPolicy, budget(100e6, 150e6)).requiredApprovals).toBe(1);
    expect(evaluate(defaultPolicy, budget(100e6, 201e6)).requiredApprovals).toBe(2);
    expect(evaluate(defaultPolicy, budget(100e6, 110e6)).risk).toBe('low');
    expect(evaluate(defaultPolicy, budget(100e6, 140e6)).risk).toBe('medium');
    expect(evaluate(defaultPolicy, pause({ level: 'campaign' })).risk).toBe('high');
    expect(evaluate({ ...defaultPolicy, alwaysRequireApproval: ['pause'] }, pause()).status).toBe(
      'pending_approval',
    );
  });

  it('lets only the policy role and above approve', () => {
    expect(roleMayApprove('manager', 'manager')).toBe(true);
    expect(roleMayApprove('owner', 'admin')).toBe(true);
    expect(roleMayApprove('manager', 'admin')).toBe(false);
    expect(roleMayApprove('member', 'manager')).toBe(false);
  });
  it('asks for approval of anything proposed inside a blackout window, and only inside it', () => {
    const p = {
      ...defaultPolicy,
      blackoutWindows: [
        { start: '2026-11-27T00:00:00Z', end: '2026-11-30T00:00:00Z', label: 'Black Friday' },
      ],
    };
    const inside = evaluate(p, budget(100e6, 105e6, { at: '2026-11-28T09:00:00.000Z' }));
    expect(inside.status).toBe('pending_approval');
    expect(inside.checks.find((c) => c.check === 'blackout_window')?.message).toContain('Black Friday');
    expect(evaluate(p, budget(100e6, 105e6, { at: '2026-11-30T00:00:00.000Z' })).status).toBe('auto_apply');
    expect(
      policySchema.safeParse({
        ...p,
        blackoutWindows: [{ start: '2026-12-02T00:00:00Z', end: '2026-12-01T00:00:00Z' }],
      }).success,
    ).toBe(false);
  });
});
