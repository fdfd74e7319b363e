import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../../test/helpers/app.ts';
import { moneyText } from '../../../platform/format.ts';
import { testDialect } from '../../../storage/testing.ts';
import { addDays } from '../../analytics/periods.ts';
import { systemCtx } from '../../auth/context.ts';
import { loadUsdRates, simulatedClient } from '../agent-kit/simulated-client.ts';
import { type RecordedStep, runDirect } from '../agent-kit/testing.ts';
import { marketingAutomation, marketingOutput } from './index.ts';

type Output = ReturnType<typeof marketingOutput.parse>;

describe(`marketing automation agent on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let other: Signed;
  let agentId: string;
  let clientId: string;
  let output: Output;
  let steps: RecordedStep[];
  const input = () => ({
    clientId,
    maxChangePct: 25,
    minChangePct: 1,
    runRules: true,
    followUps: {
      message: {
        type: 'Email' as const,
        text: 'Hi, can we help you book your visit?',
        subject: 'Your enquiry',
      },
      limit: 3,
    },
  });
  const run = (executionId = 'exe_marketing_1') =>
    runDirect<Output>(marketingAutomation, input(), {
      services: t.services,
      organizationId: owner.organizationId,
      agentId,
      executionId,
    });

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'marketer');
    other = await signUp(t.app, 'intruder');
    // As in the demo: the agency reports in USD, this client's ad accounts bill in GBP.
    ({
      client: { id: clientId },
    } = await simulatedClient(t.services, owner.organizationId, { seed: 'plan', industry: 'fitness' }));
    await loadUsdRates(t.services, '2026-09-01', '2026-11-20');
    agentId = (await t.services.agents.list(systemCtx(owner.organizationId))).find(
      (a) => a.kind === 'marketing_automation',
    )?.id as string;
    const rule = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/rules',
        payload: {
          name: 'Pause ads that spend without clicks',
          scope: { level: 'ad' },
          conditions: {
            match: 'all',
            conditions: [{ metric: 'clicks', window: { days: 3 }, op: '<', value: 0, unit: 'count' }],
          },
          actions: [{ type: 'pause' }],
          schedule: { cron: '0 * * * *' },
        },
      }),
    );
    expect(rule.statusCode, rule.body).toBe(201);
    ({ output, steps } = await run());
  }, 180_000);
  afterAll(() => t?.close());

  it('plans from ORACLE allocation and proposes the moves, validated by the schema', () => {
    expect(marketingOutput.safeParse(output).success).toBe(true);
    expect(steps.map((s) => s.tool)).toEqual([
      'budget_allocation',
      'campaign_budgets',
      'propose_budget_changes',
      'run_rules',
      'leads_needing_follow_up',
      'propose_crm_follow_ups',
    ]);
    expect(output.plan.allocation.available).toBe(true);
    const moved = output.plan.campaigns.filter((c) => c.action !== 'keep');
    expect(moved.length).toBeGreaterThan(0);
    expect(output.proposals.filter((p) => p.ok)).toHaveLength(
      moved.filter((c) => c.dailyBudgetMicros !== null).length,
    );
    const split = output.plan.platformSplit.reduce((s, p) => s + p.recommendedDailyMicros, 0);
    expect(split).toBe(output.plan.campaigns.reduce((s, c) => s + (c.recommendedDailyMicros ?? 0), 0));
    expect(output.rules).toHaveLength(1);
    expect(output.summary).toMatch(/Proposed \d+ budget change/);
  });

  it('its proposals name the agent as source and actor, respect its 10% auto-approve limit, and are idempotent per run', async () => {
    const ctx = systemCtx(owner.organizationId);
    const mine = (await t.services.proposals.list(ctx, { sourceType: 'agent', limit: 100 })).items;
    const budget = mine.filter((p) => p.kind === 'budget_change');
    expect(budget.length).toBe(output.proposals.filter((p) => p.ok).length);
    for (const p of budget) {
      expect(p.source).toEqual({ type: 'agent', id: 'marketing_automation' });
      const moved = Math.abs(
        ((p.after.dailyBudgetMicros ?? 0) - (p.before.dailyBudgetMicros ?? 0)) /
          (p.before.dailyBudgetMicros ?? 1),
      );
      if (moved > 0.1 + 1e-9) expect(p.status).not.toBe('applied');
    }
    const audit = await t.services.audit.list(owner.organizationId, { actorType: 'agent', limit: 200 });
    expect(audit.items.some((e) => e.actor.id === agentId && e.action.startsWith('proposals.'))).toBe(true);
    const again = await run();
    expect(again.output.proposals.every((p) => !p.ok || p.replayed)).toBe(true);
    expect((await t.services.proposals.list(ctx, { sourceType: 'agent', limit: 100 })).items.length).toBe(
      mine.length,
    );
  });

  it("compares spend with budgets in the campaign's own currency (GBP accounts, USD reporting) and writes the reasons in it", async () => {
    const asOf = output.plan.asOf;
    const native = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => ['campaign_id', 'currency', eb.fn.sum<number>('spend_micros').as('spend')])
      .where('organization_id', '=', owner.organizationId)
      .where('date', '>=', addDays(asOf, -27))
      .where('date', '<=', asOf)
      .groupBy(['campaign_id', 'currency'])
      .execute();
    expect(new Set(native.map((r) => r.currency))).toEqual(new Set(['GBP']));
    const usd = await t.services.analytics.metrics(systemCtx(owner.organizationId), {
      from: addDays(asOf, -27),
      to: asOf,
      groupBy: ['campaign'],
      filter: { clientIds: [clientId] },
      limit: 1000,
    });
    expect(usd.currency).toBe('USD');
    const allocation = steps.find((s) => s.tool === 'budget_allocation')?.output as {
      currency: string;
      allocations: Array<{ entityId: string; currentDailyMicros: number }>;
    };
    expect(allocation.currency).toBe('GBP');
    expect(output.plan.currency).toBe('GBP');
    for (const c of output.plan.campaigns) {
      expect(c.currency).toBe('GBP');
      const spend = Number(native.find((r) => r.campaign_id === c.campaignId)?.spend ?? 0);
      expect(c.avgDailySpendMicros).toBe(Math.round(spend / 28));
      // ORACLE's current daily spend is over the same 28 days and in the same currency.
      const a = allocation.allocations.find((x) => x.entityId === c.campaignId);
      if (a) expect(Math.abs(c.avgDailySpendMicros - a.currentDailyMicros)).toBeLessThanOrEqual(1);
      const inUsd = usd.rows.find((r) => r.campaignId === c.campaignId)?.spendMicros ?? 0;
      if (spend > 0) expect(inUsd).toBeGreaterThan(spend);
    }
    const ctx = systemCtx(owner.organizationId);
    const budget = (await t.services.proposals.list(ctx, { sourceType: 'agent', limit: 100 })).items.filter(
      (p) => p.kind === 'budget_change',
    );
    expect(budget.length).toBeGreaterThan(0);
    for (const p of budget) {
      const c = output.plan.campaigns.find((x) => x.campaignId === p.entityId);
      expect(c).toBeDefined();
      if (!c) continue;
      const from = moneyText(c.avgDailySpendMicros, 'GBP');
      const to = moneyText(c.recommendedDailyMicros as number, 'GBP');
      expect(p.reason).toContain(`daily spend ${from} → ${to}`);
      expect(p.reason).toContain(`daily budget ${moneyText(c.dailyBudgetMicros as number, 'GBP')}`);
      // The reason reads the way the action goes: spend up for a raise, down for a cut.
      const raise = (p.after.dailyBudgetMicros ?? 0) > (p.before.dailyBudgetMicros ?? 0);
      expect((c.recommendedDailyMicros as number) > c.avgDailySpendMicros).toBe(raise);
      expect(p.reason).not.toMatch(/\$|USD/);
    }
  });

  it('proposes CRM follow-ups for leads nobody worked', () => {
    expect(output.followUps?.leads).toBeGreaterThan(0);
    const crm = output.followUps?.proposals ?? [];
    expect(crm.length).toBe(output.followUps?.items.length);
    expect(crm.some((p) => p.ok && p.kind === 'crm_send_message')).toBe(true);
  });

  it('across clients spending in two currencies, plan totals are null instead of a sum of both', async () => {
    // A second client whose accounts bill in USD (dental), beside the GBP one: the whole agency's plan.
    await simulatedClient(t.services, owner.organizationId, { seed: 'plan_usd', industry: 'dental' });
    const all = await runDirect<Output>(
      marketingAutomation,
      { maxChangePct: 25, minChangePct: 1 },
      {
        services: t.services,
        organizationId: owner.organizationId,
        agentId,
        executionId: 'exe_marketing_all',
      },
    );
    const currencies = new Set(all.output.plan.campaigns.map((c) => c.currency));
    expect(currencies.size).toBeGreaterThan(1);
    expect(all.output.plan.currency).toBeNull();
    expect(all.output.plan.totals).toEqual({
      currentDailyMicros: null,
      plannedDailyMicros: null,
      plannedMonthlyMicros: null,
    });
    // The client's own plan (one currency) keeps its totals.
    expect(output.plan.totals.currentDailyMicros).toBeGreaterThan(0);
  });

  it("a user of another organization cannot read the agent's proposals", async () => {
    const first = output.proposals.find((p) => p.ok);
    expect(first?.ok).toBe(true);
    const id = first?.ok ? first.proposalId : '';
    const mineRes = await t.app.inject(as(owner, { method: 'GET', url: `/api/v1/actions/${id}` }));
    expect(mineRes.statusCode).toBe(200);
    const res = await t.app.inject(as(other, { method: 'GET', url: `/api/v1/actions/${id}` }));
    expect(res.statusCode).toBe(404);
  });
});
