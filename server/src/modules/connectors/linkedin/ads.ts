/**
 * The LinkedIn AdsApi: accounts (adAccounts search), structure (campaign groups, campaigns,
 * creatives and the posts that hold sponsored-content copy), daily creative metrics (adAnalytics)
 * and write-backs (Rest.li PARTIAL_UPDATE).
 */
import {
  type AccountStructure,
  type AdsApi,
  type ConnectorContext,
  ConnectorError,
  type DailyMetricRecord,
  type WriteAction,
  type WriteResult,
} from '../connector.port.ts';
import {
  allElements,
  linkedinCall,
  MAX_CREATIVE_PAGE,
  MAX_SEARCH_PAGE,
  restliDate,
  restliEncode,
  restliList,
  wireQuery,
} from './client.ts';
import {
  creativeUrn,
  type LiAccount,
  type LiAnalyticsElement,
  type LiCampaign,
  type LiCampaignGroup,
  type LiCreative,
  type LiPost,
  mapStatus,
  microsToAmount,
  toAccount,
  toAd,
  toAdGroup,
  toCampaign,
  toDailyMetric,
  urnId,
} from './mapping.ts';

/** Every status, so paused, archived and removed entities still resolve historical metrics. */
const CAMPAIGN_STATUSES = 'ACTIVE,PAUSED,ARCHIVED,COMPLETED,CANCELED,DRAFT,PENDING_DELETION,REMOVED';
const GROUP_STATUSES = 'ACTIVE,PAUSED,ARCHIVED,CANCELED,DRAFT,PENDING_DELETION,REMOVED';

/** 6 metrics + the 2 keys; LinkedIn allows at most 20 metrics per request. */
export const ANALYTICS_FIELDS = [
  'dateRange',
  'pivotValues',
  'impressions',
  'clicks',
  'costInLocalCurrency',
  'externalWebsiteConversions',
  'conversionValueInLocalCurrency',
  'videoViews',
];
/** adAnalytics does not paginate; requests are sliced by date so no answer nears its row cap. */
export const ANALYTICS_WINDOW_DAYS = 30;
/** Reported silent cap on adAnalytics elements: a window that hits it is split in two. */
export const ANALYTICS_ROW_CAP = 15_000;
/** Post URNs per BATCH_GET (keeps the URL far below LinkedIn's length limit). */
export const POST_BATCH = 50;

function accountId(id: string): string {
  if (!/^\d+$/.test(id)) throw new ConnectorError('invalid', `Not a LinkedIn ad account id: ${id}`);
  return id;
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
function dayMs(iso: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? Date.parse(`${iso}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw new ConnectorError('invalid', `Not a date: ${iso}`);
  return ms;
}

/** Sponsored content copy lives in posts; BATCH_GET them (single GET for one). */
async function fetchPosts(ctx: ConnectorContext, urns: string[]): Promise<Map<string, LiPost>> {
  const posts = new Map<string, LiPost>();
  for (let i = 0; i < urns.length; i += POST_BATCH) {
    const chunk = urns.slice(i, i + POST_BATCH);
    try {
      if (chunk.length === 1) {
        const res = await linkedinCall(ctx, { path: `/posts/${restliEncode(chunk[0]!)}`, expect: 'entity' });
        posts.set(chunk[0]!, res.body as LiPost);
      } else {
        const res = await linkedinCall(ctx, {
          path: '/posts',
          query: wireQuery([['ids', restliList(chunk)]]),
          restliMethod: 'BATCH_GET',
          expect: 'batch',
        });
        // Deleted or unreadable posts come back under `errors`/`statuses`, not `results`.
        const results = (res.body as { results: Record<string, LiPost> }).results;
        for (const [urn, post] of Object.entries(results)) posts.set(urn, post);
      }
    } catch (e) {
      // A post the member may not read (403) or that was deleted (404) leaves that ad's copy empty
      // rather than failing the whole structure; expired tokens and the rest still fail.
      if (e instanceof ConnectorError && (e.status === 403 || e.status === 404)) continue;
      throw e;
    }
  }
  return posts;
}

async function fetchStructure(ctx: ConnectorContext, accountExternalId: string): Promise<AccountStructure> {
  const acct = accountId(accountExternalId);
  const groups = await allElements<LiCampaignGroup>(
    ctx,
    {
      path: `/adAccounts/${acct}/adCampaignGroups`,
      params: [
        ['q', 'search'],
        ['search', `(status:(values:List(${GROUP_STATUSES})))`],
      ],
    },
    MAX_SEARCH_PAGE,
  );
  const campaigns = await allElements<LiCampaign>(
    ctx,
    {
      path: `/adAccounts/${acct}/adCampaigns`,
      params: [
        ['q', 'search'],
        ['search', `(status:(values:List(${CAMPAIGN_STATUSES})))`],
      ],
    },
    MAX_SEARCH_PAGE,
  );
  const creatives = await allElements<LiCreative>(
    ctx,
    {
      path: `/adAccounts/${acct}/creatives`,
      params: [
        ['q', 'criteria'],
        ['sortOrder', 'ASCENDING'],
      ],
      restliMethod: 'FINDER',
    },
    MAX_CREATIVE_PAGE,
  );
  const postUrns = [
    ...new Set(
      creatives
        .map((c) => c.content?.reference)
        .filter((r): r is string => !!r && /^urn:li:(share|ugcPost):/.test(r)),
    ),
  ];
  const posts = await fetchPosts(ctx, postUrns);
  const groupOfCampaign = new Map(campaigns.map((c) => [String(c.id), urnId(c.campaignGroup)]));
  return {
    campaigns: groups.map((g) => toCampaign(g, acct)),
    adGroups: campaigns.map(toAdGroup),
    // A creative whose campaign is not in the account cannot be placed in the hierarchy.
    ads: creatives.flatMap((cr) => {
      const campaign = groupOfCampaign.get(urnId(cr.campaign));
      if (campaign === undefined) return [];
      const ref = cr.content?.reference;
      return [toAd(cr, campaign, ref ? posts.get(ref) : undefined)];
    }),
  };
}

async function analyticsRows(
  ctx: ConnectorContext,
  acct: string,
  from: string,
  to: string,
): Promise<DailyMetricRecord[]> {
  const res = await linkedinCall(ctx, {
    path: '/adAnalytics',
    query: wireQuery([
      ['q', 'analytics'],
      ['pivot', 'CREATIVE'],
      ['timeGranularity', 'DAILY'],
      ['dateRange', `(start:${restliDate(from)},end:${restliDate(to)})`],
      ['accounts', restliList([`urn:li:sponsoredAccount:${acct}`])],
      ['fields', ANALYTICS_FIELDS.join(',')],
    ]),
    expect: 'elements',
  });
  const elements = (res.body as { elements: LiAnalyticsElement[] }).elements;
  if (elements.length >= ANALYTICS_ROW_CAP && from < to) {
    const mid = isoDay(dayMs(from) + Math.floor((dayMs(to) - dayMs(from)) / DAY_MS / 2) * DAY_MS);
    const next = isoDay(dayMs(mid) + DAY_MS);
    return [...(await analyticsRows(ctx, acct, from, mid)), ...(await analyticsRows(ctx, acct, next, to))];
  }
  return elements
    .map(toDailyMetric)
    .filter((r): r is DailyMetricRecord => r !== undefined && r.date >= from && r.date <= to);
}

async function* fetchDailyMetrics(
  ctx: ConnectorContext,
  accountExternalId: string,
  range: { from: string; to: string },
): AsyncGenerator<DailyMetricRecord[]> {
  const acct = accountId(accountExternalId);
  const end = dayMs(range.to);
  for (let start = dayMs(range.from); start <= end; start += ANALYTICS_WINDOW_DAYS * DAY_MS) {
    const windowEnd = Math.min(end, start + (ANALYTICS_WINDOW_DAYS - 1) * DAY_MS);
    const rows = await analyticsRows(ctx, acct, isoDay(start), isoDay(windowEnd));
    if (rows.length > 0) yield rows;
  }
}

function entityPath(acct: string, level: WriteAction['level'], externalId: string): string {
  if (level === 'ad') {
    if (!/^(\d+|urn:li:sponsoredCreative:\d+)$/.test(externalId))
      throw new ConnectorError('invalid', `Not a LinkedIn creative id: ${externalId}`);
    // Creative ids are URNs and must be percent-encoded in the path.
    return `/adAccounts/${acct}/creatives/${restliEncode(creativeUrn(externalId))}`;
  }
  if (!/^\d+$/.test(externalId)) throw new ConnectorError('invalid', `Not a LinkedIn id: ${externalId}`);
  return `/adAccounts/${acct}/${level === 'campaign' ? 'adCampaignGroups' : 'adCampaigns'}/${externalId}`;
}

const partialUpdate = (ctx: ConnectorContext, path: string, set: Record<string, unknown>) =>
  linkedinCall(ctx, {
    method: 'POST',
    path,
    json: { patch: { $set: set } },
    restliMethod: 'PARTIAL_UPDATE',
    expect: 'empty',
  });

async function apply(
  ctx: ConnectorContext,
  accountExternalId: string,
  action: WriteAction,
): Promise<WriteResult> {
  const acct = accountId(accountExternalId);
  const path = entityPath(acct, action.level, action.externalId);
  if (action.type === 'set_status') {
    const field = action.level === 'ad' ? 'intendedStatus' : 'status';
    const current = (await linkedinCall(ctx, { path, expect: 'entity' })).body as Record<string, unknown>;
    await partialUpdate(ctx, path, { [field]: action.status === 'active' ? 'ACTIVE' : 'PAUSED' });
    return {
      externalId: action.externalId,
      before: { status: mapStatus(current[field] as string | undefined) },
      after: { status: action.status },
    };
  }
  if (action.level !== 'ad_group')
    throw new ConnectorError('invalid', 'LinkedIn daily budgets live on campaigns (Omnify ad groups)');
  const campaign = (await linkedinCall(ctx, { path, expect: 'entity' })).body as LiCampaign;
  // The budget must be in the account currency; the campaign's own money fields carry it.
  const currencyCode =
    campaign.dailyBudget?.currencyCode ??
    campaign.totalBudget?.currencyCode ??
    campaign.unitCost?.currencyCode ??
    ((await linkedinCall(ctx, { path: `/adAccounts/${acct}`, expect: 'entity' })).body as LiAccount).currency;
  if (!currencyCode) throw new ConnectorError('invalid', `No currency known for LinkedIn account ${acct}`);
  await partialUpdate(ctx, path, {
    dailyBudget: { amount: microsToAmount(action.dailyBudgetMicros), currencyCode },
  });
  return {
    externalId: action.externalId,
    before: { dailyBudgetMicros: toAdGroup(campaign).dailyBudgetMicros },
    after: { dailyBudgetMicros: action.dailyBudgetMicros },
  };
}

export const linkedinAds: AdsApi = {
  async listAccounts(ctx) {
    const accounts = await allElements<LiAccount>(
      ctx,
      { path: '/adAccounts', params: [['q', 'search']] },
      MAX_SEARCH_PAGE,
    );
    return accounts.map(toAccount);
  },
  fetchStructure,
  fetchDailyMetrics,
  apply,
};
