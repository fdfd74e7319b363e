import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../../test/helpers/app.ts';
import { connectSimulator } from '../../../../test/helpers/simulator.ts';
import { testDialect } from '../../../storage/testing.ts';
import { systemCtx } from '../../auth/context.ts';
import { allPages } from '../agent-kit/period.ts';
import { loadUsdRates } from '../agent-kit/simulated-client.ts';
import { runDirect } from '../agent-kit/testing.ts';
import { attributionModels } from './attribution.ts';
import { analyticsAgent, analyticsOutput } from './index.ts';
import { analyticsSummary, forecastInsight, kpiInsights, trendInsight } from './templates.ts';

type Output = ReturnType<typeof analyticsOutput.parse>;
const period = { from: '2026-11-07', to: '2026-11-20' };

describe(`analytics agent on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let other: Signed;
  let agentId: string;
  let otherAgentId: string;
  let output: Output;
  let steps: Array<{ tool: string }>;

  const agentOf = async (orgId: string) =>
    (await t.services.agents.list(systemCtx(orgId))).find((a) => a.kind === 'analytics')?.id as string;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'analyst');
    other = await signUp(t.app, 'intruder');
    await connectSimulator(t, owner, 'analytics');
    // The seed's accounts do not bill in USD, the reporting currency: rates as in the demo.
    await loadUsdRates(t.services, '2026-10-01', '2026-11-20');
    agentId = await agentOf(owner.organizationId);
    otherAgentId = await agentOf(other.organizationId);
    ({ output, steps } = await runDirect<Output>(
      analyticsAgent,
      { period },
      { services: t.services, organizationId: owner.organizationId, agentId },
    ));
  }, 120_000);
  afterAll(() => t?.close());

  it('computes KPIs, trend, campaigns, forecast, anomalies and attribution through its tools', () => {
    expect(analyticsOutput.safeParse(output).success).toBe(true);
    expect(steps.map((s) => s.tool)).toEqual([
      'kpis',
      'weekly_trend',
      'campaign_breakdown',
      'forecast',
      'anomalies',
      'attribution',
    ]);
    expect(output.summary).toContain('2026-11-07 to 2026-11-20');
    // Counts are written as whole numbers with separators, never "1088.0 conversions".
    expect(output.summary).toContain(
      `${(output.totals.conversions ?? 0).toLocaleString('en-US')} conversions`,
    );
    expect(output.summary).not.toMatch(/\d\.0 conversions/);
    expect(output.forecast.available).toBe(true);
  });

  it('matches the analytics module: totals and weekly sums agree', async () => {
    const m = await t.services.analytics.metrics(systemCtx(owner.organizationId), {
      ...period,
      groupBy: [],
      filter: {},
      limit: 1,
    });
    expect(m.currency).toBe('USD');
    expect(m.warnings).toEqual([]);
    expect(m.totals.spendMicros).toBeGreaterThan(0);
    expect(output.totals.spendMicros).toBe(m.totals.spendMicros);
    expect(output.totals.conversions).toBe(m.totals.conversions);
    expect(output.weeks.reduce((s, w) => s + w.spendMicros, 0)).toBe(m.totals.spendMicros);
  });

  it('marks the weeks the period cuts: days covered add up to the period', () => {
    // 2026-11-07 (a Saturday) to 2026-11-20 (a Friday): 2 days of one ISO week, a full week, 5 days.
    expect(output.weeks.map((w) => [w.week, w.from, w.to, w.days, w.partial])).toEqual([
      ['2026-11-02', '2026-11-07', '2026-11-08', 2, true],
      ['2026-11-09', '2026-11-09', '2026-11-15', 7, false],
      ['2026-11-16', '2026-11-16', '2026-11-20', 5, true],
    ]);
    const forecastText = output.insights.find((i) => i.kind === 'forecast')?.text;
    if (forecastText) expect(forecastText).toContain(' in 14 days)');
  });

  it('attribution credits sum to the won deals of the period in every model', async () => {
    const ctx = systemCtx(owner.organizationId);
    const won = await allPages((cursor) =>
      t.services.catalog.crm.listOpportunities(ctx, {
        status: 'won',
        wonFrom: period.from,
        wonTo: period.to,
        limit: 200,
        cursor,
      }),
    );
    expect(won.items.length).toBeGreaterThan(0);
    const a = output.attribution;
    expect(a.conversions).toBe(won.items.length);
    expect(a.totalValueMicros).toBe(won.items.reduce((s, o) => s + o.valueMicros, 0));
    expect(a.rowCount).toBe(a.rows.length);
    for (const m of attributionModels) {
      expect(a.rows.reduce((s, r) => s + r.credits[m].conversions, 0)).toBeCloseTo(won.items.length, 4);
      expect(a.rows.reduce((s, r) => s + r.credits[m].valueMicros, 0)).toBeCloseTo(a.totalValueMicros, -2);
    }
    expect(a.journeys.contactsWithClickId).toBeGreaterThan(0);
    expect(a.journeys.resolvedToAd).toBe(a.journeys.touches);
  });

  it('credits a won deal to the campaign of the ad its contact clicked (utm_content of the click)', async () => {
    const ctx = systemCtx(owner.organizationId);
    const won = (
      await t.services.catalog.crm.listOpportunities(ctx, {
        status: 'won',
        wonFrom: period.from,
        wonTo: period.to,
        limit: 200,
      })
    ).items;
    const contacts = (
      await allPages((cursor) => t.services.catalog.crm.listContacts(ctx, { limit: 500, cursor }))
    ).items;
    const ads = (await allPages((cursor) => t.services.catalog.listAds(ctx, { limit: 500, cursor }))).items;
    const campaignOfDeal = won.flatMap((o) => {
      const c = contacts.find((x) => x.externalId === o.contactExternalId);
      const ad = ads.find((x) => x.externalId === c?.utmContent && (c?.gclid || c?.fbclid || c?.liFatId));
      return ad ? [ad.campaignId] : [];
    });
    expect(campaignOfDeal.length).toBeGreaterThan(0);
    // Simulator contacts are single-touch: every model gives each deal wholly to its ad's campaign.
    const expected = new Map<string, number>();
    for (const id of campaignOfDeal) expected.set(id, (expected.get(id) ?? 0) + 1);
    for (const [campaignId, n] of expected) {
      const row = output.attribution.rows.find((r) => r.key === campaignId);
      for (const m of attributionModels) expect(row?.credits[m].conversions).toBeCloseTo(n, 6);
    }
  });

  it('a time-decay half-life is a parameter and an ad-level run resolves ads', async () => {
    const { output: o } = await runDirect<Output>(
      analyticsAgent,
      { period, attribution: { level: 'ad', halfLifeDays: 3, conversion: 'lead' } },
      { services: t.services, organizationId: owner.organizationId, agentId },
    );
    expect(o.attribution).toMatchObject({ level: 'ad', halfLifeDays: 3, conversion: 'lead' });
    expect(o.attribution.rows.some((r) => r.key.startsWith('ad_'))).toBe(true);
  });

  it('a client of another organization is not found', async () => {
    const client = await t.services.clients.create(systemCtx(owner.organizationId), {
      name: 'Acme',
      email: 'acme@client.example',
    });
    await expect(
      runDirect(
        analyticsAgent,
        { clientId: client?.id, period },
        { services: t.services, organizationId: other.organizationId, agentId: otherAgentId },
      ),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('analytics agent texts', () => {
  it("compares ORACLE's daily forecast with the period's conversions per day of the period", () => {
    // 28 days over 5 calendar weeks (two partial): 1,088 conversions are 38.9 a day, not 1,088 / 35.
    const period28 = { from: '2026-10-24', to: '2026-11-20' };
    expect(forecastInsight({ dailyMean: 37.8, horizon: 30 }, 1088, period28)).toBeNull();
    expect(forecastInsight({ dailyMean: 30, horizon: 30 }, 1088, period28)).toEqual({
      kind: 'forecast',
      severity: 'warning',
      text: 'ORACLE forecasts 30.0 conversions a day for the next 30 days, against about 38.9 a day in this period (1,088 in 28 days).',
    });
    expect(forecastInsight({ dailyMean: 45, horizon: 30 }, 1088, period28)?.severity).toBe('positive');
    expect(forecastInsight({ dailyMean: null, horizon: 30 }, 1088, period28)).toBeNull();
    expect(forecastInsight({ dailyMean: 3, horizon: 30 }, 0, period28)).toBeNull();
  });

  it('judges the conversion trend on full weeks and names the partial ones with their days', () => {
    const week = (w: string, conversions: number, days = 7) => ({
      week: w,
      conversions,
      days,
      partial: days < 7,
    });
    const weeks = [
      week('2026-10-19', 30, 2),
      week('2026-10-26', 200),
      week('2026-11-02', 240),
      week('2026-11-09', 290),
      week('2026-11-16', 150, 4),
    ];
    const t = trendInsight(weeks);
    expect(t?.severity).toBe('positive');
    expect(t?.text).toMatch(
      /^Conversions trend \+\d+\.\d% per week over 3 full weeks \(2026-10-26 to 2026-11-09\)/,
    );
    expect(t?.text).toContain('partial weeks left out: 2026-10-19 (2 days), 2026-11-16 (4 days).');
    // Fewer than three full weeks: no trend is claimed from partial ones.
    expect(trendInsight(weeks.slice(3))).toBeNull();
  });

  it('writes counts without decimals and with separators, money with two', () => {
    const [conv] = kpiInsights(
      { conversions: { previous: 1223, change: -135, changeRatio: -135 / 1223 } },
      'USD',
    );
    expect(conv?.text).toBe('Conversions -11.0% vs the previous period (1,223 → 1,088).');
    const summary = analyticsSummary({
      period: { from: '2026-11-01', to: '2026-11-28' },
      currency: 'USD',
      spendMicros: 12_345_670_000,
      conversions: 1088,
      roas: 3.2,
      insights: [],
      forecastConversions: 1234.4,
      attribution: { conversions: 1500, unattributed: 150, top: null },
    });
    expect(summary).toContain('spend 12,345.67 USD, 1,088 conversions, ROAS 3.20.');
    expect(summary).toContain('ORACLE expects 1,234 conversions');
    expect(summary).toContain('1,500 won deals');
    // A fractional count (data-driven attribution) keeps one decimal.
    expect(analyticsSummary({ ...base, conversions: 10.25 })).toContain('10.3 conversions');
  });
});

const base = {
  period: { from: '2026-11-01', to: '2026-11-28' },
  currency: 'USD',
  spendMicros: 0,
  conversions: 0,
  roas: null,
  insights: [],
  forecastConversions: null,
  attribution: null,
};
