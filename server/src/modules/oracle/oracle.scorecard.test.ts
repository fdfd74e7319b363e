import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { connectSimulatorDays } from '../../../test/helpers/simulator.ts';
import { newId } from '../../platform/ids.ts';
import { testDialect } from '../../storage/testing.ts';
import { systemCtx } from '../auth/context.ts';
import { runNightly } from './oracle.jobs.ts';
import { addDays } from './oracle.series.ts';

const LAST_DAY = '2026-11-20';

describe(`ORACLE forecast scorecard on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;
  let b: Signed;
  let campaignId: string;
  let actual: Map<string, number>;

  /** Stores a 7-day forecast of the campaign from `origin`, `factor` times its actual spend, with narrow bands. */
  async function storeRun(org: string, origin: string, factor: number, model = 'theta', metric = 'spend') {
    const runId = newId('prediction');
    await t.storage.db
      .insertInto('predictions')
      .values(
        Array.from({ length: 7 }, (_, k) => {
          const date = addDays(origin, k);
          const mean = (actual.get(date) ?? 0) * factor + 1_000_000;
          return {
            id: newId('prediction'),
            organization_id: org,
            run_id: runId,
            type: 'forecast',
            entity_type: 'campaign',
            entity_id: campaignId,
            metric,
            horizon_days: 7,
            step: k + 1,
            for_date: date,
            computed_at: '2026-11-01T00:00:00.000Z',
            value: mean,
            lo80: mean - 10,
            hi80: mean + 10,
            lo95: mean - 20,
            hi95: mean + 20,
            confidence: null,
            model,
            model_version: '1.0.0',
            inputs_hash: `test-${runId}`,
            explanation: '{}',
          };
        }),
      )
      .execute();
    return runId;
  }

  beforeAll(async () => {
    t = await createTestApp();
    a = await signUp(t.app, 'score-a');
    b = await signUp(t.app, 'score-b');
    await connectSimulatorDays(t, a, { seed: 'scorecard', days: 40, endDate: LAST_DAY });
    const longest = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => ['campaign_id', eb.fn.min('date').as('first')])
      .where('organization_id', '=', a.organizationId)
      .groupBy('campaign_id')
      .orderBy('first')
      .orderBy('campaign_id')
      .executeTakeFirstOrThrow();
    campaignId = longest.campaign_id;
    expect(longest.first <= '2026-10-19').toBe(true);
    const rows = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => ['date', eb.fn.sum<number>('spend_micros').as('spend')])
      .where('organization_id', '=', a.organizationId)
      .where('campaign_id', '=', campaignId)
      .groupBy('date')
      .execute();
    actual = new Map(rows.map((r) => [r.date, Number(r.spend)]));
  });
  afterAll(() => t.close());

  it('scores stored forecasts whose first week has actuals, once, and reports MASE and coverage per model', async () => {
    const good = await storeRun(a.organizationId, addDays(LAST_DAY, -9), 1, 'good-model', 'revenue');
    await storeRun(a.organizationId, addDays(LAST_DAY, -3), 1, 'good-model', 'revenue'); // its week is not over
    const first = await t.services.oracle.scoreForecasts(systemCtxOf(a));
    expect(first.scored).toBe(1);
    expect((await t.services.oracle.scoreForecasts(systemCtxOf(a))).scored).toBe(0);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/oracle/scorecard', headers: a.headers });
    expect(res.statusCode, res.body).toBe(200);
    const card = res.json();
    const row = card.models.find((m: { model: string }) => m.model === 'good-model');
    // Spend as a revenue forecast: some error; the ±10 micros bands never hold the actual.
    expect(row).toMatchObject({ metric: 'revenue', count: 1, coverage80: 0, coverage95: 0 });
    expect(row.mase).toBeGreaterThan(0);
    // A name the forecaster's registry does not build is described as it is.
    expect(row.modelDescription).toEqual({ text: 'good-model', combination: 'single', members: [] });
    expect(card.replacements).toEqual([]);
    const stored = await t.storage.db
      .selectFrom('predictions')
      .select(['run_id', 'for_date'])
      .where('organization_id', '=', a.organizationId)
      .where('type', '=', 'forecast_score')
      .execute();
    expect(stored).toEqual([{ run_id: good, for_date: addDays(LAST_DAY, -9) }]);
    // Another organization sees none of it.
    const other = (
      await t.app.inject({ method: 'GET', url: '/api/v1/oracle/scorecard', headers: b.headers })
    ).json();
    expect(other).toMatchObject({ models: [], replacements: [] });
  });

  it('scores a week only once it is complete by the server clock: data reaching today is a partial day', async () => {
    const run = await storeRun(a.organizationId, addDays(LAST_DAY, -6), 1, 'week-to-today', 'revenue');
    const realNow = t.clock.now();
    t.clock.set(new Date(`${LAST_DAY}T15:00:00.000Z`));
    try {
      expect((await t.services.oracle.scoreForecasts(systemCtxOf(a))).scored).toBe(0);
    } finally {
      t.clock.set(realNow);
    }
    expect((await t.services.oracle.scoreForecasts(systemCtxOf(a))).scored).toBe(1);
    const stored = await t.storage.db
      .selectFrom('predictions')
      .select('for_date')
      .where('organization_id', '=', a.organizationId)
      .where('type', '=', 'forecast_score')
      .where('run_id', '=', run)
      .execute();
    expect(stored).toEqual([{ for_date: addDays(LAST_DAY, -6) }]);
  });

  it('a series whose model lost to seasonal naive four weeks running is forecast by seasonal naive, and the API says so', async () => {
    for (const back of [32, 25, 18, 11]) await storeRun(a.organizationId, addDays(LAST_DAY, -back), 3);
    const result = await runNightly({ storage: t.storage, oracle: t.services.oracle }, a.organizationId);
    expect(result.scored).toBe(4);
    const card = (
      await t.app.inject({ method: 'GET', url: '/api/v1/oracle/scorecard', headers: a.headers })
    ).json();
    expect(card.replacements).toHaveLength(1);
    expect(card.replacements[0]).toMatchObject({
      entityType: 'campaign',
      entityId: campaignId,
      metric: 'spend',
      replacedModel: 'theta',
      model: 'snaive@7',
    });
    expect(card.replacements[0].weeks).toHaveLength(4);
    const theta = card.models.find((m: { model: string }) => m.model === 'theta');
    expect(theta.lostToSeasonalNaive).toBe(4);
    expect(theta.modelDescription).toEqual({
      text: 'Theta method',
      combination: 'single',
      members: [{ model: 'theta', text: 'Theta method' }],
    });

    const spend = await t.app.inject({
      method: 'POST',
      url: '/api/v1/oracle/forecasts',
      headers: a.headers,
      payload: { entityType: 'campaign', entityId: campaignId, metric: 'spend', horizon: 14 },
    });
    expect(spend.statusCode, spend.body).toBe(200);
    const f = spend.json();
    expect(f.model).toBe('snaive@7');
    expect(f.modelDescription.text).toBe('The last week repeated');
    expect(f.explanation.warnings.join(' ')).toMatch(/lost to seasonal naive/);
    // The last week repeated.
    expect(f.points[0].mean).toBe(actual.get(addDays(LAST_DAY, -6)));
    expect(f.points[7].mean).toBe(f.points[0].mean);
    for (const p of f.points) expect(p.lo95 <= p.lo80 && p.lo80 <= p.mean && p.mean <= p.hi80).toBe(true);
    // The nightly job's own spend forecast of that campaign is seasonal naive too; other metrics are not replaced.
    const nightly = await t.storage.db
      .selectFrom('predictions')
      .select(['metric', 'model'])
      .distinct()
      .where('organization_id', '=', a.organizationId)
      .where('type', '=', 'forecast')
      .where('entity_id', '=', campaignId)
      .where('horizon_days', '=', 30)
      .execute();
    expect(nightly.find((r) => r.metric === 'spend')?.model).toBe('snaive@7');
    expect(nightly.find((r) => r.metric === 'conversions')?.model).not.toBe('snaive@7');
  });
});

const systemCtxOf = (who: Signed) => systemCtx(who.organizationId);
