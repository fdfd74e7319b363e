import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/helpers/app.ts';
import { testDialect } from '../storage/testing.ts';
import { seedDemo } from './demo.ts';

describe(`demo agency on ${testDialect()}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ clockStart: new Date('2026-11-20T12:00:00Z') });
  });
  afterAll(() => t.close());

  it('creates a synced agency with three clients on three platforms, once, and its login works', async () => {
    const demo = await seedDemo(t.services, { days: 30, quiet: true });
    expect(demo.created).toBe(true);
    const org = demo.organizationId;
    const clients = await t.storage.db
      .selectFrom('clients')
      .select(['id', 'name', 'currency'])
      .where('organization_id', '=', org)
      .orderBy('name')
      .execute();
    expect(clients).toHaveLength(3);
    // Each client bills in its ad accounts' currency and its accounts carry its name; the agency
    // reports in USD while its clients bill in three currencies.
    expect(clients.map((c) => [c.name, c.currency])).toEqual([
      ['Bright Smile Dental', 'USD'],
      ['Maison Verte Immobilier', 'EUR'],
      ['Peak Fitness', 'GBP'],
    ]);
    const reporting = await t.storage.db
      .selectFrom('organizations')
      .select('reporting_currency')
      .where('id', '=', org)
      .executeTakeFirstOrThrow();
    expect(reporting.reporting_currency).toBe('USD');
    const accounts = await t.storage.db
      .selectFrom('ad_accounts')
      .select(['client_id', 'name', 'currency', 'platform'])
      .where('organization_id', '=', org)
      .execute();
    expect(accounts).toHaveLength(9);
    for (const c of clients) {
      const own = accounts.filter((a) => a.client_id === c.id);
      expect(own.map((a) => a.platform).sort()).toEqual(['google_ads', 'linkedin', 'meta']);
      for (const a of own) {
        expect(a.currency, a.name).toBe(c.currency);
        expect(a.name.startsWith(`${c.name} (`), a.name).toBe(true);
      }
    }
    const crm = await t.storage.db
      .selectFrom('crm_pipelines')
      .select(['name'])
      .where('organization_id', '=', org)
      .execute();
    for (const p of crm)
      expect(
        clients.some((c) => p.name.startsWith(c.name)),
        p.name,
      ).toBe(true);
    const perPlatform = await t.storage.db
      .selectFrom('ads')
      .select(['platform', (eb) => eb.fn.countAll<number>().as('n')])
      .where('organization_id', '=', org)
      .groupBy('platform')
      .execute();
    expect(perPlatform.map((p) => p.platform).sort()).toEqual(['google_ads', 'linkedin', 'meta']);
    expect(perPlatform.reduce((n, p) => n + Number(p.n), 0)).toBeGreaterThan(100);
    const days = await t.storage.db
      .selectFrom('daily_metrics')
      .select([
        (eb) => eb.fn.count<number>('date').distinct().as('days'),
        (eb) => eb.fn.count<number>('client_id').distinct().as('clients'),
      ])
      .where('organization_id', '=', org)
      .executeTakeFirstOrThrow();
    expect(Number(days.days)).toBe(30);
    expect(Number(days.clients)).toBe(3);
    const contacts = await t.storage.db
      .selectFrom('crm_contacts')
      .select('id')
      .where('organization_id', '=', org)
      .limit(1)
      .execute();
    expect(contacts).toHaveLength(1);

    // Every row converts to the reporting currency: no FX warnings in the demo's analytics.
    const token = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'demo@omnify.local', password: 'omnify-demo' },
      })
    ).json().tokens.accessToken;
    const metrics = await t.app.inject({
      method: 'GET',
      url: '/api/v1/analytics/metrics?from=2026-10-25&to=2026-11-20&groupBy=client',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.json().warnings ?? []).toEqual([]);
    expect(metrics.json().rows).toHaveLength(3);

    // Each client's monthly budget is what its campaigns spend a day (last 28 days) over the month
    // (30 days in November), so a fresh demo paces normally: no client over- or underspending by
    // more than 20% (a fixed $18,000 for Bright Smile's ~$1,180 a day read "Overspending 197%").
    const budgets = await t.storage.db
      .selectFrom('clients')
      .select(['id', 'name', 'monthly_budget_micros'])
      .where('organization_id', '=', org)
      .execute();
    for (const c of budgets) {
      const rows = await t.storage.db
        .selectFrom('daily_metrics')
        .select(['spend_micros'])
        .where('organization_id', '=', org)
        .where('client_id', '=', c.id)
        .where('date', '>=', '2026-10-24')
        .where('date', '<=', '2026-11-20')
        .execute();
      const perMonth = (rows.reduce((n, r) => n + Number(r.spend_micros), 0) / 28) * 30;
      expect(perMonth, c.name).toBeGreaterThan(0);
      expect(Math.abs(Number(c.monthly_budget_micros) - perMonth), c.name).toBeLessThanOrEqual(500_000_000);
    }
    const churn = await t.app.inject({
      method: 'GET',
      url: '/api/v1/oracle/churn',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(churn.statusCode, churn.body).toBe(200);
    const pacing = (
      churn.json().items as Array<{
        clientId: string;
        factors: Array<{ factor: string; status: string; detail: string }>;
      }>
    ).map((i) => i.factors.find((f) => f.factor === 'spend_pacing'));
    expect(pacing).toHaveLength(3);
    for (const f of pacing) expect(f, f?.detail).toMatchObject({ status: 'ok' });

    // Started again three days later, the demo catches up to today: one incremental sync per
    // simulator connection (the worker runs them; here they run inline), and rates through today.
    t.clock.advance(3 * 86_400_000);
    const again = await seedDemo(t.services, { days: 30, quiet: true });
    expect(again).toMatchObject({ created: false, organizationId: org });
    const queued = await t.storage.db
      .selectFrom('sync_runs')
      .select(['id', 'kind'])
      .where('organization_id', '=', org)
      .where('status', '=', 'queued')
      .execute();
    expect(queued.map((r) => r.kind)).toEqual(['incremental', 'incremental', 'incremental']);
    for (const r of queued) expect((await t.services.sync.execute(org, r.id)).status).toBe('succeeded');
    const last = await t.storage.db
      .selectFrom('daily_metrics')
      .select((eb) => eb.fn.max('date').as('last'))
      .where('organization_id', '=', org)
      .executeTakeFirstOrThrow();
    expect(last.last).toBe('2026-11-23');
    const fresh = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'demo@omnify.local', password: 'omnify-demo' },
      })
    ).json().tokens.accessToken;
    const later = await t.app.inject({
      method: 'GET',
      url: '/api/v1/analytics/metrics?from=2026-11-21&to=2026-11-23&groupBy=client',
      headers: { authorization: `Bearer ${fresh}` },
    });
    expect(later.statusCode).toBe(200);
    expect(later.json().warnings ?? []).toEqual([]);
    expect(later.json().rows).toHaveLength(3);
    expect(later.json().rows.every((r: { spendMicros: number }) => r.spendMicros > 0)).toBe(true);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'demo@omnify.local', password: 'omnify-demo' },
    });
    expect(login.statusCode).toBe(200);
  });
});
