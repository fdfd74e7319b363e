import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { microsDecimal } from '../../platform/format.ts';
import type { DailyMetricsTable } from '../../storage/schema.ts';
import { testDialect } from '../../storage/testing.ts';
import { fixtures } from '../catalog/catalog.fixtures.ts';
import { addDays, isoWeekStart } from './periods.ts';

/**
 * Organization A reports in USD and runs Google (USD, client Acme: two campaigns, three ads) and
 * Meta (EUR, client Globex: one ad with reach) over 2024-01-08 … 2024-02-04. EUR→USD rates are
 * binary fractions and amounts multiples of 16 micros, so converted sums are exact.
 */
const FIRST = '2024-01-08';
const DAYS = 28;
const FROM = '2024-01-22'; // a Monday
const TO = '2024-02-04'; // a Sunday, two ISO weeks later, across a month end
const EUR_USD: Array<[string, number]> = [
  ['2024-01-05', 1.125],
  ['2024-01-19', 1.25],
  ['2024-01-26', 1.5],
  ['2024-02-01', 1.25],
];
const eurUsdOn = (day: string) => EUR_USD.filter(([d]) => d <= day).at(-1)?.[1] as number;

interface Sums {
  impressions: number;
  clicks: number;
  spendMicros: number;
  conversions: number;
  conversionValueMicros: number;
}

/** The expected sums, computed straight from the raw rows. */
function expected(rows: DailyMetricsTable[], keep: (r: DailyMetricsTable) => boolean = () => true): Sums {
  const s: Sums = { impressions: 0, clicks: 0, spendMicros: 0, conversions: 0, conversionValueMicros: 0 };
  for (const r of rows.filter(keep)) {
    const f = r.currency === 'USD' ? 1 : eurUsdOn(r.date);
    s.impressions += r.impressions;
    s.clicks += r.clicks;
    s.spendMicros += r.spend_micros * f;
    s.conversions += r.conversions;
    s.conversionValueMicros += r.conversion_value_micros * f;
  }
  return s;
}

const inRange = (from: string, to: string) => (r: DailyMetricsTable) => r.date >= from && r.date <= to;

describe(`analytics metrics on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let raw: DailyMetricsTable[] = [];
  const ids: Record<string, string> = {};

  const metrics = (query: string, who: Signed = owner) =>
    t.app.inject(as(who, { method: 'GET', url: `/api/v1/analytics/metrics?${query}` }));

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'analyst');
    const f = fixtures(t.storage, owner.organizationId);
    const acme = await f.client('Acme');
    const globex = await f.client('Globex');
    const google = await f.account({
      platform: 'google_ads',
      currency: 'USD',
      clientId: acme.id,
      name: 'Acme Google',
    });
    const meta = await f.account({
      platform: 'meta',
      currency: 'EUR',
      clientId: globex.id,
      name: 'Globex Meta',
    });
    const brand = await f.campaign(google, 'Search, Brand');
    const generic = await f.campaign(google, 'Search Generic');
    const prospecting = await f.campaign(meta, 'Prospecting');
    const gBrand = await f.adGroup(google, brand, 'Brand terms');
    const gGeneric = await f.adGroup(google, generic, 'Generic terms');
    const gMeta = await f.adGroup(meta, prospecting, 'Lookalikes');
    const ads = [
      [google, await f.ad(google, gBrand, 'Brand ad 1')],
      [google, await f.ad(google, gBrand, 'Brand ad 2')],
      [google, await f.ad(google, gGeneric, 'Generic ad')],
      [meta, await f.ad(meta, gMeta, 'Video ad', { creative_format: 'video' })],
    ] as const;
    // No delivery at all: a campaign of Acme's with its ad group and ad, and a third ad under Brand.
    const dormant = await f.campaign(google, 'Search Dormant');
    const dormantAd = await f.ad(google, await f.adGroup(google, dormant, 'Dormant terms'), 'Dormant ad');
    const brandIdle = await f.ad(google, gBrand, 'Brand ad 3');
    Object.assign(ids, {
      acme: acme.id,
      globex: globex.id,
      google: google.id,
      meta: meta.id,
      brand: brand.id,
      generic: generic.id,
      prospecting: prospecting.id,
      ad0: ads[0][1].id,
      ad3: ads[3][1].id,
      dormant: dormant.id,
      dormantAd: dormantAd.id,
      brandIdle: brandIdle.id,
    });
    for (const [k, [acc, ad]] of ads.entries()) {
      const days = Array.from({ length: DAYS }, (_, i) => {
        const spend = 16 * (312_500 + 7_813 * i) * (k + 1);
        const impressions = 1000 * (k + 1) + 37 * i;
        return {
          date: addDays(FIRST, i),
          impressions,
          clicks: 10 * (k + 1) + (i % 5),
          spendMicros: spend,
          conversions: (i % 3) + 0.5 * k,
          conversionValueMicros: spend * [1, 1.5, 2, 2.5][i % 4]!,
          reach: acc.platform === 'meta' ? Math.round(impressions / 1.6) : null,
        };
      });
      raw = raw.concat(await f.metrics(acc, ad, days));
    }
    const put = await t.app.inject(
      as(owner, {
        method: 'PUT',
        url: '/api/v1/analytics/fx-rates',
        payload: { rates: EUR_USD.map(([date, rate]) => ({ date, base: 'EUR', quote: 'USD', rate })) },
      }),
    );
    expect(put.statusCode).toBe(200);
  });
  afterAll(() => t.close());

  it('totals equal the sums of the raw rows, EUR converted at the latest rate on or before each day', async () => {
    const res = await metrics(`from=${FROM}&to=${TO}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const want = expected(raw, inRange(FROM, TO));
    expect(body.currency).toBe('USD');
    expect(body.totals).toMatchObject(want);
    expect(body.rows).toEqual([body.totals]);
    expect(body.warnings).toEqual([]);
    // Every rate that served, and only those: 01-19 for 22-25, 01-26 for 26-31, 02-01 for February.
    expect(body.fx.ratesUsed.map((r: { date: string }) => r.date)).toEqual([
      '2024-01-19',
      '2024-01-26',
      '2024-02-01',
    ]);
    expect(body.fx.ratesUsed[0]).toEqual({
      date: '2024-01-19',
      base: 'EUR',
      quote: 'USD',
      rate: 1.25,
      source: 'organization',
    });
    // KPIs from the sums.
    expect(body.totals.ctr).toBeCloseTo(want.clicks / want.impressions, 12);
    expect(body.totals.roas).toBeCloseTo(want.conversionValueMicros / want.spendMicros, 12);
    expect(body.totals.cpcMicros).toBe(Math.round(want.spendMicros / want.clicks));
    expect(body.totals.cpmMicros).toBe(Math.round((want.spendMicros * 1000) / want.impressions));
    expect(body.totals.cpaMicros).toBe(Math.round(want.spendMicros / want.conversions));
    expect(body.totals.conversionRate).toBeCloseTo(want.conversions / want.clicks, 12);
    // Frequency only over the rows that report reach (Meta), with reach summed per day.
    const metaRows = raw.filter((r) => r.platform === 'meta' && inRange(FROM, TO)(r));
    const reach = metaRows.reduce((s, r) => s + (r.reach ?? 0), 0);
    expect(body.totals.reachDailySum).toBe(reach);
    expect(body.totals.frequency).toBeCloseTo(metaRows.reduce((s, r) => s + r.impressions, 0) / reach, 12);
  });

  it('groups by platform and day: one row per pair, each the sum of its raw rows', async () => {
    const body = (await metrics(`from=${FROM}&to=${TO}&groupBy=platform,day`)).json();
    expect(body.rows).toHaveLength(2 * 14);
    expect(body.rows[0]).toMatchObject({ day: FROM });
    for (const row of body.rows) {
      expect(row).toMatchObject(expected(raw, (r) => r.platform === row.platform && r.date === row.day));
    }
    expect(body.rowCount).toBe(28);
    expect(body.truncated).toBe(false);
    // Days are in order.
    const days = body.rows.map((r: { day: string }) => r.day);
    expect(days).toEqual([...days].sort());
  });

  it('groups by ISO week labelled by its Monday, and by month, across the month end', async () => {
    const weeks = (await metrics(`from=${FROM}&to=${TO}&groupBy=week`)).json();
    expect(weeks.rows.map((r: { week: string }) => r.week)).toEqual(['2024-01-22', '2024-01-29']);
    for (const row of weeks.rows)
      expect(row).toMatchObject(
        expected(raw, (r) => inRange(FROM, TO)(r) && isoWeekStart(r.date) === row.week),
      );
    const months = (await metrics(`from=${FROM}&to=${TO}&groupBy=month`)).json();
    expect(months.rows.map((r: { month: string }) => r.month)).toEqual(['2024-01', '2024-02']);
    for (const row of months.rows)
      expect(row).toMatchObject(expected(raw, (r) => inRange(FROM, TO)(r) && r.date.startsWith(row.month)));
  });

  it('groups by client, campaign and ad with their names, biggest spend first', async () => {
    const clients = (await metrics(`from=${FROM}&to=${TO}&groupBy=client`)).json();
    expect(clients.rows.map((r: { clientName: string }) => r.clientName).sort()).toEqual(['Acme', 'Globex']);
    for (const row of clients.rows)
      expect(row).toMatchObject(expected(raw, (r) => inRange(FROM, TO)(r) && r.client_id === row.clientId));
    const campaigns = (await metrics(`from=${FROM}&to=${TO}&groupBy=campaign`)).json();
    expect(campaigns.rows).toHaveLength(3);
    const spends = campaigns.rows.map((r: { spendMicros: number }) => r.spendMicros);
    expect(spends).toEqual([...spends].sort((a, b) => b - a));
    const brand = campaigns.rows.find((r: { campaignId: string }) => r.campaignId === ids.brand);
    expect(brand).toMatchObject({
      campaignName: 'Search, Brand',
      ...expected(raw, (r) => inRange(FROM, TO)(r) && r.campaign_id === ids.brand),
    });
    const ads = (await metrics(`from=${FROM}&to=${TO}&groupBy=ad&sort=ad`)).json();
    expect(ads.rows.map((r: { adName: string }) => r.adName)).toEqual([
      'Brand ad 1',
      'Brand ad 2',
      'Generic ad',
      'Video ad',
    ]);
    const combined = (await metrics(`from=${FROM}&to=${TO}&groupBy=client,month`)).json();
    expect(combined.rows).toHaveLength(4);
    for (const row of combined.rows)
      expect(row).toMatchObject(
        expected(
          raw,
          (r) => inRange(FROM, TO)(r) && r.client_id === row.clientId && r.date.startsWith(row.month),
        ),
      );
  });

  it('filters by client, platform, account, campaign (several), ad and dates', async () => {
    const cases: Array<[string, (r: DailyMetricsTable) => boolean]> = [
      [`clientId=${ids.acme}`, (r) => r.client_id === ids.acme],
      ['platform=meta', (r) => r.platform === 'meta'],
      [`adAccountId=${ids.google}`, (r) => r.ad_account_id === ids.google],
      [
        `campaignId=${ids.brand},${ids.prospecting}`,
        (r) => r.campaign_id === ids.brand || r.campaign_id === ids.prospecting,
      ],
      [`campaignId=${ids.brand}&campaignId=${ids.generic}`, (r) => r.campaign_id !== ids.prospecting],
      [`adId=${ids.ad3}`, (r) => r.ad_id === ids.ad3],
      [`clientId=${ids.acme}&platform=meta`, () => false],
    ];
    for (const [query, keep] of cases) {
      const body = (await metrics(`from=${FROM}&to=${TO}&${query}`)).json();
      expect(body.totals, query).toMatchObject(expected(raw, (r) => inRange(FROM, TO)(r) && keep(r)));
    }
    const oneDay = (await metrics('from=2024-01-31&to=2024-01-31')).json();
    expect(oneDay.totals).toMatchObject(expected(raw, inRange('2024-01-31', '2024-01-31')));
  });

  it('compares with the previous period of the same length, with the change of every metric', async () => {
    const body = (await metrics(`from=${FROM}&to=${TO}&compare=previous_period&groupBy=platform`)).json();
    const cur = expected(raw, inRange(FROM, TO));
    const prev = expected(raw, inRange('2024-01-08', '2024-01-21'));
    expect(body.comparison.from).toBe('2024-01-08');
    expect(body.comparison.to).toBe('2024-01-21');
    expect(body.comparison.totals).toMatchObject(prev);
    expect(body.comparison.deltas.spendMicros).toEqual({
      previous: prev.spendMicros,
      change: cur.spendMicros - prev.spendMicros,
      changeRatio: (cur.spendMicros - prev.spendMicros) / prev.spendMicros,
    });
    expect(body.comparison.deltas.roas.previous).toBeCloseTo(
      prev.conversionValueMicros / prev.spendMicros,
      12,
    );
    // The rate of 01-05 served the previous period only; it is listed too.
    expect(body.fx.ratesUsed.map((r: { date: string }) => r.date)).toContain('2024-01-05');
    expect((await metrics(`from=${FROM}&to=${TO}`)).json().comparison).toBeNull();
  });

  it('streams CSV with one readable header line, by format=csv or Accept: text/csv', async () => {
    const json = (await metrics(`from=${FROM}&to=${TO}&groupBy=campaign`)).json();
    const res = await metrics(`from=${FROM}&to=${TO}&groupBy=campaign&format=csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain(`metrics-${FROM}-${TO}.csv`);
    // A byte-order mark for Excel, then the header: money columns name the reporting currency and
    // are in its units (the JSON keeps micros), CTR and conversion rate are percents.
    expect(res.body.charCodeAt(0)).toBe(0xfeff);
    const lines = res.body.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'Campaign ID,Campaign,Impressions,Clicks,Spend (USD),Conversions,Conversion value (USD),Reach (sum of daily reach),CTR (%),CPC (USD),CPM (USD),CPA (USD),ROAS (conversion value / spend),Conversion rate (%),Frequency (daily average)',
    );
    // The campaigns that delivered, in the JSON's order, then the one that did not.
    expect(lines.slice(1).map((l) => l.slice(0, l.indexOf(',')))).toEqual([
      ...json.rows.map((r: { campaignId: string }) => r.campaignId),
      ids.dormant,
    ]);
    const brand = lines.find((l) => l.startsWith(ids.brand as string));
    const row = json.rows.find((r: { campaignId: string }) => r.campaignId === ids.brand);
    const units = (micros: number, digits: number) => microsDecimal(Math.round(micros), digits);
    expect(brand).toBe(
      [
        ids.brand,
        '"Search, Brand"',
        row.impressions,
        row.clicks,
        units(row.spendMicros, 2),
        row.conversions,
        units(row.conversionValueMicros, 2),
        '',
        Number((row.ctr * 100).toFixed(4)),
        units(row.cpcMicros, 4),
        units(row.cpmMicros, 4),
        units(row.cpaMicros, 4),
        Number(row.roas.toFixed(6)),
        Number((row.conversionRate * 100).toFixed(4)),
        '',
      ].join(','),
    );
    // A percent a person reads: about 1 % for these rows, not 0.01.
    const ctr = Number(brand?.split(',')[9]);
    expect(ctr).toBeGreaterThan(0.5);
    expect(ctr).toBeLessThan(2);
    const byAccept = await t.app.inject(
      as(owner, {
        method: 'GET',
        url: `/api/v1/analytics/metrics?from=${FROM}&to=${TO}`,
        headers: { accept: 'text/csv' },
      }),
    );
    expect(byAccept.headers['content-type']).toMatch(/^text\/csv/);
    const [header, totals] = byAccept.body.slice(1).split('\r\n');
    expect(header?.split(',').slice(0, 3)).toEqual(['Impressions', 'Clicks', 'Spend (USD)']);
    expect(totals?.split(',')[0]).toBe(String(json.totals.impressions));
    // Without grouping, the totals: spend to the cent.
    expect(totals?.split(',')[2]).toBe(microsDecimal(json.totals.spendMicros, 2));
  });

  it('lists in the CSV the campaigns and ads the filters select that did not deliver: zeros, empty ratios', async () => {
    const csv = async (query: string) => {
      const res = await metrics(`${query}&format=csv`);
      expect(res.statusCode, query).toBe(200);
      expect(res.body, query).not.toMatch(/NaN|Infinity|null|undefined/);
      const [header, ...lines] = res.body.slice(1).trimEnd().split('\r\n');
      return { header: header?.split(',') ?? [], lines: lines.map((l) => l.split(',')) };
    };
    const zeros = ['0', '0', '0.00', '0', '0.00', '', '', '', '', '', '', '', ''];
    // All campaigns of a client, as its page shows them: the JSON's rows (it lists delivery only,
    // unchanged), then the campaign without delivery.
    const query = `from=${FROM}&to=${TO}&groupBy=client,platform,campaign&clientId=${ids.acme}&sort=-spendMicros`;
    const json = (await metrics(query)).json();
    const delivered = json.rows.map((r: { campaignId: string }) => r.campaignId);
    expect([...delivered].sort()).toEqual([ids.brand, ids.generic].sort());
    const acme = await csv(query);
    expect(acme.header.slice(0, 5)).toEqual(['Client ID', 'Client', 'Platform', 'Campaign ID', 'Campaign']);
    expect(acme.lines.map((l) => l[3])).toEqual([...delivered, ids.dormant]);
    expect(acme.lines.at(-1)).toEqual([
      ids.acme,
      'Acme',
      'google_ads',
      ids.dormant,
      'Search Dormant',
      ...zeros,
    ]);
    // The filters still hold: another client, another platform, a campaign named by id.
    for (const q of [
      `clientId=${ids.globex}`,
      'platform=meta',
      `campaignId=${ids.brand},${ids.prospecting}`,
    ]) {
      const other = await csv(`from=${FROM}&to=${TO}&groupBy=campaign&${q}`);
      expect(
        other.lines.map((l) => l[0]),
        q,
      ).not.toContain(ids.dormant);
      expect(other.lines.length, q).toBeGreaterThan(0);
    }
    const named = await csv(`from=${FROM}&to=${TO}&groupBy=campaign&campaignId=${ids.dormant}`);
    expect(named.lines).toEqual([[ids.dormant, 'Search Dormant', ...zeros]]);
    // A filter below the level listed keeps the campaigns holding it.
    const byAd = await csv(`from=${FROM}&to=${TO}&groupBy=campaign&adId=${ids.dormantAd}`);
    expect(byAd.lines.map((l) => l[0])).toEqual([ids.dormant]);
    // A campaign's ads, as its page shows them: the ad that did not deliver, under its ad group.
    const brandAds = await csv(
      `from=${FROM}&to=${TO}&groupBy=adGroup,ad&campaignId=${ids.brand}&sort=-spendMicros`,
    );
    expect(brandAds.lines).toHaveLength(3);
    expect(brandAds.lines.at(-1)).toEqual([
      brandAds.lines[0]?.[0],
      'Brand terms',
      ids.brandIdle,
      'Brand ad 3',
      ...zeros,
    ]);
    // A period with no delivery at all while they ran lists every campaign with zeros.
    const quiet = await csv('from=2024-02-10&to=2024-02-20&groupBy=campaign');
    expect(quiet.lines.map((l) => l[0]).sort()).toEqual(
      [ids.brand, ids.generic, ids.prospecting, ids.dormant].sort(),
    );
    for (const l of quiet.lines) expect(l.slice(-13)).toEqual(zeros);
    // Before they started (2024-01-01) they did not exist: no line says they did not deliver.
    const before = await csv('from=2023-01-01&to=2023-01-31&groupBy=campaign');
    expect(before.lines).toEqual([]);
    // With a time dimension only delivery is listed (a line per day of nothing says nothing).
    const daily = await csv(`from=${FROM}&to=${TO}&groupBy=day,campaign`);
    expect(daily.lines.map((l) => l[1])).not.toContain(ids.dormant);
  });

  it('rejects bad input with 400 invalid_input', async () => {
    for (const q of [
      'from=2024-02-01&to=2024-01-01',
      'from=2024-02-30&to=2024-03-01',
      'from=2024-01-01',
      'from=20240101&to=20240131',
      'from=2024-01-01&to=2024-01-31&groupBy=year',
      'from=2024-01-01&to=2024-01-31&groupBy=day,quarter',
      'from=2020-01-01&to=2023-01-02',
      'from=2024-01-01&to=2024-01-31&sort=-nonsense',
      'from=2024-01-01&to=2024-01-31&compare=yesterday',
      'from=2024-01-01&to=2024-01-31&limit=0',
    ]) {
      const res = await metrics(q);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code, q).toBe('invalid_input');
    }
    expect((await metrics('from=2021-01-01&to=2023-12-31')).statusCode).toBe(200);
  });

  it('answers 404 naming the filter for an id this organization does not have, instead of zeros', async () => {
    const unknown = 'xyz_00000000000000000000000000';
    const cases: Array<[string, string]> = [
      ['clientId', ids.acme as string],
      ['adAccountId', ids.google as string],
      ['campaignId', ids.brand as string],
      ['adId', ids.ad0 as string],
    ];
    for (const [param, known] of cases) {
      // A known id next to an unknown one: the unknown one is named, the known one is not.
      const res = await metrics(`from=${FROM}&to=${TO}&${param}=${known},${unknown}`);
      expect(res.statusCode, param).toBe(404);
      expect(res.json().error, param).toMatchObject({
        code: 'not_found',
        details: { filter: param, ids: [unknown] },
      });
      expect(res.json().error.message, param).toContain(param);
    }
    const group = await metrics(`from=${FROM}&to=${TO}&adGroupId=${unknown}`);
    expect(group.statusCode).toBe(404);
    expect(group.json().error.details).toEqual({ filter: 'adGroupId', ids: [unknown] });
    // The known ids alone still answer their sums.
    expect((await metrics(`from=${FROM}&to=${TO}&clientId=${ids.acme}`)).statusCode).toBe(200);
  });

  it("shows another organization none of it: this organization's ids are unknown ids there", async () => {
    const other = await signUp(t.app, 'outsider');
    const foreign = await metrics(`from=${FIRST}&to=${TO}&groupBy=campaign&clientId=${ids.acme}`, other);
    const missing = await metrics(
      `from=${FIRST}&to=${TO}&groupBy=campaign&clientId=cli_00000000000000000000000000`,
      other,
    );
    expect(foreign.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    const shape = (res: typeof foreign, id: string) => {
      const { requestId: _, ...error } = res.json().error;
      return JSON.parse(JSON.stringify(error).replaceAll(id, '<id>'));
    };
    expect(shape(foreign, ids.acme as string)).toEqual(shape(missing, 'cli_00000000000000000000000000'));
    const all = (await metrics(`from=${FIRST}&to=${TO}&groupBy=ad`, other)).json();
    expect(all.rows).toEqual([]);
    expect(all.totals).toMatchObject({ impressions: 0, spendMicros: 0, ctr: null, roas: null });
    // The export too: 404 for this organization's client, campaign or ad; without a filter, a
    // header line and none of this organization's campaigns, delivered or not.
    for (const filter of [`clientId=${ids.acme}`, `campaignId=${ids.dormant}`, `adId=${ids.brandIdle}`]) {
      const res = await metrics(
        `from=${FIRST}&to=${TO}&groupBy=client,platform,campaign&${filter}&format=csv`,
        other,
      );
      expect(res.statusCode, filter).toBe(404);
      expect(res.json().error.code, filter).toBe('not_found');
    }
    for (const groupBy of ['client,platform,campaign', 'adGroup,ad', 'client']) {
      const file = await metrics(`from=${FIRST}&to=${TO}&groupBy=${groupBy}&format=csv`, other);
      expect(file.statusCode).toBe(200);
      expect(file.body.slice(1).trimEnd().split('\r\n'), groupBy).toHaveLength(1);
    }
  });
});

describe(`analytics KPIs on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  const ad: Record<string, string> = {};
  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'kpi');
    const f = fixtures(t.storage, owner.organizationId);
    const acc = await f.account({ platform: 'google_ads', currency: 'USD' });
    const cmp = await f.campaign(acc, 'C');
    const grp = await f.adGroup(acc, cmp, 'G');
    const small = await f.ad(acc, grp, 'small');
    const big = await f.ad(acc, grp, 'big');
    const idle = await f.ad(acc, grp, 'idle');
    Object.assign(ad, { small: small.id, big: big.id, idle: idle.id });
    const day = { date: '2024-05-01', conversions: 0 };
    await f.metrics(acc, small, [
      {
        ...day,
        impressions: 1000,
        clicks: 100,
        spendMicros: 10e6,
        conversions: 5,
        conversionValueMicros: 50e6,
      },
    ]);
    await f.metrics(acc, big, [
      {
        ...day,
        impressions: 100_000,
        clicks: 1000,
        spendMicros: 1000e6,
        conversions: 10,
        conversionValueMicros: 500e6,
      },
    ]);
    await f.metrics(acc, idle, [
      { ...day, impressions: 0, clicks: 0, spendMicros: 0, conversionValueMicros: 0 },
    ]);
  });
  afterAll(() => t.close());

  const get = (q: string) =>
    t.app.inject(
      as(owner, { method: 'GET', url: `/api/v1/analytics/metrics?from=2024-05-01&to=2024-05-01&${q}` }),
    );

  it('computes KPIs as ratios of sums, which averaging the per-ad ratios would get wrong', async () => {
    const body = (await get('groupBy=ad')).json();
    const { totals } = body;
    expect(totals.ctr).toBeCloseTo(1100 / 101_000, 12);
    expect(totals.roas).toBeCloseTo(550 / 1010, 12);
    expect(totals.conversionRate).toBeCloseTo(15 / 1100, 12);
    expect(totals.cpaMicros).toBe(Math.round(1010e6 / 15));
    // The average of the two active ads' ratios is far off: 5.5 % CTR, 2.75 ROAS.
    const active = body.rows.filter((r: { impressions: number }) => r.impressions > 0);
    const meanCtr = active.reduce((s: number, r: { ctr: number }) => s + r.ctr, 0) / active.length;
    const meanRoas = active.reduce((s: number, r: { roas: number }) => s + r.roas, 0) / active.length;
    expect(meanCtr).toBeCloseTo(0.055, 12);
    expect(meanRoas).toBeCloseTo(2.75, 12);
    expect(Math.abs(totals.ctr - meanCtr)).toBeGreaterThan(0.04);
  });

  it('gives null, not NaN or Infinity, for KPIs whose denominator is 0', async () => {
    const res = await get(`adId=${ad.idle}`);
    expect(res.body).not.toMatch(/NaN|Infinity/);
    expect(res.json().totals).toEqual({
      impressions: 0,
      clicks: 0,
      spendMicros: 0,
      conversions: 0,
      conversionValueMicros: 0,
      reachDailySum: null,
      ctr: null,
      cpcMicros: null,
      cpmMicros: null,
      cpaMicros: null,
      roas: null,
      conversionRate: null,
      frequency: null,
    });
    const empty = (
      await t.app.inject(
        as(owner, {
          method: 'GET',
          url: '/api/v1/analytics/metrics?from=2020-01-01&to=2020-01-31&groupBy=day',
        }),
      )
    ).json();
    expect(empty.rows).toEqual([]);
    expect(empty.totals.roas).toBeNull();
    // The idle ad's row is there, with null KPIs.
    const rows = (await get('groupBy=ad&sort=ad')).json().rows;
    expect(rows.find((r: { adName: string }) => r.adName === 'idle')).toMatchObject({
      impressions: 0,
      ctr: null,
      roas: null,
    });
  });

  it('limits rows but totals them all', async () => {
    const body = (await get('groupBy=ad&limit=1&sort=-impressions')).json();
    expect(body.rows).toHaveLength(1);
    expect(body.rows[0].adName).toBe('big');
    expect(body).toMatchObject({ rowCount: 3, truncated: true });
    expect(body.totals.impressions).toBe(101_000);
  });
});
