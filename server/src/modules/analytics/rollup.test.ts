import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { rollupBackfill } from '../../storage/migrations/003_analytics.ts';
import { testDialect } from '../../storage/testing.ts';
import { fixtures } from '../catalog/catalog.fixtures.ts';

/**
 * `daily_metrics_by_account` must always equal `daily_metrics` summed per account and day, whoever
 * writes: plain inserts, sync-style upserts, updates, deletes and cascades, inside a tenant
 * transaction (row-level security armed on PostgreSQL).
 */
describe(`metrics rollup on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'rollup');
  });
  afterAll(() => t.close());

  /** The rollup as stored, and as recomputed from the base table. */
  async function both() {
    const db = t.storage.db;
    const stored = await db
      .selectFrom('daily_metrics_by_account')
      .select([
        'date',
        'ad_account_id',
        'client_key',
        'platform',
        'currency',
        'row_count',
        'impressions',
        'clicks',
        'spend_micros',
        'conversions_micro',
        'conversion_value_micros',
        'reach',
        'reach_rows',
        'impressions_with_reach',
      ])
      .where('organization_id', '=', owner.organizationId)
      .orderBy('date')
      .orderBy('ad_account_id')
      .orderBy('client_key')
      .execute();
    const fresh = await db
      .selectFrom('daily_metrics')
      .select((eb) => [
        'date',
        'ad_account_id',
        sql<string>`coalesce(client_id, '')`.as('client_key'),
        'platform',
        'currency',
        eb.fn.countAll<number>().as('row_count'),
        eb.fn.sum<number>('impressions').as('impressions'),
        eb.fn.sum<number>('clicks').as('clicks'),
        eb.fn.sum<number>('spend_micros').as('spend_micros'),
        sql<number>`sum(cast(round(conversions * 1000000) as bigint))`.as('conversions_micro'),
        eb.fn.sum<number>('conversion_value_micros').as('conversion_value_micros'),
        sql<number>`sum(coalesce(reach, 0))`.as('reach'),
        sql<number>`sum(case when reach is null then 0 else 1 end)`.as('reach_rows'),
        sql<number>`sum(case when reach is null then 0 else impressions end)`.as('impressions_with_reach'),
      ])
      .where('organization_id', '=', owner.organizationId)
      .groupBy(sql.raw('1, 2, 3, 4, 5'))
      .orderBy('date')
      .orderBy('ad_account_id')
      .orderBy(sql.raw('3'))
      .execute();
    const norm = (rows: Array<Record<string, unknown>>) =>
      rows.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]),
        ),
      );
    return { stored: norm(stored), fresh: norm(fresh) };
  }

  it('follows inserts, upserts, client reassignment, deletes and cascades', async () => {
    const f = fixtures(t.storage, owner.organizationId);
    const client = await f.client('Rollup Co');
    const acc = await f.account({ platform: 'meta', currency: 'USD', clientId: client.id });
    const cmp = await f.campaign(acc, 'c');
    const grp = await f.adGroup(acc, cmp, 'g');
    const a1 = await f.ad(acc, grp, 'a1');
    const a2 = await f.ad(acc, grp, 'a2');
    const day = (date: string, n: number, reach: number | null = null) => ({
      date,
      impressions: 1000 * n,
      clicks: 10 * n,
      spendMicros: 1_000_000 * n,
      conversions: 0.1 * n,
      conversionValueMicros: 3_000_000 * n,
      reach,
    });
    await f.metrics(acc, a1, [day('2024-01-01', 1, 700), day('2024-01-02', 2)]);
    await f.metrics(acc, a2, [day('2024-01-01', 3), day('2024-01-02', 4, 2000)]);
    let r = await both();
    expect(r.stored).toHaveLength(2);
    expect(r.stored).toEqual(r.fresh);

    await t.storage.withTenant(owner.organizationId, async (trx) => {
      // A restatement, upserted the way the sync writes days.
      await trx
        .insertInto('daily_metrics')
        .values({
          organization_id: owner.organizationId,
          ad_id: a1.id,
          date: '2024-01-01',
          ad_account_id: acc.id,
          campaign_id: cmp.id,
          ad_group_id: grp.id,
          client_id: client.id,
          platform: 'meta',
          currency: 'USD',
          impressions: 1500,
          clicks: 15,
          spend_micros: 1_700_000,
          conversions: 0.7,
          conversion_value_micros: 9_000_000,
          reach: null,
          frequency: null,
          video_views: null,
          synced_at: '2024-01-03T00:00:00.000Z',
        })
        .onConflict((oc) =>
          oc.columns(['organization_id', 'ad_id', 'date']).doUpdateSet((eb) => ({
            impressions: eb.ref('excluded.impressions'),
            clicks: eb.ref('excluded.clicks'),
            spend_micros: eb.ref('excluded.spend_micros'),
            conversions: eb.ref('excluded.conversions'),
            conversion_value_micros: eb.ref('excluded.conversion_value_micros'),
            reach: eb.ref('excluded.reach'),
          })),
        )
        .execute();
      // The account moves to no client for one day's rows: they roll up under ''.
      await trx
        .updateTable('daily_metrics')
        .set({ client_id: null })
        .where('organization_id', '=', owner.organizationId)
        .where('date', '=', '2024-01-02')
        .where('ad_id', '=', a2.id)
        .execute();
    });
    r = await both();
    expect(r.stored).toHaveLength(3);
    expect(r.stored).toEqual(r.fresh);

    await t.storage.withTenant(owner.organizationId, async (trx) => {
      await trx
        .deleteFrom('daily_metrics')
        .where('organization_id', '=', owner.organizationId)
        .where('ad_id', '=', a2.id)
        .where('date', '=', '2024-01-01')
        .execute();
      // Deleting an ad cascades to its metrics.
      await trx
        .deleteFrom('ads')
        .where('organization_id', '=', owner.organizationId)
        .where('id', '=', a1.id)
        .execute();
    });
    r = await both();
    expect(r.stored).toEqual(r.fresh);
    expect(r.stored).toEqual([
      expect.objectContaining({
        date: '2024-01-02',
        client_key: '',
        row_count: 1,
        reach: 2000,
        reach_rows: 1,
      }),
    ]);

    // The metrics endpoint reads the rollup for this and the base table per ad: they agree.
    const byAccount = await t.services.analytics.metrics(
      {
        organizationId: owner.organizationId,
        actor: { type: 'user', id: owner.userId },
        userId: owner.userId,
        role: 'owner',
      },
      { from: '2024-01-01', to: '2024-01-02', groupBy: ['platform'], filter: {}, limit: 100 },
    );
    const byAd = await t.services.analytics.metrics(
      {
        organizationId: owner.organizationId,
        actor: { type: 'user', id: owner.userId },
        userId: owner.userId,
        role: 'owner',
      },
      { from: '2024-01-01', to: '2024-01-02', groupBy: ['ad'], filter: {}, limit: 100 },
    );
    expect(byAccount.totals).toEqual(byAd.totals);
    expect(byAccount.totals).toMatchObject({ impressions: 4000, reachDailySum: 2000, frequency: 2 });

    // The migration's backfill (which repairs a rollup too) computes what the triggers kept.
    const kept = (await both()).stored;
    await t.storage.db.deleteFrom('daily_metrics_by_account').execute();
    await sql.raw(rollupBackfill).execute(t.storage.db);
    expect((await both()).stored).toEqual(kept);

    // Removing the last row removes the rollup row rather than leaving zeros.
    await t.storage.withTenant(owner.organizationId, (trx) =>
      trx.deleteFrom('daily_metrics').where('organization_id', '=', owner.organizationId).execute(),
    );
    expect((await both()).stored).toEqual([]);
  });
});
