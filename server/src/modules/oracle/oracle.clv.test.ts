/**
 * GET /oracle/clv on a client whose CRM holds the CDNOW sample as won opportunities (2,357
 * customers, amounts in micros): the API's fit matches Fader, Hardie & Lee's published parameters,
 * as the CLI's does on the same file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp, uniqueEmail } from '../../../test/helpers/app.ts';
import { newId } from '../../platform/ids.ts';
import { testDialect } from '../../storage/testing.ts';
import { cdnowSampleTransactions, PUBLISHED, relativeError } from './clv/clv.fixtures.ts';

describe(`ORACLE customer value (GET /oracle/clv) on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;
  let b: Signed;
  let clientId: string;
  let emptyClient: string;

  const clv = (who: Signed, qs: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/oracle/clv?${qs}`, headers: who.headers });
  const createClient = async (who: Signed, name: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/clients',
      headers: who.headers,
      payload: { name, email: uniqueEmail('clv') },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };

  beforeAll(async () => {
    t = await createTestApp();
    a = await signUp(t.app, 'clv-a');
    b = await signUp(t.app, 'clv-b');
    clientId = await createClient(a, 'Record shop');
    emptyClient = await createClient(a, 'No deals yet');
    const conn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/connections',
      headers: a.headers,
      payload: {
        platform: 'simulator',
        clientId,
        settings: { seed: 'clv', days: '7', endDate: '2026-11-20' },
      },
    });
    expect(conn.statusCode, conn.body).toBe(201);
    const connectionId = conn.json().connection.id as string;
    const tx = cdnowSampleTransactions();
    const rows = tx.map((x, i) => ({
      id: newId('opportunity'),
      organization_id: a.organizationId,
      connection_id: connectionId,
      client_id: clientId,
      external_id: `cdnow-${i}`,
      pipeline_external_id: 'p',
      stage_external_id: 'won',
      contact_external_id: x.customerId,
      name: `Order ${i}`,
      status: 'won',
      value_micros: Math.round(x.amount * 1e6),
      currency: 'USD',
      won_at: `${x.date}T12:00:00.000Z`,
      lost_at: null,
      platform_created_at: `${x.date}T10:00:00.000Z`,
      platform_updated_at: `${x.date}T12:00:00.000Z`,
      synced_at: '1997-09-30T23:00:00.000Z',
    }));
    for (let i = 0; i < rows.length; i += 500)
      await t.storage.db
        .insertInto('crm_opportunities')
        .values(rows.slice(i, i + 500))
        .execute();
    // A lost deal is not a purchase.
    await t.storage.db
      .insertInto('crm_opportunities')
      .values({
        ...(rows[0] as (typeof rows)[0]),
        id: newId('opportunity'),
        external_id: 'lost',
        status: 'lost',
      })
      .execute();
  });
  afterAll(() => t.close());

  it("fits the client's won deals: BG/NBD and Gamma-Gamma within 1% of the published CDNOW parameters", async () => {
    const res = await clv(a, `clientId=${clientId}&until=1997-09-30&limit=5`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      clientId,
      currency: 'USD',
      until: '1997-09-30',
      unit: 'week',
      horizonDays: 90,
    });
    expect(body.data.customers).toBe(2357);
    for (const k of ['r', 'alpha', 'a', 'b'] as const)
      expect(relativeError(body.bgnbd.params[k], PUBLISHED.bgnbd[k]), k).toBeLessThan(0.01);
    // Amounts are micros: γ is in micros too, the shape parameters are scale-free.
    expect(relativeError(body.gammaGamma.params.p, PUBLISHED.gammaGamma.p)).toBeLessThan(0.01);
    expect(relativeError(body.gammaGamma.params.q, PUBLISHED.gammaGamma.q)).toBeLessThan(0.01);
    expect(relativeError(body.gammaGamma.params.gamma / 1e6, PUBLISHED.gammaGamma.gamma)).toBeLessThan(0.01);
    expect(body.bgnbd.logLikelihood).toBeCloseTo(PUBLISHED.bgnbdLogLikelihood, 0);
    // The in-sample repeat purchases the fit expects are close to those observed.
    expect(body.diagnostics.repeatPurchaseRatio).toBeGreaterThan(0.9);
    expect(body.diagnostics.repeatPurchaseRatio).toBeLessThan(1.1);
    // Contacts ranked by expected value, 5 shown; totals over all of them.
    expect(body.contacts).toHaveLength(5);
    const values = body.contacts.map((c: { expectedValueMicros: number }) => c.expectedValueMicros);
    expect(values).toEqual([...values].sort((x, y) => y - x));
    expect(body.totals.contacts).toBe(2357);
    expect(body.totals.expectedValueMicros).toBeGreaterThan(values[0]);
    for (const c of body.contacts) {
      expect(c.probabilityAlive).toBeGreaterThan(0);
      expect(c.probabilityAlive).toBeLessThanOrEqual(1);
      // Value = purchases × average value (purchases are rounded to 4 decimals in the answer).
      expect(
        relativeError(c.expectedValueMicros, c.expectedPurchases * c.expectedAverageValueMicros),
      ).toBeLessThan(1e-3);
    }
    expect(res.body).not.toMatch(/NaN|Infinity/);
  });

  it('defaults to 90 days from the last CRM sync, and a longer horizon expects more purchases', async () => {
    const d90 = (await clv(a, `clientId=${clientId}&limit=1`)).json();
    expect(d90.until).toBe('1997-09-30');
    const d365 = (await clv(a, `clientId=${clientId}&limit=1&horizonDays=365`)).json();
    expect(d365.totals.expectedPurchases).toBeGreaterThan(d90.totals.expectedPurchases * 2);
    expect(d365.bgnbd.params).toEqual(d90.bgnbd.params);
  });

  it('a client without won deals is a 422 no_data saying so; bad input is a 400; another organization gets 404', async () => {
    const empty = await clv(a, `clientId=${emptyClient}`);
    // A valid request with nothing to compute from, as forecasts, anomalies and allocations answer.
    expect(empty.statusCode).toBe(422);
    expect(empty.json().error.code).toBe('no_data');
    expect(empty.json().error.message).toMatch(/no won opportunities/);
    expect(empty.json().error.details).toEqual({ clientId: emptyClient });
    for (const qs of [`clientId=${clientId}&horizonDays=0`, `clientId=${clientId}&until=yesterday`, '']) {
      const res = await clv(a, qs);
      expect(res.statusCode, qs).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
    }
    // One deal per contact (as the simulator's CRM makes them): nothing to learn repeat buying from.
    const oneOff = await createClient(a, 'One-off buyers');
    const conn = await t.storage.db
      .selectFrom('connections')
      .select('id')
      .where('organization_id', '=', a.organizationId)
      .executeTakeFirstOrThrow();
    await t.storage.db
      .insertInto('crm_opportunities')
      .values(
        Array.from({ length: 40 }, (_, i) => ({
          id: newId('opportunity'),
          organization_id: a.organizationId,
          connection_id: conn.id,
          client_id: oneOff,
          external_id: `one-off-${i}`,
          pipeline_external_id: 'p',
          stage_external_id: 'won',
          contact_external_id: `contact-${i}`,
          name: `Deal ${i}`,
          status: 'won',
          value_micros: 100_000_000 + i * 1_000_000,
          currency: 'USD',
          won_at: `2026-${String(1 + (i % 10)).padStart(2, '0')}-15T12:00:00.000Z`,
          lost_at: null,
          platform_created_at: '2026-01-01T00:00:00.000Z',
          platform_updated_at: '2026-11-01T00:00:00.000Z',
          synced_at: '2026-11-20T00:00:00.000Z',
        })),
      )
      .execute();
    const none = await clv(a, `clientId=${oneOff}`);
    expect(none.statusCode, none.body).toBe(400);
    expect(none.json().error.code).toBe('invalid_input');
    const early = await clv(a, `clientId=${clientId}&until=1990-01-01`);
    expect(early.statusCode).toBe(400);
    const other = await clv(b, `clientId=${clientId}`);
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('not_found');
  });
});
