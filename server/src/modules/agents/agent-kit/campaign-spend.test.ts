import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../../test/helpers/app.ts';
import { testDialect } from '../../../storage/testing.ts';
import { addDays } from '../../analytics/periods.ts';
import { systemCtx } from '../../auth/context.ts';
import { fixtures } from '../../catalog/catalog.fixtures.ts';
import { marketingTools } from '../marketing-automation/tools.ts';
import { campaignSpendInOwnCurrency } from './campaign-spend.ts';

/**
 * Campaigns of a GBP ad account whose rows are partly in EUR (an account whose currency changed),
 * with an EUR→GBP rate only from 2024-01-10: the EUR rows before it cannot be converted.
 */
const FROM = '2024-01-01';
const TO = '2024-01-28';
const day = (date: string, units: number) => ({
  date,
  impressions: 100,
  clicks: 1,
  spendMicros: units * 1_000_000,
  conversions: 0,
  conversionValueMicros: 0,
});
const run = (first: string, n: number, units: number) =>
  Array.from({ length: n }, (_, i) => day(addDays(first, i), units));

describe(`campaign spend in the campaign's own currency says what it could not convert, on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'own-currency');
    const f = fixtures(t.storage, owner.organizationId);
    const client = await f.client('Pounds');
    const gbp = await f.account({ platform: 'google_ads', currency: 'GBP', clientId: client.id });
    const asEur = { ...gbp, currency: 'EUR' };
    const campaign = async (name: string) => {
      const c = await f.campaign(gbp, name);
      const ad = await f.ad(gbp, await f.adGroup(gbp, c, `${name} group`), `${name} ad`);
      ids[name] = c.id;
      return ad;
    };
    // Mixed: EUR 2 a day from the 1st to the 14th, then GBP 1 a day.
    const mixed = await campaign('Mixed');
    await f.metrics(asEur, mixed, run('2024-01-01', 14, 2));
    await f.metrics(gbp, mixed, run('2024-01-15', 14, 1));
    // Pounds only: 1 a day all month.
    await f.metrics(gbp, await campaign('Pounds only'), run('2024-01-01', 28, 1));
    // Euros only, all before the first rate: 3 a day from the 1st to the 5th.
    await f.metrics(asEur, await campaign('Euros before any rate'), run('2024-01-01', 5, 3));
    ids.client = client.id;
    const rates = await t.app.inject(
      as(owner, {
        method: 'PUT',
        url: '/api/v1/analytics/fx-rates',
        payload: { rates: [{ date: '2024-01-10', base: 'EUR', quote: 'GBP', rate: 0.5 }] },
      }),
    );
    expect(rates.statusCode, rates.body).toBe(200);
  });
  afterAll(() => t.close());

  const expectedWarning = () => ({
    code: 'fx_rate_missing',
    currency: 'GBP',
    rowCurrency: 'EUR',
    campaignIds: [ids.Mixed, ids['Euros before any rate']].sort(),
    firstDate: '2024-01-01',
    lastDate: '2024-01-09',
    // Mixed: 9 days × 2 EUR; Euros before any rate: 5 days × 3 EUR.
    excludedSpendMicros: 33_000_000,
    message:
      'No EUR→GBP rate for 2024-01-01 to 2024-01-09 (none on or before those days): €33.00 of spend of 2 campaigns is left out of their spend; load rates with PUT /api/v1/analytics/fx-rates',
  });

  it('converts what it can, and names the campaigns, days and spend it had to leave out', async () => {
    const { spend, warnings } = await campaignSpendInOwnCurrency(
      { ctx: systemCtx(owner.organizationId), services: t.services },
      {
        from: FROM,
        to: TO,
        campaigns: Object.entries(ids)
          .filter(([k]) => k !== 'client')
          .map(([, id]) => ({ id, currency: 'GBP' })),
      },
    );
    // Mixed: 14 GBP, plus the EUR days from the 10th at 0.5 (5 × 2 × 0.5 = 5).
    expect(spend.get(ids.Mixed as string)?.spendMicros).toBe(19_000_000);
    expect(spend.get(ids['Pounds only'] as string)?.spendMicros).toBe(28_000_000);
    expect(spend.has(ids['Euros before any rate'] as string)).toBe(false);
    expect(warnings.map((w) => ({ ...w, campaignIds: [...w.campaignIds].sort() }))).toEqual([
      expectedWarning(),
    ]);
  });

  it("the marketing agent's campaign_budgets tool carries the warning beside the campaigns", async () => {
    const tool = marketingTools.find((x) => x.name === 'campaign_budgets');
    const out = (await tool?.run(
      { clientId: ids.client, asOf: TO },
      {
        ctx: systemCtx(owner.organizationId),
        services: t.services,
        agentId: 'agt_test',
        executionId: 'exe_test',
        signal: new AbortController().signal,
        now: new Date('2024-01-29T00:00:00.000Z'),
      },
    )) as {
      campaigns: Array<{ campaignId: string; avgDailySpendMicros: number }>;
      warnings: Array<{ campaignIds: string[] }>;
    };
    const avg = Object.fromEntries(out.campaigns.map((c) => [c.campaignId, c.avgDailySpendMicros]));
    expect(avg[ids['Pounds only'] as string]).toBe(1_000_000);
    // Its average reads as nothing spent; the warning says why it is short.
    expect(avg[ids['Euros before any rate'] as string]).toBe(0);
    expect(out.warnings.map((w) => ({ ...w, campaignIds: [...w.campaignIds].sort() }))).toEqual([
      expectedWarning(),
    ]);
  });
});
