/**
 * The one contract suite every ads connector passes against a local fake of its vendor's API. The
 * scenario is written in Omnify's terms; each fake serves it in its vendor's shapes, so the suite
 * checks the whole round trip: paging, mapping, money, failures and write-backs.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBudget } from './budget.ts';
import {
  type AccountStructure,
  type AdAccountRecord,
  type ConnectorContext,
  type ConnectorDefinition,
  ConnectorError,
  type DailyMetricRecord,
  type EntityStatus,
  type OAuthApp,
} from './connector.port.ts';

export interface AdsScenario {
  account: AdAccountRecord;
  structure: AccountStructure;
  metrics: DailyMetricRecord[];
  /** Fakes page at this size so that every list needs several pages. */
  pageSize: number;
}

export type FakeFailure = 'expired_token' | 'rate_limited' | 'server_error' | 'malformed';

export interface FakeControl {
  /** The next `count` API calls (not token calls) fail the way this vendor fails. */
  inject(failure: FakeFailure, count?: number): void;
  /** API calls served so far (token endpoint excluded). */
  requests(): number;
  /** An entity's state in the fake, after write-backs. */
  entity(externalId: string): { status: EntityStatus; dailyBudgetMicros: number | null } | undefined;
  /** Base URL of the fake, for settings. */
  url: string;
  close(): Promise<void>;
}

export interface AdsHarness {
  definition: ConnectorDefinition;
  /** What the platform reports at ad-day level; unsupported metrics are expected as null. */
  supports: { reach: boolean; frequency: boolean; videoViews: boolean };
  /** Level where daily budgets live on this platform. */
  budgetLevel: 'campaign' | 'ad_group';
  /** A platform that reports every account in one fixed time zone (LinkedIn: UTC) says so here. */
  reportsTimeZone?: string;
  /** Starts the fake serving the scenario, and a context whose settings point at it. */
  start(scenario: AdsScenario): Promise<{ ctx: ConnectorContext; fake: FakeControl }>;
  oauthApp?: OAuthApp;
}

/** A small deterministic scenario: 3 campaigns × 2 ad groups × 2 ads × 10 days = 120 rows. */
export function makeScenario(seed = 7): AdsScenario {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const account: AdAccountRecord = {
    externalId: '1234567890',
    name: 'Acme Dental',
    currency: 'USD',
    timeZone: 'America/New_York',
    status: 'active',
  };
  const structure: AccountStructure = { campaigns: [], adGroups: [], ads: [] };
  const metrics: DailyMetricRecord[] = [];
  const formats = ['image', 'video', 'image'] as const;
  for (let c = 1; c <= 3; c++) {
    const campaignId = `${100 + c}`;
    structure.campaigns.push({
      externalId: campaignId,
      accountExternalId: account.externalId,
      name: `Campaign ${c} – Spring "Promo"`,
      status: c === 3 ? 'paused' : 'active',
      objective: null,
      dailyBudgetMicros: (50 + c * 10) * 1_000_000,
      lifetimeBudgetMicros: null,
      startDate: null,
      endDate: null,
    });
    for (let g = 1; g <= 2; g++) {
      const groupId = `${campaignId}${g}0`;
      structure.adGroups.push({
        externalId: groupId,
        campaignExternalId: campaignId,
        name: `Group ${c}.${g}`,
        status: 'active',
        dailyBudgetMicros: (20 + g * 5) * 1_000_000,
      });
      for (let a = 1; a <= 2; a++) {
        const adId = `${groupId}${a}`;
        structure.ads.push({
          externalId: adId,
          adGroupExternalId: groupId,
          campaignExternalId: campaignId,
          name: `Ad ${c}.${g}.${a}`,
          status: a === 2 && g === 2 ? 'paused' : 'active',
          creative: {
            externalId: `cr${adId}`,
            format: formats[c - 1] ?? 'image',
            headline: `Smile brighter ${c}${g}${a}`,
            body: 'Book your free consultation today.',
            callToAction: 'LEARN_MORE',
            mediaUrl: `https://cdn.example.com/${adId}.jpg`,
            landingUrl: `https://acme.example.com/lp/${adId}`,
          },
          createdAt: null,
        });
        for (let d = 0; d < 10; d++) {
          const impressions = 500 + Math.floor(rand() * 5000);
          const clicks = Math.floor(impressions * (0.005 + rand() * 0.03));
          const conversions = Math.floor(clicks * rand() * 0.2);
          metrics.push({
            adExternalId: adId,
            date: `2026-11-${String(d + 1).padStart(2, '0')}`,
            impressions,
            clicks,
            // Cents only: every vendor can express it exactly.
            spendMicros: Math.floor(rand() * 20_000) * 10_000,
            conversions,
            conversionValueMicros: conversions * 45_500_000,
            reach: Math.floor(impressions * 0.8),
            frequency: null,
            videoViews: c === 2 ? Math.floor(impressions * 0.3) : 0,
          });
        }
      }
    }
  }
  for (const m of metrics) m.frequency = m.reach ? Math.round((m.impressions / m.reach) * 1e4) / 1e4 : null;
  return { account, structure, metrics, pageSize: 7 };
}

const sortRows = (rows: DailyMetricRecord[]) =>
  [...rows].sort((a, b) => a.adExternalId.localeCompare(b.adExternalId) || a.date.localeCompare(b.date));

async function collect(it: AsyncIterable<DailyMetricRecord[]>): Promise<DailyMetricRecord[]> {
  const out: DailyMetricRecord[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

/** Registers the contract suite for one ads connector. */
export function adsConnectorContract(name: string, harness: AdsHarness) {
  const ads = harness.definition.ads;
  const expectRows = (rows: DailyMetricRecord[]) =>
    rows.map((r) => ({
      ...r,
      reach: harness.supports.reach ? r.reach : null,
      frequency: harness.supports.frequency ? r.frequency : null,
      videoViews: harness.supports.videoViews ? r.videoViews : null,
    }));
  const range = { from: '2026-11-01', to: '2026-11-10' };

  describe(`${name} connector contract`, () => {
    it('has an ads API', () => {
      expect(ads).toBeDefined();
    });

    it('lists the account with its currency and time zone', async () => {
      const sc = makeScenario();
      const { ctx, fake } = await harness.start(sc);
      try {
        const accounts = await ads!.listAccounts(ctx);
        expect(accounts).toContainEqual(
          expect.objectContaining({
            externalId: sc.account.externalId,
            currency: 'USD',
            timeZone: harness.reportsTimeZone ?? sc.account.timeZone,
          }),
        );
      } finally {
        await fake.close();
      }
    });

    it('reads every campaign, ad group and ad with its creative across pages', async () => {
      const sc = makeScenario();
      const { ctx, fake } = await harness.start(sc);
      try {
        const got = await ads!.fetchStructure(ctx, sc.account.externalId);
        const ids = (xs: { externalId: string }[]) => xs.map((x) => x.externalId).sort();
        expect(ids(got.campaigns)).toEqual(ids(sc.structure.campaigns));
        expect(ids(got.adGroups)).toEqual(ids(sc.structure.adGroups));
        expect(ids(got.ads)).toEqual(ids(sc.structure.ads));
        for (const c of sc.structure.campaigns) {
          const g = got.campaigns.find((x) => x.externalId === c.externalId)!;
          expect(g).toMatchObject({ name: c.name, status: c.status });
          if (harness.budgetLevel === 'campaign') expect(g.dailyBudgetMicros).toBe(c.dailyBudgetMicros);
        }
        for (const a of sc.structure.ads) {
          const g = got.ads.find((x) => x.externalId === a.externalId)!;
          expect(g).toMatchObject({
            name: a.name,
            status: a.status,
            adGroupExternalId: a.adGroupExternalId,
            campaignExternalId: a.campaignExternalId,
          });
          expect(g.creative.headline).toBe(a.creative.headline);
          expect(g.creative.body).toBe(a.creative.body);
        }
        expect(fake.requests()).toBeGreaterThan(1);
      } finally {
        await fake.close();
      }
    });

    it('reads exactly the daily rows of the range, across pages, with money in micros', async () => {
      const sc = makeScenario();
      const { ctx, fake } = await harness.start(sc);
      try {
        const rows = await collect(ads!.fetchDailyMetrics(ctx, sc.account.externalId, range));
        expect(sortRows(rows)).toEqual(sortRows(expectRows(sc.metrics)));
        const sub = await collect(
          ads!.fetchDailyMetrics(ctx, sc.account.externalId, { from: '2026-11-03', to: '2026-11-04' }),
        );
        expect(sortRows(sub)).toEqual(
          sortRows(expectRows(sc.metrics.filter((m) => m.date >= '2026-11-03' && m.date <= '2026-11-04'))),
        );
      } finally {
        await fake.close();
      }
    });

    it('maps an expired token to an auth error without retrying', async () => {
      const sc = makeScenario();
      const { ctx, fake } = await harness.start(sc);
      try {
        fake.inject('expired_token', 1);
        const err = await collect(ads!.fetchDailyMetrics(ctx, sc.account.externalId, range)).catch((e) => e);
        expect(err).toBeInstanceOf(ConnectorError);
        expect((err as ConnectorError).kind).toBe('auth');
        expect(fake.requests()).toBe(1);
      } finally {
        await fake.close();
      }
    });

    it('waits as the vendor asks on a rate limit, then finishes with exactly the expected rows', async () => {
      const sc = makeScenario();
      const { ctx, fake } = await harness.start(sc);
      const waits: number[] = [];
      // A fake clock that the budget's sleeps move forward: the wait is recorded, not spent.
      let t = Date.now();
      const budget = createMemoryBudget(
        {},
        {
          now: () => t,
          sleep: async (ms) => {
            waits.push(ms);
            t += ms;
          },
        },
      );
      try {
        fake.inject('rate_limited', 2);
        const rows = await collect(
          ads!.fetchDailyMetrics({ ...ctx, budget, sleep: async () => {} }, sc.account.externalId, range),
        );
        expect(sortRows(rows)).toEqual(sortRows(expectRows(sc.metrics)));
        expect(waits.length).toBeGreaterThanOrEqual(1);
        expect(waits.some((w) => w > 0)).toBe(true);
      } finally {
        await fake.close();
      }
    });

    it('retries server errors and still returns every row once', async () => {
      const sc = makeScenario();
      const { ctx, fake } = await harness.start(sc);
      try {
        fake.inject('server_error', 2);
        const rows = await collect(
          ads!.fetchDailyMetrics({ ...ctx, sleep: async () => {} }, sc.account.externalId, range),
        );
        expect(sortRows(rows)).toEqual(sortRows(expectRows(sc.metrics)));
      } finally {
        await fake.close();
      }
    });

    it('fails with a connector error, not a crash or partial data, when responses stay malformed', async () => {
      const sc = makeScenario();
      const { ctx, fake } = await harness.start(sc);
      try {
        fake.inject('malformed', 1000);
        const err = await collect(
          ads!.fetchDailyMetrics({ ...ctx, sleep: async () => {} }, sc.account.externalId, range),
        ).catch((e) => e);
        expect(err).toBeInstanceOf(ConnectorError);
        expect(['transient', 'invalid']).toContain((err as ConnectorError).kind);
      } finally {
        await fake.close();
      }
    });

    it('pauses an ad and changes a daily budget, reporting before and after', async () => {
      const sc = makeScenario();
      const { ctx, fake } = await harness.start(sc);
      try {
        const ad = sc.structure.ads[0]!;
        const paused = await ads!.apply(ctx, sc.account.externalId, {
          type: 'set_status',
          level: 'ad',
          externalId: ad.externalId,
          status: 'paused',
        });
        expect(paused.before.status).toBe('active');
        expect(paused.after.status).toBe('paused');
        expect(fake.entity(ad.externalId)?.status).toBe('paused');
        const target =
          harness.budgetLevel === 'campaign' ? sc.structure.campaigns[0]! : sc.structure.adGroups[0]!;
        const changed = await ads!.apply(ctx, sc.account.externalId, {
          type: 'set_daily_budget',
          level: harness.budgetLevel,
          externalId: target.externalId,
          dailyBudgetMicros: 75_000_000,
        });
        expect(changed.before.dailyBudgetMicros).toBe(target.dailyBudgetMicros);
        expect(changed.after.dailyBudgetMicros).toBe(75_000_000);
        expect(fake.entity(target.externalId)?.dailyBudgetMicros).toBe(75_000_000);
      } finally {
        await fake.close();
      }
    });

    it.runIf(harness.definition.oauth !== null)(
      'builds an authorization URL with state and exchanges and refreshes tokens at the token endpoint',
      async () => {
        const sc = makeScenario();
        const { ctx, fake } = await harness.start(sc);
        const app = harness.oauthApp ?? {
          clientId: 'client-123',
          clientSecret: 'secret-456',
          redirectUri: 'http://localhost:3000/api/v1/connections/oauth/callback',
        };
        try {
          const oauth = harness.definition.oauth!;
          const url = new URL(
            oauth.authorizationUrl(app, ctx.settings, {
              state: 'st4te',
              ...(oauth.supportsPkce ? { codeChallenge: 'ch4llenge' } : {}),
            }),
          );
          expect(url.searchParams.get('state')).toBe('st4te');
          expect(url.searchParams.get('client_id')).toBe(app.clientId);
          expect(url.searchParams.get('redirect_uri')).toBe(app.redirectUri);
          if (oauth.supportsPkce) expect(url.searchParams.get('code_challenge')).toBe('ch4llenge');
          const tokens = await oauth.exchangeCode(
            app,
            ctx.settings,
            { code: 'good-code', ...(oauth.supportsPkce ? { codeVerifier: 'v' } : {}) },
            { fetch: ctx.fetch },
          );
          expect(tokens.accessToken.length).toBeGreaterThan(0);
          const refreshed = await oauth.refresh(app, ctx.settings, tokens, { fetch: ctx.fetch });
          expect(refreshed.accessToken).not.toBe(tokens.accessToken);
          const bad = await oauth
            .exchangeCode(app, ctx.settings, { code: 'bad-code' }, { fetch: ctx.fetch })
            .catch((e) => e);
          expect(bad).toBeInstanceOf(ConnectorError);
          expect((bad as ConnectorError).kind).toBe('auth');
        } finally {
          await fake.close();
        }
      },
    );
  });
}
