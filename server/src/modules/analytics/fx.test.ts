import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';
import { fixtures } from '../catalog/catalog.fixtures.ts';

/** An organization reporting in USD with a Google account in USD and a LinkedIn account in GBP. */
describe(`analytics FX rates on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  const day = (date: string, spendMicros: number) => ({
    date,
    impressions: 1000,
    clicks: 10,
    spendMicros,
    conversions: 1,
    conversionValueMicros: 2 * spendMicros,
  });
  const url = (q = '') => `/api/v1/analytics/metrics?from=2024-03-04&to=2024-03-05&groupBy=platform${q}`;
  const put = (who: Signed, rates: unknown[]) =>
    t.app.inject(as(who, { method: 'PUT', url: '/api/v1/analytics/fx-rates', payload: { rates } }));

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'fx');
    const f = fixtures(t.storage, owner.organizationId);
    const google = await f.account({ platform: 'google_ads', currency: 'USD' });
    const linkedin = await f.account({ platform: 'linkedin', currency: 'GBP' });
    for (const acc of [google, linkedin]) {
      const cmp = await f.campaign(acc, `${acc.platform} campaign`);
      const ad = await f.ad(acc, await f.adGroup(acc, cmp, 'g'), 'ad');
      await f.metrics(acc, ad, [day('2024-03-04', 100e6), day('2024-03-05', 200e6)]);
    }
  });
  afterAll(() => t.close());

  it('leaves out rows whose currency has no rate and says so, never mixing currencies; CSV refuses', async () => {
    const res = await t.app.inject(as(owner, { method: 'GET', url: url() }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.rows.map((r: { platform: string }) => r.platform)).toEqual(['google_ads']);
    expect(body.totals).toMatchObject({ impressions: 2000, spendMicros: 300e6 });
    expect(body.warnings).toEqual([
      expect.objectContaining({
        code: 'fx_rate_missing',
        details: expect.objectContaining({
          currency: 'GBP',
          reportingCurrency: 'USD',
          firstDate: '2024-03-04',
          lastDate: '2024-03-05',
          days: 2,
          excludedSpendMicros: 300e6,
        }),
      }),
    ]);
    const csv = await t.app.inject(as(owner, { method: 'GET', url: url('&format=csv') }));
    expect(csv.statusCode).toBe(409);
    expect(csv.json().error.code).toBe('conflict');
  });

  it('converts through the install-wide ECB-style rates (GBP via EUR), naming every rate used', async () => {
    await t.services.analytics.fx.loadInstallRates([
      { date: '2024-03-01', base: 'EUR', quote: 'USD', rate: 1.25 },
      { date: '2024-03-01', base: 'EUR', quote: 'GBP', rate: 0.625 },
      { date: '2024-03-05', base: 'EUR', quote: 'JPY', rate: 160 },
    ]);
    const body = (await t.app.inject(as(owner, { method: 'GET', url: url() }))).json();
    expect(body.warnings).toEqual([]);
    const linkedin = body.rows.find((r: { platform: string }) => r.platform === 'linkedin');
    expect(linkedin).toMatchObject({ spendMicros: 600e6, conversionValueMicros: 1200e6, impressions: 2000 });
    expect(body.totals.spendMicros).toBe(900e6);
    expect(body.fx.ratesUsed).toEqual([
      { date: '2024-03-01', base: 'EUR', quote: 'GBP', rate: 0.625, source: 'install' },
      { date: '2024-03-01', base: 'EUR', quote: 'USD', rate: 1.25, source: 'install' },
    ]);
  });

  it("lets an admin load the organization's own rates, which win, audited; a direct rate on the same day beats a pivot", async () => {
    const res = await put(owner, [
      { date: '2024-03-01', base: 'GBP', quote: 'USD', rate: 1.5 },
      { date: '2024-03-05', base: 'GBP', quote: 'USD', rate: 1.75 },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ upserted: 2 });
    // Upserting again replaces the rate.
    expect((await put(owner, [{ date: '2024-03-05', base: 'GBP', quote: 'USD', rate: 2 }])).statusCode).toBe(
      200,
    );
    const body = (await t.app.inject(as(owner, { method: 'GET', url: url() }))).json();
    const linkedin = body.rows.find((r: { platform: string }) => r.platform === 'linkedin');
    expect(linkedin.spendMicros).toBe(100e6 * 1.5 + 200e6 * 2);
    expect(body.fx.ratesUsed.every((r: { source: string }) => r.source === 'organization')).toBe(true);

    const list = await t.app.inject(
      as(owner, { method: 'GET', url: '/api/v1/analytics/fx-rates?quote=USD' }),
    );
    expect(list.json().items).toEqual([
      { date: '2024-03-05', base: 'GBP', quote: 'USD', rate: 2, source: 'organization' },
      { date: '2024-03-01', base: 'EUR', quote: 'USD', rate: 1.25, source: 'install' },
      { date: '2024-03-01', base: 'GBP', quote: 'USD', rate: 1.5, source: 'organization' },
    ]);
    const audit = await t.services.audit.list(owner.organizationId, {
      limit: 10,
      action: 'analytics.fx_rates_upserted',
    });
    expect(audit.items).toHaveLength(2);
    expect(audit.items[1]?.metadata).toMatchObject({
      count: 2,
      pairs: ['GBP/USD'],
      from: '2024-03-01',
      to: '2024-03-05',
    });
  });

  it("keeps one organization's rates from another, which sees only the install's", async () => {
    const other = await signUp(t.app, 'fx-other');
    const list = (await t.app.inject(as(other, { method: 'GET', url: '/api/v1/analytics/fx-rates' }))).json();
    expect(list.items.map((r: { source: string }) => r.source)).toEqual(['install', 'install', 'install']);
    expect(list.items[0]).toMatchObject({ date: '2024-03-05', quote: 'JPY' });
    const limited = (
      await t.app.inject(
        as(other, { method: 'GET', url: '/api/v1/analytics/fx-rates?limit=1&from=2024-03-01&to=2024-03-04' }),
      )
    ).json();
    expect(limited).toMatchObject({ items: [{ base: 'EUR', quote: 'GBP' }], truncated: true });
  });

  it('rejects malformed rates with 400, and callers without organization:update with 403', async () => {
    for (const rates of [
      [],
      [{ date: '2024-02-30', base: 'EUR', quote: 'USD', rate: 1.1 }],
      [{ date: '2024-03-01', base: 'EUR', quote: 'EUR', rate: 1 }],
      [{ date: '2024-03-01', base: 'eur', quote: 'USD', rate: 1.1 }],
      // Three capitals but no currency: nothing could ever convert it.
      [{ date: '2024-03-01', base: 'XYZ', quote: 'USD', rate: 1.1 }],
      [{ date: '2024-03-01', base: 'EUR', quote: 'USD', rate: 0 }],
      [{ date: '2024-03-01', base: 'EUR', quote: 'USD', rate: -1 }],
      // A rate this large turns spend into Infinity once converted.
      [{ date: '2024-03-01', base: 'EUR', quote: 'USD', rate: 1e308 }],
      [
        { date: '2024-03-01', base: 'EUR', quote: 'USD', rate: 1.1 },
        { date: '2024-03-01', base: 'EUR', quote: 'USD', rate: 1.2 },
      ],
    ]) {
      const res = await put(owner, rates);
      expect(res.statusCode, JSON.stringify(rates)).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
    }
    const key = await t.app.inject(
      as(owner, {
        method: 'POST',
        url: '/api/v1/api-keys',
        payload: { name: 'dashboard', scopes: ['analytics:read'] },
      }),
    );
    const headers = { 'x-api-key': key.json().secret };
    const denied = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/analytics/fx-rates',
      headers,
      payload: { rates: [{ date: '2024-03-01', base: 'EUR', quote: 'USD', rate: 9 }] },
    });
    expect(denied.statusCode).toBe(403);
    const allowed = await t.app.inject({ method: 'GET', url: url(), headers });
    expect(allowed.statusCode).toBe(200);
  });
});
