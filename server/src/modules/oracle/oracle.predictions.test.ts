import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { connectSimulator, type SyncedSimulator } from '../../../test/helpers/simulator.ts';
import { testDialect } from '../../storage/testing.ts';

interface Row {
  id: string;
  runId: string;
  type: string;
  entityType: string;
  entityId: string | null;
  step: number;
  value: number;
  model: string;
  modelVersion: string;
  inputsHash: string;
  computedAt: string;
  explanation: unknown;
}

describe(`ORACLE prediction history on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;
  let b: Signed;
  let simA: SyncedSimulator;
  let forecastId: string;
  let allocationId: string;
  let allocated: number;

  const history = (who: Signed, query: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/oracle/predictions?${query}`, headers: who.headers });

  beforeAll(async () => {
    t = await createTestApp();
    a = await signUp(t.app, 'history-a');
    b = await signUp(t.app, 'history-b');
    simA = await connectSimulator(t, a, 'historya');
    await connectSimulator(t, b, 'historyb');
    const forecast = await t.app.inject({
      method: 'POST',
      url: '/api/v1/oracle/forecasts',
      headers: a.headers,
      payload: { entityType: 'campaign', entityId: simA.campaignId, metric: 'spend', horizon: 7 },
    });
    expect(forecast.statusCode, forecast.body).toBe(200);
    forecastId = forecast.json().id;
    const allocation = await t.app.inject({
      method: 'POST',
      url: '/api/v1/oracle/allocations',
      headers: a.headers,
      payload: { objective: 'conversions' },
    });
    expect(allocation.statusCode, allocation.body).toBe(200);
    allocationId = allocation.json().predictionId;
    allocated = allocation.json().allocations.length;
  }, 60_000);
  afterAll(async () => t?.close());

  it('answers every stored row of a run with its model@version, hash of inputs and explanation', async () => {
    const res = await history(a, `type=forecast&runId=${forecastId}`);
    expect(res.statusCode, res.body).toBe(200);
    const rows: Row[] = res.json().items;
    expect(rows.map((r) => r.step).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const r of rows) {
      expect(r).toMatchObject({ type: 'forecast', entityType: 'campaign', entityId: simA.campaignId });
      expect(r.model).not.toBe('');
      expect(r.modelVersion).not.toBe('');
      expect(r.inputsHash).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isFinite(r.value)).toBe(true);
    }
    const alloc = await history(a, `type=allocation&runId=${allocationId}`);
    expect(alloc.json().items).toHaveLength(allocated);
    expect(alloc.json().items[0].explanation).toBeTypeOf('object');
  });

  it('filters by entity and by the day computed, newest first, page by page', async () => {
    const mine = await history(a, `entityType=campaign&entityId=${simA.campaignId}`);
    expect(mine.statusCode).toBe(200);
    const items: Row[] = mine.json().items;
    expect(items.some((r) => r.runId === forecastId)).toBe(true);
    expect(items.every((r) => r.entityId === simA.campaignId)).toBe(true);
    const today = t.clock.now().toISOString().slice(0, 10);
    const computedToday = await history(a, `computedFrom=${today}&computedTo=${today}&limit=200`);
    expect(computedToday.json().items.length).toBeGreaterThanOrEqual(7 + allocated);
    const before = await history(a, 'computedTo=2020-01-01');
    expect(before.json().items).toEqual([]);
    const untilTheEnd = await history(a, 'computedFrom=0001-01-01&computedTo=9999-12-31&limit=200');
    expect(untilTheEnd.json().items.length).toBe(computedToday.json().items.length);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await history(a, `limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().items.map((r: Row) => r.id));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort().reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(7 + allocated);
  });

  it('another organization sees none of it and gets 404 for the entity and for the run', async () => {
    // Tenant isolation: another organization's run answers as a run that does not exist.
    const theirs = await history(b, `runId=${forecastId}`);
    expect(theirs.statusCode, theirs.body).toBe(404);
    expect(theirs.json().error.code).toBe('not_found');
    const none = await history(b, 'runId=prd_doesnotexist');
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('not_found');
    const entity = await history(b, `entityType=campaign&entityId=${simA.campaignId}`);
    expect(entity.statusCode).toBe(404);
    expect(entity.json().error.code).toBe('not_found');
  });

  it('refuses bad filters with 400', async () => {
    for (const q of [
      'type=guess',
      'computedFrom=2026-02-30',
      'computedFrom=2026-11-20&computedTo=2026-11-01',
      'entityType=campaign',
      'limit=0',
    ]) {
      const res = await history(a, q);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
    }
  });
});
