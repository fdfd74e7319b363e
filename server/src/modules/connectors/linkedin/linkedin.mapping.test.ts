import { describe, expect, it } from 'vitest';
import { withFake } from '../../../../test/fakes/linkedin/context.ts';
import { postUrnOf } from '../../../../test/fakes/linkedin/state.ts';
import { ConnectorError } from '../connector.port.ts';
import { restliDate, restliEncode, restliList } from './client.ts';
import { linkedin } from './index.ts';
import { microsToAmount, toCreative, toDailyMetric } from './mapping.ts';

const ads = linkedin.ads!;

describe('linkedin Rest.li encoding', () => {
  it('percent-encodes values but keeps the List( , ) structure literal', () => {
    expect(restliEncode("urn:li:sponsoredAccount:1 (a),b'*")).toBe(
      'urn%3Ali%3AsponsoredAccount%3A1%20%28a%29%2Cb%27%2A',
    );
    expect(restliList(['urn:li:share:1', 'urn:li:ugcPost:2'])).toBe(
      'List(urn%3Ali%3Ashare%3A1,urn%3Ali%3AugcPost%3A2)',
    );
    expect(restliDate('2026-01-05')).toBe('(year:2026,month:1,day:5)');
  });
});

describe('linkedin mapping', () => {
  it('reports UTC as the account time zone, since LinkedIn buckets daily analytics by UTC day', async () => {
    await withFake(async (ctx) => {
      expect(await ads.listAccounts(ctx)).toEqual([
        { externalId: '1234567890', name: 'Acme Dental', currency: 'USD', timeZone: 'UTC', status: 'active' },
      ]);
    });
  });

  it('maps creatives to ads with numeric ids, post copy, landing page, CTA and creation time', async () => {
    await withFake(async (ctx) => {
      const s = await ads.fetchStructure(ctx, '1234567890');
      const ad = s.ads.find((a) => a.externalId === '101101')!;
      expect(ad).toEqual({
        externalId: '101101',
        adGroupExternalId: '10110',
        campaignExternalId: '101',
        name: 'Ad 1.1.1',
        status: 'active',
        createdAt: '2026-10-15T12:00:00.000Z',
        creative: {
          externalId: postUrnOf('101101'),
          format: 'image',
          headline: 'Smile brighter 111',
          body: 'Book your free consultation today.',
          callToAction: 'LEARN_MORE',
          mediaUrl: null,
          landingUrl: 'https://acme.example.com/lp/101101',
        },
      });
      expect(s.ads.find((a) => a.externalId === '102101')?.creative.format).toBe('video');
      expect(s.campaigns[0]).toMatchObject({
        startDate: '2026-11-01',
        endDate: null,
        dailyBudgetMicros: null,
      });
    });
  });

  it('keeps ads whose post is gone, with empty copy, and maps inline text ads', async () => {
    await withFake(async (ctx, fake) => {
      fake.state.posts.delete(postUrnOf('101101'));
      fake.state.creatives.get('101102')!.content = {
        textAd: {
          headline: 'Free whitening',
          description: 'Book now',
          landingPage: 'https://acme.example.com',
        },
      };
      const s = await ads.fetchStructure(ctx, '1234567890');
      expect(s.ads).toHaveLength(12);
      expect(s.ads.find((a) => a.externalId === '101101')!.creative).toMatchObject({
        format: 'other',
        headline: null,
        body: null,
      });
      expect(s.ads.find((a) => a.externalId === '101102')!.creative).toEqual({
        externalId: null,
        format: 'text',
        headline: 'Free whitening',
        body: 'Book now',
        callToAction: null,
        mediaUrl: null,
        landingUrl: 'https://acme.example.com',
      });
    });
  });

  it('reads partial analytics elements: missing metrics, long decimals, no video views', () => {
    const row = toDailyMetric({
      dateRange: { start: { year: 2026, month: 2, day: 3 }, end: { year: 2026, month: 2, day: 3 } },
      pivotValues: ['urn:li:sponsoredCreative:42'],
      impressions: 10,
      costInLocalCurrency: '12.345678912',
    });
    expect(row).toEqual({
      adExternalId: '42',
      date: '2026-02-03',
      impressions: 10,
      clicks: 0,
      spendMicros: 12_345_678,
      conversions: 0,
      conversionValueMicros: 0,
      reach: null,
      frequency: null,
      videoViews: null,
    });
    expect(toDailyMetric({ impressions: 1 })).toBeUndefined();
  });

  it('formats budgets exactly and falls back to the lead-gen CTA for posts without one', () => {
    expect(microsToAmount(75_000_000)).toBe('75.00');
    expect(microsToAmount(1_234_567)).toBe('1.234567');
    expect(() => microsToAmount(-1)).toThrow(ConnectorError);
    const cr = toCreative(
      {
        id: 'urn:li:sponsoredCreative:1',
        content: { reference: 'urn:li:share:9' },
        leadgenCallToAction: { label: 'APPLY' },
      },
      { commentary: 'Hi', content: { article: { title: 'T', source: 'https://x.example' } } },
    );
    expect(cr).toMatchObject({
      format: 'image',
      headline: 'T',
      body: 'Hi',
      callToAction: 'APPLY',
      landingUrl: 'https://x.example',
    });
  });
});

describe('linkedin oauth', () => {
  const app = {
    clientId: 'client-123',
    clientSecret: 'secret-456',
    redirectUri: 'https://omnify.example/cb',
  };

  it('builds the authorization URL with space-separated ads scopes and no PKCE', () => {
    const url = linkedin.oauth!.authorizationUrl(app, linkedin.defaultSettings, { state: 's 1' });
    expect(url).toBe(
      'https://www.linkedin.com/oauth/v2/authorization?response_type=code&client_id=client-123' +
        '&redirect_uri=https%3A%2F%2Fomnify.example%2Fcb&state=s%201' +
        '&scope=r_ads%20rw_ads%20r_ads_reporting%20r_organization_social',
    );
    expect(linkedin.oauth!.supportsPkce).toBe(false);
  });

  it('keeps the refresh token and its fixed expiry across refreshes, and maps bad clients to auth', async () => {
    await withFake(async (ctx) => {
      const http = { fetch };
      const t1 = await linkedin.oauth!.exchangeCode(app, ctx.settings, { code: 'good-code' }, http);
      expect(t1.refreshToken).toMatch(/^AQX-/);
      expect(t1.extra.refreshTokenExpiresAt).toBeDefined();
      const t2 = await linkedin.oauth!.refresh(app, ctx.settings, t1, http);
      expect(t2.refreshToken).toBe(t1.refreshToken);
      expect(Date.parse(t2.extra.refreshTokenExpiresAt!)).toBeLessThanOrEqual(
        Date.parse(t1.extra.refreshTokenExpiresAt!) + 1000,
      );
      const reused = await linkedin
        .oauth!.exchangeCode(app, ctx.settings, { code: 'good-code' }, http)
        .catch((e) => e);
      expect(reused).toMatchObject({ kind: 'auth', vendorCode: 'invalid_request' });
      const badClient = await linkedin
        .oauth!.refresh({ ...app, clientSecret: 'nope' }, ctx.settings, t1, http)
        .catch((e) => e);
      expect(badClient).toMatchObject({ kind: 'auth', status: 401, vendorCode: 'invalid_client' });
      const none = await linkedin
        .oauth!.refresh(app, ctx.settings, { ...t1, refreshToken: null }, http)
        .catch((e) => e);
      expect(none).toMatchObject({ kind: 'auth' });
    });
  });
});
