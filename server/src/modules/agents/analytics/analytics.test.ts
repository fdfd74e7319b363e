import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../../test/helpers/app.ts';
import { connectSimulator } from '../../../../test/helpers/simulator.ts';
import { testDialect } from '../../../storage/testing.ts';
import { systemCtx } from '../../auth/context.ts';
import { allPages } from '../agent-kit/period.ts';
import { runDirect } from '../agent-kit/testing.ts';
import { attributionModels } from './attribution.ts';
import { analyticsAgent, analyticsOutput } from './index.ts';
import { analyticsSummary, kpiInsights } from './templates.ts';

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
    expect(output.totals.spendMicros).toBe(m.totals.spendMicros);
    expect(output.totals.conversions).toBe(m.totals.conversions);
    expect(output.weeks.reduce((s, w) => s + w.spendMicros, 0)).toBe(m.totals.spendMicros);
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
