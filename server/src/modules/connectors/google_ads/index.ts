/**
 * Google Ads connector: REST + GAQL against googleads.googleapis.com. Reads accounts, structure
 * and ad-level daily metrics; writes status (campaign, ad group, ad) and campaign budgets.
 */
import {
  type AdAccountRecord,
  type AdsApi,
  type ConnectorContext,
  type ConnectorDefinition,
  ConnectorError,
  type DailyMetricRecord,
  type WriteAction,
  type WriteResult,
} from '../connector.port.ts';
import {
  customerId,
  listAccessibleCustomers,
  type MutateService,
  mutateOne,
  search,
  searchAll,
} from './client.ts';
import {
  accountOf,
  adGroupOf,
  adOf,
  campaignOf,
  count,
  dailyMetricOf,
  entityStatus,
  type GoogleAdsRow,
} from './mapping.ts';
import { googleOAuth } from './oauth.ts';
import { queries } from './queries.ts';

async function listAccounts(ctx: ConnectorContext): Promise<AdAccountRecord[]> {
  const login = ctx.settings.loginCustomerId;
  if (login) {
    // Through a manager (MCC): its client accounts, at any depth, are reachable with this login id.
    const rows = await searchAll(ctx, customerId(login), queries.clients);
    return rows.flatMap((r) =>
      r.customerClient && !r.customerClient.manager ? [accountOf(r.customerClient)] : [],
    );
  }
  const accounts: AdAccountRecord[] = [];
  for (const id of await listAccessibleCustomers(ctx)) {
    try {
      const c = (await searchAll(ctx, id, queries.customer))[0]?.customer;
      // Managers hold no ads and refuse metrics queries; reach their clients via loginCustomerId.
      if (c && !c.manager) accounts.push(accountOf(c));
    } catch (e) {
      // Cancelled or not-yet-enabled accounts still show up as accessible; they are not an error.
      if (e instanceof ConnectorError && e.vendorCode === 'authorizationError.CUSTOMER_NOT_ENABLED') continue;
      throw e;
    }
  }
  return accounts;
}

async function fetchStructure(ctx: ConnectorContext, accountExternalId: string) {
  const cid = customerId(accountExternalId);
  const campaigns = (await searchAll(ctx, cid, queries.campaigns)).map((r) => campaignOf(r, cid));
  const adGroups = (await searchAll(ctx, cid, queries.adGroups)).map(adGroupOf);
  const ads = (await searchAll(ctx, cid, queries.ads)).map(adOf);
  return { campaigns, adGroups, ads };
}

async function* fetchDailyMetrics(
  ctx: ConnectorContext,
  accountExternalId: string,
  range: { from: string; to: string },
): AsyncIterable<DailyMetricRecord[]> {
  const cid = customerId(accountExternalId);
  if (range.from > range.to)
    throw new ConnectorError('invalid', `Empty date range ${range.from}..${range.to}`);
  // Rows whose metrics are all zero are not returned by Google: an absent ad-day means nothing happened.
  for await (const page of search(ctx, cid, queries.dailyMetrics(range.from, range.to)))
    yield page.map(dailyMetricOf);
}

interface StatusTarget {
  service: MutateService;
  query: (id: string) => string;
  pick: (row: GoogleAdsRow) => { resourceName?: string; status?: string } | undefined;
  resultKey: 'campaign' | 'adGroup' | 'adGroupAd';
}

const statusTargets: Record<'campaign' | 'ad_group' | 'ad', StatusTarget> = {
  campaign: {
    service: 'campaigns',
    query: queries.campaignState,
    pick: (r) => r.campaign,
    resultKey: 'campaign',
  },
  ad_group: {
    service: 'adGroups',
    query: queries.adGroupState,
    pick: (r) => r.adGroup,
    resultKey: 'adGroup',
  },
  ad: { service: 'adGroupAds', query: queries.adState, pick: (r) => r.adGroupAd, resultKey: 'adGroupAd' },
};

async function setStatus(
  ctx: ConnectorContext,
  cid: string,
  action: Extract<WriteAction, { type: 'set_status' }>,
): Promise<WriteResult> {
  const target = statusTargets[action.level];
  // An ad is addressed as adGroupAds/{adGroupId}~{adId}: look it (and the current status) up first.
  const current = (await searchAll(ctx, cid, target.query(action.externalId))).map(target.pick)[0];
  if (!current?.resourceName)
    throw new ConnectorError(
      'invalid',
      `No ${action.level} ${action.externalId} in Google Ads account ${cid}`,
    );
  const before = entityStatus(current.status);
  if (before === 'removed')
    throw new ConnectorError(
      'invalid',
      `${action.level} ${action.externalId} is removed and cannot be changed`,
    );
  const wanted = action.status === 'active' ? 'ENABLED' : 'PAUSED';
  if (current.status === wanted)
    return { externalId: action.externalId, before: { status: before }, after: { status: before } };
  const result = await mutateOne(
    ctx,
    cid,
    target.service,
    { resourceName: current.resourceName, status: wanted },
    'status',
  );
  const stored = (result[target.resultKey] as { status?: string } | undefined)?.status ?? wanted;
  return {
    externalId: action.externalId,
    before: { status: before },
    after: { status: entityStatus(stored) },
  };
}

async function setDailyBudget(
  ctx: ConnectorContext,
  cid: string,
  action: Extract<WriteAction, { type: 'set_daily_budget' }>,
): Promise<WriteResult> {
  if (action.level !== 'campaign')
    throw new ConnectorError('invalid', 'Google Ads ad groups have no budget: budgets belong to campaigns');
  if (!Number.isSafeInteger(action.dailyBudgetMicros) || action.dailyBudgetMicros <= 0)
    throw new ConnectorError(
      'invalid',
      `Daily budget must be a positive integer of micros, got ${action.dailyBudgetMicros}`,
    );
  const row = (await searchAll(ctx, cid, queries.budgetState(action.externalId)))[0];
  const budget = row?.campaignBudget;
  if (!row?.campaign || !budget?.resourceName)
    throw new ConnectorError(
      'invalid',
      `Campaign ${action.externalId} has no budget in Google Ads account ${cid}`,
    );
  // A shared budget funds several campaigns: changing it here would silently change the others.
  if (budget.explicitlyShared)
    throw new ConnectorError(
      'invalid',
      `Campaign ${action.externalId} uses a shared budget; change it for all its campaigns`,
      {
        vendorCode: 'SHARED_BUDGET',
      },
    );
  if (budget.period && budget.period !== 'DAILY')
    throw new ConnectorError(
      'invalid',
      `Campaign ${action.externalId} has a ${budget.period} budget, not a daily one`,
    );
  const before = count(budget.amountMicros, 'amountMicros');
  if (before === action.dailyBudgetMicros)
    return {
      externalId: action.externalId,
      before: { dailyBudgetMicros: before },
      after: { dailyBudgetMicros: before },
    };
  const result = await mutateOne(
    ctx,
    cid,
    'campaignBudgets',
    { resourceName: budget.resourceName, amountMicros: String(action.dailyBudgetMicros) },
    'amountMicros',
  );
  const stored = (result.campaignBudget as { amountMicros?: string } | undefined)?.amountMicros;
  return {
    externalId: action.externalId,
    before: { dailyBudgetMicros: before },
    after: {
      dailyBudgetMicros: stored === undefined ? action.dailyBudgetMicros : count(stored, 'amountMicros'),
    },
  };
}

export const googleAdsApi: AdsApi = {
  listAccounts,
  fetchStructure,
  fetchDailyMetrics,
  async apply(ctx, accountExternalId, action) {
    const cid = customerId(accountExternalId);
    return action.type === 'set_status' ? setStatus(ctx, cid, action) : setDailyBudget(ctx, cid, action);
  },
};

export const googleAds: ConnectorDefinition = {
  platform: 'google_ads',
  displayName: 'Google Ads',
  defaultSettings: {
    apiBaseUrl: 'https://googleads.googleapis.com',
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    apiVersion: 'v26',
  },
  oauth: googleOAuth,
  ads: googleAdsApi,
};
