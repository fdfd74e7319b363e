/**
 * What a person stores through the ORACLE POST routes is in the audit trail: a new forecast, newly
 * stored anomalies, an allocation (a newly stored run). Computations that store nothing (a repeated forecast, a viewer's
 * or a repeated scan), the GETs and the nightly job are not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  joinOrganization,
  type Signed,
  signUp,
  type TestApp,
} from '../../../test/helpers/app.ts';
import { connectSimulatorDays, spikeAdDay } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';
import { runNightly } from './oracle.jobs.ts';

/** 40 days of the simulator's 'nightly' seed end here; its first such ad has the history a scan needs. */
const LAST_DAY = '2026-11-20';

interface Entry {
  action: string;
  actor: { type: string; id: string };
  target: { type: string; id: string } | null;
  inputHash: string | null;
  metadata: Record<string, unknown> | null;
}

describe(`ORACLE audit trail on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let viewer: Signed;
  let campaignId: string;

  const post = (who: Signed, what: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: `/api/v1/oracle/${what}`, headers: who.headers, payload });
  /** The organization's oracle.* entries through the audit API, oldest first. */
  const oracleEntries = async (): Promise<Entry[]> => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/audit?action=oracle.*&limit=100',
      headers: owner.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().items as Entry[]).reverse();
  };

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'oracle-audit');
    viewer = await joinOrganization(t.app, owner, 'viewer');
    await connectSimulatorDays(t, owner, { seed: 'nightly', days: 40, endDate: LAST_DAY });
    campaignId = (
      await t.storage.db
        .selectFrom('campaigns')
        .select('id')
        .where('organization_id', '=', owner.organizationId)
        .orderBy('id')
        .executeTakeFirstOrThrow()
    ).id;
  }, 60_000);
  afterAll(() => t.close());

  it('records a new forecast with its actor and target, and not the same forecast asked again', async () => {
    const ask = { entityType: 'campaign', entityId: campaignId, metric: 'spend', horizon: 7 };
    const first = await post(owner, 'forecasts', ask);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().reused).toBe(false);
    const again = await post(owner, 'forecasts', ask);
    expect(again.json().reused).toBe(true);
    const entries = await oracleEntries();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'oracle.forecast_created',
      actor: { type: 'user', id: owner.userId },
      target: { type: 'forecast', id: first.json().id },
      metadata: { entityType: 'campaign', entityId: campaignId, metric: 'spend', horizon: 7 },
    });
    expect(entries[0]?.inputHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('records an anomaly scan that stored findings; a viewer’s scan and a repeated one store nothing and are not recorded', async () => {
    const adId = await spikeAdDay(t, owner.organizationId, LAST_DAY);
    const before = (await oracleEntries()).length;
    const scan = { entityType: 'ad', entityId: adId };
    const looked = await post(viewer, 'anomalies', scan);
    expect(looked.statusCode, looked.body).toBe(200);
    expect(looked.json().stored).toBe(0);
    expect(await oracleEntries()).toHaveLength(before);

    const found = await post(owner, 'anomalies', scan);
    expect(found.statusCode, found.body).toBe(200);
    const stored = found.json().stored;
    expect(stored).toBeGreaterThan(0);
    const again = await post(owner, 'anomalies', scan);
    expect(again.json().stored).toBe(0);
    const entries = (await oracleEntries()).slice(before);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'oracle.anomalies_recorded',
      actor: { type: 'user', id: owner.userId },
      target: { type: 'ad', id: adId },
      metadata: { stored, to: LAST_DAY },
    });
  });

  it('records an allocation with the stored run as its target', async () => {
    const before = (await oracleEntries()).length;
    const res = await post(owner, 'allocations', { objective: 'conversions' });
    expect(res.statusCode, res.body).toBe(200);
    const entries = (await oracleEntries()).slice(before);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'oracle.allocation_computed',
      actor: { type: 'user', id: owner.userId },
      target: { type: 'allocation', id: res.json().predictionId },
      metadata: { level: 'campaign', objective: 'conversions' },
    });
    // Asked again with the same data, it answers the stored run and records nothing more.
    const again = await post(owner, 'allocations', { objective: 'conversions' });
    expect(again.json().predictionId).toBe(res.json().predictionId);
    expect(again.json()).not.toHaveProperty('newRun');
    expect((await oracleEntries()).slice(before)).toHaveLength(1);
  });

  it('records nothing for reads and for the nightly job', async () => {
    const before = await oracleEntries();
    for (const url of [
      '/api/v1/oracle/forecasts',
      '/api/v1/oracle/anomalies',
      '/api/v1/oracle/predictions',
      '/api/v1/oracle/fatigue',
    ]) {
      const res = await t.app.inject({ method: 'GET', url, headers: owner.headers });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    }
    const nightly = await runNightly({ storage: t.storage, oracle: t.services.oracle }, owner.organizationId);
    expect(nightly).toBeTruthy();
    expect(await oracleEntries()).toEqual(before);
  });
});
