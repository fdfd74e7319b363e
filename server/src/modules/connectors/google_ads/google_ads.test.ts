import { afterEach, describe, expect, it } from 'vitest';
import { startGoogleAdsContext } from '../../../../test/fakes/google_ads/context.ts';
import type { GoogleAdsFake, GoogleAdsFakeOptions } from '../../../../test/fakes/google_ads/fake.ts';
import { createMemoryBudget } from '../budget.ts';
import { adsConnectorContract, makeScenario } from '../connector.contract.ts';
import { ConnectorError, type VendorSettings } from '../connector.port.ts';
import { classify } from './client.ts';
import { googleAds } from './index.ts';

const startWith = (
  opts: GoogleAdsFakeOptions = {},
  settings: Partial<VendorSettings> = {},
  sc = makeScenario(),
) => startGoogleAdsContext(googleAds.defaultSettings, opts, settings, sc);

adsConnectorContract('google_ads', {
  definition: googleAds,
  // Ad-day rows carry no unique reach or frequency in Google Ads; TrueView views are reported.
  supports: { reach: false, frequency: false, videoViews: true },
  budgetLevel: 'campaign',
  start: (sc) => startWith({}, {}, sc),
});

const ads = googleAds.ads!;
const range = { from: '2026-11-01', to: '2026-11-10' };
const collect = async <T>(it: AsyncIterable<T[]>) => {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
};
const apiCalls = (fake: GoogleAdsFake) => fake.log.filter((r) => r.path !== '/token');

describe('google_ads connector, vendor specifics', () => {
  let fake: GoogleAdsFake | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('posts GAQL to v26 googleAds:search with bearer, digits-only login-customer-id, no pageSize, and pages by token', async () => {
    const s = await startWith({}, { loginCustomerId: '987-654-3210', developerToken: 'dev-tok' });
    fake = s.fake;
    const rows = await collect(
      ads.fetchDailyMetrics(s.ctx, '123-456-7890', { from: '2026-11-03', to: '2026-11-04' }),
    );
    expect(rows).toHaveLength(24);
    const calls = apiCalls(fake);
    expect(calls.length).toBe(4); // 24 rows at the fake's page size of 7
    for (const [i, c] of calls.entries()) {
      expect(c.method).toBe('POST');
      expect(c.path).toBe('/v26/customers/1234567890/googleAds:search');
      expect(c.headers.authorization).toBe(`Bearer ${fake.accessToken}`);
      expect(c.headers['login-customer-id']).toBe('9876543210');
      expect(c.headers['developer-token']).toBe('dev-tok');
      const body = c.body as Record<string, unknown>;
      expect(body).not.toHaveProperty('pageSize');
      expect(body.query).toBe(
        'SELECT campaign.id, ad_group.id, ad_group_ad.ad.id, segments.date, metrics.impressions, metrics.clicks, ' +
          'metrics.cost_micros, metrics.conversions, metrics.conversions_value, metrics.video_trueview_views ' +
          "FROM ad_group_ad WHERE segments.date BETWEEN '2026-11-03' AND '2026-11-04'",
      );
      expect(body.pageToken === undefined).toBe(i === 0);
    }
  });

  it('sends no developer-token or login-customer-id header when none is configured', async () => {
    const s = await startWith();
    fake = s.fake;
    await ads.fetchStructure(s.ctx, '1234567890');
    for (const c of apiCalls(fake)) {
      expect(c.headers).not.toHaveProperty('developer-token');
      expect(c.headers).not.toHaveProperty('login-customer-id');
    }
  });

  it('the fake enforces Google rules, and classify maps each refusal to the right kind', async () => {
    const s = await startWith();
    fake = s.fake;
    const url = (cid: string) => `${s.fake.url}/v26/customers/${cid}/googleAds:search`;
    const call = async (cid: string, body: Record<string, unknown>, auth = true) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (auth) headers.authorization = `Bearer ${s.fake.accessToken}`;
      const r = await fetch(url(cid), { method: 'POST', headers, body: JSON.stringify(body) });
      const text = await r.text();
      return classify({ status: r.status, headers: r.headers, text, body: JSON.parse(text) });
    };
    const q = 'SELECT campaign.id FROM campaign';
    const daily = 'SELECT ad_group_ad.ad.id, segments.date, metrics.clicks FROM ad_group_ad';
    const range = " WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-02'";
    expect(await call('1234567890', { query: q, pageSize: 5 })).toMatchObject({
      kind: 'invalid',
      vendorCode: 'requestError.PAGE_SIZE_NOT_SUPPORTED',
    });
    expect(await call('1234567890', { query: q }, false)).toMatchObject({ kind: 'auth', status: 401 });
    expect(await call('1234567890', { query: daily })).toMatchObject({
      vendorCode: 'queryError.EXPECTED_FILTERS_ON_DATE_RANGE',
    });
    expect(await call('1234567890', { query: daily.replace('clicks', 'video_views') + range })).toMatchObject(
      {
        vendorCode: 'queryError.UNRECOGNIZED_FIELD',
      },
    );
    expect(await call('9876543210', { query: daily + range })).toMatchObject({
      vendorCode: 'queryError.REQUESTED_METRICS_FOR_MANAGER',
    });
    const token = Buffer.from('7:not-this-query').toString('base64url');
    expect(await call('1234567890', { query: q, pageToken: token })).toMatchObject({
      vendorCode: 'requestError.INVALID_PAGE_TOKEN',
    });
  });

  it('waits the quotaErrorDetails.retryDelay Google asked for (30s) before retrying', async () => {
    const s = await startWith({ retryDelay: '30s' });
    fake = s.fake;
    let now = 1_000_000;
    const reported: Array<{ retryAfterMs?: number }> = [];
    const advance = async (ms: number) => {
      now += ms;
    };
    const inner = createMemoryBudget({}, { now: () => now, sleep: advance });
    const budget = {
      ...inner,
      report: (k: string, info: { retryAfterMs?: number }) => {
        reported.push(info);
        inner.report(k, info);
      },
    };
    fake.inject('rate_limited', 1);
    const rows = await collect(ads.fetchDailyMetrics({ ...s.ctx, budget }, '1234567890', range));
    expect(rows).toHaveLength(120);
    expect(reported).toContainEqual({ retryAfterMs: 30_000 });
    expect(now).toBeGreaterThanOrEqual(1_030_000);
  });

  it('maps a client account reached without login-customer-id to auth USER_PERMISSION_DENIED', async () => {
    const s = await startWith({ viaManagerOnly: true });
    fake = s.fake;
    const err = await ads.fetchStructure(s.ctx, '1234567890').catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({
      kind: 'auth',
      status: 403,
      vendorCode: 'authorizationError.USER_PERMISSION_DENIED',
    });
    const ok = await ads.fetchStructure(
      { ...s.ctx, settings: { ...s.ctx.settings, loginCustomerId: '9876543210' } },
      '1234567890',
    );
    expect(ok.ads).toHaveLength(12);
  });

  it('lists client accounts under the manager through customer_client when a login customer is set', async () => {
    const s = await startWith({ viaManagerOnly: true }, { loginCustomerId: '9876543210' });
    fake = s.fake;
    const accounts = await ads.listAccounts(s.ctx);
    expect(accounts).toEqual([
      {
        externalId: '1234567890',
        name: 'Acme Dental',
        currency: 'USD',
        timeZone: 'America/New_York',
        status: 'active',
      },
    ]);
    expect(apiCalls(fake)[0]?.body).toMatchObject({ query: expect.stringContaining('FROM customer_client') });
  });

  it('lists directly accessible accounts, leaving out managers and cancelled accounts', async () => {
    const s = await startWith({ disabledCustomers: ['5550001111'] });
    fake = s.fake;
    const accounts = await ads.listAccounts(s.ctx);
    expect(accounts.map((a) => a.externalId)).toEqual(['1234567890']);
    expect(apiCalls(fake)[0]).toMatchObject({
      method: 'GET',
      path: '/v26/customers:listAccessibleCustomers',
    });
    expect(apiCalls(fake)[0]?.headers).not.toHaveProperty('login-customer-id');
  });

  it('reads sparse and odd rows: absent metrics are zero, fractional conversions, money without float drift', async () => {
    const s = await startWith();
    fake = s.fake;
    const row = (metrics: Record<string, unknown>) => ({
      campaign: { id: '101' },
      adGroup: { id: '10110' },
      adGroupAd: { ad: { id: '101101' } },
      segments: { date: '2026-11-02' },
      metrics,
    });
    fake.failNext({
      json: {
        results: [
          row({ impressions: '12', costMicros: '1230000' }),
          row({
            impressions: '9007199254',
            clicks: '3',
            costMicros: '999999990000',
            conversions: 0.3333333333,
            conversionsValue: 12.345678,
            videoTrueviewViews: '7',
          }),
          row({ conversionsValue: 0.1 + 0.2 }),
        ],
      },
    });
    const rows = await collect(ads.fetchDailyMetrics(s.ctx, '1234567890', range));
    expect(rows[0]).toEqual({
      adExternalId: '101101',
      date: '2026-11-02',
      impressions: 12,
      clicks: 0,
      spendMicros: 1_230_000,
      conversions: 0,
      conversionValueMicros: 0,
      reach: null,
      frequency: null,
      videoViews: 0,
    });
    expect(rows[1]).toMatchObject({
      impressions: 9_007_199_254,
      spendMicros: 999_999_990_000,
      conversions: 0.3333333333,
      conversionValueMicros: 12_345_678,
      videoViews: 7,
    });
    expect(rows[2]?.conversionValueMicros).toBe(300_000);
  });

  it('treats a row without segments.date as a malformed (transient) answer', async () => {
    const s = await startWith();
    fake = s.fake;
    fake.failNext({ json: { results: [{ adGroupAd: { ad: { id: '1' } }, metrics: { impressions: '1' } }] } });
    const err = await collect(ads.fetchDailyMetrics(s.ctx, '1234567890', range)).catch((e) => e);
    expect(err).toMatchObject({ kind: 'transient' });
  });

  it('maps Google error statuses: 503 UNAVAILABLE transient, 400 query error invalid with its code', async () => {
    const s = await startWith();
    fake = s.fake;
    fake.failNext({
      status: 503,
      json: { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } },
    });
    expect(await collect(ads.fetchDailyMetrics(s.ctx, '1234567890', range))).toHaveLength(120);
    fake.failNext({
      status: 400,
      json: {
        error: {
          code: 400,
          status: 'INVALID_ARGUMENT',
          details: [
            {
              '@type': 'type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure',
              errors: [
                {
                  errorCode: { queryError: 'UNRECOGNIZED_FIELD' },
                  message: "Unrecognized field 'metrics.video_views'.",
                },
              ],
            },
          ],
        },
      },
    });
    const err = await collect(ads.fetchDailyMetrics(s.ctx, '1234567890', range)).catch((e) => e);
    expect(err).toMatchObject({ kind: 'invalid', status: 400, vendorCode: 'queryError.UNRECOGNIZED_FIELD' });
    const badDate = await collect(
      ads.fetchDailyMetrics(s.ctx, '1234567890', { from: '2026-11-01', to: '2026-11-1' }),
    ).catch((e) => e);
    expect(badDate).toMatchObject({ kind: 'invalid' });
  });

  it('maps structure: campaign budget, channel type as objective, creative format from ad type', async () => {
    const s = await startWith();
    fake = s.fake;
    const got = await ads.fetchStructure(s.ctx, '1234567890');
    expect(got.campaigns.find((c) => c.externalId === '101')).toMatchObject({
      dailyBudgetMicros: 60_000_000,
      objective: 'SEARCH',
      lifetimeBudgetMicros: null,
    });
    expect(got.adGroups.every((g) => g.dailyBudgetMicros === null)).toBe(true);
    const video = got.ads.find((a) => a.externalId === '102101')!;
    expect(video.creative).toMatchObject({
      format: 'video',
      callToAction: 'LEARN_MORE',
      landingUrl: 'https://acme.example.com/lp/102101',
    });
    expect(got.ads.find((a) => a.externalId === '101101')!.creative.format).toBe('image');
  });
});
