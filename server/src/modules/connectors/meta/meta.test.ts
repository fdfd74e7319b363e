import { describe, expect, it } from 'vitest';
import {
  apiCalls,
  collect,
  contextFor,
  harness,
  range,
  virtualBudget,
  withFake,
} from '../../../../test/fakes/meta/context.ts';
import { adsConnectorContract, makeScenario } from '../connector.contract.ts';
import { ConnectorError } from '../connector.port.ts';
import { createMetaConnector, META_API_VERSION, meta } from './index.ts';
import { INSIGHTS_FIELDS } from './insights.ts';

// The contract's rate-limit test spies on the budget's sleep without advancing time, so any real
// pause spins; a few milliseconds stand in for Meta's unannounced throttling wait.
adsConnectorContract('meta', harness(createMetaConnector({ fallbackThrottleWaitMs: 5 })));
adsConnectorContract(
  'meta (async report runs)',
  harness(createMetaConnector({ fallbackThrottleWaitMs: 5, syncMaxDays: 0 }), { runningPolls: 2 }),
);

describe('meta connector against the Graph API fake', () => {
  it('asks for daily ad-level insights with the documented parameters and follows cursors to the end', async () => {
    await withFake({}, async (fake, sc) => {
      const rows = await collect(meta.ads!.fetchDailyMetrics(contextFor(fake), sc.account.externalId, range));
      expect(rows).toHaveLength(120);
      const calls = apiCalls(fake);
      expect(calls).toHaveLength(Math.ceil(120 / sc.pageSize));
      const first = calls[0]!;
      expect(first.method).toBe('GET');
      expect(first.path).toBe(`/${META_API_VERSION}/act_1234567890/insights`);
      expect(Object.fromEntries(first.query)).toMatchObject({
        level: 'ad',
        time_increment: '1',
        time_range: '{"since":"2026-11-01","until":"2026-11-10"}',
        fields: INSIGHTS_FIELDS,
        use_unified_attribution_setting: 'true',
        limit: '500',
        access_token: fake.accessToken,
      });
      expect(first.query.get('after')).toBeNull();
      expect(calls[1]!.query.get('after')).toBeTruthy();
      expect(first.query.get('appsecret_proof')).toBeNull();
    });
  });

  it('signs every call with appsecret_proof when the app secret is set, and a wrong secret is invalid', async () => {
    await withFake({ appSecret: 'app-secret-1' }, async (fake, sc) => {
      const ctx = contextFor(fake);
      const ok = await meta.ads!.listAccounts({
        ...ctx,
        settings: { ...ctx.settings, appSecret: 'app-secret-1' },
      });
      expect(ok.map((a) => a.externalId)).toContain(sc.account.externalId);
      const bad = await meta
        .ads!.listAccounts({ ...ctx, settings: { ...ctx.settings, appSecret: 'other' } })
        .catch((e) => e);
      expect(bad).toMatchObject({ kind: 'invalid', vendorCode: '100' });
      const none = await meta.ads!.listAccounts(ctx).catch((e) => e);
      expect(none).toMatchObject({ kind: 'invalid' });
    });
  });

  it('treats a missing or unknown token as an auth failure without retrying', async () => {
    await withFake({}, async (fake, sc) => {
      const ctx = contextFor(fake, { tokens: { ...contextFor(fake).tokens, accessToken: '' } });
      const missing = await meta.ads!.fetchStructure(ctx, sc.account.externalId).catch((e) => e);
      expect(missing).toMatchObject({ kind: 'auth', vendorCode: '104' });
      const unknown = await meta
        .ads!.listAccounts({ ...ctx, tokens: { ...ctx.tokens, accessToken: 'EAABnope' } })
        .catch((e) => e);
      expect(unknown).toMatchObject({ kind: 'auth', vendorCode: '190' });
      expect(fake.requests()).toBe(2);
    });
  });

  it('waits the minutes Meta announces in x-business-use-case-usage when a Business Use Case limit hits', async () => {
    await withFake({ throttle: 'buc', regainMinutes: 3 }, async (fake, sc) => {
      const clock = virtualBudget();
      fake.inject('rate_limited', 1);
      const rows = await collect(
        meta.ads!.fetchDailyMetrics(contextFor(fake, { budget: clock.budget }), sc.account.externalId, range),
      );
      expect(rows).toHaveLength(120);
      expect(clock.waits).toContain(180_000);
      expect(apiCalls(fake)[0]!.query.get('after')).toBeNull();
      expect(apiCalls(fake)[1]!.query.get('after')).toBeNull();
    });
  });

  it('slows down when the usage headers approach 100 %', async () => {
    await withFake({}, async (fake, sc) => {
      const clock = virtualBudget();
      fake.setUsage(96);
      await meta.ads!.listAccounts(contextFor(fake, { budget: clock.budget }));
      expect(clock.budget.pausedUntil('meta:me')).toBeGreaterThan(clock.now());
      fake.setUsage(10);
      const calm = virtualBudget();
      await meta.ads!.fetchStructure(contextFor(fake, { budget: calm.budget }), sc.account.externalId);
      expect(calm.waits).toEqual([]);
    });
  });

  it('maps creatives whether Meta gives flat fields or only object_story_spec', async () => {
    await withFake({}, async (fake, sc) => {
      const got = await meta.ads!.fetchStructure(contextFor(fake), sc.account.externalId);
      for (const ad of sc.structure.ads)
        expect(got.ads.find((a) => a.externalId === ad.externalId)?.creative).toEqual(ad.creative);
      for (const g of sc.structure.adGroups)
        expect(got.adGroups.find((x) => x.externalId === g.externalId)?.dailyBudgetMicros).toBe(
          g.dailyBudgetMicros,
        );
      const adsCall = apiCalls(fake).find((c) => c.path.endsWith('/ads'))!;
      expect(adsCall.query.get('fields')).toContain(
        'creative{id,title,body,call_to_action_type,image_url,video_id',
      );
    });
  });

  it('writes budgets in the currency minor unit (JPY has offset 1) and refuses amounts it cannot express', async () => {
    const sc = makeScenario();
    sc.account.currency = 'JPY';
    for (const g of sc.structure.adGroups) g.dailyBudgetMicros = 3000 * 1_000_000;
    await withFake(
      {},
      async (fake) => {
        const ctx = contextFor(fake);
        const res = await meta.ads!.apply(ctx, sc.account.externalId, {
          type: 'set_daily_budget',
          level: 'ad_group',
          externalId: '10110',
          dailyBudgetMicros: 4500 * 1_000_000,
        });
        expect(res).toEqual({
          externalId: '10110',
          before: { dailyBudgetMicros: 3_000_000_000 },
          after: { dailyBudgetMicros: 4_500_000_000 },
        });
        const post = apiCalls(fake).find((c) => c.method === 'POST')!;
        expect(post.body).toMatchObject({ daily_budget: '4500' });
        const odd = await meta
          .ads!.apply(ctx, sc.account.externalId, {
            type: 'set_daily_budget',
            level: 'ad_group',
            externalId: '10110',
            dailyBudgetMicros: 4500_500_000,
          })
          .catch((e) => e);
        expect(odd).toMatchObject({ kind: 'invalid' });
        expect(fake.entity('10110')?.dailyBudgetMicros).toBe(4_500_000_000);
      },
      sc,
    );
  });

  it('refuses to write to an object outside the connected ad account, and maps the fifth budget change in an hour to rate_limited', async () => {
    await withFake({}, async (fake, sc) => {
      const ctx = contextFor(fake);
      const other = await meta
        .ads!.apply(ctx, '555', { type: 'set_status', level: 'ad', externalId: '101101', status: 'paused' })
        .catch((e) => e);
      expect(other).toMatchObject({ kind: 'invalid' });
      expect(fake.entity('101101')?.status).toBe('active');
      const set = (m: number) =>
        meta.ads!.apply(ctx, sc.account.externalId, {
          type: 'set_daily_budget',
          level: 'ad_group',
          externalId: '10120',
          dailyBudgetMicros: m,
        });
      for (let i = 1; i <= 4; i++) await set((30 + i) * 1_000_000);
      const limited = await set(40_000_000).catch((e) => e);
      expect(limited).toBeInstanceOf(ConnectorError);
      expect(limited).toMatchObject({ kind: 'rate_limited', vendorCode: '17/1885172' });
    });
  });

  it('exchanges the code for a long-lived token and refreshes with fb_exchange_token', async () => {
    await withFake({}, async (fake) => {
      const ctx = contextFor(fake);
      const app = { clientId: '1234', clientSecret: 'shh', redirectUri: 'https://omnify.example/cb' };
      const url = new URL(meta.oauth!.authorizationUrl(app, meta.defaultSettings, { state: 's' }));
      expect(url.origin + url.pathname).toBe(`https://www.facebook.com/${META_API_VERSION}/dialog/oauth`);
      expect(url.searchParams.get('scope')).toBe('ads_read,ads_management,business_management');
      expect(url.searchParams.get('response_type')).toBe('code');
      const tokens = await meta.oauth!.exchangeCode(app, ctx.settings, { code: 'good-code' }, { fetch });
      const calls = fake.log.filter((r) => r.path.endsWith('/oauth/access_token'));
      expect(calls.map((c) => c.query.get('grant_type'))).toEqual([null, 'fb_exchange_token']);
      expect(calls[1]!.query.get('fb_exchange_token')).not.toBe(tokens.accessToken);
      expect(tokens.refreshToken).toBeNull();
      expect(Date.parse(tokens.expiresAt!) - Date.now()).toBeGreaterThan(59 * 86_400_000);
      const rows = await meta.ads!.listAccounts({ ...ctx, tokens });
      expect(rows).toHaveLength(2);
      const stale = await meta
        .oauth!.refresh(app, ctx.settings, { ...tokens, accessToken: 'EAABexpired' }, { fetch })
        .catch((e) => e);
      expect(stale).toMatchObject({ kind: 'auth', vendorCode: '190' });
    });
  });
});
