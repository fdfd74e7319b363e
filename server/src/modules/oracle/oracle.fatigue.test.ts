import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { connectSimulator, type SyncedSimulator } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import { FATIGUE_MODEL_VERSION } from './oracle.fatigue.ts';
import { runNightly } from './oracle.jobs.ts';

const LAST_DAY = '2026-11-20';

describe(`ORACLE creative fatigue API on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;
  let b: Signed;
  let simA: SyncedSimulator;
  let simB: SyncedSimulator;

  const get = (who: Signed, url: string) => t.app.inject({ method: 'GET', url, headers: who.headers });
  const fatigueRows = async (orgId: string) =>
    t.storage.db
      .selectFrom('predictions')
      .selectAll()
      .where('organization_id', '=', orgId)
      .where('type', '=', 'fatigue')
      .execute();

  beforeAll(async () => {
    t = await createTestApp();
    a = await signUp(t.app, 'fatigue-a');
    b = await signUp(t.app, 'fatigue-b');
    simA = await connectSimulator(t, a, 'fatiguea');
    simB = await connectSimulator(t, b, 'fatigueb');
  });
  afterAll(() => t.close());

  it('assesses every recently delivering ad as of the last data day, stores each once with model@version and an inputs hash', async () => {
    const res = await get(a, '/api/v1/oracle/fatigue');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.asOf).toBe(LAST_DAY);
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.stored).toBe(body.items.length);
    for (const i of body.items) {
      expect(['healthy', 'early_warning', 'fatigued', 'dead']).toContain(i.class);
      expect(i.rule.length).toBeGreaterThan(0);
      expect(i.p7).toBeGreaterThanOrEqual(0);
      expect(i.p7).toBeLessThanOrEqual(i.p14);
      expect(i.p14).toBeLessThanOrEqual(1);
      expect(i.predictedDrop).toBeGreaterThanOrEqual(0);
      expect(i.refreshBy >= LAST_DAY).toBe(true);
      expect(i.modelVersion).toBe(FATIGUE_MODEL_VERSION);
      expect(i.inputsHash).toMatch(/^[0-9a-f]{64}$/);
      // In words for API users: a sentence from the features (not the compact rule), never NaN.
      expect(i.reason).toMatch(/^[A-Z0-9]/);
      expect(i.reason).not.toBe(i.rule);
      expect(i.reason).not.toMatch(/NaN|undefined|Infinity/);
      for (const r of i.riskFactors) {
        expect(r.text).toMatch(/^[A-Z]/);
        expect(r.text).not.toMatch(/NaN|undefined|Infinity/);
        expect(r.detail.length).toBeGreaterThan(0);
      }
    }
    const frequency = body.items
      .flatMap((i: { riskFactors: { factor: string; text: string }[] }) => i.riskFactors)
      .find((r: { factor: string }) => r.factor === 'frequency');
    if (frequency)
      expect(frequency.text).toMatch(
        /^(Each person reached has seen it \d+\.\d times on average|It has shown \d+ days' worth of impressions at its recent pace)$/,
      );
    const rows = await fatigueRows(a.organizationId);
    expect(rows).toHaveLength(body.items.length);
    expect(rows[0]).toMatchObject({ entity_type: 'ad', metric: 'fatigue', for_date: LAST_DAY });

    const again = (await get(a, '/api/v1/oracle/fatigue')).json();
    expect(again.stored).toBe(0);
    expect(again.items.map((i: { inputsHash: string }) => i.inputsHash).sort()).toEqual(
      body.items.map((i: { inputsHash: string }) => i.inputsHash).sort(),
    );
    expect(await fatigueRows(a.organizationId)).toHaveLength(rows.length);
  });

  it('an ad without impressions for a week is dead, set by the no-delivery rule, and is refreshed at once', async () => {
    await t.storage.db
      .updateTable('daily_metrics')
      .set({ impressions: 0, clicks: 0, conversions: 0 })
      .where('organization_id', '=', a.organizationId)
      .where('ad_id', '=', simA.adId)
      .where('date', '>', '2026-11-13')
      .execute();
    const res = await get(a, `/api/v1/oracle/fatigue/${simA.adId}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ adId: simA.adId, class: 'dead', refreshBy: LAST_DAY });
    expect(res.json().rule).toMatch(/impressions/i);
    expect(res.json().reason).toBe('No impressions in the last 7 days');
    const dead = (await get(a, '/api/v1/oracle/fatigue?class=dead')).json();
    expect(dead.items.map((i: { adId: string }) => i.adId)).toContain(simA.adId);
    expect(dead.items.every((i: { class: string }) => i.class === 'dead')).toBe(true);
  });

  it('filters by campaign and client', async () => {
    const byCampaign = (await get(a, `/api/v1/oracle/fatigue?campaignId=${simA.campaignId}`)).json();
    expect(byCampaign.items.length).toBeGreaterThan(0);
    expect(byCampaign.items.every((i: { campaignId: string }) => i.campaignId === simA.campaignId)).toBe(
      true,
    );
    const client = await t.app.inject({
      method: 'POST',
      url: '/api/v1/clients',
      headers: a.headers,
      payload: { name: 'Fatigue client', email: uniqueEmail('fatigue') },
    });
    expect(client.statusCode, client.body).toBe(201);
    const clientId: string = client.json().id;
    await t.storage.db
      .updateTable('ads')
      .set({ client_id: clientId })
      .where('organization_id', '=', a.organizationId)
      .where('campaign_id', '=', simA.campaignId)
      .execute();
    const byClient = (await get(a, `/api/v1/oracle/fatigue?clientId=${clientId}`)).json();
    expect(byClient.items.length).toBe(byCampaign.items.length);
    expect(byClient.items.every((i: { clientId: string }) => i.clientId === clientId)).toBe(true);
  });

  it('says which ads are fatigued now (p7/p14 do not apply to them) and counts the delivering ads to refresh within 14 days', async () => {
    const body = (await get(a, '/api/v1/oracle/fatigue')).json();
    type Item = {
      adId: string;
      class: string;
      refreshBy: string;
      delivering: boolean;
      fatiguedNow: boolean;
      refreshSoon: boolean;
      features: Record<string, number | boolean | null>;
    };
    const items: Item[] = body.items;
    const until = '2026-12-04';
    for (const i of items) {
      const delivering = i.features.recentDeliveredDays !== 0 && i.features.deliveredDays !== 0;
      expect(i.delivering, i.adId).toBe(delivering);
      expect(i.fatiguedNow, i.adId).toBe(delivering && (i.class === 'fatigued' || i.class === 'dead'));
      expect(i.refreshSoon, i.adId).toBe(delivering && (i.fatiguedNow || i.refreshBy <= until));
    }
    // simA.adId has had no impressions for a week (the test above): dead, but a paused or stopped ad
    // is not "fatigued now" and has nothing to refresh.
    expect(items.find((i) => i.adId === simA.adId)).toMatchObject({
      class: 'dead',
      delivering: false,
      fatiguedNow: false,
      refreshSoon: false,
    });
    // An ad whose refresh date is weeks away is listed, not counted.
    const far = items.find((i) => i.refreshBy > until);
    if (far) expect(far.refreshSoon).toBe(false);
    expect(body.refreshSoon).toEqual({
      withinDays: 14,
      until,
      count: items.filter((i) => i.refreshSoon).length,
      fatiguedNow: items.filter((i) => i.fatiguedNow).length,
      notDelivering: items.filter((i) => !i.delivering).length,
    });
    expect(body.refreshSoon.notDelivering).toBeGreaterThan(0);
    expect(body.refreshSoon.count).toBeLessThan(items.length);
    // An ad that is fatigued and delivering: fatiguedNow, due today.
    const ctrDown = items.find((i) => i.delivering && i.class !== 'healthy' && i.class !== 'early_warning');
    if (ctrDown) expect(ctrDown).toMatchObject({ fatiguedNow: true, refreshSoon: true });
    const one = (await get(a, `/api/v1/oracle/fatigue/${simA.adId}`)).json();
    expect(one).toMatchObject({ delivering: false, fatiguedNow: false, refreshSoon: false });
  });

  it("another organization's ad, campaign or client is 404 and nothing is stored for it", async () => {
    const before = (await fatigueRows(b.organizationId)).length;
    for (const url of [
      `/api/v1/oracle/fatigue/${simB.adId}`,
      `/api/v1/oracle/fatigue?campaignId=${simB.campaignId}`,
    ]) {
      const res = await get(a, url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('not_found');
      expect(res.body).not.toContain('reason');
    }
    expect(await fatigueRows(b.organizationId)).toHaveLength(before);
    expect((await fatigueRows(a.organizationId)).every((r) => r.entity_id !== simB.adId)).toBe(true);
  });

  it('the nightly job stores the fatigue of every organization once', async () => {
    const first = await runNightly({ storage: t.storage, oracle: t.services.oracle }, b.organizationId);
    expect(first.fatigue).toBeGreaterThan(0);
    const second = await runNightly({ storage: t.storage, oracle: t.services.oracle }, b.organizationId);
    expect(second.fatigue).toBe(0);
  });
});
