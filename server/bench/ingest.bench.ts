/**
 * Sync ingest speed: daily metric rows per second through the sync engine's upsert (natural-key
 * conflict handling plus restatement capture), on SQLite (file, WAL) and PostgreSQL, next to a bare
 * multi-row INSERT of the same rows into a table without keys, measured in the same run.
 *
 *   cd server && node --import tsx bench/ingest.bench.ts [--ads 500] [--days 120]
 */
import { sql } from 'kysely';
import { makeScenario } from '../src/modules/connectors/connector.contract.ts';
import type { DailyMetricRecord } from '../src/modules/connectors/connector.port.ts';
import { upsertAccount, upsertMetrics, upsertStructure } from '../src/modules/sync/sync.upsert.ts';
import { createTestStorage } from '../src/storage/testing.ts';
import { testConfig } from '../test/helpers/app.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const adsCount = arg('ads', 500);
const days = arg('days', 120);

function rowsFor(adIds: string[], salt: number): DailyMetricRecord[] {
  const out: DailyMetricRecord[] = [];
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (const ad of adIds)
    for (let d = 0; d < days; d++) {
      const impressions = 1000 + ((d * 7 + ad.length * 13 + salt) % 5000);
      out.push({
        adExternalId: ad,
        date: new Date(start + d * 86_400_000).toISOString().slice(0, 10),
        impressions,
        clicks: Math.floor(impressions / 50),
        spendMicros: impressions * 1000,
        conversions: (d + salt) % 7,
        conversionValueMicros: ((d + salt) % 7) * 40_000_000,
        reach: Math.floor(impressions * 0.8),
        frequency: 1.25,
        videoViews: null,
      });
    }
  return out;
}

async function run(dialect: 'sqlite' | 'postgres') {
  process.env.OMNIFY_TEST_DB = dialect;
  const storage = await createTestStorage(
    dialect === 'sqlite' ? { file: `${testConfig().dataDir}/ingest.sqlite` } : {},
  );
  const now = new Date().toISOString();
  const orgId = 'org_bench0000000000000000000000';
  await storage.db
    .insertInto('organizations')
    .values({
      id: orgId,
      name: 'bench',
      reporting_currency: 'USD',
      mfa_required: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await storage.db
    .insertInto('connections')
    .values({
      id: 'con_bench',
      organization_id: orgId,
      client_id: null,
      platform: 'google_ads',
      name: 'b',
      status: 'active',
      tokens_sealed: null,
      token_expires_at: null,
      settings: '{}',
      last_sync_at: null,
      last_error: null,
      created_by: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const ref = { organizationId: orgId, connectionId: 'con_bench', clientId: null, platform: 'google_ads' };
  const sc = makeScenario();
  const structure = {
    campaigns: sc.structure.campaigns,
    adGroups: sc.structure.adGroups,
    ads: [] as typeof sc.structure.ads,
  };
  const template = sc.structure.ads[0]!;
  for (let i = 0; i < adsCount; i++)
    structure.ads.push({ ...template, externalId: `ad${i}`, name: `Ad ${i}` });
  const accountId = await storage.withTenant(orgId, (trx) => upsertAccount(trx, ref, sc.account, now));
  const { index } = await storage.withTenant(orgId, (trx) =>
    upsertStructure(trx, ref, accountId, structure, now),
  );
  const adIds = structure.ads.map((a) => a.externalId);

  // Baseline: the same rows, plain INSERT into a keyless copy of the table, same batch size.
  await sql`create table bench_plain as select * from daily_metrics where 1 = 0`.execute(storage.db);
  const first = rowsFor(adIds, 0);
  const t0 = performance.now();
  for (let i = 0; i < first.length; i += 400) {
    const part = first.slice(i, i + 400);
    await storage.db
      // biome-ignore lint/suspicious/noExplicitAny: scratch table outside the schema
      .insertInto('bench_plain' as any)
      .values(
        part.map((r) => ({
          organization_id: orgId,
          ad_id: r.adExternalId,
          date: r.date,
          ad_account_id: accountId,
          campaign_id: 'c',
          ad_group_id: 'g',
          client_id: null,
          platform: 'google_ads',
          currency: 'USD',
          impressions: r.impressions,
          clicks: r.clicks,
          spend_micros: r.spendMicros,
          conversions: r.conversions,
          conversion_value_micros: r.conversionValueMicros,
          reach: r.reach,
          frequency: r.frequency,
          video_views: r.videoViews,
          synced_at: now,
        })),
      )
      .execute();
  }
  const baseline = first.length / ((performance.now() - t0) / 1000);

  const ingest = async (rows: DailyMetricRecord[]) => {
    const t = performance.now();
    // One transaction per week-sized chunk, as the sync engine does.
    const chunk = adsCount * 7;
    let revised = 0;
    for (let i = 0; i < rows.length; i += chunk) {
      const r = await storage.withTenant(orgId, (trx) =>
        upsertMetrics(trx, ref, { id: accountId, currency: 'USD' }, index, rows.slice(i, i + chunk), now),
      );
      revised += r.revised;
    }
    return { rate: rows.length / ((performance.now() - t) / 1000), revised };
  };
  const fresh = await ingest(first);
  const again = await ingest(first);
  const restated = await ingest(rowsFor(adIds, 3));
  await storage.close();
  return { rows: first.length, baseline, fresh, again, restated };
}

const line = (label: string, rate: number, base: number, extra = '') =>
  `${label.padEnd(44)} ${rate.toFixed(0).padStart(9)} rows/s   ratio to bare INSERT ${(rate / base).toFixed(3)} ${extra}`;
console.log(`\nIngest of daily metric rows (${adsCount} ads × ${days} days, ${new Date().toISOString()})`);
for (const dialect of ['sqlite', 'postgres'] as const) {
  const r = await run(dialect);
  console.log(`-- ${dialect} (${r.rows} rows)`);
  console.log(line('bare multi-row INSERT (baseline)', r.baseline, r.baseline));
  console.log(line('sync upsert, new rows', r.fresh.rate, r.baseline));
  console.log(
    line(
      'sync upsert, same rows again (no change)',
      r.again.rate,
      r.baseline,
      `revisions ${r.again.revised}`,
    ),
  );
  console.log(
    line('sync upsert, every row restated', r.restated.rate, r.baseline, `revisions ${r.restated.revised}`),
  );
}
