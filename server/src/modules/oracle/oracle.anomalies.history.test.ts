import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { connectSimulatorDays } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import { scanEntityMetrics } from './anomaly/index.ts';
import { MIN_ANOMALY_DAYS } from './oracle.service.ts';

const LAST_DAY = '2026-11-20';

/** A steady series of `n` days whose last day is 20× every metric but conversions. */
function spikeOnLast(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const k = i === n - 1 ? 20 : 1;
    return {
      date: new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10),
      spend: (100 + (i % 3)) * k,
      impressions: (10_000 + (i % 5) * 10) * k,
      clicks: (100 + (i % 4)) * k,
      conversions: 5 + (i % 2),
    };
  });
}

describe('the anomaly detector judges no day before MIN_ANOMALY_DAYS', () => {
  it('cannot flag even a 20× spike on a shorter history, and flags it at MIN_ANOMALY_DAYS days', () => {
    for (let n = 1; n < MIN_ANOMALY_DAYS; n++)
      expect(
        scanEntityMetrics(spikeOnLast(n)).some((d) => d.flagged || d.score > 0),
        String(n),
      ).toBe(false);
    expect(scanEntityMetrics(spikeOnLast(MIN_ANOMALY_DAYS)).at(-1)?.flagged).toBe(true);
  });
});

describe(`ORACLE anomaly scan of a short history on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;

  beforeAll(async () => {
    t = await createTestApp();
    a = await signUp(t.app, 'anomalies-short');
    await connectSimulatorDays(t, a, { seed: 'shortscan', days: 30, endDate: LAST_DAY });
  });
  afterAll(() => t.close());

  const scan = (entityType: string, entityId?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/oracle/anomalies',
      headers: a.headers,
      payload: { entityType, ...(entityId ? { entityId } : {}) },
    });

  it('says the history is too short to judge (machine-readable, with the days needed) instead of a bare empty list', async () => {
    const { ad_id: adId } = await t.storage.db
      .selectFrom('daily_metrics')
      .select('ad_id')
      .where('organization_id', '=', a.organizationId)
      .where('date', '=', LAST_DAY)
      .orderBy('ad_id')
      .executeTakeFirstOrThrow();
    // The ad started 3 days before the last complete day.
    await t.storage.db
      .deleteFrom('daily_metrics')
      .where('organization_id', '=', a.organizationId)
      .where('ad_id', '=', adId)
      .where('date', '<', '2026-11-18')
      .execute();
    const res = await scan('ad', adId);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.items).toEqual([]);
    expect(body.warnings).toEqual([
      {
        code: 'history_too_short',
        message: expect.stringContaining(`Only 3 complete days of history (2026-11-18 to ${LAST_DAY})`),
        days: 3,
        minDays: MIN_ANOMALY_DAYS,
      },
    ]);
    expect(body.warnings[0].message).toContain(`${MIN_ANOMALY_DAYS - 3} more days needed`);
    // 30 days: long enough to judge, no warning.
    const org = await scan('organization');
    expect(org.statusCode, org.body).toBe(200);
    expect(org.json().warnings).toEqual([]);
  });
});
