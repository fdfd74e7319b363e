import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../../test/helpers/app.ts';
import { testDialect } from '../../../storage/testing.ts';
import { addDays } from '../../analytics/periods.ts';
import { systemCtx } from '../../auth/context.ts';
import { loadUsdRates, simulatedClient } from '../agent-kit/simulated-client.ts';
import { type RecordedStep, runDirect } from '../agent-kit/testing.ts';
import { healthScore } from './health.ts';
import { clientManagement, clientOutput, lastFullMonth } from './index.ts';

type Output = ReturnType<typeof clientOutput.parse>;

describe('client health score (pure)', () => {
  const base = {
    roasLast28: 3,
    roasPrior28: 3,
    targetRoas: 3,
    pacingRatio: 1,
    anomalies14d: 0,
    churnRisk: 0,
  };
  it('is 100 when every component is in range and falls with ROAS', () => {
    expect(healthScore(base).score).toBe(100);
    // ROAS at 75% of target and 25% below the prior window: roas 50, trend 50 → 100 − 0.3·50 − 0.2·50 = 75.
    expect(healthScore({ ...base, roasLast28: 2.25 }).score).toBe(75);
    expect(healthScore({ ...base, roasLast28: 1 }).level).toBe('watch');
  });
  it('renormalises over the components with data', () => {
    const h = healthScore({ ...base, pacingRatio: null, anomalies14d: null, churnRisk: 0.5 });
    // roas 100 (0.3), trend 100 (0.2), churn 50 (0.25) over 0.75 → 83.3.
    expect(h.score).toBeCloseTo(83.3, 1);
    expect(h.components.find((c) => c.component === 'pacing')?.score).toBeNull();
    expect(
      healthScore({
        roasLast28: null,
        roasPrior28: null,
        targetRoas: null,
        pacingRatio: null,
        anomalies14d: null,
        churnRisk: null,
      }).score,
    ).toBeNull();
  });
  it('picks the last full month of data', () => {
    expect(lastFullMonth('2026-11-20')).toBe('2026-10');
    expect(lastFullMonth('2026-10-31')).toBe('2026-10');
    expect(lastFullMonth('2026-01-05')).toBe('2025-12');
  });
});

describe(`client management agent on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let other: Signed;
  let agentId: string;
  let clientId: string;
  let first: Output;
  let firstSteps: RecordedStep[];

  const agentOf = async (orgId: string) =>
    (await t.services.agents.list(systemCtx(orgId))).find((a) => a.kind === 'client_management')
      ?.id as string;
  const run = (input: unknown, organizationId = owner.organizationId, id = agentId) =>
    runDirect<Output>(clientManagement, input, { services: t.services, organizationId, agentId: id });

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'accounts');
    other = await signUp(t.app, 'intruder');
    // As in the demo: the agency reports in USD, this client's ad accounts bill in GBP.
    const { client } = await simulatedClient(t.services, owner.organizationId, {
      seed: 'health',
      monthlyBudgetMicros: 9_000_000_000,
      industry: 'fitness',
    });
    await loadUsdRates(t.services, '2026-09-01', '2026-11-20');
    clientId = client.id;
    agentId = await agentOf(owner.organizationId);
    ({ output: first, steps: firstSteps } = await run({ clientId }));
  }, 180_000);
  afterAll(() => t?.close());

  it('scores health, churn, upsells, plan and report, validated by the schema', () => {
    expect(clientOutput.safeParse(first).success).toBe(true);
    expect(first.asOf).toBe('2026-11-20');
    expect(first.health.score).not.toBeNull();
    expect(first.health.components.map((c) => c.component)).toEqual([
      'roas',
      'roas_trend',
      'pacing',
      'anomalies',
      'churn',
    ]);
    expect(first.report.month).toBe('2026-10');
    expect(first.report.markdown).toContain('# Client health: monthly report 2026-10');
    expect(first.communicationPlan.touches.length).toBeGreaterThan(0);
    expect(first.summary).toContain(`health ${first.health.score}/100`);
  });

  it("the report's KPIs are the analytics module's numbers for the month and the month before", async () => {
    const ctx = systemCtx(owner.organizationId);
    const oct = await t.services.analytics.metrics(ctx, {
      from: '2026-10-01',
      to: '2026-10-31',
      groupBy: [],
      filter: { clientIds: [clientId] },
      limit: 1,
    });
    const sep = await t.services.analytics.metrics(ctx, {
      from: '2026-09-01',
      to: '2026-09-30',
      groupBy: [],
      filter: { clientIds: [clientId] },
      limit: 1,
    });
    expect(first.report.current?.spendMicros).toBe(oct.totals.spendMicros);
    expect(first.report.current?.revenueMicros).toBe(oct.totals.conversionValueMicros);
    expect(first.report.previous?.spendMicros).toBe(sep.totals.spendMicros);
    const top = first.report.topCampaigns.map((c) => c.revenueMicros);
    expect(top).toEqual([...top].sort((a, b) => b - a));
  });

  it('flags September, whose data starts mid-month, and shows no change against it', async () => {
    // 70 days of history ending 2026-11-20: September has data only from its first synced day.
    const september = (
      await t.storage.db
        .selectFrom('daily_metrics')
        .select('date')
        .distinct()
        .where('client_id', '=', clientId)
        .where('date', '>=', '2026-09-01')
        .where('date', '<=', '2026-09-30')
        .orderBy('date')
        .execute()
    ).map((r) => r.date);
    expect(september.length).toBeGreaterThan(0);
    expect(september.length).toBeLessThan(30);
    expect(first.report.coverage.previous).toEqual({
      month: '2026-09',
      days: 30,
      firstDay: september[0],
      lastDay: '2026-09-30',
      daysWithData: september.length,
      partial: true,
    });
    expect(first.report.coverage.current).toMatchObject({
      firstDay: '2026-10-01',
      lastDay: '2026-10-31',
      partial: false,
    });
    expect(first.report.comparable).toBe(false);
    const md = first.report.markdown;
    expect(md).toContain(
      `Not compared: previous month incomplete: ${september.length} of 30 days (${september[0]} to 2026-09-30).`,
    );
    expect(md).toMatch(/\| Spend \| [^|]+ \| [^|]+ \| n\/a \|/);
    expect(md).not.toMatch(/\| [+-]\d+(\.\d+)?% \|/);
  });

  it("judges budget headroom in each campaign's own currency (GBP budgets, USD reporting)", async () => {
    const asOf = first.asOf as string;
    const native = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => ['campaign_id', 'currency', eb.fn.sum<number>('spend_micros').as('spend')])
      .where('organization_id', '=', owner.organizationId)
      .where('date', '>=', addDays(asOf, -27))
      .where('date', '<=', asOf)
      .groupBy(['campaign_id', 'currency'])
      .execute();
    expect(new Set(native.map((r) => r.currency))).toEqual(new Set(['GBP']));
    const headroom = firstSteps.find((s) => s.tool === 'budget_headroom')?.output as {
      items: Array<{
        campaignId: string;
        currency: string;
        dailyBudgetMicros: number;
        avgDailySpendMicros: number;
        utilisation: number;
        budgetLimited: boolean;
      }>;
    };
    expect(headroom.items.length).toBeGreaterThan(0);
    for (const c of headroom.items) {
      const spend = Number(native.find((r) => r.campaign_id === c.campaignId)?.spend);
      expect(c.currency).toBe('GBP');
      expect(c.avgDailySpendMicros).toBe(Math.round(spend / 28));
      expect(c.utilisation).toBeCloseTo(spend / 28 / c.dailyBudgetMicros, 3);
      expect(c.budgetLimited).toBe(spend / 28 / c.dailyBudgetMicros >= 0.9);
    }
    for (const u of first.upsells) {
      expect(u.currency).toBe('GBP');
      expect(u.reason).toContain(`% of its budget (`);
      expect(u.reason).toMatch(/ GBP of [\d,.]+ GBP a day\)/);
    }
    const raise = first.report.recommendations.filter((r) => r.startsWith('Propose raising'));
    expect(raise).toHaveLength(Math.min(3, first.upsells.length));
    for (const r of raise) expect(r).toMatch(/daily budget to [\d,.]+ GBP:/);
  });

  it('a month that has not started is refused, naming the field', async () => {
    await expect(run({ clientId, month: '2030-01' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { issues: [expect.objectContaining({ location: 'input.month' })] },
    });
  });

  it('the health score falls when ROAS drops', async () => {
    // Halve the revenue of the last 28 days: ROAS halves against the same target.
    await t.storage.db
      .updateTable('daily_metrics')
      .set((eb) => ({ conversion_value_micros: eb('conversion_value_micros', '/', 2) }))
      .where('organization_id', '=', owner.organizationId)
      .where('date', '>=', '2026-10-24')
      .execute();
    const { output } = await run({ clientId });
    expect(output.health.roasLast28).toBeLessThan((first.health.roasLast28 as number) * 0.6);
    expect(output.health.score as number).toBeLessThan(first.health.score as number);
    const comp = (o: Output, c: string) =>
      o.health.components.find((x) => x.component === c)?.score as number;
    expect(comp(output, 'roas_trend')).toBeLessThan(comp(first, 'roas_trend'));
    expect(output.report.recommendations.join(' ')).toMatch(/ROAS/);
  });

  it('a client of another organization is not found', async () => {
    await expect(
      run({ clientId }, other.organizationId, await agentOf(other.organizationId)),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
