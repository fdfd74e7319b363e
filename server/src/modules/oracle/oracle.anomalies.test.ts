import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { connectSimulatorDays } from '../../../test/helpers/simulator.ts';
import { newId } from '../../platform/ids.ts';
import { testDialect } from '../../storage/testing.ts';
import { ANOMALY_MODEL, ANOMALY_MODEL_VERSION, severityReasonOf } from './oracle.anomalies.ts';

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

  type Listed = {
    id: string;
    date: string;
    severity: string;
    severityReason: string;
    severityMetric: string | null;
    flaggedMetrics: string[];
    currency: string | null;
  };
  const scanOrg = async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/oracle/anomalies',
      headers: a.headers,
      payload: { entityType: 'organization' },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { stored: number; currency: string; items: Listed[] };
  };
  const listOrg = async (extra = '') => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/oracle/anomalies?entityType=organization&limit=200${extra}`,
      headers: a.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as Listed[];
  };

  it('after history changed, a re-scan supersedes the earlier findings: one item per entity and day (allVersions=true lists every scan)', async () => {
    // A day of six times the spend: an anomaly to find.
    await t.storage.db
      .updateTable('daily_metrics')
      .set((eb) => ({ spend_micros: eb('spend_micros', '*', 6) }))
      .where('organization_id', '=', a.organizationId)
      .where('date', '=', '2026-11-17')
      .execute();
    const first = await scanOrg();
    expect(first.items.map((f) => f.date)).toContain('2026-11-17');
    expect(first.stored).toBe(first.items.length);
    // A restatement of the first day changes every later day's history: the re-scan stores its
    // flagged days again under new hashes.
    const day = await t.storage.db
      .selectFrom('daily_metrics')
      .select(['ad_id', 'date', 'spend_micros'])
      .where('organization_id', '=', a.organizationId)
      .orderBy('date')
      .orderBy('ad_id')
      .executeTakeFirstOrThrow();
    await t.storage.db
      .updateTable('daily_metrics')
      .set({ spend_micros: Number(day.spend_micros) + 1_000_000 })
      .where('organization_id', '=', a.organizationId)
      .where('ad_id', '=', day.ad_id)
      .where('date', '=', day.date)
      .execute();
    const second = await scanOrg();
    expect(second.stored).toBe(second.items.length);
    const listed = await listOrg();
    const dates = listed.map((f) => f.date);
    expect(new Set(dates).size).toBe(dates.length);
    // The latest scan's findings, and only them.
    expect(listed.map((f) => f.id).sort()).toEqual(second.items.map((f) => f.id).sort());
    const all = await listOrg('&allVersions=true');
    expect(all).toHaveLength(first.items.length + second.items.length);
    // Money in an anomaly item is in currency units of the series' currency, said in the item.
    expect(listed.every((f) => f.currency === second.currency)).toBe(true);
  });

  it('a finding without a flagged metric (only a cause rule fired, under the flag threshold) is low severity', async () => {
    for (const f of (await scanOrg()).items)
      if (!f.flaggedMetrics.length) expect(f.severity, f.date).toBe('low');
    // As stored by earlier scans: the detector raised such days to medium.
    const id = newId('prediction');
    await t.storage.db
      .insertInto('predictions')
      .values({
        id,
        organization_id: a.organizationId,
        run_id: newId('prediction'),
        type: 'anomaly',
        entity_type: 'campaign',
        entity_id: campaignId,
        metric: 'all',
        horizon_days: 0,
        step: 0,
        for_date: '2026-11-19',
        computed_at: new Date().toISOString(),
        value: 0.296,
        lo80: null,
        hi80: null,
        lo95: null,
        hi95: null,
        confidence: 0.4,
        model: ANOMALY_MODEL,
        model_version: ANOMALY_MODEL_VERSION,
        inputs_hash: 'f'.repeat(64),
        explanation: JSON.stringify({
          severity: 'medium',
          cause: 'cost_surge',
          causes: [{ cause: 'cost_surge', confidence: 0.4, reason: 'CPM 140% of expected' }],
          flaggedMetrics: [],
          metrics: { spend: { actual: 10, expected: 9, score: 0.296 } },
        }),
      })
      .execute();
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/oracle/anomalies?entityType=campaign&entityId=${campaignId}`,
      headers: a.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    const item = res.json().items.find((f: Listed) => f.id === id);
    expect(item).toMatchObject({ severity: 'low', flaggedMetrics: [], score: 0.296, currency: null });
    expect(item.severityReason).toMatch(/^Low: no metric crossed the flag threshold/);
  });

  it("says why a finding has its severity: the metric that set it, its surprise and its move's bands", async () => {
    for (const f of (await scanOrg()).items) {
      if (!f.flaggedMetrics.length) continue;
      const sev = f.severity.charAt(0).toUpperCase() + f.severity.slice(1);
      // A fresh scan keeps the surprise, so the sentence carries the numbers.
      expect(f.severityReason, f.date).toMatch(
        new RegExp(
          `^${sev}: set by (spend|impressions|clicks|conversions|CTR|CPC|CPM), surprise \\d\\.\\d\\d \\(`,
        ),
      );
      // The metric the sentence names is given by name too, one of the flagged ones.
      expect(f.flaggedMetrics, f.date).toContain(f.severityMetric);
      expect(f.severityReason.toLowerCase(), f.date).toContain(`set by ${f.severityMetric}`);
    }
    // The reviewer's case: a bigger move with a lower severity, because its surprise band is lower.
    expect(
      severityReasonOf('medium', ['cpc'], { cpc: { severity: 'medium', surprise: 0.8999, deviation: 0.84 } }),
    ).toMatch(
      /^Medium: set by CPC, surprise 0\.89 \(medium\) and move \+84% \(high\)\. Severity is the lower/,
    );
    expect(
      severityReasonOf('high', ['spend', 'ctr'], {
        spend: { severity: 'low', surprise: 0.6, deviation: 0.9 },
        ctr: { severity: 'high', surprise: 0.95, deviation: -0.52 },
      }),
    ).toMatch(/^High: set by CTR, surprise 0\.95 \(high\) and move -52% \(high\)/);
    // Stored before the surprise was kept: the rule, without numbers it does not have.
    expect(severityReasonOf('high', ['spend'], { spend: { severity: 'high' } })).toMatch(
      /^High: the highest severity of the flagged metrics, each the lower of two bands/,
    );
  });
});
