import { afterEach, describe, expect, it } from 'vitest';
import { startGoogleAdsContext } from '../../../../test/fakes/google_ads/context.ts';
import type { GoogleAdsFake } from '../../../../test/fakes/google_ads/fake.ts';
import { googleAds } from './index.ts';

const ads = googleAds.ads!;
const start = () => startGoogleAdsContext(googleAds.defaultSettings);
const mutates = (fake: GoogleAdsFake) => fake.log.filter((c) => c.path.endsWith(':mutate'));

describe('google_ads write-backs and OAuth', () => {
  let fake: GoogleAdsFake | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('pauses an ad by its adGroupAds/{adGroupId}~{adId} resource with updateMask status', async () => {
    const s = await start();
    fake = s.fake;
    const r = await ads.apply(s.ctx, '1234567890', {
      type: 'set_status',
      level: 'ad',
      externalId: '101101',
      status: 'paused',
    });
    expect(r).toEqual({ externalId: '101101', before: { status: 'active' }, after: { status: 'paused' } });
    const m = mutates(fake)[0]!;
    expect(m.path).toBe('/v26/customers/1234567890/adGroupAds:mutate');
    expect(m.body).toEqual({
      operations: [
        {
          update: { resourceName: 'customers/1234567890/adGroupAds/10110~101101', status: 'PAUSED' },
          updateMask: 'status',
        },
      ],
      responseContentType: 'MUTABLE_RESOURCE',
    });
    const again = await ads.apply(s.ctx, '1234567890', {
      type: 'set_status',
      level: 'ad',
      externalId: '101101',
      status: 'paused',
    });
    expect(again.after.status).toBe('paused');
    expect(mutates(fake)).toHaveLength(1);
  });

  it('pauses a campaign and re-enables an ad group through their own mutate services', async () => {
    const s = await start();
    fake = s.fake;
    const c = await ads.apply(s.ctx, '1234567890', {
      type: 'set_status',
      level: 'campaign',
      externalId: '101',
      status: 'paused',
    });
    expect(c).toMatchObject({ before: { status: 'active' }, after: { status: 'paused' } });
    await ads.apply(s.ctx, '1234567890', {
      type: 'set_status',
      level: 'ad_group',
      externalId: '10110',
      status: 'paused',
    });
    const g = await ads.apply(s.ctx, '1234567890', {
      type: 'set_status',
      level: 'ad_group',
      externalId: '10110',
      status: 'active',
    });
    expect(g).toMatchObject({ before: { status: 'paused' }, after: { status: 'active' } });
    expect(mutates(fake).map((m) => m.path)).toEqual([
      '/v26/customers/1234567890/campaigns:mutate',
      '/v26/customers/1234567890/adGroups:mutate',
      '/v26/customers/1234567890/adGroups:mutate',
    ]);
    expect(fake.entity('101')?.status).toBe('paused');
    const missing = await ads
      .apply(s.ctx, '1234567890', {
        type: 'set_status',
        level: 'campaign',
        externalId: '999',
        status: 'paused',
      })
      .catch((e) => e);
    expect(missing).toMatchObject({ kind: 'invalid' });
  });

  it('changes a campaign budget through campaignBudgets:mutate; refuses shared budgets and ad-group budgets', async () => {
    const s = await start();
    fake = s.fake;
    await ads.apply(s.ctx, '1234567890', {
      type: 'set_daily_budget',
      level: 'campaign',
      externalId: '102',
      dailyBudgetMicros: 81_500_000,
    });
    const m = mutates(fake)[0]!;
    expect(m.path).toBe('/v26/customers/1234567890/campaignBudgets:mutate');
    expect((m.body as { operations: unknown[] }).operations[0]).toEqual({
      update: { resourceName: 'customers/1234567890/campaignBudgets/9102', amountMicros: '81500000' },
      updateMask: 'amountMicros',
    });
    const budget = [...fake.state.budgets.values()].find((b) => b.id === '9103')!;
    budget.explicitlyShared = true;
    const shared = await ads
      .apply(s.ctx, '1234567890', {
        type: 'set_daily_budget',
        level: 'campaign',
        externalId: '103',
        dailyBudgetMicros: 1_000_000,
      })
      .catch((e) => e);
    expect(shared).toMatchObject({ kind: 'invalid', vendorCode: 'SHARED_BUDGET' });
    const group = await ads
      .apply(s.ctx, '1234567890', {
        type: 'set_daily_budget',
        level: 'ad_group',
        externalId: '10110',
        dailyBudgetMicros: 1_000_000,
      })
      .catch((e) => e);
    expect(group).toMatchObject({ kind: 'invalid' });
    expect(mutates(fake)).toHaveLength(1);
  });

  it("passes Google's refusal of a budget that is not a whole cent through as invalid", async () => {
    const s = await start();
    fake = s.fake;
    const err = await ads
      .apply(s.ctx, '1234567890', {
        type: 'set_daily_budget',
        level: 'campaign',
        externalId: '101',
        dailyBudgetMicros: 50_000_001,
      })
      .catch((e) => e);
    expect(err).toMatchObject({
      kind: 'invalid',
      vendorCode: 'campaignBudgetError.NON_MULTIPLE_OF_MINIMUM_CURRENCY_UNIT',
    });
    expect(fake.entity('101')?.dailyBudgetMicros).toBe(60_000_000);
  });

  it('requests the OAuth consent screen offline with PKCE S256 and keeps the refresh token on refresh', async () => {
    const s = await start();
    fake = s.fake;
    const oauth = googleAds.oauth!;
    const app = { clientId: 'cid', clientSecret: 'sec', redirectUri: 'https://app.example/cb' };
    const url = new URL(
      oauth.authorizationUrl(app, googleAds.defaultSettings, { state: 's', codeChallenge: 'c' }),
    );
    expect(url.origin + url.pathname).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      access_type: 'offline',
      prompt: 'consent',
      response_type: 'code',
      code_challenge_method: 'S256',
      scope: 'https://www.googleapis.com/auth/adwords',
    });
    const tokens = await oauth.exchangeCode(
      app,
      s.ctx.settings,
      { code: 'good-code', codeVerifier: 'v' },
      { fetch },
    );
    expect(fake.log.at(-1)?.body).toMatchObject({
      grant_type: 'authorization_code',
      code_verifier: 'v',
      redirect_uri: app.redirectUri,
    });
    const refreshed = await oauth.refresh(app, s.ctx.settings, tokens, { fetch });
    expect(refreshed.refreshToken).toBe(tokens.refreshToken);
    expect(Date.parse(refreshed.expiresAt!)).toBeGreaterThan(Date.now());
    const revoked = await oauth
      .refresh(app, s.ctx.settings, { ...tokens, refreshToken: '1//revoked' }, { fetch })
      .catch((e) => e);
    expect(revoked).toMatchObject({ kind: 'auth', vendorCode: 'invalid_grant' });
  });
});
