import { describe, expect, it } from 'vitest';
import { collect, contextFor, rawGet, withFake } from '../../../../test/fakes/linkedin/context.ts';
import { FAKE_ACCESS_TOKEN, startLinkedInFake } from '../../../../test/fakes/linkedin/fake.ts';
import { createMemoryBudget } from '../budget.ts';
import { type AdsHarness, adsConnectorContract } from '../connector.contract.ts';
import { ConnectorError } from '../connector.port.ts';
import { classify } from './client.ts';
import { linkedin } from './index.ts';

const ads = linkedin.ads!;

const harness: AdsHarness = {
  definition: linkedin,
  supports: { reach: false, frequency: false, videoViews: true },
  budgetLevel: 'ad_group',
  // LinkedIn has no account time zone: every day it reports is a UTC day.
  reportsTimeZone: 'UTC',
  async start(scenario) {
    const fake = await startLinkedInFake(scenario);
    return { ctx: contextFor(fake, scenario), fake };
  },
};

adsConnectorContract('linkedin', harness);

describe('linkedin requests on the wire', () => {
  it('asks adAnalytics for daily creative rows of the account with Rest.li syntax and version headers', async () => {
    await withFake(async (ctx, fake) => {
      await collect(ads.fetchDailyMetrics(ctx, '1234567890', { from: '2026-11-01', to: '2026-11-10' }));
      expect(fake.log).toHaveLength(1);
      const call = fake.log[0]!;
      expect(call.path).toBe('/rest/adAnalytics');
      expect(call.query).toBe(
        'q=analytics&pivot=CREATIVE&timeGranularity=DAILY' +
          '&dateRange=(start:(year:2026,month:11,day:1),end:(year:2026,month:11,day:10))' +
          '&accounts=List(urn%3Ali%3AsponsoredAccount%3A1234567890)' +
          '&fields=dateRange,pivotValues,impressions,clicks,costInLocalCurrency,externalWebsiteConversions,conversionValueInLocalCurrency,videoViews',
      );
      expect(call.headers).toMatchObject({
        authorization: `Bearer ${FAKE_ACCESS_TOKEN}`,
        'linkedin-version': '202606',
        'x-restli-protocol-version': '2.0.0',
      });
    });
  });

  it('slices long ranges into 30-day windows because adAnalytics does not paginate', async () => {
    await withFake(async (ctx, fake) => {
      await collect(ads.fetchDailyMetrics(ctx, '1234567890', { from: '2026-10-01', to: '2026-12-31' }));
      const ranges = fake.log.map((c) => /dateRange=([^&]+)/.exec(c.query)?.[1]);
      expect(ranges).toEqual([
        '(start:(year:2026,month:10,day:1),end:(year:2026,month:10,day:30))',
        '(start:(year:2026,month:10,day:31),end:(year:2026,month:11,day:29))',
        '(start:(year:2026,month:11,day:30),end:(year:2026,month:12,day:29))',
        '(start:(year:2026,month:12,day:30),end:(year:2026,month:12,day:31))',
      ]);
    });
  });

  it('pages the search and criteria finders by cursor and batch-gets the sponsored posts', async () => {
    await withFake(async (ctx, fake) => {
      await ads.fetchStructure(ctx, '1234567890');
      const calls = fake.log.map((c) => `${c.path}?${c.query}`);
      const campaigns = calls.filter((c) => c.startsWith('/rest/adAccounts/1234567890/adCampaigns?'));
      expect(campaigns[0]).toBe(
        '/rest/adAccounts/1234567890/adCampaigns?q=search' +
          '&search=(status:(values:List(ACTIVE,PAUSED,ARCHIVED,COMPLETED,CANCELED,DRAFT,PENDING_DELETION,REMOVED)))&pageSize=7',
      );
      expect(campaigns).toHaveLength(1); // 6 campaigns fit one page of 7
      const creatives = fake.log.filter((c) => c.path === '/rest/adAccounts/1234567890/creatives');
      expect(creatives).toHaveLength(2); // 12 creatives, pages of 7
      expect(creatives[1]!.query).toMatch(
        /^q=criteria&sortOrder=ASCENDING&pageSize=7&pageToken=[A-Za-z0-9_-]+$/,
      );
      expect(creatives[0]!.headers['x-restli-method']).toBe('FINDER');
      const batch = fake.log.filter((c) => c.path === '/rest/posts');
      expect(batch).toHaveLength(1);
      expect(batch[0]!.headers['x-restli-method']).toBe('BATCH_GET');
      expect(batch[0]!.query).toMatch(
        /^ids=List\(urn%3Ali%3AugcPost%3A\d+(,urn%3Ali%3AugcPost%3A\d+){11}\)$/,
      );
    });
  });

  it('pauses a creative and changes a campaign budget with Rest.li PARTIAL_UPDATE patches', async () => {
    await withFake(async (ctx, fake) => {
      await ads.apply(ctx, '1234567890', {
        type: 'set_status',
        level: 'ad',
        externalId: '101101',
        status: 'paused',
      });
      await ads.apply(ctx, '1234567890', {
        type: 'set_daily_budget',
        level: 'ad_group',
        externalId: '10110',
        dailyBudgetMicros: 75_500_000,
      });
      const posts = fake.log.filter((c) => c.method === 'POST');
      expect(posts.map((c) => c.path)).toEqual([
        '/rest/adAccounts/1234567890/creatives/urn%3Ali%3AsponsoredCreative%3A101101',
        '/rest/adAccounts/1234567890/adCampaigns/10110',
      ]);
      expect(posts.every((c) => c.headers['x-restli-method'] === 'PARTIAL_UPDATE')).toBe(true);
      expect(posts[0]!.body).toEqual({ patch: { $set: { intendedStatus: 'PAUSED' } } });
      expect(posts[1]!.body).toEqual({
        patch: { $set: { dailyBudget: { amount: '75.50', currencyCode: 'USD' } } },
      });
      expect(fake.entity('10110')?.dailyBudgetMicros).toBe(75_500_000);
    });
  });

  it('pauses an Omnify campaign through its campaign group and refuses campaign-level daily budgets', async () => {
    await withFake(async (ctx, fake) => {
      const r = await ads.apply(ctx, '1234567890', {
        type: 'set_status',
        level: 'campaign',
        externalId: '101',
        status: 'paused',
      });
      expect(r).toEqual({ externalId: '101', before: { status: 'active' }, after: { status: 'paused' } });
      expect(fake.log.at(-1)!.path).toBe('/rest/adAccounts/1234567890/adCampaignGroups/101');
      const calls = fake.requests();
      const err = await ads
        .apply(ctx, '1234567890', {
          type: 'set_daily_budget',
          level: 'campaign',
          externalId: '101',
          dailyBudgetMicros: 1,
        })
        .catch((e) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as ConnectorError).kind).toBe('invalid');
      expect(fake.requests()).toBe(calls);
    });
  });
});

describe('linkedin fake and failure mapping', () => {
  it('rejects wrongly encoded Rest.li the way LinkedIn does', async () => {
    await withFake(async (_ctx, fake) => {
      const dr = 'dateRange=(start:(year:2026,month:11,day:1))';
      const ok = await rawGet(
        fake,
        `/adAnalytics?q=analytics&pivot=CREATIVE&timeGranularity=DAILY&${dr}&accounts=List(urn%3Ali%3AsponsoredAccount%3A1234567890)&fields=dateRange,pivotValues,clicks`,
      );
      expect(ok.status).toBe(200);
      const rawColons = await rawGet(
        fake,
        `/adAnalytics?q=analytics&pivot=CREATIVE&timeGranularity=DAILY&${dr}&accounts=List(urn:li:sponsoredAccount:1234567890)`,
      );
      expect(rawColons.status).toBe(400);
      const encodedParens = await rawGet(
        fake,
        `/adAnalytics?q=analytics&pivot=CREATIVE&timeGranularity=DAILY&${dr}&accounts=List%28urn%3Ali%3AsponsoredAccount%3A1234567890%29`,
      );
      expect(encodedParens.status).toBe(400);
      const rawPathUrn = await rawGet(
        fake,
        '/adAccounts/1234567890/creatives/urn:li:sponsoredCreative:101101',
      );
      expect(await rawPathUrn.json()).toEqual({ status: 400, message: 'Syntax exception in path variables' });
    });
  });

  it('maps a missing or sunset LinkedIn-Version to invalid, not to a retry', async () => {
    await withFake(async (ctx, fake) => {
      const missing = await rawGet(fake, '/adAccounts?q=search', { 'linkedin-version': '' });
      expect(await missing.json()).toMatchObject({ status: 400, code: 'VERSION_MISSING' });
      const sunset = { ...ctx, settings: { ...ctx.settings, apiVersion: '202411' } };
      const err = await ads.listAccounts(sunset).catch((e) => e);
      expect(err).toMatchObject({ kind: 'invalid', status: 426, vendorCode: 'NONEXISTENT_VERSION' });
      expect(fake.requests()).toBe(2);
    });
  });

  it('waits on a 429 without Retry-After by backing off through the shared budget', async () => {
    await withFake(async (ctx, fake, sc) => {
      let clock = 1_000_000;
      const waits: number[] = [];
      const budget = createMemoryBudget(
        {},
        {
          now: () => clock,
          sleep: async (ms) => {
            waits.push(ms);
            clock += ms;
          },
        },
      );
      fake.inject('rate_limited', 2);
      const rows = await collect(
        ads.fetchDailyMetrics({ ...ctx, budget }, '1234567890', { from: '2026-11-01', to: '2026-11-10' }),
      );
      expect(rows).toHaveLength(sc.metrics.length);
      expect(waits).toHaveLength(2);
      expect(waits[1]!).toBeGreaterThan(waits[0]!);
      expect(waits[0]!).toBeGreaterThanOrEqual(750);
      expect(budget.pausedUntil('linkedin')).toBeGreaterThan(1_000_000);
    });
  });

  it('answers analytics of an unreadable account with no rows, as LinkedIn does, and maps 403 to auth', async () => {
    await withFake(async (ctx) => {
      const rows = await collect(ads.fetchDailyMetrics(ctx, '999', { from: '2026-11-01', to: '2026-11-01' }));
      expect(rows).toEqual([]);
      const err = await ads.fetchStructure(ctx, '999').catch((e) => e);
      expect(err).toMatchObject({ kind: 'auth', status: 403, vendorCode: 'ACCESS_DENIED' });
    });
  });

  it('retries malformed answers: truncated JSON and a 200 without elements are transient', async () => {
    await withFake(async (ctx, fake) => {
      fake.inject('malformed', 2);
      expect(await ads.listAccounts(ctx)).toHaveLength(1);
      expect(fake.requests()).toBe(3);
      const noElements = { status: 200, headers: new Headers(), body: { paging: {} }, text: '{"paging":{}}' };
      expect(classify(noElements, 'elements')?.kind).toBe('transient');
      expect(classify({ ...noElements, body: undefined, text: '' }, 'empty')).toBeUndefined();
    });
  });
});
