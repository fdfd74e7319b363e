import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, type Signed, signUp, type TestApp } from '../../../test/helpers/app.ts';
import type { AdAccountsTable, AdGroupsTable, AdsTable, CampaignsTable } from '../../storage/schema.ts';
import { testDialect } from '../../storage/testing.ts';
import { fixtures } from './catalog.fixtures.ts';

describe(`catalog on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  let other: Signed;
  let google: AdAccountsTable;
  let meta: AdAccountsTable;
  const campaigns: CampaignsTable[] = [];
  let group: AdGroupsTable;
  let video: AdsTable;
  let acmeId: string;

  const get = (url: string, who: Signed = owner) => t.app.inject(as(who, { method: 'GET', url }));
  const idsOf = (res: { json(): { items: Array<{ id: string }> } }) => res.json().items.map((i) => i.id);

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'catalog');
    other = await signUp(t.app, 'stranger');
    const f = fixtures(t.storage, owner.organizationId);
    const acme = await f.client('Acme');
    acmeId = acme.id;
    google = await f.account({
      platform: 'google_ads',
      currency: 'USD',
      clientId: acme.id,
      name: 'Acme Google',
    });
    meta = await f.account({ platform: 'meta', currency: 'EUR', name: 'Meta main', status: 'disabled' });
    for (const name of ['Brand Search', 'Generic Search', 'Retargeting'])
      campaigns.push(await f.campaign(google, name, name === 'Retargeting' ? { status: 'paused' } : {}));
    campaigns.push(await f.campaign(meta, 'Prospecting', { daily_budget_micros: 25_000_000 }));
    group = await f.adGroup(meta, campaigns[3]!, 'Lookalike 1%');
    await f.adGroup(google, campaigns[0]!, 'Exact brand');
    await f.ad(meta, group, 'Static');
    video = await f.ad(meta, group, 'Video', {
      creative_format: 'video',
      headline: 'Watch this',
      body: 'Body copy',
      call_to_action: 'SHOP_NOW',
      media_url: 'https://cdn.example.test/v.mp4',
      landing_url: 'https://shop.example.test/',
    });
  });
  afterAll(() => t.close());

  it('lists ad accounts newest first, with filters', async () => {
    const all = await get('/api/v1/ad-accounts');
    expect(all.statusCode).toBe(200);
    expect(idsOf(all)).toEqual([meta.id, google.id]);
    expect(all.json().items[1]).toEqual({
      id: google.id,
      connectionId: google.connection_id,
      clientId: acmeId,
      platform: 'google_ads',
      externalId: google.external_id,
      name: 'Acme Google',
      currency: 'USD',
      timeZone: 'UTC',
      status: 'active',
      enabled: true,
      createdAt: google.created_at,
      updatedAt: google.updated_at,
    });
    expect(idsOf(await get(`/api/v1/ad-accounts?clientId=${acmeId}`))).toEqual([google.id]);
    expect(idsOf(await get('/api/v1/ad-accounts?platform=meta'))).toEqual([meta.id]);
    expect(idsOf(await get('/api/v1/ad-accounts?status=disabled'))).toEqual([meta.id]);
    expect(idsOf(await get('/api/v1/ad-accounts?q=acme'))).toEqual([google.id]);
    expect(idsOf(await get(`/api/v1/ad-accounts?q=${meta.external_id}`))).toEqual([meta.id]);
    expect((await get(`/api/v1/ad-accounts/${meta.id}`)).json().name).toBe('Meta main');
  });

  it('pages campaigns with a cursor, newest first, money in micros with the account currency', async () => {
    const first = await get('/api/v1/campaigns?limit=3');
    expect(idsOf(first)).toEqual([campaigns[3]!.id, campaigns[2]!.id, campaigns[1]!.id]);
    expect(first.json().items[0]).toMatchObject({
      name: 'Prospecting',
      platform: 'meta',
      currency: 'EUR',
      dailyBudgetMicros: 25_000_000,
      lifetimeBudgetMicros: null,
      adAccountId: meta.id,
      objective: 'conversions',
    });
    const next = await get(`/api/v1/campaigns?limit=3&cursor=${first.json().nextCursor}`);
    expect(idsOf(next)).toEqual([campaigns[0]!.id]);
    expect(next.json().nextCursor).toBeNull();
    const bad = await get('/api/v1/campaigns?cursor=bm9wZQ');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_input');
  });

  it('filters campaigns, ad groups and ads by client, platform, account, campaign, ad group, status and name', async () => {
    expect(idsOf(await get(`/api/v1/campaigns?clientId=${acmeId}`))).toHaveLength(3);
    expect(idsOf(await get(`/api/v1/campaigns?adAccountId=${meta.id}`))).toEqual([campaigns[3]!.id]);
    expect(idsOf(await get('/api/v1/campaigns?status=paused'))).toEqual([campaigns[2]!.id]);
    expect(idsOf(await get('/api/v1/campaigns?q=SEARCH&platform=google_ads'))).toEqual([
      campaigns[1]!.id,
      campaigns[0]!.id,
    ]);
    expect(idsOf(await get('/api/v1/campaigns?q=%25'))).toHaveLength(4); // a bare wildcard matches like ''
    expect(idsOf(await get(`/api/v1/ad-groups?campaignId=${campaigns[3]!.id}`))).toEqual([group.id]);
    expect(idsOf(await get('/api/v1/ad-groups?platform=google_ads'))).toHaveLength(1);
    expect(idsOf(await get(`/api/v1/ads?adGroupId=${group.id}`))).toHaveLength(2);
    expect(idsOf(await get(`/api/v1/ads?campaignId=${campaigns[0]!.id}`))).toEqual([]);
    expect(idsOf(await get('/api/v1/ads?q=vid'))).toEqual([video.id]);
  });

  it('shows a campaign with its counts and an ad with its creative', async () => {
    const c = await get(`/api/v1/campaigns/${campaigns[3]!.id}`);
    expect(c.statusCode).toBe(200);
    expect(c.json()).toMatchObject({
      name: 'Prospecting',
      adAccountName: 'Meta main',
      adGroupCount: 1,
      adCount: 2,
    });
    const a = await get(`/api/v1/ads/${video.id}`);
    expect(a.json()).toMatchObject({
      id: video.id,
      campaignId: campaigns[3]!.id,
      adGroupId: group.id,
      campaignName: 'Prospecting',
      adGroupName: 'Lookalike 1%',
      adAccountName: 'Meta main',
      currency: 'EUR',
      creative: {
        externalId: video.creative_external_id,
        format: 'video',
        headline: 'Watch this',
        body: 'Body copy',
        callToAction: 'SHOP_NOW',
        mediaUrl: 'https://cdn.example.test/v.mp4',
        landingUrl: 'https://shop.example.test/',
        firstSeenAt: video.first_seen_at,
      },
    });
    expect((await get(`/api/v1/ad-groups/${group.id}`)).json()).toMatchObject({
      campaignName: 'Prospecting',
    });
    expect((await get('/api/v1/ads/ad_01hzzzzzzzzzzzzzzzzzzzzzzz')).statusCode).toBe(404);
  });

  it("gives another organization empty lists and 404 on this one's ids", async () => {
    for (const path of ['ad-accounts', 'campaigns', 'ad-groups', 'ads']) {
      const res = await get(`/api/v1/${path}`, other);
      expect(res.statusCode).toBe(200);
      expect(res.json().items).toEqual([]);
    }
    for (const url of [
      `/api/v1/ad-accounts/${google.id}`,
      `/api/v1/campaigns/${campaigns[0]!.id}`,
      `/api/v1/ad-groups/${group.id}`,
      `/api/v1/ads/${video.id}`,
    ]) {
      const res = await get(url, other);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
  });

  it("answers 404 naming the filter for a filter id of another organization's or a missing one, not an empty list", async () => {
    const missing = 'cmp_01hzzzzzzzzzzzzzzzzzzzzzzz';
    for (const [url, filter, id] of [
      [`/api/v1/campaigns?clientId=${acmeId}`, 'clientId', acmeId],
      [`/api/v1/ads?campaignId=${campaigns[3]!.id}`, 'campaignId', campaigns[3]!.id],
      [`/api/v1/ads?adGroupId=${group.id}`, 'adGroupId', group.id],
      [`/api/v1/ad-groups?campaignId=${campaigns[0]!.id}`, 'campaignId', campaigns[0]!.id],
      [`/api/v1/campaigns?adAccountId=${google.id}`, 'adAccountId', google.id],
      [`/api/v1/ad-accounts?clientId=${acmeId}`, 'clientId', acmeId],
    ] as const) {
      // The stranger gets exactly what the owner gets for an id that does not exist.
      const theirs = await get(url, other);
      const none = await get(url.replace(id, missing));
      for (const res of [theirs, none]) {
        expect(res.statusCode, `${url}: ${res.body}`).toBe(404);
        expect(res.json().error.code).toBe('not_found');
        expect(res.json().error.details.filter).toBe(filter);
        expect(res.json().error.message).toContain(`(filter ${filter})`);
      }
      expect(theirs.json().error.message).toBe(none.json().error.message.replace(missing, id));
      // The owner's own id still filters.
      expect((await get(url)).statusCode, url).toBe(200);
    }
  });
});

describe(`CRM records on ${testDialect()}`, () => {
  let t: TestApp;
  let owner: Signed;
  const ids: Record<string, string> = {};
  let clientId: string;
  const get = (url: string, who: Signed = owner) => t.app.inject(as(who, { method: 'GET', url }));
  const idsOf = (res: { json(): { items: Array<{ id: string }> } }) => res.json().items.map((i) => i.id);

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app, 'crm');
    const f = fixtures(t.storage, owner.organizationId);
    clientId = (await f.client('Dental Co')).id;
    const conn = await f.connection('gohighlevel', clientId);
    ids.google = (
      await f.contact(conn.id, {
        client_id: clientId,
        email: 'Lead.One@Example.test',
        gclid: 'Cj0KCQ',
        utm_source: 'google',
        platform_updated_at: '2024-02-10T12:00:00.000Z',
      })
    ).id;
    ids.meta = (
      await f.contact(conn.id, { fbclid: 'IwAR2', platform_updated_at: '2024-02-01T00:00:00.000Z' })
    ).id;
    ids.linkedin = (await f.contact(conn.id, { li_fat_id: 'abc', gclid: '', tags: '["b2b","vip"]' })).id;
    ids.won = (
      await f.opportunity(conn.id, {
        client_id: clientId,
        status: 'won',
        won_at: '2024-02-29T23:59:59.000Z',
        value_micros: 5_000e6,
      })
    ).id;
    ids.lost = (
      await f.opportunity(conn.id, {
        status: 'lost',
        lost_at: '2024-03-01T00:00:00.000Z',
        pipeline_external_id: 'pipe-2',
      })
    ).id;
    ids.open = (await f.opportunity(conn.id, {})).id;
  });
  afterAll(() => t.close());

  it('lists contacts with click-id presence, email, client and updatedSince filters', async () => {
    const all = await get('/api/v1/crm/contacts');
    expect(idsOf(all)).toEqual([ids.linkedin, ids.meta, ids.google]);
    expect(all.json().items[0]).toMatchObject({ tags: ['b2b', 'vip'], liFatId: 'abc', gclid: '' });
    expect(all.json().items[2]).toMatchObject({
      email: 'Lead.One@Example.test',
      gclid: 'Cj0KCQ',
      utmSource: 'google',
      clientId,
    });
    expect(idsOf(await get('/api/v1/crm/contacts?hasGclid=true'))).toEqual([ids.google]);
    expect(idsOf(await get('/api/v1/crm/contacts?hasGclid=false'))).toEqual([ids.linkedin, ids.meta]);
    expect(idsOf(await get('/api/v1/crm/contacts?hasFbclid=true'))).toEqual([ids.meta]);
    expect(idsOf(await get('/api/v1/crm/contacts?hasLiFatId=true&hasGclid=false'))).toEqual([ids.linkedin]);
    expect(idsOf(await get('/api/v1/crm/contacts?email=lead.one@example.test'))).toEqual([ids.google]);
    expect(idsOf(await get(`/api/v1/crm/contacts?clientId=${clientId}`))).toEqual([ids.google]);
    expect(idsOf(await get('/api/v1/crm/contacts?updatedSince=2024-02-01T00:00:00Z'))).toEqual([
      ids.meta,
      ids.google,
    ]);
    expect(idsOf(await get('/api/v1/crm/contacts?updatedSince=2024-02-10T13:00:00%2B01:00'))).toEqual([
      ids.google,
    ]);
    const page = await get('/api/v1/crm/contacts?limit=2');
    expect(idsOf(await get(`/api/v1/crm/contacts?limit=2&cursor=${page.json().nextCursor}`))).toEqual([
      ids.google,
    ]);
    for (const bad of ['hasGclid=yes', 'updatedSince=yesterday'])
      expect((await get(`/api/v1/crm/contacts?${bad}`)).statusCode, bad).toBe(400);
  });

  it('lists opportunities by status, pipeline, client and won/lost day ranges (both days included)', async () => {
    const all = await get('/api/v1/crm/opportunities');
    expect(idsOf(all)).toEqual([ids.open, ids.lost, ids.won]);
    expect(all.json().items[2]).toMatchObject({
      status: 'won',
      valueMicros: 5_000e6,
      currency: 'USD',
      wonAt: '2024-02-29T23:59:59.000Z',
    });
    expect(idsOf(await get('/api/v1/crm/opportunities?status=won'))).toEqual([ids.won]);
    expect(idsOf(await get('/api/v1/crm/opportunities?pipeline=pipe-2'))).toEqual([ids.lost]);
    expect(idsOf(await get(`/api/v1/crm/opportunities?clientId=${clientId}`))).toEqual([ids.won]);
    expect(idsOf(await get('/api/v1/crm/opportunities?wonFrom=2024-02-29&wonTo=2024-02-29'))).toEqual([
      ids.won,
    ]);
    expect(idsOf(await get('/api/v1/crm/opportunities?wonTo=2024-02-28'))).toEqual([]);
    expect(idsOf(await get('/api/v1/crm/opportunities?lostFrom=2024-03-01'))).toEqual([ids.lost]);
    const bad = await get('/api/v1/crm/opportunities?wonFrom=2024-03-01&wonTo=2024-02-01');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_input');
  });

  it('shows another organization none of them', async () => {
    const other = await signUp(t.app, 'crm-other');
    expect((await get('/api/v1/crm/contacts', other)).json().items).toEqual([]);
    expect((await get('/api/v1/crm/opportunities', other)).json().items).toEqual([]);
    // A client filter naming this organization's client, or no client at all, is 404 naming the filter.
    for (const path of ['crm/contacts', 'crm/opportunities'])
      for (const [id, who] of [
        [clientId, other],
        ['cli_01hzzzzzzzzzzzzzzzzzzzzzzz', owner],
      ] as const) {
        const res = await get(`/api/v1/${path}?clientId=${id}`, who);
        expect(res.statusCode, `${path}: ${res.body}`).toBe(404);
        expect(res.json().error).toMatchObject({
          code: 'not_found',
          message: `Client ${id} was not found (filter clientId)`,
          details: { filter: 'clientId', ids: [id] },
        });
      }
  });
});
