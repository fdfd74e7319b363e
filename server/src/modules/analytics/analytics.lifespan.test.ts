import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import { testDialect } from '../../storage/testing.ts';
import { fixtures } from '../catalog/catalog.fixtures.ts';
import { addDays } from './periods.ts';

/**
 * The CSV's "no delivery" lines list only entities that existed during the period: February 2024
 * here. One USD organization; an account Omnify synced since January, and one connected in April.
 */
const FROM = '2024-02-01';
const TO = '2024-02-29';
const days = (first: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    date: addDays(first, i),
    impressions: 100,
    clicks: 2,
    spendMicros: 1_000_000,
    conversions: 0,
    conversionValueMicros: 0,
  }));

describe(`CSV lines of no delivery list what existed in the period, on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  const ids: Record<string, string> = {};

  const csv = async (query: string) => {
    const res = await t.app.inject(
      as(owner, {
        method: 'GET',
        url: `/api/v1/analytics/metrics?from=${FROM}&to=${TO}&${query}&format=csv`,
      }),
    );
    expect(res.statusCode, `${query}: ${res.body}`).toBe(200);
    const [, ...lines] = res.body.slice(1).trimEnd().split('\r\n');
    return lines.map((l) => l.split(','));
  };
  const listed = async (query: string, column = 0) => (await csv(query)).map((l) => l[column]).sort();

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'lifespan');
    const f = fixtures(t.storage, owner.organizationId);
    const set = async (table: 'clients' | 'ad_accounts' | 'campaigns' | 'ads', id: string, values: object) =>
      t.storage.db
        .updateTable(table)
        .set(values as never)
        .where('id', '=', id)
        .execute();

    const current = await f.client('Current');
    await set('clients', current.id, { created_at: '2023-06-01T00:00:00.000Z' });
    const signedInMarch = await f.client('Signed in March');
    await set('clients', signedInMarch.id, { created_at: '2024-03-15T09:00:00.000Z' });
    const archivedInJanuary = await f.client('Archived in January');
    await set('clients', archivedInJanuary.id, {
      created_at: '2023-06-01T00:00:00.000Z',
      status: 'archived',
      updated_at: '2024-01-20T10:00:00.000Z',
    });
    const archivedInMarch = await f.client('Archived in March');
    await set('clients', archivedInMarch.id, {
      created_at: '2023-06-01T00:00:00.000Z',
      status: 'archived',
      updated_at: '2024-03-20T10:00:00.000Z',
    });

    // Synced by Omnify since January: what it first saw later was created later.
    const synced = await f.account({ platform: 'google_ads', currency: 'USD', clientId: current.id });
    await set('ad_accounts', synced.id, { created_at: '2024-01-02T08:00:00.000Z' });
    // A campaign with an ad group and an ad, created on the platform when Omnify first saw them.
    const campaign = async (name: string, o: object, seen = '2024-01-02T08:00:00.000Z') => {
      const c = await f.campaign(synced, name, o);
      await set('campaigns', c.id, { first_seen_at: seen });
      const g = await f.adGroup(synced, c, `${name} group`);
      const ad = await f.ad(synced, g, `${name} ad`, { platform_created_at: seen, first_seen_at: seen });
      ids[name] = c.id;
      return { c, g, ad };
    };
    const idle = await campaign('Idle all along', { start_date: '2023-12-01' });
    await campaign('Launched in March', { start_date: '2024-03-10' }, '2024-03-10T12:00:00.000Z');
    await campaign('No start date, first seen in March', { start_date: null }, '2024-03-05T12:00:00.000Z');
    await campaign('No start date, seen since January', { start_date: null });
    const removedEarly = await campaign('Removed in January', {
      start_date: '2023-12-01',
      status: 'removed',
    });
    await f.metrics(synced, removedEarly.ad, days('2024-01-05', 10));
    const removedLater = await campaign('Removed after delivering in March', {
      start_date: '2023-12-01',
      status: 'removed',
    });
    await f.metrics(synced, removedLater.ad, days('2024-03-02', 5));
    const delivered = await campaign('Delivered', { start_date: '2023-12-01' });
    await f.metrics(synced, delivered.ad, days('2024-02-03', 5));
    // Ads of the idle campaign: one from before, one the platform created in March.
    const newAd = await f.ad(synced, idle.g, 'Created in March', {
      platform_created_at: '2024-03-03T10:00:00.000Z',
    });
    ids.idleAd = idle.ad.id;
    ids.newAd = newAd.id;
    ids.removedEarlyAd = removedEarly.ad.id;
    ids.removedLaterAd = removedLater.ad.id;
    ids.deliveredAd = delivered.ad.id;

    // Connected in April with its history: what it holds was never seen missing, so it is listed.
    const late = await f.account({ platform: 'meta', currency: 'USD', clientId: current.id });
    await set('ad_accounts', late.id, { created_at: '2024-04-01T08:00:00.000Z' });
    const backfilled = await f.campaign(late, 'Backfilled, idle', { start_date: null });
    await set('campaigns', backfilled.id, { first_seen_at: '2024-04-01T08:00:00.000Z' });
    ids['Backfilled, idle'] = backfilled.id;

    Object.assign(ids, {
      current: current.id,
      signedInMarch: signedInMarch.id,
      archivedInJanuary: archivedInJanuary.id,
      archivedInMarch: archivedInMarch.id,
    });
  });
  afterAll(() => t.close());

  it('campaigns: not those launched after the period or removed before it', async () => {
    expect(await listed('groupBy=campaign')).toEqual(
      [
        'Delivered',
        'Idle all along',
        'No start date, seen since January',
        'Removed after delivering in March',
        'Backfilled, idle',
      ]
        .map((n) => ids[n])
        .sort(),
    );
    // Named by a filter, a campaign launched later still gets no line: it did not exist then.
    expect(await csv(`groupBy=campaign&campaignId=${ids['Launched in March']}`)).toEqual([]);
  });

  it('ads: not one the platform created after the period, nor one of a campaign removed before it', async () => {
    expect(await listed('groupBy=ad&platform=google_ads')).toEqual(
      [
        ids.idleAd,
        ids.deliveredAd,
        ids.removedLaterAd,
        await adOf('No start date, seen since January'),
      ].sort(),
    );
  });

  it('clients: not one created after the period or archived before it', async () => {
    expect(await listed('groupBy=client')).toEqual([ids.current, ids.archivedInMarch].sort());
  });

  it('the JSON is unchanged: it lists what delivered', async () => {
    const res = await t.app.inject(
      as(owner, { method: 'GET', url: `/api/v1/analytics/metrics?from=${FROM}&to=${TO}&groupBy=campaign` }),
    );
    expect(res.json().rows.map((r: { campaignId: string }) => r.campaignId)).toEqual([ids.Delivered]);
  });

  async function adOf(campaignName: string) {
    const row = await t.storage.db
      .selectFrom('ads')
      .select('id')
      .where('campaign_id', '=', ids[campaignName] as string)
      .executeTakeFirstOrThrow();
    return row.id;
  }
});
