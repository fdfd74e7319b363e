import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import {
  type ClientWithData,
  clientWithData,
  type PortalSigned,
  portalUserFor,
} from '../../../test/helpers/portal.ts';
import { testDialect } from '../../storage/testing.ts';

describe(`client-portal data, scoped to one client, on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let otherOwner: Signed;
  let a: ClientWithData;
  let b: ClientWithData;
  let foreign: ClientWithData;
  let gbp: ClientWithData;
  let readerA: PortalSigned;
  let readerGbp: PortalSigned;

  const get = (who: { headers: Record<string, string> }, url: string) =>
    t.app.inject({ method: 'GET', url, headers: who.headers });
  /** The client's days with metrics rows in the store, oldest first. */
  const dataDays = async (clientId: string) =>
    (
      await t.storage.db
        .selectFrom('daily_metrics')
        .select('date')
        .distinct()
        .where('client_id', '=', clientId)
        .orderBy('date')
        .execute()
    ).map((r) => r.date);

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'portal-data');
    otherOwner = await signUp(t.app, 'portal-other');
    a = await clientWithData(t, owner, 'portala', 'Peak Fitness');
    b = await clientWithData(t, owner, 'portalb', 'Harbor Home Loans');
    foreign = await clientWithData(t, otherOwner, 'portalc', 'Elsewhere Inc');
    // Billed in GBP, GBP ad accounts (the simulator's saas profile), 30 days: 2026-10-22 to 2026-11-20.
    gbp = await clientWithData(t, owner, 'portalgbp', 'Kestrel Analytics', {
      currency: 'GBP',
      industry: 'saas',
      days: 30,
    });
    readerA = await portalUserFor(t, owner, a.clientId);
    readerGbp = await portalUserFor(t, owner, gbp.clientId);
    expect(a.campaignIds.length).toBeGreaterThan(0);
    expect(b.campaignIds.length).toBeGreaterThan(0);
  });
  afterAll(() => t.close());

  it("lists only the client's own campaigns, with figures that match the agency's analytics", async () => {
    const res = await get(readerA, '/api/v1/portal/campaigns?from=2026-11-07&to=2026-11-20');
    expect(res.statusCode).toBe(200);
    const ids = res
      .json()
      .items.map((c: { id: string }) => c.id)
      .sort();
    expect(ids).toEqual([...a.campaignIds].sort());
    for (const id of [...b.campaignIds, ...foreign.campaignIds]) expect(res.body).not.toContain(id);

    const agency = await get(
      owner,
      `/api/v1/analytics/metrics?from=2026-11-07&to=2026-11-20&clientId=${a.clientId}&groupBy=campaign`,
    );
    const spendOf = new Map(
      agency
        .json()
        .rows.map((r: { campaignId: string; spendMicros: number }) => [r.campaignId, r.spendMicros]),
    );
    for (const c of res.json().items) expect(c.metrics?.spendMicros ?? 0).toBe(spendOf.get(c.id) ?? 0);
    expect(spendOf.size).toBeGreaterThan(0);
  });

  it("reads its own campaign; another client's campaign (same organization) and another organization's are 404", async () => {
    const own = await get(
      readerA,
      `/api/v1/portal/campaigns/${a.campaignIds[0]}?from=2026-11-07&to=2026-11-20`,
    );
    expect(own.statusCode).toBe(200);
    expect(own.json().campaign.id).toBe(a.campaignIds[0]);
    expect(own.json().daily.length).toBeGreaterThan(0);
    for (const id of [b.campaignIds[0], foreign.campaignIds[0], 'cmp_00000000000000000000000000']) {
      const res = await get(readerA, `/api/v1/portal/campaigns/${id}`);
      expect(res.statusCode, id).toBe(404);
      expect(res.json().error.code).toBe('not_found');
      expect(res.body).not.toContain('Harbor');
      expect(res.body).not.toContain('Elsewhere');
    }
  });

  it('the overview totals equal the sum of the daily series and carry the change against the previous period', async () => {
    const res = await get(readerA, '/api/v1/portal/overview?from=2026-11-14&to=2026-11-20');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const sum = body.daily.reduce((s: number, d: { spendMicros: number }) => s + d.spendMicros, 0);
    expect(body.totals.spendMicros).toBe(sum);
    expect(body.totals.spendMicros).toBeGreaterThan(0);
    expect(body.previous).toMatchObject({ from: '2026-11-07', to: '2026-11-13' });
    expect(body.changes.spendMicros.previous).toBe(body.previous.totals.spendMicros);
    const agency = await get(
      owner,
      `/api/v1/analytics/metrics?from=2026-11-14&to=2026-11-20&clientId=${a.clientId}`,
    );
    expect(body.totals.spendMicros).toBe(agency.json().totals.spendMicros);
  });

  it('refuses a bad window or month with a 400 whose issues name the query parameter', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['/api/v1/portal/overview?from=2026-11-20&to=2026-11-01', 'from', /must not be after to/],
      ['/api/v1/portal/overview?from=2024-01-01&to=2026-11-20', 'from', /At most \d+ days at a time/],
      ['/api/v1/portal/overview?from=yesterday', 'from', /YYYY-MM-DD/],
      ['/api/v1/portal/overview?to=30-11-2026', 'to', /YYYY-MM-DD/],
      ['/api/v1/portal/reports?month=2026-13', 'month', /YYYY-MM/],
      ['/api/v1/portal/reports?month=2099-01', 'month', /has not started yet/],
    ];
    for (const [url, param, message] of cases) {
      const res = await get(readerA, url);
      expect(res.statusCode, url).toBe(400);
      const error = res.json().error;
      expect(error.code, url).toBe('invalid_input');
      expect(error.message, url).toMatch(new RegExp(`^querystring\\.${param}: `));
      expect(error.details.issues, url).toHaveLength(1);
      expect(error.details.issues[0], url).toMatchObject({ location: `querystring.${param}`, path: [param] });
      expect(error.details.issues[0].message, url).toMatch(message);
      expect(typeof error.details.issues[0].code, url).toBe('string');
    }
  });

  it('the monthly report covers the latest month with data, against the previous month, with highlights', async () => {
    const res = await get(readerA, '/api/v1/portal/reports');
    expect(res.statusCode).toBe(200);
    const { months, report } = res.json();
    expect(months[0]).toBe('2026-11');
    expect(report).toMatchObject({ month: '2026-11', from: '2026-11-01', previous: { month: '2026-10' } });
    expect(report.totals.spendMicros).toBeGreaterThan(0);
    // October had no data: the highlight states the amount and claims no change. November has
    // data up to the 20th only, which the report says first.
    const days = await dataDays(a.clientId);
    expect(days.at(-1)).toBe('2026-11-20');
    expect(report.highlights[0]).toBe(
      `Month incomplete: ${days.length} of 30 days (${days[0]} to 2026-11-20): no change against October 2026 is shown.`,
    );
    expect(report.highlights[1]).toMatch(/^Invested \$[0-9,]+ in advertising\.$/);
    expect(
      report.topCampaigns.every((r: { campaignId: string }) => a.campaignIds.includes(r.campaignId)),
    ).toBe(true);
    const empty = await get(readerA, '/api/v1/portal/reports?month=2026-01');
    expect(empty.json().report.highlights).toEqual(['No advertising ran in this month.']);
  });

  it('me shows the client and branding resolved client → organization → defaults', async () => {
    const before = await get(readerA, '/api/v1/portal/me');
    expect(before.json().branding).toEqual({
      agencyName: 'portal-data agency',
      logoUrl: null,
      primaryColor: '#2563eb',
      accentColor: '#f59e0b',
      supportEmail: null,
    });
    await t.app.inject({
      method: 'PUT',
      url: '/api/v1/branding',
      headers: owner.headers,
      payload: {
        agencyName: 'Northwind Digital',
        primaryColor: '#112233',
        supportEmail: 'help@northwind.example',
      },
    });
    await t.app.inject({
      method: 'PUT',
      url: `/api/v1/clients/${a.clientId}/branding`,
      headers: owner.headers,
      payload: { primaryColor: '#AABBCC', logoUrl: 'https://cdn.example.com/logo.png' },
    });
    const after = await get(readerA, '/api/v1/portal/me');
    expect(after.json().branding).toEqual({
      agencyName: 'Northwind Digital',
      logoUrl: 'https://cdn.example.com/logo.png',
      primaryColor: '#aabbcc',
      accentColor: '#f59e0b',
      supportEmail: 'help@northwind.example',
    });
    expect(after.json().client.id).toBe(a.clientId);
    expect(after.body).not.toContain(b.clientId);
  });

  it("a GBP client sees every figure in GBP: the sums of its GBP accounts' own spend, no conversion", async () => {
    const native = async (from: string, to: string) => {
      const rows = await t.storage.db
        .selectFrom('daily_metrics')
        .select(['currency', 'spend_micros', 'campaign_id'])
        .where('organization_id', '=', owner.organizationId)
        .where('client_id', '=', gbp.clientId)
        .where('date', '>=', from)
        .where('date', '<=', to)
        .execute();
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.currency))).toEqual(new Set(['GBP']));
      const byCampaign = new Map<string, number>();
      for (const r of rows)
        byCampaign.set(r.campaign_id, (byCampaign.get(r.campaign_id) ?? 0) + Number(r.spend_micros));
      return { total: rows.reduce((s, r) => s + Number(r.spend_micros), 0), byCampaign };
    };
    const me = await get(readerGbp, '/api/v1/portal/me');
    expect(me.json().client.currency).toBe('GBP');
    expect(me.json().organization.reportingCurrency).toBe('USD');

    const overview = await get(readerGbp, '/api/v1/portal/overview?from=2026-11-07&to=2026-11-20');
    expect(overview.statusCode).toBe(200);
    const week = await native('2026-11-07', '2026-11-20');
    expect(overview.json()).toMatchObject({ currency: 'GBP', warnings: [] });
    expect(overview.json().totals.spendMicros).toBe(week.total);
    expect(overview.json().previous.totals.spendMicros).toBe(
      (await native('2026-10-24', '2026-11-06')).total,
    );

    const campaigns = await get(readerGbp, '/api/v1/portal/campaigns?from=2026-11-07&to=2026-11-20');
    expect(campaigns.json().currency).toBe('GBP');
    for (const c of campaigns.json().items)
      expect(c.metrics?.spendMicros ?? 0).toBe(week.byCampaign.get(c.id) ?? 0);

    const one = await get(
      readerGbp,
      `/api/v1/portal/campaigns/${gbp.campaignIds[0]}?from=2026-11-07&to=2026-11-20`,
    );
    expect(one.json().currency).toBe('GBP');
    expect(one.json().totals.spendMicros).toBe(week.byCampaign.get(gbp.campaignIds[0] as string) ?? 0);

    const report = (await get(readerGbp, '/api/v1/portal/reports?month=2026-11')).json().report;
    expect(report.currency).toBe('GBP');
    expect(report.totals.spendMicros).toBe((await native('2026-11-01', '2026-11-30')).total);
    expect(report.highlights.join(' ')).toMatch(/Invested £[0-9,]+ in advertising/);
    expect(report.highlights.join(' ')).not.toContain('$');
  });

  it('a report against a month with data for only some of its days says so and shows no change', async () => {
    const res = await get(readerGbp, '/api/v1/portal/reports?month=2026-11');
    expect(res.statusCode).toBe(200);
    const { report } = res.json();
    const october = (await dataDays(gbp.clientId)).filter((d) => d < '2026-11-01');
    // The data starts in the last days of October (not on the 1st).
    expect(october.length).toBeGreaterThan(0);
    expect(october.length).toBeLessThan(31);
    expect(report.coverage.previous).toEqual({
      month: '2026-10',
      days: 31,
      firstDay: october[0],
      lastDay: '2026-10-31',
      daysWithData: october.length,
      partial: true,
    });
    expect(report.coverage.current).toMatchObject({
      firstDay: '2026-11-01',
      lastDay: '2026-11-20',
      partial: true,
    });
    expect(report.previous.totals.spendMicros).toBeGreaterThan(0);
    expect(report.comparable).toBe(false);
    expect(report.changes).toBeNull();
    const text = report.highlights.join(' ');
    expect(text).toContain(
      `previous month incomplete: ${october.length} of 31 days (${october[0]} to 2026-10-31)`,
    );
    expect(text).not.toMatch(/[+-]\d+% vs/);

    // October against September (no data at all): nothing to flag on September's side.
    const oct = (await get(readerGbp, '/api/v1/portal/reports?month=2026-10')).json().report;
    expect(oct.coverage.previous).toMatchObject({ firstDay: null, daysWithData: 0, partial: false });
    expect(oct.coverage.current).toMatchObject({ daysWithData: october.length, partial: true });
    expect(oct.highlights[0]).toMatch(new RegExp(`^Month incomplete: ${october.length} of 31 days`));
  });

  it("a GBP client's portal user reads no other client's report or campaign", async () => {
    for (const id of [a.campaignIds[0], foreign.campaignIds[0]]) {
      const res = await get(readerGbp, `/api/v1/portal/campaigns/${id}`);
      expect(res.statusCode, id).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    const report = await get(readerGbp, '/api/v1/portal/reports?month=2026-11');
    const ids = report.json().report.topCampaigns.map((r: { campaignId: string }) => r.campaignId);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(gbp.campaignIds).toContain(id);
  });

  it('a portal user of a deleted client is signed out', async () => {
    const reader = await portalUserFor(t, otherOwner, foreign.clientId);
    expect((await get(reader, '/api/v1/portal/me')).statusCode).toBe(200);
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/clients/${foreign.clientId}`,
      headers: otherOwner.headers,
    });
    expect((await get(reader, '/api/v1/portal/me')).statusCode).toBe(401);
  });

  it('months that ended before the metrics retention cutoff are not offered', async () => {
    const offered = async () => {
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/portal/auth/login',
        payload: { email: readerGbp.email, password: readerGbp.password, slug: gbp.slug },
      });
      expect(login.statusCode).toBe(200);
      const headers = { authorization: `Bearer ${login.json().tokens.accessToken}` };
      return (await get({ headers }, '/api/v1/portal/reports')).json().months;
    };
    t.clock.set(new Date('2026-12-10T12:00:00Z'));
    expect(await offered()).toEqual(['2026-11', '2026-10']);
    // 31 days back from 2026-12-10 is 2026-11-09: October is all before it, November is not.
    await t.storage.db
      .updateTable('retention_policies')
      .set({ metrics_days: 31 })
      .where('organization_id', '=', owner.organizationId)
      .execute();
    expect(await offered()).toEqual(['2026-11']);
  });
});
