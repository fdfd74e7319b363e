import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  joinOrganization,
  type Signed,
  signUp,
  type TestApp,
} from '../../../test/helpers/app.ts';
import {
  connectSimulator,
  connectSimulatorDays,
  type SyncedSimulator,
  spikeAdDay,
} from '../../../test/helpers/simulator.ts';
import { nextTick } from '../../queue/index.ts';
import { testDialect } from '../../storage/testing.ts';
import { FORECAST_VERSION } from './forecast/index.ts';
import { ORACLE_NIGHTLY_CRON, oracleJobs, oracleNightlyJob, runNightly } from './oracle.jobs.ts';

/** The simulator syncs 14 days ending 2026-11-20 for each organization (test/helpers/simulator.ts). */
const LAST_DAY = '2026-11-20';

describe(`ORACLE predictions API on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;
  let b: Signed;
  let simA: SyncedSimulator;
  let simB: SyncedSimulator;
  /** An organization with 40 days of data (enough for the nightly job and the detector's warm-up). */
  let c: Signed;

  const post = (who: Signed, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/v1/oracle/forecasts', headers: who.headers, payload });
  const get = (who: Signed, query: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/oracle/forecasts?${query}`, headers: who.headers });
  const predictionCount = async (orgId: string) =>
    Number(
      (
        await t.storage.db
          .selectFrom('predictions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('organization_id', '=', orgId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  /** Another ad of the organization than `except`, with data. */
  const otherAd = async (orgId: string, except: string[]) =>
    (
      await t.storage.db
        .selectFrom('daily_metrics')
        .select('ad_id')
        .distinct()
        .where('organization_id', '=', orgId)
        .where('ad_id', 'not in', except)
        .orderBy('ad_id')
        .executeTakeFirstOrThrow()
    ).ad_id;

  beforeAll(async () => {
    t = await createTestApp();
    a = await signUp(t.app, 'oracle-a');
    b = await signUp(t.app, 'oracle-b');
    simA = await connectSimulator(t, a, 'oraclea');
    simB = await connectSimulator(t, b, 'oracleb');
    c = await signUp(t.app, 'oracle-c');
    await connectSimulatorDays(t, c, { seed: 'nightly', days: 40, endDate: LAST_DAY });
  });
  afterAll(() => t.close());

  it('forecasts a campaign with ordered 80/95% intervals per day, model@version and an explanation, and stores every step', async () => {
    const res = await post(a, {
      entityType: 'campaign',
      entityId: simA.campaignId,
      metric: 'spend',
      horizon: 10,
    });
    expect(res.statusCode, res.body).toBe(200);
    const f = res.json();
    expect(f).toMatchObject({
      entityType: 'campaign',
      entityId: simA.campaignId,
      metric: 'spend',
      unit: 'micros',
      horizon: 10,
      modelVersion: FORECAST_VERSION,
      reused: false,
    });
    expect(f.model.length).toBeGreaterThan(0);
    expect(f.inputsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(f.explanation.seriesLength).toBe(14);
    expect(f.explanation.seriesTo).toBe(LAST_DAY);
    expect(f.explanation.selectedModel).toBe(f.model);
    // The model in words, member by member, from the forecaster's registry.
    expect(f.modelDescription.combination).toBe(f.explanation.members.length > 1 ? 'mean' : 'single');
    expect(f.modelDescription.members.map((m: { model: string }) => m.model)).toEqual(f.explanation.members);
    expect(f.modelDescription.text).not.toBe(f.model);
    expect(f.modelDescription.text).toMatch(/^[A-Z]/);
    if (f.explanation.members.length > 1)
      expect(f.modelDescription.text).toMatch(
        new RegExp(`^Average of ${f.explanation.members.length} models: `),
      );
    expect(f.points).toHaveLength(10);
    expect(f.points[0].date).toBe('2026-11-21');
    expect(f.points[9].date).toBe('2026-11-30');
    for (const p of f.points) {
      for (const k of ['mean', 'lo80', 'hi80', 'lo95', 'hi95']) expect(Number.isFinite(p[k])).toBe(true);
      expect(p.lo95).toBeLessThanOrEqual(p.lo80);
      expect(p.lo80).toBeLessThanOrEqual(p.mean);
      expect(p.mean).toBeLessThanOrEqual(p.hi80);
      expect(p.hi80).toBeLessThanOrEqual(p.hi95);
      expect(p.lo95).toBeGreaterThanOrEqual(0);
    }
    const rows = await t.storage.db
      .selectFrom('predictions')
      .selectAll()
      .where('run_id', '=', f.id)
      .orderBy('step')
      .execute();
    expect(rows).toHaveLength(10);
    expect(rows[0]).toMatchObject({
      organization_id: a.organizationId,
      type: 'forecast',
      entity_type: 'campaign',
      metric: 'spend',
      horizon_days: 10,
      model_version: FORECAST_VERSION,
      inputs_hash: f.inputsHash,
      for_date: '2026-11-21',
    });
    expect(Number(rows[3]?.value)).toBe(f.points[3].mean);
  });

  it('the same inputs are stored once: a repeated request answers the stored forecast', async () => {
    const body = { entityType: 'campaign', entityId: simA.campaignId, metric: 'conversions', horizon: 7 };
    const first = (await post(a, body)).json();
    const before = await predictionCount(a.organizationId);
    const again = await post(a, body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.id, reused: true, inputsHash: first.inputsHash });
    expect(again.json().points).toEqual(first.points);
    expect(await predictionCount(a.organizationId)).toBe(before);
  });

  it('ROAS is the ratio of the revenue and spend forecasts, with positive finite bands', async () => {
    const body = { entityType: 'organization', horizon: 5 };
    const roas = (await post(a, { ...body, metric: 'roas' })).json();
    const rev = (await post(a, { ...body, metric: 'revenue' })).json();
    const spend = (await post(a, { ...body, metric: 'spend' })).json();
    expect(roas.entityId).toBeNull();
    expect(roas.unit).toBe('ratio');
    expect(roas.explanation.components).toEqual({ revenue: rev.model, spend: spend.model });
    expect(roas.modelDescription).toMatchObject({
      combination: 'ratio',
      members: [
        { model: rev.model, text: rev.modelDescription.text },
        { model: spend.model, text: spend.modelDescription.text },
      ],
    });
    expect(roas.modelDescription.text).toMatch(/^Ratio of two forecasts: revenue \(.+\) ÷ spend \(.+\)$/);
    // The backtest error is ROAS's own, a ratio (it used to be the revenue forecast's, in micros);
    // the two forecasts' errors are its components, each as its own forecast reports it.
    const meanRoas =
      roas.points.reduce((a: number, p: { mean: number }) => a + p.mean, 0) / roas.points.length;
    expect(roas.explanation.backtest).toMatchObject({ unit: 'ratio', loss: 'mae' });
    expect(roas.explanation.backtest.error).toBeGreaterThan(0);
    expect(roas.explanation.backtest.error).toBeLessThan(meanRoas);
    expect(roas.explanation.backtest.components).toEqual({
      revenue: { ...rev.explanation.backtest, unit: 'micros' },
      spend: { ...spend.explanation.backtest, unit: 'micros' },
    });
    expect(rev.explanation.backtest.error).toBeGreaterThan(1000);
    for (const [i, p] of roas.points.entries()) {
      // Revenue and spend points are rounded to whole micros; the ratio is of the unrounded means.
      expect(p.mean).toBeCloseTo(rev.points[i].mean / spend.points[i].mean, 3);
      expect(p.lo95).toBeGreaterThan(0);
      expect(p.lo95).toBeLessThanOrEqual(p.lo80);
      expect(p.hi80).toBeLessThanOrEqual(p.hi95);
      expect(Number.isFinite(p.hi95)).toBe(true);
    }
  });

  it('trains on complete days only: with data through today the series ends yesterday, step 1 is today, and conversions warn of days still filling in', async () => {
    const realNow = t.clock.now();
    // The server's day is LAST_DAY itself, mid-afternoon: LAST_DAY's rows are a partial day.
    t.clock.set(new Date(`${LAST_DAY}T15:00:00.000Z`));
    try {
      const conv = await post(a, { entityType: 'organization', metric: 'conversions', horizon: 7 });
      expect(conv.statusCode, conv.body).toBe(200);
      const f = conv.json();
      expect(f.explanation.seriesTo).toBe('2026-11-19');
      expect(f.explanation.seriesLength).toBe(13);
      expect(f.points[0].date).toBe(LAST_DAY);
      // No restatements to learn a delay from: those days stay as reported, and the answer says so.
      expect(f.explanation.nowcast).toMatchObject({
        from: '2026-11-13',
        to: '2026-11-19',
        accountsAdjusted: [],
      });
      expect(f.explanation.nowcast.expectedConversions).toBe(f.explanation.nowcast.reportedConversions);
      expect(f.explanation.warnings.join(' ')).toMatch(
        /from 2026-11-13 to 2026-11-19 are as reported: the nowcast has too few restatements/,
      );
      const spend = (await post(a, { entityType: 'organization', metric: 'spend', horizon: 7 })).json();
      expect(spend.explanation.seriesTo).toBe('2026-11-19');
      expect(spend.points[0].date).toBe(LAST_DAY);
      expect(spend.explanation.warnings.join(' ')).not.toMatch(/still incomplete/);
      const roas = (await post(a, { entityType: 'organization', metric: 'roas', horizon: 7 })).json();
      expect(roas.explanation.nowcast).toMatchObject({ from: '2026-11-13', to: '2026-11-19' });
      expect(roas.explanation.warnings.join(' ')).toMatch(/Conversions and revenue of .* are as reported/);
      // A `from` of today has no complete day to train on.
      const today = await post(a, {
        entityType: 'organization',
        metric: 'spend',
        horizon: 7,
        from: LAST_DAY,
      });
      expect(today.statusCode).toBe(400);
      expect(today.json().error.message).toMatch(/after the latest complete day with data \(2026-11-19\)/);
    } finally {
      t.clock.set(realNow);
    }
  });

  it('lists the latest forecast first, with history behind a cursor', async () => {
    const body = { entityType: 'ad', entityId: simA.adId, metric: 'spend' };
    const older = (await post(a, { ...body, horizon: 3 })).json();
    const newer = (await post(a, { ...body, horizon: 4 })).json();
    const page1 = await get(a, `entityType=ad&entityId=${simA.adId}&metric=spend&limit=1`);
    expect(page1.statusCode, page1.body).toBe(200);
    expect(page1.json().items.map((f: { id: string }) => f.id)).toEqual([newer.id]);
    expect(page1.json().items[0].points).toHaveLength(4);
    expect(page1.json().items[0].modelDescription).toEqual(newer.modelDescription);
    expect(newer.modelDescription.text.length).toBeGreaterThan(0);
    const page2 = await get(
      a,
      `entityType=ad&entityId=${simA.adId}&metric=spend&limit=1&cursor=${page1.json().nextCursor}`,
    );
    expect(page2.json().items.map((f: { id: string }) => f.id)).toEqual([older.id]);
    expect(page2.json().nextCursor).toBeNull();
    const conversions = await get(a, `entityType=ad&entityId=${simA.adId}&metric=conversions`);
    expect(conversions.json().items).toEqual([]);
  });

  it("another organization's entity is 404 to compute and to list, and nothing is written", async () => {
    const before = await predictionCount(b.organizationId);
    for (const [entityType, entityId] of [
      ['campaign', simA.campaignId],
      ['ad', simA.adId],
    ]) {
      const res = await post(b, { entityType, entityId, metric: 'spend', horizon: 5 });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
      const list = await get(b, `entityType=${entityType}&entityId=${entityId}`);
      expect(list.statusCode).toBe(404);
    }
    expect(await predictionCount(b.organizationId)).toBe(before);
    const all = await get(b, 'limit=200');
    expect(all.statusCode).toBe(200);
    expect(all.body).not.toContain(simA.campaignId);
    expect(all.body).not.toContain(a.organizationId);
  });

  it('answers bad input with a clear 4xx: an entity without data, a foreign platform, a horizon past 90, a stray id', async () => {
    const client = await t.app.inject({
      method: 'POST',
      url: '/api/v1/clients',
      headers: b.headers,
      payload: { name: 'No data', email: 'nodata@example.test' },
    });
    const noData = await post(b, { entityType: 'client', entityId: client.json().id, metric: 'spend' });
    // Nothing synced yet is its own code (the dashboard shows an empty state for it, not an error).
    expect(noData.statusCode).toBe(422);
    expect(noData.json().error.code).toBe('no_data');
    expect(noData.json().error.message).toMatch(/no daily metrics/);
    const anomalies = await t.app.inject({
      method: 'POST',
      url: '/api/v1/oracle/anomalies',
      headers: b.headers,
      payload: { entityType: 'client', entityId: client.json().id },
    });
    expect(anomalies.statusCode, anomalies.body).toBe(422);
    expect(anomalies.json().error.code).toBe('no_data');
    const allocation = await t.app.inject({
      method: 'POST',
      url: '/api/v1/oracle/allocations',
      headers: b.headers,
      payload: { clientId: client.json().id, level: 'campaign', objective: 'revenue' },
    });
    expect(allocation.statusCode, allocation.body).toBe(422);
    expect(allocation.json().error.code).toBe('no_data');
    expect((await post(b, { entityType: 'platform', entityId: 'tiktok', metric: 'spend' })).statusCode).toBe(
      404,
    );
    expect(
      (await post(b, { entityType: 'campaign', entityId: simB.campaignId, metric: 'spend', horizon: 91 }))
        .statusCode,
    ).toBe(400);
    expect((await post(b, { entityType: 'organization', entityId: 'x', metric: 'spend' })).statusCode).toBe(
      400,
    );
    expect((await post(b, { entityType: 'campaign', metric: 'spend' })).statusCode).toBe(400);
    const late = await post(b, {
      entityType: 'campaign',
      entityId: simB.campaignId,
      metric: 'spend',
      from: '2027-01-01',
    });
    expect(late.statusCode).toBe(400);
    // Days that do not exist are refused as such, not rolled over into the next month.
    for (const from of ['2026-09-31', '2026-02-30', '0000-00-00', '2026-13-45']) {
      const res = await post(b, { entityType: 'campaign', entityId: simB.campaignId, metric: 'spend', from });
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json().error)).toMatch(/calendar day/);
    }
  });

  it('all-zero conversions give a flat zero forecast; a single day of data a finite one; negative spend a 400', async () => {
    const zeroAd = await otherAd(b.organizationId, [simB.adId]);
    await t.storage.db
      .updateTable('daily_metrics')
      .set({ conversions: 0, conversion_value_micros: 0 })
      .where('organization_id', '=', b.organizationId)
      .where('ad_id', '=', zeroAd)
      .execute();
    const zero = await post(b, { entityType: 'ad', entityId: zeroAd, metric: 'conversions', horizon: 5 });
    expect(zero.statusCode, zero.body).toBe(200);
    for (const p of zero.json().points)
      expect([p.mean, p.lo80, p.hi80, p.lo95, p.hi95]).toEqual([0, 0, 0, 0, 0]);
    const roas = await post(b, { entityType: 'ad', entityId: zeroAd, metric: 'roas', horizon: 5 });
    expect(roas.statusCode, roas.body).toBe(200);
    for (const p of roas.json().points) expect(p.mean).toBe(0);

    const singleAd = (
      await t.storage.db
        .selectFrom('daily_metrics')
        .select('ad_id')
        .where('organization_id', '=', b.organizationId)
        .where('date', '=', LAST_DAY)
        .where('ad_id', 'not in', [simB.adId, zeroAd])
        .orderBy('ad_id')
        .executeTakeFirstOrThrow()
    ).ad_id;
    await t.storage.db
      .deleteFrom('daily_metrics')
      .where('organization_id', '=', b.organizationId)
      .where('ad_id', '=', singleAd)
      .where('date', '<', LAST_DAY)
      .execute();
    const single = await post(b, { entityType: 'ad', entityId: singleAd, metric: 'spend', horizon: 3 });
    expect(single.statusCode, single.body).toBe(200);
    expect(single.json().explanation.seriesLength).toBe(1);
    expect(single.json().explanation.warnings.length).toBeGreaterThan(0);

    await t.storage.db
      .updateTable('daily_metrics')
      .set({ spend_micros: -5_000_000 })
      .where('organization_id', '=', b.organizationId)
      .where('ad_id', '=', simB.adId)
      .where('date', '=', LAST_DAY)
      .execute();
    const negative = await post(b, { entityType: 'ad', entityId: simB.adId, metric: 'spend', horizon: 3 });
    expect(negative.statusCode).toBe(400);
    // Named by day, amount in currency units and ad, not by position and raw micros.
    const { name: adName, campaign_id: adCampaign } = await t.storage.db
      .selectFrom('ads')
      .select(['name', 'campaign_id'])
      .where('id', '=', simB.adId)
      .executeTakeFirstOrThrow();
    const negErr = negative.json().error;
    expect(negErr.message).toMatch(/^spend on 2026-11-20 is \u22125\.00 [A-Z]{3} \(ad /);
    expect(negErr.message).toContain(adName);
    expect(negErr.message).not.toMatch(/position/);
    expect(negErr.details).toMatchObject({
      reason: 'negative_value',
      metric: 'spend',
      date: LAST_DAY,
      value: -5,
      valueMicros: -5_000_000,
      adId: simB.adId,
      entityType: 'ad',
      entityId: simB.adId,
    });
    // ROAS divides by spend: refused the same way; conversions do not use spend and still forecast.
    expect(
      (await post(b, { entityType: 'ad', entityId: simB.adId, metric: 'roas', horizon: 3 })).json(),
    ).toMatchObject({ error: { details: { reason: 'negative_value', date: LAST_DAY } } });
    expect(
      (await post(b, { entityType: 'ad', entityId: simB.adId, metric: 'conversions', horizon: 3 }))
        .statusCode,
    ).toBe(200);
    // The campaign's anomaly scan reads the same ad-day: the same 400, not a silent 200.
    const scan = await t.app.inject({
      method: 'POST',
      url: '/api/v1/oracle/anomalies',
      headers: b.headers,
      payload: { entityType: 'campaign', entityId: adCampaign },
    });
    expect(scan.statusCode, scan.body).toBe(400);
    expect(scan.json().error.details).toMatchObject({
      reason: 'negative_value',
      metric: 'spend',
      date: LAST_DAY,
      adId: simB.adId,
      entityType: 'campaign',
    });
  });

  it('an organization with 2 days of history forecasts their level, no trend, with bands that widen over 30 days', async () => {
    const from = '2026-11-19';
    const days = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => [
        'date',
        eb.fn.sum<number>('spend_micros').as('spend'),
        eb.fn.sum<number>('conversion_value_micros').as('revenue'),
        eb.fn.sum<number>('conversions').as('conversions'),
      ])
      .where('organization_id', '=', a.organizationId)
      .where('date', '>=', from)
      .groupBy('date')
      .execute();
    expect(days).toHaveLength(2);
    expect(days.every((d) => Number(d.conversions) > 0)).toBe(true);
    const history = {
      spend: days.map((d) => Number(d.spend)),
      conversions: days.map((d) => Number(d.conversions)),
      roas: days.map((d) => Number(d.revenue) / Number(d.spend)),
    };
    for (const metric of ['spend', 'conversions', 'roas'] as const) {
      const res = await post(a, { entityType: 'organization', metric, from, horizon: 30 });
      expect(res.statusCode, res.body).toBe(200);
      const f = res.json();
      expect(f.explanation.seriesLength).toBe(2);
      expect(f.model).toBe(metric === 'roas' ? 'ratio(mean,mean)' : 'mean');
      expect(f.explanation.intervalMethod).toBe('short-series');
      expect(f.explanation.warnings.join(' ')).toMatch(/only 2 days of history: no trend is projected/);
      const points = f.points as { mean: number; lo80: number; hi80: number; lo95: number; hi95: number }[];
      const lo = Math.min(...history[metric]);
      const hi = Math.max(...history[metric]);
      for (const [j, p] of points.entries()) {
        // The level of the two days (a ratio of sums lies between the daily ratios), every day.
        expect(p.mean).toBeGreaterThanOrEqual(lo * 0.999 - 1);
        expect(p.mean).toBeLessThanOrEqual(hi * 1.001 + 1);
        expect(p.mean).toBeCloseTo(points[0]!.mean, 6);
        expect(p.lo95).toBeGreaterThanOrEqual(0);
        expect(p.lo95).toBeLessThanOrEqual(p.lo80);
        expect(p.hi80).toBeLessThanOrEqual(p.hi95);
        if (j > 0) {
          expect(p.hi80).toBeGreaterThan(points[j - 1]!.hi80);
          expect(p.hi95).toBeGreaterThan(points[j - 1]!.hi95);
        }
      }
    }
  });

  it('finds a spend spike on the last day, explains it, stores it once, and lists it; another organization gets 404', async () => {
    const adId = await spikeAdDay(t, c.organizationId, LAST_DAY);
    const scan = (who: Signed) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/oracle/anomalies',
        headers: who.headers,
        payload: { entityType: 'ad', entityId: adId },
      });
    // A workflow listening for anomalies: each event starts one run.
    const wf = await t.app.inject({
      method: 'POST',
      url: '/api/v1/workflows',
      headers: c.headers,
      payload: {
        name: 'On anomaly',
        steps: [
          {
            id: 'mail',
            type: 'notify',
            config: { to: ['team@example.test'], subject: 'Anomaly', body: 'x' },
          },
        ],
        triggers: { events: [{ type: 'anomaly.found' }] },
      },
    });
    expect(wf.statusCode, wf.body).toBe(201);
    const announced = async () =>
      (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/workflows/${wf.json().workflow.id}/runs`,
          headers: c.headers,
        })
      ).json().items.length as number;
    // A viewer's scan is computed, not stored, and starts nothing: the spike is in its answer.
    const viewer = await joinOrganization(t.app, c, 'viewer');
    const looked = await scan(viewer);
    expect(looked.statusCode, looked.body).toBe(200);
    expect(looked.json().stored).toBe(0);
    expect(looked.json().items.map((f: { date: string }) => f.date)).toContain(LAST_DAY);
    expect(await announced()).toBe(0);
    const first = await scan(c);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().stored).toBeGreaterThan(0);
    expect(await announced()).toBe(1);
    const spike = first.json().items.find((f: { date: string }) => f.date === LAST_DAY);
    expect(spike, first.body).toBeDefined();
    expect(spike.flaggedMetrics).toContain('spend');
    expect(spike.score).toBeGreaterThanOrEqual(0.5);
    expect(spike.metrics.spend.actual).toBeGreaterThan(3 * spike.metrics.spend.expected);
    expect(spike.modelVersion).toBeTruthy();
    expect(first.json().stored).toBe(first.json().items.length);
    const again = await scan(c);
    expect(again.json().stored).toBe(0);
    // As if a new detector version had stored them (new hashes): the days come back, but they are
    // not news, and nothing is announced again.
    await t.storage.db
      .updateTable('predictions')
      .set((eb) => ({ inputs_hash: eb.fn('upper', ['inputs_hash']) }))
      .where('organization_id', '=', c.organizationId)
      .where('type', '=', 'anomaly')
      .where('entity_id', '=', adId)
      .execute();
    const bumped = await scan(c);
    expect(bumped.json().stored).toBe(first.json().stored);
    expect(await announced()).toBe(1);
    await t.storage.db
      .deleteFrom('predictions')
      .where('organization_id', '=', c.organizationId)
      .where('type', '=', 'anomaly')
      .where('entity_id', '=', adId)
      .where(
        'id',
        'in',
        bumped.json().items.map((f: { id: string }) => f.id),
      )
      .execute();
    expect(again.json().items.map((f: { id: string }) => f.id)).toEqual(
      first.json().items.map((f: { id: string }) => f.id),
    );
    const list = await t.app.inject({
      method: 'GET',
      url: `/api/v1/oracle/anomalies?entityType=ad&entityId=${adId}`,
      headers: c.headers,
    });
    expect(list.json().items.map((f: { id: string }) => f.id)).toContain(spike.id);
    // A finding of an earlier detector version is listed only when asked for: a newer detector may
    // not flag what an older one did.
    await t.storage.db
      .updateTable('predictions')
      .set({ model_version: '0.9.0' })
      .where('id', '=', spike.id)
      .execute();
    const ids = async (qs: string) =>
      (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/oracle/anomalies?entityType=ad&entityId=${adId}${qs}`,
          headers: c.headers,
        })
      )
        .json()
        .items.map((f: { id: string }) => f.id);
    expect(await ids('')).not.toContain(spike.id);
    expect(await ids('&allVersions=true')).toContain(spike.id);
    const foreign = await scan(a);
    expect(foreign.statusCode).toBe(404);
    const foreignList = await t.app.inject({
      method: 'GET',
      url: `/api/v1/oracle/anomalies?entityType=ad&entityId=${adId}`,
      headers: a.headers,
    });
    expect(foreignList.statusCode).toBe(404);
  });

  it('the nightly job forecasts every client and campaign with enough data, skips and records short ones, and is idempotent', async () => {
    const campaigns = await t.storage.db
      .selectFrom('daily_metrics')
      .select('campaign_id')
      .distinct()
      .where('organization_id', '=', c.organizationId)
      .orderBy('campaign_id')
      .execute();
    const short = campaigns[0]?.campaign_id as string;
    await t.storage.db
      .deleteFrom('daily_metrics')
      .where('organization_id', '=', c.organizationId)
      .where('campaign_id', '=', short)
      .where('date', '<', '2026-11-15')
      .execute();
    const first = await runNightly({ storage: t.storage, oracle: t.services.oracle }, c.organizationId);
    expect(first.skipped).toContainEqual(
      expect.objectContaining({ entityType: 'campaign', entityId: short, days: 6 }),
    );
    expect(first.stored).toBeGreaterThan(0);
    expect(first.stored % 4).toBe(0);
    const nightly = await t.storage.db
      .selectFrom('predictions')
      .select(['entity_type', 'entity_id', 'horizon_days'])
      .distinct()
      .where('organization_id', '=', c.organizationId)
      .where('horizon_days', '=', 30)
      .execute();
    expect(nightly.some((r) => r.entity_type === 'campaign' && r.entity_id === short)).toBe(false);
    const count = await predictionCount(c.organizationId);
    const second = await runNightly({ storage: t.storage, oracle: t.services.oracle }, c.organizationId);
    expect(second.stored).toBe(0);
    expect(second.anomalies).toBe(0);
    expect(second.unchanged).toBe(first.stored + first.unchanged);
    expect(await predictionCount(c.organizationId)).toBe(count);
  });

  it('the oracle.nightly binding runs the job for one organization and reports progress; it is scheduled daily at 04:23 UTC', async () => {
    const [binding] = oracleJobs({ storage: t.storage, oracle: t.services.oracle });
    expect(binding?.def.name).toBe(oracleNightlyJob.name);
    const progress: unknown[] = [];
    const ctx = {
      jobId: 'job_test',
      attempt: 1,
      maxAttempts: 3,
      organizationId: null,
      signal: new AbortController().signal,
      progress: async (p: unknown) => {
        progress.push(p);
      },
      log: { info() {}, warn() {}, error() {} },
    } as unknown as Parameters<NonNullable<typeof binding>['run']>[1];
    const result = (await binding?.run({ organizationId: c.organizationId }, ctx)) as {
      organizations: number;
      skippedCount: number;
    };
    expect(result.organizations).toBe(1);
    expect(progress).toHaveLength(1);
    expect(nextTick(ORACLE_NIGHTLY_CRON, new Date('2026-11-20T05:00:00Z')).toISOString()).toBe(
      '2026-11-21T04:23:00.000Z',
    );
  });

  it('names a spend spike left out of the fit by its day and in currency units, not micros', async () => {
    const spiked = '2026-10-31';
    const adId = await spikeAdDay(t, c.organizationId, spiked);
    await t.storage.db
      .updateTable('daily_metrics')
      .set((eb) => ({ spend_micros: eb('spend_micros', '*', 5) }))
      .where('organization_id', '=', c.organizationId)
      .where('ad_id', '=', adId)
      .where('date', '=', spiked)
      .execute();
    const res = await post(c, { entityType: 'ad', entityId: adId, metric: 'spend', horizon: 7 });
    expect(res.statusCode, res.body).toBe(200);
    const f = res.json();
    const w = (f.explanation.warnings as string[]).find((x) => /outlier/.test(x));
    expect(w).toMatch(
      new RegExp(
        `^1 outlier left out of the fit .*: ${spiked}: [\\d.]+ ${f.explanation.currency} \\(fitted [\\d.]+ ${f.explanation.currency}\\)$`,
      ),
    );
    // No micros: no run of 7 digits.
    expect(w).not.toMatch(/\d{7}/);
  });
});
