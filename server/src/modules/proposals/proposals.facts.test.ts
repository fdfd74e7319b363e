import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import {
  connectSimulator,
  SIMULATOR_LAST_DAY,
  type SyncedSimulator,
} from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import { addDays, sumWindow } from '../rules/rules.conditions.ts';
import { averageDailySpend7d } from './proposals.facts.ts';

/**
 * A pause's "7-day average" is the spend of the 7 days a rule's "spend 7d" reads (ending on the ad
 * account's last day of data, that day included) divided by 7, not 8 days' spend.
 */
describe(`a proposal's 7-day average spend on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let sim: SyncedSimulator;
  const L = SIMULATOR_LAST_DAY;

  /** The ad's spend per day: 100 on the 8th day back, 7 on each of the 7 days up to L (currency units). */
  const series = new Map<string, number>([[addDays(L, -7), 100_000_000]]);
  for (let k = 0; k < 7; k++) series.set(addDays(L, -k), 7_000_000);

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'proposals_avg7');
    sim = await connectSimulator(t, owner, 'proposals_avg7');
    // The ad's synced days are replaced with the known series (the account keeps its other ads' days).
    await t.storage.db
      .updateTable('daily_metrics')
      .set({ spend_micros: 0 })
      .where('organization_id', '=', owner.organizationId)
      .where('ad_id', '=', sim.adId)
      .execute();
    for (const [date, spend] of series) {
      const res = await t.storage.db
        .updateTable('daily_metrics')
        .set({ spend_micros: spend })
        .where('organization_id', '=', owner.organizationId)
        .where('ad_id', '=', sim.adId)
        .where('date', '=', date)
        .executeTakeFirst();
      expect(Number(res.numUpdatedRows), date).toBe(1);
    }
  });
  afterAll(() => t?.close());

  it('averages the 7 days ending on the account’s last day of data, as a rule’s "spend 7d" sums them', async () => {
    const last = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => eb.fn.max('date').as('d'))
      .where('organization_id', '=', owner.organizationId)
      .where('ad_account_id', '=', sim.adAccountId)
      .executeTakeFirstOrThrow();
    expect(last.d).toBe(L);
    // What a rule's "spend 7d" reads for this ad as of the account's last day.
    const days = new Map(
      [...series].map(([d, s]) => [
        d,
        {
          spendMicros: s,
          impressions: 0,
          clicks: 0,
          conversions: 0,
          revenueMicros: 0,
          frequencyWeighted: 0,
          frequencyImpressions: 0,
          adjusted: false,
        },
      ]),
    );
    const rule7d = sumWindow(days, L, 7).spendMicros;
    expect(rule7d).toBe(49_000_000);
    const avg = await t.storage.withTenant(owner.organizationId, (trx) =>
      averageDailySpend7d(trx, owner.organizationId, 'ad', { id: sim.adId, adAccountId: sim.adAccountId }),
    );
    expect(avg).toEqual({ micros: rule7d / 7, lastDay: L });
  });

  it('states it in the pause proposal: amount, structured field and the summary', async () => {
    const res = await t.app.inject(
      as(owner, { method: 'POST', url: '/api/v1/actions', payload: { kind: 'pause', adId: sim.adId } }),
    );
    expect(res.statusCode, res.body).toBeLessThan(300);
    const impact = res.json().proposal?.expectedImpact ?? res.json().expectedImpact;
    expect(impact.avgDailySpendMicros7d).toBe(7_000_000);
    expect(impact.dailyBudgetDeltaMicros).toBe(-7_000_000);
    expect(impact.summary).toMatch(
      new RegExp(`about .7\\.00 a day less spend \\(its 7-day average up to ${L}\\)`),
    );
  });
});
