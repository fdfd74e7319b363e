import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { connectSimulatorDays } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';

const LAST_DAY = '2026-11-20';
/** A reviewer's 17 days of a small campaign's conversions, repeated over its 40 days. */
const PATTERN = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0];

describe(`ORACLE anomalies of intermittent counts on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;
  let other: Signed;
  let campaignId: string;

  beforeAll(async () => {
    t = await createTestApp();
    a = await signUp(t.app, 'anomalies-counts');
    other = await signUp(t.app, 'anomalies-other');
    await connectSimulatorDays(t, a, { seed: 'counts', days: 40, endDate: LAST_DAY });
    campaignId = (
      await t.storage.db
        .selectFrom('daily_metrics')
        .select('campaign_id')
        .where('organization_id', '=', a.organizationId)
        .orderBy('campaign_id')
        .executeTakeFirstOrThrow()
    ).campaign_id;
    // The campaign's conversions become the pattern (on one ad a day), with 2 on the day before last.
    await t.storage.db
      .updateTable('daily_metrics')
      .set({ conversions: 0 })
      .where('organization_id', '=', a.organizationId)
      .where('campaign_id', '=', campaignId)
      .execute();
    const days = await t.storage.db
      .selectFrom('daily_metrics')
      .select(['date', (eb) => eb.fn.min('ad_id').as('ad_id')])
      .where('organization_id', '=', a.organizationId)
      .where('campaign_id', '=', campaignId)
      .groupBy('date')
      .orderBy('date')
      .execute();
    expect(days.at(-1)?.date).toBe(LAST_DAY);
    for (const [i, d] of days.entries()) {
      const conversions = i === days.length - 2 ? 2 : PATTERN[i % PATTERN.length]!;
      if (conversions === 0) continue;
      await t.storage.db
        .updateTable('daily_metrics')
        .set({ conversions })
        .where('organization_id', '=', a.organizationId)
        .where('ad_id', '=', d.ad_id as string)
        .where('date', '=', d.date)
        .execute();
    }
  });
  afterAll(() => t.close());

  it('stores no anomaly for conversions that equal what was expected, or a 2 where they come now and then', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/oracle/anomalies',
      headers: a.headers,
      payload: { entityType: 'campaign', entityId: campaignId },
    });
    expect(res.statusCode, res.body).toBe(200);
    type Item = {
      date: string;
      severity: string;
      flaggedMetrics: string[];
      metrics: Record<string, { actual: number | null; expected: number | null; score: number }>;
    };
    const items: Item[] = res.json().items;
    expect(items.filter((f) => f.flaggedMetrics.includes('conversions')).map((f) => f.date)).toEqual([]);
    for (const f of items) {
      const c = f.metrics.conversions!;
      if (c.actual === c.expected) expect(c.score, f.date).toBeLessThan(0.25);
    }
    const listed = await t.app.inject({
      method: 'GET',
      url: `/api/v1/oracle/anomalies?entityType=campaign&entityId=${campaignId}`,
      headers: a.headers,
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items.filter((f: Item) => f.flaggedMetrics.includes('conversions'))).toEqual([]);
    const foreign = await t.app.inject({
      method: 'POST',
      url: '/api/v1/oracle/anomalies',
      headers: other.headers,
      payload: { entityType: 'campaign', entityId: campaignId },
    });
    expect(foreign.statusCode).toBe(404);
  });
});
