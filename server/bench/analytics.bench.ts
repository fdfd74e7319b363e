/**
 * p50/p95 latency of the dashboard's main analytics queries, run through the analytics service
 * (tenant transaction, reporting currency, FX, folding, names), over 1,000,000 metric rows (2,000
 * campaigns × 500 days, one ad each) on SQLite (on disk, WAL) and on PostgreSQL. Each query is
 * printed next to baselines measured in the same run over the same days: `count(*)` (the index
 * alone) and `sum(spend_micros)` (a bare scan touching every row the query reads).
 *
 *   cd server && node --import tsx bench/analytics.bench.ts [--rows N] [--campaigns N]
 *        [--iterations N] [--dialect sqlite|postgres|both]
 *
 * 5% of the accounts bill in EUR (the organization reports in USD), so the FX path is exercised.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createAnalyticsModule, type MetricsQuery } from '../src/modules/analytics/index.ts';
import { addDays } from '../src/modules/analytics/periods.ts';
import { createAuditKeys } from '../src/modules/audit/audit.chain.ts';
import { createAudit } from '../src/modules/audit/audit.service.ts';
import type { Ctx } from '../src/modules/auth/context.ts';
import { systemClock } from '../src/platform/clock.ts';
import { ulid } from '../src/platform/ids.ts';
import type { DailyMetricsTable } from '../src/storage/schema.ts';
import { createTestStorage, type TestStorage } from '../src/storage/testing.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? def) : def;
};
const ROWS = Number(arg('rows', '1000000'));
const CAMPAIGNS = Number(arg('campaigns', '2000'));
const DAYS = Math.max(1, Math.round(ROWS / CAMPAIGNS));
const ITERATIONS = Number(arg('iterations', '30'));
const DIALECTS = arg('dialect', 'both') === 'both' ? ['sqlite', 'postgres'] : [arg('dialect', 'sqlite')];
const ACCOUNTS = 40;
const CLIENTS = 20;
const PLATFORMS = ['google_ads', 'meta', 'linkedin'];
const LAST = '2024-06-30';
const FIRST = addDays(LAST, -(DAYS - 1));
const NOW = new Date().toISOString();
const id = (p: string) => `${p}_${ulid()}`;

/** Deterministic pseudo-random numbers, so every run seeds the same data. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function seed(storage: TestStorage) {
  const db = storage.db;
  const org = id('org');
  await db
    .insertInto('organizations')
    .values({
      id: org,
      name: 'Bench agency',
      reporting_currency: 'USD',
      mfa_required: 0,
      created_at: NOW,
      updated_at: NOW,
    })
    .execute();
  const clients = Array.from({ length: CLIENTS }, (_, i) => ({
    id: id('cli'),
    organization_id: org,
    name: `Client ${i}`,
    email: `c${i}@bench.test`,
    company: null,
    status: 'active',
    monthly_budget_micros: null,
    currency: 'USD',
    notes: null,
    created_at: NOW,
    updated_at: NOW,
  }));
  await db.insertInto('clients').values(clients).execute();
  const connection = id('con');
  await db
    .insertInto('connections')
    .values({
      id: connection,
      organization_id: org,
      client_id: null,
      platform: 'google_ads',
      name: 'bench',
      status: 'active',
      tokens_sealed: null,
      token_expires_at: null,
      settings: '{}',
      last_sync_at: null,
      last_error: null,
      created_by: null,
      created_at: NOW,
      updated_at: NOW,
    })
    .execute();
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
    id: id('acc'),
    organization_id: org,
    connection_id: connection,
    client_id: clients[i % CLIENTS]!.id,
    platform: PLATFORMS[i % PLATFORMS.length]!,
    external_id: `acc-${i}`,
    name: `Account ${i}`,
    currency: i % 20 === 19 ? 'EUR' : 'USD',
    time_zone: 'UTC',
    status: 'active',
    enabled: 1,
    created_at: NOW,
    updated_at: NOW,
  }));
  await db.insertInto('ad_accounts').values(accounts).execute();
  const entity = (acc: (typeof accounts)[number], i: number, kind: string) => ({
    organization_id: org,
    ad_account_id: acc.id,
    client_id: acc.client_id,
    platform: acc.platform,
    external_id: `${kind}-${i}`,
    name: `${kind} ${i}`,
    status: 'active',
    first_seen_at: NOW,
    updated_at: NOW,
  });
  const structure = Array.from({ length: CAMPAIGNS }, (_, i) => {
    const acc = accounts[i % ACCOUNTS]!;
    const campaign = {
      id: id('cmp'),
      ...entity(acc, i, 'Campaign'),
      objective: 'conversions',
      daily_budget_micros: 100e6,
      lifetime_budget_micros: null,
      start_date: FIRST,
      end_date: null,
    };
    const group = {
      id: id('adg'),
      ...entity(acc, i, 'Ad group'),
      campaign_id: campaign.id,
      daily_budget_micros: null,
    };
    const ad = {
      id: id('ad'),
      ...entity(acc, i, 'Ad'),
      campaign_id: campaign.id,
      ad_group_id: group.id,
      creative_external_id: null,
      creative_format: 'image',
      headline: null,
      body: null,
      call_to_action: null,
      media_url: null,
      landing_url: null,
      platform_created_at: null,
    };
    return { acc, campaign, group, ad };
  });
  for (let i = 0; i < structure.length; i += 500) {
    const part = structure.slice(i, i + 500);
    await db
      .insertInto('campaigns')
      .values(part.map((s) => s.campaign))
      .execute();
    await db
      .insertInto('ad_groups')
      .values(part.map((s) => s.group))
      .execute();
    await db
      .insertInto('ads')
      .values(part.map((s) => s.ad))
      .execute();
  }

  // Day by day, as syncs append them; 1,000-row INSERTs, 100 of them per transaction.
  const random = rng(42);
  const BATCH = 1000;
  let batch: DailyMetricsTable[] = [];
  let pending: DailyMetricsTable[][] = [];
  const flush = async () => {
    const work = pending;
    pending = [];
    await db.transaction().execute(async (trx) => {
      for (const rows of work) await trx.insertInto('daily_metrics').values(rows).execute();
    });
  };
  for (let d = 0; d < DAYS; d++) {
    const date = addDays(FIRST, d);
    for (const s of structure) {
      const impressions = Math.floor(500 + random() * 20_000);
      const clicks = Math.floor(impressions * (0.005 + random() * 0.03));
      const spend = Math.floor(clicks * (300_000 + random() * 2_000_000));
      const conversions = Math.floor(clicks * random() * 0.1);
      batch.push({
        organization_id: org,
        ad_id: s.ad.id,
        date,
        ad_account_id: s.acc.id,
        campaign_id: s.campaign.id,
        ad_group_id: s.group.id,
        client_id: s.acc.client_id,
        platform: s.acc.platform,
        currency: s.acc.currency,
        impressions,
        clicks,
        spend_micros: spend,
        conversions,
        conversion_value_micros: Math.floor(spend * random() * 4),
        reach: s.acc.platform === 'meta' ? Math.floor(impressions / 1.4) : null,
        frequency: s.acc.platform === 'meta' ? 1.4 : null,
        video_views: null,
        synced_at: NOW,
      });
      if (batch.length === BATCH) {
        pending.push(batch);
        batch = [];
        if (pending.length === 100) await flush();
      }
    }
  }
  if (batch.length) pending.push(batch);
  await flush();
  // One EUR→USD rate per weekday, as the ECB publishes them (the operator's install-wide table).
  const rates = [];
  for (let d = -10; d < DAYS; d++) {
    const date = addDays(FIRST, d);
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    if (weekday !== 0 && weekday !== 6)
      rates.push({ date, base: 'EUR', quote: 'USD', rate: 1.05 + 0.1 * random() });
  }
  for (let i = 0; i < rates.length; i += 500)
    await db
      .insertInto('fx_rates')
      .values(rates.slice(i, i + 500))
      .execute();
  // What autovacuum / a periodic ANALYZE would have done on a live install.
  await sql`analyze`.execute(db);
  if (storage.dialect === 'postgres') await sql`vacuum daily_metrics`.execute(db);
  return { org, clientId: clients[3]!.id };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function time(fn: () => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await fn(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return { p50: quantile(ms, 0.5), p95: quantile(ms, 0.95) };
}

async function run(dialect: string) {
  process.env.OMNIFY_TEST_DB = dialect;
  const dir = mkdtempSync(path.join(tmpdir(), 'omnify-bench-'));
  const storage = await createTestStorage(
    dialect === 'sqlite' ? { file: path.join(dir, 'bench.sqlite') } : {},
  );
  try {
    const t0 = performance.now();
    const { org, clientId } = await seed(storage);
    const seedSeconds = (performance.now() - t0) / 1000;
    const audit = createAudit({ storage, clock: systemClock, keys: createAuditKeys(randomBytes(32)) });
    const analytics = createAnalyticsModule({ storage, audit, clock: systemClock });
    const ctx: Ctx = { organizationId: org, actor: { type: 'user', id: null }, userId: null, role: 'owner' };
    const window = (days: number) => ({ from: addDays(LAST, -(days - 1)), to: LAST });
    const q = (days: number, o: Partial<MetricsQuery> = {}): MetricsQuery => ({
      ...window(days),
      groupBy: [],
      filter: {},
      limit: 10_000,
      ...o,
    });
    const cases: Array<[string, number, MetricsQuery]> = [
      ['totals, 30 days', 30, q(30)],
      ['totals + previous period, 30 days', 30, q(30, { compare: 'previous_period' })],
      ['groupBy=day, 90 days', 90, q(90, { groupBy: ['day'] })],
      ['groupBy=campaign, 30 days', 30, q(30, { groupBy: ['campaign'] })],
      ['groupBy=platform,week, 180 days', 180, q(180, { groupBy: ['platform', 'week'] })],
      [
        'one client, groupBy=day, 90 days',
        90,
        q(90, { groupBy: ['day'], filter: { clientIds: [clientId] } }),
      ],
    ];
    const out = [];
    for (const [name, days, query] of cases) {
      const w = window(days);
      const tenant = <T>(fn: (trx: Parameters<Parameters<TestStorage['withTenant']>[1]>[0]) => Promise<T>) =>
        storage.withTenant(org, fn);
      const rowsRead = await tenant(async (trx) => {
        let c = trx
          .selectFrom('daily_metrics')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('organization_id', '=', org)
          .where('date', '>=', w.from)
          .where('date', '<=', w.to);
        if (query.filter.clientIds) c = c.where('client_id', 'in', query.filter.clientIds);
        return Number((await c.executeTakeFirstOrThrow()).n);
      });
      const result = await analytics.metrics(ctx, query);
      const service = await time(() => analytics.metrics(ctx, query));
      const count = await time(() =>
        tenant((trx) =>
          trx
            .selectFrom('daily_metrics')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('organization_id', '=', org)
            .where('date', '>=', w.from)
            .where('date', '<=', w.to)
            .execute(),
        ),
      );
      const scan = await time(() =>
        tenant((trx) =>
          trx
            .selectFrom('daily_metrics')
            .select((eb) => eb.fn.sum('spend_micros').as('s'))
            .where('organization_id', '=', org)
            .where('date', '>=', w.from)
            .where('date', '<=', w.to)
            .execute(),
        ),
      );
      out.push({ name, rowsRead, groups: result.rowCount, service, count, scan });
    }
    return { dialect, seedSeconds, out };
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (v: number) => v.toFixed(1).padStart(7);
console.log(
  `\nAnalytics over ${(CAMPAIGNS * DAYS).toLocaleString('en')} daily metric rows (${CAMPAIGNS} campaigns × ${DAYS} days), ${ITERATIONS} iterations, ${new Date().toISOString()}`,
);
for (const dialect of DIALECTS) {
  const r = await run(dialect);
  console.log(`\n${r.dialect}: seeded in ${r.seedSeconds.toFixed(1)} s`);
  console.log(
    `${'query'.padEnd(36)} ${'rows read'.padStart(9)} ${'groups'.padStart(6)} | ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} | count(*) p50 ${'p95'.padStart(7)} | sum() scan p50 ${'p95'.padStart(7)}`,
  );
  for (const o of r.out)
    console.log(
      `${o.name.padEnd(36)} ${String(o.rowsRead).padStart(9)} ${String(o.groups).padStart(6)} | ${ms(o.service.p50)} ${ms(o.service.p95)} | ${ms(o.count.p50).padStart(12)} ${ms(o.count.p95)} | ${ms(o.scan.p50).padStart(14)} ${ms(o.scan.p95)}`,
    );
}
