import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  createTestApp,
  type Signed,
  signUp,
  type TestApp,
  uniqueEmail,
} from '../../../test/helpers/app.ts';
import { connectSimulatorDays, withAdDaySpend } from '../../../test/helpers/simulator.ts';
import { newId } from '../../platform/ids.ts';
import { testDialect } from '../../storage/testing.ts';
import { fixtures } from '../catalog/catalog.fixtures.ts';

const LAST_DAY = '2026-11-20';

describe(`ORACLE client churn risk on ${testDialect()}`, () => {
  let t: TestApp;
  let a: Signed;
  let b: Signed;
  let clientId: string;
  let idleClient: string;
  let mtd: number;

  const churn = async (who: Signed, qs = '') => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/oracle/churn${qs}`, headers: who.headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const createClient = async (who: Signed, name: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/clients',
      headers: who.headers,
      payload: { name, email: uniqueEmail('churn') },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const setBudget = (id: string, micros: number) =>
    t.storage.db.updateTable('clients').set({ monthly_budget_micros: micros }).where('id', '=', id).execute();

  beforeAll(async () => {
    t = await createTestApp();
    a = await signUp(t.app, 'churn-a');
    b = await signUp(t.app, 'churn-b');
    // 56 days to LAST_DAY: both 4-week trend windows (the helper reaches back however long ago
    // LAST_DAY was).
    await connectSimulatorDays(t, a, { seed: 'churn', days: 56, endDate: LAST_DAY });
    const first = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => eb.fn.min('date').as('d'))
      .where('organization_id', '=', a.organizationId)
      .executeTakeFirstOrThrow();
    expect(first.d).toBe('2026-09-26');
    clientId = await createClient(a, 'Churn client');
    idleClient = await createClient(a, 'Idle client');
    // One currency for the whole client, so pacing compares like with like.
    await t.storage.db
      .updateTable('daily_metrics')
      .set({ client_id: clientId, currency: 'USD' })
      .where('organization_id', '=', a.organizationId)
      .execute();
    await t.storage.db.updateTable('clients').set({ currency: 'USD' }).where('id', '=', clientId).execute();
    const spent = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => eb.fn.sum<number>('spend_micros').as('s'))
      .where('organization_id', '=', a.organizationId)
      .where('date', '>=', '2026-11-01')
      .executeTakeFirstOrThrow();
    mtd = Number(spent.s);
    expect(mtd).toBeGreaterThan(0);
  });
  afterAll(() => t.close());

  it('a client spending on pace with steady performance is low risk; no portal user means no engagement signal', async () => {
    await setBudget(clientId, Math.round((mtd * 30) / 20));
    const { items } = await churn(a, `?clientId=${clientId}`);
    expect(items).toHaveLength(1);
    const c = items[0];
    expect(c.asOf).toBe(LAST_DAY);
    expect(c.pacing.ratio).toBeCloseTo(1, 2);
    const onPace = c.factors.find((f: { factor: string }) => f.factor === 'spend_pacing');
    expect(onPace.status).toBe('ok');
    // Not called an overspend (or an underspend) when it carries no risk.
    expect(onPace.detail).toMatch(/^On pace: 100% of the budget prorated to day \d+ of \d+$/);
    const factor = (f: string) => c.factors.find((x: { factor: string }) => x.factor === f);
    expect(factor('portal_engagement').status).toBe('not_available');
    expect(factor('open_issues')).toMatchObject({ status: 'ok', contribution: 0 });
    expect(c.reasons.every((r: { factor: string }) => r.factor !== 'spend_pacing')).toBe(true);
  });

  it('underspending by half and a ROAS cut to a quarter make a high risk, with those two as the top reasons', async () => {
    await setBudget(clientId, Math.round((mtd * 30) / 20) * 2);
    await t.storage.db
      .updateTable('daily_metrics')
      .set((eb) => ({ conversion_value_micros: eb('conversion_value_micros', '/', 4) }))
      .where('organization_id', '=', a.organizationId)
      .where('date', '>', '2026-10-23')
      .execute();
    const c = (await churn(a, `?clientId=${clientId}`)).items[0];
    expect(c.pacing.ratio).toBeCloseTo(0.5, 2);
    expect(c.trend.roasLast28).toBeLessThan(c.trend.roasPrior28 * 0.5);
    expect(c.level).toBe('high');
    expect(c.risk).toBeGreaterThanOrEqual(0.7);
    expect(c.reasons.map((r: { factor: string }) => r.factor).slice(0, 2)).toEqual([
      'spend_pacing',
      'roas_trend',
    ]);
    expect(c.reasons[0].detail).toMatch(/Underspending: 50%/);
  });

  it('a client without data has no score, and the riskiest client comes first', async () => {
    const { items } = await churn(a);
    expect(items.map((i: { clientId: string }) => i.clientId)).toEqual([clientId, idleClient]);
    expect(items[1]).toMatchObject({ risk: null, level: null, reasons: [] });
    expect(items[1].warnings.join(' ')).toMatch(/nothing to assess/);
  });

  it('a portal user who stopped signing in and a connection needing reconnection add to the risk, with reasons', async () => {
    const factorsOf = async () => (await churn(a, `?clientId=${clientId}`)).items[0];
    const before = await factorsOf();
    const now = t.clock.now().getTime();
    const at = (daysAgo: number) => new Date(now - daysAgo * 86_400_000).toISOString();
    await t.storage.db
      .insertInto('portal_users')
      .values({
        id: newId('portalUser'),
        organization_id: a.organizationId,
        client_id: clientId,
        email: uniqueEmail('portal'),
        name: 'Client person',
        password_hash: null,
        invite_token_hash: null,
        invite_expires_at: null,
        invited_by: null,
        accepted_at: at(90),
        revoked_at: null,
        failed_login_count: 0,
        locked_until: null,
        last_login_at: at(37),
        created_at: at(90),
        updated_at: at(37),
      })
      .execute();
    await t.storage.db
      .updateTable('connections')
      .set({ client_id: clientId, status: 'needs_reconnect' })
      .where('organization_id', '=', a.organizationId)
      .execute();
    const c = await factorsOf();
    const portal = c.factors.find((x: { factor: string }) => x.factor === 'portal_engagement');
    // 37 days: (37 − 14) / (60 − 14) = half of the 0.15 weight.
    expect(portal).toMatchObject({ status: 'risk', contribution: 0.075 });
    expect(portal.detail).toMatch(/Last portal sign-in 37 day\(s\) ago/);
    const issues = c.factors.find((x: { factor: string }) => x.factor === 'open_issues');
    expect(issues.status).toBe('risk');
    expect(issues.detail).toMatch(/needs reconnect/);
    expect(c.reasons.map((r: { factor: string }) => r.factor)).toEqual(
      expect.arrayContaining(['portal_engagement', 'open_issues']),
    );
    expect(c.risk).toBeCloseTo(Math.min(1, before.risk + 0.075 + issues.contribution), 3);
  });

  it("a client whose accounts bill in another currency is scored on its spend converted to the client's currency", async () => {
    // A USD client (budget 3,000 USD a month) whose only account bills in EUR, 50 EUR a day,
    // at 1 EUR = 1.2 USD: day 20 of 30 → 2,000 USD expected, 20 × 60 = 1,200 USD spent (60%).
    const e = await signUp(t.app, 'churn-fx');
    const f = fixtures(t.storage, e.organizationId);
    const cli = await f.client('Harbor Home Loans');
    await setBudget(cli.id, 3_000_000_000);
    const days = Array.from({ length: 56 }, (_, i) => {
      const d = new Date(Date.parse(`${LAST_DAY}T00:00:00Z`) - i * 86_400_000).toISOString().slice(0, 10);
      return {
        date: d,
        impressions: 1000,
        clicks: 10,
        spendMicros: 50_000_000,
        conversions: 2,
        conversionValueMicros: 100_000_000,
      };
    });
    const accountWith = async (currency: string) => {
      const acc = await f.account({ platform: 'google_ads', currency, clientId: cli.id });
      const cmp = await f.campaign(acc, `${currency} campaign`);
      await f.metrics(acc, await f.ad(acc, await f.adGroup(acc, cmp, 'g'), 'ad'), days);
    };
    await accountWith('EUR');
    const put = await t.app.inject(
      as(e, {
        method: 'PUT',
        url: '/api/v1/analytics/fx-rates',
        payload: { rates: days.map((d) => ({ date: d.date, base: 'EUR', quote: 'USD', rate: 1.2 })) },
      }),
    );
    expect(put.statusCode, put.body).toBe(200);
    const c = (await churn(e, `?clientId=${cli.id}`)).items[0];
    expect(c.currency).toBe('USD');
    expect(c.risk).toEqual(expect.any(Number));
    expect(c.level).not.toBeNull();
    expect(c.pacing.monthToDateSpendMicros).toBe(1_200_000_000);
    expect(c.pacing.ratio).toBeCloseTo(0.6, 3);
    const pacing = c.reasons.find((r: { factor: string }) => r.factor === 'spend_pacing');
    expect(pacing.detail).toMatch(/Underspending: 60% of the budget/);
    expect(pacing.detail).toMatch(/spend in EUR converted to USD/);
    // Value and spend convert alike: ROAS is the account's own, 2.
    expect(c.trend.roasLast28).toBeCloseTo(2, 3);
    expect(c.warnings).toEqual([]);

    // A second account in GBP, for which no rate is loaded: its spend alone is left out, and said so.
    await accountWith('GBP');
    const g = (await churn(e, `?clientId=${cli.id}`)).items[0];
    expect(g.risk).toEqual(expect.any(Number));
    expect(g.pacing.monthToDateSpendMicros).toBe(1_200_000_000);
    // Pacing is not judged on part of the month's spend: no false underspend from the missing rate.
    expect(g.reasons.map((r: { factor: string }) => r.factor)).not.toContain('spend_pacing');
    const gPacing = g.factors.find((r: { factor: string }) => r.factor === 'spend_pacing');
    expect(gPacing).toMatchObject({ status: 'not_available', contribution: 0 });
    expect(gPacing.detail).toMatch(/Pacing not judged: GBP spend this month cannot be converted to USD/);
    expect(gPacing.detail).toMatch(/GBP spend on 56 day\(s\) left out: no GBP→USD rate/);
    expect(g.risk).toBeLessThanOrEqual(c.risk - pacing.contribution + 1e-9);

    // What could be converted already overspends (1,200 USD against 800 expected): that still
    // counts, as a lower bound, whatever the GBP spend adds.
    await setBudget(cli.id, 1_200_000_000);
    const over = (await churn(e, `?clientId=${cli.id}`)).items[0];
    const overPacing = over.reasons.find((r: { factor: string }) => r.factor === 'spend_pacing');
    expect(overPacing?.status).toBe('risk');
    expect(overPacing.detail).toMatch(/Overspending: at least 150% of the budget/);
    expect(g.warnings.join(' ')).toMatch(/No GBP→USD rate on or before .*left out of pacing and trends/);
  });

  it('a trend whose 4-week window is only partly held (client onboarded 30 days ago, or older days purged) is not available, not invented', async () => {
    // Steady performance for 30 days, then a one-off bad pair of days 29–28 days back: with only
    // those two in the "4 weeks before" window, comparing them with the last 4 weeks would invent
    // a ROAS fall and a CPA rise.
    const e = await signUp(t.app, 'churn-short');
    const f = fixtures(t.storage, e.organizationId);
    const cli = await f.client('Fresh Client');
    await t.storage.db.updateTable('clients').set({ currency: 'USD' }).where('id', '=', cli.id).execute();
    const day = (i: number) =>
      new Date(Date.parse(`${LAST_DAY}T00:00:00Z`) - i * 86_400_000).toISOString().slice(0, 10);
    const rows = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        date: day(i),
        impressions: 1000,
        clicks: 10,
        spendMicros: 50_000_000,
        conversions: i >= 28 ? 8 : 2,
        conversionValueMicros: i >= 28 ? 400_000_000 : 100_000_000,
      }));
    const acc = await f.account({ platform: 'google_ads', currency: 'USD', clientId: cli.id });
    const ad = await f.ad(acc, await f.adGroup(acc, await f.campaign(acc, 'c'), 'g'), 'ad');
    await f.metrics(acc, ad, rows(30));
    const c = (await churn(e, `?clientId=${cli.id}`)).items[0];
    for (const name of ['roas_trend', 'cpa_trend']) {
      const factor = c.factors.find((x: { factor: string }) => x.factor === name);
      expect(factor).toMatchObject({ status: 'not_available', contribution: 0 });
      expect(factor.detail).toMatch(
        new RegExp(`2 of the 28 days of the 4 weeks before \\(${day(55)} to ${day(28)}\\)`),
      );
      expect(factor.detail).toMatch(new RegExp(`from ${day(29)} on`));
    }
    expect(c.reasons.map((r: { factor: string }) => r.factor)).not.toContain('roas_trend');
    expect(c.reasons.map((r: { factor: string }) => r.factor)).not.toContain('cpa_trend');
    expect(c.trend).toMatchObject({ roasPrior28: null, cpaPrior28Micros: null, roasLast28: 2 });

    // 54 of the 56 days held (two days short of the "4 weeks before"): still compared.
    await t.storage.db.deleteFrom('daily_metrics').where('organization_id', '=', e.organizationId).execute();
    await f.metrics(acc, ad, rows(54));
    const d = (await churn(e, `?clientId=${cli.id}`)).items[0];
    const roas = d.factors.find((x: { factor: string }) => x.factor === 'roas_trend');
    expect(roas.status).not.toBe('not_available');
    expect(d.trend.roasPrior28).toBeCloseTo(8, 3);
  });

  it("another organization's client is 404 and it sees none of this one's", async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/oracle/churn?clientId=${clientId}`,
      headers: b.headers,
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect((await churn(b)).items).toEqual([]);
  });

  it('a row of negative spend counts as no spend in pacing (the day’s other rows stay), and is said so', async () => {
    const before = (await churn(a, `?clientId=${clientId}`)).items[0];
    const day = await t.storage.db
      .selectFrom('daily_metrics')
      .select(['ad_id', 'spend_micros'])
      .where('organization_id', '=', a.organizationId)
      .where('date', '=', LAST_DAY)
      .orderBy('ad_id')
      .execute();
    expect(day.length).toBeGreaterThan(1);
    const row = day.find((r) => Number(r.spend_micros) > 0)!;
    await withAdDaySpend(t, a.organizationId, { ...row, date: LAST_DAY }, -5_000_000_000, async () => {
      const after = (await churn(a, `?clientId=${clientId}`)).items[0];
      expect(after.warnings.join(' ')).toMatch(
        new RegExp(`Negative spend reported on 1 day\\(s\\) \\(${LAST_DAY}\\)`),
      );
      expect(after.pacing.monthToDateSpendMicros).toBeCloseTo(
        before.pacing.monthToDateSpendMicros - Number(row.spend_micros),
        -1,
      );
      expect(after.pacing.ratio).toBeCloseTo(
        (before.pacing.ratio * after.pacing.monthToDateSpendMicros) / before.pacing.monthToDateSpendMicros,
        2,
      );
    });
  });
});
